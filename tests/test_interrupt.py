"""Ctrl-C and SIGTERM: exit 130 / 143, workers gone, every output file whole or absent."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import PLANS


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


def _wait_for_first_file(proc: subprocess.Popen[bytes], out: Path) -> None:
    deadline = time.monotonic() + 60
    while not (out.is_dir() and any(not f.name.startswith(".") for f in out.iterdir())):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.005)


def _group_gone(pgid: int) -> bool:
    """True once no process of the group is left (workers included)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def _files_whole(out: Path, total: int) -> None:
    files = sorted(out.iterdir())
    assert 0 < len(files) < total
    assert not [f.name for f in files if f.name.startswith(".")]  # no temporary files left
    for f in files:
        assert json.loads(f.read_text())["condition"] == "neck_pain"  # each file is whole


@pytest.mark.parametrize(
    ("sig", "code", "word"),
    [(signal.SIGINT, 130, b"interrupted"), (signal.SIGTERM, 143, b"terminated")],
)
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_signal_stops_the_run_cleanly(
    tmp_path: Path, jobs: str, sig: signal.Signals, code: int, word: bytes
) -> None:
    source = _copies(tmp_path / "in", 4000)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        _plan_into(out, source, jobs),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    _wait_for_first_file(proc, out)
    proc.send_signal(sig)  # to the parent only, as `kill` or a service manager does
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    assert word in stderr
    assert b"Traceback" not in stderr
    assert b"Error" not in stderr
    assert stdout == b""
    assert _group_gone(proc.pid), "a worker outlived the run"
    _files_whole(out, 4000)


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
