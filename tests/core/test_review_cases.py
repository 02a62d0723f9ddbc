"""One logged course per review rule (``tests/cases/review/*.yaml``), reviewed on the day
its ``# expect: today=...`` names, against the rest of its expectations."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from needleplan.loading import load_profile
from needleplan.reviewer import review
from tests.shipped import RULES

CASES = Path(__file__).resolve().parents[1] / "cases" / "review"
_EXPECT = re.compile(r"([a-z_.-]+?)(~=|=)(.*?)(?= [a-z_.-]+(?:~=|=)|$)")


def _expectations(path: Path) -> list[tuple[str, str]]:
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# expect:"):
            found += [(k, v.strip()) for k, _, v in _EXPECT.findall(line[9:].strip())]
    assert found, f"{path.name} needs '# expect:' lines"
    return found


@pytest.mark.parametrize("path", sorted(CASES.glob("*.yaml")), ids=lambda p: p.stem)
def test_review_case(path: Path) -> None:
    expected = _expectations(path)
    today = dt.date.fromisoformat(dict(expected)["today"])
    r = review(load_profile(path, RULES, today=today), RULES, today)
    data = r.to_dict()
    text = json.dumps(data).lower()
    advice = json.dumps(data["advice"]).lower()
    why = [i for s in r.advice.sections if s.heading == "Why" for i in s.items]
    for key, value in expected:
        where = f"{path.name}: {key}={value}"
        if key == "today":
            continue
        if key == "verdict":
            assert r.verdict == value, where
        elif key == "urgency":
            assert r.urgency == value, where
        elif key == "hold":
            assert r.hold == (value == "true"), where
        elif key == "deciding":
            assert r.deciding == value, where
        elif key == "rule":
            assert r.rationale[0].rule == value, where
        elif key == "step":
            assert value in {s.rule for s in r.rationale}, where
        elif key in ("warning", "no-warning"):
            assert (value in {w.kind for w in r.warnings}) == (key == "warning"), where
        elif key in ("text", "no-text"):
            assert (value.lower() in text) == (key == "text"), where
        elif key in ("advice", "no-advice"):
            assert (value.lower() in advice) == (key == "advice"), where
        elif key == "title":
            assert value.lower() in r.advice.title.lower(), where
        elif key == "why-first":
            assert why and why[0] == RULES.health_factors[value].patient_message, where
        elif key == "meaningful":
            assert r.change is not None and r.change.meaningful == (value == "true"), where
        elif key == "sessions":
            assert r.next.sessions == int(value), where
        else:
            raise AssertionError(f"unknown expectation {where}")
