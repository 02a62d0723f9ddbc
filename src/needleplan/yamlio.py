"""Reading YAML: safe, bounded, plain data only, with source positions.

This is the one module that reads YAML (profiles and rule sets alike).

* Only plain data: strings, whole numbers, decimals, true/false, null,
  lists and mappings. The accepted tags are exactly the core ones that
  name those types (``!!str``, ``!!int``, ``!!float``, ``!!bool``,
  ``!!null``, ``!!seq``, ``!!map``, also written ``!<tag:yaml.org,2002:...>``)
  and the non-specific ``!``, which makes a scalar text. Every other tag
  (``!!python/...``, ``!!binary``, ``!!timestamp``, ``!!set``, ``!custom``)
  is refused; nothing is ever constructed from a tag.
* Plain scalars are read as YAML 1.2's core schema reads them (as
  check-jsonschema and other YAML 1.2 readers do), and the YAML 1.1 traps
  are closed on purpose: ``no``/``yes``/``on``/``off`` stay text, ``9:30``
  stays text (not 570), a date stays text for the models to parse, and
  ``<<`` is a plain key (no merges). Numbers are ASCII decimal digits:
  ``[-+]?[0-9]+`` for whole numbers (``0123`` is 123, never octal 83), with
  a ``.`` or an exponent for decimals. A number that readers write
  differently (``0x1F``, ``0o17``, ``1_000``, ``.inf``, ``.nan``) is refused
  with a hint to quote it. An explicitly tagged scalar must be written the
  same way (``!!int 0x1F`` and ``!!int ٣`` are refused).
* Bounded before anything is built: file size, read time for pipes, nesting
  depth, alias uses, and the number of values (counted while the document is
  composed, and again with every alias expanded). A whole number of more than
  :data:`MAX_INT_DIGITS` digits, or a decimal that overflows, is an error.
* Duplicate keys are errors, not "last one wins". Keys are text: ``1: x``
  has the key ``"1"``.

One parser: PyYAML, with libyaml's parser and composer (C) when PyYAML has
them, and PyYAML's own pure-Python ones otherwise.
"""

from __future__ import annotations

import os
import re
import select
import stat
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import InputError, Problem, quote

#: Largest profile file read, in bytes (a real profile is well under 4 KiB).
MAX_PROFILE_BYTES = 256 * 1024
#: Largest rule set file read, in bytes.
MAX_RULES_BYTES = 4 * 1024 * 1024
#: Deepest nesting of lists and mappings accepted in a document.
MAX_DEPTH = 32
#: Most alias uses (``*name``) accepted in one document.
MAX_ALIASES = 64
#: Most values (scalars, lists, mappings) in a profile, once every alias is expanded.
MAX_NODES = 20_000
#: Most values in a rule set, once every alias is expanded.
MAX_RULES_NODES = 50_000
#: Most digits in a whole number (``int()`` of longer text is slow, or refused by Python).
MAX_INT_DIGITS = 18
#: Longest decimal, in characters.
MAX_FLOAT_CHARS = 40
#: Longest wait, in seconds, for a pipe, FIFO or device to deliver a whole file.
READ_TIMEOUT_SECONDS = 10.0

STDIN_NAME = "<stdin>"

Loc = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
_STR, _SEQ, _MAP = _TAG + "str", _TAG + "seq", _TAG + "map"
_INT, _FLOAT, _BOOL, _NULL = _TAG + "int", _TAG + "float", _TAG + "bool", _TAG + "null"

#: The implicit (untagged, unquoted) scalar types of YAML 1.2's core schema, in decimal
#: digits; everything else is text, but for the numbers other readers write otherwise
#: (``ambiguous``: refused, with a hint to quote them).
_IMPLICIT = re.compile(
    r"(?P<null>~|null|Null|NULL|)"
    r"|(?P<bool>true|True|TRUE|false|False|FALSE)"
    r"|(?P<int>[-+]?[0-9]+)"
    r"|(?P<float>[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)"
    r"|(?P<ambiguous>[-+]?0[xob][0-9a-fA-F_]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
    r"|[-+]?[0-9][0-9_]*_[0-9_]*(?:\.[0-9_]*)?)"
)
_AMBIGUOUS = _TAG + "ambiguous"
_IMPLICIT_FIRST = frozenset("~nNtTfF-+0123456789.")
_TRUE = frozenset(("true", "True", "TRUE"))
#: A key is its text, whichever of these types its text would otherwise be.
_KEY_TAGS = frozenset((_STR, _INT, _FLOAT, _BOOL, _NULL, _AMBIGUOUS))


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

    Positions are built from the composed nodes only when a problem is placed
    (:meth:`positions`): a valid profile never needs them.
    """

    source: str
    data: Any
    node: Node

    def positions(self) -> Positions:
        """The position tree of the composed document (iteratively; no recursion)."""
        pos = Positions()
        stack: list[tuple[Node, Loc]] = [(self.node, ())]
        seen: set[int] = set()
        while stack:
            current, loc = stack.pop()
            mark = current.start_mark
            pos.values.setdefault(loc, (mark.line + 1, mark.column + 1))
            if id(current) in seen:  # an alias: its contents were placed where it is anchored
                continue
            seen.add(id(current))
            if isinstance(current, MappingNode):
                for key_node, value_node in current.value:
                    if isinstance(key_node, ScalarNode):
                        child = (*loc, str(key_node.value))
                        km = key_node.start_mark
                        pos.keys.setdefault(child, (km.line + 1, km.column + 1))
                        stack.append((value_node, child))
            elif isinstance(current, SequenceNode):
                stack += [(item, (*loc, i)) for i, item in enumerate(current.value)]
        return pos


# -- reading bytes -----------------------------------------------------------


def read_text(
    path: str | os.PathLike[str] | None, source: str, stdin: BinaryIO | None = None
) -> str:
    """A profile's UTF-8 text, of at most MAX_PROFILE_BYTES; ``path=None`` reads stdin.

    A terminal is read until end of input, as a person types; anything else as
    :func:`read_bounded` reads it.
    """
    limit = MAX_PROFILE_BYTES
    if path is not None:
        raw = read_bounded(path, source, limit)
    elif stdin is not None:
        raw = stdin.read(limit + 1)
    else:
        try:
            fd = sys.stdin.buffer.fileno()
        except (AttributeError, OSError, ValueError):  # a replaced stdin (tests, embedding)
            raw = sys.stdin.buffer.read(limit + 1)
        else:
            raw = _read_fd(fd, source, limit, timed=not os.isatty(fd))
    if len(raw) > limit:
        message = f"the file is larger than {limit // 1024} KiB (limit MAX_PROFILE_BYTES)"
        raise InputError.one(source, message + ": is it really a profile?")
    return decode(raw, source)


def read_bounded(path: str | os.PathLike[str], source: str, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of any file (settings, rules, profiles), in bounded time.

    A pipe, FIFO or device is read as data comes, for at most :data:`READ_TIMEOUT_SECONDS`
    (a FIFO whose writer never writes is an :class:`InputError`, not a hang). ``OSError``
    is raised as is.
    """
    # O_NONBLOCK: opening a FIFO does not wait for a writer (the read below does, timed)
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(os.fspath(path), flags)
    try:
        return _read_fd(fd, source, limit, timed=True)
    finally:
        os.close(fd)


def _read_fd(fd: int, source: str, limit: int, *, timed: bool) -> bytes:
    """At most ``limit + 1`` bytes (one more than allowed shows the file is too big).

    A regular file is never waited for; anything else is when ``timed``.
    """
    timed = timed and not stat.S_ISREG(os.fstat(fd).st_mode)
    deadline = time.monotonic() + READ_TIMEOUT_SECONDS
    parts: list[bytes] = []
    total = 0
    while total <= limit:
        if timed:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise InputError.one(
                    source,
                    f"no complete file after {READ_TIMEOUT_SECONDS:g} s "
                    "(limit READ_TIMEOUT_SECONDS): a pipe or device must deliver "
                    "the whole file and close",
                )
        try:
            chunk = os.read(fd, min(65536, limit + 1 - total))
        except BlockingIOError:
            continue
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    return b"".join(parts)


def decode(raw: bytes, source: str) -> str:
    """UTF-8 text without a leading byte-order mark; NUL bytes and bad bytes are located errors."""
    if b"\x00" in raw:
        raise InputError.one(
            source,
            "the file holds NUL bytes: it looks like a binary file, not a YAML profile",
            *line_col(raw, raw.index(b"\x00")),
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError.one(
            source,
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}): save the file as UTF-8",
            *line_col(raw, exc.start),
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def line_col(raw: bytes, offset: int) -> tuple[int, int]:
    """The 1-based line and column of the byte at ``offset``."""
    before = raw[:offset]
    return before.count(b"\n") + 1, offset - before.rfind(b"\n")


# -- composing ---------------------------------------------------------------


class _NodeError(Exception):
    """A problem at a node (or event) of the document: becomes a located Problem."""

    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


class _Resolver(yaml.resolver.BaseResolver):
    """Implicit types: only null, true/false, decimal whole numbers and decimals.

    The parser calls these three methods for every node, so they are kept
    small: there are no path resolvers to descend into.
    """

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if implicit[0] and (not value or value[0] in _IMPLICIT_FIRST):
                match = _IMPLICIT.fullmatch(value)
                if match is not None:
                    return _TAG + str(match.lastgroup)
            return _STR
        return _SEQ if kind is SequenceNode else _MAP


_TOO_DEEP = f"nesting deeper than {MAX_DEPTH} levels (limit MAX_DEPTH)"


class _PyLoader(_Resolver, yaml.BaseLoader):
    """PyYAML's pure-Python parser and composer, with needleplan's resolver: the loader
    where PyYAML is built without libyaml, and the parser that finds a value nested too
    deep (it is lazy: its events stop at the first such value)."""

    def raw_parse(self) -> int:
        count = 0
        while self.check_event():
            self.get_event()  # type: ignore[no-untyped-call]
            count += 1
        return count


if yaml.__with_libyaml__:

    class _Loader(_Resolver, yaml.CBaseLoader):
        """libyaml's parser and composer (C), with needleplan's resolver."""

else:  # pragma: no cover - PyYAML built without libyaml
    _Loader = _PyLoader  # type: ignore[misc, assignment]


def _too_many(max_nodes: int) -> str:
    name = "MAX_RULES_NODES" if max_nodes == MAX_RULES_NODES else "MAX_NODES"
    return f"the document holds more than {max_nodes:,} values (limit {name})"


def _most_values(text: str) -> int:
    """The most values a text of n characters can hold: 2n + 1 (a lone '?' is three: a
    mapping, its empty key and its empty value; a hardening test checks it)."""
    return 2 * len(text) + 1


def _compose(text: str, max_nodes: int) -> Node | None:
    """Compose the one document, never more than ``max_nodes`` values or MAX_DEPTH levels.

    A text too short to hold ``max_nodes`` values (every profile of a few kilobytes) is
    composed at once: its depth is checked as its data is built. A longer one has its
    parse events counted first (in C with libyaml, without building anything); only one
    with more events than ``max_nodes`` values could give, or one nested deeper than the
    parser goes, has its events walked one by one to find where a limit is passed.
    """
    try:
        if _most_values(text) > max_nodes:
            events = _Loader(text).raw_parse()
            if events > max_nodes + 4:  # stream and document start and end, then the values
                _scan_events(text, max_nodes)
        loader = _Loader(text)
        try:
            node: Node | None = loader.get_single_node()
        finally:
            loader.dispose()
    except (yaml.MarkedYAMLError, RecursionError) as exc:
        if isinstance(exc, yaml.MarkedYAMLError) and "nesting depth" not in str(exc.problem):
            raise
        # deeper than the parser goes, which libyaml may see before any event: PyYAML's
        # pure-Python parser is lazy, and its events stop at the first value too deep
        _scan_events(text, max_nodes, _PyLoader)
        raise
    # At most max_nodes values now; without an alias ('*') none is met twice, and depth is
    # checked as the data is built. Aliases can multiply both: walk the tree for them first.
    if node is not None and _may_alias(text):
        problem = _check_shape(node, max_nodes)
        if problem is not None:
            raise problem
    return node


def _may_alias(text: str) -> bool:
    """Whether ``text`` may hold an alias: a '*' at its start, or after a space, a line
    break, a byte-order mark, '[', '{', ',', ':' or '?'. A '*' right after any other
    character (inside a word, as in the notes phrase "incontinen*") never starts a value.
    """
    at = text.find("*")
    while at != -1:
        before = text[at - 1 : at]
        if not before or before.isspace() or before in "[{,:?\ufeff":
            return True
        at = text.find("*", at + 1)
    return False


def _scan_events(text: str, max_nodes: int, parser: Any = None) -> None:
    """Raise at the first value past ``max_nodes`` or MAX_DEPTH (in document order)."""
    loader = (parser or _Loader)(text)
    nodes, open_collections = 0, 0
    node_events = (yaml.ScalarEvent, yaml.AliasEvent, yaml.CollectionStartEvent)
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, node_events):
                nodes += 1
                if nodes > max_nodes:
                    raise _NodeError(_too_many(max_nodes), event.start_mark)
                if open_collections + 1 > MAX_DEPTH:
                    raise _NodeError(_TOO_DEEP, event.start_mark)
                if isinstance(event, yaml.CollectionStartEvent):
                    open_collections += 1
            elif isinstance(event, yaml.CollectionEndEvent):
                open_collections -= 1
    finally:
        loader.dispose()


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _check_shape(node: Node, max_nodes: int) -> _NodeError | None:
    """Depth from the top, alias uses and size with aliases expanded (each node walked once).

    Runs, before any data is built, on every document that uses an alias: only
    aliases can make a value count twice or nest deeper than it is written.
    """
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    on_path: set[int] = set()
    aliases = 0
    stack: list[tuple[Node, int, bool]] = [(node, 1, False)]
    while stack:
        current, depth, done = stack.pop()
        key = id(current)
        if done:
            on_path.discard(key)
            kids = _children(current)
            size[key] = 1 + sum(size[id(c)] for c in kids)
            height[key] = 1 + max((height[id(c)] for c in kids), default=0)
            if size[key] > max_nodes:
                return _NodeError(
                    _too_many(max_nodes) + " once aliases are expanded", current.start_mark
                )
            continue
        if key in size:  # met again: an alias of an anchored value
            aliases += 1
            if aliases > MAX_ALIASES:
                message = f"more than {MAX_ALIASES} alias uses (limit MAX_ALIASES)"
                return _NodeError(message, current.start_mark)
            if depth + height[key] - 1 > MAX_DEPTH:
                return _NodeError(_TOO_DEEP, current.start_mark)
            continue
        if key in on_path:
            return _NodeError("an alias refers to a value that contains it", current.start_mark)
        if depth > MAX_DEPTH:
            return _NodeError(_TOO_DEEP, current.start_mark)
        on_path.add(key)
        stack.append((current, depth, True))
        stack += [(child, depth + 1, False) for child in reversed(_children(current))]
    return None


# -- building plain data -------------------------------------------------------


def _refused(node: Node) -> _NodeError:
    message = f"the tag {quote(node.tag)} is not allowed: only plain data (text, numbers, "
    return _NodeError(message + "true/false, null, lists and mappings)", node.start_mark)


def _scalar(node: ScalarNode) -> Any:
    """The value of a scalar node: text, or a number/bool/null written as YAML's core schema."""
    tag, value = node.tag, node.value
    if tag == _STR:
        return value
    if tag == _AMBIGUOUS:
        raise _NodeError(
            f"{quote(value)} is a number to some YAML readers and text to others: put it in "
            "quotes if it is text, or write the number in plain decimal digits",
            node.start_mark,
        )
    kind = tag[len(_TAG) :] if tag.startswith(_TAG) else None
    match = _IMPLICIT.fullmatch(value) if kind in ("int", "float", "bool", "null") else None
    if match is None or (match.lastgroup != kind and (kind, match.lastgroup) != ("float", "int")):
        if kind in ("int", "float", "bool", "null"):
            raise _NodeError(f"{quote(value)} is not a valid {kind}", node.start_mark)
        raise _refused(node)
    if kind == "int":
        if len(value.lstrip("+-")) > MAX_INT_DIGITS:
            raise _NodeError(
                f"a whole number of more than {MAX_INT_DIGITS} digits (limit MAX_INT_DIGITS)",
                node.start_mark,
            )
        return int(value)
    if kind == "float":
        number = float(value) if len(value) <= MAX_FLOAT_CHARS else float("inf")
        if number in (float("inf"), float("-inf")):
            raise _NodeError(
                f"the number {quote(value)} is too large or too long "
                f"(at most {MAX_FLOAT_CHARS} characters, and finite)",
                node.start_mark,
            )
        return number
    if kind == "bool":
        return value in _TRUE
    return None


def _build(node: Node, shared: dict[int, Any], depth: int = 1) -> Any:
    """Plain data from a composed node tree of at most the allowed number of values.

    Nesting deeper than MAX_DEPTH stops the build at the first value too
    deep (in document order, as the counting composer would). An aliased
    list or mapping is built once and shared, as PyYAML does.
    """
    if depth > MAX_DEPTH:
        raise _NodeError(_TOO_DEEP, node.start_mark)
    if type(node) is ScalarNode:
        return _scalar(node)
    key = id(node)
    if key in shared:
        return shared[key]
    if type(node) is SequenceNode and node.tag == _SEQ:
        items: list[Any] = []
        shared[key] = items
        for child in node.value:
            items.append(_build(child, shared, depth + 1))
        return items
    if type(node) is MappingNode and node.tag == _MAP:
        mapping: dict[str, Any] = {}
        shared[key] = mapping
        if node.value and depth == MAX_DEPTH:  # its first key is a value too deep
            raise _NodeError(_TOO_DEEP, node.value[0][0].start_mark)
        for key_node, value_node in node.value:
            if type(key_node) is not ScalarNode:
                raise _NodeError(
                    "a key must be a plain word, not a list or mapping", key_node.start_mark
                )
            if key_node.tag not in _KEY_TAGS:
                _scalar(key_node)  # refuses the tag
            name = key_node.value
            if name in mapping:
                raise _NodeError(
                    f"duplicate key {quote(name)}: each key may appear once", key_node.start_mark
                )
            mapping[name] = _build(value_node, shared, depth + 1)
        return mapping
    raise _refused(node)


# -- the entry point -----------------------------------------------------------


def parse(text: str, source: str, *, max_nodes: int = MAX_NODES) -> Document:
    """Parse YAML text into plain data, or raise :class:`InputError` with located problems.

    ``max_nodes`` is :data:`MAX_NODES` for a profile, :data:`MAX_RULES_NODES` for a rule set.
    """
    try:
        node = _compose(text, max_nodes)
        if node is None:
            raise InputError.one(
                source,
                "the file is empty: expected a mapping of 'key: value' lines "
                "(run 'needleplan new' for a template)",
                1,
                1,
            )
        data = _build(node, {})
    except _NodeError as exc:
        raise InputError([_located(source, f"not valid YAML: {exc.message}", exc.mark)]) from None
    except yaml.MarkedYAMLError as exc:
        raise InputError([_from_marked(exc, source, text)]) from None
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        line, col = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        code = exc.character if isinstance(exc.character, int) else 0
        message = f"the file holds the control character U+{code:04X}: is it a binary file?"
        raise InputError.one(source, message, line, col) from None
    except yaml.YAMLError as exc:
        first = (str(exc).strip().splitlines() or ["unknown error"])[0]
        raise InputError.one(source, f"not valid YAML: {first}") from None
    except RecursionError:  # pragma: no cover - depth is bounded before any recursion
        raise InputError.one(source, _TOO_DEEP) from None
    return Document(source, data, node)


def _located(source: str, message: str, mark: Any) -> Problem:
    if mark is None:
        return Problem(source, message)
    return Problem(source, message, mark.line + 1, mark.column + 1)


#: YAML syntax errors in plain words: (what the parser says, whether to point at where the
#: construct began, the message, the hint). libyaml and PyYAML word some of them apart.
_SYNTAX: tuple[tuple[tuple[str, ...], bool, str, str | None], ...] = (
    (
        ("could not find expected ':'",),
        True,
        "a key without ':' after it",
        "write 'key: value', with a space after the colon",
    ),
    (("tab character", "'\\t'"), False, "a tab where YAML needs spaces", "indent with spaces only"),
    (
        ("expected ',' or ']'",),
        True,
        "a list opened with '[' is not closed with ']'",
        "close the list on the same line, e.g. [a, b]",
    ),
    (
        ("expected ',' or '}'",),
        True,
        "a mapping opened with '{' is not closed with '}'",
        "close it on the same line, e.g. {total: 5, psychosocial: 3}",
    ),
    (
        ("mapping values are not allowed",),
        False,
        "a ':' where YAML did not expect one: is this line indented too far?",
        "line keys up with the keys above them; put text that holds ': ' in quotes",
    ),
    (
        ("did not find expected key", "expected <block end>"),
        False,
        "this line does not line up with the lines above it",
        "indent list items ('- ') and keys by the same number of spaces as their neighbours",
    ),
    (("end of stream",), True, "a quote is opened here and never closed", "add the closing quote"),
    (
        ("cannot start any token",),
        False,
        "a value starts with a character YAML reserves",
        "put the value in quotes",
    ),
    (
        ("undefined alias",),
        False,
        "'*' refers to an anchor that is not defined",
        "write the value itself, or put it in quotes",
    ),
    (
        ("expected node content", "expected the node content"),
        False,
        "a value is missing here, or starts with a character YAML reserves",
        "put the value in quotes",
    ),
)


def _excerpt(text: str, line: int, column: int) -> str:
    """The source line (inert, at most 76 characters around the column) and a caret."""
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return ""
    source = lines[line - 1].replace("\t", "\u2192")  # a tab shown as an arrow, one cell
    start = max(0, column - 1 - 60)
    shown = source[start : start + 76]
    caret = _cells(shown[: column - 1 - start])  # wide characters take two cells
    # one '?' per character that is not printable (not inert()'s escapes), so that the
    # caret stays under its column
    shown_inert = "".join(ch if ch.isprintable() else "?" for ch in shown)
    gutter = " " * len(str(line))
    prefix = "..." if start else ""
    return (
        f" {gutter} |\n {line} | {prefix}{shown_inert}\n {gutter} | {' ' * (len(prefix) + caret)}^"
    )


def _cells(text: str) -> int:
    """Terminal cells ``text`` takes: two for a wide character, none for a combining one
    (as :func:`needleplan.textfit.cell_len`, which reading does not import)."""
    return sum(
        0
        if unicodedata.combining(ch)
        else 2
        if unicodedata.east_asian_width(ch) in ("W", "F")
        else 1
        for ch in text
    )


def _at_tab(text: str, line: int, column: int) -> bool:
    """Whether the character at a 0-based mark, or the indentation before it, is a tab."""
    lines = text.splitlines()
    if not 0 <= line < len(lines):
        return False
    row = lines[line]
    return row[column : column + 1] == "\t" or "\t" in row[: len(row) - len(row.lstrip())]


def _from_marked(exc: yaml.MarkedYAMLError, source: str, text: str = "") -> Problem:
    problem = (exc.problem or exc.context or "not valid YAML").strip()
    context = (exc.context or "").strip()
    mark = exc.problem_mark or exc.context_mark
    if "maximum nesting depth" in problem:  # libyaml's own limit (1,000) is past MAX_DEPTH
        return _located(source, _TOO_DEEP, mark)
    if "expected a single document" in problem or "expected a single document" in context:
        message = "more than one YAML document ('---'): put one profile in each file"
        return _located(source, message, mark)
    if "control characters are not allowed" in problem or "special characters" in problem:
        return _located(source, "the file holds control characters: is it a binary file?", mark)
    if mark is not None and _at_tab(text, mark.line, mark.column):
        problem = "tab character"  # libyaml: 'found character that cannot start any token'
    found = next((entry for entry in _SYNTAX if any(w in problem for w in entry[0])), None)
    hint: str | None = None
    if found is not None:
        _, at_start, message, hint = found
        mark = (exc.context_mark if at_start else None) or mark
    else:
        message = f"not valid YAML: {problem}" + (f" ({context})" if context else "")
    if mark is None:
        return Problem(source, message, hint=hint)
    line, column = mark.line + 1, mark.column + 1
    return Problem(source, message, line, column, hint, _excerpt(text, line, column) or None)
