"""A batch on a screen: the summary first, most urgent first, each finding's words whole;
each profile's screen only with --details; the settings and rule set in use named first."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from needleplan.errors import Problem
from needleplan.loading import load_profile
from needleplan.planner import plan
from needleplan.rules import RuleSet
from needleplan.run import Outcome, outcome_of
from needleplan.summary import most_urgent_first, summary
from needleplan.textfit import cell_len
from needleplan.vocab import NEEDLING, URGENCIES
from tests.conftest import PLANS

EXAMPLES = sorted(PLANS.glob("*.yaml"))


def _outcomes(rules: RuleSet) -> list[Outcome]:
    done = [outcome_of(plan(load_profile(p, rules), rules, source=str(p)), rules) for p in EXAMPLES]
    broken = Outcome("plans/broken.yaml", (Problem("plans/broken.yaml", "bad"),))
    return [broken, *done]


def test_most_urgent_first_then_what_stops_needling(rules: RuleSet) -> None:
    ordered = most_urgent_first(_outcomes(rules))
    done = [o for o in ordered if o.ok]
    ranks = [URGENCIES.index(o.urgency) for o in done]
    assert ranks == sorted(ranks, reverse=True)  # emergency, same day, soon, routine, none
    for urgency in {o.urgency for o in done}:
        same = [o.decision in NEEDLING for o in done if o.urgency == urgency]
        assert same == sorted(same)  # refer / do not needle / check first before needling
    assert ordered[0].urgency == "emergency" and ordered[0].decision == "refer"
    assert not ordered[-1].ok  # the invalid file last


@pytest.mark.parametrize("width", [60, 80, 120])
def test_the_summary_keeps_each_findings_words_whole(rules: RuleSet, width: int) -> None:
    outcomes = _outcomes(rules)
    text = summary(outcomes, rules, width=width)
    lines = text.splitlines()
    assert lines[0].startswith("Summary: ") and "most urgent first" in lines[0]
    assert max(cell_len(line) for line in lines) <= width
    flat = " ".join(text.split())
    for o in outcomes:
        for finding in o.findings:
            assert " ".join(finding.split()) in flat  # wrapped, never cut
    assert "…" not in "".join(line for line in lines[2:] if not line.startswith("…"))
    tally = flat[flat.index("By decision:") :]
    assert tally.startswith("By decision: refer")  # in the rows' order: most urgent first
    assert tally.endswith("invalid 1")


def _on_a_terminal(args: list[str], cwd: Path, **env: str) -> tuple[str, int]:
    """What needleplan shows when its stdout is a terminal, and its exit code."""
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environ.update({"COLUMNS": "100", "LINES": "40", "NO_COLOR": "1", "PAGER": "", **env})
    primary, secondary = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "needleplan", *args],
        stdout=secondary,
        stderr=subprocess.DEVNULL,
        env=environ,
        cwd=cwd,
    )
    os.close(secondary)
    shown = b""
    while select.select([primary], [], [], 60)[0]:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the terminal closed
            break
        if not chunk:
            break
        shown += chunk
    code = proc.wait(timeout=60)
    os.close(primary)
    return shown.decode().replace("\r\n", "\n"), code


def test_a_batch_on_a_terminal_shows_its_summary_first(tmp_path: Path) -> None:
    names = ["neck-chronic.yaml", "refer-same-day.yaml", "back-red-flag.yaml"]
    for name in names:
        (tmp_path / name).write_text((PLANS / name).read_text())
    text, code = _on_a_terminal(["suggest", str(tmp_path)], tmp_path)
    assert code == 0
    lines = text.splitlines()
    assert lines[0].startswith("Summary: 3 profiles")
    rows = [line.split()[0] for line in lines[2:] if line[:1].strip()][:3]
    assert rows == ["back-red-flag", "refer-same-day", "neck-chronic"]
    assert "Cauda equina signs" in text  # whole
    assert "REFER" not in text  # no per-profile screen without --details
    assert "--details" in lines[-1]
    detailed, _ = _on_a_terminal(["suggest", "--details", str(tmp_path)], tmp_path)
    after = detailed[detailed.index("By decision:") :]
    assert (
        after.index("REFER — EMERGENCY") < after.index("REFER — same day") < after.index("P-0042")
    )


def test_the_screen_names_the_settings_and_a_custom_rule_set_first(tmp_path: Path) -> None:
    from needleplan.rulesload import load_rules

    shipped = load_rules().name
    text = (Path(__file__).resolve().parents[2] / "src/needleplan/rules/default.yaml").read_text()
    (tmp_path / "clinic-rules.yaml").write_text(text.replace(f"name: {shipped}", "name: mine", 1))
    (tmp_path / ".git").mkdir()  # the search for settings stops here
    (tmp_path / "needleplan.toml").write_text('[defaults]\nrules = "clinic-rules.yaml"\n')
    shown, code = _on_a_terminal(["suggest", str(PLANS / "neck-chronic.yaml")], tmp_path)
    assert code == 0
    first, second = shown.splitlines()[:2]
    assert first == f"Settings: {tmp_path / 'needleplan.toml'}"
    assert second.startswith("Rule set: mine ") and "not the shipped rule set" in second


@pytest.mark.parametrize("pager", ["false", "no-such-pager-anywhere"])
def test_a_failing_pager_still_shows_the_text(tmp_path: Path, pager: str) -> None:
    shown, code = _on_a_terminal(["rules"], tmp_path, PAGER=pager, LINES="10")
    assert code == 0
    assert "neck_pain" in shown


def test_a_review_is_summed_up_as_its_screen_shows_it(rules: RuleSet) -> None:
    # no meaningful change at the review point: "review the plan", never "continue"
    import datetime as dt

    from needleplan.reviewer import review

    today = dt.date(2026, 12, 8)
    path = (
        Path(__file__).resolve().parents[1]
        / "cases"
        / "review"
        / "no-change-at-review-point-reviews-the-plan.yaml"
    )
    result = review(load_profile(path, rules, today=today), rules, today, source=str(path))
    table = summary([outcome_of(result, rules)], rules, width=120)
    shown = rules.terms.verdict(result.verdict, result.hold, result.deciding).summary_word
    assert shown != rules.terms.verdicts["continue"].summary_word
    assert shown in table and " continue " not in table
