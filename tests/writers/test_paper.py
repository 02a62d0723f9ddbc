"""The printed page: the clinic line, the phone where the patient is told to call, the
chart (inline SVG, thinned labels, the text's own target), emergency sheets, print CSS,
and the PDF writer."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
from typing import Any

import pytest

from needleplan.errors import WriterError
from needleplan.results import AdviceSection, Point
from needleplan.rules import RuleSet
from needleplan.wording import say
from needleplan.writers import get_writer
from needleplan.writers.html import CHART_MAX_LABELS, chart_view
from needleplan.writers.markdown import PHONE_PLACEHOLDER, words_for
from tests.writers.test_handout import (
    CASES,
    CLINIC,
    RULES,
    emergency_review,
    needle,
    page,
    render,
    review,
    section,
    visible,
    with_sections,
)


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_without_settings_the_page_has_a_clinic_and_phone_line_to_fill_in(fmt: str) -> None:
    for case in sorted(CASES):
        text = visible(fmt, render(fmt, CASES[case](), clinic=None))
        assert re.search(r"Clinic: _{8,}\s+Phone: _{8,}", text), (fmt, case)


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_the_phone_is_where_the_patient_is_told_to_call(fmt: str, rules: RuleSet) -> None:
    result = needle()
    (call,) = [x for x in section(result, "warning_signs").items if PHONE_PLACEHOLDER in x]
    before, after = call.split(PHONE_PLACEHOLDER)
    text = visible(fmt, render(fmt, result))
    assert f"{before}{CLINIC['phone']}{after}" in text
    assert PHONE_PLACEHOLDER not in text
    blank = visible(fmt, render(fmt, result, clinic=None))
    no_phone = say(rules, "handout.no_phone")
    assert f"{before}{no_phone}{after}" in blank and PHONE_PLACEHOLDER not in blank


def test_a_clinic_without_a_phone_leaves_a_phone_blank_in_the_header() -> None:
    doc = render("html", needle(), clinic={"name": "Harbour Street"})
    assert re.search(r"Phone: _{8,}", visible("html", doc))


def test_an_emergency_sheet_has_no_chart_and_starts_with_a_bordered_box() -> None:
    result = emergency_review()
    doc = render("html", result)
    assert "<svg" not in doc
    tags = page(doc).tags
    sections = [a.get("class") or "" for t, a in tags if t == "section"]
    assert "now" in sections[0].split()  # the first section: what to do now
    assert re.search(r"section\.now \{[^}]*border: 3px solid", doc)  # prints without colour
    text = visible("html", doc)
    assert text.index(section(result, "where_to_go").heading) < text.index("pain scores")
    assert "<svg" in render("html", review())  # a review that is no emergency has its chart


def test_break_rules_keep_short_sections_whole_and_let_long_ones_run_on() -> None:
    result = needle()
    long = AdviceSection("long", "A long one", tuple(f"Item {i}." for i in range(12)))
    doc = render("html", with_sections(result, *result.advice.sections, long))
    classes = {
        a.get("class") for t, a in page(doc).tags if t == "section"
    }  # every section says whether it is kept whole
    assert {"keep", "flow"} <= {c.split()[0] for c in classes if c}
    css = doc[doc.index("<style>") : doc.index("</style>")]
    assert re.search(r"section\.keep \{ break-inside: avoid", css)
    assert not re.search(r"(^|\n)section \{[^}]*break-inside: avoid", css)  # not every section
    assert not re.search(r"\.sheet \{[^}]*break-inside: avoid", css)  # never a whole page
    assert "@bottom-center" in css  # the page's own footer


def _long_log(n: int) -> list[Point]:
    start = dt.date(2026, 1, 1)
    return [Point(i, start + dt.timedelta(days=i), (i * 7) % 11) for i in range(1, n + 1)]


@pytest.mark.parametrize("n", [1, 2, 20, 21, 60, 200])
def test_the_chart_stays_readable_up_to_the_log_limit(n: int, rules: RuleSet) -> None:
    from needleplan.vocab import MAX_LOG

    assert n <= MAX_LOG
    view = chart_view(_long_log(n), 7, 4, words_for(rules, "patient"))
    labels = [t["label"] for t in view["xticks"]]
    assert len(labels) <= CHART_MAX_LABELS + 1
    assert labels[0] == 1 and labels[-1] == n
    xs = [float(t["x"]) for t in view["xticks"]]
    # at most 21 labels of up to 3 digits in 580 units: never closer than 24 units
    assert all(b - a >= 24 for a, b in itertools.pairwise(xs))
    assert len(view["points"].split()) == n


def test_the_legend_says_the_same_target_as_the_text() -> None:
    doc = render("html", dataclasses.replace(review(), mcid_line=4.2))
    text = visible("html", doc)
    assert "A real change means a score of 4 or lower." in text
    assert "Real change: 4 or lower" in doc
    assert "4.2" not in doc


def test_the_chart_escapes_its_texts() -> None:
    from needleplan.writers.html import chart_svg

    def hostile(key: str, /, **values: object) -> str:
        return '<b onload="x">'

    svg = chart_svg(chart_view(_long_log(3), 7, 4, hostile, alt='"><script>'))
    assert "<script>" not in svg and "<b " not in svg
    assert "&lt;b onload=" in svg


# -- the PDF ---------------------------------------------------------------------------


def test_without_the_extra_pdf_is_one_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "weasyprint" else real(name)
    )
    with pytest.raises(WriterError) as info:
        get_writer("pdf")
    said = info.value.format()
    assert said.splitlines()[0].startswith("needleplan: error: PDF output needs")
    assert "pip install 'needleplan[pdf]'" in said


def test_pdf_prints_the_handout_as_bytes_one_per_profile() -> None:
    pytest.importorskip("weasyprint")
    writer = get_writer("pdf", clinic=CLINIC, rules=RULES)
    assert writer.binary and writer.extension == ".pdf" and not writer.streaming
    one = writer.file_text(needle())
    assert isinstance(one, bytes) and one.startswith(b"%PDF-")
    assert one == writer.file_text(needle())
    assert b"/URI" not in one and b"/JavaScript" not in one


def test_the_command_names_the_extra_when_pdf_is_missing(
    monkeypatch: pytest.MonkeyPatch, runner: Any, tmp_path: Any
) -> None:
    import importlib.util

    from tests.conftest import PLANS, invoke

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "weasyprint" else real(name)
    )
    out = tmp_path / "x.pdf"
    result = invoke(
        runner, "suggest", str(PLANS / "neck-chronic.yaml"), "-f", "pdf", "-o", str(out)
    )
    assert result.exit_code == 2
    lines = [x for x in result.stderr.splitlines() if not x.startswith("needleplan: note:")]
    assert lines[0].startswith("needleplan: error: PDF output needs the optional 'pdf' extra")
    assert "pip install 'needleplan[pdf]'" in lines[1] and len(lines) == 2
    assert not out.exists()


def test_pdf_files_one_per_profile_from_the_command(runner: Any, tmp_path: Any) -> None:
    pytest.importorskip("weasyprint")
    from tests.conftest import PLANS, invoke

    folder = tmp_path / "out"
    result = invoke(
        runner,
        "suggest",
        str(PLANS / "neck-chronic.yaml"),
        str(PLANS / "back-red-flag.yaml"),
        "-f",
        "pdf",
        "--output-dir",
        str(folder),
    )
    assert result.exit_code == 0, result.stderr
    made = sorted(p.name for p in folder.iterdir())
    assert made == ["back-red-flag.pdf", "neck-chronic.pdf"]
    assert all((folder / n).read_bytes().startswith(b"%PDF-") for n in made)
