"""``table``: the plan for a person at a terminal (Rich).

Decision and safety flags come first and are unmistakable. Text that came
from a profile (patient id, file name) is rendered as plain text, never as
markup, with control and escape characters made visible.
"""

from __future__ import annotations

import io

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from needleplan.errors import inert
from needleplan.plan import Plan
from needleplan.writers import Writer

DECISION_TEXT = {
    "refer": ("REFER: do not needle; refer for medical assessment", "bold white on red"),
    "do_not_needle": ("DO NOT NEEDLE: contraindication found", "bold white on red"),
    "needle_with_caution": (
        "NEEDLE WITH CAUTION: see the precautions below",
        "bold black on yellow",
    ),
    "needle": ("NEEDLE: no safety finding in this profile", "bold black on green"),
}
LEVEL_STYLE = {"red_flag": "bold red", "contraindication": "bold red", "precaution": "yellow"}
LEVEL_NAME = {
    "red_flag": "RED FLAG",
    "contraindication": "CONTRAINDICATION",
    "precaution": "PRECAUTION",
}


def _t(text: str, style: str = "") -> Text:
    return Text(inert(text), style=style)


def _grid(title: str | None = None, *, header: bool = False) -> Table:
    """A borderless, full-width table with a left-aligned title."""
    return Table(
        title=title,
        title_justify="left",
        box=None,
        expand=True,
        pad_edge=False,
        show_header=header,
        header_style="dim",
    )


class TableWriter(Writer):
    name = "table"
    extension = ".txt"

    def _console(self, buf: io.StringIO) -> Console:
        color = bool(self.options.get("color", False))
        return Console(
            file=buf,
            force_terminal=color,
            no_color=not color,
            markup=False,
            highlight=False,
            emoji=False,
            width=int(self.options.get("width") or 100),
            soft_wrap=False,
        )

    def separator(self, many: bool) -> str:
        return "\n"

    def item(self, plan: Plan, many: bool) -> str:
        buf = io.StringIO()
        self._console(buf).print(self.renderable(plan))
        return buf.getvalue()

    def renderable(self, plan: Plan) -> Panel:
        parts: list[object] = []
        text, style = DECISION_TEXT[plan.decision]
        parts.append(Text(f" {text} ", style=style))
        if plan.flags:
            flags = _grid()
            flags.add_column(no_wrap=True)
            flags.add_column(ratio=1)
            for f in plan.flags:
                flags.add_row(
                    _t(LEVEL_NAME[f.level], LEVEL_STYLE[f.level]),
                    Text.assemble(_t(f.label, "bold"), ": ", _t(f.message)),
                )
            parts += [Text(""), flags]
        parts.append(Text(""))
        s, c = plan.sessions, plan.cadence
        if s.suggested:
            dosing = Text.assemble(
                ("Sessions ", "bold"),
                f"{s.suggested} suggested (range {s.low}-{s.high})   ",
                ("Cadence ", "bold"),
                f"{c.per_week} a week for {c.weeks} weeks   ",
                ("Reassess ", "bold"),
                f"after session {plan.reassess_after}",
            )
        else:
            dosing = Text.assemble(("Sessions ", "bold"), "0: no needling course is suggested")
        parts.append(dosing)
        if plan.schedule:
            dates = ", ".join(
                f"{x.session}: {x.date.isoformat()}" + (" (reassess)" if x.reassess else "")
                for x in plan.schedule
            )
            parts.append(Text.assemble(("Schedule ", "bold"), dates))
        if plan.companions:
            comp = _grid("Companion therapies")
            comp.add_column(no_wrap=True, style="bold")
            comp.add_column(ratio=1)
            for x in plan.companions:
                comp.add_row(_t(x.label), _t(x.reason))
            parts += [Text(""), comp]
        expect = _grid("What to expect")
        expect.add_column(no_wrap=True)
        expect.add_column(ratio=1)
        for e in plan.expectations:
            expect.add_row("-", _t(e))
        parts += [Text(""), expect]
        if plan.rationale:
            why = _grid("Why these numbers", header=True)
            why.add_column("rule", no_wrap=True, style="cyan")
            why.add_column("change", no_wrap=True)
            why.add_column("reason and source", ratio=1)
            for r in plan.rationale:
                why.add_row(
                    _t(r.rule), _t(r.change), Text.assemble(_t(r.reason), "\n", _t(r.source, "dim"))
                )
            parts += [Text(""), why]
        parts += [
            Text(""),
            _t(plan.disclaimer, "italic"),
            _t(
                f"rules: {plan.rules.name} v{plan.rules.version} (sha256 {plan.rules.sha256[:12]})",
                "dim",
            ),
        ]
        title = " · ".join(x for x in (plan.patient, plan.condition_label, plan.source) if x)
        return Panel(Group(*parts), title=_t(title, "bold"), title_align="left")  # type: ignore[arg-type]
