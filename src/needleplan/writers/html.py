"""``html``: the patient's page, printable on one or two A4/Letter pages.

Rendered with Jinja2 from ``writers/templates`` with autoescaping on, so no text
from a profile can add markup or script; a Content-Security-Policy forbids any
resource that is not inline (the page works offline and loads nothing). Several
plans make one document, each on its own page. A review adds the pain-score
chart, drawn by matplotlib as an inline PNG.
"""

from __future__ import annotations

import base64
import functools
import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from needleplan.writers.base import Writer
from needleplan.writers.markdown import (
    NAME_LINE,
    PARENT_LINE,
    HasDict,
    clinic_info,
    handout,
    meaningful_line,
    to_data,
    whose,
)

if TYPE_CHECKING:
    import jinja2
    from matplotlib.figure import Figure

#: chart size in inches and its resolution: fixed, so the same log gives the same bytes
CHART_SIZE = (6.4, 2.6)
CHART_DPI = 150


@functools.cache
def environment() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("needleplan.writers", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def chart_figure(
    scores: Sequence[Mapping[str, Any]], baseline: float, target: float, label: str = "Your pain"
) -> Figure:
    """The NRS over the sessions, with the baseline and the meaningful-change line."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    points = [(int(s["session"]), float(s["nrs"])) for s in scores if s.get("nrs") is not None]
    fig = Figure(figsize=CHART_SIZE, dpi=CHART_DPI)
    ax = fig.add_subplot()
    sessions = [p[0] for p in points]
    ax.axhline(
        baseline, color="#555555", linestyle="--", linewidth=1.2, label=f"Start: {baseline:g}"
    )
    ax.axhline(
        target,
        color="#1a7f37",
        linestyle=":",
        linewidth=1.8,
        label=f"Real change: {target:g} or lower",
    )
    ax.plot(
        sessions,
        [p[1] for p in points],
        color="#0b3d91",
        marker="o",
        linewidth=2,
        label=label,
    )
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False, fontsize=9)
    ax.set_ylim(0, 10)
    ax.set_yticks(range(0, 11, 2))
    ax.set_xlim(min(sessions, default=1) - 0.5, max(sessions, default=1) + 0.5)
    ax.set_xticks(sorted(set(sessions)))
    ax.set_xlabel("Session")
    ax.set_ylabel("Pain (0-10)")
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


def chart_png(
    scores: Sequence[Mapping[str, Any]], baseline: float, target: float, label: str = "Your pain"
) -> bytes:
    """:func:`chart_figure` as PNG bytes (no 'Software' tag: the same bytes every run)."""
    buf = io.BytesIO()
    chart_figure(scores, baseline, target, label).savefig(
        buf, format="png", metadata={"Software": None}
    )
    return buf.getvalue()


def chart_uri(data: Mapping[str, Any], scores: Sequence[Mapping[str, Any]]) -> str:
    """A ``data:`` URI for the chart, or "" when no score was recorded."""
    recorded = [s for s in scores if s.get("nrs") is not None]
    if not recorded:
        return ""
    baseline = data.get("baseline_nrs")
    base = float(recorded[0]["nrs"] if baseline is None else baseline)
    label = f"{whose(data).capitalize()} pain"
    png = chart_png(recorded, base, meaningful_line(data, base), label)
    return "data:image/png;base64," + base64.b64encode(png).decode()


class HtmlWriter(Writer):
    name = "html"
    extension = ".html"

    def _clinic(self) -> dict[str, str] | None:
        return clinic_info(self.options.get("clinic"))

    def begin(self, many: bool) -> str:
        clinic = self._clinic()
        title = f"{clinic['name']}: patient handout" if clinic and clinic.get("name") else ""
        return (
            environment().get_template("begin.html.j2").render(doc_title=title or "Patient handout")
        )

    def item(self, plan: HasDict, many: bool) -> str:
        data = to_data(plan)
        view = handout(data)
        return (
            environment()
            .get_template("sheet.html.j2")
            .render(
                view=view,
                clinic=self._clinic(),
                chart=chart_uri(data, view["scores"]) if view["review"] else "",
                name_line=NAME_LINE,
                parent_line=PARENT_LINE,
                scores_heading=view["scores_heading"],
            )
        )

    def end(self, many: bool) -> str:
        return "</body>\n</html>\n"
