"""Session dates: every promise of ``session_dates`` as a property, plus worked examples."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import pickle

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from needleplan.config import Config, ScheduleSettings, calendar_of
from needleplan.schedule import ClinicCalendar, session_dates

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)

starts = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31))
day_sets = st.frozensets(st.integers(0, 6), min_size=1)


@st.composite
def requests(draw: st.DrawFn) -> dict[str, object]:
    start = draw(starts)
    days = draw(st.none() | day_sets)
    # holidays near the start, where they matter (sometimes a long closure)
    offsets = draw(st.frozensets(st.integers(-3, 120), max_size=40))
    holidays = frozenset(start + dt.timedelta(days=o) for o in offsets)
    return {
        "start": start,
        "count": draw(st.integers(0, 30)),
        "per_week": draw(st.integers(1, 7)),
        "days": days,
        "holidays": holidays,
        "min_gap_days": draw(st.integers(1, 7)),
    }


def _call(r: dict[str, object]) -> list[dt.date]:
    return session_dates(
        r["start"],  # type: ignore[arg-type]
        r["count"],  # type: ignore[arg-type]
        r["per_week"],  # type: ignore[arg-type]
        days=r["days"],  # type: ignore[arg-type]
        holidays=r["holidays"],  # type: ignore[arg-type]
        min_gap_days=r["min_gap_days"],  # type: ignore[arg-type]
    )


def _working(r: dict[str, object]) -> frozenset[int]:
    days = r["days"]
    return frozenset(range(5)) if days is None else days  # type: ignore[return-value]


@settings(max_examples=300, deadline=None)
@given(requests())
@example(
    {
        "start": dt.date(2026, 12, 1),
        "count": 6,
        "per_week": 3,
        "days": frozenset({MON, WED, FRI}),
        "holidays": frozenset({dt.date(2026, 12, 2)}),
        "min_gap_days": 2,
    }
)
def test_every_promise_holds(r: dict[str, object]) -> None:
    dates = _call(r)
    working = _working(r)
    holidays = r["holidays"]
    per_week = r["per_week"]
    gap = r["min_gap_days"]
    start = r["start"]
    assert isinstance(per_week, int) and isinstance(gap, int) and isinstance(start, dt.date)
    assert isinstance(holidays, frozenset)

    assert len(dates) == r["count"]
    # only working days, never a holiday
    assert all(d.weekday() in working for d in dates)
    assert not any(d in holidays for d in dates)
    # in order, at least min_gap_days apart (2 days = 48 h)
    assert all((b - a).days >= gap for a, b in itertools.pairwise(dates))
    # never more than per_week in any seven consecutive days ...
    for i, d in enumerate(dates):
        assert sum(1 for e in dates[i:] if (e - d).days < 7) <= per_week
    # ... so never more than per_week in a Monday-Sunday week
    weeks = [d - dt.timedelta(days=d.weekday()) for d in dates]
    assert all(n <= per_week for n in (weeks.count(w) for w in set(weeks)))
    if dates:
        # the first on the first bookable day on or after start
        first = start
        while first.weekday() not in working or first in holidays:
            first += dt.timedelta(days=1)
        assert dates[0] == first


def _longest_closure(days: frozenset[int]) -> int:
    """The most days in a row, round the week, that are not working days."""
    week = [d in days for d in range(7)] * 2
    run = best = 0
    for open_ in week:
        run = 0 if open_ else run + 1
        best = max(best, run)
    return min(best, 6)


@settings(max_examples=300, deadline=None)
@given(starts, st.integers(1, 40), st.integers(1, 7), day_sets, st.integers(1, 4))
def test_evenly_spread_without_holidays(
    start: dt.date, count: int, per_week: int, days: frozenset[int], gap: int
) -> None:
    """No wait is longer than the spacing asks plus the days the clinic is shut."""
    dates = session_dates(start, count, per_week, days=days, min_gap_days=gap)
    spacing = max(gap, math.ceil(7 / per_week))
    longest = spacing + _longest_closure(days)
    assert all((b - a).days <= longest for a, b in itertools.pairwise(dates))
    if days == frozenset(range(7)):
        # open every day: each wait is the spacing, or one day less on rounding
        assert all(spacing - 1 <= (b - a).days <= spacing for a, b in itertools.pairwise(dates))


@settings(max_examples=200, deadline=None)
@given(
    st.dates(min_value=dt.date(9990, 1, 1)),
    st.integers(0, 2000),
    st.integers(1, 7),
    st.none() | day_sets,
    st.integers(1, 30),
)
def test_ends_or_says_it_runs_past_9999(
    start: dt.date, count: int, per_week: int, days: frozenset[int] | None, gap: int
) -> None:
    try:
        dates = session_dates(start, count, per_week, days=days, min_gap_days=gap)
    except ValueError as exc:
        assert str(exc) == "the schedule runs past the year 9999"
    else:
        assert len(dates) == count


def test_a_huge_count_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="past the year 9999"):
        session_dates(dt.date(2026, 1, 1), 10**12, 7)


def test_holidays_covering_every_working_day_to_the_end_terminate() -> None:
    start = dt.date(9999, 11, 1)
    holidays = frozenset(start + dt.timedelta(days=i) for i in range(61))
    with pytest.raises(ValueError, match="past the year 9999"):
        session_dates(start, 1, 2, holidays=holidays)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"days": frozenset()}, "no working day"),
        ({"days": frozenset({7})}, "numbered 0 (Monday) to 6"),
        ({"per_week": 0}, "at least one session a week"),
        ({"count": -1}, "cannot be negative"),
        ({"min_gap_days": 0}, "at least one day apart"),
    ],
)
def test_impossible_requests_say_why(kwargs: dict[str, object], words: str) -> None:
    args: dict[str, object] = {"start": dt.date(2026, 12, 1), "count": 4, "per_week": 2}
    args.update(kwargs)
    with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
        session_dates(**args)  # type: ignore[arg-type]


def test_no_weekend_by_default() -> None:
    dates = session_dates(dt.date(2026, 12, 5), 12, 3)  # a Saturday
    assert dates[0] == dt.date(2026, 12, 7)  # the Monday after
    assert all(d.weekday() < SAT for d in dates)


def test_two_a_week_on_weekdays_is_monday_thursday() -> None:
    dates = session_dates(dt.date(2026, 11, 30), 6, 2)  # a Monday
    assert [d.weekday() for d in dates] == [MON, THU] * 3


def test_three_a_week_on_weekdays_is_monday_wednesday_friday() -> None:
    dates = session_dates(dt.date(2026, 11, 30), 6, 3)
    assert [d.weekday() for d in dates] == [MON, WED, FRI] * 2


def test_monday_wednesday_friday_clinic_with_a_holiday() -> None:
    clinic = ClinicCalendar(
        days=frozenset({MON, WED, FRI}), holidays=frozenset({dt.date(2027, 1, 6)})
    )
    dates = clinic.dates(dt.date(2027, 1, 2), 6, 2)  # a Saturday
    assert dates[0] == dt.date(2027, 1, 4)
    assert dt.date(2027, 1, 6) not in dates
    assert all(d.weekday() in (MON, WED, FRI) for d in dates)
    assert all((b - a).days >= 2 for a, b in itertools.pairwise(dates))


def test_a_christmas_closure_moves_sessions_without_bunching() -> None:
    closure = frozenset(dt.date(2026, 12, 24) + dt.timedelta(days=i) for i in range(12))
    dates = session_dates(dt.date(2026, 12, 21), 4, 2, holidays=closure)
    assert dates[0] == dt.date(2026, 12, 21)
    assert dates[1] == dt.date(2026, 12, 23)
    assert dates[2] >= dt.date(2027, 1, 5)
    assert (dates[3] - dates[2]).days >= 3


def test_calendar_of_settings() -> None:
    config = Config(
        schedule=ScheduleSettings(
            days=("mon", "wed", "fri"),
            hours="08:30-16:00",
            session_minutes=30,
            timezone="Europe/London",
            holidays=(dt.date(2027, 1, 6),),
        )
    )
    cal = calendar_of(config)
    assert cal.days == frozenset({MON, WED, FRI})
    assert cal.holidays == frozenset({dt.date(2027, 1, 6)})
    assert (cal.start, cal.end) == (dt.time(8, 30), dt.time(16, 0))
    assert cal.session_minutes == 30
    assert cal.timezone == "Europe/London"
    assert not cal.bookable(dt.date(2027, 1, 6)) and cal.bookable(dt.date(2027, 1, 8))
    assert pickle.loads(pickle.dumps(cal)) == cal  # crosses to worker processes


def test_calendar_of_defaults_uses_the_machines_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    cal = calendar_of(Config())
    assert cal.timezone == "America/New_York"
    assert cal.days == frozenset(range(5))
    assert (cal.start, cal.session_minutes) == (dt.time(9, 0), 45)


def test_a_clinic_calendar_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        ClinicCalendar(days=frozenset())
    with pytest.raises(ValueError):
        ClinicCalendar(session_minutes=0)
    with pytest.raises(ValueError):
        ClinicCalendar(start=dt.time(17, 0), end=dt.time(9, 0))


# -- times of day, clock changes, checks on the dates ----------------------------------


@pytest.mark.parametrize("text", ["9:30", "09:30", " 09:30 "])
def test_an_appointment_time_is_hours_and_minutes(text: str) -> None:
    from needleplan.schedule import parse_time

    assert parse_time(text) == dt.time(9, 30)
    assert parse_time(None) is None
    assert parse_time(dt.time(9, 30, 12)) == dt.time(9, 30)


@pytest.mark.parametrize(
    "text", ["24:00", "9", "09:60", "0930", "9:3", "-1:00", "１:00", "09:30:00"]
)
def test_a_time_that_is_not_a_time_of_day_is_refused_in_plain_words(text: str) -> None:
    from needleplan.schedule import parse_time

    with pytest.raises(ValueError, match="HH:MM"):
        parse_time(text)


def test_a_skipped_time_starts_when_zoneinfo_says_and_ends_after_it() -> None:
    import zoneinfo

    from needleplan.schedule import session_end, session_start

    london = zoneinfo.ZoneInfo("Europe/London")
    start = session_start(dt.date(2027, 3, 28), dt.time(1, 30), london)
    assert start.replace(tzinfo=None) == dt.datetime(2027, 3, 28, 2, 30)  # 01:30 GMT
    end = session_end(start, 45)
    assert end.astimezone(dt.timezone.utc) - start.astimezone(dt.timezone.utc) == dt.timedelta(
        minutes=45
    )
    repeated = session_start(dt.date(2027, 10, 31), dt.time(1, 30), london)
    assert repeated.utcoffset() == dt.timedelta(hours=1)  # the first pass, summer time
    later = session_end(repeated, 45)
    assert later.astimezone(dt.timezone.utc) > repeated.astimezone(dt.timezone.utc)


def test_date_checks_find_a_past_start_and_common_holidays_without_clinic_holidays() -> None:
    from needleplan.schedule import date_checks

    dates = [(1, dt.date(2026, 12, 23)), (2, dt.date(2026, 12, 25)), (3, dt.date(2027, 1, 1))]
    common = [(12, 25), (12, 26), (1, 1)]
    found = date_checks(
        dates, today=dt.date(2026, 12, 24), clinic_holidays=None, public_holidays=common
    )
    assert found.past and found.holidays == ((2, dt.date(2026, 12, 25)), (3, dt.date(2027, 1, 1)))
    # the clinic lists its own holidays: they are trusted, and the common ones not looked for
    own = date_checks(
        dates,
        today=dt.date(2026, 12, 23),
        clinic_holidays=frozenset({dt.date(2027, 1, 6)}),
        public_holidays=common,
    )
    assert not own.past and own.holidays == ()
    assert date_checks(dates, today=None, clinic_holidays=None, public_holidays=()).past is False
