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
   patient's advice and (with a start date) the dated schedule.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

from . import advice as advice_mod
from . import screening
from .profile import PREGNANCY, ConditionProfile, Factor
from .results import (
    Bands,
    Cadence,
    CompanionItem,
    Course,
    Flag,
    Plan,
    Reason,
    RulesRef,
    ScheduledSession,
    Sessions,
    SiteVerdict,
    Step,
    UncheckedSite,
    Warning,
)
from .rules import Condition, RuleSet, Site
from .schedule import ClinicCalendar, session_dates
from .vocab import (
    ADULT_AGE,
    EVERY_SITE_AVOIDED,
    FIRST_TRIMESTER,
    FLAG_LEVELS,
    NEEDLING,
    NO_PAIN,
    PLACE_WORDS,
    VERDICTS,
    WEEKS_PER_UNIT,
    Audience,
    Decision,
    Effect,
    Place,
    Urgency,
    most_urgent,
    plural,
    spoken,
)
from .wording import say

_LEVEL_ORDER: dict[str, int] = {level: i for i, level in enumerate(FLAG_LEVELS)}
_VERDICT_ORDER: dict[str, int] = {verdict: i for i, verdict in enumerate(VERDICTS)}


# -- screening --------------------------------------------------------------------


def _reader(profile: ConditionProfile) -> Audience:
    """Who reads the patient's page: the patient, or under 18 a parent or guardian."""
    return "parent" if profile.age is not None and profile.age < ADULT_AGE else "patient"


def _flags(profile: ConditionProfile, rules: RuleSet) -> list[Flag]:
    reader = _reader(profile)
    flags = [f for factor in profile.health_factors for f in _factor_flags(rules, factor, reader)]
    if profile.age is not None:
        flags += _age_flags(rules, profile.age)
    severity = profile.severity
    if isinstance(severity, int) and severity <= rules.plan_rules.no_pain.severity_at_most:
        flags.append(_no_pain_flag(rules, reader))
    flags += screening.yes_flags(profile, rules, reader)  # a red flag answered yes
    flags.sort(key=lambda f: _LEVEL_ORDER[f.level])
    return flags


def _factor_flags(rules: RuleSet, factor: Factor, reader: Audience) -> tuple[Flag, ...]:
    """A health factor's flags: none for a prognostic one; a place-tied one at its places
    (or, without a place, a contraindication until it is named)."""
    hf = rules.health_factors[factor.id]
    told = hf.message_for(reader)
    if hf.level == "prognostic":
        return ()
    source = rules.cite(hf.sources)
    if hf.place:
        if not factor.places:
            # cannot be checked without its place: do not needle until it is named
            missing = say(
                rules, "flag.place_missing", label=hf.label, factor=factor.id, message=hf.message
            )
            return (Flag(factor.id, "contraindication", hf.label, missing, source, told),)
        places = ", ".join(spoken(p) for p in factor.places)
        where = " and ".join(PLACE_WORDS[p] for p in factor.places)
        there = "contraindication" if hf.level == "contraindication" else "precaution"
        return (
            Flag(
                factor.id,
                "precaution",
                say(rules, f"flag.at_place.label.{there}", label=hf.label, places=places),
                say(rules, "flag.at_place.message", message=hf.message, places=places),
                source,
                say(rules, "flag.at_place.told", told=told, where=where) if told else told,
            ),
        )
    flag = Flag(factor.id, hf.level, hf.label, hf.message, source, told, hf.urgency)
    if factor.id == PREGNANCY:
        return (flag, *_pregnancy_flags(rules, factor.weeks, reader))
    return (flag,)


def _age_flags(rules: RuleSet, age: int) -> tuple[Flag, ...]:
    return tuple(
        Flag(
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


def _no_pain_flag(rules: RuleSet, reader: Audience) -> Flag:
    """The plan rule ``no_pain``: a pain-driven course has nothing to show."""
    review = rules.review
    return Flag(
        NO_PAIN,
        "not_indicated",
        say(rules, "plan_rules.no_pain.label"),
        say(
            rules,
            "plan_rules.no_pain.message",
            points=review.nrs_points,
            percent=review.nrs_percent,
        ),
        rules.cite(rules.plan_rules.no_pain.sources),
        say(rules, "plan_rules.no_pain.told", reader),
    )


def _pregnancy_flags(rules: RuleSet, weeks: int | None, reader: Audience) -> list[Flag]:
    """The plan rule ``first_trimester``: a precaution of its own."""
    rule = rules.plan_rules.first_trimester
    if weeks is None or weeks >= rule.weeks_below:
        return []
    return [
        Flag(
            FIRST_TRIMESTER,
            "precaution",
            say(rules, "plan_rules.first_trimester.label", weeks=weeks),
            say(
                rules,
                "plan_rules.first_trimester.message",
                weeks=weeks,
                weeks_below=rule.weeks_below,
            ),
            rules.cite(rule.sources),
            say(rules, "plan_rules.first_trimester.told", reader),
        )
    ]


def _urgency(flags: tuple[Flag, ...], profile: ConditionProfile, rules: RuleSet) -> Urgency:
    """A referral's urgency: its red flags', raised by red-flag words in the notes.

    Notes never make a referral; but a referral whose notes describe a more urgent red
    flag (cauda equina signs beside a routine one) goes at the more urgent pace.
    """
    found = [f.urgency for f in flags if f.level == "red_flag"]
    for group in rules.note_words:
        if group.factor is not None and note_hits(profile.notes, group.words):
            hf = rules.health_factors.get(group.factor)
            if hf is not None and hf.level == "red_flag":
                found.append(hf.urgency)
    return most_urgent(*found)


# -- sites ------------------------------------------------------------------------


def site_places(site: Site, side: str) -> frozenset[Place]:
    """The places a site on ``side`` lies in (an arm or leg site on both sides: both limbs)."""
    places: set[str] = set()
    for part in (site.body_part, *site.also):
        if part in ("arm", "leg"):
            sides = ("left", "right") if side == "both" else (side,)
            places.update(f"{s}_{part}" for s in sides)
        else:
            places.add(part)
    return frozenset(places)  # type: ignore[arg-type]


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


def _site_verdict(profile: ConditionProfile, rules: RuleSet, sid: str, side: str) -> SiteVerdict:
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
            if rule.risk not in site.risks or (factors and not factors & have):
                continue
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
    return SiteVerdict(sid, site.label, side, verdict, ordered)  # type: ignore[arg-type]


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
    flags: list[Flag], sites: tuple[SiteVerdict, ...], rules: RuleSet, reader: Audience
) -> tuple[Decision, list[Flag]]:
    levels = {f.level for f in flags}
    if "red_flag" in levels:
        return "refer", flags
    if "contraindication" in levels:
        return "do_not_needle", flags
    if "not_indicated" in levels:
        return "not_indicated", flags
    if sites and all(s.verdict == "avoid" for s in sites):
        names = ", ".join(s.label for s in sites)
        flag = Flag(
            EVERY_SITE_AVOIDED,
            "contraindication",
            say(rules, "plan_rules.every_site_avoided.label"),
            say(rules, "plan_rules.every_site_avoided.message", names=names),
            "; ".join(dict.fromkeys(r.source for s in sites for r in s.reasons)),
            say(rules, "plan_rules.every_site_avoided.told", reader),
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


def _move(value: int, step: int, low: int, high: int) -> tuple[int, Effect]:
    """``value + step`` held inside ``low..high``, and whether the step took effect."""
    if step == 0:
        return value, "none"
    moved = min(max(value + step, low), high)
    if moved == value + step:
        return moved, "applied"
    return moved, "capped"


def _signed(n: int) -> str:
    return f"{n:+d}"


def _dose(
    profile: ConditionProfile, rules: RuleSet, condition: Condition
) -> tuple[Sessions, Course, list[Step]]:
    cid = profile.condition
    ceiling = rules.ceiling(cid)
    block = condition.initial_block.low
    steps = [_initial_step(rules, cid)]
    # the block is always a dose a trial tested, inside the condition's range
    block, step = _severity_step(rules, cid, block, profile.severity)
    steps.append(step)
    block, step = _duration_step(rules, cid, block, profile.duration)
    steps.append(step)
    if profile.previous_response == "good":
        block, step = _good_response_step(rules, cid, block)
        steps.append(step)
    # the expected course: the block, moved towards the ceiling by slow-recovery factors
    expected = block
    for rule, change, why, sources in _prognostic(profile, rules):
        expected, effect = _move(expected, change, block, ceiling)
        steps.append(_course_step(rules, rule, change, effect, why, sources, ceiling))
    reassess, step = _reassess_step(rules, block, profile.previous_response)
    steps += [step, _ceiling_step(rules, cid)]
    return (
        Sessions(suggested=expected, low=block, high=ceiling),
        Course(initial_block=block, reassess_after=reassess, ceiling=ceiling),
        steps,
    )


def _doses(condition: Condition) -> tuple[int, ...]:
    """The initial blocks the condition's trials tested, inside its range (sorted)."""
    low, high = condition.initial_block.low, condition.initial_block.high
    return tuple(sorted({d for d in condition.trial_doses if low <= d <= high} | {low, high}))


def _initial_step(rules: RuleSet, cid: str) -> Step:
    condition = rules.conditions[cid]
    low, high = condition.initial_block.low, condition.initial_block.high
    tested = ", ".join(str(d) for d in condition.trial_doses)
    change = "step.initial_block.change" if low == high else "step.initial_block.change_range"
    return Step(
        f"conditions.{cid}.initial_block",
        say(rules, change, low=low, high=high),
        "applied",
        say(
            rules,
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
    rules: RuleSet, cid: str, block: int, rule: str, step: int, why: str, sources: tuple[str, ...]
) -> tuple[int, Step]:
    """A severity or duration band's move of the initial block along the trial doses."""
    condition = rules.conditions[cid]
    block, effect = _dose_step(block, step, _doses(condition))
    high = condition.initial_block.high
    said = "step.block.unchanged"
    if step:
        said = "step.block.capped" if effect == "capped" else "step.block.larger"
    reason = say(rules, said, why=why, high=high)
    return block, Step(rule, _signed(step) if step else "0", effect, reason, rules.cite(sources))


def _severity_step(rules: RuleSet, cid: str, block: int, severity: int | str) -> tuple[int, Step]:
    band = rules.severity.band(severity)
    return _block_step(
        rules,
        cid,
        block,
        f"severity.{band}",
        rules.severity.block_step.get(band, 0),
        say(
            rules,
            "step.severity.reason" if isinstance(severity, int) else "step.severity.reason_word",
            severity=severity,
            band=band,
        ),
        rules.severity.sources,
    )


def _duration_step(rules: RuleSet, cid: str, block: int, weeks: float) -> tuple[int, Step]:
    band = rules.duration.band(weeks)
    return _block_step(
        rules,
        cid,
        block,
        f"duration.{band}",
        rules.duration.block_step.get(band, 0),
        say(rules, "step.duration.reason", duration=_duration_text(weeks), band=band),
        rules.duration.sources,
    )


def _good_response_step(rules: RuleSet, cid: str, block: int) -> tuple[int, Step]:
    course_rules = rules.course
    step = course_rules.good_response_block_step
    block, effect = _dose_step(block, step, _doses(rules.conditions[cid]))
    low = rules.conditions[cid].initial_block.low
    return block, Step(
        "previous_response.good",
        _signed(step) if step else "0",
        effect,
        say(
            rules,
            "step.good_response.capped" if effect == "capped" else "step.good_response.reason",
            low=low,
        ),
        rules.cite(course_rules.good_response_sources),
    )


def _course_step(
    rules: RuleSet,
    rule: str,
    step: int,
    effect: Effect,
    why: str,
    sources: tuple[str, ...],
    ceiling: int,
) -> Step:
    """A prognostic factor's move of the expected course, and its real effect."""
    if step > 0 and effect == "capped":
        why = say(rules, "step.course.capped", why=why, ceiling=ceiling)
    return Step(rule, _signed(step) if step else "0", effect, why, rules.cite(sources))


def _reassess_step(rules: RuleSet, block: int, previous_response: str) -> tuple[int, Step]:
    course_rules = rules.course
    reassess = min(
        course_rules.reassess_after_at_most,
        max(1, math.ceil(block * course_rules.reassess_fraction)),
        block,
    )
    reason = say(
        rules,
        "step.reassess.reason",
        at_most=course_rules.reassess_after_at_most,
        fraction=course_rules.reassess_fraction,
        points=rules.review.nrs_points,
        percent=rules.review.nrs_percent,
    )
    sources = course_rules.reassess_sources
    if previous_response == "none":
        earlier = min(reassess, course_rules.no_response_reassess_after)
        reason = say(rules, "step.reassess.no_response", n=earlier)
        reassess, sources = earlier, course_rules.no_response_sources
    change = say(rules, "step.reassess.change", n=reassess)
    step = Step("reassess", change, "applied", reason, rules.cite(sources))
    return reassess, step


def _ceiling_step(rules: RuleSet, cid: str) -> Step:
    course_rules = rules.course
    ceiling = rules.ceiling(cid)
    return Step(
        "course.ceiling",
        say(rules, "step.ceiling.change", ceiling=ceiling),
        "applied",
        say(
            rules,
            "step.ceiling.reason",
            ceiling=ceiling,
            every=course_rules.progress_note_every,
        ),
        rules.cite((*course_rules.ceiling_sources, *course_rules.progress_note_sources)),
    )


def _prognostic(
    profile: ConditionProfile, rules: RuleSet
) -> list[tuple[str, int, str, tuple[str, ...]]]:
    """Every factor that changes the expected course: (rule, step, reason, sources)."""
    found: list[tuple[str, int, str, tuple[str, ...]]] = []
    for factor in profile.health_factors:
        hf = rules.health_factors[factor.id]
        if hf.prognostic_step or hf.level == "prognostic":
            found.append(
                (
                    f"health_factors.{factor.id}",
                    hf.prognostic_step,
                    say(rules, _course_effect(hf.prognostic_step), label=hf.label),
                    hf.sources,
                )
            )
    for uid in profile.underlying_factors:
        uf = rules.underlying_factors[uid]
        found.append(
            (
                f"underlying_factors.{uid}",
                uf.prognostic_step,
                f"{uf.label}: {uf.reason}",
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
                        f"age {profile.age}: {rule.message}",
                        rule.sources,
                    )
                )
    risk = _start_back_risk(profile, rules)
    if risk is not None and rules.start_back is not None:
        sb = rules.start_back
        why = sb.reasons.get(risk, f"STarT Back {risk} risk")  # type: ignore[call-overload]
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


def _cadence(rules: RuleSet, cid: str, block: int, can_attend: int | None) -> tuple[Cadence, Step]:
    """Sessions a week: the condition's, within the rule set's limits and the patient's."""
    condition = rules.conditions[cid]
    spacing_cap = (7 * 24) // rules.cadence.min_hours_between
    per_week = min(condition.per_week, rules.cadence.max_per_week, spacing_cap)
    limited = can_attend is not None and can_attend < per_week
    if limited:
        assert can_attend is not None
        per_week = can_attend
    weeks = math.ceil(block / per_week)
    why = say(
        rules,
        "step.cadence.reason",
        condition=condition.label,
        condition_per_week=condition.per_week,
        max_per_week=rules.cadence.max_per_week,
        hours=rules.cadence.min_hours_between,
    )
    if limited:
        why = say(rules, "step.cadence.can_attend", why=why, per_week=per_week)
    step = Step(
        "cadence",
        say(rules, "step.cadence.change", per_week=per_week, weeks=plural(weeks, "week")),
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
    injury = [
        rules.health_factors[h].companions
        for h in health
        if rules.health_factors[h].level == "not_indicated"
    ]
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
    profile: ConditionProfile, rules: RuleSet, decision: str, flags: tuple[Flag, ...]
) -> tuple[str, ...]:
    flag_ids = {f.id for f in flags}
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
    )


def notes_warning(notes: str | None, rules: RuleSet, have: frozenset[str]) -> str:
    """The warning for red-flag words in ``notes`` (empty when none): words, topic, factor."""
    if not notes:
        return ""
    parts = []
    for group in rules.note_words:
        hits = note_hits(notes, group.words)
        if not hits:
            continue
        words = ", ".join(repr(w) for w in hits)
        add = group.factor is not None and group.factor not in have
        said = "warning.notes_group_add" if add else "warning.notes_group"
        parts.append(say(rules, said, topic=group.topic, words=words, factor=group.factor))
    if not parts:
        return ""
    return say(rules, "warning.notes_red_flag_words", groups="; ".join(parts))


def note_hits(notes: str | None, words: tuple[str, ...]) -> list[str]:
    """The ``words`` found in ``notes`` (any case), each starting a word, in their order."""
    if not notes:
        return []
    text = notes.lower()
    return [w for w in words if re.search(r"(?<![a-z])" + re.escape(w.lower()), text)]


def _warnings(
    profile: ConditionProfile, rules: RuleSet, unchecked: tuple[UncheckedSite, ...]
) -> tuple[Warning, ...]:
    """What the clinician should check: (kind, text id, values) decided here, worded once."""
    found: list[tuple[str, str, dict[str, object]]] = []
    said = notes_warning(profile.notes, rules, profile.factor_ids)
    if said:
        found.append(("notes_red_flag_words", "", {"text": said}))
    new_pain = rules.plan_rules.new_pain_over_50
    if (
        profile.age is not None
        and profile.age >= new_pain.age_at_least
        and profile.duration <= new_pain.duration_weeks_at_most
    ):
        factor = new_pain.by_condition.get(profile.condition, new_pain.factor)
        if not profile.factor_ids.intersection((new_pain.factor, *new_pain.by_condition.values())):
            values = {"age": profile.age, "duration": _duration_text(profile.duration)}
            found.append(
                (
                    "new_pain_over_50",
                    "plan_rules.new_pain_over_50.warning",
                    {**values, "factor": factor},
                )
            )
    if profile.age is None:
        found.append(("age_not_given", "warning.age_not_given", {}))
    fresh = rules.plan_rules.fresh_pain
    if profile.duration < fresh.duration_weeks_below and not profile.factor(fresh.factor):
        found.append(("fresh_pain", "plan_rules.fresh_pain.warning", {"factor": fresh.factor}))
    review = rules.review
    if isinstance(profile.severity, int) and 0 < profile.severity <= review.discharge_nrs:
        values = {
            "severity": profile.severity,
            "discharge": review.discharge_nrs,
            "points": review.nrs_points,
        }
        found.append(("low_pain", "warning.low_pain", values))
    sb = profile.start_back
    if sb is not None and sb.psychosocial > sb.total:
        found.append(("start_back_scores", "warning.start_back_scores", {}))
    if _start_back_risk(profile, rules) == "low":
        found.append(("start_back_low_risk", "warning.start_back_low_risk", {}))
    consent = [
        rules.health_factors[f.id].label
        for f in profile.health_factors
        if rules.health_factors[f.id].consent_prompt
    ]
    if profile.age is not None:
        consent += _consent_ages(rules, profile.age)
    if consent:
        found.append(("consent", "warning.consent", {"labels": ", ".join(consent)}))
    if unchecked:
        checks = ", ".join(spoken(u.check) for u in unchecked)
        found.append(("sites_not_given", "warning.sites_not_given", {"checks": checks}))
    pregnancy = profile.factor(PREGNANCY)
    if pregnancy is not None and profile.age is not None and profile.age < ADULT_AGE:
        found.append(("pregnancy_under_18", "warning.pregnancy_under_18", {}))
    if pregnancy is not None and pregnancy.weeks is None:
        found.append(("pregnancy_weeks_not_given", "warning.pregnancy_weeks_not_given", {}))
    return tuple(
        Warning(kind, say(rules, key, **values) if key else str(values["text"]))
        for kind, key, values in found
    )


def _consent_ages(rules: RuleSet, age: int) -> tuple[str, ...]:
    """The age rules that ask for a consent and capacity check at ``age``."""
    return tuple(r.label for r in rules.age_rules if r.level == "consent" and r.matches(age))


def _stop_steps(rules: RuleSet, flags: tuple[Flag, ...], decision: str) -> list[Step]:
    stopping = {
        "refer": ("red_flag",),
        "do_not_needle": ("contraindication",),
        "not_indicated": ("not_indicated",),
    }[decision]
    what = say(rules, f"step.stop.{decision}")
    return [
        Step(
            f"safety.{f.id}",
            "0 sessions",
            "applied",
            say(rules, "step.stop.reason", what=what, label=f.label),
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


def _appointment(profile: ConditionProfile) -> str | None:
    """The profile's usual session time as "HH:MM", or None (sessions are only due)."""
    from .schedule import parse_time

    at = parse_time(profile.appointment_time)
    return None if at is None else f"{at:%H:%M}"


def plan(
    profile: ConditionProfile,
    rules: RuleSet,
    *,
    source: str | None = None,
    calendar: ClinicCalendar | None = None,
) -> Plan:
    """Suggest a course for ``profile`` under ``rules``. Pure and deterministic."""
    condition = _check_ids(profile, rules)
    sites = _site_verdicts(profile, rules)
    decision, found = _decision(_flags(profile, rules), sites, rules, _reader(profile))
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
        rationale = _stop_steps(rules, flags, decision)
    companions = _companions(profile, rules, decision, bands.duration)
    expectations = _expectations(profile, rules, decision, flags)
    schedule = None
    extra: tuple[Warning, ...] = ()
    if decision in NEEDLING:
        schedule = _schedule(
            profile, course, cadence.per_week, rules.cadence.min_hours_between, calendar
        )
        if schedule is None and profile.start_date is not None:
            extra = (Warning("schedule", say(rules, "warning.no_schedule")),)
        elif schedule and profile.start_date is not None:
            wait = (schedule[0].date - profile.start_date).days
            if wait > rules.plan_rules.late_start.days_over:  # the calendar pushed it far out
                late = say(
                    rules,
                    "plan_rules.late_start.warning",
                    date=schedule[0].date.isoformat(),
                    days=wait,
                )
                extra = (Warning("schedule", late),)
    if schedule:
        from .schedule import date_warnings

        extra += date_warnings([(s.session, s.date) for s in schedule], calendar, rules.calendar)
    audience = _reader(profile)
    urgency: Urgency = screening.urgency(flags, rules) if decision == "refer" else "none"
    # the red-flag screen: a needling plan waits for its open checks (course kept)
    checks = screening.open_checks(profile, rules)
    planned, decision = decision, screening.settle(decision, checks)
    page = None
    if decision == "check_first":
        schedule, extra = None, ()
        rationale.insert(0, screening.held_step(rules, checks))
        page = screening.before_we_start_page(rules, checks, companions, audience)
    elif decision == "refer":
        page = screening.referral_page(rules, urgency, flags, audience)
    return Plan(
        source=source,
        patient=profile.patient,
        condition=profile.condition,
        condition_label=condition.label,
        decision=decision,
        urgency=urgency,
        sessions=sessions,
        course=course,
        cadence=cadence,
        reassess_after=course.reassess_after,
        sites=sites,
        unchecked=unchecked,
        flags=flags,
        warnings=_warnings(profile, rules, unchecked) + extra,
        companions=companions,
        expectations=expectations,
        rationale=tuple(rationale),
        bands=bands,
        audience=audience,
        advice=page
        or advice_mod.plan_advice(
            rules,
            decision=planned,
            urgency=urgency,
            audience=audience,
            flags=flags,
            sites=sites,
            companions=companions,
            course=course,
            cadence=cadence,
            reconsider=()
            if planned in NEEDLING
            else advice_mod.think_again(profile, rules, audience),
        ),
        disclaimer=rules.disclaimer,
        rules=RulesRef(name=rules.name, version=rules.version, sha256=rules.sha256),
        schedule=schedule,
        checks=checks,
        profile_sha256=_profile_key(profile),
    )


def _profile_key(profile: ConditionProfile) -> str:
    from .schedule import profile_key

    return profile_key(profile)


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
