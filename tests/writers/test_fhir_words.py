"""A FHIR CarePlan words a plan's decision and a review's verdict as the plan or review
that made it did."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from needleplan.loading import load_profile, profile_from_text
from needleplan.planner import plan
from needleplan.reviewer import review
from needleplan.writers.fhir import FhirWriter

PLANS = Path(__file__).resolve().parents[2] / "plans"
TODAY = dt.date(2027, 3, 1)

STOPPED_BY_A_CONTRAINDICATION = """\
condition: lateral_elbow_pain
sites: {wrist_extensors: left}
severity: 6
duration: 14 weeks
age: 52
log:
  - {date: 2026-11-02, nrs: 6}
  - {date: 2026-11-09, nrs: 4}
  - date: 2026-11-16
    nrs: 3
    new_health_factors: [needle_phobia]
"""


def _care_plan(result: Any) -> dict[str, Any]:
    bundle = json.loads(FhirWriter().document([result], many=False))
    plans = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "CarePlan"]
    assert len(plans) == 1
    care_plan: dict[str, Any] = plans[0]
    return care_plan


def _words(care_plan: dict[str, Any]) -> str:
    texts = [care_plan["description"], care_plan["text"]["div"]]
    texts += [c.get("text", "") for c in care_plan["category"]]
    texts += [a["detail"].get("description", "") for a in care_plan["activity"]]
    return " ".join(texts)


def test_a_course_stopped_by_a_new_contraindication_is_not_called_no_change(rules: Any) -> None:
    result = review(profile_from_text(STOPPED_BY_A_CONTRAINDICATION, rules=rules), rules, TODAY)
    assert result.verdict == "stop_needling"
    assert result.change is not None and result.change.meaningful  # pain fell 6 -> 3
    said = _words(_care_plan(result))
    assert "no meaningful change" not in said.lower()
    assert result.rationale[0].reason.split(":")[0] in said


def test_a_course_stopped_for_no_change_says_so(rules: Any) -> None:
    profile = load_profile(PLANS / "review-non-responder.yaml", rules)
    result = review(profile, rules, TODAY)
    assert result.verdict == "stop_needling"
    said = _words(_care_plan(result))
    assert "no meaningful change" in said.lower()
    assert result.rationale[0].reason.split(":")[0] in said


def test_a_plan_held_for_open_questions_is_not_worded_as_a_contraindication(rules: Any) -> None:
    held = plan(load_profile(PLANS / "screen-not-finished.yaml", rules), rules)
    assert held.decision == "check_first" and held.checks
    care_plan = json.loads(FhirWriter().document([held], many=False))
    needling = care_plan["activity"][0]["detail"]
    assert needling["doNotPerform"] is True
    assert "do not needle" not in _words(care_plan).lower()
    assert rules.terms.decisions["check_first"].record in needling["description"]
