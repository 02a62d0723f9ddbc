"""The process and the terminal: signals, closed streams, colour, width and the pager.

Nothing here knows profiles, plans or files of needleplan's own; :mod:`needleplan.files`
and :mod:`needleplan.run` use it, the command line sets it up once (:func:`prepare`).

The pager is ``NEEDLEPLAN_PAGER``, else ``PAGER``, else ``less -FRX`` (quit if one
screen, keep colours, leave the text on the screen), as ``git`` does. An empty
variable means no pager. Never when stdout is not a terminal, never with
``--no-pager``. A pager that cannot be started, or that fails (exits with an
error status), is not an error: the text is printed as it is. Quitting the pager
early (a broken pipe) or Ctrl-C while it runs ends quietly.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from typing import Any, TextIO

from rich.console import Console
from rich.progress import Progress

from .errors import Terminated
from .textfit import cell_len

DEFAULT_PAGER = "less -FRX"
_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_HELD = (signal.SIGINT, signal.SIGTERM)


# -- the process ---------------------------------------------------------------------------


class _ClosedStream(io.TextIOBase):
    """Stands for a standard stream the caller closed (``>&-``, ``<&-``): Python leaves it
    None. Reading or writing it is an OS error, reported as any other (exit 2 for stdout,
    a profile's error for stdin), never an AttributeError."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self._name = name

    def _closed(self) -> OSError:
        return OSError(errno.EBADF, f"{self._name} is closed")

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise self._closed()


class _ClosedStdin(_ClosedStream):
    @property
    def buffer(self) -> Any:  # profiles are read from stdin's bytes
        raise self._closed()


def _terminated(signum: int, frame: object) -> None:
    raise Terminated


def prepare() -> None:
    """Set the process up for one command: stand-ins for closed standard streams (a closed
    stderr takes what is said nowhere), SIGTERM ending a run as Ctrl-C does (exit 143, no
    partial file), and stdout that writes any file name (bytes that are not UTF-8 escaped)."""
    if sys.stdin is None:
        sys.stdin = _ClosedStdin("stdin")
    if sys.stdout is None:
        sys.stdout = _ClosedStream("stdout")
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - until exit
    signal.signal(signal.SIGTERM, _terminated)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")


def quiet_stdout() -> None:
    """Point stdout at /dev/null, so that Python's last flush at exit cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    with contextlib.suppress(OSError, ValueError):  # a replaced stdout (tests)
        os.dup2(devnull, sys.stdout.fileno())


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) and SIGTERM until the block ends, then act on them.

    A file is then either written whole or not at all: an interrupt cannot
    land between creating the temporary file and removing or renaming it.
    The Python-level handlers are swapped rather than the signals masked.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {
        sig: signal.signal(sig, lambda signum, frame: caught.append(signum)) for sig in _HELD
    }
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for signum in dict.fromkeys(caught):
            handler = previous[signal.Signals(signum)]
            if callable(handler):
                handler(signum, None)  # Ctrl-C raises KeyboardInterrupt; SIGTERM, Terminated
            elif handler is signal.SIG_DFL:
                os.kill(os.getpid(), signum)  # the default action, now that the file is safe


# -- the terminal --------------------------------------------------------------------------


def is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def stdout_is_tty() -> bool:
    return is_tty(sys.stdout)


def colour_wanted(tty: bool, env: Mapping[str, str] | None = None) -> bool:
    """Colour on a terminal or with FORCE_COLOR; NO_COLOR (any non-empty value) always wins."""
    environ = os.environ if env is None else env
    if environ.get("NO_COLOR"):
        return False
    return tty or bool(environ.get("FORCE_COLOR"))


def width(tty: bool) -> int:
    """The width to lay a screen out in: the terminal's, or 100 columns when not a terminal."""
    return shutil.get_terminal_size((100, 24)).columns if tty else 100


def progress(total: int) -> Any:
    """A progress bar on a terminal's stderr (Rich), or None."""
    if not is_tty(sys.stderr):
        return None
    # redirect_stdout=False: Rich would otherwise route the plans into the bar's terminal
    bar = Progress(
        console=Console(stderr=True), transient=True, redirect_stdout=False, redirect_stderr=False
    )
    bar.start()
    bar.add_task("planning", total=total)
    return bar


# -- the pager -----------------------------------------------------------------------------


def pager_command(env: Mapping[str, str]) -> list[str] | None:
    """The pager to run, as an argument list, or None for no pager."""
    value = env.get("NEEDLEPLAN_PAGER", env.get("PAGER", DEFAULT_PAGER))  # set but empty: none
    try:
        argv = shlex.split(value)
    except ValueError:  # an unclosed quote: no pager rather than a failure
        return None
    return argv or None


def screen_rows(text: str, columns: int) -> int:
    """How many terminal rows ``text`` takes at ``columns`` (long lines wrap)."""
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
    """Write ``text`` to ``out`` (stdout), through a pager when it is longer than the screen.

    A pager that cannot start or that fails (``PAGER=false``) falls back to printing.
    """
    stream = sys.stdout if out is None else out
    environ = os.environ if env is None else env
    size = shutil.get_terminal_size()
    argv = pager_command(environ) if enabled and is_tty(stream) else None
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
            status = proc.wait()
            break
        except KeyboardInterrupt:
            continue  # Ctrl-C reaches the pager too; it decides, as with git
    if status > 0:  # the pager failed (not a reader who quit): the text is printed instead
        _write(stream, text)
