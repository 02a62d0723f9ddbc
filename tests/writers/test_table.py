"""The therapist's screen (``--format table``): what sits where, at 80 columns and others."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from needleplan.loading import load_profile, profile_from_text
from needleplan.planner import plan
from needleplan.results import Point
from needleplan.reviewer import review
from needleplan.rules import RuleSet
from needleplan.textfit import cell_len
from needleplan.vocab import DECISIONS, FLAG_LEVELS, REVIEW_VERDICTS, URGENCIES
from needleplan.writers import get_writer
from needleplan.writers.table import chart, rule_words
from tests.shipped import RULES

PLANS = Path(__file__).resolve().parents[2] / "plans"
EXAMPLES = sorted(PLANS.glob("*.yaml"))
REVIEWS = [p for p in EXAMPLES if p.name.startswith("review-")]
TODAY = dt.date(2027, 6, 1)
ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: the shipped rules, read once: the rule set the table's words come from (as the command gives it)


def render(obj: Any, width: int = 80, **options: Any) -> list[str]:
    writer = get_writer("table", width=width, rules=RULES, **options)
    return writer.item(obj, False).splitlines()


def plan_of(path: Path, rules: RuleSet) -> Any:
    return plan(load_profile(path, rules), rules, source=str(path.relative_to(PLANS.parent)))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_fits_80_columns_in_40_lines(path: Path, rules: RuleSet) -> None:
    the_plan = plan_of(path, rules)
    lines = render(the_plan)
    assert len(lines) <= 40
    assert max(cell_len(line) for line in lines) <= 80
    term = rules.terms.decisions[the_plan.decision]
    assert lines[0].strip().startswith(f"{term.marker} {term.tag}")
    # safety before dosing: every flag, avoided site and unchecked site comes before the
    # course, each whole (never cut with '…')
    course = next((i for i, line in enumerate(lines) if line.startswith("Course")), len(lines))
    top = "\n".join(lines[:course])
    assert "…" not in top
    for flag in the_plan.flags:
        assert flag.label in top
    for site in the_plan.sites:
        if site.verdict == "avoid":
            assert site.label in top
    for check in the_plan.unchecked:
        assert check.check.replace("_", " ") in top
    text = "\n".join(lines).lower()
    assert "no safety finding" not in text
    assert "--format html" in text  # the pointer to the patient's handout


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("width", [60, 80, 120])
def test_labels_are_never_broken(path: Path, width: int, rules: RuleSet) -> None:
    the_plan = plan_of(path, rules)
    lines = render(the_plan, width, explain=True)
    assert max(cell_len(line) for line in lines) <= width
    labels = [f.label for f in the_plan.flags]
    labels += [s.label for s in the_plan.sites if s.verdict != "ok"]
    labels += [c.label for c in the_plan.companions]
    for label in labels:
        assert any(label in line for line in lines), f"{label!r} broken at {width} columns"


def test_decisions_differ_without_colour(rules: RuleSet) -> None:
    terms = rules.terms
    markers = [t.marker for t in terms.decisions.values()]
    names = [t.tag for t in terms.decisions.values()]
    assert len(set(markers)) == len(markers) and len(set(names)) == len(names)
    verdicts = [t.marker for t in (*terms.verdicts.values(), terms.hold)]
    assert len(set(verdicts)) == len(verdicts)


def test_refer_banner_says_the_urgency(rules: RuleSet) -> None:
    emergency = render(plan_of(PLANS / "back-red-flag.yaml", rules))
    same_day = render(plan_of(PLANS / "refer-same-day.yaml", rules))
    assert "REFER" in emergency[0] and "EMERGENCY" in emergency[0]
    assert "REFER" in same_day[0] and "same day" in same_day[0]
    dnn = render(plan_of(PLANS / "knee-oa-lymphoedema.yaml", rules))
    assert "DO NOT NEEDLE" in dnn[0] and "REFER" not in dnn[0]


def test_a_reviews_referral_banner_says_where_and_how_soon_as_the_plans_does(
    rules: RuleSet,
) -> None:
    # a new cauda equina sign at the latest session: the emergency department now
    text = (PLANS / "review-new-red-flag.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "new_health_factors: [unexplained_weight_loss]", "new_health_factors: [cauda_equina_signs]"
    )
    profile = profile_from_text(text, rules=rules, today=TODAY)
    banner = render(review(profile, rules, TODAY))[0]
    coded = text.replace("start_date:", "health_factors: [cauda_equina_signs]\nstart_date:")
    plan_banner = render(plan(profile_from_text(coded, rules=rules, today=TODAY), rules))[0]
    where = rules.terms.urgencies["emergency"].screen
    assert "REFER" in banner and where in banner and where in plan_banner


def test_no_change_at_the_review_point_is_never_a_plain_continue_headline(
    rules: RuleSet,
) -> None:
    # no meaningful change at session 3 of a block of 6: the verdict goes on only if
    # both agree, and the banner says to review the plan (the finding's own term)
    path = (
        PLANS.parent
        / "tests"
        / "cases"
        / "review"
        / "no-change-at-review-point-reviews-the-plan.yaml"
    )
    today = dt.date(2026, 12, 8)
    result = review(load_profile(path, rules, today=today), rules, today)
    banner = render(result, width=100)[0]
    continuing = rules.terms.verdicts["continue"]
    assert result.verdict == "continue"
    assert continuing.tag not in banner and continuing.screen not in banner
    assert rules.terms.findings[result.deciding].tag in banner


def test_a_reviews_red_flags_together_are_tagged_as_the_plans_are(rules: RuleSet) -> None:
    # a past cancer at intake, nerve symptoms logged since: the combination's line is a
    # red flag on the screen, as at intake, not a check among the others
    text = (PLANS / "review-new-red-flag.yaml").read_text(encoding="utf-8")
    text = text.replace("[unexplained_weight_loss]", "[neurological_symptoms]")
    text = text.replace("start_date:", "health_factors: [cancer_history]\nstart_date:")
    lines = render(review(profile_from_text(text, rules=rules, today=TODAY), rules, TODAY))
    tag = rules.terms.levels["red_flag"].tag
    assert "EMERGENCY" in lines[0]
    assert any(line.startswith(tag) and "Together" in line for line in lines)


def test_unchecked_site_checks_are_named_near_the_banner(rules: RuleSet) -> None:
    lines = render(plan_of(PLANS / "low-back-anticoagulants.yaml", rules))
    banner = "\n".join(lines[:4])
    assert "NOT CHECKED" in banner and "lung fields" in banner and "pressure" in banner


def test_a_contraindication_at_its_place_is_tagged_avoid_not_precaution(rules: RuleSet) -> None:
    """A dialysis fistula in the left arm rules out needling there: its line says AVOID,
    like the sites it rules out; a precaution at a place (lymph node removal) stays one."""
    text = """condition: lateral_elbow_pain
sites: {wrist_extensors: left}
severity: 6
duration: 4 months
age: 58
health_factors: [{av_fistula: left_arm}, {lymph_node_removal: right_arm}]
"""
    lines = render(plan(profile_from_text(text, "fistula.yaml", rules), rules))
    fistula = next(line for line in lines if "Arteriovenous fistula" in line)
    nodes = next(line for line in lines if "lymph node removal" in line)
    assert fistula.startswith("AVOID") and not fistula.startswith("PRECAUTION")
    assert nodes.startswith("PRECAUTION")


def test_a_referral_shows_what_a_notes_check_would_mean(rules: RuleSet) -> None:
    """A same-day referral (new pain after cancer) with heavy legs in the notes: raised
    to the emergency its page says, the screen still says the check whole, with its yes
    an emergency, not only its name."""
    text = """condition: low_back_pain
sites: {lumbar_paraspinals: both}
severity: 6
duration: 3 weeks
age: 64
screening: {cancer_history_new_pain: yes, progressive_neurological_deficit: no}
notes: "New thoracolumbar pain, legs feel heavy."
"""
    the_plan = plan(profile_from_text(text, "mscc.yaml", rules), rules)
    assert (the_plan.decision, the_plan.urgency) == ("refer", "emergency")
    screen = " ".join(" ".join(render(the_plan, width=100)).split())
    assert "legs feel heavy'), but the screening answer" in screen
    assert "If yes: an emergency" in screen


def test_avoided_sites_come_before_cautions(rules: RuleSet) -> None:
    lines = render(plan_of(PLANS / "anticoagulants-psoas.yaml", rules))
    avoid = next(i for i, line in enumerate(lines) if line.startswith("AVOID"))
    caution = next(i for i, line in enumerate(lines) if line.startswith("CAUTION"))
    assert avoid < caution < 10


def test_a_one_session_course_says_one_session(rules: RuleSet) -> None:
    # trigger-point pain under 6 weeks starts with the smallest dose a trial tested
    text = (
        "condition: myofascial_pain\nsites: {tibialis_anterior: right}\nseverity: 5\n"
        "duration: 3 weeks\nage: 30\nscreening: {suspected_dvt: no, compartment_syndrome_signs:"
        " no, cold_pulseless_limb: no, suspected_fracture: no, cancer_history_new_pain: no,"
        " fever: no, unexplained_weight_loss: no}\n"
    )
    result = plan(profile_from_text(text, "p.yaml", rules), rules)
    assert result.sessions.suggested == 1
    shown = " ".join(render(result, 100))
    assert "1 session in all" in shown and "1 sessions" not in shown


def test_course_then_companions_one_line_each(rules: RuleSet) -> None:
    the_plan = plan_of(PLANS / "neck-chronic.yaml", rules)
    lines = render(the_plan)
    course = next(i for i, line in enumerate(lines) if line.startswith("Course"))
    companions = lines.index("Companions")
    assert course < companions
    rows = lines[companions + 1 : companions + 1 + len(the_plan.companions)]
    assert [r.strip().split(" — ")[0] for r in rows] == [c.label for c in the_plan.companions]
    text = "\n".join(lines)
    assert "reassess after session" in text and "ceiling" in text
    if the_plan.schedule:
        assert "reassess)" in text  # the dates, with the reassessment marked


def test_patient_text_stays_out_of_the_therapists_view(rules: RuleSet) -> None:
    the_plan = plan_of(PLANS / "neck-chronic.yaml", rules)
    text = "\n".join(render(the_plan))
    for line in the_plan.expectations[:3]:
        assert line not in text
    for section in the_plan.advice.sections:
        for item in section.items:
            assert item not in text


def test_rationale_only_with_explain(rules: RuleSet) -> None:
    the_plan = plan_of(PLANS / "low-back-anticoagulants.yaml", rules)
    plain = "\n".join(render(the_plan))
    assert "Why these numbers" not in plain and "Source:" not in plain
    lines = render(the_plan, explain=True)
    start = lines.index("Why these numbers")
    steps = [line for line in lines[start:] if re.match(r"^ ?\d+\. ", line)]
    assert len(steps) == len(the_plan.rationale)
    sources = [line for line in lines[start:] if line.strip().startswith("Source: ")]
    assert len(sources) == len(the_plan.rationale)  # the source on its own line, each time
    assert "conditions.low_back_pain" not in "\n".join(lines)  # rules in plain words
    capped = [s for s in the_plan.rationale if s.effect == "capped"]
    assert capped and sum("capped" in line for line in lines[start:]) >= len(capped)


def test_rule_words(rules: RuleSet) -> None:
    assert rule_words("conditions.neck_pain.initial_block", rules).startswith("Initial block")
    assert rule_words("health_factors.poor_sleep", rules) == "Health factor: poor sleep"
    assert rule_words("some.new_rule", rules) == "Some new rule"


def test_profile_text_is_inert_and_never_markup(rules: RuleSet) -> None:
    profile = profile_from_text(
        "patient: '[bold red]P-1[/]'\ncondition: neck_pain\nseverity: 5\nduration: 3 weeks\n",
        rules=rules,
    )
    the_plan = plan(profile, rules, source="evil\x1b[2J\u202e.yaml")
    for colour in (False, True):
        text = "\n".join(render(the_plan, color=colour))
        assert "[bold red]P-1[/]" in ANSI.sub("", text)
        assert "\x1b[2J" not in text and "\u202e" not in text
        assert "\\x1b[2J" in text and "\\u202e" in text


def test_colour_changes_no_character(rules: RuleSet) -> None:
    the_plan = plan_of(PLANS / "back-red-flag.yaml", rules)
    plain = render(the_plan)
    coloured = render(the_plan, color=True)
    assert any("\x1b[" in line for line in coloured)
    assert [ANSI.sub("", line).rstrip() for line in coloured] == plain


# -- review ------------------------------------------------------------------------


@pytest.mark.parametrize("path", REVIEWS, ids=lambda p: p.stem)
def test_review_verdict_first_then_change_next_and_chart(path: Path, rules: RuleSet) -> None:
    result = review(load_profile(path, rules), rules, TODAY, source=str(path))
    lines = render(result)
    assert len(lines) <= 40 and max(cell_len(line) for line in lines) <= 80
    term = rules.terms.verdict(result.verdict, result.hold)
    assert lines[0].strip().startswith(f"{term.marker} {term.tag}")
    order = [
        next(i for i, line in enumerate(lines) if line.startswith(tag))
        for tag in ("Change", "Next", "Pain (NRS")
    ]
    assert order == sorted(order)
    assert result.mcid_line is not None
    assert any(f"baseline {result.baseline_nrs}" in line for line in lines)
    assert any(f"MCID <= {result.mcid_line:g}" in line for line in lines)


def test_chart_draws_baseline_mcid_and_scores(rules: RuleSet) -> None:
    trajectory = [
        Point(1, TODAY, 7),
        Point(2, TODAY, 6),
        Point(3, TODAY, 4, events=("bruising",)),
    ]
    rows = ["".join(t for t, _ in line) for line in chart(rules, trajectory, 7, 4.9, 80)]
    by_value = {int(r[:2]): r for r in rows if r[:2].strip().isdigit() and "|" in r}
    assert "baseline 7" in by_value[7] and "-*-" in by_value[7]
    assert "MCID <= 4.9" in by_value[4] and "!" in by_value[4]  # at or below 4.9: row 4
    assert "*" in by_value[6]
    assert max(by_value) == 8 and min(by_value) == 3  # compressed: one row of margin


def test_chart_keeps_the_latest_sessions_when_narrow(rules: RuleSet) -> None:
    trajectory = [Point(i, TODAY, 5) for i in range(1, 201)]
    rows = ["".join(t for t, _ in line) for line in chart(rules, trajectory, 5, 3.5, 60)]
    assert "the last" in rows[0] and max(cell_len(r) for r in rows) <= 60


def test_every_decision_verdict_urgency_and_level_has_its_look(rules: RuleSet) -> None:
    terms = rules.terms
    assert set(terms.decisions) == set(DECISIONS)
    assert set(terms.verdicts) == set(REVIEW_VERDICTS)
    assert all(t.marker and t.tag and t.screen for t in terms.verdicts.values())
    assert set(terms.urgencies) == set(URGENCIES)
    assert set(FLAG_LEVELS) <= set(terms.levels)


def test_a_red_flag_prompt_is_shown_whole(rules: RuleSet) -> None:
    notes = (
        "Rear-ended last month; dizzy and slurred speech since, pins and needles in both "
        "hands, wakes every night whatever position, lost 6 kg"
    )
    text = f"condition: neck_pain\nseverity: 6\nduration: 10 weeks\nage: 40\nnotes: {notes}\n"
    result = plan(profile_from_text(text, "p.yaml", rules), rules)
    (prompt,) = [w.message for w in result.warnings if w.kind == "notes_red_flag_words"]
    shown = " ".join(" ".join(line.split()) for line in render(result, 80))
    assert " ".join(prompt.split()) in shown  # every group it names, to its last word


def test_a_referral_shows_what_the_notes_suggest_whole(rules: RuleSet) -> None:
    """A same-day referral whose notes suggest an emergency (raised to it, as its page
    is) shows that check whole, with what a yes would mean; the questions not yet asked
    are named."""
    text = (
        "condition: plantar_heel_pain\nsites: {gastrocnemius: right}\nseverity: 6\n"
        "duration: 9 weeks\nage: 55\nscreening: {suspected_dvt: yes}\n"
        "notes: Right calf swollen and hot. Now SOB and sharp chest pain on breathing in.\n"
    )
    result = plan(profile_from_text(text, "p.yaml", rules), rules)
    assert result.decision == "refer" and result.urgency == "emergency"
    (check,) = [c for c in result.checks if c.kind == "notes"]
    assert "If yes: an emergency" in check.message
    shown = " ".join(" ".join(line.split()) for line in render(result, 80))
    assert " ".join(check.message.split()) in shown
    assert "not yet answered: compartment syndrome signs" in shown
