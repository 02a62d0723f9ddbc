"""needleplan and its own JSON Schema accept and refuse the same profiles.

The schema is generated from the profile model. Hypothesis builds documents
from the rule set's own ids and the model's own ranges, valid ones and ones a
step away from valid (an edge plus or minus one, 7.0 for 7, a word in capitals,
a stray space, an alias next to its id, text for a number, a number for text),
and each must be accepted by both or refused by both. The search is
derandomized and keeps no example database, so every run checks the same
documents and a pass never depends on what an earlier run found.

What JSON Schema cannot say is kept out of the documents and listed in
docs/contract.md and docs/security.md: log dates in order and none after today, and one
factor, site or question named twice (by its id and an alias).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from needleplan import yamlio
from needleplan.errors import InputError
from needleplan.loading import profile_from_data
from needleplan.profile import ConditionProfile, screening_questions
from needleplan.schema import json_schema
from needleplan.vocab import PLACES, SEVERITY_WORDS, SIDES, TEXT_LIMITS
from tests.conftest import check_jsonschema
from tests.shipped import RULES

SCHEMA = json_schema("profile", RULES)
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
SEARCH = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=300,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def needleplan_accepts(data: Any) -> bool:
    try:
        ConditionProfile.model_validate(data, context={"rules": RULES})
    except ValidationError:
        return False
    return True


def agree(data: Any) -> None:
    ours, theirs = needleplan_accepts(data), VALIDATOR.is_valid(data)
    assert ours == theirs, (
        f"needleplan {'accepts' if ours else 'refuses'}, the schema "
        f"{'accepts' if theirs else 'refuses'}: {data!r}"
    )


# -- values a step from valid ------------------------------------------------------


def near_text(text: str) -> st.SearchStrategy[Any]:
    return st.sampled_from(
        [text, text.upper(), text.capitalize(), f" {text}", f"{text} ", text.replace("_", " ")]
    )


def near_whole(low: int, high: int) -> st.SearchStrategy[Any]:
    edge = st.sampled_from([low - 1, low, high, high + 1])
    inside = st.integers(low, high)
    return st.one_of(
        edge,
        inside,
        inside.map(float),  # 7.0 is the whole number 7
        inside.map(lambda n: n + 0.5),
        inside.map(str),
        st.booleans(),
        st.none(),
        st.integers(-(10**20), 10**20),
    )


#: Ids of every kind (and none): each is unknown to all but one kind of id.
OTHER_IDS = ["diabetes", "neck_pain", "upper_trapezius", "poor_posture", "night_pain", "bruising"]


def some_of(names: list[str], near: bool = True) -> st.SearchStrategy[Any]:
    """One of ``names``; ``near``: or one a step away (spelt differently, or another
    kind's id)."""
    exact = st.sampled_from(names)
    if not near:
        return exact
    return st.one_of(exact, exact.flatmap(near_text), st.sampled_from([*OTHER_IDS, "made_up"]))


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-20, 200),
    st.integers(-400, 400).map(lambda n: n / 4),
    st.sampled_from(["", " ", "0042", "٣", "²", "mild", "7", "07", "1e3", "9:30", "2026-12-01"]),
    st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=8),
)
text = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=12)
names = {kind: RULES.names(kind) for kind in ("condition", "site", "underlying_factor")}
factor_names = RULES.names("health_factor")
placed = [n for n in factor_names if RULES.health_factors[RULES.resolve("health_factor", n)].place]
questions = screening_questions(RULES)


def canonical(kind: str) -> Any:
    return lambda name: RULES.resolve(kind, name) or name


def key_of(item: Any) -> Any:
    return canonical("health_factor")(next(iter(item)) if isinstance(item, dict) else item)


def with_one(valid: Any, near: Any, key: Any = lambda k: k) -> Any:
    """A valid list or mapping with one near-valid item added (or put in place of one);
    an item named the same (by ``key``: an alias and its id) is taken out."""

    @st.composite
    def build(draw: Any) -> Any:
        whole = draw(valid)
        item = draw(near)
        if isinstance(whole, dict):
            named = {key(k) for k in item}
            return {**{k: v for k, v in whole.items() if key(k) not in named}, **item}
        at = draw(st.integers(0, len(whole)))
        rest = [*whole[:at], *whole[at + 1 :]]
        if not isinstance(item, dict | list) or len(item) == 1:
            rest = [i for i in rest if key_of(i) != key_of(item)]
        return [*rest[:at], item, *rest[at:]]

    return build()


factor_ok = st.one_of(
    st.sampled_from(factor_names),
    st.sampled_from(placed).flatmap(
        lambda name: st.fixed_dictionaries(
            {
                name: st.one_of(
                    st.sampled_from(PLACES),
                    st.lists(st.sampled_from(PLACES), min_size=1, max_size=3, unique=True),
                )
            }
        )
    ),
    st.fixed_dictionaries(
        {"pregnancy": st.one_of(st.integers(0, 42), st.sampled_from(["10 weeks", "24 wks"]))}
    ),
)
factor_near = st.one_of(
    some_of(factor_names),
    st.sampled_from(["night_pain", "history_of_cancer", "made_up", 5, None, []]),
    st.dictionaries(
        some_of([*placed, "diabetes", "pregnancy"], near=False),
        st.one_of(
            st.sampled_from([*PLACES, "left arm", "Trunk", None]),
            st.lists(st.sampled_from([*PLACES, "x"]), max_size=3),
            near_whole(0, 42),
        ),
        max_size=2,
    ),
)
factors_ok = st.lists(factor_ok, max_size=4, unique_by=key_of)
factors_near = with_one(factors_ok, factor_near)
sites_ok = st.dictionaries(st.sampled_from(names["site"]), st.sampled_from(SIDES), max_size=4).map(
    lambda d: {k: v for k, v in d.items() if RULES.resolve("site", k) == k}
)
sites_near = with_one(
    sites_ok,
    st.dictionaries(
        some_of(names["site"][:40]), st.sampled_from(["Left", "x", None, 1]), max_size=1
    )
    | st.dictionaries(some_of(names["site"]), st.sampled_from(SIDES), min_size=1, max_size=1),
)
answers = st.sampled_from([True, False, "yes", "no", "Yes", "NO"])
screening_ok = st.dictionaries(
    st.sampled_from(sorted(set(questions.values()))), answers, max_size=4
)
screening_near = with_one(
    screening_ok,
    st.dictionaries(
        some_of([*sorted(questions), "diabetes"]),
        answers | st.sampled_from(["maybe", "on", 1, 0, None]),
        min_size=1,
        max_size=1,
    ),
    lambda k: questions.get(k, k),
)
measure_ok = st.fixed_dictionaries(
    {},
    optional={k: st.integers(0, int(m.max)) for k, m in RULES.review.measures.items()},
)
measure_near = with_one(
    measure_ok,
    st.dictionaries(
        st.sampled_from([*sorted(RULES.review.measures), "vas"]),
        st.one_of(st.integers(-1, 101), st.integers(0, 400).map(lambda n: n / 4), st.booleans()),
        min_size=1,
        max_size=1,
    ),
)
events = sorted(RULES.review.events)
entry_fields: dict[str, tuple[Any, Any]] = {
    "nrs": (st.integers(0, 10), near_whole(0, 10)),
    "groc": (st.integers(-7, 7), near_whole(-7, 7)),
    "events": (
        st.lists(st.sampled_from(events), max_size=2, unique=True),
        st.lists(st.sampled_from([*events, "sneezing"]), max_size=3) | scalars,
    ),
    "measure": (measure_ok, measure_near | scalars),
    "needled": (
        st.lists(st.sampled_from(names["site"]), max_size=2, unique_by=canonical("site")),
        st.lists(some_of(names["site"][:30]), max_size=2, unique_by=canonical("site")),
    ),
    "new_health_factors": (factors_ok, factors_near),
    "notes": (text, scalars),
}
fields: dict[str, tuple[Any, Any]] = {
    "condition": (st.sampled_from(names["condition"]), some_of(names["condition"]) | scalars),
    "severity": (
        st.integers(0, 10) | st.sampled_from(SEVERITY_WORDS),
        near_whole(0, 10) | some_of(list(SEVERITY_WORDS)) | scalars,
    ),
    "duration": (
        st.sampled_from(["10 days", "6 weeks", "6 Weeks", "4 months", "2 yrs", "14"])
        | st.integers(0, 9999),
        st.sampled_from(["6 weeks ", "6 wekks", "1:30", "-1", "1e3"])
        | near_whole(0, 9999)
        | scalars,
    ),
    "patient": (
        st.text(max_size=TEXT_LIMITS["patient"]),
        scalars | st.sampled_from([5.0, 0.0, 42, "7" * (TEXT_LIMITS["patient"] + 1)]),
    ),
    "age": (st.integers(0, 120), near_whole(0, 120)),
    "sessions_per_week": (st.integers(1, 7), near_whole(1, 7)),
    "previous_response": (
        st.sampled_from(["good", "partial", "none", "unknown"]),
        near_text("none") | scalars,
    ),
    "start_date": (
        st.dates(dt.date(1900, 1, 1), dt.date(2199, 12, 31)).map(dt.date.isoformat),
        st.sampled_from(["2026-02-30", "1899-12-31", "2026-12-01 ", "2026-W49-2", "2200-01-01"])
        | scalars,
    ),
    "appointment_time": (
        st.builds("{}:{:02d}".format, st.integers(0, 23), st.integers(0, 59))
        | st.builds("{:02d}:{:02d}".format, st.integers(0, 23), st.integers(0, 59)),
        st.sampled_from(["24:00", "9.30", "09:3", "9:60", " 9:30", 570, 9.5]) | scalars,
    ),
    "start_back": (
        st.fixed_dictionaries({"total": st.integers(0, 9), "psychosocial": st.integers(0, 5)}),
        st.fixed_dictionaries(
            {"total": near_whole(0, 9)}, optional={"psychosocial": near_whole(0, 5)}
        )
        | scalars,
    ),
    "region": (text, scalars | st.just("x" * (TEXT_LIMITS["region"] + 1))),
    "notes": (text, scalars),
    "sites": (sites_ok, sites_near | scalars),
    "health_factors": (factors_ok, factors_near | scalars),
    "underlying_factors": (
        st.lists(
            st.sampled_from(names["underlying_factor"]),
            max_size=3,
            unique_by=canonical("underlying_factor"),
        ),
        st.lists(some_of(names["underlying_factor"]), max_size=3) | scalars,
    ),
    "screening": (screening_ok, screening_near | scalars),
}
REQUIRED = ("condition", "severity", "duration")


@st.composite
def log_entries(draw: Any, change: str | None = None) -> Any:
    """Sessions in date order, one a day, long past (the order of sessions is not the
    schema's to say); with ``change``, that field of one session a step from valid."""
    entries = [
        {"nrs": draw(entry_fields["nrs"][0])}
        | {k: draw(ok) for k, (ok, _) in entry_fields.items() if k != "nrs" and draw(st.booleans())}
        for _ in range(draw(st.integers(0 if change is None else 1, 3)))
    ]
    dates = [f"2020-01-{i + 10:02d}" for i in range(len(entries))]
    if change is not None:
        at = draw(st.integers(0, len(entries) - 1))
        if change == "date":
            dates[at] = draw(fields["start_date"][1])
        elif change == "colour":
            entries[at]["colour"] = "red"
        elif change == "drop":
            del entries[at]["nrs"]
        else:
            entries[at][change] = draw(entry_fields[change][1])
    return [{"date": d, **e} for d, e in zip(dates, entries, strict=True)]


@st.composite
def documents(draw: Any, change: str | None = None) -> Any:
    """A valid profile; with ``change``, one thing in it a step away from valid (a field's
    value, a session's field, a required key dropped, an unknown key added)."""
    doc = {k: draw(fields[k][0]) for k in REQUIRED}
    doc |= {k: draw(ok) for k, (ok, _) in fields.items() if k not in doc and draw(st.booleans())}
    if draw(st.booleans()):
        doc["log"] = draw(log_entries())
    if change == "drop":
        del doc[draw(st.sampled_from(REQUIRED))]
    elif change == "colour":
        doc["colour"] = "red"
    elif change is not None and change.startswith("log."):
        doc["log"] = draw(log_entries(change.removeprefix("log.")))
    elif change is not None:
        doc[change] = draw(fields[change][1])
    return doc


CHANGES = [
    None,
    "drop",
    "colour",
    *fields,
    *(f"log.{k}" for k in [*entry_fields, "date", "colour", "drop"]),
]


@pytest.mark.parametrize("change", CHANGES)
@settings(SEARCH, max_examples=60)
@given(data=st.data())
def test_generated_documents(change: str | None, data: st.DataObject) -> None:
    agree(data.draw(documents(change)))


@pytest.mark.parametrize("value", [5.0, 0.0, 5, 0, -1, 1.5, True, "5", "P-0042", None])
def test_patient_reference_is_text(value: Any) -> None:
    data = {"condition": "neck_pain", "severity": 6, "duration": 6, "patient": value}
    agree(data)
    assert needleplan_accepts(data) == (value is None or isinstance(value, str))


def test_not_a_mapping_and_missing_keys() -> None:
    for data in ([], "neck", 5, None, {}, {"condition": "neck_pain"}):
        agree(data)


# -- whole files, with check-jsonschema itself ---------------------------------------


def _needleplan_reads(text: str) -> bool:
    try:
        profile_from_data(yamlio.parse(text, "t.yaml"), RULES)
    except InputError:
        return False
    return True


@settings(SEARCH, max_examples=2)
@given(st.lists(st.sampled_from(CHANGES).flatmap(documents), min_size=30, max_size=30))
def test_check_jsonschema_agrees_on_files(tmp_path_factory: Any, batch: list[Any]) -> None:
    """The same documents as files (JSON is YAML both readers read alike), checked by
    check-jsonschema and by needleplan's reader; thirty files a run of the tool."""
    folder = tmp_path_factory.mktemp("files")
    schema = folder / "profile.schema.json"
    schema.write_text(json.dumps(SCHEMA))
    files = []
    for i, data in enumerate(batch):
        path = folder / f"p{i}.yaml"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        files.append(path)
    theirs = check_jsonschema(schema, files)
    for path, data in zip(files, batch, strict=True):
        ours = _needleplan_reads(path.read_text(encoding="utf-8"))
        assert ours == theirs[str(path)], f"needleplan {ours}, check-jsonschema: {data!r}"
