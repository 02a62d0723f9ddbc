"""Whole documents (a FHIR Bundle, a calendar) are made a plan at a time: each plan's part is
written as it comes and the head that needs them all is written last. The text is still the
one document its library would write all at once, to stdout and to ``-o FILE`` alike."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import icalendar
import pytest
import yaml
from typer.testing import CliRunner

from needleplan.loading import load_profile, profile_from_text
from needleplan.planner import plan
from needleplan.results import Plan, Review
from needleplan.reviewer import review
from needleplan.schedule import ClinicCalendar
from needleplan.writers import get_writer
from tests.conftest import PLANS, invoke
from tests.shipped import RULES

TODAY = dt.date(2026, 11, 27)

START = dt.date(2027, 1, 4)
LONDON = ClinicCalendar(timezone="Europe/London")


def _plan(name: str, booked: bool = False) -> Plan:
    """A shipped profile planned; ``booked``: at 09:30 from 2027-01-04 on a London clinic's
    calendar."""
    path = PLANS / name
    if not booked:
        return plan(load_profile(path, RULES, today=TODAY), RULES, source=str(path))
    data = yaml.safe_load(path.read_text())
    data.update(start_date=START, appointment_time="09:30")
    profile = profile_from_text(yaml.safe_dump(data), str(path), RULES)
    return plan(profile, RULES, source=str(path), calendar=LONDON)


def _review(name: str) -> Review:
    path = PLANS / name
    return review(load_profile(path, RULES, today=TODAY), RULES, TODAY, source=str(path))


def _as_dumped(text: str) -> str:
    """The document as ``json.dumps(..., indent=2)`` writes it whole."""
    return json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("many", [True, False])
def test_a_bundle_is_the_whole_bundle_dumped_at_once(many: bool) -> None:
    neck = _plan("neck-chronic.yaml")
    results = [_review("review-adverse-event.yaml"), neck, neck, _plan("hip-lateral.yaml")]
    text = get_writer("fhir", rules=RULES).document(results, many=many)
    assert text == _as_dumped(text)
    data = json.loads(text)
    assert data["resourceType"] == "Bundle"
    ids = [e["resource"]["id"] for e in data["entry"]]
    assert len(ids) == len(set(ids))  # the repeated plan is a second CarePlan of its own


def test_an_empty_bundle_and_a_single_plan_are_dumped_whole() -> None:
    fhir = get_writer("fhir", rules=RULES)
    empty = fhir.document([], many=True)
    assert empty == _as_dumped(empty)
    assert json.loads(empty)["entry"] == []
    alone = fhir.document([_plan("neck-chronic.yaml")], many=False)
    assert alone == _as_dumped(alone)
    assert json.loads(alone)["resourceType"] == "CarePlan"
    reviewed = fhir.document([_review("review-adverse-event.yaml")], many=False)
    assert json.loads(reviewed)["resourceType"] == "Bundle"


def test_a_calendar_is_the_calendar_icalendar_writes_whole() -> None:
    names = ["neck-chronic.yaml", "hip-lateral.yaml", "neck-chronic.yaml", "neck-lung-field.yaml"]
    writer = get_writer("ics", calendar=LONDON)
    text = writer.document([_plan(n, booked=True) for n in names], many=True)
    calendar = icalendar.Calendar.from_ical(text)
    assert calendar.to_ical().decode("utf-8") == text
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/London"]
    assert text.index("END:VTIMEZONE") < text.index("BEGIN:VEVENT")
    uids = [str(event["uid"]) for event in calendar.events]
    assert len(uids) == len(set(uids))


def test_a_calendar_that_cannot_be_written_says_so_and_notes_nothing() -> None:
    writer = get_writer("ics", calendar=ClinicCalendar(timezone="Nowhere/Atlantis"))
    with pytest.raises(Exception, match="Nowhere/Atlantis"):
        writer.document([_plan("neck-chronic.yaml", booked=True)], many=True)
    assert writer.notes == []


@pytest.mark.parametrize("fmt", ["ics", "fhir"])
def test_a_file_holds_what_stdout_shows(fmt: str, tmp_path: Path, runner: CliRunner) -> None:
    names = ["neck-chronic.yaml", "hip-lateral.yaml"] if fmt == "ics" else ["neck-chronic.yaml"]
    paths = [str(PLANS / n) for n in names]
    args = ["suggest", "--config", "/dev/null", "-f", fmt, "--start-date", "2027-01-04", *paths]
    shown = invoke(runner, *args)
    assert shown.exit_code == 0, shown.output
    out = tmp_path / f"course.{fmt}"
    written = invoke(runner, *args, "-o", str(out))
    assert written.exit_code == 0, written.output
    assert out.read_text(encoding="utf-8") == shown.stdout
    assert shown.stdout.startswith("BEGIN:VCALENDAR" if fmt == "ics" else "{")
