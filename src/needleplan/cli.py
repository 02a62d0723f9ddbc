"""The command line: options in, library calls out. No clinical logic here.

Only Typer and the standard library are imported at start-up; everything
else is imported inside the command that needs it.
"""

import copy
import functools
import os
import sys
from collections.abc import Callable, Sequence
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from . import __version__
from .errors import NeedleplanError, Problem, RulesError, UsageError

if TYPE_CHECKING:
    import datetime as dt

    from .rules import RuleSet

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

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


def _report(problems: Sequence[Problem]) -> None:
    for p in problems:
        _err(p.format())


F = TypeVar("F", bound=Callable[..., Any])


def _guard(fn: F) -> F:
    """Turn needleplan's own errors into messages and exit codes, never tracebacks."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except RulesError as exc:
            _report(exc.problems)
            _err("needleplan: error: the rule set is invalid; nothing was planned")
            raise typer.Exit(EXIT_USAGE) from None
        except UsageError as exc:
            _err(exc.format())
            raise typer.Exit(EXIT_USAGE) from None
        except KeyboardInterrupt:
            _err("needleplan: interrupted")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except BrokenPipeError:
            # the reader went away (e.g. `| head`): stop quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(EXIT_OK) from None

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
            rules_path=rules,
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
    from .batch import check_one, expand
    from .loading import build_validator

    rule_set = _load_rules(rules)
    inputs = expand(paths)
    build_validator(len(inputs))
    report: list[dict[str, object]] = []
    invalid = 0
    for inp in inputs:
        _, problems = check_one(inp, rule_set)
        invalid += bool(problems)
        if format is CheckFormat.json:
            report.append(
                {
                    "source": inp.source,
                    "valid": not problems,
                    "problems": [p.to_dict() for p in problems],
                }
            )
        else:
            _report(problems)
    if format is CheckFormat.json:
        import json

        sys.stdout.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    else:
        _err(f"needleplan: {len(inputs)} profile(s) checked, {invalid} invalid")
    raise typer.Exit(EXIT_INVALID if invalid else EXIT_OK)


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


def app_for(args: Sequence[str]) -> typer.Typer:
    """The app to run for ``args``: only the named command when the first argument names one.

    Typer turns every registered command into a Click command before it parses
    anything; building the other four costs a few milliseconds at every start.
    Help, completion and anything else that is not a plain command name get the
    whole app.
    """
    if not args:
        return app
    chosen = [c for c in app.registered_commands if _command_name(c) == args[0]]
    if not chosen:
        return app
    only = copy.copy(app)
    only.registered_commands = chosen
    return only


def _command_name(info: Any) -> str:
    """The name Typer gives a registered command."""
    return str(info.name or typer.main.get_command_name(info.callback.__name__))


def main() -> None:
    """Console-script entry point: runs one command, then the process exits."""
    try:
        # prog_name: also under `python -m needleplan` (help, completion)
        app_for(sys.argv[1:])(prog_name="needleplan")
    except KeyboardInterrupt:  # pragma: no cover - interrupted outside a command
        _err("needleplan: interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except NeedleplanError as exc:  # pragma: no cover - every command guards its own
        _err(f"needleplan: error: {exc}")
        sys.exit(EXIT_USAGE)
    finally:
        # The process ends here. Python's last garbage collections at exit walk every
        # object the imports created (Typer's and pydantic's included): about 20 ms, more
        # than a command's own work. Frozen objects are left out of those passes; exit
        # handlers, flushing and closing run as usual. (mypy skips the same work with
        # os._exit; see benchmarks/README.md.)
        import gc

        gc.freeze()
