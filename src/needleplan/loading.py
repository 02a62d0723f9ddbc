"""From a file (or text) to a validated :class:`ConditionProfile`.

The one place that combines the YAML loader, the profile model and the rule
set's ids. Problems come back as :class:`InputError` with located messages.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from pydantic import ValidationError

from . import yamlio
from .errors import InputError
from .profile import FIELDS, ConditionProfile
from .rulesload import load_rules
from .validation import problems_from

if TYPE_CHECKING:
    from .rules import RuleSet


def profile_from_data(
    doc: yamlio.Document, rules: RuleSet, today: dt.date | None = None
) -> ConditionProfile:
    """Validate loaded YAML against the profile model and ``rules``' ids.

    No session of the log may be dated after ``today`` (default: the clock's date), so
    that ``validate``, ``suggest`` and ``review`` accept and refuse the same logs.
    """
    context = {"rules": rules, "today": today or dt.date.today()}
    try:
        return ConditionProfile.model_validate(doc.data, context=context)
    except ValidationError as exc:
        raise InputError(problems_from(exc, doc, FIELDS)) from None


def profile_from_text(
    text: str,
    source: str = "<string>",
    rules: RuleSet | None = None,
    today: dt.date | None = None,
) -> ConditionProfile:
    """Parse and validate profile text as :func:`profile_from_data` does (``rules``
    default to the shipped ones)."""
    return profile_from_data(yamlio.parse(text, source), rules or load_rules(), today)


def load_profile(
    path: str | Path,
    rules: RuleSet | None = None,
    *,
    stdin: BinaryIO | None = None,
    today: dt.date | None = None,
) -> ConditionProfile:
    """Load one profile file (``"-"`` reads stdin) and validate it against ``rules``."""
    name = os.fspath(path)
    if name == "-":
        text = yamlio.read_text(None, yamlio.STDIN_NAME, stdin=stdin)
        return profile_from_text(text, yamlio.STDIN_NAME, rules, today)
    return profile_from_text(yamlio.read_text(name, name), name, rules, today)
