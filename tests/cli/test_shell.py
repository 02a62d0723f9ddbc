"""The pager: as git does it, and never in the way of a script."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from needleplan import shell
from needleplan.shell import page, pager_command, screen_rows

LONG = "".join(f"line {i}\n" for i in range(500))


class FakeTerminal(io.TextIOWrapper):
    """A file that says it is a terminal: what a pager would write to."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTerminal]:
    monkeypatch.setattr(shell.shutil, "get_terminal_size", lambda: os.terminal_size((80, 24)))
    with FakeTerminal(open(tmp_path / "screen", "wb+"), encoding="utf-8") as term:
        yield term


def screen(term: FakeTerminal) -> str:
    term.flush()
    term.buffer.seek(0)
    return term.buffer.read().decode()


def fake_pager(tmp_path: Path) -> str:
    script = tmp_path / "mypager.py"
    script.write_text("import sys\ndata = sys.stdin.read()\nsys.stdout.write('PAGED\\n' + data)\n")
    return f"{sys.executable} {script}"


def test_pager_choice_follows_git() -> None:
    assert pager_command({}) == ["less", "-FRX"]
    assert pager_command({"PAGER": "more"}) == ["more"]
    assert pager_command({"PAGER": "more", "NEEDLEPLAN_PAGER": "most -s"}) == ["most", "-s"]
    assert pager_command({"NEEDLEPLAN_PAGER": "", "PAGER": "more"}) is None  # empty: no pager
    assert pager_command({"PAGER": ""}) is None
    assert pager_command({"PAGER": "less '-R"}) is None  # unparseable: no pager, no failure


def test_long_output_on_a_terminal_goes_through_the_pager(
    terminal: FakeTerminal, tmp_path: Path
) -> None:
    page(LONG, enabled=True, out=terminal, env={"PAGER": fake_pager(tmp_path)})
    assert screen(terminal) == "PAGED\n" + LONG


def test_no_pager_when_disabled_short_or_piped(terminal: FakeTerminal, tmp_path: Path) -> None:
    env = {"PAGER": fake_pager(tmp_path)}
    page(LONG, enabled=False, out=terminal, env=env)  # --no-pager
    page("short\n", enabled=True, out=terminal, env=env)  # fits the screen
    assert screen(terminal) == LONG + "short\n"
    piped = io.StringIO()
    page(LONG, enabled=True, out=piped, env=env)  # not a terminal
    assert piped.getvalue() == LONG


def test_a_missing_pager_prints_directly(terminal: FakeTerminal) -> None:
    page(LONG, enabled=True, out=terminal, env={"PAGER": "no-such-pager-anywhere"})
    assert screen(terminal) == LONG


def test_a_pager_that_quits_early_is_quiet(terminal: FakeTerminal) -> None:
    # `head -1` reads one line and exits: the rest meets a broken pipe, silently
    page(LONG * 50, enabled=True, out=terminal, env={"PAGER": "head -1"})
    assert screen(terminal) == "line 0\n"


def test_screen_rows_counts_wrapped_lines() -> None:
    assert screen_rows("a\n" + "x" * 170 + "\n", 80) == 4
    assert screen_rows("\x1b[1;37;41m" + "x" * 80 + "\x1b[0m\n", 80) == 1  # colour takes no room


@pytest.mark.parametrize("failing", ["false", f"{sys.executable} -c 'import sys; sys.exit(3)'"])
def test_a_failing_pager_falls_back_to_printing(terminal: FakeTerminal, failing: str) -> None:
    page(LONG, enabled=True, out=terminal, env={"PAGER": failing})
    assert screen(terminal).endswith(LONG)  # the text is shown, whatever the pager did
