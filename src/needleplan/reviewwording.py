"""The review's one wording step: what :mod:`reviewer` decided, worded as a ``Review``.

:func:`reviewer.review` decides first, in ids, numbers and source ids, with every
sentence a :class:`wording.Said` still to be worded, and returns a :class:`Decided`;
:func:`worded_review` then says all of it for the clinician and for the patient or
parent who reads the page. A finding's own sentences (its line in the rule set's
``review.findings`` table, its page title, lead and why), an adverse event's action
and message, a health factor's message and the notes' "now" lines are read here,
by the ids the decision carries. Nothing here decides.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Set
from dataclasses import dataclass, field

from .advice import (
    EMPTY,
    avoided_reasons,
    near_the_spine,
    review_advice,
    review_tier,
    with_safety_nets,
)
from .profile import ConditionProfile
from .results import Advice, Change, Flag, Next, Plan, Point, Review, ReviewStep, Warning
from .rules import Event, EventCause, RuleSet, Sentence
from .screening import referral_why, referral_words
from .vocab import Audience, ReviewVerdict, Urgency
from .wording import Said, Wordable, fill_values, say, say_if, word, worded

# -- what the review decides ----------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """A finding of the review: its id in the rule set's table, where it was found, how
    urgent it is, the values its texts take, the ids of the entries it is about (an
    adverse event, a notes trigger, a health factor: their own sentences are worded
    from them), the plan's messages it passes on to the page, and its source ids."""

    id: str
    session: int = 0  # 0: the profile itself
    urgency: Urgency = "none"
    values: Mapping[str, Wordable] = field(default_factory=dict)
    event: str = ""  # its action fills {action}; its message goes on the page
    notes: str = ""  # a notes trigger: its "now" lines fill {now} and go on the page
    factor: str = ""  # a health factor the notes may describe: its message goes on the page
    away: bool = False  # an event away from the sites its usual cause needs: ``otherwise``
    told: tuple[str, ...] = ()  # the plan's own messages (a red flag's, a contraindication's)
    own_why: bool = False  # its told lines stand in place of the finding's usual why
    site_reasons: bool = False  # the page also says why each avoided site is avoided
    #: the page says why the plan's red flags refer, as the plan's referral page says it
    #: for the page's tier (with the combinations of that tier)
    referral: bool = False
    #: source ids (or, for a finding the plan made, the plan's citations)
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """A line of the rationale: its rule id, its sentence and its source ids."""

    rule: str
    reason: Wordable
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Acted:
    """An adverse event logged at ``session`` that the next session acts on: a line of
    the rationale and a line of the next session's actions, both worded from the event's
    own action. ``earlier``: the text that says an urgent event was logged ``days`` ago
    (empty: acted on as happening now); ``sites``: what to record of the sites needled;
    ``future``: after a discharge, the action is for a course to come."""

    event: str
    session: int
    date: str
    days: Said
    earlier: str = ""
    sites: Said | None = None
    future: bool = False
    #: no site needled then carries the risk the event's usual cause needs: its
    #: ``otherwise`` words are said
    away: bool = False


@dataclass(frozen=True)
class Warned:
    """A warning of the review: its kind, and its sentence (with ``checks``: the site
    rules whose own check after needling fills its ``{checks}``)."""

    kind: str
    said: Wordable
    checks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decided:
    """Everything the review decided, for :func:`worded_review` to say."""

    profile: ConditionProfile
    plan: Plan
    source: str | None
    verdict: ReviewVerdict
    urgency: Urgency
    hold: bool
    baseline: int
    change: Change
    next: Next  # its actions are ``actions``, worded
    actions: tuple[Acted | Said, ...]
    ceiling: int
    progress_note_due: bool
    mcid_line: float | None
    #: the finding that decides the verdict and the page, and every one that stops needling
    deciding: Found
    stopping: tuple[Found, ...]
    #: the rationale: the findings weighed (most urgent first), then the other lines
    lines: tuple[Found, ...]
    steps: tuple[Step | Acted, ...]
    warnings: tuple[Warned, ...]
    #: the precautions added during the course: their care goes on the page
    cautions: tuple[Flag, ...]
    #: the pregnancy's weeks on the day of the review (None: none, or no weeks given)
    pregnancy_weeks: int | None = None
    #: the sites needled during the course and those still to be needled
    needling_sites: tuple[str, ...] = ()


# -- the wording step -----------------------------------------------------------------


def worded_review(d: Decided, rules: RuleSet) -> Review:
    """The ``Review`` that ``d`` decided, every sentence worded from the rule set."""
    log = d.profile.log
    result = Review(
        source=d.source,
        patient=d.profile.patient,
        condition=d.profile.condition,
        condition_label=d.plan.condition_label,
        verdict=d.verdict,
        urgency=d.urgency,
        hold=d.hold,
        deciding=d.deciding.id,
        sessions_done=len(log),
        baseline_nrs=d.baseline,
        latest_nrs=log[-1].nrs,
        change=d.change,
        next=dataclasses.replace(d.next, actions=tuple(_action(a, rules) for a in d.actions)),
        ceiling=d.ceiling,
        progress_note_due=d.progress_note_due,
        trajectory=tuple(Point(i + 1, e.date, e.nrs, e.groc, e.events) for i, e in enumerate(log)),
        rationale=(*(_line(f, rules) for f in d.lines), *(_step(s, rules) for s in d.steps)),
        audience=d.plan.audience,
        advice=EMPTY,  # made below, from the review itself
        disclaimer=rules.disclaimer,
        rules=d.plan.rules,
        mcid_line=d.mcid_line,
        warnings=tuple(Warning(w.kind, _warning(w, rules)) for w in d.warnings),
        profile_sha256=d.plan.profile_sha256,
    )
    return dataclasses.replace(result, advice=_page(result, d, rules))


def _told(
    f: Found,
    rules: RuleSet,
    audience: Audience,
    the_plan: Plan,
    tier: Urgency,
    *,
    said_now: bool = False,
) -> list[str]:
    """What ``f`` tells the patient or parent before its own why: the messages of the
    event, health factor and notes trigger it is about (its "now" line unless the page
    starts with what to do now: ``said_now``), and the plan's (its red flags' reasons
    for a page of ``tier``, as its own referral page gives them)."""
    told = []
    if f.event:
        told.append(_cause(rules, f.event, f.away).message_for(audience))
    if f.factor and (not f.notes or rules.health_factors[f.factor].level == "red_flag"):
        # a precaution the notes may describe is not yet the patient's (a pregnancy
        # test: no consent form before it is confirmed); a red flag's why is said
        told.append(rules.health_factors[f.factor].message_for(audience))
    now = rules.review.notes_now.get(f.notes)
    if now and not said_now:
        told.append(word(now.why, audience))
    told += f.told
    if f.referral:
        told += referral_why(rules, tier, the_plan.flags)
    if f.site_reasons:
        told += avoided_reasons(the_plan.sites, rules)
    return told


def _now(f: Found, rules: RuleSet, audience: Audience, held: Set[str]) -> tuple[str, str]:
    """The question of a notes finding ``f`` whose yes is an emergency (or, beside one of
    the ``held`` flags, needs a hospital today), or a same-day red flag, and what to do
    if the signs it describes are present: the "before we start" page's own line for
    that question (``screening.page.now.<id>``, ``screening.page.today.<id>``); ("", "")
    for any other finding."""
    group = next((g for g in rules.note_words if g.id == f.notes), None)
    if group is None or rules.screening is None:
        return "", ""
    key = rules.screening.before_we_start.line_id(group.question, held, noted=True)
    line = say_if(rules, key, audience) if key else ""
    return (group.question, line) if line else ("", "")


def filling(f: Found, rules: RuleSet) -> dict[str, Wordable]:
    """What ``f``'s texts in the table are filled with: its values, and the ids and own
    sentences of the event, notes trigger and health factor it is about."""
    values = dict(f.values)
    if f.event:
        cause = _cause(rules, f.event, f.away)
        values |= {"event": f.event, "action": cause.action, "cause": cause.cause}
    if f.notes:
        now = rules.review.notes_now.get(f.notes)
        values["now"] = now.clinician if now else ""
    if f.factor:
        values["factor"] = f.factor
    return values


def _said(rules: RuleSet, text: Sentence, f: Found, audience: Audience = "patient") -> str:
    """A sentence of the review's table as ``audience`` reads it, filled for ``f``."""
    return word(text, audience, **fill_values(rules, filling(f, rules).items()))


def _line(f: Found, rules: RuleSet) -> ReviewStep:
    entry = rules.review.findings[f.id]
    cited = rules.cite(f.sources) or rules.cite(entry.sources)
    return ReviewStep(f"review.{f.id}", _said(rules, entry.texts.clinician, f), cited)


def _cause(rules: RuleSet, eid: str, away: bool) -> Event | EventCause:
    """An event's cause, action and message: its ``otherwise`` ones when ``away`` (no site
    needled then carries the risk its usual cause needs)."""
    event = rules.review.events[eid]
    return event.otherwise if away and event.otherwise is not None else event


def _acted(a: Acted, rules: RuleSet) -> tuple[str, str]:
    """An adverse event's action as the rationale says it, and the next session's line."""
    event = rules.review.events[a.event]
    action = _cause(rules, a.event, a.away).action
    what = action
    if a.earlier:
        what = say(rules, a.earlier, days=worded(rules, a.days), action=action)
    line = say(
        rules, "review.event_line", label=event.label, session=a.session, date=a.date, action=what
    )
    if a.sites is not None:
        line += " " + worded(rules, a.sites)
    return what, line


def _action(a: Acted | Said, rules: RuleSet) -> str:
    if isinstance(a, Said):
        return worded(rules, a)
    line = _acted(a, rules)[1]
    return say(rules, "review.future_course", action=line) if a.future else line


def _step(s: Step | Acted, rules: RuleSet) -> ReviewStep:
    if isinstance(s, Step):
        return ReviewStep(s.rule, worded(rules, s.reason), rules.cite(s.sources))
    event = rules.review.events[s.event]
    what = _acted(s, rules)[0]
    cited = rules.cite(_cause(rules, s.event, s.away).sources)
    return ReviewStep(f"review.events.{s.event}", f"{event.label}: {what}", cited)


def _warning(w: Warned, rules: RuleSet) -> str:
    """A warning worded, its ``{checks}`` the site rules' own checks after needling."""
    if not isinstance(w.said, Said):
        return worded(rules, w.said)
    after = {rule.id: rule.if_needled for rule in rules.site_rules if rule.if_needled}
    values = fill_values(rules, w.said.values)
    values["checks"] = "".join(f"{after[c]} " for c in w.checks)
    return say(rules, w.said.key, w.said.audience, **values)


def _page(result: Review, d: Decided, rules: RuleSet) -> Advice:
    """The patient's page, built from the deciding finding: its title and lead where the
    table gives them, and why (the deciding finding's reasons first, then the others')."""
    audience = result.audience
    table = rules.review.findings
    tier = review_tier(result, rules)
    # what to do now if the signs the notes describe are there (below an emergency page)
    findings = [d.deciding, *(s for s in d.stopping if s is not d.deciding)]
    # the course's flags and what the notes name (a cancer beside a leg that gives way)
    groups = {g.id: g.question for g in rules.note_words}
    held = {f.id for f in d.plan.flags} | {groups[f.notes] for f in findings if f.notes}
    found = [] if tier == "emergency" else [_now(f, rules, audience, held) for f in findings]
    lines = [(q, line) for q, line in found if line]
    bws = rules.screening.before_we_start if rules.screening else None
    if bws and any(bws.at_once(q, held) for q, _ in lines):  # the emergency's: one action
        lines = [(q, line) for q, line in lines if bws.at_once(q, held)]
    now = tuple(dict.fromkeys(line for _, line in lines))
    why: list[str] = []
    for i, f in enumerate(findings):
        said_now = bool(found) and found[i][1] in now
        why += _told(f, rules, audience, d.plan, tier, said_now=said_now)
        if f.own_why:  # its own lines say what to do (a deep bleed: the emergency department)
            continue
        if not ((tier != "none" or now) and table[f.id].waits):  # a doctor first: no waiting
            why.append(_said(rules, table[f.id].texts.why, f, audience))
    page = table[d.deciding.id].texts
    care = tuple(f.patient_message for f in d.cautions if f.patient_message)
    referral = None
    if tier != "none":  # the plan's own referral words: a flag's destination, if it has one
        referral = referral_words(rules, tier, d.plan.flags, audience)
    advice = review_advice(
        result,
        rules,
        d.plan.companions,
        tuple(dict.fromkeys(w for w in why if w)),
        care,
        title=_said(rules, page.title, d.deciding, audience),
        given_lead=_said(rules, page.lead, d.deciding, audience),
        referral=referral,
        spinal=near_the_spine(rules, d.needling_sites),
        now=now,
    )
    return with_safety_nets(
        advice,
        rules,
        condition=d.plan.condition,
        sites=(s.id for s in d.plan.sites),
        flags=d.plan.flags,
        audience=audience,
        pregnancy_weeks=d.pregnancy_weeks,
        noted=frozenset(q for q, _ in lines),
    )
