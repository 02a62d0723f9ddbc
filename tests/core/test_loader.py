"""The loader under hostile and random input: a plan or a located error, nothing else."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from needleplan import InputError, profile_from_text, yamlio
from tests.conftest import PLANS
from tests.limits import run_limited
from tests.shipped import RULES

VALID_TEXTS = [p.read_text(encoding="utf-8") for p in sorted(PLANS.glob("*.yaml"))]


def _outcome(text: str) -> str:
    try:
        profile_from_text(text, "t.yaml", RULES)
        return "ok"
    except InputError as exc:
        assert exc.problems
        for p in exc.problems:
            assert p.source == "t.yaml"
            assert p.line is None or p.line >= 1
            assert len(p.format()) < 1000
        return "error"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes(data: bytes) -> None:
    try:
        text = yamlio.decode(data, "t.yaml")
    except InputError:
        return
    _outcome(text)


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=12), c, max_size=5),
        max_leaves=20,
    )
)
def test_random_documents(value: object) -> None:
    _outcome(json.dumps(value))  # JSON is YAML


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(VALID_TEXTS), st.data())
def test_mutated_profiles(text: str, data: st.DataObject) -> None:
    pos = data.draw(st.integers(0, len(text)))
    cut = data.draw(st.integers(0, 12))
    insert = data.draw(st.text(alphabet="-:[]{}&*!|>'\"#\n ,?0123456789abcnoy", max_size=8))
    _outcome(text[:pos] + insert + text[pos + cut :])


def test_yaml_11_traps_stay_text() -> None:
    data = yamlio.parse("a: no\nb: 1:30\ne: 2026-12-01\nf: on\ng: 9:30\n", "x").data
    assert data == {"a": "no", "b": "1:30", "e": "2026-12-01", "f": "on", "g": "9:30"}


def test_numbers_are_read_as_yaml_12_reads_them() -> None:
    """As check-jsonschema's reader does: 0123 is 123 (never octal 83), 1e3 is 1000.0."""
    data = yamlio.parse("a: 0123\nb: 1e3\nc: -07\nd: .5\n", "x").data
    assert data == {"a": 123, "b": 1000.0, "c": -7, "d": 0.5}


@pytest.mark.parametrize("number", ["0x1F", "0o17", "0b11", "1_000", ".inf", "-.inf", ".nan"])
def test_numbers_other_readers_write_differently_are_refused(number: str) -> None:
    with pytest.raises(InputError) as info:
        yamlio.parse(f"condition: neck_pain\nnotes: {number}\n", "t.yaml")
    (problem,) = info.value.problems
    assert "put it in quotes if it is text" in problem.message
    assert (problem.line, problem.column) == (2, 8)
    assert yamlio.parse(f"notes: '{number}'\n{number}: x\n", "t").data == {
        "notes": number,
        number: "x",
    }


HOSTILE = {
    "bomb-in-notes.yaml": "a: &a ["
    + ",".join(["lol"] * 10)
    + "]\n"
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 10) + "]\n"
        for i in range(8)
    )
    + "condition: neck_pain\nnotes: *i\n",
    "deep.yaml": "notes: " + "[" * 50000 + "]" * 50000 + "\n",
    "deep-block.yaml": "".join(" " * i + "- \n" for i in range(3000)),
    "tag.yaml": "condition: !!python/object/apply:os.system ['touch PWNED']\n",
    "big.yaml": "notes: '" + "x" * (60 * 1024 * 1024) + "'\n",
    "binary.yaml": bytes(range(256)) * 100,
    "latin1.yaml": "condition: caf\xe9\n".encode("latin-1"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_are_refused_fast_and_small(tmp_path: Path, name: str) -> None:
    content = HOSTILE[name]
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())

    returncode, stdout, stderr = run_limited(
        [
            sys.executable,
            "-c",
            "from needleplan.cli import main; main()",
            "suggest",
            "-f",
            "json",
            str(path),
        ],
        tmp_path,
        address_space=1 << 30,
        cpu_seconds=20,
    )
    proc = subprocess.CompletedProcess([], returncode, stdout, stderr)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == b""
    assert len(proc.stderr) < 4096
    assert b"Traceback" not in proc.stderr
    assert proc.stderr.startswith(str(path).encode() + b":")
    assert b" error: " in proc.stderr
    assert not (tmp_path / "PWNED").exists()
    assert not os.path.exists("PWNED")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: !!int 0x1F\n", "is not a valid int"),
        ("a: !!bool yes\n", "is not a valid bool"),
        ("a: !!null nothing\n", "is not a valid null"),
        ("a: !!float many\n", "is not a valid float"),
        ("a: !!set {x}\n", "is not allowed"),
        ("a: !!binary aGk=\n", "is not allowed"),
        ("a: &x [1, *x]\n", "an alias refers to a value that contains it"),
        ("a: &x [1]\nb: [" + ", ".join(["*x"] * 70) + "]\n", "limit MAX_ALIASES"),
    ],
)
def test_explicit_tags_and_aliases(text: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        yamlio.parse(text, "t.yaml")
    assert message in info.value.problems[0].message
    assert info.value.problems[0].line is not None


def test_explicit_plain_tags_are_fine() -> None:
    data = yamlio.parse(
        "a: !!str 5\nb: !!int '7'\nc: !!float 1.5e3\nd: !!bool TRUE\n"
        "e: !!null ''\nf: &s [1]\ng: *s\nh: !<tag:yaml.org,2002:str> 7\n",
        "t",
    ).data
    assert data == {
        "a": "5",
        "b": 7,
        "c": 1500.0,
        "d": True,
        "e": None,
        "f": [1],
        "g": [1],
        "h": "7",
    }


def test_library_without_rules_uses_the_shipped_ones() -> None:
    profile = profile_from_text("condition: lbp\nseverity: 4\nduration: 3 weeks\n")
    assert profile.condition == "low_back_pain"


def _values(text: str) -> int:
    """The values libyaml reads from ``text`` before it ends or fails."""
    loader = yamlio._Loader(text)
    count = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            count += isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent))
            count += isinstance(event, yaml.CollectionStartEvent)
    except yaml.YAMLError:
        pass  # the values before the error were counted
    finally:
        loader.dispose()
    return count


def test_no_short_text_holds_more_values_than_the_reader_trusts() -> None:
    """Every text of up to three characters over YAML's structure characters, and known
    dense shapes, hold at most ``_most_values`` values: texts shorter than half the node
    limit are composed without counting their events first."""
    alphabet = "[]{}:?-,& *!a\n"
    texts = ["".join(chars) for n in range(1, 4) for chars in itertools.product(alphabet, repeat=n)]
    texts += ["?", "? ? ?", "[?]:", "[?:,?:]", "{?,?,?}", "?\n" * 500, "[" + "?," * 500 + "]"]
    texts += ["? " * 300, "[?[?[?]]]", "- " * 300, "a:\n" * 300, "{a,b,c,d}", "[&a ,&b ,]"]
    for text in texts:
        assert _values(text) <= yamlio._most_values(text), repr(text)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="[]{}:?-,& *!a\n\t'\"#|>", max_size=40))
def test_a_text_never_holds_more_values_than_the_bound_the_reader_trusts(text: str) -> None:
    """The same bound on random texts of structure characters, quotes and comments."""
    assert _values(text) <= yamlio._most_values(text)


def test_a_tab_in_the_indentation_is_named_and_shown() -> None:
    text = "condition: neck_pain\nseverity: 5\nduration: 6 weeks\nsites:\n"
    with pytest.raises(InputError) as info:
        profile_from_text(text + "\tupper_trapezius: right\n", "t.yaml", RULES)
    (problem,) = info.value.problems
    assert "tab" in problem.message and (problem.line, problem.column) == (5, 1)
    assert "\u2192upper_trapezius" in problem.format()


def test_the_caret_stands_under_the_column_after_wide_characters() -> None:
    from needleplan.textfit import cell_len

    with pytest.raises(InputError) as info:
        profile_from_text("notes: 日本語日本語日本語: x: y\n", "w.yaml", RULES)
    source, caret = info.value.problems[0].format().splitlines()[2:4]
    # the caret is as many terminal cells in as the ':' it points at
    assert cell_len(caret[: caret.index("^")]) == cell_len(source[: source.index(": x")])
