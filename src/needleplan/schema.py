"""JSON Schemas (draft 2020-12) generated from the models."""

from __future__ import annotations

import typing
from types import UnionType
from typing import Any, Union, get_args, get_origin

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
        from .plan import Plan

        schema = _as_model(Plan).model_json_schema(mode="serialization")
        title = "needleplan plan"
    else:  # pragma: no cover - the CLI offers only the three
        raise ValueError(f"unknown schema kind {kind!r}")
    return {
        "$schema": DRAFT,
        "$id": f"https://needleplan.invalid/schema/{kind}.json",
        **schema,
        "title": title,
    }


#: Plan fields that ``Plan.to_dict`` leaves out when empty.
_OPTIONAL = {"schedule"}


def _as_model(tp: Any) -> Any:
    """A pydantic model mirroring a plan named tuple, for its JSON Schema (objects, not arrays)."""
    from pydantic import create_model

    fields: dict[str, Any] = {}
    for name, annotation in typing.get_type_hints(tp).items():
        default = tp._field_defaults.get(name, None if name in _OPTIONAL else ...)
        fields[name] = (_convert(annotation), default)
    doc = None if (tp.__doc__ or "").startswith(f"{tp.__name__}(") else tp.__doc__
    model: Any = create_model(tp.__name__, __doc__=doc, **fields)
    return model


def _convert(annotation: Any) -> Any:
    origin, args = get_origin(annotation), get_args(annotation)
    if (
        isinstance(annotation, type)
        and issubclass(annotation, tuple)
        and hasattr(annotation, "_fields")
    ):
        return _as_model(annotation)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return list[_convert(args[0])]  # type: ignore[misc]
    if origin in (Union, UnionType):
        return Union[tuple(_convert(a) for a in args)]  # noqa: UP007
    return annotation
