"""``plan(profile, rules) -> Plan``: pure, deterministic, safety first.

No files, no printing, no clock: the same profile, rule set and clinic
calendar always give the same plan. Order of work:

1. screening: red flags -> ``refer`` (with an urgency); contraindications ->
   ``do_not_needle``; a fresh injury or no pain -> ``not_indicated``;
2. sites: each listed site gets ``ok``, ``caution`` or ``avoid`` from the
   anatomy table and the site rules (lung fields, no pressure possible with a
   bleeding risk, pregnancy zones, a factor's place); if every site is
   ``avoid`` the plan does not needle; without sites, the checks that could
   not be made are listed;
3. dose (needling only): the initial block is a dose the condition's trials
   tested; severity and duration choose within that range; a good previous
   response shortens the road to the first review; prognostic factors move
   the expected course towards the practice ceiling, never past it. Every
   step says its real effect (``applied``, ``capped`` or ``none``);
4. cadence, reassessment point, companions, expectations, warnings, the
   open checks of the red-flag screen and (with a start date) the dated schedule.

:func:`decide` does all of this in codes: ids, numbers, source citations, and
for each sentence a :class:`~.wording.Said` (a rule-set text and the values
that fill it), gathered in a :class:`~.plancodes.PlanCodes`. Nothing here
words a sentence: :func:`.planwording.word_plan` says them all once, and builds
the patient's page. :func:`plan` is the two together.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterable, Mapping

from . import screening
from .notes import read_notes
from .plancodes import CheckCode, FlagCode, PlanCodes, StepCode, WarningCode
from .planwording import word_plan
from .profile import PREGNANCY, ConditionProfile, Factor
from .results import (
    Bands,
    Cadence,
    CompanionItem,
    Course,
    Flag,
    Plan,
    Reason,
    ScheduledSession,
    Sessions,
    SiteVerdict,
    UncheckedSite,
)
from .rules import AdviceFirst, Condition, LowPain, RuleSet, Site, SiteRule
from .schedule import ClinicCalendar, parse_time, profile_key, session_dates
from .screening import Combination
from .vocab import (
    ADULT_AGE,
    AT_TERM,
    EVERY_SITE_AVOIDED,
    FIRST_TRIMESTER,
    FLAG_LEVELS,
    NEEDLING,
    NO_PAIN,
    SIDED_REGIONS,
    URGENCIES,
    VERDICTS,
    WEEKS_PER_UNIT,
    Audience,
    Decision,
    Effect,
    Place,
    Urgency,
    spoken,
)
from .wording import Joined, Said, Wordable, counted, said

_LEVEL_ORDER: dict[str, int] = {level: i for i, level in enumerate(FLAG_LEVELS)}
_VERDICT_ORDER: dict[str, int] = {verdict: i for i, verdict in enumerate(VERDICTS)}


# -- screening --------------------------------------------------------------------


def _reader(profile: ConditionProfile) -> Audience:
    """Who reads the patient's page: the patient, or under 18 a parent or guardian."""
    return "parent" if profile.age is not None and profile.age < ADULT_AGE else "patient"


def _flags(profile: ConditionProfile, rules: RuleSet) -> list[FlagCode]:
    reader = _reader(profile)
    flags = [f for factor in profile.health_factors for f in _factor_flags(rules, factor, reader)]
    if profile.age is not None:
        flags += _age_flags(rules, profile.age)
    severity = profile.severity
    if isinstance(severity, int) and severity <= rules.plan_rules.no_pain.severity_at_most:
        flags.append(_no_pain_flag(rules, reader))
    elif _low_pain(profile, rules) and not _function_shows_need(profile, rules):
        low = rules.severity.low_pain
        assert low is not None  # the rule set's own check: needed with not_indicated_max
        flags.append(_not_indicated_flag(rules, "low_pain", low, reader))
    first = _advice_first(profile, rules)
    if first is not None:
        rule = rules.duration.advice_first[first]
        flags.append(_not_indicated_flag(rules, "advice_first", rule, reader))
    flags += screening.yes_flags(profile, rules, reader)  # a red flag answered yes
    # a lesser form beside the factor that takes its place (a past cancer beside a past
    # cancer with new pain) is not flagged: one finding, said once
    held = {f.id for f in flags}
    instead = {
        lesser
        for fid in held
        if (hf := rules.health_factors.get(fid)) is not None
        for lesser in hf.in_place_of
    }
    flags = [f for f in flags if f.id not in instead]
    if any(f.level == "red_flag" for f in flags):  # a referral: advice first is moot
        flags = [f for f in flags if f.id != "advice_first"]
    flags = [_for_region(f, profile, rules) for f in flags]
    flags.sort(key=lambda f: _LEVEL_ORDER[f.level])
    return flags


def _for_region(flag: FlagCode, profile: ConditionProfile, rules: RuleSet) -> FlagCode:
    """A flag whose factor words its message for some regions only (new pain after cancer
    and the spinal cord compression pathway: the spine) says its other message elsewhere."""
    hf = rules.health_factors.get(flag.id)
    if hf is None or not hf.message_elsewhere:
        return flag
    if set(screening.regions(profile, rules)).intersection(hf.message_regions):
        return flag
    return dataclasses.replace(flag, message=hf.message_elsewhere)


def _low_pain(profile: ConditionProfile, rules: RuleSet) -> bool:
    """Current pain above 0 and at most the rule set's not-indicated level (NRS 1-2)."""
    top = rules.severity.not_indicated_max
    return isinstance(profile.severity, int) and 0 < profile.severity <= top


def _function_shows_need(profile: ConditionProfile, rules: RuleSet) -> bool:
    """A function measure at the first log entry at least its minimal important change
    away from its best score (a design choice: need shown by the measure itself)."""
    if not profile.log or not profile.log[0].measure:
        return False
    for mid, value in profile.log[0].measure.items():
        measure = rules.review.measures.get(mid)
        if measure is None:
            continue
        best = 0.0 if measure.better == "lower" else measure.max
        if abs(float(value) - best) >= measure.mcid:
            return True
    return False


def _not_indicated_flag(
    rules: RuleSet, fid: str, rule: LowPain | AdviceFirst, reader: Audience
) -> FlagCode:
    """A rule that makes needling not indicated now (low pain; acute pain that gets
    advice first), as its flag."""
    cited = rules.cite(rule.sources)
    return FlagCode(fid, "not_indicated", rule.label, rule.message, cited, rule.message_for(reader))


def _advice_first(profile: ConditionProfile, rules: RuleSet) -> str | None:
    """The condition, when its acute pain gets advice first and the pain is acute."""
    if profile.condition not in rules.duration.advice_first:
        return None
    return profile.condition if rules.duration.band(profile.duration) == "acute" else None


def _think_again(
    profile: ConditionProfile, rules: RuleSet, reader: Audience, flags: tuple[FlagCode, ...]
) -> tuple[Wordable, ...]:
    """When to think again about needling: each fresh injury's text, no pain's, and the
    not-indicated findings' the planner itself raises."""
    ids = {f.id for f in flags if f.level == "not_indicated"}
    texts: list[Wordable] = [
        rules.health_factors[f.id].reconsider
        for f in profile.health_factors
        if rules.health_factors[f.id].level == "not_indicated"
    ]
    if profile.severity == 0:
        texts.append(said("page.pain_back", reader))
    if FIRST_TRIMESTER in ids:
        weeks = rules.plan_rules.first_trimester.weeks_below
        texts.append(said("plan_rules.first_trimester.reconsider", reader, weeks_below=weeks))
    if AT_TERM in ids:
        texts.append(said("plan_rules.at_term.reconsider", reader))
    if "advice_first" in ids:
        texts.append(rules.duration.advice_first[profile.condition].reconsider)
    if "low_pain" in ids and rules.severity.low_pain is not None:
        texts.append(rules.severity.low_pain.reconsider)
    return tuple(texts)


def _factor_flags(rules: RuleSet, factor: Factor, reader: Audience) -> tuple[FlagCode, ...]:
    """A health factor's flags: none for a prognostic one; a place-tied one at its places
    (or, without a place, a contraindication until it is named)."""
    hf = rules.health_factors[factor.id]
    told: Wordable = hf.message_for(reader)
    if hf.level == "prognostic":
        return ()
    source = rules.cite(hf.sources)
    if hf.place:
        if not factor.places:
            # cannot be checked without its place: do not needle until it is named
            missing = said(
                "flag.place_missing", label=hf.label, factor=factor.id, message=hf.message
            )
            told = said("flag.place_missing.told", reader, label=hf.label, told=told)
            return (FlagCode(factor.id, "contraindication", hf.label, missing, source, told),)
        places = ", ".join(spoken(p) for p in factor.places)
        where = " and ".join(rules.terms.places[p] for p in factor.places)
        there = "contraindication" if hf.level == "contraindication" else "precaution"
        return (
            FlagCode(
                factor.id,
                "precaution",
                said(f"flag.at_place.label.{there}", label=hf.label, places=places),
                said("flag.at_place.message", message=hf.message, places=places),
                source,
                said("flag.at_place.told", reader, told=told, where=where) if told else told,
            ),
        )
    if factor.id == PREGNANCY and factor.weeks is None:  # the page asks for the weeks
        told = said("flag.pregnancy_weeks_unknown", reader, told=told)
    flag = FlagCode(factor.id, hf.level, hf.label, hf.message, source, told, hf.urgency)
    if factor.id == PREGNANCY:
        return (flag, *_pregnancy_flags(rules, factor.weeks, reader))
    return (flag,)


def _age_flags(rules: RuleSet, age: int) -> tuple[FlagCode, ...]:
    return tuple(
        FlagCode(
            rule.id,
            rule.level,
            rule.label,
            rule.message,
            rules.cite(rule.sources),
            rule.patient_message,
        )
        for rule in rules.age_rules
        if rule.level in ("precaution", "contraindication") and rule.matches(age)
    )


def _no_pain_flag(rules: RuleSet, reader: Audience) -> FlagCode:
    """The plan rule ``no_pain``: a pain-driven course has nothing to show."""
    review = rules.review
    return FlagCode(
        NO_PAIN,
        "not_indicated",
        said("plan_rules.no_pain.label"),
        said("plan_rules.no_pain.message", points=review.nrs_points, percent=review.nrs_percent),
        rules.cite(rules.plan_rules.no_pain.sources),
        said("plan_rules.no_pain.told", reader),
    )


def _pregnancy_flags(rules: RuleSet, weeks: int | None, reader: Audience) -> list[FlagCode]:
    """The plan rule ``first_trimester``: not now, reconsider from ``weeks_below``; and at
    or past term at the start (``past_term.term_weeks``): not now, after the birth."""
    rule = rules.plan_rules.first_trimester
    term = rules.plan_rules.past_term
    if weeks is not None and term is not None and weeks >= term.term_weeks:
        return [
            FlagCode(
                AT_TERM,
                "not_indicated",  # the birth comes first (a design choice)
                said("plan_rules.at_term.label", weeks=weeks),
                said("plan_rules.at_term.message", weeks=weeks, term=term.term_weeks),
                rules.cite(term.sources),
                said("plan_rules.at_term.told", reader),
            )
        ]
    if weeks is None or weeks >= rule.weeks_below:
        return []
    return [
        FlagCode(
            FIRST_TRIMESTER,
            "not_indicated",  # not now: reconsider from weeks_below (a design choice)
            said("plan_rules.first_trimester.label", weeks=weeks),
            said("plan_rules.first_trimester.message", weeks=weeks, weeks_below=rule.weeks_below),
            rules.cite(rule.sources),
            said("plan_rules.first_trimester.told", reader, weeks_below=rule.weeks_below),
        )
    ]


# -- sites ------------------------------------------------------------------------


def site_places(site: Site, side: str) -> frozenset[Place]:
    """The places a site on ``side`` lies in (an arm or leg site on both sides: both limbs)."""
    places: set[str] = set()
    sides = ("left", "right") if side == "both" else (side,)
    for part in (site.body_part, *site.also):
        if part in ("arm", "leg"):
            places.update(f"{s}_{part}" for s in sides)
        else:
            places.add(part)
    for region in site.near:  # a joint, a side of the chest, a part of the back
        if region in SIDED_REGIONS:
            places.update(f"{s}_{region}" for s in sides)
        else:
            places.add(region)
    return frozenset(places)  # type: ignore[arg-type]


def _risk_sides(profile: ConditionProfile, rules: RuleSet, rule: SiteRule) -> frozenset[str]:
    """The sides of the body on which the profile lists a site that ``rule`` reaches and
    that will be needled (a site avoided there, by its own rules, is not)."""
    sides: set[str] = set()
    for sid, side in profile.sites.items():
        if not rule.reaches(rules.sites[sid].risks):
            continue
        for one in ("left", "right") if side == "both" else (side,):
            if _site_verdict(profile, rules, sid, one, alone=True).verdict != "avoid":
                sides.add(one)
    return frozenset(sides)


def _site_verdicts(profile: ConditionProfile, rules: RuleSet) -> tuple[SiteVerdict, ...]:
    """Each listed site's verdict; a site on both sides is judged side by side, and listed
    once per side when its sides differ (a lymphoedema of the right arm, say)."""
    verdicts = []
    for sid, side in profile.sites.items():
        if side == "both":
            left, right = (_site_verdict(profile, rules, sid, s) for s in ("left", "right"))
            if (left.verdict, left.reasons) != (right.verdict, right.reasons):
                verdicts += [left, right]
                continue
        verdicts.append(_site_verdict(profile, rules, sid, side))
    # avoided sites first, then cautions, each in the order given
    return tuple(sorted(verdicts, key=lambda v: -_VERDICT_ORDER[v.verdict]))


def _site_verdict(
    profile: ConditionProfile, rules: RuleSet, sid: str, side: str, *, alone: bool = False
) -> SiteVerdict:
    """A site's verdict on ``side``; ``alone``: by its own rules only (not the rules that
    look at the other sites of the session, such as both lung fields)."""
    have = profile.factor_ids
    site = rules.sites[sid]
    places = site_places(site, side)
    reasons: list[tuple[int, Reason]] = []  # with its rule's verdict: the deciding ones first
    verdict = "ok"
    covered: set[str] = set()  # factors already answered by a rule at this site
    for rule in rules.site_rules:
        factors = set(rule.factors_any)
        if rule.in_place_of is not None:
            factor = profile.factor(rule.in_place_of)
            if factor is None or not places.intersection(factor.places):
                continue
        elif rule.risk is not None:
            if not rule.reaches(site.risks) or (factors and not factors & have):
                continue
            if rule.both_sides and (alone or len(_risk_sides(profile, rules, rule)) < 2):
                continue  # only when the session reaches both sides of the body
        elif not factors & have or factors & covered:
            continue  # a general rule, already answered more strictly here
        covered |= factors & have
        stronger = bool(set(rule.stronger_with) & have) and rule.message_stronger
        reason = Reason(
            rule.id,
            rule.message_stronger if stronger else rule.message,
            rule.message_for(_reader(profile)),
            rules.cite(rule.sources),
        )
        reasons.append((-_VERDICT_ORDER[rule.verdict], reason))
        if _VERDICT_ORDER[rule.verdict] > _VERDICT_ORDER[verdict]:
            verdict = rule.verdict
    ordered = tuple(reason for _, reason in sorted(reasons, key=lambda pair: pair[0]))
    where = site.label_for(_reader(profile), side)
    return SiteVerdict(sid, site.label, side, verdict, ordered, where)  # type: ignore[arg-type]


def _unchecked(
    profile: ConditionProfile, rules: RuleSet, decision: str
) -> tuple[UncheckedSite, ...]:
    """Site checks that could not be made: only worth saying when needling is planned."""
    if profile.sites or decision not in NEEDLING:
        return ()
    have = profile.factor_ids
    return tuple(
        UncheckedSite(check, u.message)
        for check, u in rules.unchecked.items()
        if not u.when_factors_any or set(u.when_factors_any) & have
    )


# -- decision ---------------------------------------------------------------------


def _decision(
    flags: list[FlagCode], sites: tuple[SiteVerdict, ...], reader: Audience
) -> tuple[Decision, list[FlagCode]]:
    levels = {f.level for f in flags}
    if "red_flag" in levels:
        return "refer", flags
    if "contraindication" in levels:
        return "do_not_needle", flags
    if "not_indicated" in levels:
        return "not_indicated", flags
    if sites and all(s.verdict == "avoid" for s in sites):
        names = ", ".join(s.label for s in sites)
        flag = FlagCode(
            EVERY_SITE_AVOIDED,
            "contraindication",
            said("plan_rules.every_site_avoided.label"),
            said("plan_rules.every_site_avoided.message", names=names),
            "; ".join(dict.fromkeys(r.source for s in sites for r in s.reasons)),
            said("plan_rules.every_site_avoided.told", reader),
        )
        return "do_not_needle", [flag, *flags]
    if "precaution" in levels or any(s.verdict != "ok" for s in sites):
        return "needle_with_caution", flags
    return "needle", flags


# -- dose -------------------------------------------------------------------------


def _dose_step(block: int, step: int, doses: tuple[int, ...]) -> tuple[int, Effect]:
    """Move ``block`` by ``step`` places along the trial ``doses`` (sorted), held at its ends."""
    if step == 0:
        return block, "none"
    at = doses.index(block) + step
    moved = doses[min(max(at, 0), len(doses) - 1)]
    return moved, "applied" if 0 <= at < len(doses) else "capped"


def _signed(n: int) -> str:
    return f"{n:+d}"


def _dose(
    profile: ConditionProfile, rules: RuleSet, condition: Condition
) -> tuple[Sessions, Course, list[StepCode]]:
    cid = profile.condition
    ceiling = rules.ceiling(cid)
    block = condition.initial_block.low
    steps = [_initial_step(rules, cid)]
    smallest = _smallest_dose(profile, rules)
    if smallest is not None:
        # acute pain or a sensitised patient: the smallest dose a trial tested, whatever
        # the severity or a good response before
        rule, why, sources = smallest
        block = min(condition.trial_doses)
        steps.append(_smallest_step(rules, cid, rule, why, sources))
        steps.append(_held_step(rules, "severity", profile.severity, block))
        if profile.previous_response == "good":
            steps.append(_held_step(rules, "previous_response", "good", block))
    else:
        # the block is always a dose a trial tested, inside the condition's range
        block, step = _severity_step(rules, cid, block, profile.severity)
        steps.append(step)
        block, step = _duration_step(rules, cid, block, profile.duration)
        steps.append(step)
        if profile.previous_response == "good":
            block, step = _good_response_step(rules, cid, block)
            steps.append(step)
    # slow-recovery factors lengthen the expected recovery and bring other care; they
    # never add needling sessions
    for rule, change, reason, sources in _prognostic(profile, rules):
        steps.append(_course_step(rules, rule, change, reason, sources))
    reassess, step = _reassess_step(rules, block, profile.previous_response)
    steps += [step, _ceiling_step(rules, cid)]
    return (
        Sessions(suggested=block, low=block, high=ceiling),
        Course(initial_block=block, reassess_after=reassess, ceiling=ceiling),
        steps,
    )


def _smallest_dose(
    profile: ConditionProfile, rules: RuleSet
) -> tuple[str, Said, tuple[str, ...]] | None:
    """Why the first block is the smallest tested dose, if it is: (rule, reason, sources)."""
    band = rules.duration.band(profile.duration)
    if band in rules.duration.smallest_dose:
        return (
            f"duration.{band}",
            said("step.smallest.duration", duration=_duration_text(profile.duration), band=band),
            rules.duration.smallest_dose_sources or rules.duration.sources,
        )
    for factor in profile.health_factors:
        hf = rules.health_factors[factor.id]
        if hf.smallest_dose:
            return (
                f"health_factors.{factor.id}",
                said("step.smallest.factor", label=hf.label),
                hf.sources,
            )
    return None


def _smallest_step(
    rules: RuleSet, cid: str, rule: str, why: Said, sources: tuple[str, ...]
) -> StepCode:
    block = min(rules.conditions[cid].trial_doses)
    change = said("step.initial_block.change", low=block)
    return StepCode(rule, change, "applied", why, rules.cite(sources))


def _held_step(rules: RuleSet, what: str, value: int | str, block: int) -> StepCode:
    """A step that would have moved the block, held at the smallest tested dose."""
    if what == "severity":
        band = rules.severity.band(value)
        rule = f"severity.{band}"
        key = "step.severity.reason" if isinstance(value, int) else "step.severity.reason_word"
        why = said(key, severity=value, band=band)
        sources = rules.severity.sources
    else:
        rule = "previous_response.good"
        why = said("step.good_response.reason")
        sources = rules.course.good_response_sources
    why = said("step.smallest.held", why=why, block=block)
    return StepCode(rule, "0", "none", why, rules.cite(sources))


def _doses(condition: Condition) -> tuple[int, ...]:
    """The initial blocks the condition's trials tested, inside its range (sorted)."""
    low, high = condition.initial_block.low, condition.initial_block.high
    return tuple(sorted({d for d in condition.trial_doses if low <= d <= high} | {low, high}))


def _initial_step(rules: RuleSet, cid: str) -> StepCode:
    condition = rules.conditions[cid]
    low, high = condition.initial_block.low, condition.initial_block.high
    tested = ", ".join(str(d) for d in condition.trial_doses)
    change = "step.initial_block.change" if low == high else "step.initial_block.change_range"
    return StepCode(
        f"conditions.{cid}.initial_block",
        said(change, low=low, high=high),
        "applied",
        said(
            "step.initial_block.reason",
            condition=condition.label,
            tested=tested,
            note=condition.note,
            low=low,
            high=high,
        ),
        rules.cite(condition.sources),
    )


def _block_step(
    rules: RuleSet, cid: str, block: int, rule: str, step: int, why: Said, sources: tuple[str, ...]
) -> tuple[int, StepCode]:
    """A severity or duration band's move of the initial block along the trial doses."""
    condition = rules.conditions[cid]
    block, effect = _dose_step(block, step, _doses(condition))
    high = condition.initial_block.high
    key = "step.block.unchanged"
    if step:
        key = "step.block.capped" if effect == "capped" else "step.block.larger"
    reason = said(key, why=why, high=high)
    return block, StepCode(
        rule, _signed(step) if step else "0", effect, reason, rules.cite(sources)
    )


def _severity_step(
    rules: RuleSet, cid: str, block: int, severity: int | str
) -> tuple[int, StepCode]:
    band = rules.severity.band(severity)
    return _block_step(
        rules,
        cid,
        block,
        f"severity.{band}",
        rules.severity.block_step.get(band, 0),
        said(
            "step.severity.reason" if isinstance(severity, int) else "step.severity.reason_word",
            severity=severity,
            band=band,
        ),
        rules.severity.sources,
    )


def _duration_step(rules: RuleSet, cid: str, block: int, weeks: float) -> tuple[int, StepCode]:
    band = rules.duration.band(weeks)
    return _block_step(
        rules,
        cid,
        block,
        f"duration.{band}",
        rules.duration.block_step.get(band, 0),
        said("step.duration.reason", duration=_duration_text(weeks), band=band),
        rules.duration.sources,
    )


def _good_response_step(rules: RuleSet, cid: str, block: int) -> tuple[int, StepCode]:
    course_rules = rules.course
    step = course_rules.good_response_block_step
    block, effect = _dose_step(block, step, _doses(rules.conditions[cid]))
    low = rules.conditions[cid].initial_block.low
    return block, StepCode(
        "previous_response.good",
        _signed(step) if step else "0",
        effect,
        said(
            "step.good_response.capped" if effect == "capped" else "step.good_response.reason",
            low=low,
        ),
        rules.cite(course_rules.good_response_sources),
    )


def _course_step(
    rules: RuleSet, rule: str, step: int, why: Wordable, sources: tuple[str, ...]
) -> StepCode:
    """A prognostic factor's effect: on the expected recovery, never on the sessions."""
    if step == 0:
        return StepCode(rule, "0", "none", why, rules.cite(sources))
    change = said("step.course.longer" if step > 0 else "step.course.shorter")
    why = said("step.course.not_a_dose", why=why)
    return StepCode(rule, change, "applied", why, rules.cite(sources))


def _reassess_step(rules: RuleSet, block: int, previous_response: str) -> tuple[int, StepCode]:
    course_rules = rules.course
    reassess = min(
        course_rules.reassess_after_at_most,
        max(1, math.ceil(block * course_rules.reassess_fraction)),
        block,
    )
    reason = said(
        "step.reassess.reason",
        at_most=course_rules.reassess_after_at_most,
        fraction=course_rules.reassess_fraction,
        points=rules.review.nrs_points,
        percent=rules.review.nrs_percent,
    )
    sources = course_rules.reassess_sources
    if previous_response == "none":
        earlier = min(reassess, course_rules.no_response_reassess_after)
        reason = said("step.reassess.no_response", n=earlier)
        reassess, sources = earlier, course_rules.no_response_sources
    change = said("step.reassess.change", n=reassess)
    step = StepCode("reassess", change, "applied", reason, rules.cite(sources))
    return reassess, step


def _ceiling_step(rules: RuleSet, cid: str) -> StepCode:
    course_rules = rules.course
    ceiling = rules.ceiling(cid)
    return StepCode(
        "course.ceiling",
        said("step.ceiling.change", ceiling=ceiling),
        "applied",
        said("step.ceiling.reason", ceiling=ceiling, every=course_rules.progress_note_every),
        rules.cite((*course_rules.ceiling_sources, *course_rules.progress_note_sources)),
    )


def _prognostic(
    profile: ConditionProfile, rules: RuleSet
) -> list[tuple[str, int, Wordable, tuple[str, ...]]]:
    """Every factor that changes the expected course: (rule, step, reason, sources)."""
    found: list[tuple[str, int, Wordable, tuple[str, ...]]] = []
    for factor in profile.health_factors:
        hf = rules.health_factors[factor.id]
        if hf.prognostic_step or hf.level == "prognostic":
            found.append(
                (
                    f"health_factors.{factor.id}",
                    hf.prognostic_step,
                    said(_course_effect(hf.prognostic_step), label=hf.label),
                    hf.sources,
                )
            )
    for uid in profile.underlying_factors:
        uf = rules.underlying_factors[uid]
        found.append(
            (
                f"underlying_factors.{uid}",
                uf.prognostic_step,
                said("step.course.underlying", label=uf.label, reason=uf.reason),
                uf.sources,
            )
        )
    if profile.age is not None:
        for rule in rules.age_rules:
            if rule.level == "prognostic" and rule.matches(profile.age):
                found.append(
                    (
                        f"age_rules.{rule.id}",
                        rule.prognostic_step,
                        said("step.course.age", age=profile.age, message=rule.message),
                        rule.sources,
                    )
                )
    risk = _start_back_risk(profile, rules)
    if risk is not None and rules.start_back is not None:
        sb = rules.start_back
        why: Wordable = sb.reasons.get(risk) or said("step.course.start_back", risk=risk)  # type: ignore[call-overload]
        step: int = sb.prognostic_step.get(risk, 0)  # type: ignore[call-overload]
        found.append((f"start_back.{risk}", step, why, sb.sources))
    return found


def _course_effect(step: int) -> str:
    """The text id of what a prognostic factor's step does to the course."""
    if step > 0:
        return "step.course.slower"
    if step < 0:
        return "step.course.faster"
    return "step.course.good_sign"


def _start_back_risk(profile: ConditionProfile, rules: RuleSet) -> str | None:
    sb = rules.start_back
    if sb is None or profile.start_back is None:
        return None
    if sb.applies_to and profile.condition not in sb.applies_to:
        return None
    return sb.risk(profile.start_back.total, profile.start_back.psychosocial)


def _duration_text(weeks: float) -> str:
    if weeks < 2:
        days = round(weeks * 7)
        return f"{days} day" + ("" if days == 1 else "s")
    if weeks < 17:
        return f"{weeks:.3g} weeks"
    return f"{weeks / WEEKS_PER_UNIT['month']:.3g} months"


def _cadence(
    rules: RuleSet, cid: str, block: int, can_attend: int | None
) -> tuple[Cadence, StepCode]:
    """Sessions a week: the condition's, within the rule set's limits and the patient's."""
    condition = rules.conditions[cid]
    spacing_cap = (7 * 24) // rules.cadence.min_hours_between
    per_week = min(condition.per_week, rules.cadence.max_per_week, spacing_cap)
    limited = can_attend is not None and can_attend < per_week
    if limited:
        assert can_attend is not None
        per_week = can_attend
    weeks = math.ceil(block / per_week)
    why = said(
        "step.cadence.reason",
        condition=condition.label,
        condition_per_week=condition.per_week,
        max_per_week=rules.cadence.max_per_week,
        hours=rules.cadence.min_hours_between,
    )
    if limited:
        why = said("step.cadence.can_attend", why=why, per_week=per_week)
    step = StepCode(
        "cadence",
        said("step.cadence.change", per_week=per_week, weeks=counted("week", weeks)),
        "applied",
        why,
        rules.cite(rules.cadence.sources),
    )
    return Cadence(per_week=per_week, weeks=weeks), step


# -- companions, expectations, warnings ---------------------------------------------


def _companions(
    profile: ConditionProfile, rules: RuleSet, decision: str, duration: str
) -> tuple[CompanionItem, ...]:
    """The other therapies, each with every reason it fits."""
    if decision == "refer":
        return ()
    health = [f.id for f in profile.health_factors]
    condition, underlying = profile.condition, profile.underlying_factors
    risk, reader = _start_back_risk(profile, rules), _reader(profile)
    advice_first = _advice_first(profile, rules)
    injury = [
        rules.health_factors[h].companions
        for h in health
        if rules.health_factors[h].level == "not_indicated"
    ]
    if advice_first is not None:  # acute pain with advice first: that advice leads
        injury.insert(0, rules.duration.advice_first[advice_first].companions)
    links: list[Mapping[str, str]] = []
    if injury:
        # a fresh injury: protection and graded load first, not the condition's usual programme
        links = list(injury)
    else:
        links = [rules.conditions[condition].companions]
        links.append(rules.duration.companions.get(duration, {}))  # type: ignore[call-overload]
        links += [rules.underlying_factors[u].companions for u in underlying]
        links += [rules.health_factors[h].companions for h in health]
        if risk is not None and rules.start_back is not None:
            links.append(rules.start_back.companions.get(risk, {}))  # type: ignore[call-overload]
    reasons: dict[str, list[str]] = {}
    for link in links:
        for cid, reason in link.items():
            if reason not in reasons.setdefault(cid, []):
                reasons[cid].append(reason)
    return tuple(_companion(rules, cid, tuple(why), reader) for cid, why in reasons.items())


def _companion(
    rules: RuleSet, cid: str, reasons: tuple[str, ...], reader: Audience
) -> CompanionItem:
    companion = rules.companions[cid]
    return CompanionItem(
        id=cid,
        label=companion.label,
        reason="; ".join(reasons),
        source=rules.cite(companion.sources),
        patient_text=companion.text_for(reader),
    )


def _expectations(
    profile: ConditionProfile, rules: RuleSet, decision: str, flags: tuple[FlagCode, ...]
) -> tuple[str, ...]:
    flag_ids = {f.id for f in flags}
    slow = any(step > 0 for _, step, _, _ in _prognostic(profile, rules))
    return tuple(
        e.text
        for e in rules.expectations
        if decision in e.decisions
        and (not e.conditions or profile.condition in e.conditions)
        and (e.when_flag is None or e.when_flag in flag_ids)
        and (
            e.when_previous_response is None
            or e.when_previous_response == profile.previous_response
        )
        and (not e.when_slow_recovery or slow)
    )


def notes_said(
    notes: str | None,
    rules: RuleSet,
    have: frozenset[str],
    profile: ConditionProfile,
    *,
    intake: bool = False,
) -> Said | None:
    """The warning for red-flag words in ``notes`` (None when none): words, topic, factor.

    The notes are read in context (:func:`notes.read_notes`; ``intake``: a profile's own
    notes): words negated, in the past, hypothetical or about someone else are not named,
    nor words whose factor is coded or settled by a coded factor
    (``screening.settled_by``: a recent seizure settles epilepsy), nor words of a
    question not asked of ``profile``'s patient (giant cell arteritis below 50)."""
    hits = read_notes(notes, rules, have, intake=intake)
    if not hits:
        return None
    settled_by = rules.screening.settled_by if rules.screening is not None else {}
    places, weeks = screening.regions(profile, rules), profile.pregnancy_weeks
    parts: list[Said] = []
    for group in rules.note_words:
        words = list(dict.fromkeys(h.words for h in hits if h.trigger == group.id))
        if not words or have.intersection(
            (group.question, group.factor or group.question, *settled_by.get(group.question, ()))
        ):
            continue  # none, or the factor (or one that settles it) is already coded
        if not screening.notes_may_ask(group.question, rules, profile.age, weeks):
            continue  # a question of another age or of later pregnancy
        if not screening.in_regions(rules, group.id, places):
            continue  # words that count only where other regions are treated
        words_said = ", ".join(repr(w) for w in words)
        add = group.factor is not None and group.factor not in have
        key = "warning.notes_group_add" if add else "warning.notes_group"
        parts.append(said(key, topic=group.topic, words=words_said, factor=group.factor or ""))
    if not parts:
        return None
    return said("warning.notes_red_flag_words", groups=Joined("; ", tuple(parts)))


def _referral_answers(rules: RuleSet, factor: str, urgency: Urgency, present: set[str]) -> bool:
    """Whether a referral at ``urgency`` already answers the question of ``factor``: coded,
    it could neither raise the urgency (by itself or by a combination with the red flags
    ``present``) nor change the decision (needling already waits for a doctor)."""
    if urgency == "none":
        return False
    hf = rules.health_factors.get(factor)
    if hf is None or hf.level != "red_flag":
        return True
    raised = screening.urgency_with(present | {factor}, rules)
    return URGENCIES.index(raised) <= URGENCIES.index(urgency)


def _warnings(
    profile: ConditionProfile,
    rules: RuleSet,
    unchecked: tuple[UncheckedSite, ...],
    urgency: Urgency = "none",
    flags: tuple[FlagCode, ...] = (),
) -> list[WarningCode]:
    """What the clinician should check. A referral leaves off the prompts it already
    answers (a fresh sprain beside a possible hip fracture)."""
    present = {f.id for f in flags if f.level == "red_flag"}
    found: list[WarningCode] = []
    yes = frozenset(q for q, answer in (profile.screening or {}).items() if answer)
    notes = notes_said(profile.notes, rules, profile.factor_ids | yes, profile, intake=True)
    if notes is not None:
        found.append(WarningCode("notes_red_flag_words", notes))
    new_pain = rules.plan_rules.new_pain_over_50
    if (
        profile.age is not None
        and profile.age >= new_pain.age_at_least
        and profile.duration <= new_pain.duration_weeks_at_most
    ):
        factor = new_pain.by_condition.get(profile.condition, new_pain.factor)
        if not profile.factor_ids.intersection(
            (new_pain.factor, *new_pain.by_condition.values())
        ) and not _referral_answers(rules, factor, urgency, present):
            duration = _duration_text(profile.duration)
            warning = said(
                "plan_rules.new_pain_over_50.warning",
                age=profile.age,
                duration=duration,
                factor=factor,
            )
            found.append(WarningCode("new_pain_over_50", warning))
    if profile.age is None:
        found.append(WarningCode("age_not_given", said("warning.age_not_given")))
    fresh = rules.plan_rules.fresh_pain
    if (
        profile.duration < fresh.duration_weeks_below
        and not profile.factor(fresh.factor)
        and not _referral_answers(rules, fresh.factor, urgency, present)
    ):
        warning = said("plan_rules.fresh_pain.warning", factor=fresh.factor)
        found.append(WarningCode("fresh_pain", warning))
    review = rules.review
    if _low_pain(profile, rules) and _function_shows_need(profile, rules):
        low = rules.severity.low_pain
        assert low is not None
        found.append(WarningCode("low_pain", low.measure_message))
    elif (
        isinstance(profile.severity, int)
        and rules.severity.not_indicated_max < profile.severity <= review.discharge_nrs
    ):
        warning = said(
            "warning.low_pain",
            severity=profile.severity,
            discharge=review.discharge_nrs,
            points=review.nrs_points,
        )
        found.append(WarningCode("low_pain", warning))
    sb = profile.start_back
    if sb is not None and sb.psychosocial > sb.total:
        found.append(WarningCode("start_back_scores", said("warning.start_back_scores")))
    if _start_back_risk(profile, rules) == "low":
        found.append(WarningCode("start_back_low_risk", said("warning.start_back_low_risk")))
    # given, and not used (a rule set that names no condition uses it everywhere)
    applies = rules.start_back.applies_to if rules.start_back is not None else ()
    if sb is not None and applies and profile.condition not in applies:
        label = rules.conditions[profile.condition].label
        line = said("warning.start_back_not_validated", condition=label)
        found.append(WarningCode("start_back_not_validated", line))
    if rules.screening is None:  # no checklist to hold the plan: say it at least
        found += [WarningCode("open_check", c.message) for c in _open_checks(profile, rules)]
    consent = [
        rules.health_factors[f.id].label
        for f in profile.health_factors
        if rules.health_factors[f.id].consent_prompt
    ]
    if profile.age is not None:
        consent += _consent_ages(rules, profile.age)
    if consent:
        found.append(WarningCode("consent", said("warning.consent", labels=", ".join(consent))))
    if unchecked:
        checks = ", ".join(spoken(u.check) for u in unchecked)
        found.append(WarningCode("sites_not_given", said("warning.sites_not_given", checks=checks)))
    confidential = [
        rules.health_factors[f.id].label
        for f in profile.health_factors
        if rules.health_factors[f.id].under_18_confidential
    ]
    if confidential and profile.age is not None and profile.age < ADULT_AGE:
        warning = said("warning.pregnancy_under_18", labels=", ".join(confidential))
        found.append(WarningCode("pregnancy_under_18", warning))
    pregnancy = profile.factor(PREGNANCY)
    if pregnancy is not None and pregnancy.weeks is None:
        warning = said("warning.pregnancy_weeks_not_given")
        found.append(WarningCode("pregnancy_weeks_not_given", warning))
    return found


def _open_checks(profile: ConditionProfile, rules: RuleSet) -> tuple[CheckCode, ...]:
    """Questions a listed factor leaves open (warfarin without a known INR): each holds a
    needling plan as ``check_first`` until another factor settles it."""
    have = profile.factor_ids
    return tuple(
        CheckCode("factor", factor.id, hf.open_check)
        for factor in profile.health_factors
        if (hf := rules.health_factors[factor.id]).open_check
        and not have.intersection(hf.settled_by)
    )


def _needling_warnings(
    profile: ConditionProfile, rules: RuleSet, sites: tuple[SiteVerdict, ...]
) -> list[WarningCode]:
    """What a needling plan must say besides its sites: a guideline on the condition,
    and the deep vein thrombosis question before a calf site in a patient at risk."""
    found = []
    guideline = rules.conditions[profile.condition].guideline
    if guideline:
        found.append(WarningCode("guideline", guideline))
    answered = "suspected_dvt" in screening.answers(profile)  # asked at intake already
    for site in () if answered else sites:
        asked = [r.message for r in site.reasons if r.flag == "dvt_question"]
        if asked:
            found.append(WarningCode("dvt_question", asked[0]))
            break
    applied = {r.flag for site in sites if site.verdict != "avoid" for r in site.reasons}
    found += [
        WarningCode("site_instruction", rule.instruction)
        for rule in rules.site_rules
        if rule.instruction and rule.id in applied
    ]
    return found


def _consent_ages(rules: RuleSet, age: int) -> tuple[str, ...]:
    """The age rules that ask for a consent and capacity check at ``age``."""
    return tuple(r.label for r in rules.age_rules if r.level == "consent" and r.matches(age))


def combination_codes(
    flags: tuple[FlagCode, ...] | tuple[Flag, ...], rules: RuleSet
) -> list[tuple[Combination, WarningCode, StepCode]]:
    """Each combination of the red flags that raised the referral's urgency: the
    clinician's warning and the rationale's line, naming its flags and what it may be
    (a plan's at intake, and a review's for the flags of the whole course)."""
    out = []
    for combo in screening.raising(flags, rules):
        labels = Joined(", ", tuple(f.label for f in flags if any(f.id in g for g in combo.groups)))
        tier = rules.terms.urgencies[combo.urgency].label
        values: dict[str, Wordable] = {"labels": labels, "reason": combo.reason, "tier": tier}
        warning = WarningCode("combination", said("warning.combination", **values))
        step = StepCode(
            f"screening.combinations.{combo.id}",
            said("step.combination.change", tier=tier),
            "applied",
            said("step.combination.reason", **values),
            rules.cite(combo.sources),
        )
        out.append((combo, warning, step))
    return out


def _notes_raise(
    rules: RuleSet, described: tuple[str, ...], tier: Urgency
) -> tuple[WarningCode, StepCode]:
    """The clinician's warning and the rationale's line of a referral the notes raise to
    ``tier``: the signs they describe (``described``), alone or with the red flags, give
    that tier, and the patient's page says it."""
    labels = Joined(", ", tuple(rules.health_factors[q].label for q in described))
    values: dict[str, Wordable] = {
        "labels": labels,
        "ids": ", ".join(described),
        "tier": rules.terms.urgencies[tier].label,
    }
    sc = rules.screening
    assert sc is not None  # described signs come only from a screening section
    return (
        WarningCode("notes_raise", said("warning.notes_raise", **values)),
        StepCode(
            "screening.notes_raise",
            said("step.combination.change", **values),
            "applied",
            said("step.notes_raise.reason", **values),
            rules.cite(sc.sources),
        ),
    )


def _stop_steps(flags: tuple[FlagCode, ...], decision: str) -> list[StepCode]:
    stopping = {
        "refer": ("red_flag",),
        "do_not_needle": ("contraindication",),
        "not_indicated": ("not_indicated",),
    }[decision]
    what = said(f"step.stop.{decision}")
    return [
        StepCode(
            f"safety.{f.id}",
            said("step.stop.change"),
            "applied",
            said("step.stop.reason", what=what, label=f.label),
            f.source,
        )
        for f in flags
        if f.level in stopping
    ]


def _schedule(
    profile: ConditionProfile,
    course: Course,
    per_week: int,
    min_hours: int,
    calendar: ClinicCalendar | None,
) -> tuple[ScheduledSession, ...] | None:
    """The initial block's dates (None without a start date, or with no bookable day)."""
    if profile.start_date is None or course.initial_block == 0:
        return None
    days, holidays = (calendar.days, calendar.holidays) if calendar else (None, frozenset())
    start, count, reassess_after = profile.start_date, course.initial_block, course.reassess_after
    min_gap_days = math.ceil(min_hours / 24)
    at = _appointment(profile)
    try:
        dates = session_dates(
            start, count, per_week, days=days, holidays=holidays, min_gap_days=min_gap_days
        )
    except ValueError:
        return None  # no bookable day (the clinic's calendar): said in the warnings
    return tuple(
        ScheduledSession(i + 1, d, i + 1 == reassess_after, at) for i, d in enumerate(dates)
    )


def _booking_warnings(
    profile: ConditionProfile, rules: RuleSet, schedule: tuple[ScheduledSession, ...] | None
) -> list[WarningCode]:
    """A start date the clinic's calendar could not book, or booked far out."""
    if profile.start_date is None:
        return []
    if schedule is None:
        return [WarningCode("schedule", said("warning.no_schedule"))]
    wait = (schedule[0].date - profile.start_date).days if schedule else 0
    if wait > rules.plan_rules.late_start.days_over:  # the calendar pushed it far out
        late = said("plan_rules.late_start.warning", date=schedule[0].date.isoformat(), days=wait)
        return [WarningCode("schedule", late)]
    return []


def _cadence_warnings(
    rules: RuleSet,
    schedule: tuple[ScheduledSession, ...] | None,
    per_week: int,
    reassess_after: int,
) -> list[WarningCode]:
    """The clinic's days and holidays booking the sessions up to the reassessment further
    apart than the planned cadence allows (``plan_rules.cadence_kept``)."""
    rule = rules.plan_rules.cadence_kept
    if rule is None or not schedule or per_week < 1:
        return []
    dates = [s.date for s in schedule]  # the initial block
    gaps = [(b - a).days for a, b in itertools.pairwise(dates)]
    planned = math.ceil(7 / per_week)
    if not gaps or max(gaps) <= planned + rule.slack_days:
        return []
    line = said(
        "plan_rules.cadence_kept.warning",
        per_week=counted("session", per_week),
        real=f"{len(gaps) * 7 / (dates[-1] - dates[0]).days:.1f}",
        first=dates[0].isoformat(),
        last=dates[-1].isoformat(),
        gap=max(gaps),
        reassess=reassess_after,
    )
    return [WarningCode("cadence_not_kept", line)]


def _past_term(
    profile: ConditionProfile,
    rules: RuleSet,
    course: Course,
    per_week: int,
    schedule: tuple[ScheduledSession, ...] | None,
) -> WarningCode | None:
    """The plan rule ``past_term``: a pregnancy whose first block reaches term (its dated
    sessions, or, undated, the sessions a week from the start), said to be reconsidered
    after the birth. None when it ends before term or the weeks are not known."""
    rule = rules.plan_rules.past_term
    weeks = profile.pregnancy_weeks
    if rule is None or weeks is None or course.initial_block < 1 or per_week < 1:
        return None
    if schedule and profile.start_date is not None:
        days = [(s.date - profile.start_date).days for s in schedule]
    else:  # undated: the sessions spread over each week from the first
        days = session_days(course.initial_block, per_week)
    reached = term_reached(weeks, days, rule.term_weeks)
    if reached is None:
        return None
    first, last = reached
    line = said(
        "plan_rules.past_term.warning", weeks=weeks, first=first, term=rule.term_weeks, last=last
    )
    return WarningCode("past_term", line)


def session_days(sessions: int, per_week: int) -> list[int]:
    """The days from the first of ``sessions`` undated sessions, ``per_week`` a week."""
    return [i * 7 // per_week for i in range(sessions)]


def term_reached(weeks: int, days: list[int], term: int) -> tuple[int, int] | None:
    """For a pregnancy ``weeks`` along at the first session and sessions ``days`` after
    it: the first session (from 1) at or past ``term`` weeks and the weeks at the last
    one; None when every session comes before term."""
    at = [weeks + d / 7 for d in days]
    first = next((i for i, w in enumerate(at) if w >= term), None)
    return None if first is None else (first + 1, math.floor(at[-1]))


def _appointment(profile: ConditionProfile) -> str | None:
    """The profile's usual session time as "HH:MM", or None (sessions are only due)."""
    at = parse_time(profile.appointment_time)
    return None if at is None else f"{at:%H:%M}"


def plan(
    profile: ConditionProfile,
    rules: RuleSet,
    *,
    source: str | None = None,
    calendar: ClinicCalendar | None = None,
) -> Plan:
    """Suggest a course for ``profile`` under ``rules``. Pure and deterministic: the
    course decided in codes (:func:`decide`), then worded once (:func:`.word_plan`)."""
    return word_plan(decide(profile, rules, source=source, calendar=calendar), rules)


def decide(
    profile: ConditionProfile,
    rules: RuleSet,
    *,
    source: str | None = None,
    calendar: ClinicCalendar | None = None,
) -> PlanCodes:
    """The plan for ``profile`` under ``rules`` in codes: ids, numbers, sources and the
    sentences to say (not yet worded)."""
    condition = _check_ids(profile, rules)
    sites = _site_verdicts(profile, rules)
    audience = _reader(profile)
    decision, found = _decision(_flags(profile, rules), sites, audience)
    flags = tuple(found)
    unchecked = _unchecked(profile, rules, decision)
    bands = Bands(
        severity=rules.severity.band(profile.severity),
        duration=rules.duration.band(profile.duration),
    )
    if decision in NEEDLING:
        sessions, course, rationale = _dose(profile, rules, condition)
        cadence, cadence_step = _cadence(
            rules, profile.condition, course.initial_block, profile.sessions_per_week
        )
        rationale.insert(len(rationale) - 2, cadence_step)
    else:
        sessions, course, cadence = Sessions(0, 0, 0), Course(0, 0, 0), Cadence(0, 0)
        rationale = _stop_steps(flags, decision)
    companions = _companions(profile, rules, decision, bands.duration)
    expectations = _expectations(profile, rules, decision, flags)
    urgency: Urgency = screening.urgency(flags, rules) if decision == "refer" else "none"
    warnings = _warnings(profile, rules, unchecked, urgency, flags)
    if decision == "refer":  # what red flags together made the referral more urgent
        raised = combination_codes(flags, rules)
        warnings[:0] = [w for _, w, _ in raised]
        rationale[:0] = [s for _, _, s in raised]
    schedule, booking = None, []
    if decision in NEEDLING:
        warnings += _needling_warnings(profile, rules, sites)
        schedule = _schedule(
            profile, course, cadence.per_week, rules.cadence.min_hours_between, calendar
        )
        booking = _booking_warnings(profile, rules, schedule)
        booking += _cadence_warnings(rules, schedule, cadence.per_week, course.reassess_after)
        past_term = _past_term(profile, rules, course, cadence.per_week, schedule)
        if past_term is not None:  # the birth comes first: said, and on the page
            warnings.append(past_term)
            told = "plan_rules.past_term.told"
            flags = tuple(
                dataclasses.replace(f, told=said(told, audience, told=f.told))
                if f.id == PREGNANCY
                else f
                for f in flags
            )
    # the red-flag screen: a needling plan waits for its open checks (course kept)
    places = screening.regions(profile, rules)
    hits = tuple(
        h
        for h in read_notes(profile.notes, rules, screening.coded_ids(profile), intake=True)
        if screening.in_regions(rules, h.trigger, places)
    )
    checks = screening.open_checks(profile, rules, hits)
    if rules.screening is not None:  # a factor's own question (warfarin's INR)
        checks += _open_checks(profile, rules)
        checks = screening.most_urgent_first(checks, rules)
    planned, decision = decision, screening.settle(decision, checks, rules)
    coded: Urgency = urgency
    described: tuple[str, ...] = ()
    if decision == "refer":  # the notes may describe signs the referral's page says first
        tier, described = screening.referral_tier(rules, urgency, flags, checks)
        if tier != urgency:
            urgency = tier
            held = {f.id for f in flags} | set(described)
            together = [c for c in screening.combinations(held, rules) if c.urgency == tier]
            raising = tuple(  # the signs that give the tier, alone or in a combination
                q
                for q in described
                if rules.health_factors[q].urgency == tier
                or any(q in g for c in together for g in c.groups)
            )
            warning, step = _notes_raise(rules, raising or described, tier)
            warnings.insert(0, warning)
            rationale.insert(0, step)
    if decision == "check_first":  # nothing is booked yet
        schedule, booking = None, []
        rationale.insert(0, screening.held_step(rules, checks))
        now = screening.noted_now(rules, checks, screening.held_ids(flags, checks))
        if now:  # the notes may describe signs that need care now or today: that first
            companions = ()
            rationale.insert(1, screening.companions_wait_step(rules, now))
    return PlanCodes(
        source=source,
        patient=profile.patient,
        condition=profile.condition,
        condition_label=condition.label,
        decision=decision,
        planned=planned,
        urgency=urgency,
        sessions=sessions,
        course=course,
        cadence=cadence,
        sites=sites,
        site_ids=tuple(profile.sites),
        unchecked=unchecked,
        flags=flags,
        warnings=(*warnings, *booking),
        companions=companions,
        expectations=expectations,
        rationale=tuple(rationale),
        bands=bands,
        audience=audience,
        reconsider=() if planned in NEEDLING else _think_again(profile, rules, audience, flags),
        schedule=schedule,
        calendar=calendar,
        checks=checks,
        profile_sha256=profile_key(profile),
        pregnancy_weeks=profile.pregnancy_weeks,
        coded_urgency=coded,
        described=described,
    )


def _check_ids(profile: ConditionProfile, rules: RuleSet) -> Condition:
    """Profiles validated against another rule set are refused, never half-planned."""
    condition = rules.conditions.get(profile.condition)
    if condition is None:
        raise ValueError(
            f"the rule set '{rules.name}' does not know the condition "
            f"'{profile.condition}': validate the profile against it first"
        )
    checks: tuple[tuple[str, Iterable[str], Mapping[str, object]], ...] = (
        ("health factor", (f.id for f in profile.health_factors), rules.health_factors),
        ("underlying factor", profile.underlying_factors, rules.underlying_factors),
        ("site", profile.sites, rules.sites),
    )
    for kind, ids, table in checks:
        for fid in ids:
            if fid not in table:
                raise ValueError(f"unknown {kind} '{fid}' for rule set '{rules.name}'")
    return condition
