"""Text from a profile is inert: in messages, in tables' cells, in CSV for any locale."""

from __future__ import annotations

import csv
import io
import re
import sys
import unicodedata
from pathlib import Path

import pytest

from needleplan.errors import MAX_QUOTED_CHARS, Problem, inert, quote
from needleplan.writers.csvfmt import cell
from needleplan.writers.markdown import md_text
from tests.conftest import PLANS, invoke

HIDDEN = ("Cc", "Cf", "Zl", "Zp", "Cs")


def test_every_control_format_and_separator_character_is_made_visible() -> None:
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.category(char) in HIDDEN:
            shown = inert(f"a{char}b")
            assert char not in shown, hex(code)
            assert shown.isascii() or shown.isprintable(), hex(code)


def test_inert_keeps_ordinary_text() -> None:
    assert inert("Müller, 痛み; naïve: 50%") == "Müller, 痛み; naïve: 50%"
    assert inert("a\nb\tc\x1b[31m\u202e") == "a\\nb\\tc\\x1b[31m\\u202e"


def test_a_problem_is_one_line_whatever_its_parts() -> None:
    p = Problem("x\ny.yaml", "bad\u2028value", 1, 2, "hint\nother.yaml:1:1: error: forged")
    first, hint = p.format().split("\n")
    assert first == "x\\ny.yaml:1:2: error: bad\\u2028value"
    assert hint == "  hint: hint\\nother.yaml:1:1: error: forged"


def test_quoted_values_are_bounded() -> None:
    assert len(quote("x" * 10_000)) == MAX_QUOTED_CHARS + 2
    assert len(quote("\x00" * 10_000)) == MAX_QUOTED_CHARS + 2


def test_quoted_values_in_a_batch_stay_short(runner, tmp_path: Path) -> None:
    for i in range(50):
        (tmp_path / f"p{i:02}.yaml").write_text(
            f"condition: {'nek_' * 50}\nseverity: 5\nduration: 6 weeks\nregion: {'y' * 300}\n"
        )
    result = invoke(runner, "validate", str(tmp_path))
    assert result.exit_code == 1
    for line in result.stderr.splitlines():
        assert "nek_" * 12 not in line
        assert len(line) < len(str(tmp_path)) + 300


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain", "plain"),
        ("=1+1", '"\'=1+1"'),
        ("+1", '"\'+1"'),
        ("-1", '"\'-1"'),
        ("@SUM(A1)", '"\'@SUM(A1)"'),
        ("\tx", "\\tx"),  # a control is shown, never obeyed: no longer a formula start
        ("\rx", "\\rx"),
        (" =1+1", '"\' =1+1"'),  # spaces before the formula
        ("P-\x1b[31m\u202eRED\u2028", "P-\\x1b[31m\\u202eRED\\u2028"),
        ("＝1", '"\'＝1"'),
        ('a;=HYPERLINK("http://x")', '"a;\'=HYPERLINK(""http://x"")"'),
        ('a; "+1"', '"a;\' ""+1"""'),
        ("1, -2\t@3", '"1,\' -2\\t@3"'),
        ("a,b", '"a,b"'),
        ("two\nlines", "two\\nlines"),
        ("'quoted", '"\'quoted"'),
    ],
)
def test_csv_cells(value: str, expected: str) -> None:
    assert cell(value) == expected


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_csv_injection_is_inert_in_any_locale(runner, tmp_path: Path, delimiter: str) -> None:
    text = (PLANS / "neck-chronic.yaml").read_text()
    p = tmp_path / "evil.yaml"
    p.write_text(text.replace("patient: P-0042", "patient: 'a;=HYPERLINK(\"http://x\")'"))
    result = invoke(runner, "suggest", "-f", "csv", str(p))
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout), delimiter=delimiter))
    for row in rows:
        for value in row:
            assert not value.lstrip(' "').startswith(("=", "+", "-", "@")), value
    if delimiter == ",":
        assert rows[1][1] == 'a;\'=HYPERLINK("http://x")'


@pytest.mark.parametrize(
    "value",
    ["https://evil.example/login", "WWW.evil.example", "a@evil.example", "mailto:a@x.example"],
)
def test_markdown_never_starts_a_gfm_autolink(value: str) -> None:
    """GitHub-flavoured Markdown links bare 'www.', 'scheme://' and e-mail addresses."""
    text = md_text(f"see {value} now")
    assert re.search(r"(?<!\\):(?=//)", text) is None
    assert "www." not in text.casefold()
    assert "@" not in text.replace("\\@", "")
    assert text.replace("\\", "") == f"see {value} now"


def test_a_url_as_patient_reference_is_no_link_in_the_markdown_handout(
    runner, tmp_path: Path
) -> None:
    p = tmp_path / "url.yaml"
    text = (PLANS / "neck-chronic.yaml").read_text()
    p.write_text(text.replace("patient: P-0042", "patient: 'https://evil.example/x a@b.example'"))
    result = invoke(runner, "suggest", "-f", "markdown", str(p))
    assert result.exit_code == 0, result.stderr
    assert "Ref: https\\://evil.example/x a\\@b.example" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["suggest", str(PLANS / "neck-chronic.yaml"), "--" + "A" * 100_000],
        ["suggest", str(PLANS / "neck-chronic.yaml"), "-f", "A" * 100_000],
        ["A" * 100_000],
        ["schema", "A" * 100_000],
        ["suggest", "A" * 100_000],
        ["suggest", "--rules", "A" * 100_000, str(PLANS / "neck-chronic.yaml")],
        ["suggest", str(PLANS / "neck-chronic.yaml"), "-\u202e"],
    ],
)
def test_usage_errors_are_bounded_and_inert(runner, args: list[str]) -> None:
    result = invoke(runner, *args)
    assert result.exit_code == 2
    assert len(result.stderr) < 1000
    assert "\u202e" not in result.stderr and "Traceback" not in result.stderr


def test_a_file_full_of_mistakes_reports_a_bounded_number(runner, tmp_path: Path) -> None:
    from needleplan.validation import MAX_PROBLEMS

    path = tmp_path / "k.yaml"
    path.write_text("".join(f"k{i}: 1\n" for i in range(9000)))
    result = invoke(runner, "validate", str(path))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if " error: " in line]
    assert len(errors) == MAX_PROBLEMS + 1
    assert "more problem(s) not shown" in errors[-1]
