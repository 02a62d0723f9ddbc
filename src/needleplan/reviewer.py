"""``review(profile, rules, today) -> Review``: what to do next, from the session log.

A course is a trial, then a decision. Safety first: breathlessness or chest
pain after needling is an emergency; a new red flag refers; infection or
nerve signs, a new contraindication, or pain worse by the worsening threshold
stop needling. Then: pain at or below the discharge level for the last
sessions -> discharge; before the review point -> continue; at and after it,
a meaningful fall (2 points or 30 %, or a global rating of change of +3) ->
continue to the end of the block, then extend one block at a time only while
each block keeps improving, never past the ceiling; no meaningful change once
the initial block is done -> stop needling and review the diagnosis and plan.

Pure and deterministic: ``today`` is given, never read from a clock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from .advice import EMPTY, avoided_reasons, review_advice
from .planner import note_hits, notes_warning
from .planner import plan as make_plan
from .profile import ConditionProfile, Factor, LogEntry
from .results import (
    Change,
    Flag,
    Next,
    Point,
    Review,
    ReviewStep,
    SiteVerdict,
    Warning,
)
from .rules import HealthFactor, RuleSet
from .vocab import (
    EVERY_SITE_AVOIDED,
    GOING_ON,
    NEEDLING,
    STOPS_NEEDLING,
    ReviewVerdict,
    Urgency,
    most_urgent,
    plural,
)


class NothingToReview(ValueError):
    """The profile has no ``log:`` entries."""


def meaningful_fall(baseline: int, latest: int, rules: RuleSet) -> bool:
    """A fall of ``nrs_points`` or ``nrs_percent`` % from baseline (Farrar 2001)."""
    fall = baseline - latest
    if fall <= 0:
        return False
    return fall >= rules.review.nrs_points or fall * 100 >= rules.review.nrs_percent * baseline


def mcid_line(baseline: int, rules: RuleSet) -> float:
    """The NRS at or below which the fall from ``baseline`` is meaningful."""
    return round(
        baseline - min(rules.review.nrs_points, baseline * rules.review.nrs_percent / 100), 2
    )


def _merged(profile: ConditionProfile) -> ConditionProfile:
    """The profile with the health factors that appeared during the course."""
    factors: dict[str, Factor] = {f.id: f for f in profile.health_factors}
    for entry in profile.log:
        for f in entry.new_health_factors:
            factors[f.id] = f
    return profile.model_copy(update={"health_factors": tuple(factors.values())})


def _stopped_by(stops: list[Flag], sites: tuple[SiteVerdict, ...]) -> str:
    """The findings that now rule needling out; every site avoided names each site's reason."""
    said = []
    for flag in stops:
        if flag.id != EVERY_SITE_AVOIDED:
            said.append(flag.label)
            continue
        why = "; ".join(
            f"{s.label} ({s.side}): {s.reasons[0].message.split('. ')[0]}"
            for s in sites
            if s.verdict == "avoid" and s.reasons
        )
        said.append(
            f"every planned site must now be avoided ({why}); choose other sites, "
            "or go on without needles"
        )
    return ", ".join(said)


def _needled_after_stop(log: tuple[LogEntry, ...], rules: RuleSet) -> list[Warning]:
    """The first session with needling logged after a finding that stops needling: an adverse
    event that stops the course, or a red flag or contraindication added during it."""
    stopping = ("red_flag", "contraindication")
    for i, entry in enumerate(log):
        events = [rules.review.events[e] for e in entry.events]
        found = [e.label for e in events if e.verdict is not None]
        found += [  # a place-tied one leaves needling elsewhere: the site checks answer it
            rules.health_factors[f.id].label
            for f in entry.new_health_factors
            if rules.health_factors[f.id].level in stopping and not rules.health_factors[f.id].place
        ]
        if not found:
            continue
        for j in range(i + 1, len(log)):
            later = log[j]
            if later.needled is not None and not later.needled:
                continue  # 'needled: []': a session without needling
            return [
                Warning(
                    "needled_after_stop",
                    f"Session {j + 1} ({later.date}) needled after '{found[0]}' was logged "
                    f"on {entry.date}: needling resumes only once the patient has been "
                    "medically cleared. Record the clearance in that session's notes.",
                )
            ]
        return []
    return []


def review(
    profile: ConditionProfile, rules: RuleSet, today: dt.date, *, source: str | None = None
) -> Review:
    """What to do next for ``profile``'s logged course. Pure and deterministic."""
    if not profile.log:
        raise NothingToReview("the profile has no 'log:' entries to review")
    log = profile.log
    if log[-1].date > today:  # validated without today: a log is never read past it
        raise ValueError(
            f"the session of {log[-1].date.isoformat()} is after today ({today.isoformat()})"
        )
    current = _merged(profile)
    the_plan = make_plan(current, rules, source=source)
    steps: list[ReviewStep] = []
    r = rules.review
    n = len(log)
    # the intake score is the baseline; each log entry is the score at that session
    baseline = profile.severity if isinstance(profile.severity, int) else log[0].nrs
    latest = log[-1].nrs
    points = latest - baseline
    percent = round(points * 100 / baseline, 1) if baseline else None
    improved = meaningful_fall(baseline, latest, rules) or (
        log[-1].groc is not None and log[-1].groc >= r.groc_better
    )
    worse = points >= r.worse_points
    change = Change(points=points, percent=percent, meaningful=improved, worse=worse)
    cite = rules.cite
    block = the_plan.course.initial_block
    review_at = the_plan.course.reassess_after
    ceiling = rules.ceiling(profile.condition)
    actions: list[str] = []
    avoid: list[str] = [s.id for s in the_plan.sites if s.verdict == "avoid"]
    verdict: ReviewVerdict
    urgency: Urgency = "none"

    # adverse events: what they change, and whether they stop the course. An urgent one
    # (an emergency, or a same-day review) is acted on as happening now only when it is
    # in the latest session and that session is recent; an older one asks for its medical
    # assessment to be confirmed.
    stop_event: tuple[str, LogEntry, bool, str] | None = None  # id, session, now, what to do
    recent = (today - log[-1].date).days <= r.event_recent_days  # the latest session's
    for i, entry in enumerate(log):
        latest_entry = i == n - 1
        days_ago = (today - entry.date).days
        now = latest_entry and recent
        for eid in entry.events:
            event = r.events[eid]
            urgent = event.urgency != "none" or event.verdict == "emergency"
            what = event.action
            if urgent and not now:
                what = (
                    f"logged {plural(days_ago, 'day')} ago: confirm that the patient was medically "
                    "assessed, and record it, before any more needling (if the signs are "
                    f"there now: {event.action})"
                )
            action = f"{event.label} (session {i + 1}, {entry.date}): {what}"
            if event.avoid_site:
                needled = entry.needled if entry.needled is not None else ()
                if len(needled) == 1:
                    avoid += [s for s in needled if s not in avoid]
                elif needled:
                    action += " (needled that day: " + ", ".join(needled) + "; which one?)"
                else:
                    action += " (record which site with 'needled:')"
            actions.append(action)
            if event.verdict is not None and (stop_event is None or latest_entry):
                stop_event = (eid, entry, now, what)
            if urgent and latest_entry:
                urgency = most_urgent(urgency, event.urgency if now else "routine")
            steps.append(
                ReviewStep(f"review.events.{eid}", f"{event.label}: {what}", cite(event.sources))
            )

    warnings: list[Warning] = []
    ruled_out = {s.id: s for s in the_plan.sites if s.verdict == "avoid"}
    check_after = {rule.id: rule.if_needled for rule in rules.site_rules if rule.if_needled}
    for i, entry in enumerate(log):
        for sid in entry.needled or ():
            if sid in ruled_out:
                reasons = ruled_out[sid].reasons
                why = "; ".join(x.message for x in reasons)[:300]
                # what to check now comes first: a screen shows the start of a long line
                checks = "".join(
                    f"{check_after[r.flag]} " for r in reasons if r.flag in check_after
                )
                warnings.append(
                    Warning(
                        "needled_avoided_site",
                        f"Session {i + 1} ({entry.date}) needled {ruled_out[sid].label}, which "
                        f"the plan says to avoid. {checks}Why: {why}",
                    )
                )
    warnings += _needled_after_stop(log, rules)
    # precautions that appeared during the course change how the rest is given
    added = {f.id for entry in log for f in entry.new_health_factors}
    new_cautions = [f for f in the_plan.flags if f.level == "precaution" and f.id in added]
    warnings += [
        Warning("new_precaution", f"New during the course: {f.label}: {f.message}")
        for f in new_cautions
    ]
    have = current.factor_ids
    for i, entry in enumerate(log):
        said = notes_warning(entry.notes, rules, have)
        if said:
            warnings.append(
                Warning("notes_red_flag_words", f"Session {i + 1} ({entry.date}): " + said)
            )
    holding = [g for g in rules.note_words if g.holds_course and note_hits(log[-1].notes, g.words)]
    held_by: HealthFactor | None = None  # the red flag the latest notes may describe
    red = [f for f in the_plan.flags if f.level == "red_flag"]
    stops = [f for f in the_plan.flags if f.level in ("contraindication", "not_indicated")]
    if stop_event is not None and stop_event[2] and r.events[stop_event[0]].verdict == "emergency":
        eid = stop_event[0]
        verdict, urgency = "emergency", "emergency"
        why = (
            f"{r.events[eid].label} (session {n}): possible pneumothorax or other "
            "serious event; emergency services now"
        )
        steps.insert(0, ReviewStep("review.emergency", why, cite(r.events[eid].sources)))
    elif holding:
        group = holding[0]
        factor = rules.health_factors.get(group.factor) if group.factor else None
        if factor is None:  # words that may describe a needling injury (a collapsed lung)
            needs: Urgency = "emergency" if recent else "routine"
            then = "if breathless or in chest pain now, emergency services"
        else:  # words that may describe a red flag that refers at once, however long ago
            held_by = factor
            needs = factor.urgency if factor.urgency != "none" else "same_day"
            then = f"if confirmed, add '{group.factor}' under new_health_factors (it refers)"
        verdict, urgency = "stop_needling", needs
        steps.insert(
            0,
            ReviewStep(
                "review.notes" if factor is None else "review.notes_red_flag",
                f"the latest session's notes may describe {group.topic}: no more needling until "
                f"the patient is checked; {then}",
                cite(group.sources or rules.note_words_sources),
            ),
        )
    elif red:
        verdict, urgency = "refer", most_urgent(*(f.urgency for f in red))
        steps.insert(
            0,
            ReviewStep(
                "review.red_flag",
                "new red flag: "
                + ", ".join(f.label for f in red)
                + ": refer for medical assessment; no more needling until cleared",
                "; ".join(dict.fromkeys(f.source for f in red)),
            ),
        )
    elif stop_event is not None:  # after the red flags: an older event never outranks them
        eid, entry, _, what = stop_event
        verdict = "stop_needling"
        if r.events[eid].verdict == "emergency":  # logged before, or days ago
            step = ReviewStep(
                "review.emergency",
                f"{r.events[eid].label} was logged on {entry.date}: needling does not "
                "resume until the patient has been medically cleared",
                cite(r.events[eid].sources),
            )
        else:
            step = ReviewStep(
                "review.adverse_event",
                f"{r.events[eid].label} ({entry.date}): {what}",
                cite(r.events[eid].sources),
            )
        steps.insert(0, step)
    elif stops or the_plan.decision not in NEEDLING:
        verdict = "stop_needling"
        steps.insert(
            0,
            ReviewStep(
                "review.do_not_needle",
                "the profile now rules needling out: " + _stopped_by(stops, the_plan.sites),
                "; ".join(dict.fromkeys(f.source for f in stops)) or cite(r.sources),
            ),
        )
    else:
        verdict = _course_verdict(
            log, baseline, rules, block, review_at, ceiling, improved, worse, steps
        )

    steps += _measures(log, rules)

    # what comes next
    if verdict == "discharge":  # what the events teach is for a course to come, if any
        actions = [f"{a} (for any future course)" for a in actions]
    if verdict in GOING_ON and profile.sites and set(profile.sites) <= set(avoid):
        actions.append(
            "Every planned site is now to be avoided: choose other sites before the next "
            "session, or stop needling."
        )
    if verdict == "continue":
        to_go = block - n if n < block else min(block - (n - block) % block, ceiling - n)
        to_go = max(to_go, 1)
        review_in = max(1, review_at - n) if n < review_at else to_go
        nxt = Next(to_go, min(review_in, to_go), tuple(avoid), tuple(actions))
    elif verdict == "extend":
        more = min(block, ceiling - n)
        nxt = Next(more, more, tuple(avoid), tuple(actions))
    else:
        nxt = Next(0, 0, tuple(avoid), tuple(actions))
    every = rules.course.progress_note_every
    # at every tenth session, and whenever a course has run past its ceiling without one
    note_due = n % every == 0 or (n > ceiling and n >= every)
    if note_due:
        steps.append(
            ReviewStep(
                "course.progress_note_every",
                f"{n} sessions done: write a progress note (at least every {every} sessions)",
                cite(rules.course.progress_note_sources),
            )
        )
    result = Review(
        source=source,
        patient=profile.patient,
        condition=profile.condition,
        condition_label=the_plan.condition_label,
        verdict=verdict,
        urgency=urgency if verdict in STOPS_NEEDLING else "none",
        sessions_done=n,
        baseline_nrs=baseline,
        latest_nrs=latest,
        change=change,
        next=nxt,
        ceiling=ceiling,
        progress_note_due=note_due,
        trajectory=tuple(Point(i + 1, e.date, e.nrs, e.groc, e.events) for i, e in enumerate(log)),
        rationale=tuple(steps),
        audience=the_plan.audience,
        advice=EMPTY,  # made below, from the review itself
        disclaimer=rules.disclaimer,
        rules=the_plan.rules,
        mcid_line=mcid_line(baseline, rules),
        warnings=tuple(warnings),
        profile_sha256=the_plan.profile_sha256,
    )
    if verdict == "refer":
        flagged = tuple(f.patient_message for f in red)
    elif held_by is not None:  # notes that may describe a red flag
        told = held_by.message_for(the_plan.audience)
        flagged = (told,) if told else ()
    elif stop_event is not None:  # why needling stopped, in the page's words
        told = r.events[stop_event[0]].message_for(the_plan.audience)
        flagged = (told,) if told else ()
    elif verdict == "stop_needling" and stops:  # a contraindication, or every site avoided
        told_why = [f.patient_message for f in stops] + avoided_reasons(the_plan.sites, rules)
        flagged = tuple(dict.fromkeys(m for m in told_why if m))
    else:
        flagged = ()
    care = tuple(f.patient_message for f in new_cautions if f.patient_message)
    advice = review_advice(result, rules, the_plan.companions, flagged, care)
    return dataclasses.replace(result, advice=advice)


def _course_verdict(
    log: tuple[LogEntry, ...],
    baseline: int,
    rules: RuleSet,
    block: int,
    review_at: int,
    ceiling: int,
    improved: bool,
    worse: bool,
    steps: list[ReviewStep],
) -> ReviewVerdict:
    """The verdict of a course with no safety finding: a trial, then a decision."""
    r = rules.review
    n = len(log)
    cite = rules.cite(r.sources)

    def said(rule: str, reason: str, source: str = cite) -> None:
        steps.insert(0, ReviewStep(rule, reason, source))

    last = log[-r.discharge_sessions :]
    if len(last) == r.discharge_sessions and all(e.nrs <= r.discharge_nrs for e in last):
        said(
            "review.discharge",
            f"pain at or below {r.discharge_nrs}/10 at the last {r.discharge_sessions} "
            "sessions: discharge to self-management with the exercises",
        )
        return "discharge"
    if worse:
        said(
            "review.worse",
            f"pain is {log[-1].nrs - baseline} points worse than at the start "
            f"({r.worse_points} or more is a meaningful worsening): stop needling and reassess",
        )
        return "stop_needling"
    if n < review_at:
        said(
            "review.before_review_point",
            f"{n} of {block} sessions done; the review comes after session {review_at}",
            rules.cite(rules.course.reassess_sources),
        )
        return "continue"
    if not improved:
        if n < block:
            said(
                "review.no_change_yet",
                f"no meaningful change at the review point (session {n}): review the plan with "
                f"the patient now; finish the initial block of {block} only if you both agree, "
                "and stop needling if there is still no change then",
            )
            return "continue"
        said(
            "review.no_change",
            f"no meaningful change after the initial block ({n} sessions): stop needling and "
            "review the diagnosis and plan; do not simply add sessions",
        )
        return "stop_needling"
    if n < block:
        said(
            "review.improving",
            f"meaningful improvement by session {n}: continue to the end of the block ({block})",
        )
        return "continue"
    if n >= ceiling:
        past = f", {n - ceiling} past it: the course ran longer than planned" if n > ceiling else ""
        said(
            "review.ceiling",
            f"{n} sessions reached the ceiling of {ceiling}{past}: discharge to "
            "self-management with the exercises; no course past the ceiling",
            rules.cite(rules.course.ceiling_sources),
        )
        return "discharge"
    if (n - block) % block:
        said("review.improving", f"improving; session {n} is inside an extra block: finish it")
        return "continue"
    # a block has just ended: it must have improved on the score before it began
    before = baseline if n == block else log[n - block - 1].nrs
    if log[-1].nrs < before:
        said(
            "review.extend",
            f"still improving over the last block ({before} to {log[-1].nrs}): extend by one "
            f"block, up to the ceiling of {ceiling}",
        )
        return "extend"
    said(
        "review.plateau",
        f"improved overall but not over the last block ({before} to {log[-1].nrs}): "
        "discharge to self-management with the exercises",
    )
    return "discharge"


def _measures(log: tuple[LogEntry, ...], rules: RuleSet) -> list[ReviewStep]:
    """Each outcome measure logged twice or more: its change against its MCID (information;
    the verdict follows the pain score)."""
    steps = []
    for mid, measure in rules.review.measures.items():
        scores = [e.measure[mid] for e in log if mid in e.measure]
        if len(scores) < 2:
            continue
        first, last = scores[0], scores[-1]
        gain = (first - last) if measure.better == "lower" else (last - first)
        word = (
            "a meaningful improvement"
            if gain >= measure.mcid
            else ("worse" if gain < 0 else "no meaningful change")
        )
        steps.append(
            ReviewStep(
                f"review.measures.{mid}",
                f"{measure.label}: {first:g} to {last:g} ({word}; the minimal important "
                f"change is {measure.mcid:g})",
                rules.cite(measure.sources),
            )
        )
    return steps
