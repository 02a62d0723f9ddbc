"""What to read: the profiles named on the command line, as :class:`Input` values.

Files as given, directories walked for ``*.yaml`` / ``*.yml`` (sorted), ``-``
for stdin. Nothing is read here; missing and unreadable paths are usage errors (messages
are made inert where they are printed, so any file name is safe in them).
"""

import os
from collections.abc import Sequence
from typing import NamedTuple

from .errors import UsageError

YAML_SUFFIXES = (".yaml", ".yml")
STDIN_SOURCE = "<stdin>"


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
    """Every *.yaml / *.yml file under ``root``, sorted by their path parts."""
    found: list[tuple[tuple[str, ...], str]] = []
    pending: list[tuple[str, tuple[str, ...]]] = [(root, ())]
    while pending:
        folder, parts = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            raise UsageError(f"cannot read the folder '{folder}': {exc.strerror or exc}") from None
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):  # a linked folder could loop
                    pending.append((entry.path, (*parts, entry.name)))
                elif entry.name.lower().endswith(YAML_SUFFIXES) and entry.is_file():
                    found.append(((*parts, entry.name), entry.path))
            except OSError:
                continue  # gone, or unreadable: not a profile to plan
    found.sort()
    return [path for _, path in found]


def expand(paths: Sequence[str]) -> list[Input]:
    """Files as given, directories walked for *.yaml/*.yml (sorted), '-' for stdin."""
    inputs: list[Input] = []
    stdin_seen = False
    for raw in paths:
        if raw == "-":
            if stdin_seen:
                raise UsageError("'-' (stdin) given more than once")
            stdin_seen = True
            inputs.append(Input(STDIN_SOURCE, None))
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
