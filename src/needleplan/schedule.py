"""Session dates on a clinic's calendar: working days, holidays, spacing, a weekly limit.

:func:`session_dates` is pure (dates in, dates out; no clock, no files).
:class:`ClinicCalendar` is what a clinic's settings say about booking: the
working days, the holidays, the hours, the length of a session and the time
zone. The planner asks :meth:`ClinicCalendar.dates` (or :func:`session_dates`)
for a schedule; the calendar writer reads the hours, length and zone.

Rules every schedule keeps (tested as properties in ``tests/core/test_schedule.py``):

- the first session is on the first bookable day on or after ``start``;
- a session is only ever on a working day that is not a holiday. Without a
  clinic calendar the working days are Monday to Friday: **a design choice**
  (most outpatient clinics do not book weekends; a clinic that does says so
  with ``days`` in its settings);
- two sessions are at least ``min_gap_days`` days apart (2 days: the rule set's
  48 h between sessions, clinic practice);
- never more than ``per_week`` sessions in any seven days in a row, so never
  more than ``per_week`` in any Monday-Sunday week;
- sessions are spread evenly: session *k* aims at ``k * 7 / per_week`` days
  after the first and takes the nearest bookable day (the earlier one on a
  tie); a session pushed a day or more past its aim (a closure, a holiday)
  restarts the count from itself, so the rest keep the spacing instead of
  crowding in to catch up;
- it always ends: with no bookable weekday it says so, and a schedule that
  would run past the end of the calendar (31 December 9999) is refused.

:func:`date_checks` says what a clinician should check about the dates a
schedule got: a first session before today, and sessions on a common public
holiday when the clinic's settings list no holidays (the rule set's
``calendar:`` section names those days and words the warnings).
:func:`session_start` turns a date and a wall-clock time into the real start of
a session in the clinic's zone, the way :mod:`zoneinfo` reads a time that a
clock change skips or repeats.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .results import Warning

if TYPE_CHECKING:
    from pydantic import BaseModel

    from .rules import CalendarRules

#: Monday to Friday (``date.weekday()`` numbers: 0 is Monday). A design choice; see above.
DEFAULT_DAYS: frozenset[int] = frozenset(range(5))
#: The three-letter names used in the clinic's settings, Monday first.
DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: The default clinic hours and session length (used when no settings say otherwise).
DEFAULT_START = dt.time(9, 0)
DEFAULT_END = dt.time(17, 0)
DEFAULT_SESSION_MINUTES = 45

_PAST_9999 = "the schedule runs past the year 9999"


def _day(ordinal: int) -> dt.date:
    try:
        return dt.date.fromordinal(ordinal)
    except (ValueError, OverflowError):
        raise ValueError(_PAST_9999) from None


def session_dates(
    start: dt.date,
    count: int,
    per_week: int,
    *,
    days: frozenset[int] | None = None,
    holidays: frozenset[dt.date] = frozenset(),
    min_gap_days: int = 2,
) -> list[dt.date]:
    """``count`` session dates from ``start``, kept to the rules in this module's docstring.

    ``days`` are the working weekdays (0 = Monday ... 6 = Sunday; ``None``: Monday to
    Friday); ``holidays`` are never booked.

    Raises ValueError, in plain words, when the request cannot be met: no
    working day, ``count`` below 0, ``per_week`` or ``min_gap_days`` below 1,
    or a schedule that would run past the year 9999.
    """
    weekdays = DEFAULT_DAYS if days is None else frozenset(days)
    if not weekdays:
        raise ValueError("no working day is set, so no session can be booked")
    if not weekdays <= frozenset(range(7)):
        raise ValueError("working days are numbered 0 (Monday) to 6 (Sunday)")
    if count < 0:
        raise ValueError("the number of sessions cannot be negative")
    if per_week < 1:
        raise ValueError("at least one session a week is needed to make a schedule")
    if min_gap_days < 1:
        raise ValueError("sessions must be at least one day apart")
    if count == 0:
        return []

    last = dt.date.max.toordinal()
    first_ordinal = start.toordinal()
    # A cheap bound first: even with every day bookable the schedule needs this long.
    shortest = max((count - 1) * min_gap_days, ((count - 1) // per_week) * 7)
    if first_ordinal + shortest > last:
        raise ValueError(_PAST_9999)

    holiday_ordinals = frozenset(h.toordinal() for h in holidays)

    def open_on(o: int) -> bool:
        # date.fromordinal(o).weekday() without building a date: ordinal 1 was a Monday
        return (o - 1) % 7 in weekdays and o not in holiday_ordinals

    def next_open(o: int) -> int:
        """The first working, non-holiday day on or after ordinal ``o``."""
        # Holidays are finite and a working weekday comes every week, so this ends:
        # at most len(holidays) + 7 steps.
        while not open_on(o):
            o += 1
            if o > last:
                raise ValueError(_PAST_9999)
        return o

    interval = 7 / per_week
    placed: list[int] = [next_open(first_ordinal)]
    # Targets are counted from an anchor session (the first, at first), so rounding
    # to whole days never accumulates; a session pushed later than its target by a
    # day or more (a closure, a holiday, the weekly limit) becomes the new anchor.
    anchor, since = placed[0], 0
    while len(placed) < count:
        prev = placed[-1]
        earliest = prev + min_gap_days
        if len(placed) >= per_week:
            # no more than per_week in any seven consecutive days
            earliest = max(earliest, placed[-per_week] + 7)
        if earliest > last:
            raise ValueError(_PAST_9999)
        target = anchor + (since + 1) * interval
        chosen = next_open(earliest)
        # Move on to a later bookable day while it is strictly nearer the target.
        # Every later day also meets the gap and the weekly limit, which only
        # look backwards; the loop stops once a day is on or past the target.
        while chosen < target:
            try:
                candidate = next_open(chosen + 1)
            except ValueError:
                break
            if abs(candidate - target) < abs(chosen - target):
                chosen = candidate
            else:
                break
        placed.append(chosen)
        if chosen - target >= 1:
            anchor, since = chosen, 0
        else:
            since += 1
    return [_day(o) for o in placed]


@dataclass(frozen=True)
class ClinicCalendar:
    """When a clinic books sessions: the calendar side of its settings.

    ``days`` are weekday numbers (0 = Monday); ``start``/``end`` the clinic's
    hours (sessions are put at ``start``); ``timezone`` an IANA zone name, which
    :func:`calendar_of` fills from the settings or the machine.
    """

    days: frozenset[int] = DEFAULT_DAYS
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    start: dt.time = DEFAULT_START
    end: dt.time = DEFAULT_END
    session_minutes: int = DEFAULT_SESSION_MINUTES
    timezone: str = "UTC"
    #: the day the plan is made, for the warning about a schedule that starts in the
    #: past; None (a library call with no clock) makes no such check
    today: dt.date | None = None

    def __post_init__(self) -> None:
        if not self.days or not self.days <= frozenset(range(7)):
            raise ValueError("working days are numbered 0 (Monday) to 6 (Sunday); one at least")
        if not 1 <= self.session_minutes <= 24 * 60:
            raise ValueError("a session lasts between 1 minute and a day")
        if self.end <= self.start:
            raise ValueError("the clinic's hours must end after they start")

    def dates(
        self, start: dt.date, count: int, per_week: int, *, min_gap_days: int = 2
    ) -> list[dt.date]:
        """:func:`session_dates` on this clinic's working days and holidays."""
        return session_dates(
            start,
            count,
            per_week,
            days=self.days,
            holidays=self.holidays,
            min_gap_days=min_gap_days,
        )

    def bookable(self, day: dt.date) -> bool:
        """Whether a session may be booked on ``day`` (a working day, not a holiday)."""
        return day.weekday() in self.days and day not in self.holidays


# -- times of day ---------------------------------------------------------------------


def parse_time(value: object) -> dt.time | None:
    """An appointment time ("HH:MM", or a ``datetime.time``) as a time of day, or None."""
    if value is None:
        return None
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    text = str(value).strip()
    m = re.fullmatch(r"([01]?[0-9]|2[0-3]):([0-5][0-9])", text, re.ASCII)
    if m is None:
        raise ValueError(f"{text[:20]!r} is not a time of day; write it as HH:MM, e.g. 09:30")
    return dt.time(int(m.group(1)), int(m.group(2)))


def session_start(day: dt.date, at: dt.time, zone: dt.tzinfo) -> dt.datetime:
    """The real start of a session booked at ``at`` on ``day`` in ``zone``.

    A wall-clock time is read as :mod:`zoneinfo` reads it with ``fold=0``: a time
    that a spring clock change skips (01:30 in London on the last Sunday of March)
    takes the offset from before the change, so it is the same instant as 02:30
    summer time, and that is what is returned; a time that an autumn change
    repeats is its first occurrence. (RFC 5545 reads a calendar's local times the
    same way.) The result's wall-clock time always exists in ``zone``.
    """
    start = dt.datetime.combine(day, at, tzinfo=zone).replace(fold=0)
    return start.astimezone(dt.timezone.utc).astimezone(zone)


def session_end(start: dt.datetime, minutes: int) -> dt.datetime:
    """``minutes`` of real time after ``start`` (never before it, whatever the clock does)."""
    zone = start.tzinfo
    assert zone is not None
    return (start.astimezone(dt.timezone.utc) + dt.timedelta(minutes=minutes)).astimezone(zone)


# -- checks on the dates a schedule got ------------------------------------------------


@dataclass(frozen=True)
class DateChecks:
    """What a clinician should check about a schedule's dates, as facts (no words).

    ``past``: the first session is before the day the plan was made;
    ``holidays``: (session, date) pairs on a common public holiday, found only
    when the clinic's settings list no holidays of its own.
    """

    past: bool = False
    holidays: tuple[tuple[int, dt.date], ...] = ()


def date_checks(
    dates: Sequence[tuple[int, dt.date]],
    *,
    today: dt.date | None,
    clinic_holidays: frozenset[dt.date] | None,
    public_holidays: Iterable[tuple[int, int]],
) -> DateChecks:
    """Check a schedule's (session, date) pairs (``public_holidays``: (month, day) pairs,
    looked for only when there are no ``clinic_holidays``; ``today`` None: no past check)."""
    if not dates:
        return DateChecks()
    past = today is not None and dates[0][1] < today
    found: tuple[tuple[int, dt.date], ...] = ()
    if not clinic_holidays:
        days = frozenset(public_holidays)
        found = tuple((n, d) for n, d in dates if (d.month, d.day) in days)
    return DateChecks(past=past, holidays=found)


def profile_key(profile: BaseModel) -> str:
    """A stable hex key (SHA-256) for a profile's content, its session log left out.

    The ids a calendar or FHIR bundle gives a profile without a patient reference
    come from it, so the same profile gets the same ids on every run (and as its
    log grows), and two different profiles read from stdin never share them.
    """
    content = profile.model_dump(
        mode="json", exclude={"log"}, exclude_defaults=True, exclude_none=True, warnings=False
    )
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def date_warnings(
    dates: Sequence[tuple[int, dt.date]],
    calendar: ClinicCalendar | None,
    texts: CalendarRules | None,
) -> tuple[Warning, ...]:
    """The plan's warnings about a schedule's dates, worded by the rule set's ``calendar:``
    texts (a rule set without that section makes none)."""
    if texts is None or not dates:
        return ()
    found = date_checks(
        dates,
        today=calendar.today if calendar else None,
        clinic_holidays=calendar.holidays if calendar else None,
        public_holidays=texts.month_days,
    )
    out: list[Warning] = []
    if found.past:
        out.append(Warning("schedule_past", _fill(texts.past_start, first=dates[0][1])))
    out += [
        Warning("schedule_holiday", _fill(texts.public_holiday, session=n, date=d))
        for n, d in found.holidays
    ]
    return tuple(out)


def _fill(text: str, **values: object) -> str:
    """``text`` with its known ``{name}`` placeholders filled (any other brace stays as is)."""
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text
