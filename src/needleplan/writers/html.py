"""``html``: the patient's page, printable on one or two A4/Letter pages.

Rendered with Jinja2 from ``writers/templates`` with autoescaping on, so no text
from a profile can add markup or script; a Content-Security-Policy forbids any
resource that is not inline (the page works offline and loads nothing). Several
plans make one document, each on its own page. A review adds the pain-score
chart, drawn here as inline SVG (no chart library: vector, crisp in print, and
nothing to install); an emergency sheet has no chart.

Without clinic settings the page has a "Clinic / Phone" line to fill in by hand;
with them, the clinic's phone number fills every ``{clinic_phone}`` in the
rule set's texts (see :func:`needleplan.writers.markdown.handout`). The
page prints its own footer (``@page`` margin boxes): the browser's headers and
footers are best turned off when printing.

The page's own words (the header, the name line, the chart's labels) are the rule
set's ``handout.*`` texts (:func:`~needleplan.writers.base.given_rules`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jinja2

from needleplan.results import Plan, Point, Review
from needleplan.wording import say
from needleplan.writers.base import Writer, broke_off
from needleplan.writers.markdown import (
    Part,
    Sheet,
    Words,
    clinic_info,
    emergency,
    handout,
    long_date,
    meaningful_line,
)

#: the chart's drawing box (SVG user units; it is scaled to the page's width)
CHART_WIDTH, CHART_HEIGHT = 640, 230
#: at most this many session numbers are written under the chart (the rest are thinned)
CHART_MAX_LABELS = 20
#: short sections are kept whole on one page; longer ones may break between items
KEEP_WHOLE_ITEMS, KEEP_WHOLE_CHARS = 5, 600


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("needleplan.writers", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["long_date"] = long_date
    return env


#: the templates' environment (jinja2 compiles each template once, when first used)
ENVIRONMENT = _environment()


def _label_steps(sessions: Sequence[int]) -> list[int]:
    """The session numbers written under the axis: all of them up to CHART_MAX_LABELS,
    else the first, the last and the round numbers between (every 2, 5, 10, 20, 25 or
    50 sessions), so labels never run together up to the log's limit."""
    if len(sessions) <= CHART_MAX_LABELS:
        return list(sessions)
    span = sessions[-1] - sessions[0]
    step = next((k for k in (2, 5, 10, 20, 25, 50, 100) if span / k <= CHART_MAX_LABELS), 200)
    first, last = sessions[0], sessions[-1]
    middle = [s for s in sessions if s % step == 0 and min(s - first, last - s) > step / 2]
    return [first, *middle, last]


def _n(value: float) -> str:
    """A coordinate, rounded (the same bytes every run)."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def chart_view(
    scores: Sequence[Point],
    baseline: float,
    target: int | None,
    words: Words,
    alt: str = "",
    no_target: str = "handout.chart.no_target",
) -> dict[str, Any]:
    """The chart's geometry: pain 0-10 up, sessions along, the start and target lines;
    its labels said by ``words`` (without a target, the text ``no_target`` says why)."""
    points = [(s.session, float(s.nrs)) for s in scores]
    sessions = sorted({p[0] for p in points}) or [1]
    left, right, top, bottom = 44.0, CHART_WIDTH - 14.0, 34.0, CHART_HEIGHT - 40.0
    low, high = sessions[0] - 0.5, sessions[-1] + 0.5

    def x(session: float) -> float:
        return left + (session - low) / (high - low) * (right - left)

    def y(nrs: float) -> float:
        return top + (10 - min(max(nrs, 0.0), 10.0)) / 10 * (bottom - top)

    n = len(points)
    radius = 4 if n <= 20 else 3 if n <= 60 else 0
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": left,
        "right": right,
        "top": top,
        "bottom": bottom,
        "alt": alt,
        "yticks": [{"y": _n(y(v)), "ly": _n(y(v) + 4), "label": v} for v in range(0, 11, 2)],
        "xticks": [{"x": _n(x(s)), "label": s} for s in _label_steps(sessions)],
        "baseline_y": _n(y(baseline)),
        "target_y": None if target is None else _n(y(target)),
        "points": " ".join(f"{_n(x(s))},{_n(y(v))}" for s, v in points),
        "dots": [{"x": _n(x(s)), "y": _n(y(v))} for s, v in points],
        "radius": radius,
        "legend": [
            {"x": left, "label": words("handout.chart.start", baseline=baseline)},
            {
                "x": left + 150,
                "label": words("handout.chart.target", score=target)
                if target is not None
                else words(no_target),
            },
            {"x": left + 390, "label": words("handout.chart.label")},
        ],
        "sessions": words("handout.chart.sessions"),
        "pain": words("handout.chart.pain"),
    }


def chart_svg(view: dict[str, Any]) -> str:
    """The chart (:func:`chart_view`) as inline SVG markup (every text escaped)."""
    return ENVIRONMENT.get_template("chart.svg.j2").render(c=view)


def chart_markup(review: Review, view: Sheet) -> str:
    """The review's chart, or "" on an emergency sheet."""
    scores = review.trajectory
    if emergency(review):
        return ""
    base = float(scores[0].nrs if review.baseline_nrs is None else review.baseline_nrs)
    alt = view.words("handout.chart.alt", summary=view.scores_summary)
    why_none = "handout.chart.gap" if broke_off(review) else "handout.chart.no_target"
    return chart_svg(chart_view(scores, base, meaningful_line(review), view.words, alt, why_none))


def keep_whole(section: Part) -> bool:
    """Whether a section is short enough to keep whole on one page."""
    items = section.items
    return (
        len(items) + len(section.schedule) <= KEEP_WHOLE_ITEMS
        and sum(len(i) for i in items) <= KEEP_WHOLE_CHARS
    )


class HtmlWriter(Writer):
    name = "html"
    extension = ".html"
    worded = True

    def _clinic(self) -> dict[str, str] | None:
        return clinic_info(self.options.get("clinic"))

    def begin(self, many: bool) -> str:
        clinic = self._clinic()
        if clinic and clinic.get("name"):
            title = say(self.rules, "handout.title_of", clinic=clinic["name"])
        else:
            title = say(self.rules, "handout.title")
        return ENVIRONMENT.get_template("begin.html.j2").render(doc_title=title)

    def item(self, plan: Plan | Review, many: bool) -> str:
        clinic = self._clinic()
        view = handout(plan, clinic, self.rules)
        return ENVIRONMENT.get_template("sheet.html.j2").render(
            view=view,
            clinic=clinic,
            chart=chart_markup(view.review, view) if view.review else "",
            emergency=emergency(plan),
            keep=keep_whole,
            words=view.words,
        )

    def end(self, many: bool) -> str:
        return "</body>\n</html>\n"
