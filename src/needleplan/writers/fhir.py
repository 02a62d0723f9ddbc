"""``fhir``: plans and reviews as HL7 FHIR R4 resources, rendered from ``to_dict()`` only.

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
are hashes of the source, patient, condition and rule-set hash, so the same
input gives the same bytes.
"""

from __future__ import annotations

import hashlib
import html
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from needleplan.errors import inert
from needleplan.vocab import (
    DECISION_TERMS,
    GOING_ON,
    LEVEL_TERMS,
    NEEDLING,
    SITE_TERMS,
    STOPS_NEEDLING,
    URGENCY_TERMS,
    VERDICT_TERMS,
    Term,
    spoken,
)
from needleplan.writers.base import Writer, plan_key

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


REFERRAL = "Refer for medical assessment"


class ToDict(Protocol):
    """What a writer receives: a Plan or a Review."""

    def to_dict(self) -> dict[str, Any]: ...


# -- small helpers ------------------------------------------------------------------


def _rid(key: str, *parts: str) -> str:
    """A FHIR id ([A-Za-z0-9-.]{1,64})."""
    return "-".join(["needleplan", key[:32], *parts])


def _full_url(key: str, *parts: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, '/'.join([key, *parts]))}"


def _subject(data: Mapping[str, Any]) -> dict[str, Any]:
    patient = data.get("patient")
    if isinstance(patient, str) and patient.strip():
        reference = inert(patient.strip())
        return {"identifier": {"value": reference}, "display": reference}
    return {"display": "Patient not identified in the profile"}


def _narrative(*paragraphs: str) -> dict[str, str]:
    body = "".join(f"<p>{html.escape(p, quote=True)}</p>" for p in paragraphs if p)
    return {"status": "generated", "div": f'<div xmlns="{_XHTML}">{body}</div>'}


def _term(table: Mapping[Any, Term], value: str) -> Term:
    """``value``'s term in ``table`` (a value the table does not know: its id read aloud)."""
    return table.get(value) or Term(_words(value))


def _label(table: Mapping[Any, Term], value: str) -> str:
    return _term(table, value).label


def _record(table: Mapping[Any, Term], value: str) -> str:
    return _term(table, value).record if value in table else ""


def _words(identifier: str) -> str:
    """An id read aloud (``upper_trapezius`` -> ``Upper trapezius``)."""
    text = spoken(identifier).strip()
    return text[:1].upper() + text[1:]


def _side(side: object) -> str:
    if side == "both":
        return " (both sides)"
    return f" ({side})" if isinstance(side, str) and side else ""


def _notes(texts: Iterable[str]) -> list[dict[str, str]]:
    return [{"text": t} for t in texts if t]


def _concept(system: str, code: str, display: str, text: str | None = None) -> dict[str, Any]:
    return {
        "coding": [{"system": system, "code": code, "display": display}],
        "text": text or display,
    }


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?")) else text + "."


def _rules_note(data: Mapping[str, Any]) -> str:
    rules = data.get("rules") or {}
    return f"Rule set {rules.get('name')} v{rules.get('version')} (sha256 {rules.get('sha256')})."


def _is_review(data: Mapping[str, Any]) -> bool:
    return "verdict" in data


# -- plans --------------------------------------------------------------------------


def _flag_text(flag: Mapping[str, Any]) -> str:
    level = _label(LEVEL_TERMS, str(flag.get("level", "")))
    text = f"{level} ({flag.get('label')}): {flag.get('message')}"
    urgency = flag.get("urgency", "none")
    if _record(URGENCY_TERMS, urgency):
        text += f" {_record(URGENCY_TERMS, urgency)}"
    if flag.get("source"):
        text += f" Source: {flag['source']}"
    return text


def _site_name(site: Mapping[str, Any]) -> str:
    return f"{site.get('label')}{_side(site.get('side'))}"


def _site_note(site: Mapping[str, Any]) -> str:
    verdict = _label(SITE_TERMS, str(site.get("verdict", "")))
    reasons = " ".join(_sentence(str(r.get("message", ""))) for r in site.get("reasons", []))
    return f"Site {_site_name(site)}: {verdict.lower()}. {reasons}".strip()


def _course_text(data: Mapping[str, Any]) -> str:
    course, cadence = data.get("course") or {}, data.get("cadence") or {}
    block = course.get("initial_block", 0)
    text = f"Initial block of {block} dry needling session{'s' if block != 1 else ''}"
    if cadence.get("per_week"):
        weeks = cadence.get("weeks", 0)
        text += f", {cadence['per_week']} a week for {weeks} week{'s' if weeks != 1 else ''}"
    text += (
        f"; reassess after session {course.get('reassess_after', data.get('reassess_after'))}"
        f"; continue only on a meaningful improvement, one block at a time, to a ceiling of "
        f"{course.get('ceiling')} sessions (practice ceiling)."
    )
    return text


def _not_needling_text(data: Mapping[str, Any]) -> str:
    decision = data.get("decision")
    if decision == "refer":
        return "Refer for medical assessment before any needling; no needling is proposed."
    if decision == "not_indicated":
        return "Needling is not indicated now; the non-needling companion therapies remain."
    return "Do not needle; the non-needling companion therapies remain."


def _plan_description(data: Mapping[str, Any]) -> str:
    decision = str(data.get("decision"))
    parts = [_record(DECISION_TERMS, decision) or _words(decision)]
    if decision == "refer":
        parts.append(_record(URGENCY_TERMS, data.get("urgency", "")) or "Urgency: not stated.")
    if decision in NEEDLING:
        parts.append(_course_text(data))
    elif decision != "refer":  # the decision text already says no needling is proposed
        parts.append(_not_needling_text(data))
    sites = data.get("sites") or []
    avoided = [_site_name(s) for s in sites if s.get("verdict") == "avoid"]
    caution = [_site_name(s) for s in sites if s.get("verdict") == "caution"]
    if avoided:
        parts.append(f"Do not needle these sites: {', '.join(avoided)}.")
    if caution and decision in NEEDLING:
        parts.append(f"Take care at: {', '.join(caution)}.")
    if data.get("unchecked"):
        checks = ", ".join(_words(str(u.get("check"))).lower() for u in data["unchecked"])
        parts.append(f"Site checks that could not be made: {checks}.")
    title = (data.get("advice") or {}).get("title")
    if title:
        parts.append(f"Patient advice: {_sentence(str(title))}")
    parts.append(str(data.get("disclaimer", "")))
    return " ".join(p for p in parts if p)


def _needling_activity(data: Mapping[str, Any]) -> dict[str, Any]:
    decision = data.get("decision")
    needling = decision in NEEDLING
    flags = data.get("flags") or []
    avoided = [s for s in data.get("sites") or [] if s.get("verdict") == "avoid"]
    reasons: list[dict[str, Any]] = [{"text": str(data.get("condition_label"))}]
    reasons += [
        _concept(
            CS_FLAG,
            str(f.get("id")),
            str(f.get("label")),
            f"{_label(LEVEL_TERMS, str(f.get('level', '')))}: {f.get('label')}",
        )
        for f in flags
    ]
    reasons += [
        _concept(
            CS_SITE,
            str(s.get("id")),
            str(s.get("label")),
            f"Avoid needling {_site_name(s)}: "
            + " ".join(_sentence(str(r.get("message", ""))) for r in s.get("reasons", [])),
        )
        for s in avoided
    ]
    description = [_course_text(data) if needling else _not_needling_text(data)]
    if avoided:
        description.append(f"Do not needle: {', '.join(_site_name(s) for s in avoided)}.")
    description += [_flag_text(f) for f in flags]
    detail: dict[str, Any] = {
        "kind": "ServiceRequest",
        "code": _concept(CS_ACTIVITY, "dry_needling", "Dry needling"),
        "reasonCode": reasons,
        "status": "not-started",
        "doNotPerform": not needling,
        "description": " ".join(description),
    }
    course, cadence = data.get("course") or {}, data.get("cadence") or {}
    if needling and course.get("initial_block"):
        repeat: dict[str, Any] = {"count": course["initial_block"]}
        if cadence.get("per_week"):
            repeat.update(frequency=cadence["per_week"], period=1, periodUnit="wk")
        schedule = data.get("schedule") or []
        timing: dict[str, Any] = {}
        if schedule:
            timing["event"] = [str(s["date"]) for s in schedule]
            repeat["boundsPeriod"] = {
                "start": str(schedule[0]["date"]),
                "end": str(schedule[-1]["date"]),
            }
        timing["repeat"] = repeat
        detail["scheduledTiming"] = timing
    return {"detail": detail}


def _referral_activity(
    urgency: str, flags: Sequence[Mapping[str, Any]], reasons: Sequence[str] = ()
) -> dict[str, Any]:
    """The referral as an activity: its code text says so, its description how soon."""
    red = [f for f in flags if f.get("level") == "red_flag"]
    detail: dict[str, Any] = {
        "kind": "ServiceRequest",
        "code": _concept(CS_ACTIVITY, "medical_referral", REFERRAL),
    }
    if red:
        detail["reasonCode"] = [
            _concept(CS_FLAG, str(f.get("id")), str(f.get("label"))) for f in red
        ]
    detail["status"] = "not-started"
    detail["doNotPerform"] = False
    detail["description"] = " ".join(
        [f"{REFERRAL}.", _record(URGENCY_TERMS, urgency) or "Urgency: not stated."]
        + [_sentence(f"{f.get('label')}: {f.get('message')}") for f in red]
        + [_sentence(r) for r in reasons]
    )
    return {"detail": detail}


def _companion_activity(comp: Mapping[str, Any]) -> dict[str, Any]:
    label = str(comp.get("label"))
    reason = str(comp.get("reason") or "alongside the needling")
    return {
        "detail": {
            "kind": "ServiceRequest",
            "code": _concept(CS_COMPANION, str(comp.get("id")), label),
            "reasonCode": [{"text": reason}],
            "status": "not-started",
            "doNotPerform": False,
            "description": _sentence(f"{label}: {reason}"),
        }
    }


def care_plan(data: Mapping[str, Any], key: str | None = None) -> dict[str, Any]:
    """The CarePlan of a plan dict (``plan.to_dict()``)."""
    key = key or plan_key(data)
    decision = str(data.get("decision"))
    urgency = str(data.get("urgency", "none"))
    description = _plan_description(data)
    activities = [_needling_activity(data)]
    if decision == "refer":
        activities.append(_referral_activity(urgency, data.get("flags") or []))
    activities += [_companion_activity(c) for c in data.get("companions") or []]

    notes = [f"Decision: {decision}. {_record(DECISION_TERMS, decision)}".strip()]
    if decision == "refer":
        notes.append(_record(URGENCY_TERMS, urgency) or "Urgency: not stated.")
    if decision in NEEDLING:
        notes.append(f"Course: {_course_text(data)}")
    notes += [_flag_text(f) for f in data.get("flags") or []]
    sites = data.get("sites") or []
    notes += [_site_note(s) for s in sites if s.get("verdict") == "avoid"]
    notes += [_site_note(s) for s in sites if s.get("verdict") == "caution"]
    plain = [_site_name(s) for s in sites if s.get("verdict") == "ok"]
    if plain:
        notes.append(f"Sites with no site-specific finding: {', '.join(plain)}.")
    notes += [
        f"Not checked ({u.get('check')}): {u.get('message')}" for u in data.get("unchecked") or []
    ]
    notes += [f"Warning ({w.get('kind')}): {w.get('message')}" for w in data.get("warnings") or []]
    notes += [f"Expectation: {e}" for e in data.get("expectations") or []]
    notes += [_rules_note(data), str(data.get("disclaimer", ""))]

    label = str(data.get("condition_label"))
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": _rid(key),
        "text": _narrative(f"{label}: {description}"),
        "status": "draft",
        "intent": "proposal",
        "category": [
            _concept(
                CS_DECISION,
                decision,
                _label(DECISION_TERMS, decision),
                _record(DECISION_TERMS, decision) or None,
            )
        ],
        "title": f"Dry needling course suggestion: {label}",
        "description": description,
        "subject": _subject(data),
    }
    schedule = data.get("schedule") or []
    if schedule and decision in NEEDLING:
        resource["period"] = {
            "start": str(schedule[0]["date"]),
            "end": str(schedule[-1]["date"]),
        }
    resource["activity"] = activities
    resource["note"] = _notes(notes)
    return resource


# -- reviews ------------------------------------------------------------------------


def _change_text(data: Mapping[str, Any]) -> str:
    change = data.get("change")
    baseline, latest = data.get("baseline_nrs"), data.get("latest_nrs")
    done = data.get("sessions_done", 0)
    if change is None or baseline is None or latest is None:
        return f"{done} session{'s' if done != 1 else ''} logged; no change can be measured."
    percent = change.get("percent")
    pct = f", {percent:+.1f}%" if isinstance(percent, int | float) else ""
    if change.get("meaningful"):
        what = "a meaningful improvement"
    elif change.get("worse"):
        what = "worse"
    else:
        what = "no meaningful change"
    return (
        f"Pain (NRS 0-10) from {baseline} to {latest} over {done} "
        f"session{'s' if done != 1 else ''} ({change.get('points'):+d} points{pct}): {what}."
    )


def _next_text(data: Mapping[str, Any]) -> str:
    nxt = data.get("next") or {}
    parts = []
    if nxt.get("sessions"):
        parts.append(
            f"Next: {nxt['sessions']} more session{'s' if nxt['sessions'] != 1 else ''}, "
            f"reassess after {nxt.get('reassess_after')}; at most {data.get('ceiling')} "
            "sessions in all (practice ceiling)."
        )
    if nxt.get("avoid_sites"):
        names = ", ".join(_words(str(s)) for s in nxt["avoid_sites"])
        parts.append(f"Do not needle next time: {names}.")
    parts += [_sentence(str(a)) for a in nxt.get("actions") or []]
    return " ".join(parts)


def _verdict_text(data: Mapping[str, Any]) -> str:
    """The verdict as the review that made it says it: its label, and the deciding
    finding's own line (the first step of its rationale)."""
    verdict = str(data.get("verdict"))
    label = _label(VERDICT_TERMS, verdict)
    steps = data.get("rationale") or []
    return f"{label}: {_sentence(str(steps[0].get('reason')))}" if steps else f"{label}."


def _progress_note(data: Mapping[str, Any]) -> str:
    """The review's own progress-note line, when one is due."""
    if not data.get("progress_note_due"):
        return ""
    for step in data.get("rationale") or []:
        if step.get("rule") == "course.progress_note_every":
            return _sentence(str(step.get("reason")))
    return ""


def _review_description(data: Mapping[str, Any]) -> str:
    parts = [_verdict_text(data)]
    if _record(URGENCY_TERMS, str(data.get("urgency"))):
        parts.append(_record(URGENCY_TERMS, str(data.get("urgency"))))
    parts += [_change_text(data), _next_text(data), _progress_note(data)]
    title = (data.get("advice") or {}).get("title")
    if title:
        parts.append(f"Patient advice: {_sentence(str(title))}")
    parts.append(str(data.get("disclaimer", "")))
    return " ".join(p for p in parts if p)


def _nrs_observation(
    data: Mapping[str, Any], key: str, point: Mapping[str, Any], plan_url: str
) -> dict[str, Any]:
    session = int(point["session"])
    notes = [f"Session {session}."]
    if point.get("groc") is not None:
        notes.append(f"Global rating of change (GROC, -7 to +7): {point['groc']:+d}.")
    if point.get("events"):
        events = ", ".join(_words(str(e)).lower() for e in point["events"])
        notes.append(f"Adverse events at this session: {events}.")
    return {
        "resourceType": "Observation",
        "id": _rid(key, "nrs", str(session)),
        "basedOn": [{"reference": plan_url}],
        "status": "final",
        "category": [
            {
                "coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}],
                "text": "Survey",
            }
        ],
        "code": _concept(
            LOINC, NRS_LOINC, NRS_DISPLAY, "Pain severity, 0-10 numeric rating scale (reported)"
        ),
        "subject": _subject(data),
        "effectiveDateTime": str(point["date"]),
        "valueInteger": int(point["nrs"]),
        "note": _notes([" ".join(notes)]),
    }


def _verdict_observation(
    data: Mapping[str, Any], key: str, plan_url: str, nrs_urls: Sequence[str]
) -> dict[str, Any]:
    verdict = str(data.get("verdict"))
    trajectory = data.get("trajectory") or []
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": _rid(key, "verdict"),
        "basedOn": [{"reference": plan_url}],
        "status": "final",
        "code": _concept(
            CS_REVIEW, "verdict", "Dry needling course review verdict", "Course review verdict"
        ),
        "subject": _subject(data),
    }
    if trajectory:  # the review judges the log up to its last session
        resource["effectiveDateTime"] = str(trajectory[-1]["date"])
    resource["valueCodeableConcept"] = _concept(
        CS_VERDICT,
        verdict,
        _label(VERDICT_TERMS, verdict),
        _verdict_text(data),
    )
    notes = [_change_text(data), _next_text(data)]
    notes += [
        f"{_sentence(str(r.get('reason')))} Source: {r.get('source')}"
        for r in data.get("rationale") or []
    ]
    resource["note"] = _notes(notes)
    if nrs_urls:
        resource["derivedFrom"] = [{"reference": u} for u in nrs_urls]
    return resource


def review_care_plan(
    data: Mapping[str, Any], key: str, outcomes: Sequence[str] = ()
) -> dict[str, Any]:
    """The CarePlan of the course a review dict (``review.to_dict()``) judges."""
    verdict = str(data.get("verdict"))
    status = _term(VERDICT_TERMS, verdict).status or "unknown"
    urgency = str(data.get("urgency", "none"))
    nxt = data.get("next") or {}
    trajectory = data.get("trajectory") or []
    description = _review_description(data)
    label = str(data.get("condition_label"))

    needling: dict[str, Any] = {
        "kind": "ServiceRequest",
        "code": _concept(CS_ACTIVITY, "dry_needling", "Dry needling"),
        "reasonCode": [{"text": label}]
        + [
            _concept(CS_SITE, str(s), _words(str(s)), f"Avoid needling {_words(str(s))} next time")
            for s in nxt.get("avoid_sites") or []
        ],
        "status": _term(VERDICT_TERMS, verdict).activity or "unknown",
        "doNotPerform": verdict in STOPS_NEEDLING,
        "description": " ".join(
            p for p in (_verdict_text(data), _change_text(data), _next_text(data)) if p
        ),
    }
    if verdict in GOING_ON and nxt.get("sessions"):
        needling["scheduledTiming"] = {"repeat": {"count": nxt["sessions"]}}
    activity: dict[str, Any] = {}
    if outcomes:
        activity["outcomeReference"] = [{"reference": u} for u in outcomes]
    activity["detail"] = needling
    activities = [activity]
    if verdict in ("refer", "emergency"):
        activities.append(
            _referral_activity(
                "emergency" if verdict == "emergency" else urgency,
                [],
                [str(r.get("reason")) for r in data.get("rationale") or []],
            )
        )

    notes = [f"Review verdict: {verdict}. {_verdict_text(data)}"]
    notes.append(
        f"CarePlan status {status}: "
        + {
            "active": "the course goes on.",
            "completed": "the course is complete.",
            "revoked": "the course ends before completion; no further needling.",
            "on-hold": "the course is paused until a medical assessment.",
        }.get(status, "status not known.")
    )
    if _record(URGENCY_TERMS, urgency):
        notes.append(_record(URGENCY_TERMS, urgency))
    notes += [_change_text(data), _next_text(data), _progress_note(data)]
    for point in trajectory:
        if point.get("events"):
            events = ", ".join(_words(str(e)).lower() for e in point["events"])
            notes.append(f"Session {point['session']} ({point['date']}): {events}.")
    notes += [
        f"{_sentence(str(r.get('reason')))} Source: {r.get('source')}"
        for r in data.get("rationale") or []
    ]
    notes += [_rules_note(data), str(data.get("disclaimer", ""))]

    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": _rid(key),
        "text": _narrative(f"{label}: {description}"),
        "status": status,
        "intent": "plan",
        "category": [
            _concept(
                CS_VERDICT,
                verdict,
                _label(VERDICT_TERMS, verdict),
                _verdict_text(data),
            )
        ],
        "title": f"Dry needling course: {label}",
        "description": description,
        "subject": _subject(data),
    }
    if trajectory:
        period = {"start": str(trajectory[0]["date"])}
        if status in ("completed", "revoked"):
            period["end"] = str(trajectory[-1]["date"])
        resource["period"] = period
    resource["activity"] = activities
    resource["note"] = _notes(notes)
    return resource


def review_entries(data: Mapping[str, Any], key: str | None = None) -> list[dict[str, Any]]:
    """Bundle entries for one review: its CarePlan, one Observation per NRS, the verdict."""
    key = key or plan_key(data, "review")
    plan_url = _full_url(key)
    trajectory = [p for p in data.get("trajectory") or [] if p.get("nrs") is not None]
    nrs = [
        (_full_url(key, "nrs", str(p["session"])), _nrs_observation(data, key, p, plan_url))
        for p in trajectory
    ]
    verdict_url = _full_url(key, "verdict")
    verdict = _verdict_observation(data, key, plan_url, [u for u, _ in nrs])
    plan = review_care_plan(data, key, [u for u, _ in nrs] + [verdict_url])
    return [
        {"fullUrl": plan_url, "resource": plan},
        *({"fullUrl": u, "resource": r} for u, r in nrs),
        {"fullUrl": verdict_url, "resource": verdict},
    ]


# -- documents ----------------------------------------------------------------------


def _keys(items: Sequence[Mapping[str, Any]]) -> list[str]:
    """One key per item; an item repeated in a document gets a distinct key."""
    seen: dict[str, int] = {}
    keys = []
    for data in items:
        extra = ("review",) if _is_review(data) else ()
        key = plan_key(data, *extra)
        n = seen.get(key, 0)
        seen[key] = n + 1
        keys.append(key if n == 0 else plan_key(data, *extra, str(n)))
    return keys


def bundle(items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One collection Bundle of plan and review dicts, in the order given."""
    keys = _keys(items)
    entries: list[dict[str, Any]] = []
    for data, key in zip(items, keys, strict=True):
        if _is_review(data):
            entries += review_entries(data, key)
        else:
            entries.append({"fullUrl": _full_url(key), "resource": care_plan(data, key)})
    digest = hashlib.sha256(json.dumps(keys).encode()).hexdigest()
    return {
        "resourceType": "Bundle",
        "id": _rid(digest, "bundle"),
        "type": "collection",
        "entry": entries,
    }


def _dump(resource: Mapping[str, Any]) -> str:
    return json.dumps(resource, indent=2, ensure_ascii=False)


class FhirWriter(Writer):
    name = "fhir"
    extension = ".fhir.json"
    streaming = False

    def item(self, plan: ToDict, many: bool) -> str:
        data = plan.to_dict()
        return _dump(bundle([data]) if _is_review(data) else care_plan(data))

    def document(self, plans: Sequence[ToDict], many: bool) -> str:
        items = [p.to_dict() for p in plans]
        if not many and len(items) == 1 and not _is_review(items[0]):
            return _dump(care_plan(items[0])) + "\n"
        return _dump(bundle(items)) + "\n"
