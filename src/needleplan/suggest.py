"""``needleplan suggest``: plan a batch and write it to stdout or to files."""

from __future__ import annotations

import datetime as dt
import functools
import gc
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .batch import Input, Outcome, can_stream_in_parallel, expand, note_line, run, stream
from .errors import UsageError

if TYPE_CHECKING:
    from .plan import Plan
    from .rules import RuleSet

#: Show a progress bar (on a terminal's stderr) for batches larger than this.
PROGRESS_MIN_FILES = 20


@dataclass
class SuggestOptions:
    paths: list[str]
    rules_path: Path | None
    rules: RuleSet
    fmt: str
    output_dir: Path | None
    force: bool
    start_date: dt.date | None
    jobs: int
    tty: bool
    colour: bool

    @property
    def rules_file(self) -> str | None:
        """The custom rule set's path, as worker processes load it again."""
        return str(self.rules_path) if self.rules_path else None


def _stderr(text: str) -> None:
    sys.stderr.write(text.rstrip("\n") + "\n")


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


def run_suggest(opts: SuggestOptions) -> int:
    from .loading import build_validator
    from .writers import get_writer, renderer

    inputs = expand(opts.paths)
    if not inputs:
        raise UsageError("no profiles found (*.yaml or *.yml)", hint="check the paths given")
    width = shutil.get_terminal_size((100, 24)).columns if opts.tty else 100
    options: dict[str, Any] = {"color": opts.colour and opts.output_dir is None, "width": width}
    writer = get_writer(opts.fmt, **options)
    single = (
        len(opts.paths) == 1
        and len(inputs) == 1
        and (opts.paths[0] == "-" or not Path(opts.paths[0]).is_dir())
    )
    many = not single
    to_files = opts.output_dir is not None
    names: list[str] = []
    if opts.output_dir is not None:
        names = [str(opts.output_dir / n) for n in _names(inputs, writer.extension)]
        if not opts.force:
            existing = [n for n in names if Path(n).exists()]
            if existing:
                raise UsageError(
                    f"{len(existing)} output file(s) exist, e.g. '{existing[0]}'; "
                    "nothing was written",
                    hint="pass --force to replace them",
                )
    mode = "file" if to_files else "item"
    factory = functools.partial(renderer, opts.fmt, mode, options, many)
    keep_plan = not writer.streaming and not to_files
    if to_files:  # each plan is written to its file where it is made (in a worker, with --jobs)
        inputs = [inp._replace(target=name) for inp, name in zip(inputs, names, strict=True)]
    if len(inputs) > 1:
        build_validator(len(inputs))
        # What exists now (modules, Typer's and pydantic's objects, the rules, the profile
        # validator) lives until exit: frozen, the collector stops walking it every few
        # thousand allocations (9 to 24 ms per 5,000 profiles), and forked workers share
        # its pages untouched.
        gc.freeze()
    if writer.streaming and not to_files and can_stream_in_parallel(opts.jobs, inputs):
        return _stream_in_parallel(opts, inputs, writer, factory, many)
    outcomes = run(
        inputs,
        opts.rules,
        rules_path=opts.rules_file,
        start_date=opts.start_date,
        jobs=opts.jobs,
        render_factory=factory,
        keep_plan=keep_plan,
        force=opts.force,
    )
    progress = _progress(len(inputs), to_files, opts.tty)
    failed = False
    collected: list[Plan] = []
    out = sys.stdout
    written = 0
    try:
        if writer.streaming and not to_files:
            out.write(writer.begin(many))
        for outcome in outcomes:
            if progress is not None:
                progress.advance(0)
            _report(outcome)
            if not outcome.ok:
                failed = True
                continue
            if not to_files:  # with --output-dir, plan_one has written the file
                if writer.streaming:
                    if written:
                        out.write(writer.separator(many))
                    out.write(outcome.text or "")
                else:
                    assert outcome.plan is not None
                    collected.append(outcome.plan)
            written += 1
        if not to_files:
            if writer.streaming:
                out.write(writer.end(many) if written or many else "")
            elif collected or many:
                out.write(writer.document(collected, many))
        out.flush()
    finally:
        if progress is not None:
            progress.stop()
    for note in writer.notes:
        _stderr(note_line(note))
    if to_files:
        _stderr(f"needleplan: wrote {written} file(s) to {opts.output_dir}")
    return 1 if failed else 0


def _stream_in_parallel(
    opts: SuggestOptions, inputs: list[Input], writer: Any, factory: Any, many: bool
) -> int:
    """Workers write plans to stdout themselves, in input order (see batch.stream)."""
    out = sys.stdout
    out.write(writer.begin(many))
    out.flush()
    sys.stderr.flush()
    progress = _progress(len(inputs), False, opts.tty)
    try:
        written, failed = stream(
            inputs,
            rules_path=opts.rules_file,
            start_date=opts.start_date,
            jobs=opts.jobs,
            render_factory=factory,
            separator=writer.separator(many),
            encoding=out.encoding or "utf-8",
            progress=(lambda n: progress.advance(0, n)) if progress is not None else None,
        )
    finally:
        if progress is not None:
            progress.stop()
    out.write(writer.end(many) if written or many else "")
    out.flush()
    return 1 if failed else 0


def _names(inputs: Any, extension: str) -> list[str]:
    from .outfiles import output_names

    return output_names(inputs, extension)


def _report(outcome: Outcome) -> None:
    for line in outcome.messages():
        _stderr(line)
