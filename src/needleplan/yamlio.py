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
* PyYAML's C parser is used when available; the pure-Python one otherwise.
  Positions come from the composed node tree, walked only when an error needs
  locating.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from .errors import Problem, quote

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


_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
#: The implicit (untagged, unquoted) scalar types; everything else is text.
_IMPLICIT = re.compile(
    r"(?P<null>~|null|Null|NULL|)"
    r"|(?P<bool>true|True|TRUE|false|False|FALSE)"
    r"|(?P<int>[-+]?(?:0|[1-9][0-9]*))"
    r"|(?P<float>[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)"
)
_IMPLICIT_FIRST = frozenset("~nNtTfF-+0123456789.")


class _Resolver(BaseResolver):
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
                    return f"tag:yaml.org,2002:{match.lastgroup}"
            return _STR
        return _SEQ if kind is SequenceNode else _MAP


def _bool(value: str) -> bool:
    if value in ("true", "True", "TRUE"):
        return True
    if value in ("false", "False", "FALSE"):
        return False
    raise ValueError(value)


def _null(value: str) -> None:
    if value not in ("", "~", "null", "Null", "NULL"):
        raise ValueError(value)


#: The only scalar types a profile can hold, by tag.
_SCALARS: dict[str, Callable[[str], Any]] = {
    _STR: str,
    "tag:yaml.org,2002:int": int,
    "tag:yaml.org,2002:float": float,
    "tag:yaml.org,2002:bool": _bool,
    "tag:yaml.org,2002:null": _null,
}


class _NodeError(Exception):
    def __init__(self, message: str, node: Node) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


def _build(node: Node, shared: dict[int, Any]) -> Any:
    """Plain data from a composed node tree (its depth is already bounded).

    Only str, int, float, bool, None, lists and mappings are made; every other
    tag is refused. An aliased value is built once and shared, as PyYAML does.
    """
    kind = type(node)
    if kind is ScalarNode:
        convert = _SCALARS.get(node.tag)
        if convert is None:
            raise _NodeError(
                f"the tag {quote(node.tag)} is not allowed: profiles hold plain data only", node
            )
        try:
            return convert(node.value)
        except ValueError:
            raise _NodeError(
                f"{quote(node.value)} is not a valid {node.tag.rsplit(':', 1)[-1]}", node
            ) from None
    key = id(node)
    if key in shared:
        return shared[key]
    if kind is SequenceNode and node.tag == _SEQ:
        items: list[Any] = []
        shared[key] = items
        for child in node.value:
            items.append(_build(child, shared))
        return items
    if kind is MappingNode and node.tag == _MAP:
        mapping: dict[Any, Any] = {}
        shared[key] = mapping
        for key_node, value_node in node.value:
            if type(key_node) is not ScalarNode:
                raise _NodeError("a key must be a plain word, not a list or mapping", key_node)
            name = _build(key_node, shared)
            if name in mapping:
                raise _NodeError(f"duplicate key {quote(name)}: each key may appear once", key_node)
            mapping[name] = _build(value_node, shared)
        return mapping
    raise _NodeError(
        f"the tag {quote(node.tag)} is not allowed: profiles hold plain data only", node
    )


try:
    from yaml._yaml import CParser as _CParser

    HAVE_LIBYAML = True
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    HAVE_LIBYAML = False


class _PurePythonLoader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    _Resolver,
):
    """PyYAML's pure-Python parser: the fallback, and the tests' second opinion."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _Resolver.__init__(self)


if HAVE_LIBYAML:

    class _Loader(_CParser, _Resolver):
        """libyaml's parser and composer (C), with needleplan's resolver."""

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            _Resolver.__init__(self)

else:  # pragma: no cover - exercised where libyaml is missing
    _Loader = _PurePythonLoader  # type: ignore[misc,assignment]


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


def positions_of(node: Node | None) -> Positions:
    """Build the position tree of a composed document (iteratively; no recursion)."""
    pos = Positions()
    if node is None:
        return pos
    stack: list[tuple[Node, Loc, int]] = [(node, (), 0)]
    seen_depth = 0
    while stack:
        current, loc, depth = stack.pop()
        seen_depth = max(seen_depth, depth)
        if depth > MAX_DEPTH + 1 or len(pos.values) > MAX_NODES:
            break
        mark = current.start_mark
        pos.values.setdefault(loc, (mark.line + 1, mark.column + 1))
        if isinstance(current, MappingNode):
            for key_node, value_node in current.value:
                key = key_node.value if isinstance(key_node, ScalarNode) else None
                if isinstance(key, str):
                    child = (*loc, _key_value(key_node))
                    km = key_node.start_mark
                    pos.keys.setdefault(child, (km.line + 1, km.column + 1))
                    stack.append((value_node, child, depth + 1))
        elif isinstance(current, SequenceNode):
            for i, item in enumerate(current.value):
                stack.append((item, (*loc, i), depth + 1))
    return pos


def _key_value(node: ScalarNode) -> str | int:
    # keys are looked up by their constructed value; whole-number keys become ints
    if node.tag == "tag:yaml.org,2002:int":
        try:
            return int(node.value)
        except ValueError:  # pragma: no cover - resolver guarantees digits
            return str(node.value)
    return str(node.value)


def _may_nest_deeply(text: str) -> bool:
    # Each level of nesting needs a new line, a bracket or a '-'/'?' indicator: a document
    # with fewer of those than MAX_DEPTH cannot nest deeper than MAX_DEPTH.
    if len(text) < MAX_DEPTH:
        return False
    return (
        text.count("\n") + text.count("[") + text.count("{") + text.count("-") + text.count("?")
        >= MAX_DEPTH
    )


def _check_depth_by_events(text: str, source: str) -> None:
    """Raise a located MAX_DEPTH error if the event stream nests too deep.

    Only called once a parser has already failed on depth. The pure-Python
    parser is used: it is lazy and has no limit of its own, so it reaches
    level MAX_DEPTH + 1 and stops there.
    """
    from .errors import InputError

    events = _PurePythonLoader(text)
    depth = 0
    try:
        while events.check_event():
            event = events.get_event()  # type: ignore[no-untyped-call]
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH and event.start_mark is not None:
                    mark = event.start_mark
                    message = f"nesting deeper than {MAX_DEPTH} levels (limit MAX_DEPTH)"
                    raise InputError([Problem(source, message, mark.line + 1, mark.column + 1)])
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return  # a syntax error comes first: the caller reports its own error
    finally:
        events.dispose()


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _check_shape(node: Node, source: str, text: str) -> Problem | None:
    """Depth from the top, alias uses and expanded size; each distinct node is walked once."""
    if "*" not in text and not _may_nest_deeply(text):
        return None
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    on_path: set[int] = set()
    aliases = 0
    too_deep = f"nesting deeper than {MAX_DEPTH} levels (limit MAX_DEPTH)"
    stack: list[tuple[Node, int, bool]] = [(node, 1, False)]
    while stack:
        current, depth, done = stack.pop()
        key = id(current)
        if done:
            on_path.discard(key)
            kids = _children(current)
            size[key] = 1 + sum(size[id(c)] for c in kids)
            height[key] = 1 + max((height[id(c)] for c in kids), default=0)
            if size[key] > MAX_NODES:
                return _limit(
                    source,
                    current,
                    f"the document expands to more than {MAX_NODES:,} "
                    "values once aliases are expanded (limit MAX_NODES)",
                )
            continue
        if key in size:  # met again: an alias of an anchored value
            aliases += 1
            if aliases > MAX_ALIASES:
                return _limit(
                    source, current, f"more than {MAX_ALIASES} alias uses (limit MAX_ALIASES)"
                )
            if depth + height[key] - 1 > MAX_DEPTH:
                return _limit(source, current, too_deep)
            continue
        if key in on_path:
            return _limit(source, current, "an alias refers to a value that contains it")
        if depth > MAX_DEPTH:
            return _limit(source, current, too_deep)
        on_path.add(key)
        stack.append((current, depth, True))
        stack += [(child, depth + 1, False) for child in reversed(_children(current))]
    return None


def _limit(source: str, node: Node, message: str) -> Problem:
    mark = node.start_mark
    return Problem(source, message, mark.line + 1, mark.column + 1)


@dataclass
class Document:
    """A loaded YAML document: plain data plus the node tree to locate errors."""

    source: str
    data: Any
    node: Node | None
    _positions: Positions | None = None

    @property
    def positions(self) -> Positions:
        if self._positions is None:
            self._positions = positions_of(self.node)
        return self._positions


def parse(text: str, source: str, *, pure_python: bool = False) -> Document:
    """Parse YAML text into plain data, or raise :class:`InputError` with located problems."""
    from .errors import InputError

    loader_class = _PurePythonLoader if pure_python else _Loader
    loader = None
    try:
        loader = loader_class(text)
        try:
            node = loader.get_single_node()
        except RecursionError:
            # too deep for the composer: find where with the (flat) event stream
            _check_depth_by_events(text, source)
            raise
        if node is None:
            raise InputError(
                [
                    Problem(
                        source,
                        "the file is empty: expected a profile mapping "
                        "(run 'needleplan new' for a template)",
                        1,
                        1,
                    )
                ]
            )
        problem = _check_shape(node, source, text)
        if problem is not None:
            raise InputError([problem])
        data = _build(node, {})
    except _NodeError as exc:
        mark = exc.node.start_mark
        raise InputError(
            [Problem(source, f"not valid YAML: {exc.message}", mark.line + 1, mark.column + 1)]
        ) from None
    except yaml.MarkedYAMLError as exc:
        if "maximum nesting depth" in str(exc.problem):
            _check_depth_by_events(text, source)  # names MAX_DEPTH and where
        raise InputError([_from_marked(exc, source)]) from None
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        line, col = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        raise InputError(
            [
                Problem(
                    source,
                    f"the file holds the control character "
                    f"#x{exc.character if isinstance(exc.character, int) else 0:04x}"
                    ": is it a binary file?",
                    line,
                    col,
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(source, f"not valid YAML: {_first_line(str(exc))}")]) from None
    except RecursionError:
        raise InputError(
            [Problem(source, f"nesting deeper than {MAX_DEPTH} levels (limit MAX_DEPTH)")]
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
    return Document(source, data, node)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "unknown error"


def _from_marked(exc: yaml.MarkedYAMLError, source: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    problem = (exc.problem or exc.context or "not valid YAML").strip()
    if "maximum nesting depth" in problem:
        problem = f"nesting deeper than {PARSER_DEPTH_LIMIT} levels (the YAML parser's limit)"
    elif "expected a single document" in problem or (
        exc.context and "expected a single document" in exc.context
    ):
        problem = "more than one YAML document ('---'): put one profile in each file"
    elif "found character" in problem and "that cannot start any token" in problem:
        problem = problem.replace("found character", "found the character")
    elif "control characters are not allowed" in problem or "special characters" in problem:
        problem = "the file holds control characters: is it a binary file?"
    message = f"not valid YAML: {problem}"
    if exc.context and exc.problem and "single document" not in message:
        message += f" ({exc.context.strip()})"
    if mark is None:
        return Problem(source, message)
    return Problem(source, message, mark.line + 1, mark.column + 1)


def read_text(
    path: str | Path | None, source: str, limit: int, stdin: BinaryIO | None = None
) -> str:
    """Read a UTF-8 text file of at most ``limit`` bytes; ``path=None`` reads stdin."""
    from .errors import InputError

    if path is None:
        stream = stdin if stdin is not None else sys.stdin.buffer
        raw = stream.read(limit + 1)
    else:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            # a regular file is read at its size (read(limit + 1) would allocate the whole
            # limit for every small profile); pipes and special files report 0 or lie
            raw = fh.read(size + 1) if 0 < size <= limit else fh.read(limit + 1)
            if len(raw) > size and size > 0 and len(raw) <= limit:
                raw += fh.read(limit + 1 - len(raw))
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
