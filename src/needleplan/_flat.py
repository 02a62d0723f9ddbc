"""Read flat ``key: value`` YAML directly, or decline.

Nearly every profile is a column of top-level ``key: value`` lines with
plain, simply quoted or ``[a, b]`` values (or a block list of such values
under a bare ``key:``), blank lines and comments. For such a file
:func:`parse_flat` returns exactly the data PyYAML (with needleplan's
resolver) would, without importing PyYAML. For anything else (other
indentation, nested lists, anchors, tags, escapes, colons in plain values,
a repeated key, an unusual character) it returns None and the caller uses
the full reader. It never raises and never guesses: when in doubt, it declines.
``tests/test_flat.py`` holds it to PyYAML's answers.
"""

from __future__ import annotations

import re
from typing import Any

#: The implicit (untagged, unquoted) scalar types; everything else is text.
IMPLICIT = re.compile(
    r"(?P<null>~|null|Null|NULL|)"
    r"|(?P<bool>true|True|TRUE|false|False|FALSE)"
    r"|(?P<int>[-+]?(?:0|[1-9][0-9]*))"
    r"|(?P<float>[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)"
)
IMPLICIT_FIRST = frozenset("~nNtTfF-+0123456789.")


def to_bool(value: str) -> bool:
    if value in ("true", "True", "TRUE"):
        return True
    if value in ("false", "False", "FALSE"):
        return False
    raise ValueError(value)


def to_null(value: str) -> None:
    if value not in ("", "~", "null", "Null", "NULL"):
        raise ValueError(value)


def implicit(text: str) -> Any:
    """An unquoted scalar's value: null, bool, int, float, or the text itself."""
    if not text or text[0] in IMPLICIT_FIRST:
        match = IMPLICIT.fullmatch(text)
        if match is not None:
            kind = match.lastgroup
            if kind == "int":
                return int(text)
            if kind == "float":
                return float(text)
            if kind == "bool":
                return to_bool(text)
            return None
    return text


# Characters outside this set (controls, tabs, line separators other than \n
# and \r\n, byte-order marks, surrogates) send the file to the full reader.
# The same test for ASCII text, which most profiles are (and which compiles in a
# fraction of the time the full class takes: this runs on every start-up).
_ASCII_UNUSUAL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)")
_UNUSUAL_PATTERN = r"[^\n\r\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]|\r(?!\n)"


def _unusual(text: str) -> bool:
    if text.isascii():
        return _ASCII_UNUSUAL.search(text) is not None
    return re.search(_UNUSUAL_PATTERN, text) is not None  # compiled once, by re's cache


# Keys that YAML reads as null or true/false rather than as text (keys start with a letter).
_WORD_KEYS = frozenset(["null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE"])
_KEY = r"([A-Za-z_][A-Za-z0-9_]*):"
_KEY_LINE = re.compile(rf"{_KEY}(?: +(.*))?")
_COMMENT = r"(?: *| +#.*)"
# Plain scalars: no ':' '#' quotes brackets braces '*' '|' '>' '@' '`' or tabs anywhere,
# and a first character that is not a YAML indicator ('-' only before a non-space).
_PLAIN = r"(?:[\w./(+~]|-(?=[\w.]))[\w .,;+\-/()'%!?&~]*"
_PLAIN_ONLY = re.compile(_PLAIN)
_PLAIN_VALUE = re.compile(rf"({_PLAIN}?){_COMMENT}")
_DOUBLE = re.compile(rf'"([^"\\]*)"{_COMMENT}')
_SINGLE = re.compile(rf"'([^']*)'{_COMMENT}")
_FLOW_ITEM = re.compile(r"(?:[\w./(+~]|-(?=[\w.]))[\w .;+\-/()%!?&~]*")
_AFTER = re.compile(_COMMENT)
# The most common line, in one match: a key and a plain value (or none), no comment.
_KEY_PLAIN = re.compile(rf"{_KEY}(?: +({_PLAIN})?)?")


def _value(text: str) -> tuple[bool, Any]:
    first = text[:1]
    if first == '"':
        m = _DOUBLE.fullmatch(text)
        return (True, m.group(1)) if m else (False, None)
    if first == "'":
        m = _SINGLE.fullmatch(text)
        return (True, m.group(1)) if m else (False, None)
    if first == "[":
        end = text.find("]")
        if end < 0 or not _AFTER.fullmatch(text, end + 1):
            return False, None
        inner = text[1:end]
        if not inner.strip(" "):
            return True, []
        items = []
        for item in inner.split(","):
            item = item.strip(" ")
            if not _FLOW_ITEM.fullmatch(item):
                return False, None  # nested, quoted, empty or unusual items: the full reader
            items.append(implicit(item))
        return True, items
    if "#" not in text:
        text = text.rstrip(" ")
        return (True, implicit(text)) if not text or _PLAIN_ONLY.fullmatch(text) else (False, None)
    m = _PLAIN_VALUE.fullmatch(text)
    if m is None:
        return False, None
    return True, implicit(m.group(1).rstrip(" "))


def _item(line: str) -> tuple[int, Any] | None:
    """A block-list item line ``  - value``: its indentation and value, or None to decline."""
    stripped = line.lstrip(" ")
    if not stripped.startswith("- "):
        return None
    text = stripped[2:].lstrip(" ")
    if not text or text[0] == "#":
        return None  # an empty item
    ok, value = _value(text)
    if not ok or isinstance(value, list):
        return None  # nested lists go to the full reader
    return len(line) - len(stripped), value


def parse_flat(text: str) -> dict[str, Any] | None:
    """The mapping a flat profile holds, or None to ask the full reader."""
    if _unusual(text):
        return None
    data: dict[str, Any] = {}
    open_key: str | None = None  # a key with no value yet: a block list may follow
    items: list[Any] | None = None
    indent = 0
    for line in text.split("\n"):
        if line.endswith("\r"):
            line = line[:-1]
        if not line or line[0] == "#" or line.isspace():
            continue
        if line[0] in " -":
            item = _item(line) if open_key is not None else None
            if item is None:
                return None
            if items is None:
                items = data[open_key] = []  # type: ignore[index]
                indent = item[0]
            elif item[0] != indent:
                return None
            items.append(item[1])
            continue
        open_key, items = None, None
        plain = _KEY_PLAIN.fullmatch(line)
        m = plain or _KEY_LINE.fullmatch(line)
        if m is None:
            return None
        key, rest = m.group(1, 2)
        if key in data or key in _WORD_KEYS:
            return None  # a repeated key is an error, and 'true:' is not a text key
        if rest is None or rest[:1] == "#" or not rest.strip(" "):
            data[key] = None
            open_key = key
        elif plain is not None:
            data[key] = implicit(rest.rstrip(" "))  # a plain value, read by the same match
        else:
            ok, value = _value(rest)
            if not ok:
                return None
            data[key] = value
    return data or None
