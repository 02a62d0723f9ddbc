"""``markdown``: the patient's page as Markdown, with the same sections as ``html``.

Both handouts are built from one view (:func:`handout`) made from the ``Plan`` or
``Review`` itself: the title, lead and sections come from ``advice`` in order,
the dated schedule goes under ``your_sessions``, the disclaimer once at the end.
Every piece of text is made inert here (:func:`md_text`): a profile whose notes
hold ``#``, ``1.``, ``===``, ``<script>`` or ``[x](javascript:...)`` prints those
characters and never builds headings, lists, links or tags.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from needleplan.errors import inert
from needleplan.results import Plan, Review, ScheduledSession
from needleplan.writers.base import Writer

PARENT_LINE = "This sheet is for the parent or guardian of the young person."
NAME_LINE = "Name: ______________________________"
#: Without clinic settings, a line to write the clinic's name and phone number on by hand.
CLINIC_LINE = "Clinic: ________________________  Phone: ________________"


def whose(result: Plan | Review) -> str:
    """Whose pain a review's page talks about: "your" (the patient's) or "your child's"."""
    return "your child's" if result.audience == "parent" else "your"


SCHEDULE_SECTION = "your_sessions"

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
#: characters escaped wherever they stand: they open emphasis, code, links, images,
#: raw HTML, entities, tables or strikethrough
_INLINE = "\\`*_[]<>&|~!#"
#: a block marker at the start of a line: list bullets, setext/heading/quote marks, "1." "1)"
_BLOCK_START = re.compile(r"([-+=:>]|\d{1,9}(?=[.)]))")
#: where GitHub-flavoured Markdown starts a link in plain text ("www.", "https://",
#: "a@b.example", "mailto:a@b.example"): escaped, so no link is made
_AUTOLINK = re.compile(r"(?<=www)\.|:(?=//)|@", re.IGNORECASE)


def clean(text: object) -> str:
    """One line of visible text: whitespace runs (newlines included) become one space,
    and control, escape and bidi characters are shown, not obeyed."""
    return inert(re.sub(r"\s+", " ", str(text)).strip())


def md_text(text: object) -> str:
    """Text that stays text in Markdown (CommonMark and GFM), on one line.

    Inline syntax is backslash-escaped everywhere, and so are the starts of GFM's
    autolinks (``www.``, ``://``, ``@``); a block marker at the start
    (``-``, ``+``, ``=``, ``>``, ``1.``) is escaped too, since the text may stand
    at the start of a line or of a list item.
    """
    text = clean(text)
    text = "".join("\\" + ch if ch in _INLINE else ch for ch in text)
    text = _AUTOLINK.sub(lambda m: "\\" + m.group(), text)
    m = _BLOCK_START.match(text)
    if m:
        end = m.end()
        text = text[:end] + "\\" + text[end:] if m.group(1)[0].isdigit() else "\\" + text
    return text


def long_date(d: dt.date) -> str:
    """``2026-12-01`` -> ``Tuesday 1 December 2026`` (English whatever the locale)."""
    return f"{_DAYS[d.weekday()]} {d.day} {_MONTHS[d.month - 1]} {d.year}"


def clinic_info(option: Any) -> dict[str, str] | None:
    """The clinic header from the ``clinic`` writer option (a mapping or an object
    with ``name``/``phone``/``address``; "" for one missing), or None for a neutral header."""
    if option is None:
        return None
    info = {
        k: clean((option.get(k) if isinstance(option, Mapping) else getattr(option, k, None)) or "")
        for k in ("name", "phone", "address")
    }
    return info if any(info.values()) else None


#: Where the rule set's patient texts put the clinic's phone number ("call the clinic on
#: {clinic_phone}"); a patient page fills it from the clinic's settings.
PHONE_PLACEHOLDER = "{clinic_phone}"
#: What fills it without a phone in the settings: the blank line at the top of the page.
NO_PHONE = "the number at the top of this sheet"


def _number(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def meaningful_line(review: Review, baseline: float) -> float:
    """The score at or below which the fall from ``baseline`` is meaningful: the review's
    ``mcid_line`` when it gives one, else a fall of 2 points or 30%, whichever comes first."""
    given = review.mcid_line
    return given if given is not None else round(baseline - min(2.0, 0.3 * baseline), 2)


def emergency(result: Plan | Review) -> bool:
    """Whether the page says "get emergency help now" (a review's: no chart, no progress)."""
    verdict = result.verdict if isinstance(result, Review) else None
    return verdict == "emergency" or result.urgency == "emergency"


def scores_summary(review: Review) -> str:
    """The pain scores in words: the chart's caption, and the Markdown handout's summary
    (a review's trajectory holds every logged session: never empty)."""
    points = review.trajectory
    last = points[-1]
    base = points[0].nrs if review.baseline_nrs is None else review.baseline_nrs
    words = [f"At the start {whose(review)} pain was {_number(base)} out of 10."]
    if len(points) > 1:
        words.append(f"At session {last.session} it was {_number(last.nrs)}.")
    if emergency(review):
        return " ".join(words)  # no "real improvement" under "get emergency help now"
    change = review.change
    if change is not None and change.worse:
        words.append(f"{whose(review).capitalize()} pain is worse than at the start.")
    elif change is not None and change.meaningful:
        words.append("That is a real improvement.")
    else:
        words.append("That is not yet a real change.")
    line = math.floor(meaningful_line(review, base))  # pain scores are whole numbers
    words.append(f"A real change means a score of {line} or lower.")
    return " ".join(words)


@dataclass(frozen=True)
class Part:
    """One section of the page: its heading and items cleaned, and under ``your_sessions``
    the dated sessions."""

    id: str
    heading: str
    items: tuple[str, ...]
    schedule: tuple[ScheduledSession, ...] = ()


@dataclass(frozen=True)
class Sheet:
    """The patient's page as the two handouts show it, every string cleaned (not yet
    escaped) and the clinic's phone filled in."""

    title: str
    lead: str
    ref: str
    parent: bool
    #: where to go: before everything else, the pain scores included
    first: tuple[Part, ...]
    sections: tuple[Part, ...]
    disclaimer: str
    #: a review's page adds the pain scores
    review: Review | None
    scores_heading: str
    scores_summary: str


def handout(result: Plan | Review, clinic: Mapping[str, str] | None) -> Sheet:
    """The patient's page from a plan or a review.

    Items are kept once across the page (the first time they appear) and the
    disclaimer only at the end, so a warning the advice repeats prints once.
    Wherever the texts say to call the clinic, the clinic's phone is filled in (or,
    without one, a pointer to the line left to fill in by hand).
    """
    phone = (clinic or {}).get("phone") or NO_PHONE

    def fill(text: str) -> str:
        return text.replace(PHONE_PLACEHOLDER, phone)

    advice = result.advice
    disclaimer = clean(result.disclaimer)
    seen = {disclaimer}
    sections = []
    for part in advice.sections:
        items = []
        for raw in part.items:
            item = clean(raw)
            if item and item not in seen:
                seen.add(item)
                items.append(fill(item))
        schedule: tuple[ScheduledSession, ...] = ()
        if part.id == SCHEDULE_SECTION and isinstance(result, Plan) and result.schedule:
            schedule = result.schedule
        if items or schedule:
            sections.append(Part(part.id, clean(part.heading), tuple(items), schedule))
    review = result if isinstance(result, Review) else None
    return Sheet(
        title=fill(clean(advice.title)),
        lead=fill(clean(advice.lead)),
        ref=clean(result.patient) if result.patient else "",
        parent=result.audience == "parent",
        first=tuple(x for x in sections if x.id == "where_to_go"),
        sections=tuple(x for x in sections if x.id != "where_to_go"),
        disclaimer=disclaimer,
        review=review,
        scores_heading=f"{whose(result).capitalize()} pain scores",
        scores_summary=scores_summary(review) if review else "",
    )


# -- the writer ---------------------------------------------------------------------------


def _scores_md(review: Review, view: Sheet) -> list[str]:
    out = [f"## {md_text(view.scores_heading)}", "", md_text(view.scores_summary), ""]
    for s in review.trajectory:
        when = md_text(long_date(s.date))
        out.append(f"- Session {s.session} ({when}): {_number(s.nrs)} out of 10")
    return [*out, ""]


def render_markdown(view: Sheet, clinic: Mapping[str, str] | None) -> str:
    out: list[str] = []
    if not clinic:
        out += [CLINIC_LINE, ""]
    if clinic:
        if clinic.get("name"):
            out += [f"**{md_text(clinic['name'])}**", ""]
        contact = [md_text(clinic[k]) for k in ("address", "phone") if clinic.get(k)]
        if contact:
            out += ["  \n".join(contact), ""]
    out += [f"# {md_text(view.title)}", "", NAME_LINE, ""]  # underscores after text: no emphasis
    if view.ref:
        out += [f"Ref: {md_text(view.ref)}", ""]
    if view.parent:
        out += [md_text(PARENT_LINE), ""]
    if view.lead:
        out += [md_text(view.lead), ""]
    for section in view.first:
        out += _section_md(section)
    if view.review:
        out += _scores_md(view.review, view)
    for section in view.sections:
        out += _section_md(section)
    if view.disclaimer:
        out += [md_text(view.disclaimer), ""]
    return "\n".join(out)


def _section_md(section: Part) -> list[str]:
    out = [f"## {md_text(section.heading)}", ""]
    out += [f"- {md_text(item)}" for item in section.items]
    if section.items:
        out.append("")
    for row in section.schedule:
        mark = " (check-in)" if row.reassess else ""
        out.append(f"- Session {row.session}: {md_text(long_date(row.date) + mark)}")
    if section.schedule:
        out.append("")
    return out


class MarkdownWriter(Writer):
    name = "markdown"
    extension = ".md"

    def separator(self, many: bool) -> str:
        return "\n---\n\n"

    def item(self, plan: Plan | Review, many: bool) -> str:
        clinic = clinic_info(self.options.get("clinic"))
        return render_markdown(handout(plan, clinic), clinic)
