"""The plan's wording step: a plan decided in codes in, the worded ``Plan`` out.

The planner (and the red-flag screen) decide with ids, numbers and source
citations; each sentence they decide on is a :class:`~.wording.Said` (a
rule-set text and the values that fill it) or an entry's own words, carried
by the few types below. :func:`word_plan` says every one of them once, for
the clinician and for the page's reader (the patient, or a parent), and
builds the patient's page from the worded parts (:mod:`.advice`,
:mod:`.screening`). Nothing here decides what the plan is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import advice, screening
from .errors import inert
from .notes import read_notes
from .plancodes import CheckCode, FlagCode, PlanCodes, StepCode
from .results import Advice, Check, Flag, Plan, RulesRef, Step, Warning
from .schedule import date_warnings
from .wording import Said, say, worded

if TYPE_CHECKING:
    from .profile import ConditionProfile
    from .rules import RuleSet


def word_flag(rules: RuleSet, flag: FlagCode) -> Flag:
    return Flag(
        flag.id,
        flag.level,
        worded(rules, flag.label),
        worded(rules, flag.message),
        flag.source,
        worded(rules, flag.told),
        flag.urgency,
    )


def word_step(rules: RuleSet, step: StepCode) -> Step:
    change, reason = worded(rules, step.change), worded(rules, step.reason)
    return Step(step.rule, change, step.effect, reason, step.source)


def word_check(rules: RuleSet, check: CheckCode) -> Check:
    """``check`` worded (a notes check without an if-yes text would end in a space)."""
    message = check.message
    if isinstance(message, Said):
        yes = check.if_yes
        if_yes = worded(rules, yes) if yes is not None and yes.key in rules.texts else ""
        message = Said(message.key, message.audience, (*message.values, ("if_yes", if_yes)))
    return Check(check.kind, check.id, worded(rules, message).strip())


def word_plan(codes: PlanCodes, rules: RuleSet) -> Plan:
    """The worded plan: every sentence of ``codes`` said once, and the patient's page."""
    flags = tuple(word_flag(rules, f) for f in codes.flags)
    checks = tuple(word_check(rules, c) for c in codes.checks)
    warnings = tuple(Warning(w.kind, worded(rules, w.message)) for w in codes.warnings)
    if codes.schedule:
        dates = [(s.session, s.date) for s in codes.schedule]
        warnings += date_warnings(dates, codes.calendar, rules.calendar)
    return Plan(
        source=codes.source,
        patient=codes.patient,
        condition=codes.condition,
        condition_label=codes.condition_label,
        decision=codes.decision,
        urgency=codes.urgency,
        sessions=codes.sessions,
        course=codes.course,
        cadence=codes.cadence,
        reassess_after=codes.course.reassess_after,
        sites=codes.sites,
        unchecked=codes.unchecked,
        flags=flags,
        warnings=warnings,
        companions=codes.companions,
        expectations=codes.expectations,
        rationale=tuple(word_step(rules, s) for s in codes.rationale),
        bands=codes.bands,
        audience=codes.audience,
        advice=_page(codes, rules, flags, checks),
        disclaimer=rules.disclaimer,
        rules=RulesRef(name=rules.name, version=rules.version, sha256=rules.sha256),
        schedule=codes.schedule,
        checks=checks,
        profile_sha256=codes.profile_sha256,
    )


def _page(
    codes: PlanCodes, rules: RuleSet, flags: tuple[Flag, ...], checks: tuple[Check, ...]
) -> Advice:
    """The patient's page: a referral's or a "before we start" page where the rule set
    has the screen's words, else the plan's own; then its safety nets."""
    decision, audience = codes.decision, codes.audience
    page = None
    if decision == "check_first":
        page = screening.before_we_start_page(rules, checks, codes.companions, audience, flags)
    elif decision == "refer":
        page = screening.referral_page(
            rules, (codes.coded_urgency, codes.urgency), flags, audience, checks, codes.described
        )
    if page is None:
        page = advice.plan_advice(
            rules,
            decision=codes.planned,
            urgency=codes.urgency,
            audience=audience,
            flags=flags,
            sites=codes.sites,
            companions=codes.companions,
            course=codes.course,
            cadence=codes.cadence,
            reconsider=tuple(worded(rules, r) for r in codes.reconsider),
            dated=any(w.kind == "cadence_not_kept" for w in codes.warnings),
        )
    return advice.with_safety_nets(
        page,
        rules,
        condition=codes.condition,
        sites=codes.site_ids,
        flags=flags,
        audience=audience,
        checks=checks if decision in ("check_first", "refer") else (),
        pregnancy_weeks=codes.pregnancy_weeks,
    )


def validation_warnings(
    source: str, profile: ConditionProfile | None, rules: RuleSet
) -> list[tuple[str, dict[str, str]]]:
    """What ``validate`` says of a valid profile's open checks: warnings, never errors
    (the profile is valid; its plan will be ``check_first``). Each as a line for stderr
    and as a record for the JSON report."""
    if profile is None:
        return []
    hits = read_notes(profile.notes, rules, screening.coded_ids(profile), intake=True)
    checks = screening.open_checks(profile, rules, hits)
    worded_checks = [word_check(rules, c) for c in checks]
    return [
        (
            f"{inert(source)}: warning: "
            + say(rules, "run.open_check", id=c.id, message=inert(c.message)),
            {"kind": c.kind, "id": c.id, "message": c.message},
        )
        for c in worded_checks
    ]
