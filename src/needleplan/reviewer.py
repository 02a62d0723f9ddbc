"""``review(profile, rules, today) -> Review``: what to do next, from the session log.

A course is a trial, then a decision, and safety comes first. The review
gathers its findings as ids with their details (an event after needling, a
red flag or contraindication added during the course, words in the latest
notes, a pregnancy in its first trimester, a stale score, and the course's
own verdict), then weighs them as one table, the rule set's
``review.findings``: the finding of the lowest rank decides the verdict and
the patient's page, whatever order the log wrote them in; the urgency is the
most urgent of every finding that stops needling, so a finding added never
lowers it.

It decides in codes, then words once: the functions here return ids, numbers,
source ids and, for each sentence, a :class:`wording.Said` still to be worded,
gathered as a :class:`reviewwording.Decided`; :func:`reviewwording.worded_review`
then says every sentence from the rule set (``review.findings`` and the
review's texts, ``review.*`` under ``texts:``).

Pure and deterministic: ``today`` is given, never read from a clock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import screening
from .notes import read_mentions, triggered
from .planner import combination_codes, notes_said, session_days, term_reached
from .planner import plan as make_plan
from .profile import PREGNANCY, ConditionProfile, Factor, LogEntry, future_session
from .results import Change, Flag, Next, Plan, Review, SiteVerdict
from .reviewwording import Acted, Decided, Found, Step, Warned, filling, worded_review
from .rules import Event, NoteWords, RuleSet
from .vocab import (
    EVERY_SITE_AVOIDED,
    GOING_ON,
    REVIEW_BASELINE_GAP,
    STOPS_NEEDLING,
    URGENCIES,
    ReviewVerdict,
    Urgency,
    most_urgent,
)
from .wording import Joined, Said, Wordable, counted, said


class NothingToReview(ValueError):
    """The profile has no ``log:`` entries."""


# -- numbers --------------------------------------------------------------------------


def meaningful_fall(baseline: int, latest: int, rules: RuleSet) -> bool:
    """A fall of ``nrs_points`` or ``nrs_percent`` % from baseline (Farrar 2001), never one
    inside the NRS's measurement error (``nrs_error_points``; Childs 2005)."""
    r = rules.review
    fall = baseline - latest
    if fall <= r.nrs_error_points:
        return False
    return fall >= r.nrs_points or fall * 100 >= r.nrs_percent * baseline


def mcid_line(baseline: int, rules: RuleSet) -> float | None:
    """The NRS at or below which the fall from ``baseline`` is meaningful; None at a low
    baseline (``low_baseline_nrs``), where no fall of the pain score is meaningful."""
    r = rules.review
    if baseline <= r.low_baseline_nrs:
        return None
    fall = max(r.nrs_error_points + 1, min(r.nrs_points, baseline * r.nrs_percent / 100))
    return round(baseline - fall, 2)


def _measure_gains(
    entries: Iterable[LogEntry], rules: RuleSet
) -> dict[str, tuple[float, float, float]]:
    """Each outcome measure logged twice or more among ``entries``: (first, last, gain)."""
    logged = list(entries)
    gains = {}
    for mid, measure in rules.review.measures.items():
        scores = [e.measure[mid] for e in logged if mid in e.measure]
        if len(scores) >= 2:
            first, last = scores[0], scores[-1]
            gain = (first - last) if measure.better == "lower" else (last - first)
            gains[mid] = (first, last, gain)
    return gains


def _measure(mid: str, first: float, last: float, word: str, rules: RuleSet) -> Said:
    """A function measure's change against its minimal important change (``word``:
    the text that says better, worse or the same)."""
    m = rules.review.measures[mid]
    return said(
        "review.measure",
        label=m.label,
        first=f"{first:g}",
        last=f"{last:g}",
        word=said(f"review.{word}"),
        mcid=f"{m.mcid:g}",
    )


def _worse_by_measure(log: tuple[LogEntry, ...], rules: RuleSet) -> list[Said]:
    """The latest global rating of change at -``groc_better`` or below, and the function
    measures worse by their minimal important change: a worsening the pain score may not
    show (at a low baseline above all)."""
    r = rules.review
    worse = []
    if log[-1].groc is not None and log[-1].groc <= -r.groc_better:
        worse.append(said("review.groc_worse", groc=f"{log[-1].groc:+d}"))
    for mid, (first, last, gain) in _measure_gains(log, rules).items():
        if gain <= -r.measures[mid].mcid:
            worse.append(_measure(mid, first, last, "measure_worse", rules))
    return worse


def _measure_improved(entries: Iterable[LogEntry], rules: RuleSet) -> list[str]:
    """The function measures that improved by their minimal important change."""
    return [
        mid
        for mid, (_, _, gain) in _measure_gains(entries, rules).items()
        if gain >= rules.review.measures[mid].mcid
    ]


# -- findings -------------------------------------------------------------------------


def _ranked(found: list[Found], rules: RuleSet) -> list[Found]:
    """Most urgent first, by the table: its rank, then the latest session, then ids and
    details (what its texts are filled with), never the order the log listed them in."""
    table = rules.review.findings
    return sorted(
        found,
        key=lambda f: (
            table[f.id].rank,
            -f.session,
            f.id,
            sorted(map(str, filling(f, rules).items())),
        ),
    )


@dataclass
class _Events:
    """What the logged adverse events found and change: findings, the events the next
    session acts on, sites to avoid, rationale steps."""

    found: list[Found] = field(default_factory=list)
    acted: list[Acted] = field(default_factory=list)
    avoid: list[str] = field(default_factory=list)
    steps: list[Step | Acted] = field(default_factory=list)


def _cleared_from(log: tuple[LogEntry, ...], session: int, rules: RuleSet) -> bool:
    """Whether a medical clearance is logged at ``session`` (1-based) or after it."""
    return _cleared_after(log, session - 1, rules) > 0


def _cleared_after(log: tuple[LogEntry, ...], session: int, rules: RuleSet) -> int:
    """The first session (1-based) after ``session`` at which a medical clearance is
    logged, or 0: an event is settled only by a clearance recorded after it."""
    clears = {eid for eid, e in rules.review.events.items() if e.clears}
    return next((k for k in range(session + 1, len(log) + 1) if clears & set(log[k - 1].events)), 0)


def _event_site(entry: LogEntry, planned: tuple[str, ...]) -> tuple[str, ...]:
    """The sites needled at ``entry``: those logged, else the planned ones."""
    return entry.needled if entry.needled is not None else planned


def _away_from(
    event: Event, log: tuple[LogEntry, ...], i: int, rules: RuleSet, planned: tuple[str, ...]
) -> bool:
    """Whether none of the sites needled at session ``i`` or the one before it carries a
    risk the event's usual cause needs (breathlessness with only the calves needled):
    then the event's ``otherwise`` cause is said."""
    if event.otherwise is None:
        return False
    cause = event.otherwise
    needled = {s for entry in log[max(0, i - 2) : i] for s in _event_site(entry, planned)}
    for site in (rules.sites[s] for s in needled if s in rules.sites):
        if set(cause.site_risks).intersection(site.risks):
            return False
        if {site.body_part, *site.also}.intersection(cause.body_parts):
            return False
    return True


def _events(
    log: tuple[LogEntry, ...],
    rules: RuleSet,
    today: dt.date,
    planned: tuple[str, ...],
) -> _Events:
    """Each adverse event: a finding if it stops needling (an urgent one is acted on as
    happening now only while it is recent; an older one stays urgent by its
    ``old_urgency``), and what it changes at the next session."""
    r = rules.review
    out = _Events()
    for i, entry in enumerate(log, 1):
        days = (today - entry.date).days
        recent = days <= r.event_recent_days
        cleared = _cleared_after(log, i, rules)  # a clearance logged at a later session
        for eid in sorted(entry.events):  # the order they were written in never counts
            event = r.events[eid]
            if event.clears or cleared:
                what: Wordable = event.label
                if cleared and not event.clears:
                    what = said(
                        "review.event_cleared", label=event.label, session=i, cleared=cleared
                    )
                out.steps.append(Step(f"review.events.{eid}", what, event.sources))
                continue  # a clearance, or an event a later clearance has settled
            urgent = event.verdict == "emergency" or event.urgency != "none"
            earlier = ""
            if urgent and not recent:
                tid = "event_earlier_urgent" if event.old_urgency != "routine" else "event_earlier"
                earlier = f"review.{tid}"
            sites = None
            if event.avoid_site:
                needled = _event_site(entry, planned)
                if len(needled) == 1:
                    out.avoid += [s for s in needled if s not in out.avoid]
                elif needled and entry.needled is not None:
                    sites = said("review.which_site", sites=", ".join(needled))
                else:
                    sites = said("review.record_site")
            away = _away_from(event, log, i, rules, planned)
            acted = Acted(
                eid, i, entry.date.isoformat(), counted("day", days), earlier, sites, away=away
            )
            out.acted.append(acted)
            out.steps.append(acted)
            found = _event_finding(event, eid, i, entry, days, recent, away)
            if found is not None:
                out.found.append(found)
    return out


def _event_finding(
    event: Event,
    eid: str,
    session: int,
    entry: LogEntry,
    days: int,
    recent: bool,
    away: bool = False,
) -> Found | None:
    if event.verdict is None:
        return None
    urgent = event.verdict == "emergency" or event.urgency != "none"
    if event.verdict == "emergency":
        fid = "emergency" if recent else "emergency_earlier"
        urgency: Urgency = "emergency" if recent else event.old_urgency
    else:
        fid = "adverse_event_earlier" if urgent and not recent else "adverse_event"
        urgency = event.urgency if recent or not urgent else event.old_urgency
    values: dict[str, Wordable] = {
        "label": event.label,
        "session": session,
        "date": entry.date.isoformat(),
        "days": counted("day", days),
    }
    sources = event.otherwise.sources if away and event.otherwise else event.sources
    return Found(fid, session, urgency, values, event=eid, away=away, sources=sources)


def _in_order(flags: list[Flag]) -> list[Flag]:
    """Flags most urgent first, then by id: never in the order the profile listed them."""
    return sorted(flags, key=lambda f: (-URGENCIES.index(f.urgency), f.id))


def _red_flags(the_plan: Plan, n: int, rules: RuleSet) -> list[Found]:
    """The red flags of the whole course (coded at intake, answered yes, or added since),
    weighed as the plan weighs them at intake: the most urgent flag's urgency raised by
    the rule set's combinations the flags complete (a past cancer with new nerve
    symptoms: an emergency), and its page gives the plan's reasons. The coded flags'
    tier, not one the intake notes raised: notes never raise a review's urgency."""
    red = _in_order([f for f in the_plan.flags if f.level == "red_flag"])
    if not red:
        return []
    return [
        Found(
            "red_flag",
            n,
            screening.urgency(the_plan.flags, rules),
            {
                "labels": ", ".join(f.label for f in red),
                "messages": " ".join(f.message for f in red),
            },
            referral=True,
            sources=tuple(dict.fromkeys(f.source for f in red)),
        )
    ]


def _combinations(the_plan: Plan, rules: RuleSet) -> tuple[list[Warned], list[Step]]:
    """The combinations of the course's red flags that raised the referral's urgency, each
    said as the plan says it at intake: a warning, and a line of the rationale."""
    if the_plan.decision != "refer":
        return [], []
    raised = combination_codes(the_plan.flags, rules)
    warned = [Warned(w.kind, w.message) for _, w, _ in raised]
    steps = [Step(s.rule, s.reason, combo.sources) for combo, _, s in raised]
    return warned, steps


def _notes(
    log: tuple[LogEntry, ...],
    planned: tuple[str, ...],
    rules: RuleSet,
    have: frozenset[str],
    profile: ConditionProfile,
) -> list[Found]:
    """Words in the session notes that hold the course until the patient is checked: a
    hold, never an urgency by itself. The latest notes are read for every such word; an
    earlier session's notes for the words that hold the course whenever they were written
    (``holds_course``: a possible collapsed lung, cauda equina, a pulmonary embolism, a
    hip fracture) and the words that may describe an adverse event after needling (an
    infection, a nerve injury), until they are settled (below). Red-flag words hold until
    a coded factor settles them; words that may describe an adverse event name that
    event's handling; severe spinal pain with weakness or fever after spinal needling
    names a possible epidural bleed or infection. Each says where to go if the symptoms
    are present now."""
    found: list[Found] = []
    spinal: list[Found] = []
    # the triggers each session's notes mention as absent ("no SOB since"), read once
    absent = [
        frozenset(m.trigger for m in read_mentions(e.notes, rules) if m.reading != "present")
        for e in log
    ]
    places = screening.regions(profile, rules)
    for i, entry in enumerate(log, 1):
        said = triggered(entry.notes, rules, have)  # read in context: "denies SOB" holds nothing
        if i < len(log):
            gone = frozenset().union(*absent[i:])
            said = frozenset(t for t in said if t not in gone and not _settled(t, log, i, rules))
        spinal = _notes_spinal(log[:i], planned, said, rules) or spinal
        weeks = pregnancy_weeks(profile, rules, entry.date)  # counted on to the session
        for group in rules.note_words:
            if not screening.notes_may_ask(group.question, rules, profile.age, weeks):
                continue  # a question not asked of this patient (giant cell arteritis at 32)
            if not screening.in_regions(rules, group.id, places):
                continue  # words that count only where other regions are treated
            if group.id in said and (
                i == len(log) or group.holds_course or group.id in rules.review.notes_events
            ):
                found += _notes_found(group, i, entry, rules, have)
    return found + spinal


def _settled(trigger: str, log: tuple[LogEntry, ...], session: int, rules: RuleSet) -> bool:
    """An earlier session's words that hold the course are settled by what was recorded
    at or after that session: a medical clearance, or an emergency event or the event the
    words may describe logged (it decides by itself). (A later session's notes that read
    them as absent, "no SOB since", settle them too: see :func:`_notes`.)"""
    r = rules.review
    logged = {eid for eid, e in r.events.items() if e.verdict == "emergency"}
    if trigger in r.notes_events:
        logged.add(r.notes_events[trigger])
    return _cleared_from(log, session, rules) or any(
        logged.intersection(e.events) for e in log[session - 1 :]
    )


def _notes_found(
    group: NoteWords,
    session: int,
    entry: LogEntry,
    rules: RuleSet,
    have: frozenset[str],
) -> list[Found]:
    """The finding one trigger in a session's notes makes (none if a coded factor settles
    it)."""
    r = rules.review
    if group.factor and group.factor in have:
        return []  # a coded red flag refers by itself
    found = Found(
        "notes",
        session,
        values={"topic": group.topic, "session": session, "date": entry.date.isoformat()},
        notes=group.id,
        sources=group.sources or rules.note_words_sources,
    )
    if group.holds_course and (group.factor or "") not in rules.health_factors:
        return [found]  # a needling injury (a collapsed lung)
    if group.holds_course and group.factor:  # a red flag it may describe
        return [dataclasses.replace(found, id="notes_red_flag", factor=group.factor)]
    if group.id in r.notes_events:  # an adverse event after needling it may describe
        eid = r.notes_events[group.id]
        values: dict[str, Wordable] = {**found.values, "label": r.events[eid].label}
        return [dataclasses.replace(found, id="notes_event", values=values, event=eid)]
    if group.id in r.notes_holds:
        return [dataclasses.replace(found, id="notes_hold")]
    return []


def _notes_spinal(
    log: tuple[LogEntry, ...], planned: tuple[str, ...], triggers: frozenset[str], rules: RuleSet
) -> list[Found]:
    """Severe spinal pain with weakness or fever in the notes of ``log``'s last session
    (``triggers``), after spinal or paraspinal needling up to it: a possible
    epidural bleed or infection, the emergency that the same signs logged as events make
    (``events_spinal``)."""
    r = rules.review
    if not triggers & set(r.spinal_pain_notes):
        return []
    with_ = [
        g.topic.split(" (")[0]
        for g in rules.note_words
        if g.id in r.spinal_with_notes and g.id in triggers
    ]
    needled = {s for e in log for s in _event_site(e, planned)}
    sites = [s for s in r.spinal_sites if s in needled]
    if not with_ or not sites:
        return []
    labels = said(
        "review.spinal_notes",
        session=len(log),
        date=log[-1].date.isoformat(),
        found=" and ".join(dict.fromkeys(with_)),
    )
    values: dict[str, Wordable] = {
        "labels": labels,
        "sites": ", ".join(_site_label(s, rules) for s in sites),
    }
    return [Found("events_spinal", len(log), "emergency", values, sources=r.spinal_sources)]


def _events_spinal(
    log: tuple[LogEntry, ...], planned: tuple[str, ...], worse: bool, rules: RuleSet
) -> list[Found]:
    """New nerve symptoms or signs (``spinal_nerve``: an event logged or a factor added)
    with an infection or a fever (``spinal_with``) or pain meaningfully worse (``worse``),
    after spinal or paraspinal needling during the course: a possible epidural abscess
    or bleed."""
    r = rules.review

    def first(ids: tuple[str, ...]) -> tuple[int, str] | None:
        for i, e in enumerate(log):
            said = [x for x in ids if x in e.events or x in {f.id for f in e.new_health_factors}]
            if said:
                return i, said[0]
        return None

    nerve, with_ = first(r.spinal_nerve), first(r.spinal_with)
    if nerve is None or (with_ is None and not worse):
        return []
    last = max(nerve[0], with_[0] if with_ else len(log) - 1)
    needled = {s for e in log[: last + 1] for s in _event_site(e, planned)}
    sites = [s for s in r.spinal_sites if s in needled]
    if not sites:
        return []
    nerve_label = _label_of(nerve[1], rules)
    if with_:
        other = _label_of(with_[1], rules).lower()
        labels = said("review.spinal_with", nerve=nerve_label, other=other)
    else:
        labels = said("review.spinal_worse", nerve=nerve_label)
    values: dict[str, Wordable] = {
        "labels": labels,
        "sites": ", ".join(_site_label(s, rules) for s in sites),
    }
    return [Found("events_spinal", last + 1, "emergency", values, sources=r.spinal_sources)]


def _label_of(fid: str, rules: RuleSet) -> str:
    """An event's or a health factor's label."""
    if fid in rules.review.events:
        return rules.review.events[fid].label
    return rules.health_factors[fid].label if fid in rules.health_factors else fid


def _site_label(sid: str, rules: RuleSet) -> str:
    """A site's label (its id, for a site a clinic's rule set has dropped)."""
    return rules.sites[sid].label if sid in rules.sites else sid


def _stops(the_plan: Plan, rules: RuleSet, n: int) -> list[Found]:
    """A contraindication or a finding that rules needling out now (a first-trimester
    pregnancy is its own finding)."""
    stops = _in_order(
        [
            f
            for f in the_plan.flags
            if f.level in ("contraindication", "not_indicated") and f.id != "first_trimester"
        ]
    )
    if not stops:
        return []
    return [
        Found(
            "do_not_needle",
            n,
            values={"why": _stopped_by(stops, the_plan.sites)},
            told=tuple(f.patient_message for f in stops),
            site_reasons=True,
            sources=tuple(dict.fromkeys(f.source for f in stops)),
        )
    ]


def _stopped_by(stops: list[Flag], sites: tuple[SiteVerdict, ...]) -> Joined:
    """The findings that now rule needling out; every site avoided names each site's reason."""
    by: list[Wordable] = []
    for flag in stops:
        if flag.id != EVERY_SITE_AVOIDED:
            by.append(flag.label)
            continue
        why = tuple(
            said(
                "review.avoided_site",
                site=s.label,
                side=s.side,
                why=s.reasons[0].message.split(". ")[0],
            )
            for s in sites
            if s.verdict == "avoid" and s.reasons
        )
        by.append(said("review.every_site_avoided", why=Joined("; ", why)))
    return Joined(", ", tuple(by))


def _pregnancy_ended(profile: ConditionProfile, rules: RuleSet) -> bool:
    """Whether a birth (``review.pregnancy_ended_by``) is recorded after the latest
    pregnancy, in the log or beside it at intake."""
    ended = set(rules.review.pregnancy_ended_by)
    for entry in reversed(profile.log):
        ids = {f.id for f in entry.new_health_factors}
        if ids & ended:
            return True
        if PREGNANCY in ids:
            return False
    return any(f.id in ended for f in profile.health_factors)


def _pregnancy_since(
    profile: ConditionProfile, rules: RuleSet, day: dt.date
) -> tuple[int, dt.date, int] | None:
    """The latest pregnancy recorded with its weeks: the weeks then, the day they were
    recorded, and the weeks counted on to ``day`` (None: no pregnancy, its weeks not
    given, or a birth recorded after it)."""
    if _pregnancy_ended(profile, rules):
        return None
    recorded: tuple[Factor, dt.date] | None = None
    for entry in reversed(profile.log):
        logged = [f for f in entry.new_health_factors if f.id == PREGNANCY]
        if logged:
            recorded = logged[0], entry.date
            break
    if recorded is None:
        at_intake = profile.factor(PREGNANCY)
        if at_intake is None:
            return None
        recorded = at_intake, profile.start_date or profile.log[0].date
    factor, counted = recorded
    if factor.weeks is None:
        return None
    return factor.weeks, counted, factor.weeks + (day - counted).days // 7


def pregnancy_weeks(profile: ConditionProfile, rules: RuleSet, day: dt.date) -> int | None:
    """The weeks of the latest pregnancy recorded, counted on to ``day`` from the day they
    were recorded (None: no pregnancy, its weeks not given, a birth logged after it, or
    counted past the weeks at which it is over by now)."""
    since = _pregnancy_since(profile, rules, day)
    over = rules.review.pregnancy_over_weeks
    return None if since is None or since[2] >= over else since[2]


def _pregnancy(profile: ConditionProfile, rules: RuleSet, today: dt.date, n: int) -> list[Found]:
    """A pregnancy still before ``reconsider_pregnancy_weeks`` today: not now; one counted
    on past ``pregnancy_over_weeks``: over by now, the profile to be updated first."""
    since = _pregnancy_since(profile, rules, today)
    if since is None:
        return []
    then, counted, weeks = since
    r = rules.review
    if weeks >= r.pregnancy_over_weeks:
        values: dict[str, Wordable] = {
            "weeks_then": then,
            "date": counted.isoformat(),
            "weeks": weeks,
        }
        return [Found("pregnancy_over", n, values=values, sources=r.pregnancy_over_sources)]
    until = r.reconsider_pregnancy_weeks
    if weeks >= until:
        return []
    from_date = counted + dt.timedelta(weeks=until - then)
    values = {"weeks": weeks, "from_weeks": until, "from_date": from_date.isoformat()}
    return [Found("first_trimester", n, values=values, sources=r.reconsider_pregnancy_sources)]


# -- the course -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Course:
    """The numbers the course verdict is decided from."""

    log: tuple[LogEntry, ...]
    baseline: int
    block: int
    review_at: int
    ceiling: int
    improved: bool
    worse: bool
    #: the best score before the latest (the intake score and each earlier session's) and
    #: the session it was logged at (0: at intake)
    best: tuple[int, int] = (10, 0)


def _improved(log: tuple[LogEntry, ...], baseline: int, rules: RuleSet) -> bool:
    """A meaningful improvement from the start: a fall in pain beyond the NRS's error
    (not at a low baseline, where it has no room), a global rating of change of
    ``groc_better`` or more, or, at a low baseline, a function measure improved by its
    minimal important change."""
    r = rules.review
    latest = log[-1]
    if latest.groc is not None and latest.groc >= r.groc_better:
        return True
    if baseline <= r.low_baseline_nrs:
        return bool(_measure_improved(log, rules))
    return meaningful_fall(baseline, latest.nrs, rules)


def _best(profile: ConditionProfile, log: tuple[LogEntry, ...]) -> tuple[int, int]:
    """The best (lowest) score before the latest session, and where it was logged (0: the
    intake score); the earliest of equal scores."""
    scores = [(profile.severity, 0)] if isinstance(profile.severity, int) else []
    scores += [(e.nrs, i) for i, e in enumerate(log[:-1], 1)]
    return min(scores, default=(log[-1].nrs, len(log)))


def _checkpoints(c: _Course) -> list[int]:
    """The sessions at which the course is reassessed: the review point, the end of
    the initial block, and the end of each block after it."""
    points = {c.review_at}
    at = c.block
    while at <= max(c.ceiling, len(c.log)):
        points.add(at)
        at += c.block
    return sorted(points)


def _worse_than_best(c: _Course, rules: RuleSet) -> bool:
    """Pain at the latest session ``worse_points`` or more above the best score so far."""
    return c.log[-1].nrs - c.best[0] >= rules.review.worse_points


def _course(c: _Course, rules: RuleSet) -> Found:
    """The verdict of a course with no safety finding: a trial, then a decision."""
    r = rules.review
    log, n = c.log, len(c.log)
    last = log[-r.discharge_sessions :]
    low = len(last) == r.discharge_sessions and all(e.nrs <= r.discharge_nrs for e in last)
    # from a low start, low pain is where the patient began: it discharges only with a
    # meaningful improvement by the global rating or a function measure
    if low and (c.baseline > r.low_baseline_nrs or c.improved):
        return Found(
            "discharge", n, values={"nrs": r.discharge_nrs, "sessions": r.discharge_sessions}
        )
    if c.worse:
        return Found(
            "worse", n, values={"points": log[-1].nrs - c.baseline, "worse": r.worse_points}
        )
    worse_by = _worse_by_measure(log, rules)
    if worse_by:
        groc = f"{-r.groc_better:+d}"
        return Found(
            "worse_by_measure", n, values={"measures": Joined("; ", tuple(worse_by)), "groc": groc}
        )
    best, best_at = c.best
    if _worse_than_best(c, rules):
        when = (
            said("review.best_at_session", session=best_at)
            if best_at
            else said("review.best_at_intake")
        )
        points = log[-1].nrs - best
        return Found(
            "worse_since_best",
            n,
            values={"points": points, "best": best, "when": when, "worse": r.worse_points},
        )
    if n < c.review_at:
        return Found(
            "before_review_point", n, values={"n": n, "block": c.block, "review_at": c.review_at}
        )
    if not c.improved:
        if (
            c.baseline <= r.low_baseline_nrs
            and log[-1].groc is None
            and not _measure_gains(log, rules)
        ):  # the pain score cannot judge it: ask for a measure that can
            measures = ", ".join(m.label for m in r.measures.values())
            return Found(
                "measure_first",
                n,
                values={"baseline": c.baseline, "groc": r.groc_better, "measures": measures},
            )
        if n < c.block:
            return Found("no_change_yet", n, values={"n": n, "block": c.block})
        return Found("no_change", n, values={"n": n})
    if n >= c.ceiling:
        past = said("review.past_ceiling", over=n - c.ceiling) if n > c.ceiling else ""
        return Found("ceiling", n, values={"n": n, "ceiling": c.ceiling, "past": past})
    if n < c.block:
        return Found("improving", n, values={"n": n, "block": c.block})
    if (n - c.block) % c.block:
        return Found("improving_extra_block", n, values={"n": n})
    # a block has just ended: it must have kept improving since the check before it
    # (a plateau inside a block is caught here, at the next reassessment point)
    before_at = max((p for p in _checkpoints(c) if p < n), default=0)
    before = c.baseline if before_at == 0 else log[before_at - 1].nrs
    since = log[before_at - 1 :] if before_at else log
    values: dict[str, Wordable] = {
        "before": before,
        "now": log[-1].nrs,
        "ceiling": c.ceiling,
        "since": before_at,
    }
    if meaningful_fall(before, log[-1].nrs, rules) or _measure_improved(since, rules):
        return Found("extend", n, values=values)
    if n - before_at < 2 and log[-1].nrs < before:
        # one session since the check cannot show a levelling off: the pain still fell
        return Found("extend", n, values=values)
    return Found("plateau", n, values=values)


def _course_notes(
    log: tuple[LogEntry, ...], baseline: int, rules: RuleSet, gap: _Gap | None = None
) -> list[Step]:
    """How the change was judged, where the pain score alone cannot judge it (or, across
    a break in the course, is not judged at all)."""
    r = rules.review
    if gap is not None:
        line = said(REVIEW_BASELINE_GAP, **_gap_values(gap, rules))
        return [Step(REVIEW_BASELINE_GAP, line, r.findings["new_baseline"].sources)]
    fall = baseline - log[-1].nrs
    if baseline <= r.low_baseline_nrs:
        measures = ", ".join(m.label for m in r.measures.values())
        low = said("review.low_baseline", baseline=baseline, groc=r.groc_better, measures=measures)
        return [Step("review.low_baseline", low, r.low_baseline_sources or r.sources)]
    if 0 < fall <= r.nrs_error_points and fall * 100 >= r.nrs_percent * baseline:
        error = said("review.nrs_error", points=counted("point", fall))
        return [Step("review.nrs_error", error, r.nrs_error_sources or r.sources)]
    return []


@dataclass(frozen=True)
class _Gap:
    """The latest break in a course longer than a score stays current (the rule set's
    ``stale_after_days``): between the score ``before`` (0: the intake score) of
    ``before_date`` and session ``session`` of ``date``."""

    before: int
    before_date: dt.date
    before_nrs: int
    session: int
    date: dt.date
    nrs: int

    @property
    def days(self) -> int:
        return (self.date - self.before_date).days


def _gap(profile: ConditionProfile, baseline: int, rules: RuleSet) -> _Gap | None:
    """The latest break between the scores of the course (the intake score, dated by the
    start date when it comes before the first session, then each session's) longer than
    ``stale_after_days``: a score that old does not describe the patient when the course
    resumed, so no change is judged across it. None: no such break."""
    log = profile.log
    first = log[0].date
    points = [(i, e.date, e.nrs) for i, e in enumerate(log, 1)]
    if isinstance(profile.severity, int):  # the intake score, the baseline
        start = profile.start_date
        points.insert(0, (0, start if start is not None and start < first else first, baseline))
    limit = rules.review.stale_after_days
    for (i, then, nrs), (j, date, now) in reversed(list(itertools.pairwise(points))):
        if (date - then).days > limit:
            return _Gap(i, then, nrs, j, date, now)
    return None


def _gap_values(gap: _Gap, rules: RuleSet) -> dict[str, Wordable]:
    """What the texts of a break in the course are filled with."""
    if gap.before:
        before = said("review.best_at_session", session=gap.before)
    else:
        before = said("review.best_at_intake")
    return {
        "days": counted("day", gap.days),
        "limit": rules.review.stale_after_days,
        "before": before,
        "before_date": gap.before_date.isoformat(),
        "before_nrs": gap.before_nrs,
        "session": gap.session,
        "date": gap.date.isoformat(),
        "nrs": gap.nrs,
    }


def _stale(log: tuple[LogEntry, ...], rules: RuleSet, today: dt.date) -> list[Found]:
    r = rules.review
    days = (today - log[-1].date).days
    if days <= r.stale_after_days:
        return []
    values: dict[str, Wordable] = {
        "days": counted("day", days),
        "limit": r.stale_after_days,
        "date": log[-1].date.isoformat(),
    }
    return [Found("remeasure", len(log), values=values, sources=r.stale_sources or r.sources)]


def _measures(log: tuple[LogEntry, ...], rules: RuleSet) -> list[Step]:
    """Each outcome measure logged twice or more: its change against its MCID."""
    steps = []
    for mid, (first, last, gain) in _measure_gains(log, rules).items():
        measure = rules.review.measures[mid]
        word = (
            "measure_better"
            if gain >= measure.mcid
            else ("measure_worse" if gain < 0 else "measure_same")
        )
        change = _measure(mid, first, last, word, rules)
        steps.append(Step(f"review.measures.{mid}", change, measure.sources))
    return steps


# -- warnings -------------------------------------------------------------------------


def _merged(profile: ConditionProfile, rules: RuleSet, today: dt.date) -> ConditionProfile:
    """The profile with the health factors that appeared during the course, a pregnancy's
    weeks counted on to ``today`` (its questions and rules are those of the weeks now), and
    no pregnancy once a birth is recorded after it."""
    factors: dict[str, Factor] = {f.id: f for f in profile.health_factors}
    for entry in profile.log:
        for f in sorted(entry.new_health_factors, key=lambda f: f.id):  # order never counts
            factors[f.id] = f
    weeks = pregnancy_weeks(profile, rules, today)
    if PREGNANCY in factors and _pregnancy_ended(profile, rules):
        del factors[PREGNANCY]  # a birth ended it: the patient is no longer pregnant
    elif PREGNANCY in factors and weeks is not None:
        factors[PREGNANCY] = dataclasses.replace(factors[PREGNANCY], weeks=weeks)
    return profile.model_copy(update={"health_factors": tuple(factors.values())})


def _needled_sites(
    current: ConditionProfile, the_plan: Plan, rules: RuleSet, source: str | None
) -> list[tuple[int, str, Warned]]:
    """Every site logged as needled, checked against the site rules as planned sites are:
    one the plan avoids, or one outside the plan (checked on both sides, its side not
    being recorded) that the rules avoid or take with caution; each with its session
    and, for a site to avoid, its label (else "")."""
    log = current.log
    extra = sorted({s for e in log for s in e.needled or () if s not in current.sites})
    found = list(the_plan.sites)
    if extra:
        wider = current.model_copy(
            update={"sites": {**current.sites, **dict.fromkeys(extra, "both")}}
        )
        found += [s for s in make_plan(wider, rules, source=source).sites if s.id in extra]
    # a site on both sides is two verdicts (a left-arm lymphoedema avoids the left one):
    # the side a log does not record is taken at its worst
    worst = ("avoid", "caution", "ok")
    verdicts: dict[str, SiteVerdict] = {}
    for each in sorted(found, key=lambda s: worst.index(s.verdict), reverse=True):
        verdicts[each.id] = each
    check_after = {rule.id for rule in rules.site_rules if rule.if_needled}
    warnings = []
    for i, entry in enumerate(log, 1):
        for sid in entry.needled or ():
            site = verdicts.get(sid)
            if (
                site is None
                or site.verdict == "ok"
                or (site.verdict == "caution" and sid in current.sites)
            ):
                continue
            # a site to avoid: the reasons it is avoided, not every caution at it
            rule_verdict = {rule.id: rule.verdict for rule in rules.site_rules}
            reasons = [
                x
                for x in site.reasons
                if site.verdict != "avoid" or rule_verdict.get(x.flag, "avoid") == "avoid"
            ]
            why = " ".join(x.message for x in reasons or site.reasons)
            checks = tuple(x.flag for x in site.reasons if x.flag in check_after)
            if site.verdict == "avoid":
                kind = "needled_avoided_site"
                tid = (
                    "needled_avoided_site" if sid in current.sites else "needled_unplanned_avoided"
                )
            else:
                kind = tid = "needled_unplanned_caution"
            avoided = f"{site.label} ({site.side})" if site.verdict == "avoid" else ""
            line = said(
                f"review.{tid}",
                session=i,
                date=entry.date.isoformat(),
                site=site.label,
                side=site.side,
                why=why,
            )
            warnings.append((i, avoided, Warned(kind, line, checks)))
    return warnings


def _needled_avoided(
    log: tuple[LogEntry, ...],
    needled: list[tuple[int, str, Warned]],
    rules: RuleSet,
    today: dt.date,
) -> tuple[Joined | None, tuple[str, ...]]:
    """The sites to avoid that hold the course, each with its session: those needled at
    the latest session, and at an earlier one at most ``needled_avoided_days`` old that
    no medical clearance has followed (a deep bleed can show itself days later); and the
    site rules whose checks after needling apply to them."""
    n = len(log)
    window = rules.review.needled_avoided_days
    kept = [
        (at, label, w)
        for at, label, w in needled
        if label
        and (
            at == n
            or ((today - log[at - 1].date).days <= window and not _cleared_after(log, at, rules))
        )
    ]
    held = [
        said("review.needled_avoided_at", site=label, session=at, date=log[at - 1].date.isoformat())
        for at, label, _ in kept
    ]
    checks = tuple(dict.fromkeys(c for _, _, w in kept for c in w.checks))
    return (Joined(", ", tuple(held)) if held else None), checks


def _needled_bruised(
    log: tuple[LogEntry, ...], rules: RuleSet, planned: tuple[str, ...]
) -> list[Warned]:
    """A site that bruised or bled, needled again at a later session."""
    warnings = []
    for i, entry in enumerate(log, 1):
        marked = sorted(e for e in entry.events if rules.review.events[e].avoid_site)
        sites = _event_site(entry, planned)
        if not marked or len(sites) != 1:
            continue
        (site,) = sites
        for j in range(i, len(log)):
            later = log[j]
            if site in _event_site(later, planned):
                label = _site_label(site, rules)
                line = said(
                    "review.needled_bruised_site",
                    session=j + 1,
                    date=later.date.isoformat(),
                    site=label,
                    event=rules.review.events[marked[0]].label.lower(),
                    earlier=i,
                    earlier_date=entry.date.isoformat(),
                )
                warnings.append(Warned("needled_bruised_site", line))
                break
    return warnings


def _needled_after_stop(log: tuple[LogEntry, ...], rules: RuleSet) -> list[Warned]:
    """The first session with needling logged after a finding that stops needling: an adverse
    event that stops the course, or a red flag or contraindication added during it."""
    stopping = ("red_flag", "contraindication")
    for i, entry in enumerate(log):
        events = [rules.review.events[e] for e in sorted(entry.events)]
        found = [e.label for e in events if e.verdict is not None]
        found += [  # a place-tied one leaves needling elsewhere: the site checks answer it
            rules.health_factors[f.id].label
            for f in entry.new_health_factors
            if rules.health_factors[f.id].level in stopping and not rules.health_factors[f.id].place
        ]
        if not found:
            continue
        cleared = _cleared_after(log, i + 1, rules)
        for j in range(i + 1, len(log)):
            later = log[j]
            if cleared and j + 1 >= cleared:
                return []  # needled once a later clearance was recorded
            if later.needled is not None and not later.needled:
                continue  # 'needled: []': a session without needling
            line = said(
                "review.needled_after_stop",
                session=j + 1,
                date=later.date.isoformat(),
                finding=found[0],
                earlier_date=entry.date.isoformat(),
            )
            return [Warned("needled_after_stop", line)]
        return []
    return []


def _open_checks(the_plan: Plan) -> list[Warned]:
    """Red-flag questions the profile leaves unanswered, and questions its notes or a
    factor raise: said, never hidden. A course under way is held for both (the findings
    ``screening_open`` and ``open_checks``) until they are answered."""
    asked = [c.id for c in the_plan.checks if c.kind == "screening"]
    open_ = []
    if asked:
        count = counted("question", len(asked))
        line = said("review.screening_open", count=count, questions=", ".join(asked))
        open_.append(Warned("screening_open", line))
    open_ += [Warned("screening_open", c.message) for c in the_plan.checks if c.kind != "screening"]
    return open_


def _warnings(
    current: ConditionProfile,
    the_plan: Plan,
    rules: RuleSet,
    needled: list[tuple[int, str, Warned]],
    planned: tuple[str, ...],
) -> tuple[list[Warned], list[Flag]]:
    """The review's warnings, and the precautions added during the course."""
    log = current.log
    warnings = [w for _, _, w in needled]
    warnings += _needled_bruised(log, rules, planned)
    warnings += _needled_after_stop(log, rules)
    added = {f.id for entry in log for f in entry.new_health_factors}
    new_cautions = [f for f in the_plan.flags if f.level == "precaution" and f.id in added]
    warnings += [
        Warned("new_precaution", said("review.new_precaution", label=f.label, message=f.message))
        for f in new_cautions
    ]
    have = current.factor_ids
    for i, entry in enumerate(log, 1):
        words = notes_said(entry.notes, rules, have, current)
        if words is not None:
            line = said("review.notes_session", session=i, date=entry.date.isoformat(), said=words)
            warnings.append(Warned("notes_red_flag_words", line))
    warnings += _open_checks(the_plan)
    return warnings, new_cautions


# -- the review -----------------------------------------------------------------------


def review(
    profile: ConditionProfile, rules: RuleSet, today: dt.date, *, source: str | None = None
) -> Review:
    """What to do next for ``profile``'s logged course: decided, then worded. Pure and
    deterministic."""
    return worded_review(decide(profile, rules, today, source=source), rules)


def decide(
    profile: ConditionProfile, rules: RuleSet, today: dt.date, *, source: str | None = None
) -> Decided:
    """What the review decides for ``profile``'s logged course, in ids and numbers."""
    if not profile.log:
        raise NothingToReview("the profile has no 'log:' entries to review")
    log = profile.log
    late = future_session(log, today)  # validated without today: never read past it
    if late is not None:
        raise ValueError(
            f"the session of {log[late].date.isoformat()} is after today ({today.isoformat()})"
        )
    current = _merged(profile, rules, today)
    the_plan = make_plan(current, rules, source=source)
    n = len(log)
    planned = tuple(profile.sites)
    # the intake score is the baseline; each log entry is the score at that session
    baseline = profile.severity if isinstance(profile.severity, int) else log[0].nrs
    gap = _gap(profile, baseline, rules)  # a break in the course: no change judged across it
    change = _change(baseline, log[-1].nrs, rules, judged=gap is None)
    ceiling = rules.ceiling(profile.condition)
    course = _Course(
        log,
        baseline,
        the_plan.course.initial_block,
        the_plan.course.reassess_after,
        ceiling,
        _improved(log, baseline, rules),
        change.worse,
        _best(profile, log),
    )

    # every finding, then one table decides
    events = _events(log, rules, today, planned)
    avoid = [s.id for s in the_plan.sites if s.verdict == "avoid"]
    planned_avoided = bool(planned) and set(planned) <= set(avoid)
    avoid += [s for s in events.avoid if s not in avoid]
    found = events.found + _red_flags(the_plan, n, rules)
    found += _notes(log, planned, rules, current.factor_ids, profile)
    found += _events_spinal(log, planned, course.worse or _worse_than_best(course, rules), rules)
    needled = _needled_sites(current, the_plan, rules, source)
    avoided, after = _needled_avoided(log, needled, rules, today)
    if avoided:  # a site to avoid needled lately: check for its harm first
        cited = (
            *rules.review.findings["needled_avoided"].sources,
            *rules.review.needled_avoided_sources,
        )
        parent = the_plan.audience == "parent"
        own = tuple(
            (rule.if_needled_parent if parent else "") or rule.if_needled_patient
            for rule in rules.site_rules
            if rule.id in after and rule.if_needled_patient
        )
        found.append(
            Found(
                "needled_avoided",
                n,
                values={"sites": avoided},
                told=own,
                own_why=bool(own),
                sources=cited,
            )
        )
    held = [c.message for c in the_plan.checks if c.kind != "screening"]
    if held:  # the notes or a factor raise a question: needling waits for its answer
        found.append(Found("open_checks", n, values={"checks": " ".join(held)}))
    asked = list(dict.fromkeys(c.id for c in the_plan.checks if c.kind == "screening"))
    if asked:  # an unanswered red-flag question is an open check, never a pass
        unanswered: dict[str, Wordable] = {
            "count": counted("question", len(asked)),
            "questions": ", ".join(asked),
        }
        found.append(Found("screening_open", n, values=unanswered))
    found += _stops(the_plan, rules, n) + _pregnancy(profile, rules, today, n)
    if planned and set(planned) <= set(avoid) and not planned_avoided:
        # events (a bruise, a bleed) leave no planned site: hold until others are chosen
        labels = ", ".join(_site_label(s, rules) for s in planned)
        found.append(Found("sites_avoided", n, values={"sites": labels}))
    deciding, stopping, lines = _decide(_ranked(found, rules), course, rules, today, gap)
    verdict: ReviewVerdict = rules.review.findings[deciding.id].verdict
    hold = verdict == "stop_needling" and rules.review.findings[deciding.id].hold
    urgency = most_urgent(*(_urgency_of(f, rules) for f in stopping))
    note_due, note = _progress_note(n, ceiling, rules)
    warnings, new_cautions = _warnings(current, the_plan, rules, needled, planned)
    next_ = _next(verdict, course, tuple(avoid))
    weeks = pregnancy_weeks(profile, rules, today)
    warnings += _past_term(weeks, next_.sessions, the_plan.cadence.per_week, rules)
    together, raised = _combinations(the_plan, rules)  # red flags together, as at intake
    return Decided(
        profile=profile,
        plan=the_plan,
        source=source,
        verdict=verdict,
        urgency=urgency if verdict in STOPS_NEEDLING else "none",
        hold=hold,
        baseline=baseline,
        change=change,
        next=next_,
        actions=tuple(_actions(verdict, events.acted, planned, avoid)),
        ceiling=ceiling,
        progress_note_due=note_due,
        mcid_line=mcid_line(baseline, rules) if gap is None else None,
        deciding=deciding,
        stopping=tuple(stopping),
        lines=tuple(lines),
        steps=(
            *raised,
            *_course_notes(log, baseline, rules, gap),
            *events.steps,
            *_measures(log, rules),
            *note,
        ),
        warnings=(*together, *warnings),
        cautions=tuple(new_cautions),
        pregnancy_weeks=weeks,
        needling_sites=_needling_sites(log, planned, the_plan),
    )


def _past_term(weeks: int | None, sessions: int, per_week: int, rules: RuleSet) -> list[Warned]:
    """The plan rule ``past_term`` in a review: the next sessions of a pregnancy ``weeks``
    along today reach term, so the course is reconsidered after the birth (as the plan
    says at intake)."""
    rule = rules.plan_rules.past_term
    if rule is None or weeks is None or sessions < 1 or per_week < 1:
        return []
    reached = term_reached(weeks, session_days(sessions, per_week), rule.term_weeks)
    if reached is None:
        return []
    line = said("review.past_term", weeks=weeks, term=rule.term_weeks, last=reached[1])
    return [Warned("past_term", line)]


def _needling_sites(
    log: tuple[LogEntry, ...], planned: tuple[str, ...], the_plan: Plan
) -> tuple[str, ...]:
    """The sites needled during the course (those logged, planned or not; else the
    planned ones, as the spinal findings take them), then those the plan goes on to
    needle: the page's warning signs are for each of them."""
    needled = [s for e in log for s in _event_site(e, planned)]
    needled += [s.id for s in the_plan.sites if s.verdict != "avoid"]
    return tuple(dict.fromkeys(needled))


def _change(baseline: int, latest: int, rules: RuleSet, *, judged: bool = True) -> Change:
    """The change in pain from the baseline; ``meaningful`` is the pain score's own (never
    inside its error, never at a low baseline, where it has no room). Not ``judged`` (a
    break in the course since the baseline): neither meaningful nor worse."""
    r = rules.review
    points = latest - baseline
    percent = round(points * 100 / baseline, 1) if baseline else None
    meaningful = baseline > r.low_baseline_nrs and meaningful_fall(baseline, latest, rules)
    worse = points >= r.worse_points
    return Change(
        points=points, percent=percent, meaningful=judged and meaningful, worse=judged and worse
    )


def _decide(
    safety: list[Found], course: _Course, rules: RuleSet, today: dt.date, gap: _Gap | None
) -> tuple[Found, list[Found], list[Found]]:
    """(the deciding finding, the findings that stop needling, the rationale's first
    lines): the most urgent safety finding, else the course's verdict (held for a stale
    score when it would go on or discharge: an old score decides neither), or, across a
    break in the course, none of its verdicts: a hold for a new baseline."""
    table = rules.review.findings
    stopping = [f for f in safety if table[f.id].verdict in STOPS_NEEDLING]
    if safety:
        return safety[0], stopping, safety
    if gap is not None:  # every course verdict is judged from the baseline, across the break
        found = Found("new_baseline", len(course.log), values=_gap_values(gap, rules))
        return found, stopping, [found]
    deciding = _course(course, rules)
    if table[deciding.id].verdict in (*GOING_ON, "discharge"):
        deciding = next(iter(_stale(course.log, rules, today)), deciding)
    return deciding, stopping, [deciding]


def _progress_note(n: int, ceiling: int, rules: RuleSet) -> tuple[bool, tuple[Step, ...]]:
    """A progress note is due at every tenth session, and whenever a course has run past
    its ceiling without one."""
    every = rules.course.progress_note_every
    if not (n % every == 0 or (n > ceiling and n >= every)):
        return False, ()
    note = said("review.progress_note", sessions=n, every=every)
    return True, (Step("course.progress_note_every", note, rules.course.progress_note_sources),)


def _actions(
    verdict: ReviewVerdict, acted: list[Acted], planned: tuple[str, ...], avoid: list[str]
) -> list[Acted | Said]:
    """What the next session changes; after a discharge, what the events teach is for a
    course to come, if any."""
    if verdict == "discharge":
        return [dataclasses.replace(a, future=True) for a in acted]
    if planned and set(planned) <= set(avoid):
        return [*acted, said("review.every_site_avoided_action")]
    return [*acted]


def _urgency_of(f: Found, rules: RuleSet) -> Urgency:
    """A finding's urgency: the table's, or its trigger's own where the table gives none."""
    table = rules.review.findings[f.id].urgency
    return table if table is not None else f.urgency


def _next(verdict: ReviewVerdict, c: _Course, avoid: tuple[str, ...]) -> Next:
    """How many sessions come next and when the next reassessment is (the actions are
    worded with the rest)."""
    n = len(c.log)
    if verdict == "continue":
        to_go = (
            c.block - n if n < c.block else min(c.block - (n - c.block) % c.block, c.ceiling - n)
        )
        to_go = max(to_go, 1)
        review_in = max(1, c.review_at - n) if n < c.review_at else to_go
        return Next(to_go, min(review_in, to_go), avoid)
    if verdict == "extend":
        more = min(c.block, c.ceiling - n)
        return Next(more, more, avoid)
    return Next(0, 0, avoid)
