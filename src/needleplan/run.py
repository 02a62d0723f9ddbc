"""One run for ``suggest``, ``review`` and ``validate``.

inputs -> load -> plan or review -> render -> write, one profile at a time, in
input order. A broken file is an :class:`Outcome` with problems (reported on
stderr as it is met), never an exception that stops the run; the others are
still done. What the batch summary and ``--fail-on`` read is the list of
outcomes :func:`run` returns.

Paths and files are :mod:`needleplan.files`' business; the terminal is
:mod:`needleplan.shell`'s. Nothing here parses options or chooses exit codes
beyond 0 / 1.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

from . import shell
from .errors import (
    EXIT_INVALID,
    EXIT_OK,
    Failure,
    InputError,
    NeedleplanError,
    Problem,
    UsageError,
    inert,
    note_line,
    quote,
    to_stderr,
)
from .files import Input, Target, profiles, target_for, write_atomic
from .loading import load_profile
from .planner import plan
from .planwording import validation_warnings
from .profile import ConditionProfile
from .results import Plan, Review
from .reviewer import review
from .rules import RuleSet
from .schedule import ClinicCalendar
from .vocab import GOING_ON, REVIEW_FORMATS
from .wording import one_or_many, say
from .writers import Writer, get_writer

Kind = Literal["suggest", "review", "validate"]

#: Show a progress bar (on a terminal's stderr) for batches larger than this.
PROGRESS_MIN_FILES = 20


@dataclass(frozen=True)
class Request:
    """What one run was asked to do: the command's options, resolved."""

    kind: Kind
    paths: Sequence[str]
    rules: RuleSet
    #: the writer's name; for ``validate``: ``text`` or ``json``
    fmt: str
    #: the review date, and the latest a logged session may be (review, validate)
    today: dt.date
    start_date: dt.date | None = None
    #: ``-o FILE`` (as given: a trailing '/' names a folder) and ``--output-dir DIR``
    file: str | None = None
    folder: Path | None = None
    force: bool = False
    #: what the writer needs besides the results: explain, clinic, calendar, width, colour
    writer_options: Mapping[str, Any] = field(default_factory=dict)
    calendar: ClinicCalendar | None = None
    #: the text is for a person's screen: kept on each outcome, not streamed
    screen: bool = False
    #: render each profile's screen (False: a batch's summary alone is shown)
    details: bool = True


@dataclass(frozen=True)
class Outcome:
    """What became of one input: what the summary and ``--fail-on`` read.

    ``decision`` is a plan's decision or a review's verdict; ``findings`` are what
    decided it, in the words the result gives them (a plan's flags, a review's
    deciding reason or its change in pain).
    """

    source: str
    problems: tuple[Problem, ...] = ()
    #: a profile without a session log found in a folder: nothing to review
    skipped: bool = False
    review: bool = False
    patient: str | None = None
    decision: str = ""
    urgency: str = "none"
    #: a review's hold and deciding finding: its summary word is the one its screen shows
    hold: bool = False
    deciding: str = ""
    #: the course in one cell: "block/all" for a plan, "+N" more sessions for a review
    sessions: str = ""
    findings: tuple[str, ...] = ()
    #: the profile's screen, when the run is for a screen
    text: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def done(self) -> bool:
        """Planned (or reviewed): neither invalid nor skipped."""
        return self.ok and not self.skipped


@dataclass
class Done:
    """What a run did: every outcome in input order, the files written, the exit code."""

    outcomes: list[Outcome]
    many: bool
    written: int = 0
    code: int = EXIT_OK

    @property
    def invalid(self) -> list[str]:
        return [o.source for o in self.outcomes if not o.ok]


# -- one profile ---------------------------------------------------------------------------


def _internal(source: str, exc: BaseException) -> tuple[Problem, ...]:
    """A bug met on one profile: reported as its problem, so the others are still done."""
    detail = quote(f"{type(exc).__name__}: {exc}")
    message = f"needleplan could not handle this profile ({detail}); please report it"
    return (Problem(source, message),)


def load(
    inp: Input, rules: RuleSet, today: dt.date | None
) -> tuple[ConditionProfile | None, tuple[Problem, ...]]:
    """Load and validate one input: the profile, or why there is none (never raised).

    ``today`` bounds the session log (no session after it): ``review`` and ``validate``
    pass the same day, so they accept and refuse the same logs.
    """
    try:
        return load_profile(inp.path if inp.path is not None else "-", rules, today=today), ()
    except InputError as exc:
        return None, tuple(exc.problems)
    except OSError as exc:
        return None, (Problem(inp.source, f"cannot read the file: {exc.strerror or exc}"),)
    except Exception as exc:
        return None, _internal(inp.source, exc)


def outcome_of(result: Plan | Review, rules: RuleSet) -> Outcome:
    """The outcome a plan or review gives: its decision, urgency, course and findings
    (in the rule set's ``summary.*`` words where the result has none of its own)."""
    source = result.source or "-"
    if isinstance(result, Review):
        findings: tuple[str, ...] = ()
        if result.verdict not in GOING_ON and result.rationale:
            findings = (result.rationale[0].reason,)
        elif result.baseline_nrs is not None and result.change is not None:
            key = "summary.change_meaningful" if result.change.meaningful else "summary.change"
            findings = (say(rules, key, baseline=result.baseline_nrs, latest=result.latest_nrs),)
        more = result.next.sessions
        decision: str = result.verdict
        sessions = f"+{more}" if more else "0"
    else:
        block = result.course.initial_block
        findings = tuple(f.label for f in result.flags)
        if result.checks and result.decision == "check_first":  # what holds the needling
            n = len(result.checks)
            findings = (say(rules, one_or_many("summary.checks", n), n=n), *findings)
        if not findings:
            avoided = sum(s.verdict == "avoid" for s in result.sites)
            if avoided:
                findings = (say(rules, one_or_many("summary.avoid", avoided), n=avoided),)
        decision = result.decision
        sessions = f"{block}/{result.sessions.suggested}" if block else "0"
    return Outcome(
        source,
        review=isinstance(result, Review),
        patient=result.patient,
        decision=decision,
        urgency=result.urgency,
        hold=isinstance(result, Review) and result.hold,
        deciding=result.deciding if isinstance(result, Review) else "",
        sessions=sessions,
        findings=findings,
    )


def _one(inp: Input, req: Request) -> tuple[Outcome, Plan | Review | None]:
    """Load and plan (or review) one input; its problems are returned, never raised."""
    reviewing = req.kind == "review"
    profile, problems = load(inp, req.rules, req.today if reviewing else None)
    if profile is None:
        return Outcome(inp.source, problems), None
    if reviewing and not profile.log:
        if inp.root is not None:  # a plan found in a folder, not yet treated
            return Outcome(inp.source, skipped=True, review=True), None
        hint = "add a 'log:' entry per session (date and nrs), or plan it with 'needleplan suggest'"
        problem = Problem(inp.source, "no session log to review", hint=hint)
        return Outcome(inp.source, (problem,)), None
    try:
        result: Plan | Review
        if reviewing:
            result = review(profile, req.rules, req.today, source=inp.source)
        else:
            if req.start_date is not None:
                profile = profile.model_copy(update={"start_date": req.start_date})
            result = plan(profile, req.rules, source=inp.source, calendar=req.calendar)
    except NeedleplanError:
        raise
    except Exception as exc:
        return Outcome(inp.source, _internal(inp.source, exc)), None
    return outcome_of(result, req.rules), result


# -- writing -------------------------------------------------------------------------------


class _Sink:
    """Where rendered results go, in input order: stdout, one file, or a file per input.

    Writers take a Plan or a Review alike (``writers.base`` types them as plans: hence
    the few ``type: ignore`` below); a binary writer (PDF) gives bytes.
    """

    def __init__(self, writer: Writer, target: Target, many: bool, out: TextIO) -> None:
        self.writer = writer
        self.target = target
        self.many = many
        self.out = out
        self.count = 0  # results taken
        self.written = 0  # files written
        self.parts: list[str | bytes] = []  # the one file's text, streamed into memory
        #: a writer that makes a whole document fills it as the results come
        self.whole = None if writer.streaming else writer.whole(many)

    def add(self, index: int, result: Plan | Review) -> None:
        writer = self.writer
        if self.target.folder is not None:
            text = writer.file_text(result)  # type: ignore[arg-type]
            write_atomic(self.target.paths[index], text, force=self.target.force)
            self.written += 1
        elif self.whole is not None:
            self.whole.add(result)
        else:
            # begun with the first result: one profile that fails leaves the output empty in
            # every format (no CSV header alone, no HTML head without its end)
            head = writer.separator(self.many) if self.count else writer.begin(self.many)
            self._put(head + writer.item(result, self.many))  # type: ignore[arg-type]
        self.count += 1

    def _put(self, text: str | bytes) -> None:
        """Text, or bytes from a binary writer (a PDF)."""
        if self.target.file is not None:
            self.parts.append(text)
        elif isinstance(text, bytes):
            self.out.flush()
            self.out.buffer.write(text)
        else:
            self.out.write(text)

    def close(self) -> None:
        writer = self.writer
        if self.target.folder is not None:
            return
        pieces: Iterable[str | bytes] = self.parts
        if self.whole is not None:
            if not (self.count or self.many):
                return
            # a whole document comes in pieces, none of them all of it
            pieces = self.whole.parts()
            if self.target.file is None:
                for piece in pieces:
                    self._put(piece)
        elif self.count or self.many:
            self._put((writer.begin(self.many) if not self.count else "") + writer.end(self.many))
        if self.target.file is not None:
            if self.count:
                write_atomic(self.target.file, pieces, force=self.target.force)
                self.written = 1
        else:
            self.out.flush()

    def said(self, rules: RuleSet, stopped: bool) -> str | None:
        """What the run wrote to files, for stderr (None when it wrote to stdout)."""
        where = inert(self.target.where)
        if self.target.folder is not None:
            n = self.written
            said = say(rules, one_or_many("run.wrote_files", n), n=n, where=where)
            said = say(rules, "run.then_stopped", said=said) if stopped else said
        elif self.target.file is not None:
            said = say(rules, "run.wrote" if self.written else "run.nothing_written", where=where)
        else:
            return None
        return f"needleplan: {said}"


def _writer(req: Request) -> Writer:
    if req.kind == "review" and req.fmt not in REVIEW_FORMATS:
        raise UsageError(
            f"the {req.fmt} format cannot show a review",
            hint=f"use one of {', '.join(REVIEW_FORMATS)}",
        )
    options = {**req.writer_options, "review": req.kind == "review", "rules": req.rules}
    if req.folder is not None or req.file is not None:
        options["color"] = False  # files never hold terminal colour codes
    try:
        writer = get_writer(req.fmt, **options)
    except (KeyError, ModuleNotFoundError):  # a format whose writer is not installed here
        raise UsageError(
            f"the {req.fmt} format is not available in this installation",
            hint=f"install the '{req.fmt}' extra: pip install 'needleplan[{req.fmt}]'",
        ) from None
    to_stdout = req.file is None and req.folder is None
    if getattr(writer, "binary", False) and to_stdout and shell.stdout_is_tty():
        raise UsageError(
            f"a {req.fmt} file is not shown on a terminal",
            hint="write it with -o FILE or --output-dir DIR, or redirect stdout",
        )
    return writer


def run(req: Request, out: TextIO | None = None) -> Done:
    """Do the run ``req`` asks for; problems go to stderr as they are met."""
    inputs, many = profiles(req.paths)
    stream = sys.stdout if out is None else out
    if req.kind == "validate":
        return _validate(inputs, req, stream, many)
    writer = _writer(req)
    target = target_for(
        inputs,
        file=req.file,
        folder=req.folder,
        fmt=req.fmt,
        extension=writer.extension,
        force=req.force,
    )
    sink = _Sink(writer, target, many, stream)
    done = Done([], many)
    on_screen = req.screen or (target.stdout and shell.stdout_is_tty())
    bar = (
        shell.progress(len(inputs)) if len(inputs) > PROGRESS_MIN_FILES and not on_screen else None
    )
    said: str | None = None  # what was written to files, and where: said last
    try:
        for index, inp in enumerate(inputs):
            outcome, result = _one(inp, req)
            for problem in outcome.problems:
                to_stderr(problem.format())
            if result is not None:
                if req.screen:
                    if req.details or not many:
                        text = writer.document([result], many=False)  # type: ignore[list-item]
                        outcome = dataclasses.replace(outcome, text=text)
                else:
                    sink.add(index, result)
            for note in writer.notes:
                to_stderr(note_line(note))
            writer.notes.clear()
            done.outcomes.append(outcome)
            if bar is not None:
                bar.advance(0)
        if not req.screen:
            sink.close()
            for note in writer.notes:
                to_stderr(note_line(note))
        said = sink.said(req.rules, False)
    except Failure as exc:  # what was written is said after the reason, as its last line
        exc.after = sink.said(req.rules, True)
        raise
    except BaseException:  # Ctrl-C, SIGTERM, an output that failed
        said = sink.said(req.rules, True)
        raise
    finally:
        if bar is not None:
            bar.stop()
        if said is not None:
            to_stderr(said)
    done.written = sink.written
    if req.kind == "review":
        _review_ends(done, req.rules)
    done.code = EXIT_INVALID if done.invalid else EXIT_OK
    return done


def _review_ends(done: Done, rules: RuleSet) -> None:
    skipped = sum(o.skipped for o in done.outcomes)
    if skipped:
        to_stderr(note_line(say(rules, one_or_many("run.skipped", skipped), n=skipped)))
    if not any(o.done for o in done.outcomes) and not done.invalid:
        raise UsageError("no profile with a session log was found", hint="add a 'log:' entry")


def _validate(inputs: Sequence[Input], req: Request, out: TextIO, many: bool) -> Done:
    """Check every profile (the session log bounded by ``today``, as ``review`` does)."""
    done = Done([], many)
    report: list[dict[str, object]] = []
    for inp in inputs:
        profile, problems = load(inp, req.rules, req.today)
        done.outcomes.append(Outcome(inp.source, problems))
        open_checks = validation_warnings(inp.source, profile, req.rules)
        if req.fmt == "json":
            report.append(
                {
                    "source": inp.source,
                    "valid": not problems,
                    "problems": [p.to_dict() for p in problems],
                    "warnings": [record for _, record in open_checks],
                }
            )
        else:
            for problem in problems:
                to_stderr(problem.format())
            for line, _ in open_checks:
                to_stderr(line)
    invalid = len(done.invalid)
    if req.fmt == "json":
        out.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        out.flush()
    else:
        n = len(inputs)
        to_stderr(
            "needleplan: " + say(req.rules, one_or_many("run.checked", n), n=n, invalid=invalid)
        )
    done.code = EXIT_INVALID if invalid else EXIT_OK
    return done
