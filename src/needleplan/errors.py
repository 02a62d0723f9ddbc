"""Problems a person can act on: ``FILE:LINE:COL: error: message`` plus a hint.

Nothing here imports pydantic or YAML; every other module reports through
:class:`Problem` or a :class:`Failure`, so the CLI prints one format whatever
went wrong. The exit codes of the contract (docs/contract.md) are defined here, once.
"""

import difflib
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple, TypeVar

#: The context key marking a validation error whose message is written for people already
#: (the profile's own parsers set it; pydantic's own errors are reworded).
HUMAN = "needleplan"

#: The longest piece of user input ever quoted back in a message.
MAX_QUOTED_CHARS = 40

#: Exit codes (docs/contract.md): every profile planned; some invalid; usage, rules or OS
#: error; interrupted (Ctrl-C); terminated (SIGTERM).
EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 130, 143


def inert(text: str) -> str:
    """Text safe for a terminal, a table cell or one line of a message.

    Every character Python does not call printable is shown as an escape:
    controls (newline and tab included, so a file name cannot start a second
    message line), format characters (bidi overrides, U+061C, U+2060, U+FEFF),
    line and paragraph separators (U+2028, U+2029; U+0085 is a control),
    spaces other than the ASCII space, surrogates, private-use and unassigned
    code points. The escape is the one Python's ``repr`` writes for the character
    (``\\n``, ``\\x1b``, ``\\u202e``, ``\\U000e0001``).
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


#: The longest message printed for the run itself (a long path, an option's value).
MAX_MESSAGE_CHARS = 300


def bounded(message: str) -> str:
    """A one-line, inert message of at most MAX_MESSAGE_CHARS characters."""
    text = inert(message)
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 3] + "..."


def error_line(message: str) -> str:
    """``needleplan: error: message``, for a problem with the run itself (bounded, inert)."""
    return f"needleplan: error: {bounded(message)}"


def quote(value: object) -> str:
    """A short, inert rendering of a user value for use inside a message."""
    text = inert(value if isinstance(value, str) else repr(value))
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
    #: the source line and a caret under the column (YAML syntax errors)
    excerpt: str | None = None

    def location(self) -> str:
        where = inert(self.source)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def format(self) -> str:
        first = f"{self.location()}: error: {inert(self.message)}"
        if self.excerpt:
            first += "\n" + self.excerpt
        return _lines(first, self.hint)

    def to_dict(self) -> dict[str, object]:
        """The problem in ``validate --format json`` (its keys in this order)."""
        keys = ("source", "line", "column", "message", "hint", "excerpt")
        return {key: getattr(self, key) for key in keys}


def _lines(first: str, hint: str | None) -> str:
    return f"{first}\n  hint: {inert(hint)}" if hint else first


def note_line(note: str) -> str:
    """A note for stderr (what a writer had to say), on one inert line."""
    return f"needleplan: note: {inert(note)}"


class NeedleplanError(Exception):
    """Base class of every error needleplan raises on purpose."""


_E = TypeVar("_E", bound="InputError")


class InputError(NeedleplanError):
    """An input file (profile) is invalid; carries every problem found in it."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(p.format() for p in self.problems))

    @classmethod
    def one(
        cls: type[_E],
        source: str,
        message: str,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> _E:
        """The error of one problem in ``source``."""
        return cls([Problem(source, message, line, column, hint)])


class RulesError(InputError):
    """The rule set is invalid (exit code 2: nothing can be planned with it)."""


class Failure(NeedleplanError):
    """A problem with the run itself, not with one profile: exit code 2.

    Printed as ``needleplan: error: message`` and an optional hint line.
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        #: a line said after the error (what a stopped run had written, and where)
        self.after: str | None = None
        super().__init__(message)

    def format(self) -> str:
        text = _lines(error_line(self.message), self.hint)
        return f"{text}\n{self.after}" if self.after else text


class UsageError(Failure):
    """A usage or set-up problem: bad option, unreadable path, refused overwrite."""


class WriterError(Failure):
    """A writer cannot render what it was given (e.g. a calendar without dates)."""


class OutputError(Failure):
    """An output file or stream could not be written (disk full, permissions...)."""


class Terminated(BaseException):
    """SIGTERM reached the command (exit code 143); not an ``Exception``, like Ctrl-C."""


def did_you_mean(
    word: str, choices: Iterable[str], shown: Callable[[str], str] = str
) -> str | None:
    """``did you mean 'x'?`` for the closest choice, or None; ``shown`` names the choice
    (an alias by its id, say)."""
    options = list(choices)
    matches = difflib.get_close_matches(word.lower(), options, n=1, cutoff=0.6)
    if not matches:
        # prefix matches catch abbreviations such as 'anticoag'
        matches = [o for o in options if len(word) >= 4 and o.startswith(word.lower())][:1]
    return f"did you mean '{shown(matches[0])}'?" if matches else None


def to_stderr(text: str) -> None:
    """One line (or lines) of a message on stderr, ending with exactly one newline."""
    sys.stderr.write(text.rstrip("\n") + "\n")


def kind_of(value: object) -> str:
    """What a value is, in a user's words: 'a list', 'a mapping', 'empty', 'a number'..."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    return "text"
