"""Measure needleplan's speed and memory against their floors, in one run.

    python benchmarks/run.py            # everything (a few minutes)
    python benchmarks/run.py --quick    # fewer repetitions

It generates profiles into a temporary folder, writes the reference
programs (an empty two-command Typer app; the same app with needleplan's
run-time stack loaded; and the batch floor: PyYAML's C loader plus a small
pydantic model), then times them interleaved with
needleplan, so a noisy machine affects both sides alike. Peak memory comes
from ``/usr/bin/time -v`` when it exists (else ``resource.getrusage``).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EMPTY_TYPER = """\
import typer

app = typer.Typer()


@app.command()
def suggest(path: str, format: str = "json") -> None:
    print(path, format)


@app.command()
def validate(path: str) -> None:
    print(path)


app()
"""

#: The empty Typer app with needleplan's own run-time stack loaded (Rich's console,
#: progress bar and table, PyYAML's C loader, one pydantic model and one TypeAdapter
#: built): what any program on this stack pays before its first line of work.
STACK = EMPTY_TYPER.replace(
    "import typer\n",
    """import typer
import yaml
from pydantic import BaseModel, TypeAdapter
from rich.console import Console
from rich.progress import Progress
from rich.table import Table


class Profile(BaseModel):
    condition: str
    severity: int


TypeAdapter(list[Profile])
""",
)

FLOOR = """\
import datetime
import sys
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    patient: str | None = None
    condition: str
    region: str | None = None
    severity: int | str
    duration: str | int
    health_factors: list[str] = []
    underlying_factors: list[str] = []
    age: int | None = None
    previous_response: str = "unknown"
    sessions_per_week: int | None = None
    start_date: datetime.date | None = None
    notes: str | None = None


for path in sorted(Path(sys.argv[1]).rglob("*.yaml")):
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    Profile.model_validate(data)
"""


def plannable_ids() -> tuple[list[str], list[str], list[str]]:
    """Conditions, health factors and underlying factors of the installed rule set,
    leaving out the factors that stop a course (red flags and contraindications)."""
    from needleplan import load_rules

    rules = load_rules()
    factors = [
        k for k, f in rules.health_factors.items() if f.level in ("prognostic", "precaution")
    ]
    return sorted(rules.conditions), sorted(factors), sorted(rules.underlying_factors)


def _ids(key: str, ids: list[str], block: bool) -> str:
    if block and ids:
        return f"{key}:\n" + "".join(f"  - {i}\n" for i in ids)
    return f"{key}: [{', '.join(ids)}]\n"


def make_profiles(folder: Path, count: int, seed: int = 7) -> None:
    """Profiles as therapists write them: mostly flow lists, a third with block lists,
    some with comments and quoted text."""
    rng = random.Random(seed)
    conditions, all_factors, underlying = plannable_ids()
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        factors = rng.sample(all_factors, rng.randint(0, 3))
        under = rng.sample(underlying, rng.randint(0, 2))
        unit = rng.choice(["days", "weeks", "months", "years"])
        block = rng.random() < 1 / 3
        text = (
            ("# intake profile\n" if rng.random() < 0.5 else "")
            + (f'patient: "P-{i:05d}"\n' if rng.random() < 0.3 else f"patient: P-{i:05d}\n")
            + f"condition: {rng.choice(conditions)}\n"
            + f"region: side {rng.randint(1, 9)}\n"
            + f"severity: {rng.randint(0, 10)}   # pain NRS\n"
            + f"duration: {rng.randint(1, 20)} {unit}\n"
            + _ids("health_factors", factors, block)
            + _ids("underlying_factors", under, block)
            + f"age: {rng.randint(18, 90)}\n"
            + f"sessions_per_week: {rng.randint(1, 3)}\n"
            + f"start_date: 2026-12-{rng.randint(1, 28):02d}\n"
        )
        (folder / f"p{i:05d}.yaml").write_text(text, encoding="utf-8")


def timed(cmd: list[str]) -> tuple[float, int, float]:
    """Wall seconds, peak RSS (KiB) and CPU seconds (user and system) of one run, output
    discarded; it must succeed."""
    gnu_time = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    cpu_before = _children_cpu()
    if gnu_time:
        with tempfile.NamedTemporaryFile("r") as report:
            start = time.perf_counter()
            subprocess.run(
                [gnu_time, "-v", "-o", report.name, *cmd],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            wall = time.perf_counter() - start
            peak = next(
                (
                    int(line.split(":")[1])
                    for line in report.read().splitlines()
                    if "Maximum resident set size" in line
                ),
                0,
            )
        return wall, peak, _children_cpu() - cpu_before
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, peak, _children_cpu() - cpu_before


def _children_cpu() -> float:
    """CPU seconds (user and system) of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def interleaved(
    commands: dict[str, list[str]], repeat: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall and CPU seconds of each command, run in turn ``repeat`` times."""
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, cmd in commands.items():
            seconds, _, used = timed(cmd)
            wall[name].append(seconds)
            cpu[name].append(used)
    return wall, cpu


def make_logs(folder: Path, count: int, seed: int = 11) -> None:
    """Profiles with a short session log each, for the review's measurements."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        baseline = rng.randint(4, 9)
        lines = [
            f"patient: R-{i:05d}",
            "condition: neck_pain",
            "sites: {upper_trapezius: right}",
            f"severity: {baseline}",
            "duration: 14 weeks",
            "age: 45",
            "start_date: 2026-11-02",
            "screening: {}",
            "log:",
        ]
        nrs = baseline
        for day in range(rng.randint(2, 8)):
            nrs = max(0, min(10, nrs + rng.choice([-2, -1, -1, 0, 0, 1])))
            lines.append(f"  - {{date: 2026-11-{2 + 3 * day:02d}, nrs: {nrs}}}")
        (folder / f"r{i:05d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


#: formats written one file per profile (the rest go to stdout)
PER_FILE = ("html", "markdown")
FORMATS = ("json", "jsonl", "csv", "yaml", "markdown", "html", "fhir", "ics")
#: a review is not a schedule: it has no calendar
REVIEW_FORMATS = tuple(f for f in FORMATS if f != "ics")


def run_args(command: str, fmt: str, folder: Path, out: Path) -> list[str]:
    args = [command, "--format", fmt, str(folder)]
    if fmt in PER_FILE:
        args += ["--output-dir", str(out / f"{command}-{fmt}")]
    if command == "review":
        args += ["--today", "2026-12-07"]
    return args


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    py = sys.executable
    needleplan = [py, "-m", "needleplan"]
    exe = shutil.which("needleplan")
    if exe:
        needleplan = [exe]
    # Time the program, not the compiler: an editable install run with
    # PYTHONDONTWRITEBYTECODE set would compile every module on every start (a
    # regular install writes the bytecode once, as this does).
    import needleplan as package

    subprocess.run([py, "-m", "compileall", "-q", str(Path(package.__file__).parent)], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "empty_typer.py").write_text(EMPTY_TYPER)
        (work / "floor.py").write_text(FLOOR)
        (work / "stack.py").write_text(STACK)
        make_profiles(work / "one", 1)
        make_profiles(work / "p5k", 5000)
        make_profiles(work / "p10k", 10000)
        make_logs(work / "log1", 1)
        make_logs(work / "r10k", 10000)
        one = str(next((work / "one").iterdir()))
        log = str(next((work / "log1").iterdir()))
        today = ["--today", "2026-12-07"]

        startup, startup_cpu = interleaved(
            {
                "typer": [py, str(work / "empty_typer.py"), "suggest", one],
                "stack": [py, str(work / "stack.py"), "suggest", one],
                "needleplan": [*needleplan, "suggest", "--format", "json", one],
                "review_json": [*needleplan, "review", "--format", "json", *today, log],
                "review_html": [*needleplan, "review", "--format", "html", *today, log],
            },
            8 if args.quick else 30,
        )
        batch, batch_cpu = interleaved(
            {
                "floor": [py, str(work / "floor.py"), str(work / "p5k")],
                "batch": [*needleplan, "suggest", "--format", "jsonl", str(work / "p5k")],
            },
            3 if args.quick else 7,
        )
        peaks: dict[str, float] = {}
        out = work / "out"
        runs = (("suggest", work / "p10k", FORMATS), ("review", work / "r10k", REVIEW_FORMATS))
        for command, folder, formats in runs:
            for fmt in formats:
                _, peak, _ = timed([*needleplan, *run_args(command, fmt, folder, out)])
                peaks[f"{command} {fmt}"] = peak / 1024

    med = {k: statistics.median(v) for d in (startup, batch) for k, v in d.items()}
    cpu = {k: statistics.median(v) for d in (startup_cpu, batch_cpu) for k, v in d.items()}

    def ratio(name: str, ref: str) -> str:
        """Wall-time ratio, and the CPU-time one (steadier on a machine other work shares)."""
        return f"{med[name] / med[ref]:7.2f}  (CPU {cpu[name] / cpu[ref]:.2f})"

    print(f"python {sys.version.split()[0]} on {os.cpu_count()} cores")
    typer_ms, needleplan_ms = med["typer"] * 1000, med["needleplan"] * 1000
    print(f"empty Typer app          {typer_ms:7.1f} ms (median; CPU {cpu['typer'] * 1000:.0f} ms)")
    print(
        f"needleplan suggest json  {needleplan_ms:7.1f} ms (CPU {cpu['needleplan'] * 1000:.0f} ms)"
    )
    stack_ms, stack_cpu = med["stack"] * 1000, cpu["stack"] * 1000
    print(f"the stack alone          {stack_ms:7.1f} ms (CPU {stack_cpu:.0f} ms)")
    print(f"   stack / empty Typer   {ratio('stack', 'typer')}  (what the stack uses of 1.5)")
    print(f"1. start-up ratio        {ratio('needleplan', 'typer')}  (target <= 1.5)")
    print(f"review json              {med['review_json'] * 1000:7.1f} ms")
    print(f"review html              {med['review_html'] * 1000:7.1f} ms")
    print(f"2. html/json ratio       {ratio('review_html', 'review_json')}  (target <= 1.5)")
    print(f"floor, 5,000 profiles    {med['floor']:7.2f} s (CPU {cpu['floor']:.2f} s)")
    print(f"needleplan, 5,000        {med['batch']:7.2f} s (CPU {cpu['batch']:.2f} s)")
    print(f"3. batch ratio           {ratio('batch', 'floor')}  (target <= 2.5)")
    print("4. peak RSS, 10,000 profiles (target < 100 MiB in every format)")
    for name, mib in peaks.items():
        print(f"   {name:<20}  {mib:7.1f} MiB")


if __name__ == "__main__":
    main()
