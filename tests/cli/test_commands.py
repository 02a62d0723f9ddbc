"""The commands as a clinic meets them: help, usage errors, where output goes, settings in
use, a batch's summary, --fail-on, and validate agreeing with review."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from needleplan.config import FILENAME, load_config
from needleplan.rulesload import load_rules
from needleplan.vocab import FORMATS
from tests.conftest import PLANS, invoke

NECK = PLANS / "neck-chronic.yaml"
RED_FLAG = PLANS / "back-red-flag.yaml"
SAME_DAY = PLANS / "refer-same-day.yaml"


def _error_lines(stderr: str) -> list[str]:
    """stderr is one needleplan error line and one hint line, and nothing of Click's."""
    lines = stderr.splitlines()
    assert len(lines) == 2, stderr
    assert lines[0].startswith("needleplan: error: "), stderr
    assert lines[1].startswith("  hint: "), stderr
    assert "Usage:" not in stderr and "Value error" not in stderr and "Try '" not in stderr
    return lines


# -- help and usage errors -----------------------------------------------------------------


def test_bare_needleplan_prints_its_help_and_succeeds() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "needleplan"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "80"},
        check=False,
    )
    assert proc.returncode == 0
    assert proc.stderr == ""
    assert proc.stdout.startswith("Usage: needleplan")
    for command in ("suggest", "review", "validate", "new", "config"):
        assert f"  {command} " in proc.stdout
    assert "\\n" not in proc.stdout and "…" not in proc.stdout
    assert "Show the clinic settings in use, or write a new needleplan.toml." in proc.stdout
    assert max(len(line) for line in proc.stdout.splitlines()) <= 80


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["suggest", "--jobs", "2", str(NECK)], "no such option: --jobs"),
        (["sugest", str(NECK)], "no such command 'sugest'"),
        (["suggest"], "missing argument"),
        (["review", "--today"], "requires an argument"),
    ],
)
def test_a_click_usage_error_is_one_line_and_a_hint(runner, args: list[str], words: str) -> None:
    result = invoke(runner, *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    first, hint = _error_lines(result.stderr)
    assert words in first
    assert "--help" in hint


def test_a_misspelt_command_gets_the_right_one_in_its_hint(runner) -> None:
    _, hint = _error_lines(invoke(runner, "sugest", str(NECK)).stderr)
    assert "did you mean 'suggest'?" in hint


@pytest.mark.parametrize("command", ["suggest", "review"])
def test_an_unknown_format_is_refused_with_the_formats_named(runner, command: str) -> None:
    result = invoke(runner, command, "-f", "docx", str(NECK))
    assert result.exit_code == 2
    first, hint = _error_lines(result.stderr)
    assert "'docx' is not a format" in first
    assert "json" in hint and "markdown" in hint
    near = invoke(runner, command, "-f", "jsn", str(NECK))
    assert "did you mean 'json'?" in _error_lines(near.stderr)[1]


def test_a_review_cannot_be_a_calendar(runner) -> None:
    result = invoke(runner, "review", "-f", "ics", str(PLANS / "review-responder.yaml"))
    assert result.exit_code == 2
    first, hint = _error_lines(result.stderr)
    assert "ics" in first and "ics" not in hint.split("formats here:")[1]


# -- -o FILE and --output-dir DIR ----------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "source", "extra"),
    [
        ("suggest", NECK, []),
        ("review", PLANS / "review-responder.yaml", ["--today", "2026-12-31"]),
    ],
)
def test_o_writes_exactly_one_file(runner, tmp_path: Path, command, source, extra) -> None:
    target = tmp_path / "handout.html"
    result = invoke(runner, command, "-f", "html", "-o", str(target), *extra, str(source))
    assert result.exit_code == 0, result.stderr
    assert target.is_file()  # a file, never a folder named like one
    assert target.read_text().lstrip().lower().startswith("<!doctype html")
    assert result.stdout == ""
    assert f"wrote {target}" in result.stderr
    again = invoke(runner, command, "-f", "html", "-o", str(target), *extra, str(source))
    assert again.exit_code == 2 and "--force" in again.stderr  # no clobber
    forced = invoke(
        runner, command, "-f", "html", "-o", str(target), "--force", *extra, str(source)
    )
    assert forced.exit_code == 0, forced.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handout.html"]


def test_o_with_several_profiles_is_refused_unless_one_file_holds_them(
    runner, tmp_path: Path
) -> None:
    target = tmp_path / "handout.html"
    refused = invoke(runner, "suggest", "-f", "html", "-o", str(target), str(PLANS))
    assert refused.exit_code == 2
    _, hint = _error_lines(refused.stderr)
    assert "--output-dir" in hint
    assert list(tmp_path.iterdir()) == []  # neither a file nor a folder was made
    day = tmp_path / "day.jsonl"
    ok = invoke(runner, "suggest", "-f", "jsonl", "-o", str(day), str(PLANS))
    assert ok.exit_code == 0, ok.stderr
    lines = day.read_text().splitlines()
    assert len(lines) == len(list(PLANS.glob("*.yaml")))
    assert all(json.loads(line)["decision"] for line in lines)
    calendar = tmp_path / "day.ics"
    ics = invoke(
        runner,
        "suggest",
        "-f",
        "ics",
        "--start-date",
        "2026-12-01",
        "-o",
        str(calendar),
        str(PLANS),
    )
    assert ics.exit_code == 0, ics.stderr
    assert calendar.read_text().count("BEGIN:VCALENDAR") == 1


def test_o_never_names_a_folder_or_an_input(runner, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    as_folder = invoke(runner, "suggest", "-f", "json", "-o", str(folder), str(NECK))
    assert as_folder.exit_code == 2
    first, hint = _error_lines(as_folder.stderr)
    assert "is a folder" in first and "--output-dir" in hint
    trailing = invoke(runner, "suggest", "-f", "json", "-o", str(tmp_path / "new") + "/", str(NECK))
    assert trailing.exit_code == 2 and not (tmp_path / "new").exists()
    profile = tmp_path / "p.yaml"
    profile.write_text(NECK.read_text())
    over = invoke(runner, "suggest", "-f", "yaml", "-o", str(profile), "--force", str(profile))
    assert over.exit_code == 2 and "never writes over one" in over.stderr
    assert profile.read_text() == NECK.read_text()
    both = invoke(
        runner, "suggest", "-o", str(tmp_path / "a.json"), "--output-dir", str(folder), str(NECK)
    )
    assert both.exit_code == 2 and "cannot be used together" in both.stderr


def test_o_dash_is_stdout(runner) -> None:
    result = invoke(runner, "suggest", "-f", "json", "-o", "-", str(NECK))
    assert result.exit_code == 0 and json.loads(result.stdout)["patient"] == "P-0042"


def test_output_dir_writes_one_file_per_profile_in_review_and_new(runner, tmp_path: Path) -> None:
    out = tmp_path / "reviews"
    result = invoke(
        runner,
        "review",
        "--today",
        "2026-12-31",
        "-f",
        "json",
        "--output-dir",
        str(out),
        str(PLANS),
    )
    assert result.exit_code == 0, result.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(p.stem + ".json" for p in PLANS.glob("review-*.yaml"))
    assert f"wrote {len(names)} files to {out}" in result.stderr
    made = invoke(runner, "new", "--condition", "neck_pain", "--output-dir", str(tmp_path / "new"))
    assert made.exit_code == 0, made.stderr
    assert (tmp_path / "new" / "neck_pain.yaml").is_file()
    folder = invoke(runner, "new", "-o", str(tmp_path / "new"))
    assert folder.exit_code == 2 and "--output-dir" in folder.stderr


def test_a_stopped_run_says_how_many_files_it_wrote_and_where(
    runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import needleplan.run as run_module

    real = run_module.write_atomic
    written: list[Path] = []

    def another_writer_appears(target: Path, text: str | bytes, *, force: bool) -> None:
        if written:  # someone else writes the second file's name first
            target.write_text("theirs")
        real(target, text, force=force)
        written.append(target)

    monkeypatch.setattr(run_module, "write_atomic", another_writer_appears)
    out = tmp_path / "out"
    result = invoke(runner, "suggest", "-f", "json", "--output-dir", str(out), str(PLANS))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("needleplan: error: ") and "not overwriting it" in lines[0]
    assert lines[-1] == f"needleplan: wrote 1 file to {out}, then stopped"  # the last word
    assert len(written) == 1


# -- config init, the settings in use and the shipped rule set's name ----------------------


def test_config_init_writes_a_commented_file_that_loads(runner, tmp_path: Path) -> None:
    target = tmp_path / FILENAME
    result = invoke(runner, "config", "init", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    text = target.read_text()
    assert "[clinic]" in text and "[schedule]" in text and "[defaults]" in text
    assert sum(line.startswith("#") for line in text.splitlines()) > 10
    for fmt in FORMATS:
        assert fmt in text
    settings = load_config(target)
    assert settings.schedule.session_minutes == 45
    shown = invoke(runner, "config", "--config", str(target))
    assert shown.exit_code == 0 and str(target) in shown.stdout
    target.write_text("# mine\n")
    refused = invoke(runner, "config", "init", "-o", str(target))
    assert refused.exit_code == 2 and "--force" in refused.stderr
    assert target.read_text() == "# mine\n"
    assert invoke(runner, "config", "init", "-o", str(target), "--force").exit_code == 0
    assert target.read_text() == text
    assert "[schedule]" in invoke(runner, "config", "init", "-o", "-").stdout


def test_config_init_into_a_folder_named_with_a_slash(runner, tmp_path: Path) -> None:
    """`-o newdir/` names a folder, existing or not: the file inside it is needleplan.toml."""
    for folder in (tmp_path / "new", tmp_path):
        result = invoke(runner, "config", "init", "-o", f"{folder}/")
        assert result.exit_code == 0, result.stderr
        assert folder.is_dir() and (folder / FILENAME).is_file()


def _renamed_rules(folder: Path, name: str) -> Path:
    rules = load_rules()
    text = (Path(__file__).resolve().parents[2] / "src/needleplan/rules/default.yaml").read_text()
    path = folder / "clinic-rules.yaml"
    path.write_text(text.replace(f"name: {rules.name}", f"name: {name}", 1))
    return path


def test_a_custom_rule_set_cannot_take_the_shipped_name(runner, tmp_path: Path) -> None:
    shipped = load_rules().name
    _renamed_rules(tmp_path, shipped)  # a copy that still calls itself the shipped set
    settings = tmp_path / FILENAME
    settings.write_text('[defaults]\nrules = "clinic-rules.yaml"\n')
    for args in (["suggest", "-f", "json", str(NECK)], ["validate", str(NECK)]):
        result = invoke(runner, *args, "--config", str(settings))
        assert result.exit_code == 2, args
        first, hint = _error_lines(result.stderr)
        assert f"'{shipped}'" in first and "name" in hint
        assert result.stdout == ""


def test_machine_formats_name_the_settings_and_rules_on_stderr(runner, tmp_path: Path) -> None:
    rules = _renamed_rules(tmp_path, "harbour-street")
    settings = tmp_path / FILENAME
    settings.write_text('[clinic]\nname = "Harbour"\n[defaults]\nrules = "clinic-rules.yaml"\n')
    result = invoke(runner, "suggest", "-f", "json", "--config", str(settings), str(NECK))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["rules"]["name"] == "harbour-street"  # data alone on stdout
    assert f"needleplan: note: settings: {settings}" in result.stderr
    assert "rule set: harbour-street" in result.stderr and str(rules) in result.stderr
    checked = invoke(runner, "validate", "-f", "json", "--config", str(settings), str(NECK))
    assert json.loads(checked.stdout)[0]["valid"] is True
    assert "rule set: harbour-street" in checked.stderr
    plain = invoke(runner, "suggest", "-f", "json", str(NECK))
    assert plain.stderr == ""  # nothing to say without settings or a custom rule set


# -- --fail-on and the new vocabulary ------------------------------------------------------


@pytest.mark.slow
def test_fail_on_reads_urgencies_too(runner) -> None:
    emergency = invoke(runner, "suggest", "-f", "json", "--fail-on", "emergency", str(RED_FLAG))
    assert emergency.exit_code == 3
    calm = invoke(runner, "suggest", "-f", "json", "--fail-on", "emergency", str(NECK))
    assert calm.exit_code == 0
    for name in ("soon", "check_first", "same_day"):
        result = invoke(runner, "suggest", "-f", "json", "--fail-on", name, str(NECK))
        data = json.loads(result.stdout)
        named = name in (data["decision"], data["urgency"])
        assert result.exit_code == (3 if named else 0), name
    wrong = invoke(runner, "suggest", "--fail-on", "emergncy", str(NECK))
    assert wrong.exit_code == 2 and "did you mean 'emergency'?" in wrong.stderr


# -- validate and review agree -------------------------------------------------------------


def test_validate_refuses_a_future_session_as_review_does(runner, tmp_path: Path) -> None:
    text = (PLANS / "review-responder.yaml").read_text()
    future = tmp_path / "future.yaml"
    future.write_text(text + "  - date: 2099-01-05\n    nrs: 3\n")
    checked = invoke(runner, "validate", "--today", "2026-12-31", str(future))
    reviewed = invoke(runner, "review", "--today", "2026-12-31", "-f", "json", str(future))
    assert checked.exit_code == reviewed.exit_code == 1
    error = next(line for line in reviewed.stderr.splitlines() if " error: " in line)
    assert error in checked.stderr.splitlines()
    assert invoke(runner, "validate", str(future)).exit_code == 1  # today, by default
    later = ["--today", "2099-12-31"]
    assert invoke(runner, "validate", *later, str(future)).exit_code == 0
    assert invoke(runner, "review", *later, "-f", "json", str(future)).exit_code == 0
