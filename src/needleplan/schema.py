"""JSON Schemas (draft 2020-12) generated from the models.

``profile``: the profile model's schema; with a rule set, its ids (and
aliases) are listed as enums so that an editor can complete them and a
validator refuses unknown ones. ``rules``, ``plan`` and ``review`` come from
their dataclasses through pydantic.
"""

from __future__ import annotations

import functools
import operator
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter

from .profile import PREGNANCY, ConditionProfile, Places, PregnancyWeeks, screening_questions
from .results import PLAN_ADAPTER, REVIEW_ADAPTER
from .rules import ADAPTER, RuleSet

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def json_schema(kind: str, rules: RuleSet | None = None) -> dict[str, Any]:
    """The schema of ``profile``, ``rules``, ``plan`` or ``review``."""
    if kind == "profile":
        schema = profile_schema(rules)
        title = "needleplan condition profile"
    elif kind == "rules":
        schema = ADAPTER.json_schema()
        title = "needleplan rule set"
    elif kind in ("plan", "review"):
        adapter = PLAN_ADAPTER if kind == "plan" else REVIEW_ADAPTER
        schema = adapter.json_schema(mode="serialization")
        title = f"needleplan {kind}"
    else:
        raise ValueError(f"unknown schema kind {kind!r}")
    return {
        "$schema": DRAFT,
        "$id": f"urn:needleplan:schema:{kind}",
        **schema,
        "title": title,
    }


def profile_schema(rules: RuleSet | None) -> dict[str, Any]:
    """The profile model's schema; with ``rules``, each id field takes the rule set's ids."""
    schema: dict[str, Any] = _named_keys(ConditionProfile.model_json_schema())
    if rules is None:
        return schema
    props = schema["properties"]
    entry = schema["$defs"]["LogEntry"]["properties"]
    _first(props["condition"])["enum"] = rules.names("condition")
    _first(props["sites"])["propertyNames"] = {"enum": rules.names("site")}
    _first(props["underlying_factors"])["items"] = {"enum": rules.names("underlying_factor")}
    _first(props["screening"])["propertyNames"] = {"enum": sorted(screening_questions(rules))}
    factor = _factor_item(rules)
    _first(props["health_factors"])["items"] = factor
    _first(entry["new_health_factors"])["items"] = factor
    _first(entry["needled"])["items"] = {"enum": rules.names("site")}
    _first(entry["events"])["items"] = {"enum": sorted(rules.review.events)}
    measure = _first(entry["measure"])
    measure.pop("propertyNames", None)
    measure.pop("additionalProperties", None)
    measure["properties"] = {
        key: {"type": "number", "minimum": 0, "maximum": m.max}
        for key, m in rules.review.measures.items()
    }
    measure["additionalProperties"] = False
    return schema


def _factor_item(rules: RuleSet) -> dict[str, Any]:
    """One health-factor item with ``rules``' ids: an id, or one pair of a factor tied to a
    place and its places, or pregnancy and its weeks (generated from those types)."""
    names = rules.names("health_factor")
    pregnancy = [n for n in names if rules.resolve("health_factor", n) == PREGNANCY]
    placed = [
        n for n in names if rules.health_factors[rules.resolve("health_factor", n) or n].place
    ]
    one: Any = Field(min_length=1, max_length=1)
    kinds: list[Any] = [Literal[tuple(names)]]
    if placed:
        kinds.append(Annotated[dict[Literal[tuple(placed)], Places], one])  # type: ignore[misc]
    if pregnancy:
        kinds.append(Annotated[dict[Literal[tuple(pregnancy)], PregnancyWeeks], one])  # type: ignore[misc]
    union = functools.reduce(operator.or_, kinds)  # one of the kinds
    item: dict[str, Any] = _named_keys(TypeAdapter(union).json_schema())
    return item


def _first(schema: dict[str, Any]) -> dict[str, Any]:
    """The non-null branch of an optional field's schema (the schema itself otherwise)."""
    branches: list[dict[str, Any]] = schema.get("anyOf", [])
    return next((b for b in branches if b.get("type") != "null"), schema)


def _named_keys(schema: Any) -> Any:
    """Every mapping's key constraints as ``propertyNames`` (pydantic writes a key pattern
    as ``patternProperties``, which would leave a key that misses the pattern unchecked)."""
    if isinstance(schema, list):
        return [_named_keys(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _named_keys(v) for k, v in schema.items()}
    patterns = out.pop("patternProperties", None)
    if patterns and len(patterns) == 1 and "additionalProperties" not in out:
        ((pattern, value),) = patterns.items()
        out["propertyNames"] = {**out.get("propertyNames", {}), "pattern": pattern}
        out["additionalProperties"] = value
    elif patterns:
        out["patternProperties"] = patterns
    return out
