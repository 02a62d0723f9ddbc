"""The red-flag screen: urgency by what a red flag could be, and its referral pages."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from needleplan.planner import plan
from needleplan.profile import ConditionProfile
from needleplan.screening import now_lines, urgency
from needleplan.vocab import URGENCIES
from needleplan.wording import say
from tests.shipped import RULES

RED_FLAGS = sorted(k for k, hf in RULES.health_factors.items() if hf.level == "red_flag")


def _profile(factors: list[str], **extra: object) -> ConditionProfile:
    data = {
        "condition": "low_back_pain",
        "severity": 6,
        "duration": "3 weeks",
        "age": 60,
        "health_factors": factors,
        **extra,
    }
    return ConditionProfile.model_validate(data, context={"rules": RULES})


def _rank(u: str) -> int:
    return URGENCIES.index(u)  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(RED_FLAGS), max_size=4, unique=True),
    st.sampled_from(RED_FLAGS),
)
def test_adding_a_red_flag_never_lowers_urgency(flags: list[str], more: str) -> None:
    before = plan(_profile(flags), RULES)
    after = plan(_profile([*flags, more] if more not in flags else flags), RULES)
    assert after.decision == "refer"
    assert _rank(after.urgency) >= _rank(before.urgency)
    # and never below the added flag's own tier
    assert _rank(after.urgency) >= _rank(RULES.health_factors[more].urgency)


def test_every_red_flag_has_a_tier_and_every_tier_its_words() -> None:
    assert RULES.screening is not None
    for fid in RED_FLAGS:
        assert RULES.health_factors[fid].urgency != "none", fid
    tiers = ("routine", "soon", "same_day", "emergency")
    for tier in tiers:
        assert tier in RULES.screening.tiers
        for part in ("title", "where", "when", "escalate"):
            assert say(RULES, f"screening.tier.{tier}.{part}"), (tier, part)
    titles = {say(RULES, f"screening.tier.{t}.title") for t in tiers}
    assert len(titles) == len(tiers), "each urgency has its own title"


def test_combinations_raise_the_tier_and_say_why() -> None:
    alone = plan(_profile(["unexplained_weight_loss"]), RULES)
    both = plan(_profile(["unexplained_weight_loss", "unremitting_night_pain"]), RULES)
    assert (alone.urgency, both.urgency) == ("soon", "same_day")
    why = next(s for s in both.advice.sections if s.id == "watch_for")
    assert any("today" in item for item in why.items)
    neuro = plan(_profile(["unremitting_night_pain", "progressive_neurological_deficit"]), RULES)
    assert neuro.urgency == "emergency"


def test_urgency_of_no_red_flag_is_none() -> None:
    assert urgency((), RULES) == "none"


def test_every_referral_says_where_when_why_and_when_to_escalate() -> None:
    for fid in RED_FLAGS:
        result = plan(_profile([fid]), RULES)
        ids = [s.id for s in result.advice.sections]
        assert {"where_to_go", "watch_for", "if_worse"} <= set(ids), fid
        if result.urgency == "emergency":
            assert ids[0] == "do_now", fid
            assert result.advice.lead.startswith("Call emergency services"), fid
        else:  # this patient's own first: a referral's own emergency line (a clot's
            # breathlessness); the open emergency questions after the referral, last
            assert RULES.screening is not None
            ref = RULES.screening.referrals.get(fid)
            own: list[str] = []
            if ref is not None and ref.now_first is not None:
                own = [say(RULES, f"screening.page.now.{ref.now_first}", result.audience)]
            assert ("do_now" in ids) == bool(own), fid
            if own:
                assert ids[0] == "do_now" and result.advice.lead == own[0], fid
            else:
                assert ids[:2] == ["where_to_go", "watch_for"], fid
            now = now_lines(RULES, result.checks, result.flags, result.audience)
            first = [line for line in now if line not in own]
            if first:
                last = result.advice.sections[-1]
                assert last.id == "warning_signs", fid
                # each there, or the safety net that says the same signs in its place
                for line in set(first) - set(last.items):
                    qids = [
                        q
                        for q in RULES.screening.before_we_start.now_for
                        if say(RULES, f"screening.page.now.{q}", result.audience) == line
                    ]
                    nets = [n for n in RULES.advice.safety_nets if set(qids) & set(n.said_by)]
                    assert any(n.text in last.items for n in nets), (fid, line)
                assert result.advice.lead not in first, fid


def test_a_hot_joint_is_not_sent_to_the_gp() -> None:
    result = plan(_profile(["hot_swollen_joint"], condition="knee_osteoarthritis"), RULES)
    where = next(s for s in result.advice.sections if s.id == "where_to_go")
    assert "emergency department" in where.items[0]
    assert "Not your GP" in where.items[0]


def test_a_parent_reads_about_the_child() -> None:
    result = plan(_profile(["hot_swollen_joint"], age=15), RULES)
    where = next(s for s in result.advice.sections if s.id == "where_to_go")
    assert where.items[0].startswith("Take your child")
    assert "child" in result.advice.title


def test_every_red_flag_below_emergency_has_a_reason_without_timing() -> None:
    """A flag shown on a page more urgent than its own says what it is, never its own
    tier's timing ("today", "within a few days")."""
    from needleplan.rulesload import load_rules

    rules = load_rules()
    assert rules.screening is not None
    reasons = rules.screening.page_reasons
    for key, hf in rules.health_factors.items():
        if hf.level == "red_flag" and hf.urgency != "emergency":
            assert key in reasons, key
            said = reasons[key].lower()
            assert not any(w in said for w in ("today", "now", "few days", "soon")), key


def test_a_referral_page_whose_notes_describe_an_emergency_is_the_emergencys() -> None:
    # a same-day clot while the notes describe breathlessness and chest pain: one
    # instruction, at the emergency's tier, and the plan's urgency is the page's
    result = plan(
        _profile(
            ["suspected_dvt"],
            condition="myofascial_pain",
            sites={"gastrocnemius": "left"},
            notes="Calf swollen. Short of breath on the stairs, chest pain when breathing in.",
        ),
        RULES,
    )
    assert result.decision == "refer" and result.urgency == "emergency"
    assert "notes_raise" in {w.kind for w in result.warnings}
    emergency = plan(_profile(["possible_pulmonary_embolism"]), RULES).advice
    assert result.advice.title == emergency.title
    ids = [s.id for s in result.advice.sections]
    assert ids[:2] == ["do_now", "where_to_go"]
    assert result.advice.sections[0].items == emergency.sections[0].items
    said = " ".join(i for s in result.advice.sections for i in s.items)
    assert "today" not in said.lower()


def test_a_referral_page_says_a_described_same_day_sign_once_and_by_its_own_words() -> None:
    # weight loss (within days) and giant cell arteritis in the notes (today): the page
    # is the same-day one (and so is the plan's urgency), where to go as giant cell
    # arteritis's own page says it, and its notes line is not said again beside it
    result = plan(
        _profile(
            ["unexplained_weight_loss"],
            condition="tension_type_headache",
            sites={"temporalis": "both"},
            age=72,
            notes="Jaw aches when chewing, scalp tender.",
        ),
        RULES,
    )
    assert result.decision == "refer" and result.urgency == "same_day"
    coded = plan(
        _profile(["giant_cell_arteritis_signs"], condition="tension_type_headache", age=72),
        RULES,
    ).advice
    assert result.advice.title == coded.title
    where = next(s for s in result.advice.sections if s.id == "where_to_go")
    assert where.items == next(s for s in coded.sections if s.id == "where_to_go").items
    line = say(RULES, "screening.page.today.giant_cell_arteritis_signs")
    assert all(line not in s.items for s in result.advice.sections)


def test_a_possible_emergency_check_comes_before_lesser_ones() -> None:
    result = plan(
        _profile(
            [],
            duration="10 weeks",
            age=44,
            sites={"lumbar_multifidus": "both", "gluteus_medius": "right"},
            screening=dict.fromkeys(("cauda_equina_signs", "unexplained_weight_loss"), False),
            notes="Peeing is hard to start in the mornings.",
        ),
        RULES,
    )
    assert result.decision == "check_first"
    ids = [c.id for c in result.checks]
    assert ids[0] == "cauda_equina_signs" and "hot_swollen_joint" in ids[1:]


def test_every_emergency_question_says_what_to_do_now() -> None:
    sc = RULES.screening
    assert sc is not None
    for qid in sc.questions:
        if RULES.health_factors[qid].urgency == "emergency":
            assert qid in sc.before_we_start.now_for, qid
            assert "now" in say(RULES, f"screening.page.now.{qid}"), qid


def test_every_same_day_picture_the_notes_may_raise_says_what_to_do_today() -> None:
    sc = RULES.screening
    assert sc is not None
    bws = sc.before_we_start
    for qid in {g.question for g in RULES.note_words}:
        hf = RULES.health_factors.get(qid)
        if hf is None or hf.urgency != "same_day":
            continue
        key = bws.line_id(qid, frozenset(), noted=True)
        assert key is not None, qid
        for audience in ("patient", "parent"):
            assert "today" in say(RULES, key, audience), (qid, audience)


def test_unanswered_emergency_questions_come_after_the_patients_own_referral() -> None:
    # thoughts of suicide with a knee's emergency questions unanswered: the crisis line
    # comes first, the hot joint (never asked) under its own heading at the end
    result = plan(_profile(["suicidal_thoughts"], condition="knee_osteoarthritis"), RULES)
    ids = [s.id for s in result.advice.sections]
    assert ids[0] == "where_to_go" and "116 123" in result.advice.sections[0].items[0]
    assert "hot, red and swollen" not in result.advice.lead
    last = result.advice.sections[-1]
    assert last.id == "warning_signs" and last.heading == "When not to wait"
    assert any("hot, red and swollen" in item for item in last.items)


def test_a_combination_that_raised_the_referral_is_named_and_explained() -> None:
    both = plan(_profile(["cancer_history_new_pain", "progressive_neurological_deficit"]), RULES)
    assert both.urgency == "emergency"
    steps = [s for s in both.rationale if s.rule.startswith("screening.combinations.")]
    assert [s.rule for s in steps] == ["screening.combinations.cancer_with_neurological_sign"]
    assert "spinal cord compression" in steps[0].reason and steps[0].source
    assert [w.kind for w in both.warnings].count("combination") == 1
    # one red flag alone (or a combination no more urgent than its flags): nothing to name
    alone = plan(_profile(["cancer_history_new_pain"]), RULES)
    assert "combination" not in {w.kind for w in alone.warnings}
    assert not any(s.rule.startswith("screening.combinations.") for s in alone.rationale)
