"""Clinic settings: ``needleplan.toml``.

Which file (:func:`find_config`), first match wins:

1. the path given with ``--config`` (``explicit``);
2. the path in the ``NEEDLEPLAN_CONFIG`` environment variable (ignored when empty);
3. ``needleplan.toml`` in the current folder, then in each parent folder up to the user's
   home folder or a repository's root (a folder holding ``.git``), never above; outside
   both, the current folder alone;
4. ``needleplan.toml`` in the user config folder
   (``platformdirs.user_config_dir("needleplan")``, e.g. ``~/.config/needleplan`` on Linux).

A relative path from 1 or 2 is taken from the current folder; a relative path inside
the file (``rules``) from the folder the file really is in (a symlink is followed). A
file named by 1 or 2 must exist; a missing one is an error, never a silent fall-back to
the defaults.

Every key is optional; :data:`INIT_TEXT` (what ``needleplan config init`` writes)
shows and explains each one. Read with the standard library's ``tomllib`` (``tomli``
on Python 3.10). A file over 64 KiB is refused. Every problem names its setting by its
dotted key (``schedule.holidays[0]``) and its line where a simple search finds it, through
:class:`ConfigError` (an :class:`~needleplan.errors.InputError`; the command line
treats it as a usage error, exit 2).
"""

import datetime as dt
import json
import os
import re
import sys
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import platformdirs
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from needleplan.errors import InputError, Problem, did_you_mean, inert, quote
from needleplan.schedule import (
    DAY_NAMES,
    DEFAULT_END,
    DEFAULT_SESSION_MINUTES,
    DEFAULT_START,
    ClinicCalendar,
)
from needleplan.validation import MAX_PROBLEMS, capped, reworded
from needleplan.vocab import FORMATS, FormatName, one_of
from needleplan.yamlio import line_col, read_bounded

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

FILENAME = "needleplan.toml"
ENV_VAR = "NEEDLEPLAN_CONFIG"
#: The largest config file read (a clinic's settings are a few hundred bytes).
MAX_BYTES = 64 * 1024

# patterns are compiled on first use (re caches them), not at every start
_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_HOURS = r"([0-2]?\d):([0-5]\d)\s*-\s*([0-2]?\d):([0-5]\d)"
_CONTROL = r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]"


class ConfigError(InputError):
    """The clinic settings file is invalid or unreadable (a usage error: exit 2)."""


# --------------------------------------------------------------------------- models


def _parse_hours(value: str) -> tuple[dt.time, dt.time]:
    m = re.fullmatch(_HOURS, value.strip())
    if not m:
        raise ValueError(f'{quote(value)} is not opening hours; write them as "09:00-17:00"')
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 23:
        raise ValueError(f"{quote(value)}: hours run from 00 to 23")
    start, end = dt.time(h1, m1), dt.time(h2, m2)
    if end <= start:
        raise ValueError(f"{quote(value)}: the hours must end after they start")
    return start, end


def _zone_exists(name: str) -> bool:
    if not name or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _text(value: str, *, multiline: bool = False) -> str:
    value = value.strip()
    bad = re.search(_CONTROL, value if multiline else value.replace("\n", "\x0b"))
    if bad:
        raise ValueError("contains a control character; write plain text")
    return value


def _day_name(item: object) -> str:
    if not isinstance(item, str):
        raise ValueError(f"{quote(item)} is not a day: use mon, tue, wed, thu, fri, sat, sun")
    word = item.strip().lower()
    if word in _FULL_DAY_NAMES:
        return DAY_NAMES[_FULL_DAY_NAMES.index(word)]
    if word not in DAY_NAMES:
        hint = did_you_mean(word, DAY_NAMES) or "use mon, tue, wed, thu, fri, sat, sun"
        raise ValueError(f"{quote(item)} is not a day; {hint}")
    return word


def _holiday(item: object) -> dt.date:
    """A holiday: a TOML date (2027-01-06) or a "YYYY-MM-DD" string; never a number, a
    date and time, or a Unix time in quotes."""
    if isinstance(item, dt.datetime):
        raise ValueError(f"{quote(str(item))} has a time; a holiday is a date such as 2027-01-06")
    if isinstance(item, dt.date):
        return item
    if isinstance(item, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", item.strip()):
        try:
            return dt.date.fromisoformat(item.strip())
        except ValueError:
            raise ValueError(f"{quote(item)} is not a date of the calendar") from None
    raise ValueError(f"{quote(item)} is not a date; write holidays as dates such as 2027-01-06")


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class ClinicSettings(_Section):
    """Who the clinic is: printed on handouts and calendar entries."""

    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=100)
    address: str | None = Field(default=None, max_length=500)

    @field_validator("name", "phone", "address")
    @classmethod
    def _plain(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Plain text, stripped (None when empty); the address alone may take several lines."""
        return (
            None if value is None else _text(value, multiline=info.field_name == "address") or None
        )


class ScheduleSettings(_Section):
    """When the clinic books sessions."""

    days: tuple[Annotated[str, BeforeValidator(_day_name)], ...] = DAY_NAMES[:5]
    hours: str = f"{DEFAULT_START:%H:%M}-{DEFAULT_END:%H:%M}"
    session_minutes: int = Field(default=DEFAULT_SESSION_MINUTES, ge=5, le=480, strict=True)
    timezone: str | None = None
    holidays: tuple[Annotated[dt.date, BeforeValidator(_holiday)], ...] = Field(
        default=(), max_length=2000
    )

    @field_validator("days", mode="before")
    @classmethod
    def _days_list(cls, value: Any) -> Any:
        if not isinstance(value, list | tuple):
            raise ValueError('write the working days as a list, e.g. ["mon", "wed", "fri"]')
        return value

    @field_validator("days")
    @classmethod
    def _days(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("at least one working day is needed to book sessions")
        return tuple(d for d in DAY_NAMES if d in value)  # week order, each once

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        start, end = _parse_hours(value)
        return f"{start:%H:%M}-{end:%H:%M}"

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not _zone_exists(value):
            hint = did_you_mean(value, zoneinfo.available_timezones())
            raise ValueError(
                f"{quote(value)} is not a time zone this machine knows; "
                + (hint or "use an IANA name such as 'Europe/London'")
            )
        return value

    @field_validator("holidays")
    @classmethod
    def _holidays(cls, value: tuple[dt.date, ...]) -> tuple[dt.date, ...]:
        return tuple(sorted(set(value)))

    @model_validator(mode="after")
    def _session_fits(self) -> "ScheduleSettings":
        start, end = _parse_hours(self.hours)
        span = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        if self.session_minutes > span:
            raise ValueError(
                f"a {self.session_minutes}-minute session does not fit in the hours {self.hours}"
            )
        return self

    @property
    def weekdays(self) -> frozenset[int]:
        """The working days as weekday numbers (0 = Monday)."""
        return frozenset(DAY_NAMES.index(d) for d in self.days)

    @property
    def start(self) -> dt.time:
        """The start of the clinic's hours: the time sessions are put at."""
        return _parse_hours(self.hours)[0]

    @property
    def end(self) -> dt.time:
        return _parse_hours(self.hours)[1]


def _expanded(name: str) -> Path:
    """``name`` as a path, ``~`` and ``~user`` expanded; ValueError when no such home is known."""
    try:
        return Path(name).expanduser()
    except RuntimeError:  # ~user of no known user, or no home folder
        raise ValueError(f"cannot find the home folder in {quote(name)}") from None


class DefaultSettings(_Section):
    """Defaults for command-line options (an option given on the command line wins)."""

    rules: Path | None = None
    format: FormatName | None = None

    @field_validator("rules", mode="before")
    @classmethod
    def _rules(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, str):
            raise ValueError("write the rules file as a path in quotes")
        if not value.strip():
            raise ValueError("the rules file is empty; remove the key to use the shipped rules")
        path = _expanded(value.strip())
        base = (info.context or {}).get("base")
        if not path.is_absolute() and isinstance(base, Path):
            path = base / path
        return path


class Config(BaseModel):
    """A clinic's settings; ``path`` is the file they came from (None: built-in defaults)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    # defaults made without validation: the validators are built on first use only
    clinic: ClinicSettings = ClinicSettings.model_construct()
    schedule: ScheduleSettings = ScheduleSettings.model_construct()
    defaults: DefaultSettings = DefaultSettings.model_construct()
    path: Path | None = Field(default=None, exclude=True)


#: The built-in defaults (no settings file), made without building any validator.
_DEFAULTS = Config.model_construct()


# --------------------------------------------------------------------------- the machine's zone


def local_timezone_name(
    env: Mapping[str, str] | None = None, localtime: Path = Path("/etc/localtime")
) -> str:
    """The machine's IANA time zone name, used when the settings name none.

    The rule: the ``TZ`` environment variable when it names a zone zoneinfo knows
    (``Europe/London``, ``:Europe/London``, or a path ending in
    ``zoneinfo/Europe/London``); else the zone ``/etc/localtime`` links to; else
    ``UTC``. (``datetime.now().astimezone()`` gives only an offset and an
    abbreviation, which a calendar cannot use.)
    """
    tz = (os.environ if env is None else env).get("TZ", "").strip().lstrip(":")
    if _zone_exists(name := tz.partition("/zoneinfo/")[2] or tz):
        return name
    try:
        name = os.readlink(localtime).partition("/zoneinfo/")[2]
    except OSError:
        name = ""
    return name if _zone_exists(name) else "UTC"


# --------------------------------------------------------------------------- finding


def user_config_file() -> Path:
    """``needleplan.toml`` in the user config folder (platformdirs)."""
    return Path(platformdirs.user_config_dir("needleplan")) / FILENAME


def find_config(
    explicit: Path | None, cwd: Path, env: Mapping[str, str], home: Path | None = None
) -> Path | None:
    """The settings file to use, or None, found as the module's docstring says (never
    above the home folder or a repository's root: a file in a shared folder above,
    ``/tmp`` or a network drive, is never picked up). An explicit or environment path
    is returned as named even if it does not exist, so that :func:`load_config`
    reports it.
    """
    if explicit is not None:
        return explicit if explicit.is_absolute() else cwd / explicit
    named = env.get(ENV_VAR, "").strip()
    if named:
        try:
            path = _expanded(named)
        except ValueError as exc:
            raise ConfigError.one(f"${ENV_VAR}", str(exc)) from None
        return path if path.is_absolute() else cwd / path
    for folder in searched_folders(cwd, home):
        candidate = folder / FILENAME
        if _is(candidate):
            return candidate
    candidate = user_config_file()
    return candidate if _is(candidate) else None


def _home() -> Path | None:
    try:
        return Path.home().resolve()
    except (RuntimeError, KeyError, OSError):  # no home folder known
        return None


def searched_folders(cwd: Path, home: Path | None = None) -> list[Path]:
    """The folders searched for ``needleplan.toml``: ``cwd``, then its parents up to and
    including the user's home or the first repository root (a folder holding ``.git``);
    outside the home folder and any repository, ``cwd`` alone."""
    home = _home() if home is None else home
    folders: list[Path] = []
    for folder in (cwd, *cwd.parents):
        folders.append(folder)
        if folder == home or _is(folder / ".git", Path.exists):
            return folders
    return folders[:1]


def _is(path: Path, check: Callable[[Path], bool] = Path.is_file) -> bool:
    try:
        return check(path)
    except OSError:  # a folder we may not look into is passed over
        return False


# --------------------------------------------------------------------------- loading


def _read(path: Path) -> str:
    source = str(path)
    try:
        if path.is_dir():
            raise ConfigError.one(source, "this is a folder, not a config file")
        data = read_bounded(path, source, MAX_BYTES)
    except InputError as exc:  # a pipe that never ends
        raise ConfigError(exc.problems) from None
    except OSError as exc:
        raise ConfigError.one(
            source,
            f"cannot read the config file: {exc.strerror or exc}",
            hint=f"check the path given with --config or {ENV_VAR}",
        ) from None
    if len(data) > MAX_BYTES:
        raise ConfigError.one(
            source,
            f"the config file is larger than {MAX_BYTES // 1024} KiB; it is not read",
            hint="a clinic's settings take a few lines; is this the right file?",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        where = line_col(data, exc.start)
        raise ConfigError.one(source, "the config file is not UTF-8 text", *where) from None


def _toml_problem(source: str, text: str, exc: ValueError) -> Problem:
    message = str(exc)
    line: int | None = None
    col: int | None = None
    m = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", message)
    if m:
        line, col = int(m.group(1)), int(m.group(2))
        message = message[: m.start()]
    elif message.endswith("(at end of document)"):
        message = message.removesuffix("(at end of document)").rstrip()
        line = text.count("\n") + 1
        col = len(text.rsplit("\n", 1)[-1]) + 1
    message = message[:1].lower() + message[1:] if message else "invalid TOML"
    return Problem(
        source,
        f"not valid TOML: {message}",
        line,
        col,
        hint="settings are written key = value under [clinic], [schedule] or [defaults]; "
        'text goes in "double quotes"',
    )


def load_config(path: Path | None) -> Config:
    """The settings in ``path``, or the built-in defaults when ``path`` is None.

    Raises :class:`ConfigError` with ``FILE:LINE:COL`` problems.
    """
    if path is None:
        return _DEFAULTS
    source = str(path)
    text = _read(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([_toml_problem(source, text, exc)]) from None
    except RecursionError:  # tomllib reads nested arrays and inline tables recursively
        raise ConfigError.one(
            source,
            "not valid TOML: arrays or inline tables nested too deeply",
            hint="a clinic's settings nest a list at most one level deep",
        ) from None
    try:
        # a relative path in a linked settings file is from the file's real folder
        config = Config.model_validate(data, context={"base": _real(path).parent})
    except ValidationError as exc:
        raise ConfigError(_problems(source, text, exc)) from None
    return config.model_copy(update={"path": path})


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a link loop: read() has reported it already
        return path


def settings_for(
    explicit: Path | None, cwd: Path, env: Mapping[str, str], home: Path | None = None
) -> Config:
    """The settings a command uses: :func:`load_config` of :func:`find_config`."""
    return load_config(find_config(explicit, cwd, env, home))


def _known_keys(section: Sequence[str]) -> list[str]:
    """The keys of ``[section]``, or the sections (no section: a key at the top)."""
    if section:
        return list(type(getattr(_DEFAULTS, section[0])).model_fields)
    return [key for key in Config.model_fields if key != "path"]


def _problems(source: str, text: str, exc: ValidationError) -> list[Problem]:
    problems = []
    errors = exc.errors(include_url=False)
    # the first ones only (in file order): each is found in the text by a scan of its own
    for err in errors[:MAX_PROBLEMS]:
        loc = list(err["loc"])
        keys = [str(p) for p in loc if isinstance(p, str)]
        line = _line_of(text, keys)
        hint: str | None = None
        if err["type"] == "extra_forbidden":
            parent, name = keys[:-1], keys[-1]
            known = _known_keys(parent)
            if parent:
                message = f"unknown key {quote(name)} in [{'.'.join(parent)}]"
            elif isinstance(err["input"], dict):
                message = f"unknown section [{quote(name)[1:-1]}]"
            else:
                message = f"unknown key {quote(name)} outside any section"
            hint = did_you_mean(name, known) or "known here: " + ", ".join(known)
        elif err["type"] == "model_type":
            dotted = ".".join(keys)
            message = f"{dotted or 'settings'}: this must be a section, written [{dotted}]"
        else:
            message, hint = reworded(err, tuple(loc), err.get("input"), top="settings")
        problems.append(Problem(source, message, line, None, hint))
    return capped(problems, source, total=len(errors))


# --------------------------------------------------------------------------- lines


def _line_of(text: str, keys: Sequence[str]) -> int | None:
    """The line a setting is written on, where a simple search finds it: its ``[section]``
    header, then the first ``key =`` line after it (or ``section.key =`` at the top).
    None when it is not found; the dotted key in the message names it anyway."""
    if not keys:
        return None
    lines = text.splitlines()
    section = keys[0]
    header = re.compile(rf"^\s*\[\s*[\"']?{re.escape(section)}[\"']?\s*\]")
    start = next((n for n, raw in enumerate(lines) if header.match(raw)), None)
    if start is None:
        top = re.compile(rf"^\s*[\"']?{re.escape(section)}[\"']?\s*[.=]")
        return next((n + 1 for n, raw in enumerate(lines) if top.match(raw)), None)
    if len(keys) == 1:
        return start + 1
    key = re.compile(rf"^\s*[\"']?{re.escape(keys[1])}[\"']?\s*=")
    for n in range(start + 1, len(lines)):
        if lines[n].lstrip().startswith("["):
            break
        if key.match(lines[n]):
            return n + 1
    return start + 1


# --------------------------------------------------------------------------- describing


def _show(value: object) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, str | Path):
        return inert(json.dumps(str(value), ensure_ascii=False))
    if isinstance(value, tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def describe(config: Config) -> str:
    """What ``needleplan config`` prints: the file in use (or none) and every value.

    Values left at their default are marked ``# default``; the output is TOML-like,
    so a line can be copied into a settings file. Plain text (no markup).
    """
    if config.path is not None:
        lines = [f"# settings from {_show(str(config.path))[1:-1]}"]
    else:
        lines = [
            f"# no settings file in use: none named by --config or {ENV_VAR}, no {FILENAME} "
            "in this folder or a parent up to your home folder or the repository's root, "
            f"none at {_show(str(user_config_file()))[1:-1]}; built-in defaults"
        ]
    notes = {
        ("schedule", "days"): "Monday to Friday",
        ("schedule", "hours"): "sessions start at the start of the hours",
        ("schedule", "timezone"): f"the machine's: {local_timezone_name()}",
        ("defaults", "rules"): "the shipped rule set",
        ("defaults", "format"): "table on a terminal, json otherwise",
    }
    for section_name in ("clinic", "schedule", "defaults"):
        section: BaseModel = getattr(config, section_name)
        lines += ["", f"[{section_name}]"]
        for key in type(section).model_fields:
            value = getattr(section, key)
            line = f"{key} = {_show(value)}"
            if key not in section.model_fields_set:
                note = notes.get((section_name, key))
                line += "  # default" + (f" ({note})" if note else "")
            lines.append(line)
    return "\n".join(lines) + "\n"


def calendar_of(config: Config) -> ClinicCalendar:
    """The booking calendar a clinic's settings describe (the machine's zone if none is set)."""
    s = config.schedule
    return ClinicCalendar(
        days=s.weekdays,
        holidays=frozenset(s.holidays),
        start=s.start,
        end=s.end,
        session_minutes=s.session_minutes,
        timezone=s.timezone or local_timezone_name(),
    )


INIT_TEXT = """\
# needleplan clinic settings. Every key is optional: delete what you do not need.
# needleplan finds this file in the folder it runs in, or in a parent folder up to
# your home folder or the repository's root; or name it with --config FILE or
# NEEDLEPLAN_CONFIG. Check what is in use with: needleplan config

[clinic]
# Printed on handouts and calendar entries; the phone wherever the patient is told
# to call the clinic.
# name = "Harbour Street Physiotherapy"
# phone = "01632 960 123"
# address = "1 Harbour Street"

[schedule]
# Working days: sessions are only booked on these (mon, tue, wed, thu, fri, sat, sun).
days = ["mon", "tue", "wed", "thu", "fri"]
# Opening hours; a timed calendar event needs the profile's appointment_time.
hours = "09:00-17:00"
# Length of one session, 5 to 480 minutes.
session_minutes = 45
# IANA time zone name; default: the machine's.
# timezone = "Europe/London"
# Dates never booked (public holidays, closures), written as dates.
# holidays = [2027-01-01, 2027-12-25]

[defaults]
# A clinic's own rule set (relative to this file's folder). It needs a name of its
# own: 'needleplan rules --format yaml' exports the shipped one to start from.
# rules = "clinic-rules.yaml"
# The output format when none is given: {formats}.
# format = "table"
"""


def init_text() -> str:
    """The commented settings file ``needleplan config init`` writes (it loads as it is)."""
    return INIT_TEXT.format(formats=one_of(FORMATS))
