"""Ctrl-C: exit 130, and every output file is either whole or absent."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import PLANS, python_says


def _copies(folder: Path, count: int) -> Path:
    """A folder of ``count`` copies of one example profile."""
    folder.mkdir()
    text = (PLANS / "neck-chronic.yaml").read_text()
    for i in range(count):
        (folder / f"p{i:05}.yaml").write_text(text)
    return folder


def _plan_into(out: Path, source: Path, jobs: str) -> list[str]:
    """The command that plans ``source`` into one JSON file per profile in ``out``."""
    return [
        sys.executable,
        "-m",
        "needleplan",
        "suggest",
        "-f",
        "json",
        "-j",
        jobs,
        "-o",
        str(out),
        str(source),
    ]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_interrupt_leaves_no_partial_file(tmp_path: Path, jobs: str) -> None:
    source = _copies(tmp_path / "in", 6000)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        _plan_into(out, source, jobs),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not (out.is_dir() and any(not f.name.startswith(".") for f in out.iterdir())):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        os.sched_yield()
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert b"interrupted" in stderr
    assert b"Traceback" not in stderr
    assert stdout == b""
    files = sorted(out.iterdir())
    assert 0 < len(files) < 6000
    assert not [f.name for f in files if f.name.startswith(".")]  # no temporary files left
    for f in files:
        assert json.loads(f.read_text())["condition"] == "neck_pain"  # each file is whole


def test_ctrl_c_is_held_until_the_file_is_written(tmp_path: Path) -> None:
    from needleplan.outfiles import _interrupts_deferred, write_atomic

    reached_end = False
    with pytest.raises(KeyboardInterrupt), _interrupts_deferred():
        os.kill(os.getpid(), signal.SIGINT)  # arrives in the middle of a write
        write_atomic(tmp_path / "plan.json", "{}", force=False)
        reached_end = True
    assert reached_end  # the interrupt waited for the block to finish
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_output_dir_with_jobs_keeps_memory_flat(tmp_path: Path) -> None:
    """Each worker writes its own files, so nothing piles up in the parent."""
    from .measure import run_measured

    source = _copies(tmp_path / "in", 4000)
    out = tmp_path / "out"
    returncode, _, stderr, peak_kib = run_measured(
        _plan_into(out, source, "2"),
        tmp_path,
    )
    assert returncode == 0, stderr
    assert len(list(out.iterdir())) == 4000
    assert peak_kib < 60 * 1024, f"peak {peak_kib // 1024} MiB"


def test_workers_die_at_once_on_sigterm() -> None:
    """Workers keep SIGTERM's default action (outfiles holds it only while a file is written).

    A Python-level handler could lose the signal: one arriving just before a worker
    blocks on the task queue's lock would run only once the lock is acquired, and
    Pool.terminate() then waited for that worker for ever.
    """
    assert python_says(
        "import signal",
        "from needleplan.batch import _init_worker",
        "_init_worker(None, None, lambda: None, False)",
        "print(signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)",
    ) == ["True"]


def test_finished_batches_close_the_pool(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Finished work ends with close() and join(), never terminate() and its signals."""
    import multiprocessing.pool

    from needleplan.batch import expand, run
    from needleplan.rules import load_rules

    calls: list[str] = []
    for name in ("close", "terminate"):
        original = getattr(multiprocessing.pool.Pool, name)

        def record(self: object, _name: str = name, _original: object = original) -> None:
            calls.append(_name)
            _original(self)  # type: ignore[operator]

        monkeypatch.setattr(multiprocessing.pool.Pool, name, record)
    inputs = expand([str(_copies(tmp_path / "in", 40))])
    outcomes = list(
        run(
            inputs,
            load_rules(),
            rules_path=None,
            start_date=None,
            jobs=2,
            render_factory=lambda: None,
            keep_plan=False,
        )
    )
    assert [o.position for o in outcomes] == list(range(40))
    assert calls[:1] == ["close"]  # (a finalizer may call terminate() later, a no-op)
