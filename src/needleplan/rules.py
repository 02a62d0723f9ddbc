"""The rule set: clinical rules as data, validated by their own models.

The shipped rule set is ``rules/default.yaml`` inside the package. A clinic
may keep its own (``--rules FILE``); it is validated the same way and a
broken one is refused with located errors (exit code 2).
"""

import hashlib
import json
from collections.abc import Callable, Iterator
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from types import UnionType
from typing import (
    Annotated,
    Any,
    Literal,
    NamedTuple,
    TypeVar,
    Union,
    cast,
    get_args,
    get_origin,
    get_type_hints,
)

from pydantic import Field, StringConstraints

from .errors import InputError, Problem, RulesError

# Rule-set entries are named tuples: cheap to define and to rebuild from the validated
# snapshot at every start. Pydantic validates them (custom rule sets, and the shipped one
# when its snapshot is stale) through a TypeAdapter; the field annotations carry the
# constraints. `from __future__ import annotations` is left out here on purpose: the
# snapshot loader reads the evaluated annotations.

Level = Literal["red_flag", "contraindication", "precaution", "prognostic"]
Decision = Literal["needle", "needle_with_caution", "do_not_needle", "refer"]
DECISIONS: tuple[Decision, ...] = ("needle", "needle_with_caution", "do_not_needle", "refer")
SeverityBand = Literal["mild", "moderate", "severe"]
DurationBand = Literal["acute", "subacute", "chronic"]
SEVERITY_BANDS: tuple[SeverityBand, ...] = ("mild", "moderate", "severe")
DURATION_BANDS: tuple[DurationBand, ...] = ("acute", "subacute", "chronic")

Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
SourceId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=64)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]
Sources = Annotated[list[SourceId], Field(min_length=1)]
Delta = Annotated[int, Field(ge=-6, le=6)]
Sessions = Annotated[int, Field(ge=1, le=24)]
PerWeek = Annotated[int, Field(ge=1, le=3)]
Age = Annotated[int, Field(ge=0, le=120)]
Response = Literal["good", "partial", "none", "unknown"]


def _mapping_only(value: Any) -> Any:
    if not isinstance(value, dict):
        from pydantic_core import PydanticCustomError

        raise PydanticCustomError("dict_type", "Input should be a mapping")
    return value


def _entry_schema(cls: type, source: Any, handler: Any) -> Any:
    from pydantic_core import core_schema

    return core_schema.no_info_before_validator_function(_mapping_only, handler(source))


_T = TypeVar("_T", bound=type)


def _entry(cls: _T) -> _T:
    """A rule-set entry: validated from a mapping only (pydantic would also take a
    named tuple's fields as a list)."""
    setattr(cls, "__get_pydantic_core_schema__", classmethod(_entry_schema))  # noqa: B010
    return cls


@_entry
class Source(NamedTuple):
    """A citation the rules point at; ``kind`` tells evidence from opinion."""

    id: SourceId
    citation: Text
    kind: Literal["trial", "review", "guideline", "observational", "opinion", "design_choice"]
    note: str = ""


@_entry
class Adjust(NamedTuple):
    """A change to the session count: to the suggestion and/or the ends of the range."""

    suggested: Delta = 0
    low: Delta = 0
    high: Delta = 0

    def describe(self) -> str:
        parts = [
            f"{name} {value:+d}"
            for name, value in (
                ("suggested", self.suggested),
                ("low", self.low),
                ("high", self.high),
            )
            if value
        ]
        return ", ".join(parts) or "no change"


@_entry
class SessionRange(NamedTuple):
    suggested: Sessions
    low: Sessions
    high: Sessions


@_entry
class SeverityRules(NamedTuple):
    """NRS 0..mild_max is mild, ..moderate_max moderate, above that severe."""

    mild_max: Annotated[int, Field(ge=0, le=9)]
    moderate_max: Annotated[int, Field(ge=1, le=9)]
    sources: Sources
    adjust: dict[SeverityBand, Adjust]
    reasons: dict[SeverityBand, Text]
    note: str = ""

    def band(self, value: int | str) -> SeverityBand:
        if isinstance(value, str):
            return value  # type: ignore[return-value]
        if value <= self.mild_max:
            return "mild"
        return "moderate" if value <= self.moderate_max else "severe"


@_entry
class DurationRules(NamedTuple):
    """Below ``acute_below_weeks`` acute; above ``chronic_above_weeks`` chronic."""

    acute_below_weeks: Annotated[float, Field(gt=0, le=104)]
    chronic_above_weeks: Annotated[float, Field(gt=0, le=520)]
    sources: Sources
    adjust: dict[DurationBand, Adjust]
    reasons: dict[DurationBand, Text]
    note: str = ""
    companions: dict[DurationBand, dict[Id, Text]] = {}

    def band(self, weeks: float) -> DurationBand:
        if weeks < self.acute_below_weeks:
            return "acute"
        return "chronic" if weeks > self.chronic_above_weeks else "subacute"


@_entry
class CadenceRules(NamedTuple):
    max_per_week: PerWeek
    min_hours_between: Annotated[int, Field(ge=24, le=168)]
    sources: Sources
    note: str = ""


@_entry
class ReassessRules(NamedTuple):
    after_sessions: Annotated[int, Field(ge=1, le=12)]
    fraction_of_course: Annotated[float, Field(gt=0, le=1)]
    after_no_previous_response: Annotated[int, Field(ge=1, le=12)]
    sources: Sources
    no_previous_response_sources: Sources
    note: str = ""


@_entry
class Condition(NamedTuple):
    label: Text
    sessions: SessionRange
    evidence_min: Sessions
    evidence_max: Sessions
    per_week: PerWeek
    note: Text
    sources: Sources
    aliases: list[Id] = []
    companions: dict[Id, Text] = {}


@_entry
class HealthFactor(NamedTuple):
    label: Text
    level: Level
    message: Text
    sources: Sources
    aliases: list[Id] = []
    patient_message: str = ""
    adjust: Adjust | None = None
    companions: dict[Id, Text] = {}


@_entry
class UnderlyingFactor(NamedTuple):
    label: Text
    reason: Text
    sources: Sources
    aliases: list[Id] = []
    adjust: Adjust | None = None
    companions: dict[Id, Text] = {}


@_entry
class Companion(NamedTuple):
    label: Text
    patient_text: Text
    sources: Sources


@_entry
class AgeRule(NamedTuple):
    id: Id
    label: Text
    level: Literal["precaution", "prognostic"]
    message: Text
    sources: Sources
    min_age: Age | None = None
    max_age: Age | None = None
    patient_message: str = ""
    adjust: Adjust | None = None

    def matches(self, age: int) -> bool:
        return (self.min_age is None or age >= self.min_age) and (
            self.max_age is None or age <= self.max_age
        )


@_entry
class RegionCaution(NamedTuple):
    id: Id
    label: Text
    keywords: Annotated[list[Annotated[str, StringConstraints(min_length=3)]], Field(min_length=1)]
    message: Text
    sources: Sources
    patient_message: str = ""


@_entry
class Expectation(NamedTuple):
    id: Id
    text: Text
    decisions: Annotated[list[Decision], Field(min_length=1)]
    sources: Sources
    when_flag: Id | None = None
    when_previous_response: Response | None = None


@_entry
class _RuleSetFields(NamedTuple):
    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)]
    version: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    disclaimer: Text
    sources: list[Source]
    severity: SeverityRules
    duration: DurationRules
    cadence: CadenceRules
    reassess: ReassessRules
    conditions: Annotated[dict[Id, Condition], Field(min_length=1)]
    description: str = ""
    age_rules: list[AgeRule] = []
    region_cautions: list[RegionCaution] = []
    health_factors: dict[Id, HealthFactor] = {}
    underlying_factors: dict[Id, UnderlyingFactor] = {}
    companions: dict[Id, Companion] = {}
    expectations: list[Expectation] = []


class RuleSet(_RuleSetFields):
    """The whole rule set. ``needleplan schema rules`` prints its JSON Schema.

    Build one with :func:`load_rules`, :func:`parse_rules` or :meth:`from_data`
    (all validate it); derived look-ups are cached on the instance.
    """

    @classmethod
    def from_data(cls, data: Any) -> "RuleSet":
        """Validate plain data (e.g. a parsed YAML mapping) into a rule set.

        Raises pydantic's ``ValidationError`` for a field problem and ``ValueError``
        for a broken cross-reference (use :func:`parse_rules` for located messages).
        """
        rules: RuleSet = _adapter().validate_python(data)
        problems = list(rules.reference_problems())
        if problems:
            from .validation import dotted

            raise ValueError("; ".join(f"{dotted(loc)}: {msg}" for loc, msg in problems))
        return rules

    @cached_property
    def _index(self) -> dict[str, dict[str, str]]:
        indexes: dict[str, dict[str, str]] = {}
        for kind, table in (
            ("condition", self.conditions),
            ("health_factor", self.health_factors),
            ("underlying_factor", self.underlying_factors),
        ):
            index: dict[str, str] = {}
            for key, entry in table.items():
                index[key] = key
                for alias in entry.aliases:
                    index.setdefault(alias, key)
            indexes[kind] = index
        return indexes

    @cached_property
    def _citations(self) -> dict[str, str]:
        return {s.id: s.citation for s in self.sources}

    @cached_property
    def _cited(self) -> dict[tuple[str, ...], str]:
        return {}

    # -- look-ups ---------------------------------------------------------
    def resolve(self, kind: str, name: str) -> str | None:
        """The canonical id for ``name`` (an id or alias) of ``kind``, or None."""
        return self._index[kind].get(name)

    def names(self, kind: str) -> list[str]:
        """Every accepted spelling (ids and aliases) of ``kind``."""
        return sorted(self._index[kind])

    def cite(self, source_ids: list[str]) -> str:
        """The citations of ``source_ids``, joined (memoised: plans cite the same lists)."""
        key = tuple(source_ids)
        text = self._cited.get(key)
        if text is None:
            citations = self._citations
            text = self._cited[key] = "; ".join(citations.get(s, s) for s in key)
        return text

    @property
    def sha256(self) -> str:
        """The sha256 of the file it came from, or of its content when built in Python."""
        digest: str | None = self.__dict__.get("_sha256")
        if digest is None:
            canonical = json.dumps(to_data(self), sort_keys=True, ensure_ascii=False).encode()
            digest = self.__dict__["_sha256"] = hashlib.sha256(canonical).hexdigest()
        return digest

    def to_data(self) -> dict[str, Any]:
        """Plain data (mappings, lists, text, numbers) that loads back into this rule set."""
        data: dict[str, Any] = to_data(self)
        return data

    # -- consistency ------------------------------------------------------
    def reference_problems(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        """Cross-references the field types cannot check, each with its location."""
        known_sources = {s.id for s in self.sources}
        seen_sources: set[str] = set()
        for i, s in enumerate(self.sources):
            if s.id in seen_sources:
                yield ("sources", i, "id"), f"source '{s.id}' is defined twice"
            seen_sources.add(s.id)

        def sources(loc: tuple[str | int, ...], ids: list[str]) -> Iterator[tuple[Any, str]]:
            for j, sid in enumerate(ids):
                if sid not in known_sources:
                    yield (*loc, "sources", j), f"unknown source '{sid}': add it under 'sources'"

        def companions(
            loc: tuple[str | int, ...], ids: dict[str, str]
        ) -> Iterator[tuple[Any, str]]:
            for cid in ids:
                if cid not in self.companions:
                    yield (*loc, "companions", cid), f"unknown companion '{cid}'"

        for section in ("severity", "duration", "cadence", "reassess"):
            yield from sources((section,), getattr(self, section).sources)
        for j, sid in enumerate(self.reassess.no_previous_response_sources):
            if sid not in known_sources:
                yield ("reassess", "no_previous_response_sources", j), f"unknown source '{sid}'"
        if self.severity.moderate_max <= self.severity.mild_max:
            yield ("severity", "moderate_max"), "must be greater than mild_max"
        if self.duration.chronic_above_weeks < self.duration.acute_below_weeks:
            yield ("duration", "chronic_above_weeks"), "must not be less than acute_below_weeks"
        for band_loc, bands, adjust in (
            ("severity", SEVERITY_BANDS, self.severity.adjust),
            ("duration", DURATION_BANDS, self.duration.adjust),
        ):
            for band in bands:
                if band not in adjust:
                    yield (band_loc, "adjust"), f"missing band '{band}'"
            for field in ("suggested", "low", "high"):
                by_band = cast("dict[str, Adjust]", adjust)
                values = [getattr(by_band[b], field) for b in bands if b in by_band]
                if values != sorted(values):
                    yield (
                        (band_loc, "adjust"),
                        (
                            f"'{field}' must not decrease from {bands[0]} to {bands[-1]}: "
                            "more severe or longer-lasting pain never means fewer sessions"
                        ),
                    )
        for band, comps in self.duration.companions.items():
            yield from companions(("duration", "companions", band), comps)
        for key, c in self.conditions.items():
            loc: tuple[str | int, ...] = ("conditions", key)
            yield from sources(loc, c.sources)
            yield from companions(loc, c.companions)
            r = c.sessions
            if not r.low <= r.suggested <= r.high:
                yield (*loc, "sessions"), "needs low <= suggested <= high"
            if c.evidence_min > c.evidence_max:
                yield (*loc, "evidence_min"), "must not exceed evidence_max"
            if not (c.evidence_min <= r.low and r.high <= c.evidence_max):
                yield (*loc, "sessions"), "must lie inside evidence_min..evidence_max"
        factors: tuple[tuple[str, dict[str, Any]], ...] = (
            ("health_factors", self.health_factors),
            ("underlying_factors", self.underlying_factors),
        )
        for kind, table in factors:
            for key, entry in table.items():
                yield from sources((kind, key), entry.sources)
                yield from companions((kind, key), entry.companions)
        for key, comp in self.companions.items():
            yield from sources(("companions", key), comp.sources)
        for i, rule in enumerate(self.age_rules):
            yield from sources(("age_rules", i), rule.sources)
        for i, rc in enumerate(self.region_cautions):
            yield from sources(("region_cautions", i), rc.sources)
        for i, e in enumerate(self.expectations):
            yield from sources(("expectations", i), e.sources)
        for kind, table in (("conditions", self.conditions), *factors):
            owners: dict[str, str] = {k: k for k in table}
            for key, entry in table.items():
                for j, alias in enumerate(entry.aliases):
                    if alias in owners and owners[alias] != key:
                        yield (
                            (kind, key, "aliases", j),
                            f"'{alias}' already names '{owners[alias]}'",
                        )
                    owners.setdefault(alias, key)


DEFAULT_SOURCE = "needleplan:rules/default.yaml"
#: A validated copy of rules/default.yaml (see :func:`write_snapshot`); used only while
#: its sha256 matches the YAML file, otherwise the YAML is validated as usual.
SNAPSHOT = "rules/default.validated.json"
SNAPSHOT_FORMAT = 2


def _package_file(name: str) -> Any:
    return resources.files("needleplan").joinpath(name)


def _default_text() -> bytes:
    data: bytes = _package_file("rules/default.yaml").read_bytes()
    return data


def is_named_tuple(tp: Any) -> bool:
    """Rule-set entries and plan parts are named tuples."""
    return isinstance(tp, type) and issubclass(tp, tuple) and hasattr(tp, "_fields")


_Build = Callable[[Any], Any]
_BUILDERS: dict[Any, _Build | None] = {}


def _builder(tp: Any) -> _Build | None:
    """How to rebuild validated plain data of type ``tp`` into entries (None: as it is)."""
    if tp in _BUILDERS:
        return _BUILDERS[tp]
    origin, args = get_origin(tp), get_args(tp)
    build: _Build | None = None
    if origin is Annotated:
        build = _builder(args[0])
    elif is_named_tuple(tp):
        hints = get_type_hints(tp, include_extras=True)
        nested = {name: b for name in tp._fields if (b := _builder(hints[name])) is not None}

        def build(value: Any, tp: Any = tp, nested: dict[str, _Build] = nested) -> Any:
            return tp(**{k: (nested[k](v) if k in nested else v) for k, v in value.items()})

    elif origin is list:
        item = _builder(args[0])
        if item is not None:
            build = lambda value, item=item: [item(v) for v in value]  # noqa: E731
    elif origin is dict:
        item = _builder(args[1])
        if item is not None:
            build = lambda value, item=item: {k: item(v) for k, v in value.items()}  # noqa: E731
    elif origin in (Union, UnionType):
        options = [b for a in args if (b := _builder(a)) is not None]
        if options:
            build = lambda value, one=options[0]: None if value is None else one(value)  # noqa: E731
    _BUILDERS[tp] = build
    return build


def _construct(data: dict[str, Any]) -> RuleSet:
    """Rebuild a validated rule set's plain data without validating it again."""
    build = _builder(RuleSet)
    assert build is not None
    rules: RuleSet = build(data)
    return rules


def to_data(value: Any) -> Any:
    """Entries as mappings, all the way down: what a rule-set file holds."""
    if is_named_tuple(value.__class__):
        return {name: to_data(v) for name, v in zip(value._fields, value, strict=True)}
    if isinstance(value, list):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        return {k: to_data(v) for k, v in value.items()}
    return value


@lru_cache(maxsize=1)
def _adapter() -> Any:
    """The validator of rule sets (built on first use: the shipped rules rarely need it)."""
    from pydantic import ConfigDict, TypeAdapter

    return TypeAdapter(RuleSet, config=ConfigDict(hide_input_in_errors=True))


@lru_cache(maxsize=1)
def _load_default() -> RuleSet:
    raw = _default_text()
    digest = hashlib.sha256(raw).hexdigest()
    try:
        snapshot = json.loads(_package_file(SNAPSHOT).read_text(encoding="utf-8"))
        if snapshot["format"] == SNAPSHOT_FORMAT and snapshot["sha256"] == digest:
            rules = _construct(snapshot["rules"])
            rules.__dict__["_sha256"] = digest
            return rules
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    return parse_rules(raw, DEFAULT_SOURCE)


def write_snapshot(target: Path | None = None) -> Path:
    """Validate rules/default.yaml and write its snapshot (run after editing the YAML)."""
    raw = _default_text()
    rules = parse_rules(raw, DEFAULT_SOURCE)
    target = target or Path(str(_package_file(SNAPSHOT)))
    data = {
        "format": SNAPSHOT_FORMAT,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "rules": to_data(rules),
    }
    target.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return target


@lru_cache(maxsize=8)
def _load_cached(raw: bytes, source: str) -> RuleSet:
    return parse_rules(raw, source)


def parse_rules(raw: bytes, source: str) -> RuleSet:
    """Validate rule set bytes; raise :class:`RulesError` with located problems."""
    from pydantic import ValidationError

    from . import yamlio
    from .validation import dotted, problems_from

    if len(raw) > yamlio.MAX_RULES_BYTES:
        raise _too_large(source)
    try:
        doc = yamlio.parse(yamlio.decode(raw, source), source)
    except InputError as exc:  # the loader's problems, reported as a rules error
        raise RulesError(exc.problems) from None
    if not isinstance(doc.data, dict):
        raise RulesError([Problem(source, "a rule set must be a mapping of keys to values", 1, 1)])
    try:
        rules: RuleSet = _adapter().validate_python(doc.data)
    except ValidationError as exc:
        raise RulesError(problems_from(exc, doc, messages=None)) from None
    located = []
    for loc, message in rules.reference_problems():
        line, col = doc.positions.value(loc)
        located.append(Problem(source, f"{dotted(loc)}: {message}", line, col))
    if located:
        raise RulesError(located)
    rules.__dict__["_sha256"] = hashlib.sha256(raw).hexdigest()
    return rules


def _too_large(source: str) -> RulesError:
    from .yamlio import MAX_RULES_BYTES

    message = f"the rule set is larger than {MAX_RULES_BYTES // 1024} KiB (limit MAX_RULES_BYTES)"
    return RulesError([Problem(source, message)])


def load_rules(path: str | Path | None = None) -> RuleSet:
    """The shipped rule set (``path=None``) or a custom one; cached per content."""
    if path is None:
        return _load_default()
    from . import yamlio

    p = Path(path)
    try:
        size = p.stat().st_size
        if size > yamlio.MAX_RULES_BYTES:
            raise _too_large(str(p))  # before reading it
        raw = p.read_bytes()
    except OSError as exc:
        from .errors import UsageError

        raise UsageError(f"cannot read rules file '{p}': {exc.strerror or exc}") from None
    return _load_cached(raw, str(p))
