"""The PyYAML reader: any YAML, bounded, plain data only, with positions.

Imported only when a document is not flat ``key: value`` lines, or when an
error must be located. libyaml's parser and composer (C) are used when
PyYAML has them; its pure-Python parser otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from ._flat import IMPLICIT, IMPLICIT_FIRST, to_bool, to_null
from .errors import InputError, Problem, quote
from .yamlio import MAX_ALIASES, MAX_DEPTH, MAX_NODES, PARSER_DEPTH_LIMIT, Document, Loc, Positions

_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"


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
            if implicit[0] and (not value or value[0] in IMPLICIT_FIRST):
                match = IMPLICIT.fullmatch(value)
                if match is not None:
                    return f"tag:yaml.org,2002:{match.lastgroup}"
            return _STR
        return _SEQ if kind is SequenceNode else _MAP


#: The only scalar types a profile can hold, by tag.
_SCALARS: dict[str, Callable[[str], Any]] = {
    _STR: str,
    "tag:yaml.org,2002:int": int,
    "tag:yaml.org,2002:float": float,
    "tag:yaml.org,2002:bool": to_bool,
    "tag:yaml.org,2002:null": to_null,
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


def parse(text: str, source: str, *, pure_python: bool = False) -> Document:
    """Parse YAML text into plain data, or raise :class:`InputError` with located problems."""
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
    return Document(source, data, node, text)


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
