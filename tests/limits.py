"""Run a command under hard limits (address space, CPU seconds), as an attacker's input
would be run: a limit passed fails the command deterministically, whatever the machine's
load. Nothing here times or measures anything (that is ``benchmarks/``)."""

from __future__ import annotations

import resource
import subprocess
from pathlib import Path


def run_limited(
    command: list[str], cwd: Path, *, address_space: int = 0, cpu_seconds: int = 60
) -> tuple[int, bytes, bytes]:
    """Exit code, stdout and stderr of ``command``, under the given limits."""

    def limits() -> None:  # in the child, before exec
        if address_space:
            resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))

    proc = subprocess.run(command, cwd=cwd, capture_output=True, check=False, preexec_fn=limits)
    return proc.returncode, proc.stdout, proc.stderr
