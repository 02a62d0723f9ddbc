"""The rule set: clinical rules as data, validated by their own models.

The shipped rule set is ``rules/default.yaml`` inside the package. A clinic
may keep its own (``--rules FILE``); it is validated the same way and a
broken one is refused with located errors (exit code 2).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, cast, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from .errors import InputError, Problem, RulesError

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


class _Model(BaseModel):
    # defer_build: the shipped rules are rebuilt from a validated snapshot without
    # validation, so the schemas are built only when a custom rule set is validated.
    model_config = ConfigDict(
        extra="forbid", frozen=True, hide_input_in_errors=True, defer_build=True
    )


class Source(_Model):
    """A citation the rules point at; ``kind`` tells evidence from opinion."""

    id: SourceId
    citation: Text
    kind: Literal["trial", "review", "guideline", "observational", "opinion", "design_choice"]
    note: str = ""


class Adjust(_Model):
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


class SessionRange(_Model):
    suggested: int = Field(ge=1, le=24)
    low: int = Field(ge=1, le=24)
    high: int = Field(ge=1, le=24)


class SeverityRules(_Model):
    """NRS 0..mild_max is mild, ..moderate_max moderate, above that severe."""

    mild_max: int = Field(ge=0, le=9)
    moderate_max: int = Field(ge=1, le=9)
    note: str = ""
    sources: Sources
    adjust: dict[SeverityBand, Adjust]
    reasons: dict[SeverityBand, Text]

    def band(self, value: int | str) -> SeverityBand:
        if isinstance(value, str):
            return value  # type: ignore[return-value]
        if value <= self.mild_max:
            return "mild"
        return "moderate" if value <= self.moderate_max else "severe"


class DurationRules(_Model):
    """Below ``acute_below_weeks`` acute; above ``chronic_above_weeks`` chronic."""

    acute_below_weeks: float = Field(gt=0, le=104)
    chronic_above_weeks: float = Field(gt=0, le=520)
    note: str = ""
    sources: Sources
    adjust: dict[DurationBand, Adjust]
    reasons: dict[DurationBand, Text]
    companions: dict[DurationBand, dict[Id, Text]] = {}

    def band(self, weeks: float) -> DurationBand:
        if weeks < self.acute_below_weeks:
            return "acute"
        return "chronic" if weeks > self.chronic_above_weeks else "subacute"


class CadenceRules(_Model):
    max_per_week: int = Field(ge=1, le=3)
    min_hours_between: int = Field(ge=24, le=168)
    note: str = ""
    sources: Sources


class ReassessRules(_Model):
    after_sessions: int = Field(ge=1, le=12)
    fraction_of_course: float = Field(gt=0, le=1)
    after_no_previous_response: int = Field(ge=1, le=12)
    note: str = ""
    sources: Sources
    no_previous_response_sources: Sources


class Condition(_Model):
    label: Text
    aliases: list[Id] = []
    sessions: SessionRange
    evidence_min: int = Field(ge=1, le=24)
    evidence_max: int = Field(ge=1, le=24)
    per_week: int = Field(ge=1, le=3)
    note: Text
    sources: Sources
    companions: dict[Id, Text] = {}


class HealthFactor(_Model):
    label: Text
    level: Level
    aliases: list[Id] = []
    message: Text
    patient_message: str = ""
    adjust: Adjust | None = None
    companions: dict[Id, Text] = {}
    sources: Sources


class UnderlyingFactor(_Model):
    label: Text
    aliases: list[Id] = []
    reason: Text
    adjust: Adjust | None = None
    companions: dict[Id, Text] = {}
    sources: Sources


class Companion(_Model):
    label: Text
    patient_text: Text
    sources: Sources


class AgeRule(_Model):
    id: Id
    label: Text
    min_age: int | None = Field(default=None, ge=0, le=120)
    max_age: int | None = Field(default=None, ge=0, le=120)
    level: Literal["precaution", "prognostic"]
    message: Text
    patient_message: str = ""
    adjust: Adjust | None = None
    sources: Sources

    def matches(self, age: int) -> bool:
        return (self.min_age is None or age >= self.min_age) and (
            self.max_age is None or age <= self.max_age
        )


class RegionCaution(_Model):
    id: Id
    label: Text
    keywords: Annotated[list[Annotated[str, StringConstraints(min_length=3)]], Field(min_length=1)]
    message: Text
    patient_message: str = ""
    sources: Sources


class Expectation(_Model):
    id: Id
    text: Text
    decisions: Annotated[list[Decision], Field(min_length=1)]
    when_flag: Id | None = None
    when_previous_response: Literal["good", "partial", "none", "unknown"] | None = None
    sources: Sources


class RuleSet(_Model):
    """The whole rule set. ``needleplan schema rules`` prints its JSON Schema."""

    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)]
    version: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    description: str = ""
    disclaimer: Text
    sources: list[Source]
    severity: SeverityRules
    duration: DurationRules
    cadence: CadenceRules
    reassess: ReassessRules
    age_rules: list[AgeRule] = []
    region_cautions: list[RegionCaution] = []
    conditions: Annotated[dict[Id, Condition], Field(min_length=1)]
    health_factors: dict[Id, HealthFactor] = {}
    underlying_factors: dict[Id, UnderlyingFactor] = {}
    companions: dict[Id, Companion] = {}
    expectations: list[Expectation] = []

    _sha256: str | None = PrivateAttr(default=None)
    _index: dict[str, dict[str, str]] = PrivateAttr(default_factory=dict)
    _citations: dict[str, str] = PrivateAttr(default_factory=dict)
    _cited: dict[tuple[str, ...], str] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _check_references(self, info: ValidationInfo) -> RuleSet:
        if info.context and info.context.get("defer_references"):
            return self
        problems = list(self.reference_problems())
        if problems:
            raise ValueError(
                "; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in problems)
            )
        return self

    def model_post_init(self, context: Any, /) -> None:
        self._citations = {s.id: s.citation for s in self.sources}
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
            self._index[kind] = index

    # -- look-ups ---------------------------------------------------------
    def resolve(self, kind: str, name: str) -> str | None:
        """The canonical id for ``name`` (an id or alias) of ``kind``, or None."""
        # __pydantic_private__ directly: the attribute route is slow on a hot path
        index: dict[str, dict[str, str]] = self.__pydantic_private__["_index"]  # type: ignore[index]
        return index[kind].get(name)

    def names(self, kind: str) -> list[str]:
        """Every accepted spelling (ids and aliases) of ``kind``."""
        return sorted(self._index[kind])

    def cite(self, source_ids: list[str]) -> str:
        """The citations of ``source_ids``, joined (memoised: plans cite the same lists)."""
        private: dict[str, Any] = self.__pydantic_private__  # type: ignore[assignment]
        key = tuple(source_ids)
        text: str | None = private["_cited"].get(key)
        if text is None:
            citations = private["_citations"]
            text = private["_cited"][key] = "; ".join(citations.get(s, s) for s in key)
        return text

    @property
    def sha256(self) -> str:
        if self._sha256 is None:
            canonical = json.dumps(
                self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False
            ).encode()
            self._sha256 = hashlib.sha256(canonical).hexdigest()
        return self._sha256

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
SNAPSHOT_FORMAT = 1


def _default_text() -> bytes:
    return resources.files("needleplan").joinpath("rules/default.yaml").read_bytes()


def _construct(tp: Any, value: Any) -> Any:
    """Rebuild validated data into models without validating it again."""
    origin = get_origin(tp)
    if origin is Annotated:
        return _construct(get_args(tp)[0], value)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        fields = tp.model_fields
        return tp.model_construct(
            **{k: _construct(fields[k].annotation, v) for k, v in value.items()}
        )
    if origin is list:
        return [_construct(get_args(tp)[0], v) for v in value]
    if origin is dict:
        return {k: _construct(get_args(tp)[1], v) for k, v in value.items()}
    if origin in (Union, UnionType) and value is not None:
        models = [a for a in get_args(tp) if isinstance(a, type) and issubclass(a, BaseModel)]
        return _construct(models[0], value) if models and isinstance(value, dict) else value
    return value


@lru_cache(maxsize=1)
def _load_default() -> RuleSet:
    package = resources.files("needleplan")
    raw = package.joinpath("rules/default.yaml").read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    try:
        snapshot = json.loads(package.joinpath(SNAPSHOT).read_text(encoding="utf-8"))
        if snapshot["format"] == SNAPSHOT_FORMAT and snapshot["sha256"] == digest:
            rules: RuleSet = _construct(RuleSet, snapshot["rules"])
            rules._sha256 = digest
            return rules
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    return parse_rules(raw, DEFAULT_SOURCE)


def write_snapshot(target: Path | None = None) -> Path:
    """Validate rules/default.yaml and write its snapshot (run after editing the YAML)."""
    raw = _default_text()
    rules = parse_rules(raw, DEFAULT_SOURCE)
    target = target or Path(str(resources.files("needleplan").joinpath(SNAPSHOT)))
    data = {
        "format": SNAPSHOT_FORMAT,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "rules": rules.model_dump(mode="json"),
    }
    target.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return target


@lru_cache(maxsize=8)
def _load_cached(raw: bytes, source: str) -> RuleSet:
    return parse_rules(raw, source)


def parse_rules(raw: bytes, source: str) -> RuleSet:
    """Validate rule set bytes; raise :class:`RulesError` with located problems."""
    from . import yamlio
    from .validation import problems_from

    if len(raw) > yamlio.MAX_RULES_BYTES:
        raise RulesError(
            [
                Problem(
                    source,
                    f"the rule set is larger than "
                    f"{yamlio.MAX_RULES_BYTES // 1024} KiB (limit MAX_RULES_BYTES)",
                )
            ]
        )
    try:
        doc = yamlio.parse(yamlio.decode(raw, source), source)
    except InputError as exc:  # the loader's problems, reported as a rules error
        raise RulesError(exc.problems) from None
    if not isinstance(doc.data, dict):
        raise RulesError([Problem(source, "a rule set must be a mapping of keys to values", 1, 1)])
    try:
        rules = RuleSet.model_validate(doc.data, context={"defer_references": True})
    except ValidationError as exc:
        raise RulesError(problems_from(exc, doc, messages=None)) from None
    located = []
    for loc, message in rules.reference_problems():
        line, col = doc.positions.value(loc)
        located.append(Problem(source, f"{_dotted(loc)}: {message}", line, col))
    if located:
        raise RulesError(located)
    rules._sha256 = hashlib.sha256(raw).hexdigest()
    return rules


def _dotted(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def load_rules(path: str | Path | None = None) -> RuleSet:
    """The shipped rule set (``path=None``) or a custom one; cached per content."""
    if path is None:
        return _load_default()
    from . import yamlio

    p = Path(path)
    try:
        size = p.stat().st_size
        if size > yamlio.MAX_RULES_BYTES:
            raise RulesError(
                [
                    Problem(
                        str(p),
                        "the rule set is larger than "
                        f"{yamlio.MAX_RULES_BYTES // 1024} KiB (limit MAX_RULES_BYTES)",
                    )
                ]
            )
        raw = p.read_bytes()
    except OSError as exc:
        from .errors import UsageError

        raise UsageError(f"cannot read rules file '{p}': {exc.strerror or exc}") from None
    return _load_cached(raw, str(p))
