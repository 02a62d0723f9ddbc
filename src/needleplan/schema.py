"""JSON Schemas (draft 2020-12) generated from the models."""

from __future__ import annotations

from typing import Any

from .rules import RuleSet

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def json_schema(kind: str, rules: RuleSet | None = None) -> dict[str, Any]:
    """The schema of ``profile``, ``rules`` or ``plan``.

    For profiles, the ids of ``rules`` (with their aliases) are listed as
    enums, so an editor can complete them and a validator rejects unknown ones.
    """
    if kind == "profile":
        from .profile import ConditionProfile

        schema = ConditionProfile.model_json_schema()
        if rules is not None:
            props = schema["properties"]
            props["condition"] = {**props["condition"], "enum": rules.names("condition")}
            for key, kind_name in (
                ("health_factors", "health_factor"),
                ("underlying_factors", "underlying_factor"),
            ):
                props[key] = {
                    **props[key],
                    "items": {"enum": rules.names(kind_name)},
                    "uniqueItems": True,
                }
        title = "needleplan condition profile"
    elif kind == "rules":
        schema = RuleSet.model_json_schema()
        title = "needleplan rule set"
    elif kind == "plan":
        from pydantic import TypeAdapter

        from .plan import Plan

        schema = TypeAdapter(Plan).json_schema(mode="serialization")
        title = "needleplan plan"
    else:  # pragma: no cover - the CLI offers only the three
        raise ValueError(f"unknown schema kind {kind!r}")
    return {
        "$schema": DRAFT,
        "$id": f"https://needleplan.invalid/schema/{kind}.json",
        **schema,
        "title": title,
    }
