"""Batches: expand paths, plan each profile, keep results in input order.

A broken file is a value (an :class:`Outcome` with problems), never an
exception that stops the batch. With ``jobs > 1`` profiles are loaded,
validated, planned and rendered in worker processes; results come back in
input order, so output is byte-identical to ``jobs=1``.
"""

import datetime as dt
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import InputError, Problem, UsageError

if TYPE_CHECKING:
    from .plan import Plan
    from .profile import ConditionProfile
    from .rules import RuleSet
    from .writers import Render

YAML_SUFFIXES = (".yaml", ".yml")


class Input(NamedTuple):
    """One profile to plan: ``path`` is None for stdin."""

    source: str
    path: str | None
    root: str | None = None  # the directory it was found under, for output names
    target: str | None = None  # the file its plan is written to (--output-dir), if any


class Outcome(NamedTuple):
    """What became of one input: a plan (and its rendered text), or its problems."""

    position: int
    source: str
    plan: "Plan | None" = None
    text: str | None = None
    problems: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()  # what the writer had to say of it (for stderr)

    @property
    def ok(self) -> bool:
        return not self.problems

    def messages(self) -> list[str]:
        """Its lines for stderr: problems, then the writer's notes."""
        return [p.format() for p in self.problems] + [note_line(n) for n in self.notes]


def note_line(note: str) -> str:
    return f"needleplan: note: {note}"


def _walk(root: str) -> list[str]:
    """Every *.yaml / *.yml file under ``root``, sorted by their path parts."""
    found: list[tuple[tuple[str, ...], str]] = []
    pending: list[tuple[str, tuple[str, ...]]] = [(root, ())]
    while pending:
        folder, parts = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            raise UsageError(f"cannot read the folder '{folder}': {exc.strerror or exc}") from None
        for entry in entries:
            if entry.is_dir():
                pending.append((entry.path, (*parts, entry.name)))
            elif entry.name.lower().endswith(YAML_SUFFIXES) and entry.is_file():
                found.append(((*parts, entry.name), entry.path))
    found.sort()
    return [path for _, path in found]


def expand(paths: Sequence[str]) -> list[Input]:
    """Files as given, directories walked for *.yaml/*.yml (sorted), '-' for stdin."""
    inputs: list[Input] = []
    stdin_seen = False
    for raw in paths:
        if raw == "-":
            if stdin_seen:
                raise UsageError("'-' (stdin) given more than once")
            stdin_seen = True
            inputs.append(Input("<stdin>", None))
        elif os.path.isdir(raw):
            inputs += [Input(p, p, raw) for p in _walk(raw)]
        elif os.path.exists(raw):  # a file, or a pipe such as <(...): read with the same bounds
            if not os.access(raw, os.R_OK):
                raise UsageError(f"cannot read '{raw}': permission denied")
            inputs.append(Input(raw, raw))
        else:
            raise UsageError(
                f"no such file or directory: '{raw}'",
                hint="check the path; '-' reads a profile from stdin",
            )
    return inputs


def check_one(
    inp: Input, rules: "RuleSet"
) -> "tuple[ConditionProfile | None, tuple[Problem, ...]]":
    """Load and validate one input: the profile, or why there is none (never raised)."""
    from .loading import load_profile

    try:
        return load_profile(inp.path if inp.path is not None else "-", rules), ()
    except InputError as exc:
        return None, tuple(exc.problems)
    except OSError as exc:
        message = f"cannot read the file: {exc.strerror or exc}"
        return None, (Problem(inp.source, message),)


def plan_one(
    inp: Input,
    index: int,
    rules: "RuleSet",
    start_date: dt.date | None,
    render: "Render | None" = None,
    keep_plan: bool = True,
    force: bool = False,
) -> Outcome:
    """Load, validate and plan one input; problems are returned, never raised.

    With ``inp.target`` set, the rendered plan is written to that file here
    (so worker processes write their own files) and not returned.
    """
    from .planner import plan

    profile, problems = check_one(inp, rules)
    if profile is None:
        return Outcome(index, inp.source, problems=problems)
    if start_date is not None:
        profile = profile.model_copy(update={"start_date": start_date})
    result = plan(profile, rules, source=inp.source)
    if render is None:
        return Outcome(index, inp.source, result if keep_plan else None)
    text = render(result)
    notes = render.take_notes()
    if inp.target is not None:
        from pathlib import Path

        from .outfiles import write_atomic

        write_atomic(Path(inp.target), text, force=force)
        return Outcome(index, inp.source, notes=notes)
    return Outcome(index, inp.source, result if keep_plan else None, text, notes=notes)


# -- worker processes --------------------------------------------------------
_WORKER: dict[str, Any] = {}


class _Turns:
    """Lets workers write finished chunks straight to stdout/stderr in input order."""

    def __init__(self, ctx: Any, separator: str, encoding: str) -> None:
        self.cond = ctx.Condition()
        self.turn = ctx.Value("q", 0, lock=False)
        self.written = ctx.Value("q", 0, lock=False)
        self.separator = separator
        self.encoding = encoding


def _init_worker(
    rules_path: str | None,
    start_date: dt.date | None,
    render_factory: "Callable[[], Render | None]",
    keep_plan: bool,
    turns: _Turns | None = None,
    force: bool = False,
) -> None:
    import signal

    from .rules import load_rules

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    # Stopped by the parent on an interrupt (Pool.terminate sends SIGTERM): the default
    # action, which the kernel carries out at once. While a file is being written,
    # outfiles holds SIGTERM and re-sends it once the file is whole or removed. (A Python
    # handler here could lose the signal: one arriving just before the worker blocks on
    # the task queue's lock runs only when that lock is acquired, which can be never.)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _WORKER.update(
        rules=load_rules(rules_path),
        start_date=start_date,
        render=render_factory(),
        keep_plan=keep_plan,
        turns=turns,
        force=force,
    )


def _outcomes(start: int, chunk: Sequence[Input]) -> list[Outcome]:
    w = _WORKER
    return [
        plan_one(
            inp, start + k, w["rules"], w["start_date"], w["render"], w["keep_plan"], w["force"]
        )
        for k, inp in enumerate(chunk)
    ]


def _work(job: tuple[int, Sequence[Input]]) -> list[Outcome]:
    return _outcomes(*job)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _work_and_write(job: tuple[int, int, Sequence[Input]]) -> tuple[int, int, bool]:
    """Plan a chunk, then, at its turn, write its plans to stdout and problems/notes to stderr."""
    number, start, chunk = job
    turns: _Turns = _WORKER["turns"]
    texts: list[str] = []
    messages: list[str] = []  # for stderr: problems, then notes, in input order
    invalid = False
    for outcome in _outcomes(start, chunk):
        invalid = invalid or bool(outcome.problems)
        messages += outcome.messages()
        if not outcome.problems:
            texts.append(outcome.text or "")
    with turns.cond:
        turns.cond.wait_for(lambda: turns.turn.value == number)
        try:
            if messages:
                _write_all(2, ("\n".join(messages) + "\n").encode(turns.encoding, "replace"))
            if texts:
                body = turns.separator.join(texts)
                if turns.written.value and turns.separator:
                    body = turns.separator + body
                _write_all(1, body.encode(turns.encoding))
                turns.written.value += len(texts)
        finally:
            turns.turn.value += 1
            turns.cond.notify_all()
    return len(chunk), len(texts), invalid


def _workers(jobs: int, inputs: Sequence[Input]) -> int:
    wanted = (os.cpu_count() or 1) if jobs == 0 else jobs
    if any(i.path is None for i in inputs):
        return 1  # stdin is read once, by this process
    return max(1, min(wanted, len(inputs)))


@contextmanager
def _pool(workers: int, initargs: tuple[Any, ...]) -> Iterator[Any]:
    """A fork pool of ``workers``; closed and joined when done, terminated on an error.

    Finished work ends with close() and join(): each worker takes a last sentinel
    and exits by itself. terminate() (and its SIGTERMs) is kept for interrupts.
    """
    import gc
    import multiprocessing as mp

    # Import what the workers run, and freeze this process's objects, before forking:
    # each worker then starts warm and the GC does not touch (and copy) shared pages.
    from . import loading, planner  # noqa: F401

    ctx = mp.get_context("fork")
    gc.freeze()  # (no gc.collect() first: it cost ~8 ms, for a little garbage kept)
    pool = ctx.Pool(workers, _init_worker, initargs)
    try:
        yield pool
    except BaseException:
        pool.terminate()
        raise
    else:
        pool.close()
    finally:
        pool.join()


def _chunk_size(count: int, workers: int) -> int:
    return max(8, min(256, count // (workers * 16) or 1))


def can_stream_in_parallel(jobs: int, inputs: Sequence[Input]) -> bool:
    if _workers(jobs, inputs) <= 1:
        return False  # without importing multiprocessing, for the common one-process run
    import multiprocessing as mp

    return "fork" in mp.get_all_start_methods()


def run(
    inputs: Sequence[Input],
    rules: "RuleSet",
    *,
    rules_path: str | None,
    start_date: dt.date | None,
    jobs: int,
    render_factory: "Callable[[], Render | None]",
    keep_plan: bool = True,
    force: bool = False,
) -> Iterator[Outcome]:
    """Plan every input, yielding outcomes in input order.

    With several workers, each task is a run of consecutive inputs, so one
    message carries many plans and the output order is the input order.
    """
    workers = _workers(jobs, inputs)
    if workers <= 1 or not can_stream_in_parallel(jobs, inputs):
        render = render_factory()
        for index, inp in enumerate(inputs):
            yield plan_one(inp, index, rules, start_date, render, keep_plan, force)
        return
    size = _chunk_size(len(inputs), workers)
    tasks = [(i, inputs[i : i + size]) for i in range(0, len(inputs), size)]
    initargs = (rules_path, start_date, render_factory, keep_plan, None, force)
    with _pool(workers, initargs) as pool:
        for outcomes in pool.imap(_work, tasks):
            yield from outcomes


def stream(
    inputs: Sequence[Input],
    *,
    rules_path: str | None,
    start_date: dt.date | None,
    jobs: int,
    render_factory: "Callable[[], Render | None]",
    separator: str,
    encoding: str,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, bool]:
    """Plan in worker processes that write plans to fd 1 and problems to fd 2 themselves.

    Chunks are written strictly in input order (each waits for its turn), so
    the bytes are those a single process would write. Returns (plans written,
    any input invalid). The caller flushes its own streams first.
    """
    import multiprocessing as mp

    workers = _workers(jobs, inputs)
    turns = _Turns(mp.get_context("fork"), separator, encoding)
    size = _chunk_size(len(inputs), workers)
    tasks = [(n, i, inputs[i : i + size]) for n, i in enumerate(range(0, len(inputs), size))]
    written, failed = 0, False
    with _pool(workers, (rules_path, start_date, render_factory, False, turns)) as pool:
        for done, count, bad in pool.imap_unordered(_work_and_write, tasks):
            written += count
            failed = failed or bad
            if progress is not None:
                progress(done)
    return written, failed
