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

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
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


class _Resolver(BaseResolver):
    """Implicit types: only null, true/false, decimal whole numbers and decimals."""


_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)

_ALLOWED_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
}


class _Constructor(SafeConstructor):
    """Plain data only; duplicate keys and unhashable keys are errors."""

    yaml_constructors: ClassVar[dict[Any, Any]] = {}

    def construct_undefined(self, node: Node) -> Any:
        raise ConstructorError(
            None,
            None,
            f"the tag {quote(node.tag)} is not allowed: profiles hold plain data only",
            node.start_mark,
        )

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, MappingNode):  # pragma: no cover - guarded by the tag
            raise ConstructorError(None, None, "expected a mapping", node.start_mark)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str | int | float | bool | None):
                raise ConstructorError(
                    None,
                    None,
                    "a key must be a plain word, not a list or mapping",
                    key_node.start_mark,
                )
            if key in mapping:
                raise ConstructorError(
                    None,
                    None,
                    f"duplicate key {quote(key)}: each key may appear once",
                    key_node.start_mark,
                )
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping

    def construct_yaml_float(self, node: ScalarNode) -> float:
        return float(self.construct_scalar(node))

    def construct_yaml_int(self, node: ScalarNode) -> int:
        return int(self.construct_scalar(node))


for _tag, _fn in {
    "tag:yaml.org,2002:str": SafeConstructor.construct_yaml_str,
    "tag:yaml.org,2002:int": _Constructor.construct_yaml_int,
    "tag:yaml.org,2002:float": _Constructor.construct_yaml_float,
    "tag:yaml.org,2002:bool": SafeConstructor.construct_yaml_bool,
    "tag:yaml.org,2002:null": SafeConstructor.construct_yaml_null,
    "tag:yaml.org,2002:seq": SafeConstructor.construct_yaml_seq,
    "tag:yaml.org,2002:map": SafeConstructor.construct_yaml_map,
    None: _Constructor.construct_undefined,
}.items():
    _Constructor.add_constructor(_tag, _fn)  # type: ignore[type-var]

try:
    from yaml._yaml import CParser as _CParser

    HAVE_LIBYAML = True
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    HAVE_LIBYAML = False

if HAVE_LIBYAML:

    class _Loader(_CParser, _Constructor, _Resolver):
        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            _Constructor.__init__(self)
            _Resolver.__init__(self)

else:  # pragma: no cover - exercised where libyaml is missing

    class _Loader(  # type: ignore[no-redef]
        yaml.reader.Reader,
        yaml.scanner.Scanner,
        yaml.parser.Parser,
        yaml.composer.Composer,
        _Constructor,
        _Resolver,
    ):
        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
            _Constructor.__init__(self)
            _Resolver.__init__(self)


class _PurePythonLoader(  # used by tests to prove both paths agree
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    _Constructor,
    _Resolver,
):
    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _Constructor.__init__(self)
        _Resolver.__init__(self)


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
    return sum(text.count(c) for c in "\n[{-?") >= MAX_DEPTH


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
        data = loader.construct_document(node)
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


def read_text(path: Path | None, source: str, limit: int, stdin: BinaryIO | None = None) -> str:
    """Read a UTF-8 text file of at most ``limit`` bytes; ``path=None`` reads stdin."""
    from .errors import InputError

    if path is None:
        stream = stdin if stdin is not None else sys.stdin.buffer
        raw = stream.read(limit + 1)
    else:
        with path.open("rb") as fh:
            raw = fh.read(limit + 1)
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
