"""``ics``: the proposed sessions as an iCalendar (RFC 5545) calendar.

Written with the ``icalendar`` package. One all-day ``VEVENT`` per session
(dates from the plan's schedule), stable ``UID``s, the reassessment session
marked. ``DTSTAMP`` is midnight UTC of the first session date, so the same
plan always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar, Event

from needleplan import __version__
from needleplan.errors import UsageError
from needleplan.plan import Plan
from needleplan.writers import Writer, plan_key


def _events(plan: Plan) -> list[Event]:
    if not plan.schedule:
        return []
    key = plan_key(plan, plan.schedule[0].date.isoformat())[:24]
    stamp = dt.datetime.combine(plan.schedule[0].date, dt.time(0, 0), tzinfo=dt.timezone.utc)
    total = len(plan.schedule)
    aftercare = "\n".join(f"- {e}" for e in plan.expectations)
    cautions = "\n".join(f"- {f.label}: {f.message}" for f in plan.flags)
    events = []
    for s in plan.schedule:
        summary = f"Dry needling session {s.session} of {total}"
        if s.reassess:
            summary += " (reassessment)"
        if plan.patient:
            summary = f"{plan.patient}: {summary}"
        description = f"{plan.condition_label}. "
        if s.reassess:
            description += (
                "Reassess at this session: no meaningful change (2 points on the "
                "pain scale) means review the plan. "
            )
        description += f"\n\nWhat to expect and aftercare:\n{aftercare}"
        if cautions:
            description += f"\n\nPrecautions:\n{cautions}"
        ev = Event()
        ev.add("uid", f"{key}-{s.session}@needleplan")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", s.date)
        ev.add("dtend", s.date + dt.timedelta(days=1))
        ev.add("summary", summary)
        ev.add("description", description)
        ev.add("categories", ["Dry needling"])
        ev.add("transp", "TRANSPARENT")
        events.append(ev)
    return events


class IcsWriter(Writer):
    name = "ics"
    extension = ".ics"
    streaming = False

    def item(self, plan: Plan, many: bool) -> str:
        return self.document([plan], many)

    def document(self, plans: list[Plan], many: bool) -> str:
        cal = Calendar()
        cal.add("prodid", f"-//needleplan//needleplan {__version__}//EN")
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        for plan in plans:
            if plan.sessions.suggested and not plan.schedule:
                raise UsageError(
                    f"'{plan.source or 'the profile'}' has no start date, so there is no "
                    "schedule to put in a calendar",
                    hint="pass --start-date YYYY-MM-DD or set start_date in the profile",
                )
            if not plan.sessions.suggested:
                self.notes.append(
                    f"{plan.source or 'profile'}: no sessions in the calendar "
                    f"(decision: {plan.decision})"
                )
            for ev in _events(plan):
                cal.add_component(ev)
        text: str = cal.to_ical().decode("utf-8")
        return text
