"""Batches: expand paths, plan each profile, keep results in input order.

A broken file is a value (an :class:`Outcome` with problems), never an
exception that stops the batch. With ``jobs > 1`` profiles are loaded,
validated, planned and rendered in worker processes; results come back in
input order, so output is byte-identical to ``jobs=1``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import InputError, Problem, UsageError

if TYPE_CHECKING:
    from .plan import Plan
    from .rules import RuleSet

YAML_SUFFIXES = (".yaml", ".yml")


class Input(NamedTuple):
    """One profile to plan: ``path`` is None for stdin."""

    source: str
    path: str | None
    root: str | None = None  # the directory it was found under, for output names


class Outcome(NamedTuple):
    """What became of one input: a plan (and its rendered text), or its problems."""

    position: int
    source: str
    plan: Plan | None = None
    text: str | None = None
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


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
        elif os.path.isfile(raw):
            if not os.access(raw, os.R_OK):
                raise UsageError(f"cannot read '{raw}': permission denied")
            inputs.append(Input(raw, raw))
        elif os.path.exists(raw):
            raise UsageError(f"'{raw}' is not a regular file or directory")
        else:
            raise UsageError(
                f"no such file or directory: '{raw}'",
                hint="check the path; '-' reads a profile from stdin",
            )
    return inputs


def plan_one(
    inp: Input,
    index: int,
    rules: RuleSet,
    start_date: dt.date | None,
    render: Callable[[Plan], str] | None = None,
    keep_plan: bool = True,
) -> Outcome:
    """Load, validate and plan one input; problems are returned, never raised."""
    from .loading import load_profile
    from .planner import plan

    try:
        profile = load_profile(inp.path if inp.path is not None else "-", rules)
    except InputError as exc:
        return Outcome(index, inp.source, problems=tuple(exc.problems))
    except OSError as exc:
        message = f"cannot read the file: {exc.strerror or exc}"
        return Outcome(index, inp.source, problems=(Problem(inp.source, message),))
    if start_date is not None:
        profile = profile.model_copy(update={"start_date": start_date})
    result = plan(profile, rules, source=inp.source)
    text = render(result) if render is not None else None
    return Outcome(index, inp.source, result if keep_plan else None, text)


# -- worker processes --------------------------------------------------------
_WORKER: dict[str, Any] = {}


def _init_worker(
    rules_path: str | None,
    start_date: dt.date | None,
    render_factory: Callable[[], Callable[[Plan], str] | None],
    keep_plan: bool,
) -> None:
    import signal

    from .rules import load_rules

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    _WORKER.update(
        rules=load_rules(rules_path),
        start_date=start_date,
        render=render_factory(),
        keep_plan=keep_plan,
    )


def _work(job: tuple[int, Sequence[Input]]) -> list[Outcome]:
    start, chunk = job
    w = _WORKER
    return [
        plan_one(inp, start + k, w["rules"], w["start_date"], w["render"], w["keep_plan"])
        for k, inp in enumerate(chunk)
    ]


def run(
    inputs: Sequence[Input],
    rules: RuleSet,
    *,
    rules_path: str | None,
    start_date: dt.date | None,
    jobs: int,
    render_factory: Callable[[], Callable[[Plan], str] | None],
    keep_plan: bool = True,
) -> Iterator[Outcome]:
    """Plan every input, yielding outcomes in input order.

    With several workers, each task is a run of consecutive inputs, so one
    message carries many plans and the output order is the input order.
    """
    workers = (os.cpu_count() or 1) if jobs == 0 else jobs
    workers = min(workers, len(inputs))
    if workers <= 1 or any(i.path is None for i in inputs):
        render = render_factory()
        for index, inp in enumerate(inputs):
            yield plan_one(inp, index, rules, start_date, render, keep_plan)
        return
    import multiprocessing as mp

    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    size = max(8, min(256, len(inputs) // (workers * 8) or 1))
    tasks = [(i, inputs[i : i + size]) for i in range(0, len(inputs), size)]
    with ctx.Pool(
        workers, _init_worker, (rules_path, start_date, render_factory, keep_plan)
    ) as pool:
        for outcomes in pool.imap(_work, tasks):
            yield from outcomes
