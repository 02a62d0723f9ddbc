"""``fhir``: the plan as an HL7 FHIR R4 ``CarePlan`` (a ``Bundle`` for several).

* ``status: draft`` and ``intent: proposal``: a suggestion for a clinician,
  not an order.
* No SNOMED or CPT codes are invented: activities carry ``text`` and a code
  from needleplan's own code systems (URNs below) for the plan's own ids.
* Safety flags are notes (with their level) and reasons on the needling
  activity; ``do_not_needle`` and ``refer`` set ``doNotPerform: true``.
"""

from __future__ import annotations

import html
import json
import uuid
from typing import Any

from needleplan.plan import Plan
from needleplan.writers import Writer, plan_key

CS_ACTIVITY = "urn:needleplan:codesystem:activity"
CS_COMPANION = "urn:needleplan:codesystem:companion"
CS_FLAG = "urn:needleplan:codesystem:flag"
CS_DECISION = "urn:needleplan:codesystem:decision"
_NAMESPACE = uuid.UUID("6f1c3f52-5b0e-4d0c-9c55-2a4a3c7e9b10")

DECISION_TEXT = {
    "needle": "Dry needling suggested.",
    "needle_with_caution": "Dry needling suggested, with the precautions noted.",
    "do_not_needle": "Do not needle: a contraindication was found. Non-needling therapies remain.",
    "refer": "Refer for medical assessment: a red flag was found. No needling is proposed.",
}
LEVEL_TEXT = {
    "red_flag": "Red flag",
    "contraindication": "Contraindication",
    "precaution": "Precaution",
}


def care_plan(plan: Plan) -> dict[str, Any]:
    s, c = plan.sessions, plan.cadence
    needling = plan.decision in ("needle", "needle_with_caution")
    flags_text = [f"{LEVEL_TEXT[f.level]} ({f.label}): {f.message}" for f in plan.flags]
    if needling:
        dose = (
            f"{s.suggested} dry needling sessions (range {s.low}-{s.high}), {c.per_week} a "
            f"week for {c.weeks} weeks; reassess after session {plan.reassess_after}."
        )
    elif plan.decision == "refer":
        dose = "Refer for medical assessment before any needling; no needling is proposed."
    else:
        dose = "Do not needle; the non-needling companion therapies remain."
    description = " ".join([DECISION_TEXT[plan.decision], dose, plan.disclaimer])
    needling_detail: dict[str, Any] = {
        "kind": "ServiceRequest",
        "code": {
            "coding": [{"system": CS_ACTIVITY, "code": "dry_needling", "display": "Dry needling"}],
            "text": "Dry needling",
        },
        "reasonCode": [{"text": plan.condition_label}]
        + [
            {
                "coding": [{"system": CS_FLAG, "code": f.id, "display": f.label}],
                "text": f"{LEVEL_TEXT[f.level]}: {f.label}",
            }
            for f in plan.flags
        ],
        "status": "not-started",
        "doNotPerform": not needling,
        "description": " ".join([dose, *flags_text]),
    }
    if needling:
        repeat: dict[str, Any] = {
            "count": s.suggested,
            "frequency": c.per_week,
            "period": 1,
            "periodUnit": "wk",
        }
        if plan.schedule:
            repeat["boundsPeriod"] = {
                "start": plan.schedule[0].date.isoformat(),
                "end": plan.schedule[-1].date.isoformat(),
            }
        needling_detail["scheduledTiming"] = {"repeat": repeat}
    activities: list[dict[str, Any]] = [{"detail": needling_detail}]
    for comp in plan.companions:
        activities.append(
            {
                "detail": {
                    "kind": "ServiceRequest",
                    "code": {
                        "coding": [
                            {"system": CS_COMPANION, "code": comp.id, "display": comp.label}
                        ],
                        "text": comp.label,
                    },
                    "reasonCode": [{"text": comp.reason}],
                    "status": "not-started",
                    "doNotPerform": False,
                    "description": comp.patient_text or comp.label,
                }
            }
        )
    notes = [{"text": f"Decision: {plan.decision}. {DECISION_TEXT[plan.decision]}"}]
    notes += [{"text": t} for t in flags_text]
    notes += [{"text": f"Expectation: {e}"} for e in plan.expectations]
    notes.append(
        {"text": f"Rule set {plan.rules.name} v{plan.rules.version} (sha256 {plan.rules.sha256})."}
    )
    notes.append({"text": plan.disclaimer})
    subject: dict[str, Any] = (
        {"identifier": {"value": plan.patient}, "display": plan.patient}
        if plan.patient
        else {"display": "Patient not identified in the profile"}
    )
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": "needleplan-" + plan_key(plan)[:32],
        "text": {
            "status": "generated",
            "div": '<div xmlns="http://www.w3.org/1999/xhtml"><p>'
            + html.escape(f"{plan.condition_label}: {description}")
            + "</p></div>",
        },
        "status": "draft",
        "intent": "proposal",
        "category": [
            {
                "coding": [{"system": CS_DECISION, "code": plan.decision}],
                "text": DECISION_TEXT[plan.decision],
            }
        ],
        "title": f"Dry needling course suggestion: {plan.condition_label}",
        "description": description,
        "subject": subject,
    }
    if plan.schedule:
        resource["period"] = {
            "start": plan.schedule[0].date.isoformat(),
            "end": plan.schedule[-1].date.isoformat(),
        }
    resource["activity"] = activities
    resource["note"] = notes
    return resource


class FhirWriter(Writer):
    name = "fhir"
    extension = ".fhir.json"
    streaming = False

    def item(self, plan: Plan, many: bool) -> str:
        return json.dumps(care_plan(plan), indent=2, ensure_ascii=False)

    def document(self, plans: list[Plan], many: bool) -> str:
        if not many and len(plans) == 1:
            return self.item(plans[0], False) + "\n"
        bundle = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {
                    "fullUrl": f"urn:uuid:{uuid.uuid5(_NAMESPACE, plan_key(p))}",
                    "resource": care_plan(p),
                }
                for p in plans
            ],
        }
        return json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"
