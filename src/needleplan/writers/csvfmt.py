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
from collections.abc import Callable

from needleplan.errors import inert
from needleplan.results import Plan, Review
from needleplan.writers.base import Writer

#: Each column and how a plan's cell is read; the column order is part of the contract
#: (see README).
PLAN_CELLS: dict[str, Callable[[Plan], object]] = {
    "source": lambda p: p.source,
    "patient": lambda p: p.patient,
    "condition": lambda p: p.condition,
    "decision": lambda p: p.decision,
    "sessions_suggested": lambda p: p.sessions.suggested,
    "sessions_low": lambda p: p.sessions.low,
    "sessions_high": lambda p: p.sessions.high,
    "per_week": lambda p: p.cadence.per_week,
    "weeks": lambda p: p.cadence.weeks,
    "reassess_after": lambda p: p.reassess_after,
    "severity_band": lambda p: p.bands.severity,
    "duration_band": lambda p: p.bands.duration,
    "flags": lambda p: " | ".join(f"{f.level}:{f.id}" for f in p.flags),
    "companions": lambda p: " | ".join(c.id for c in p.companions),
    "first_session": lambda p: p.schedule[0].date if p.schedule else "",
    "last_session": lambda p: p.schedule[-1].date if p.schedule else "",
    "rules_name": lambda p: p.rules.name,
    "rules_version": lambda p: p.rules.version,
    "rules_sha256": lambda p: p.rules.sha256,
    "urgency": lambda p: p.urgency,
    "initial_block": lambda p: p.course.initial_block,
    "ceiling": lambda p: p.course.ceiling,
    "avoid_sites": lambda p: " | ".join(s.id for s in p.sites if s.verdict == "avoid"),
}
#: A review's columns (``needleplan review --format csv``) and their cells.
REVIEW_CELLS: dict[str, Callable[[Review], object]] = {
    "source": lambda r: r.source,
    "patient": lambda r: r.patient,
    "condition": lambda r: r.condition,
    "verdict": lambda r: r.verdict,
    "urgency": lambda r: r.urgency,
    "sessions_done": lambda r: r.sessions_done,
    "baseline_nrs": lambda r: r.baseline_nrs,
    "latest_nrs": lambda r: r.latest_nrs,
    "change_points": lambda r: r.change.points if r.change else None,
    "change_percent": lambda r: r.change.percent if r.change else None,
    "meaningful": lambda r: r.change.meaningful if r.change else None,
    "worse": lambda r: r.change.worse if r.change else None,
    "next_sessions": lambda r: r.next.sessions,
    "avoid_sites": lambda r: " | ".join(r.next.avoid_sites),
    "progress_note_due": lambda r: r.progress_note_due,
    "rules_name": lambda r: r.rules.name,
    "rules_version": lambda r: r.rules.version,
    "rules_sha256": lambda r: r.rules.sha256,
}
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


class CsvWriter(Writer):
    name = "csv"
    extension = ".csv"

    def begin(self, many: bool) -> str:
        return ",".join(REVIEW_CELLS if self.options.get("review") else PLAN_CELLS) + "\r\n"

    def item(self, plan: Plan | Review, many: bool) -> str:
        if isinstance(plan, Review):
            return ",".join(cell(read(plan)) for read in REVIEW_CELLS.values()) + "\r\n"
        return ",".join(cell(read(plan)) for read in PLAN_CELLS.values()) + "\r\n"
