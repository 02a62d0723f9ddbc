"""The quick profile path gives the model's answer whenever it answers, and answers for
real profiles."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from needleplan import load_rules
from needleplan._flat import parse_flat
from needleplan.profile import ConditionProfile, quick_profile

from .conftest import CASES, PLANS
from .test_flat import same

RULES = load_rules()


def check(data: dict[str, Any]) -> None:
    quick = quick_profile(data, RULES)
    if quick is None:
        return
    try:
        full = ConditionProfile.model_validate(data, context={"rules": RULES})
    except ValidationError as exc:  # pragma: no cover - a failure names the disagreement
        raise AssertionError(f"quick path accepted {data!r}; the model refused: {exc}") from None
    assert same(dict(quick), dict(full)), (quick, full)
    assert quick.model_fields_set == full.model_fields_set
    assert quick == full


def test_real_profiles_take_the_quick_path() -> None:
    for path in sorted(PLANS.glob("*.yaml")):
        data = parse_flat(path.read_text(encoding="utf-8"))
        assert data is not None
        assert quick_profile(data, RULES) is not None, path.name
        check(data)


@pytest.mark.parametrize("path", sorted(CASES.glob("*/*.yaml")), ids=lambda p: p.stem)
def test_case_files_agree(path) -> None:
    data = parse_flat(path.read_text(encoding="utf-8", errors="replace").removeprefix("\ufeff"))
    if isinstance(data, dict):
        check(data)
        if path.parent.name == "invalid":
            assert quick_profile(data, RULES) is None


def test_needs_a_rule_set() -> None:
    assert quick_profile({"condition": "neck_pain", "severity": 3, "duration": 2}, None) is None


IDS = ["neck_pain", "shoulder_pain", "lymphedema", "lymphoedema", "diabetes", "poor_posture"]
TEXT = st.text(alphabet="ab _-7\u00e9\t\n\u00a0\u2003\x1c", max_size=6)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 130),
    st.integers(),
    st.floats(allow_nan=True),
    st.sampled_from([2.0, 2.5, 7.0, -0.0]),
    TEXT,
    st.sampled_from(IDS),
    st.sampled_from(["mild", " severe", "7", " 7 ", "٣", "11", "Mild", "moderate "]),
    st.sampled_from(["6 weeks", "10 days", "4 mo", "2 years", "1e3", "  3w ", "9999 years"]),
    st.sampled_from(["good", "none", "unknown", " good", "GOOD"]),
    st.sampled_from(["2026-12-01", "2026-02-30", " 2026-12-01", "20261201", "2026-12-01T10:00"]),
)
VALUES = st.one_of(SCALARS, st.lists(st.one_of(st.sampled_from(IDS), SCALARS), max_size=4))
HEALTH = ["diabetes", "anticoagulants", "lymphedema", "poor_sleep", "smoker", "pregnancy"]
UNDERLYING = ["poor_posture", "repetitive_strain", "muscle_imbalance", "posture"]


def field(*likely: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly values a profile would hold; one time in six, anything at all."""
    # (one_of flattens nested one_ofs, so weighting by repetition would drown in SCALARS)
    return st.integers(0, 5).flatmap(lambda i: SCALARS if i == 0 else st.one_of(*likely))


PROFILES = st.fixed_dictionaries(
    {
        "condition": field(st.sampled_from(["neck_pain", "low_back_pain", "tennis_elbow", "x"])),
        "severity": field(st.integers(0, 10), st.sampled_from(["mild", "moderate", "severe"])),
        "duration": field(
            st.integers(0, 300), st.floats(0, 6000), st.sampled_from(["6 weeks", "10 days"])
        ),
    },
    optional={
        "patient": field(st.integers(), TEXT),
        "region": field(TEXT),
        "notes": field(TEXT, st.text(max_size=4)),
        "health_factors": field(st.lists(st.sampled_from(HEALTH), max_size=4)),
        "underlying_factors": field(st.lists(st.sampled_from(UNDERLYING), max_size=3)),
        "age": field(st.integers(0, 120)),
        "previous_response": field(st.sampled_from(["good", "partial", "none", "unknown"])),
        "sessions_per_week": field(st.integers(1, 7)),
        "start_date": field(st.dates().map(str)),
    },
)


@settings(max_examples=500, deadline=None)
@given(PROFILES)
@example({"condition": "neck_pain", "severity": 7, "duration": "14 weeks"})
@example(
    {
        "condition": "neck_pain",
        "severity": "mild",
        "duration": 3,
        "health_factors": ["lymphedema", "lymphoedema"],
    }
)
@example(
    {
        "condition": "neck_pain",
        "severity": 2,
        "duration": 3.5,
        "patient": 12345,
        "age": 120,
        "sessions_per_week": 7,
        "start_date": "2026-12-01",
    }
)
def test_quick_path_agrees_with_the_model(data: dict[str, Any]) -> None:
    check(data)


@given(key=st.sampled_from(["conditon", "Condition", "extra"]), value=VALUES)
def test_unknown_keys_go_to_the_model(key: str, value: Any) -> None:
    data = {"condition": "neck_pain", "severity": 3, "duration": 2, key: value}
    assert quick_profile(data, RULES) is None
