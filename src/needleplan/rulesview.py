"""``needleplan rules``: the rule set as a readable summary, or a YAML export.

The summary fits the terminal's width (60 columns and up): conditions with
their initial block, sessions a week and ceiling; health factors by level;
underlying factors; sites with their risks; site rules. Ids and numbers sit
in columns; a label that does not fit beside them goes, whole, on the next
line. ``needleplan explain ID`` shows any one entry in full.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence

import yaml

from .errors import inert
from .rules import RuleSet
from .textfit import cell_len, fit, glue, wrap
from .vocab import LEVEL_MEANING, spoken

MIN_WIDTH = 60
LEVEL_HEADINGS = {
    level: f"{name.capitalize()}: {effect}"
    + {"red_flag": " (urgency)", "prognostic": " (step)"}.get(level, "")
    for level, (name, effect) in LEVEL_MEANING.items()
}


#: Short names for the anatomy table's risks (a rule set's own risks show their ids).
RISK_SHORT = {
    "lung_field": "lung",
    "pressure_impossible": "no pressure",
    "abdomen_lumbosacral": "abdomen",
    "near_vessel_nerve": "vessel/nerve",
}


def _risk(key: str) -> str:
    return RISK_SHORT.get(key, key)


def rules_yaml(rules: RuleSet) -> str:
    """A YAML export that loads back unchanged with ``--rules``."""
    header = (
        f"# needleplan rule set '{rules.name}' version {rules.version}, exported by "
        "'needleplan rules --format yaml'.\n# Edit and use with --rules FILE. Every number "
        "needs sources.\n"
    )
    return header + yaml.safe_dump(rules.to_data(), sort_keys=False, allow_unicode=True, width=100)


class _Out:
    def __init__(self, width: int, color: bool) -> None:
        self.width = width
        self.color = color
        self.lines: list[str] = []

    def heading(self, text: str) -> None:
        if self.lines:
            self.lines.append("")
        text = fit(text, self.width)
        self.lines.append(f"\x1b[1m{text}\x1b[0m" if self.color else text)

    def para(self, text: str) -> None:
        self.lines += wrap(text, self.width, indent=2)

    def table(
        self, head: Sequence[str], rows: Sequence[Sequence[str]], *, prose: bool = False
    ) -> None:
        """Columns for ids and numbers, then a last cell beside them.

        The last cell is a label (never broken: when one does not fit, every
        row of the table puts its label whole on a line of its own, above its
        id and numbers) or, with ``prose``, text wrapped under its column.
        """
        if not rows:
            return
        fixed = len(head) - 1
        widths = [max(cell_len(r[i]) for r in [head, *rows]) for i in range(fixed)]
        indent = 2
        left_w = indent + sum(widths) + 2 * (fixed - 1)
        room = self.width - left_w - 2

        def left(cells: Sequence[str], pad: int = indent) -> str:
            return " " * pad + "  ".join(
                c + " " * (w - cell_len(c)) for c, w in zip(cells[:fixed], widths, strict=True)
            )

        dim = (lambda x: f"\x1b[2m{x}\x1b[0m") if self.color else (lambda x: x)
        overflow = sum(cell_len(r[fixed]) > room for r in rows)
        beside = prose or overflow <= max(2, len(rows) // 5)
        if beside and room >= 16 and left_w <= self.width:
            self.lines.append(dim(f"{left(head)}  {head[fixed]}".rstrip()))
            for r in rows:
                if prose:
                    body = wrap(r[fixed], self.width, indent=left_w + 2, first=room)
                    self.lines += [f"{left(r)}  {body[0]}".rstrip(), *body[1:]]
                elif cell_len(r[fixed]) <= room:
                    self.lines.append(f"{left(r)}  {r[fixed]}".rstrip())
                else:  # a few long labels: each whole, on the line below its row
                    self.lines.append(left(r).rstrip())
                    self.lines.append(" " * (indent + 4) + fit(glue(r[fixed]), self.width - 6))
            return
        self.lines.append(dim(f"  {head[fixed]}"))
        self.lines.append(dim(left(head, indent + 4).rstrip()))
        for r in rows:
            self.lines.append("  " + fit(glue(r[fixed]), self.width - indent))
            below = left(r, indent + 4).rstrip()
            if cell_len(below) > self.width:  # very narrow: the cells wrapped at their gaps
                text = " · ".join(glue(c) for c in r[:fixed])
                below = "\n".join(wrap(text, self.width - indent - 4, indent=4))
                below = "\n".join(" " * (indent + 4) + x for x in below.splitlines())
            self.lines += below.splitlines()

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def rules_table(rules: RuleSet, color: bool = False, width: int | None = None) -> str:
    """A summary of ``rules`` fitted to ``width`` (default: the terminal's, at least 60)."""
    if width is None:
        width = shutil.get_terminal_size((80, 24)).columns
    out = _Out(max(width, MIN_WIDTH), color)
    out.heading(inert(f"Rule set {rules.name} v{rules.version} (sha256 {rules.sha256[:12]})"))
    out.para(
        f"{len(rules.conditions)} conditions, {len(rules.health_factors)} health factors, "
        f"{len(rules.sites)} sites. One entry in full, with its sources: needleplan explain ID."
    )

    out.heading("Conditions")
    out.table(
        ("id", "block", "/week", "ceiling", "label"),
        [
            (
                key,
                f"{c.initial_block.low}-{c.initial_block.high}",
                str(c.per_week),
                str(rules.ceiling(key)),
                inert(c.label),
            )
            for key, c in rules.conditions.items()
        ],
    )

    for level, heading in LEVEL_HEADINGS.items():
        rows = []
        for key, f in rules.health_factors.items():
            if f.level != level:
                continue
            if level == "red_flag":
                extra = spoken(f.urgency)
            elif level == "prognostic":
                extra = f"{f.prognostic_step:+d}" if f.prognostic_step else "0"
            else:
                extra = "at its place" if f.place else ""
            rows.append((key, extra, inert(f.label)))
        if rows:
            out.heading(f"Health factors — {heading}")
            column = {"red_flag": "urgency", "prognostic": "step"}.get(level, "")
            out.table(("id", column, "label"), rows)

    if rules.underlying_factors:
        out.heading("Underlying factors (step to the expected course)")
        out.table(
            ("id", "step", "label"),
            [
                (key, f"{u.prognostic_step:+d}" if u.prognostic_step else "0", inert(u.label))
                for key, u in rules.underlying_factors.items()
            ],
        )

    out.heading("Site risks")
    out.table(
        ("short", "id", "label"),
        [(_risk(k), k, inert(r.label)) for k, r in rules.site_risks.items()],
    )
    out.heading("Sites")
    out.table(
        ("id", "part", "risks", "label"),
        [
            (
                key,
                s.body_part.replace("_", "/"),
                ", ".join(map(_risk, s.risks)) or "-",
                inert(s.label),
            )
            for key, s in rules.sites.items()
        ],
    )
    out.heading("Site rules")
    rows = []
    for r in rules.site_rules:
        when = [" or ".join(f"risk {x}" for x in (r.risk, *r.risks_also))] if r.risk else []
        if r.factors_any:
            when.append("with " + " or ".join(r.factors_any))
        if r.in_place_of:
            when.append(f"at the place of {r.in_place_of}")
        rows.append((r.id, r.verdict, "; ".join(when) or "always"))
    out.table(("id", "verdict", "when"), rows, prose=True)

    sev, dur = rules.severity, rules.duration
    out.heading("Bands and cadence")
    out.para(
        f"Severity (NRS): mild 0-{sev.mild_max}, moderate {sev.mild_max + 1}-{sev.moderate_max}, "
        f"severe {sev.moderate_max + 1}-10. Duration: acute under {dur.acute_below_weeks:g} "
        f"weeks, chronic over {dur.chronic_above_weeks:g} weeks. Cadence: at most "
        f"{rules.cadence.max_per_week} a week, {rules.cadence.min_hours_between} h apart. "
        f"Review: a fall of {rules.review.nrs_points} points or {rules.review.nrs_percent:g}% "
        f"is meaningful; a progress note every {rules.course.progress_note_every} sessions."
    )
    return out.text()
