"""``markdown``: the patient's page as Markdown, with the same sections as ``html``.

Both handouts are built from one view (:func:`handout`) made from the plan's (or
review's) ``to_dict()``: the title, lead and sections come from ``advice`` in
order, the dated schedule goes under ``your_sessions``, the disclaimer once at
the end. Every piece of text is made inert here (:func:`md_text`): a profile
whose notes hold ``#``, ``1.``, ``===``, ``<script>`` or ``[x](javascript:...)``
prints those characters and never builds headings, lists, links or tags.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any, Protocol

from needleplan.errors import inert
from needleplan.writers.base import Writer

PARENT_LINE = "This sheet is for the parent or guardian of the young person."
NAME_LINE = "Name: ______________________________"
#: Without clinic settings, a line to write the clinic's name and phone number on by hand.
CLINIC_LINE = "Clinic: ________________________  Phone: ________________"


def whose(data: Mapping[str, Any]) -> str:
    """Whose pain a review's page talks about: "your" (the patient's) or "your child's"."""
    return "your child's" if data.get("audience") == "parent" else "your"


def scores_heading(data: Mapping[str, Any]) -> str:
    return f"{whose(data).capitalize()} pain scores"


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


class HasDict(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


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


def long_date(iso: str) -> str:
    """``2026-12-01`` -> ``Tuesday 1 December 2026`` (English whatever the locale)."""
    d = dt.date.fromisoformat(iso)
    return f"{_DAYS[d.weekday()]} {d.day} {_MONTHS[d.month - 1]} {d.year}"


def to_data(obj: HasDict | Mapping[str, Any]) -> dict[str, Any]:
    return dict(obj) if isinstance(obj, Mapping) else obj.to_dict()


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


def fill_contact(view: dict[str, Any], clinic: Mapping[str, str] | None) -> dict[str, Any]:
    """A :func:`handout` view with the clinic's phone wherever its texts say to call
    the clinic (or, without one, a pointer to the line left to fill in by hand)."""
    phone = (clinic or {}).get("phone") or NO_PHONE

    def fill(text: str) -> str:
        return text.replace(PHONE_PLACEHOLDER, phone)

    for key in ("title", "lead"):
        view[key] = fill(view[key])
    for part in (*view["first"], *view["sections"]):
        part["items"] = [fill(item) for item in part["items"]]
    return view


def _number(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def meaningful_line(data: Mapping[str, Any], baseline: float) -> float:
    """The score at or below which the fall from ``baseline`` is meaningful: the review's
    ``mcid_line`` when it gives one, else a fall of 2 points or 30%, whichever comes first."""
    given = data.get("mcid_line")
    return float(given) if given is not None else round(baseline - min(2.0, 0.3 * baseline), 2)


def scores_summary(data: Mapping[str, Any]) -> str:
    """The pain scores in words: the chart's caption, and the Markdown handout's summary."""
    points = [t for t in data.get("trajectory") or [] if t.get("nrs") is not None]
    if not points:
        return "No pain scores were recorded yet."
    first, last = points[0], points[-1]
    baseline = data.get("baseline_nrs")
    base = first["nrs"] if baseline is None else baseline
    words = [f"At the start {whose(data)} pain was {_number(base)} out of 10."]
    if len(points) > 1:
        words.append(f"At session {last['session']} it was {_number(last['nrs'])}.")
    change = data.get("change") or {}
    if data.get("urgency") == "emergency" or data.get("verdict") == "emergency":
        return " ".join(words)  # no "real improvement" under "get emergency help now"
    if change.get("worse"):
        words.append(f"{whose(data).capitalize()} pain is worse than at the start.")
    elif change.get("meaningful"):
        words.append("That is a real improvement.")
    else:
        words.append("That is not yet a real change.")
    line = math.floor(meaningful_line(data, base))  # pain scores are whole numbers
    words.append(f"A real change means a score of {line} or lower.")
    return " ".join(words)


def handout(data: Mapping[str, Any]) -> dict[str, Any]:
    """The patient's page as plain values, every string cleaned (not yet escaped).

    Items are kept once across the page (the first time they appear) and the
    disclaimer only at the end, so a warning the advice repeats prints once.
    """
    advice = data["advice"]
    disclaimer = clean(advice.get("disclaimer") or data.get("disclaimer") or "")
    seen = {disclaimer}
    sections = []
    for part in advice.get("sections") or []:
        items = []
        for raw in part.get("items") or []:
            item = clean(raw)
            if item and item not in seen:
                seen.add(item)
                items.append(item)
        schedule = []
        if part.get("id") == SCHEDULE_SECTION:
            schedule = [
                {
                    "session": int(x["session"]),
                    "date": long_date(x["date"]),
                    "reassess": bool(x.get("reassess")),
                }
                for x in data.get("schedule") or []
            ]
        if items or schedule:
            heading = clean(part.get("heading", ""))
            sections.append(
                {"id": part.get("id"), "heading": heading, "items": items, "schedule": schedule}
            )
    review = "trajectory" in data
    # where to go comes before everything else, the pain scores included
    first = [x for x in sections if x["id"] == "where_to_go"]
    scores = [
        {
            "session": int(t["session"]),
            "date": long_date(t["date"]) if t.get("date") else "",
            "nrs": t.get("nrs"),
        }
        for t in data.get("trajectory") or []
    ]
    return {
        "review": review,
        "title": clean(advice.get("title") or "Your plan"),
        "lead": clean(advice.get("lead") or ""),
        "parent": data.get("audience") == "parent",
        "ref": clean(data["patient"]) if data.get("patient") else "",
        "first": first,
        "sections": [x for x in sections if x not in first],
        "scores": scores,
        "scores_summary": scores_summary(data) if review else "",
        "scores_heading": scores_heading(data),
        "disclaimer": disclaimer,
    }


# -- the writer ---------------------------------------------------------------------------


def _scores_md(view: Mapping[str, Any]) -> list[str]:
    out = [f"## {md_text(view['scores_heading'])}", "", md_text(view["scores_summary"]), ""]
    for s in view["scores"]:
        when = f" ({md_text(s['date'])})" if s["date"] else ""
        score = "not recorded" if s["nrs"] is None else f"{_number(s['nrs'])} out of 10"
        out.append(f"- Session {s['session']}{when}: {score}")
    return [*out, ""]


def render_markdown(view: Mapping[str, Any], clinic: Mapping[str, str] | None) -> str:
    out: list[str] = []
    if not clinic:
        out += [CLINIC_LINE, ""]
    if clinic:
        if clinic.get("name"):
            out += [f"**{md_text(clinic['name'])}**", ""]
        contact = [md_text(clinic[k]) for k in ("address", "phone") if clinic.get(k)]
        if contact:
            out += ["  \n".join(contact), ""]
    out += [f"# {md_text(view['title'])}", "", NAME_LINE, ""]  # underscores after text: no emphasis
    if view["ref"]:
        out += [f"Ref: {md_text(view['ref'])}", ""]
    if view["parent"]:
        out += [md_text(PARENT_LINE), ""]
    if view["lead"]:
        out += [md_text(view["lead"]), ""]
    for section in view["first"]:
        out += _section_md(section)
    if view["review"]:
        out += _scores_md(view)
    for section in view["sections"]:
        out += _section_md(section)
    if view["disclaimer"]:
        out += [md_text(view["disclaimer"]), ""]
    return "\n".join(out)


def _section_md(section: Mapping[str, Any]) -> list[str]:
    out = [f"## {md_text(section['heading'])}", ""]
    out += [f"- {md_text(item)}" for item in section["items"]]
    if section["items"]:
        out.append("")
    for row in section["schedule"]:
        mark = " (check-in)" if row["reassess"] else ""
        out.append(f"- Session {row['session']}: {md_text(row['date'] + mark)}")
    if section["schedule"]:
        out.append("")
    return out


class MarkdownWriter(Writer):
    name = "markdown"
    extension = ".md"

    def separator(self, many: bool) -> str:
        return "\n---\n\n"

    def item(self, plan: HasDict, many: bool) -> str:
        clinic = clinic_info(self.options.get("clinic"))
        return render_markdown(fill_contact(handout(to_data(plan)), clinic), clinic)
