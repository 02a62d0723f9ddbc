"""The plan: what ``plan(profile, rules)`` returns and every writer reads.

Its JSON shape is the contract in DESIGN.md; ``needleplan schema plan``
prints the JSON Schema generated from these classes. They are named tuples:
immutable, hashable and nearly free to define and create, which matters on
every start-up and in every batch (the planner builds them from values it has
already checked; ``schema.py`` turns them into models only for the schema).
"""

from __future__ import annotations

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
        s, c, b, r = self.sessions, self.cadence, self.bands, self.rules
        data: dict[str, Any] = {
            "source": self.source,
            "patient": self.patient,
            "condition": self.condition,
            "condition_label": self.condition_label,
            "decision": self.decision,
            "sessions": {"suggested": s.suggested, "low": s.low, "high": s.high},
            "cadence": {"per_week": c.per_week, "weeks": c.weeks},
            "reassess_after": self.reassess_after,
            "companions": [
                {
                    "id": x.id,
                    "label": x.label,
                    "reason": x.reason,
                    "source": x.source,
                    "patient_text": x.patient_text,
                }
                for x in self.companions
            ],
            "flags": [
                {
                    "id": f.id,
                    "level": f.level,
                    "label": f.label,
                    "message": f.message,
                    "source": f.source,
                    "patient_message": f.patient_message,
                }
                for f in self.flags
            ],
            "expectations": list(self.expectations),
            "rationale": [
                {"rule": x.rule, "change": x.change, "reason": x.reason, "source": x.source}
                for x in self.rationale
            ],
        }
        if self.schedule is not None:
            data["schedule"] = [
                {"session": x.session, "date": x.date.isoformat(), "reassess": x.reassess}
                for x in self.schedule
            ]
        data["bands"] = {"severity": b.severity, "duration": b.duration}
        data["disclaimer"] = self.disclaimer
        data["rules"] = {"name": r.name, "version": r.version, "sha256": r.sha256}
        return data
