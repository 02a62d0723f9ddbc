"""The iCalendar writer, read back with icalendar, recurring-ical-events and vobject.

Plans here are real: a shipped profile (plans/neck-chronic.yaml unless a test names
another) planned by the library on a clinic calendar, with the start date, time of day,
sessions a week and patient reference the test needs. Sessions with a time are timed,
busy events; without one, all-day free reminders.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import zoneinfo
from typing import Any

import icalendar
import pytest
import recurring_ical_events  # type: ignore[import-untyped]
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from needleplan.config import ClinicSettings
from needleplan.errors import WriterError
from needleplan.loading import profile_from_text
from needleplan.planner import plan as make_plan
from needleplan.results import Plan, RulesRef, ScheduledSession
from needleplan.schedule import ClinicCalendar
from needleplan.writers import get_writer
from needleplan.writers.ics import CalendarError
from tests.conftest import ROOT
from tests.shipped import RULES

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
#: needle with caution: 4 sessions, 2 a week, reassessed after the second
NECK = "plans/neck-chronic.yaml"
#: shipped profiles that book sessions, and how many each books
BOOKED = {NECK: 4, "plans/hip-lateral.yaml": 6, "plans/myofascial-upper-back.yaml": 2}


def plan(
    source: str = NECK,
    *,
    start: dt.date | None = dt.date(2027, 1, 1),
    time: str | None = "08:30",
    per_week: int = 2,
    patient: str | None = "P-0042",
    calendar: ClinicCalendar = MWF,
    **fields: object,
) -> Plan:
    """``source`` planned by the library on ``calendar``, with these profile fields set
    (a None field left out)."""
    data = yaml.safe_load((ROOT / source).read_text())
    changes = {
        "start_date": start,
        "appointment_time": time,
        "sessions_per_week": per_week,
        "patient": patient,
        **fields,
    }
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    profile = profile_from_text(yaml.safe_dump(data, sort_keys=False), source, RULES)
    return make_plan(profile, RULES, source=source, calendar=calendar)


def render(*plans: Plan, **options: Any) -> tuple[str, list[str]]:
    writer = get_writer("ics", rules=RULES, **options)  # as the command gives it
    text = writer.document(list(plans), many=len(plans) > 1)
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
    booked = plan(start=HOLIDAY, calendar=open_wednesday).schedule
    assert booked and booked[0].date == HOLIDAY


@pytest.mark.parametrize("per_week", [1, 2])
def test_a_mon_wed_fri_clinic_with_a_holiday(per_week: int) -> None:
    text, notes = render(plan(start=HOLIDAY, per_week=per_week), calendar=MWF, clinic=CLINIC)
    assert notes == []
    cal = icalendar.Calendar.from_ical(text)
    assert str(cal["PRODID"]).startswith("-//needleplan//")
    assert str(cal["VERSION"]) == "2.0"
    evs = cal.events
    assert len(evs) == 4
    london = zoneinfo.ZoneInfo("Europe/London")
    starts = [start_of(e) for e in evs]
    for e, start in zip(evs, starts, strict=True):
        assert str(e["TRANSP"]) == "OPAQUE"  # busy, not free
        assert isinstance(start, dt.datetime) and start.tzinfo is not None
        assert start.time() == dt.time(8, 30)  # the profile's appointment time
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
    booked = plan(health_factors=["poor_sleep", "anticoagulants"], notes="Jane Doe <script>")
    assert booked.flags and booked.expectations and booked.sites
    text, _ = render(booked, calendar=MWF, clinic=CLINIC)
    evs = events(text)
    summaries = [str(e["SUMMARY"]) for e in evs]
    assert summaries[0] == "Dry needling session 1 of 4"
    assert summaries[1] == "Dry needling session 2 of 4 (reassessment)"
    assert sum("reassessment" in s for s in summaries) == 1
    said = [booked.condition, booked.condition_label, "right upper trapezius", "Jane Doe"]
    said += ["<script>", *booked.expectations, *(w.message for w in booked.warnings)]
    said += [text for f in booked.flags for text in (f.label, f.message, f.patient_message)]
    said += [r.message for s in booked.sites for r in s.reasons]
    for e in evs:
        summary, description = str(e["SUMMARY"]), str(e["DESCRIPTION"])
        assert "P-0042" not in summary and "_" not in summary
        assert "Patient reference: P-0042" in description
        for foreign in said:
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


def test_without_a_calendar_sessions_are_45_minutes_in_utc_whatever_the_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the writer reads no settings and no environment: the run passes the clinic's zone in
    monkeypatch.setenv("TZ", "America/New_York")
    text, _ = render(plan(calendar=ClinicCalendar(), time="09:00"))
    cal = icalendar.Calendar.from_ical(text)
    evs = cal.events
    assert start_of(evs[0]) == dt.datetime(2027, 1, 1, 9, 0, tzinfo=dt.timezone.utc)
    assert all(end_of(e) - start_of(e) == dt.timedelta(minutes=45) for e in evs)
    assert cal.walk("VTIMEZONE") == []


def test_utc_needs_no_vtimezone() -> None:
    text, _ = render(plan(time="09:00"), calendar=ClinicCalendar(timezone="UTC"))
    cal = icalendar.Calendar.from_ical(text)
    assert cal.walk("VTIMEZONE") == []
    assert "DTSTART:20270101T090000Z" in text


@pytest.mark.parametrize(
    ("source", "decision"),
    [
        ("plans/refer-same-day.yaml", "refer"),
        ("plans/knee-oa-lymphoedema.yaml", "do_not_needle"),
        ("plans/fresh-injury.yaml", "not_indicated"),
        ("plans/screen-not-finished.yaml", "check_first"),
    ],
)
def test_no_sessions_is_an_empty_calendar_with_a_note(source: str, decision: str) -> None:
    unbooked = plan(source)
    assert unbooked.decision == decision
    text, notes = render(unbooked, calendar=MWF)
    cal = icalendar.Calendar.from_ical(text)
    assert cal.walk("VEVENT") == []
    assert "PRODID" in cal
    assert recurring_ical_events.of(cal).between(dt.date(2020, 1, 1), dt.date(2035, 1, 1)) == []
    assert notes == [f"{source}: no sessions in the calendar (decision: {decision})"]


def test_no_start_date_is_an_empty_calendar_with_a_hint() -> None:
    text, notes = render(plan(start=None), calendar=MWF)
    assert events(text) == []
    assert len(notes) == 1 and "--start-date" in notes[0]


def test_several_plans_share_one_calendar_and_one_zone() -> None:
    text, notes = render(
        plan(),
        plan("plans/refer-same-day.yaml"),
        plan(patient="P-7", time="10:00"),
        calendar=MWF,
    )
    cal = icalendar.Calendar.from_ical(text)
    assert len(cal.events) == 8
    assert len(cal.walk("VTIMEZONE")) == 1
    assert notes == ["plans/refer-same-day.yaml: no sessions in the calendar (decision: refer)"]


def test_a_date_off_the_clinics_calendar_is_noted() -> None:
    weekend = ClinicCalendar(days=frozenset(range(7)))
    text, notes = render(plan(start=dt.date(2027, 1, 2), calendar=weekend), calendar=MWF)
    assert len(events(text)) == 4
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
    source=st.sampled_from(sorted(BOOKED)),
    per_week=st.integers(1, 3),
    days=st.frozensets(st.integers(0, 6), min_size=1),
    zone=st.sampled_from(["Europe/London", "America/Los_Angeles", "Australia/Sydney", "UTC"]),
)
def test_any_schedule_reads_back_busy_timed_and_spaced(
    start: dt.date, source: str, per_week: int, days: frozenset[int], zone: str
) -> None:
    clinic = ClinicCalendar(days=days, timezone=zone, session_minutes=50)
    text, notes = render(
        plan(source, start=start, per_week=per_week, calendar=clinic, time="10:15"),
        calendar=clinic,
    )
    assert notes == []
    cal = icalendar.Calendar.from_ical(text)
    expanded = sorted(
        recurring_ical_events.of(cal).between(start, start + dt.timedelta(days=800)),
        key=lambda e: e.start,
    )
    assert len(expanded) == BOOKED[source]
    starts = [e.start for e in expanded]
    assert all(s.weekday() in days and s.time() == dt.time(10, 15) for s in starts)
    assert all(e.end - e.start == dt.timedelta(minutes=50) for e in expanded)
    assert all(str(e["TRANSP"]) == "OPAQUE" for e in expanded)
    # 48 h by the clock on the wall (a clock change in between can make it 47 h or 49 h)
    wall = [s.replace(tzinfo=None) for s in starts]
    assert all((b - a) >= dt.timedelta(hours=48) for a, b in itertools.pairwise(wall))
    for i, s in enumerate(starts):
        assert sum(1 for t in starts[i:] if t - s < dt.timedelta(days=7)) <= per_week


@pytest.mark.parametrize("time", ["09:00", None])
@pytest.mark.parametrize("days", [("9999-12-27", "9999-12-29"), ("0001-01-01", "0001-01-03")])
def test_the_ends_of_the_calendar(days: tuple[str, str], time: str | None) -> None:
    # no profile starts there (years 1900 to 2199): the writer's own bounds are tested
    # on a real plan given those two dates
    first, last = (dt.date.fromisoformat(d) for d in days)
    booked = dataclasses.replace(
        plan(),
        schedule=(ScheduledSession(1, first, False, time), ScheduledSession(2, last, True, time)),
    )
    text, _ = render(booked, calendar=ClinicCalendar(timezone="Europe/London"))
    assert [_day(e.start).isoformat() for e in events(text)] == list(days)


def _day(value: dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


# -- all-day reminders without a time --------------------------------------------------


def test_without_a_time_each_session_is_an_all_day_free_reminder() -> None:
    text, notes = render(plan(time=None), calendar=MWF, clinic=CLINIC)
    assert notes == []
    cal = icalendar.Calendar.from_ical(text)
    evs = cal.events
    assert len(evs) == 4
    for e in evs:
        start, end = e.start, e.end
        assert type(start) is dt.date and type(end) is dt.date  # no guessed hour
        assert end - start == dt.timedelta(days=1)
        assert e["DTSTART"].params["VALUE"] == "DATE"
        assert str(e["TRANSP"]) == "TRANSPARENT"  # free: nothing is booked
        assert str(e["SUMMARY"]).startswith("Dry needling session")
        assert " due" in str(e["SUMMARY"])
        assert "No time is booked" in str(e["DESCRIPTION"])
    assert "T0830" not in text and "T0900" not in text
    assert cal.walk("VTIMEZONE") == []  # dates need no zone
    expanded = recurring_ical_events.of(cal).between(dt.date(2027, 1, 1), dt.date(2027, 3, 1))
    assert len(expanded) == 4


def test_a_run_mixes_timed_and_all_day_events() -> None:
    text, _ = render(plan(), plan(patient="P-2", time=None), calendar=MWF)
    evs = events(text)
    timed = [e for e in evs if isinstance(e.start, dt.datetime)]
    whole = [e for e in evs if not isinstance(e.start, dt.datetime)]
    assert len(timed) == len(whole) == 4
    assert {str(e["TRANSP"]) for e in timed} == {"OPAQUE"}
    assert {str(e["TRANSP"]) for e in whole} == {"TRANSPARENT"}


def test_vobject_reads_the_same_events() -> None:
    vobject = pytest.importorskip("vobject")
    text, _ = render(plan(), plan(patient="P-2", time=None), calendar=MWF, clinic=CLINIC)
    parsed = vobject.readOne(text)
    vevents = parsed.vevent_list
    assert len(vevents) == 8
    london = zoneinfo.ZoneInfo("Europe/London")
    timed = [v for v in vevents if isinstance(v.dtstart.value, dt.datetime)]
    assert len(timed) == 4
    for v in timed:
        start = v.dtstart.value
        assert start.astimezone(london).time() == dt.time(8, 30)
        assert v.dtend.value - start == dt.timedelta(minutes=30)
    assert len({v.uid.value for v in vevents}) == 8


# -- clock changes ---------------------------------------------------------------------


def _at(day: dt.date, time: str, zone: str = "Europe/London", minutes: int = 45) -> Any:
    clinic = ClinicCalendar(days=frozenset(range(7)), timezone=zone, session_minutes=minutes)
    # one a week: the first session is the only one in the three days read back
    text, _ = render(plan(start=day, time=time, per_week=1, calendar=clinic), calendar=clinic)
    (event,) = recurring_ical_events.of(icalendar.Calendar.from_ical(text)).between(
        day - dt.timedelta(days=1), day + dt.timedelta(days=2)
    )
    return event


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.timezone.utc)


@pytest.mark.parametrize(
    ("day", "time", "zone"),
    [
        (dt.date(2027, 3, 28), "01:30", "Europe/London"),  # skipped by the spring change
        (dt.date(2027, 3, 28), "00:50", "Europe/London"),  # ends inside the skipped hour
        (dt.date(2027, 3, 14), "02:15", "America/New_York"),
        (dt.date(2027, 10, 3), "02:30", "Australia/Sydney"),
    ],
)
def test_a_time_the_clock_skips_is_read_as_zoneinfo_reads_it(
    day: dt.date, time: str, zone: str
) -> None:
    event = _at(day, time, zone)
    tz = zoneinfo.ZoneInfo(zone)
    hour, minute = map(int, time.split(":"))
    expected = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz)  # fold=0
    assert _utc(event.start) == _utc(expected)
    assert _utc(event.end) - _utc(event.start) == dt.timedelta(minutes=45)


@pytest.mark.parametrize(
    ("day", "time", "zone"),
    [
        (dt.date(2027, 10, 31), "01:30", "Europe/London"),  # repeated by the autumn change
        (dt.date(2027, 10, 31), "00:40", "Europe/London"),  # ends in the repeated hour
        (dt.date(2027, 11, 7), "01:20", "America/New_York"),
    ],
)
def test_a_time_the_clock_repeats_is_its_first_pass_and_never_ends_before_it_starts(
    day: dt.date, time: str, zone: str
) -> None:
    event = _at(day, time, zone)
    tz = zoneinfo.ZoneInfo(zone)
    hour, minute = map(int, time.split(":"))
    expected = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz)  # fold=0
    assert _utc(event.start) == _utc(expected)
    assert _utc(event.end) - _utc(event.start) == dt.timedelta(minutes=45)


@settings(max_examples=80, deadline=None)
@given(
    day=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2030, 12, 31)),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45]),
    minutes=st.integers(5, 480),
    zone=st.sampled_from(["Europe/London", "America/New_York", "Australia/Lord_Howe"]),
)
def test_no_event_ends_before_it_starts(
    day: dt.date, hour: int, minute: int, minutes: int, zone: str
) -> None:
    event = _at(day, f"{hour:02d}:{minute:02d}", zone, minutes)
    assert _utc(event.end) - _utc(event.start) == dt.timedelta(minutes=minutes)


# -- ids -------------------------------------------------------------------------------


def _uids(text: str) -> list[str]:
    return [str(e["UID"]) for e in events(text)]


def test_uids_come_from_the_patient_reference_not_the_file_or_rule_set() -> None:
    first = _uids(render(plan(), calendar=MWF)[0])
    # the same profile under another file name, planned by another rule set
    renamed = dataclasses.replace(
        plan(), source="b/other.yaml", rules=RulesRef("needleplan-default", "3", "ef" * 32)
    )
    assert _uids(render(renamed, calendar=MWF)[0]) == first
    # another condition of the same patient is another course
    other = _uids(render(plan("plans/low-back-anticoagulants.yaml"), calendar=MWF)[0])
    assert other and not set(first) & set(other)


def test_profiles_without_a_reference_take_ids_from_their_content() -> None:
    def anonymous(severity: int) -> Plan:
        return plan(patient=None, severity=severity)

    a = _uids(render(anonymous(7), calendar=MWF)[0])
    assert _uids(render(anonymous(7), calendar=MWF)[0]) == a  # stable across runs
    b = _uids(render(anonymous(6), calendar=MWF)[0])
    assert not set(a) & set(b)  # two stdin profiles never share ids
    # one run holding both, and the same profile twice: every UID distinct
    both = _uids(render(anonymous(7), anonymous(6), anonymous(7), calendar=MWF)[0])
    assert len(both) == len(set(both)) == 12
    assert both[:4] == a


def test_real_profiles_from_stdin_get_distinct_stable_ids(runner: Any) -> None:
    from needleplan import load_rules, plan
    from needleplan.loading import profile_from_text
    from tests.conftest import invoke

    profile = "condition: neck_pain\nseverity: 6\nduration: 14 weeks\nstart_date: 2027-01-04\n"
    rules = load_rules()
    checks = plan(profile_from_text(profile, "-", rules), rules).checks
    if checks:  # every red-flag question answered "no", so the plan books sessions
        profile += "screening:\n" + "".join(f"  {c.id}: no\n" for c in checks)
    first = invoke(runner, "suggest", "-f", "ics", "-", input=profile)
    again = invoke(runner, "suggest", "-f", "ics", "-", input=profile)
    other = invoke(runner, "suggest", "-f", "ics", "-", input=profile.replace("6", "7"))
    assert first.exit_code == 0, first.stderr
    assert _uids(first.stdout) and _uids(first.stdout) == _uids(again.stdout)
    assert not set(_uids(first.stdout)) & set(_uids(other.stdout))


# -- double bookings -------------------------------------------------------------------


def test_two_patients_in_the_same_slot_are_named_with_the_time() -> None:
    text, notes = render(plan(patient="P-1"), plan(patient="P-2"), calendar=MWF)
    assert len(events(text)) == 8  # both still in the calendar
    clashes = [n for n in notes if "both booked" in n]
    assert len(clashes) == 4
    assert clashes[0].startswith("P-1 and P-2 are both booked at 2027-01-01 08:30 (Europe/London)")


def test_overlapping_sessions_clash_and_back_to_back_ones_do_not() -> None:
    _, notes = render(plan(patient="P-1"), plan(patient="P-2", time="08:45"), calendar=MWF)
    assert any("both booked" in n for n in notes)  # 08:30-09:00 and 08:45-09:15
    _, notes = render(plan(patient="P-1"), plan(patient="P-2", time="09:00"), calendar=MWF)
    assert not any("both booked" in n for n in notes)  # 08:30-09:00, then 09:00
    _, notes = render(plan(patient="P-1", time=None), plan(patient="P-2", time=None), calendar=MWF)
    assert not any("both booked" in n for n in notes)  # reminders book nothing


def test_a_clash_across_the_files_of_one_run_is_named_once() -> None:
    writer = get_writer("ics", rules=RULES, calendar=MWF)
    writer.file_text(plan(patient="P-1"))
    assert writer.notes == []
    writer.file_text(plan(patient="P-2"))
    assert len([n for n in writer.notes if "P-1 and P-2" in n]) == 4
    writer.notes.clear()
    writer.file_text(plan(patient="P-3", time="14:00"))
    assert writer.notes == []
