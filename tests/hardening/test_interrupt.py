"""Ctrl-C and SIGTERM: exit 130 / 143, every output file whole or absent, and the run says
how many files it wrote and where."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import PLANS


def _copies(folder: Path, count: int) -> Path:
    """A folder of ``count`` copies of one example profile."""
    folder.mkdir()
    text = (PLANS / "neck-chronic.yaml").read_text()
    for i in range(count):
        (folder / f"p{i:05}.yaml").write_text(text)
    return folder


def _plan_into(out: Path, source: Path) -> list[str]:
    """The command that plans ``source`` into one JSON file per profile in ``out``."""
    return [
        sys.executable,
        "-m",
        "needleplan",
        "suggest",
        "-f",
        "json",
        "--output-dir",
        str(out),
        str(source),
    ]


def _hold_open(fifo: Path, opened: threading.Event, proc: subprocess.Popen[bytes]) -> None:
    """Open the FIFO for writing (this returns once the run opens it), then hold it open."""
    with fifo.open("wb"):
        opened.set()
        proc.wait()


def _group_gone(pgid: int) -> bool:
    """True when no process of the group is left (the run reaps its workers before it exits)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def _files_whole(out: Path, total: int) -> None:
    files = sorted(out.iterdir()) if out.exists() else []
    assert len(files) < total
    assert not [f.name for f in files if f.name.startswith(".")]  # no temporary files left
    for f in files:
        assert json.loads(f.read_text())["condition"] == "neck_pain"  # each file is whole


@pytest.mark.parametrize(
    ("sig", "code", "word"),
    [(signal.SIGINT, 130, b"interrupted"), (signal.SIGTERM, 143, b"terminated")],
)
def test_a_signal_stops_the_run_cleanly(
    tmp_path: Path, sig: signal.Signals, code: int, word: bytes
) -> None:
    source = _copies(tmp_path / "in", 40)
    # A profile read from a FIFO that nobody writes: the run waits there. Opening it for
    # writing returns once the run has opened it, so the signal lands mid-run, every time.
    fifo = source / "p00020.yaml"
    fifo.unlink()
    os.mkfifo(fifo)
    out = tmp_path / "out"
    command = _plan_into(out, source)
    command[-1:] = sorted(str(p) for p in source.iterdir())  # named: a walk skips FIFOs
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    opened = threading.Event()
    threading.Thread(target=_hold_open, args=(fifo, opened, proc), daemon=True).start()
    assert opened.wait(timeout=60), "the run never read the FIFO"
    proc.send_signal(sig)  # to the parent only, as `kill` or a service manager does
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    assert word in stderr
    assert b"Traceback" not in stderr
    assert b"Error" not in stderr
    assert stdout == b""
    assert _group_gone(proc.pid), "a process outlived the run"
    _files_whole(out, 40)
    assert len(list(out.iterdir())) == 20  # every profile before the FIFO, whole
    assert f"wrote 20 files to {out}".encode() in stderr  # and the run says so


def test_ctrl_c_is_held_until_the_file_is_written(tmp_path: Path) -> None:
    from needleplan.files import write_atomic
    from needleplan.shell import interrupts_deferred as _interrupts_deferred

    reached_end = False
    with pytest.raises(KeyboardInterrupt), _interrupts_deferred():
        os.kill(os.getpid(), signal.SIGINT)  # arrives in the middle of a write
        write_atomic(tmp_path / "plan.json", "{}", force=False)
        reached_end = True
    assert reached_end  # the interrupt waited for the block to finish
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
