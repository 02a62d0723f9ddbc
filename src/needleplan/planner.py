"""``plan(profile, rules) -> Plan``: pure, deterministic, safety first.

No files, no printing, no clock: the same profile and rule set always give
the same plan. Order of work:

1. safety: red flags -> ``refer``; contraindications -> ``do_not_needle``;
   precautions -> ``needle_with_caution``; otherwise ``needle``;
2. dosing (only when needling is planned): the condition's base range, moved
   by the severity and duration bands, age and prognostic factors, then held
   inside the condition's evidence range - every step in the rationale;
3. cadence, reassessment point, companions, expectations, schedule.

The parts of a plan (flags, rationale steps, companions, expectations) are
frozen values that depend only on the rule set and a few profile fields, so
they are built once per rule set and reused (:class:`_Memo`). That changes
how fast a batch runs, never what a plan says.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from .plan import (
    Bands,
    Cadence,
    CompanionItem,
    Decision,
    Flag,
    FlagLevel,
    Plan,
    RulesRef,
    ScheduledSession,
    Sessions,
    Step,
)
from .profile import ConditionProfile
from .rules import Adjust, Condition, RuleSet

_LEVEL_ORDER = {"red_flag": 0, "contraindication": 1, "precaution": 2}
#: Entries a memo table may hold before it is emptied (bounds memory in huge batches).
MEMO_LIMIT = 20_000

T = TypeVar("T")


class _Memo:
    """Plan parts already built under one rule set, keyed by what they depend on."""

    def __init__(self, rules: RuleSet) -> None:
        self.table: dict[tuple[Any, ...], Any] = {}
        self.ref = RulesRef(name=rules.name, version=rules.version, sha256=rules.sha256)
        flagged = {e.when_flag for e in rules.expectations if e.when_flag}
        self.expectation_flags = frozenset(flagged)
        self.region_keywords = [
            (rc, re.compile("|".join(re.escape(k.lower()) for k in rc.keywords)))
            for rc in rules.region_cautions
        ]

    def get(self, key: tuple[Any, ...], build: Callable[[], T]) -> T:
        try:
            value: T = self.table[key]
        except KeyError:
            if len(self.table) >= MEMO_LIMIT:
                self.table.clear()
            value = self.table[key] = build()
        return value


def _memo(rules: RuleSet) -> _Memo:
    """The memo of ``rules``, kept on the rule set itself (it lives as long as they do)."""
    memo: _Memo | None = rules.__dict__.get("_plan_memo")
    if memo is None:
        memo = rules.__dict__["_plan_memo"] = _Memo(rules)
    return memo


class _Flagged(Protocol):
    """What health factors, age rules and region cautions share as flag sources."""

    @property
    def label(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def patient_message(self) -> str: ...
    @property
    def sources(self) -> list[str]: ...


def _flag(
    memo: _Memo, rules: RuleSet, kind: str, fid: str, level: FlagLevel, item: _Flagged
) -> Flag:
    return memo.get(
        ("flag", kind, fid),
        lambda: Flag(
            id=fid,
            level=level,
            label=item.label,
            message=item.message,
            source=rules.cite(item.sources),
            patient_message=item.patient_message,
        ),
    )


def _flags(profile: ConditionProfile, rules: RuleSet, memo: _Memo) -> list[Flag]:
    flags: list[Flag] = []
    for fid in profile.health_factors:
        hf = rules.health_factors[fid]
        if hf.level != "prognostic":
            flags.append(_flag(memo, rules, "health_factor", fid, hf.level, hf))
    if profile.age is not None:
        for rule in rules.age_rules:
            if rule.level == "precaution" and rule.matches(profile.age):
                flags.append(_flag(memo, rules, "age", rule.id, "precaution", rule))
    if profile.region:
        region = profile.region.lower()
        for rc, keywords in memo.region_keywords:
            if keywords.search(region):
                flags.append(_flag(memo, rules, "region", rc.id, "precaution", rc))
    flags.sort(key=lambda f: _LEVEL_ORDER[f.level])
    return flags


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


def _factor_step(rules: RuleSet, rule: str, item: Any, why: str) -> Step:
    """The rationale step of a health or underlying factor that moves the count."""
    return Step(
        rule=rule,
        change=item.adjust.describe(),
        reason=f"{item.label}: {why}",
        source=rules.cite(item.sources),
    )


def _dose(
    profile: ConditionProfile, rules: RuleSet, condition: Condition, bands: Bands, memo: _Memo
) -> tuple[Sessions, list[Step]]:
    base = condition.sessions
    steps = [
        memo.get(
            ("base", profile.condition),
            lambda: Step(
                rule=f"conditions.{profile.condition}.sessions",
                change=f"base {base.suggested} (range {base.low}-{base.high})",
                reason=condition.note,
                source=rules.cite(condition.sources),
            ),
        )
    ]
    moves: list[tuple[Adjust, tuple[Any, ...], Callable[[], Step]]] = []
    sev, dur = bands.severity, bands.duration
    duration_text = _duration_text(profile.duration)
    moves.append(
        (
            rules.severity.adjust[sev],
            ("severity", sev, profile.severity),
            lambda: Step(
                rule=f"severity.{sev}",
                change=rules.severity.adjust[sev].describe(),
                reason=f"{_severity_text(profile.severity)} is in the {sev} band: "
                f"{rules.severity.reasons[sev]}",
                source=rules.cite(rules.severity.sources),
            ),
        )
    )
    moves.append(
        (
            rules.duration.adjust[dur],
            ("duration", dur, duration_text),
            lambda: Step(
                rule=f"duration.{dur}",
                change=rules.duration.adjust[dur].describe(),
                reason=f"pain for {duration_text} is {dur}: {rules.duration.reasons[dur]}",
                source=rules.cite(rules.duration.sources),
            ),
        )
    )
    if profile.age is not None:
        for rule in rules.age_rules:
            if rule.adjust and rule.matches(profile.age):
                moves.append(
                    (
                        rule.adjust,
                        ("age", rule.id, profile.age),
                        lambda r=rule, a=rule.adjust: Step(  # type: ignore[misc]
                            rule=f"age_rules.{r.id}",
                            change=a.describe(),
                            reason=f"age {profile.age}: {r.message}",
                            source=rules.cite(r.sources),
                        ),
                    )
                )
    factors: tuple[tuple[str, list[str], Any, str], ...] = (
        ("health_factors", profile.health_factors, rules.health_factors, "message"),
        ("underlying_factors", profile.underlying_factors, rules.underlying_factors, "reason"),
    )
    for table_name, ids, table, text in factors:
        for fid in ids:
            item = table[fid]
            if item.adjust:
                step = functools.partial(
                    _factor_step, rules, f"{table_name}.{fid}", item, getattr(item, text)
                )
                moves.append((item.adjust, (table_name, fid), step))
    suggested, low, high = base.suggested, base.low, base.high
    for adjust, key, build in moves:
        suggested += adjust.suggested
        low += adjust.low
        high += adjust.high
        steps.append(memo.get(key, build))
    lo_e, hi_e = condition.evidence_min, condition.evidence_max
    clamped = [min(max(v, lo_e), hi_e) for v in (suggested, low, high)]
    if clamped != [suggested, low, high]:
        steps.append(
            memo.get(
                ("cap", profile.condition),
                lambda: Step(
                    rule=f"conditions.{profile.condition}.evidence_max",
                    change=f"held within {lo_e}-{hi_e}",
                    reason=f"trials for {condition.label.lower()} used {lo_e} to {hi_e} sessions; "
                    "the plan does not go beyond the evidence",
                    source=rules.cite(condition.sources),
                ),
            )
        )
    suggested, low, high = clamped
    return Sessions(suggested=suggested, low=min(low, suggested), high=max(high, suggested)), steps


def _cadence(
    profile: ConditionProfile, rules: RuleSet, condition: Condition, suggested: int, memo: _Memo
) -> tuple[Cadence, Step]:
    spacing_cap = (7 * 24) // rules.cadence.min_hours_between
    per_week = min(condition.per_week, rules.cadence.max_per_week, spacing_cap)
    limited_by = None
    if profile.sessions_per_week is not None and profile.sessions_per_week < per_week:
        per_week = limited_by = profile.sessions_per_week
    weeks = math.ceil(suggested / per_week)

    def build() -> Step:
        why = (
            f"{condition.label}: {condition.per_week} a week in the evidence; at most "
            f"{rules.cadence.max_per_week} a week, {rules.cadence.min_hours_between} h apart"
        )
        if limited_by is not None:
            why += f"; the patient can attend {limited_by} a week"
        return Step(
            rule="cadence",
            change=f"{per_week} a week for {weeks} weeks",
            reason=why,
            source=rules.cite(rules.cadence.sources),
        )

    step = memo.get(("cadence", profile.condition, per_week, weeks, limited_by), build)
    return Cadence(per_week=per_week, weeks=weeks), step


def _reassess(
    profile: ConditionProfile, rules: RuleSet, suggested: int, memo: _Memo
) -> tuple[int, Step]:
    r = rules.reassess
    after = min(r.after_sessions, max(1, math.ceil(suggested * r.fraction_of_course)), suggested)
    no_response = profile.previous_response == "none"
    if no_response:
        after = min(after, r.after_no_previous_response)

    def build() -> Step:
        if no_response:
            reason = (
                "no response to needling before predicts a poor response and more "
                f"soreness, so reassess earlier, after session {after}"
            )
            sources = r.no_previous_response_sources
        else:
            reason = (
                f"reassess after {r.after_sessions} sessions or "
                f"{round(r.fraction_of_course * 100)}% of the course, whichever comes "
                "first; no meaningful change (NRS 2 points) by then means review the plan"
            )
            sources = r.sources
        return Step(
            rule="reassess",
            change=f"after session {after}",
            reason=reason,
            source=rules.cite(sources),
        )

    return after, memo.get(("reassess", after, no_response), build)


def _companions(
    profile: ConditionProfile, rules: RuleSet, condition: Condition, bands: Bands
) -> tuple[CompanionItem, ...]:
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
    return tuple(
        CompanionItem(
            id=cid,
            label=rules.companions[cid].label,
            reason="; ".join(why),
            source=rules.cite(rules.companions[cid].sources),
            patient_text=rules.companions[cid].patient_text,
        )
        for cid, why in reasons.items()
    )


def _expectations(
    profile: ConditionProfile, rules: RuleSet, decision: Decision, flag_ids: frozenset[str]
) -> tuple[str, ...]:
    return tuple(
        e.text
        for e in rules.expectations
        if decision in e.decisions
        and (e.when_flag is None or e.when_flag in flag_ids)
        and (
            e.when_previous_response is None
            or e.when_previous_response == profile.previous_response
        )
    )


def schedule_dates(start: dt.date, count: int, per_week: int) -> list[dt.date]:
    """Session dates: ``per_week`` a week, spread evenly, the first on ``start``."""
    offsets = [round(k * 7 / per_week) for k in range(per_week)]
    return [
        start + dt.timedelta(days=7 * (i // per_week) + offsets[i % per_week]) for i in range(count)
    ]


def _check_ids(profile: ConditionProfile, rules: RuleSet) -> Condition:
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
    return condition


def plan(profile: ConditionProfile, rules: RuleSet, *, source: str | None = None) -> Plan:
    """Suggest a course for ``profile`` under ``rules``. Pure and deterministic."""
    condition = _check_ids(profile, rules)
    memo = _memo(rules)
    flags = _flags(profile, rules, memo)
    decision = _decision(flags)
    bands = Bands(
        severity=rules.severity.band(profile.severity),
        duration=rules.duration.band(profile.duration),
    )
    if decision in ("needle", "needle_with_caution"):
        sessions, rationale = _dose(profile, rules, condition, bands, memo)
        cadence, cadence_step = _cadence(profile, rules, condition, sessions.suggested, memo)
        reassess_after, reassess_step = _reassess(profile, rules, sessions.suggested, memo)
        rationale += (cadence_step, reassess_step)
    else:
        sessions, cadence, reassess_after = Sessions(0, 0, 0), Cadence(0, 0), 0
        rationale = [
            memo.get(
                ("stop", decision, f.id),
                lambda f=f: Step(  # type: ignore[misc]
                    rule=f"{'health_factors' if f.id in rules.health_factors else 'safety'}.{f.id}",
                    change="0 sessions",
                    reason=(
                        "red flag: refer for medical assessment before any needling"
                        if decision == "refer"
                        else "contraindication: do not needle"
                    )
                    + f" ({f.label})",
                    source=f.source,
                ),
            )
            for f in flags
            if f.level == "red_flag" or (f.level == "contraindication" and decision != "refer")
        ]
    if decision == "refer":
        companions: tuple[CompanionItem, ...] = ()
    else:
        companions = memo.get(
            (
                "companions",
                profile.condition,
                bands.duration,
                tuple(profile.underlying_factors),
                tuple(profile.health_factors),
            ),
            lambda: _companions(profile, rules, condition, bands),
        )
    flag_ids = (
        memo.expectation_flags.intersection([f.id for f in flags])
        if flags and memo.expectation_flags
        else frozenset()
    )
    expectations = memo.get(
        ("expectations", decision, flag_ids, profile.previous_response),
        lambda: _expectations(profile, rules, decision, flag_ids),
    )
    schedule = None
    if profile.start_date is not None:
        start, count, per_week = profile.start_date, sessions.suggested, cadence.per_week
        schedule = memo.get(
            ("schedule", start, count, per_week, reassess_after),
            lambda: tuple(
                ScheduledSession(session=i + 1, date=d, reassess=i + 1 == reassess_after)
                for i, d in enumerate(schedule_dates(start, count, max(per_week, 1)))
            ),
        )
    return Plan(
        source=source,
        patient=profile.patient,
        condition=profile.condition,
        condition_label=condition.label,
        decision=decision,
        sessions=sessions,
        cadence=cadence,
        reassess_after=reassess_after,
        companions=companions,
        flags=tuple(flags),
        expectations=expectations,
        rationale=tuple(rationale),
        schedule=schedule,
        bands=bands,
        disclaimer=rules.disclaimer,
        rules=memo.ref,
    )
