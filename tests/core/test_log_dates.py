"""A session dated after today is refused alike by validate, suggest and review."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from needleplan.errors import InputError
from needleplan.loading import profile_from_text
from tests.conftest import invoke

BASE = "condition: neck_pain\nseverity: 6\nduration: 6 weeks\nlog:\n"


def _log(*days: dt.date) -> str:
    return BASE + "".join(f"  - date: {d.isoformat()}\n    nrs: 5\n" for d in days)


@pytest.mark.parametrize("command", ["validate", "suggest", "review"])
def test_a_session_after_today_is_refused_by_every_command(
    runner, tmp_path: Path, command: str
) -> None:
    today = dt.date.today()
    path = tmp_path / "p.yaml"
    path.write_text(_log(today - dt.timedelta(days=3), today + dt.timedelta(days=1)))
    result = invoke(runner, command, str(path))
    assert result.exit_code == 1, result.stderr
    assert f"{path}:7:11: error: log[1].date: the session of" in result.stderr
    assert "is after today" in result.stderr


@pytest.mark.parametrize("command", ["validate", "review"])
def test_a_session_today_is_accepted_by_both(runner, tmp_path: Path, command: str) -> None:
    today = dt.date.today()
    path = tmp_path / "p.yaml"
    path.write_text(_log(today - dt.timedelta(days=3), today))
    assert invoke(runner, command, str(path)).exit_code == 0


def test_today_given_bounds_the_log() -> None:
    text = _log(dt.date(2026, 11, 1), dt.date(2026, 11, 5))
    assert len(profile_from_text(text, today=dt.date(2026, 11, 5)).log) == 2
    with pytest.raises(InputError) as info:
        profile_from_text(text, today=dt.date(2026, 11, 4))
    assert "the session of 2026-11-05 is after today (2026-11-04)" in info.value.problems[0].message
