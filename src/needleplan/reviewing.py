"""``needleplan review``: each profile's session log, reviewed.

Inputs are expanded as for ``suggest`` (files, folders, ``-``), each profile
is loaded with ``today`` bounding its log, reviewed, and the reviews are
rendered by the writer chosen by name. A broken file is reported on stderr
and counted as invalid; the others are still done. The text for stdout is
returned, so the command can page it.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import EXIT_INVALID, EXIT_OK, InputError, Problem, UsageError, note_line
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


def _stderr(text: str) -> None:
    sys.stderr.write(text.rstrip("\n") + "\n")


def run_review(
    paths: list[str],
    rules: RuleSet,
    *,
    today: dt.date,
    fmt: str,
    options: dict[str, Any],
) -> Run:
    """Review every profile named by ``paths``; problems go to stderr as they are met."""
    from .inputs import expand
    from .loading import load_profile
    from .reviewer import review
    from .writers import get_writer

    if fmt not in REVIEW_FORMATS:
        raise UsageError(
            f"the {fmt} format cannot show a review", hint=f"use {', '.join(REVIEW_FORMATS)}"
        )
    inputs = expand(paths)
    if not inputs:
        raise UsageError("no profiles found (*.yaml or *.yml)", hint="check the paths given")
    writer = get_writer(fmt, **options)
    single = (
        len(paths) == 1 and len(inputs) == 1 and (paths[0] == "-" or not Path(paths[0]).is_dir())
    )
    reviews: list[Review] = []
    invalid: list[str] = []
    unlogged = 0
    for inp in inputs:
        try:
            profile = load_profile(inp.path if inp.path is not None else "-", rules, today=today)
        except InputError as exc:
            for problem in exc.problems:
                _stderr(problem.format())
            invalid.append(inp.source)
            continue
        except OSError as exc:
            _stderr(Problem(inp.source, f"cannot read the file: {exc.strerror or exc}").format())
            invalid.append(inp.source)
            continue
        if not profile.log and inp.root is not None:
            unlogged += 1  # a plan found in a folder, not yet treated: nothing to review
            continue
        if not profile.log:
            _stderr(
                Problem(
                    inp.source,
                    "no session log to review",
                    hint="add a 'log:' entry per session (date and nrs), or plan it with "
                    "'needleplan suggest'",
                ).format()
            )
            invalid.append(inp.source)
            continue
        reviews.append(review(profile, rules, today, source=inp.source))
    many = not single
    if unlogged:
        _stderr(f"needleplan: note: {unlogged} profile(s) without a 'log:' were skipped")
    if not reviews and not invalid:
        raise UsageError("no profile with a session log was found", hint="add a 'log:' entry")
    documents: list[Any] = list(reviews)
    text = writer.document(documents, many) if reviews or many else ""
    for note in writer.notes:
        _stderr(note_line(note))
    return Run(
        text=text,
        code=EXIT_INVALID if invalid else EXIT_OK,
        dicts=[r.to_dict() for r in reviews],
        invalid=invalid,
        many=many,
    )
