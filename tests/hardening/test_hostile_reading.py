"""Reading under attack: pipes that never deliver, documents too big in every shape,
file names that try to forge messages."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from needleplan import yamlio
from tests.conftest import PLANS, invoke
from tests.hostile_run import assert_clean_refusal, run_limited

NECK = (PLANS / "neck-chronic.yaml").read_text()


@pytest.mark.parametrize("writer", ["none", "silent"])
def test_a_fifo_that_never_delivers_times_out(
    runner, tmp_path: Path, monkeypatch, writer: str
) -> None:
    monkeypatch.setattr(yamlio, "READ_TIMEOUT_SECONDS", 0.5)
    fifo = tmp_path / "p.yaml"
    os.mkfifo(fifo)
    done = threading.Event()
    if writer == "silent":  # opens the FIFO, writes nothing, never closes it (until the end)

        def hold() -> None:
            fd = os.open(fifo, os.O_WRONLY)
            done.wait(30)
            os.close(fd)

        threading.Thread(target=hold, daemon=True).start()
    try:
        result = invoke(runner, "validate", str(fifo))
    finally:
        done.set()
        if writer == "silent":  # unblock the holder if it never got the reader
            with open(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK), "rb"):
                pass
    assert result.exit_code == 1
    assert "READ_TIMEOUT_SECONDS" in result.stderr
    assert result.stderr.startswith(f"{fifo}: error: no complete file after 0.5 s")


def test_a_slow_pipe_is_bounded_in_total(runner, tmp_path: Path, monkeypatch) -> None:
    """A writer that sends a byte now and then cannot keep the read going for ever."""
    monkeypatch.setattr(yamlio, "READ_TIMEOUT_SECONDS", 0.5)
    fifo = tmp_path / "p.yaml"
    os.mkfifo(fifo)
    stop = threading.Event()

    def trickle() -> None:
        with open(fifo, "wb", buffering=0) as fh:
            while not stop.wait(0.1):
                try:
                    fh.write(b"#")
                except BrokenPipeError:
                    return

    threading.Thread(target=trickle, daemon=True).start()
    try:
        result = invoke(runner, "validate", str(fifo))
    finally:
        stop.set()
    assert result.exit_code == 1
    assert "READ_TIMEOUT_SECONDS" in result.stderr


def test_a_fifo_with_a_writer_is_read(runner, tmp_path: Path) -> None:
    fifo = tmp_path / "p.yaml"
    os.mkfifo(fifo)

    def write() -> None:
        fifo.write_text(NECK)  # opening a FIFO to write waits for its reader

    threading.Thread(target=write, daemon=True).start()
    assert invoke(runner, "validate", str(fifo)).exit_code == 0


BIG = {
    "flow-list-30000-ids.yaml": "condition: neck_pain\nseverity: 5\nduration: 6 weeks\n"
    "health_factors: [" + ", ".join(["smoker"] * 30000) + "]\n",
    "block-list-30000-ids.yaml": "condition: neck_pain\nseverity: 5\nduration: 6 weeks\n"
    "health_factors:\n" + "- a\n" * 30000,
    "flow-map-30000-keys.yaml": "{" + ", ".join(f"k{i}: 1" for i in range(15000)) + "}\n",
    "sixty-mib-scalar.yaml": "notes: '" + "x" * (60 * 1024 * 1024) + "'\n",
    "deep-flow.yaml": "notes: " + "[" * 50000 + "]" * 50000 + "\n",
    "deep-block.yaml": "".join(" " * i + "- \n" for i in range(600)),
    # short enough to be composed without counting its events first, deeper than libyaml goes
    "deep-and-short.yaml": "notes: " + "[" * 1500 + "]" * 1500 + "\n",
}


@pytest.mark.parametrize("name", sorted(BIG))
def test_big_documents_of_every_shape_are_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(BIG[name])
    proc = run_limited("suggest", "-f", "json", str(path))
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == b""
    located = path.stat().st_size <= yamlio.MAX_PROFILE_BYTES  # else refused before reading
    assert_clean_refusal(proc.stderr, str(path), located=located)


def test_a_four_mib_rule_set_of_one_flow_list_is_refused(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    items = ", ".join(["abcdef"] * ((4 * 1024 * 1024 - 64) // 8))
    rules.write_text(f"name: x\nconditions: [{items}]\n")
    assert rules.stat().st_size <= yamlio.MAX_RULES_BYTES
    proc = run_limited("suggest", "--rules", str(rules), str(PLANS / "neck-chronic.yaml"))
    assert proc.returncode == 2, proc.stderr
    lines = assert_clean_refusal(proc.stderr, str(rules))
    assert "MAX_RULES_NODES" in lines[0] or "MAX_NODES" in lines[0]


@pytest.mark.parametrize(
    "name",
    [
        "a\nother.yaml:1:1: error: forged.yaml",
        "b\rc.yaml",
        "d\u2028e\u2029f\u0085.yaml",
        "g\u202eh\u061ci\u2060j\ufeff.yaml",
        "k\x1b[31ml.yaml",
    ],
)
def test_file_names_cannot_forge_or_hide_messages(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("condition: neck_pain\nseverity: 77\nduration: 1\n")
    proc = run_limited("validate", str(path))
    assert proc.returncode == 1
    text = proc.stderr.decode()
    assert all(c == "\n" or c.isprintable() for c in text), repr(text)
    lines = text.splitlines()
    assert [line for line in lines if "error:" in line and not line.startswith("needleplan")]
    assert all(line.startswith((str(tmp_path), "  hint:", "needleplan:")) for line in lines)
    assert not any(line.startswith("other.yaml") for line in lines)


def test_limits_are_located() -> None:
    for text in BIG.values():
        if len(text) > 1_000_000:
            continue
        with pytest.raises(yamlio.InputError) as info:
            yamlio.parse(text, "t")
        (problem,) = info.value.problems
        assert "limit" in problem.message and problem.line is not None


def test_settings_and_rules_from_a_silent_fifo_time_out(
    runner, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(yamlio, "READ_TIMEOUT_SECONDS", 0.5)
    fifo = tmp_path / "never.toml"
    os.mkfifo(fifo)
    for args in (["config", "--config", str(fifo)], ["rules", "--rules", str(fifo)]):
        result = invoke(runner, *args)
        assert result.exit_code == 2, args
        assert "READ_TIMEOUT_SECONDS" in result.stderr
        assert "Traceback" not in result.stderr


SETTINGS = {
    # a line the settings' position scan once matched in cubic time (it sits in a string)
    "long-bracket-line.toml": '[clinic]\naddress = """\n[' + " " * 60_000 + 'x\n"""\n'
    "[schedule]\nsession_minutes = 1\n",
    "nested-arrays.toml": "[schedule]\ndays = " + "[" * 5000 + "]" * 5000 + "\n",
    "nested-tables.toml": "a = " + "{b = " * 3000 + "1" + "}" * 3000 + "\n",
    "unknown-home.toml": '[defaults]\nrules = "~no-such-user-needleplan/clinic.yaml"\n',
    "long-section.toml": "[" + "s" * 30_000 + "]\n",
}


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_hostile_settings_are_refused_cleanly(tmp_path: Path, name: str) -> None:
    settings = tmp_path / name
    settings.write_text(SETTINGS[name])
    for args in (["config"], ["suggest", "-f", "json", str(PLANS / "neck-chronic.yaml")]):
        proc = run_limited(*args, "--config", str(settings))
        assert proc.returncode == 2, proc.stderr
        assert proc.stdout == b""
        lines = assert_clean_refusal(proc.stderr, str(settings), located=False)
        assert lines[-1] == "needleplan: error: the clinic settings are invalid; nothing was done"


def test_a_settings_variable_naming_an_unknown_home_is_a_usage_error(tmp_path: Path) -> None:
    env = {**os.environ, "NEEDLEPLAN_CONFIG": "~no-such-user-needleplan/needleplan.toml"}
    proc = run_limited("config", cwd=tmp_path, env=env)
    assert proc.returncode == 2, proc.stderr
    assert_clean_refusal(proc.stderr, "$NEEDLEPLAN_CONFIG", located=False)


@pytest.mark.parametrize(
    "value", ["0001-01-01", "9999-12-30", "2200-01-01", "20261201", "2026-W49-2", "2026-12-01\n"]
)
@pytest.mark.parametrize("command", ["suggest", "review"])
def test_option_dates_are_the_profiles_dates(runner, command: str, value: str) -> None:
    """--start-date and --today take what a profile's dates take: YYYY-MM-DD, 1900 to 2199."""
    option = "--start-date" if command == "suggest" else "--today"
    path = PLANS / ("neck-chronic.yaml" if command == "suggest" else "review-responder.yaml")
    result = invoke(runner, command, "-f", "json", option, value, str(path))
    assert result.exit_code == 2, result.stdout
    assert result.stdout == ""
    expected = f"needleplan: error: {option} must be a date written YYYY-MM-DD"
    assert result.stderr.startswith(expected)
    assert "\n" not in result.stderr.rstrip("\n").split("\n  hint:")[0]
