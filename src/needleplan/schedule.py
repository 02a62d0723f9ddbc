"""Session dates on a clinic's calendar: working days, holidays, spacing, a weekly limit.

:func:`session_dates` is pure (dates in, dates out; no clock, no files).
:class:`ClinicCalendar` is what a clinic's settings say about booking: the
working days, the holidays, the hours, the length of a session and the time
zone. The planner asks :meth:`ClinicCalendar.dates` (or :func:`session_dates`)
for a schedule; the calendar writer reads the hours, length and zone.

Rules every schedule keeps (tested as properties in ``tests/test_schedule.py``):

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
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

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
    """``count`` session dates from ``start``, booked on working days only.

    ``days`` are the working weekdays (0 = Monday ... 6 = Sunday); ``None``
    means Monday to Friday (a design choice: no weekend bookings unless the
    clinic's settings name those days). ``holidays`` are never booked.
    Sessions are at least ``min_gap_days`` apart, never more than
    ``per_week`` fall in any seven consecutive days (hence in any
    Monday-Sunday week), and they are spread evenly: session *k* aims at
    ``k * 7 / per_week`` days after the first and takes the nearest bookable
    day (the earlier one on a tie); one pushed a day or more past its aim
    restarts the count from itself. The first is on the first
    bookable day on or after ``start``.

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
    hours (sessions are put at ``start``); ``timezone`` an IANA zone name.
    The defaults are Monday to Friday, 09:00-17:00, 45-minute sessions, UTC;
    :func:`calendar_of` fills the zone from the settings or the machine.
    """

    days: frozenset[int] = DEFAULT_DAYS
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    start: dt.time = DEFAULT_START
    end: dt.time = DEFAULT_END
    session_minutes: int = DEFAULT_SESSION_MINUTES
    timezone: str = "UTC"

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
