"""Run a command and measure its own peak memory, as /usr/bin/time does.

Linux carries a process's memory high-water mark across exec, so a child
forked straight from pytest (hundreds of MiB) would report pytest's size. A
small launcher forks the command from itself instead and reports what wait4
says of it.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

LAUNCHER = r"""
import os, resource, sys
report, address_space, cpu = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
command = sys.argv[4:]
pid = os.fork()
if pid == 0:
    if address_space:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    os.execv(command[0], command)
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as fh:
    fh.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


def run_measured(
    command: list[str], cwd: Path, *, address_space: int = 0, cpu_seconds: int = 60
) -> tuple[int, bytes, bytes, int]:
    """Exit code, stdout, stderr and peak RSS (KiB) of ``command``, under the given limits."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "peak"
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                LAUNCHER,
                str(report),
                str(address_space),
                str(cpu_seconds),
                *command,
            ],
            cwd=cwd,
            capture_output=True,
            check=False,
        )
        return proc.returncode, proc.stdout, proc.stderr, int(report.read_text())
