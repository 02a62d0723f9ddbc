"""The red-flag screen at the command line: the template asks it, validate warns of it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import PLANS, invoke


def test_new_writes_the_regions_questions_unanswered(runner, tmp_path: Path) -> None:
    result = invoke(runner, "new", "--condition", "low_back_pain")
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "screening:\n#   cauda_equina_signs:\n" in text
    assert "saddle area" in text
    path = tmp_path / "new.yaml"
    path.write_text(text)
    checked = invoke(runner, "validate", str(path))
    assert checked.exit_code == 0, checked.stderr
    assert "warning: open check 'cauda_equina_signs'" in checked.stderr
    planned = invoke(runner, "suggest", "--format", "json", str(path))
    assert json.loads(planned.stdout)["decision"] == "check_first"


def test_validate_reports_open_checks_as_warnings(runner) -> None:
    path = str(PLANS / "screen-not-finished.yaml")
    text = invoke(runner, "validate", path)
    assert text.exit_code == 0
    assert "warning: open check 'unexplained_weight_loss'" in text.stderr
    report = json.loads(invoke(runner, "validate", "--format", "json", path).stdout)
    assert report[0]["valid"] is True
    assert {w["id"] for w in report[0]["warnings"]} == {
        "unexplained_weight_loss",
        "unremitting_night_pain",
        "hot_swollen_joint",
    }
    answered = invoke(runner, "validate", str(PLANS / "neck-chronic.yaml"))
    assert "warning" not in answered.stderr
