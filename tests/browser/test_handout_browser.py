"""The HTML handout printed by a real browser: headless Chromium to PDF, read back
with poppler's ``pdfinfo`` and ``pdftotext``.

Skipped where the tools are missing, except in CI (``CI=true``), where ``.ci/run``
installs them and their absence is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from needleplan.results import Plan
from needleplan.writers.markdown import long_date
from tests.writers.test_handout import (
    CASES,
    CLINIC,
    PLANS,
    emergency_review,
    example,
    hostile,
    render,
    section,
    shown,
)

#: every test here starts Chromium at least once
pytestmark = pytest.mark.slow

BROWSER_TIMEOUT = 90
#: the shipped examples, each printed by its own test (so the runners share them out)
EXAMPLES = sorted(PLANS.glob("*.yaml"))


def _tools() -> tuple[str, str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    pdftotext, pdfinfo = shutil.which("pdftotext"), shutil.which("pdfinfo")
    if browser and pdftotext and pdfinfo:
        return browser, pdftotext, pdfinfo
    return None


@pytest.fixture(scope="module")
def tools() -> tuple[str, str, str]:
    found = _tools()
    if found is None:
        message = (
            "headless Chromium and poppler-utils are needed to print the handout: "
            "`chromium` (or `chromium-browser`), `pdftotext` and `pdfinfo` must be on PATH "
            "(Debian: apt-get install -y chromium poppler-utils; .ci/run does this)"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text)


class Printed:
    def __init__(self, pdf: Path, pages: int, text: str) -> None:
        self.pdf = pdf
        self.pages = pages
        self.text = text
        self.flat = _one_line(text)

    def lines_per_page(self) -> list[int]:
        """Lines of text on each page (the page's own footer left out)."""
        pages = self.text.split("\f")[: self.pages]
        return [
            sum(1 for line in p.splitlines() if line.strip() and not PAGE_FOOTER.match(line))
            for p in pages
        ]


PAGE_FOOTER = re.compile(r"^\s*Page \d+ of \d+\s*$")
#: a page with fewer lines than this (a full A4 page holds about 50) is "mostly blank"
MOSTLY_BLANK = 20


def assert_no_page_mostly_blank(printed: Printed, name: str) -> None:
    """No page but the last is mostly blank (a section pushed on whole), and a last page
    holds more than the disclaimer."""
    counts = printed.lines_per_page()
    for number, count in enumerate(counts[:-1], start=1):
        assert count >= MOSTLY_BLANK, (name, number, counts)
    if len(counts) > 1:
        assert counts[-1] >= 4, (name, counts)


def print_pdf(tools: tuple[str, str, str], tmp: Path, name: str, doc: str) -> Printed:
    browser, pdftotext, pdfinfo = tools
    page = tmp / f"{name}.html"
    page.write_text(doc, encoding="utf-8")
    pdf = tmp / f"{name}.pdf"
    profile = tmp / f"{name}-profile"
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf}",
        page.as_uri(),
    ]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=BROWSER_TIMEOUT)
    assert pdf.exists() and pdf.stat().st_size > 0, (run.returncode, run.stderr[-2000:])
    info = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))  # type: ignore[union-attr]
    text = subprocess.run(
        [pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return Printed(pdf, pages, text)


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_handout_prints_on_one_or_two_pages(
    tools: tuple[str, str, str], tmp_path: Path, case: str
) -> None:
    result = CASES[case]()
    printed = print_pdf(tools, tmp_path, case, render("html", result))
    assert 1 <= printed.pages <= 2, printed.pages
    assert_no_page_mostly_blank(printed, case)
    assert "Page 1 of" in printed.flat  # the page's own footer
    assert CLINIC["name"] in printed.flat
    assert CLINIC["phone"] in printed.flat
    assert "Name: ____" in printed.flat
    assert _one_line(result.advice.title) in printed.flat
    assert printed.flat.count("does not diagnose") == 1
    for part in result.advice.sections:
        assert _one_line(part.heading) in printed.flat
    if isinstance(result, Plan) and result.schedule:
        for s in result.schedule:
            assert long_date(s.date) in printed.flat
        assert "check-in" in printed.flat
    if case.startswith("needle") or case == "child":
        warnings = section(result, "warning_signs")
        assert _one_line(shown(warnings.items[0])) in printed.flat
        assert warnings.heading in printed.flat
    if case == "needle_with_caution":
        for item in section(result, "site_care").items:
            assert _one_line(item) in printed.flat
    if case.startswith("refer"):
        assert section(result, "where_to_go").heading in printed.flat
        assert "check-in" not in printed.flat


def test_several_plans_print_each_on_its_own_page(
    tools: tuple[str, str, str], tmp_path: Path
) -> None:
    names = ["needle", "refer_emergency", "do_not_needle"]
    printed = print_pdf(tools, tmp_path, "many", render("html", *(CASES[n]() for n in names)))
    pages = printed.text.split("\f")
    titles = [CASES[n]().advice.title for n in names]
    starts = [next(i for i, p in enumerate(pages) if t in _one_line(p)) for t in titles]
    assert starts == sorted(set(starts)), "each plan starts a new page"
    assert printed.pages <= 2 * len(names)


def test_review_prints_with_its_chart(tools: tuple[str, str, str], tmp_path: Path) -> None:
    printed = print_pdf(tools, tmp_path, "review", render("html", CASES["review"]()))
    assert 1 <= printed.pages <= 2
    assert "Your pain scores" in printed.flat
    assert "real improvement" in printed.flat
    # the chart is drawn (its legend and axis are text in the PDF) with the text's target
    assert "Real change: 5 or lower" in printed.flat and "Pain (0-10)" in printed.flat
    assert "A real change means a score of 5 or lower" in printed.flat


def test_an_emergency_sheet_prints_what_to_do_first_and_no_chart(
    tools: tuple[str, str, str], tmp_path: Path
) -> None:
    result = emergency_review()
    printed = print_pdf(tools, tmp_path, "emergency", render("html", result))
    assert printed.pages == 1
    now = section(result, "where_to_go").heading
    assert now in printed.flat
    assert printed.flat.index(now) < printed.flat.index("pain scores")
    assert "Real change:" not in printed.flat and "Pain (0-10)" not in printed.flat


def test_without_settings_the_printed_page_has_lines_to_fill_in(
    tools: tuple[str, str, str], tmp_path: Path
) -> None:
    printed = print_pdf(tools, tmp_path, "blank", render("html", CASES["needle"](), clinic=None))
    assert re.search(r"Clinic: _{8,} Phone: _{8,}", printed.flat)
    assert CLINIC["name"] not in printed.flat


@pytest.mark.parametrize("make", [hostile])
def test_script_and_links_from_a_profile_stay_inert(
    tools: tuple[str, str, str], tmp_path: Path, make: Callable[[], Plan]
) -> None:
    printed = print_pdf(tools, tmp_path, "hostile", render("html", make()))
    # printed as text, so the browser neither ran nor hid them
    assert "<script>alert(1)</script>" in printed.flat
    assert "[click](javascript:alert(1))" in printed.flat
    assert "<img src=x onerror=alert(1)>" in printed.flat
    pdf = printed.pdf.read_bytes()
    assert b"/URI" not in pdf and b"/JavaScript" not in pdf and b"/JS" not in pdf


@pytest.mark.parametrize("name", [p.stem for p in EXAMPLES])
def test_shipped_examples_print_on_one_or_two_pages(
    tools: tuple[str, str, str], tmp_path: Path, name: str
) -> None:
    result = example(name)
    printed = print_pdf(tools, tmp_path, name, render("html", result))
    assert 1 <= printed.pages <= 2, (name, printed.pages)
    assert_no_page_mostly_blank(printed, name)
    assert CLINIC["name"] in printed.flat, name
    assert _one_line(result.advice.title) in printed.flat, name
