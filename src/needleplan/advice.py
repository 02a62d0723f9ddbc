"""The patient's page: what the patient (or parent) is told, fitted to the decision.

A referral says where to go and how soon, and nothing about needling; a
patient who is not to be needled gets the other therapies only; a needling
plan gets the sessions, what to expect, site care, aftercare and the warning
signs. Every text comes from the rule set's ``advice`` (plain words, no ids);
each warning appears once. Pure: built from the plan and the rule set.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .results import Advice, AdviceSection, Cadence, CompanionItem, Course, Flag, SiteVerdict
from .vocab import EVERY_SITE_AVOIDED, GOING_ON, NEEDLING, Audience, Decision, Urgency, plural

if TYPE_CHECKING:
    from .profile import ConditionProfile
    from .results import Review
    from .rules import Advice as AdviceText
    from .rules import RuleSet

EMPTY = Advice(title="", lead="", sections=())


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i.strip() for i in items if i and i.strip()))


def _section(sid: str, heading: str, items: list[str]) -> list[AdviceSection]:
    """A section of the page (none when it says nothing)."""
    kept = _unique(items)
    return [AdviceSection(sid, heading, kept)] if kept else []


#: What the page says in needleplan's own words, by reader: a patient reads about
#: themself, a parent or guardian (a patient under 18) about their child. The rule set's
#: texts have their parent versions in its ``advice.parent``.
_WORDS: dict[str, dict[str, str]] = {
    "patient": {
        "your_sessions": "Your sessions",
        "check": "After session {n}, you and your therapist check how it is going and "
        "decide together whether to go on.",
        "kept_safe": "Some places will not be needled, to keep you safe.",
        "site_care": "Extra care for you",
        "pain_back": "If pain comes back, talk to your therapist again.",
        "emergency": "You may have a serious problem from needling.",
        "refer": "Some of your symptoms need a doctor to check them before more treatment.",
        "refer_now": "Some of your symptoms need a hospital check now.",
        "continue": "Your treatment goes on as planned.",
        "extend": "You are still getting better, so a few more sessions are planned.",
        "discharge": "You can now look after this yourself.",
        "discharge_next": "Keep doing your exercises. Come back if the pain returns or gets worse.",
        "stopped": "Needling stops for now. Your therapist will talk with you about what "
        "comes next.",
        "progress": "Your progress",
        "refer_title": "You need a medical check first",
        "no_change_yet": "Your pain has not changed much yet. You and your therapist will "
        "decide together whether to finish the first sessions.",
        "cleared_first": "A doctor must check you before any more needling.",
        "tell_staff": "Tell the staff you had dry needling, and where on your body.",
        "if_agreed": "If you and your therapist agree: up to {rest} more. If there is still no "
        "real change then, needling stops.",
        "as_you": "",
    },
    "parent": {
        "your_sessions": "Your child's sessions",
        "check": "After session {n}, you, your child and the therapist check how it is "
        "going and decide together whether to go on.",
        "kept_safe": "Some places will not be needled, to keep your child safe.",
        "site_care": "Extra care for your child",
        "pain_back": "If the pain comes back, talk to the therapist again.",
        "emergency": "Your child may have a serious problem from needling.",
        "refer": "Some of your child's symptoms need a doctor to check them before more treatment.",
        "refer_now": "Some of your child's symptoms need a hospital check now.",
        "continue": "Your child's treatment goes on as planned.",
        "extend": "Your child is still getting better, so a few more sessions are planned.",
        "discharge": "Your child can now look after this at home.",
        "discharge_next": "Help your child keep doing the exercises. Come back if the pain "
        "returns or gets worse.",
        "stopped": "Needling stops for now. The therapist will talk with you and your child "
        "about what comes next.",
        "progress": "Your child's progress",
        "refer_title": "Your child needs a medical check first",
        "no_change_yet": "Your child's pain has not changed much yet. You, your child and the "
        "therapist will decide together whether to finish the first sessions.",
        "cleared_first": "A doctor must check your child before any more needling.",
        "tell_staff": "Tell the staff your child had dry needling, and where on the body.",
        "if_agreed": "If you, your child and the therapist agree: up to {rest} more. If there is "
        "still no real change then, needling stops.",
        "as_you": "Where a note below says 'you', it means your child.",
    },
}


def _other_therapies(
    companions: tuple[CompanionItem, ...], text: AdviceText, *, instead: bool = False
) -> list[AdviceSection]:
    """The other therapies: alongside needling, or ``instead`` of it."""
    items = [text.other_therapies_lead] if companions else []
    items += [c.patient_text for c in companions]
    heading = "What can help instead" if instead else "What helps alongside"
    return _section("other_therapies", heading, items)


_TO_THE_PATIENT = re.compile(r"\b[Yy]ou(?:r|rs|rself)?\b")


def _told(words: dict[str, str], messages: list[str]) -> list[str]:
    """The rule set's messages to the patient. On a parent's page, where one of them
    speaks to "you" (the child), a first line says so."""
    messages = [m for m in messages if m]
    frame = words["as_you"]
    if frame and any(_TO_THE_PATIENT.search(m) and "child" not in m for m in messages):
        return [frame, *messages]
    return messages


def told(audience: Audience, messages: list[str]) -> list[str]:
    """The rule set's messages to the patient, framed for ``audience`` (see ``_told``)."""
    return _told(_WORDS[audience], messages)


def _site_care(
    sites: tuple[SiteVerdict, ...], *, avoided_by: frozenset[str] | None = None
) -> list[str]:
    """Each site's plain-words caution once, naming the sites it applies to: the sites to
    be needled or, given the site rules that avoid a site (``avoided_by``), why the
    others will not be."""
    where: dict[str, list[str]] = {}
    for site in sites:
        if (site.verdict == "avoid") != (avoided_by is not None):
            continue
        name = site.patient_label or (
            f"{site.label} ({'both sides' if site.side == 'both' else site.side})"
        )
        for reason in site.reasons:
            if avoided_by is not None and reason.flag not in avoided_by:
                continue  # a caution at a site that will not be needled anyway
            if reason.patient_message:
                where.setdefault(reason.patient_message, []).append(name)
    said = [f"{' and '.join(names)}: {message}" for message, names in where.items()]
    return [line[:1].upper() + line[1:] for line in said]  # a plain-words place starts it


def avoided_reasons(sites: tuple[SiteVerdict, ...], rules: RuleSet) -> list[str]:
    """Why each avoided site will not be needled, in plain words, naming the sites."""
    avoiding = frozenset(r.id for r in rules.site_rules if r.verdict == "avoid")
    return _site_care(sites, avoided_by=avoiding)


def think_again(
    profile: ConditionProfile, rules: RuleSet, audience: Audience = "patient"
) -> tuple[str, ...]:
    """When to think again about needling: each fresh injury's text, and no pain's."""
    texts = [
        rules.health_factors[f.id].reconsider
        for f in profile.health_factors
        if rules.health_factors[f.id].level == "not_indicated"
    ]
    if profile.severity == 0:
        texts.append(_WORDS[audience]["pain_back"])
    return tuple(texts)


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
) -> Advice:
    """The patient's page for a plan made of these parts.

    ``reconsider`` is what the page says about when to think again (see
    :func:`think_again`); only a plan that does not needle shows it.
    """
    text = rules.advice.for_reader(audience)
    words = _WORDS[audience]
    lead = text.leads[decision]
    first = [f.patient_message for f in flags if f.id == "first_trimester"]
    if first and decision in NEEDLING:
        lead = f"{first[0]} {lead}"
    if audience == "parent" and decision in NEEDLING:
        lead = f"{text.parent_note} {lead}"
    sections: list[AdviceSection] = []
    if decision == "refer":
        go = text.referral[urgency if urgency != "none" else "routine"]
        sections += _section("where_to_go", "Where to go, and how soon", [go.where, go.when])
        sections += _section(
            "watch_for",
            "Why",
            _told(words, [f.patient_message for f in flags if f.level == "red_flag"]),
        )
    elif decision in ("do_not_needle", "not_indicated"):
        stopping = "contraindication" if decision == "do_not_needle" else "not_indicated"
        why = [f.patient_message for f in flags if f.level == stopping]
        if any(f.id == EVERY_SITE_AVOIDED for f in flags):
            why += avoided_reasons(sites, rules)  # each site's own reason
        sections += _section("why", "Why", _told(words, why))
        sections += _other_therapies(companions, text, instead=True)
        sections += _section("when_to_reconsider", "When to think again", list(reconsider))
    else:
        sessions = [
            f"{plural(course.initial_block, 'session')} to start, about "
            f"{plural(cadence.per_week, 'session')} a week.",
            words["check"].format(n=course.reassess_after),
        ]
        sections += _section("your_sessions", words["your_sessions"], [text.what_it_is, *sessions])
        care = _site_care(sites)
        care += [
            f.patient_message
            for f in flags
            if f.level == "precaution" and f.id != "first_trimester"
        ]
        if any(s.verdict == "avoid" for s in sites):  # which, and why, first
            care[:0] = [words["kept_safe"], *avoided_reasons(sites, rules)]
        care = _told(words, care)
        sections += _section("site_care", words["site_care"], care)
        sections += _section("what_to_expect", "What to expect", list(text.what_to_expect))
        sections += _other_therapies(companions, text)
        sections += _section("aftercare", "After each session", list(text.aftercare))
        sections += _section("warning_signs", "When to get help", list(text.warning_signs))
    return Advice(title=text.titles[decision], lead=lead, sections=tuple(sections))


def review_advice(
    review: Review,
    rules: RuleSet,
    companions: tuple[CompanionItem, ...] = (),
    why: tuple[str, ...] = (),
    care: tuple[str, ...] = (),
    *,
    title: str = "",
    given_lead: str = "",
) -> Advice:
    """The patient's page after a review: where to go if it is urgent and ``why`` (the
    new red flags' messages), what comes next, the extra ``care`` that precautions found
    during the course call for (while needling goes on), and when to get help.

    The warning signs are on every page but an emergency's (which sends the patient to
    help now): the last session may have been a day ago. The pain scores themselves are
    the writers' to show (a list, a chart). ``title`` and ``given_lead``, when given,
    are the deciding finding's own (from the rule set's review table).
    """
    text = rules.advice.for_reader(review.audience)
    words = _WORDS[review.audience]
    verdict = review.verdict
    urgency = "emergency" if verdict == "emergency" else review.urgency
    if verdict == "refer" and urgency == "none":
        urgency = "routine"
    sections: list[AdviceSection] = []
    if urgency in text.referral:
        go = text.referral[urgency]  # type: ignore[index]
        where = [go.where, go.when]
        if verdict == "emergency" or any(s.rule == "review.notes" for s in review.rationale):
            where.append(words["tell_staff"])  # a possible needling injury
        sections += _section("where_to_go", "Where to go, and how soon", where)
        sections += _section("watch_for", "Why", _told(words, list(why)))
    else:  # needling stops without a doctor first: why, in the page's words
        sections += _section("why", "Why", _told(words, list(why)))
    lead, items = _next_steps(review)
    sections += _section("your_progress", "What happens next", items)
    if urgency == "none":
        instead = verdict in ("stop_needling", "discharge")
        sections += _other_therapies(companions, text, instead=instead)
    if verdict in GOING_ON:
        sections += _section("site_care", words["site_care"], _told(words, list(care)))
        sections += _section("aftercare", "After each session", list(text.aftercare))
    if urgency != "emergency":
        sections += _section("warning_signs", "When to get help", list(text.warning_signs))
    return Advice(
        title=title or _review_title(review), lead=given_lead or lead, sections=tuple(sections)
    )


def _next_steps(review: Review) -> tuple[str, list[str]]:
    """(lead, items) in plain words: what the verdict means for the patient (or child)."""
    verdict = review.verdict
    words = _WORDS[review.audience]
    sessions = plural(review.next.sessions, "session")
    more = f"Next: {sessions} more, then another check."
    if 0 < review.next.reassess_after < review.next.sessions:  # a check comes first
        first = plural(review.next.reassess_after, "session")
        more = f"Next: {first} more, then a check on how it is going "
        more += f"(up to {sessions} more in all)."
    said = {step.rule for step in review.rationale}
    if verdict == "emergency":
        return words["emergency"], []
    if verdict == "refer":
        return words["refer_now" if review.urgency == "emergency" else "refer"], []
    if verdict == "continue":
        if "review.no_change_yet" in said:  # the rest of the block only if both agree
            return words["no_change_yet"], [words["if_agreed"].format(rest=sessions)]
        return words["continue"], [more]
    if verdict == "extend":
        return words["extend"], [more]
    if verdict == "discharge":
        return words["discharge"], [words["discharge_next"]]
    if review.urgency == "emergency":
        if "review.notes_red_flag" in said:  # symptoms told, not a needling injury
            return f"{words['refer_now']} Needling stops for now.", []
        return f"{words['emergency']} Needling stops for now.", []
    if "review.emergency" in said:  # an emergency at an earlier session: cleared first
        return f"{words['stopped']} {words['cleared_first']}", []
    if review.urgency != "none":  # a doctor first: where to go follows
        return f"Needling stops for now. {words['cleared_first']}", []
    return words["stopped"], []


def _review_title(review: Review) -> str:
    words = _WORDS[review.audience]
    if review.verdict == "emergency" or review.urgency == "emergency":
        return "Get emergency help now"
    if any(step.rule == "review.no_change_yet" for step in review.rationale):
        return f"{words['progress']}: time to decide together"
    return {
        "continue": f"{words['progress']}: keep going",
        "extend": f"{words['progress']}: a few more sessions",
        "discharge": f"{words['progress']}: time to manage on your own"
        if review.audience == "patient"
        else f"{words['progress']}: time to manage at home",
        "stop_needling": f"{words['progress']}: a change of plan",
        "refer": words["refer_title"],
    }[review.verdict]
