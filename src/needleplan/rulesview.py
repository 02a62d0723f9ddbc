"""``needleplan rules``: the rule set as a readable summary, or a YAML export.

The summary fits the terminal's width (60 columns and up): conditions with
their initial block, sessions a week and ceiling; health factors by level;
underlying factors; sites with their risks; site rules. Ids and numbers sit
in columns; a label that does not fit beside them goes, whole, on the next
line. ``needleplan explain ID`` shows any one entry in full.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Sequence
from typing import get_args

import yaml

from .errors import inert
from .rules import RuleSet
from .textfit import cell_len, fit, glue, wrap
from .vocab import Level
from .wording import either, say, say_if

MIN_WIDTH = 60


def rules_yaml(rules: RuleSet) -> str:
    """A YAML export that loads back unchanged with ``--rules``."""
    header = say(rules, "rules_view.export", name=rules.name, version=rules.version)
    header = "".join(f"# {line}\n" for line in header.splitlines())
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
    """A summary of ``rules`` fitted to ``width`` (default: the terminal's, at least 60), in
    the words of its ``rules_view.*`` texts."""
    if width is None:
        width = shutil.get_terminal_size((80, 24)).columns
    out = _Out(max(width, MIN_WIDTH), color)

    def words(key: str, **values: object) -> str:  # the text ``rules_view.<key>``
        return say(rules, f"rules_view.{key}", **values)

    def table(
        heading: str, columns: str, rows: Sequence[Sequence[str]], prose: bool = False
    ) -> None:
        """A heading, then a table whose columns are named by ``rules_view.column.<id>``
        ("-": a column without a name)."""
        out.heading(heading)
        names = [words(f"column.{c}") if c != "-" else "" for c in columns.split()]
        out.table(names, rows, prose=prose)

    def risk(key: str) -> str:  # its short name, where the rule set gives one
        return say_if(rules, f"rules_view.risk.{key}") or key

    def any_of(items: Iterable[str]) -> str:
        return either(rules, "rules_view.or", items)

    def step(n: int) -> str:
        return f"{n:+d}" if n else "0"

    out.heading(
        inert(words("title", name=rules.name, version=rules.version, sha=rules.sha256[:12]))
    )
    factors = rules.health_factors
    counts = {"conditions": len(rules.conditions), "health_factors": len(factors)}
    out.para(words("counts", **counts, sites=len(rules.sites)))
    table(
        words("heading.conditions"),
        "id block per_week ceiling label",
        [
            (
                k,
                f"{c.initial_block.low}-{c.initial_block.high}",
                str(c.per_week),
                str(rules.ceiling(k)),
                inert(c.label),
            )
            for k, c in rules.conditions.items()
        ],
    )
    extra = {  # a health factor's column, by its level
        "red_flag": lambda f: rules.terms.urgencies[f.urgency].summary_word,
        "prognostic": lambda f: step(f.prognostic_step),
    }
    at_place = words("at_place")
    for level in get_args(Level):
        rows = [
            (k, extra[level](f) if level in extra else at_place if f.place else "", inert(f.label))
            for k, f in factors.items()
            if f.level == level
        ]
        if rows:
            heading = words(f"heading.level.{level}", effect=say(rules, f"level.{level}.effect"))
            table(heading, f"id {level if level in extra else '-'} label", rows)
    if rules.underlying_factors:
        table(
            words("heading.underlying"),
            "id step label",
            [
                (k, step(u.prognostic_step), inert(u.label))
                for k, u in rules.underlying_factors.items()
            ],
        )
    table(
        words("heading.site_risks"),
        "short id label",
        [(risk(k), k, inert(r.label)) for k, r in rules.site_risks.items()],
    )
    table(
        words("heading.sites"),
        "id part risks label",
        [
            (k, s.body_part.replace("_", "/"), ", ".join(map(risk, s.risks)) or "-", inert(s.label))
            for k, s in rules.sites.items()
        ],
    )
    rules_rows = []
    for r in rules.site_rules:
        when = (
            [any_of(words("when.risk", risk=x) for x in (r.risk, *r.risks_also))] if r.risk else []
        )
        if r.factors_any:
            when.append(words("when.with", factors=any_of(r.factors_any)))
        if r.in_place_of:
            when.append(words("when.at_place", factor=r.in_place_of))
        verdict = rules.terms.sites[r.verdict].summary_word
        rules_rows.append((r.id, verdict, "; ".join(when) or words("when.always")))
    table(words("heading.site_rules"), "id verdict when", rules_rows, prose=True)

    sev, dur, rev = rules.severity, rules.duration, rules.review
    out.heading(words("heading.bands"))
    out.para(
        words(
            "bands",
            mild_max=sev.mild_max,
            moderate_min=sev.mild_max + 1,
            moderate_max=sev.moderate_max,
            severe_min=sev.moderate_max + 1,
            acute_below=dur.acute_below_weeks,
            chronic_above=dur.chronic_above_weeks,
            per_week=rules.cadence.max_per_week,
            hours=rules.cadence.min_hours_between,
            points=rev.nrs_points,
            percent=rev.nrs_percent,
            every=rules.course.progress_note_every,
        )
    )
    return out.text()
