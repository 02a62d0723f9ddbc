"""``markdown``: the patient's page as Markdown, with the same sections as ``html``.

Both handouts are built from one view (:func:`handout`) made from the ``Plan`` or
``Review`` itself: the title, lead and sections come from ``advice`` in order,
the dated schedule goes under ``your_sessions``, the disclaimer once at the end.
Every piece of text is made inert here (:func:`md_text`): a profile whose notes
hold ``#``, ``1.``, ``===``, ``<script>`` or ``[x](javascript:...)`` prints those
characters and never builds headings, lists, links or tags.

The page's own words (the name line, the parent's line, the pain-score sentences)
are the rule set's ``handout.*`` texts (:func:`~needleplan.writers.base.given_rules`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from needleplan.errors import inert
from needleplan.results import Plan, Review, ScheduledSession
from needleplan.rules import RuleSet
from needleplan.vocab import Audience
from needleplan.wording import say
from needleplan.writers.base import Writer, broke_off

#: A text of the rule set as the page's reader reads it: ``words(id, **values)``.
Words = Callable[..., str]


def words_for(rules: RuleSet, audience: Audience) -> Words:
    """``say`` for one reader: the rule set's texts, the parent's version for a parent."""

    def words(key: str, /, **values: object) -> str:
        return say(rules, key, audience, **values)

    return words


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
    info = {
        k: clean((option.get(k) if isinstance(option, Mapping) else getattr(option, k, None)) or "")
        for k in ("name", "phone", "address")
    }
    return info if any(info.values()) else None


#: Where the rule set's patient texts put the clinic's phone number ("call the clinic on
#: {clinic_phone}"); a patient page fills it from the clinic's settings (without a phone,
#: with the ``handout.no_phone`` text: the blank line at the top of the page).
PHONE_PLACEHOLDER = "{clinic_phone}"


def _number(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def meaningful_line(review: Review) -> int | None:
    """The whole score at or below which the fall is meaningful (the review's
    ``mcid_line``; pain scores are whole numbers, so 4.2 is said and drawn as 4), or
    None at a low baseline, where the pain score cannot show a meaningful change."""
    given = review.mcid_line
    return None if given is None else math.floor(given)


def emergency(result: Plan | Review) -> bool:
    """Whether the page says "get emergency help now" (a review's: no chart, no progress)."""
    verdict = result.verdict if isinstance(result, Review) else None
    return verdict == "emergency" or result.urgency == "emergency"


def scores_summary(review: Review, words: Words) -> str:
    """The pain scores in words: the chart's caption, and the Markdown handout's summary
    (a review's trajectory holds every logged session: never empty)."""
    points = review.trajectory
    last = points[-1]
    base = points[0].nrs if review.baseline_nrs is None else review.baseline_nrs
    said = [words("handout.scores.start", baseline=_number(base))]
    if len(points) > 1:
        said.append(words("handout.scores.latest", session=last.session, nrs=_number(last.nrs)))
    if emergency(review):
        return " ".join(said)  # no "real improvement" under "get emergency help now"
    if broke_off(review):  # no change is judged across a long break
        return " ".join([*said, words("handout.scores.gap")])
    change = review.change
    line = meaningful_line(review)
    if review.hold or review.urgency != "none":
        # a referral or a hold for a check (a possible collapsed lung): no judgement of
        # the change, no target; only that a low start cannot show a real change
        return " ".join([*said, *([words("handout.scores.no_target")] if line is None else [])])
    if change is not None and change.worse:
        said.append(words("handout.scores.worse"))
    elif change is not None and change.meaningful:
        said.append(words("handout.scores.improved"))
    elif line is not None:
        said.append(words("handout.scores.not_yet"))
    if line is None:  # a low start: no score would show a real change
        said.append(words("handout.scores.no_target"))
    else:
        said.append(words("handout.scores.target", score=line))
    return " ".join(said)


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
    escaped) and the clinic's phone filled in; ``words`` says the page's own texts."""

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
    scores_summary: str
    words: Words


#: The sections a page starts with, in a box that prints: what to do now, where to go.
FIRST_SECTIONS = ("do_now", "where_to_go")


def handout(result: Plan | Review, clinic: Mapping[str, str] | None, rules: RuleSet) -> Sheet:
    """The patient's page from a plan or a review.

    Items are kept once across the page (the first time they appear) and the
    disclaimer only at the end, so a warning the advice repeats prints once. What to
    do now and where to go come first (a printed box); a lead that only repeats what
    to do now (an emergency's "call now") is not said twice.
    Wherever the texts say to call the clinic, the clinic's phone is filled in (or,
    without one, a pointer to the line left to fill in by hand).
    """
    words = words_for(rules, result.audience)
    phone = (clinic or {}).get("phone") or words("handout.no_phone")

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
    lead = fill(clean(advice.lead))
    if any(lead in x.items for x in sections if x.id == "do_now"):
        lead = ""
    return Sheet(
        title=fill(clean(advice.title)),
        lead=lead,
        ref=clean(result.patient) if result.patient else "",
        parent=result.audience == "parent",
        first=tuple(x for x in sections if x.id in FIRST_SECTIONS),
        sections=tuple(x for x in sections if x.id not in FIRST_SECTIONS),
        disclaimer=disclaimer,
        review=review,
        scores_summary=scores_summary(review, words) if review else "",
        words=words,
    )


# -- the writer ---------------------------------------------------------------------------


def _scores_md(review: Review, view: Sheet) -> list[str]:
    heading = view.words("handout.scores.heading")
    out = [f"## {md_text(heading)}", "", md_text(view.scores_summary), ""]
    for s in review.trajectory:
        when, nrs = long_date(s.date), _number(s.nrs)
        row = view.words("handout.scores.session", session=s.session, date=when, nrs=nrs)
        out.append(f"- {md_text(row)}")
    return [*out, ""]


def render_markdown(view: Sheet, clinic: Mapping[str, str] | None) -> str:
    words = view.words
    out: list[str] = []
    if not clinic:  # a line to write the clinic's name and phone number on by hand
        out += [f"{words('handout.clinic_blank')}  {words('handout.phone_blank')}", ""]
    else:
        if clinic.get("name"):
            out += [f"**{md_text(clinic['name'])}**", ""]
        contact = [md_text(clinic[k]) for k in ("address", "phone") if clinic.get(k)]
        if contact:
            out += ["  \n".join(contact), ""]
    # underscores after text: no emphasis
    out += [f"# {md_text(view.title)}", "", words("handout.name_line"), ""]
    if view.ref:
        out += [words("handout.ref", ref=md_text(view.ref)), ""]
    if view.parent:
        out += [md_text(words("handout.for_parent")), ""]
    if view.lead:
        out += [md_text(view.lead), ""]
    for section in view.first:
        out += _section_md(section, words)
    if view.review:
        out += _scores_md(view.review, view)
    for section in view.sections:
        out += _section_md(section, words)
    if view.disclaimer:
        out += [md_text(view.disclaimer), ""]
    return "\n".join(out)


def _section_md(section: Part, words: Words) -> list[str]:
    out = [f"## {md_text(section.heading)}", ""]
    out += [f"- {md_text(item)}" for item in section.items]
    if section.items:
        out.append("")
    for row in section.schedule:
        line = "handout.schedule.row_check_in" if row.reassess else "handout.schedule.row"
        out.append(f"- {md_text(words(line, session=row.session, date=long_date(row.date)))}")
    if section.schedule:
        out.append("")
    return out


class MarkdownWriter(Writer):
    name = "markdown"
    extension = ".md"
    worded = True

    def separator(self, many: bool) -> str:
        return "\n---\n\n"

    def item(self, plan: Plan | Review, many: bool) -> str:
        clinic = clinic_info(self.options.get("clinic"))
        return render_markdown(handout(plan, clinic, self.rules), clinic)
