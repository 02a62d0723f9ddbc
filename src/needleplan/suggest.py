"""``needleplan suggest``: plan a batch and write it to stdout or to files.

The one place that writes plans: stdout, stderr and output files are
written here, in input order, from the outcomes :mod:`needleplan.batch`
returns (from worker processes too).
"""

from __future__ import annotations

import datetime as dt
import gc
import sys
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .batch import run
from .errors import EXIT_INVALID, EXIT_OK, inert, note_line, to_stderr
from .inputs import profiles

if TYPE_CHECKING:
    from .results import Plan
    from .rules import RuleSet
    from .schedule import ClinicCalendar

#: Show a progress bar (on a terminal's stderr) for batches larger than this.
PROGRESS_MIN_FILES = 20


@dataclass
class SuggestOptions:
    """What one ``suggest`` run was asked to do (the command's options, resolved)."""

    paths: list[str]
    rules: RuleSet
    fmt: str
    output_dir: Path | None
    force: bool
    start_date: dt.date | None
    jobs: int
    tty: bool
    colour: bool
    #: what the writer needs besides the plans: explain, clinic, calendar
    writer_options: dict[str, Any] = field(default_factory=dict)
    #: the clinic's calendar for schedules (working days, holidays)
    calendar: ClinicCalendar | None = None
    #: where plans go (default stdout; the CLI passes a buffer when it pages)
    out: TextIO | None = None
    width: int | None = None
    #: keep a brief of each plan (for the batch summary and --fail-on)
    collect: bool = False


@dataclass
class Suggested:
    """What a run did: its exit code, a brief of each plan, the invalid sources."""

    code: int
    briefs: list[dict[str, Any]]
    invalid: list[str]
    many: bool


def _progress(total: int, to_file: bool, tty_out: bool) -> Any:
    """A Rich progress bar on stderr, only on a terminal and only for real batches."""
    if total <= PROGRESS_MIN_FILES or not sys.stderr.isatty() or (tty_out and not to_file):
        return None
    from rich.console import Console
    from rich.progress import Progress

    # redirect_stdout=False: Rich would otherwise route the plans into the bar's terminal
    progress = Progress(
        console=Console(stderr=True), transient=True, redirect_stdout=False, redirect_stderr=False
    )
    progress.start()
    progress.add_task("planning", total=total)
    return progress


def run_suggest(opts: SuggestOptions) -> Suggested:
    """Plan every profile named in ``opts``; its exit code (0, or 1 if any was invalid)."""
    from .writers import get_writer, renderer

    inputs, many = profiles(opts.paths)
    from .textfit import terminal_width

    width = opts.width or terminal_width(opts.tty)
    options: dict[str, Any] = {
        "color": opts.colour and opts.output_dir is None,
        "width": width,
        **opts.writer_options,
    }
    writer = get_writer(opts.fmt, **options)
    targets: list[Path] = []
    if opts.output_dir is not None:
        from .outfiles import output_paths

        # every name checked (and refused, if need be) before the first file is written
        targets = output_paths(inputs, opts.output_dir, writer.extension, force=opts.force)
    to_files = opts.output_dir is not None
    render = renderer(writer, as_file=to_files, many=many)
    if len(inputs) > 1:
        # What exists now (modules, Typer's and pydantic's objects, the rules) lives until
        # exit: frozen, the collector stops walking it every few thousand allocations, and
        # forked workers share its pages untouched.
        gc.freeze()
    outcomes = run(
        inputs,
        opts.rules,
        start_date=opts.start_date,
        jobs=opts.jobs,
        render=render,
        keep_plan=not writer.streaming and not to_files,
        keep_brief=opts.collect,
        calendar=opts.calendar,
    )
    progress = _progress(len(inputs), to_files, opts.tty)
    done = Suggested(EXIT_OK, [], [], many)
    try:
        with closing(outcomes):
            kept = _kept(outcomes, done, progress, opts.collect)
            if to_files:
                written = _to_files(kept, targets, opts.force)
            else:
                written = _to_stdout(kept, writer, many, opts.out or sys.stdout)
    finally:
        if progress is not None:
            progress.stop()
    for note in writer.notes:
        to_stderr(note_line(note))
    if to_files:
        to_stderr(f"needleplan: wrote {written} file(s) to {inert(str(opts.output_dir))}")
    done.code = EXIT_INVALID if done.invalid else EXIT_OK
    return done


def _kept(outcomes: Any, done: Suggested, progress: Any, collect: bool) -> Any:
    """The planned outcomes; problems and notes reported, briefs and invalid sources kept."""
    for outcome in outcomes:
        if progress is not None:
            progress.advance(0)
        for line in outcome.messages():
            to_stderr(line)
        if not outcome.ok:
            done.invalid.append(outcome.source)
            continue
        if collect and outcome.brief is not None:
            done.briefs.append(outcome.brief)
        yield outcome


def _to_files(outcomes: Any, targets: list[Path], force: bool) -> int:
    from .outfiles import write_atomic

    written = 0
    for outcome in outcomes:
        write_atomic(targets[outcome.position], outcome.text or "", force=force)
        written += 1
    return written


def _to_stdout(outcomes: Any, writer: Any, many: bool, out: TextIO) -> int:
    written = 0
    collected: list[Plan] = []
    for outcome in outcomes:
        if writer.streaming:
            # begun with the first plan: one profile that fails leaves stdout empty in every
            # format (no CSV header alone, no HTML head without its end)
            out.write(writer.separator(many) if written else writer.begin(many))
            out.write(outcome.text or "")
        else:
            assert outcome.plan is not None
            collected.append(outcome.plan)
        written += 1
    if writer.streaming and (written or many):
        out.write((writer.begin(many) if not written else "") + writer.end(many))
    elif collected or many:
        out.write(writer.document(collected, many))
    out.flush()
    return written
