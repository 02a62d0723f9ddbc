"""Run needleplan as an attacker's victim would: a fresh process under hard limits."""

from __future__ import annotations

import re
import resource
import subprocess
import sys
from pathlib import Path

#: Address space and CPU time a hostile input may cost (deterministic hard bounds).
ADDRESS_SPACE = 1 << 30
CPU_SECONDS = 20


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def run_limited(
    *args: str, cwd: Path | None = None, **kwargs: object
) -> subprocess.CompletedProcess[bytes]:
    """``needleplan ARGS`` in a new process under ADDRESS_SPACE and CPU_SECONDS."""
    return subprocess.run(
        [sys.executable, "-m", "needleplan", *args],
        capture_output=True,
        check=False,
        cwd=cwd,
        preexec_fn=_limits,
        timeout=120,
        **kwargs,  # type: ignore[arg-type]
    )


_LOCATED = re.compile(r".+:\d+:\d+: error: .+")


def assert_clean_refusal(stderr: bytes, source: str, *, located: bool = True) -> list[str]:
    """stderr is short, inert, traceback-free, and its errors name ``source`` (with a place)."""
    assert b"Traceback" not in stderr
    assert len(stderr) < 4096, len(stderr)
    text = stderr.decode("utf-8")
    assert all(c == "\n" or c.isprintable() for c in text), repr(text)
    lines = text.splitlines()
    errors = [line for line in lines if " error: " in line and not line.startswith("needleplan:")]
    assert errors, text
    for line in errors:
        assert line.startswith(f"{source}:"), line
        if located:
            assert _LOCATED.fullmatch(line), line
    for line in lines:
        assert line.startswith((source, "  hint: ", "needleplan: ")), line
    return lines
