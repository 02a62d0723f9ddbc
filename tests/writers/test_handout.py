"""The patient's page (``--format markdown`` and ``--format html``).

The writers read the typed ``Plan`` and ``Review``; the cases below are real plans
of the shipped examples, one per decision, and a real review. Where a test needs a
page the examples do not give (a repeated warning, hostile text, another pain
line), it changes a real plan with ``dataclasses.replace``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import textstat
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from needleplan import load_profile, plan
from needleplan import review as review_of
from needleplan.errors import inert
from needleplan.results import AdviceSection, Plan, Review
from needleplan.vocab import FORMATS
from needleplan.writers import get_writer
from needleplan.writers.markdown import PHONE_PLACEHOLDER, long_date, md_text, words_for
from tests.shipped import RULES

ROOT = Path(__file__).resolve().parents[2]
PLANS = ROOT / "plans"

CLINIC = {
    "name": "Harbour Street Physiotherapy",
    "phone": "01632 960 123",
    "address": "12 Harbour Street, Portsmouth PO1 2AB",
}
#: the ids a handout must never show (the decisions and section ids among them)
RAW_ID = re.compile(r"^[a-z]+_[a-z_]+$")

Result = Plan | Review


def example(name: str) -> Plan:
    """The plan of a shipped example."""
    path = PLANS / f"{name}.yaml"
    return plan(load_profile(path, RULES), RULES, source=f"plans/{name}.yaml")


def needle() -> Plan:
    return example("hip-lateral")


def needle_with_caution() -> Plan:
    return example("neck-lung-field")


def refer(urgency: str = "emergency") -> Plan:
    return example({"emergency": "back-red-flag", "same_day": "refer-same-day"}[urgency])


def child() -> Plan:
    return example("patellofemoral-teen")


def review() -> Review:
    """The review of a responder, on the day of the last session."""
    path = PLANS / "review-responder.yaml"
    profile = load_profile(path, RULES)
    return review_of(profile, RULES, profile.log[-1].date, source="plans/review-responder.yaml")


def emergency_review() -> Review:
    """A review whose latest session logged breathlessness: get emergency help now."""
    path = ROOT / "tests" / "cases" / "review" / "order-breathlessness-then-infection.yaml"
    profile = load_profile(path, RULES)
    result = review_of(profile, RULES, profile.log[-1].date)
    assert result.verdict == "emergency"
    return result


CASES: dict[str, Callable[[], Result]] = {
    "needle": needle,
    "needle_with_caution": needle_with_caution,
    "check_first": lambda: example("screen-not-finished"),
    "do_not_needle": lambda: example("knee-oa-lymphoedema"),
    "not_indicated": lambda: example("fresh-injury"),
    "refer_emergency": refer,
    "refer_same_day": lambda: refer("same_day"),
    "child": child,
    "review": review,
}
NEEDLING_WORDS = ("needle went in", "needles went in", "bruise", "drop of blood", "Soreness")


def section(result: Result, sid: str) -> AdviceSection:
    return next(s for s in result.advice.sections if s.id == sid)


def shown(item: str, phone: str = CLINIC["phone"]) -> str:
    """An advice item as the page shows it: one line, the clinic's phone filled in."""
    return " ".join(item.split()).replace(PHONE_PLACEHOLDER, phone)


def with_sections(result: Result, *sections: AdviceSection) -> Any:
    """``result`` with its patient's page given these sections."""
    advice = dataclasses.replace(result.advice, sections=sections)
    return dataclasses.replace(result, advice=advice)


def warned_twice() -> Plan:
    """The lung-field plan with its first warning sign given again at the end."""
    result = needle_with_caution()
    warning = section(result, "warning_signs").items[0]
    extra = AdviceSection("again", "Again", (warning,))
    return with_sections(result, *result.advice.sections, extra)


HOSTILE = (
    "P-9<script>alert(1)</script>\n# Heading\n===\n- item\n1. one\n"
    "[click](javascript:alert(1)) <img src=x onerror=alert(1)> ![i](http://x/y.png)"
)


def hostile() -> Plan:
    """A plan whose patient reference, lead and first section carry markup and script."""
    result = needle_with_caution()
    first, *rest = result.advice.sections
    first = dataclasses.replace(first, items=(*first.items, "Your notes: " + HOSTILE))
    advice = dataclasses.replace(result.advice, lead=HOSTILE, sections=(first, *rest))
    return dataclasses.replace(result, patient=HOSTILE, advice=advice)


# -- reading a handout back -------------------------------------------------------------


class _Page(HTMLParser):
    """Tags, attributes and the text a reader sees (style and title left out)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("style", "title", "script"):
            self._hidden += 1
        if tag in ("li", "p", "h1", "h2", "tr", "div", "figcaption", "footer"):
            self.text.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title", "script"):
            self._hidden -= 1
        if tag in ("td", "th"):
            self.text.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.text.append(data)


def page(doc: str) -> _Page:
    parser = _Page()
    parser.feed(doc)
    parser.close()
    return parser


def render(fmt: str, *plans: Result, clinic: Any = CLINIC) -> str:
    writer = get_writer(fmt, clinic=clinic, rules=RULES)
    return writer.document(list(plans), many=len(plans) > 1)


def visible_html(doc: str) -> str:
    return re.sub(r"[ \t]+", " ", "".join(page(doc).text))


def visible_md(doc: str) -> str:
    """The Markdown as a reader sees it: markers dropped, escapes undone."""
    html_text = MarkdownIt("commonmark").render(doc)
    return visible_html(html_text)


def sentences(text: str) -> str:
    """Each visible line a sentence, for the readability score."""
    lines = [x.strip() for x in text.splitlines() if x.strip()]
    return " ".join(x if x.endswith((".", "?", "!", ":")) else x + "." for x in lines)


FORMATS_UNDER_TEST = ("markdown", "html")


def visible(fmt: str, doc: str) -> str:
    return visible_html(doc) if fmt == "html" else visible_md(doc)


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()]


# -- the tests ----------------------------------------------------------------------------


def test_every_format_has_its_writer() -> None:
    assert all(get_writer(fmt, rules=RULES).name == fmt for fmt in FORMATS)
    assert get_writer("html", rules=RULES).extension == ".html"


@pytest.mark.parametrize("fmt", FORMATS_UNDER_TEST)
@pytest.mark.parametrize("case", sorted(CASES))
def test_sections_in_order_with_their_titles(fmt: str, case: str) -> None:
    result = CASES[case]()
    text = visible(fmt, render(fmt, result))
    advice = result.advice
    assert shown(advice.title) in text
    assert shown(advice.lead) in text
    # what to do now and where to go come first; the others in the advice's order
    order = sorted(advice.sections, key=lambda s: s.id not in ("do_now", "where_to_go"))
    at = [lines_of(text).index(s.heading) for s in order]
    assert at == sorted(at), "sections print in the advice's order"
    for part in advice.sections:
        for item in part.items:
            assert shown(item) in text


@pytest.mark.parametrize("fmt", FORMATS_UNDER_TEST)
@pytest.mark.parametrize("urgency", ["emergency", "same_day"])
def test_a_referral_sheet_says_where_to_go_and_has_no_needling_leaflet(
    fmt: str, urgency: str
) -> None:
    result = refer(urgency)
    text = visible(fmt, render(fmt, result))
    assert shown(result.advice.title) in text
    assert "dry needling plan" not in text
    where = section(result, "where_to_go")
    assert lines_of(text).index(where.heading) < lines_of(text).index(
        section(result, "watch_for").heading
    )
    assert all(shown(item) in text for item in where.items)
    if urgency == "emergency":
        assert "emergency department" in text
    else:
        assert "See a doctor today" in text
    for word in (*NEEDLING_WORDS, "Session 1", "check-in", "collapsed lung"):
        assert word not in text, word


@pytest.mark.parametrize("fmt", FORMATS_UNDER_TEST)
@pytest.mark.parametrize("case", ["do_not_needle", "not_indicated"])
def test_no_needling_gives_other_therapies_only(fmt: str, case: str) -> None:
    result = CASES[case]()
    text = visible(fmt, render(fmt, result))
    assert section(result, "other_therapies").heading in lines_of(text)
    for word in (*NEEDLING_WORDS, "Session 1", "check-in", "collapsed lung", "When to get help"):
        assert word not in text, word


@pytest.mark.parametrize("fmt", FORMATS_UNDER_TEST)
def test_needling_sheet_has_dated_schedule_and_check_in(fmt: str) -> None:
    result = needle()
    assert result.schedule
    text = visible(fmt, render(fmt, result))
    dates = [long_date(s.date) for s in result.schedule]
    (check_in,) = [long_date(s.date) for s in result.schedule if s.reassess]
    for date in dates:
        assert date in text
    assert text.count("check-in") == 1
    # the schedule sits under "Your sessions", before "What to expect"
    assert text.index("Your sessions") < text.index(dates[0]) < text.index("What to expect")
    check_in_line = next(line for line in text.splitlines() if "check-in" in line)
    assert check_in in check_in_line
    assert shown(section(result, "warning_signs").items[0]) in text
    for word in NEEDLING_WORDS:  # what the sheets without needling must not say
        assert word in text, word


@pytest.mark.parametrize("fmt", FORMATS_UNDER_TEST)
def test_lung_field_caution_and_a_repeated_warning_print_once(fmt: str) -> None:
    result = warned_twice()
    text = visible(fmt, render(fmt, result))
    assert section(result, "site_care").items  # the lung-field care, said once
    for part in result.advice.sections:
        for item in part.items:
            assert text.count(shown(item)) == 1, item
    assert "Again" not in lines_of(text)  # a section left with nothing new is dropped


@pytest.mark.parametrize("fmt", FORMATS_UNDER_TEST)
@pytest.mark.parametrize("case", sorted(CASES))
def test_disclaimer_and_each_warning_once(fmt: str, case: str) -> None:
    result = CASES[case]()
    text = visible(fmt, render(fmt, result))
    disclaimer = shown(result.disclaimer)
    assert text.count(disclaimer) == 1
    assert text.rstrip().endswith(disclaimer), "the disclaimer closes the page"
    for part in result.advice.sections:  # an emergency's call to action too: not in the lead
        for item in part.items:
            assert text.count(shown(item)) == 1, item


@pytest.mark.parametrize("fmt", FORMATS_UNDER_TEST)
def test_an_emergency_page_starts_with_what_to_do_now_said_once(fmt: str) -> None:
    result = refer("emergency")
    text = visible(fmt, render(fmt, result))
    do_now = section(result, "do_now")
    assert text.count("Call emergency services") == 1
    lines = lines_of(text)
    assert lines.index(do_now.heading) < lines.index(section(result, "where_to_go").heading)
    assert text.index(shown(do_now.items[0])) < text.index(section(result, "watch_for").heading)


@pytest.mark.parametrize("fmt", FORMATS_UNDER_TEST)
@pytest.mark.parametrize("case", sorted(CASES))
def test_no_raw_ids(fmt: str, case: str) -> None:
    text = visible(fmt, render(fmt, CASES[case]()))
    tokens = re.findall(r"[A-Za-z_]+", text)
    assert [t for t in tokens if RAW_ID.match(t)] == []


@pytest.mark.parametrize("fmt", FORMATS_UNDER_TEST)
@pytest.mark.parametrize("case", sorted(CASES))
def test_reads_at_grade_8_or_below(fmt: str, case: str) -> None:
    text = sentences(visible(fmt, render(fmt, CASES[case]())))
    grade = textstat.flesch_kincaid_grade(text)
    assert grade <= 8.0, (grade, text)


@pytest.mark.parametrize("fmt", FORMATS_UNDER_TEST)
def test_clinic_header_name_line_and_small_ref(fmt: str) -> None:
    result = needle()
    doc = render(fmt, result)
    text = visible(fmt, doc)
    for value in CLINIC.values():
        assert value in text
    assert text.index(CLINIC["name"]) < text.index(result.advice.title)
    assert re.search(r"Name: _{10,}", text)
    assert f"Ref: {result.patient}" in text
    assert "Plan for" not in text
    assert not re.search(r"20\d\d-\d\d-\d\d", text), "no ISO dates, no date of printing"
    if fmt == "html":
        assert f'<div class="ref">Ref: {result.patient}</div>' in doc


@pytest.mark.parametrize("fmt", FORMATS_UNDER_TEST)
@pytest.mark.parametrize("clinic", [None, {}, {"name": ""}])
def test_no_clinic_gives_a_neutral_header(fmt: str, clinic: Any) -> None:
    text = visible(fmt, render(fmt, needle(), clinic=clinic))
    assert "Harbour" not in text
    assert "None" not in text
    assert re.search(r"Name: _{10,}", text)


def test_clinic_may_be_an_object_with_attributes() -> None:
    class Clinic:
        name = "Quay Clinic"
        phone = "01632 960 999"
        address = ""

    text = visible_html(render("html", needle(), clinic=Clinic()))
    assert "Quay Clinic" in text
    assert "01632 960 999" in text


@pytest.mark.parametrize("fmt", FORMATS_UNDER_TEST)
def test_a_childs_sheet_speaks_to_the_parent(fmt: str) -> None:
    text = visible(fmt, render(fmt, child()))
    assert text.count("This sheet is for the parent or guardian of the young person.") == 1
    assert "parent or guardian" not in visible(fmt, render(fmt, needle()))


def test_output_is_deterministic() -> None:
    for fmt in FORMATS_UNDER_TEST:
        plans = [CASES[c]() for c in sorted(CASES)]
        assert render(fmt, *plans) == render(fmt, *plans)


def test_several_plans_make_one_html_document_one_page_each() -> None:
    doc = render("html", needle(), refer(), review())
    assert doc.count("<!DOCTYPE html>") == 1
    assert doc.count("</html>") == 1
    assert doc.count('<article class="sheet') == 3
    assert re.search(r"\.sheet \+ \.sheet \{[^}]*break-before: page", doc)
    assert doc.count("<html") == 1


def test_html_streams_as_begin_items_end() -> None:
    writer = get_writer("html", clinic=CLINIC, rules=RULES)
    streamed = writer.begin(True) + writer.item(needle(), True) + writer.item(refer(), True)
    assert streamed + writer.end(True) == writer.document([needle(), refer()], many=True)
    assert writer.file_text(needle()) == render("html", needle())


def test_html_has_print_css_and_nothing_from_outside() -> None:
    doc = render("html", *(CASES[c]() for c in sorted(CASES)))
    assert re.search(r"@page \{\s*size: A4;", doc)
    assert "break-inside: avoid" in doc
    assert "font-size: 12pt" in doc
    assert "default-src 'none'" in doc
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg\b)|@import|url\(|<link|<script", doc)
    for tag, attrs in page(doc).tags:
        for name in ("src", "href"):
            value = attrs.get(name)
            assert value is None, (tag, name)


# -- the review ---------------------------------------------------------------------------


def _svgs(doc: str) -> list[dict[str, str | None]]:
    return [attrs for tag, attrs in page(doc).tags if tag == "svg"]


def test_review_sheet_has_the_chart_inline_with_alt_text() -> None:
    result = review()
    assert (result.baseline_nrs, result.mcid_line) == (7, 5)
    last = result.trajectory[-1]
    doc = render("html", result)
    (svg,) = _svgs(doc)
    assert svg["role"] == "img"
    alt = svg["aria-label"] or ""
    assert "Chart of your pain scores" in alt
    assert "At the start your pain was 7" in alt
    assert f"At session {last.session} it was {last.nrs}" in alt
    assert "real improvement" in alt
    assert "5 or lower" in alt
    assert f"<title>{alt}</title>" in doc.replace("&#39;", "'")
    assert doc == render("html", result), "the same log gives the same bytes"


def test_review_chart_shows_baseline_and_the_texts_target() -> None:
    from needleplan.writers.html import CHART_HEIGHT, chart_view

    scores = review().trajectory
    view = chart_view(scores, 7, 5, words_for(RULES, "patient"))
    assert [t["label"] for t in view["xticks"]] == [s.session for s in scores]
    assert [t["label"] for t in view["yticks"]] == [0, 2, 4, 6, 8, 10]
    top, bottom = view["top"], view["bottom"]
    assert 0 < top < bottom < CHART_HEIGHT

    def level(y: str) -> float:
        return round(10 - (float(y) - top) / (bottom - top) * 10, 1)

    assert level(view["baseline_y"]) == 7.0 and level(view["target_y"]) == 5.0
    assert [d["y"] for d in view["dots"]] == [
        view["baseline_y"],
        *(d["y"] for d in view["dots"][1:]),
    ]
    assert [round(level(d["y"])) for d in view["dots"]] == [s.nrs for s in scores]
    assert scores[0].nrs == 7


def test_review_markdown_lists_the_scores_in_words() -> None:
    result = review()
    text = visible_md(render("markdown", result))
    assert "Your pain scores" in text
    for s in result.trajectory:
        assert f"Session {s.session} ({long_date(s.date)}): {s.nrs} out of 10" in text
    assert "real improvement" in text


def test_review_uses_the_reviews_own_line_when_given() -> None:
    given = dataclasses.replace(review(), mcid_line=4.5)
    assert "A real change means a score of 4 or lower." in visible_html(render("html", given))


def test_review_with_a_low_baseline_draws_no_target() -> None:
    # a baseline of 3: the pain score cannot show a real change, so none is promised
    from needleplan.loading import profile_from_text

    text = """
condition: neck_pain
sites: {upper_trapezius: right}
severity: 3
duration: 5 months
age: 40
log:
  - {date: 2026-11-16, nrs: 3}
  - {date: 2026-11-19, nrs: 2}
  - {date: 2026-11-23, nrs: 3}
  - {date: 2026-11-26, nrs: 2}
"""
    today = dt.date(2026, 12, 7)
    low = review_of(profile_from_text(text, rules=RULES, today=today), RULES, today)
    assert low.mcid_line is None
    doc = render("html", low)
    shown = visible_html(doc)
    assert "cannot show a real change" in shown
    assert "A real change means" not in shown and "not yet a real change" not in shown
    assert 'stroke-dasharray="2 4"' not in doc  # no target line, in the chart or its key
    md = visible_md(render("markdown", low))
    assert "cannot show a real change" in md and "A real change means" not in md
    assert "Session 2 (Thursday 19 November 2026): 2 out of 10" in md
    assert "What can help meanwhile" in md and "What can help instead" not in md


def test_review_after_a_long_break_promises_no_real_change() -> None:
    # a baseline of 8 in March, then sessions in December: no change is judged across the
    # break, so no page, chart or record calls it real, not yet real, or promises a target
    from needleplan.loading import profile_from_text
    from needleplan.writers.table import rule_words

    text = """
condition: neck_pain
sites: {upper_trapezius: right}
severity: 8
duration: 14 months
age: 45
start_date: 2026-03-02
log:
  - {date: 2026-03-02, nrs: 8}
  - {date: 2026-12-03, nrs: 6}
  - {date: 2026-12-07, nrs: 5}
"""
    today = dt.date(2026, 12, 8)
    broke = review_of(profile_from_text(text, rules=RULES, today=today), RULES, today)
    assert broke.mcid_line is None
    assert broke.change is not None and not broke.change.meaningful
    for fmt in ("html", "markdown"):
        shown = visible(fmt, render(fmt, broke))
        assert "long break" in shown and "cannot show a real change" in shown
        assert "real improvement" not in shown and "not yet a real change" not in shown
        assert "A real change means" not in shown and "the start was low" not in shown
    assert 'stroke-dasharray="2 4"' not in render("html", broke)
    screen = get_writer("table", rules=RULES, width=100).item(broke, False)
    assert "not judged" in screen and "meaningful" not in screen.split("Change")[1].split("\n")[0]
    assert "MCID <=" not in screen and "at this baseline" not in screen
    record = render("fhir", broke)
    assert "not judged" in record and "a meaningful improvement" not in record
    assert rule_words("review.baseline_gap", RULES) != "Review baseline gap"


def test_a_hold_for_a_possible_collapsed_lung_calls_no_change_real() -> None:
    # notes after a session may describe a collapsed lung: the page says what to do now,
    # and its pain scores judge nothing ("a real improvement" beside "call 999" misleads)
    from needleplan.loading import load_profile

    today = dt.date(2026, 12, 8)
    path = (
        Path(__file__).resolve().parents[1] / "profiles" / "review-hold-collapsed-lung-words.yaml"
    )
    held = review_of(load_profile(path, RULES, today=today), RULES, today)
    assert held.hold and held.change is not None and held.change.meaningful
    for fmt in ("html", "markdown"):
        shown = visible(fmt, render(fmt, held))
        assert "call emergency services" in shown
        assert "real improvement" not in shown and "A real change means" not in shown
    # what to do now leads the page, once: not again as the first warning sign
    lines = [i for section in held.advice.sections for i in section.items]
    assert held.advice.lead and held.advice.lead not in lines


# -- text from a profile stays text -------------------------------------------------------

TEMPLATE_TAGS = {
    "html", "head", "meta", "title", "style", "body", "article", "header", "div", "h1", "h2",
    "p", "section", "ul", "li", "table", "thead", "tbody", "tr", "th", "td", "span", "footer",
    "figure", "figcaption", "svg", "g", "line", "polyline", "circle", "text",
}  # fmt: skip


def test_html_injection_is_inert() -> None:
    doc = render("html", hostile(), review())
    parsed = page(doc)
    assert {tag for tag, _ in parsed.tags} <= TEMPLATE_TAGS
    assert not any(k.startswith("on") for _, attrs in parsed.tags for k in attrs)
    assert "<script" not in doc and "<img src=x" not in doc
    text = visible_html(doc)
    assert "<script>alert(1)</script>" in text, "shown as text"
    assert "[click](javascript:alert(1))" in text


def test_markdown_injection_is_inert() -> None:
    doc = render("markdown", hostile())
    tokens = MarkdownIt("commonmark").parse(doc)
    headings = [t for t in tokens if t.type == "heading_open"]
    heads = {t.tag for t in headings}
    assert heads <= {"h1", "h2"}
    assert len([t for t in headings if t.tag == "h1"]) == 1
    inline = [c for t in tokens if t.type == "inline" for c in t.children or []]
    assert {c.type for c in inline} <= {
        "text",
        "softbreak",
        "strong_open",
        "strong_close",
        "hardbreak",
    }
    assert "ordered_list_open" not in {t.type for t in tokens}
    html_out = MarkdownIt("commonmark").render(doc)
    assert "<script" not in html_out and "<a " not in html_out and "<img" not in html_out
    assert "[click](javascript:alert(1))" in visible_md(doc)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60) | st.lists(
    st.sampled_from(["#", "=", "-", "*", "+", "1.", "2)", ">", "<", "[", "]", "(", ")", "!",
                     "`", "_", "~", "|", "\\", "&amp;", "&#60;", "\n", "\r", " ", "    ", "x",
                     "<script>", "javascript:", "http://x.y", ":", "---", "==="]),
    max_size=20).map("".join))  # fmt: skip
def test_md_text_is_always_one_plain_paragraph(text: str) -> None:
    escaped = md_text(text)
    assert "\n" not in escaped and "\r" not in escaped
    for doc in (escaped, f"- {escaped}", f"## {escaped}"):
        tokens = MarkdownIt("commonmark").enable("table").enable("strikethrough").parse(doc)
        blocks = [t.type for t in tokens if t.type.endswith("_open")]
        item = ["bullet_list_open", "list_item_open"]
        allowed = ([], ["paragraph_open"], item, [*item, "paragraph_open"], ["heading_open"])
        assert blocks in allowed, (doc, blocks)
        for t in tokens:
            for c in t.children or []:
                assert c.type in ("text", "softbreak"), (doc, c.type)
    # and the reader sees the text as it was: whitespace runs as one space, control
    # characters shown, not obeyed
    assert visible_md(escaped).strip() == inert(re.sub(r"\s+", " ", text).strip())


# -- the planner's own plans ---------------------------------------------------------------


def shipped() -> list[Plan]:
    """The plans of the shipped examples."""
    return [example(path.stem) for path in sorted(PLANS.glob("*.yaml"))]


def test_shipped_examples_read_at_grade_8_without_ids() -> None:
    for result in shipped():
        for fmt in FORMATS_UNDER_TEST:
            text = visible(fmt, render(fmt, result))
            assert text.count(result.disclaimer.split(".")[0]) == 1
            assert textstat.flesch_kincaid_grade(sentences(text)) <= 8.0, result.source
            tokens = re.findall(r"[A-Za-z_]+", text)
            assert [t for t in tokens if RAW_ID.match(t)] == [], result.source


# -- a patient under 18: the page speaks to the parent about the child -------------------

_CHILD = """\
patient: C-0001
condition: {condition}
severity: {severity}
duration: 8 weeks
age: {age}
health_factors: {factors}
sites: {sites}
start_date: 2026-12-01
# the red-flag screen, asked in full: every answer no
screening: {{
  cauda_equina_signs: no, progressive_neurological_deficit: no, cancer_history_new_pain:
  no, unexplained_weight_loss: no, unremitting_night_pain: no, fever: no, major_trauma:
  no, minor_trauma_osteoporosis: no, cervical_arterial_signs: no, stroke_signs: no,
  myelopathy_signs: no, meningism: no, thunderclap_headache: no, new_headache_over_50: no,
  giant_cell_arteritis_signs: no, heart_attack_or_dissection_signs: no,
  aortic_aneurysm_signs: no, hot_swollen_joint: no, suspected_fracture: no,
  suspected_hip_fracture: no, suspected_dvt: no, compartment_syndrome_signs: no,
  cold_pulseless_limb: no
}}
"""

#: A profile per decision, as a 15-year-old (under 18 every needling plan takes care).
_CHILD_CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "neck": ("needle_with_caution", {"condition": "neck_pain", "severity": 6}),
    "lung": (
        "needle_with_caution",
        {"condition": "neck_pain", "severity": 6, "sites": "{upper_trapezius: right}"},
    ),
    "phobia": (
        "do_not_needle",
        {"condition": "neck_pain", "severity": 6, "factors": "[needle_phobia]"},
    ),
    "no-pain": ("not_indicated", {"condition": "neck_pain", "severity": 0}),
    "fever": ("refer", {"condition": "low_back_pain", "severity": 6, "factors": "[fever]"}),
    "cauda-equina": (
        "refer",
        {"condition": "low_back_pain", "severity": 6, "factors": "[cauda_equina_signs]"},
    ),
}


def _real_plan(age: int, fields: dict[str, Any]) -> Any:
    from needleplan import profile_from_text

    text = _CHILD.format(age=age, **{"factors": "[]", "sites": "{}", **fields})
    return plan(profile_from_text(text, "child.yaml", RULES), RULES), RULES


def _patient_only_texts(rules: Any, decision: str) -> list[str]:
    """The patient's wording wherever the rule set has a parent's version of it."""
    from needleplan.wording import say, say_all

    texts = [say(rules, f"page.{part}") for part in (f"title.{decision}", f"lead.{decision}")]
    texts += [say(rules, "page.what_it_is"), say(rules, "page.other_therapies_lead")]
    texts += [*say_all(rules, "page.aftercare"), *say_all(rules, "page.warning_signs")]
    texts += [hf.patient_message for hf in rules.health_factors.values() if hf.parent_message]
    texts += [rule.patient_message for rule in rules.site_rules if rule.parent_message]
    texts += [c.patient_text for c in rules.companions.values() if c.parent_text]
    urgencies = ("emergency", "same_day", "routine")
    return [*texts, *(say(rules, f"page.referral.{u}.where") for u in urgencies)]


@pytest.mark.parametrize("case", sorted(_CHILD_CASES))
def test_a_childs_real_page_speaks_of_the_child_at_grade_8(case: str) -> None:
    decision, fields = _CHILD_CASES[case]
    result, rules = _real_plan(15, fields)
    assert (result.audience, result.decision) == ("parent", decision)
    headings = [s.heading for s in result.advice.sections]
    assert not {"Your sessions", "Extra care for you"} & set(headings), headings
    for fmt in FORMATS_UNDER_TEST:
        text = visible(fmt, render(fmt, result))
        for patient_text in _patient_only_texts(rules, result.decision):
            assert patient_text not in text, (fmt, patient_text)
        assert "your child" in text.lower()
        assert textstat.flesch_kincaid_grade(sentences(text)) <= 8.0, (fmt, case)
    signs = [s for s in result.advice.sections if s.id == "warning_signs"]
    for section in signs:
        assert all("your child" in item for item in section.items), section.items


@pytest.mark.parametrize("case", sorted(_CHILD_CASES))
def test_an_adults_page_never_mentions_a_child(case: str) -> None:
    result, _ = _real_plan(40, _CHILD_CASES[case][1])
    assert result.audience == "patient"
    assert "child" not in json.dumps(result.to_dict()["advice"]).lower()


def test_a_childs_review_page_speaks_of_the_child() -> None:
    from needleplan import load_profile, review

    rules = RULES
    logged = load_profile(PLANS / "review-responder.yaml", rules)
    today = logged.log[-1].date
    adult = review(logged, rules, today)
    child = review(logged.model_copy(update={"age": 15}), rules, today)
    assert child.verdict == adult.verdict
    assert adult.advice.title.startswith("Your progress: ")
    assert child.advice.title == adult.advice.title.replace("Your", "Your child's", 1)
    assert child.advice.lead.startswith("Your child")
    signs = [s for s in child.advice.sections if s.id == "warning_signs"]
    assert signs and all("your child" in item for item in signs[0].items)


def test_a_rule_set_without_parent_texts_uses_the_patients() -> None:
    from needleplan import plan, profile_from_text
    from needleplan.rulesload import rules_from_data
    from needleplan.wording import say

    data = RULES.to_data()
    for key, text in data["texts"].items():  # the page's texts without their parent's
        if key.startswith("page.") and isinstance(text, dict):
            data["texts"][key] = {"text": text["text"]}
    rules = rules_from_data(data)
    text = _CHILD.format(age=15, factors="[]", sites="{}", **_CHILD_CASES["neck"][1])
    result = plan(profile_from_text(text, "child.yaml", rules), rules)
    assert result.audience == "parent"
    assert result.advice.title == say(rules, "page.title.needle_with_caution")
    assert result.advice.lead.startswith(say(rules, "page.parent_note"))


def test_the_consent_lead_is_on_a_childs_needling_page_only() -> None:
    rules_note = "A parent or guardian must agree before any needling"
    for case, (decision, fields) in _CHILD_CASES.items():
        result, _ = _real_plan(15, fields)
        assert (rules_note in result.advice.lead) == (decision.startswith("needle")), case
    refer, rules = _real_plan(15, _CHILD_CASES["fever"][1])
    why = next(s for s in refer.advice.sections if s.id == "watch_for")
    assert why.items == (rules.health_factors["fever"].parent_message,)


def test_a_message_to_the_patient_without_a_parent_version_is_introduced_as_such() -> None:
    from needleplan import plan, profile_from_text
    from needleplan.rulesload import rules_from_data

    data = RULES.to_data()
    data["health_factors"]["fever"]["parent_message"] = ""
    rules = rules_from_data(data)
    fields = {"factors": "[]", "sites": "{}", **_CHILD_CASES["fever"][1]}
    result = plan(profile_from_text(_CHILD.format(age=15, **fields), "c.yaml", rules), rules)
    why = next(s for s in result.advice.sections if s.id == "watch_for")
    assert why.items == (
        "Where a note below says 'you', it means your child.",
        rules.health_factors["fever"].patient_message,
    )


def test_without_needling_the_other_therapies_come_instead() -> None:
    result, _ = _real_plan(40, _CHILD_CASES["phobia"][1])
    assert result.decision == "do_not_needle"
    headings = {s.id: s.heading for s in result.advice.sections}
    assert headings["other_therapies"] == "What can help instead"


def test_a_profile_without_age_says_the_checks_by_age_were_not_made() -> None:
    from needleplan import plan, profile_from_text

    rules = RULES
    text = "condition: neck_pain\nseverity: 6\nduration: 8 weeks\n"
    result = plan(profile_from_text(text, "p.yaml", rules), rules)
    assert "age_not_given" in [w.kind for w in result.warnings]
    with_age = plan(profile_from_text(text + "age: 40\n", "p.yaml", rules), rules)
    assert "age_not_given" not in [w.kind for w in with_age.warnings]


def test_a_childs_review_sheet_shows_the_childs_pain() -> None:
    from needleplan import load_profile, review

    rules = RULES
    logged = load_profile(PLANS / "review-responder.yaml", rules)
    child = review(logged.model_copy(update={"age": 15}), rules, logged.log[-1].date)
    for fmt in FORMATS_UNDER_TEST:
        text = visible(fmt, render(fmt, child))
        assert "Your child's pain scores" in text and "Your pain scores" not in text, fmt
        assert "At the start your child's pain was 7 out of 10." in text, fmt
    doc = render("html", child)
    assert (
        'aria-label="Chart of your child&#39;s pain scores' in doc
        or "aria-label=\"Chart of your child's" in doc
    )
    assert "Your child&#39;s pain</text>" in doc or "Your child's pain</text>" in doc  # legend


def test_a_pregnant_minors_plan_asks_who_may_read_the_sheet() -> None:
    from needleplan import plan, profile_from_text

    rules = RULES
    text = "condition: low_back_pain\nseverity: 6\nduration: 8 weeks\nhealth_factors:\n"
    text += "  - pregnancy: 20 weeks\n"
    minor = plan(profile_from_text(text + "age: 17\n", "p.yaml", rules), rules)
    adult = plan(profile_from_text(text + "age: 30\n", "p.yaml", rules), rules)
    assert "pregnancy_under_18" in [w.kind for w in minor.warnings]
    assert "pregnancy_under_18" not in [w.kind for w in adult.warnings]
