"""Output files: names unique by construction, checked before anything is written,
written atomically, never through a symlink, never over a file without ``--force``."""

from __future__ import annotations

import functools
import os
import re
import signal
import stat
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError, UsageError
from .inputs import Input

_HELD = (signal.SIGINT, signal.SIGTERM)
#: Longest output file name stem, in characters (file systems allow 255 bytes in all).
MAX_STEM_CHARS = 100
#: Characters of the file's name in its temporary file's name (at most 4 bytes each).
_TEMP_PREFIX_CHARS = 40


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
                handler(signum, None)  # Ctrl-C raises KeyboardInterrupt; SIGTERM, Terminated
            elif handler is signal.SIG_DFL:
                os.kill(os.getpid(), signum)  # the default action, now that the file is safe


def refusal(target: Path, force: bool) -> str | None:
    """Why ``target`` may not be written, or None.

    Symlinks (dangling or not), folders and special files are never replaced;
    a regular file only with ``force``.
    """
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot check '{target}': {exc.strerror or exc}"
    if stat.S_ISLNK(mode):
        return f"'{target}' is a symbolic link; needleplan never writes through one"
    if stat.S_ISDIR(mode):
        return f"'{target}' is a folder"
    if not stat.S_ISREG(mode):
        return f"'{target}' is not a regular file"
    if not force:
        return f"'{target}' exists; not overwriting it"
    return None


def write_atomic(target: Path, text: str, *, force: bool) -> None:
    """Write ``text`` to ``target`` via a temporary file in the same folder.

    Without ``force`` an existing file is never replaced (the final step is a
    hard link, which fails if the name exists). An interrupted or failed write
    (disk full...) leaves no partial file and no temporary file; a failure
    raises :class:`OutputError`.
    """
    why = refusal(target, force)
    if why is not None:
        hint = "pass --force to replace it" if why.endswith("not overwriting it") else None
        raise UsageError(why, hint=hint)
    parent = target.parent if str(target.parent) else Path()
    with _interrupts_deferred():
        try:
            parent.mkdir(parents=True, exist_ok=True)
            # a short prefix: a name near the file system's limit must still fit its temporary
            prefix = f".{target.name[:_TEMP_PREFIX_CHARS]}."
            fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=parent)
        except OSError as exc:
            raise OutputError(f"cannot write to '{parent}': {exc.strerror or exc}") from None
        try:
            os.fchmod(fd, _new_file_mode())  # as any new file gets, not mkstemp's 0600
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            _place(tmp, target, force)
        except OSError as exc:
            raise OutputError(
                f"cannot write '{target}': {exc.strerror or exc}; nothing was left half-written"
            ) from None
        finally:
            if os.path.lexists(tmp):
                os.unlink(tmp)


@functools.cache
def _new_file_mode() -> int:
    """The permissions a new file gets here: 0666 less the umask (read once)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _place(tmp: str, target: Path, force: bool) -> None:
    if force:
        os.replace(tmp, target)  # replaces a name, never writes through a link
        return
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise UsageError(
            f"'{target}' appeared while writing; not overwriting it",
            hint="pass --force to replace it",
        ) from None
    except OSError:  # file systems without hard links
        if os.path.lexists(target):
            raise UsageError(f"'{target}' exists; not overwriting it") from None
        os.replace(tmp, target)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _stem(inp: Input, qualify: bool) -> str:
    if inp.path is None:
        return "stdin"
    path = Path(inp.path)
    if not qualify:
        return path.stem
    if inp.root is not None:
        root = Path(inp.root)
        rel = path.relative_to(root)
        parts = [root.resolve().name, *rel.parent.parts, rel.stem]
    else:
        parts = [path.resolve().parent.name, path.stem]
    return "__".join(p for p in parts if p)


def output_names(inputs: Sequence[Input], extension: str) -> list[str]:
    """One file name per input, named after the profile, unique by construction.

    Profiles of the same name in different folders get their folder in the
    name. Names are made of ASCII letters, digits, '.', '_' and '-', and
    compared without case (as macOS and Windows file systems do). A profile
    whose name needs no change keeps it; the others take their cleaned name
    if it is free, else the first ``-2``, ``-3``... suffix that is neither
    taken nor the name of any other profile in the run. So no plan is ever
    written under another profile's name, and none is lost.
    """
    counts = Counter(
        (Path(i.path).stem if i.path is not None else "stdin").casefold() for i in inputs
    )
    wanted: list[tuple[str, bool]] = []  # (cleaned name, whether it is the name as given)
    for inp in inputs:
        own = Path(inp.path).stem if inp.path is not None else "stdin"
        raw = _stem(inp, counts[own.casefold()] > 1)
        base = (_UNSAFE.sub("_", raw).lstrip(".") or "profile")[:MAX_STEM_CHARS]
        wanted.append((base, base == raw == own))  # the profile's own name, unchanged
    reserved = {base.casefold() for base, _ in wanted}

    def anothers(name: str, inp: Input) -> bool:
        """Whether ``name`` is another profile's own name, as given (``counts``)."""
        own = (Path(inp.path).stem if inp.path is not None else "stdin").casefold()
        return counts[name.casefold()] - (own == name.casefold()) > 0

    taken: set[str] = set()
    names: list[str | None] = [None] * len(wanted)
    for i, (base, as_given) in enumerate(wanted):
        if as_given and base.casefold() not in taken:
            names[i] = base
            taken.add(base.casefold())
    for i, (base, _) in enumerate(wanted):
        if names[i] is not None:
            continue
        name, n = base, 1
        while (
            name.casefold() in taken
            or anothers(name, inputs[i])
            or (name != base and name.casefold() in reserved)
        ):
            n += 1
            name = f"{base}-{n}"
        names[i] = name
        taken.add(name.casefold())
    return [f"{name}{extension}" for name in names]


def _identity(path: str) -> tuple[int, int] | None:
    """The file a path names (device and inode), or None when there is none."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def output_paths(
    inputs: Sequence[Input], folder: Path, extension: str, *, force: bool
) -> list[Path]:
    """The file each input's plan goes to, every one checked before anything is written.

    Refuses (:class:`UsageError`) when ``folder`` is not a folder, or when any
    name is a symlink, a folder or a special file, or an existing file without
    ``force``. Creates ``folder`` when it is missing.
    """
    if os.path.lexists(folder) and not folder.is_dir():
        raise UsageError(f"'{folder}' is not a folder", hint="--output-dir names a folder")
    paths = [folder / name for name in output_names(inputs, extension)]
    profiles = {_identity(i.path) for i in inputs if i.path is not None} - {None}
    over_inputs = [
        f"'{p}' is one of the profiles being planned; needleplan never writes over one"
        for p in paths
        if _identity(str(p)) in profiles
    ]
    if over_inputs:  # even with --force: a plan never replaces a profile
        more = f" (and {len(over_inputs) - 1} more)" if len(over_inputs) > 1 else ""
        raise UsageError(
            f"{over_inputs[0]}{more}; nothing was written",
            hint="write the plans to another folder",
        )
    refused = [why for why in (refusal(p, force) for p in paths) if why is not None]
    if refused:
        more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
        existing = any(why.endswith("not overwriting it") for why in refused)
        hint = "pass --force to replace existing files" if existing else None
        raise UsageError(f"{refused[0]}{more}; nothing was written", hint=hint)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder '{folder}': {exc.strerror or exc}") from None
    return paths
