"""Clinic settings: finding needleplan.toml, reading it, located errors, describing it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from needleplan.config import (
    FILENAME,
    MAX_BYTES,
    Config,
    ConfigError,
    describe,
    find_config,
    load_config,
    local_timezone_name,
    settings_for,
)
from needleplan.errors import InputError

FULL = """\
# the clinic's settings
[clinic]
name = "Harbour Street Physiotherapy"
phone = "01632 960 123"
address = \"\"\"1 Harbour Street
Seatown\"\"\"

[schedule]
days = ["mon", "wed", "fri"]
hours = "08:30-16:00"
session_minutes = 30
timezone = "Europe/London"
holidays = [2027-01-06, "2027-04-02"]

[defaults]
rules = "clinic-rules.yaml"
format = "html"
"""


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's own settings out: the user config folder is an empty one."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("NEEDLEPLAN_CONFIG", raising=False)


def _write(folder: Path, text: str, name: str = FILENAME) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _problem(path: Path) -> tuple[int | None, int | None, str, str | None]:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert isinstance(info.value, InputError)
    p = info.value.problems[0]
    assert p.source == str(path)
    return p.line, p.column, p.message, p.hint


# --------------------------------------------------------------------------- finding


def test_found_in_the_folder_or_a_parent(tmp_path: Path) -> None:
    path = _write(tmp_path / "clinic", "")
    deep = tmp_path / "clinic" / "patients" / "2026"
    deep.mkdir(parents=True)
    assert find_config(None, deep, {}, home=tmp_path) == path
    assert find_config(None, tmp_path / "clinic", {}, home=tmp_path) == path


def test_the_search_stops_at_home_or_a_repository_root(tmp_path: Path) -> None:
    above = _write(tmp_path, "")  # a shared folder above: never read
    home = tmp_path / "home"
    work = home / "clinic" / "week"
    work.mkdir(parents=True)
    assert find_config(None, work, {}, home=home) is None
    mine = _write(home, "")
    assert find_config(None, work, {}, home=home) == mine
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "plans").mkdir()
    assert find_config(None, repo / "plans", {}, home=home) is None  # stops at the root
    at_root = _write(repo, "")
    assert find_config(None, repo / "plans", {}, home=home) == at_root
    # outside home and any repository, only the folder itself is searched
    loose = tmp_path / "loose"
    loose.mkdir()
    assert find_config(None, loose, {}, home=home) is None
    assert above.exists()


def test_a_linked_settings_file_reads_paths_from_its_real_folder(tmp_path: Path) -> None:
    real = _write(tmp_path / "shared", '[defaults]\nrules = "clinic-rules.yaml"\n')
    (tmp_path / "desk").mkdir()
    link = tmp_path / "desk" / FILENAME
    link.symlink_to(real)
    assert load_config(link).defaults.rules == tmp_path / "shared" / "clinic-rules.yaml"


def test_the_nearest_file_wins(tmp_path: Path) -> None:
    _write(tmp_path, "")
    near = _write(tmp_path / "a", "")
    assert find_config(None, tmp_path / "a", {}, home=tmp_path) == near


def test_else_the_user_config_folder(tmp_path: Path) -> None:
    user = _write(tmp_path / "xdg" / "needleplan", "")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert find_config(None, elsewhere, {}) == user


def test_none_found_gives_defaults(tmp_path: Path) -> None:
    assert find_config(None, tmp_path, {}) is None
    assert load_config(None) == Config()


def test_explicit_beats_env_beats_search(tmp_path: Path) -> None:
    _write(tmp_path, "")
    env_file = _write(tmp_path / "env", "")
    explicit = _write(tmp_path / "explicit", "")
    env = {"NEEDLEPLAN_CONFIG": str(env_file)}
    assert find_config(explicit, tmp_path, env) == explicit
    assert find_config(None, tmp_path, env) == env_file
    assert find_config(None, tmp_path, {"NEEDLEPLAN_CONFIG": ""}) == tmp_path / FILENAME


def test_settings_for_finds_and_loads(tmp_path: Path) -> None:
    path = _write(tmp_path, FULL)
    assert settings_for(None, tmp_path, {}).path == path
    assert settings_for(None, tmp_path / "..", {"NEEDLEPLAN_CONFIG": str(path)}).path == path
    assert settings_for(None, tmp_path / "xdg", {}, home=tmp_path).path == path  # a parent's
    empty = tmp_path.parent / "empty-place"
    empty.mkdir(exist_ok=True)
    assert settings_for(None, empty, {}).path is None


def test_relative_names_are_from_the_current_folder(tmp_path: Path) -> None:
    assert find_config(Path("x.toml"), tmp_path, {}) == tmp_path / "x.toml"
    assert find_config(None, tmp_path, {"NEEDLEPLAN_CONFIG": "y.toml"}) == tmp_path / "y.toml"


def test_a_named_file_that_is_missing_is_an_error(tmp_path: Path) -> None:
    path = find_config(Path("missing.toml"), tmp_path, {})
    assert path is not None
    _, _, message, hint = _problem(path)
    assert "cannot read" in message and "No such file" in message
    assert hint and "--config" in hint


def test_a_folder_is_not_a_config_file(tmp_path: Path) -> None:
    _, _, message, _ = _problem(tmp_path)
    assert "folder" in message


# --------------------------------------------------------------------------- reading


def test_every_setting_is_read(tmp_path: Path) -> None:
    path = _write(tmp_path, FULL)
    config = load_config(path)
    assert config.path == path
    assert config.clinic.name == "Harbour Street Physiotherapy"
    assert config.clinic.phone == "01632 960 123"
    assert config.clinic.address == "1 Harbour Street\nSeatown"
    s = config.schedule
    assert s.days == ("mon", "wed", "fri") and s.weekdays == frozenset({0, 2, 4})
    assert (s.start, s.end) == (dt.time(8, 30), dt.time(16, 0))
    assert s.session_minutes == 30
    assert s.timezone == "Europe/London"
    assert s.holidays == (dt.date(2027, 1, 6), dt.date(2027, 4, 2))
    assert config.defaults.rules == tmp_path / "clinic-rules.yaml"  # beside the config
    assert config.defaults.format == "html"


def test_defaults() -> None:
    config = Config()
    assert config.path is None
    assert config.clinic.name is None
    assert config.schedule.weekdays == frozenset(range(5))
    assert (config.schedule.start, config.schedule.end) == (dt.time(9, 0), dt.time(17, 0))
    assert config.schedule.session_minutes == 45
    assert config.schedule.timezone is None  # the machine's
    assert config.schedule.holidays == ()
    assert config.defaults.rules is None and config.defaults.format is None


def test_every_key_is_optional(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, "[schedule]\ndays = ['Tuesday', 'thu', 'tue']\n"))
    assert config.schedule.days == ("tue", "thu")
    assert config.clinic == Config().clinic


def test_config_is_frozen(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, FULL))
    with pytest.raises(ValueError):
        config.schedule.session_minutes = 10  # type: ignore[misc]


def test_absolute_rules_path_is_kept(tmp_path: Path) -> None:
    path = _write(tmp_path, '[defaults]\nrules = "/srv/rules.yaml"\n')
    assert load_config(path).defaults.rules == Path("/srv/rules.yaml")


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "line", "words", "hint"),
    [
        ('[schedule]\ndays = ["mon", "wdd"]\n', 2, "schedule.days[1]: 'wdd' is not a day", "wed"),
        ('[schedule]\ndayz = ["mon"]\n', 2, "unknown key 'dayz' in [schedule]", "days"),
        ("\n[clnic]\nname = 'x'\n", 2, "unknown section [clnic]", "clinic"),
        ("[schedule]\n  session_minutes = 2\n", 2, "greater than or equal to 5", None),
        ("[schedule]\nsession_minutes = 481\n", 2, "less than or equal to 480", None),
        ("[schedule]\nsession_minutes = '45'\n", 2, "schedule.session_minutes", None),
        ("[schedule]\ntimezone = 'Europe/Londn'\n", 2, "not a time zone", None),
        ("[schedule]\nhours = '9-5'\n", 2, 'write them as "09:00-17:00"', None),
        ("[schedule]\nhours = '17:00-09:00'\n", 2, "end after they start", None),
        ("[schedule]\nhours = '09:00-09:30'\nsession_minutes = 45\n", 1, "does not fit", None),
        ("[schedule]\ndays = []\n", 2, "at least one working day", None),
        ("[schedule]\nholidays = [\n  2027-01-06,\n  '2027-02-30',\n]\n", 2, "[1]", None),
        ('[schedule]\nholidays = ["1796083200"]\n', 2, "is not a date", None),
        ("[schedule]\nholidays = [1796083200]\n", 2, "schedule.holidays[0]", None),
        ("[schedule]\nholidays = [2027-01-06T09:00:00]\n", 2, "has a time", None),
        ("[defaults]\nformat = 'htm'\n", 2, "must be one of: table", "'html'"),
        ("[defaults]\nrules = 3\n", 2, "path in quotes", None),
        ("schedule.days = ['xyz']\n", 1, "'xyz' is not a day", None),
        ('[clinic]\nname = "a\\u001b[31mb"\n', 2, "control character", None),
        ("clinic = 3\n", 1, "must be a section", None),
    ],
)
def test_bad_settings_are_named_by_key_and_line(
    tmp_path: Path, text: str, line: int, words: str, hint: str | None
) -> None:
    path = _write(tmp_path, text)
    got_line, _, message, got_hint = _problem(path)
    assert got_line == line, message
    assert words in message
    assert "Value error" not in message
    if hint:
        assert (got_hint is not None and hint in got_hint) or hint in message


def test_toml_syntax_error_has_its_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, '[clinic]\nname = "Harbour\n')
    line, col, message, hint = _problem(path)
    assert line == 2 and col is not None
    assert message.startswith("not valid TOML: ")
    assert "(at line" not in message
    assert hint and "key = value" in hint


def test_duplicate_key_is_a_syntax_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "[schedule]\nsession_minutes = 30\nsession_minutes = 40\n")
    line, _, message, _ = _problem(path)
    assert line == 3 and "not valid TOML" in message


def test_a_big_file_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "# padding\n" * (MAX_BYTES // 10 + 1))
    _, _, message, _ = _problem(path)
    assert "64 KiB" in message


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / FILENAME
    path.write_bytes(b'[clinic]\nname = "caf\xe9"\n')
    line, col, message, _ = _problem(path)
    assert (line, col) == (2, 12) and "UTF-8" in message


def test_problems_format_as_file_line_col(tmp_path: Path) -> None:
    path = _write(tmp_path, "[schedule]\nsession_minutes = 0\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.problems[0].format().startswith(f"{path}:2: error: schedule.session_minutes")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_loads_or_gives_located_problems(text: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / FILENAME
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            load_config(path)
        except ConfigError as exc:
            assert exc.problems
            for p in exc.problems:
                assert p.source == str(path)
                assert p.line is None or p.line >= 1


# --------------------------------------------------------------------------- the machine's zone


def test_machine_zone_from_tz(tmp_path: Path) -> None:
    missing = tmp_path / "localtime"
    assert local_timezone_name({"TZ": "Europe/Paris"}, missing) == "Europe/Paris"
    assert local_timezone_name({"TZ": ":Asia/Tokyo"}, missing) == "Asia/Tokyo"
    assert (
        local_timezone_name({"TZ": "/usr/share/zoneinfo/America/Chicago"}, missing)
        == "America/Chicago"
    )


def test_machine_zone_from_the_localtime_link_else_utc(tmp_path: Path) -> None:
    link = tmp_path / "localtime"
    link.symlink_to("/usr/share/zoneinfo/Australia/Sydney")
    assert local_timezone_name({}, link) == "Australia/Sydney"
    assert local_timezone_name({"TZ": "Not/AZone"}, link) == "Australia/Sydney"
    assert local_timezone_name({}, tmp_path / "nothing") == "UTC"


# --------------------------------------------------------------------------- describing


def test_describe_a_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "[clinic]\nname = \"Harbour\"\n[schedule]\ndays = ['mon']\n")
    text = describe(load_config(path))
    assert str(path) in text.splitlines()[0]
    assert 'name = "Harbour"\n' in text  # set: not marked
    assert 'days = ["mon"]\n' in text
    assert "session_minutes = 45  # default" in text
    assert "phone = (not set)  # default" in text
    for section in ("[clinic]", "[schedule]", "[defaults]"):
        assert section in text


def test_describe_without_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    text = describe(Config())
    assert "no settings file in use" in text
    assert "the machine's: Europe/Berlin" in text
    assert text.count("# default") == 10  # every key


def test_describe_is_inert(tmp_path: Path) -> None:
    path = _write(tmp_path, '[clinic]\naddress = "a\\u202eb"\n')
    with pytest.raises(ConfigError):
        load_config(path)
    path = _write(tmp_path, '[clinic]\naddress = """line one\nline two"""\n')
    text = describe(load_config(path))
    assert 'address = "line one\\nline two"' in text


@pytest.mark.slow
def test_every_command_reading_profiles_uses_the_clinics_rules(runner, tmp_path: Path) -> None:
    import yaml

    from needleplan import load_rules
    from tests.conftest import invoke

    data = load_rules().to_data()
    data["conditions"]["neck_pain"]["aliases"].append("wry_neck")
    data["name"] = "harbour-street"
    (tmp_path / "clinic-rules.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    settings_file = _write(tmp_path, '[defaults]\nrules = "clinic-rules.yaml"\n')
    profile = tmp_path / "p.yaml"
    profile.write_text("condition: wry_neck\nseverity: 5\nduration: 6 weeks\n")
    cfg = ["--config", str(settings_file)]
    for command in (["validate", str(profile)], ["suggest", "-f", "json", str(profile)]):
        result = invoke(runner, *command, *cfg)
        assert result.exit_code == 0, (command, result.stderr)
    made = invoke(runner, "new", "--condition", "wry_neck", *cfg)
    assert made.exit_code == 0 and "condition: neck_pain" in made.stdout
    assert "wry_neck" in invoke(runner, "schema", *cfg).stdout
    assert invoke(runner, "validate", str(profile)).exit_code == 1  # the shipped rules


def test_settings_full_of_mistakes_report_a_bounded_number(tmp_path: Path) -> None:
    from needleplan.validation import MAX_PROBLEMS

    path = _write(tmp_path, "".join(f"k{i} = 1\n" for i in range(5000)))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    problems = info.value.problems
    assert len(problems) == MAX_PROBLEMS + 1 and "more problem(s)" in problems[-1].message
