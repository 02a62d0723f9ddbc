"""``ics``: the proposed sessions as an iCalendar (RFC 5545) calendar.

Rendered from ``plan.to_dict()`` only, with the ``icalendar`` package. Options:

- ``calendar``: a :class:`~needleplan.schedule.ClinicCalendar` (the clinic's
  hours, session length and time zone), or None for the defaults: sessions at
  09:00, 45 minutes long, in the machine's time zone (the ``TZ`` variable, else
  the zone ``/etc/localtime`` links to, else UTC; see
  :func:`needleplan.config.local_timezone_name`);
- ``clinic``: the clinic's name, phone and address (a
  :class:`~needleplan.config.ClinicSettings` or a mapping), or None.

One ``VEVENT`` per scheduled session: a start at the clinic's opening time
with its ``TZID`` (the ``VTIMEZONE`` is included), an end ``session_minutes``
later, ``TRANSP:OPAQUE`` (the time is busy), the summary "Dry needling session
2 of 4" (the reassessment session says so), the clinic's address as the
location. No patient name or raw id is in the summary; the description names
the patient reference only and otherwise holds fixed text, never free text
from the profile.

The output is the same bytes for the same plan and settings: the ``UID`` of a
session is a hash of the plan's source, patient, condition and rule-set hash
plus the session number (re-planning with another start date updates the same
events instead of adding new ones), and ``DTSTAMP`` is midnight UTC of the
first session date.

A plan with no schedule (no sessions, or no start date) adds no event; a note
for stderr says why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from icalendar import Calendar, Event

from needleplan import __version__
from needleplan.errors import WriterError, inert, quote
from needleplan.schedule import ClinicCalendar
from needleplan.writers.base import Writer, plan_key

if TYPE_CHECKING:
    from needleplan.results import Plan

#: Longest patient reference written into a description.
_MAX_REFERENCE = 64


class CalendarError(WriterError):
    """The calendar cannot be written (e.g. the time zone is unknown on this machine)."""


def _zone(name: str) -> dt.tzinfo:
    if name in ("UTC", "Etc/UTC", "Etc/UCT", "UCT", "Zulu", "Etc/Zulu"):
        return dt.timezone.utc
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise CalendarError(
            f"the time zone {quote(name)} is not known on this machine",
            hint="set [schedule] timezone in needleplan.toml to an IANA name such as "
            "'Europe/London'",
        ) from None


def _default_calendar() -> ClinicCalendar:
    from needleplan.config import local_timezone_name

    return ClinicCalendar(timezone=local_timezone_name())


def _clinic_field(clinic: object, key: str) -> str | None:
    value = clinic.get(key) if isinstance(clinic, Mapping) else getattr(clinic, key, None)
    if not value:
        return None
    # one line: an address written on several lines is joined with commas
    return inert(", ".join(part.strip() for part in str(value).splitlines() if part.strip()))


def _reference(patient: object) -> str | None:
    if not isinstance(patient, str) or not patient.strip():
        return None
    text = inert(" ".join(patient.split()))
    return text if len(text) <= _MAX_REFERENCE else text[: _MAX_REFERENCE - 3] + "..."


def _events(
    data: Mapping[str, Any], calendar: ClinicCalendar, tz: dt.tzinfo, clinic: object
) -> list[Event]:
    schedule = data.get("schedule") or []
    if not schedule:
        return []
    key = plan_key(data)[:24]
    days = [dt.date.fromisoformat(s["date"]) for s in schedule]
    stamp = dt.datetime.combine(days[0], dt.time(0, 0), tzinfo=dt.timezone.utc)
    length = dt.timedelta(minutes=calendar.session_minutes)
    total = len(schedule)
    reference = _reference(data.get("patient"))
    name = _clinic_field(clinic, "name") if clinic is not None else None
    phone = _clinic_field(clinic, "phone") if clinic is not None else None
    address = _clinic_field(clinic, "address") if clinic is not None else None
    events = []
    for entry, day in zip(schedule, days, strict=True):
        number = int(entry["session"])
        summary = f"Dry needling session {number} of {total}"
        lines = [f"Dry needling session {number} of {total}, {calendar.session_minutes} minutes."]
        if entry.get("reassess"):
            summary += " (reassessment)"
            lines.append(
                "Reassessment: compare pain and function with the first session, "
                "then decide whether to continue."
            )
        if reference:
            lines.append(f"Patient reference: {reference}")
        if name:
            lines.append(f"Clinic: {name}" + (f", {phone}" if phone else ""))
        elif phone:
            lines.append(f"Clinic phone: {phone}")
        lines.append("Proposed by needleplan; the treating clinician confirms each session.")
        start = dt.datetime.combine(day, calendar.start, tzinfo=tz)
        try:
            end = start + length
        except OverflowError:
            raise CalendarError("a session would end after the year 9999") from None
        ev = Event()
        ev.add("uid", f"{key}-{number}@needleplan")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", start)
        ev.add("dtend", end)
        ev.add("summary", summary)
        ev.add("description", "\n".join(lines))
        if address:
            ev.add("location", address)
        ev.add("categories", ["Dry needling"])
        ev.add("transp", "OPAQUE")
        events.append(ev)
    return events


class IcsWriter(Writer):
    name = "ics"
    extension = ".ics"
    streaming = False

    def item(self, plan: Plan, many: bool) -> str:
        return self.document([plan], many)

    def document(self, plans: list[Plan], many: bool) -> str:
        option = self.options.get("calendar")
        calendar = option if isinstance(option, ClinicCalendar) else _default_calendar()
        clinic = self.options.get("clinic")
        tz = _zone(calendar.timezone)
        cal = Calendar()
        cal.add("prodid", f"-//needleplan//needleplan {__version__}//EN")
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        first: dt.date | None = None
        last: dt.date | None = None
        for plan in plans:
            data = plan.to_dict()
            where = data.get("source") or "profile"
            schedule = data.get("schedule")
            if not schedule:
                if data.get("sessions", {}).get("suggested"):
                    self.notes.append(
                        f"{where}: no sessions in the calendar (no start date: pass "
                        "--start-date YYYY-MM-DD or set start_date in the profile)"
                    )
                else:
                    self.notes.append(
                        f"{where}: no sessions in the calendar (decision: {data.get('decision')})"
                    )
                continue
            for event in _events(data, calendar, tz, clinic):
                cal.add_component(event)
            days = [dt.date.fromisoformat(s["date"]) for s in schedule]
            off = [d.isoformat() for d in days if not calendar.bookable(d)]
            if off:
                self.notes.append(
                    f"{where}: {', '.join(off)} not a working day of the clinic's calendar"
                )
            first = min(days[0], first or days[0])
            last = max(days[-1], last or days[-1])
        if first is not None and last is not None and tz is not dt.timezone.utc:
            # VTIMEZONE rules for the span of the sessions only (small and stable)
            # (a year of margin each side, kept clear of the ends of Python's calendar)
            low = dt.date(max(first.year - 1, 2), 1, 1)
            high = dt.date(min(last.year + 1, dt.MAXYEAR - 1), 12, 31)
            try:
                cal.add_missing_timezones(first_date=low, last_date=high)
            except (OverflowError, ValueError) as exc:
                raise CalendarError(
                    f"cannot describe the time zone {calendar.timezone!r} for sessions "
                    f"from {first} to {last}: {exc}"
                ) from None
        text: str = cal.to_ical().decode("utf-8")
        return text
