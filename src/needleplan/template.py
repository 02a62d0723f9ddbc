"""``needleplan new``: a commented template profile that validates as it is."""

from __future__ import annotations

import textwrap

from .errors import UsageError, did_you_mean
from .rules import RuleSet


def _wrap(label: str, items: list[str]) -> str:
    body = textwrap.fill(
        ", ".join(items), width=76, initial_indent="#   ", subsequent_indent="#   "
    )
    return f"# {label}:\n{body}\n"


def template(rules: RuleSet, condition: str | None = None) -> str:
    if condition is not None:
        canonical = rules.resolve("condition", condition.strip().lower().replace(" ", "_"))
        if canonical is None:
            raise UsageError(
                f"unknown condition '{condition[:40]}'",
                hint=did_you_mean(condition, rules.names("condition"))
                or "run 'needleplan rules' to list them",
            )
        condition = canonical
    else:
        condition = "neck_pain" if "neck_pain" in rules.conditions else next(iter(rules.conditions))
    by_level: dict[str, list[str]] = {}
    for key, hf in rules.health_factors.items():
        by_level.setdefault(hf.level, []).append(key)
    parts = [
        "# needleplan condition profile. Check it with: needleplan validate FILE\n",
        "# Plan it with: needleplan suggest FILE\n",
        "# (needleplan informs a licensed clinician; it never diagnoses)\n",
        "# Unknown keys are errors. Remove the '#' to use an optional line.\n\n",
        "# Optional identifier (no names needed):\n",
        "patient: P-0001\n\n",
        _wrap("Required. One of", sorted(rules.conditions)),
        f"condition: {condition}\n\n",
        "# Optional free text, e.g. the muscle or side:\n",
        "# region: right upper trapezius\n\n",
        "# Required. Pain NRS 0-10 (a whole number), or mild | moderate | severe:\n",
        "severity: 6\n\n",
        "# Required. How long the pain has lasted: '10 days', '6 weeks', '4 months',\n",
        "# '2 years', or a bare number of weeks:\n",
        "duration: 8 weeks\n\n",
        "# Optional list. Each id is classified by the rule set:\n",
    ]
    for level, title in (
        ("red_flag", "red flags (refer, no needling)"),
        ("contraindication", "contraindications (do not needle)"),
        ("precaution", "precautions (needle with caution)"),
        ("prognostic", "prognostic (change the count or range)"),
    ):
        if by_level.get(level):
            parts.append(_wrap(title, sorted(by_level[level])))
    parts += [
        "health_factors: []\n\n",
        _wrap("Optional list. Underlying factors", sorted(rules.underlying_factors)),
        "underlying_factors: []\n\n",
        "# Optional. Age in years, 0-120:\n",
        "# age: 45\n\n",
        "# Optional. Response to needling before: good | partial | none | unknown\n",
        "previous_response: unknown\n\n",
        "# Optional. The most sessions a week the patient can attend (1-7):\n",
        "# sessions_per_week: 2\n\n",
        "# Optional. First session, YYYY-MM-DD (needed for schedules and --format ics):\n",
        "# start_date: 2026-12-01\n\n",
        "# Optional free text:\n",
        "# notes: \n",
    ]
    return "".join(parts)
