"""The run under attack: settings planted above the working folder, output names that are
links or folders, settings that smuggle a Unix time in as a holiday."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import PLANS, invoke, needleplan

NECK = PLANS / "neck-chronic.yaml"


def test_settings_planted_in_a_shared_folder_above_are_never_read(tmp_path: Path) -> None:
    shared = tmp_path / "shared"  # /tmp, a network drive: anyone may write here
    work = shared / "clinic" / "today"
    work.mkdir(parents=True)
    (shared / "needleplan.toml").write_text('[clinic]\nname = "Planted"\n')
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    proc = needleplan("config", cwd=work, env=env)
    assert proc.returncode == 0, proc.stderr
    assert b"Planted" not in proc.stdout and b"no settings file in use" in proc.stdout
    plan = needleplan("suggest", "-f", "html", str(NECK), cwd=work, env=env)
    assert plan.returncode == 0 and b"Planted" not in plan.stdout


def test_o_never_writes_through_a_link(runner, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    link = tmp_path / "plan.json"
    link.symlink_to(victim)
    for extra in ([], ["--force"]):
        result = invoke(runner, "suggest", "-f", "json", "-o", str(link), *extra, str(NECK))
        assert result.exit_code == 2
        assert "symbolic link" in result.stderr
    assert victim.read_text() == "keep"


def test_an_o_name_with_controls_is_said_inertly(runner, tmp_path: Path) -> None:
    name = str(tmp_path / "a\x1b[2Jb\nc") + "/"
    result = invoke(runner, "suggest", "-f", "json", "-o", name, str(NECK))
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr
    assert len(result.stderr.splitlines()) == 2  # the newline in the name is not a new line


def test_a_unix_time_is_not_a_holiday(runner, tmp_path: Path) -> None:
    settings = tmp_path / "needleplan.toml"
    settings.write_text('[schedule]\nholidays = ["1796083200"]\n')
    result = invoke(runner, "suggest", "-f", "json", "--config", str(settings), str(NECK))
    assert result.exit_code == 2
    assert result.stdout == ""
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{settings}:2: error: schedule.holidays[0]:")
    assert "is not a date" in first and "Value error" not in result.stderr
