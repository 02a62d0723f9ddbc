"""Output longer than the screen goes through a pager, as ``git`` does.

The pager is ``NEEDLEPLAN_PAGER``, else ``PAGER``, else ``less -FRX`` (quit if
one screen, keep colours, leave the text on the screen). An empty variable
means no pager. Never when stdout is not a terminal, never with
``--no-pager``. A pager that cannot be started is not an error: the text is
printed as it is. Quitting the pager early (a broken pipe) or Ctrl-C while it
runs ends quietly.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping
from typing import TextIO

DEFAULT_PAGER = "less -FRX"
_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def pager_command(env: Mapping[str, str]) -> list[str] | None:
    """The pager to run, as an argument list, or None for no pager."""
    for name in ("NEEDLEPLAN_PAGER", "PAGER"):
        if name in env:
            value = env[name]
            break
    else:
        value = DEFAULT_PAGER
    try:
        argv = shlex.split(value)
    except ValueError:  # an unclosed quote: no pager rather than a failure
        return None
    return argv or None


def _is_tty(out: TextIO) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False


def screen_rows(text: str, columns: int) -> int:
    """How many terminal rows ``text`` takes at ``columns`` (long lines wrap)."""
    from .textfit import cell_len

    columns = max(columns, 1)
    plain = _ESCAPE.sub("", text)  # colour codes take no room
    return sum(max(1, -(-cell_len(line) // columns)) for line in plain.splitlines())


def _write(out: TextIO, text: str) -> None:
    out.write(text)
    out.flush()


def page(
    text: str,
    *,
    enabled: bool,
    out: TextIO | None = None,
    env: Mapping[str, str] | None = None,
) -> None:
    """Write ``text`` to ``out`` (stdout), through a pager when it is longer than the screen."""
    stream = sys.stdout if out is None else out
    environ = os.environ if env is None else env
    if not enabled or not _is_tty(stream):
        _write(stream, text)
        return
    size = shutil.get_terminal_size()
    argv = pager_command(environ)
    if argv is None or screen_rows(text, size.columns) < size.lines:
        _write(stream, text)
        return
    child_env = dict(environ)
    child_env.setdefault("LESS", "FRX")  # as git: a bare `less` still keeps colours
    child_env.setdefault("LV", "-c")
    stream.flush()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=stream, env=child_env)
    except (OSError, ValueError):  # not installed, not executable, a replaced stdout
        _write(stream, text)
        return
    assert proc.stdin is not None
    encoding = getattr(stream, "encoding", None) or "utf-8"
    # the reader may quit early (a broken pipe), or Ctrl-C: the pager decides when to end
    with contextlib.suppress(OSError, KeyboardInterrupt):
        proc.stdin.write(text.encode(encoding, "backslashreplace"))
    with contextlib.suppress(OSError):
        proc.stdin.close()
    while True:
        try:
            proc.wait()
            break
        except KeyboardInterrupt:
            continue  # Ctrl-C reaches the pager too; it decides, as with git
