"""``needleplan new``: a commented template profile that validates as it is."""

from __future__ import annotations

import textwrap

from pydantic_core import PydanticCustomError

from .errors import UsageError
from .profile import resolve_id
from .rules import RuleSet
from .screening import questions_for
from .vocab import (
    AGE_RANGE,
    GROC_RANGE,
    LEVEL_MEANING,
    NRS_RANGE,
    PLACES,
    RESPONSES,
    SESSIONS_PER_WEEK_RANGE,
    SEVERITY_WORDS,
    SIDES,
    START_BACK_PSYCHOSOCIAL,
    START_BACK_TOTAL,
)


def _span(bounds: tuple[int, int]) -> str:
    return f"{bounds[0]}-{bounds[1]}"


def _wrap(label: str, items: list[str]) -> str:
    body = textwrap.fill(
        ", ".join(items), width=76, initial_indent="#   ", subsequent_indent="#   "
    )
    return f"# {label}:\n{body}\n"


def resolve_condition(rules: RuleSet, condition: str) -> str:
    """The condition id for ``condition``, accepted exactly as a profile accepts it."""
    try:
        return resolve_id(rules, "condition", condition)
    except PydanticCustomError as exc:
        ctx = exc.context or {}
        hint = ctx.get("hint")
        raise UsageError(exc.message(), hint=str(hint) if hint else None) from None


def _screening(rules: RuleSet, condition: str) -> list[str]:
    """The condition's red-flag questions, unanswered: each a commented key and its question."""
    asked = questions_for(rules, condition)
    if not asked or rules.screening is None:
        return []
    parts = [
        "# The red-flag screen, asked before any needling. Answer each question yes or no\n",
        "# (yes: the red flag is present; no: asked, and absent) by removing its '#'.\n",
        "# Until every question is answered the plan is CHECK FIRST and books no session.\n",
        "# The sites you list may add questions: 'needleplan validate' names them.\n",
        "screening:\n",
    ]
    for qid in asked:
        parts.append(f"#   {qid}:\n")
        ask = rules.screening.questions[qid].ask
        parts.append(
            textwrap.fill(
                ask,
                width=76,
                initial_indent="#       ",
                subsequent_indent="#       ",
                break_on_hyphens=False,
            )
        )
        parts.append("\n")
    parts.append("\n")
    return parts


def template(rules: RuleSet, condition: str | None = None) -> str:
    if condition is not None:
        condition = resolve_condition(rules, condition)
    else:
        condition = "neck_pain" if "neck_pain" in rules.conditions else next(iter(rules.conditions))
    by_level: dict[str, list[str]] = {}
    for key, hf in rules.health_factors.items():
        by_level.setdefault(hf.level, []).append(key)
    place_tied = sorted(k for k, hf in rules.health_factors.items() if hf.place)
    parts = [
        "# needleplan condition profile. Check it with: needleplan validate FILE\n",
        "# Plan it with: needleplan suggest FILE\n",
        "# (needleplan informs a licensed clinician; it never diagnoses)\n",
        "# Unknown keys are errors. Remove the '#' to use an optional line.\n\n",
        "# Optional identifier (no names needed):\n",
        "patient: P-0001\n\n",
        _wrap("Required. One of", sorted(rules.conditions)),
        f"condition: {condition}\n\n",
        "# Where you plan to needle: site ids, each with its side (" + " | ".join(SIDES) + ").\n",
        "# Without sites, needleplan cannot check lung fields, deep sites or a factor's place.\n",
        _wrap("Sites", sorted(rules.sites)),
        "# sites:\n#   upper_trapezius: right\n#   levator_scapulae: right\n\n",
        "# Optional free text for the record (never used for safety):\n",
        "# region: right upper trapezius\n\n",
        f"# Required. Pain NRS {_span(NRS_RANGE)} (a whole number), or "
        f"{' | '.join(SEVERITY_WORDS)}:\n",
        "severity: 6\n\n",
        "# Required. How long the pain has lasted: '10 days', '6 weeks', '4 months',\n",
        "# '2 years', or a bare number of weeks:\n",
        "duration: 8 weeks\n\n",
        "# Optional list. Each id is classified by the rule set.\n",
        "# Tied to a place (" + ", ".join(place_tied) + "): write '- lymphoedema: left_arm'\n",
        _wrap("  places", list(PLACES)),
        "# Pregnancy says how far along: '- pregnancy: 10 weeks'.\n",
    ]
    for level, (name, effect) in LEVEL_MEANING.items():
        if by_level.get(level):
            parts.append(_wrap(f"{name} ({effect})", sorted(by_level[level])))
    parts += [
        "health_factors: []\n\n",
        _wrap("Optional list. Underlying factors", sorted(rules.underlying_factors)),
        "underlying_factors: []\n\n",
        *_screening(rules, condition),
        f"# Optional. Age in years, {_span(AGE_RANGE)}:\n",
        "# age: 45\n\n",
        f"# Optional. Response to needling before: {' | '.join(RESPONSES)}\n",
        "previous_response: unknown\n\n",
        f"# Optional. STarT Back scores (total {_span(START_BACK_TOTAL)}, psychosocial "
        f"{_span(START_BACK_PSYCHOSOCIAL)}), for low back pain:\n",
        "# start_back: {total: 5, psychosocial: 4}\n\n",
        "# Optional. The most sessions a week the patient can attend "
        f"({_span(SESSIONS_PER_WEEK_RANGE)}):\n",
        "# sessions_per_week: 2\n\n",
        "# Optional. First session, YYYY-MM-DD (needed for schedules and --format ics):\n",
        "# start_date: 2026-12-01\n\n",
        "# Optional free text (red-flag words here prompt a warning, never a decision):\n",
        "# notes: \n\n",
        "# Optional. One entry per session, oldest first, for 'needleplan review':\n",
        "# log:\n",
        "#   - date: 2026-12-01\n",
        f"#     nrs: 6            # pain {_span(NRS_RANGE)} at this session\n",
        "#     groc: 2           # optional global rating of change, "
        f"{GROC_RANGE[0]}..+{GROC_RANGE[1]}\n",
        "#     events: []        # optional: " + ", ".join(sorted(rules.review.events)) + "\n",
    ]
    return "".join(parts)
