"""JSON Schemas (draft 2020-12) generated from the models.

``profile``: the profile model's schema; with a rule set, its ids (and
aliases) are listed as enums so that an editor can complete them and a
validator refuses unknown ones. ``rules``, ``plan`` and ``review`` come from
their dataclasses through pydantic.
"""

from __future__ import annotations

from typing import Any

from .rules import RuleSet

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def json_schema(kind: str, rules: RuleSet | None = None) -> dict[str, Any]:
    """The schema of ``profile``, ``rules``, ``plan`` or ``review``."""
    from pydantic import TypeAdapter

    if kind == "profile":
        schema = profile_schema(rules)
        title = "needleplan condition profile"
    elif kind == "rules":
        schema = TypeAdapter(RuleSet).json_schema()
        title = "needleplan rule set"
    elif kind in ("plan", "review"):
        from .results import Plan, Review

        model = Plan if kind == "plan" else Review
        schema = TypeAdapter(model).json_schema(mode="serialization")
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
    from .profile import (
        ID_SCHEMA,
        ConditionProfile,
        factor_item_schema,
        screening_questions,
        sites_schema,
    )

    schema = ConditionProfile.model_json_schema()
    props = schema["properties"]
    props["screening"] = _named_keys(props["screening"])
    if rules is None:
        return schema
    props["screening"]["anyOf"][0]["propertyNames"] = {"enum": sorted(screening_questions(rules))}
    props["condition"] = {**ID_SCHEMA, "enum": rules.names("condition")}
    props["sites"] = sites_schema(rules)
    factors = {
        "type": ["array", "null"],
        "items": factor_item_schema(rules),
        "maxItems": props["health_factors"].get("maxItems"),
        "uniqueItems": True,
    }
    props["health_factors"] = factors
    props["underlying_factors"] = {
        **props["underlying_factors"],
        "items": {"enum": rules.names("underlying_factor")},
    }
    entry = schema["$defs"]["LogEntry"]["properties"]
    entry["needled"] = {**entry["needled"], "items": {"enum": rules.names("site")}}
    entry["events"] = {**entry["events"], "items": {"enum": sorted(rules.review.events)}}
    entry["new_health_factors"] = factors
    entry["measure"] = {
        "type": ["object", "null"],
        "properties": {
            key: {"type": "number", "minimum": 0, "maximum": m.max}
            for key, m in rules.review.measures.items()
        },
        "additionalProperties": False,
    }
    return schema


def _named_keys(schema: dict[str, Any]) -> dict[str, Any]:
    """A mapping's key constraints as ``propertyNames`` (pydantic writes them as one
    ``patternProperties``, which leaves a key that misses the pattern unchecked)."""
    if "anyOf" in schema:
        return {**schema, "anyOf": [_named_keys(s) for s in schema["anyOf"]]}
    patterns = schema.get("patternProperties")
    if not patterns:
        return schema
    ((pattern, value),) = patterns.items()
    out = {k: v for k, v in schema.items() if k != "patternProperties"}
    out["propertyNames"] = {**schema.get("propertyNames", {}), "pattern": pattern}
    out["additionalProperties"] = value
    return out
