"""needleplan and its own JSON Schema accept and refuse the same profiles.

The schema is generated from the profile model; this holds the two together
on generated documents and on the awkward values that once split them.
Checked on the data (after YAML loading) with the validator check-jsonschema
uses, and end to end with check-jsonschema itself on a few files.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from needleplan.profile import ConditionProfile
from needleplan.rulesload import load_rules
from needleplan.schema import json_schema

RULES = load_rules()
SCHEMA = json_schema("profile", RULES)
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


def needleplan_accepts(data: Any) -> bool:
    try:
        ConditionProfile.model_validate(data, context={"rules": RULES})
    except ValidationError:
        return False
    return True


def schema_accepts(data: Any) -> bool:
    return VALIDATOR.is_valid(data)


def agree(data: Any) -> None:
    ours, theirs = needleplan_accepts(data), schema_accepts(data)
    assert ours == theirs, (
        f"needleplan {'accepts' if ours else 'refuses'}, schema "
        f"{'accepts' if theirs else 'refuses'}: {data!r}"
    )


BASE = {"condition": "neck_pain", "severity": 6, "duration": "6 weeks"}

AWKWARD: list[tuple[str, Any]] = [
    ("duration", "6 Weeks"),
    ("duration", "6 weeks "),
    ("duration", " 6 weeks"),
    ("duration", "６ weeks"),
    ("duration", "٣ weeks"),
    ("duration", "1" + "0" * 400),
    ("duration", 1e400),
    ("duration", "10 days"),
    ("duration", "4 months"),
    ("duration", "2 years"),
    ("duration", 14),
    ("duration", 14.5),
    ("duration", "14"),
    ("duration", "1.5 yrs"),
    ("duration", -1),
    ("duration", True),
    ("severity", "07"),
    ("severity", "7"),
    ("severity", "٣"),
    ("severity", "²"),
    ("severity", " 7"),
    ("severity", 7.0),
    ("severity", 7.5),
    ("severity", 11),
    ("severity", "mild"),
    ("severity", "Mild"),
    ("severity", False),
    ("severity", 10**70),
    ("start_date", "2026-12-01"),
    ("start_date", "2026-12-01 "),
    ("start_date", "2026-W49-2"),
    ("start_date", "2026-02-30"),
    ("start_date", "9999-12-31"),
    ("start_date", "1899-12-31"),
    ("start_date", 20261201),
    ("patient", "7" * 70),
    ("patient", 10**70),
    ("patient", 42),
    ("patient", -42),
    ("patient", "P-0042"),
    ("patient", 1.5),
    ("patient", None),
    ("age", 54.0),
    ("age", 54.5),
    ("age", 121),
    ("age", "54"),
    ("sessions_per_week", 0),
    ("sessions_per_week", 2),
    ("previous_response", "none"),
    ("previous_response", "none \u3000"),
    ("previous_response", None),
    ("region", "x" * 201),
    ("notes", None),
    ("health_factors", None),
    ("health_factors", ["diabetes"]),
    ("health_factors", ["diabetes", "diabetes"]),
    ("health_factors", ["night_pain"]),
    ("health_factors", [{"lymphoedema": "left_arm"}]),
    ("health_factors", [{"lymphoedema": ["left_arm", "right_arm"]}]),
    ("health_factors", [{"lymphoedema": "left arm"}]),
    ("health_factors", [{"pregnancy": "10 weeks"}]),
    ("health_factors", [{"pregnancy": 43}]),
    ("health_factors", [{"diabetes": "yes"}]),
    ("health_factors", [{"pregnancy": 10, "diabetes": 1}]),
    ("sites", {"upper_trapezius": "right"}),
    ("sites", {"upper_traps": "left", "upper_trapezius": "right"}),
    ("sites", {"upper_trapezius": "Right"}),
    ("sites", {"elbow": "right"}),
    ("sites", None),
    ("start_back", {"total": 5, "psychosocial": 4}),
    ("start_back", {"total": 10, "psychosocial": 4}),
    ("start_back", {"total": 5}),
    ("log", [{"date": "2026-11-01", "nrs": 7}]),
    ("log", [{"date": "2026-11-01", "nrs": 11}]),
    ("log", [{"date": "2026-11-01", "nrs": 7, "events": ["bruising"]}]),
    ("log", [{"date": "2026-11-01", "nrs": 7, "events": ["sneezing"]}]),
    ("log", [{"date": "2026-11-01", "nrs": 7, "measure": {"ndi": 20}}]),
    ("log", [{"date": "2026-11-01", "nrs": 7, "measure": {"ndi": 51}}]),
    ("log", [{"date": "2026-11-01", "nrs": 7, "groc": 8}]),
    ("log", [{"date": "2026-11-01", "nrs": 7, "needled": ["psoas"]}]),
    ("log", [{"date": "2026-11-01", "nrs": 7, "new_health_factors": ["fever"]}]),
    ("colour", "red"),
]


@pytest.mark.parametrize(("key", "value"), AWKWARD, ids=[f"{k}={v!r}"[:40] for k, v in AWKWARD])
def test_awkward_values(key: str, value: Any) -> None:
    agree({**BASE, key: value})


def test_not_a_mapping_and_missing_keys() -> None:
    for data in ([], "neck", 5, None, {}, {"condition": "neck_pain"}):
        agree(data)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-20, 200),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(
        [
            "neck_pain",
            "7",
            "07",
            "10 days",
            "6 weeks",
            "6 Weeks",
            "2026-12-01",
            "mild",
            "left_arm",
            "right",
            "both",
            "none",
            "good",
            "diabetes",
            "psoas",
            "",
            " ",
            "٣",
        ]
    ),
    st.text(max_size=8),
)
site_maps = st.dictionaries(
    st.sampled_from([*sorted(RULES.sites)[:12], "upper_traps", "ql", "elbow"]),
    st.sampled_from(["left", "right", "both", "Left", "x"]),
    max_size=4,
)
factors = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "diabetes",
                "smoker",
                "anticoagulants",
                "lymphoedema",
                "fever",
                "night_pain",
                "made_up",
            ]
        ),
        st.fixed_dictionaries({"lymphoedema": st.sampled_from(["left_arm", "trunk", "x"])}),
        st.fixed_dictionaries({"pregnancy": st.sampled_from([10, "24 weeks", 50, "x"])}),
    ),
    max_size=4,
    # one entry per factor id: the schema cannot say that an id and its alias, or an id
    # with and without a place, are the same factor (needleplan refuses both; README)
    unique_by=lambda f: next(iter(f)) if isinstance(f, dict) else f,
)
log_entries = st.lists(
    st.fixed_dictionaries(
        {
            "date": st.sampled_from(["2026-11-01", "2026-11-05", "2026-13-01"]),
            "nrs": st.integers(-1, 11),
        },
        optional={
            "groc": st.integers(-8, 8),
            "events": st.lists(
                st.sampled_from(["bruising", "fainting", "x"]), max_size=2, unique=True
            ),
        },
    ),
    max_size=1,
)
documents = st.fixed_dictionaries(
    {},
    optional={
        "condition": st.sampled_from(["neck_pain", "low_back_pain", "neck", "Neck pain", 5]),
        "severity": scalars,
        "duration": scalars,
        "patient": scalars,
        "age": scalars,
        "sessions_per_week": scalars,
        "previous_response": scalars,
        "start_date": scalars,
        "notes": scalars,
        "sites": site_maps,
        "health_factors": factors,
        "underlying_factors": st.lists(
            st.sampled_from(["poor_posture", "repetitive_strain", "x"]), max_size=2
        ),
        "log": log_entries,
    },
)


@settings(max_examples=400, deadline=None)
@given(documents)
def test_generated_documents(data: dict[str, Any]) -> None:
    agree(data)


def test_check_jsonschema_agrees_on_files(tmp_path: Path) -> None:
    tool = shutil.which("check-jsonschema") or str(Path(sys.executable).parent / "check-jsonschema")
    if not Path(tool).exists():
        pytest.skip("check-jsonschema is not installed")
    schema = tmp_path / "profile.schema.json"
    schema.write_text(json.dumps(SCHEMA))
    for name, text, valid in (
        (
            "ok.yaml",
            "condition: neck_pain\nseverity: 6\nduration: 6 weeks\n"
            "sites: {upper_trapezius: right}\n",
            True,
        ),
        ("upper.yaml", "condition: neck_pain\nseverity: 6\nduration: 6 Weeks\n", True),
        (
            "sites.yaml",
            "condition: neck_pain\nseverity: 6\nduration: 6 weeks\nsites: {elbow: right}\n",
            False,
        ),
        (
            "factor.yaml",
            "condition: neck_pain\nseverity: 6\nduration: 6 weeks\n"
            "health_factors:\n  - lymphoedema: left arm\n",
            False,
        ),
    ):
        path = tmp_path / name
        path.write_text(text)
        proc = subprocess.run(
            [tool, "--schemafile", str(schema), str(path)], capture_output=True, text=True
        )
        assert (proc.returncode == 0) == valid, (name, proc.stdout, proc.stderr)
        assert needleplan_accepts(__import__("yaml").safe_load(text)) == valid, name
