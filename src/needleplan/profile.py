"""The condition profile a therapist writes, and its field parsing.

Ids (condition, health and underlying factors) are checked against the rule
set passed in the validation context (``context={"rules": rules}``); without
one only their spelling is checked.
"""

import datetime as dt
import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from .errors import did_you_mean, quote

if TYPE_CHECKING:
    from .rules import RuleSet

SEVERITY_WORDS = ("mild", "moderate", "severe")
PREVIOUS_RESPONSES = ("good", "partial", "none", "unknown")

WEEKS_PER_UNIT = {
    "day": 1 / 7,
    "week": 1.0,
    "month": 52.1775 / 12,
    "year": 52.1775,
}
_UNIT_ALIASES = {
    "d": "day",
    "day": "day",
    "days": "day",
    "w": "week",
    "wk": "week",
    "wks": "week",
    "week": "week",
    "weeks": "week",
    "m": "month",
    "mo": "month",
    "mos": "month",
    "month": "month",
    "months": "month",
    "y": "year",
    "yr": "year",
    "yrs": "year",
    "year": "year",
    "years": "year",
}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$")
DURATION_PATTERN = r"^\s*\d+(\.\d+)?\s*(d|days?|w|wks?|weeks?|m|mos?|months?|y|yrs?|years?)?\s*$"
#: The longest duration accepted (weeks): 100 years.
MAX_DURATION_WEEKS = 100 * 52.1775


def _not_bool(value: Any, what: str) -> None:
    if isinstance(value, bool):
        raise PydanticCustomError(
            "wrong_type",
            "{what} must be {expected}, not true/false",
            {"what": what, "expected": "a number"},
        )


def parse_severity(value: Any) -> int | str:
    """NRS 0-10 as a whole number, or one of mild | moderate | severe."""
    _not_bool(value, "severity")
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")) or not value.is_integer():
            raise PydanticCustomError(
                "severity",
                "severity must be a whole number from 0 to 10 (pain NRS) "
                "or mild, moderate or severe",
            )
        value = int(value)
    if isinstance(value, str):
        word = value.strip()
        if word in SEVERITY_WORDS:
            return word
        if word.isdigit():
            value = int(word)
        else:
            hint = did_you_mean(word, SEVERITY_WORDS)
            raise PydanticCustomError(
                "severity",
                "severity {value} is not a pain score: use a whole number from "
                "0 to 10 or mild, moderate or severe",
                {"value": quote(value), "hint": hint},
            )
    if isinstance(value, int):
        if not 0 <= value <= 10:
            raise PydanticCustomError(
                "severity",
                "severity {value} is out of range: pain NRS runs from 0 to 10",
                {"value": value},
            )
        return value
    raise PydanticCustomError(
        "severity", "severity must be a whole number from 0 to 10 or mild, moderate or severe"
    )


def parse_duration(value: Any) -> float:
    """How long the pain has lasted, in weeks ("10 days", "6 weeks", "4 months", 14)."""
    _not_bool(value, "duration")
    if isinstance(value, int | float):
        weeks = float(value)
    elif isinstance(value, str):
        m = _DURATION.match(value)
        unit = _UNIT_ALIASES.get(m.group(2).lower()) if m and m.group(2) else "week"
        if m is None or unit is None:
            raise PydanticCustomError(
                "duration",
                "duration {value} is not a length of time: write e.g. "
                "'10 days', '6 weeks', '4 months', '2 years' or a number of weeks",
                {"value": quote(value)},
            )
        weeks = float(m.group(1)) * WEEKS_PER_UNIT[unit]
    else:
        raise PydanticCustomError(
            "duration", "duration must be text such as '6 weeks' or a number of weeks"
        )
    if weeks != weeks or weeks < 0 or weeks > MAX_DURATION_WEEKS:
        raise PydanticCustomError("duration", "duration must be between 0 and 100 years")
    return round(weeks, 4)


def parse_whole(value: Any, info: ValidationInfo) -> Any:
    """Whole numbers only: 2.0 is 2, 2.5 and true are errors."""
    what = info.field_name or "value"
    _not_bool(value, what)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, float):
        raise PydanticCustomError("whole_number", "{what} must be a whole number", {"what": what})
    return value


def parse_date(value: Any) -> Any:
    """A calendar date written YYYY-MM-DD (a bare number is never a timestamp here)."""
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()) if len(value.strip()) == 10 else _bad_date()
        except ValueError:
            _bad_date()
    _bad_date()


def _bad_date() -> Any:
    raise PydanticCustomError(
        "date", "start_date must be a real date written YYYY-MM-DD, e.g. 2026-12-01"
    )


def parse_identifier(value: Any) -> Any:
    """Patient identifiers may be written as numbers (``patient: 42``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _suggest(rules: Any, kind: str, value: str) -> str | None:
    """'did you mean' naming the canonical id, even when the closest match is an alias."""
    import difflib

    names = rules.names(kind)
    value = re.sub(r"[\s\-]+", "_", value.strip().lower())
    if value in names:
        return f"did you mean '{rules.resolve(kind, value)}'?"
    close = difflib.get_close_matches(value, names, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{rules.resolve(kind, close[0])}'?"
    return did_you_mean(value, names)


def _checker(kind: str, label: str, listing: str) -> Any:
    def check(value: str, info: ValidationInfo) -> str:
        rules = info.context.get("rules") if info.context else None
        if rules is None:
            return value
        canonical = rules.resolve(kind, value)
        if canonical is None:
            hint = _suggest(rules, kind, value) or f"run '{listing}' to list them"
            raise PydanticCustomError(
                "unknown_id",
                "unknown {label} {value}",
                {"label": label, "value": quote(value), "hint": hint},
            )
        return str(canonical)

    return check


# Bounds, each written once: the model's fields and quick_profile both read them.
TEXT_LIMITS = {"patient": 64, "region": 200, "notes": 4000}
WHOLE_RANGES = {"age": (0, 120), "sessions_per_week": (1, 7)}
MAX_ID_LENGTH = 64
MAX_IDS = 50

# Ids are exact, so the JSON Schema agrees (surrounding blanks go: str_strip_whitespace).
IdText = Annotated[str, Field(min_length=1, max_length=MAX_ID_LENGTH)]
ConditionId = Annotated[
    IdText, AfterValidator(_checker("condition", "condition", "needleplan rules"))
]
HealthFactorId = Annotated[
    IdText, AfterValidator(_checker("health_factor", "health factor", "needleplan rules"))
]
UnderlyingFactorId = Annotated[
    IdText, AfterValidator(_checker("underlying_factor", "underlying factor", "needleplan rules"))
]

Severity = Annotated[
    Annotated[int, Field(ge=0, le=10)] | Literal["mild", "moderate", "severe"],
    BeforeValidator(parse_severity),
    WithJsonSchema(
        {
            "description": "Pain NRS 0-10 (a whole number), or mild | moderate | severe.",
            "anyOf": [
                {"type": "integer", "minimum": 0, "maximum": 10},
                {"type": "string", "pattern": "^\\s*(10|[0-9])\\s*$"},
                {"enum": list(SEVERITY_WORDS)},
            ],
        }
    ),
]
Weeks = Annotated[
    float,
    BeforeValidator(parse_duration),
    WithJsonSchema(
        {
            "description": "How long the pain has lasted: '10 days', '6 weeks', '4 months', "
            "'2 years', or a bare number of weeks.",
            "anyOf": [
                {"type": "string", "pattern": DURATION_PATTERN},
                {"type": "number", "minimum": 0, "maximum": MAX_DURATION_WEEKS},
            ],
        }
    ),
]


def _unique(values: list[str]) -> list[str]:
    seen: set[str] = set()
    for i, v in enumerate(values):
        if v in seen:
            raise PydanticCustomError(
                "duplicate_item",
                "{value} is listed twice (item {index})",
                {"value": quote(v), "index": i + 1},
            )
        seen.add(v)
    return values


class ConditionProfile(BaseModel):
    """A patient's condition profile. Unknown keys are errors, never ignored."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        hide_input_in_errors=True,
        str_strip_whitespace=True,
        json_schema_extra={"additionalProperties": False},
        # Built on first use: a plain profile never needs it (see quick_profile).
        defer_build=True,
    )

    patient: Annotated[
        Annotated[str, Field(max_length=TEXT_LIMITS["patient"])] | None,
        BeforeValidator(parse_identifier),
        WithJsonSchema(
            {"anyOf": [{"type": "string", "maxLength": 64}, {"type": "integer"}, {"type": "null"}]}
        ),
        Field(description="Optional identifier; no names needed."),
    ] = None
    condition: Annotated[ConditionId, Field(description="An id the rule set knows.")]
    region: Annotated[str, Field(max_length=TEXT_LIMITS["region"])] | None = None
    severity: Annotated[Severity, Field(description="Pain NRS 0-10, or mild | moderate | severe.")]
    duration: Annotated[Weeks, Field(description="How long the pain has lasted.")]
    health_factors: Annotated[
        list[HealthFactorId], AfterValidator(_unique), Field(max_length=MAX_IDS)
    ] = []
    underlying_factors: Annotated[
        list[UnderlyingFactorId], AfterValidator(_unique), Field(max_length=MAX_IDS)
    ] = []
    age: Annotated[
        Annotated[int, Field(ge=WHOLE_RANGES["age"][0], le=WHOLE_RANGES["age"][1])] | None,
        BeforeValidator(parse_whole),
    ] = None
    previous_response: Literal["good", "partial", "none", "unknown"] = "unknown"
    sessions_per_week: Annotated[
        Annotated[
            int,
            Field(ge=WHOLE_RANGES["sessions_per_week"][0], le=WHOLE_RANGES["sessions_per_week"][1]),
        ]
        | None,
        BeforeValidator(parse_whole),
        Field(description="The most the patient can attend."),
    ] = None
    start_date: Annotated[
        dt.date | None, BeforeValidator(parse_date), Field(description="First session, YYYY-MM-DD.")
    ] = None
    notes: Annotated[str, Field(max_length=TEXT_LIMITS["notes"])] | None = None


FIELDS: tuple[str, ...] = tuple(ConditionProfile.model_fields)
_REQUIRED = frozenset(("condition", "severity", "duration"))
_KNOWN = frozenset(FIELDS)
_ID_LISTS = {"health_factors": "health_factor", "underlying_factors": "underlying_factor"}


def _plain_text(value: Any, limit: int) -> bool:
    """Text the model would keep as it is: no surrounding blanks to strip, within ``limit``."""
    return (
        type(value) is str
        and len(value) <= limit
        and not value[:1].isspace()
        and not value[-1:].isspace()
    )


def _known_id(rules: "RuleSet", kind: str, value: Any) -> str | None:
    if not _plain_text(value, MAX_ID_LENGTH) or not value:
        return None
    canonical: str | None = rules.resolve(kind, value)
    return canonical


def quick_profile(data: dict[str, Any], rules: "RuleSet | None") -> ConditionProfile | None:
    """The profile the model would validate from ``data``, when that is plain to see; else None.

    A short cut for the usual profile (known keys, whole numbers in range, known
    ids, text without surrounding blanks): it builds the model without building
    its validator, which costs several milliseconds at every start. It uses the
    model's own field parsers and declines anything else (any error, any value
    that needs converting or stripping), so the model stays the one definition
    of a valid profile. ``tests/test_profile_quick.py`` holds it to the model's answer.
    """
    if rules is None or not _REQUIRED.issubset(data) or not _KNOWN.issuperset(data):
        return None
    values: dict[str, Any] = {}
    try:
        for key, value in data.items():
            if value is None and key not in _REQUIRED and key not in _ID_LISTS:
                if key == "previous_response":
                    return None
                values[key] = None
            elif key == "condition":
                canonical = _known_id(rules, "condition", value)
                if canonical is None:
                    return None
                values[key] = canonical
            elif key == "severity":
                if type(value) is not int and type(value) is not str:
                    return None
                values[key] = parse_severity(value)
            elif key == "duration":
                if type(value) is not int and type(value) is not float and type(value) is not str:
                    return None
                values[key] = parse_duration(value)
            elif key in TEXT_LIMITS:
                if key == "patient" and type(value) is int:
                    value = str(value)
                if not _plain_text(value, TEXT_LIMITS[key]):
                    return None
                values[key] = value
            elif key in _ID_LISTS:
                if type(value) is not list or len(value) > MAX_IDS:
                    return None
                ids = [_known_id(rules, _ID_LISTS[key], item) for item in value]
                if None in ids or len(set(ids)) != len(ids):
                    return None
                values[key] = ids
            elif key in WHOLE_RANGES:
                low, high = WHOLE_RANGES[key]
                if type(value) is not int or not low <= value <= high:
                    return None
                values[key] = value
            elif key == "previous_response":
                if value not in PREVIOUS_RESPONSES or type(value) is not str:
                    return None
                values[key] = value
            else:  # start_date
                if type(value) is not str:
                    return None
                values[key] = parse_date(value)
    except PydanticCustomError:
        return None  # the model reports it, with its position
    return ConditionProfile.model_construct(**values)
