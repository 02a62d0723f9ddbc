"""The patient's page: what the patient (or parent) is told, fitted to the decision.

A referral says where to go and how soon, and nothing about needling; a
patient who is not to be needled gets the other therapies only; a needling
plan gets the sessions, what to expect, site care, aftercare and the warning
signs. Every text comes from the rule set's ``advice`` (plain words, no ids);
each warning appears once. Pure: built from the plan and the rule set.

The page is part of the wording: it is made from a decision already taken,
with its flags, sites and companions already worded (by the plan's wording
step, :mod:`.planwording`, or by the review).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Set
from typing import TYPE_CHECKING, NamedTuple

from .results import (
    Advice,
    AdviceSection,
    Cadence,
    Check,
    CompanionItem,
    Course,
    Flag,
    SiteVerdict,
)
from .vocab import (
    EVERY_SITE_AVOIDED,
    FIRST_TRIMESTER,
    GOING_ON,
    NEEDLING,
    REVIEW_EMERGENCY,
    REVIEW_NO_CHANGE_YET,
    REVIEW_NOTES,
    REVIEW_NOTES_RED_FLAG,
    Audience,
    Decision,
    Urgency,
)
from .wording import counted, say, say_all, say_if, worded

if TYPE_CHECKING:
    from .results import Review
    from .rules import RuleSet

EMPTY = Advice(title="", lead="", sections=())


class Referral(NamedTuple):
    """What a referral tells the patient (the rule set's words for its tier, or a red
    flag's own): the page's title, what to do first (an emergency's), where to go, how
    soon, and when to escalate."""

    tier: str
    title: str
    do_now: str
    where: str
    when: str
    escalate: str
    #: a red flag's own first line under "what to do now" (a clot: if breathless)
    now_first: str = ""
    #: the page's warning signs (``page.warning_signs.<name>``) that ``escalate``, a red
    #: flag's own, says with a more urgent action: left off the page
    replaces: frozenset[str] = frozenset()
    #: the red flag whose own words these are ("": the tier's)
    by: str = ""


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i.strip() for i in items if i and i.strip()))


def section(sid: str, heading: str, items: list[str]) -> list[AdviceSection]:
    """A section of the page (none when it says nothing)."""
    kept = _unique(items)
    return [AdviceSection(sid, heading, kept)] if kept else []


def other_therapies(
    rules: RuleSet, companions: tuple[CompanionItem, ...], audience: Audience, heading: str
) -> list[AdviceSection]:
    """The other therapies, under the heading ``page.heading.<heading>`` (alongside
    needling, instead of it, meanwhile)."""
    items = [say(rules, "page.other_therapies_lead", audience)] if companions else []
    items += [c.patient_text for c in companions]
    return section("other_therapies", say(rules, f"page.heading.{heading}", audience), items)


_TO_THE_PATIENT = re.compile(r"\b[Yy]ou(?:r|rs|rself)?\b")


def told(rules: RuleSet, audience: Audience, messages: list[str]) -> list[str]:
    """The rule set's messages to the patient. On a parent's page, where one of them
    speaks to "you" (the child), a first line says so."""
    messages = [m for m in messages if m]
    frame = say(rules, "page.as_you", audience)
    if frame and any(_TO_THE_PATIENT.search(m) and "child" not in m for m in messages):
        return [frame, *messages]
    return messages


def _site_care(
    rules: RuleSet,
    sites: tuple[SiteVerdict, ...],
    *,
    avoided_by: frozenset[str] | None = None,
) -> list[str]:
    """A line for each place (the sites to be needled or, given the site rules that avoid
    a site, ``avoided_by``, those that will not be), naming it once with each of its
    plain-words cautions. Places strung together with 'and' would read as one place."""
    where: dict[str, list[str]] = {}
    for site in sites:
        if (site.verdict == "avoid") != (avoided_by is not None):
            continue
        side = "both" if site.side == "both" else "one"
        name = site.patient_label or say(
            rules, f"page.site_name.{side}", label=site.label, side=site.side
        )
        for reason in site.reasons:
            if avoided_by is not None and reason.flag not in avoided_by:
                continue  # a caution at a site that will not be needled anyway
            if reason.patient_message:
                where.setdefault(name, []).append(reason.patient_message)
    said = [
        say(rules, "page.site_line", sites=name, message=" ".join(dict.fromkeys(messages)))
        for name, messages in where.items()
    ]
    return [line[:1].upper() + line[1:] for line in said]  # a plain-words place starts it


def avoided_reasons(sites: tuple[SiteVerdict, ...], rules: RuleSet) -> list[str]:
    """Why each avoided site will not be needled, in plain words, naming the sites."""
    avoiding = frozenset(r.id for r in rules.site_rules if r.verdict == "avoid")
    return _site_care(rules, sites, avoided_by=avoiding)


def plan_advice(
    rules: RuleSet,
    *,
    decision: Decision,
    urgency: Urgency,
    audience: Audience,
    flags: tuple[Flag, ...],
    sites: tuple[SiteVerdict, ...],
    companions: tuple[CompanionItem, ...],
    course: Course,
    cadence: Cadence,
    reconsider: tuple[str, ...] = (),
    dated: bool = False,
) -> Advice:
    """The patient's page for a plan made of these parts.

    ``reconsider`` is what the page says about when to think again (the planner's
    ``reconsider``); only a plan that does not needle shows it. ``dated``: the clinic's
    dates do not keep the planned sessions a week, so the page promises no weekly rhythm.
    """

    def heading(name: str) -> str:
        return say(rules, f"page.heading.{name}", audience)

    lead = say(rules, f"page.lead.{decision}", audience)
    first = [f.patient_message for f in flags if f.id == FIRST_TRIMESTER]
    if first and decision in NEEDLING:
        lead = say(rules, "page.lead_after", audience, first=first[0], lead=lead)
    if audience == "parent" and decision in NEEDLING:
        lead = say(
            rules, "page.lead_after", audience, first=say(rules, "page.parent_note"), lead=lead
        )
    sections: list[AdviceSection] = []
    if decision == "refer":
        go = urgency if urgency != "none" else rules.plan_rules.default_urgency.urgency
        sections += section("where_to_go", heading("where_to_go"), _referral(rules, go, audience))
        sections += section(
            "watch_for",
            heading("why"),
            told(rules, audience, [f.patient_message for f in flags if f.level == "red_flag"]),
        )
    elif decision in ("do_not_needle", "not_indicated"):
        stopping = "contraindication" if decision == "do_not_needle" else "not_indicated"
        why = [f.patient_message for f in flags if f.level == stopping]
        if any(f.id == EVERY_SITE_AVOIDED for f in flags):
            why += avoided_reasons(sites, rules)  # each site's own reason
        sections += section("why", heading("why"), told(rules, audience, why))
        sections += other_therapies(rules, companions, audience, "instead")
        sections += section("when_to_reconsider", heading("when_to_reconsider"), list(reconsider))
    else:
        sessions = [
            say(
                rules,
                "page.sessions_count_dated" if dated else "page.sessions_count",
                audience,
                sessions=worded(rules, counted("session", course.initial_block)),
                per_week=worded(rules, counted("session", cadence.per_week)),
            ),
            say(rules, "page.check", audience, n=course.reassess_after),
        ]
        your_sessions = say(rules, "page.your_sessions", audience)
        sections += section(
            "your_sessions", your_sessions, [say(rules, "page.what_it_is", audience), *sessions]
        )
        care = _site_care(rules, sites)
        care += [
            f.patient_message for f in flags if f.level == "precaution" and f.id != FIRST_TRIMESTER
        ]
        if any(s.verdict == "avoid" for s in sites):  # which, and why, first
            care[:0] = [say(rules, "page.kept_safe", audience), *avoided_reasons(sites, rules)]
        care = told(rules, audience, care)
        sections += section("site_care", say(rules, "page.site_care", audience), care)
        sections += _list_section(rules, "what_to_expect", audience)
        sections += other_therapies(rules, companions, audience, "alongside")
        sections += _list_section(rules, "aftercare", audience)
        needled = (s.id for s in sites if s.verdict != "avoid")
        sections += warning_signs(rules, audience, spinal=near_the_spine(rules, needled))
    title = say(rules, f"page.title.{decision}", audience)
    return Advice(title=title, lead=lead, sections=tuple(sections))


def _list_section(rules: RuleSet, name: str, audience: Audience) -> list[AdviceSection]:
    """The section of the page's list ``name`` (every text ``page.<name>.*``)."""
    heading = say(rules, f"page.heading.{name}", audience)
    return section(name, heading, say_all(rules, f"page.{name}", audience))


def near_the_spine(rules: RuleSet, sites: Iterable[str]) -> bool:
    """Whether one of ``sites`` (to be needled, or needled) is one the rule set marks as
    spinal or paraspinal (the review's ``spinal_sites``)."""
    spinal = set(rules.review.spinal_sites)
    return any(sid in spinal for sid in sites)


def warning_signs(
    rules: RuleSet, audience: Audience, *, spinal: bool, leave_off: frozenset[str] = frozenset()
) -> list[AdviceSection]:
    """The page's warning signs (``page.warning_signs.*``, but those named in
    ``leave_off``: a referral's "if it gets worse" says their signs with a more urgent
    action). After needling near the spine (``spinal``), the emergency of new severe
    spinal pain then weakness, numbness or a fever comes first
    (``page.spinal_signs.first``), and each line with a counterpart
    ``page.spinal_signs.<name>`` says its signs without that pain, never a doctor's
    same-day visit for them."""
    lines = [say(rules, "page.spinal_signs.first", audience)] if spinal else []
    start = "page.warning_signs."
    for key in (k for k in rules.texts if k.startswith(start)):
        if key[len(start) :] in leave_off:
            continue
        instead = "page.spinal_signs." + key[len(start) :]
        lines.append(say(rules, instead if spinal and instead in rules.texts else key, audience))
    return section("warning_signs", say(rules, "page.heading.warning_signs", audience), lines)


def _referral(rules: RuleSet, urgency: str, audience: Audience) -> list[str]:
    """Where a referral of ``urgency`` sends the patient, and how soon."""
    return [say(rules, f"page.referral.{urgency}.{part}", audience) for part in ("where", "when")]


def with_safety_nets(
    page: Advice,
    rules: RuleSet,
    *,
    condition: str,
    sites: Iterable[str],
    flags: tuple[Flag, ...],
    audience: Audience,
    checks: tuple[Check, ...] = (),
    pregnancy_weeks: int | None = None,
    noted: frozenset[str] = frozenset(),
) -> Advice:
    """``page`` with each of the rule set's safety nets that reach this patient (by the
    condition, a site near one of the net's regions, or a health factor among the flags,
    a pregnancy by its ``pregnancy_weeks``), first among the warning signs,
    whatever the decision. A net is left off a page that already gives the message of a
    red flag that says it (a referral for those very signs), and never said twice: on a
    "before we start" or referral page with those signs' question open, the net takes
    the place of the page's own "go now" line for them among the warning signs, unless
    the notes describe those signs: then the page's line says them as present now, not
    as a "what if". ``noted``: the questions whose signs a review's notes describe
    (its page says them as present now, as a "before we start" page does)."""
    near = {region for sid in sites if sid in rules.sites for region in rules.sites[sid].near}
    said = {item for section in page.sections for item in section.items}
    held = {f.id for f in flags}
    bws = rules.screening.before_we_start if rules.screening else None
    # a question's own line: what to do now (or, described by the notes, today)
    lines: dict[str, str] = {}
    if bws is not None:
        holding = held | {c.id for c in checks if c.kind == "notes"}
        for c in checks:
            key = bws.line_id(c.id, holding, noted=c.kind == "notes")
            if key is not None:
                lines.setdefault(c.id, key)
        for qid in noted:  # a review's notes describe these: said as present now
            key = bws.line_id(qid, held | noted, noted=True)
            if key is not None:
                lines.setdefault(qid, key)
    open_now = {c.id for c in checks if bws is not None and c.id in bws.now_for}
    noted_now = {c.id for c in checks if c.kind == "notes" and c.id in lines} | noted
    nets: list[str] = []
    instead: set[str] = set()  # the page's own lines a net says in their place
    for net in rules.advice.safety_nets:
        weeks = net.pregnancy_from_weeks
        by_factor = bool(held.intersection(net.factors)) and (
            weeks is None or (pregnancy_weeks is not None and pregnancy_weeks >= weeks)
        )
        reached = condition in net.conditions or near.intersection(net.regions) or by_factor
        if not reached:
            continue
        for name in net.replaces_warnings:  # its signs are said more urgently, here or above
            instead.add(say_if(rules, f"page.warning_signs.{name}", audience))
            instead.add(say_if(rules, f"page.spinal_signs.{name}", audience))
        if any(f.id in net.said_by and f.patient_message in said for f in flags):
            continue
        described = noted_now.intersection(net.said_by)
        if described and _raised(rules, held, described):
            continue  # the signs described complete an emergency the page already says
        present = (say_if(rules, lines[q], audience) for q in described)
        if any(line in said for line in present if line):
            continue  # the notes describe them: the page says them as present now
        if net.says is not None:
            line = say(rules, net.says, audience)
        else:
            line = (net.parent if audience == "parent" else net.text) or ""
        if line not in said:
            nets.append(line)
            for qid in open_now.intersection(net.said_by):
                instead.add(say_if(rules, f"screening.page.now.{qid}", audience))
    if not (nets or instead.intersection(said)) or page == EMPTY:
        return page
    sections = list(page.sections)
    for i, section in enumerate(sections):
        if section.id == "warning_signs":
            kept = (item for item in section.items if item not in instead)
            sections[i] = AdviceSection(section.id, section.heading, (*nets, *kept))
            break
    else:
        if nets:
            heading = say(rules, "page.heading.warning_signs", audience)
            sections.append(AdviceSection("warning_signs", heading, tuple(nets)))
    return Advice(title=page.title, lead=page.lead, sections=tuple(sections))


def review_advice(
    review: Review,
    rules: RuleSet,
    companions: tuple[CompanionItem, ...] = (),
    why: tuple[str, ...] = (),
    care: tuple[str, ...] = (),
    *,
    title: str = "",
    given_lead: str = "",
    referral: Referral | None = None,
    spinal: bool = False,
    now: tuple[str, ...] = (),
) -> Advice:
    """The patient's page after a review: where to go if it is urgent (``referral``,
    when given: what the plan's referral page says for this tier and these red flags,
    what to do first and when to escalate) and ``why`` (the new red flags' messages),
    what comes next, the extra ``care`` that precautions found
    during the course call for (while needling goes on), and when to get help.

    The warning signs are on every page but an emergency's (which sends the patient to
    help now): the last session may have been a day ago. The pain scores themselves are
    the writers' to show (a list, a chart). ``title`` and ``given_lead``, when given,
    are the deciding finding's own (from the rule set's review table). ``spinal``: a
    site of the course is near the spine (its warning signs say that emergency first).
    The warning signs the referral's "if it gets worse" says instead are left off.
    ``now``: what to do now if the signs the notes describe are present (notes whose
    yes is an emergency, or needs a hospital today beside the course's flags): the page
    starts with it, as a "before we start" or referral page does (a referral page's
    warning signs say it first again, below where to go), and it offers nothing to try
    meanwhile and no "your therapist will check this" (an emergency waits for no one).
    """
    audience = review.audience

    def heading(name: str) -> str:
        return say(rules, f"page.heading.{name}", audience)

    verdict = review.verdict
    urgency = review_tier(review, rules)
    sections: list[AdviceSection] = []
    if f"page.referral.{urgency}.where" in rules.texts:
        where = _referral(rules, urgency, audience)
        if referral is not None:  # the plan's referral words: the tier's, or the flag's own
            # what the notes suggest may be there now, then a flag's own first line (a
            # clot's: if breathless), as the plan's referral page says them
            first = [*now, referral.now_first, referral.do_now]
            sections += section("do_now", heading("do_now"), list(dict.fromkeys(first)))
            where = [referral.where, referral.when]
        if verdict == "emergency" or any(s.rule == REVIEW_NOTES for s in review.rationale):
            where.append(say(rules, "page.tell_staff", audience))  # a possible needling injury
        sections += section("where_to_go", heading("where_to_go"), where)
        sections += section("watch_for", heading("why"), told(rules, audience, list(why)))
        if referral is not None:
            sections += section("if_worse", heading("if_worse"), [referral.escalate])
    else:  # needling stops without a doctor first: why, in the page's words
        sections += section("why", heading("why"), told(rules, audience, list(why)))
    lead, items = _next_steps(review, rules)
    sections += section("your_progress", heading("next"), items)
    if urgency == "none" and not now:  # a hold pauses needling: what helps meanwhile
        instead = verdict in ("stop_needling", "discharge")
        heading_id = "meanwhile" if review.hold else "instead" if instead else "alongside"
        sections += other_therapies(rules, companions, audience, heading_id)
    if verdict in GOING_ON:
        care_lines = told(rules, audience, list(care))
        sections += section("site_care", say(rules, "page.site_care", audience), care_lines)
        sections += _list_section(rules, "aftercare", audience)
    if urgency != "emergency":
        leave_off = referral.replaces if referral is not None else frozenset()
        signs = warning_signs(rules, audience, spinal=spinal, leave_off=leave_off)
        if now and referral is not None:  # the go-now lines are warning signs too, said first
            signs = [
                AdviceSection(x.id, x.heading, (*now, *(i for i in x.items if i not in now)))
                for x in signs
            ]
        sections += signs  # a page that starts with what to do now does not say it again
    if now and referral is not None:  # a referral page that starts with what to do now
        return Advice(title=referral.title, lead=now[0], sections=tuple(sections))
    if now:  # the page starts with what to do now
        return Advice(title=heading("do_now"), lead=" ".join(now), sections=tuple(sections))
    return Advice(
        title=title or (referral.title if referral else "") or _review_title(review, rules),
        lead=given_lead or lead,
        sections=tuple(sections),
    )


def review_tier(review: Review, rules: RuleSet) -> Urgency:
    """The urgency a review's page refers at ("none": it does not refer)."""
    if review.verdict == "emergency":
        return "emergency"
    if review.verdict == "refer" and review.urgency == "none":
        return rules.plan_rules.default_urgency.urgency
    return review.urgency


def _next_steps(review: Review, rules: RuleSet) -> tuple[str, list[str]]:
    """(lead, items) in plain words: what the verdict means for the patient (or child)."""
    verdict = review.verdict
    audience = review.audience

    def lead(name: str) -> str:
        return say(rules, f"review.lead.{name}", audience)

    sessions = worded(rules, counted("session", review.next.sessions))
    more = say(rules, "page.next_more", audience, sessions=sessions)
    if 0 < review.next.reassess_after < review.next.sessions:  # a check comes first
        first = worded(rules, counted("session", review.next.reassess_after))
        more = say(rules, "page.next_check_first", audience, first=first, sessions=sessions)
    said = {step.rule for step in review.rationale}
    if verdict == "emergency":
        return lead("emergency"), []
    if verdict == "refer":
        return lead("refer_now" if review.urgency == "emergency" else "refer"), []
    if verdict == "continue":
        if REVIEW_NO_CHANGE_YET in said:  # the rest of the block only if both agree
            return lead("no_change_yet"), [say(rules, "page.if_agreed", audience, rest=sessions)]
        return lead("continue"), [more]
    if verdict == "extend":
        return lead("extend"), [more]
    if verdict == "discharge":
        return lead("discharge"), [lead("discharge_next")]
    if review.urgency == "emergency":
        if REVIEW_NOTES_RED_FLAG in said:  # symptoms told, not a needling injury
            return f"{lead('refer_now')} {lead('stops_for_now')}", []
        return f"{lead('emergency')} {lead('stops_for_now')}", []
    if REVIEW_EMERGENCY in said:  # an emergency at an earlier session: cleared first
        return f"{lead('stopped')} {lead('cleared_first')}", []
    if review.urgency != "none":  # a doctor first: where to go follows
        return f"{lead('stops_for_now')} {lead('cleared_first')}", []
    return lead("stopped"), []


def _review_title(review: Review, rules: RuleSet) -> str:
    if review.verdict == "emergency" or review.urgency == "emergency":
        return say(rules, "review.title.emergency", review.audience)
    if any(step.rule == REVIEW_NO_CHANGE_YET for step in review.rationale):
        return say(rules, "review.title.decide", review.audience)
    return say(rules, f"review.title.{review.verdict}", review.audience)


def _raised(rules: RuleSet, held: set[str], described: Set[str]) -> bool:
    """Whether the signs ``described`` complete, with the ``held`` flags, an emergency
    combination the flags alone do not (a cancer with a nerve sign in the notes)."""
    sc = rules.screening
    if sc is None:
        return False

    def emergency(ids: Set[str]) -> bool:
        return any(c.urgency == "emergency" for c in sc.completed(ids))

    return emergency(held | described) and not emergency(held)
