"""Turn pydantic validation errors into located, plain-language problems.

Each error's ``loc`` is walked down the document's position tree (falling
back to the nearest existing ancestor): an unknown key points at the key, a
missing key at the mapping that lacks it, anything else at the value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from .errors import HUMAN, Problem, did_you_mean, kind_of, quote
from .yamlio import Document, Loc

EXAMPLES = {
    "condition": "condition: neck_pain",
    "severity": "severity: 6   (pain NRS 0-10, or mild | moderate | severe)",
    "duration": "duration: 6 weeks",
}


_INTERNAL = re.compile(r"^[a-z][a-z-]*\[")
#: The most problems reported for one file.
MAX_PROBLEMS = 20


def _clean(loc: Sequence[Any], data: Any) -> Loc:
    """Walk ``loc`` down the data, dropping pydantic's own segments (unions, validators)."""
    out: list[str | int] = []
    for part in loc:
        in_dict = isinstance(data, dict) and part in data
        in_list = isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        if in_dict or in_list:
            data = data[part]
        elif isinstance(part, str) and _INTERNAL.match(part):
            continue
        else:
            data = None
        out.append(part)
    return tuple(out)


def dotted(loc: Sequence[str | int]) -> str:
    """A location as written in messages: ``conditions.neck_pain.sources[0]``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _value_at(data: Any, loc: Loc) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def problems_from(
    exc: ValidationError, doc: Document, messages: tuple[str, ...] | None
) -> list[Problem]:
    """Located problems for every error in ``exc``.

    ``messages`` is the tuple of allowed top-level keys (for "did you mean")
    when the document is a profile, ``None`` for a rule set.
    """
    problems: list[Problem] = []
    positions = doc.positions()
    errors = exc.errors(include_url=False, include_input=False)
    unknown_keys = [
        str(e["loc"][-1])
        for e in errors
        if e["type"] in ("extra_forbidden", "unexpected_keyword_argument") and len(e["loc"]) == 1
    ]
    for err in errors:
        ctx = err.get("ctx") or {}
        loc = _clean((*err["loc"], *ctx.get("at", ())), doc.data)
        etype = err["type"]
        top_key = messages is not None and len(loc) == 1
        if etype == "missing" and top_key and did_you_mean(str(loc[0]), unknown_keys):
            continue  # one typo, one error: the unknown key's message names this key
        field = dotted(loc) or "profile"
        value = _value_at(doc.data, loc)
        hint: str | None = ctx.get("hint") if isinstance(ctx.get("hint"), str) else None
        at = positions.key(loc) if ctx.get("on_key") else positions.value(loc)
        if etype in ("missing", "missing_argument"):
            at = positions.value(loc[:-1])
            message = f"missing required key '{loc[-1]}'" if loc else "missing value"
            if messages is not None and str(loc[-1]) in EXAMPLES:
                hint = f"add a line such as '{EXAMPLES[str(loc[-1])]}'"
        elif etype in ("extra_forbidden", "unexpected_keyword_argument"):
            at = positions.key(loc)
            message = f"unknown key {quote(loc[-1])}" if loc else "unknown key"
            if messages is not None and len(loc) == 1:
                hint = did_you_mean(str(loc[-1]), messages) or (
                    "allowed keys: " + ", ".join(messages)
                )
        elif etype in ("model_type", "dict_type", "model_attributes_type"):
            what = "a profile" if messages is not None and not loc else field
            message = f"{what} must be a mapping of 'key: value' lines, not {kind_of(value)}"
        else:
            message, said = reworded(err, loc, value)
            hint = hint or said
            if etype == "profile_type" and ctx.get(HUMAN):
                at = positions.value(())
        problems.append(Problem(doc.source, message, at[0], at[1], hint))
    return capped(problems, doc.source)


def capped(problems: list[Problem], source: str, total: int | None = None) -> list[Problem]:
    """The problems in file order, at most MAX_PROBLEMS of them, then how many more (of
    ``total``, when only some of the problems were made)."""
    found = sorted(set(problems), key=lambda p: (p.line or 0, p.column or 0, p.message))
    total = len(found) if total is None else total
    if total > MAX_PROBLEMS:  # bounded output
        more = total - MAX_PROBLEMS
        rest = Problem(source, f"{more} more problem(s) not shown: fix these first")
        found = [*found[:MAX_PROBLEMS], rest]
    return found


def reworded(
    err: ErrorDetails, loc: Loc, value: Any, top: str = "profile"
) -> tuple[str, str | None]:
    """A pydantic error at ``loc`` in needleplan's words: its message and a hint. Profiles,
    rule sets and clinic settings (``top`` names the whole) say the same thing the same way."""
    etype = err["type"]
    ctx = err.get("ctx") or {}
    field = dotted(loc) or top
    hint: str | None = None
    if etype in ("string_type", "str_type"):
        message = f"{field} must be text, not {kind_of(value)}"
        if isinstance(value, int | float) and not isinstance(value, bool):
            hint = "put it in quotes to make it text"
    elif etype in ("int_type", "int_parsing", "int_from_float"):
        shown = value if isinstance(value, float) else kind_of(value)
        message = f"{field} must be a whole number, not {shown}"
    elif etype in ("float_type", "float_parsing"):
        message = f"{field} must be a number, not {kind_of(value)}"
    elif etype in ("bool_type", "bool_parsing"):
        message = f"{field} must be true or false"
    elif etype in ("list_type", "tuple_type"):
        message = f"{field} must be a list such as [a, b], not {kind_of(value)}"
    elif etype == "literal_error":
        expected = str(ctx.get("expected", "")).replace("'", "")
        message = f"{field} must be one of: {expected}"
        if isinstance(value, str):
            choices = [e.strip() for e in expected.replace(" or ", ",").split(",")]
            hint = did_you_mean(value, choices)
    elif etype == "string_pattern_mismatch" and "\\x00" in str(ctx.get("pattern", "")):
        message = f"{field} {quote(value)} holds a control or format character: remove it"
    elif etype == "string_pattern_mismatch":
        message = (
            f"{field} {quote(value)} is not a valid id: use lower-case letters, digits and '_'"
        )
    elif etype == "string_too_long":
        message = f"{field} is longer than {ctx.get('max_length')} characters"
    elif etype == "string_too_short" and (ctx.get("min_length") or 1) > 1:
        message = f"{field} must be at least {ctx.get('min_length')} characters long"
    elif etype == "string_too_short":
        message = f"{field} must not be empty"
    elif etype == "too_long":
        message = f"{field} has more than {ctx.get('max_length')} items"
    elif etype == "too_short":
        message = f"{field} needs at least {ctx.get('min_length')} item(s)"
    elif etype in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        shown = value if isinstance(value, int | float) else quote(value)
        message = f"{field} {shown} is out of range: " + err["msg"].replace(
            "Input should be", "must be"
        )
    elif etype == "value_error":
        message = str(ctx.get("error") or err["msg"]).removeprefix("Value error, ")
        if loc:
            message = f"{field}: {message}"
    elif ctx.get(HUMAN):  # written for people already; a nested one says where
        message = err["msg"]
        if len(loc) > 1:
            message = f"{field}: {message}"
    else:
        message = f"{field}: " + err["msg"].replace("Input should be", "must be")
    return message, hint
