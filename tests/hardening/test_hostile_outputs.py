"""Output files under attack: names, symlinks, folders, a full disk, a full stdout."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import PLANS, invoke, needleplan

NECK = (PLANS / "neck-chronic.yaml").read_text()


def _profile(folder: Path, name: str, patient: str) -> Path:
    path = folder / name
    path.write_text(NECK.replace("P-0042", patient))
    return path


def test_colliding_names_each_keep_their_own_plan(runner, tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for name, patient in [("a b.yaml", "P-1"), ("a_b-2.yaml", "P-2"), ("a_b.yaml", "P-3")]:
        _profile(src, name, patient)
    out = tmp_path / "out"
    (out).mkdir()
    (out / "a_b.json").write_text("old")
    refused = invoke(runner, "suggest", "-f", "json", "--output-dir", str(out), str(src))
    assert refused.exit_code == 2
    assert "nothing was written" in refused.stderr
    assert sorted(p.name for p in out.iterdir()) == ["a_b.json"]  # refused before the first file
    assert (out / "a_b.json").read_text() == "old"

    result = invoke(runner, "suggest", "-f", "json", "--output-dir", str(out), "--force", str(src))
    assert result.exit_code == 0, result.stderr
    assert "wrote 3 files" in result.stderr
    files = {p.name: json.loads(p.read_text()) for p in out.iterdir()}
    assert len(files) == 3
    owners = {name: Path(plan["source"]).name for name, plan in files.items()}
    assert owners["a_b.json"] == "a_b.yaml"  # a name as given is never taken by another
    assert owners["a_b-2.json"] == "a_b-2.yaml"
    assert sorted(owners.values()) == ["a b.yaml", "a_b-2.yaml", "a_b.yaml"]
    for plan in files.values():
        expected = {"a b.yaml": "P-1", "a_b-2.yaml": "P-2", "a_b.yaml": "P-3"}
        assert plan["patient"] == expected[Path(plan["source"]).name]


def test_names_differing_only_in_case_do_not_collide(tmp_path: Path) -> None:
    from needleplan.files import Input, output_names

    names = output_names(
        [Input(p, p) for p in ("x/A.yaml", "y/b.yaml", "z/a.yaml", "w/A-2.yaml", "v/..yaml")],
        ".json",
    )
    assert len({n.casefold() for n in names}) == len(names)
    assert "A-2.json" in names  # its own name


@pytest.mark.parametrize("kind", ["dangling", "symlink", "folder", "fifo"])
@pytest.mark.parametrize("force", [False, True])
def test_unwritable_names_are_refused_up_front(
    runner, tmp_path: Path, kind: str, force: bool
) -> None:
    src = tmp_path / "in"
    src.mkdir()
    _profile(src, "a.yaml", "P-1")
    _profile(src, "neck.yaml", "P-2")
    out = tmp_path / "out"
    out.mkdir()
    target = out / "neck.json"
    victim = tmp_path / "victim.txt"
    if kind == "dangling":
        target.symlink_to(victim)
    elif kind == "symlink":
        victim.write_text("precious")
        target.symlink_to(victim)
    elif kind == "folder":
        target.mkdir()
    else:
        os.mkfifo(target)
    args = ["suggest", "-f", "json", "--output-dir", str(out), str(src)]
    result = invoke(runner, *args, *(["--force"] if force else []))
    assert result.exit_code == 2
    assert "nothing was written" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["neck.json"]  # a.json was not written
    if kind == "symlink":
        assert victim.read_text() == "precious"
    if kind == "dangling":
        assert not victim.exists()


def test_disk_full_leaves_no_partial_file(runner, tmp_path: Path, monkeypatch) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for i in range(3):
        _profile(src, f"p{i}.yaml", f"P-{i}")
    out = tmp_path / "out"
    real_fsync = os.fsync

    def fsync(fd: int) -> None:  # the disk fills up while p1's plan is being written
        # the temporary is named ".p1.json.<random>.tmp": match its start, as the
        # random part may itself hold "p1"
        if os.path.basename(os.readlink(f"/proc/self/fd/{fd}")).startswith(".p1."):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("no /proc/self/fd here")
    monkeypatch.setattr("needleplan.files.os.fsync", fsync)
    result = invoke(runner, "suggest", "-f", "json", "--output-dir", str(out), str(src))
    assert result.exit_code == 2
    assert "No space left on device" in result.stderr
    assert "p1.json" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["p0.json"]  # whole, and nothing else
    json.loads((out / "p0.json").read_text())


def test_full_stdout_is_a_clear_error() -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    with open("/dev/full", "wb") as full:
        proc = needleplan(
            "suggest", "-f", "jsonl", str(PLANS), stdout=full, capture_output=False, stderr=-1
        )
    assert proc.returncode == 2
    assert b"cannot write the output: No space left on device" in proc.stderr
    assert b"Traceback" not in proc.stderr
    assert b"Exception ignored" not in proc.stderr


def test_output_dir_that_is_a_file_is_refused(runner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("a file")
    result = invoke(runner, "suggest", "-f", "json", "--output-dir", str(out), str(PLANS))
    assert result.exit_code == 2
    assert "is not a folder" in result.stderr
    assert out.read_text() == "a file"


def test_a_folder_qualified_name_never_takes_another_profiles_name(runner, tmp_path: Path) -> None:
    for folder in ("x", "y"):
        (tmp_path / folder).mkdir()
    sources = [
        _profile(tmp_path / "x", "a.yaml", "P-X"),
        _profile(tmp_path / "y", "a.yaml", "P-Y"),
        _profile(tmp_path, "x__a.yaml", "P-XA"),
    ]
    out = tmp_path / "out"
    result = invoke(runner, "suggest", "-f", "json", "--output-dir", str(out), *map(str, sources))
    assert result.exit_code == 0, result.stderr
    plans = {p.name: json.loads(p.read_text())["patient"] for p in out.iterdir()}
    assert plans["x__a.json"] == "P-XA"  # the profile named x__a keeps its own name
    assert sorted(plans.values()) == ["P-X", "P-XA", "P-Y"]


@pytest.mark.slow
def test_a_file_name_that_is_not_utf8_is_planned(tmp_path: Path) -> None:
    name = os.fsdecode(b"bad\xff.yaml")
    (tmp_path / name).write_text(NECK)
    for fmt in ("json", "csv", "ics"):
        out = tmp_path / f"out-{fmt}"
        proc = needleplan(
            "suggest",
            "-f",
            fmt,
            "--start-date",
            "2026-12-01",
            "--output-dir",
            str(out),
            name,
            cwd=tmp_path,
        )
        assert proc.returncode == 0, proc.stderr
        assert b"Traceback" not in proc.stderr
        assert len(list(out.iterdir())) == 1


@pytest.mark.parametrize(
    "name", ["a\nother.yaml: error: forged.yaml", "b\u202ec.yaml", "d\x1b[2J.yaml"]
)
def test_the_template_written_names_its_file_inertly(tmp_path: Path, name: str) -> None:
    proc = needleplan("new", "-o", name, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = proc.stderr.decode()
    assert text.count("\n") == 1 and text.startswith("needleplan: wrote ")
    assert all(c == "\n" or c.isprintable() for c in text), repr(text)
    assert (tmp_path / name).is_file()


def test_a_name_at_the_file_system_limit_is_written(tmp_path: Path) -> None:
    """Its temporary file must fit too: a 255-byte name is written, whole, with nothing left."""
    name = "n" * 250 + ".yaml"
    proc = needleplan("new", "-o", name, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert [p.name for p in tmp_path.iterdir()] == [name]


def _closed(fd: int):
    def close() -> None:
        os.close(fd)

    return close


@pytest.mark.parametrize(
    "args", [["suggest", "-f", "json", str(PLANS)], ["--version"], ["--help"], ["config"]]
)
def test_a_closed_stdout_is_a_clear_error(args: list[str]) -> None:
    proc = needleplan(*args, stdout=None, capture_output=False, stderr=-1, preexec_fn=_closed(1))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == b"needleplan: error: cannot write the output: stdout is closed\n"


def test_a_closed_stdin_is_that_profiles_error(tmp_path: Path) -> None:
    proc = needleplan("suggest", "-f", "json", "-", stdin=None, preexec_fn=_closed(0))
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == b"<stdin>: error: cannot read the file: stdin is closed\n"
    assert proc.stdout == b""


def test_a_closed_stderr_changes_nothing_but_what_is_seen(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("condition: neck_pain\nseverity: 77\nduration: 1\n")
    good = str(PLANS / "neck-chronic.yaml")
    proc = needleplan("suggest", "-f", "jsonl", str(bad), good, stderr=None, preexec_fn=_closed(2))
    assert proc.returncode == 1
    assert len(proc.stdout.splitlines()) == 1


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["x", "y", "x/z"]),
            st.sampled_from(["a_b", "a b", "A_B", "a_b-2", "x__a_b", "a.b", "a", "A", "a-2"])
            | st.text("ab _-A.", min_size=1, max_size=4),
        ),
        min_size=1,
        max_size=8,
        unique=True,
    )
)
def test_no_plan_is_ever_named_after_another_profile(files: list[tuple[str, str]]) -> None:
    from needleplan.files import Input, output_names

    inputs = [Input(f"{folder}/{stem}.yaml", f"{folder}/{stem}.yaml") for folder, stem in files]
    names = [Path(n).stem.casefold() for n in output_names(inputs, ".json")]
    assert len(set(names)) == len(names)
    own = [Path(i.path or "").stem.casefold() for i in inputs]
    for i, name in enumerate(names):
        assert all(name != own[j] or own[j] == own[i] for j in range(len(inputs))), (files, i)


def test_the_input_folder_is_never_written_over(runner, tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for name in ("neck.yaml", "back.yaml"):
        _profile(src, name, "P-1")
    before = {p.name: p.read_text() for p in src.iterdir()}
    for extra in ([], ["--force"]):
        result = invoke(runner, "suggest", "-f", "yaml", "--output-dir", str(src), *extra, str(src))
        assert result.exit_code == 2
        assert "is one of the profiles being planned" in result.stderr
        assert "--force" not in result.stderr
        assert {p.name: p.read_text() for p in src.iterdir()} == before


def test_plan_files_get_the_usual_permissions(tmp_path: Path) -> None:
    import stat

    src = _profile(tmp_path, "neck.yaml", "P-1")
    out = tmp_path / "out"
    out.mkdir()
    old = out / "neck.json"
    old.write_text("old")
    old.chmod(0o600)
    args = ("suggest", "-f", "json", "--output-dir", str(out), "--force", str(src))
    for umask, mode in ((0o022, 0o644), (0o077, 0o600)):
        result = needleplan(*args, preexec_fn=lambda u=umask: os.umask(u))
        assert result.returncode == 0, result.stderr
        assert stat.S_IMODE(old.stat().st_mode) == mode  # as the umask says, not always 0600


def test_new_with_a_dash_writes_to_stdout(runner, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(runner, "new", "-o", "-")
    assert result.exit_code == 0 and result.stdout.startswith("# needleplan condition profile")
    assert not (tmp_path / "-").exists()
