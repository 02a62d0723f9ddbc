"""Output files: atomic writes, no overwrite without ``--force``, stable names."""

from __future__ import annotations

import os
import re
import signal
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from .batch import Input
from .errors import UsageError

_HELD = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) and SIGTERM until the block ends, then act on them.

    A file is then either written whole or not at all: an interrupt cannot
    land between creating the temporary file and removing or renaming it.
    The Python-level handlers are swapped rather than the signals masked, so
    they hold whichever thread a signal is delivered to.
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
                handler(signum, None)  # e.g. Python's SIGINT handler raises KeyboardInterrupt
            elif handler is signal.SIG_DFL:
                os.kill(os.getpid(), signum)  # the default action, now that the file is safe


def write_atomic(target: Path, text: str, *, force: bool) -> None:
    """Write ``text`` to ``target`` via a temporary file in the same folder.

    Without ``force`` an existing file is never replaced (the final step is a
    hard link, which fails if the name exists); an interrupted write leaves no
    partial file and no temporary file.
    """
    if target.exists() and not force:
        raise UsageError(
            f"'{target}' exists; not overwriting it", hint="pass --force to replace it"
        )
    parent = target.parent if str(target.parent) else Path()
    with _interrupts_deferred():
        try:
            parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
        except OSError as exc:
            raise UsageError(f"cannot write to '{parent}': {exc.strerror or exc}") from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            _place(tmp, target, force)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def _place(tmp: str, target: Path, force: bool) -> None:
    if force:
        os.replace(tmp, target)
        return
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise UsageError(
            f"'{target}' appeared while writing; not overwriting it",
            hint="pass --force to replace it",
        ) from None
    except OSError:  # file systems without hard links
        if target.exists():
            raise UsageError(f"'{target}' exists; not overwriting it") from None
        os.replace(tmp, target)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def output_names(inputs: Sequence[Input], extension: str) -> list[str]:
    """One file name per input, named after the profile; collisions get their folder."""
    stems = [Path(i.path).stem if i.path is not None else "stdin" for i in inputs]
    counts = Counter(stems)
    names: list[str] = []
    for inp, stem in zip(inputs, stems, strict=True):
        if counts[stem] > 1 and inp.path is not None:
            path = Path(inp.path)
            if inp.root is not None:
                root = Path(inp.root)
                rel = path.relative_to(root)
                parts = [root.resolve().name, *rel.parent.parts, rel.stem]
            else:
                parts = [path.resolve().parent.name, stem]
            stem = "__".join(p for p in parts if p)
        names.append(_UNSAFE.sub("_", stem).lstrip(".") or "profile")
    seen: Counter[str] = Counter()
    unique: list[str] = []
    for name in names:
        seen[name] += 1
        unique.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return [n + extension for n in unique]
