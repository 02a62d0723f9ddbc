"""Safe, bounded YAML loading with source positions.

* Only plain data: strings, whole numbers, decimals, true/false, null,
  lists and mappings. Every explicit tag other than those (``!!python/...``,
  ``!!binary``, ``!custom``) is refused; nothing is ever constructed from a tag.
* YAML 1.1 traps are closed on purpose: ``no``/``yes``/``on``/``off`` stay
  text, ``1:30`` stays text (not 90), ``0123`` stays text (not octal 83),
  ``.nan``/``.inf`` stay text, and a date stays text for the models to parse.
* Bounded: file size, nesting depth, alias uses and the size of the document
  once aliases are expanded are named limits, each with its own message.
* Duplicate keys are errors, not "last one wins".

Two readers give the same data. Most profiles are flat ``key: value`` lines,
which :mod:`needleplan._flat` reads directly; anything else (and every file
whose errors must be located) goes through PyYAML in
:mod:`needleplan._pyyaml`, which is imported only then.
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from .errors import Problem

#: Largest profile file read, in bytes (a real profile is well under 4 KiB).
MAX_PROFILE_BYTES = 256 * 1024
#: Largest rule set file read, in bytes.
MAX_RULES_BYTES = 4 * 1024 * 1024
#: Deepest nesting of lists and mappings accepted in a profile.
MAX_DEPTH = 32
#: Most alias uses (``*name``) accepted in one document.
MAX_ALIASES = 64
#: Most nodes in a document once every alias is expanded.
MAX_NODES = 20_000
#: Deeper nesting than this is refused by the parser itself (libyaml's own limit).
PARSER_DEPTH_LIMIT = 1000

STDIN_NAME = "<stdin>"

Loc = tuple[str | int, ...]


@dataclass
class Positions:
    """Where each value (and each mapping key) starts in the source, 1-based."""

    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def value(self, loc: Loc) -> tuple[int, int]:
        """The position of ``loc``'s value, or of its nearest existing ancestor."""
        for n in range(len(loc), -1, -1):
            if loc[:n] in self.values:
                return self.values[loc[:n]]
        return (1, 1)

    def key(self, loc: Loc) -> tuple[int, int]:
        """The position of the key naming ``loc``, falling back to its value."""
        return self.keys.get(loc) or self.value(loc)


@dataclass
class Document:
    """A loaded YAML document: plain data, and where each value came from.

    Positions are built on first use only (by PyYAML, from ``node`` or by
    parsing ``text`` again): a valid profile never needs them.
    """

    source: str
    data: Any
    node: Any = None
    text: str | None = None
    _positions: Positions | None = None

    @property
    def positions(self) -> Positions:
        if self._positions is None:
            from . import _pyyaml

            node = self.node
            if node is None and self.text is not None:
                node = _pyyaml.parse(self.text, self.source).node
            self._positions = _pyyaml.positions_of(node)
        return self._positions


def parse(text: str, source: str, *, pure_python: bool = False) -> Document:
    """Parse YAML text into plain data, or raise :class:`InputError` with located problems."""
    if not pure_python:
        from ._flat import parse_flat

        data = parse_flat(text)
        if data is not None:
            return Document(source, data, text=text)
    from . import _pyyaml

    return _pyyaml.parse(text, source, pure_python=pure_python)


def read_text(
    path: str | Path | None, source: str, limit: int, stdin: BinaryIO | None = None
) -> str:
    """Read a UTF-8 text file of at most ``limit`` bytes; ``path=None`` reads stdin."""
    from .errors import InputError

    if path is None:
        stream = stdin if stdin is not None else sys.stdin.buffer
        raw = stream.read(limit + 1)
    else:
        raw = _read_bounded(path, limit)
    if len(raw) > limit:
        raise InputError(
            [
                Problem(
                    source,
                    f"the file is larger than {limit // 1024} KiB "
                    "(limit MAX_PROFILE_BYTES): is it really a profile?",
                )
            ]
        )
    return decode(raw, source)


def _read_bounded(path: str | Path, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of a file (one more than allowed shows it is too big).

    A regular file is read at its size in one call; pipes and special files,
    whose size says nothing, in chunks. Plain ``os`` calls: this runs once per
    profile in a batch.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        regular = stat.S_ISREG(info.st_mode) and 0 < info.st_size <= limit
        step = info.st_size + 1 if regular else 65536
        parts: list[bytes] = []
        total = 0
        while total <= limit:
            asked = min(step, limit + 1 - total)
            chunk = os.read(fd, asked)
            if not chunk:
                break
            parts.append(chunk)
            total += len(chunk)
            if regular and len(chunk) < asked:
                break  # a short read of a regular file is its end
    finally:
        os.close(fd)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def decode(raw: bytes, source: str) -> str:
    from .errors import InputError

    if b"\x00" in raw:
        line, col = _line_col(raw, raw.index(b"\x00"))
        raise InputError(
            [
                Problem(
                    source,
                    "the file holds NUL bytes: it looks like a binary file, not a YAML profile",
                    line,
                    col,
                )
            ]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col(raw, exc.start)
        raise InputError(
            [
                Problem(
                    source,
                    f"not UTF-8 text (byte 0x{raw[exc.start]:02x}): save the file as UTF-8",
                    line,
                    col,
                )
            ]
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def _line_col(raw: bytes, offset: int) -> tuple[int, int]:
    before = raw[:offset]
    line = before.count(b"\n") + 1
    col = offset - (before.rfind(b"\n") + 1) + 1
    return line, col
