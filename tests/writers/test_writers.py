"""The FHIR writer checked with fhir.resources (R4B models), and the calendar's empty case
read back with icalendar, vobject and recurring-ical-events.

Plans and reviews are made through the library and rendered through the writer API
(``get_writer("fhir").document``), as the command does.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import icalendar
import pytest
import recurring_ical_events  # type: ignore[import-untyped]
import vobject  # type: ignore[import-untyped]
import yaml
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.observation import Observation
from typer.testing import CliRunner

from needleplan.loading import load_profile
from needleplan.planner import plan
from needleplan.results import Plan, Review
from needleplan.reviewer import review
from needleplan.writers import get_writer
from tests.conftest import PLANS, invoke
from tests.shipped import RULES

TODAY = dt.date(2026, 11, 27)

PLAN_FILES = sorted(p.name for p in PLANS.glob("*.yaml") if not p.name.startswith("review-"))
REVIEW_FILES = sorted(p.name for p in PLANS.glob("review-*.yaml"))
LOINC_NRS = ("http://loinc.org", "72514-3")
SURVEY = ("http://terminology.hl7.org/CodeSystem/observation-category", "survey")
VERDICT_SYSTEM = "urn:needleplan:codesystem:review-verdict"
DO_NOT_PERFORM = {
    "needle": False,
    "needle_with_caution": False,
    "do_not_needle": True,
    "refer": True,
    "not_indicated": True,
    "check_first": True,
}
VERDICT_STATUS = {
    "continue": "active",
    "extend": "active",
    "discharge": "completed",
    "stop_needling": "revoked",
    "refer": "on-hold",
    "emergency": "on-hold",
}
DETAIL_STATUS = {
    "not-started",
    "scheduled",
    "in-progress",
    "on-hold",
    "completed",
    "cancelled",
    "stopped",
    "unknown",
    "entered-in-error",
}
UNITS_OF_TIME = {"s", "min", "h", "d", "wk", "mo", "a"}


def _plan(path: Path) -> Plan:
    return plan(load_profile(path, RULES, today=TODAY), RULES, source=str(path))


def _review(path: Path) -> Review:
    return review(load_profile(path, RULES, today=TODAY), RULES, TODAY, source=str(path))


def _fhir(*objects: Any, many: bool = False) -> str:
    return get_writer("fhir", rules=RULES).document(list(objects), many=many)


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _notes(resource: dict[str, Any]) -> str:
    return "\n".join(n["text"] for n in resource.get("note", []))


def _walk(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value, path)
    else:
        yield path, node


def _validate_bundle(data: dict[str, Any]) -> None:
    Bundle.model_validate(data)
    for entry in data["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "CarePlan":
            CarePlan.model_validate(resource)
        else:
            assert resource["resourceType"] == "Observation"
            Observation.model_validate(resource)
    urls = [e["fullUrl"] for e in data["entry"]]
    assert len(set(urls)) == len(urls)
    references = {v for p, v in _walk(data) if p and p[-1] == "reference"}
    assert references <= set(urls)  # every reference resolves inside the Bundle


# -- plans -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PLAN_FILES)
def test_fhir_careplan_is_valid_r4(name: str) -> None:
    obj = _plan(PLANS / name)
    data = json.loads(_fhir(obj))
    CarePlan.model_validate(data)
    assert data["status"] == "draft" and data["intent"] == "proposal"
    for activity in data["activity"]:
        detail = activity["detail"]
        assert detail["status"] in DETAIL_STATUS
        assert detail["kind"] == "ServiceRequest"
        for coding in detail["code"]["coding"]:
            assert coding["system"].startswith("urn:needleplan:codesystem:")
        timing = detail.get("scheduledTiming", {}).get("repeat")
        if timing and "periodUnit" in timing:
            assert timing["periodUnit"] in UNITS_OF_TIME

    decision = obj.decision
    needling = data["activity"][0]["detail"]
    assert needling["code"]["text"] == "Dry needling"
    assert needling["doNotPerform"] is DO_NOT_PERFORM[decision]
    if decision in ("needle", "needle_with_caution"):
        course = obj.course
        repeat = needling["scheduledTiming"]["repeat"]
        assert repeat["count"] == course.initial_block
        assert repeat["frequency"] == obj.cadence.per_week
        for number in (course.initial_block, course.reassess_after, course.ceiling):
            assert str(number) in needling["description"]
        assert f"ceiling of {course.ceiling}" in data["description"]
        if obj.schedule:
            dates = [s.date.isoformat() for s in obj.schedule]
            assert repeat["boundsPeriod"]["start"] == dates[0]
            assert needling["scheduledTiming"]["event"] == dates
    else:
        assert "scheduledTiming" not in needling

    referral = [a for a in data["activity"] if a["detail"]["code"]["text"].startswith("Refer")]
    extra = len(referral)
    assert extra == (1 if decision == "refer" else 0)
    assert len(data["activity"]) == 1 + extra + len(obj.companions)

    notes = _notes(data)
    for flag in obj.flags:
        assert flag.label in notes
    for site in obj.sites:
        if site.verdict in ("avoid", "caution"):
            line = next(
                n["text"] for n in data["note"] if n["text"].startswith(f"Site {site.label}")
            )
            assert site.verdict in line
            assert site.reasons[0].message[:40] in line
        if site.verdict == "avoid":
            assert site.id in {
                c["code"] for r in needling["reasonCode"] for c in r.get("coding", [])
            }
    for unchecked in obj.unchecked:
        assert unchecked.message in notes
    for warning in obj.warnings:
        assert warning.message in notes
    assert obj.advice.title in data["description"]
    assert "does not replace" in data["description"]
    assert "Patient advice" in data["description"]
    for section in obj.advice.sections:  # the patient's page is not repeated
        for item in section.items:
            assert item not in json.dumps(data, ensure_ascii=False)


def test_every_decision_sets_do_not_perform_on_the_needling_activity() -> None:
    seen: dict[str, bool] = {}
    for name in PLAN_FILES:
        data = json.loads(_fhir(_plan(PLANS / name)))
        seen[data["category"][0]["coding"][0]["code"]] = data["activity"][0]["detail"][
            "doNotPerform"
        ]
    assert seen == DO_NOT_PERFORM  # every decision is among the examples


@pytest.mark.parametrize(
    ("name", "urgency"), [("refer-same-day.yaml", "same day"), ("back-red-flag.yaml", "emergency")]
)
def test_a_referral_says_how_soon(name: str, urgency: str) -> None:
    data = json.loads(_fhir(_plan(PLANS / name)))
    assert f"Urgency: {urgency}" in data["description"]
    assert f"Urgency: {urgency}" in _notes(data)
    referral = data["activity"][1]["detail"]
    assert referral["code"]["text"] == "Refer for medical assessment"
    assert referral["doNotPerform"] is False
    assert f"Urgency: {urgency}" in referral["description"]
    assert referral["reasonCode"]  # the red flag that refers


def test_several_plans_are_one_collection_bundle() -> None:
    objects = [_plan(PLANS / n) for n in PLAN_FILES]
    data = json.loads(_fhir(*objects, many=True))
    _validate_bundle(data)
    assert data["type"] == "collection"
    assert len(data["entry"]) == len(PLAN_FILES)
    assert all("display" in e["resource"]["subject"] for e in data["entry"])


def test_the_same_file_twice_keeps_full_urls_unique() -> None:
    obj = _plan(PLANS / "neck-chronic.yaml")
    data = json.loads(_fhir(obj, obj, many=True))
    _validate_bundle(data)
    assert len({e["resource"]["id"] for e in data["entry"]}) == 2


def test_suggest_format_fhir_on_the_command_line(runner: CliRunner) -> None:
    one = invoke(runner, "suggest", "-f", "fhir", str(PLANS / "neck-lung-field.yaml"))
    assert one.exit_code == 0, one.stderr
    CarePlan.model_validate(json.loads(one.stdout))
    several = invoke(runner, "suggest", "-f", "fhir", *(str(PLANS / n) for n in PLAN_FILES))
    assert several.exit_code == 0, several.stderr
    _validate_bundle(json.loads(several.stdout))


# -- reviews -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", REVIEW_FILES)
def test_fhir_review_is_a_valid_bundle_with_one_observation_per_session(name: str) -> None:
    rev = _review(PLANS / name)
    data = json.loads(_fhir(rev))
    _validate_bundle(data)
    assert data["type"] == "collection"

    (care_plan,) = _resources(data, "CarePlan")
    plan_url = data["entry"][0]["fullUrl"]
    assert data["entry"][0]["resource"] is not None and care_plan["id"]
    assert care_plan["status"] == VERDICT_STATUS[rev.verdict]
    needling = care_plan["activity"][0]["detail"]
    assert needling["doNotPerform"] is (rev.verdict in ("stop_needling", "refer", "emergency"))
    if rev.verdict in ("continue", "extend"):
        assert needling["scheduledTiming"]["repeat"]["count"] == rev.next.sessions
    for site in rev.next.avoid_sites:
        assert site in {c["code"] for r in needling["reasonCode"] for c in r.get("coding", [])}

    observations = _resources(data, "Observation")
    nrs = [
        o
        for o in observations
        if (o["code"]["coding"][0]["system"], o["code"]["coding"][0]["code"]) == LOINC_NRS
    ]
    assert len(nrs) == len(rev.trajectory) == rev.sessions_done
    for obs, point in zip(nrs, rev.trajectory, strict=True):
        assert obs["status"] == "final"
        category = obs["category"][0]["coding"][0]
        assert (category["system"], category["code"]) == SURVEY
        assert obs["code"]["coding"][0]["display"] == (
            "Pain severity - 0-10 verbal numeric rating [Score] - Reported"
        )
        assert obs["code"]["text"]
        assert obs["effectiveDateTime"] == point.date.isoformat()
        assert obs["valueInteger"] == point.nrs
        assert obs["subject"] == care_plan["subject"]
        assert obs["basedOn"] == [{"reference": plan_url}]
        for event in point.events:
            assert event.replace("_", " ") in _notes(obs).lower()

    (verdict,) = [o for o in observations if o not in nrs]
    value = verdict["valueCodeableConcept"]
    assert value["coding"][0] == {
        "system": VERDICT_SYSTEM,
        "code": rev.verdict,
        "display": value["coding"][0]["display"],
    }
    assert value["text"]
    assert verdict["status"] == "final"
    assert verdict["basedOn"] == [{"reference": plan_url}]
    assert verdict["subject"] == care_plan["subject"]
    assert f"Review verdict: {rev.verdict}" in _notes(care_plan)
    assert rev.advice.title in care_plan["description"]
    if rev.verdict in ("refer", "emergency"):
        referral = care_plan["activity"][1]["detail"]
        assert referral["code"]["text"] == "Refer for medical assessment"
        assert "Urgency:" in referral["description"]


def test_emergency_puts_the_course_on_hold_and_refers_now(tmp_path: Path) -> None:
    profile = yaml.safe_load((PLANS / "review-adverse-event.yaml").read_text())
    profile["log"][-1]["events"] = ["breathlessness"]
    path = tmp_path / "emergency.yaml"
    path.write_text(yaml.safe_dump(profile))
    same_day = dt.date.fromisoformat(str(profile["log"][-1]["date"]))  # reviewed that day
    obj = review(load_profile(path, RULES, today=TODAY), RULES, same_day, source=str(path))
    assert obj.verdict == "emergency"
    data = json.loads(_fhir(obj))
    _validate_bundle(data)
    (care_plan,) = _resources(data, "CarePlan")
    assert care_plan["status"] == "on-hold"
    assert care_plan["activity"][0]["detail"]["doNotPerform"] is True
    assert "Urgency: emergency" in care_plan["activity"][1]["detail"]["description"]


def test_several_reviews_and_plans_share_one_bundle() -> None:
    objects = [_review(PLANS / n) for n in REVIEW_FILES] + [_plan(PLANS / "neck-chronic.yaml")]
    data = json.loads(_fhir(*objects, many=True))
    _validate_bundle(data)
    assert len(_resources(data, "CarePlan")) == len(REVIEW_FILES) + 1
    sessions = sum(o.sessions_done for o in objects[:-1] if isinstance(o, Review))
    assert len(_resources(data, "Observation")) == sessions + len(REVIEW_FILES)


# -- determinism and profile text ---------------------------------------------------------


@pytest.mark.parametrize("name", ["neck-lung-field.yaml", "review-adverse-event.yaml"])
def test_same_input_same_bytes(name: str) -> None:
    make = _review if name.startswith("review-") else _plan
    first = _fhir(make(PLANS / name))
    assert _fhir(make(PLANS / name)) == first
    code = (
        "import datetime, sys; from pathlib import Path;"
        "from needleplan.rulesload import load_rules; from needleplan.loading import load_profile;"
        "from needleplan.planner import plan; from needleplan.reviewer import review;"
        "from needleplan.writers import get_writer;"
        f"p = Path({str(PLANS / name)!r}); r = load_rules(); t = datetime.date(2026, 11, 27);"
        "prof = load_profile(p, r, today=t);"
        f"o = review(prof, r, t, source=str(p)) if {name.startswith('review-')} "
        "else plan(prof, r, source=str(p));"
        "sys.stdout.write(get_writer('fhir').document([o], many=False))"
    )
    other = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
    )
    assert other.stdout == first.encode()


HOSTILE = '<script>alert("x")</script>\n</div><p onload="x">P-1\x1b[31m &amp;'


@pytest.mark.parametrize("name", ["neck-lung-field.yaml", "review-adverse-event.yaml"])
def test_a_hostile_patient_reference_stays_inert(tmp_path: Path, name: str) -> None:
    profile = yaml.safe_load((PLANS / name).read_text())
    profile["patient"] = HOSTILE
    path = tmp_path / name
    path.write_text(yaml.safe_dump(profile))
    make = _review if name.startswith("review-") else _plan
    obj = make(path)
    assert obj.patient == HOSTILE
    data = json.loads(_fhir(obj, many=name.startswith("review-")))
    if data["resourceType"] == "Bundle":
        _validate_bundle(data)
    else:
        CarePlan.model_validate(data)
    for where, value in _walk(data):
        if not isinstance(value, str):
            continue
        if where[-1] == "div":
            assert "<script" not in value and "onload" not in value
            ET.fromstring(value)  # well-formed XHTML
        if "script" in value:  # the reference goes only where a reference belongs
            assert where[-2:] in (("identifier", "value"), ("subject", "display")), where
            assert "\n" not in value and "\x1b" not in value
            assert "\\n" in value and "\\x1b" in value  # made visible, not dropped


# -- calendar: no sessions ----------------------------------------------------------------


def test_ics_zero_sessions_is_an_empty_calendar(runner: CliRunner) -> None:
    result = invoke(runner, "suggest", "-f", "ics", str(PLANS / "back-red-flag.yaml"))
    assert result.exit_code == 0
    cal = icalendar.Calendar.from_ical(result.stdout)
    assert cal.walk("VEVENT") == []
    assert getattr(vobject.readOne(result.stdout), "vevent_list", []) == []
    assert recurring_ical_events.of(cal).between(dt.date(2020, 1, 1), dt.date(2035, 1, 1)) == []
    assert "no sessions" in result.stderr


def test_empty_calendar_note_also_with_output_dir(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = [
        "suggest",
        "-f",
        "ics",
        "--output-dir",
        str(out),
        "--start-date",
        "2026-12-01",
        str(PLANS / "back-red-flag.yaml"),
        str(PLANS / "neck-chronic.yaml"),
    ]
    result = invoke(runner, *args)
    assert result.exit_code == 0, result.stderr
    assert "back-red-flag.yaml: no sessions in the calendar" in result.stderr
    assert "neck-chronic.yaml: no sessions" not in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["back-red-flag.ics", "neck-chronic.ics"]
