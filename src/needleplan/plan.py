"""The plan: what ``plan(profile, rules)`` returns and every writer reads.

Its JSON shape is the contract in DESIGN.md; ``needleplan schema plan``
prints the JSON Schema generated from these classes. They are named tuples:
immutable, hashable and nearly free to define and create, which matters on
every start-up and in every batch (the planner builds them from values it has
already checked; ``schema.py`` turns them into models only for the schema).
"""

import datetime as dt
from typing import Any, Literal, NamedTuple

Decision = Literal["needle", "needle_with_caution", "do_not_needle", "refer"]
FlagLevel = Literal["red_flag", "contraindication", "precaution"]


class Sessions(NamedTuple):
    suggested: int
    low: int
    high: int


class Cadence(NamedTuple):
    per_week: int
    weeks: int


class CompanionItem(NamedTuple):
    id: str
    label: str
    reason: str
    source: str
    patient_text: str = ""


class Flag(NamedTuple):
    id: str
    level: FlagLevel
    label: str
    message: str
    source: str
    patient_message: str = ""


class Step(NamedTuple):
    """One entry of the rationale: which rule changed what, why, on whose evidence."""

    rule: str
    change: str
    reason: str
    source: str


class ScheduledSession(NamedTuple):
    session: int
    date: dt.date
    reassess: bool


class Bands(NamedTuple):
    severity: Literal["mild", "moderate", "severe"]
    duration: Literal["acute", "subacute", "chronic"]


class RulesRef(NamedTuple):
    name: str
    version: str
    sha256: str


class Plan(NamedTuple):
    """A suggested course for one profile. ``refer``/``do_not_needle`` suggest 0 sessions."""

    source: str | None
    patient: str | None
    condition: str
    condition_label: str
    decision: Decision
    sessions: Sessions
    cadence: Cadence
    reassess_after: int
    companions: tuple[CompanionItem, ...]
    flags: tuple[Flag, ...]
    expectations: tuple[str, ...]
    rationale: tuple[Step, ...]
    schedule: tuple[ScheduledSession, ...] | None
    bands: Bands
    disclaimer: str
    rules: RulesRef

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready contract: ``schedule`` is present only when a start date is known."""
        data = self._asdict()
        for key in ("sessions", "cadence", "bands", "rules"):
            data[key] = data[key]._asdict()
        for key in ("companions", "flags", "rationale"):
            data[key] = [part._asdict() for part in data[key]]
        data["expectations"] = list(self.expectations)
        if self.schedule is None:
            del data["schedule"]
        else:
            data["schedule"] = [
                {"session": x.session, "date": x.date.isoformat(), "reassess": x.reassess}
                for x in self.schedule
            ]
        return data
