"""The command line: Typer commands, options in, one run out, exit codes.

No clinical logic and no file handling here: :mod:`needleplan.run` does the run,
:mod:`needleplan.shell` the terminal, :mod:`needleplan.config` the settings.
Every error is one ``needleplan: error: ...`` line (or a profile's located
lines) and a hint; never a traceback, never Click's usage block.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
import typer.core

from . import __version__, shell
from .config import Config, ConfigError, calendar_of, describe, init_text, settings_for
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
    did_you_mean,
    error_line,
    inert,
    quote,
    to_stderr,
)
from .explain import explain
from .files import file_named, write_atomic
from .profile import DATE_PATTERN
from .rules import RuleSet
from .rulesload import load_rules
from .rulesview import rules_table, rules_yaml
from .run import Done, Request, run
from .schema import json_schema
from .summary import most_urgent_first, summary
from .template import template
from .vocab import DECISIONS, FORMATS, REVIEW_FORMATS, REVIEW_VERDICTS, SCHEMA_KINDS, URGENCIES
from .wording import say

#: Exit code when a plan (or review) has a decision named by --fail-on.
EXIT_FAIL_ON = 3
#: What ``needleplan validate`` and ``needleplan rules`` can write.
CHECK_FORMATS = ("text", "json")
RULES_FORMATS = ("table", "yaml")


#: Click's base of usage errors (Typer may carry its own copy of Click, so it is found
#: from the one Typer exports).
_ClickError: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
)


class _App(typer.core.TyperGroup):
    """The app: Click's own usage errors are said as needleplan says every error."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except _ClickError as exc:
            to_stderr(_usage_error(exc))
            sys.exit(EXIT_USAGE)
        except typer.Abort:  # pragma: no cover - Ctrl-C outside a command
            to_stderr("needleplan: interrupted")
            sys.exit(EXIT_INTERRUPTED)
        sys.exit(code if isinstance(code, int) else EXIT_OK)


def _usage_error(exc: Exception) -> str:
    """A Click usage error as ``needleplan: error: ...`` and a hint line."""
    message = str(getattr(exc, "format_message", exc.__str__)()).strip()
    message = message[:1].lower() + message[1:]
    message, _, guess = message.partition(" Did you mean ")
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else "needleplan"
    hint = f"did you mean {guess.rstrip('?')}? " if guess else ""
    return f"{error_line(message.rstrip('.'))}\n  hint: {hint}see '{inert(where)} --help'"


app = typer.Typer(
    cls=_App,
    name="needleplan",
    help="Suggest an explained, safety-first dry-needling course from YAML condition profiles. "
    "It informs a licensed clinician's judgement and never diagnoses.",
    invoke_without_command=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
config_app = typer.Typer(
    name="config",
    short_help="Show the clinic settings in use, or write a new needleplan.toml.",
    invoke_without_command=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(config_app)


F = TypeVar("F", bound=Callable[..., Any])


def _guard(fn: F) -> F:
    """Turn needleplan's own errors into messages and exit codes, never tracebacks."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (RulesError, ConfigError) as exc:
            for problem in exc.problems:
                to_stderr(problem.format())
            if isinstance(exc, RulesError):
                to_stderr("needleplan: error: the rule set is invalid; nothing was planned")
            else:
                to_stderr("needleplan: error: the clinic settings are invalid; nothing was done")
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
            shell.quiet_stdout()
            raise typer.Exit(EXIT_OK) from None
        except OSError as exc:  # writing stdout failed: disk full, a closed device...
            shell.quiet_stdout()
            to_stderr(f"needleplan: error: cannot write the output: {exc.strerror or exc}")
            raise typer.Exit(EXIT_USAGE) from None
        except (typer.Exit, typer.Abort, _ClickError):
            raise  # the command's own exit, or Click's usage errors
        except Exception as exc:  # a fault of needleplan's own: said, never a traceback
            detail = quote(f"{type(exc).__name__}: {exc}")
            to_stderr(error_line(f"needleplan failed ({detail}); please report it"))
            raise typer.Exit(EXIT_USAGE) from None

    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"needleplan {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """needleplan: dry-needling course suggestions for licensed clinicians."""
    if ctx.invoked_subcommand is None:  # bare `needleplan`: the help, and success
        typer.echo(ctx.get_help())
        raise typer.Exit(EXIT_OK)


# -- options shared by the commands ---------------------------------------------------------

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
        show_default=False,
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        metavar="FILE",
        help="Clinic settings (TOML). Default: $NEEDLEPLAN_CONFIG, needleplan.toml here or "
        "in a parent folder (up to your home or the repository's root), or in the user "
        "config folder.",
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
DetailsOpt = Annotated[
    bool,
    typer.Option(
        "--details",
        help="On a terminal, show each profile's screen after a batch's summary "
        "(most urgent first).",
    ),
]
FailOnOpt = Annotated[
    str | None,
    typer.Option(
        "--fail-on",
        metavar="LIST",
        help="Exit 3 when any result has one of these decisions or urgencies, a list such "
        "as refer,do_not_needle or emergency,same_day (for review: verdicts or urgencies).",
        show_default=False,
    ),
]
OutputOpt = Annotated[
    str | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write one file: one profile, or every profile in one jsonl, csv or ics file. "
        "'-' is stdout.",
        show_default=False,
    ),
]
OutputDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--output-dir",
        metavar="DIR",
        help="Write one file per profile into DIR (made if missing).",
        show_default=False,
    ),
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace existing output files.")]


def _format_option(allowed: Sequence[str], default: str) -> Any:
    return typer.Option(
        "--format",
        "-f",
        metavar="FMT",
        help=f"{', '.join(allowed)}. Default: {default}.",
        show_default=False,
        autocompletion=lambda: list(allowed),
    )


def _format(value: str | None, allowed: Sequence[str]) -> str | None:
    """``--format``'s value, checked: an unknown one is refused with the formats named."""
    if value is None or value in allowed:
        return value
    hint = did_you_mean(value, allowed)
    if value in FORMATS:  # a format, but not for this command (ics for a review)
        raise UsageError(
            f"--format {value} cannot show this command's results",
            hint=f"formats here: {', '.join(allowed)}",
        )
    raise UsageError(
        f"--format: '{inert(value[:40])}' is not a format needleplan writes",
        hint=(f"{hint} " if hint else "") + f"formats: {', '.join(allowed)}",
    )


def _parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    # the profile's own dates: YYYY-MM-DD only (fromisoformat alone also takes 20261201
    # and 2026-W49-2), years 1900 to 2199
    if re.fullmatch(DATE_PATTERN, value) is not None:
        with contextlib.suppress(ValueError):  # a day that is not in the calendar
            return dt.date.fromisoformat(value)
    raise UsageError(
        f"{option} must be a date written YYYY-MM-DD (years 1900 to 2199), "
        f"not '{inert(value[:20])}'",
        hint=f"e.g. {option} 2026-12-01",
    )


def _fail_on(value: str | None, allowed: tuple[str, ...], what: str) -> frozenset[str]:
    """The decisions (or verdicts) and urgencies named by --fail-on, each checked."""
    if value is None:
        return frozenset()
    names = [v.strip() for v in value.split(",") if v.strip()]
    urgencies = tuple(u for u in URGENCIES if u != "none" and u not in allowed)
    known = (*allowed, *urgencies)
    listed = f"{what}s: {', '.join(allowed)}; urgencies: {', '.join(urgencies or URGENCIES[1:])}"
    if not names:  # an empty shell variable must not silently turn the gate off
        raise UsageError(f"--fail-on names no {what}", hint=listed)
    for name in names:
        if name not in known:
            hint = did_you_mean(name, known)
            raise UsageError(
                f"--fail-on: '{inert(name[:40])}' is not a {what} or an urgency",
                hint=(hint + " " if hint else "") + listed,
            )
    return frozenset(names)


def _settings(path: Path | None) -> Config:
    """The clinic settings in use (--config, NEEDLEPLAN_CONFIG, found, or the defaults)."""
    return settings_for(path, Path.cwd(), os.environ)


def _rules_for(path: Path | None, settings: Config) -> RuleSet:
    """--rules, else the settings' default rules, else the shipped rule set.

    A custom rule set may not take the shipped one's name: the name is how a reader
    of a plan knows which rules made it.
    """
    chosen = path if path is not None else settings.defaults.rules
    rules = load_rules(chosen)
    if chosen is not None:
        shipped = load_rules()
        if rules.name == shipped.name:
            raise UsageError(
                f"the rule set '{inert(str(chosen))}' calls itself '{shipped.name}', the name "
                "of the rule set needleplan ships; a custom rule set needs a name of its own",
                hint=f"change 'name: {shipped.name}' in that file, e.g. to 'name: my-clinic'",
            )
    return rules


def _provenance(settings: Config, rules: RuleSet, path: Path | None) -> list[str]:
    """What a screen says first: the settings file in use and a rule set not the shipped one
    (``path``: --rules, else the settings' default rules)."""
    rules_path = path if path is not None else settings.defaults.rules
    lines = []
    if settings.path is not None:
        lines.append(say(rules, "run.settings", path=inert(str(settings.path))))
    if rules_path is not None:
        name, version, where = (inert(str(x)) for x in (rules.name, rules.version, rules_path))
        lines.append(say(rules, "run.rules_from", name=name, version=version, path=where))
    return lines


def _notes(said: list[str]) -> None:
    """What :func:`_provenance` says, as notes on stderr (for data, not a screen)."""
    for line in said:
        to_stderr(f"needleplan: note: {line[:1].lower()}{line[1:]}")


def _clinic(settings: Config) -> dict[str, str]:
    return {key: value for key, value in settings.clinic.model_dump().items() if value}


def _default_format(settings: Config, allowed: Sequence[str], tty: bool) -> str:
    chosen = settings.defaults.format
    return str(chosen) if chosen in allowed else "table" if tty else "json"


#: suggest's and review's formats, what --fail-on names of theirs, and what such a name is.
_SHOWN: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "suggest": (FORMATS, DECISIONS, "decision"),
    "review": (REVIEW_FORMATS, REVIEW_VERDICTS, "verdict"),
}


def _run_and_show(
    kind: str,
    paths: list[str],
    *,
    format: str | None,
    rules: Path | None,
    config: Path | None,
    fail_on: str | None,
    output: str | None,
    output_dir: Path | None,
    force: bool,
    explain: bool,
    details: bool,
    no_pager: bool,
    today: str | None = None,
    start_date: str | None = None,
) -> None:
    """suggest and review (their options, by the commands' own names): one run, then the
    screen (summary first) or the data, then the exit code (3 when --fail-on names a
    result's decision or urgency)."""
    start = _parse_date(start_date, "--start-date")
    day = _parse_date(today, "--today") or dt.date.today()
    allowed, failing_allowed, failing_what = _SHOWN[kind]
    chosen = _format(format, allowed)
    failing = _fail_on(fail_on, failing_allowed, failing_what)
    settings = _settings(config)
    rule_set = _rules_for(rules, settings)
    tty = shell.stdout_is_tty()
    fmt = chosen or _default_format(settings, allowed, tty)
    to_stdout = output_dir is None and (output is None or output == "-")
    screen = tty and to_stdout and fmt == "table"
    width = shell.width(tty)
    # the clinic's calendar (the defaults without settings) as of today: the calendar
    # writer reads no settings, and a schedule that starts in the past is warned about
    calendar = dataclasses.replace(calendar_of(settings), today=day)
    said = _provenance(settings, rule_set, rules)
    if not screen:
        _notes(said)
    request = Request(
        kind=kind,  # type: ignore[arg-type]
        paths=paths,
        rules=rule_set,
        fmt=fmt,
        today=day,
        start_date=start,
        file=output,
        folder=output_dir,
        force=force,
        writer_options={
            "explain": explain,
            "clinic": _clinic(settings),
            "calendar": calendar,
            "color": shell.colour_wanted(tty) and to_stdout,
            "width": width,
        },
        calendar=calendar,
        screen=screen,
        details=details,
    )
    done = run(request)
    if screen:
        _show_screen(done, request.rules, said, width, details, enabled=not no_pager)
    hit = any(o.decision in failing or o.urgency in failing for o in done.outcomes if o.done)
    raise typer.Exit(EXIT_FAIL_ON if hit else done.code)


def _show_screen(
    done: Done, rules: RuleSet, said: list[str], width: int, details: bool, enabled: bool
) -> None:
    """The screen: what is in use, the batch's summary (most urgent first), then each
    profile's screen (with --details, or for one profile), paged when long."""
    parts: list[str] = ["\n".join(said) + "\n"] if said else []
    screens = [o.text for o in most_urgent_first(done.outcomes) if o.text]
    if done.many:
        parts.append(summary(done.outcomes, rules, width=width))
        if not details and screens == []:
            parts.append(say(rules, "summary.details") + "\n")
    if screens:
        rule = "─" * min(width, 40)
        parts.append(f"\n{rule}\n\n".join(screens))
    text = "\n".join(parts)
    if text:
        shell.page(text, enabled=enabled)


@app.command(
    short_help="Suggest a dry-needling course for each profile.",
    epilog="Example: needleplan suggest plans/neck-chronic.yaml --explain",
)
@_guard
def suggest(
    paths: PathsArg,
    rules: RulesOpt = None,
    format: Annotated[
        str | None,
        _format_option(FORMATS, "the settings' format, else table on a terminal, json otherwise"),
    ] = None,
    output: OutputOpt = None,
    output_dir: OutputDirOpt = None,
    force: ForceOpt = False,
    start_date: Annotated[
        str | None,
        typer.Option(
            "--start-date", metavar="DATE", help="First session, YYYY-MM-DD (overrides start_date)."
        ),
    ] = None,
    explain: ExplainOpt = False,
    details: DetailsOpt = False,
    fail_on: FailOnOpt = None,
    config: ConfigOpt = None,
    no_pager: NoPagerOpt = False,
) -> None:
    """Suggest a course for each profile: decision, safety, course, companions.

    Invalid profiles are reported on stderr; the others are still planned.
    Exit codes: 0 all planned, 1 some invalid, 2 usage or settings error,
    3 a decision named by --fail-on.
    """
    _run_and_show("suggest", **locals())  # the options above, by their names


@app.command(
    short_help="Say what to do next from each profile's session log.",
    epilog="Example: needleplan review plans/review-responder.yaml --today 2026-12-01",
)
@_guard
def review(
    paths: PathsArg,
    rules: RulesOpt = None,
    format: Annotated[
        str | None, _format_option(REVIEW_FORMATS, "table on a terminal, json otherwise")
    ] = None,
    output: OutputOpt = None,
    output_dir: OutputDirOpt = None,
    force: ForceOpt = False,
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
    details: DetailsOpt = False,
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
    _run_and_show("review", **locals())  # the options above, by their names


@app.command(
    short_help="Check profiles without planning them.",
    epilog="Example: needleplan validate plans/",
)
@_guard
def validate(
    paths: PathsArg,
    rules: RulesOpt = None,
    config: ConfigOpt = None,
    format: Annotated[
        str, _format_option(CHECK_FORMATS, "text (problems on stderr); json: a report on stdout")
    ] = "text",
    today: Annotated[
        str | None,
        typer.Option(
            "--today",
            metavar="DATE",
            help="No logged session may be later, as for review. Default: today.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check profiles without planning: exit 0 if all are valid, 1 if any is not."""
    fmt = _format(format, CHECK_FORMATS) or "text"
    settings = _settings(config)
    rule_set = _rules_for(rules, settings)
    _notes(_provenance(settings, rule_set, rules))
    request = Request(
        kind="validate",
        paths=paths,
        rules=rule_set,
        fmt=fmt,
        today=_parse_date(today, "--today") or dt.date.today(),
    )
    raise typer.Exit(run(request).code)


@app.command(
    short_help="Print a commented template profile.",
    epilog="Example: needleplan new --condition neck_pain -o p.yaml",
)
@_guard
def new(
    condition: Annotated[
        str | None, typer.Option("--condition", "-c", metavar="ID", help="Condition id to fill in.")
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write the template to FILE instead of stdout ('-' is stdout).",
            show_default=False,
        ),
    ] = None,
    output_dir: Annotated[
        Path | None,
        typer.Option(
            "--output-dir",
            metavar="DIR",
            help="Write the template into DIR, named after the condition.",
            show_default=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
    rules: RulesOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Print a commented template profile that validates as it is."""
    if output is not None and output_dir is not None:
        raise UsageError(
            "-o and --output-dir cannot be used together",
            hint="-o FILE names the file; --output-dir DIR names the folder",
        )
    rule_set = _rules_for(rules, _settings(config))
    text = template(rule_set, condition)
    if output_dir is not None:
        if output_dir.exists() and not output_dir.is_dir():
            raise UsageError(f"'{output_dir}' is not a folder", hint="--output-dir names a folder")
        target = output_dir / f"{condition or 'profile'}.yaml"
    elif output is None or output == "-":  # '-': stdout, as for profiles
        sys.stdout.write(text)
        return
    else:
        target = file_named(output)
    write_atomic(target, text, force=force)
    to_stderr("needleplan: " + say(rule_set, "run.wrote", where=inert(str(target))))


@app.command(
    short_help="Print a JSON Schema for editors and scripts.",
    epilog="Example: needleplan schema profile > profile.schema.json",
)
@_guard
def schema(
    kind: Annotated[
        str,
        typer.Argument(
            metavar="KIND",
            help="profile, rules, plan or review. Default: profile.",
            show_default=False,
            autocompletion=lambda: list(SCHEMA_KINDS),
        ),
    ] = "profile",
    rules: RulesOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Print a JSON Schema (draft 2020-12) for editors and check-jsonschema."""
    if kind not in SCHEMA_KINDS:
        hint = did_you_mean(kind, SCHEMA_KINDS)
        raise UsageError(
            f"'{inert(kind[:40])}' is not a schema needleplan prints",
            hint=(f"{hint} " if hint else "") + f"schemas: {', '.join(SCHEMA_KINDS)}",
        )
    rule_set = _rules_for(rules, _settings(config)) if kind == "profile" else None
    sys.stdout.write(json.dumps(json_schema(kind, rule_set), indent=2, ensure_ascii=False) + "\n")


@app.command(
    "rules",
    short_help="Show the rule set in use, or export it as YAML.",
    epilog="Example: needleplan rules --format yaml > clinic-rules.yaml",
)
@_guard
def rules_cmd(
    rules: RulesOpt = None,
    format: Annotated[
        str, _format_option(RULES_FORMATS, "table (a summary); yaml: an export for --rules")
    ] = "table",
    config: ConfigOpt = None,
    no_pager: NoPagerOpt = False,
) -> None:
    """Show the rule set in use, or export it as YAML to keep a clinic's own protocol."""
    fmt = _format(format, RULES_FORMATS)
    rule_set = _rules_for(rules, _settings(config))
    if fmt == "yaml":
        sys.stdout.write(rules_yaml(rule_set))
        return
    tty = shell.stdout_is_tty()
    text = rules_table(rule_set, color=shell.colour_wanted(tty), width=shell.width(tty))
    shell.page(text, enabled=not no_pager and tty)


@app.command(
    "explain",
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
    rule_set = _rules_for(rules, _settings(config))
    tty = shell.stdout_is_tty()
    text = explain(rule_set, ident, width=shell.width(tty) if tty else 80)
    shell.page(text, enabled=not no_pager and tty)


@config_app.callback(
    epilog="Example: needleplan config --config clinic/needleplan.toml",
)
@_guard
def config_cmd(ctx: typer.Context, config: ConfigOpt = None) -> None:
    """Show which clinic settings file is in use (or none) and every value.

    'needleplan config init' writes a commented needleplan.toml to fill in.
    """
    if ctx.invoked_subcommand is None:
        sys.stdout.write(describe(_settings(config)).rstrip("\n") + "\n")


@config_app.command(
    "init",
    short_help="Write a commented needleplan.toml to fill in.",
    epilog="Example: needleplan config init",
)
@_guard
def config_init(
    output: Annotated[
        str,  # as typed: a Path would drop the trailing "/" that names a folder
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Where to write it ('-' is stdout). Default: needleplan.toml here.",
            show_default=False,
        ),
    ] = "needleplan.toml",
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
) -> None:
    """Write a commented needleplan.toml: every setting, with what it does (never over an
    existing file without --force)."""
    text = init_text()
    if output == "-":
        sys.stdout.write(text)
        return
    target = Path(output)
    if output.endswith(("/", os.sep)) or target.is_dir():
        target = target / "needleplan.toml"
    write_atomic(target, text, force=force)
    to_stderr(f"needleplan: wrote {inert(str(target))}; edit it, then see 'needleplan config'")


def main() -> None:
    """Console-script entry point: runs one command, then the process exits."""
    shell.prepare()
    try:
        # prog_name: also under `python -m needleplan` (help, completion)
        app(prog_name="needleplan")
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
        shell.quiet_stdout()
        to_stderr(error_line(f"cannot write the output: {exc.strerror or exc}"))
        sys.exit(EXIT_USAGE)
