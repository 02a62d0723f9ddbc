"""The plan: what ``plan(profile, rules)`` returns and every writer reads.

Its JSON shape is the contract in DESIGN.md; ``needleplan schema plan``
prints the JSON Schema generated from these models.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Decision = Literal["needle", "needle_with_caution", "do_not_needle", "refer"]
FlagLevel = Literal["red_flag", "contraindication", "precaution"]


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Sessions(_Part):
    suggested: int
    low: int
    high: int


class Cadence(_Part):
    per_week: int
    weeks: int


class CompanionItem(_Part):
    id: str
    label: str
    reason: str
    source: str
    patient_text: str = ""


class Flag(_Part):
    id: str
    level: FlagLevel
    label: str
    message: str
    source: str
    patient_message: str = ""


class Step(_Part):
    """One entry of the rationale: which rule changed what, why, on whose evidence."""

    rule: str
    change: str
    reason: str
    source: str


class ScheduledSession(_Part):
    session: int
    date: dt.date
    reassess: bool


class Bands(_Part):
    severity: Literal["mild", "moderate", "severe"]
    duration: Literal["acute", "subacute", "chronic"]


class RulesRef(_Part):
    name: str
    version: str
    sha256: str


class Plan(_Part):
    """A suggested course for one profile. ``refer``/``do_not_needle`` suggest 0 sessions."""

    source: str | None
    patient: str | None
    condition: str
    condition_label: str
    decision: Decision
    sessions: Sessions
    cadence: Cadence
    reassess_after: int
    companions: list[CompanionItem]
    flags: list[Flag]
    expectations: list[str]
    rationale: list[Step]
    schedule: list[ScheduledSession] | None = None
    bands: Bands
    disclaimer: str
    rules: RulesRef

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready contract: ``schedule`` is present only when a start date is known."""
        data = self.model_dump(mode="json")
        if data["schedule"] is None:
            del data["schedule"]
        return data
