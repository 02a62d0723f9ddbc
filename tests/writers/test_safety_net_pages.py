"""The low-back safety net reaches the printed page: markdown and html, plan and review."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
import yaml

from tests.conftest import invoke
from tests.shipped import RULES

NET = next(n for n in RULES.advice.safety_nets if n.id == "cauda_equina")
assert RULES.screening is not None
NO = dict.fromkeys(RULES.screening.questions, False)


def _write(tmp_path: Path, **fields: object) -> str:
    data: dict[str, object] = {
        "patient": "P",
        "condition": "low_back_pain",
        "sites": {"lumbar_paraspinals": "both"},
        "severity": 7,
        "duration": "4 months",
        "age": 40,
        "screening": NO,
    }
    data.update(fields)
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


def _said(out: str, text: str) -> bool:
    return " ".join(text.split()) in " ".join(html.unescape(out).split())


@pytest.mark.parametrize("fmt", ["markdown", "html"])
@pytest.mark.parametrize("duration", ["4 months", "5 days"])  # needle, not_indicated
def test_a_low_back_plan_page_prints_the_net(
    runner, tmp_path: Path, fmt: str, duration: str
) -> None:
    result = invoke(runner, "suggest", "-f", fmt, _write(tmp_path, duration=duration))
    assert result.exit_code == 0, result.output
    assert _said(result.stdout, NET.text)


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_a_parent_page_prints_the_parent_net(runner, tmp_path: Path, fmt: str) -> None:
    result = invoke(runner, "suggest", "-f", fmt, _write(tmp_path, age=15))
    assert result.exit_code == 0, result.output
    assert _said(result.stdout, NET.parent)
    assert not _said(result.stdout, NET.text)


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_a_low_back_review_page_prints_the_net(runner, tmp_path: Path, fmt: str) -> None:
    log = [
        {"date": "2026-11-20", "nrs": 7, "needled": ["lumbar_paraspinals"]},
        {"date": "2026-11-27", "nrs": 6, "needled": ["lumbar_paraspinals"]},
    ]
    path = _write(tmp_path, log=log)
    result = invoke(runner, "review", "--today", "2026-12-07", "-f", fmt, path)
    assert result.exit_code == 0, result.output
    assert _said(result.stdout, NET.text)


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_a_lateral_elbow_page_does_not(runner, tmp_path: Path, fmt: str) -> None:
    path = _write(tmp_path, condition="lateral_elbow_pain", sites={"wrist_extensors": "right"})
    result = invoke(runner, "suggest", "-f", fmt, path)
    assert result.exit_code == 0, result.output
    assert not _said(result.stdout, NET.text)
    assert "bladder" not in result.stdout
