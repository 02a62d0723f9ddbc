"""Batches: load, validate and plan each profile; outcomes in input order.

A broken file is a value (an :class:`Outcome` with problems), never an
exception that stops the batch. Nothing here writes to stdout, stderr or
files: the command does, in input order, from the outcomes.

With ``jobs > 1`` forked worker processes load, plan and render runs of
consecutive inputs and send the outcomes back; the rule set and the
renderer are made once, in this process, and inherited. A worker that
cannot start, or that dies, ends the run with one :class:`Failure`.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import Failure, InputError, NeedleplanError, Problem, Terminated, note_line, quote
from .inputs import Input

if TYPE_CHECKING:
    from .profile import ConditionProfile
    from .results import Plan
    from .rules import RuleSet
    from .schedule import ClinicCalendar
    from .writers import Render

_SIGNALS = {signal.SIGINT, signal.SIGTERM}


class Outcome(NamedTuple):
    """What became of one input: a plan and/or its rendered text, or its problems."""

    position: int
    source: str
    plan: Plan | None = None
    text: str | None = None
    problems: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()  # what the writer had to say of it (for stderr)
    #: a few fields of the plan, for the batch summary and --fail-on (kept small)
    brief: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def messages(self) -> list[str]:
        """Its lines for stderr: problems, then the writer's notes."""
        return [p.format() for p in self.problems] + [note_line(n) for n in self.notes]


def _internal(source: str, exc: BaseException) -> tuple[Problem, ...]:
    """A bug met on one profile: reported as its problem, so the others are still planned."""
    detail = quote(f"{type(exc).__name__}: {exc}")
    message = f"needleplan could not handle this profile ({detail}); please report it"
    return (Problem(source, message),)


def check_one(
    inp: Input, rules: RuleSet, today: dt.date | None = None
) -> tuple[ConditionProfile | None, tuple[Problem, ...]]:
    """Load and validate one input: the profile, or why there is none (never raised).

    ``today`` bounds the session log (no session after it).
    """
    from .loading import load_profile

    try:
        return load_profile(inp.path if inp.path is not None else "-", rules, today=today), ()
    except InputError as exc:
        return None, tuple(exc.problems)
    except OSError as exc:
        return None, (Problem(inp.source, f"cannot read the file: {exc.strerror or exc}"),)
    except Exception as exc:
        return None, _internal(inp.source, exc)


def check(inputs: Sequence[Input], rules: RuleSet) -> Iterator[Outcome]:
    """Load and validate every input, in order (``needleplan validate``)."""
    for index, inp in enumerate(inputs):
        _, problems = check_one(inp, rules)
        yield Outcome(index, inp.source, problems=problems)


def brief(plan: Plan) -> dict[str, Any]:
    """The fields of a plan that the batch summary and ``--fail-on`` read."""
    return {
        "source": plan.source,
        "patient": plan.patient,
        "decision": plan.decision,
        "urgency": plan.urgency,
        "sessions": {"suggested": plan.sessions.suggested},
        "course": {"initial_block": plan.course.initial_block},
        "flags": [{"id": f.id, "level": f.level, "label": f.label} for f in plan.flags],
        "sites": [{"id": s.id, "verdict": s.verdict} for s in plan.sites],
    }


def plan_one(
    inp: Input,
    index: int,
    rules: RuleSet,
    start_date: dt.date | None,
    render: Render | None = None,
    keep_plan: bool = True,
    calendar: ClinicCalendar | None = None,
    keep_brief: bool = True,
) -> Outcome:
    """Load, validate, plan and render one input; problems are returned, never raised.

    A writer's own error (:class:`~needleplan.errors.WriterError`) is raised:
    it concerns the run, not this profile.
    """
    from .planner import plan

    profile, problems = check_one(inp, rules)
    if profile is None:
        return Outcome(index, inp.source, problems=problems)
    try:
        if start_date is not None:
            profile = profile.model_copy(update={"start_date": start_date})
        result = plan(profile, rules, source=inp.source, calendar=calendar)
        if render is None:
            return Outcome(index, inp.source, result, brief=brief(result) if keep_brief else None)
        text = render(result)
    except NeedleplanError:
        raise
    except Exception as exc:
        return Outcome(index, inp.source, problems=_internal(inp.source, exc))
    return Outcome(
        index,
        inp.source,
        result if keep_plan else None,
        text,
        notes=render.take_notes(),
        brief=brief(result) if keep_brief else None,
    )


def workers_for(jobs: int, inputs: Sequence[Input]) -> int:
    """How many processes plan ``inputs``: 1 for stdin, small batches or no ``fork``."""
    wanted = (os.cpu_count() or 1) if jobs == 0 else jobs
    if any(i.path is None for i in inputs):
        return 1  # stdin is read once, by this process
    workers = max(1, min(wanted, len(inputs)))
    if workers > 1:
        import multiprocessing as mp

        if "fork" not in mp.get_all_start_methods():
            return 1
    return workers


def run(
    inputs: Sequence[Input],
    rules: RuleSet,
    *,
    start_date: dt.date | None,
    jobs: int,
    render: Render | None,
    keep_plan: bool = True,
    keep_brief: bool = True,
    calendar: ClinicCalendar | None = None,
) -> Generator[Outcome, None, None]:
    """Plan every input, yielding outcomes in input order.

    Close the iterator (``contextlib.closing``) when stopping early: the
    workers finish the runs under way and the rest are cancelled. Ctrl-C or
    SIGTERM met while waiting on them stops them at once.
    """
    workers = workers_for(jobs, inputs)
    if workers <= 1:
        for index, inp in enumerate(inputs):
            yield plan_one(inp, index, rules, start_date, render, keep_plan, calendar, keep_brief)
        return
    args = (rules, start_date, render, keep_plan, keep_brief, calendar)
    yield from _in_workers(inputs, workers, args)


# -- worker processes --------------------------------------------------------
#: What a worker works with, set before forking and inherited (never sent, never read again).
_STATE: dict[str, Any] = {}


def _init_worker() -> None:
    """In each new worker: stay quiet, leave Ctrl-C to the parent, die at once on SIGTERM."""
    try:
        # the parent's unflushed output is not the worker's to write, at exit or ever
        sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        # Stopped by the parent with SIGTERM: the default action, which the kernel
        # carries out at once (a Python handler could wait for a lock for ever).
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)
    except BaseException as exc:  # reported by the parent, once
        _STATE["broken"] = f"{type(exc).__name__}: {exc}"


def _work(start: int, chunk: Sequence[Input]) -> list[tuple[Any, ...]] | str:
    """A run of outcomes, as plain tuples: a named tuple takes three times longer to pickle."""
    broken = _STATE.get("broken")
    if broken is not None:
        return str(broken)
    rules, start_date, render, keep_plan, keep_brief, calendar = _STATE["args"]
    return [
        tuple(plan_one(inp, start + k, rules, start_date, render, keep_plan, calendar, keep_brief))
        for k, inp in enumerate(chunk)
    ]


@contextmanager
def _signals_held() -> Iterator[None]:
    """Block Ctrl-C and SIGTERM while workers and helper threads are made.

    Workers are born with them blocked (and unblock them once their own
    handlers are set); the pool's threads keep them blocked, so the signals
    reach this thread, whose handlers stop the run.
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _chunk_size(count: int, workers: int) -> int:
    return max(8, min(256, count // (workers * 16) or 1))


def _in_workers(inputs: Sequence[Input], workers: int, args: tuple[Any, ...]) -> Iterator[Outcome]:
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    _STATE.clear()
    _STATE["args"] = args
    size = _chunk_size(len(inputs), workers)
    starts = range(0, len(inputs), size)
    sys.stdout.flush()  # a forked worker must not inherit (and one day write) buffered output
    sys.stderr.flush()
    pool = ProcessPoolExecutor(workers, mp_context=mp.get_context("fork"), initializer=_init_worker)
    finished = interrupted = False
    try:
        with _signals_held():  # the workers are forked as the first task is submitted
            # futures of our own, not pool.map's: an interrupted map cancels them, and the
            # pool's helper thread then fails on the cancelled ones (a traceback, 3.11)
            futures = [pool.submit(_work, s, inputs[s : s + size]) for s in starts]
        for future in futures:
            outcomes = future.result()
            if isinstance(outcomes, str):
                raise Failure(
                    f"a worker process could not start ({outcomes}); nothing more was planned"
                )
            yield from map(Outcome._make, outcomes)
        finished = True
    except BrokenProcessPool:  # a worker died (killed, out of memory) or could not start
        raise Failure(
            "a worker process stopped unexpectedly; nothing more was planned",
            hint="run again with --jobs 1 to plan in one process",
        ) from None
    except (KeyboardInterrupt, Terminated):
        interrupted = True
        raise
    finally:
        if finished:
            pool.shutdown(wait=True)
        elif interrupted:  # Ctrl-C or SIGTERM: the workers go now
            _stop(pool)
        else:  # the output stopped (a closed reader, a full disk): let the runs under way end
            pool.shutdown(wait=True, cancel_futures=True)


def _stop(pool: Any) -> None:
    """Stop every worker now (SIGTERM, their default action), then let the pool go.

    The workers go first: the pool's manager thread then finds them gone and fails the
    pending work (cancelling it first could race with a result already on its way, which
    the manager thread would report as a traceback).
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():  # pragma: no cover - SIGTERM is never held for long
            process.kill()
            process.join()
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False)
    if manager is not None:
        manager.join(timeout=5)  # it notices the workers are gone; never wait on it for ever
