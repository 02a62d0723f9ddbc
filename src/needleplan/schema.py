"""JSON Schemas (draft 2020-12) generated from the models."""

from __future__ import annotations

import typing
from types import GenericAlias, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from .rules import RuleSet, is_named_tuple

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
        schema = _as_model(RuleSet, {}, forbid_extra=True).model_json_schema()
        title = "needleplan rule set"
    elif kind == "plan":
        from .plan import Plan

        schema = _as_model(Plan, {}).model_json_schema(mode="serialization")
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


def _as_model(tp: Any, made: dict[Any, Any], *, forbid_extra: bool = False) -> Any:
    """A pydantic model mirroring a named tuple, for its JSON Schema (objects, not arrays).

    Rule-set entries and plan parts are named tuples; their annotations (with
    any constraints) are carried over, ``made`` keeps one model per tuple.
    """
    if tp in made:
        return made[tp]
    from pydantic import ConfigDict, create_model

    hints = typing.get_type_hints(tp, include_extras=True)
    fields: dict[str, Any] = {}
    for name in tp._fields:
        default = tp._field_defaults.get(name, None if name in _OPTIONAL else ...)
        fields[name] = (_convert(hints[name], made, forbid_extra), default)
    doc = (tp.__doc__ or "").split("\n\n")[0] or None
    if doc and doc.startswith(f"{tp.__name__}("):
        doc = None
    config = ConfigDict(extra="forbid") if forbid_extra else None
    model: Any = create_model(tp.__name__, __doc__=doc, __config__=config, **fields)
    made[tp] = model
    return model


def _convert(annotation: Any, made: dict[Any, Any], forbid_extra: bool) -> Any:
    origin, args = get_origin(annotation), get_args(annotation)
    if is_named_tuple(annotation):
        return _as_model(annotation, made, forbid_extra=forbid_extra)
    if origin is Annotated:
        return Annotated[(_convert(args[0], made, forbid_extra), *annotation.__metadata__)]
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return list[_convert(args[0], made, forbid_extra)]  # type: ignore[misc]
    if origin is list:
        return list[_convert(args[0], made, forbid_extra)]  # type: ignore[misc]
    if origin is dict:
        return GenericAlias(dict, (args[0], _convert(args[1], made, forbid_extra)))
    if origin in (Union, UnionType):
        return Union[tuple(_convert(a, made, forbid_extra) for a in args)]  # noqa: UP007
    return annotation
