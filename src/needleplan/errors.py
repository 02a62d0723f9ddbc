"""Problems a person can act on: ``FILE:LINE:COL: error: message`` plus a hint.

Nothing here imports pydantic or YAML; every other module reports through
:class:`Problem`, so the CLI prints one format whatever went wrong.
"""

import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

#: The longest piece of user input ever quoted back in a message.
MAX_QUOTED_CHARS = 40

_CONTROL = r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]"


def inert(text: str) -> str:
    """Make text safe for a terminal: control, escape and bidi characters become visible."""
    return re.sub(  # compiled on first use (and cached by re), not at every start-up
        _CONTROL,
        lambda m: (
            f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}"
        ),
        text,
    )


def quote(value: object) -> str:
    """A short, inert rendering of a user value for use inside a message."""
    text = value if isinstance(value, str) else repr(value)
    text = inert(text.replace("\n", "\\n").replace("\t", "\\t"))
    if len(text) > MAX_QUOTED_CHARS:
        text = text[: MAX_QUOTED_CHARS - 3] + "..."
    return f"'{text}'"


class Problem(NamedTuple):
    """One located problem in one input file (1-based line and column)."""

    source: str
    message: str
    line: int | None = None
    column: int | None = None
    hint: str | None = None

    def location(self) -> str:
        where = inert(self.source)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def format(self) -> str:
        text = f"{self.location()}: error: {inert(self.message)}"
        if self.hint:
            text += f"\n  hint: {inert(self.hint)}"
        return text

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "hint": self.hint,
        }


class NeedleplanError(Exception):
    """Base class of every error needleplan raises on purpose."""


class InputError(NeedleplanError):
    """An input file (profile) is invalid; carries every problem found in it."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(p.format() for p in self.problems))


class RulesError(InputError):
    """The rule set is invalid (exit code 2: nothing can be planned with it)."""


class UsageError(NeedleplanError):
    """A usage or set-up problem: bad option, unreadable path, refused overwrite (exit 2)."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message)

    def format(self) -> str:
        text = f"needleplan: error: {inert(self.message)}"
        if self.hint:
            text += f"\n  hint: {inert(self.hint)}"
        return text


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """``did you mean 'x'?`` for the closest choice, or None."""
    import difflib

    options = list(choices)
    matches = difflib.get_close_matches(word.lower(), options, n=1, cutoff=0.6)
    if not matches:
        # prefix matches catch abbreviations such as 'anticoag'
        matches = [o for o in options if len(word) >= 4 and o.startswith(word.lower())][:1]
    return f"did you mean '{matches[0]}'?" if matches else None
