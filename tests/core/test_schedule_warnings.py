"""A plan's warnings about its schedule's dates: a start in the past, a common public
holiday when the clinic's settings list none. Worded by the rule set's ``calendar:``."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from needleplan import plan
from needleplan.profile import ConditionProfile
from needleplan.schedule import ClinicCalendar
from tests.shipped import RULES


def _profile(start: str, **extra: object) -> ConditionProfile:
    data = {"patient": "P-1", "condition": "neck_pain", "severity": 6, "duration": "14 weeks"}
    first = ConditionProfile.model_validate(
        {**data, "start_date": start, **extra}, context={"rules": RULES}
    )
    # every red-flag question answered "no", so the plan needles and books sessions
    answers = {c.id: "no" for c in plan(first, RULES).checks}
    if not answers:
        return first
    return ConditionProfile.model_validate(
        {**data, "start_date": start, "screening": answers, **extra}, context={"rules": RULES}
    )


def _kinds(result: object) -> list[str]:
    return [w["kind"] for w in result.to_dict()["warnings"]]  # type: ignore[attr-defined]


def test_a_schedule_over_christmas_without_clinic_holidays_is_warned() -> None:
    result = plan(_profile("2026-12-25"), RULES)
    said = [w for w in result.to_dict()["warnings"] if w["kind"] == "schedule_holiday"]
    dates = [s["date"] for s in result.to_dict()["schedule"]]
    assert dates[0] == "2026-12-25"  # a Friday: booked, and warned
    on_holiday = [d for d in dates if d[5:] in ("12-25", "12-26", "01-01")]
    assert len(said) == len(on_holiday) >= 1
    assert on_holiday[0] in said[0]["message"] and "[schedule] holidays" in said[0]["message"]


def test_the_clinics_own_holidays_are_trusted_and_never_booked() -> None:
    clinic = ClinicCalendar(holidays=frozenset({dt.date(2026, 12, 25), dt.date(2027, 1, 1)}))
    result = plan(_profile("2026-12-25"), RULES, calendar=clinic)
    assert "schedule_holiday" not in _kinds(result)
    assert "2026-12-25" not in [s["date"] for s in result.to_dict()["schedule"]]


@pytest.mark.parametrize(("today", "warned"), [("2027-03-02", True), ("2027-03-01", False)])
def test_a_schedule_that_starts_in_the_past_is_warned(today: str, warned: bool) -> None:
    clinic = ClinicCalendar(today=dt.date.fromisoformat(today))
    result = plan(_profile("2027-03-01"), RULES, calendar=clinic)
    assert ("schedule_past" in _kinds(result)) is warned
    if warned:
        (message,) = [
            w["message"] for w in result.to_dict()["warnings"] if w["kind"] == "schedule_past"
        ]
        assert "2027-03-01" in message
    # a library call with no clock makes no such check
    assert "schedule_past" not in _kinds(plan(_profile("2000-03-01"), RULES))


def test_a_rule_set_without_the_calendar_section_warns_of_nothing() -> None:
    bare = dataclasses.replace(RULES, calendar=None)
    clinic = ClinicCalendar(today=dt.date(2030, 1, 1))
    result = plan(_profile("2026-12-25"), bare, calendar=clinic)
    assert not {"schedule_past", "schedule_holiday"} & set(_kinds(result))


def test_clinic_days_that_cannot_keep_the_cadence_are_warned_and_the_page_promises_none() -> None:
    profile = _profile("2026-12-14", sessions_per_week=2)
    weekdays = plan(profile, RULES, calendar=ClinicCalendar())
    assert "cadence_not_kept" not in _kinds(weekdays)
    assert "2 sessions a week" in str(weekdays.to_dict()["advice"])
    holidays = frozenset({dt.date(2026, 12, 22), dt.date(2026, 12, 29)})
    tuesdays = plan(profile, RULES, calendar=ClinicCalendar(days=frozenset({1}), holidays=holidays))
    said = [w["message"] for w in tuesdays.to_dict()["warnings"] if w["kind"] == "cadence_not_kept"]
    assert len(said) == 1 and "2 sessions a week" in said[0] and "21 days" in said[0]
    page = str(tuesdays.to_dict()["advice"])
    assert "a week" not in page.split("to start")[1].split(".")[0]
    assert "on the dates your clinic gives you" in page


def test_two_a_week_at_a_clinic_open_one_day_a_week_is_warned() -> None:
    profile = _profile("2026-12-14", sessions_per_week=2)
    wednesdays = plan(profile, RULES, calendar=ClinicCalendar(days=frozenset({2})))
    said = [
        w["message"] for w in wednesdays.to_dict()["warnings"] if w["kind"] == "cadence_not_kept"
    ]
    assert len(said) == 1 and "7 days" in said[0]
    # a clinic open on two days a week keeps two a week
    two_days = plan(profile, RULES, calendar=ClinicCalendar(days=frozenset({0, 3})))
    assert "cadence_not_kept" not in _kinds(two_days)
