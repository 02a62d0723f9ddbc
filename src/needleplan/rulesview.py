"""``needleplan rules``: the rule set as a readable table or a YAML export."""

from __future__ import annotations

import io

import yaml

from .errors import inert
from .rules import RuleSet, to_data


def rules_yaml(rules: RuleSet) -> str:
    """A YAML export that loads back unchanged with ``--rules``."""
    header = (
        f"# needleplan rule set '{rules.name}' version {rules.version}, exported by "
        "'needleplan rules --format yaml'.\n# Edit and use with --rules FILE. Every number "
        "needs sources.\n"
    )
    return header + yaml.safe_dump(to_data(rules), sort_keys=False, allow_unicode=True, width=100)


def rules_table(rules: RuleSet, color: bool = False) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buf = io.StringIO()
    console = Console(
        file=buf, force_terminal=color, no_color=not color, markup=False, highlight=False, width=120
    )
    console.print(
        Text(inert(f"{rules.name} v{rules.version} (sha256 {rules.sha256[:12]})"), style="bold")
    )
    cond = Table(title="Conditions", title_justify="left")
    for col in ("id", "label", "base", "evidence", "per week", "companions"):
        cond.add_column(col)
    for key, c in rules.conditions.items():
        s = c.sessions
        cond.add_row(
            key,
            inert(c.label),
            f"{s.suggested} ({s.low}-{s.high})",
            f"{c.evidence_min}-{c.evidence_max}",
            str(c.per_week),
            ", ".join(c.companions),
        )
    console.print(cond)
    hf = Table(title="Health factors", title_justify="left")
    for col in ("id", "level", "change", "aliases"):
        hf.add_column(col)
    for key, f in rules.health_factors.items():
        hf.add_row(key, f.level, f.adjust.describe() if f.adjust else "", ", ".join(f.aliases))
    console.print(hf)
    uf = Table(title="Underlying factors", title_justify="left")
    for col in ("id", "change", "companions"):
        uf.add_column(col)
    for key, u in rules.underlying_factors.items():
        uf.add_row(key, u.adjust.describe() if u.adjust else "", ", ".join(u.companions))
    console.print(uf)
    sev, dur = rules.severity, rules.duration
    console.print(
        Text(
            f"Severity bands: mild 0-{sev.mild_max}, "
            f"moderate {sev.mild_max + 1}-{sev.moderate_max}, "
            f"severe {sev.moderate_max + 1}-10.  Duration bands: acute < {dur.acute_below_weeks:g} "
            f"weeks, chronic > {dur.chronic_above_weeks:g} weeks.  Cadence: at most "
            f"{rules.cadence.max_per_week} a week, {rules.cadence.min_hours_between} h apart."
        )
    )
    return buf.getvalue()
