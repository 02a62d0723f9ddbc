"""The command line: options in, library calls out. No clinical logic here.

Only Typer and the standard library are imported at start-up; everything
else is imported inside the command that needs it.
"""

import contextlib
import functools
import io
import os
import signal
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
import typer.core

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
    bounded,
    error_line,
    inert,
    to_stderr,
)
from .vocab import FORMATS, REVIEW_FORMATS, SCHEMA_KINDS

if TYPE_CHECKING:
    import datetime as dt

    from .config import Config
    from .rules import RuleSet

#: Exit code when a plan (or review) has a decision named by --fail-on.
EXIT_FAIL_ON = 3


class _PlainArgument(typer.core.TyperArgument):
    """An argument shown by its metavar alone: ``PATH...``, ``ID`` (no ``<list[str]>``)."""

    def display_type(self, ctx: Any) -> str:
        return ""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _usage_display_name(self) -> str:
        name = self.display_name_raw
        return name if self.required else f"[{name.strip('[]')}]"


class _PlainOption(typer.core.TyperOption):
    """An option shown by its metavar, without Typer's range notes (``x>=0``)."""

    def _get_number_range_help_str(self) -> str | None:
        return None


class _PlainCommand(typer.core.TyperCommand):
    """Help with plain metavars: ``PATH...``, ``N``, ``FILE``, ``DATE``, ``ID``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if type(param) is typer.core.TyperArgument:
                param.__class__ = _PlainArgument
            elif type(param) is typer.core.TyperOption:
                param.__class__ = _PlainOption


def _tamed(exc: Exception) -> None:
    """A usage error of the command line (an unknown option, a bad value) made bounded and
    inert before Click prints it: it may quote a whole argument back."""
    message = getattr(exc, "message", None)
    if isinstance(message, str) and callable(getattr(exc, "show", None)):
        exc.message = bounded(message)  # type: ignore[attr-defined]


class _PlainGroup(typer.core.TyperGroup):
    """The app: every usage error it or a command raises is bounded and inert."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except Exception as exc:
            _tamed(exc)
            raise

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            _tamed(exc)
            raise


app = typer.Typer(
    cls=_PlainGroup,
    name="needleplan",
    help="Suggest an explained, safety-first dry-needling course from YAML condition profiles. "
    "It informs a licensed clinician's judgement and never diagnoses.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


# Choices, from the one place each is defined (vocab): the names are the values.
Format = Enum("Format", [(name, name) for name in FORMATS], type=str)  # type: ignore[misc]
ReviewFormat = Enum(  # type: ignore[misc]
    "ReviewFormat", [(name, name) for name in REVIEW_FORMATS], type=str
)


class CheckFormat(str, Enum):
    text = "text"
    json = "json"


class RulesFormat(str, Enum):
    table = "table"
    yaml = "yaml"


SchemaKind = Enum(  # type: ignore[misc]
    "SchemaKind", [(name, name) for name in SCHEMA_KINDS], type=str
)
_PROFILE_SCHEMA = SchemaKind("profile")


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
                to_stderr(problem.format())
            to_stderr("needleplan: error: the rule set is invalid; nothing was planned")
            raise typer.Exit(EXIT_USAGE) from None
        except Failure as exc:
            to_stderr(exc.format())
            raise typer.Exit(EXIT_USAGE) from None
        except NeedleplanError as exc:  # any other error of needleplan's own (e.g. a writer's)
            to_stderr(error_line(str(exc)))
            raise typer.Exit(EXIT_USAGE) from None
        except KeyboardInterrupt:
            to_stderr("needleplan: interrupted")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except Terminated:
            to_stderr("needleplan: terminated")
            raise typer.Exit(EXIT_TERMINATED) from None
        except BrokenPipeError:
            # the reader went away (e.g. `| head`): stop quietly
            _quiet_stdout()
            raise typer.Exit(EXIT_OK) from None
        except OSError as exc:  # writing stdout failed: disk full, a closed device...
            _quiet_stdout()
            to_stderr(f"needleplan: error: cannot write the output: {exc.strerror or exc}")
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
        metavar="PATH...",
        help="Profile files, directories (walked for *.yaml/*.yml) or '-' for stdin.",
        show_default=False,
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        metavar="FILE",
        help="Clinic settings (TOML). Default: $NEEDLEPLAN_CONFIG, needleplan.toml here or "
        "in a parent folder, or in the user config folder.",
        show_default=False,
    ),
]
NoPagerOpt = Annotated[
    bool,
    typer.Option(
        "--no-pager",
        help="Never page. (Long output on a terminal goes through $NEEDLEPLAN_PAGER, "
        "$PAGER or 'less -FRX'.)",
    ),
]
ExplainOpt = Annotated[
    bool,
    typer.Option("--explain", help="Add each rule, its real effect, its reason and source."),
]
FailOnOpt = Annotated[
    str | None,
    typer.Option(
        "--fail-on",
        metavar="LIST",
        help="Exit 3 when any result has one of these decisions, a list such as "
        "refer,do_not_needle (for review: verdicts, such as refer,emergency).",
        show_default=False,
    ),
]


def _load_rules(path: Path | None) -> "RuleSet":
    from .rulesload import load_rules

    return load_rules(path)  # a missing or unreadable file is its UsageError


def _parse_date(value: str | None, option: str = "--start-date") -> "dt.date | None":
    if value is None:
        return None
    import datetime as dt
    import re

    from .profile import DATE_PATTERN

    try:
        # the profile's own dates: YYYY-MM-DD only (fromisoformat alone also takes 20261201
        # and 2026-W49-2), years 1900 to 2199
        if re.fullmatch(DATE_PATTERN, value) is None:
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"{option} must be a date written YYYY-MM-DD (years 1900 to 2199), "
            f"not '{inert(value[:20])}'",
            hint=f"e.g. {option} 2026-12-01",
        ) from None


def _settings(path: Path | None) -> "Config":
    """The clinic settings in use (--config, NEEDLEPLAN_CONFIG, found, or the defaults)."""
    from .config import ConfigError, settings_for

    try:
        return settings_for(path, Path.cwd(), os.environ)
    except ConfigError as exc:
        for problem in exc.problems:
            to_stderr(problem.format())
        to_stderr("needleplan: error: the clinic settings are invalid; nothing was done")
        raise typer.Exit(EXIT_USAGE) from None


def _rules_for(path: Path | None, settings: "Config") -> "RuleSet":
    """--rules, else the settings' default rules, else the shipped rule set."""
    return _load_rules(path if path is not None else settings.defaults.rules)


def _fail_on(value: str | None, allowed: tuple[str, ...], what: str) -> frozenset[str]:
    """The decisions (or verdicts) named by --fail-on, each checked."""
    if value is None:
        return frozenset()
    from .errors import did_you_mean

    names = [v.strip() for v in value.split(",") if v.strip()]
    if not names:  # an empty shell variable must not silently turn the gate off
        raise UsageError(f"--fail-on names no {what}", hint=f"{what}s: {', '.join(allowed)}")
    for name in names:
        if name not in allowed:
            hint = did_you_mean(name, allowed)
            raise UsageError(
                f"--fail-on: '{inert(name[:40])}' is not a {what}",
                hint=(hint + " " if hint else "") + f"{what}s: {', '.join(allowed)}",
            )
    return frozenset(names)


def _width(tty: bool) -> int:
    from .textfit import terminal_width

    return terminal_width(tty)


def _clinic(settings: "Config") -> dict[str, str]:
    c = settings.clinic
    return {k: v for k, v in (("name", c.name), ("phone", c.phone), ("address", c.address)) if v}


def _finish(
    text: str,
    done: list[dict[str, Any]],
    invalid: list[str],
    summarise: bool,
    width: int,
    paged: bool,
) -> None:
    """Show a run's text, with the batch summary when it is for a person, paged if long."""
    if summarise:
        from .summary import summary

        text += "\n" + summary(done, invalid, width=width)
    if text:
        _show(text, not paged)


def _show(text: str, no_pager: bool) -> None:
    from .pager import page

    page(text, enabled=not no_pager)


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


@app.command(
    cls=_PlainCommand,
    short_help="Suggest a dry-needling course for each profile.",
    epilog="Example: needleplan suggest plans/neck-chronic.yaml --explain",
)
@_guard
def suggest(
    paths: PathsArg,
    rules: RulesOpt = None,
    format: Annotated[
        Format | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FMT",
            help="table, json, jsonl, csv, yaml, markdown, html (a printable handout), fhir "
            "or ics. Default: the settings' format, else table on a terminal, json otherwise.",
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
            "--start-date", metavar="DATE", help="First session, YYYY-MM-DD (overrides start_date)."
        ),
    ] = None,
    jobs: Annotated[
        int,
        typer.Option("--jobs", "-j", min=0, metavar="N", help="Worker processes; 0 = all cores."),
    ] = 1,
    explain: ExplainOpt = False,
    fail_on: FailOnOpt = None,
    config: ConfigOpt = None,
    no_pager: NoPagerOpt = False,
) -> None:
    """Suggest a course for each profile: decision, safety, course, companions.

    Invalid profiles are reported on stderr; the others are still planned.
    Exit codes: 0 all planned, 1 some invalid, 2 usage or settings error,
    3 a decision named by --fail-on.
    """
    from .vocab import DECISIONS

    failing = _fail_on(fail_on, DECISIONS, "decision")
    settings = _settings(config)
    rule_set = _rules_for(rules, settings)
    tty = _stdout_is_tty()
    default_format = settings.defaults.format
    fmt = format.value if format else (default_format or ("table" if tty else "json"))
    first = _parse_date(start_date)
    screen = tty and fmt == "table" and output_dir is None
    from .suggest import SuggestOptions, run_suggest

    calendar = None
    if settings.path is not None:
        from .config import calendar_of

        calendar = calendar_of(settings)
    width = _width(tty)
    buffer = io.StringIO() if screen else None  # the screen is paged once it is whole
    done = run_suggest(
        SuggestOptions(
            paths=paths,
            rules=rule_set,
            fmt=fmt,
            output_dir=output_dir,
            force=force,
            start_date=first,
            jobs=jobs,
            tty=tty,
            colour=colour_wanted(tty),
            writer_options={"explain": explain, "clinic": _clinic(settings), "calendar": calendar},
            calendar=calendar,
            out=buffer,
            width=width,
            collect=screen or bool(failing),
        )
    )
    text = buffer.getvalue() if buffer is not None else ""
    _finish(text, done.briefs, done.invalid, done.many and screen, width, not no_pager and tty)
    hit = any(b["decision"] in failing for b in done.briefs)
    raise typer.Exit(EXIT_FAIL_ON if hit else done.code)


@app.command(
    cls=_PlainCommand,
    short_help="Say what to do next from each profile's session log.",
    epilog="Example: needleplan review plans/review-responder.yaml --today 2026-12-01",
)
@_guard
def review(
    paths: PathsArg,
    rules: RulesOpt = None,
    format: Annotated[
        ReviewFormat | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FMT",
            help="table, json, jsonl, yaml, markdown, html or fhir. "
            "Default: table on a terminal, json otherwise.",
            show_default=False,
        ),
    ] = None,
    today: Annotated[
        str | None,
        typer.Option(
            "--today",
            metavar="DATE",
            help="The review date, YYYY-MM-DD; no session may be later. Default: today.",
            show_default=False,
        ),
    ] = None,
    explain: ExplainOpt = False,
    fail_on: FailOnOpt = None,
    config: ConfigOpt = None,
    no_pager: NoPagerOpt = False,
) -> None:
    """Review each logged course: continue, extend, discharge, stop, refer.

    Verdicts follow the session log (NRS, GROC, adverse events, new health
    factors). Profiles without a log found in a folder are skipped; one named
    on its own is an error. Exit codes as for suggest (3: a verdict named by
    --fail-on).
    """
    import datetime as dt

    from .reviewing import run_review
    from .vocab import REVIEW_VERDICTS

    failing = _fail_on(fail_on, REVIEW_VERDICTS, "verdict")
    settings = _settings(config)
    rule_set = _rules_for(rules, settings)
    day = _parse_date(today, "--today") or dt.date.today()
    tty = _stdout_is_tty()
    default_format = settings.defaults.format
    if format is not None:
        fmt = format.value
    elif default_format in {f.value for f in ReviewFormat}:
        fmt = str(default_format)
    else:
        fmt = "table" if tty else "json"
    width = _width(tty)
    run = run_review(
        paths,
        rule_set,
        today=day,
        fmt=fmt,
        options={
            "color": colour_wanted(tty),
            "width": width,
            "explain": explain,
            "clinic": _clinic(settings),
        },
    )
    screen = tty and fmt == "table" and run.many
    _finish(run.text, run.dicts, run.invalid, screen, width, not no_pager and tty)
    hit = any(d["verdict"] in failing for d in run.dicts)
    raise typer.Exit(EXIT_FAIL_ON if hit else run.code)


@app.command(
    cls=_PlainCommand,
    short_help="Check profiles without planning them.",
    epilog="Example: needleplan validate plans/",
)
@_guard
def validate(
    paths: PathsArg,
    rules: RulesOpt = None,
    config: ConfigOpt = None,
    format: Annotated[
        CheckFormat,
        typer.Option(
            "--format",
            "-f",
            metavar="FMT",
            help="text: problems on stderr; json: a report on stdout. Default: text.",
            show_default=False,
        ),
    ] = CheckFormat.text,
) -> None:
    """Check profiles without planning: exit 0 if all are valid, 1 if any is not."""
    from .check import run_validate

    raise typer.Exit(run_validate(paths, _rules_for(rules, _settings(config)), format.value))


@app.command(
    cls=_PlainCommand,
    short_help="Print a commented template profile.",
    epilog="Example: needleplan new --condition neck_pain --output p.yaml",
)
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
    config: ConfigOpt = None,
) -> None:
    """Print a commented template profile that validates as it is."""
    from .template import template

    text = template(_rules_for(rules, _settings(config)), condition)
    if output is None or str(output) == "-":  # '-': stdout, as for profiles
        sys.stdout.write(text)
        return
    from .outfiles import write_atomic

    write_atomic(output, text, force=force)
    to_stderr(f"needleplan: wrote {inert(str(output))}")


@app.command(
    cls=_PlainCommand,
    short_help="Print a JSON Schema for editors and scripts.",
    epilog="Example: needleplan schema profile > profile.schema.json",
)
@_guard
def schema(
    kind: Annotated[
        SchemaKind,
        typer.Argument(
            metavar="[KIND]",
            help="profile, rules, plan or review. Default: profile.",
            show_default=False,
        ),
    ] = _PROFILE_SCHEMA,
    rules: RulesOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Print a JSON Schema (draft 2020-12) for editors and check-jsonschema."""
    import json

    from .schema import json_schema

    rule_set = _rules_for(rules, _settings(config)) if kind.value == "profile" else None
    sys.stdout.write(
        json.dumps(json_schema(kind.value, rule_set), indent=2, ensure_ascii=False) + "\n"
    )


@app.command(
    "rules",
    cls=_PlainCommand,
    short_help="Show the rule set in use, or export it as YAML.",
    epilog="Example: needleplan rules --format yaml > clinic-rules.yaml",
)
@_guard
def rules_cmd(
    rules: RulesOpt = None,
    format: Annotated[
        RulesFormat,
        typer.Option(
            "--format",
            "-f",
            metavar="FMT",
            help="table: a readable summary; yaml: an export for --rules. Default: table.",
            show_default=False,
        ),
    ] = RulesFormat.table,
    config: ConfigOpt = None,
    no_pager: NoPagerOpt = False,
) -> None:
    """Show the rule set in use, or export it as YAML to keep a clinic's own protocol."""
    from .rulesview import rules_table, rules_yaml

    rule_set = _rules_for(rules, _settings(config))
    if format is RulesFormat.yaml:
        sys.stdout.write(rules_yaml(rule_set))
        return
    tty = _stdout_is_tty()
    text = rules_table(rule_set, color=colour_wanted(tty), width=_width(tty))
    _show(text, no_pager or not tty)


@app.command(
    "explain",
    cls=_PlainCommand,
    short_help="Explain one condition, factor, site, rule or source.",
    epilog="Example: needleplan explain psoas",
)
@_guard
def explain_cmd(
    ident: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="An id or alias: condition, health or underlying factor, site, companion, "
            "site rule, site risk, adverse event or source.",
            show_default=False,
        ),
    ],
    rules: RulesOpt = None,
    config: ConfigOpt = None,
    no_pager: NoPagerOpt = False,
) -> None:
    """Explain one entry of the rule set: what it does, its numbers, its sources."""
    from .explain import explain

    rule_set = _rules_for(rules, _settings(config))
    tty = _stdout_is_tty()
    _show(explain(rule_set, ident, width=_width(tty) if tty else 80), no_pager or not tty)


@app.command(
    "config",
    cls=_PlainCommand,
    short_help="Show which clinic settings file is in use, and its values.",
    epilog="Example: needleplan config --config clinic/needleplan.toml",
)
@_guard
def config_cmd(config: ConfigOpt = None) -> None:
    """Show which clinic settings file is in use (or none) and every value."""
    from .config import describe

    sys.stdout.write(describe(_settings(config)).rstrip("\n") + "\n")


def _terminated(signum: int, frame: object) -> None:
    raise Terminated


def _leave(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


class _ClosedStream(io.TextIOBase):
    """Stands for a standard stream the caller closed (``>&-``, ``<&-``): Python leaves it
    None. Reading or writing it is an OS error, reported as any other (exit 2 for stdout,
    a profile's error for stdin), never an AttributeError."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self._name = name

    def _closed(self) -> OSError:
        import errno

        return OSError(errno.EBADF, f"{self._name} is closed")

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise self._closed()


class _ClosedStdin(_ClosedStream):
    @property
    def buffer(self) -> Any:  # profiles are read from stdin's bytes
        raise self._closed()


def _standard_streams() -> None:
    """Stand-ins for closed standard streams; a closed stderr takes what is said nowhere."""
    if sys.stdin is None:
        sys.stdin = _ClosedStdin("stdin")
    if sys.stdout is None:
        sys.stdout = _ClosedStream("stdout")
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - until exit


def main() -> None:
    """Console-script entry point: runs one command, then the process exits."""
    _standard_streams()
    # SIGTERM ends a run as Ctrl-C does (workers stopped, no partial file), with exit 143
    signal.signal(signal.SIGTERM, _terminated)
    if hasattr(sys.stdout, "reconfigure"):
        # a file name that is not UTF-8 must not stop the output half-way
        sys.stdout.reconfigure(errors="backslashreplace")
    try:
        # prog_name: also under `python -m needleplan` (help, completion)
        app(prog_name="needleplan")
    except SystemExit as done:
        if done.code in (EXIT_INTERRUPTED, EXIT_TERMINATED):
            # Stopped: every file is whole or absent and the workers are gone. Leave now,
            # without the exit handlers, where the worker pool's helper threads could still
            # be waiting on pipes the workers no longer read.
            _leave(int(done.code))
        raise
    except KeyboardInterrupt:  # pragma: no cover - interrupted outside a command
        to_stderr("needleplan: interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except Terminated:  # pragma: no cover - terminated outside a command
        to_stderr("needleplan: terminated")
        sys.exit(EXIT_TERMINATED)
    except NeedleplanError as exc:  # pragma: no cover - every command guards its own
        to_stderr(error_line(str(exc)))
        sys.exit(EXIT_USAGE)
    except OSError as exc:  # --help or --version written to a closed or full stdout
        _quiet_stdout()
        to_stderr(f"needleplan: error: cannot write the output: {inert(exc.strerror or str(exc))}")
        sys.exit(EXIT_USAGE)
    finally:
        # The process ends here. Python's last garbage collections at exit walk every
        # object the imports created (Typer's and pydantic's included): about 20 ms, more
        # than a command's own work. Frozen objects are left out of those passes; exit
        # handlers, flushing and closing run as usual. (mypy skips the same work with
        # os._exit; see benchmarks/README.md.)
        import gc

        gc.freeze()
