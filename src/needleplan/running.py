"""Runs that keep what they made: reviews, and plans with a clinic's settings.

``run_review`` is ``needleplan review``: inputs are expanded as for
``suggest`` (files, folders, ``-``), each profile is loaded with ``today``
bounding its log, reviewed, and the reviews are rendered by the writer chosen
by name. ``run_plans`` plans in this process with a clinic's calendar and the
writer options of the therapist's screen (``explain``, ``clinic``,
``calendar``), and keeps each plan's dict for the batch summary and
``--fail-on``. A broken file is reported on stderr and counted as invalid;
the others are still done. The text for stdout is returned, so the command
can page it.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import EXIT_INVALID, EXIT_OK, InputError, Problem, UsageError, note_line

#: The formats that show a review (a calendar or a CSV row of plan columns do not).
REVIEW_FORMATS = ("table", "json", "jsonl", "yaml", "markdown", "html", "fhir")

if TYPE_CHECKING:
    from .inputs import Input
    from .plan import Plan, Review
    from .rules import RuleSet
    from .schedule import ClinicCalendar


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
    from .review import review
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


def _single(paths: list[str], inputs: list[Input]) -> bool:
    return len(paths) == 1 and len(inputs) == 1 and (paths[0] == "-" or not Path(paths[0]).is_dir())


def run_plans(
    paths: list[str],
    rules: RuleSet,
    *,
    fmt: str,
    options: dict[str, Any],
    start_date: dt.date | None = None,
    calendar: ClinicCalendar | None = None,
    output_dir: Path | None = None,
    force: bool = False,
) -> Run:
    """Plan every profile named by ``paths`` in this process (files written as they are made)."""
    from .batch import check_one
    from .errors import inert
    from .inputs import expand
    from .planner import plan
    from .writers import get_writer

    inputs = expand(paths)
    if not inputs:
        raise UsageError("no profiles found (*.yaml or *.yml)", hint="check the paths given")
    writer = get_writer(fmt, **options)
    many = not _single(paths, inputs)
    targets: list[Path] = []
    if output_dir is not None:
        from .outfiles import output_paths, write_atomic

        # every name checked (and refused, if need be) before the first file is written
        targets = output_paths(inputs, output_dir, writer.extension, force=force)
    plans: list[Plan] = []
    dicts: list[dict[str, Any]] = []
    invalid: list[str] = []
    written = 0
    for index, inp in enumerate(inputs):
        profile, problems = check_one(inp, rules)
        if profile is None:
            for problem in problems:
                _stderr(problem.format())
            invalid.append(inp.source)
            continue
        if start_date is not None:
            profile = profile.model_copy(update={"start_date": start_date})
        result = plan(profile, rules, source=inp.source, calendar=calendar)
        dicts.append(result.to_dict())
        if output_dir is not None:
            write_atomic(targets[index], writer.file_text(result), force=force)
            written += 1
        else:
            plans.append(result)
    text = ""
    if output_dir is None and (plans or many):
        text = writer.document(plans, many)
    for note in writer.notes:
        _stderr(note_line(note))
    if output_dir is not None:
        _stderr(f"needleplan: wrote {written} file(s) to {inert(str(output_dir))}")
    return Run(text, EXIT_INVALID if invalid else EXIT_OK, dicts, invalid, many)
