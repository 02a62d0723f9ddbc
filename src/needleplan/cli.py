"""The command line: options in, library calls out. No clinical logic here.

Only Typer and the standard library are imported at start-up; everything
else is imported inside the command that needs it.
"""

import contextlib
import functools
import os
import signal
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from . import __version__
from .errors import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
    Failure,
    NeedleplanError,
    RulesError,
    Terminated,
    UsageError,
    inert,
)

if TYPE_CHECKING:
    import datetime as dt

    from .rules import RuleSet

app = typer.Typer(
    name="needleplan",
    help="Suggest an explained, safety-first dry-needling course from YAML condition profiles. "
    "It informs a licensed clinician's judgement and never diagnoses.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Format(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    yaml = "yaml"
    markdown = "markdown"
    fhir = "fhir"
    ics = "ics"


class CheckFormat(str, Enum):
    text = "text"
    json = "json"


class RulesFormat(str, Enum):
    table = "table"
    yaml = "yaml"


class SchemaKind(str, Enum):
    profile = "profile"
    rules = "rules"
    plan = "plan"


def _err(text: str) -> None:
    sys.stderr.write(text.rstrip("\n") + "\n")


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that Python's last flush at exit cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    with contextlib.suppress(OSError, ValueError):  # a replaced stdout (tests)
        os.dup2(devnull, sys.stdout.fileno())


F = TypeVar("F", bound=Callable[..., Any])


def _guard(fn: F) -> F:
    """Turn needleplan's own errors into messages and exit codes, never tracebacks."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except RulesError as exc:
            for problem in exc.problems:
                _err(problem.format())
            _err("needleplan: error: the rule set is invalid; nothing was planned")
            raise typer.Exit(EXIT_USAGE) from None
        except Failure as exc:
            _err(exc.format())
            raise typer.Exit(EXIT_USAGE) from None
        except NeedleplanError as exc:  # any other error of needleplan's own (e.g. a writer's)
            _err(f"needleplan: error: {inert(str(exc))}")
            raise typer.Exit(EXIT_USAGE) from None
        except KeyboardInterrupt:
            _err("needleplan: interrupted")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except Terminated:
            _err("needleplan: terminated")
            raise typer.Exit(EXIT_TERMINATED) from None
        except BrokenPipeError:
            # the reader went away (e.g. `| head`): stop quietly
            _quiet_stdout()
            raise typer.Exit(EXIT_OK) from None
        except OSError as exc:  # writing stdout failed: disk full, a closed device...
            _quiet_stdout()
            _err(f"needleplan: error: cannot write the output: {exc.strerror or exc}")
            raise typer.Exit(EXIT_USAGE) from None

    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"needleplan {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """needleplan: dry-needling course suggestions for licensed clinicians."""


RulesOpt = Annotated[
    Path | None,
    typer.Option(
        "--rules", metavar="FILE", help="A custom rule set (YAML). Default: the shipped rules."
    ),
]
PathsArg = Annotated[
    list[str],
    typer.Argument(
        metavar="PATH",
        help="Profile files, directories (walked for *.yaml/*.yml) or '-' for stdin.",
    ),
]


def _load_rules(path: Path | None) -> "RuleSet":
    from .rules import load_rules

    if path is not None and not path.is_file():
        raise UsageError(f"cannot read rules file '{path}': no such file")
    return load_rules(path)


def _parse_date(value: str | None) -> "dt.date | None":
    if value is None:
        return None
    import datetime as dt

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"--start-date must be a date written YYYY-MM-DD, not '{value[:20]}'",
            hint="e.g. --start-date 2026-12-01",
        ) from None


def colour_wanted(tty: bool) -> bool:
    """Colour on a terminal or with FORCE_COLOR; NO_COLOR (any non-empty value) always wins."""
    if os.environ.get("NO_COLOR"):
        return False
    return tty or bool(os.environ.get("FORCE_COLOR"))


def _stdout_is_tty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


@app.command()
@_guard
def suggest(
    paths: PathsArg,
    rules: RulesOpt = None,
    format: Annotated[
        Format | None,
        typer.Option(
            "--format",
            "-f",
            help="Output format. Default: table on a terminal, json otherwise.",
            show_default=False,
        ),
    ] = None,
    output_dir: Annotated[
        Path | None,
        typer.Option(
            "--output-dir", "-o", metavar="DIR", help="Write one file per profile into DIR."
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite existing output files.")
    ] = False,
    start_date: Annotated[
        str | None,
        typer.Option(
            "--start-date", metavar="YYYY-MM-DD", help="First session date (overrides start_date)."
        ),
    ] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=0, help="Worker processes; 0 = all cores.")
    ] = 1,
) -> None:
    """Suggest a course for each profile (invalid profiles are reported; the rest are planned)."""
    from .suggest import SuggestOptions, run_suggest

    tty = _stdout_is_tty()
    fmt = format.value if format else ("table" if tty else "json")
    code = run_suggest(
        SuggestOptions(
            paths=paths,
            rules=_load_rules(rules),
            fmt=fmt,
            output_dir=output_dir,
            force=force,
            start_date=_parse_date(start_date),
            jobs=jobs,
            tty=tty,
            colour=colour_wanted(tty),
        )
    )
    raise typer.Exit(code)


@app.command()
@_guard
def validate(
    paths: PathsArg,
    rules: RulesOpt = None,
    format: Annotated[
        CheckFormat,
        typer.Option("--format", "-f", help="text: problems on stderr; json: a report on stdout."),
    ] = CheckFormat.text,
) -> None:
    """Check profiles without planning: exit 0 if all are valid, 1 if any is not."""
    from .check import run_validate

    raise typer.Exit(run_validate(paths, _load_rules(rules), format.value))


@app.command()
@_guard
def new(
    condition: Annotated[
        str | None, typer.Option("--condition", "-c", metavar="ID", help="Condition id to fill in.")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write the template to FILE instead of stdout."
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
    rules: RulesOpt = None,
) -> None:
    """Print a commented template profile that validates as it is."""
    from .template import template

    text = template(_load_rules(rules), condition)
    if output is None:
        sys.stdout.write(text)
        return
    from .outfiles import write_atomic

    write_atomic(output, text, force=force)
    _err(f"needleplan: wrote {output}")


@app.command()
@_guard
def schema(
    kind: Annotated[SchemaKind, typer.Argument(help="Which schema.")] = SchemaKind.profile,
    rules: RulesOpt = None,
) -> None:
    """Print a JSON Schema (draft 2020-12) for editors and check-jsonschema."""
    import json

    from .schema import json_schema

    rule_set = _load_rules(rules) if kind is SchemaKind.profile else None
    sys.stdout.write(
        json.dumps(json_schema(kind.value, rule_set), indent=2, ensure_ascii=False) + "\n"
    )


@app.command("rules")
@_guard
def rules_cmd(
    rules: RulesOpt = None,
    format: Annotated[
        RulesFormat,
        typer.Option(
            "--format", "-f", help="table: a readable summary; yaml: an export for --rules."
        ),
    ] = RulesFormat.table,
) -> None:
    """Show the rule set in use, or export it as YAML to keep a clinic's own protocol."""
    from .rulesview import rules_table, rules_yaml

    rule_set = _load_rules(rules)
    if format is RulesFormat.yaml:
        sys.stdout.write(rules_yaml(rule_set))
    else:
        sys.stdout.write(rules_table(rule_set, color=colour_wanted(_stdout_is_tty())))


def _terminated(signum: int, frame: object) -> None:
    raise Terminated


def main() -> None:
    """Console-script entry point: runs one command, then the process exits."""
    # SIGTERM ends a run as Ctrl-C does (workers stopped, no partial file), with exit 143
    signal.signal(signal.SIGTERM, _terminated)
    if hasattr(sys.stdout, "reconfigure"):
        # a file name that is not UTF-8 must not stop the output half-way
        sys.stdout.reconfigure(errors="backslashreplace")
    try:
        # prog_name: also under `python -m needleplan` (help, completion)
        app(prog_name="needleplan")
    except KeyboardInterrupt:  # pragma: no cover - interrupted outside a command
        _err("needleplan: interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except Terminated:  # pragma: no cover - terminated outside a command
        _err("needleplan: terminated")
        sys.exit(EXIT_TERMINATED)
    except NeedleplanError as exc:  # pragma: no cover - every command guards its own
        _err(f"needleplan: error: {inert(str(exc))}")
        sys.exit(EXIT_USAGE)
    finally:
        # The process ends here. Python's last garbage collections at exit walk every
        # object the imports created (Typer's and pydantic's included): about 20 ms, more
        # than a command's own work. Frozen objects are left out of those passes; exit
        # handlers, flushing and closing run as usual. (mypy skips the same work with
        # os._exit; see benchmarks/README.md.)
        import gc

        gc.freeze()
