"""A plan in codes: what the planner decides, before the wording step says it.

Ids, numbers and source citations, and for each sentence a
:class:`~.wording.Said` (a rule-set text and the values that fill it) or an
entry's own words. :func:`.planwording.word_plan` turns these into the
worded :class:`~.results.Plan`. The sites, companions, unchecked sites and
expectations fill no text (they carry their entries' own words) and pass
into the plan as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .results import (
    Bands,
    Cadence,
    CompanionItem,
    Course,
    ScheduledSession,
    Sessions,
    SiteVerdict,
    UncheckedSite,
)
from .vocab import Audience, Decision, Effect, FlagLevel, Urgency
from .wording import Said, Wordable

if TYPE_CHECKING:
    from .schedule import ClinicCalendar


@dataclass(frozen=True)
class FlagCode:
    """A safety finding decided (a :class:`~.results.Flag` still to be worded)."""

    id: str
    level: FlagLevel
    label: Wordable
    message: Wordable
    source: str
    told: Wordable = ""  # what the page's reader is told
    urgency: Urgency = "none"


@dataclass(frozen=True)
class StepCode:
    """A rationale step decided (a :class:`~.results.Step` still to be worded)."""

    rule: str
    change: Wordable
    effect: Effect
    reason: Wordable
    source: str


@dataclass(frozen=True)
class WarningCode:
    """Something the clinician should check (a :class:`~.results.Warning` to be worded)."""

    kind: str
    message: Wordable


@dataclass(frozen=True)
class CheckCode:
    """A question to settle before needling (a :class:`~.results.Check` to be worded);
    ``if_yes``, where the rule set has its text, fills the message's ``{if_yes}``."""

    kind: str
    id: str
    message: Wordable
    if_yes: Said | None = None


@dataclass(frozen=True)
class PlanCodes:
    """Everything ``plan()`` decided, before a word of it is said."""

    source: str | None
    patient: str | None
    condition: str
    condition_label: str
    #: the decision the plan gives, and the one made before the open checks held it
    decision: Decision
    planned: Decision
    urgency: Urgency
    sessions: Sessions
    course: Course
    cadence: Cadence
    sites: tuple[SiteVerdict, ...]
    #: the listed sites' ids (the safety nets near them reach the page)
    site_ids: tuple[str, ...]
    unchecked: tuple[UncheckedSite, ...]
    flags: tuple[FlagCode, ...]
    warnings: tuple[WarningCode, ...]
    companions: tuple[CompanionItem, ...]
    expectations: tuple[str, ...]
    rationale: tuple[StepCode, ...]
    bands: Bands
    audience: Audience
    #: when to think again about needling (a plan that does not needle)
    reconsider: tuple[Wordable, ...]
    schedule: tuple[ScheduledSession, ...] | None
    #: the clinic's calendar the schedule was made in (its dates' warnings)
    calendar: ClinicCalendar | None
    checks: tuple[CheckCode, ...]
    profile_sha256: str
    #: a pregnancy's weeks, as recorded (the safety nets from a week on reach the page)
    pregnancy_weeks: int | None = None
    #: a referral's red flags' own tier, before the signs the notes describe raised it
    #: to ``urgency``, and those red flags (its page says what to do about them)
    coded_urgency: Urgency = "none"
    described: tuple[str, ...] = ()
