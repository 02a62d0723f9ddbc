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

Rendered from ``plan.to_dict()`` only.
"""

from __future__ import annotations

import re
from typing import Any

from needleplan.errors import inert
from needleplan.results import Plan
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
    """One CSV cell: inert, neutralised, and quoted when it holds anything a reader could
    split on.

    Numbers are written as they are (a negative number is no formula); text has its
    control and format characters shown as escapes (a terminal that prints the file obeys
    none) and is neutralised.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = neutralise(inert("" if value is None else str(value)))
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def row(data: dict[str, Any]) -> list[str]:
    """The cells of one plan, from its ``to_dict()``."""
    schedule = data.get("schedule") or []
    sessions, cadence, bands, rules = (
        data["sessions"],
        data["cadence"],
        data["bands"],
        data["rules"],
    )
    values: list[object] = [
        data.get("source"),
        data.get("patient"),
        data["condition"],
        data["decision"],
        sessions["suggested"],
        sessions["low"],
        sessions["high"],
        cadence["per_week"],
        cadence["weeks"],
        data["reassess_after"],
        bands["severity"],
        bands["duration"],
        " | ".join(f"{f['level']}:{f['id']}" for f in data["flags"]),
        " | ".join(c["id"] for c in data["companions"]),
        schedule[0]["date"] if schedule else "",
        schedule[-1]["date"] if schedule else "",
        rules["name"],
        rules["version"],
        rules["sha256"],
        data["urgency"],
        data["course"]["initial_block"],
        data["course"]["ceiling"],
        " | ".join(s["id"] for s in data["sites"] if s["verdict"] == "avoid"),
    ]
    return [cell(v) for v in values]


def review_row(data: dict[str, Any]) -> list[str]:
    """The cells of one review, from its ``to_dict()``."""
    change = data.get("change") or {}
    nxt, rules = data["next"], data["rules"]
    values: list[object] = [
        data.get("source"),
        data.get("patient"),
        data["condition"],
        data["verdict"],
        data["urgency"],
        data["sessions_done"],
        data["baseline_nrs"],
        data["latest_nrs"],
        change.get("points"),
        change.get("percent"),
        change.get("meaningful"),
        change.get("worse"),
        nxt["sessions"],
        " | ".join(nxt["avoid_sites"]),
        data["progress_note_due"],
        rules["name"],
        rules["version"],
        rules["sha256"],
    ]
    return [cell(v) for v in values]


class CsvWriter(Writer):
    name = "csv"
    extension = ".csv"

    def begin(self, many: bool) -> str:
        return ",".join(REVIEW_COLUMNS if self.options.get("review") else COLUMNS) + "\r\n"

    def item(self, plan: Plan, many: bool) -> str:
        data = plan.to_dict()
        return ",".join(review_row(data) if "verdict" in data else row(data)) + "\r\n"
