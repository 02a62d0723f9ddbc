"""The iCalendar writer, read back with icalendar and recurring-ical-events.

Plans here are stand-ins with a contract-shaped ``to_dict()`` (the writer reads
nothing else), with schedules made by ``session_dates`` on a clinic calendar.
"""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo
from typing import Any

import icalendar
import pytest
import recurring_ical_events  # type: ignore[import-untyped]
from hypothesis import given, settings
from hypothesis import strategies as st

from needleplan.config import ClinicSettings
from needleplan.errors import WriterError
from needleplan.schedule import ClinicCalendar
from needleplan.writers import get_writer
from needleplan.writers.ics import CalendarError

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
HOLIDAY = dt.date(2027, 1, 6)  # a Wednesday
MWF = ClinicCalendar(
    days=frozenset({MON, WED, FRI}),
    holidays=frozenset({HOLIDAY}),
    start=dt.time(8, 30),
    end=dt.time(16, 0),
    session_minutes=30,
    timezone="Europe/London",
)
CLINIC = ClinicSettings(
    name="Harbour Street Physiotherapy", phone="01632 960 123", address="1 Harbour St\nSeatown"
)


class StandIn:
    """Just enough of a Plan: the writer calls ``to_dict()`` only."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def to_dict(self) -> dict[str, Any]:
        return self.data


def plan(
    *,
    start: dt.date | None = dt.date(2027, 1, 1),
    count: int = 6,
    per_week: int = 2,
    calendar: ClinicCalendar = MWF,
    decision: str = "needle",
    reassess_after: int = 2,
    patient: str | None = "P-0042",
    source: str | None = "plans/neck-chronic.yaml",
) -> StandIn:
    needling = decision in ("needle", "needle_with_caution")
    n = count if needling else 0
    data: dict[str, Any] = {
        "source": source,
        "patient": patient,
        "condition": "neck_pain",
        "condition_label": "Neck pain",
        "decision": decision,
        "urgency": "none",
        "sessions": {"suggested": n, "low": n and 2, "high": n and 6},
        "course": {"initial_block": n, "reassess_after": reassess_after if n else 0, "ceiling": 6},
        "cadence": {"per_week": per_week if n else 0, "weeks": 3 if n else 0},
        "reassess_after": reassess_after if n else 0,
        "sites": [],
        "unchecked": [],
        "flags": [
            {
                "id": "anticoagulants",
                "level": "precaution",
                "label": "Anticoagulants",
                "message": "Bleeding risk <script>",
                "patient_message": "",
                "source": "x",
                "urgency": "none",
            }
        ],
        "warnings": [{"kind": "notes_red_flag_words", "message": "notes say 'Jane Doe'"}],
        "companions": [],
        "expectations": ["A day or two of soreness."],
        "rationale": [],
        "bands": {"severity": "moderate", "duration": "chronic"},
        "audience": "patient",
        "advice": {"title": "Your dry needling plan", "lead": "", "sections": []},
        "disclaimer": "This does not replace a clinician.",
        "rules": {"name": "needleplan-default", "version": "2", "sha256": "ab" * 32},
    }
    if start is not None:
        dates = calendar.dates(start, n, max(per_week, 1)) if n else []
        data["schedule"] = [
            {"session": i + 1, "date": d.isoformat(), "reassess": i + 1 == reassess_after}
            for i, d in enumerate(dates)
        ]
    return StandIn(data)


def render(*plans: StandIn, **options: Any) -> tuple[str, list[str]]:
    writer = get_writer("ics", **options)
    text = writer.document(list(plans), many=len(plans) > 1)  # type: ignore[arg-type]
    return text, writer.notes


def events(text: str) -> list[icalendar.Event]:
    return icalendar.Calendar.from_ical(text).events


def start_of(event: icalendar.Event) -> dt.datetime:
    start = event.start
    assert isinstance(start, dt.datetime)  # timed, never all-day
    return start


def end_of(event: icalendar.Event) -> dt.datetime:
    end = event.end
    assert isinstance(end, dt.datetime)
    return end


def test_the_holiday_would_be_booked_without_it() -> None:
    open_wednesday = ClinicCalendar(days=MWF.days)
    assert HOLIDAY in open_wednesday.dates(dt.date(2027, 1, 1), 6, 3)


@pytest.mark.parametrize("per_week", [2, 3])
def test_a_mon_wed_fri_clinic_with_a_holiday(per_week: int) -> None:
    text, notes = render(plan(per_week=per_week), calendar=MWF, clinic=CLINIC)
    assert notes == []
    cal = icalendar.Calendar.from_ical(text)
    assert str(cal["PRODID"]).startswith("-//needleplan//")
    assert str(cal["VERSION"]) == "2.0"
    evs = cal.events
    assert len(evs) == 6
    london = zoneinfo.ZoneInfo("Europe/London")
    starts = [start_of(e) for e in evs]
    for e, start in zip(evs, starts, strict=True):
        assert str(e["TRANSP"]) == "OPAQUE"  # busy, not free
        assert isinstance(start, dt.datetime) and start.tzinfo is not None
        assert start.time() == dt.time(8, 30)  # the clinic's opening time
        assert e["DTSTART"].params["TZID"] == "Europe/London"
        assert start.utcoffset() == start.replace(tzinfo=london).utcoffset()
        assert end_of(e) - start == dt.timedelta(minutes=30)
        assert start.weekday() in (MON, WED, FRI)  # never a Saturday
        assert start.date() != HOLIDAY
    for i, s in enumerate(starts):  # never more than per_week in seven days
        assert sum(1 for t in starts[i:] if t - s < dt.timedelta(days=7)) <= per_week
    assert all((b - a) >= dt.timedelta(hours=48) for a, b in itertools.pairwise(starts))
    # the zone travels with the calendar
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/London"]
    # expanded by an independent reader: same events, same times
    expanded = recurring_ical_events.of(cal).between(dt.date(2026, 12, 1), dt.date(2027, 3, 1))
    assert sorted(e.start for e in expanded) == starts
    assert all(e["DTSTART"].dt.tzinfo is not None for e in expanded)


def test_summary_and_description_hold_no_names_or_profile_text() -> None:
    text, _ = render(plan(), calendar=MWF, clinic=CLINIC)
    evs = events(text)
    summaries = [str(e["SUMMARY"]) for e in evs]
    assert summaries[0] == "Dry needling session 1 of 6"
    assert summaries[1] == "Dry needling session 2 of 6 (reassessment)"
    assert sum("reassessment" in s for s in summaries) == 1
    for e in evs:
        summary, description = str(e["SUMMARY"]), str(e["DESCRIPTION"])
        assert "P-0042" not in summary and "_" not in summary
        assert "Patient reference: P-0042" in description
        for foreign in ("<script>", "Jane Doe", "Bleeding", "neck_pain", "soreness"):
            assert foreign not in description and foreign not in summary
        assert "Harbour Street Physiotherapy, 01632 960 123" in description
        assert str(e["LOCATION"]) == "1 Harbour St, Seatown"
    assert "Reassessment" in str(evs[1]["DESCRIPTION"])


def test_uids_are_stable_and_distinct() -> None:
    first, _ = render(plan(), calendar=MWF)
    again, _ = render(plan(), calendar=MWF)
    assert first == again  # same bytes for the same plan and settings
    uids = [str(e["UID"]) for e in events(first)]
    assert len(set(uids)) == len(uids)
    assert uids[1].endswith("-2@needleplan")
    # another start date updates the same events
    moved, _ = render(plan(start=dt.date(2027, 2, 1)), calendar=MWF)
    assert [str(e["UID"]) for e in events(moved)] == uids
    # another patient does not
    other, _ = render(plan(patient="P-0043"), calendar=MWF)
    assert not set(uids) & {str(e["UID"]) for e in events(other)}


def test_defaults_are_nine_oclock_45_minutes_in_the_machines_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    text, _ = render(plan(calendar=ClinicCalendar()))
    cal = icalendar.Calendar.from_ical(text)
    evs = cal.events
    assert start_of(evs[0]).time() == dt.time(9, 0)
    assert evs[0]["DTSTART"].params["TZID"] == "America/New_York"
    assert all(end_of(e) - start_of(e) == dt.timedelta(minutes=45) for e in evs)
    assert all(start_of(e).weekday() < SAT for e in evs)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["America/New_York"]


def test_utc_needs_no_vtimezone() -> None:
    text, _ = render(plan(), calendar=ClinicCalendar(timezone="UTC"))
    cal = icalendar.Calendar.from_ical(text)
    assert cal.walk("VTIMEZONE") == []
    assert "DTSTART:20270101T090000Z" in text


@pytest.mark.parametrize("decision", ["refer", "do_not_needle", "not_indicated"])
def test_no_sessions_is_an_empty_calendar_with_a_note(decision: str) -> None:
    text, notes = render(plan(decision=decision), calendar=MWF)
    cal = icalendar.Calendar.from_ical(text)
    assert cal.walk("VEVENT") == []
    assert "PRODID" in cal
    assert recurring_ical_events.of(cal).between(dt.date(2020, 1, 1), dt.date(2035, 1, 1)) == []
    assert notes == [f"plans/neck-chronic.yaml: no sessions in the calendar (decision: {decision})"]


def test_no_start_date_is_an_empty_calendar_with_a_hint() -> None:
    text, notes = render(plan(start=None), calendar=MWF)
    assert events(text) == []
    assert len(notes) == 1 and "--start-date" in notes[0]


def test_several_plans_share_one_calendar_and_one_zone() -> None:
    text, notes = render(
        plan(), plan(decision="refer", source="b.yaml"), plan(source="c.yaml"), calendar=MWF
    )
    cal = icalendar.Calendar.from_ical(text)
    assert len(cal.events) == 12
    assert len(cal.walk("VTIMEZONE")) == 1
    assert notes == ["b.yaml: no sessions in the calendar (decision: refer)"]


def test_a_date_off_the_clinics_calendar_is_noted() -> None:
    weekend = ClinicCalendar(days=frozenset(range(7)))
    text, notes = render(plan(start=dt.date(2027, 1, 2), calendar=weekend), calendar=MWF)
    assert len(events(text)) == 6
    assert len(notes) == 1 and "not a working day" in notes[0] and "2027-01-02" in notes[0]


def test_an_unknown_zone_is_the_writers_own_error_with_a_hint() -> None:
    with pytest.raises(CalendarError) as info:
        render(plan(), calendar=ClinicCalendar(timezone="Mars/Olympus_Mons"))
    assert isinstance(info.value, WriterError)
    said = info.value.format()
    assert "'Mars/Olympus_Mons' is not known" in said and "hint: set [schedule] timezone" in said


def test_control_characters_in_the_patient_reference_are_made_visible() -> None:
    text, _ = render(plan(patient="P-1\x1b[31m"), calendar=MWF)
    description = str(events(text)[0]["DESCRIPTION"])
    assert "\x1b" not in description and "P-1\\x1b[31m" in description


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2060, 12, 31)),
    count=st.integers(1, 12),
    per_week=st.integers(1, 3),
    days=st.frozensets(st.integers(0, 6), min_size=1),
    zone=st.sampled_from(["Europe/London", "America/Los_Angeles", "Australia/Sydney", "UTC"]),
)
def test_any_schedule_reads_back_busy_timed_and_spaced(
    start: dt.date, count: int, per_week: int, days: frozenset[int], zone: str
) -> None:
    clinic = ClinicCalendar(days=days, timezone=zone, start=dt.time(10, 15), session_minutes=50)
    text, notes = render(
        plan(start=start, count=count, per_week=per_week, calendar=clinic), calendar=clinic
    )
    assert notes == []
    cal = icalendar.Calendar.from_ical(text)
    expanded = sorted(
        recurring_ical_events.of(cal).between(start, start + dt.timedelta(days=800)),
        key=lambda e: e.start,
    )
    assert len(expanded) == count
    starts = [e.start for e in expanded]
    assert all(s.weekday() in days and s.time() == dt.time(10, 15) for s in starts)
    assert all(e.end - e.start == dt.timedelta(minutes=50) for e in expanded)
    assert all(str(e["TRANSP"]) == "OPAQUE" for e in expanded)
    # 48 h by the clock on the wall (a clock change in between can make it 47 h or 49 h)
    wall = [s.replace(tzinfo=None) for s in starts]
    assert all((b - a) >= dt.timedelta(hours=48) for a, b in itertools.pairwise(wall))
    for i, s in enumerate(starts):
        assert sum(1 for t in starts[i:] if t - s < dt.timedelta(days=7)) <= per_week


@pytest.mark.parametrize("days", [("9999-12-27", "9999-12-29"), ("0001-01-01", "0001-01-03")])
def test_the_ends_of_the_calendar(days: tuple[str, str]) -> None:
    data = plan(calendar=MWF).to_dict()
    data["schedule"] = [
        {"session": 1, "date": days[0], "reassess": False},
        {"session": 2, "date": days[1], "reassess": True},
    ]
    text, _ = render(StandIn(data), calendar=ClinicCalendar(timezone="Europe/London"))
    assert [start_of(e).date().isoformat() for e in events(text)] == list(days)
