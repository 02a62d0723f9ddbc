"""The rule-set loader: the shipped rules, the snapshot, and every way a custom file fails."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from needleplan import RulesError, rulesload
from needleplan.errors import UsageError
from needleplan.rulesload import load_rules, parse_rules, rules_from_data
from tests.conftest import PLANS, invoke

DEFAULT = rulesload.default_text()


def _data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DEFAULT)
    return data


def _problems(data: Any) -> list[str]:
    raw = yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode()
    with pytest.raises(RulesError) as info:
        parse_rules(raw, "clinic.yaml")
    problems = info.value.problems
    assert all(p.source == "clinic.yaml" for p in problems)
    assert all(p.line is not None and p.line >= 1 for p in problems)
    return [p.message for p in problems]


def test_shipped_rules_are_the_yaml_file() -> None:
    """The shipped rule set is the YAML file, validated: its hash is the file's."""
    assert load_rules().sha256 == hashlib.sha256(DEFAULT).hexdigest()
    assert load_rules().to_data() == parse_rules(DEFAULT, "x").to_data()


def test_rule_set_built_in_python() -> None:
    built = rules_from_data(_data())
    assert built.to_data() == load_rules().to_data()
    assert len(built.sha256) == 64  # hashed from its content when no file is behind it
    assert built.sha256 == rules_from_data(_data()).sha256


def _mutate(path: str, value: Any) -> dict[str, Any]:
    data = _data()
    *parents, last = path.split(".")
    node: Any = data
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is _DELETE:
        del node[last]
    else:
        node[int(last) if isinstance(node, list) else last] = value
    return data


_DELETE = object()

REFERENCE_CASES = [
    ("conditions.neck_pain.sources", ["nobody-2020"], "unknown source 'nobody-2020'"),
    ("conditions.neck_pain.companions", {"yoga": "fits"}, "unknown companion 'yoga'"),
    ("duration.companions", {"chronic": {"yoga": "x"}}, "unknown companion 'yoga'"),
    ("severity.moderate_max", 3, "must be greater than mild_max"),
    ("duration.chronic_above_weeks", 2, "must not be less than acute_below_weeks"),
    ("severity.block_step", {"mild": 1, "moderate": 0, "severe": 0}, "must not decrease"),
    ("duration.block_step", {"acute": 1, "subacute": 0, "chronic": 1}, "must not decrease"),
    ("conditions.neck_pain.initial_block", {"low": 4, "high": 2}, "needs low <= high"),
    ("conditions.shoulder_pain.initial_block", {"low": 1, "high": 2}, "smallest dose a trial"),
    ("conditions.neck_pain.initial_block", {"low": 2, "high": 5}, "largest dose a trial"),
    ("conditions.neck_pain.ceiling", 3, "must not be below the initial block"),
    ("health_factors.fever.urgency", "none", "a red flag needs an urgency"),
    ("health_factors.smoker.urgency", "same_day", "only red flags carry an urgency"),
    ("sites.psoas.risks", ["made_up"], "unknown site risk 'made_up'"),
    ("site_rules.0.factors_any", ["nobody"], "unknown health factor 'nobody'"),
    ("unchecked.pressure.when_factors_any", ["nobody"], "unknown health factor 'nobody'"),
    ("retired_ids", {"smoker": "gone"}, "must not also be a health factor"),
    ("conditions.low_back_pain.aliases", ["neck"], "'neck' already names 'neck_pain'"),
    ("health_factors.smoker.sources", ["x-1"], "unknown source 'x-1'"),
    ("underlying_factors.poor_posture.companions", {"yoga": "x"}, "unknown companion 'yoga'"),
    ("companions.stretching.sources", ["x-2"], "unknown source 'x-2'"),
    ("age_rules.0.sources", ["x-3"], "unknown source 'x-3'"),
    ("site_rules.0.sources", ["x-4"], "unknown source 'x-4'"),
    ("expectations.0.sources", ["x-5"], "unknown source 'x-5'"),
    ("course.no_response_sources", ["x-6"], "unknown source 'x-6'"),
    ("cadence.sources", ["x-7"], "unknown source 'x-7'"),
    ("review.events.bruising.sources", ["x-8"], "unknown source 'x-8'"),
    ("site_rules.0.risk", "made_up", "unknown site risk 'made_up'"),
    ("site_rules.4.in_place_of", "smoker", "must name a health factor with place: true"),
    ("note_words.0.factor", "nobody", "unknown health factor 'nobody'"),
    ("expectations.0.conditions", ["nowhere"], "unknown condition 'nowhere'"),
    ("start_back.applies_to", ["nowhere"], "unknown condition 'nowhere'"),
]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    REFERENCE_CASES,
    ids=[c[0] + ":" + c[2][:20] for c in REFERENCE_CASES],
)
def test_reference_problems_are_located(path: str, value: Any, message: str) -> None:
    messages = _problems(_mutate(path, value))
    assert any(message in m for m in messages), messages


def test_duplicate_source_id() -> None:
    data = _data()
    data["sources"].append(dict(data["sources"][0]))
    assert any("defined twice" in m for m in _problems(data))


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("cadence.max_per_week", 9, "cadence.max_per_week"),
        ("conditions.neck_pain.per_week", "twice", "conditions.neck_pain.per_week"),
        ("conditions.neck_pain.colour", "red", "unknown key 'colour'"),
        ("health_factors.smoker.level", "worrying", "must be one of"),
        ("name", _DELETE, "missing required key 'name'"),
        ("conditions.neck_pain.sources", [], "needs at least 1 item"),
        ("conditions.neck_pain.initial_block", [2, 4], "initial_block"),
        ("sites.psoas.body_part", "tail", "sites.psoas.body_part"),
        ("cadence", 2, "cadence"),
        # rule-set text is printed as it is in every format (FHIR's XHTML too): no controls
        ("conditions.neck_pain.label", "Neck \x1b[31mpain", "control or format character"),
        ("conditions.neck_pain.label", "Neck \u202epain", "control or format character"),
        ("note_words.0.words.0", "ab", "at least 3 characters"),
    ],
)
def test_field_problems_are_located(path: str, value: Any, message: str) -> None:
    messages = _problems(_mutate(path, value))
    assert any(message in m for m in messages), messages


def test_not_a_mapping_and_not_yaml(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="must be a mapping"):
        parse_rules(b"- a\n- b\n", "r.yaml")
    with pytest.raises(RulesError, match="is not closed"):
        parse_rules(b"name: [x\n", "r.yaml")
    with pytest.raises(RulesError, match="NUL bytes"):
        parse_rules(b"\x00\x01", "r.yaml")


def test_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from needleplan import yamlio

    monkeypatch.setattr(yamlio, "MAX_RULES_BYTES", 1000)
    with pytest.raises(RulesError, match="MAX_RULES_BYTES"):
        parse_rules(DEFAULT, "big.yaml")
    big = tmp_path / "big.yaml"
    big.write_bytes(DEFAULT)
    with pytest.raises(RulesError, match="MAX_RULES_BYTES"):
        load_rules(big)


def test_unreadable_rules_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read rules file"):
        load_rules(tmp_path / "missing.yaml")
    with pytest.raises(UsageError, match="cannot read rules file"):
        load_rules(tmp_path)  # a directory


def test_cli_reports_broken_rules_with_exit_2(runner, tmp_path: Path) -> None:
    broken = tmp_path / "clinic.yaml"
    broken.write_text(yaml.safe_dump(_mutate("conditions.neck_pain.sources", ["nobody"])))
    for args in (
        ["suggest", str(PLANS / "neck-chronic.yaml")],
        ["validate", str(PLANS)],
        ["rules"],
        ["new"],
    ):
        result = invoke(runner, *args, "--rules", str(broken))
        assert result.exit_code == 2, args
        assert f"{broken}:" in result.stderr and "unknown source 'nobody'" in result.stderr
        assert result.stdout == ""
        assert "Traceback" not in result.stderr
    missing = invoke(runner, "suggest", "--rules", str(tmp_path / "nope.yaml"), str(PLANS))
    assert missing.exit_code == 2 and "cannot read rules file" in missing.stderr


def test_model_built_in_python_checks_references() -> None:
    data = _mutate("conditions.neck_pain.sources", ["nobody"])
    with pytest.raises(ValueError, match="unknown source 'nobody'"):
        rules_from_data(data)


def test_a_rules_pipe_that_never_delivers_times_out(tmp_path: Path, monkeypatch) -> None:
    import os

    from needleplan import yamlio

    monkeypatch.setattr(yamlio, "READ_TIMEOUT_SECONDS", 0.2)
    fifo = tmp_path / "rules.yaml"
    os.mkfifo(fifo)
    with pytest.raises(RulesError, match="READ_TIMEOUT_SECONDS"):
        load_rules(fifo)


def test_parent_versions_replace_the_patients_only_for_a_parent() -> None:
    rules = load_rules()
    texts = [
        *rules.health_factors.values(),
        *rules.site_rules,
        *rules.review.events.values(),
    ]
    with_parent = [t for t in texts if t.parent_message]
    assert with_parent, "the shipped rules give parent versions"
    for entry in with_parent:
        assert entry.message_for("parent") == entry.parent_message
        assert entry.message_for("patient") == entry.patient_message
    for entry in (t for t in texts if not t.parent_message):
        assert entry.message_for("parent") == entry.patient_message
    for companion in rules.companions.values():
        expected = companion.parent_text or companion.patient_text
        assert companion.text_for("parent") == expected
        assert companion.text_for("patient") == companion.patient_text
    from needleplan.wording import say

    assert say(rules, "page.title.needle", "parent") != say(rules, "page.title.needle")
