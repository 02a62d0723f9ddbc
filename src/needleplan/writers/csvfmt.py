"""``csv``: one row per plan (or per review), lists joined with ' | ' in one cell.

Every cell is safe to open in a spreadsheet, whatever the locale's separator:

* a cell that a spreadsheet would read as a formula (starting, after any
  spaces, with ``=``, ``+``, ``-``, ``@``, tab or carriage return, or their
  full-width forms)
  gets a leading ``'``, as OWASP advises; so does any such character right
  after a ``,``, ``;`` or tab inside a cell (where a reader using that
  separator would start a field: ``a;=HYPERLINK(...)`` is written
  ``"a;'=HYPERLINK(...)"``);
* a cell's control and format characters (escapes, bidi controls, line and
  paragraph separators) are shown as escapes, as in every message;
* a cell holding ``,``, ``;``, a quote, a tab, a line break or a leading
  ``'`` is quoted (``"``, with quotes doubled), so neither comma nor
  semicolon locales split it and no line break starts a row.

Read from the typed ``Plan`` and ``Review``.
"""

from __future__ import annotations

import re

from needleplan.errors import inert
from needleplan.results import Plan, Review
from needleplan.writers.base import Writer

#: The column order is part of the contract (see README).
COLUMNS = (
    "source",
    "patient",
    "condition",
    "decision",
    "sessions_suggested",
    "sessions_low",
    "sessions_high",
    "per_week",
    "weeks",
    "reassess_after",
    "severity_band",
    "duration_band",
    "flags",
    "companions",
    "first_session",
    "last_session",
    "rules_name",
    "rules_version",
    "rules_sha256",
    "urgency",
    "initial_block",
    "ceiling",
    "avoid_sites",
)
#: A review's columns (``needleplan review --format csv``).
REVIEW_COLUMNS = (
    "source",
    "patient",
    "condition",
    "verdict",
    "urgency",
    "sessions_done",
    "baseline_nrs",
    "latest_nrs",
    "change_points",
    "change_percent",
    "meaningful",
    "worse",
    "next_sessions",
    "avoid_sites",
    "progress_note_due",
    "rules_name",
    "rules_version",
    "rules_sha256",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NEEDS_QUOTES = re.compile(r"[,;\"'\t\r\n\u0085\u2028\u2029]")


_FORMULA_AFTER_SEPARATOR = re.compile('([,;\t])(?=[ "]*[=+\\-@\uff1d\uff0b\uff0d\uff20])')


def neutralise(cell: str) -> str:
    """Defuse spreadsheet formula injection (OWASP CSV injection guidance), in any locale."""
    cell = _FORMULA_AFTER_SEPARATOR.sub(r"\1'", cell)
    return "'" + cell if cell.lstrip(" ").startswith(_FORMULA_START) else cell


def cell(value: object) -> str:
    """One CSV cell, as the module's docstring says (a number as it is: no formula)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = neutralise(inert("" if value is None else str(value)))
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def row(plan: Plan) -> list[str]:
    """The cells of one plan."""
    schedule = plan.schedule or ()
    values: list[object] = [
        plan.source,
        plan.patient,
        plan.condition,
        plan.decision,
        plan.sessions.suggested,
        plan.sessions.low,
        plan.sessions.high,
        plan.cadence.per_week,
        plan.cadence.weeks,
        plan.reassess_after,
        plan.bands.severity,
        plan.bands.duration,
        " | ".join(f"{f.level}:{f.id}" for f in plan.flags),
        " | ".join(c.id for c in plan.companions),
        schedule[0].date if schedule else "",
        schedule[-1].date if schedule else "",
        *_rules(plan),
        plan.urgency,
        plan.course.initial_block,
        plan.course.ceiling,
        " | ".join(s.id for s in plan.sites if s.verdict == "avoid"),
    ]
    return [cell(v) for v in values]


def review_row(review: Review) -> list[str]:
    """The cells of one review."""
    change = review.change
    values: list[object] = [
        review.source,
        review.patient,
        review.condition,
        review.verdict,
        review.urgency,
        review.sessions_done,
        review.baseline_nrs,
        review.latest_nrs,
        *(
            (change.points, change.percent, change.meaningful, change.worse)
            if change
            else (None,) * 4
        ),
        review.next.sessions,
        " | ".join(review.next.avoid_sites),
        review.progress_note_due,
        *_rules(review),
    ]
    return [cell(v) for v in values]


def _rules(result: Plan | Review) -> tuple[str, str, str]:
    """The rule set's name, version and hash."""
    return result.rules.name, result.rules.version, result.rules.sha256


class CsvWriter(Writer):
    name = "csv"
    extension = ".csv"

    def begin(self, many: bool) -> str:
        return ",".join(REVIEW_COLUMNS if self.options.get("review") else COLUMNS) + "\r\n"

    def item(self, plan: Plan | Review, many: bool) -> str:
        return ",".join(review_row(plan) if isinstance(plan, Review) else row(plan)) + "\r\n"
