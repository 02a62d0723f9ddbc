"""The red-flag screen: which questions a profile needs, what is still open, how soon.

A screen is a checklist, not a text search. The rule set's ``screening``
section lists, for each body region (found from the condition and the sites),
the red-flag questions to answer before needling. A profile's ``screening:``
answers them: yes is the red flag itself (as if listed under
``health_factors``), no means asked and absent. This module decides, with ids
only:

- :func:`open_checks`: every question still open (kind ``screening``), and
  every red flag the notes suggest that no coded factor or answer has settled,
  or that contradicts a ``no`` answer (kind ``notes``);
- :func:`settle`: a needling decision with open checks becomes ``check_first``
  (red flags, contraindications and "not indicated" keep their decision);
- :func:`urgency`: how soon a referral is needed: the most urgent red flag,
  raised by the rule set's combinations; adding a red flag never lowers it;
- the patient's page for a referral and for ``check_first``, built by the plan's
  wording step (:mod:`.planwording`) from the worded flags and checks.

Notes never answer a question; a page says what to do if the signs they
describe are there, at the tier those signs give with the red flags, and a
referral's urgency is its page's tier (:func:`referral_tier`).
The rule-set models of the section are defined here too, beside the logic
that reads them. Pure: no files, no printing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Protocol

from pydantic import ConfigDict, Field, StringConstraints, with_config

from . import advice as advice_mod
from .advice import section
from .plancodes import CheckCode, FlagCode, StepCode
from .results import Advice, Check, CompanionItem, Flag
from .vocab import (
    AGE_RANGE,
    ID_PATTERN,
    MAX_ID_LENGTH,
    NEEDLING,
    URGENCIES,
    Audience,
    Decision,
    ReferralUrgency,
    Urgency,
    most_urgent,
)
from .wording import Said, said, say, say_if

if TYPE_CHECKING:
    from .profile import ConditionProfile
    from .rules import HealthFactor, RuleSet

_Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=MAX_ID_LENGTH)]
_SourceId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=64)]
_Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]
_Sources = Annotated[tuple[_SourceId, ...], Field(min_length=1)]
_Ids = Annotated[tuple[_Id, ...], Field(min_length=1)]
_Age = Annotated[int, Field(ge=AGE_RANGE[0], le=AGE_RANGE[1])]

_entry = with_config(ConfigDict(extra="forbid", hide_input_in_errors=True))


# -- the rule set's screening section ---------------------------------------------


@_entry
@dataclass(frozen=True)
class Question:
    """A red-flag question: its id is the red flag's (a health factor)."""

    #: the clinician's question
    ask: _Text
    #: what the patient is asked about, in plain words (the "before we start" page)
    patient: _Text
    sources: _Sources
    #: the same for a parent, about their child (where the patient's words say "you")
    parent: _Text | None = None
    #: asked only from this age, when the age is known
    min_age: _Age | None = None
    #: asked only up to this age, and only when the age is known (a limping adolescent's
    #: hip: a profile without an age is warned about that instead)
    max_age: _Age | None = None
    #: asked of every pregnancy from this week on, whatever the region (pre-eclampsia)
    pregnancy_from_weeks: Annotated[int, Field(ge=0, le=42)] | None = None
    #: asked whenever one of these factors is coded or answered yes, or one of these
    #: notes triggers is read as present, whatever the region (nerve symptoms beside a
    #: cancer flag), or only in ``asked_in`` regions when it names any
    asked_with: tuple[_Id, ...] = ()
    #: the regions ``asked_with`` asks it in (upper-cervical instability: the neck and
    #: head, with rheumatoid arthritis or Down syndrome); empty: whatever the region
    asked_in: tuple[_Id, ...] = ()


@_entry
@dataclass(frozen=True)
class Region:
    """A body region: the conditions and sites that bring it, and its questions."""

    label: _Text
    questions: _Ids
    conditions: tuple[_Id, ...] = ()
    sites: tuple[_Id, ...] = ()


@_entry
@dataclass(frozen=True)
class Combination:
    """Red flags that together make a serious cause likelier: one of each group present
    gives at least ``urgency``."""

    id: _Id
    groups: Annotated[tuple[_Ids, ...], Field(min_length=2)]
    urgency: ReferralUrgency
    reason: _Text
    patient_reason: _Text
    sources: _Sources


@_entry
@dataclass(frozen=True)
class Tier:
    """One urgency of referral: the clinician's line and its sources (the patient's page
    is the texts ``screening.tier.<urgency>.*``)."""

    clinician: _Text
    sources: _Sources


@_entry
@dataclass(frozen=True)
class FlagReferral:
    """Where a red flag sends the patient, where it differs from its tier's words."""

    sources: _Sources
    where: _Text | None = None
    escalate: _Text | None = None
    parent_where: _Text | None = None
    parent_escalate: _Text | None = None
    #: where to go instead when the plan also holds one of these health factors
    #: (pregnancy: the maternity unit), with its words for a parent
    with_factors: tuple[_Id, ...] = ()
    with_factors_where: _Text | None = None
    with_factors_parent_where: _Text | None = None
    #: the question whose "what to do now" line (``screening.page.now.<id>``) this
    #: referral says first, before any open question's (a clot: breathlessness); its
    #: "if it gets worse" is then the tier's own
    now_first: _Id | None = None
    #: the page's warning signs (``page.warning_signs.<name>``, or its spinal
    #: counterpart) whose signs this referral's ``escalate`` says with a more urgent
    #: action: left off the page that says it (one action for the same signs)
    replaces_warnings: tuple[_Id, ...] = ()


@_entry
@dataclass(frozen=True)
class BeforeWeStart:
    """The "before we start" page (its words are the texts ``screening.page.*``)."""

    #: the questions (and notes' broader questions) whose yes is an emergency: while one
    #: is open, the page says its text ``screening.page.now.<id>`` first (what to do
    #: now), then ``meanwhile_others``; a referral page for another red flag leads with it
    now_for: tuple[_Id, ...] = ()
    #: questions that need a hospital today only with one of these factors (a calf clot
    #: in pregnancy), coded or raised by the notes: their ``screening.page.now.<id>`` is
    #: said only then
    now_with: Mapping[_Id, _Ids] = field(default_factory=dict)
    #: the questions the notes may raise whose picture needs care today (a same-day red
    #: flag, or a fresh injury that may be a torn tendon): while the notes describe one,
    #: the page says its text ``screening.page.today.<id>`` (what to do today if the signs
    #: are there) as it says an emergency's, and nothing to try meanwhile. Only asked, not
    #: described, it is left to the page's "call your doctor today"
    today_for: tuple[_Id, ...] = ()

    def at_once(self, qid: str, held: AbstractSet[str]) -> bool:
        """Whether the open question ``qid`` says what to do now: its yes is an emergency
        (``now_for``), or needs a hospital today beside a factor ``held`` (``now_with``)."""
        return qid in self.now_for or not held.isdisjoint(self.now_with.get(qid, ()))

    def line_id(self, qid: str, held: AbstractSet[str], *, noted: bool) -> str | None:
        """The text of what to do for the open question ``qid``: its emergency's line
        (:meth:`at_once`), else, when the notes describe it (``noted``), its same-day
        line (``today_for``); None: no line."""
        if self.at_once(qid, held):
            return f"screening.page.now.{qid}"
        if noted and qid in self.today_for:
            return f"screening.page.today.{qid}"
        return None


@_entry
@dataclass(frozen=True)
class Screening:
    """The rule set's red-flag screen (see the module's docstring)."""

    sources: _Sources
    questions: Mapping[_Id, Question]
    regions: Mapping[_Id, Region]
    tiers: Mapping[ReferralUrgency, Tier]
    before_we_start: BeforeWeStart = BeforeWeStart()
    always: tuple[_Id, ...] = ()
    note_questions: Mapping[_Id, _Ids] = field(default_factory=dict)
    #: coded factors that settle what the notes raise (a past cancer coded as such)
    settled_by: Mapping[_Id, _Ids] = field(default_factory=dict)
    combinations: tuple[Combination, ...] = ()
    referrals: Mapping[_Id, FlagReferral] = field(default_factory=dict)
    #: a red flag's reason on a page of a more urgent tier than its own: what it is,
    #: without its own tier's timing ("needs a doctor today" on an emergency page)
    page_reasons: Mapping[_Id, _Text] = field(default_factory=dict)

    def completed(self, present: AbstractSet[str]) -> list[Combination]:
        """The combinations that ``present`` red flags complete."""
        return [c for c in self.combinations if all(not present.isdisjoint(g) for g in c.groups)]


def unknown_warning_signs(
    names: tuple[str, ...], rules: RuleSet, where: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """The warning signs ``names`` (a referral's or a safety net's ``replaces_warnings``)
    that have no text ``page.warning_signs.<name>``, each at its index under ``where``."""
    for j, name in enumerate(names):
        if f"page.warning_signs.{name}" not in rules.texts:
            yield (*where, j), f"no text 'page.warning_signs.{name}'"


def reference_problems(rules: RuleSet) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Cross-references of the screening section the field types cannot check."""
    sc = rules.screening
    if sc is None:
        return
    red = {k for k, hf in rules.health_factors.items() if hf.level == "red_flag"}
    for qid in sc.questions:
        if qid not in red:
            yield ("screening", "questions", qid), f"'{qid}' is not a red-flag health factor"
    for j, qid in enumerate(sc.always):
        if qid not in sc.questions:
            yield ("screening", "always", j), f"unknown screening question '{qid}'"
    triggers = {g.id for g in rules.note_words}
    for qid, question in sc.questions.items():
        for j, fid in enumerate(question.asked_with):
            if fid not in rules.health_factors and fid not in triggers:
                yield (
                    ("screening", "questions", qid, "asked_with", j),
                    f"unknown health factor or notes trigger '{fid}'",
                )
        for j, key in enumerate(question.asked_in):
            if key not in sc.regions:
                yield (("screening", "questions", qid, "asked_in", j), f"unknown region '{key}'")
    for i, trigger in enumerate(rules.note_words):
        for j, key in enumerate(trigger.regions):
            if key not in sc.regions:
                yield ("note_words", i, "regions", j), f"unknown region '{key}'"
    for key, region in sc.regions.items():
        for j, qid in enumerate(region.questions):
            if qid not in sc.questions:
                yield (
                    ("screening", "regions", key, "questions", j),
                    f"unknown screening question '{qid}'",
                )
        # a region's conditions and sites may name ids a clinic's rule set has dropped:
        # they then bring no questions (a rule set is trimmed without editing this section)
    now = sc.before_we_start
    raised = {g.question for g in rules.note_words}  # the questions the notes may raise
    # every emergency question says what to do now; every same-day one the notes may
    # raise, what to do today (or now) when they describe it
    for qid in dict.fromkeys([*sc.questions, *(g.question for g in rules.note_words)]):
        hf = rules.health_factors.get(qid)
        if hf is None or qid in now.now_for:
            continue
        if hf.urgency == "emergency":
            yield ("screening", "before_we_start", "now_for"), f"'{qid}' is an emergency: list it"
        elif hf.urgency == "same_day" and qid in raised and qid not in now.today_for:
            yield (
                ("screening", "before_we_start", "today_for"),
                f"'{qid}' is a same-day red flag the notes may raise: list it",
            )
    for qid, factors in now.now_with.items():  # a misspelt factor would lose its line unseen
        for j, fid in enumerate(factors):
            if fid not in rules.health_factors:
                yield (
                    ("screening", "before_we_start", "now_with", qid, j),
                    f"unknown health factor '{fid}'",
                )
    listed: list[tuple[tuple[str | int, ...], str, str]] = [
        *(
            (("screening", "before_we_start", "now_for", j), q, "now")
            for j, q in enumerate(now.now_for)
        ),
        *((("screening", "before_we_start", "now_with", q), q, "now") for q in now.now_with),
        *(
            (("screening", "before_we_start", "today_for", j), q, "today")
            for j, q in enumerate(now.today_for)
        ),
    ]
    for where, qid, kind in listed:
        if qid not in sc.questions and qid not in sc.note_questions and qid not in raised:
            yield where, f"unknown screening question '{qid}'"
        elif kind == "today" and qid in now.now_for:
            yield where, f"'{qid}' is in now_for: what to do now is said for it"
        elif (
            kind == "today"
            and (hf := rules.health_factors.get(qid))
            and hf.level == "red_flag"
            and hf.urgency != "same_day"
        ):
            yield where, f"'{qid}' is not a same-day red flag: its page would not say 'today'"
        elif f"screening.page.{kind}.{qid}" not in rules.texts:
            yield where, f"no text 'screening.page.{kind}.{qid}'"
    for key, ref in sc.referrals.items():
        if ref.now_first is not None and f"screening.page.now.{ref.now_first}" not in rules.texts:
            yield (
                ("screening", "referrals", key, "now_first"),
                f"no text 'screening.page.now.{ref.now_first}'",
            )
        where = ("screening", "referrals", key, "replaces_warnings")
        yield from unknown_warning_signs(ref.replaces_warnings, rules, where)
        if ref.replaces_warnings and (ref.escalate is None or ref.now_first is not None):
            yield (
                ("screening", "referrals", key, "replaces_warnings"),
                "only a referral's own 'escalate' replaces a warning sign",
            )
    for key, ids in sc.note_questions.items():
        for j, fid in enumerate(ids):
            if fid not in red:
                yield ("screening", "note_questions", key, j), f"'{fid}' is not a red flag"
    for i, words in enumerate(rules.note_words):  # a check must name what can be coded
        q = words.question
        if q not in rules.health_factors and q not in sc.questions and q not in sc.note_questions:
            yield (
                ("note_words", i, "question"),
                f"'{q}' is not a health factor, a screening question or a note_questions key",
            )
    for i, combo in enumerate(sc.combinations):
        for g, group in enumerate(combo.groups):
            # beside a red flag, the coded factor that settles its question (a past cancer)
            settling = {f for rf in group if rf in red for f in sc.settled_by.get(rf, ())}
            for j, fid in enumerate(group):
                if fid not in red and fid not in settling:
                    yield (
                        ("screening", "combinations", i, "groups", g, j),
                        f"'{fid}' is not a red flag",
                    )
    for key in sc.referrals:
        if key not in red:
            yield ("screening", "referrals", key), f"'{key}' is not a red flag"
    for key in sc.page_reasons:
        if key not in red:
            yield ("screening", "page_reasons", key), f"'{key}' is not a red flag"
    for tier in ("routine", "soon", "same_day", "emergency"):
        if tier not in sc.tiers:
            yield ("screening", "tiers"), f"the words of the '{tier}' referral are missing"


# -- what a profile needs ---------------------------------------------------------


def answers(profile: ConditionProfile) -> Mapping[str, bool]:
    """The profile's screening answers, question id -> yes (True) or no (False)."""
    return profile.screening


def coded_ids(profile: ConditionProfile) -> frozenset[str]:
    """The profile's factors and the questions it answers yes."""
    return profile.factor_ids | {q for q, yes in answers(profile).items() if yes}


def required(
    profile: ConditionProfile, rules: RuleSet, noted: frozenset[str] = frozenset()
) -> tuple[str, ...]:
    """The questions the profile's regions need, in the rule set's order of questions,
    and those its coded factors or its notes' triggers (``noted``) ask (``asked_with``)."""
    sc = rules.screening
    if sc is None:
        return ()
    wanted = set(sc.always)
    brought = set(regions(profile, rules))
    for key in brought:
        wanted.update(sc.regions[key].questions)
    weeks = profile.pregnancy_weeks
    present = coded_ids(profile) | noted
    for qid, q in sc.questions.items():
        if present.intersection(q.asked_with) and (
            not q.asked_in or brought.intersection(q.asked_in)
        ):
            wanted.add(qid)
        if (
            q.pregnancy_from_weeks is not None
            and weeks is not None
            and weeks >= q.pregnancy_from_weeks
        ):
            wanted.add(qid)
    age = profile.age
    return tuple(
        qid
        for qid, q in sc.questions.items()
        if qid in wanted
        and (q.min_age is None or age is None or age >= q.min_age)
        and (q.max_age is None or (age is not None and age <= q.max_age))
    )


def regions(profile: ConditionProfile, rules: RuleSet) -> tuple[str, ...]:
    """The ids of the regions a profile's condition and sites bring (for the template)."""
    sc = rules.screening
    if sc is None:
        return ()
    sites = set(profile.sites)
    return tuple(
        key
        for key, r in sc.regions.items()
        if profile.condition in r.conditions or sites.intersection(r.sites)
    )


def questions_for(rules: RuleSet, condition: str, sites: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The questions a condition and its sites need, whatever the age (for ``new``)."""
    sc = rules.screening
    if sc is None:
        return ()
    wanted = set(sc.always)
    for region in sc.regions.values():
        if condition in region.conditions or set(sites).intersection(region.sites):
            wanted.update(region.questions)
    return tuple(qid for qid in sc.questions if qid in wanted)


def yes_flags(profile: ConditionProfile, rules: RuleSet, audience: Audience) -> list[FlagCode]:
    """A flag for each red flag answered yes and not already listed as a health factor."""
    coded = profile.factor_ids
    flags = []
    for qid, yes in answers(profile).items():
        hf = rules.health_factors.get(qid)
        if not yes or qid in coded or hf is None or hf.level != "red_flag":
            continue
        flags.append(
            FlagCode(
                qid,
                "red_flag",
                hf.label,
                hf.message,
                rules.cite(hf.sources),
                hf.message_for(audience),
                hf.urgency,
            )
        )
    return flags


class _Hit(Protocol):
    """What the notes reader says of one finding (``notes.NoteHit``)."""

    @property
    def trigger(self) -> str: ...

    @property
    def question(self) -> str: ...

    @property
    def words(self) -> str: ...


def open_checks(
    profile: ConditionProfile, rules: RuleSet, hits: tuple[_Hit, ...] = ()
) -> tuple[CheckCode, ...]:
    """Every check still open: unanswered questions, then what the notes raise."""
    sc = rules.screening
    if sc is None:
        return ()
    answered = answers(profile)
    coded = profile.factor_ids | {q for q, yes in answered.items() if yes}
    noted = _noted(hits, rules)
    checks: list[CheckCode] = []
    for qid in required(profile, rules, frozenset(h.trigger for h in hits)):
        if qid in coded or qid in answered or qid in noted:
            continue
        q = sc.questions[qid]
        checks.append(CheckCode("screening", qid, said("screening.open_check", ask=q.ask, id=qid)))
    weeks = profile.pregnancy_weeks
    for qid, (topic, words) in noted.items():
        group = sc.note_questions.get(qid, (qid,))
        if coded.intersection(group) or coded.intersection(sc.settled_by.get(qid, ())):
            continue  # a coded factor or a yes answer settles it
        if not notes_may_ask(qid, rules, profile.age, weeks):
            continue  # a question of another age or of later pregnancy: not this patient's
        asked = [answered.get(g) for g in group]
        words_text = ", ".join(f"'{w}'" for w in words)
        key, ask = "screening.notes_check_no_question", ""
        named = "' or '".join(group)  # the ids a clinician can code (never a notes key)
        if asked and all(a is False for a in asked):
            key, named = "screening.notes_contradict", ", ".join(f"{g}: no" for g in group)
        elif qid in sc.questions:
            key, ask = "screening.notes_check", sc.questions[qid].ask
        message = said(key, topic=topic, words=words_text, ask=ask, id=named)
        checks.append(CheckCode("notes", qid, message, _if_yes(rules, group, coded)))
    return tuple(checks)


def in_regions(rules: RuleSet, trigger: str, places: tuple[str, ...]) -> bool:
    """Whether the notes words of ``trigger`` count for a profile treated in the regions
    ``places``: a trigger with ``regions`` only there, or where no region is known."""
    wanted = rules.notes_reader.regions.get(trigger)
    return not (wanted and places) or not wanted.isdisjoint(places)


def notes_may_ask(qid: str, rules: RuleSet, age: int | None, weeks: int | None) -> bool:
    """Whether notes may open question ``qid`` for a patient of ``age``, ``weeks``
    pregnant when the notes were written: not below its ``min_age`` (giant cell
    arteritis from 50), above its ``max_age`` (a slipped epiphysis up to 17) or before
    its ``pregnancy_from_weeks`` of a coded pregnancy (pre-eclampsia from 20), where
    the age or the weeks are known. A question the screen does not hold may always be
    raised."""
    q = rules.screening.questions.get(qid) if rules.screening is not None else None
    if q is None:
        return True
    if age is not None and q.min_age is not None and age < q.min_age:
        return False
    if age is not None and q.max_age is not None and age > q.max_age:
        return False
    gate = q.pregnancy_from_weeks
    return gate is None or weeks is None or weeks >= gate


def _if_yes(
    rules: RuleSet, group: tuple[str, ...], coded: set[str] | frozenset[str]
) -> Said | None:
    """What a notes check would mean if answered yes: a red flag's tier (its own urgency,
    raised by the combinations it would complete with what is coded), or a factor's level
    (said only where the rule set has words for it)."""
    red = [rules.health_factors[g] for g in group if g in rules.health_factors]
    found: list[Urgency] = [hf.urgency for hf in red if hf.level == "red_flag"]
    if found:
        present = {c for c in coded if c in rules.health_factors}
        for g in group:
            found += [
                c.urgency
                for c in combinations(present | {g}, rules)
                if any(g in grp for grp in c.groups)
            ]
        return said(f"screening.if_yes.{most_urgent(*found)}")
    if len(red) == 1:
        return said(f"screening.if_yes.{red[0].level}", label=red[0].label)
    return None


def _noted(hits: tuple[_Hit, ...], rules: RuleSet) -> dict[str, tuple[str, list[str]]]:
    """The questions the notes raise, in order: question -> (topic, words)."""
    noted: dict[str, tuple[str, list[str]]] = {}
    for hit in hits:
        if not hit.question:
            continue
        _, words = noted.setdefault(hit.question, (_topic(hit, rules), []))
        if hit.words not in words:
            words.append(hit.words)
    return noted


def _topic(hit: _Hit, rules: RuleSet) -> str:
    """The topic of the notes' trigger group that found ``hit``."""
    for group in rules.note_words:
        if getattr(group, "id", None) == hit.trigger:
            return str(group.topic)
    return hit.question.replace("_", " ")


def most_urgent_first(checks: tuple[CheckCode, ...], rules: RuleSet) -> tuple[CheckCode, ...]:
    """``checks`` with those whose yes would be the most urgent first (a possible
    emergency the notes suggest before a question not yet asked); else in their order."""
    return tuple(sorted(checks, key=lambda c: (-_tier(c, rules), c.kind != "notes")))


def _tier(c: CheckCode, rules: RuleSet) -> int:
    """How urgent a yes to ``c`` would be (its red flags' tier, as an index of URGENCIES)."""
    sc = rules.screening
    ids = (c.id, *(sc.note_questions.get(c.id, ()) if sc is not None else ()))
    hfs = [rules.health_factors[i] for i in ids if i in rules.health_factors]
    found = [hf.urgency for hf in hfs if hf.level == "red_flag"]
    return URGENCIES.index(most_urgent(*found))


def settle(decision: Decision, checks: tuple[CheckCode, ...], rules: RuleSet) -> Decision:
    """A needling decision waits for its open checks. A plan that needles no one (do not
    needle, not indicated) waits too when the notes suggest a red flag whose yes is
    urgent (a hot swollen replaced knee): its page must say where to go, not only what
    helps instead. A referral stands."""
    if checks and decision in NEEDLING:
        return "check_first"
    if decision in ("do_not_needle", "not_indicated") and any(
        c.kind == "notes" and _tier(c, rules) >= URGENCIES.index("same_day") for c in checks
    ):
        return "check_first"
    return decision


def held_step(rules: RuleSet, checks: tuple[CheckCode, ...]) -> StepCode:
    """The rationale's first step of a ``check_first`` plan: nothing booked, and why."""
    sc = rules.screening
    assert sc is not None  # checks come only from a screening section
    ids = ", ".join(dict.fromkeys(c.id for c in checks))
    return StepCode(
        "screening.open_checks",
        said("screening.change"),
        "applied",
        said("screening.rationale", ids=ids, count=len(checks)),
        rules.cite(sc.sources),
    )


def companions_wait_step(rules: RuleSet, ids: list[str]) -> StepCode:
    """The step of a ``check_first`` plan whose notes may describe an emergency now: the
    other therapies wait for the check (none is offered as something to do now)."""
    sc = rules.screening
    assert sc is not None  # checks come only from a screening section
    return StepCode(
        "screening.companions_wait",
        said("screening.companions_wait.change"),
        "applied",
        said("screening.companions_wait.reason", ids=", ".join(ids)),
        rules.cite(sc.sources),
    )


# -- how soon -----------------------------------------------------------------------


class _Flagged(Protocol):
    """A safety finding as the urgency reads it: a plan's flag, decided or worded."""

    @property
    def id(self) -> str: ...

    @property
    def level(self) -> str: ...

    @property
    def urgency(self) -> Urgency: ...


def urgency(flags: Sequence[_Flagged], rules: RuleSet) -> Urgency:
    """A referral's urgency: the most urgent red flag's, raised by the combinations the
    flags complete. Never lower for one more red flag."""
    present = {f.id for f in flags if f.level == "red_flag"}
    found: list[Urgency] = [f.urgency for f in flags if f.level == "red_flag"]
    if present:  # a combination may join a precaution to a red flag (a past cancer)
        found += [c.urgency for c in combinations({f.id for f in flags}, rules)]
    return most_urgent(*found)


def urgency_with(present: set[str] | frozenset[str], rules: RuleSet) -> Urgency:
    """The urgency the red flags ``present`` (ids) give: the most urgent one's, raised by
    the combinations they complete; "none" when none is a red flag."""
    found: list[Urgency] = [
        hf.urgency
        for fid in present
        if (hf := rules.health_factors.get(fid)) is not None and hf.level == "red_flag"
    ]
    if not found:
        return "none"
    return most_urgent(*found, *[c.urgency for c in combinations(present, rules)])


def combinations(present: set[str] | frozenset[str], rules: RuleSet) -> list[Combination]:
    """The rule set's combinations that ``present`` red flags complete."""
    return rules.screening.completed(present) if rules.screening else []


def raising(flags: Sequence[_Flagged], rules: RuleSet) -> list[Combination]:
    """The combinations the flags complete that make the referral more urgent than any
    of their red flags alone (a past cancer with a neurological sign: an emergency)."""
    red: list[Urgency] = [f.urgency for f in flags if f.level == "red_flag"]
    if not red:
        return []
    alone = URGENCIES.index(most_urgent(*red))
    found = combinations({f.id for f in flags}, rules)
    return [c for c in found if URGENCIES.index(c.urgency) > alone]


# -- the patient's page -------------------------------------------------------------


def held_ids(
    flags: tuple[FlagCode, ...] | tuple[Flag, ...],
    checks: tuple[CheckCode, ...] | tuple[Check, ...],
) -> frozenset[str]:
    """What ``now_with`` reads as held: the flags, and what the notes describe (a
    pregnancy or a past cancer the notes name counts as one coded)."""
    return frozenset({f.id for f in flags} | {c.id for c in checks if c.kind == "notes"})


def noted_now(
    rules: RuleSet,
    checks: Sequence[CheckCode | Check],
    held: AbstractSet[str],
) -> list[str]:
    """The questions the notes describe whose page says what to do now or today if the
    signs are there (``before_we_start``: an emergency's, one beside a factor ``held``,
    a same-day one's): while one is open the page gives that action and nothing to try
    meanwhile, and the plan's other therapies wait for the check."""
    sc = rules.screening
    assert sc is not None
    bws = sc.before_we_start
    return list(
        dict.fromkeys(
            c.id
            for c in checks
            if c.kind == "notes" and bws.line_id(c.id, held, noted=True) is not None
        )
    )


def now_lines(
    rules: RuleSet, checks: tuple[Check, ...], flags: tuple[Flag, ...], audience: Audience
) -> list[str]:
    """What to do for each open question whose yes is an emergency (or, with one of its
    factors, needs a hospital today), and for each the notes describe whose yes needs
    care today, in the checks' order (the notes' first), each said once."""
    return [line for _, line in _now_pairs(rules, checks, flags, audience)]


def _now_pairs(
    rules: RuleSet, checks: tuple[Check, ...], flags: tuple[Flag, ...], audience: Audience
) -> list[tuple[str, str]]:
    """:func:`now_lines`, each with the question it is said for."""
    sc = rules.screening
    if sc is None:
        return []
    held = held_ids(flags, checks)
    bws = sc.before_we_start
    out: list[tuple[str, str]] = []
    for c in sorted(checks, key=lambda c: c.kind != "notes"):  # what the notes suggest first
        key = bws.line_id(c.id, held, noted=c.kind == "notes")
        line = say_if(rules, key, audience) if key else ""
        if line and all(line != said_line for _, said_line in out):
            out.append((c.id, line))
    return out


def referral_words(
    rules: RuleSet,
    urgency_: Urgency,
    flags: tuple[Flag, ...],
    audience: Audience,
    noted: tuple[str, ...] = (),
) -> advice_mod.Referral | None:
    """What a referral of ``urgency_`` tells the patient: its tier's words, or, for a red
    flag at that tier with its own destination, the flag's where and when to escalate
    (the plan's referral page and a review's alike); the red flags the notes describe
    (``noted``) after the flags. None when the rule set has no screening words."""
    sc = rules.screening
    if sc is None:
        return None
    default = rules.plan_rules.default_urgency.urgency
    tier: ReferralUrgency = default if urgency_ == "none" else urgency_

    def tier_text(part: str) -> str:
        return say_if(rules, f"screening.tier.{tier}.{part}", audience)

    held = {f.id for f in flags} | set(noted)
    where, escalate = tier_text("where"), tier_text("escalate")
    now_first = ""  # what to do now for a red flag's own emergency, said first
    replaces: frozenset[str] = frozenset()  # warning signs its own escalation says
    parent = audience == "parent"
    by = ""  # the red flag whose own words these are
    red = [(f.id, f.urgency) for f in flags if f.level == "red_flag"]
    red += [
        (q, hf.urgency)
        for q in noted
        if (hf := rules.health_factors.get(q)) is not None and hf.level == "red_flag"
    ]
    # a red flag at the referral's own tier may send the patient somewhere else
    for fid, flag_urgency in red:
        ref = sc.referrals.get(fid)
        if ref is None or flag_urgency != tier:
            continue
        where = (ref.parent_where if parent else None) or ref.where or where
        if held.intersection(ref.with_factors):
            instead = (ref.with_factors_parent_where if parent else None) or ref.with_factors_where
            where = instead or where
        escalate = (ref.parent_escalate if parent else None) or ref.escalate or escalate
        if ref.now_first:
            now_first = say_if(rules, f"screening.page.now.{ref.now_first}", audience)
            escalate = tier_text("escalate")
        replaces = frozenset(ref.replaces_warnings)  # only with its own escalate (checked)
        by = fid
        break
    return advice_mod.Referral(
        tier=tier,
        title=tier_text("title"),
        do_now=tier_text("do_now"),
        where=where,
        when=tier_text("when"),
        escalate=escalate,
        now_first=now_first,
        replaces=replaces,
        by=by,
    )


def referral_page(
    rules: RuleSet,
    tiers: tuple[Urgency, Urgency],
    flags: tuple[Flag, ...],
    audience: Audience,
    checks: tuple[Check, ...] = (),
    described: tuple[str, ...] = (),
) -> Advice | None:
    """A referral's page: what to do now (an emergency's first step, or what this
    patient's notes suggest may be an emergency), where to go and how soon, why, when
    to escalate; then the emergency questions still unanswered, under their own heading.
    ``tiers``: the red flags' own tier and the referral's (:func:`referral_tier`: raised
    by the red flags the notes describe, ``described``, alone or completing a
    combination): one instruction for one tier (a past cancer's same-day page whose
    notes describe a neurological sign is an emergency's). None when the rule set has
    no screening words."""
    sc = rules.screening
    if sc is None:
        return None
    coded, raised = tiers
    noted = tuple(c for c in checks if c.kind == "notes")
    held = {f.id for f in flags}
    words = referral_words(rules, raised, flags, audience, described)
    if words is None:
        return None
    tier = words.tier
    why = advice_mod.told(
        rules, audience, referral_why(rules, tier, flags, audience, described, coded)
    )
    # an open emergency question below an emergency page: the patient may have it now.
    # A red flag's own first line (a clot's: if breathless) and what the notes suggest
    # are this patient's own (but the line of a sign whose referral words the page
    # gives: said once); an unanswered question comes last
    now = now_lines(rules, checks, flags, audience) if tier != "emergency" else []
    lines = _now_pairs(rules, noted, flags, audience)
    own = [words.now_first, *(line for q, line in lines if q != words.by or q in held)]
    first = list(dict.fromkeys(line for line in own if line)) if tier != "emergency" else []
    unasked = [line for line in now if line not in first and line not in dict(lines).values()]
    lead = (first[0] if first else "") or words.do_now or say(rules, "page.lead.refer", audience)
    sections = section("do_now", _heading(rules, "do_now", audience), [*first, words.do_now])
    sections += section(
        "where_to_go", _heading(rules, "where_to_go", audience), [words.where, words.when]
    )
    sections += section("watch_for", _heading(rules, "why", audience), why)
    sections += section("if_worse", _heading(rules, "if_worse", audience), [words.escalate])
    sections += section("warning_signs", _heading(rules, "not_to_wait", audience), unasked)
    return Advice(title=words.title, lead=lead, sections=tuple(sections))


def referral_tier(
    rules: RuleSet,
    coded: Urgency,
    flags: tuple[FlagCode, ...] | tuple[Flag, ...],
    checks: tuple[CheckCode, ...] | tuple[Check, ...],
) -> tuple[Urgency, tuple[str, ...]]:
    """A referral's tier and the red flags the notes describe that its page says what
    to do about: the ``coded`` tier, raised by those signs alone or completing a
    combination with the flags (a past cancer whose notes describe a leg giving way: an
    emergency). The plan's urgency and its page's tier are this one tier."""
    if rules.screening is None:  # no screen: no notes question
        return coded, ()
    noted = tuple(c for c in checks if c.kind == "notes")
    described = _red_flags(rules, noted_now(rules, noted, held_ids(flags, checks)))
    raised = urgency_with({f.id for f in flags} | set(described), rules)
    return most_urgent(coded, raised), described


def referral_why(
    rules: RuleSet,
    tier: str,
    flags: tuple[Flag, ...],
    audience: Audience = "patient",
    described: tuple[str, ...] = (),
    coded: str | None = None,
) -> list[str]:
    """Why a referral page of ``tier`` sends the patient: each red flag's own message (one
    of a lower tier than the page's says what it is, not its own tier's timing:
    ``page_reasons``), then the reason of each combination the flags complete at that
    tier. The plan's referral page and a review's page for its red flags alike. A sign
    the notes describe (``described``) that raised the page above the ``coded`` flags'
    tier says why, as a flag does, unless a combination of the tier says it with the
    rest (a described sign of the referral's own tier is said by its line: not asserted
    as a reason)."""
    sc = rules.screening
    if sc is None:  # a rule set without a screen: its flags say why themselves
        return []
    red = [f for f in flags if f.level == "red_flag"]
    why = [
        f.patient_message
        if URGENCIES.index(f.urgency) >= URGENCIES.index(tier)
        else sc.page_reasons.get(f.id, f.patient_message)
        for f in red
    ]
    held = {f.id for f in flags}
    together = [c for c in combinations(held | set(described), rules) if c.urgency == tier]
    raised = coded is not None and URGENCIES.index(tier) > URGENCIES.index(coded)
    why += [
        hf.message_for(audience)
        for q in described
        if raised
        and q not in held
        and (hf := rules.health_factors[q]).urgency == tier
        and not any(q in g for c in together for g in c.groups)
    ]
    why += [c.patient_reason for c in together]
    return why


def _red_flags(rules: RuleSet, ids: list[str]) -> tuple[str, ...]:
    """The red flags ``ids`` stand for (a notes question that stands for several, each)."""
    sc = rules.screening
    assert sc is not None
    out = [fid for qid in ids for fid in sc.note_questions.get(qid, (qid,))]
    return tuple(
        dict.fromkeys(
            fid
            for fid in out
            if (hf := rules.health_factors.get(fid)) is not None and hf.level == "red_flag"
        )
    )


def before_we_start_page(
    rules: RuleSet,
    checks: tuple[Check, ...],
    companions: tuple[CompanionItem, ...],
    audience: Audience,
    flags: tuple[Flag, ...] = (),
) -> Advice | None:
    """The ``check_first`` page: the questions still to be asked, in plain words, what
    helps meanwhile, and when not to wait. While the notes describe signs whose yes is
    an emergency, what to do now is its one action: nothing to try meanwhile."""
    sc = rules.screening
    if sc is None:
        return None

    def page(part: str) -> str:
        return say_if(rules, f"screening.page.{part}", audience)

    about = [_asked(sc.questions[c.id], audience) for c in checks if c.id in sc.questions]
    about += _note_topics(rules, checks, audience)
    about += [  # a factor's own open question (warfarin without a known INR)
        _open_check(rules.health_factors[c.id], audience)
        for c in checks
        if c.kind == "factor" and c.id in rules.health_factors
    ]
    # signs the notes describe may be there now: what to do about them comes first
    noted = tuple(c for c in checks if c.kind == "notes")
    pairs = _now_pairs(rules, noted, flags, audience)
    present = _present(rules, pairs, flags, audience, held_ids(flags, checks))
    sections = section("do_now", _heading(rules, "do_now", audience), present)
    sections += section("questions", page("asked_about"), about)
    described = {line for _, line in pairs}  # said, or said by a combination instead
    first = [
        line
        for line in now_lines(rules, checks, flags, audience)
        if line not in present and line not in described
    ]
    if present:  # signs that may need emergency care now: that one action, nothing to try
        sections += section("warning_signs", _heading(rules, "not_to_wait", audience), first)
        return Advice(title=page("title"), lead=present[0], sections=tuple(sections))
    sections += advice_mod.other_therapies(rules, companions, audience, "meanwhile")
    sections += section("next", _heading(rules, "next", audience), [page("next")])
    # "any of these" only below a list of them: with no list, the page says it alone
    not_to_wait = [page("meanwhile") if about else page("meanwhile_alone") or page("meanwhile")]
    if first:
        not_to_wait = [*first, page("meanwhile_others") or page("meanwhile")]
    sections += section("warning_signs", _heading(rules, "not_to_wait", audience), not_to_wait)
    return Advice(title=page("title"), lead=page("lead"), sections=tuple(sections))


def _present(
    rules: RuleSet,
    pairs: list[tuple[str, str]],
    flags: tuple[Flag, ...],
    audience: Audience,
    holding: AbstractSet[str],
) -> list[str]:
    """What to do about the signs the notes describe (``pairs``: each question and its
    line). Where they complete, with the flags, a combination that is an emergency when
    one of them alone is not (a past cancer with a nerve sign, a hot joint with a
    fever), the combination's reason and the emergency's first step come first, in
    place of the lesser lines of its signs: one instruction, at the emergency's tier.
    Beside an emergency's line, a same-day line is left off (one action: a fever's
    "see a doctor today" never beside meningitis's "call emergency services now");
    ``holding``: what ``now_with`` reads as held."""
    held = {f.id for f in flags}
    described = set(_red_flags(rules, [q for q, _ in pairs]))
    below: set[str] = set()  # the signs an emergency combination says instead
    reasons: list[str] = []
    for c in combinations(held | described, rules):
        covered = {q for q in described if any(q in g for g in c.groups)}
        lesser = {q for q in covered if rules.health_factors[q].urgency != "emergency"}
        if c.urgency == "emergency" and lesser:
            below |= lesser
            reasons.append(c.patient_reason)
    sc = rules.screening
    assert sc is not None
    rest = [(q, line) for q, line in pairs if q not in below]
    if reasons or any(sc.before_we_start.at_once(q, holding) for q, _ in rest):
        rest = [(q, line) for q, line in rest if sc.before_we_start.at_once(q, holding)]
    if not reasons:
        return [line for _, line in rest]
    emergency = referral_words(rules, "emergency", (), audience)
    first = [*advice_mod.told(rules, audience, reasons), emergency.do_now if emergency else ""]
    return [line for line in first if line] + [line for _, line in rest]


def _heading(rules: RuleSet, name: str, audience: Audience) -> str:
    return say(rules, f"page.heading.{name}", audience)


def _asked(q: Question, audience: Audience) -> str:
    """What the page says ``q`` asks about, as ``audience`` reads it."""
    return q.parent if audience == "parent" and q.parent else q.patient


def _open_check(f: HealthFactor, audience: Audience) -> str:
    """What the page says a factor's open question asks about, as ``audience`` reads it."""
    parent = audience == "parent" and f.open_check_parent
    return f.open_check_parent if parent else f.open_check_patient


def _note_topics(rules: RuleSet, checks: tuple[Check, ...], audience: Audience) -> list[str]:
    """For notes checks with no question of their own: the questions they stand for."""
    sc = rules.screening
    assert sc is not None
    out: list[str] = []
    for c in checks:
        if c.id in sc.questions:
            continue
        for qid in sc.note_questions.get(c.id, ()):
            if qid in sc.questions:
                out.append(_asked(sc.questions[qid], audience))
    return out
