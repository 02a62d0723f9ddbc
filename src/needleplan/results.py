"""The plan and the review: what ``plan()`` and ``review()`` return and every writer reads.

Their JSON shape is the contract in docs/contract.md (``to_dict()``);
``needleplan schema plan`` prints the JSON Schema generated from these
classes. They are frozen dataclasses: built by the planner from values it has
already checked, never changed afterwards.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter

from .vocab import (
    Audience,
    Decision,
    DurationBand,
    Effect,
    FlagLevel,
    ReviewVerdict,
    SeverityBand,
    Side,
    Urgency,
    Verdict,
)


@dataclass(frozen=True)
class Sessions:
    """Session counts: ``low`` the initial block, ``suggested`` the expected course,
    ``high`` the ceiling."""

    suggested: int
    low: int
    high: int


@dataclass(frozen=True)
class Course:
    """The course as a trial: the initial block, its review point, the practice ceiling."""

    initial_block: int
    reassess_after: int
    ceiling: int


@dataclass(frozen=True)
class Cadence:
    """Sessions a week, and the weeks the initial block takes."""

    per_week: int
    weeks: int


@dataclass(frozen=True)
class Reason:
    """Why a site is ``caution`` or ``avoid``."""

    flag: str
    message: str
    patient_message: str
    source: str


@dataclass(frozen=True)
class SiteVerdict:
    """One listed site on one side: ``ok``, ``caution`` or ``avoid``, and why."""

    id: str
    label: str
    side: Side
    verdict: Verdict
    reasons: tuple[Reason, ...] = ()
    #: where it is in the page reader's plain words ("the top of your right shoulder")
    patient_label: str = ""


@dataclass(frozen=True)
class UncheckedSite:
    """A site check that could not be made (no ``sites:`` given)."""

    check: str
    message: str


@dataclass(frozen=True)
class CompanionItem:
    """A companion therapy in a plan, with every reason it fits."""

    id: str
    label: str
    reason: str
    source: str
    patient_text: str = ""


@dataclass(frozen=True)
class Flag:
    """A safety finding from a health factor, an age rule or the pain score."""

    id: str
    level: FlagLevel
    label: str
    message: str
    source: str
    patient_message: str = ""
    urgency: Urgency = "none"


@dataclass(frozen=True)
class Warning:
    """Something the clinician should check, which does not change the decision by itself."""

    kind: str
    message: str


@dataclass(frozen=True)
class Check:
    """A question to settle before needling: an unanswered red-flag screening question
    (``kind`` "screening") or one that words in the notes raise (``kind`` "notes")."""

    kind: str
    id: str
    message: str


@dataclass(frozen=True)
class Step:
    """One entry of the rationale: which rule changed what, with what real effect, why."""

    rule: str
    change: str
    effect: Effect
    reason: str
    source: str


@dataclass(frozen=True)
class ScheduledSession:
    """One dated session of the initial block; ``reassess`` marks the review point."""

    session: int
    date: dt.date
    reassess: bool
    #: the booked time of day ("HH:MM", the profile's appointment_time), or None: the
    #: session is due that day and no time is guessed
    time: str | None = None


@dataclass(frozen=True)
class Bands:
    """The severity and duration bands the profile falls in."""

    severity: SeverityBand
    duration: DurationBand


@dataclass(frozen=True)
class RulesRef:
    """The rule set that made a plan or review: name, version, content hash."""

    name: str
    version: str
    sha256: str


@dataclass(frozen=True)
class AdviceSection:
    """One section of the patient's page: a heading and its lines."""

    id: str
    heading: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class Advice:
    """The patient's page, fitted to the decision: plain words, no ids."""

    title: str
    lead: str
    sections: tuple[AdviceSection, ...]


@dataclass(frozen=True)
class Plan:
    """A suggested course for one profile. Only needling decisions suggest sessions."""

    source: str | None
    patient: str | None
    condition: str
    condition_label: str
    decision: Decision
    urgency: Urgency
    sessions: Sessions
    course: Course
    cadence: Cadence
    reassess_after: int
    sites: tuple[SiteVerdict, ...]
    unchecked: tuple[UncheckedSite, ...]
    flags: tuple[Flag, ...]
    warnings: tuple[Warning, ...]
    companions: tuple[CompanionItem, ...]
    expectations: tuple[str, ...]
    rationale: tuple[Step, ...]
    bands: Bands
    audience: Audience
    advice: Advice
    disclaimer: str
    rules: RulesRef
    schedule: tuple[ScheduledSession, ...] | None = None
    checks: tuple[Check, ...] = ()
    #: SHA-256 of the profile's content (log left out): the ids of a profile without a
    #: patient reference come from it (calendar UIDs, FHIR ids)
    profile_sha256: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready contract: ``schedule`` is present only when a start date is known."""
        data: dict[str, Any] = PLAN_ADAPTER.dump_python(self, mode="json", exclude=self._absent())
        return data

    def to_json(self) -> str:
        """``to_dict()`` as compact JSON text (what ``jsonl`` writes), made in one step."""
        text: bytes = PLAN_ADAPTER.dump_json(self, exclude=self._absent())
        return text.decode()

    def _absent(self) -> set[str] | None:
        return {"schedule"} if self.schedule is None else None


@dataclass(frozen=True)
class Change:
    """The change in pain from the intake score to the latest session."""

    points: int
    percent: float | None
    meaningful: bool
    worse: bool


@dataclass(frozen=True)
class Next:
    """What comes next: sessions, the next review point, sites to avoid."""

    sessions: int
    reassess_after: int
    avoid_sites: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Point:
    """One logged session on the pain trajectory."""

    session: int
    date: dt.date
    nrs: int
    groc: int | None = None
    events: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReviewStep:
    """One step of a review's reasoning, with its source."""

    rule: str
    reason: str
    source: str


@dataclass(frozen=True)
class Review:
    """What to do next, from the session log (``review(profile, rules, today)``)."""

    source: str | None
    patient: str | None
    condition: str
    condition_label: str
    verdict: ReviewVerdict
    urgency: Urgency
    #: the verdict stops needling only until a check is made (a re-measure, an answer,
    #: a medical assessment): the course is on hold, not ended
    hold: bool
    #: the finding that decided the verdict (an id of the rule set's review findings,
    #: ``no_change_yet``): its rationale line comes first
    deciding: str
    sessions_done: int
    baseline_nrs: int | None
    latest_nrs: int | None
    change: Change | None
    next: Next
    ceiling: int
    progress_note_due: bool
    trajectory: tuple[Point, ...]
    rationale: tuple[ReviewStep, ...]
    audience: Audience
    advice: Advice
    disclaimer: str
    rules: RulesRef
    #: the NRS at or below which the fall is meaningful; None at a low baseline, where
    #: the pain score cannot show a meaningful change
    mcid_line: float | None = field(default=None)
    warnings: tuple[Warning, ...] = ()
    #: SHA-256 of the profile's content (log left out), as in a Plan
    profile_sha256: str = ""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = REVIEW_ADAPTER.dump_python(self, mode="json")
        return data

    def to_json(self) -> str:
        text: bytes = REVIEW_ADAPTER.dump_json(self)
        return text.decode()


#: pydantic's serializers of the results (their JSON and their JSON Schema)
PLAN_ADAPTER: TypeAdapter[Plan] = TypeAdapter(Plan)
REVIEW_ADAPTER: TypeAdapter[Review] = TypeAdapter(Review)
