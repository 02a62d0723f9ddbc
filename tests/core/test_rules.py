"""The rule-set loader: the shipped rules, the snapshot, and every way a custom file fails."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from needleplan import RulesError, rulesload
from needleplan.errors import UsageError
from needleplan.rulesload import load_rules, parse_rules, rules_from_data
from tests.conftest import PLANS, invoke, shipped_data, yaml_bytes

DEFAULT = rulesload.default_text()
_SHIPPED = shipped_data()


def _data() -> dict[str, Any]:
    return shipped_data()


def _problems(data: Any) -> list[str]:
    raw = yaml_bytes(data)
    with pytest.raises(RulesError) as info:
        parse_rules(raw, "clinic.yaml")
    problems = info.value.problems
    assert all(p.source == "clinic.yaml" for p in problems)
    assert all(p.line is not None and p.line >= 1 for p in problems)
    return [p.message for p in problems]


def test_shipped_rules_are_the_yaml_file() -> None:
    """The shipped rule set is the YAML file, validated: its hash is the file's."""
    assert load_rules().sha256 == hashlib.sha256(DEFAULT).hexdigest()
    assert load_rules().to_data() == parse_rules(DEFAULT, "x").to_data()


def test_rule_set_built_in_python() -> None:
    built = rules_from_data(_data())
    assert built.to_data() == load_rules().to_data()
    assert len(built.sha256) == 64  # hashed from its content when no file is behind it
    assert built.sha256 == rules_from_data(_data()).sha256


def _mutate(path: str, value: Any) -> dict[str, Any]:
    data = _data()
    *parents, last = path.split(".")
    node: Any = data
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is _DELETE:
        del node[last]
    else:
        node[int(last) if isinstance(node, list) else last] = value
    return data


_DELETE = object()

REFERENCE_CASES = [
    ("conditions.neck_pain.sources", ["nobody-2020"], "unknown source 'nobody-2020'"),
    ("conditions.neck_pain.companions", {"yoga": "fits"}, "unknown companion 'yoga'"),
    ("duration.companions", {"chronic": {"yoga": "x"}}, "unknown companion 'yoga'"),
    ("severity.moderate_max", 3, "must be greater than mild_max"),
    ("duration.chronic_above_weeks", 2, "must not be less than acute_below_weeks"),
    ("severity.block_step", {"mild": 1, "moderate": 0, "severe": 0}, "must not decrease"),
    ("duration.block_step", {"acute": 1, "subacute": 0, "chronic": 1}, "must not decrease"),
    ("conditions.neck_pain.initial_block", {"low": 4, "high": 2}, "needs low <= high"),
    ("conditions.shoulder_pain.initial_block", {"low": 1, "high": 2}, "smallest dose a trial"),
    ("conditions.neck_pain.initial_block", {"low": 2, "high": 5}, "largest dose a trial"),
    ("conditions.neck_pain.ceiling", 3, "must not be below the initial block"),
    ("health_factors.fever.urgency", "none", "a red flag needs an urgency"),
    ("health_factors.smoker.urgency", "same_day", "only red flags carry an urgency"),
    ("sites.psoas.risks", ["made_up"], "unknown site risk 'made_up'"),
    ("site_rules.0.factors_any", ["nobody"], "unknown health factor 'nobody'"),
    ("unchecked.pressure.when_factors_any", ["nobody"], "unknown health factor 'nobody'"),
    ("retired_ids", {"smoker": "gone"}, "must not also be a health factor"),
    ("conditions.low_back_pain.aliases", ["neck"], "'neck' already names 'neck_pain'"),
    ("health_factors.smoker.sources", ["x-1"], "unknown source 'x-1'"),
    ("underlying_factors.poor_posture.companions", {"yoga": "x"}, "unknown companion 'yoga'"),
    ("companions.stretching.sources", ["x-2"], "unknown source 'x-2'"),
    ("age_rules.0.sources", ["x-3"], "unknown source 'x-3'"),
    ("site_rules.0.sources", ["x-4"], "unknown source 'x-4'"),
    ("expectations.0.sources", ["x-5"], "unknown source 'x-5'"),
    ("course.no_response_sources", ["x-6"], "unknown source 'x-6'"),
    ("cadence.sources", ["x-7"], "unknown source 'x-7'"),
    ("review.events.bruising.sources", ["x-8"], "unknown source 'x-8'"),
    ("site_rules.0.risk", "made_up", "unknown site risk 'made_up'"),
    ("site_rules.14.risks_also", ["made_up"], "unknown site risk 'made_up'"),
    ("site_rules.4.in_place_of", "smoker", "must name a health factor with place: true"),
    ("note_words.0.factor", "nobody", "unknown health factor 'nobody'"),
    (
        "note_words.0.question",
        "nobody",
        "note_words[0].question: 'nobody' is not a health factor, a screening question",
    ),
    ("expectations.0.conditions", ["nowhere"], "unknown condition 'nowhere'"),
    ("start_back.applies_to", ["nowhere"], "unknown condition 'nowhere'"),
    (
        "review.events.breathlessness.otherwise.site_risks",
        ["nowhere"],
        "review.events.breathlessness.otherwise.site_risks[0]: unknown site risk 'nowhere'",
    ),
    (
        "health_factors.suspected_fracture.urgency",
        "soon",
        "'suspected_fracture' is not a same-day red flag: its page would not say 'today'",
    ),
    (
        "advice.safety_nets.3.replaces_warnings",
        ["nowhere"],
        "advice.safety_nets[3].replaces_warnings[0]: no text 'page.warning_signs.nowhere'",
    ),
    (
        "review.notes_holds",
        [g for g in _SHIPPED["review"]["notes_holds"] if g != "scfe"],
        "'scfe' raises a red flag: list it in review.notes_holds",
    ),
    (
        "screening.before_we_start.now_for",
        ["nobody"],
        "screening.before_we_start.now_for[0]: unknown screening question 'nobody'",
    ),
    (
        "screening.before_we_start.now_with",
        {"nobody": ["pregnancy"]},
        "screening.before_we_start.now_with.nobody: unknown screening question 'nobody'",
    ),
    (
        "health_factors.cancer_history_new_pain.message_regions",
        ["low_bak"],
        "unknown region 'low_bak'",
    ),
    (
        "screening.before_we_start.now_with.suspected_dvt",
        ["pregnancy", "nobody"],
        "screening.before_we_start.now_with.suspected_dvt[1]: unknown health factor 'nobody'",
    ),
]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    REFERENCE_CASES,
    ids=[c[0] + ":" + c[2][:20] for c in REFERENCE_CASES],
)
def test_reference_problems_are_located(path: str, value: Any, message: str) -> None:
    messages = _problems(_mutate(path, value))
    assert any(message in m for m in messages), messages


# Each broken reference, with the whole located message a clinic editing its rule set reads:
# the dotted place of the wrong entry and the id that is wrong there.
_LIMP = next(i for i, g in enumerate(_SHIPPED["note_words"]) if g.get("regions"))

LOCATED_CASES = [
    (
        f"note_words.{_LIMP}.regions.0",
        "calf",
        f"note_words[{_LIMP}].regions[0]: unknown region 'calf'",
    ),
    (
        "terms.findings.nobody",
        _SHIPPED["terms"]["findings"]["no_change_yet"],
        "terms.findings.nobody: unknown review finding 'nobody'",
    ),
    (
        "terms.findings.no_change_yet.status",
        "on-hold",
        "terms.findings.no_change_yet.status: 'no_change_yet' shows as its verdict does:"
        " status 'active', activity 'in-progress'",
    ),
    (
        "health_factors.warfarin.settled_by",
        ["nobody"],
        "health_factors.warfarin.settled_by[0]: unknown health factor 'nobody'",
    ),
    (
        "health_factors.cancer_history_new_pain.in_place_of",
        ["nobody"],
        "health_factors.cancer_history_new_pain.in_place_of[0]: unknown health factor 'nobody'",
    ),
    (
        "duration.advice_first",
        {"nowhere": _SHIPPED["duration"]["advice_first"]["low_back_pain"]},
        "duration.advice_first.nowhere: unknown condition 'nowhere'",
    ),
    ("severity.low_pain", _DELETE, "severity.low_pain: needed when not_indicated_max is above 0"),
    (
        "review.findings.emergency",
        _DELETE,
        "review.findings: the review's finding 'emergency' is missing",
    ),
    (
        "review.findings.new_baseline",
        _DELETE,
        "review.findings: the review's finding 'new_baseline' is missing",
    ),
    (
        "review.findings.emergency.texts.clinician",
        "{label} at }",
        "review.findings.emergency.texts.clinician: a placeholder is broken"
        " (Single '}' encountered in format string): write {name}, and {{ for a brace",
    ),
    (
        "review.findings.notes.texts.why",
        {"text": "Your therapist noted something.", "parent": "because {0}"},
        "review.findings.notes.texts.why: placeholder '{0}' must be a plain name",
    ),
    (
        "review.notes_events",
        {**_SHIPPED["review"]["notes_events"], "nobody": "fainting"},
        "review.notes_events.nobody: unknown note_words id 'nobody'",
    ),
    ("review.notes_events.fever", "chills", "review.notes_events.fever: unknown event 'chills'"),
    ("review.notes_holds.0", "nobody", "review.notes_holds[0]: unknown note_words id 'nobody'"),
    ("review.spinal_sites.0", "nobody", "review.spinal_sites[0]: unknown site 'nobody'"),
    (
        "review.pregnancy_ended_by.0",
        "nobody",
        "review.pregnancy_ended_by[0]: unknown health factor 'nobody'",
    ),
    (
        "review.spinal_with.0",
        "nothing",
        "review.spinal_with[0]: 'nothing' is not an event or a health factor",
    ),
    (
        "review.spinal_pain_notes.0",
        "nobody",
        "review.spinal_pain_notes[0]: unknown note_words id 'nobody'",
    ),
    (
        "review.spinal_with_notes.0",
        "nobody",
        "review.spinal_with_notes[0]: unknown note_words id 'nobody'",
    ),
    (
        "review.notes_now",
        {"nobody": _SHIPPED["review"]["notes_now"]["cauda_equina"]},
        "review.notes_now.nobody: unknown note_words id 'nobody'",
    ),
    (
        "advice.safety_nets.0.conditions",
        ["nowhere"],
        "advice.safety_nets[0].conditions[0]: unknown condition 'nowhere'",
    ),
    (
        "advice.safety_nets.0.said_by",
        ["nobody"],
        "advice.safety_nets[0].said_by[0]: unknown health factor 'nobody'",
    ),
    (
        "advice.safety_nets.0.factors",
        ["nobody"],
        "advice.safety_nets[0].factors[0]: unknown health factor 'nobody'",
    ),
    (
        "advice.safety_nets.0.says",
        "page.nothing",
        "advice.safety_nets[0].says: unknown text 'page.nothing'",
    ),
    (
        "advice.safety_nets.0.text",
        _DELETE,
        "advice.safety_nets[0]: needs 'text' and 'parent', or 'says'",
    ),
    (
        "plan_rules.new_pain_over_50.by_condition",
        {"nowhere": "new_headache_over_50"},
        "plan_rules.new_pain_over_50.by_condition.nowhere: unknown condition 'nowhere'",
    ),
    (
        "plan_rules.new_pain_over_50.by_condition",
        {"tension_type_headache": "nobody"},
        "plan_rules.new_pain_over_50.by_condition: unknown health factor 'nobody'",
    ),
    (
        "plan_rules.new_pain_over_50.factor",
        "nobody",
        "plan_rules.new_pain_over_50.factor: unknown health factor 'nobody'",
    ),
    (
        "plan_rules.fresh_pain.factor",
        "nobody",
        "plan_rules.fresh_pain.factor: unknown health factor 'nobody'",
    ),
    (
        "note_words",
        [*_SHIPPED["note_words"], _SHIPPED["note_words"][0]],
        f"note_words[{len(_SHIPPED['note_words'])}].id: 'breathlessness' is already a trigger's id",
    ),
    ("note_words.0.together", [["nobody"]], "note_words[0].together[0]: unknown trigger 'nobody'"),
    ("note_words.0.replaces", ["nobody"], "note_words[0].replaces[0]: unknown trigger 'nobody'"),
    (
        "note_words.0.unless",
        ["(short breath"],
        "note_words[0].unless[0]: '(short breath': a choice is written (a|b) with no space inside",
    ),
    (
        "note_context.negated_before.0",
        "no ~~~",
        "note_context.negated_before[0]: 'no ~~~':"
        " '~~~' holds a character that is never part of a word",
    ),
    (
        "screening.questions",
        {
            **_SHIPPED["screening"]["questions"],
            "smoker": _SHIPPED["screening"]["questions"]["fever"],
        },
        "screening.questions.smoker: 'smoker' is not a red-flag health factor",
    ),
    ("screening.always.0", "nobody", "screening.always[0]: unknown screening question 'nobody'"),
    (
        "screening.questions.neurological_symptoms.asked_with.0",
        "nobody",
        "screening.questions.neurological_symptoms.asked_with[0]:"
        " unknown health factor or notes trigger 'nobody'",
    ),
    (
        "screening.regions.low_back.questions.0",
        "nobody",
        "screening.regions.low_back.questions[0]: unknown screening question 'nobody'",
    ),
    (
        "screening.note_questions.chest_pain.0",
        "smoker",
        "screening.note_questions.chest_pain[0]: 'smoker' is not a red flag",
    ),
    (
        "screening.combinations.0.groups.0.0",
        "smoker",
        "screening.combinations[0].groups[0][0]: 'smoker' is not a red flag",
    ),
    (
        "screening.referrals",
        {
            **_SHIPPED["screening"]["referrals"],
            "smoker": _SHIPPED["screening"]["referrals"]["hot_swollen_joint"],
        },
        "screening.referrals.smoker: 'smoker' is not a red flag",
    ),
    (
        "screening.referrals.cancer_history_new_pain.replaces_warnings.0",
        "nobody",
        "screening.referrals.cancer_history_new_pain.replaces_warnings[0]:"
        " no text 'page.warning_signs.nobody'",
    ),
    (
        "screening.referrals.suspected_dvt.replaces_warnings",
        ["nerve"],
        "screening.referrals.suspected_dvt.replaces_warnings:"
        " only a referral's own 'escalate' replaces a warning sign",
    ),
    (
        "screening.before_we_start.today_for",
        ["nobody"],
        "screening.before_we_start.today_for[0]: unknown screening question 'nobody'",
    ),
    (
        "screening.before_we_start.today_for",
        [*_SHIPPED["screening"]["before_we_start"]["today_for"], "anticoagulants"],
        f"screening.before_we_start.today_for[{len(_SHIPPED['screening']['before_we_start']['today_for'])}]:"
        " no text 'screening.page.today.anticoagulants'",
    ),
    (
        "screening.before_we_start.today_for",
        [
            q
            for q in _SHIPPED["screening"]["before_we_start"]["today_for"]
            if q != "giant_cell_arteritis_signs"
        ],
        "screening.before_we_start.today_for: 'giant_cell_arteritis_signs' is a same-day"
        " red flag the notes may raise: list it",
    ),
    (
        "screening.before_we_start.today_for",
        ["hot_swollen_joint", *_SHIPPED["screening"]["before_we_start"]["today_for"]],
        "screening.before_we_start.today_for[0]: 'hot_swollen_joint' is in now_for:"
        " what to do now is said for it",
    ),
    (
        "screening.before_we_start.now_for",
        [q for q in _SHIPPED["screening"]["before_we_start"]["now_for"] if q != "sepsis_signs"],
        "screening.before_we_start.now_for: 'sepsis_signs' is an emergency: list it",
    ),
    (
        "screening.page_reasons",
        {**_SHIPPED["screening"]["page_reasons"], "smoker": "Smoking."},
        "screening.page_reasons.smoker: 'smoker' is not a red flag",
    ),
    (
        "screening.tiers.soon",
        _DELETE,
        "screening.tiers: the words of the 'soon' referral are missing",
    ),
    ("terms.decisions.refer", _DELETE, "terms.decisions: the term of 'refer' is missing"),
    ("terms.urgencies.none", _DELETE, "terms.urgencies: the term of 'none' is missing"),
    ("terms.levels.precaution", _DELETE, "terms.levels: the term of 'precaution' is missing"),
    ("terms.sites.ok", _DELETE, "terms.sites: the term of 'ok' is missing"),
    ("terms.verdicts.extend", _DELETE, "terms.verdicts: the term of 'extend' is missing"),
    ("terms.places.abdomen", _DELETE, "terms.places: the term of 'abdomen' is missing"),
    (
        "terms.statuses.revoked",
        _DELETE,
        "terms.verdicts.stop_needling.status: 'revoked' has no line under terms.statuses",
    ),
    (
        "terms.statuses.on-hold",
        _DELETE,
        "terms.hold.status: 'on-hold' has no line under terms.statuses",
    ),
]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    LOCATED_CASES,
    ids=[c[0] + ":" + c[2].split(": ", 1)[1][:24] for c in LOCATED_CASES],
)
def test_broken_reference_is_named_where_it_is(path: str, value: Any, message: str) -> None:
    assert message in _problems(_mutate(path, value))


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "flag.place_missing",
            _DELETE,
            "texts: text 'flag.place_missing' is missing (needleplan says it)",
        ),
        (
            "flag.place_missing",
            "{site",
            "texts.flag.place_missing: a placeholder is broken"
            " (expected '}' before end of string): write {name}, and {{ for a brace",
        ),
        (
            "review.best_at_intake",
            _DELETE,
            "texts: text 'review.best_at_intake' is missing (needleplan says it)",
        ),
        (
            "review.best_at_intake",
            "best {",
            "texts.review.best_at_intake: a placeholder is broken"
            " (Single '{' encountered in format string): write {name}, and {{ for a brace",
        ),
        (
            "plan_rules.no_pain.told",
            {"text": "No pain now.", "parent": "{0} has no pain."},
            "texts.plan_rules.no_pain.told: placeholder '{0}' must be a plain name",
        ),
    ],
)
def test_broken_text_is_named_by_its_id(key: str, value: Any, message: str) -> None:
    data = _data()  # the text ids hold dots: not a path for _mutate
    if value is _DELETE:
        del data["texts"][key]
    else:
        data["texts"][key] = value
    assert message in _problems(data)


def test_a_terms_summary_word_is_its_label_unless_it_has_its_own() -> None:
    data = _mutate("terms.decisions.needle.summary", _DELETE)
    rules = rules_from_data(data)
    assert rules.terms.decisions["needle"].summary_word == rules.terms.decisions["needle"].label
    caution = rules.terms.decisions["needle_with_caution"]
    assert caution.summary and caution.summary_word == caution.summary != caution.label


def test_a_rule_set_without_a_screening_section_loads() -> None:
    assert rules_from_data(_mutate("screening", _DELETE)).screening is None


def test_a_rule_set_without_a_screening_section_reviews_a_red_flag() -> None:
    import datetime as dt

    from needleplan.profile import ConditionProfile
    from needleplan.reviewer import review

    rules = rules_from_data(_mutate("screening", _DELETE))
    today = dt.date(2026, 12, 8)
    log = [{"date": "2026-11-24", "nrs": 6}, {"date": "2026-12-07", "nrs": 6}]
    log[1]["new_health_factors"] = ["unexplained_weight_loss"]
    data = {"condition": "low_back_pain", "sites": {"lumbar_multifidus": "both"}}
    data |= {"severity": 6, "duration": "3 months", "log": log}
    context = {"rules": rules, "today": today}
    result = review(ConditionProfile.model_validate(data, context=context), rules, today)
    assert result.verdict == "refer" and result.advice.sections


def test_a_parents_page_takes_the_patients_words_it_does_not_replace() -> None:
    from needleplan.rules import Wording
    from needleplan.wording import word

    same = Wording("Your pain is worse by {n}.")
    own = Wording("Your pain is worse.", parent="Your child's pain is worse.")
    assert word(same, "parent", n=3) == "Your pain is worse by 3."
    assert word(own, "parent") == "Your child's pain is worse."
    assert word(own, "patient") == "Your pain is worse."


def test_a_site_without_plain_words_has_no_label_for_the_page() -> None:
    data = _mutate("sites.upper_trapezius.parent_label", _DELETE)
    site = rules_from_data(data).sites["upper_trapezius"]
    assert site.label_for("parent", "left") == "the top of your left shoulder"
    assert site.label_for("patient", "both") == "the top of your left and right shoulder"
    del data["sites"]["upper_trapezius"]["patient_label"]
    assert rules_from_data(data).sites["upper_trapezius"].label_for("patient", "left") == ""


def test_duplicate_source_id() -> None:
    data = _data()
    data["sources"].append(dict(data["sources"][0]))
    assert any("defined twice" in m for m in _problems(data))


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("cadence.max_per_week", 9, "cadence.max_per_week"),
        ("conditions.neck_pain.per_week", "twice", "conditions.neck_pain.per_week"),
        ("conditions.neck_pain.colour", "red", "unknown key 'colour'"),
        ("health_factors.smoker.level", "worrying", "must be one of"),
        ("name", _DELETE, "missing required key 'name'"),
        ("conditions.neck_pain.sources", [], "needs at least 1 item"),
        ("conditions.neck_pain.initial_block", [2, 4], "initial_block"),
        ("sites.psoas.body_part", "tail", "sites.psoas.body_part"),
        ("cadence", 2, "cadence"),
        ("plan_rules.past_term.term_weeks", 50, "plan_rules.past_term.term_weeks"),
        ("plan_rules.past_term.sources", ["nobody-1"], "unknown source 'nobody-1'"),
        # rule-set text is printed as it is in every format (FHIR's XHTML too): no controls
        ("conditions.neck_pain.label", "Neck \x1b[31mpain", "control or format character"),
        ("conditions.neck_pain.label", "Neck \u202epain", "control or format character"),
        ("note_words.0.words.0", "ab", "at least 3 characters"),
        # a review verdict's statuses are FHIR R4's: a CarePlan's, an activity's
        ("terms.verdicts.discharge.status", "done", "terms.verdicts.discharge.status must be"),
        ("terms.hold.activity", "active", "terms.hold.activity must be one of: not-started"),
        ("terms.hold.status", _DELETE, "missing required key 'status'"),
        ("terms.levels.prognostic", {"label": "P"}, "terms.levels.prognostic.[key] must be"),
        ("terms.statuses.paused", "Paused.", "terms.statuses.paused.[key] must be one of: draft"),
    ],
)
def test_field_problems_are_located(path: str, value: Any, message: str) -> None:
    messages = _problems(_mutate(path, value))
    assert any(message in m for m in messages), messages


def test_not_a_mapping_and_not_yaml(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="must be a mapping"):
        parse_rules(b"- a\n- b\n", "r.yaml")
    with pytest.raises(RulesError, match="is not closed"):
        parse_rules(b"name: [x\n", "r.yaml")
    with pytest.raises(RulesError, match="NUL bytes"):
        parse_rules(b"\x00\x01", "r.yaml")


def test_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from needleplan import yamlio

    monkeypatch.setattr(yamlio, "MAX_RULES_BYTES", 1000)
    with pytest.raises(RulesError, match="MAX_RULES_BYTES"):
        parse_rules(DEFAULT, "big.yaml")
    big = tmp_path / "big.yaml"
    big.write_bytes(DEFAULT)
    with pytest.raises(RulesError, match="MAX_RULES_BYTES"):
        load_rules(big)


def test_unreadable_rules_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read rules file"):
        load_rules(tmp_path / "missing.yaml")
    with pytest.raises(UsageError, match="cannot read rules file"):
        load_rules(tmp_path)  # a directory


@pytest.mark.slow
def test_cli_reports_broken_rules_with_exit_2(runner, tmp_path: Path) -> None:
    broken = tmp_path / "clinic.yaml"
    broken.write_text(yaml.safe_dump(_mutate("conditions.neck_pain.sources", ["nobody"])))
    for args in (
        ["suggest", str(PLANS / "neck-chronic.yaml")],
        ["validate", str(PLANS)],
        ["rules"],
        ["new"],
    ):
        result = invoke(runner, *args, "--rules", str(broken))
        assert result.exit_code == 2, args
        assert f"{broken}:" in result.stderr and "unknown source 'nobody'" in result.stderr
        assert result.stdout == ""
        assert "Traceback" not in result.stderr
    missing = invoke(runner, "suggest", "--rules", str(tmp_path / "nope.yaml"), str(PLANS))
    assert missing.exit_code == 2 and "cannot read rules file" in missing.stderr


def test_model_built_in_python_checks_references() -> None:
    data = _mutate("conditions.neck_pain.sources", ["nobody"])
    with pytest.raises(ValueError, match="unknown source 'nobody'"):
        rules_from_data(data)


def test_a_rules_pipe_that_never_delivers_times_out(tmp_path: Path, monkeypatch) -> None:
    import os

    from needleplan import yamlio

    monkeypatch.setattr(yamlio, "READ_TIMEOUT_SECONDS", 0.2)
    fifo = tmp_path / "rules.yaml"
    os.mkfifo(fifo)
    with pytest.raises(RulesError, match="READ_TIMEOUT_SECONDS"):
        load_rules(fifo)


def test_parent_versions_replace_the_patients_only_for_a_parent() -> None:
    rules = load_rules()
    texts = [
        *rules.health_factors.values(),
        *rules.site_rules,
        *rules.review.events.values(),
    ]
    with_parent = [t for t in texts if t.parent_message]
    assert with_parent, "the shipped rules give parent versions"
    for entry in with_parent:
        assert entry.message_for("parent") == entry.parent_message
        assert entry.message_for("patient") == entry.patient_message
    for entry in (t for t in texts if not t.parent_message):
        assert entry.message_for("parent") == entry.patient_message
    for companion in rules.companions.values():
        expected = companion.parent_text or companion.patient_text
        assert companion.text_for("parent") == expected
        assert companion.text_for("patient") == companion.patient_text
    from needleplan.wording import say

    assert say(rules, "page.title.needle", "parent") != say(rules, "page.title.needle")


def test_a_deciding_finding_with_its_own_term_shows_by_it() -> None:
    terms = load_rules().terms
    own = next(iter(terms.findings))  # a finding the rule set gives its own term
    verdict = load_rules().review.findings[own].verdict
    assert terms.verdict(verdict, False, own) is terms.findings[own]
    assert terms.verdict(verdict, False, "") is terms.verdicts[verdict]
    assert terms.verdict("stop_needling", True, "") is terms.hold
