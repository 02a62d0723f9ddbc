"""The CLI as a therapist or a script uses it."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from needleplan import __version__
from tests.conftest import CASES, PLANS, ROOT, check_jsonschema, invoke

NECK = PLANS / "neck-chronic.yaml"
GOLDEN = Path(__file__).parent.parent / "golden"


def test_version(runner) -> None:
    result = invoke(runner, "--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"needleplan {__version__}"


def _stable(text: str) -> str:
    """The output with the rule set's hash written as <sha256>: goldens outlive rule edits."""
    from needleplan import load_rules

    sha = load_rules().sha256
    return text.replace(sha, "<sha256>").replace(sha[:12], "<sha256>")


def test_golden_json(runner) -> None:
    result = invoke(runner, "suggest", "--format", "json", str(NECK.relative_to(ROOT)))
    expected = (GOLDEN / "neck-chronic.json").read_text(encoding="utf-8")
    assert _stable(result.stdout) == expected


def test_golden_table(runner) -> None:
    result = invoke(runner, "suggest", "--format", "table", str(NECK.relative_to(ROOT)))
    expected = (GOLDEN / "neck-chronic.txt").read_text(encoding="utf-8")
    assert _stable(result.stdout) == expected
    assert result.stdout.index("NEEDLE") < result.stdout.index("Course")


def test_table_puts_refer_first(runner) -> None:
    result = invoke(runner, "suggest", "-f", "table", str(PLANS / "back-red-flag.yaml"))
    lines = result.stdout.splitlines()
    assert "REFER" in lines[0] and "EMERGENCY" in lines[0]
    assert "RED FLAG" in result.stdout


def test_batch_plans_good_and_reports_bad(runner, tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(NECK.read_text())
    (tmp_path / "b.yaml").write_text("condition: neck_pain\nseverity: 99\nduration: 1\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.yml").write_text("condition: shoulder_pain\nseverity: 3\nduration: 2\n")
    (tmp_path / "ignored.txt").write_text("not a profile")
    result = invoke(runner, "suggest", "--format", "json", str(tmp_path))
    assert result.exit_code == 1
    plans = json.loads(result.stdout)
    assert [Path(p["source"]).name for p in plans] == ["a.yaml", "c.yml"]
    assert f"{tmp_path / 'b.yaml'}:2:11: error:" in result.stderr


def test_jsonl_and_csv_one_per_profile(runner) -> None:
    n = len(list(PLANS.glob("*.yaml")))
    jl = invoke(runner, "suggest", "-f", "jsonl", str(PLANS))
    assert jl.exit_code == 0
    assert len(jl.stdout.splitlines()) == n
    assert all(json.loads(line)["decision"] for line in jl.stdout.splitlines())
    cs = invoke(runner, "suggest", "-f", "csv", str(PLANS))
    rows = list(csv.DictReader(io.StringIO(cs.stdout)))
    assert len(rows) == n
    assert list(rows[0])[:4] == ["source", "patient", "condition", "decision"]


@pytest.mark.parametrize(
    "fmt", ["table", "json", "jsonl", "csv", "yaml", "markdown", "fhir", "ics"]
)
def test_every_format_prints_something(runner, fmt: str) -> None:
    result = invoke(runner, "suggest", "-f", fmt, "--start-date", "2026-12-01", str(PLANS))
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout) > 200
    assert "Traceback" not in result.stderr


def test_yaml_output_loads_back(runner) -> None:
    result = invoke(runner, "suggest", "-f", "yaml", str(PLANS))
    docs = list(yaml.safe_load_all(result.stdout))
    assert len(docs) == len(list(PLANS.glob("*.yaml")))


def test_stdin(runner) -> None:
    result = invoke(runner, "suggest", "-f", "json", "-", input=NECK.read_text())
    assert result.exit_code == 0
    assert json.loads(result.stdout)["source"] == "<stdin>"
    bad = invoke(runner, "validate", "-", input="condition: neck_pain\n")
    assert bad.exit_code == 1
    assert bad.stderr.startswith("<stdin>:1:1: error: missing required key")


def test_usage_errors_exit_2(runner, tmp_path: Path) -> None:
    missing = invoke(runner, "suggest", str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 2
    assert "no such file" in missing.stderr
    badfmt = invoke(runner, "suggest", "-f", "docx", str(NECK))
    assert badfmt.exit_code == 2
    assert "markdown" in badfmt.stderr  # names the formats
    baddate = invoke(runner, "suggest", "--start-date", "tomorrow", str(NECK))
    assert baddate.exit_code == 2
    assert baddate.stdout == ""


def test_output_dir_and_force(runner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = invoke(runner, "suggest", "-f", "json", "--output-dir", str(out), str(PLANS))
    assert first.exit_code == 0
    files = sorted(out.iterdir())
    assert len(files) == len(list(PLANS.glob("*.yaml")))
    assert first.stdout == ""
    before = {f: f.read_bytes() for f in files}
    (out / "neck-chronic.json").write_text("edited")
    second = invoke(runner, "suggest", "-f", "json", "--output-dir", str(out), str(PLANS))
    assert second.exit_code == 2
    assert "--force" in second.stderr
    assert (out / "neck-chronic.json").read_text() == "edited"
    assert sorted(out.iterdir()) == files
    third = invoke(runner, "suggest", "-f", "json", "--output-dir", str(out), "--force", str(PLANS))
    assert third.exit_code == 0
    assert {f: f.read_bytes() for f in files} == before
    assert not list(out.glob(".*.tmp"))


def test_output_names_collide_by_folder(runner, tmp_path: Path) -> None:
    for folder in ("clinic_a", "clinic_b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "p.yaml").write_text(NECK.read_text())
    out = tmp_path / "out"
    result = invoke(
        runner,
        "suggest",
        "-f",
        "csv",
        "--output-dir",
        str(out),
        str(tmp_path / "clinic_a"),
        str(tmp_path / "clinic_b"),
    )
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["clinic_a__p.csv", "clinic_b__p.csv"]


def test_validate_json_report(runner) -> None:
    result = invoke(
        runner, "validate", "-f", "json", str(CASES / "invalid" / "age-range.yaml"), str(NECK)
    )
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [r["valid"] for r in report] == [False, True]
    assert report[0]["problems"][0]["line"] == 5


def test_new_template_validates(runner, tmp_path: Path) -> None:
    result = invoke(runner, "new", "--condition", "plantar_heel_pain")
    assert result.exit_code == 0
    assert "condition: plantar_heel_pain" in result.stdout
    for word in ("red flags", "precautions", "mild | moderate | severe", "good | partial"):
        assert word in result.stdout
    target = tmp_path / "t.yaml"
    target.write_text(result.stdout)
    assert invoke(runner, "validate", str(target)).exit_code == 0
    assert invoke(runner, "new", "-o", str(target)).exit_code == 2
    assert invoke(runner, "new", "--condition", "nek").exit_code == 2


def test_schema_with_check_jsonschema(runner, tmp_path: Path) -> None:
    schema = tmp_path / "profile.schema.json"
    schema.write_text(invoke(runner, "schema", "profile").stdout)
    assert json.loads(schema.read_text())["$schema"].endswith("2020-12/schema")
    valid = sorted((CASES / "valid").glob("*.yaml")) + sorted(PLANS.glob("*.yaml"))
    ok = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--schemafile", str(schema), *map(str, valid)],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    names = (
        "severity-range",
        "unknown-key",
        "age-range",
        "factors-not-list",
        "unknown-condition",
        "duration-words",
        "notes-not-text",
    )
    invalid = [CASES / "invalid" / f"{name}.yaml" for name in names]
    accepted = check_jsonschema(schema, invalid)
    assert [name for name, path in zip(names, invalid, strict=True) if accepted[str(path)]] == []
    for kind in ("rules", "plan"):
        assert "properties" in json.loads(invoke(runner, "schema", kind).stdout)


@pytest.mark.slow
def test_rules_export_loads_back(runner, tmp_path: Path, rules) -> None:
    exported = tmp_path / "clinic.yaml"
    exported.write_text(invoke(runner, "rules", "--format", "yaml").stdout)
    from needleplan.rulesload import load_rules

    assert load_rules(exported).to_data() == rules.to_data()
    # the shipped rule set's name is reserved: a clinic's copy is renamed to be used
    refused = invoke(runner, "suggest", "--rules", str(exported), str(NECK))
    assert refused.exit_code == 2 and refused.stdout == ""
    assert f"calls itself '{rules.name}'" in refused.stderr and "hint: change" in refused.stderr
    exported.write_text(exported.read_text().replace(f"name: {rules.name}", "name: clinic", 1))
    a = json.loads(invoke(runner, "suggest", "-f", "json", str(NECK)).stdout)
    b = json.loads(
        invoke(runner, "suggest", "-f", "json", "--rules", str(exported), str(NECK)).stdout
    )
    a.pop("rules"), b.pop("rules")
    assert a == b
    table = invoke(runner, "rules")
    assert table.exit_code == 0 and "neck_pain" in table.stdout


def test_broken_rules_exit_2_with_position(runner, tmp_path: Path) -> None:
    text = invoke(runner, "rules", "--format", "yaml").stdout
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("max_per_week: 2", "max_per_week: 9", 1))
    result = invoke(runner, "suggest", "--rules", str(broken), str(NECK))
    assert result.exit_code == 2
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "max_per_week" in t)
    assert f"{broken}:{line}:" in result.stderr
    assert result.stdout == ""


@pytest.mark.slow
def test_ids_checked_against_rules_in_use(runner, tmp_path: Path) -> None:
    data = yaml.safe_load(invoke(runner, "rules", "--format", "yaml").stdout)
    del data["conditions"]["shoulder_pain"]
    data["name"] = "clinic"
    custom = tmp_path / "custom.yaml"
    custom.write_text(yaml.safe_dump(data, allow_unicode=True))
    result = invoke(
        runner, "validate", "--rules", str(custom), str(PLANS / "shoulder-subacromial.yaml")
    )
    assert result.exit_code == 1
    assert "unknown condition 'shoulder_pain'" in result.stderr


def test_injection_is_inert(runner, tmp_path: Path) -> None:
    p = tmp_path / "evil.yaml"
    p.write_text(
        'patient: "=HYPERLINK(\\"http://x\\")"\ncondition: neck_pain\nseverity: 5\n'
        'duration: 6 weeks\nregion: "[bold red]x[/] \\e[31mred\\e[0m \\u202e"\n'
        'notes: "@SUM(A1)"\n'
    )
    cs = invoke(runner, "suggest", "-f", "csv", str(p))
    row = next(csv.DictReader(io.StringIO(cs.stdout)))
    assert row["patient"].startswith("'=")
    for fmt in ("table", "markdown"):
        out = invoke(runner, "suggest", "-f", fmt, str(p)).stdout
        assert "\x1b" not in out and "\u202e" not in out
    colour = subprocess.run(
        [
            sys.executable,
            "-c",
            "from needleplan.cli import main; main()",
            "suggest",
            "-f",
            "table",
            str(p),
        ],
        capture_output=True,
        text=True,
        env={"FORCE_COLOR": "1", "COLUMNS": "100", "PATH": ""},
    )
    assert "\x1b[31mred" not in colour.stdout
    assert "=HYPERLINK" in colour.stdout  # shown, as plain text


def test_every_plan_matches_the_plan_schema(runner) -> None:
    import jsonschema

    schema = json.loads(invoke(runner, "schema", "plan").stdout)
    validator = jsonschema.Draft202012Validator(schema)
    for start in (None, "2026-12-01"):
        args = ["suggest", "-f", "jsonl", str(PLANS), str(CASES / "valid")]
        out = invoke(runner, *args, *(["--start-date", start] if start else [])).stdout
        for line in out.splitlines():
            errors = list(validator.iter_errors(json.loads(line)))
            assert not errors, errors[0].message


@pytest.mark.slow
def test_progress_bar_only_on_a_terminal(tmp_path: Path) -> None:
    import os
    import pty

    for i in range(30):
        (tmp_path / f"p{i:02}.yaml").write_text(NECK.read_text())
    cmd = [sys.executable, "-m", "needleplan", "suggest", "-f", "jsonl", str(tmp_path)]
    env = {**os.environ, "COLUMNS": "80", "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    import select

    primary, secondary = pty.openpty()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=secondary, env=env)
    os.close(secondary)
    shown = b""
    out = b""
    assert proc.stdout is not None
    streams = {primary, proc.stdout.fileno()}
    while streams:  # read both as they come, so neither fills up
        for fd in select.select(list(streams), [], [], 30)[0]:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the terminal closed
                chunk = b""
            if not chunk:
                streams.discard(fd)
            elif fd == primary:
                shown += chunk
            else:
                out += chunk
    proc.wait(timeout=30)
    proc.stdout.close()
    os.close(primary)
    assert proc.returncode == 0
    assert len(out.splitlines()) == 30  # stdout stays pure data
    assert b"planning" in shown  # the bar was drawn on the terminal
    piped = subprocess.run(cmd, capture_output=True, env=env, check=False)
    assert piped.stderr == b""  # no bar when stderr is not a terminal


def test_a_pipe_is_read_like_a_file(runner, tmp_path: Path) -> None:
    import os
    import threading

    fifo = tmp_path / "profile.yaml"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_text(NECK.read_text()))
    writer.start()
    result = invoke(runner, "suggest", "-f", "json", str(fifo))
    writer.join(timeout=10)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["patient"] == "P-0042"  # one object: a single PATH


def _on_a_terminal(args: list[str], env: dict[str, str]) -> bytes:
    """What needleplan prints when its stdout is a terminal."""
    import os
    import pty
    import select

    primary, secondary = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "needleplan", *args],
        stdout=secondary,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    os.close(secondary)
    shown = b""
    while select.select([primary], [], [], 30)[0]:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the terminal closed
            break
        if not chunk:
            break
        shown += chunk
    proc.wait(timeout=30)
    os.close(primary)
    return shown


@pytest.mark.slow
def test_colour_on_a_terminal_unless_no_color() -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(COLUMNS="100", TERM="xterm-256color")
    args = ["suggest", "--no-pager", str(PLANS / "back-red-flag.yaml")]  # no pager's codes
    coloured = _on_a_terminal(args, env)
    assert b"REFER" in coloured and b"\x1b[" in coloured  # table by default, in colour
    plain = _on_a_terminal(args, {**env, "NO_COLOR": "1"})
    assert b"REFER" in plain and b"\x1b[" not in plain
    piped = subprocess.run(
        [sys.executable, "-m", "needleplan", *args, "-f", "table"],
        capture_output=True,
        env={**env, "FORCE_COLOR": "1"},
        check=False,
    )
    assert b"\x1b[" in piped.stdout  # FORCE_COLOR colours a pipe too


def test_shell_completion_offers_formats() -> None:
    import os

    env = {
        **os.environ,
        "_NEEDLEPLAN_COMPLETE": "complete_bash",
        "COMP_WORDS": "needleplan suggest --format ",
        "COMP_CWORD": "3",
    }
    out = subprocess.run(
        [sys.executable, "-m", "needleplan"], capture_output=True, text=True, env=env, check=False
    ).stdout.split()
    assert {"table", "json", "jsonl", "csv", "yaml", "markdown", "fhir", "ics"} <= set(out)


# -- the therapist's screen: review, explain, config, rules, --fail-on, --explain, help --------


def test_review_table_and_json(runner) -> None:
    path = str(PLANS / "review-responder.yaml")
    table = invoke(runner, "review", "--today", "2026-11-22", "-f", "table", path)
    assert table.exit_code == 0, table.stderr
    lines = table.stdout.splitlines()
    assert "EXTEND" in lines[0] or "CONTINUE" in lines[0] or "DISCHARGE" in lines[0]
    assert any("baseline" in line for line in lines) and any("MCID" in line for line in lines)
    data = json.loads(invoke(runner, "review", "--today", "2026-11-22", path).stdout)
    assert data["verdict"] in {"continue", "extend", "discharge"}
    assert data["source"].endswith("review-responder.yaml")


def test_review_today_bounds_the_log_and_is_checked(runner) -> None:
    path = str(PLANS / "review-responder.yaml")
    early = invoke(runner, "review", "--today", "2000-01-01", path)
    assert early.exit_code == 1 and "error" in early.stderr
    bad = invoke(runner, "review", "--today", "tomorrow", path)
    assert bad.exit_code == 2 and "--today must be a date" in bad.stderr


def test_review_a_folder_skips_unlogged_plans(runner) -> None:
    result = invoke(runner, "review", "--today", "2026-12-31", "-f", "jsonl", str(PLANS))
    assert result.exit_code == 0, result.stderr
    verdicts = [json.loads(line)["verdict"] for line in result.stdout.splitlines()]
    assert len(verdicts) == len(list(PLANS.glob("review-*.yaml")))
    assert "without a 'log:' skipped" in result.stderr
    alone = invoke(runner, "review", "--today", "2026-12-31", str(NECK))
    assert alone.exit_code == 1 and "no session log" in alone.stderr


def test_fail_on_exits_3(runner) -> None:
    refer = str(PLANS / "back-red-flag.yaml")
    hit = invoke(runner, "suggest", "-f", "json", "--fail-on", "refer,do_not_needle", refer)
    assert hit.exit_code == 3 and json.loads(hit.stdout)["decision"] == "refer"
    miss = invoke(runner, "suggest", "-f", "json", "--fail-on", "refer", str(NECK))
    assert miss.exit_code == 0
    typo = invoke(runner, "suggest", "--fail-on", "refr", str(NECK))
    assert typo.exit_code == 2 and "did you mean 'refer'" in typo.stderr
    flag = str(PLANS / "review-new-red-flag.yaml")
    review = invoke(runner, "review", "--today", "2026-12-31", "--fail-on", "refer,emergency", flag)
    assert review.exit_code == 3


def test_explain_flag_adds_the_rationale(runner) -> None:
    plain = invoke(runner, "suggest", "-f", "table", str(NECK))
    explained = invoke(runner, "suggest", "-f", "table", "--explain", str(NECK))
    assert explained.exit_code == 0
    assert "Why these numbers" in explained.stdout and "Why these numbers" not in plain.stdout
    assert "Source: " in explained.stdout


def test_explain_command(runner) -> None:
    result = invoke(runner, "explain", "upper_traps")
    assert result.exit_code == 0 and result.stdout.startswith("Site: Upper trapezius")
    unknown = invoke(runner, "explain", "psoaz")
    assert unknown.exit_code == 2 and "did you mean 'psoas'" in unknown.stderr


def test_config_command_and_option(runner, tmp_path: Path) -> None:
    toml = tmp_path / "needleplan.toml"
    toml.write_text('[clinic]\nname = "Harbour Street Physiotherapy"\n', encoding="utf-8")
    shown = invoke(runner, "config", "--config", str(toml))
    assert shown.exit_code == 0 and "Harbour Street Physiotherapy" in shown.stdout
    broken = tmp_path / "broken.toml"
    broken.write_text("[clinic\n", encoding="utf-8")
    bad = invoke(runner, "suggest", "--config", str(broken), str(NECK))
    assert bad.exit_code == 2 and "broken.toml:1" in bad.stderr


def test_settings_calendar_books_working_days(runner, tmp_path: Path) -> None:
    import datetime as dt

    toml = tmp_path / "needleplan.toml"
    toml.write_text('[schedule]\ndays = ["mon", "wed", "fri"]\n', encoding="utf-8")
    result = invoke(
        runner,
        "suggest",
        "-f",
        "json",
        "--config",
        str(toml),
        "--start-date",
        "2026-12-01",
        str(NECK),
    )
    assert result.exit_code == 0, result.stderr
    days = {
        dt.date.fromisoformat(s["date"]).weekday() for s in json.loads(result.stdout)["schedule"]
    }
    assert days <= {0, 2, 4}


def test_rules_fits_the_width(runner) -> None:
    result = invoke(runner, "rules")
    assert result.exit_code == 0
    assert max(len(line) for line in result.stdout.splitlines()) <= 100


@pytest.mark.parametrize(
    "command", ["suggest", "review", "validate", "new", "schema", "rules", "explain", "config"]
)
def test_help_is_plain_and_untruncated_at_80_columns(command: str) -> None:
    from typer.testing import CliRunner

    from needleplan.cli import app

    runner = CliRunner(env={"COLUMNS": "80", "NO_COLOR": "1", "FORCE_COLOR": None})
    top = runner.invoke(app, ["--help"])
    row = next(line for line in top.stdout.splitlines() if line.split()[:1] == [command])
    assert "..." not in row and len(row) <= 80  # a whole one-line summary
    text = runner.invoke(app, [command, "--help"]).stdout
    assert "Example: needleplan " + command in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_an_empty_fail_on_is_refused_not_ignored(runner) -> None:
    for value in ("", ",", " , "):
        result = invoke(runner, "suggest", "--fail-on", value, str(NECK))
        assert result.exit_code == 2 and "--fail-on names no decision" in result.stderr


def test_validate_refuses_a_folder_without_profiles_as_suggest_does(runner, tmp_path) -> None:
    for command in ("validate", "suggest", "review"):
        result = invoke(runner, command, str(tmp_path))
        assert result.exit_code == 2 and "no profiles found" in result.stderr, command


def test_a_fault_in_a_writer_is_said_not_a_traceback(
    runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fault of needleplan's own outside one profile's planning (here a writer's) is one
    error line naming it, exit 2; the profile's text is never echoed whole."""
    from needleplan.writers.jsonfmt import JsonWriter

    def broken(self: object, plan: object, many: bool) -> str:
        raise KeyError("x" * 500)

    monkeypatch.setattr(JsonWriter, "item", broken)
    result = invoke(runner, "suggest", "-f", "json", str(PLANS / "neck-chronic.yaml"))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "please report it" in result.stderr
    assert "x" * 100 not in result.stderr
