"""Worker processes under attack: a bug on one profile, a worker that cannot start or dies,
a rule set removed as the run starts. One message, the right exit code, never a hang."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import PLANS, invoke

NECK = (PLANS / "neck-chronic.yaml").read_text()


def _batch(folder: Path, count: int) -> Path:
    folder.mkdir()
    for i in range(count):
        (folder / f"p{i:03}.yaml").write_text(NECK.replace("P-0042", f"P-{i}"))
    return folder


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_bug_on_one_profile_never_stops_the_others(
    runner, tmp_path: Path, monkeypatch, jobs: str
) -> None:
    import needleplan.planner

    real = needleplan.planner.plan

    def plan(profile, rules, **kwargs):
        if profile.patient == "P-3":
            raise OverflowError("date value out of range")
        return real(profile, rules, **kwargs)

    monkeypatch.setattr(needleplan.planner, "plan", plan)  # inherited by forked workers
    src = _batch(tmp_path / "in", 40)
    result = invoke(runner, "suggest", "-f", "jsonl", "-j", jobs, str(src))
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 39
    assert result.stderr.startswith(f"{src / 'p003.yaml'}: error: needleplan could not handle")
    assert "OverflowError" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_worker_that_cannot_start_ends_the_run(runner, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("needleplan.batch._init_worker", lambda: os._exit(3))
    src = _batch(tmp_path / "in", 40)
    result = invoke(runner, "suggest", "-f", "jsonl", "-j", "2", str(src))
    assert result.exit_code == 2
    assert result.stderr.count("error:") == 1
    assert "worker process" in result.stderr


def test_a_worker_that_dies_ends_the_run(runner, tmp_path: Path, monkeypatch) -> None:
    import needleplan.planner

    real = needleplan.planner.plan

    def plan(profile, rules, **kwargs):
        if profile.patient == "P-30":
            os._exit(9)  # as the OOM killer would
        return real(profile, rules, **kwargs)

    monkeypatch.setattr(needleplan.planner, "plan", plan)
    src = _batch(tmp_path / "in", 60)
    out = tmp_path / "out"
    result = invoke(runner, "suggest", "-f", "json", "-j", "2", "-o", str(out), str(src))
    assert result.exit_code == 2
    assert "worker process stopped unexpectedly" in result.stderr
    assert "Traceback" not in result.stderr
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_rules_removed_as_the_run_starts(tmp_path: Path) -> None:
    """Workers inherit the rule set the run started with: no file is read again."""
    rules = tmp_path / "clinic.yaml"
    rules.write_bytes(
        subprocess.run(
            [sys.executable, "-m", "needleplan", "rules", "-f", "yaml"],
            capture_output=True,
            check=True,
        ).stdout
    )
    src = _batch(tmp_path / "in", 300)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "needleplan",
            "suggest",
            "-f",
            "jsonl",
            "-j",
            "2",
            "--rules",
            str(rules),
            str(src),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    rules.unlink()  # as the workers start: they inherit the rule set, never read it again
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode in (0, 2), stderr
    assert b"Traceback" not in stderr
    if proc.returncode == 0:
        assert len(stdout.splitlines()) == 300
    else:
        assert stderr.count(b"error:") == 1


@pytest.mark.parametrize("output", ["closed reader", "full device", "closed stdout"])
def test_a_failed_output_ends_a_two_worker_run_and_never_hangs(tmp_path: Path, output: str) -> None:
    """A reader that goes away (`| head -1`), a full device or a closed stdout while
    workers are sending results: the run ends (the runs under way finish, the rest are
    cancelled) with its exit code, one message at most, and no traceback."""
    if output == "full device" and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    src = _batch(tmp_path / "in", 100)
    command = [sys.executable, "-m", "needleplan", "suggest", "-f", "jsonl", "-j", "2", str(src)]
    for _ in range(5):  # it hung on most tries when the pool was stopped mid-message
        if output == "closed reader":
            proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            assert proc.stdout is not None
            proc.stdout.readline()
            proc.stdout.close()
            stderr = proc.communicate(timeout=120)[1]
            assert proc.returncode == 0, stderr
        else:
            if output == "full device":
                with open("/dev/full", "wb") as full:
                    proc = subprocess.Popen(command, stdout=full, stderr=subprocess.PIPE)
            else:  # started with its stdout closed (`>&-`)
                proc = subprocess.Popen(
                    command, stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1)
                )
            stderr = proc.communicate(timeout=120)[1]
            assert proc.returncode == 2, stderr
            assert stderr.count(b"error:") == 1
        assert b"Traceback" not in stderr
