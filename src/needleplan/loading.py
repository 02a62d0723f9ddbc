"""From a file (or text) to a validated :class:`ConditionProfile`.

The one place that combines the YAML loader, the profile model and the rule
set's ids. Problems come back as :class:`InputError` with located messages.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from pydantic import ValidationError

from . import yamlio
from .errors import InputError, Problem
from .profile import FIELDS, ConditionProfile, quick_profile

if TYPE_CHECKING:
    from .rules import RuleSet


def profile_from_text(
    text: str, source: str = "<string>", rules: RuleSet | None = None
) -> ConditionProfile:
    """Parse and validate profile text; ids are checked against ``rules`` (default rules)."""
    if rules is None:
        from .rules import load_rules

        rules = load_rules()
    doc = yamlio.parse(text, source)
    if not isinstance(doc.data, dict):
        kind = "a list" if isinstance(doc.data, list) else "a single value"
        line, col = doc.positions.value(())
        raise InputError(
            [
                Problem(
                    source,
                    f"a profile must be a mapping of 'key: value' lines, not {kind}",
                    line,
                    col,
                    "start from 'needleplan new' for a template",
                )
            ]
        )
    if not ConditionProfile.__pydantic_complete__:
        # Until the model's validator is built (by a first error, or by build_validator),
        # the quick path spares building it; once built, the validator is the faster.
        quick = quick_profile(doc.data, rules)
        if quick is not None:
            return quick
    try:
        return ConditionProfile.model_validate(doc.data, context={"rules": rules})
    except ValidationError as exc:
        from .validation import problems_from  # only when there is something to report

        raise InputError(problems_from(exc, doc, FIELDS)) from None


#: Batches at least this large build the profile validator up front: it costs
#: about as much to build as the quick path loses to it over this many profiles.
BUILD_VALIDATOR_AT = 1000


def build_validator(count: int) -> None:
    """Build the profile model's validator before loading ``count`` profiles, if worth it."""
    if count >= BUILD_VALIDATOR_AT:
        ConditionProfile.model_rebuild()


def load_profile(
    path: str | Path, rules: RuleSet | None = None, *, stdin: BinaryIO | None = None
) -> ConditionProfile:
    """Load one profile file (``"-"`` reads stdin) and validate it against ``rules``."""
    name = os.fspath(path)
    stdin_wanted = name == "-"
    source = yamlio.STDIN_NAME if stdin_wanted else name
    text = yamlio.read_text(
        None if stdin_wanted else name, source, yamlio.MAX_PROFILE_BYTES, stdin=stdin
    )
    return profile_from_text(text, source, rules)
