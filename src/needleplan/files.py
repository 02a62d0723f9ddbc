"""Paths in and files out.

In: the profiles named on the command line, as :class:`Input` values: files as
given, directories walked for ``*.yaml`` / ``*.yml`` (sorted), ``-`` for stdin.
Nothing is read here; missing and unreadable paths are usage errors (messages are
made inert where they are printed, so any file name is safe in them).

Out: where a run's text goes (:class:`Target`): stdout, one file (``-o FILE``) or
one file per input (``--output-dir DIR``). Names are unique by construction and
checked before anything is written; files are written atomically, never through a
symlink, never over a file without ``--force``, never over an input profile.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from .errors import OutputError, UsageError
from .shell import interrupts_deferred
from .yamlio import STDIN_NAME

# -- paths in ---------------------------------------------------------------------------

YAML_SUFFIXES = (".yaml", ".yml")


class Input(NamedTuple):
    """One profile to read: ``path`` is None for stdin; ``source`` is how it is named.

    ``path`` is kept as the system gave it, to open; ``source`` is always valid text
    (bytes of a file name that are not UTF-8 are written as ``\\xNN``), so any output
    that names the profile can be written.
    """

    source: str
    path: str | None
    root: str | None = None  # the directory it was found under, for output names


def shown(path: str) -> str:
    """A file name as valid text: bytes that are not UTF-8 written as ``\\xNN``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _walk(root: str) -> list[str]:
    """Every *.yaml / *.yml file under ``root``, sorted by their path parts (a linked
    folder is not walked into: it could loop)."""

    def unreadable(exc: OSError) -> None:
        raise UsageError(f"cannot read the folder '{exc.filename}': {exc.strerror or exc}")

    found = [
        (Path(os.path.relpath(path, root)).parts, path)
        for folder, _, names in os.walk(root, onerror=unreadable)
        for path in (os.path.join(folder, name) for name in names)
        if path.lower().endswith(YAML_SUFFIXES) and os.path.isfile(path)
    ]
    return [path for _, path in sorted(found)]


def expand(paths: Sequence[str]) -> list[Input]:
    """Files as given, directories walked for *.yaml/*.yml (sorted), '-' for stdin."""
    inputs: list[Input] = []
    stdin_seen = False
    for raw in paths:
        if raw == "-":
            if stdin_seen:
                raise UsageError("'-' (stdin) given more than once")
            stdin_seen = True
            inputs.append(Input(STDIN_NAME, None))
        elif os.path.isdir(raw):
            inputs += [Input(shown(p), p, raw) for p in _walk(raw)]
        elif os.path.exists(raw):  # a file, or a pipe such as <(...): read with the same bounds
            if not os.access(raw, os.R_OK):
                raise UsageError(f"cannot read '{raw}': permission denied")
            inputs.append(Input(shown(raw), raw))
        else:
            raise UsageError(
                f"no such file or directory: '{raw}'",
                hint="check the path; '-' reads a profile from stdin",
            )
    return inputs


def profiles(paths: Sequence[str]) -> tuple[list[Input], bool]:
    """The inputs named by ``paths`` and whether output is for several profiles.

    One file (or ``-``) gives one object; a folder or several paths give a list, even
    when they hold one profile. No profile at all is a usage error.
    """
    inputs = expand(paths)
    if not inputs:
        raise UsageError("no profiles found (*.yaml or *.yml)", hint="check the paths given")
    one_file = len(paths) == 1 and (paths[0] == "-" or not os.path.isdir(paths[0]))
    return inputs, not (one_file and len(inputs) == 1)


# -- files out --------------------------------------------------------------------------

#: Longest output file name stem, in characters (file systems allow 255 bytes in all).
MAX_STEM_CHARS = 100
#: Characters of the file's name in its temporary file's name (at most 4 bytes each).
_TEMP_PREFIX_CHARS = 40


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


def write_atomic(target: Path, text: str | bytes | Iterable[str | bytes], *, force: bool) -> None:
    """Write ``text`` (UTF-8) or bytes, or those in pieces, to ``target`` via a temporary
    file in the same folder.

    Without ``force`` an existing file is never replaced (the final step is a
    hard link, which fails if the name exists). An interrupted or failed write
    (disk full...) leaves no partial file and no temporary file; a failure
    raises :class:`OutputError`.
    """
    why = refusal(target, force)
    if why is not None:
        hint = "pass --force to replace it" if why.endswith("not overwriting it") else None
        raise UsageError(why, hint=hint)
    parent = target.parent
    with interrupts_deferred():
        try:
            parent.mkdir(parents=True, exist_ok=True)
            # a short prefix: a name near the file system's limit must still fit its temporary
            prefix = f".{target.name[:_TEMP_PREFIX_CHARS]}."
            fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=parent)
        except OSError as exc:
            raise OutputError(f"cannot write to '{parent}': {exc.strerror or exc}") from None
        try:
            os.fchmod(fd, _new_file_mode())  # as any new file gets, not mkstemp's 0600
            with os.fdopen(fd, "wb") as fh:
                for piece in [text] if isinstance(text, (str, bytes)) else text:
                    fh.write(piece.encode("utf-8") if isinstance(piece, str) else piece)
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


def _new_file_mode() -> int:
    """The permissions a new file gets here: 0666 less the umask."""
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


def _own_name(inp: Input) -> str:
    """The profile's own name: its file's name without the extension ('stdin' for stdin)."""
    return Path(inp.path).stem if inp.path is not None else "stdin"


def _stem(inp: Input, qualify: bool) -> str:
    if inp.path is None or not qualify:
        return _own_name(inp)
    path = Path(inp.path)
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
    counts = Counter(_own_name(i).casefold() for i in inputs)
    wanted: list[tuple[str, bool]] = []  # (cleaned name, whether it is the name as given)
    for inp in inputs:
        own = _own_name(inp)
        raw = _stem(inp, counts[own.casefold()] > 1)
        base = (_UNSAFE.sub("_", raw).lstrip(".") or "profile")[:MAX_STEM_CHARS]
        wanted.append((base, base == raw == own))  # the profile's own name, unchanged
    reserved = {base.casefold() for base, _ in wanted}
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
        own = _own_name(inputs[i]).casefold()
        while (
            name.casefold() in taken
            or counts[name.casefold()] - (own == name.casefold()) > 0  # another's own name
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
    read = {_identity(i.path) for i in inputs if i.path is not None} - {None}
    over_inputs = [
        f"'{p}' is one of the profiles being planned; needleplan never writes over one"
        for p in paths
        if _identity(str(p)) in read
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


#: Formats whose output for several profiles is one file by design (a line or a row per
#: profile, or one calendar): the only ones ``-o FILE`` takes for several profiles.
ONE_FILE_FORMATS = ("jsonl", "csv", "ics")


@dataclass(frozen=True)
class Target:
    """Where a run's text goes: stdout (neither set), one ``file``, or one file per input
    into ``folder`` (``paths``, in input order, each checked before anything is written)."""

    file: Path | None = None
    folder: Path | None = None
    paths: tuple[Path, ...] = ()
    force: bool = False

    @property
    def stdout(self) -> bool:
        return self.file is None and self.folder is None

    @property
    def where(self) -> str:
        return str(self.folder if self.folder is not None else self.file or "stdout")


def target_for(
    inputs: Sequence[Input],
    *,
    file: str | None,
    folder: Path | None,
    fmt: str,
    extension: str,
    force: bool,
) -> Target:
    """Where the run writes: checked now, before anything is planned or written.

    ``-o FILE`` is one file: for several profiles only in a format that holds them in
    one file (:data:`ONE_FILE_FORMATS`); a folder is never taken for a file, nor a file
    for a folder. ``-o -`` is stdout. ``--output-dir DIR`` is one file per profile.
    """
    if file is not None and folder is not None:
        raise UsageError(
            "-o and --output-dir cannot be used together",
            hint="-o FILE writes one file; --output-dir DIR writes one file per profile",
        )
    if folder is not None:
        paths = output_paths(inputs, folder, extension, force=force)
        return Target(folder=folder, paths=tuple(paths), force=force)
    if file is None or file == "-":
        return Target()
    return Target(file=_one_file(inputs, file, fmt, force), force=force)


def file_named(name: str) -> Path:
    """The file ``-o`` names; a folder (or a name ending in '/') is refused, never written
    into or made."""
    if name.endswith(("/", os.sep)) or (os.path.isdir(name) and not os.path.islink(name)):
        raise UsageError(
            f"'{name}' is a folder; -o names a file",
            hint=f"use --output-dir {name.rstrip('/' + os.sep) or name} to write into a folder",
        )
    return Path(name)


def _one_file(inputs: Sequence[Input], name: str, fmt: str, force: bool) -> Path:
    if len(inputs) > 1 and fmt not in ONE_FILE_FORMATS:
        raise UsageError(
            f"-o writes one file, and {len(inputs)} profiles were given in the {fmt} format",
            hint=f"use --output-dir DIR for one file per profile, or -f {ONE_FILE_FORMATS[0]}, "
            f"{ONE_FILE_FORMATS[1]} or {ONE_FILE_FORMATS[2]} for one file of them all",
        )
    file = file_named(name)
    if _identity(name) in {_identity(i.path) for i in inputs if i.path is not None} - {None}:
        raise UsageError(
            f"'{name}' is one of the profiles being read; needleplan never writes over one",
            hint="name another file",
        )
    why = refusal(file, force)
    if why is not None:
        hint = "pass --force to replace it" if why.endswith("not overwriting it") else None
        raise UsageError(f"{why}; nothing was written", hint=hint)
    return file
