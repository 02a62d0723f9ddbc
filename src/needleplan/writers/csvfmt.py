"""``csv``: one row per plan, lists joined with ' | ' in one cell.

Cells that a spreadsheet would read as a formula (starting with ``=``, ``+``,
``-``, ``@``, tab or carriage return) are prefixed with ``'`` as OWASP advises.
"""

from __future__ import annotations

import csv
import io

from needleplan.plan import Plan
from needleplan.writers import Writer

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
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Defuse spreadsheet formula injection (OWASP CSV injection guidance)."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def row(plan: Plan) -> list[str]:
    schedule = plan.schedule or ()
    values: list[object] = [
        plan.source or "",
        plan.patient or "",
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
        schedule[0].date.isoformat() if schedule else "",
        schedule[-1].date.isoformat() if schedule else "",
        plan.rules.name,
        plan.rules.version,
        plan.rules.sha256,
    ]
    return [neutralise(str(v)) for v in values]


class CsvWriter(Writer):
    name = "csv"
    extension = ".csv"

    def _line(self, cells: list[str] | tuple[str, ...]) -> str:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerow(cells)
        return buf.getvalue()

    def begin(self, many: bool) -> str:
        return self._line(COLUMNS)

    def item(self, plan: Plan, many: bool) -> str:
        return self._line(row(plan))
