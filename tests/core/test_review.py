"""``review``: each verdict where a course-as-a-trial puts it, safety first, deterministic."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from needleplan.loading import load_profile
from needleplan.planner import plan
from needleplan.profile import ConditionProfile
from needleplan.reviewer import NothingToReview, meaningful_fall, review
from needleplan.screening import questions_for
from needleplan.wording import say
from tests.shipped import RULES

TODAY = dt.date(2026, 12, 31)
PLANS = Path(__file__).resolve().parents[2] / "plans"


def course(
    *scores: int,
    condition: str = "neck_pain",
    sites: Any = None,
    days_after: int = 0,
    screened: bool = True,
    **last: Any,
) -> Any:
    """A profile whose log has one session per score, a week apart; ``last`` adds to the last.

    Reviewed ``days_after`` the last session (the same day, by default); its region's
    red-flag questions answered no unless ``screened`` is false."""
    log: list[dict[str, Any]] = [
        {"date": (dt.date(2026, 9, 1) + dt.timedelta(days=7 * i)).isoformat(), "nrs": s}
        for i, s in enumerate(scores)
    ]
    log[-1].update(last)
    data = {
        "condition": condition,
        "severity": scores[0],
        "duration": "6 months",
        "sites": sites if sites is not None else {"splenius_capitis": "left"},
        "log": log,
    }
    if screened:
        data["screening"] = dict.fromkeys(
            questions_for(RULES, condition, tuple(data["sites"])), "no"
        )
    p = ConditionProfile.model_validate(data, context={"rules": RULES, "today": TODAY})
    last_day = dt.date.fromisoformat(log[-1]["date"])
    return review(p, RULES, last_day + dt.timedelta(days=days_after))


def test_meaningful_change_is_two_points_or_thirty_percent_never_inside_the_error() -> None:
    assert meaningful_fall(7, 5, RULES)  # 2 points
    assert not meaningful_fall(7, 6, RULES)  # 1 point, 14%
    assert not meaningful_fall(3, 2, RULES)  # 33%, but 1 point: inside the NRS's error
    assert not meaningful_fall(2, 1, RULES)  # 50%, but 1 point
    assert not meaningful_fall(10, 9, RULES)
    assert not meaningful_fall(4, 5, RULES)


def test_before_the_review_point_continue() -> None:
    r = course(7)  # neck, severe and chronic: block 4, review after 2
    assert r.verdict == "continue" and r.next.sessions >= 1


def test_responder_continues_to_the_end_of_the_block() -> None:
    r = course(7, 6, 5)
    assert r.verdict == "continue"
    assert r.change is not None and r.change.meaningful


def test_improving_block_after_block_extends_up_to_the_ceiling() -> None:
    r = course(8, 7, 6, 5)
    assert r.verdict == "extend"
    assert 1 <= r.next.sessions <= r.ceiling - r.sessions_done


def test_never_past_the_ceiling() -> None:
    r = course(9, 8, 7, 6, 5, 4)
    assert r.sessions_done >= r.ceiling
    assert r.verdict == "discharge" and r.next.sessions == 0


def test_no_meaningful_change_after_the_block_stops_needling() -> None:
    r = course(7, 7, 6, 7)
    assert r.verdict == "stop_needling"
    assert "diagnosis" in r.rationale[0].reason


def test_no_change_at_the_review_point_reviews_the_plan_and_never_adds_sessions() -> None:
    r = course(7, 7, 7)  # neck, block 4, review after 2
    assert r.verdict == "continue" and r.next.sessions == 1
    assert "review the plan" in r.rationale[0].reason


def test_the_first_session_is_compared_with_the_intake_score() -> None:
    r = course(6, condition="shoulder_pain")  # block 2, review after 1: nothing to stop yet
    assert r.verdict == "continue" and r.baseline_nrs == 6


def test_no_change_after_the_block_stops_needling() -> None:
    r = course(7, 7, 7, 7)
    assert r.verdict == "stop_needling"
    assert "review the diagnosis" in r.rationale[0].reason


def test_notes_that_may_describe_a_collapsed_lung_hold_the_course_without_raising_urgency() -> None:
    r = course(7, 5, notes="Short of breath since last night, sharp pain on breathing in.")
    assert (r.verdict, r.urgency) == ("stop_needling", "none")  # a hold: the clinician checks
    assert r.rationale[0].rule == "review.notes" and "emergency services" in r.rationale[0].reason
    assert r.warnings and "pneumothorax" in r.warnings[0].message
    why = next(s for s in r.advice.sections if s.id == "why").items
    assert any("urgent whenever it happens" in i and "emergency services" in i for i in why)


def test_red_flag_words_in_session_notes_warn() -> None:
    r = course(7, 6, 5, notes="Night sweats, lost 6 kg since September without trying.")
    assert any("unexplained_weight_loss" in w.message for w in r.warnings)


def test_infection_signs_tell_the_patient_to_see_a_doctor_today() -> None:
    r = course(7, 6, events=["infection_signs"])
    assert r.advice.sections[0].id == "where_to_go"
    assert "today" in " ".join(r.advice.sections[0].items).lower()


def test_worse_by_two_stops() -> None:
    r = course(5, 7)
    assert r.verdict == "stop_needling" and r.change is not None and r.change.worse


def test_a_one_point_wobble_from_a_low_baseline_is_not_a_meaningful_change() -> None:
    r = course(3, 3, 2, groc=0)  # 33%, but 1 point
    assert r.change is not None and not r.change.meaningful
    assert r.verdict == "continue" and "review.no_change_yet" in [s.rule for s in r.rationale]
    assert "review.low_baseline" in [s.rule for s in r.rationale]
    after_block = course(3, 3, 2, 2, 3, groc=0)
    assert after_block.verdict == "stop_needling"  # after the block: no change
    assert after_block.rationale[0].rule == "review.no_change"


def test_a_low_baseline_without_groc_or_a_measure_asks_for_one() -> None:
    for r in (course(3, 3, 2), course(3, 3, 2, 2, 3)):
        assert r.rationale[0].rule == "review.measure_first"
        assert "global rating of change" in r.rationale[0].reason
    assert course(3, 3, 2, groc=4).verdict != "stop_needling"  # a GROC judges it


def test_a_rise_from_the_best_score_so_far_is_a_worsening() -> None:
    r = course(7, 5, 7, 8)  # 1 above intake, 3 above the best (session 2)
    assert r.verdict == "stop_needling" and r.rationale[0].rule == "review.worse_since_best"
    assert course(7, 5, 6).verdict == "continue"  # a 1-point rise: inside the error


def test_low_pain_twice_discharges() -> None:
    r = course(6, 2, 1)
    assert r.verdict == "discharge"
    assert any("exercises" in item for s in r.advice.sections for item in s.items)


def test_breathlessness_is_an_emergency() -> None:
    for event in ("breathlessness", "chest_pain"):
        r = course(7, 5, events=[event])
        assert r.verdict == "emergency" and r.urgency == "emergency"
        text = " ".join(i for s in r.advice.sections for i in s.items).lower()
        assert "emergency" in text


def test_a_new_red_flag_refers() -> None:
    r = course(7, 5, new_health_factors=["unexplained_weight_loss"])
    assert r.verdict == "refer" and r.urgency != "none"
    r = course(7, 5, new_health_factors=["cauda_equina_signs"])
    assert r.verdict == "refer" and r.urgency == "emergency"


def _referral_page(advice: Any) -> dict[str, list[str]]:
    """What a referral page says: its title, and where, how soon, why and when to escalate
    (each section's lines in any order: the order the flags were recorded in)."""
    said = {s.id: sorted(s.items) for s in advice.sections if s.id in _REFERRAL_SECTIONS}
    return {"title": [advice.title], **said}


_REFERRAL_SECTIONS = ("do_now", "where_to_go", "watch_for", "if_worse")
_COMBINED = [
    pytest.param(ids, at_intake, id=f"{combo.id}-{'-'.join(ids)}-{at_intake}-at-intake")
    for combo in RULES.screening.combinations
    for ids in itertools.product(*combo.groups)
    if len(set(ids)) == len(ids)
    for at_intake in (0, 1)
]


@pytest.mark.parametrize(("ids", "at_intake"), _COMBINED)
def test_red_flags_together_mid_course_refer_as_the_same_facts_at_intake(
    ids: tuple[str, ...], at_intake: int
) -> None:
    # every combination of the rule set, one member of each group: all logged at one
    # session, or the first coded at intake and the others logged since. The review
    # gives the tier, the combination's line and the referral page that a plan made at
    # intake with the same facts gives.
    answered = dict.fromkeys(RULES.screening.questions, "no")
    data: dict[str, Any] = {
        "condition": "low_back_pain",
        "severity": 6,
        "duration": "6 months",
        "age": 66,
        "sites": {"lumbar_multifidus": "both"},
        "screening": answered,
    }
    log: list[dict[str, Any]] = [
        {"date": "2026-11-17", "nrs": 6},
        {"date": "2026-11-24", "nrs": 6, "new_health_factors": list(ids[at_intake:])},
        {"date": "2026-12-01", "nrs": 6},
    ]
    ctx = {"rules": RULES, "today": TODAY}
    mid = ConditionProfile.model_validate(
        {**data, "health_factors": list(ids[:at_intake]), "log": log}, context=ctx
    )
    yes = {q: "yes" for q in ids if q in answered}  # at intake: answered yes, or coded
    intake = ConditionProfile.model_validate(
        {
            **data,
            "screening": {**answered, **yes},
            "health_factors": [f for f in ids if f not in yes],
        },
        context=ctx,
    )
    r, p = review(mid, RULES, TODAY), plan(intake, RULES)
    assert p.decision == r.verdict == "refer" and r.urgency == p.urgency
    assert r.rationale[0].rule == "review.red_flag"
    together = [s.rule for s in p.rationale if s.rule.startswith("screening.combinations.")]
    assert [s.rule for s in r.rationale if s.rule in together] == together
    assert [w.kind for w in r.warnings].count("combination") == len(together)
    assert _referral_page(r.advice) == _referral_page(p.advice)


def test_bruising_after_several_sites_asks_which_one() -> None:
    r = course(
        7,
        6,
        events=["bruising"],
        needled=["splenius_capitis", "suboccipitals"],
        sites={"splenius_capitis": "left", "suboccipitals": "left"},
    )
    assert not r.next.avoid_sites
    assert any("which one" in a for a in r.next.actions)


def test_needling_a_site_the_plan_avoids_is_warned() -> None:
    data_sites = {"psoas": "left", "gluteus_medius": "left"}
    log = [{"date": "2026-11-02", "nrs": 6, "needled": ["psoas"]}]
    p = ConditionProfile.model_validate(
        {
            "condition": "low_back_pain",
            "severity": 6,
            "duration": "6 months",
            "sites": data_sites,
            "health_factors": ["anticoagulants"],
            "log": log,
        },
        context={"rules": RULES, "today": TODAY},
    )
    r = review(p, RULES, TODAY)
    assert any(w.kind == "needled_avoided_site" for w in r.warnings)


def test_bruising_avoids_the_site_and_rechecks_anticoagulation() -> None:
    r = course(
        7,
        6,
        events=["bruising"],
        needled=["splenius_capitis"],
        sites={"splenius_capitis": "left", "suboccipitals": "left"},
    )
    assert "splenius_capitis" in r.next.avoid_sites
    assert any("anticoagul" in a.lower() for a in r.next.actions)


def test_fainting_and_soreness_change_the_next_session() -> None:
    faint = course(7, 6, events=["fainting"])
    assert any("lying down" in a for a in faint.next.actions)
    sore = course(7, 6, events=["soreness_over_72h"])
    assert any("dose" in a for a in sore.next.actions)


def test_infection_signs_stop_needling_same_day() -> None:
    r = course(7, 6, events=["infection_signs"])
    assert r.verdict == "stop_needling" and r.urgency == "same_day"


def test_progress_note_every_ten_sessions() -> None:
    r = course(*([6] * 10), condition="lateral_hip_pain")
    assert r.progress_note_due


def test_no_log_is_said() -> None:
    p = ConditionProfile.model_validate(
        {"condition": "neck_pain", "severity": 5, "duration": 3}, context={"rules": RULES}
    )
    with pytest.raises(NothingToReview):
        review(p, RULES, TODAY)


@pytest.mark.parametrize(
    ("name", "verdict"),
    [
        ("review-responder.yaml", {"continue", "extend"}),
        ("review-non-responder.yaml", {"stop_needling"}),
        ("review-discharge.yaml", {"discharge"}),
        ("review-adverse-event.yaml", {"continue"}),
        ("review-new-red-flag.yaml", {"refer"}),
    ],
)
def test_shipped_logged_courses(name: str, verdict: set[str]) -> None:
    p = load_profile(PLANS / name, RULES, today=TODAY)
    assert review(p, RULES, p.log[-1].date + dt.timedelta(days=3)).verdict in verdict


scores = st.lists(st.integers(0, 10), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(scores, st.integers(0, 10))
def test_a_worse_score_never_turns_stop_into_extend(log: list[int], worse: int) -> None:
    before = course(*log)
    if before.verdict != "stop_needling":
        return
    after = course(*log[:-1], max(log[-1], worse))
    assert after.verdict != "extend"


@settings(max_examples=300, deadline=None)
@given(scores)
def test_verdicts_follow_the_evidence(log: list[int]) -> None:
    r = course(*log)
    again = course(*log)
    assert r.to_dict() == again.to_dict()  # deterministic
    assert r.sessions_done + r.next.sessions <= r.ceiling or r.next.sessions == 0
    if r.verdict == "extend":
        assert r.change is not None and r.change.meaningful
    if r.change is not None and r.change.worse:
        assert r.verdict in ("stop_needling", "discharge", "refer", "emergency")


@settings(max_examples=100, deadline=None)
@given(scores, st.sampled_from(["breathlessness", "chest_pain"]))
def test_breathlessness_never_continues(log: list[int], event: str) -> None:
    assert course(*log, events=[event]).verdict == "emergency"


def test_review_csv_has_one_row_per_review_with_numbers_as_numbers() -> None:
    import csv
    import io

    from needleplan.writers import get_writer

    p = load_profile(PLANS / "review-responder.yaml", RULES, today=TODAY)
    writer = get_writer("csv", review=True)
    text = writer.document([review(p, RULES, p.log[-1].date)], many=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1
    assert rows[0]["verdict"] in ("continue", "extend")
    assert int(rows[0]["change_points"]) < 0


def test_outcome_measures_are_reported_against_their_mcid() -> None:
    log = [
        {"date": "2026-11-02", "nrs": 7, "measure": {"ndi": 22}},
        {"date": "2026-11-05", "nrs": 5, "measure": {"ndi": 15}},
    ]
    p = ConditionProfile.model_validate(
        {"condition": "neck_pain", "severity": 7, "duration": "6 months", "log": log},
        context={"rules": RULES, "today": TODAY},
    )
    steps = {s.rule: s.reason for s in review(p, RULES, TODAY).rationale}
    assert "a meaningful improvement" in steps["review.measures.ndi"]


# -- the patient's page after a review -------------------------------------------------


def _ids(r: Any) -> list[str]:
    return [s.id for s in r.advice.sections]


def test_the_warning_signs_are_on_every_page_but_an_emergencys() -> None:
    """The last session may have been a day ago, whatever the verdict."""
    pages = {
        "continue": course(7, 7, 7),
        "stop_needling": course(7, 7, 6, 7),
        "discharge": course(9, 8, 7, 6, 5, 4),
        "refer": course(7, 6, new_health_factors=["fever"]),
    }
    for verdict, r in pages.items():
        assert r.verdict == verdict
        assert "warning_signs" in _ids(r), verdict
    emergency = course(7, 6, events=["chest_pain"])
    assert emergency.verdict == "emergency" and "warning_signs" not in _ids(emergency)
    assert emergency.advice.title == "Get emergency help now"


def test_an_emergency_is_titled_as_one_with_nothing_else_to_do() -> None:
    r = course(7, 6, events=["chest_pain"])
    assert (r.verdict, r.urgency) == ("emergency", "emergency")
    assert r.advice.title == "Get emergency help now"
    # as the plan's emergency page: what to do first, where, why, if it gets worse
    assert _ids(r) == ["do_now", "where_to_go", "watch_for", "if_worse"]
    assert "Do not drive yourself" in r.advice.sections[0].items[0]


def test_a_new_red_flag_page_says_why() -> None:
    r = course(7, 6, new_health_factors=["fever"])
    why = [s for s in r.advice.sections if s.id == "watch_for"]
    assert why and RULES.health_factors["fever"].patient_message in why[0].items


def test_no_change_at_the_review_point_is_said_to_the_patient() -> None:
    r = course(7, 7, 7)
    assert r.verdict == "continue"
    assert r.advice.title == "Your progress: time to decide together"
    assert r.advice.lead.startswith("Your pain has not changed much yet.")
    assert course(7, 6, 5).advice.lead == "Your treatment goes on as planned."


def test_needling_stopped_after_an_earlier_emergency_needs_a_doctor_first() -> None:
    log = [
        {"date": "2026-09-01", "nrs": 7, "events": ["chest_pain"]},
        {"date": "2026-09-08", "nrs": 6},
    ]
    data = {"condition": "neck_pain", "severity": 7, "duration": "6 months", "log": log}
    p = ConditionProfile.model_validate(data, context={"rules": RULES, "today": TODAY})
    r = review(p, RULES, TODAY)
    assert (r.verdict, r.urgency) == ("stop_needling", "same_day")  # urgent whenever it was
    assert "A doctor must check you today, before any more needling." in r.advice.lead


def test_a_course_stopped_by_an_adverse_event_says_why_and_sends_to_a_doctor_first() -> None:
    r = course(7, 6, events=["infection_signs"])
    assert (r.verdict, r.urgency) == ("stop_needling", "same_day")
    assert "doctor" in r.advice.lead
    assert _ids(r)[0] == "where_to_go"
    why = next(s for s in r.advice.sections if s.id == "watch_for")
    assert why.items == (RULES.review.events["infection_signs"].patient_message,)
    emergency = course(7, 6, events=["breathlessness"])
    why = next(s for s in emergency.advice.sections if s.id == "watch_for")
    assert "collapsed lung" in why.items[0]


def _logged(*entries: dict[str, Any]) -> Any:
    data = {
        "condition": "neck_pain",
        "severity": 7,
        "duration": "6 months",
        "sites": {"upper_trapezius": "left"},
        "screening": dict.fromkeys(questions_for(RULES, "neck_pain", ("upper_trapezius",)), "no"),
        "log": list(entries),
    }
    p = ConditionProfile.model_validate(data, context={"rules": RULES, "today": TODAY})
    return review(p, RULES, p.log[-1].date + dt.timedelta(days=1))


@pytest.mark.parametrize("event", ["breathlessness", "chest_pain"])
def test_needling_after_an_emergency_event_asks_for_clearance(event: str) -> None:
    first = {"date": "2026-10-01", "nrs": 6, "events": [event]}
    later = {"date": "2026-10-15", "nrs": 5}
    r = _logged(first, later)
    assert r.verdict == "stop_needling"
    said = [w.message for w in r.warnings if w.kind == "needled_after_stop"]
    assert len(said) == 1 and "2026-10-15" in said[0] and "cleared" in said[0]
    # a session logged without needling, or the event in the latest session, is not warned
    for entries in ((first, {**later, "needled": []}), (first,), ({**first, "events": []}, later)):
        assert not any(w.kind == "needled_after_stop" for w in _logged(*entries).warnings)


def test_a_log_is_never_reviewed_past_today() -> None:
    data = {
        "condition": "neck_pain",
        "severity": 6,
        "duration": "6 months",
        "log": [{"date": "2026-11-19", "nrs": 5}],
    }
    p = ConditionProfile.model_validate(data, context={"rules": RULES})  # no 'today' given
    assert review(p, RULES, dt.date(2026, 11, 19)).sessions_done == 1
    with pytest.raises(ValueError, match="after today"):
        review(p, RULES, dt.date(2026, 11, 18))


@pytest.mark.parametrize("event", ["infection_signs", "nerve_symptoms"])
def test_an_infection_or_nerve_injury_days_ago_is_still_a_same_day_check(event: str) -> None:
    """An infection or a nerve injury does not settle by waiting: logged days ago it is
    still a check today (never "in the next few days" beside "call your doctor today")."""
    recent = course(7, 5, events=[event], days_after=RULES.review.event_recent_days)
    assert recent.urgency == "same_day"
    old = course(7, 5, events=[event], days_after=RULES.review.event_recent_days + 1)
    assert (old.verdict, old.urgency) == ("stop_needling", "same_day")
    said = " ".join([*old.next.actions, *(s.reason for s in old.rationale)])
    assert "a medical assessment today unless one is recorded since" in said
    assert "emergency" not in old.advice.title.lower()
    where = next(s for s in old.advice.sections if s.id == "where_to_go").items
    assert where[0] == say(RULES, "page.referral.same_day.where")


@pytest.mark.parametrize("event", ["breathlessness", "chest_pain"])
@pytest.mark.parametrize("days_after", [3, 10, 60])
def test_breathlessness_or_chest_pain_is_urgent_whenever_it_happened(
    event: str, days_after: int
) -> None:
    recent = course(7, 5, events=[event], days_after=RULES.review.event_recent_days)
    assert (recent.verdict, recent.urgency) == ("emergency", "emergency")
    old = course(7, 5, events=[event], days_after=days_after)
    assert (old.verdict, old.urgency) == ("stop_needling", "same_day")  # never routine
    assert old.rationale[0].rule == "review.emergency_earlier"
    assert "urgent whenever it happens" in old.rationale[0].reason
    where = next(s for s in old.advice.sections if s.id == "where_to_go").items
    assert where[0] == say(RULES, "page.referral.same_day.where")
    why = " ".join(next(s for s in old.advice.sections if s.id == "watch_for").items)
    assert "urgent whenever it happens" in why and "emergency services" in why
    assert "today" in old.advice.title


def test_needling_after_a_new_red_flag_asks_for_clearance() -> None:
    first = {"date": "2026-10-01", "nrs": 6, "new_health_factors": ["fever"]}
    r = _logged(first, {"date": "2026-10-08", "nrs": 5})
    assert r.verdict == "refer"
    said = [w.message for w in r.warnings if w.kind == "needled_after_stop"]
    assert len(said) == 1 and "Fever" in said[0] and "2026-10-08" in said[0]


def test_notes_that_may_describe_cauda_equina_hold_the_course_until_checked() -> None:
    notes = "numbness in the saddle area and trouble passing urine since Tuesday"
    for days_after in (0, 30):  # a red flag is not outgrown: however long ago it was noted
        r = course(7, 5, 3, condition="low_back_pain", notes=notes, days_after=days_after)
        assert (r.verdict, r.urgency) == ("stop_needling", "none")  # a hold, not an urgency
        assert r.rationale[0].rule == "review.notes_red_flag"
        assert "cauda_equina_signs" in r.rationale[0].reason
        assert "from needling" not in r.advice.lead  # told by the patient, not an injury
        why = [i for s in r.advice.sections if s.heading == "Why" for i in s.items]
        assert why[0] == RULES.health_factors["cauda_equina_signs"].patient_message


def test_words_of_a_collapsed_lung_hold_the_course_for_a_check_whenever_written() -> None:
    for days_after in (0, 20):
        r = course(7, 5, notes="short of breath since the session", days_after=days_after)
        assert (r.verdict, r.urgency) == ("stop_needling", "none")
        assert r.rationale[0].rule == "review.notes"


def test_the_page_names_the_next_check_before_the_rest_of_the_block() -> None:
    r = course(7, 6, condition="knee_osteoarthritis", sites={"vastus_medialis": "right"})
    assert r.verdict == "continue" and 0 < r.next.reassess_after < r.next.sessions
    items = [i for s in r.advice.sections for i in s.items]
    expected = f"Next: {r.next.reassess_after} session"
    assert any(i.startswith(expected) and "a check on how it is going" in i for i in items)


def test_an_emergency_page_asks_to_tell_the_staff_about_the_needling() -> None:
    r = course(7, 5, events=["breathlessness"])
    where = next(s for s in r.advice.sections if s.id == "where_to_go").items
    assert any("dry needling" in i for i in where)
    cauda = course(7, 5, condition="low_back_pain", new_health_factors=["cauda_equina_signs"])
    where = next(s for s in cauda.advice.sections if s.id == "where_to_go").items
    assert not any("dry needling" in i for i in where)  # not a needling injury


def test_a_discharge_keeps_what_the_events_teach_for_a_future_course() -> None:
    r = course(7, 2, 2, events=["fainting"])
    assert r.verdict == "discharge"
    assert r.next.actions and all(a.endswith("(for any future course)") for a in r.next.actions)


def test_a_precaution_found_during_the_course_is_shown_and_reaches_the_page() -> None:
    r = course(7, 5, 4, new_health_factors=["anticoagulants"])
    assert r.verdict in ("continue", "extend")
    assert any(w.kind == "new_precaution" and "Anticoagulant" in w.message for w in r.warnings)
    care = [i for s in r.advice.sections if s.id == "site_care" for i in s.items]
    assert RULES.health_factors["anticoagulants"].patient_message in care
    before = course(7, 5, 4)
    assert not any(w.kind == "new_precaution" for w in before.warnings)
    assert not any(s.id == "site_care" for s in before.advice.sections)


def test_an_older_emergency_event_never_outranks_a_red_flag_found_since() -> None:
    cauda = RULES.health_factors["cauda_equina_signs"].patient_message
    coded = course(
        7,
        5,
        condition="low_back_pain",
        events=["breathlessness"],
        days_after=4,
        new_health_factors=["cauda_equina_signs"],
    )
    assert (coded.verdict, coded.urgency) == ("refer", "emergency")
    noted = course(
        7,
        5,
        condition="low_back_pain",
        events=["breathlessness"],
        days_after=4,
        notes="numb down below",
    )
    # the notes decide (a hold); the older event keeps its own urgency (same day)
    assert (noted.verdict, noted.urgency) == ("stop_needling", "same_day")
    assert noted.rationale[0].rule == "review.notes_red_flag"
    for r in (coded, noted):
        why = [i for s in r.advice.sections if s.heading == "Why" for i in s.items]
        assert why[0] == cauda


def test_a_place_tied_contraindication_never_asks_for_clearance_to_needle_elsewhere() -> None:
    infection = [{"local_infection": "right_arm"}]  # the sites: the left upper trapezius
    r = _logged(
        {"date": "2026-10-01", "nrs": 6, "new_health_factors": infection},
        {"date": "2026-10-08", "nrs": 5},
    )
    assert r.verdict in ("continue", "extend")
    assert not any(w.kind == "needled_after_stop" for w in r.warnings)


def test_a_review_stopped_by_avoided_sites_names_them_on_the_page() -> None:
    r = course(
        7,
        5,
        sites={"upper_trapezius": "left"},
        new_health_factors=[{"lymphoedema": "left_arm"}],
    )
    assert r.verdict == "stop_needling"
    why = [i for s in r.advice.sections if s.heading == "Why" for i in s.items]
    assert any(i.startswith("The top of your left shoulder:") for i in why)  # plain words


def test_needling_a_no_pressure_site_under_anticoagulation_asks_for_a_deep_bleed_check() -> None:
    data = {
        "condition": "low_back_pain",
        "severity": 6,
        "duration": "6 months",
        "sites": {"psoas": "left", "gluteus_medius": "left"},
        "health_factors": ["anticoagulants"],
        "log": [{"date": "2026-11-02", "nrs": 6, "needled": ["psoas"]}],
    }
    p = ConditionProfile.model_validate(data, context={"rules": RULES, "today": TODAY})
    (said,) = [
        w.message for w in review(p, RULES, TODAY).warnings if w.kind == "needled_avoided_site"
    ]
    check = next(r.if_needled for r in RULES.site_rules if r.id == "bleeding_no_pressure")
    assert check and said.index(check) < said.index("Why:")  # the check first, then why


def test_unanswered_screening_holds_a_course_under_way_until_answered() -> None:
    # an unanswered question is an open check, never a pass
    r = course(7, 6, 5, screened=False)
    assert r.verdict == "stop_needling" and r.hold
    assert r.rationale[0].rule == "review.screening_open"
    said = [w.message for w in r.warnings if w.kind == "screening_open"]
    assert len(said) == 1 and "screening:" in said[0]
    answered = course(7, 6, 5)
    assert answered.verdict == "continue"
    assert not any(w.kind == "screening_open" for w in answered.warnings)


def test_a_rule_set_missing_a_review_finding_or_with_a_broken_text_is_refused() -> None:
    from needleplan.errors import RulesError
    from needleplan.rulesload import parse_rules
    from tests.conftest import shipped_data, yaml_bytes

    data = shipped_data()
    del data["review"]["findings"]["emergency_earlier"]
    data["texts"]["review.measure"] = "{label: x"
    with pytest.raises(RulesError) as info:
        parse_rules(yaml_bytes(data), "clinic.yaml")
    said = " ".join(p.message for p in info.value.problems)
    assert "'emergency_earlier' is missing" in said and "texts.review.measure" in said
