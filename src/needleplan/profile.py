"""The condition profile a therapist writes: the one definition of a valid profile.

Every field has an ordinary pydantic type, and the profile's JSON Schema is
generated from the model (``needleplan schema profile``). A field written in
more than one way (a duration in words, a health factor tied to a place) has
a before-validator that turns what was written into the field's value and
declares, as a type, what it accepts; the schema is generated from that type.
A property test (``tests/core/test_schema_agreement.py``) holds needleplan and
the schema to the same answer on generated documents.

Ids (condition, sites, health and underlying factors, screening questions,
log events) are checked against the rule set passed in the validation
context (``context={"rules": rules, "today": date}``); without one only their
spelling is checked. ``today`` bounds the session log (:func:`future_session`).
"""

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .errors import HUMAN, did_you_mean, kind_of, quote
from .vocab import (
    AGE_RANGE,
    GROC_RANGE,
    ID_PATTERN,
    MAX_DURATION_NUMBER,
    MAX_ID_LENGTH,
    MAX_IDS,
    MAX_LOG,
    NRS_RANGE,
    PLACES,
    PREGNANCY_WEEKS_RANGE,
    SESSIONS_PER_WEEK_RANGE,
    SEVERITY_WORDS,
    SIDES,
    START_BACK_PSYCHOSOCIAL,
    START_BACK_TOTAL,
    TEXT_LIMITS,
    WEEKS_PER_UNIT,
    Place,
    Response,
    Side,
    one_of,
)

if TYPE_CHECKING:
    from .rules import RuleSet

# -- scalar parsers, each with the JSON Schema of exactly what it accepts ----------

_UNITS = {
    "day": ("d", "day", "days"),
    "week": ("w", "wk", "wks", "week", "weeks"),
    "month": ("m", "mo", "mos", "month", "months"),
    "year": ("y", "yr", "yrs", "year", "years"),
}
_UNIT_OF = {spelling: unit for unit, spellings in _UNITS.items() for spelling in spellings}
_UNIT_WORDS = sorted(
    {s for spellings in _UNITS.values() for s in spellings}
    | {s.capitalize() for spellings in _UNITS.values() for s in spellings if len(s) > 1},
    key=lambda s: (-len(s), s),
)
#: A duration in text: up to 4 ASCII digits (and 2 decimals), optional spaces, a unit.
DURATION_PATTERN = r"^([0-9]{1,4}(?:\.[0-9]{1,2})?)(?: *(" + "|".join(_UNIT_WORDS) + "))?$"
_DURATION = re.compile(DURATION_PATTERN)


def _any_whole(bounds: tuple[int, int]) -> str:
    """A pattern group for any whole number in ``bounds``, in ASCII digits (largest first)."""
    return "(" + "|".join(str(n) for n in range(bounds[1], bounds[0] - 1, -1)) + ")"


_WHOLE_TEXT = "^" + _any_whole(NRS_RANGE) + "$"
DATE_PATTERN = r"^(19[0-9]{2}|2[01][0-9]{2})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
_DATE = re.compile(DATE_PATTERN)
_PREGNANCY_PATTERN = "^" + _any_whole(PREGNANCY_WEEKS_RANGE) + "( *(weeks?|wks?|w))?$"
_PREGNANCY = re.compile(_PREGNANCY_PATTERN)


def _error(error_type: str, message: str, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError(error_type, message, {**ctx, HUMAN: True})


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _whole(value: Any, what: str, low: int, high: int) -> int:
    """A whole number in ``low..high`` (2.0 is 2; 2.5, true and text are errors)."""
    if isinstance(value, bool) or not _is_number(value):
        raise _error(
            "whole_number",
            "{what} must be a whole number from {low} to {high}, not {kind}",
            what=what,
            low=low,
            high=high,
            kind=kind_of(value),
        )
    if isinstance(value, float):
        if not value.is_integer():
            raise _error(
                "whole_number",
                "{what} must be a whole number, not {value}",
                what=what,
                value=quote(value),
            )
        value = int(value)
    if not low <= value <= high:
        raise _error(
            "out_of_range",
            "{what} {value} is out of range: use {low} to {high}",
            what=what,
            value=value,
            low=low,
            high=high,
        )
    return int(value)


def parse_severity(value: Any) -> int | str:
    """Pain NRS 0-10 as a whole number (or its digits as text), or mild | moderate | severe."""
    if isinstance(value, str):
        if value in SEVERITY_WORDS:
            return value
        if re.fullmatch(_WHOLE_TEXT, value):
            return int(value)
        hint = did_you_mean(value, SEVERITY_WORDS) if not value.strip().isdigit() else None
        if value.strip().isascii() and value.strip().isdigit():
            hint = "write the number alone, without spaces or leading zeros"
        raise _error(
            "severity",
            "severity {value} is not a pain score: use a whole number from 0 to 10 "
            "or mild, moderate or severe",
            value=quote(value),
            hint=hint or "ASCII digits only, e.g. severity: 6",
        )
    return _whole(value, "severity", *NRS_RANGE)


def parse_duration(value: Any) -> float:
    """How long the pain has lasted, in weeks ("10 days", "6 weeks", "4 months", 14)."""
    if isinstance(value, str):
        m = _DURATION.match(value)
        if m is None:
            raise _error(
                "duration",
                "duration {value} is not a length of time: write e.g. '10 days', "
                "'6 weeks', '4 months', '2 years' or a number of weeks",
                value=quote(value),
            )
        number = float(m.group(1))
        unit = _UNIT_OF[m.group(2).lower()] if m.group(2) else "week"
        return round(number * WEEKS_PER_UNIT[unit], 4)
    if isinstance(value, bool) or not _is_number(value):
        raise _error("duration", "duration must be text such as '6 weeks' or a number of weeks")
    if not 0 <= value <= MAX_DURATION_NUMBER:
        raise _error(
            "duration",
            "duration {value} is out of range: use 0 to {high} weeks",
            value=value,
            high=MAX_DURATION_NUMBER,
        )
    return round(float(value), 4)


def parse_date(value: Any, what: str = "date") -> dt.date:
    """A calendar date written YYYY-MM-DD, from the year 1900 to 2199."""
    if isinstance(value, str) and _DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise _error(
        "date",
        "{what} must be a real date written YYYY-MM-DD (years 1900 to 2199), e.g. 2026-12-01",
        what=what,
    )


# -- the types of a profile's values ----------------------------------------------
#
# Each is an ordinary pydantic type: the JSON Schema is generated from it. A value that
# takes several spellings is turned into the field's value by a before-validator that
# declares, as a type (``json_schema_input_type``), exactly what it accepts.


def _integral(value: Any) -> Any:
    """2.0 is the whole number 2, as JSON Schema counts it (2.5 stays an error)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


# Whole numbers in a range: true/false and text are refused, 7.0 is 7.
Nrs = Annotated[
    int,
    Field(strict=True, ge=NRS_RANGE[0], le=NRS_RANGE[1], description="Pain NRS 0-10."),
    BeforeValidator(_integral),
]
Groc = Annotated[
    int,
    Field(
        strict=True,
        ge=GROC_RANGE[0],
        le=GROC_RANGE[1],
        description=f"Global rating of change, {GROC_RANGE[0]}..+{GROC_RANGE[1]}.",
    ),
    BeforeValidator(_integral),
]
Age = Annotated[
    int, Field(strict=True, ge=AGE_RANGE[0], le=AGE_RANGE[1]), BeforeValidator(_integral)
]
SessionsPerWeek = Annotated[
    int,
    Field(strict=True, ge=SESSIONS_PER_WEEK_RANGE[0], le=SESSIONS_PER_WEEK_RANGE[1]),
    BeforeValidator(_integral),
]
StartBackTotal = Annotated[
    int,
    Field(strict=True, ge=START_BACK_TOTAL[0], le=START_BACK_TOTAL[1]),
    BeforeValidator(_integral),
]
StartBackPsychosocial = Annotated[
    int,
    Field(strict=True, ge=START_BACK_PSYCHOSOCIAL[0], le=START_BACK_PSYCHOSOCIAL[1]),
    BeforeValidator(_integral),
]
Id = Annotated[str, Field(strict=True, pattern=ID_PATTERN, max_length=MAX_ID_LENGTH)]
#: A list of ids, each once (the validator refuses a repeat, id or alias).
Ids = Annotated[list[Id], Field(max_length=MAX_IDS, json_schema_extra={"uniqueItems": True})]
PatientRef = Annotated[
    str,
    Field(
        strict=True,
        max_length=TEXT_LIMITS["patient"],
        description="Optional reference (text; no names needed). Quote a number: '0042'.",
    ),
]
Region = Annotated[str, Field(strict=True, max_length=TEXT_LIMITS["region"])]
Notes = Annotated[str, Field(strict=True, max_length=TEXT_LIMITS["notes"])]
DateText = Annotated[str, Field(pattern=DATE_PATTERN, json_schema_extra={"format": "date"})]
SessionDate = Annotated[dt.date, BeforeValidator(parse_date, json_schema_input_type=DateText)]
StartDate = Annotated[
    dt.date | None,
    BeforeValidator(
        lambda v: None if v is None else parse_date(v, "start_date"),
        json_schema_input_type=DateText | None,
    ),
]
Severity = Annotated[
    int | str,
    BeforeValidator(
        parse_severity,
        json_schema_input_type=Annotated[int, Field(ge=NRS_RANGE[0], le=NRS_RANGE[1])]
        | Literal[SEVERITY_WORDS]
        | Annotated[str, Field(pattern=_WHOLE_TEXT)],
    ),
    Field(description="Pain NRS 0-10 (a whole number), or mild | moderate | severe."),
]
Duration = Annotated[
    float,
    BeforeValidator(
        parse_duration,
        json_schema_input_type=Annotated[str, Field(pattern=DURATION_PATTERN)]
        | Annotated[float, Field(ge=0, le=MAX_DURATION_NUMBER)],
    ),
    Field(
        description="How long the pain has lasted: '10 days', '6 weeks', '4 months', "
        "'2 years', or a bare number of weeks."
    ),
]
Places = (
    Place
    | Annotated[
        list[Place],
        Field(min_length=1, max_length=len(PLACES), json_schema_extra={"uniqueItems": True}),
    ]
)
PregnancyWeeks = (
    Annotated[str, Field(pattern=_PREGNANCY_PATTERN)]
    | Annotated[int, Field(ge=PREGNANCY_WEEKS_RANGE[0], le=PREGNANCY_WEEKS_RANGE[1])]
)
#: One health factor as written: an id, or one 'id: value' pair (a place, or pregnancy weeks).
FactorItem = Id | Annotated[dict[Id, Places | PregnancyWeeks], Field(min_length=1, max_length=1)]
FactorsInput = Annotated[
    list[FactorItem], Field(max_length=MAX_IDS, json_schema_extra={"uniqueItems": True})
]
SitesInput = Annotated[dict[Id, Side], Field(max_length=MAX_IDS)]
Score = Annotated[float, Field(ge=0, le=100)]


# -- ids ------------------------------------------------------------------------


def _rules(info: ValidationInfo) -> "RuleSet | None":
    return info.context.get("rules") if info.context else None


def _id_text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise _error(
            "id_type", "{what} must be an id (text), not {kind}", what=what, kind=kind_of(value)
        )
    if not value or len(value) > MAX_ID_LENGTH:
        raise _error(
            "id_length", "{what} must be an id of 1 to {n} characters", what=what, n=MAX_ID_LENGTH
        )
    return value


def suggest_id(rules: "RuleSet", kind: str, value: str) -> str | None:
    """'did you mean' naming the canonical id, even when the closest match is an alias."""
    names = rules.names(kind)
    folded = re.sub(r"[\s\-]+", "_", value.strip().lower())
    if folded in names:
        return f"did you mean '{rules.resolve(kind, folded)}'?"
    return did_you_mean(folded, names, lambda name: rules.resolve(kind, name) or name)


_LABELS = {
    "condition": "condition",
    "health_factor": "health factor",
    "underlying_factor": "underlying factor",
    "site": "site",
}


def resolve_id(rules: "RuleSet | None", kind: str, value: Any) -> str:
    """The canonical id of ``value``, or a located error with a hint."""
    label = _LABELS[kind]
    text = _id_text(value, label)
    if rules is None:
        if not re.fullmatch(ID_PATTERN, text):
            raise _error(
                "unknown_id",
                "{label} {value} is not an id",
                label=label,
                value=quote(text),
                hint="ids are lower-case words joined by '_'",
            )
        return text
    canonical = rules.resolve(kind, text)
    if canonical is not None:
        return canonical
    if kind == "health_factor" and text in rules.retired_ids:
        raise _error(
            "retired_id",
            "health factor {value} is retired",
            value=quote(text),
            hint=rules.retired_ids[text],
        )
    raise _error(
        "unknown_id",
        "unknown {label} {value}",
        label=label,
        value=quote(text),
        hint=suggest_id(rules, kind, text) or "run 'needleplan rules' to list them",
    )


def _unique(values: tuple[str, ...], what: str) -> tuple[str, ...]:
    seen: set[str] = set()
    for i, v in enumerate(values):
        if v in seen:
            raise _error(
                "duplicate_item",
                "{value} is listed twice in {what} (item {index})",
                value=quote(v),
                what=what,
                index=i + 1,
            )
        seen.add(v)
    return values


def _listed(value: Any, what: str, such: str = "") -> list[Any]:
    """``value`` as a list of at most MAX_IDS items (None: an empty one), or the error that
    says why not (``such``: an example after "must be a list")."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise _error(
            "not_a_list",
            "{what} must be a list" + such + ", not {kind}",
            what=what,
            kind=kind_of(value),
        )
    if len(value) > MAX_IDS:
        raise _error("too_many", "{what} has more than {n} items", what=what, n=MAX_IDS)
    return value


def _id_list(kind: str, what: str) -> Any:
    def parse(value: Any, info: ValidationInfo) -> tuple[str, ...]:
        ids = []
        for i, item in enumerate(_listed(value, what, " such as [a, b]")):
            try:
                ids.append(resolve_id(_rules(info), kind, item))
            except PydanticCustomError as exc:
                raise _at(exc, i) from None
        return _unique(tuple(ids), what)

    return parse


def _at(exc: PydanticCustomError, *loc: str | int, on_key: bool = False) -> PydanticCustomError:
    """The same error, remembering where inside the field it happened (for its position);
    ``on_key``: point at the mapping key itself (an unknown name), not at its value."""
    ctx = dict(exc.context or {})
    ctx["at"] = (*loc, *ctx.get("at", ()))
    if on_key:
        ctx["on_key"] = True
    return PydanticCustomError(exc.type, exc.message_template, ctx)


# -- health factors: an id, or `- lymphoedema: left_arm`, or `- pregnancy: 10 weeks` ----


@dataclass(frozen=True)
class Factor:
    """One health factor of a profile: its id, the places it is tied to, pregnancy weeks."""

    id: str
    places: tuple[Place, ...] = ()
    weeks: int | None = None


PREGNANCY = "pregnancy"


def _parse_places(value: Any, fid: str) -> tuple[Place, ...]:
    items = value if isinstance(value, list) else [value]
    if not items or len(items) > len(PLACES):
        raise _error(
            "place",
            "{factor} needs one or more places: {places}",
            factor=fid,
            places=one_of(PLACES),
        )
    places: list[Place] = []
    for item in items:
        if item not in PLACES:
            raise _error(
                "place",
                "{value} is not a place for {factor}: use {places}",
                value=quote(item),
                factor=fid,
                places=one_of(PLACES),
                hint=did_you_mean(str(item), PLACES) if isinstance(item, str) else None,
            )
        if item in places:
            raise _error(
                "place", "{value} is given twice for {factor}", value=quote(item), factor=fid
            )
        places.append(item)
    return tuple(places)


def _parse_weeks(value: Any) -> int:
    if isinstance(value, str):
        m = _PREGNANCY.match(value)
        if m is None:
            raise _error(
                "pregnancy",
                "pregnancy takes how far along it is, e.g. 'pregnancy: 10 weeks' (0 to 42 weeks)",
            )
        return int(m.group(1))
    return _whole(value, "pregnancy weeks", *PREGNANCY_WEEKS_RANGE)


def parse_factor(value: Any, rules: "RuleSet | None") -> Factor:
    if isinstance(value, dict):
        if len(value) != 1:
            raise _error(
                "factor",
                "a health factor with a value is one 'id: value' pair, "
                "e.g. '- lymphoedema: left_arm'",
            )
        ((key, detail),) = value.items()
        try:
            fid = resolve_id(rules, "health_factor", key)
        except PydanticCustomError as exc:
            raise _at(exc, key, on_key=True) from None
        hf = rules.health_factors.get(fid) if rules is not None else None
        if hf is not None and not hf.place and fid != PREGNANCY:
            raise _at(
                _error("factor", "{factor} takes no value: write it as '- {factor}'", factor=fid),
                key,
                on_key=True,
            )
        try:
            if fid == PREGNANCY:
                return Factor(fid, weeks=_parse_weeks(detail))
            return Factor(fid, places=_parse_places(detail, fid))
        except PydanticCustomError as exc:
            raise _at(exc, key) from None
    return Factor(resolve_id(rules, "health_factor", value))


def _factor_list(value: Any, info: ValidationInfo, what: str = "health_factors") -> Any:
    factors = []
    for i, item in enumerate(_listed(value, what)):
        try:
            factors.append(parse_factor(item, _rules(info)))
        except PydanticCustomError as exc:
            raise _at(exc, i) from None
    _unique(tuple(f.id for f in factors), what)
    return tuple(factors)


# -- sites: `upper_trapezius: right` -------------------------------------------


def _sites(value: Any, info: ValidationInfo) -> Mapping[str, Side]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _error(
            "sites",
            "sites must be a mapping of site ids to sides, e.g. "
            "'upper_trapezius: right', not {kind}",
            kind=kind_of(value),
        )
    if len(value) > MAX_IDS:
        raise _error("too_many", "sites has more than {n} entries", n=MAX_IDS)
    sites: dict[str, Side] = {}
    for key, side in value.items():
        try:
            site = resolve_id(_rules(info), "site", key)
        except PydanticCustomError as exc:
            raise _at(exc, key, on_key=True) from None
        if side not in SIDES:
            raise _at(
                _error(
                    "side",
                    "the side of {site} must be {sides}",
                    site=quote(key),
                    sides=one_of(SIDES),
                    hint=did_you_mean(side, SIDES) if isinstance(side, str) else None,
                ),
                key,
            )
        before = sites.get(site)
        # the same muscle named twice (an id and its alias): both sides it was named with
        sites[site] = side if before in (None, side) else "both"
    return sites


# -- the session log ------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)


def _measures(value: Any, info: ValidationInfo) -> Mapping[str, float]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _error(
            "measure",
            "measure must be a mapping such as 'ndi: 14', not {kind}",
            kind=kind_of(value),
        )
    rules = _rules(info)
    out: dict[str, float] = {}
    for key, score in value.items():
        known = rules.review.measures if rules is not None else None
        if known is not None and key not in known:
            raise _at(
                _error(
                    "measure",
                    "unknown measure {value}",
                    value=quote(key),
                    hint=did_you_mean(str(key), known) or "use " + one_of(tuple(known)),
                ),
                key,
            )
        top = known[key].max if known is not None else 100
        if isinstance(score, bool) or not _is_number(score) or not 0 <= score <= top:
            raise _at(
                _error(
                    "measure",
                    "{name} must be a score from 0 to {top}",
                    name=quote(key),
                    top=quote(top),
                ),
                key,
            )
        out[key] = float(score)
    return out


def _events(value: Any, info: ValidationInfo) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _error("not_a_list", "events must be a list, not {kind}", kind=kind_of(value))
    rules = _rules(info)
    known = rules.review.events if rules is not None else None
    out = []
    for i, item in enumerate(value):
        text = _id_text(item, "event")
        if known is not None and text not in known:
            raise _at(
                _error(
                    "unknown_id",
                    "unknown event {value}",
                    value=quote(text),
                    hint=did_you_mean(text, known) or "use " + one_of(tuple(known)),
                ),
                i,
            )
        out.append(text)
    return _unique(tuple(out), "events")


class LogEntry(_Strict):
    """One session: the date, the pain score, and what else was recorded."""

    date: SessionDate
    nrs: Nrs
    groc: Groc | None = None
    measure: Annotated[
        Mapping[str, float],
        BeforeValidator(_measures, json_schema_input_type=dict[Id, Score] | None),
    ] = Field(default_factory=dict)
    needled: Annotated[
        tuple[str, ...] | None,
        BeforeValidator(
            lambda v, info: None if v is None else _id_list("site", "needled")(v, info),
            json_schema_input_type=Ids | None,
        ),
    ] = None
    events: Annotated[
        tuple[str, ...], BeforeValidator(_events, json_schema_input_type=Ids | None)
    ] = ()
    new_health_factors: Annotated[
        tuple[Factor, ...],
        BeforeValidator(
            lambda v, info: _factor_list(v, info, "new_health_factors"),
            json_schema_input_type=FactorsInput | None,
        ),
    ] = ()
    notes: Notes | None = None


def future_session(log: Sequence[LogEntry], today: dt.date) -> int | None:
    """The index of the first session dated after ``today``, or None: the one check of a
    log against the day it is read on (validation, planning and review alike)."""
    return next((i for i, entry in enumerate(log) if entry.date > today), None)


def _log_order(entries: tuple[LogEntry, ...], info: ValidationInfo) -> tuple[LogEntry, ...]:
    """Sessions in date order, one a day, none after today (``context['today']``)."""
    today = info.context.get("today") if info.context else None
    late = future_session(entries, today) if today is not None else None
    for i, entry in enumerate(entries):
        if i and entry.date <= entries[i - 1].date:
            raise _error(
                "log_order",
                "log dates must be in order, one session a day: "
                "{date} does not come after {before}",
                date=entry.date.isoformat(),
                before=entries[i - 1].date.isoformat(),
                at=(i, "date"),
            )
        if i == late and today is not None:
            raise _error(
                "log_future",
                "the session of {date} is after today ({today})",
                date=entry.date.isoformat(),
                today=today.isoformat(),
                hint="check the date, or pass --today",
                at=(i, "date"),
            )
    return entries


# -- intake: the red-flag screen and the usual appointment time -----------------------

#: The spellings of a screening answer: yes (the red flag is present) or no (asked, absent).
#: A YAML 1.1 reader reads unquoted yes/no as true/false; both mean the same here.
YES_NO: dict[str, bool] = {
    "yes": True,
    "Yes": True,
    "YES": True,
    "no": False,
    "No": False,
    "NO": False,
}


def screening_questions(rules: "RuleSet") -> Mapping[str, str]:
    """Every spelling a profile's ``screening:`` may use for a red-flag question, mapped to
    the question's id: the one place the questions are looked up.

    The questions are those of the rule set's ``screening`` section (a question's id is
    its red flag's, so the red flag's aliases name it too); a rule set without one asks
    about each of its red-flag health factors.
    """
    asked = rules.screening.questions if rules.screening is not None else None
    return {
        name: canonical
        for name in rules.names("health_factor")
        if (canonical := rules.resolve("health_factor", name)) is not None
        and (
            canonical in asked
            if asked is not None
            else rules.health_factors[canonical].level == "red_flag"
        )
    }


def _answer(value: Any) -> Any:
    if isinstance(value, str) and value in YES_NO:
        return YES_NO[value]
    if isinstance(value, bool):
        return value
    raise _error(
        "answer",
        "a screening answer is yes or no, not {value}",
        value=quote(value) if isinstance(value, str) else kind_of(value),
        hint="yes: the red flag is present; no: asked, and absent",
    )


Answer = Annotated[
    bool, BeforeValidator(_answer, json_schema_input_type=bool | Literal[tuple(YES_NO)])
]


QuestionId = Annotated[str, Field(pattern=ID_PATTERN, max_length=MAX_ID_LENGTH)]


def _screening(value: Mapping[str, bool], info: ValidationInfo) -> Mapping[str, bool]:
    rules = _rules(info)
    if rules is None:
        return value
    questions = screening_questions(rules)
    out: dict[str, bool] = {}
    for key, answer in value.items():
        qid = questions.get(key)
        if qid is None:
            folded = re.sub(r"[\s\-]+", "_", key.strip().lower())
            hint = did_you_mean(folded, list(questions), questions.__getitem__)
            raise _at(
                _error(
                    "unknown_id",
                    "unknown screening question {value}",
                    value=quote(key),
                    hint=hint or "run 'needleplan rules' to list the red-flag questions",
                ),
                key,
                on_key=True,
            )
        if qid in out and out[qid] != answer:
            raise _at(
                _error("screening", "{value} is answered twice, yes and no", value=quote(qid)),
                key,
                on_key=True,
            )
        out[qid] = answer
    return out


#: The usual session time: 24-hour H:MM or HH:MM ("09:30", "9:30", "17:05").
TIME_PATTERN = r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$"


def _clock(value: Any) -> Any:
    if isinstance(value, str) and re.fullmatch(TIME_PATTERN, value):
        hours, minutes = value.split(":")
        return dt.time(int(hours), int(minutes))
    if _is_number(value):
        raise _error(
            "time",
            "appointment_time must be a time written HH:MM, not a number",
            hint='put the time in quotes, e.g. appointment_time: "09:30" (some YAML readers '
            "read an unquoted 9:30 as 570 minutes)",
        )
    raise _error(
        "time",
        'appointment_time must be a 24-hour time written HH:MM, e.g. "09:30" or "17:15"',
    )


AppointmentTime = Annotated[
    dt.time,
    BeforeValidator(_clock, json_schema_input_type=Annotated[str, Field(pattern=TIME_PATTERN)]),
]


# -- the profile ------------------------------------------------------------------


class StartBackScore(_Strict):
    """STarT Back Screening Tool scores."""

    total: StartBackTotal
    psychosocial: StartBackPsychosocial


class ConditionProfile(_Strict):
    """A patient's condition profile. Unknown keys are errors, never ignored."""

    patient: PatientRef | None = None
    condition: Annotated[
        Id, BeforeValidator(lambda v, info: resolve_id(_rules(info), "condition", v))
    ]
    sites: Annotated[
        Mapping[str, Side], BeforeValidator(_sites, json_schema_input_type=SitesInput | None)
    ] = Field(default_factory=dict)
    region: Region | None = None
    severity: Severity
    duration: Duration
    health_factors: Annotated[
        tuple[Factor, ...],
        BeforeValidator(_factor_list, json_schema_input_type=FactorsInput | None),
    ] = ()
    underlying_factors: Annotated[
        tuple[str, ...],
        BeforeValidator(
            _id_list("underlying_factor", "underlying_factors"),
            json_schema_input_type=Ids | None,
        ),
    ] = ()
    age: Age | None = None
    previous_response: Response = "unknown"
    start_back: StartBackScore | None = None
    sessions_per_week: SessionsPerWeek | None = None
    appointment_time: AppointmentTime | None = None
    screening: Annotated[
        Mapping[QuestionId, Answer],
        Field(max_length=MAX_IDS),
        BeforeValidator(
            lambda v: {} if v is None else v,  # `screening:` with nothing under it
            json_schema_input_type=Annotated[Mapping[QuestionId, Answer], Field(max_length=MAX_IDS)]
            | None,
        ),
        AfterValidator(_screening),
    ] = Field(default_factory=dict)
    start_date: StartDate = None
    notes: Notes | None = None
    log: Annotated[tuple[LogEntry, ...], Field(max_length=MAX_LOG), AfterValidator(_log_order)] = ()

    @model_validator(mode="before")
    @classmethod
    def _mapping(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise _error(
                "profile_type",
                "a profile must be a mapping of 'key: value' lines, not {kind}",
                kind=kind_of(data),
                hint="start from 'needleplan new'",
            )
        return data

    # -- derived views used by the planner ---------------------------------
    def factor(self, fid: str) -> Factor | None:
        return next((f for f in self.health_factors if f.id == fid), None)

    @property
    def factor_ids(self) -> frozenset[str]:
        return frozenset(f.id for f in self.health_factors)

    @property
    def pregnancy_weeks(self) -> int | None:
        """The weeks of a pregnancy recorded at intake (None: none, or not given)."""
        pregnancy = self.factor(PREGNANCY)
        return None if pregnancy is None else pregnancy.weeks


FIELDS: tuple[str, ...] = tuple(ConditionProfile.model_fields)
