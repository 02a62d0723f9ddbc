"""``needleplan review``: each profile's session log, reviewed.

Inputs are expanded as for ``suggest`` (files, folders, ``-``), each profile
is loaded with ``today`` bounding its log, reviewed, and the reviews are
rendered by the writer chosen by name. A broken file is reported on stderr
and counted as invalid; the others are still done. The text for stdout is
returned, so the command can page it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import EXIT_INVALID, EXIT_OK, Problem, UsageError, note_line, to_stderr
from .vocab import REVIEW_FORMATS

if TYPE_CHECKING:
    from .results import Review
    from .rules import RuleSet


@dataclass
class Run:
    """What a run made: the text for stdout, the plans' or reviews' dicts, the invalid sources."""

    text: str
    code: int
    dicts: list[dict[str, Any]] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    many: bool = False


def run_review(
    paths: list[str],
    rules: RuleSet,
    *,
    today: dt.date,
    fmt: str,
    options: dict[str, Any],
) -> Run:
    """Review every profile named by ``paths``; problems go to stderr as they are met."""
    from .batch import check_one
    from .inputs import profiles
    from .reviewer import review
    from .writers import get_writer

    if fmt not in REVIEW_FORMATS:
        raise UsageError(
            f"the {fmt} format cannot show a review", hint=f"use {', '.join(REVIEW_FORMATS)}"
        )
    inputs, many = profiles(paths)
    writer = get_writer(fmt, **{**options, "review": True})
    reviews: list[Review] = []
    invalid: list[str] = []
    unlogged = 0
    for inp in inputs:
        profile, problems = check_one(inp, rules, today)
        if profile is not None and not profile.log:
            if inp.root is not None:
                unlogged += 1  # a plan found in a folder, not yet treated: nothing to review
                continue
            problems = (
                Problem(
                    inp.source,
                    "no session log to review",
                    hint="add a 'log:' entry per session (date and nrs), or plan it with "
                    "'needleplan suggest'",
                ),
            )
        if problems or profile is None:
            for problem in problems:
                to_stderr(problem.format())
            invalid.append(inp.source)
            continue
        reviews.append(review(profile, rules, today, source=inp.source))
    if unlogged:
        to_stderr(f"needleplan: note: {unlogged} profile(s) without a 'log:' were skipped")
    if not reviews and not invalid:
        raise UsageError("no profile with a session log was found", hint="add a 'log:' entry")
    documents: list[Any] = list(reviews)
    text = writer.document(documents, many) if reviews or many else ""
    for note in writer.notes:
        to_stderr(note_line(note))
    return Run(
        text=text,
        code=EXIT_INVALID if invalid else EXIT_OK,
        dicts=[r.to_dict() for r in reviews],
        invalid=invalid,
        many=many,
    )
