"""``ics``: the proposed sessions as an iCalendar (RFC 5545) calendar.

Rendered from the typed ``Plan``, with the ``icalendar`` package. The writer
reads no settings and no clock; the run passes in what it needs:

- ``calendar``: a :class:`~needleplan.schedule.ClinicCalendar` (the clinic's
  session length and time zone), or None for 45-minute sessions in UTC;
- ``clinic``: the clinic's name, phone and address (a
  :class:`~needleplan.config.ClinicSettings` or a mapping), or None.

One ``VEVENT`` per scheduled session, of one of two kinds:

- **timed** when the session has a time (the profile's ``appointment_time``):
  a start at that time with the clinic's ``TZID`` (its ``VTIMEZONE`` is
  included), an end ``session_minutes`` later, ``TRANSP:OPAQUE`` (busy). A time
  that a clock change skips or repeats is read as :mod:`zoneinfo` reads it
  (``fold=0``; see :func:`needleplan.schedule.session_start`), and the end is
  that many minutes of real time later: an event never ends before it starts
  (an event that ends in the second pass of a repeated hour is written in UTC,
  the one way to name that pass that every reader understands);
- **all-day** without a time: a "session due" reminder on that date,
  ``TRANSP:TRANSPARENT`` (free), so nothing is booked at a guessed hour.

The summary is "Dry needling session 2 of 4" (the reassessment session says
so; a reminder says "due"), the location is the clinic's address. No patient
name or raw id is in the summary; the description names the patient reference
only and otherwise holds fixed text, never free text from the profile.

**UIDs** are unique to the patient and the session and the same on every run of
the same profile: ``{key}-{session}@needleplan``, where the key comes from the
patient reference and condition (so re-planning with another start date or
time updates the same events), or, without a reference, from the profile's
content (``profile_sha256``). A profile that appears twice in one calendar gets
a distinct key the second time. ``DTSTAMP`` is midnight UTC of the first
session date, so the same plan always gives the same bytes.

Two patients booked into overlapping times (a run's timed events, across every
calendar this writer renders) are named in a note for stderr, with the time:
nothing is double-booked in silence.

A plan with no schedule (no sessions, or no start date) adds no event; a note
for stderr says why.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from typing import Any, NamedTuple

from icalendar import Calendar, Event, Timezone

from needleplan import __version__
from needleplan.errors import WriterError, inert, quote
from needleplan.results import Plan, Review
from needleplan.rules import RuleSet
from needleplan.schedule import ClinicCalendar, parse_time, session_end, session_start
from needleplan.vocab import NEEDLING
from needleplan.wording import say
from needleplan.writers.base import Keys, Spooled, Writer

#: Longest patient reference written into a description.
_MAX_REFERENCE = 64
#: Most double bookings named one by one in the notes (the rest are counted).
_MAX_CLASHES = 20


class CalendarError(WriterError):
    """The calendar cannot be written (e.g. the time zone is unknown on this machine)."""


def _zone(name: str) -> dt.tzinfo:
    if name in ("UTC", "Etc/UTC", "Etc/UCT", "UCT", "Zulu", "Etc/Zulu"):
        return dt.timezone.utc
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise CalendarError(
            f"the time zone {quote(name)} is not known on this machine",
            hint="set [schedule] timezone in needleplan.toml to an IANA name such as "
            "'Europe/London'",
        ) from None


def _clinic_field(clinic: object, key: str) -> str | None:
    value = clinic.get(key) if isinstance(clinic, Mapping) else getattr(clinic, key, None)
    if not value:
        return None
    # one line: an address written on several lines is joined with commas
    return inert(", ".join(part.strip() for part in str(value).splitlines() if part.strip()))


def _reference(patient: str | None) -> str | None:
    if not patient or not patient.strip():
        return None
    text = inert(" ".join(patient.split()))
    return text if len(text) <= _MAX_REFERENCE else text[: _MAX_REFERENCE - 3] + "..."


class _Slot(NamedTuple):
    """One timed session, kept to find two patients booked at the same time."""

    start: dt.datetime
    end: dt.datetime
    key: str
    who: str


def _events(
    rules: RuleSet,
    plan: Plan,
    key: str,
    calendar: ClinicCalendar,
    tz: dt.tzinfo,
    clinic: object,
    slots: list[_Slot],
) -> list[Event]:
    schedule = plan.schedule or ()
    if not schedule:
        return []
    stamp = dt.datetime.combine(schedule[0].date, dt.time(0, 0), tzinfo=dt.timezone.utc)
    total = len(schedule)
    reference = _reference(plan.patient)
    who = reference or inert(plan.source or "a profile")  # how a double booking names it
    name, phone, address = (_clinic_field(clinic, k) for k in ("name", "phone", "address"))
    events = []
    for entry in schedule:
        number, day = entry.session, entry.date
        at = parse_time(entry.time)
        summary = [say(rules, "ics.summary", number=number, total=total)]
        if at is None:
            summary.append(say(rules, "ics.summary_due"))
            lines = [say(rules, "ics.due", number=number, total=total)]
        else:
            minutes = calendar.session_minutes
            lines = [say(rules, "ics.timed", number=number, total=total, minutes=minutes)]
        if entry.reassess:
            summary.append(say(rules, "ics.summary_reassess"))
            lines.append(say(rules, "ics.reassess"))
        if reference:
            lines.append(say(rules, "ics.reference", reference=reference))
        if name:
            lines.append(say(rules, "ics.clinic", name=name) + (f", {phone}" if phone else ""))
        elif phone:
            lines.append(say(rules, "ics.clinic_phone", phone=phone))
        lines.append(say(rules, "ics.proposed"))
        ev = Event()
        ev.add("uid", f"{key}-{number}@needleplan")
        ev.add("dtstamp", stamp)
        try:
            if at is None:
                ev.add("dtstart", day)
                ev.add("dtend", day + dt.timedelta(days=1))
                ev.add("transp", "TRANSPARENT")
            else:
                start = session_start(day, at, tz)
                end = session_end(start, calendar.session_minutes)
                if end.fold or end.replace(fold=0).utcoffset() != end.utcoffset():
                    # an end in the second pass of a repeated hour: its wall-clock time would
                    # be read as the first pass, before the start, so the event is in UTC
                    start, end = start.astimezone(dt.timezone.utc), end.astimezone(dt.timezone.utc)
                ev.add("dtstart", start)
                ev.add("dtend", end)
                ev.add("transp", "OPAQUE")
                slots.append(_Slot(start, end, key, who))
        except OverflowError:
            raise CalendarError("a session would end after the year 9999") from None
        ev.add("summary", " ".join(summary))
        ev.add("description", "\n".join(lines))
        if address:
            ev.add("location", address)
        ev.add("categories", [say(rules, "ics.category")])
        events.append(ev)
    return events


class _Bookings:
    """Every timed session a writer has put in a calendar, by day, to find double bookings.

    A new session is compared with those on its own day and the day before (a
    session lasts a day at most), so a run of thousands of calendars stays fast.
    """

    def __init__(self) -> None:
        self.by_day: dict[dt.date, list[_Slot]] = {}
        self.clashes: list[tuple[_Slot, _Slot]] = []
        self.extra = 0

    def add(self, slot: _Slot) -> None:
        utc = dt.timezone.utc
        begins, ends = slot.start.astimezone(utc), slot.end.astimezone(utc)
        day = begins.date()
        for near in (day - dt.timedelta(days=1), day) if day > dt.date.min else (day,):
            for other in self.by_day.get(near, ()):
                overlap = other.start.astimezone(utc) < ends and begins < other.end.astimezone(utc)
                if overlap and other.key != slot.key:
                    if len(self.clashes) < _MAX_CLASHES:
                        self.clashes.append((other, slot))
                    else:
                        self.extra += 1
        self.by_day.setdefault(day, []).append(slot)


def _clash_note(first: _Slot, second: _Slot, tz: dt.tzinfo, zone_name: str) -> str:
    later = max(first.start, second.start, key=lambda t: t.astimezone(dt.timezone.utc))
    when = later.astimezone(tz)
    return (
        f"{first.who} and {second.who} are both booked at {when:%Y-%m-%d %H:%M} "
        f"({zone_name}): change one appointment_time"
    )


class _Document(Spooled):
    """One calendar, its events spooled plan by plan; what its head needs is kept: the span
    of the sessions, whether one is timed and the zones they name (for the ``VTIMEZONE``).

    Each plan's events are the text they have inside the whole calendar's ``to_ical()``.
    A calendar that cannot be written says so when it is done, as if made all at once.
    """

    def __init__(self, writer: IcsWriter) -> None:
        super().__init__()
        self.writer = writer
        option = writer.options.get("calendar")
        self.calendar = option if isinstance(option, ClinicCalendar) else ClinicCalendar()
        self.clinic = writer.options.get("clinic")
        self.error: CalendarError | None = None
        self.tz: dt.tzinfo = dt.timezone.utc
        try:
            self.tz = _zone(self.calendar.timezone)
        except CalendarError as exc:
            self.error = exc
        self.keys = Keys()  # the booked plans' keys
        self.first: dt.date | None = None
        self.last: dt.date | None = None
        self.timed = False
        self.tzids: set[str] = set()
        self.notes: list[str] = []  # said when the calendar is done

    def item(self, result: Plan | Review) -> str:
        if self.error is not None or not isinstance(result, Plan):
            return ""  # a review has no sessions to book
        try:
            return self._plan(result)
        except CalendarError as exc:
            self.error = exc
            return ""

    def _plan(self, plan: Plan) -> str:
        where = plan.source or "profile"
        schedule = plan.schedule
        if not schedule:
            why = "no_start" if plan.decision in NEEDLING and plan.sessions.suggested else "none"
            note = say(self.writer.rules, f"ics.note.{why}", source=where, decision=plan.decision)
            self.notes.append(note)
            return ""
        key = self.keys(plan)[:24]
        slots: list[_Slot] = []
        events = _events(self.writer.rules, plan, key, self.calendar, self.tz, self.clinic, slots)
        part = Calendar()
        for event in events:
            part.add_component(event)
        self.tzids |= part.get_used_tzids()
        for slot in slots:
            self.writer.bookings.add(slot)
        self.timed = self.timed or bool(slots)
        days = [s.date for s in schedule]
        off = [d.isoformat() for d in days if not self.calendar.bookable(d)]
        if off:
            note = say(self.writer.rules, "ics.note.closed", source=where, dates=", ".join(off))
            self.notes.append(note)
        self.first = min(days[0], self.first or days[0])
        self.last = max(days[-1], self.last or days[-1])
        return "".join(event.to_ical().decode("utf-8") for event in events)

    def head(self) -> str:
        if self.error is not None:
            raise self.error
        writer, zone_name = self.writer, self.calendar.timezone
        writer.notes += self.notes
        # each double booking is said once per run, with the calendar that made it
        bookings = writer.bookings
        for a, b in bookings.clashes[writer.told :]:
            writer.notes.append(_clash_note(a, b, self.tz, zone_name))
        writer.told = len(bookings.clashes)
        if bookings.extra > writer.told_extra:
            writer.notes.append(f"and {bookings.extra} more double booking(s)")
            writer.told_extra = bookings.extra
        cal = Calendar()
        cal.add("prodid", f"-//needleplan//needleplan {__version__}//EN")
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        first, last = self.first, self.last
        if self.timed and first is not None and last is not None and self.tz is not dt.timezone.utc:
            # VTIMEZONE rules for the span of the sessions only (small and stable)
            # (a year of margin each side, kept clear of the ends of Python's calendar)
            low = dt.date(max(first.year - 1, 2), 1, 1)
            high = dt.date(min(last.year + 1, dt.MAXYEAR - 1), 12, 31)
            # as Calendar.add_missing_timezones() adds them: a zone it cannot describe is
            # left out, the zones ahead of every event
            for tzid in sorted(self.tzids - {"UTC"}):
                try:
                    cal.add_component(Timezone.from_tzid(tzid, first_date=low, last_date=high))
                except ValueError:
                    continue
                except OverflowError as exc:
                    raise CalendarError(
                        f"cannot describe the time zone {zone_name!r} for sessions "
                        f"from {first} to {last}: {exc}"
                    ) from None
        text: str = cal.to_ical().decode("utf-8")
        return text.removesuffix(_END)

    def end(self) -> str:
        return _END


_END = "END:VCALENDAR\r\n"


class IcsWriter(Writer):
    name = "ics"
    extension = ".ics"
    streaming = False
    worded = True

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        #: every timed session this writer has put in a calendar (for double bookings)
        self.bookings = _Bookings()
        self.told = 0
        self.told_extra = 0

    def item(self, plan: Plan, many: bool) -> str:
        return self.document([plan], many)

    def whole(self, many: bool) -> Spooled:
        return _Document(self)

    def document(self, plans: list[Plan], many: bool) -> str:
        return _Document(self).text(plans)
