"""The rule set: clinical rules and the anatomy table as data, validated by their own models.

The shipped rule set is ``rules/default.yaml`` inside the package. A clinic
may keep its own (``--rules FILE``); it is validated the same way and a
broken one is refused with located errors (exit code 2).

Entries are frozen dataclasses validated by pydantic through one
``TypeAdapter``: lists become tuples, and nothing in a loaded rule set is
meant to change. Reading and validating a rule set file is
:mod:`needleplan.rulesload`'s.
"""

import dataclasses
import hashlib
import json
import string
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, TypeAdapter, with_config

from .notes import NotesReader
from .screening import Screening, unknown_warning_signs
from .screening import reference_problems as _screening_problems
from .vocab import (
    AGE_RANGE,
    DECISIONS,
    DURATION_BANDS,
    FLAG_LEVELS,
    ID_PATTERN,
    MAX_ID_LENGTH,
    PLACES,
    REVIEW_VERDICTS,
    SEVERITY_WORDS,
    URGENCIES,
    VERDICTS,
    ActivityStatus,
    BodyPart,
    CarePlanStatus,
    Decision,
    DurationBand,
    FlagLevel,
    Level,
    Place,
    ReferralUrgency,
    Region,
    Response,
    ReviewVerdict,
    SeverityBand,
    SiteRuleVerdict,
    Urgency,
    Verdict,
)
from .wording import TEXT_IDS

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=MAX_ID_LENGTH)]
SourceId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=64)]
#: No control or format character (an ESC, a bidi override) in anything needleplan says: every
#: writer, the FHIR narrative's XHTML included, prints rule-set text as it is.
PRINTABLE = r"^[^\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]*$"
Text = Annotated[
    str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True, pattern=PRINTABLE)
]
Sources = Annotated[tuple[SourceId, ...], Field(min_length=1)]
Count = Annotated[int, Field(ge=1, le=24)]
PerWeek = Annotated[int, Field(ge=1, le=3)]
Step = Annotated[int, Field(ge=-3, le=3)]
Age = Annotated[int, Field(ge=AGE_RANGE[0], le=AGE_RANGE[1])]
Links = Mapping[Id, Text]  # companion id -> why it fits

#: Rule-set entries are frozen dataclasses that refuse unknown keys.
_entry = with_config(ConfigDict(extra="forbid", hide_input_in_errors=True))


class _ToPatient:
    """An entry with a message for the patient's page, and maybe a parent's version of it
    (for a patient under 18, about "your child")."""

    patient_message: str
    parent_message: str

    def message_for(self, audience: str) -> str:
        """Its message on the patient's page as ``audience`` reads it."""
        if audience == "parent" and self.parent_message:
            return self.parent_message
        return self.patient_message


@_entry
@dataclass(frozen=True)
class Source:
    """A citation the rules point at; ``kind`` tells evidence from opinion."""

    id: SourceId
    kind: Literal["trial", "review", "guideline", "observational", "opinion", "design_choice"]
    citation: Text
    note: str = ""


@_entry
@dataclass(frozen=True)
class LowPain(_ToPatient):
    """What a plan says when current pain is low (NRS 1 to ``not_indicated_max``)."""

    label: Text
    message: Text
    reconsider: Text
    sources: Sources
    #: said instead when a function measure at the first log entry shows need
    measure_message: Text
    patient_message: str = ""
    parent_message: str = ""


@_entry
@dataclass(frozen=True)
class AdviceFirst(_ToPatient):
    """A condition whose acute pain is managed with advice first: not indicated now."""

    label: Text
    message: Text
    reconsider: Text
    sources: Sources
    patient_message: str = ""
    parent_message: str = ""
    companions: Links = field(default_factory=dict)


@_entry
@dataclass(frozen=True)
class SeverityRules:
    """NRS 0..mild_max is mild, ..moderate_max moderate, above that severe."""

    mild_max: Annotated[int, Field(ge=0, le=9)]
    moderate_max: Annotated[int, Field(ge=1, le=9)]
    sources: Sources
    block_step: Mapping[SeverityBand, Annotated[int, Field(ge=0, le=3)]]
    note: str = ""
    #: pain NRS 1 to this is already at the discharge level: not indicated (0: off)
    not_indicated_max: Annotated[int, Field(ge=0, le=4)] = 0
    low_pain: LowPain | None = None

    def band(self, value: int | str) -> SeverityBand:
        if isinstance(value, str):
            return value  # type: ignore[return-value]
        if value <= self.mild_max:
            return "mild"
        return "moderate" if value <= self.moderate_max else "severe"


@_entry
@dataclass(frozen=True)
class DurationRules:
    """Below ``acute_below_weeks`` acute; above ``chronic_above_weeks`` chronic."""

    acute_below_weeks: Annotated[float, Field(gt=0, le=104)]
    chronic_above_weeks: Annotated[float, Field(gt=0, le=520)]
    sources: Sources
    block_step: Mapping[DurationBand, Annotated[int, Field(ge=0, le=3)]]
    note: str = ""
    companions: Mapping[DurationBand, Links] = field(default_factory=dict)
    #: bands whose first block is the smallest dose a trial tested
    smallest_dose: tuple[DurationBand, ...] = ()
    smallest_dose_sources: tuple[SourceId, ...] = ()
    #: conditions whose acute pain gets advice first (no needling now)
    advice_first: Mapping[Id, AdviceFirst] = field(default_factory=dict)

    def band(self, weeks: float) -> DurationBand:
        if weeks < self.acute_below_weeks:
            return "acute"
        return "chronic" if weeks > self.chronic_above_weeks else "subacute"


@_entry
@dataclass(frozen=True)
class CadenceRules:
    """How often sessions may come: at most ``max_per_week``, ``min_hours_between`` apart."""

    max_per_week: PerWeek
    min_hours_between: Annotated[int, Field(ge=24, le=168)]
    sources: Sources
    note: str = ""


@_entry
@dataclass(frozen=True)
class CourseRules:
    """The course as a trial: practice ceiling, reassessment point, progress notes."""

    ceiling: Count
    ceiling_sources: Sources
    progress_note_every: Annotated[int, Field(ge=1, le=50)]
    progress_note_sources: Sources
    reassess_after_at_most: Annotated[int, Field(ge=1, le=12)]
    reassess_fraction: Annotated[float, Field(gt=0, le=1)]
    reassess_sources: Sources
    no_response_reassess_after: Annotated[int, Field(ge=1, le=12)]
    no_response_sources: Sources
    good_response_block_step: Annotated[int, Field(ge=-3, le=0)]
    good_response_sources: Sources


@_entry
@dataclass(frozen=True)
class Measure:
    """An outcome measure a log may record, with its minimal important change."""

    label: Text
    max: Annotated[float, Field(gt=0, le=1000)]
    mcid: Annotated[float, Field(gt=0, le=1000)]
    better: Literal["lower", "higher"]
    sources: Sources


@_entry
@dataclass(frozen=True)
class EventCause(_ToPatient):
    """What an event most likely means when none of the sites needled at its session
    carries the site risk its usual reading assumes (breathlessness after calf needling:
    a clot in the lung, not a collapsed lung)."""

    #: the site risks (``site_risks``), one of which the event's usual cause needs at a
    #: site needled at its session
    site_risks: tuple[Id, ...]
    cause: Text
    action: Text
    sources: Sources
    patient_message: str = ""
    parent_message: str = ""
    #: or a needled site on one of these body parts (the neck and trunk: a site with no
    #: lung risk of its own there is still near enough to keep the usual cause)
    body_parts: tuple[BodyPart, ...] = ()


@_entry
@dataclass(frozen=True)
class Event(_ToPatient):
    """An adverse event a log may record, and what it changes."""

    label: Text
    action: Text
    sources: Sources
    verdict: ReviewVerdict | None = None
    urgency: Urgency = "none"
    avoid_site: bool = False
    patient_message: str = ""
    parent_message: str = ""  # for a parent or guardian (empty: the patient's)
    #: the urgency of an urgent event logged longer ago than ``event_recent_days``
    old_urgency: Urgency = "routine"
    #: a medical clearance: the events and notes logged at or before its session no
    #: longer stop or hold the course
    clears: bool = False
    #: what the event most likely is (the emergency finding's ``{cause}``)
    cause: str = ""
    #: its cause, action and message when no site needled at its session carries
    #: one of ``otherwise.site_risks`` (empty: the same whatever was needled)
    otherwise: EventCause | None = None


@_entry
@dataclass(frozen=True)
class Wording:
    """A sentence (or heading) as the patient reads it, and as a parent or guardian of a
    patient under 18 reads it (``parent``; empty: the same). ``{name}`` placeholders are
    filled with numbers and ids the planner decided."""

    text: Annotated[
        str, StringConstraints(max_length=2000, strip_whitespace=True, pattern=PRINTABLE)
    ]
    parent: str = ""


#: A sentence: one for every reader, or a ``Wording`` with a parent's version.
Sentence = Text | Wording


@_entry
@dataclass(frozen=True)
class FindingTexts:
    """A review finding's words: the clinician's line and, where the finding decides
    the patient's page, its title, lead and why (empty: the verdict's usual words)."""

    clinician: Text
    title: Sentence = Wording("")
    lead: Sentence = Wording("")
    why: Sentence = Wording("")


@_entry
@dataclass(frozen=True)
class Finding:
    """One row of the review's precedence table: what a finding decides (the lowest
    ``rank`` decides), how urgent it is (empty: its trigger's own urgency), and its words."""

    rank: Annotated[int, Field(ge=1, le=999)]
    verdict: ReviewVerdict
    sources: Sources
    texts: FindingTexts
    urgency: Urgency | None = None
    #: its ``stop_needling`` holds the course until a check is made (not an end)
    hold: bool = False
    #: its page's ``why`` asks the patient to wait for the therapist's check: left off a
    #: page that sends the patient for emergency care now, which says what to do now
    waits: bool = False


#: The findings the review decides with: the rule set's table must have each.
REVIEW_FINDINGS = (
    "emergency",
    "red_flag",
    "events_spinal",
    "notes_red_flag",
    "notes",
    "notes_event",
    "notes_hold",
    "open_checks",
    "screening_open",
    "needled_avoided",
    "emergency_earlier",
    "adverse_event",
    "adverse_event_earlier",
    "do_not_needle",
    "first_trimester",
    "pregnancy_over",
    "sites_avoided",
    "remeasure",
    "new_baseline",
    "discharge",
    "worse",
    "worse_since_best",
    "worse_by_measure",
    "before_review_point",
    "measure_first",
    "no_change_yet",
    "no_change",
    "improving",
    "improving_extra_block",
    "ceiling",
    "extend",
    "plateau",
)


@_entry
@dataclass(frozen=True)
class ReviewRules:
    """What a review counts as meaningful change, worsening and discharge; the measures."""

    nrs_points: Annotated[int, Field(ge=1, le=10)]
    nrs_percent: Annotated[float, Field(gt=0, le=100)]
    groc_better: Annotated[int, Field(ge=1, le=7)]
    worse_points: Annotated[int, Field(ge=1, le=10)]
    discharge_nrs: Annotated[int, Field(ge=0, le=10)]
    discharge_sessions: Annotated[int, Field(ge=1, le=10)]
    sources: Sources
    measures: Mapping[Id, Measure] = field(default_factory=dict)
    events: Mapping[Id, Event] = field(default_factory=dict)
    #: days after a session in which an urgent event logged then is acted on as happening
    #: now; an older one asks for the medical assessment to be confirmed instead
    event_recent_days: Annotated[int, Field(ge=0, le=30)] = 2
    event_recent_sources: tuple[SourceId, ...] = ()
    #: a change of this many NRS points or fewer is inside the scale's measurement error
    nrs_error_points: Annotated[int, Field(ge=0, le=9)] = 1
    nrs_error_sources: tuple[SourceId, ...] = ()
    #: at a baseline NRS at or below this, change is judged by GROC or a function measure
    low_baseline_nrs: Annotated[int, Field(ge=0, le=10)] = 3
    low_baseline_sources: tuple[SourceId, ...] = ()
    #: a latest score older than this many days asks to re-measure before going on
    stale_after_days: Annotated[int, Field(ge=1, le=365)] = 28
    stale_sources: tuple[SourceId, ...] = ()
    #: a site to avoid needled at an earlier session holds the course while that session
    #: is this many days old or fewer and no medical clearance was logged after it
    needled_avoided_days: Annotated[int, Field(ge=0, le=90)] = 14
    needled_avoided_sources: tuple[SourceId, ...] = ()
    #: a first-trimester pregnancy: needling is reconsidered from this week
    reconsider_pregnancy_weeks: Annotated[int, Field(ge=1, le=42)] = 14
    reconsider_pregnancy_sources: tuple[SourceId, ...] = ()
    #: a pregnancy counted on to this week is over by now: the profile needs updating
    pregnancy_over_weeks: Annotated[int, Field(ge=1, le=52)] = 42
    pregnancy_over_sources: tuple[SourceId, ...] = ()
    #: health factors that, logged after a pregnancy, end it (a birth)
    pregnancy_ended_by: tuple[Id, ...] = ()
    #: a worsening counted from the best score so far: its sources
    worse_sources: tuple[SourceId, ...] = ()
    #: note_words ids that, in the latest notes, may describe an adverse event (its id)
    notes_events: Mapping[Id, Id] = field(default_factory=dict)
    #: note_words ids of red flags that hold the course in the latest notes
    notes_holds: tuple[Id, ...] = ()
    notes_sources: tuple[SourceId, ...] = ()
    #: severe spinal pain with weakness or fever after needling at these sites
    spinal_sites: tuple[Id, ...] = ()
    spinal_pain_notes: tuple[Id, ...] = ()
    spinal_with_notes: tuple[Id, ...] = ()
    #: after needling at these sites, one of ``spinal_nerve`` with one of ``spinal_with``
    #: (an event logged or a factor added during the course) or a meaningful worsening
    #: of pain, may be an epidural infection or bleed: an emergency
    spinal_nerve: tuple[Id, ...] = ()
    spinal_with: tuple[Id, ...] = ()
    spinal_sources: tuple[SourceId, ...] = ()
    #: where to go now, by note_words id, added to a notes finding's line and page
    notes_now: Mapping[Id, FindingTexts] = field(default_factory=dict)
    #: the precedence table, by finding id (the lowest rank decides)
    findings: Mapping[Id, Finding] = field(default_factory=dict)


@_entry
@dataclass(frozen=True)
class Block:
    """The initial block: the range of session counts the condition's trials tested."""

    low: Count
    high: Count


@_entry
@dataclass(frozen=True)
class Condition:
    """A condition the rule set plans for: its trials' doses, cadence and companions."""

    label: Text
    initial_block: Block
    trial_doses: Annotated[tuple[Count, ...], Field(min_length=1)]
    per_week: PerWeek
    note: Text
    sources: Sources
    aliases: tuple[Id, ...] = ()
    companions: Links = field(default_factory=dict)
    ceiling: Count | None = None
    #: what a guideline says about needling this condition, shown with every needling plan
    guideline: str = ""
    guideline_sources: tuple[SourceId, ...] = ()


@_entry
@dataclass(frozen=True)
class HealthFactor(_ToPatient):
    """A health factor: its level (red flag to prognostic), messages and sources."""

    label: Text
    level: Level
    message: Text
    sources: Sources
    aliases: tuple[Id, ...] = ()
    patient_message: str = ""
    #: the same for a parent or guardian, about "your child" (empty: the patient's is used)
    parent_message: str = ""
    urgency: Urgency = "none"
    #: tied to a place (``- lymphoedema: left_arm``): acts on the sites there only
    place: bool = False
    #: added to the expected course length (``sessions.high``), capped at the ceiling
    prognostic_step: Step = 0
    companions: Links = field(default_factory=dict)
    reconsider: str = ""
    consent_prompt: bool = False
    #: under 18, the page is written for a parent or guardian and names this factor (a
    #: pregnancy, a recent birth): the clinician is warned to decide with the young
    #: person who may be told (``warning.pregnancy_under_18``)
    under_18_confidential: bool = False
    #: the first block is the smallest dose a trial tested (a lighter dose)
    smallest_dose: bool = False
    #: asked about when it is listed without another factor that settles it
    #: (``warfarin`` without a known INR): the question, and the factors that answer it
    open_check: str = ""
    settled_by: tuple[Id, ...] = ()
    #: the open question in the patient's words, for the "before we start" page
    open_check_patient: str = ""
    #: the same for a parent, about their child
    open_check_parent: str = ""
    #: the lesser forms this factor takes the place of (a past cancer, beside a past
    #: cancer with new unexplained pain): present with it, they are not flagged
    in_place_of: tuple[Id, ...] = ()
    #: its clinician message for a profile that brings none of ``message_regions``
    #: (screening regions): new pain after cancer away from the spine has no spinal cord
    #: compression pathway (empty: ``message`` everywhere)
    message_elsewhere: str = ""
    message_regions: tuple[Id, ...] = ()


@_entry
@dataclass(frozen=True)
class UnderlyingFactor:
    """A driver such as posture or repetitive strain: its effect on the course."""

    label: Text
    reason: Text
    sources: Sources
    aliases: tuple[Id, ...] = ()
    prognostic_step: Step = 0
    companions: Links = field(default_factory=dict)


@_entry
@dataclass(frozen=True)
class Companion:
    """A therapy offered alongside (or instead of) needling."""

    label: Text
    patient_text: Text
    sources: Sources
    parent_text: str = ""  # for a parent or guardian (empty: the patient's)

    def text_for(self, audience: str) -> str:
        return self.parent_text if audience == "parent" and self.parent_text else self.patient_text


StartBackRisk = Literal["low", "medium", "high"]


@_entry
@dataclass(frozen=True)
class StartBack:
    """STarT Back risk groups (total 0-9, psychosocial subscore 0-5)."""

    low_total_max: Annotated[int, Field(ge=0, le=9)]
    high_psychosocial_min: Annotated[int, Field(ge=0, le=5)]
    sources: Sources
    applies_to: tuple[Id, ...] = ()
    companions: Mapping[StartBackRisk, Links] = field(default_factory=dict)
    prognostic_step: Mapping[StartBackRisk, Step] = field(default_factory=dict)
    reasons: Mapping[StartBackRisk, Text] = field(default_factory=dict)

    def risk(self, total: int, psychosocial: int) -> StartBackRisk:
        if total <= self.low_total_max:
            return "low"
        return "high" if psychosocial >= self.high_psychosocial_min else "medium"


@_entry
@dataclass(frozen=True)
class AgeRule:
    """A rule for an age range (``min_age`` to ``max_age``, inclusive)."""

    id: Id
    label: Text
    level: Literal["contraindication", "precaution", "prognostic", "consent"]
    message: Text
    sources: Sources
    min_age: Age | None = None
    max_age: Age | None = None
    patient_message: str = ""
    prognostic_step: Step = 0

    def matches(self, age: int) -> bool:
        return (self.min_age is None or age >= self.min_age) and (
            self.max_age is None or age <= self.max_age
        )


@_entry
@dataclass(frozen=True)
class SiteRisk:
    """A risk a site can carry (lung field, major vessel or nerve...)."""

    label: Text
    sources: Sources
    note: str = ""


@_entry
@dataclass(frozen=True)
class Site:
    """An anatomy-table entry: where it is and what makes needling it risky."""

    label: Text
    body_part: BodyPart
    aliases: tuple[Id, ...] = ()
    risks: tuple[Id, ...] = ()
    #: other body parts it also counts as, on the same side (axillary muscles count as the arm)
    also: tuple[BodyPart, ...] = ()
    #: the finer places it lies in or next to (a joint, the chest, a part of the back)
    near: tuple[Region, ...] = ()
    #: the place in a patient's plain words, '{side}' for the side ("the top of your
    #: {side} shoulder"); ``parent_label`` the same for a parent ("your child's")
    patient_label: str = ""
    parent_label: str = ""

    def label_for(self, audience: str, side: str) -> str:
        """Where it is, in plain words for ``audience``, on ``side``."""
        text = self.parent_label if audience == "parent" and self.parent_label else ""
        text = text or self.patient_label
        if not text:
            return ""
        return text.replace("{side}", "left and right" if side == "both" else side)


@_entry
@dataclass(frozen=True)
class SiteRule(_ToPatient):
    """What makes a site ``caution`` or ``avoid``: a risk it has, factors, a factor's place."""

    id: Id
    verdict: SiteRuleVerdict
    message: Text
    sources: Sources
    risk: Id | None = None
    factors_any: tuple[Id, ...] = ()
    in_place_of: Id | None = None
    patient_message: str = ""
    parent_message: str = ""  # for a parent or guardian (empty: the patient's)
    stronger_with: tuple[Id, ...] = ()
    message_stronger: str = ""
    #: what to check when a session log shows the site was needled all the same
    if_needled: str = ""
    #: what the clinician is told to do, among the plan's warnings, when the rule
    #: applies at a planned site (both lung fields: alternate sides)
    instruction: str = ""
    #: what the patient's page of a review held for it says in place of the usual "a
    #: check first" why (a deep bleed under an anticoagulant: the emergency department),
    #: and a parent's version
    if_needled_patient: str = ""
    if_needled_parent: str = ""
    #: applies only when the plan has sites with ``risk`` on both sides of the body
    both_sides: bool = False
    #: other risks whose sites the rule reaches too (the lung apex with the lung fields)
    risks_also: tuple[Id, ...] = ()

    def reaches(self, risks: tuple[str, ...]) -> bool:
        """Whether the rule reaches a site with ``risks`` (its risk or one it adds)."""
        return self.risk in risks or any(r in risks for r in self.risks_also)


@_entry
@dataclass(frozen=True)
class Unchecked:
    """A site check that cannot be made without ``sites:``, and when it matters."""

    message: Text
    when_factors_any: tuple[Id, ...] = ()


@_entry
@dataclass(frozen=True)
class NoteWords:
    """Words in free text that prompt a warning (never a decision by themselves).

    Each entry of ``words`` is a phrase (see ``notes.py``): words match whole words
    across any whitespace, line break or hyphen; ``word*`` is a word that starts so;
    ``#`` is a number; ``(a|b)`` is one of those words."""

    #: the trigger's id
    id: Id
    words: Annotated[
        tuple[Annotated[str, StringConstraints(min_length=3)], ...], Field(min_length=1)
    ]
    topic: Text
    #: the screening question the words raise (a hit opens a check naming it)
    question: Id
    #: the health factor to add if the clinician confirms it
    factor: Id | None = None
    #: in a session's notes, hold the course (stop needling until checked)
    holds_course: bool = False
    #: what the words stand for, when more specific than ``note_words_sources``
    sources: tuple[SourceId, ...] = ()
    #: a mention of the past still counts (a joint replacement, a cancer, an implant)
    history_counts: bool = False
    #: phrases in which the words are no trigger ("fall asleep" for "fall")
    unless: tuple[Annotated[str, StringConstraints(min_length=3)], ...] = ()
    #: with a number (``#``) in the phrase: a hit only when the number is above this
    above: float | None = None
    #: also a hit when the notes hold, read as present, a hit of one trigger of each of
    #: these lists ("fell" with "can't weight bear": a possible hip fracture); a health
    #: factor in a list counts when it is coded (coded giant cell arteritis with "saw
    #: double")
    together: tuple[tuple[Id, ...], ...] = ()
    #: the triggers whose hits this one's stands for when it is a hit (their words
    #: then raise this trigger's question, not their own)
    replaces: tuple[Id, ...] = ()
    #: ``together`` counts only within one sentence, and replaces only that sentence's
    #: hits (stroke words with "then back to normal" are a passed episode; "Knee pain
    #: came and went. Face droop this morning." is a stroke now)
    same_sentence: bool = False
    #: a hit by itself opens nothing: its words count only with the other triggers of a
    #: ``together`` group ("flew back from Sydney" with "calf aching")
    alone: bool = True
    #: how recent the finding must be, in weeks: a time stated in its clause further
    #: back ("gave birth 8 months ago" for a birth in the last 6 weeks) reads it as past
    window_weeks: Annotated[float, Field(gt=0)] | None = None
    #: the words are a finding only in a session's notes, after needling: a profile's
    #: own (intake) notes leave them out ("worst neck pain" before any needling is no
    #: needling injury)
    sessions_only: bool = False
    #: the body regions (``screening.regions``) of the profiles whose notes these words
    #: count in, when the profile brings any region (a plain limp asks about a child's
    #: hip where the hip, thigh or knee is treated, not beside a calf strain); empty:
    #: wherever
    regions: tuple[Id, ...] = ()


@_entry
@dataclass(frozen=True)
class NoteContext:
    """The words around a trigger that say it is not a finding now (ConText's categories:
    Harkema 2009). ``*_before`` words reach forward to a trigger, ``*_after`` words back
    to the one just before them; a sentence, ``ends`` words and ``ends_*`` words (for
    their category) end the reach; ``*_next`` words reach only the finding right after them
    (and one-word findings listed with it). ``not_context`` phrases are never context
    ("not sure")."""

    negated_before: tuple[str, ...] = ()
    #: words that negate only the finding right after them ("normal bladder and bowel")
    negated_next: tuple[str, ...] = ()
    negated_after: tuple[str, ...] = ()
    #: words that are a clause by themselves after a comma, saying the findings of the
    #: clause before are not there now ("short of breath after a run, normal for her")
    negated_clause: tuple[str, ...] = ()
    #: words after a finding, in its clause, that say it was absent only until a time:
    #: the negation before it does not reach it ("no leg numbness until yesterday")
    negated_until: tuple[str, ...] = ()
    historical_before: tuple[str, ...] = ()
    historical_after: tuple[str, ...] = ()
    #: words that are a clause by themselves after a comma, saying the findings of the
    #: clause before are over ("fever last month with flu, fully recovered")
    historical_clause: tuple[str, ...] = ()
    hypothetical_before: tuple[str, ...] = ()
    hypothetical_after: tuple[str, ...] = ()
    other_person_before: tuple[str, ...] = ()
    other_person_after: tuple[str, ...] = ()
    ends: tuple[str, ...] = ()
    ends_negated: tuple[str, ...] = ()
    ends_historical: tuple[str, ...] = ()
    ends_other_person: tuple[str, ...] = ()
    not_context: tuple[str, ...] = ()
    #: how many words a ``*_before`` word reaches forward (a design choice)
    reach_before: Annotated[int, Field(ge=1, le=50)] = 10
    #: how many words may stand between a trigger and its ``*_after`` word
    reach_after: Annotated[int, Field(ge=0, le=10)] = 2
    #: the categories whose ``*_before`` words do not reach past a comma
    comma_ends: tuple[Literal["negated", "historical", "hypothetical", "other_person"], ...] = ()
    #: words of presence ("since Friday", "on exertion", "noticed"): a finding after a
    #: comma whose clause holds one is a new finding, beyond the reach of a
    #: ``presence_ends`` category's ``*_before`` word before the comma
    presence: tuple[str, ...] = ()
    #: words that make a clause the end of a list ("No SOB, chest pain or cough since"):
    #: a clause holding one is never a clause of presence
    presence_lists: tuple[str, ...] = ()
    #: the categories whose ``*_before`` words a clause of presence ends
    presence_ends: tuple[Literal["negated", "historical", "hypothetical", "other_person"], ...] = ()
    sources: tuple[SourceId, ...] = ()


@_entry
@dataclass(frozen=True)
class SafetyNet:
    """What to do if serious signs start between visits, on every patient page (whatever
    the decision) of a patient whose condition is one of ``conditions``, who has a site
    near one of ``regions``, or who has one of the health factors ``factors`` (a pregnancy
    of at least ``pregnancy_from_weeks`` weeks, where given); never on a page that
    already sends the patient to help for these signs (a red flag in ``said_by`` whose
    message the page gives). Its words are ``text`` and ``parent``, or the rule set's
    text ``says`` (the same words a screening page gives for these signs)."""

    id: str
    sources: Sources
    text: Text | None = None
    parent: Text | None = None
    says: str | None = None
    conditions: tuple[str, ...] = ()
    regions: tuple[Region, ...] = ()
    factors: tuple[str, ...] = ()
    pregnancy_from_weeks: Annotated[int, Field(ge=0, le=42)] | None = None
    said_by: tuple[str, ...] = ()
    #: the page's warning signs (``page.warning_signs.<name>``) the net says with a more
    #: urgent action, left off where it is said (after a cancer: nerve signs go now)
    replaces_warnings: tuple[str, ...] = ()


@_entry
@dataclass(frozen=True)
class Advice:
    """The patient's page: its sources and its safety nets (its words are the texts
    ``page.*``)."""

    sources: Sources
    safety_nets: tuple[SafetyNet, ...] = ()


@_entry
@dataclass(frozen=True)
class Expectation:
    """A line of what to expect, shown for some decisions, conditions or flags."""

    id: Id
    text: Text
    decisions: Annotated[tuple[Decision, ...], Field(min_length=1)]
    sources: Sources
    when_flag: Id | None = None
    when_previous_response: Response | None = None
    conditions: tuple[Id, ...] = ()
    #: shown when a prognostic factor lengthens the expected recovery
    when_slow_recovery: bool = False


#: A text's id: dotted lower-case words, e.g. ``warning.fresh_pain``.
TextId = Annotated[
    str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*$", max_length=96)
]


MonthDay = Annotated[str, StringConstraints(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]


@_entry
@dataclass(frozen=True)
class NewPainRule:
    """Pain that may be new at this age is a red flag to rule out (a warning)."""

    age_at_least: Age
    duration_weeks_at_most: Annotated[float, Field(gt=0, le=104)]
    #: the red flag to add, and by condition the narrower one (a new headache)
    factor: Id
    sources: Sources
    by_condition: Mapping[Id, Id] = field(default_factory=dict)


@_entry
@dataclass(frozen=True)
class FreshPainRule:
    """Pain this recent may be a fresh tear or sprain (a warning)."""

    duration_weeks_below: Annotated[float, Field(gt=0, le=12)]
    #: the factor that says it is a fresh injury (then nothing to ask)
    factor: Id
    sources: Sources


@_entry
@dataclass(frozen=True)
class FirstTrimesterRule:
    """A pregnancy under ``weeks_below`` weeks: a precaution of its own."""

    weeks_below: Annotated[int, Field(ge=1, le=42)]
    sources: Sources


@_entry
@dataclass(frozen=True)
class PastTermRule:
    """A pregnancy whose first block would reach ``term_weeks`` (the expected birth): the
    course is said to be reconsidered after the birth (a warning, and a line on the
    patient's page), not silently booked on past it."""

    term_weeks: Annotated[int, Field(ge=20, le=45)]
    sources: Sources


@_entry
@dataclass(frozen=True)
class NoPainRule:
    """Pain at or below ``severity_at_most`` (NRS): needling is not indicated."""

    severity_at_most: Annotated[int, Field(ge=0, le=10)]
    sources: Sources


@_entry
@dataclass(frozen=True)
class SourcedRule:
    """A rule whose trigger is fixed (every listed site avoided), with its sources."""

    sources: Sources


@_entry
@dataclass(frozen=True)
class LateStartRule:
    """The first bookable session more than ``days_over`` days after the start date."""

    days_over: Annotated[int, Field(ge=1, le=365)]
    sources: Sources


@_entry
@dataclass(frozen=True)
class DefaultUrgencyRule:
    """How soon a referral goes when no red flag names its urgency."""

    urgency: ReferralUrgency
    sources: Sources


@_entry
@dataclass(frozen=True)
class CadenceKeptRule:
    """The dates booked up to the reassessment keep the planned cadence unless a gap
    between two of them is more than ``slack_days`` longer than the planned gap (7 days
    over the sessions a week, rounded up)."""

    slack_days: Annotated[int, Field(ge=0, le=28)]
    sources: Sources


@_entry
@dataclass(frozen=True)
class PlanRules:
    """The planner's own clinical rules: each an id (its key), a trigger, sources; its
    words are the texts under ``plan_rules.<id>``."""

    new_pain_over_50: NewPainRule
    fresh_pain: FreshPainRule
    first_trimester: FirstTrimesterRule
    no_pain: NoPainRule
    every_site_avoided: SourcedRule
    late_start: LateStartRule
    default_urgency: DefaultUrgencyRule
    cadence_kept: CadenceKeptRule | None = None
    past_term: PastTermRule | None = None


@_entry
@dataclass(frozen=True)
class CalendarRules:
    """What a plan's warnings say about the dates a schedule got.

    ``public_holidays`` ("MM-DD") are days a clinic is commonly closed; a session on
    one is warned about when the clinic's settings list no holidays of their own.
    ``past_start`` ({first}) and ``public_holiday`` ({session}, {date}) are the
    warnings' texts.
    """

    public_holidays: tuple[MonthDay, ...]
    sources: Sources
    past_start: Text
    public_holiday: Text
    note: str = ""

    @property
    def month_days(self) -> tuple[tuple[int, int], ...]:
        return tuple((int(md[:2]), int(md[3:])) for md in self.public_holidays)


#: A short word of a term (a tag, a marker, a style, a line); empty where a term has none.
TermWord = Annotated[
    str, StringConstraints(max_length=200, strip_whitespace=True, pattern=PRINTABLE)
]


@_entry
@dataclass(frozen=True)
class Term:
    """How one value shows on every surface: ``label`` (a record's display name),
    ``tag``, ``marker`` and ``style`` (the screen, distinct without colour too; a Rich
    style), ``screen`` (the screen's one-line meaning), ``record`` (a clinical
    record's line, e.g. FHIR) and ``summary`` (its word in running text: a batch's
    summary, ``explain``, ``rules``)."""

    label: Text
    tag: TermWord = ""
    marker: TermWord = ""
    style: TermWord = ""
    screen: TermWord = ""
    record: TermWord = ""
    summary: TermWord = ""

    @property
    def summary_word(self) -> str:
        """Its word in running text (a batch's summary, ``explain``, ``rules``):
        ``summary``, else the label."""
        return self.summary or self.label


@_entry
@dataclass(frozen=True, kw_only=True)
class VerdictTerm(Term):
    """A review verdict's term, with the FHIR R4 CarePlan ``status`` it gives the course
    and the ``activity`` status it gives the needling."""

    status: CarePlanStatus
    activity: ActivityStatus


@_entry
@dataclass(frozen=True)
class Terms:
    """The terms table: every decision, urgency, flag level, site verdict and review
    verdict with its term, the term of a hold (a ``stop_needling`` verdict that
    pauses the course until a check is made), and what each FHIR CarePlan status a
    verdict gives means for the course (``statuses``, a line of the record's notes)."""

    decisions: Mapping[Decision, Term]
    urgencies: Mapping[Urgency, Term]
    levels: Mapping[FlagLevel, Term]
    sites: Mapping[Verdict, Term]
    verdicts: Mapping[ReviewVerdict, VerdictTerm]
    hold: VerdictTerm
    statuses: Mapping[CarePlanStatus, Text]
    places: Mapping[Place, Text]
    #: a deciding review finding's own term, where its verdict's would mislead (no
    #: meaningful change at the review point goes on only if both agree: "review the
    #: plan", not "continue"); its status and activity are its verdict's (checked)
    findings: Mapping[Id, VerdictTerm] = field(default_factory=dict)

    def verdict(self, verdict: ReviewVerdict, hold: bool, deciding: str = "") -> VerdictTerm:
        """How a review's verdict shows: the deciding finding's own term, a hold as a
        hold, else the verdict's own term."""
        if deciding in self.findings:
            return self.findings[deciding]
        return self.hold if hold and verdict == "stop_needling" else self.verdicts[verdict]


@_entry
@dataclass(frozen=True, eq=False)
class RuleSet:
    """The whole rule set. ``needleplan schema rules`` prints its JSON Schema.

    Build one with ``rulesload.load_rules`` or ``rulesload.parse_rules`` (both
    validate it); its id indexes are built on first use. A rule set is equal only
    to itself; compare two by ``to_data()``. Like every frozen dataclass it is
    frozen one level deep: make a changed rule set as a new one
    (``dataclasses.replace``, or ``rulesload.parse_rules`` of edited data).
    """

    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)]
    version: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    disclaimer: Text
    sources: tuple[Source, ...]
    severity: SeverityRules
    duration: DurationRules
    cadence: CadenceRules
    course: CourseRules
    review: ReviewRules
    conditions: Annotated[Mapping[Id, Condition], Field(min_length=1)]
    health_factors: Mapping[Id, HealthFactor]
    underlying_factors: Mapping[Id, UnderlyingFactor]
    companions: Mapping[Id, Companion]
    site_risks: Mapping[Id, SiteRisk]
    sites: Mapping[Id, Site]
    site_rules: tuple[SiteRule, ...]
    unchecked: Mapping[Id, Unchecked]
    advice: Advice
    plan_rules: PlanRules
    texts: Mapping[TextId, Sentence]
    #: how each decision, urgency, level and verdict shows on every surface
    terms: Terms
    description: str = ""
    retired_ids: Mapping[Id, Text] = field(default_factory=dict)
    start_back: StartBack | None = None
    age_rules: tuple[AgeRule, ...] = ()
    note_words: tuple[NoteWords, ...] = ()
    note_words_sources: tuple[SourceId, ...] = ()
    note_context: NoteContext = field(default_factory=NoteContext)
    expectations: tuple[Expectation, ...] = ()
    #: the red-flag screen: questions by region, urgency tiers and their words
    screening: Screening | None = None
    calendar: CalendarRules | None = None

    # -- look-ups ---------------------------------------------------------
    @cached_property
    def _index(self) -> dict[str, dict[str, str]]:
        indexes: dict[str, dict[str, str]] = {}
        for kind, table in self._tables.items():
            index: dict[str, str] = {}
            for key, entry in table.items():
                index[key] = key
                for alias in entry.aliases:
                    index.setdefault(alias, key)
            indexes[kind] = index
        return indexes

    @property
    def _tables(self) -> dict[str, Mapping[str, Any]]:
        return {
            "condition": self.conditions,
            "health_factor": self.health_factors,
            "underlying_factor": self.underlying_factors,
            "site": self.sites,
        }

    @cached_property
    def _citations(self) -> dict[str, str]:
        return {s.id: s.citation for s in self.sources}

    @cached_property
    def notes_reader(self) -> NotesReader:
        """The notes reader of these ``note_words`` and ``note_context`` (``notes.py``),
        its phrases compiled once for the rule set like its other look-ups (the same
        compiling checks them: :func:`_check_note_words`)."""
        return NotesReader(self)

    def resolve(self, kind: str, name: str) -> str | None:
        """The canonical id for ``name`` (an id or alias) of ``kind``, or None."""
        return self._index[kind].get(name)

    def names(self, kind: str) -> list[str]:
        """Every accepted spelling (ids and aliases) of ``kind``."""
        return sorted(self._index[kind])

    def cite(self, source_ids: tuple[str, ...] | list[str]) -> str:
        """The citations of ``source_ids``, joined."""
        return "; ".join(self._citations.get(s, s) for s in source_ids)

    def ceiling(self, condition: str) -> int:
        c = self.conditions[condition]
        return c.ceiling if c.ceiling is not None else self.course.ceiling

    @property
    def sha256(self) -> str:
        """The sha256 of the file it came from, or of its content when built in Python."""
        digest: str | None = self.__dict__.get("_sha256")
        if digest is None:
            canonical = json.dumps(self.to_data(), sort_keys=True, ensure_ascii=False).encode()
            digest = hashlib.sha256(canonical).hexdigest()
            object.__setattr__(self, "_sha256", digest)
        return digest

    def to_data(self) -> dict[str, Any]:
        """Plain data (mappings, lists, text, numbers) that loads back into this rule set:
        pydantic's own serializer of the entries."""
        data: dict[str, Any] = ADAPTER.dump_python(self, mode="json")
        return data

    # -- consistency ------------------------------------------------------
    def reference_problems(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        """Cross-references the field types cannot check, each with its location."""
        yield from _reference_problems(self)


Loc = tuple[str | int, ...]


def _reference_problems(rs: RuleSet) -> Iterator[tuple[Loc, str]]:
    known = {s.id for s in rs.sources}
    seen: set[str] = set()
    for i, s in enumerate(rs.sources):
        if s.id in seen:
            yield ("sources", i, "id"), f"source '{s.id}' is defined twice"
        seen.add(s.id)
    # every `sources`-like field, wherever it is
    for where, ids in _walk_sources(rs, ()):
        for j, sid in enumerate(ids):
            if sid not in known:
                yield (*where, j), f"unknown source '{sid}': add it under 'sources'"
    for where, comps in _walk_links(rs):
        for cid in comps:
            if cid not in rs.companions:
                yield (*where, cid), f"unknown companion '{cid}'"
    if rs.severity.moderate_max <= rs.severity.mild_max:
        yield ("severity", "moderate_max"), "must be greater than mild_max"
    if rs.duration.chronic_above_weeks < rs.duration.acute_below_weeks:
        yield ("duration", "chronic_above_weeks"), "must not be less than acute_below_weeks"
    steps_by_band: tuple[tuple[str, Mapping[Any, int], tuple[str, ...]], ...] = (
        ("severity", rs.severity.block_step, SEVERITY_WORDS),
        ("duration", rs.duration.block_step, DURATION_BANDS),
    )
    for band_loc, table, bands in steps_by_band:
        steps = [table.get(b, 0) for b in bands]
        if steps != sorted(steps):
            yield (
                (band_loc, "block_step"),
                f"must not decrease from {bands[0]} to {bands[-1]}: more severe or "
                "longer-lasting pain never means fewer sessions",
            )
    for key, c in rs.conditions.items():
        loc: Loc = ("conditions", key)
        if c.initial_block.low > c.initial_block.high:
            yield (*loc, "initial_block"), "needs low <= high"
        if c.initial_block.low < min(c.trial_doses):
            yield (
                (*loc, "initial_block", "low"),
                (f"must not be below the smallest dose a trial tested ({min(c.trial_doses)})"),
            )
        if c.initial_block.high > max(c.trial_doses):
            yield (
                (*loc, "initial_block", "high"),
                (f"must not exceed the largest dose a trial tested ({max(c.trial_doses)})"),
            )
        if rs.ceiling(key) < c.initial_block.high:
            yield (*loc, "ceiling"), "must not be below the initial block"
    kinds: dict[str, Mapping[str, Any]] = {
        "conditions": rs.conditions,
        "health_factors": rs.health_factors,
        "underlying_factors": rs.underlying_factors,
        "sites": rs.sites,
    }
    for kind, entries in kinds.items():
        owners: dict[str, str] = {k: k for k in entries}
        for key, entry in entries.items():
            for j, alias in enumerate(entry.aliases):
                if alias in owners and owners[alias] != key:
                    yield (kind, key, "aliases", j), f"'{alias}' already names '{owners[alias]}'"
                owners.setdefault(alias, key)
    for key, hf in rs.health_factors.items():
        if hf.level == "red_flag" and hf.urgency == "none":
            yield ("health_factors", key, "urgency"), "a red flag needs an urgency"
        if hf.level != "red_flag" and hf.urgency != "none":
            yield ("health_factors", key, "urgency"), "only red flags carry an urgency"
    for key, hf in rs.health_factors.items():
        for j, fid in enumerate(hf.in_place_of):
            if fid not in rs.health_factors:
                yield ("health_factors", key, "in_place_of", j), f"unknown health factor '{fid}'"
        for j, fid in enumerate(hf.settled_by):
            if fid not in rs.health_factors:
                yield ("health_factors", key, "settled_by", j), f"unknown health factor '{fid}'"
        if rs.screening is None:  # without a checklist no profile brings a region
            continue
        for j, rid in enumerate(hf.message_regions):
            if rid not in rs.screening.regions:
                yield ("health_factors", key, "message_regions", j), f"unknown region '{rid}'"
    for cid in rs.duration.advice_first:
        if cid not in rs.conditions:
            yield ("duration", "advice_first", cid), f"unknown condition '{cid}'"
    if rs.severity.not_indicated_max and rs.severity.low_pain is None:
        yield ("severity", "low_pain"), "needed when not_indicated_max is above 0"
    for key in rs.retired_ids:
        if key in rs.health_factors or rs.resolve("health_factor", key):
            yield ("retired_ids", key), "a retired id must not also be a health factor"
    for key, site in rs.sites.items():
        for j, risk in enumerate(site.risks):
            if risk not in rs.site_risks:
                yield ("sites", key, "risks", j), f"unknown site risk '{risk}'"
    for i, rule in enumerate(rs.site_rules):
        if rule.risk is not None and rule.risk not in rs.site_risks:
            yield ("site_rules", i, "risk"), f"unknown site risk '{rule.risk}'"
        for j, risk in enumerate(rule.risks_also):
            if risk not in rs.site_risks:
                yield ("site_rules", i, "risks_also", j), f"unknown site risk '{risk}'"
        for name, ids in (("factors_any", rule.factors_any), ("stronger_with", rule.stronger_with)):
            for j, fid in enumerate(ids):
                if fid not in rs.health_factors:
                    yield ("site_rules", i, name, j), f"unknown health factor '{fid}'"
        if rule.in_place_of is not None:
            tied = rs.health_factors.get(rule.in_place_of)
            if tied is None or not tied.place:
                yield ("site_rules", i, "in_place_of"), "must name a health factor with place: true"
    for key, u in rs.unchecked.items():
        for j, fid in enumerate(u.when_factors_any):
            if fid not in rs.health_factors:
                yield ("unchecked", key, "when_factors_any", j), f"unknown health factor '{fid}'"
    for fid in REVIEW_FINDINGS:
        if fid not in rs.review.findings:
            yield ("review", "findings"), f"the review's finding '{fid}' is missing"
    for fid, finding in rs.review.findings.items():
        words = finding.texts
        for part in ("clinician", "title", "lead", "why"):
            if problem := _sentence_problem(getattr(words, part)):
                yield ("review", "findings", fid, "texts", part), problem
    note_ids = {g.id for g in rs.note_words}
    r = rs.review
    for wid, eid in r.notes_events.items():
        if wid not in note_ids:
            yield ("review", "notes_events", wid), f"unknown note_words id '{wid}'"
        if eid not in r.events:
            yield ("review", "notes_events", wid), f"unknown event '{eid}'"
    for name in ("notes_holds", "spinal_pain_notes", "spinal_with_notes"):
        for j, wid in enumerate(getattr(r, name)):
            if wid not in note_ids:
                yield ("review", name, j), f"unknown note_words id '{wid}'"
    for name in ("spinal_nerve", "spinal_with"):
        for j, eid in enumerate(getattr(r, name)):
            if eid not in r.events and eid not in rs.health_factors:
                yield ("review", name, j), f"'{eid}' is not an event or a health factor"
    for j, g in enumerate(rs.note_words):  # a red flag in the latest notes never goes on
        raised = rs.health_factors.get(g.factor or g.question)
        held = g.holds_course or g.id in r.notes_events or g.id in r.notes_holds
        if g.alone and raised is not None and raised.level == "red_flag" and not held:
            why = f"'{g.id}' raises a red flag: list it in review.notes_holds"
            yield ("note_words", j, "id"), why
    for eid, event in r.events.items():
        for j, risk in enumerate(event.otherwise.site_risks if event.otherwise else ()):
            if risk not in rs.site_risks:
                yield (
                    ("review", "events", eid, "otherwise", "site_risks", j),
                    f"unknown site risk '{risk}'",
                )
    for j, fid in enumerate(r.pregnancy_ended_by):
        if fid not in rs.health_factors:
            yield ("review", "pregnancy_ended_by", j), f"unknown health factor '{fid}'"
    for j, sid in enumerate(r.spinal_sites):  # a misspelt id would turn the check off unseen
        if sid not in rs.sites:
            yield ("review", "spinal_sites", j), f"unknown site '{sid}'"
    for wid in r.notes_now:
        if wid not in note_ids:
            yield ("review", "notes_now", wid), f"unknown note_words id '{wid}'"
    for i, group in enumerate(rs.note_words):
        if group.factor is not None and group.factor not in rs.health_factors:
            yield ("note_words", i, "factor"), f"unknown health factor '{group.factor}'"
    yield from _check_note_words(rs)
    for i, e in enumerate(rs.expectations):
        for j, cid in enumerate(e.conditions):
            if cid not in rs.conditions:
                yield ("expectations", i, "conditions", j), f"unknown condition '{cid}'"
    for i, net in enumerate(rs.advice.safety_nets):
        for j, cid in enumerate(net.conditions):
            if cid not in rs.conditions:
                yield ("advice", "safety_nets", i, "conditions", j), f"unknown condition '{cid}'"
        for j, fid in enumerate(net.said_by):
            if fid not in rs.health_factors:
                yield ("advice", "safety_nets", i, "said_by", j), f"unknown health factor '{fid}'"
        for j, fid in enumerate(net.factors):
            if fid not in rs.health_factors:
                yield ("advice", "safety_nets", i, "factors", j), f"unknown health factor '{fid}'"
        where = ("advice", "safety_nets", i, "replaces_warnings")
        yield from unknown_warning_signs(net.replaces_warnings, rs, where)
        if net.says is not None and net.says not in rs.texts:
            yield ("advice", "safety_nets", i, "says"), f"unknown text '{net.says}'"
        if net.says is None and (net.text is None or net.parent is None):
            yield ("advice", "safety_nets", i), "needs 'text' and 'parent', or 'says'"
    for key in sorted(TEXT_IDS - set(rs.texts)):
        yield ("texts",), f"text '{key}' is missing (needleplan says it)"
    for key, wording in rs.texts.items():
        if problem := _sentence_problem(wording):
            yield ("texts", key), problem
    pr = rs.plan_rules
    named = [("new_pain_over_50", "factor", pr.new_pain_over_50.factor)]
    named += [("fresh_pain", "factor", pr.fresh_pain.factor)]
    for cid, fid in pr.new_pain_over_50.by_condition.items():
        if cid not in rs.conditions:
            yield (
                ("plan_rules", "new_pain_over_50", "by_condition", cid),
                (f"unknown condition '{cid}'"),
            )
        named.append(("new_pain_over_50", "by_condition", fid))
    for rule_id, field_name, fid in named:
        if fid not in rs.health_factors:
            yield ("plan_rules", rule_id, field_name), f"unknown health factor '{fid}'"
    yield from _screening_problems(rs)
    if rs.start_back is not None:
        for j, cid in enumerate(rs.start_back.applies_to):
            if cid not in rs.conditions:
                yield ("start_back", "applies_to", j), f"unknown condition '{cid}'"
    yield from _terms_problems(rs.terms)
    for fid, term in rs.terms.findings.items():
        found = rs.review.findings.get(fid)
        if found is None:
            yield ("terms", "findings", fid), f"unknown review finding '{fid}'"
            continue
        own = rs.terms.verdict(found.verdict, found.hold)
        if (term.status, term.activity) != (own.status, own.activity):
            yield (
                ("terms", "findings", fid, "status"),
                f"'{fid}' shows as its verdict does: status '{own.status}', activity"
                f" '{own.activity}'",
            )


def _terms_problems(terms: Terms) -> Iterator[tuple[Loc, str]]:
    """Each value of the vocabulary has its term."""
    tables: tuple[tuple[str, Collection[str], tuple[str, ...]], ...] = (
        ("decisions", terms.decisions, DECISIONS),
        ("urgencies", terms.urgencies, URGENCIES),
        ("levels", terms.levels, FLAG_LEVELS),
        ("sites", terms.sites, VERDICTS),
        ("verdicts", terms.verdicts, REVIEW_VERDICTS),
        ("places", terms.places, PLACES),
    )
    for name, table, values in tables:
        for value in values:
            if value not in table:
                yield ("terms", name), f"the term of '{value}' is missing"
    given = [(("verdicts", v), t) for v, t in terms.verdicts.items()] + [(("hold",), terms.hold)]
    for loc, term in given:
        if term.status not in terms.statuses:
            yield ("terms", *loc, "status"), f"'{term.status}' has no line under terms.statuses"


def _check_note_words(rs: RuleSet) -> Iterator[tuple[Loc, str]]:
    """Each notes trigger has its own id, and every phrase of the notes reading is one."""
    phrase_problems = rs.notes_reader.problems  # its reader, compiled once, checks them
    seen: set[str] = set()
    for i, group in enumerate(rs.note_words):
        if group.id in seen:
            yield ("note_words", i, "id"), f"'{group.id}' is already a trigger's id"
        seen.add(group.id)
        ids = {g.id for g in rs.note_words}
        for name in ("together", "replaces"):
            listed = getattr(group, name)
            flat = [t for each in listed for t in each] if name == "together" else listed
            for j, tid in enumerate(flat):
                if tid in ids or (name == "together" and tid in rs.health_factors):
                    continue
                yield ("note_words", i, name, j), f"unknown trigger '{tid}'"
        yield from ((at, s) for at, s in phrase_problems.items() if at[:2] == ("note_words", i))
    yield from ((at, s) for at, s in phrase_problems.items() if at[0] == "note_context")


def _sentence_problem(sentence: Sentence) -> str:
    """What is wrong with the placeholders of ``sentence`` or its parent's version."""
    if isinstance(sentence, str):
        return _placeholder_problem(sentence)
    return _placeholder_problem(sentence.text) or _placeholder_problem(sentence.parent)


def _placeholder_problem(text: str) -> str:
    """What is wrong with ``text``'s ``{name}`` placeholders ("" when nothing is)."""
    try:
        names = [name for _, name, spec, conv in string.Formatter().parse(text) if name]
    except ValueError as exc:
        return f"a placeholder is broken ({exc}): write {{name}}, and {{{{ for a brace"
    bad = [n for n in names if not n.isidentifier()]
    return f"placeholder '{{{bad[0]}}}' must be a plain name" if bad else ""


def _walk_sources(value: Any, loc: Loc) -> Iterator[tuple[Loc, tuple[str, ...]]]:
    """Every list of source ids (a field named ``sources`` or ``*_sources``), with its location."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            child = getattr(value, f.name)
            cites = f.name == "sources" or f.name.endswith("_sources")
            if cites and all(isinstance(c, str) for c in child):
                yield (*loc, f.name), child
            else:
                yield from _walk_sources(child, (*loc, f.name))
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from _walk_sources(v, (*loc, k))
    elif isinstance(value, tuple):
        for i, v in enumerate(value):
            yield from _walk_sources(v, (*loc, i))


def _walk_links(rs: RuleSet) -> Iterator[tuple[Loc, Links]]:
    for band, comps in rs.duration.companions.items():
        yield ("duration", "companions", band), comps
    for kind, table in (
        ("conditions", rs.conditions),
        ("health_factors", rs.health_factors),
        ("underlying_factors", rs.underlying_factors),
    ):
        for key, entry in table.items():
            yield (kind, key, "companions"), entry.companions
    if rs.start_back is not None:
        for risk, comps in rs.start_back.companions.items():
            yield ("start_back", "companions", risk), comps
    for cid, first in rs.duration.advice_first.items():
        yield ("duration", "advice_first", cid, "companions"), first.companions


#: pydantic's validator and serializer of rule sets.
ADAPTER: TypeAdapter[RuleSet] = TypeAdapter(RuleSet)
