"""Per-case profile files: every valid one plans, every invalid one fails where it says."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from needleplan.vocab import DECISIONS
from tests.conftest import CASES, PLANS, invoke

INVALID = sorted((CASES / "invalid").glob("*.yaml"))
VALID = sorted((CASES / "valid").glob("*.yaml")) + sorted(PLANS.glob("*.yaml"))


def _expectation(path: Path) -> tuple[str, str]:
    first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8")
    m = re.match(r"# expect: (\S+): (.*)$", first)
    assert m, f"{path.name} needs a '# expect: LINE:COL: text' first line"
    return m.group(1), m.group(2)


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_profile_is_located(runner, path: Path) -> None:
    where, text = _expectation(path)
    result = invoke(runner, "suggest", "--format", "json", str(path))
    assert result.exit_code == 1, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert len(result.stderr) < 4096
    prefix = f"{path}:{where}: error: " if where != "-" else f"{path}: error: "
    lines = [line for line in result.stderr.splitlines() if " error: " in line]
    assert any(line.startswith(prefix) and text in line for line in lines), result.stderr


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_profile_plans(runner, path: Path) -> None:
    result = invoke(runner, "suggest", "--format", "json", str(path))
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["source"] == str(path)
    assert plan["decision"] in DECISIONS
    assert plan["rationale"], "every plan explains itself"
    assert "no safety finding" not in result.stdout.lower()


def test_shipped_examples_cover_the_cases(runner) -> None:
    result = invoke(runner, "suggest", "--format", "jsonl", str(PLANS))
    plans = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(plans) >= 8
    decisions = {p["decision"] for p in plans}
    assert set(DECISIONS) <= decisions
    assert {p["urgency"] for p in plans} >= {"emergency", "same_day"}
    assert len({p["condition"] for p in plans}) >= 6
    assert any(
        line.lstrip().startswith("#")
        for f in PLANS.glob("*.yaml")
        for line in f.read_text().splitlines()[:3]
    )


def test_hint_suggests_the_key(runner) -> None:
    path = CASES / "invalid" / "unknown-key.yaml"
    result = invoke(runner, "validate", str(path))
    assert "hint: did you mean 'condition'?" in result.stderr
    assert result.exit_code == 1


def test_hint_suggests_the_canonical_id(runner) -> None:
    path = CASES / "invalid" / "unknown-health-factor.yaml"
    result = invoke(runner, "validate", str(path))
    assert "hint: did you mean 'anticoagulants'?" in result.stderr


def test_every_problem_in_a_file_is_reported_at_once(runner, tmp_path: Path) -> None:
    p = tmp_path / "many.yaml"
    p.write_text("conditon: neck_pain\nseverity: 12\nduration: soon\nage: -4\n")
    result = invoke(runner, "validate", str(p))
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) >= 4
    assert any(":1:1: error: unknown key 'conditon'" in e for e in errors)
    assert any(":2:11: error: severity 12 is out of range" in e for e in errors)
    assert any(":3:11: error: duration 'soon'" in e for e in errors)
    assert any(":4:6: error: age" in e for e in errors)


def test_syntax_errors_show_the_line_and_a_caret(runner) -> None:
    path = CASES / "invalid" / "yaml-missing-colon.yaml"
    result = invoke(runner, "validate", str(path))
    lines = result.stderr.splitlines()
    at = next(i for i, line in enumerate(lines) if ": error: " in line)
    assert lines[at + 2].endswith("| severity 6")
    assert lines[at + 3].rstrip().endswith("| ^")
    assert lines[at + 4].startswith("  hint: ")
    assert sum(": error: " in line for line in lines) == 1


def test_one_typo_gives_one_error(runner, tmp_path: Path) -> None:
    p = tmp_path / "typo.yaml"
    p.write_text("condition: neck_pain\nseverty: 6\nduration: 6 weeks\n")
    result = invoke(runner, "validate", str(p))
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert errors == [f"{p}:2:1: error: unknown key 'severty'"]
    assert "did you mean 'severity'?" in result.stderr
