"""``fhir``: plans and reviews as HL7 FHIR R4 resources, read from typed ``Plan``/``Review``.

Plans
    One plan is a ``CarePlan``; several are a ``Bundle`` of type ``collection``.
    ``status: draft`` and ``intent: proposal``: a suggestion for a clinician,
    not an order. No SNOMED, LOINC or CPT codes are invented for needleplan's
    own ideas: activities, decisions, flags and sites carry a code from
    needleplan's own code systems (the ``urn:needleplan:codesystem:*`` URNs
    below) and always a ``text``. ``do_not_needle``, ``not_indicated`` and
    ``refer`` set ``doNotPerform: true`` on the needling activity; ``refer``
    adds a referral activity whose description gives the urgency. The course
    (initial block, reassessment point, ceiling) is the needling activity's
    ``scheduledTiming`` (``count`` = the initial block) and description. Site
    verdicts, site checks that could not be made, flags and warnings are notes;
    avoided sites are also reasons on the needling activity.

Reviews
    Always a ``Bundle`` (``collection``): per review the ``CarePlan`` of the
    course, one ``Observation`` per logged NRS score (LOINC 72514-3, category
    ``survey``, ``basedOn`` the CarePlan) and one ``Observation`` for the
    verdict (needleplan's own code systems). Several reviews share one Bundle.

Text from the profile (the patient reference) goes only into identifier and
display fields, made inert (controls shown as escapes). The narrative
``text.div`` holds only needleplan's own text, HTML-escaped. Ids and fullUrls
are hashes of the patient reference and condition, or of the profile's content
(:func:`~needleplan.writers.base.plan_key`), so the same input gives the same
bytes.
"""

from __future__ import annotations

import hashlib
import html
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from needleplan.errors import inert
from needleplan.results import CompanionItem, Flag, Plan, Point, Review, SiteVerdict
from needleplan.rules import RuleSet
from needleplan.vocab import GOING_ON, NEEDLING, STOPS_NEEDLING, Decision, Urgency, spoken
from needleplan.wording import counted, say, worded
from needleplan.writers.base import Keys, Spooled, Writer, broke_off, plan_key

CS_ACTIVITY = "urn:needleplan:codesystem:activity"
CS_COMPANION = "urn:needleplan:codesystem:companion"
CS_FLAG = "urn:needleplan:codesystem:flag"
CS_DECISION = "urn:needleplan:codesystem:decision"
CS_SITE = "urn:needleplan:codesystem:site"
CS_REVIEW = "urn:needleplan:codesystem:review"
CS_VERDICT = "urn:needleplan:codesystem:review-verdict"
LOINC = "http://loinc.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
NRS_LOINC = "72514-3"
NRS_DISPLAY = "Pain severity - 0-10 verbal numeric rating [Score] - Reported"
_NAMESPACE = uuid.UUID("6f1c3f52-5b0e-4d0c-9c55-2a4a3c7e9b10")
_XHTML = "http://www.w3.org/1999/xhtml"


# -- small helpers ------------------------------------------------------------------


def _say(rules: RuleSet, key: str, /, **values: object) -> str:
    """The record's text ``fhir.<key>``."""
    return say(rules, f"fhir.{key}", "patient", **values)


def _count(rules: RuleSet, noun: str, n: int) -> str:
    """'1 session', '3 sessions': the rule set's ``count.<noun>`` texts."""
    return worded(rules, counted(noun, n))


def _rid(key: str, *parts: str) -> str:
    """A FHIR id ([A-Za-z0-9-.]{1,64})."""
    return "-".join(["needleplan", key[:32], *parts])


def _full_url(key: str, *parts: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, '/'.join([key, *parts]))}"


def _subject(rules: RuleSet, result: Plan | Review) -> dict[str, Any]:
    patient = (result.patient or "").strip()
    if patient:
        reference = inert(patient)
        return {"identifier": {"value": reference}, "display": reference}
    return {"display": _say(rules, "subject_unknown")}


def _narrative(*paragraphs: str) -> dict[str, str]:
    body = "".join(f"<p>{html.escape(p, quote=True)}</p>" for p in paragraphs if p)
    return {"status": "generated", "div": f'<div xmlns="{_XHTML}">{body}</div>'}


def _urgency(rules: RuleSet, urgency: Urgency) -> str:
    """A referral's urgency line (the record's, or that none was stated)."""
    return rules.terms.urgencies[urgency].record or _say(rules, "no_urgency")


def _words(identifier: str) -> str:
    """An id read aloud (``upper_trapezius`` -> ``Upper trapezius``)."""
    text = spoken(identifier).strip()
    return text[:1].upper() + text[1:]


def _notes(texts: Iterable[str]) -> list[dict[str, str]]:
    return [{"text": t} for t in texts if t]


def _concept(system: str, code: str, display: str, text: str | None = None) -> dict[str, Any]:
    return {
        "coding": [{"system": system, "code": code, "display": display}],
        "text": text or display,
    }


def _detail(
    code: dict[str, Any], reasons: list[Any], description: str, status: str, stop: bool
) -> dict[str, Any]:
    """A CarePlan activity's ``detail``: a service request (no ``reasonCode`` without one)."""
    detail: dict[str, Any] = {"kind": "ServiceRequest", "code": code}
    if reasons:
        detail["reasonCode"] = reasons
    detail.update(status=status, doNotPerform=stop, description=description)
    return detail


def _needling_code(rules: RuleSet) -> dict[str, Any]:
    return _concept(CS_ACTIVITY, "dry_needling", _say(rules, "dry_needling"))


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?")) else text + "."


def _rules_note(rules: RuleSet, result: Plan | Review) -> str:
    ref = result.rules
    return _say(rules, "rules", name=ref.name, version=ref.version, sha256=ref.sha256)


# -- plans --------------------------------------------------------------------------


def _flag_text(rules: RuleSet, flag: Flag) -> str:
    head = f"{rules.terms.levels[flag.level].label} ({flag.label}): {flag.message}"
    source = _say(rules, "source", source=flag.source) if flag.source else ""
    return " ".join(p for p in (head, rules.terms.urgencies[flag.urgency].record, source) if p)


def _site_name(rules: RuleSet, site: SiteVerdict) -> str:
    if site.side == "both":
        return _say(rules, "site.both", site=site.label)
    return _say(rules, "site.side", site=site.label, side=site.side)


def _site_reasons(site: SiteVerdict) -> str:
    return " ".join(_sentence(r.message) for r in site.reasons)


def _site_note(rules: RuleSet, site: SiteVerdict) -> str:
    verdict = rules.terms.sites[site.verdict].label.lower()
    name, reasons = _site_name(rules, site), _site_reasons(site)
    return _say(rules, "site_note", site=name, verdict=verdict, reasons=reasons).strip()


def _sites(rules: RuleSet, sites: Iterable[SiteVerdict]) -> str:
    return ", ".join(_site_name(rules, s) for s in sites)


def _course_text(rules: RuleSet, plan: Plan) -> str:
    course, cadence = plan.course, plan.cadence
    weekly = ""
    if cadence.per_week:
        weeks = _count(rules, "week", cadence.weeks)
        weekly = ", " + _say(rules, "cadence", per_week=cadence.per_week, weeks=weeks)
    return _say(
        rules,
        "course",
        block=_count(rules, "dry_needling_session", course.initial_block),
        cadence=weekly,
        reassess_after=course.reassess_after,
        ceiling=course.ceiling,
    )


def _not_needling_text(rules: RuleSet, decision: Decision) -> str:
    """The needling activity's line when no needling is proposed."""
    if decision in ("refer", "not_indicated", "do_not_needle"):
        return _say(rules, f"not_needling.{decision}")
    # check_first holds needling until its questions are answered: a hold, not a
    # contraindication, said in the decision's own line
    return rules.terms.decisions[decision].record


def _plan_description(rules: RuleSet, plan: Plan) -> str:
    decision = plan.decision
    parts = [rules.terms.decisions[decision].record]
    if decision == "refer":
        parts.append(_urgency(rules, plan.urgency))
    if decision in NEEDLING:
        parts.append(_course_text(rules, plan))
    elif decision in ("do_not_needle", "not_indicated"):
        # refer's and check_first's own line already says no needling is proposed
        parts.append(_not_needling_text(rules, decision))
    avoided = [s for s in plan.sites if s.verdict == "avoid"]
    caution = [s for s in plan.sites if s.verdict == "caution"]
    if avoided:
        parts.append(_say(rules, "avoid_sites", sites=_sites(rules, avoided)))
    if caution and decision in NEEDLING:
        parts.append(_say(rules, "caution_sites", sites=_sites(rules, caution)))
    if plan.unchecked:
        checks = ", ".join(_words(u.check).lower() for u in plan.unchecked)
        parts.append(_say(rules, "unchecked", checks=checks))
    if plan.advice.title:
        parts.append(_say(rules, "advice", title=_sentence(plan.advice.title)))
    parts.append(plan.disclaimer)
    return " ".join(p for p in parts if p)


def _needling_activity(rules: RuleSet, plan: Plan) -> dict[str, Any]:
    needling = plan.decision in NEEDLING
    avoided = [s for s in plan.sites if s.verdict == "avoid"]
    reasons: list[dict[str, Any]] = [{"text": plan.condition_label}]
    reasons += [
        _concept(CS_FLAG, f.id, f.label, f"{rules.terms.levels[f.level].label}: {f.label}")
        for f in plan.flags
    ]
    reasons += [
        _concept(
            CS_SITE,
            s.id,
            s.label,
            _say(rules, "avoid_site", site=_site_name(rules, s), reasons=_site_reasons(s)),
        )
        for s in avoided
    ]
    needled = _course_text(rules, plan) if needling else _not_needling_text(rules, plan.decision)
    description = [needled]
    if avoided:
        description.append(_say(rules, "avoid", sites=_sites(rules, avoided)))
    description += [_flag_text(rules, f) for f in plan.flags]
    detail = _detail(
        _needling_code(rules), reasons, " ".join(description), "not-started", not needling
    )
    if needling and plan.course.initial_block:
        repeat: dict[str, Any] = {"count": plan.course.initial_block}
        if plan.cadence.per_week:
            repeat.update(frequency=plan.cadence.per_week, period=1, periodUnit="wk")
        timing: dict[str, Any] = {}
        if plan.schedule:
            timing["event"] = [s.date.isoformat() for s in plan.schedule]
            repeat["boundsPeriod"] = _period(plan)
        timing["repeat"] = repeat
        detail["scheduledTiming"] = timing
    return {"detail": detail}


def _period(plan: Plan) -> dict[str, str]:
    schedule = plan.schedule or ()
    return {"start": schedule[0].date.isoformat(), "end": schedule[-1].date.isoformat()}


def _referral_activity(
    rules: RuleSet, urgency: Urgency, red: Sequence[Flag], reasons: Sequence[str] = ()
) -> dict[str, Any]:
    """The referral as an activity: its code text says so, its description how soon."""
    referral = _say(rules, "referral")
    description = " ".join(
        [f"{referral}.", _urgency(rules, urgency)]
        + [_sentence(f"{f.label}: {f.message}") for f in red]
        + [_sentence(r) for r in reasons]
    )
    code = _concept(CS_ACTIVITY, "medical_referral", referral)
    flags = [_concept(CS_FLAG, f.id, f.label) for f in red]
    return {"detail": _detail(code, flags, description, "not-started", False)}


def _companion_activity(rules: RuleSet, companion: CompanionItem) -> dict[str, Any]:
    reason = companion.reason or _say(rules, "companion_reason")
    code = _concept(CS_COMPANION, companion.id, companion.label)
    description = _sentence(f"{companion.label}: {reason}")
    return {"detail": _detail(code, [{"text": reason}], description, "not-started", False)}


def care_plan(rules: RuleSet, plan: Plan, key: str | None = None) -> dict[str, Any]:
    key = key or plan_key(plan)
    decision = plan.decision
    description = _plan_description(rules, plan)
    activities = [_needling_activity(rules, plan)]
    if decision == "refer":
        red = [f for f in plan.flags if f.level == "red_flag"]
        activities.append(_referral_activity(rules, plan.urgency, red))
    activities += [_companion_activity(rules, c) for c in plan.companions]

    term = rules.terms.decisions[decision]
    notes = [_say(rules, "note.decision", decision=decision, record=term.record)]
    if decision == "refer":
        notes.append(_urgency(rules, plan.urgency))
    if decision in NEEDLING:
        notes.append(_say(rules, "note.course", course=_course_text(rules, plan)))
    notes += [_flag_text(rules, f) for f in plan.flags]
    notes += [_site_note(rules, s) for s in plan.sites if s.verdict == "avoid"]
    notes += [_site_note(rules, s) for s in plan.sites if s.verdict == "caution"]
    plain = [s for s in plan.sites if s.verdict == "ok"]
    if plain:
        notes.append(_say(rules, "note.plain_sites", sites=_sites(rules, plain)))
    notes += [
        _say(rules, "note.unchecked", check=u.check, message=u.message) for u in plan.unchecked
    ]
    notes += [_say(rules, "note.warning", kind=w.kind, message=w.message) for w in plan.warnings]
    notes += [_say(rules, "note.expectation", expectation=e) for e in plan.expectations]
    notes += [_rules_note(rules, plan), plan.disclaimer]

    label = plan.condition_label
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": _rid(key),
        "text": _narrative(f"{label}: {description}"),
        "status": "draft",
        "intent": "proposal",
        "category": [_concept(CS_DECISION, decision, term.label, term.record)],
        "title": _say(rules, "title.plan", label=label),
        "description": description,
        "subject": _subject(rules, plan),
    }
    if plan.schedule and decision in NEEDLING:
        resource["period"] = _period(plan)
    resource["activity"] = activities
    resource["note"] = _notes(notes)
    return resource


# -- reviews ------------------------------------------------------------------------


def _change_text(rules: RuleSet, review: Review) -> str:
    change, baseline, latest = review.change, review.baseline_nrs, review.latest_nrs
    done = _count(rules, "session", review.sessions_done)
    if change is None or baseline is None or latest is None:
        return _say(rules, "change.none", done=done)
    pct = f", {change.percent:+.1f}%" if change.percent is not None else ""
    if broke_off(review):  # no change is judged across a long break
        what = "not_judged"
    elif change.meaningful:
        what = "meaningful"
    elif change.worse:
        what = "worse"
    else:
        what = "no_change"
    return _say(
        rules,
        "change.measured",
        baseline=baseline,
        latest=latest,
        done=done,
        points=change.points,
        percent=pct,
        what=_say(rules, f"change.{what}", limit=rules.review.stale_after_days),
    )


def _next_text(rules: RuleSet, review: Review) -> str:
    nxt = review.next
    parts = []
    if nxt.sessions:
        parts.append(
            _say(
                rules,
                "next.sessions",
                sessions=_count(rules, "more_session", nxt.sessions),
                reassess_after=nxt.reassess_after,
                ceiling=review.ceiling,
            )
        )
    if nxt.avoid_sites:
        names = ", ".join(_words(s) for s in nxt.avoid_sites)
        parts.append(_say(rules, "next.avoid", sites=names))
    parts += [_sentence(a) for a in nxt.actions]
    return " ".join(parts)


def _verdict_text(rules: RuleSet, review: Review) -> str:
    """The verdict as the review that made it says it: its label, and the deciding
    finding's own line (the first step of its rationale)."""
    label = rules.terms.verdict(review.verdict, review.hold, review.deciding).label
    steps = review.rationale
    return f"{label}: {_sentence(steps[0].reason)}" if steps else f"{label}."


def _progress_note(review: Review) -> str:
    """The review's own progress-note line, when one is due."""
    due = [s.reason for s in review.rationale if s.rule == "course.progress_note_every"]
    return _sentence(due[0]) if review.progress_note_due and due else ""


def _step_notes(rules: RuleSet, review: Review) -> list[str]:
    """Each step of the review's reasoning, with its source."""
    return [
        f"{_sentence(r.reason)} {_say(rules, 'source', source=r.source)}" for r in review.rationale
    ]


def _events(point: Point) -> str:
    return ", ".join(_words(e).lower() for e in point.events)


def _review_description(rules: RuleSet, review: Review) -> str:
    parts = [_verdict_text(rules, review), rules.terms.urgencies[review.urgency].record]
    parts += [_change_text(rules, review), _next_text(rules, review), _progress_note(review)]
    if review.advice.title:
        parts.append(_say(rules, "advice", title=_sentence(review.advice.title)))
    parts.append(review.disclaimer)
    return " ".join(p for p in parts if p)


def _nrs_observation(
    rules: RuleSet, review: Review, key: str, point: Point, plan_url: str
) -> dict[str, Any]:
    notes = [_say(rules, "nrs.session", session=point.session)]
    if point.groc is not None:
        notes.append(_say(rules, "nrs.groc", groc=point.groc))
    if point.events:
        notes.append(_say(rules, "nrs.events", events=_events(point)))
    return {
        "resourceType": "Observation",
        "id": _rid(key, "nrs", str(point.session)),
        "basedOn": [{"reference": plan_url}],
        "status": "final",
        "category": [_concept(OBSERVATION_CATEGORY, "survey", "Survey")],
        "code": _concept(LOINC, NRS_LOINC, NRS_DISPLAY, _say(rules, "nrs.code")),
        "subject": _subject(rules, review),
        "effectiveDateTime": point.date.isoformat(),
        "valueInteger": point.nrs,
        "note": _notes([" ".join(notes)]),
    }


def _verdict_observation(
    rules: RuleSet, review: Review, key: str, plan_url: str, nrs_urls: Sequence[str]
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": _rid(key, "verdict"),
        "basedOn": [{"reference": plan_url}],
        "status": "final",
        "code": _concept(
            CS_REVIEW, "verdict", _say(rules, "verdict.display"), _say(rules, "verdict.text")
        ),
        "subject": _subject(rules, review),
    }
    # the review judges the log (never empty) up to its last session
    resource["effectiveDateTime"] = review.trajectory[-1].date.isoformat()
    resource["valueCodeableConcept"] = _verdict_concept(rules, review)
    said = [_change_text(rules, review), _next_text(rules, review), *_step_notes(rules, review)]
    resource["note"] = _notes(said)
    resource["derivedFrom"] = [{"reference": u} for u in nrs_urls]
    return resource


def _verdict_concept(rules: RuleSet, review: Review) -> dict[str, Any]:
    label = rules.terms.verdict(review.verdict, review.hold, review.deciding).label
    return _concept(CS_VERDICT, review.verdict, label, _verdict_text(rules, review))


def review_care_plan(
    rules: RuleSet, review: Review, key: str, outcomes: Sequence[str]
) -> dict[str, Any]:
    """The CarePlan of the course a review judges."""
    verdict, nxt = review.verdict, review.next
    term = rules.terms.verdict(verdict, review.hold, review.deciding)
    description = _review_description(rules, review)
    label = review.condition_label

    reasons: list[Any] = [{"text": label}]
    reasons += [
        _concept(CS_SITE, s, _words(s), _say(rules, "avoid_next", site=_words(s)))
        for s in nxt.avoid_sites
    ]
    said = (_verdict_text(rules, review), _change_text(rules, review), _next_text(rules, review))
    stop = verdict in STOPS_NEEDLING
    needling = _detail(
        _needling_code(rules), reasons, " ".join(p for p in said if p), term.activity, stop
    )
    if verdict in GOING_ON and nxt.sessions:
        needling["scheduledTiming"] = {"repeat": {"count": nxt.sessions}}
    activities = [{"outcomeReference": [{"reference": u} for u in outcomes], "detail": needling}]
    if verdict in ("refer", "emergency"):
        reasons = [r.reason for r in review.rationale]
        activities.append(_referral_activity(rules, review.urgency, [], reasons))

    meaning = rules.terms.statuses[term.status]
    notes = [
        _say(rules, "note.verdict", verdict=verdict, text=_verdict_text(rules, review)),
        _say(rules, "note.status", status=term.status, meaning=meaning),
        rules.terms.urgencies[review.urgency].record,
        _change_text(rules, review),
        _next_text(rules, review),
        _progress_note(review),
    ]
    notes += [
        _say(rules, "note.events", session=p.session, date=p.date, events=_events(p))
        for p in review.trajectory
        if p.events
    ]
    notes += [*_step_notes(rules, review), _rules_note(rules, review), review.disclaimer]

    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": _rid(key),
        "text": _narrative(f"{label}: {description}"),
        "status": term.status,
        "intent": "plan",
        "category": [_verdict_concept(rules, review)],
        "title": _say(rules, "title.review", label=label),
        "description": description,
        "subject": _subject(rules, review),
    }
    resource["period"] = {"start": review.trajectory[0].date.isoformat()}
    if term.status in ("completed", "revoked"):
        resource["period"]["end"] = review.trajectory[-1].date.isoformat()
    resource["activity"] = activities
    resource["note"] = _notes(notes)
    return resource


def review_entries(rules: RuleSet, review: Review, key: str) -> list[dict[str, Any]]:
    """Bundle entries for one review: its CarePlan, one Observation per NRS, the verdict."""
    plan_url = _full_url(key)
    nrs = [
        (_full_url(key, "nrs", str(p.session)), _nrs_observation(rules, review, key, p, plan_url))
        for p in review.trajectory
    ]
    verdict_url = _full_url(key, "verdict")
    verdict = _verdict_observation(rules, review, key, plan_url, [u for u, _ in nrs])
    plan = review_care_plan(rules, review, key, [u for u, _ in nrs] + [verdict_url])
    return [
        {"fullUrl": plan_url, "resource": plan},
        *({"fullUrl": u, "resource": r} for u, r in nrs),
        {"fullUrl": verdict_url, "resource": verdict},
    ]


# -- documents ----------------------------------------------------------------------


def _dump(resource: Mapping[str, Any]) -> str:
    return json.dumps(resource, indent=2, ensure_ascii=False)


class _Document(Spooled):
    """One plan alone (not ``many``) is a bare CarePlan; anything else is one collection Bundle
    of plans and reviews in the order given, its entries spooled as they come.

    The text is what ``json.dumps(bundle, indent=2)`` gives for the whole Bundle: each entry
    is dumped alone and indented two levels, and the Bundle's ``id``, a digest of every key,
    is written last, ahead of the entries.
    """

    separator = ",\n"

    def __init__(self, rules: RuleSet, many: bool) -> None:
        super().__init__()
        self.rules = rules
        self.many = many
        self.keys = Keys()
        self.keyed: list[str] = []  # every key, in order: the Bundle's id
        self.alone: Plan | None = None  # a plan that may be the whole document

    def item(self, result: Plan | Review) -> str:
        if self.alone is not None:  # a second result: the first is an entry after all
            first, self.alone = self.alone, None
            self.add(first)
        if not self.many and not self.keyed and isinstance(result, Plan):
            self.alone = result
            return ""
        key = self.keys(result)
        self.keyed.append(key)
        if isinstance(result, Review):
            entries = review_entries(self.rules, result, key)
        else:
            entries = [{"fullUrl": _full_url(key), "resource": care_plan(self.rules, result, key)}]
        return ",\n".join(_indented(_dump(e)) for e in entries)

    def head(self) -> str:
        if self.alone is not None:
            return _dump(care_plan(self.rules, self.alone)) + "\n"
        digest = hashlib.sha256(json.dumps(self.keyed).encode()).hexdigest()
        shell = {"resourceType": "Bundle", "id": _rid(digest, "bundle"), "type": "collection"}
        text = _dump({**shell, "entry": []})
        return text[: text.rindex("[]") + 1] + ("\n" if self.items else "")

    def end(self) -> str:
        if self.alone is not None:
            return ""
        return ("\n  " if self.items else "") + "]\n}\n"


def _indented(text: str) -> str:
    """An entry's text as it stands in the Bundle's ``entry`` list."""
    return "\n".join("    " + line for line in text.split("\n"))


class FhirWriter(Writer):
    name = "fhir"
    extension = ".fhir.json"
    streaming = False
    worded = True

    def item(self, plan: Plan | Review, many: bool) -> str:
        return self.document([plan], many=False).removesuffix("\n")

    def whole(self, many: bool) -> Spooled:
        return _Document(self.rules, many)

    def document(self, plans: Sequence[Plan | Review], many: bool) -> str:
        return _Document(self.rules, many).text(plans)
