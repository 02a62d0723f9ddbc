"""Writers checked with independent libraries: fhir.resources, icalendar, vobject,
recurring-ical-events, textstat."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re

import icalendar
import pytest
import recurring_ical_events
import textstat
import vobject
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan

from .conftest import PLANS, invoke

CAREPLAN_STATUS = {
    "draft",
    "active",
    "on-hold",
    "revoked",
    "completed",
    "entered-in-error",
    "unknown",
}
CAREPLAN_INTENT = {"proposal", "plan", "order", "option"}
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
DETAIL_KIND = {
    "Appointment",
    "CommunicationRequest",
    "DeviceRequest",
    "MedicationRequest",
    "NutritionOrder",
    "Task",
    "ServiceRequest",
    "VisionPrescription",
}
UNITS_OF_TIME = {"s", "min", "h", "d", "wk", "mo", "a"}


def _suggest(runner, fmt: str, *paths: str, start: str | None = None) -> str:
    args = ["suggest", "-f", fmt, *paths]
    if start:
        args += ["--start-date", start]
    result = invoke(runner, *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("name", sorted(p.name for p in PLANS.glob("*.yaml")))
def test_fhir_careplan_is_valid_r4(runner, name: str) -> None:
    data = json.loads(_suggest(runner, "fhir", str(PLANS / name), start="2026-12-01"))
    CarePlan.model_validate(data)
    assert data["status"] in CAREPLAN_STATUS and data["status"] == "draft"
    assert data["intent"] in CAREPLAN_INTENT and data["intent"] == "proposal"
    for activity in data["activity"]:
        detail = activity["detail"]
        assert detail["status"] in DETAIL_STATUS
        assert detail["kind"] in DETAIL_KIND
        timing = detail.get("scheduledTiming", {}).get("repeat")
        if timing:
            assert timing["periodUnit"] in UNITS_OF_TIME
    plan = json.loads(_suggest(runner, "json", str(PLANS / name), start="2026-12-01"))
    needling = data["activity"][0]["detail"]
    assert needling["code"]["text"] == "Dry needling"
    assert needling["doNotPerform"] is (plan["decision"] in ("do_not_needle", "refer"))
    if plan["sessions"]["suggested"]:
        assert needling["scheduledTiming"]["repeat"]["count"] == plan["sessions"]["suggested"]
        assert needling["scheduledTiming"]["repeat"]["boundsPeriod"]["start"] == "2026-12-01"
    assert len(data["activity"]) == 1 + len(plan["companions"])
    notes = " ".join(n["text"] for n in data["note"])
    for flag in plan["flags"]:
        assert flag["label"] in notes
    assert "does not replace" in data["description"]
    if plan["decision"] == "refer":
        assert "Refer" in data["description"]


def test_fhir_bundle_for_several(runner) -> None:
    data = json.loads(_suggest(runner, "fhir", str(PLANS)))
    Bundle.model_validate(data)
    assert len(data["entry"]) == len(list(PLANS.glob("*.yaml")))
    subjects = [e["resource"]["subject"] for e in data["entry"]]
    assert all("display" in s for s in subjects)


@pytest.mark.parametrize("name", ["neck-chronic.yaml", "hip-lateral.yaml", "headache-tension.yaml"])
def test_ics_parses_everywhere_with_exact_count(runner, name: str) -> None:
    start = dt.date(2026, 12, 1)
    text = _suggest(runner, "ics", str(PLANS / name), start=start.isoformat())
    plan = json.loads(_suggest(runner, "json", str(PLANS / name), start=start.isoformat()))
    n = plan["sessions"]["suggested"]
    cal = icalendar.Calendar.from_ical(text)
    events = list(cal.walk("VEVENT"))
    assert len(events) == n
    vcal = vobject.readOne(text)
    assert len(vcal.vevent_list) == n
    expanded = recurring_ical_events.of(cal).between(
        start - dt.timedelta(days=30), start + dt.timedelta(days=400)
    )
    assert len(expanded) == n
    dates = sorted(e["DTSTART"].dt for e in expanded)
    assert dates[0] >= start
    assert all((b - a).days >= 2 for a, b in itertools.pairwise(dates))
    per_week = plan["cadence"]["per_week"]
    for i, d in enumerate(dates):
        assert sum(1 for e in dates[i:] if (e - d).days < 7) <= per_week
    summaries = [str(e["SUMMARY"]) for e in events]
    assert f"session 2 of {n}" in summaries[1]
    assert sum("reassessment" in s for s in summaries) == 1
    assert len({str(e["UID"]) for e in events}) == n
    assert "day or two" in str(events[0]["DESCRIPTION"])
    again = _suggest(runner, "ics", str(PLANS / name), start=start.isoformat())
    assert again == text  # stable UIDs and stamps


def test_ics_needs_a_start_date(runner) -> None:
    result = invoke(runner, "suggest", "-f", "ics", str(PLANS / "elbow-lateral.yaml"))
    assert result.exit_code == 2
    assert "--start-date" in result.stderr
    assert result.stdout == ""


def test_ics_zero_sessions_is_an_empty_calendar(runner) -> None:
    result = invoke(runner, "suggest", "-f", "ics", str(PLANS / "back-red-flag.yaml"))
    assert result.exit_code == 0
    cal = icalendar.Calendar.from_ical(result.stdout)
    assert cal.walk("VEVENT") == []
    assert getattr(vobject.readOne(result.stdout), "vevent_list", []) == []
    assert recurring_ical_events.of(cal).between(dt.date(2020, 1, 1), dt.date(2035, 1, 1)) == []
    assert "no sessions" in result.stderr


def _prose(markdown: str) -> str:
    lines = []
    for line in markdown.splitlines():
        line = re.sub(r"^#+\s*|^-\s*", "", line).replace("\\", "")
        if line.strip() and not line.startswith("Plan for:"):
            lines.append(line if line.rstrip().endswith((".", "?", "!", ":")) else line + ".")
    return " ".join(lines)


@pytest.mark.parametrize("name", sorted(p.name for p in PLANS.glob("*.yaml")))
def test_handout_reads_at_grade_8_or_below(runner, name: str) -> None:
    text = _suggest(runner, "markdown", str(PLANS / name), start="2026-12-01")
    assert "_" not in text.replace("\\_", "")  # no ids
    grade = textstat.flesch_kincaid_grade(_prose(text))
    assert grade <= 8.0, (grade, name)
    for phrase in ("What is dry needling?", "When to get help", "does not diagnose"):
        assert phrase in text
    decision = json.loads(_suggest(runner, "json", str(PLANS / name)))["decision"]
    assert ("a day or two" in text) is (decision in ("needle", "needle_with_caution"))


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_empty_calendar_note_also_with_output_dir(runner, tmp_path, jobs: str) -> None:
    out = tmp_path / "out"
    args = [
        "suggest",
        "-f",
        "ics",
        "-j",
        jobs,
        "-o",
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
