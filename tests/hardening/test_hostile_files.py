"""Every file in tests/hostile/ is refused as the README promises, under hard limits.

A profile: exit 1, a located ``FILE:LINE:COL: error:``, nothing on stdout. A
rule set: exit 2. Never a traceback; stderr short and inert.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.hostile_run import assert_clean_refusal, run_limited

HOSTILE = Path(__file__).parent.parent / "hostile"
PROFILES = sorted((HOSTILE / "profiles").glob("*.yaml"))
RULES = sorted((HOSTILE / "rules").glob("*.yaml"))
NECK = Path(__file__).resolve().parent.parent.parent / "plans" / "neck-chronic.yaml"


def test_every_hostile_profile_is_refused_by_validate() -> None:
    """``validate`` of the whole folder in one process: each file refused with a located
    error under its own name, nothing on stdout, no traceback, every line inert."""
    folder = HOSTILE / "profiles"
    proc = run_limited("validate", str(folder))
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == b""
    text = proc.stderr.decode("utf-8")
    assert "Traceback" not in text
    assert all(c == "\n" or c.isprintable() for c in text), repr(text)
    names = tuple(str(p) for p in PROFILES)
    for line in text.splitlines():
        assert line.startswith((*names, "  hint: ", "needleplan: ")), line
    for path in PROFILES:
        mine = [line for line in text.splitlines() if line.startswith(f"{path}:")]
        located = re.compile(re.escape(str(path)) + r":\d+:\d+: error: .+")
        assert any(located.fullmatch(line) for line in mine), (path, text)


@pytest.mark.parametrize("path", PROFILES, ids=[p.name for p in PROFILES])
def test_hostile_profile_never_stops_the_batch(tmp_path: Path, path: Path) -> None:
    """``suggest`` refuses the bad profile (exit 1, a located error, no line of its own on
    stdout) and still plans a good one after it (one process per file: ``suggest`` of the
    bad file alone is this with nothing after it)."""
    (tmp_path / "a.yaml").write_bytes(path.read_bytes())
    (tmp_path / "b.yaml").write_bytes(NECK.read_bytes())
    proc = run_limited("suggest", "-f", "jsonl", str(tmp_path))
    assert proc.returncode == 1, proc.stderr
    assert len(proc.stdout.splitlines()) == 1
    assert b'"source":"' + str(tmp_path / "b.yaml").encode() in proc.stdout
    assert_clean_refusal(proc.stderr, str(tmp_path / "a.yaml"))


@pytest.mark.parametrize("path", RULES, ids=[p.name for p in RULES])
def test_hostile_rules_file_is_refused(path: Path) -> None:
    proc = run_limited("suggest", "--rules", str(path), "-f", "json", str(NECK))
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == b""
    assert_clean_refusal(proc.stderr, str(path))


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv", "yaml", "markdown", "html"])
def test_one_refused_profile_leaves_stdout_empty_in_every_format(fmt: str) -> None:
    """No CSV header alone, no HTML head without its end: nothing, as with json."""
    path = PROFILES[0]
    proc = run_limited("suggest", "-f", fmt, str(path))
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == b""
    assert_clean_refusal(proc.stderr, str(path))
