"""``plan(profile, rules) -> Plan``: pure, deterministic, safety first.

No files, no printing, no clock: the same profile and rule set always give
the same plan. Order of work:

1. safety: red flags -> ``refer``; contraindications -> ``do_not_needle``;
   precautions -> ``needle_with_caution``; otherwise ``needle``;
2. dosing (only when needling is planned): the condition's base range, moved
   by the severity and duration bands, age and prognostic factors, then held
   inside the condition's evidence range - every step in the rationale;
3. cadence, reassessment point, companions, expectations, schedule.
"""

from __future__ import annotations

import datetime as dt
import math

from .plan import (
    Bands,
    Decision,
    Cadence,
    CompanionItem,
    Flag,
    Plan,
    RulesRef,
    ScheduledSession,
    Sessions,
    Step,
)
from .profile import ConditionProfile
from .rules import Adjust, Condition, RuleSet

_LEVEL_ORDER = {"red_flag": 0, "contraindication": 1, "precaution": 2}


def _flags(profile: ConditionProfile, rules: RuleSet) -> list[Flag]:
    flags: list[Flag] = []
    for fid in profile.health_factors:
        hf = rules.health_factors[fid]
        if hf.level != "prognostic":
            flags.append(
                Flag(
                    id=fid,
                    level=hf.level,
                    label=hf.label,
                    message=hf.message,
                    source=rules.cite(hf.sources),
                    patient_message=hf.patient_message,
                )
            )
    if profile.age is not None:
        for age_rule in rules.age_rules:
            if age_rule.level == "precaution" and age_rule.matches(profile.age):
                flags.append(
                    Flag(
                        id=age_rule.id,
                        level="precaution",
                        label=age_rule.label,
                        message=age_rule.message,
                        source=rules.cite(age_rule.sources),
                        patient_message=age_rule.patient_message,
                    )
                )
    if profile.region:
        region = profile.region.lower()
        for rc in rules.region_cautions:
            if any(k.lower() in region for k in rc.keywords):
                flags.append(
                    Flag(
                        id=rc.id,
                        level="precaution",
                        label=rc.label,
                        message=rc.message,
                        source=rules.cite(rc.sources),
                        patient_message=rc.patient_message,
                    )
                )
    return sorted(flags, key=lambda f: _LEVEL_ORDER[f.level])


def _decision(flags: list[Flag]) -> Decision:
    levels = {f.level for f in flags}
    if "red_flag" in levels:
        return "refer"
    if "contraindication" in levels:
        return "do_not_needle"
    return "needle_with_caution" if "precaution" in levels else "needle"


def _severity_text(value: int | str) -> str:
    return f"severity {value}/10 (NRS)" if isinstance(value, int) else f"severity '{value}'"


def _duration_text(weeks: float) -> str:
    if weeks < 2:
        return f"{round(weeks * 7)} days"
    if weeks < 17:
        return f"{weeks:.3g} weeks"
    return f"{weeks / 4.348:.3g} months"


def _dose(
    profile: ConditionProfile, rules: RuleSet, condition: Condition, bands: Bands
) -> tuple[Sessions, list[Step]]:
    base = condition.sessions
    steps = [
        Step(
            rule=f"conditions.{profile.condition}.sessions",
            change=f"base {base.suggested} (range {base.low}-{base.high})",
            reason=condition.note,
            source=rules.cite(condition.sources),
        )
    ]
    moves: list[tuple[str, Adjust, str, str]] = [
        (
            f"severity.{bands.severity}",
            rules.severity.adjust[bands.severity],
            f"{_severity_text(profile.severity)} is in the {bands.severity} band: "
            f"{rules.severity.reasons[bands.severity]}",
            rules.cite(rules.severity.sources),
        ),
        (
            f"duration.{bands.duration}",
            rules.duration.adjust[bands.duration],
            f"pain for {_duration_text(profile.duration)} is {bands.duration}: "
            f"{rules.duration.reasons[bands.duration]}",
            rules.cite(rules.duration.sources),
        ),
    ]
    if profile.age is not None:
        for age_rule in rules.age_rules:
            if age_rule.adjust and age_rule.matches(profile.age):
                moves.append(
                    (
                        f"age_rules.{age_rule.id}",
                        age_rule.adjust,
                        f"age {profile.age}: {age_rule.message}",
                        rules.cite(age_rule.sources),
                    )
                )
    for fid in profile.health_factors:
        hf = rules.health_factors[fid]
        if hf.adjust:
            moves.append(
                (
                    f"health_factors.{fid}",
                    hf.adjust,
                    f"{hf.label}: {hf.message}",
                    rules.cite(hf.sources),
                )
            )
    for uid in profile.underlying_factors:
        uf = rules.underlying_factors[uid]
        if uf.adjust:
            moves.append(
                (
                    f"underlying_factors.{uid}",
                    uf.adjust,
                    f"{uf.label}: {uf.reason}",
                    rules.cite(uf.sources),
                )
            )
    suggested, low, high = base.suggested, base.low, base.high
    for rule, adjust, reason, source in moves:
        suggested += adjust.suggested
        low += adjust.low
        high += adjust.high
        steps.append(Step(rule=rule, change=adjust.describe(), reason=reason, source=source))
    lo_e, hi_e = condition.evidence_min, condition.evidence_max
    clamped = [min(max(v, lo_e), hi_e) for v in (suggested, low, high)]
    if clamped != [suggested, low, high]:
        steps.append(
            Step(
                rule=f"conditions.{profile.condition}.evidence_max",
                change=f"held within {lo_e}-{hi_e}",
                reason=f"trials for {condition.label.lower()} used {lo_e} to {hi_e} sessions; "
                "the plan does not go beyond the evidence",
                source=rules.cite(condition.sources),
            )
        )
    suggested, low, high = clamped
    return Sessions(suggested=suggested, low=min(low, suggested), high=max(high, suggested)), steps


def _per_week(profile: ConditionProfile, rules: RuleSet, condition: Condition) -> tuple[int, str]:
    spacing_cap = (7 * 24) // rules.cadence.min_hours_between
    per_week = min(condition.per_week, rules.cadence.max_per_week, spacing_cap)
    why = (
        f"{condition.label}: {condition.per_week} a week in the evidence; at most "
        f"{rules.cadence.max_per_week} a week, {rules.cadence.min_hours_between} h apart"
    )
    if profile.sessions_per_week is not None and profile.sessions_per_week < per_week:
        per_week = profile.sessions_per_week
        why += f"; the patient can attend {profile.sessions_per_week} a week"
    return per_week, why


def _reassess(profile: ConditionProfile, rules: RuleSet, suggested: int) -> tuple[int, Step]:
    r = rules.reassess
    after = min(r.after_sessions, max(1, math.ceil(suggested * r.fraction_of_course)), suggested)
    reason = (
        f"reassess after {r.after_sessions} sessions or "
        f"{round(r.fraction_of_course * 100)}% of the course, whichever comes first; "
        "no meaningful change (NRS 2 points) by then means review the plan"
    )
    sources = r.sources
    if profile.previous_response == "none":
        after = min(after, r.after_no_previous_response)
        reason = (
            "no response to needling before predicts a poor response and more "
            f"soreness, so reassess earlier, after session {after}"
        )
        sources = r.no_previous_response_sources
    return after, Step(
        rule="reassess", change=f"after session {after}", reason=reason, source=rules.cite(sources)
    )


def _companions(
    profile: ConditionProfile, rules: RuleSet, condition: Condition, bands: Bands
) -> list[CompanionItem]:
    reasons: dict[str, list[str]] = {}
    links: list[dict[str, str]] = [
        condition.companions,
        rules.duration.companions.get(bands.duration, {}),
    ]
    links += [rules.underlying_factors[u].companions for u in profile.underlying_factors]
    links += [rules.health_factors[h].companions for h in profile.health_factors]
    for link in links:
        for cid, reason in link.items():
            if reason not in reasons.setdefault(cid, []):
                reasons[cid].append(reason)
    return [
        CompanionItem(
            id=cid,
            label=rules.companions[cid].label,
            reason="; ".join(why),
            source=rules.cite(rules.companions[cid].sources),
            patient_text=rules.companions[cid].patient_text,
        )
        for cid, why in reasons.items()
    ]


def schedule_dates(start: dt.date, count: int, per_week: int) -> list[dt.date]:
    """Session dates: ``per_week`` a week, spread evenly, the first on ``start``."""
    offsets = [round(k * 7 / per_week) for k in range(per_week)]
    return [
        start + dt.timedelta(days=7 * (i // per_week) + offsets[i % per_week]) for i in range(count)
    ]


def plan(profile: ConditionProfile, rules: RuleSet, *, source: str | None = None) -> Plan:
    """Suggest a course for ``profile`` under ``rules``. Pure and deterministic."""
    condition = rules.conditions.get(profile.condition)
    if condition is None:
        raise ValueError(
            f"the rule set '{rules.name}' does not know the condition "
            f"'{profile.condition}': validate the profile against it first"
        )
    for fid in profile.health_factors:
        if fid not in rules.health_factors:
            raise ValueError(f"unknown health factor '{fid}' for rule set '{rules.name}'")
    for uid in profile.underlying_factors:
        if uid not in rules.underlying_factors:
            raise ValueError(f"unknown underlying factor '{uid}' for rule set '{rules.name}'")

    flags = _flags(profile, rules)
    decision = _decision(flags)
    bands = Bands(
        severity=rules.severity.band(profile.severity),
        duration=rules.duration.band(profile.duration),
    )
    needling = decision in ("needle", "needle_with_caution")
    if needling:
        sessions, rationale = _dose(profile, rules, condition, bands)
        per_week, why = _per_week(profile, rules, condition)
        weeks = math.ceil(sessions.suggested / per_week)
        rationale.append(
            Step(
                rule="cadence",
                change=f"{per_week} a week for {weeks} weeks",
                reason=why,
                source=rules.cite(rules.cadence.sources),
            )
        )
        reassess_after, step = _reassess(profile, rules, sessions.suggested)
        rationale.append(step)
        cadence = Cadence(per_week=per_week, weeks=weeks)
    else:
        sessions, cadence, reassess_after = (
            Sessions(suggested=0, low=0, high=0),
            Cadence(per_week=0, weeks=0),
            0,
        )
        stopping = [
            f
            for f in flags
            if f.level != "precaution" and (f.level == "red_flag" or decision == "do_not_needle")
        ]
        rationale = [
            Step(
                rule=f"{'health_factors' if f.id in rules.health_factors else 'safety'}.{f.id}",
                change="0 sessions",
                reason=(
                    (
                        "red flag: refer for medical assessment before any needling"
                        if decision == "refer"
                        else "contraindication: do not needle"
                    )
                    + f" ({f.label})"
                ),
                source=f.source,
            )
            for f in stopping
        ]

    companions = [] if decision == "refer" else _companions(profile, rules, condition, bands)
    flag_ids = {f.id for f in flags}
    expectations = [
        e.text
        for e in rules.expectations
        if decision in e.decisions
        and (e.when_flag is None or e.when_flag in flag_ids)
        and (
            e.when_previous_response is None
            or e.when_previous_response == profile.previous_response
        )
    ]
    schedule = None
    if profile.start_date is not None:
        dates = schedule_dates(profile.start_date, sessions.suggested, max(cadence.per_week, 1))
        schedule = [
            ScheduledSession(session=i + 1, date=d, reassess=i + 1 == reassess_after)
            for i, d in enumerate(dates)
        ]
    return Plan(
        source=source,
        patient=profile.patient,
        condition=profile.condition,
        condition_label=condition.label,
        decision=decision,
        sessions=sessions,
        cadence=cadence,
        reassess_after=reassess_after,
        companions=tuple(companions),
        flags=tuple(flags),
        expectations=tuple(expectations),
        rationale=tuple(rationale),
        schedule=None if schedule is None else tuple(schedule),
        bands=bands,
        disclaimer=rules.disclaimer,
        rules=RulesRef(name=rules.name, version=rules.version, sha256=rules.sha256),
    )
