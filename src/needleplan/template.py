"""``needleplan new``: a commented template profile that validates as it is."""

from __future__ import annotations

import textwrap
from functools import partial
from typing import get_args

from pydantic_core import PydanticCustomError

from .errors import UsageError
from .profile import resolve_id
from .rules import RuleSet
from .screening import questions_for
from .vocab import (
    AGE_RANGE,
    GROC_RANGE,
    NRS_RANGE,
    PLACES,
    RESPONSES,
    SESSIONS_PER_WEEK_RANGE,
    SEVERITY_WORDS,
    SIDES,
    START_BACK_PSYCHOSOCIAL,
    START_BACK_TOTAL,
    Level,
)
from .wording import say


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


def _comment(rules: RuleSet, key: str, **values: object) -> str:
    """The text ``template.<key>`` as comment lines."""
    return "".join(f"# {line}\n" for line in say(rules, f"template.{key}", **values).splitlines())


def _screening(rules: RuleSet, condition: str) -> list[str]:
    """The condition's red-flag questions, unanswered: each a commented key and its question."""
    asked = questions_for(rules, condition)
    if not asked or rules.screening is None:
        return []
    parts = [_comment(rules, "screening"), "screening:\n"]
    for qid in asked:
        ask = textwrap.fill(
            rules.screening.questions[qid].ask,
            width=76,
            initial_indent="#       ",
            subsequent_indent="#       ",
            break_on_hyphens=False,
        )
        parts.append(f"#   {qid}:\n{ask}\n")
    return [*parts, "\n"]


def template(rules: RuleSet, condition: str | None = None) -> str:
    """The template profile for ``condition`` (default: neck pain, else the first
    condition): its comments are the rule set's ``template.*`` texts."""
    if condition is not None:
        condition = resolve_condition(rules, condition)
    else:
        condition = "neck_pain" if "neck_pain" in rules.conditions else next(iter(rules.conditions))

    comment = partial(_comment, rules)

    def listed(key: str, items: list[str], **values: object) -> str:
        return _wrap(say(rules, f"template.{key}", **values), items)

    by_level: dict[str, list[str]] = {}
    for key, hf in rules.health_factors.items():
        by_level.setdefault(hf.level, []).append(key)
    place_tied = sorted(k for k, hf in rules.health_factors.items() if hf.place)
    parts = [
        comment("intro") + "\n" + comment("patient") + "patient: P-0001\n\n",
        listed("condition", sorted(rules.conditions)) + f"condition: {condition}\n\n",
        comment("sites", sides=" | ".join(SIDES)) + listed("sites_list", sorted(rules.sites)),
        "# sites:\n#   upper_trapezius: right\n#   levator_scapulae: right\n\n",
        comment("region") + "# region: right upper trapezius\n\n",
        comment("severity", nrs=_span(NRS_RANGE), words=" | ".join(SEVERITY_WORDS)),
        "severity: 6\n\n" + comment("duration") + "duration: 8 weeks\n\n",
        comment("health_factors", tied=", ".join(place_tied)),
        _wrap("  " + say(rules, "template.places"), list(PLACES)) + comment("pregnancy"),
        *(
            listed("level", sorted(by_level[level]), **_level(rules, level))
            for level in get_args(Level)
            if by_level.get(level)
        ),
        "health_factors: []\n\n",
        listed("underlying", sorted(rules.underlying_factors)) + "underlying_factors: []\n\n",
        *_screening(rules, condition),
        comment("age", ages=_span(AGE_RANGE)) + "# age: 45\n\n",
        comment("previous_response", responses=" | ".join(RESPONSES)),
        "previous_response: unknown\n\n",
        comment(
            "start_back", total=_span(START_BACK_TOTAL), psychosocial=_span(START_BACK_PSYCHOSOCIAL)
        ),
        "# start_back: {total: 5, psychosocial: 4}\n\n",
        comment("sessions_per_week", n=_span(SESSIONS_PER_WEEK_RANGE))
        + "# sessions_per_week: 2\n\n",
        comment("start_date") + "# start_date: 2026-12-01\n\n",
        comment("notes") + "# notes: \n\n",
        comment("log") + "# log:\n#   - date: 2026-12-01\n",
        "#     nrs: 6            # " + say(rules, "template.log_nrs", nrs=_span(NRS_RANGE)) + "\n",
        "#     groc: 2           # "
        + say(rules, "template.log_groc", low=GROC_RANGE[0], high=GROC_RANGE[1])
        + "\n",
        "#     events: []        # "
        + say(rules, "template.log_events", events=", ".join(sorted(rules.review.events)))
        + "\n",
    ]
    return "".join(parts)


def _level(rules: RuleSet, level: str) -> dict[str, object]:
    return {part: say(rules, f"level.{level}.{part}") for part in ("name", "effect")}
