"""The red-flag checklist: an unanswered question never needles, and is said."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from needleplan.planner import plan
from needleplan.profile import ConditionProfile
from needleplan.screening import required
from needleplan.vocab import NEEDLING
from needleplan.wording import say
from tests.shipped import RULES

assert RULES.screening is not None
CONDITIONS = sorted(RULES.conditions)
SITES = sorted(RULES.sites)
QUESTIONS = sorted(RULES.screening.questions)


def _profile(**fields: object) -> ConditionProfile:
    data = {"condition": "neck_pain", "severity": 6, "duration": "8 weeks", "age": 45, **fields}
    return ConditionProfile.model_validate(data, context={"rules": RULES})


def _all_no(p: ConditionProfile) -> dict[str, bool]:
    return dict.fromkeys(required(p, RULES), False)


@settings(max_examples=120, deadline=None)
@given(
    condition=st.sampled_from(CONDITIONS),
    sites=st.dictionaries(st.sampled_from(SITES), st.sampled_from(["left", "right"]), max_size=3),
    age=st.integers(18, 90),
    data=st.data(),
)
def test_a_required_question_unanswered_never_needles(
    condition: str, sites: dict[str, str], age: int, data: st.DataObject
) -> None:
    bare = _profile(condition=condition, sites=sites, age=age)
    needed = required(bare, RULES)
    assert needed, "every profile has questions to answer"
    left_open = data.draw(st.sampled_from(needed))
    answers = {q: False for q in needed if q != left_open}
    result = plan(_profile(condition=condition, sites=sites, age=age, screening=answers), RULES)
    assert result.decision not in NEEDLING
    assert left_open in {c.id for c in result.checks}
    assert result.schedule is None
    # answered, the same profile plans (or is stopped for another reason): never check_first
    done = plan(
        _profile(
            condition=condition, sites=sites, age=age, screening={**answers, left_open: False}
        ),
        RULES,
    )
    assert done.decision != "check_first"
    assert not done.checks


def test_check_first_keeps_the_course_books_nothing_and_says_why() -> None:
    bare = _profile(start_date="2026-12-01", sites={"upper_trapezius": "right"})
    result = plan(bare, RULES)
    assert result.decision == "check_first"
    assert result.schedule is None
    answered = plan(
        _profile(
            start_date="2026-12-01", sites={"upper_trapezius": "right"}, screening=_all_no(bare)
        ),
        RULES,
    )
    assert answered.decision in NEEDLING and answered.schedule
    assert result.course == answered.course and result.sessions == answered.sessions
    assert result.rationale[0].rule == "screening.open_checks"
    assert result.advice.title == say(RULES, "screening.page.title")
    assert [c.kind for c in result.checks] == ["screening"] * len(result.checks)
    assert {c.id for c in result.checks} == set(required(bare, RULES))
    asked = next(s for s in result.advice.sections if s.id == "questions")
    assert len(asked.items) == len(result.checks)


def test_yes_is_the_red_flag_itself() -> None:
    bare = _profile(condition="low_back_pain")
    answers = {**_all_no(bare), "cauda_equina_signs": True}
    result = plan(_profile(condition="low_back_pain", screening=answers), RULES)
    assert (result.decision, result.urgency) == ("refer", "emergency")
    assert "cauda_equina_signs" in {f.id for f in result.flags}


def test_red_flags_and_contraindications_win_over_check_first() -> None:
    assert plan(_profile(health_factors=["fever"]), RULES).decision == "refer"
    stopped = plan(_profile(health_factors=["needle_phobia"]), RULES)
    assert stopped.decision == "do_not_needle"
    assert stopped.checks, "the open questions are still listed"


def test_questions_by_age() -> None:
    young = required(_profile(condition="tension_type_headache", age=30), RULES)
    old = required(_profile(condition="tension_type_headache", age=70), RULES)
    unknown = required(_profile(condition="tension_type_headache", age=None), RULES)
    assert "giant_cell_arteritis_signs" not in young
    assert "giant_cell_arteritis_signs" in old and "giant_cell_arteritis_signs" in unknown


def test_regions_come_from_the_condition_and_the_sites() -> None:
    calf = required(_profile(condition="myofascial_pain", sites={"gastrocnemius": "left"}), RULES)
    assert "suspected_dvt" in calf
    back = required(_profile(condition="low_back_pain"), RULES)
    assert "cauda_equina_signs" in back and "suspected_dvt" not in back
