"""Every sentence needleplan says comes from the rule set's texts, through one step."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from needleplan.errors import RulesError
from needleplan.explain import _all_ids, explain
from needleplan.loading import profile_from_text
from needleplan.planner import plan
from needleplan.rulesload import parse_rules
from needleplan.rulesview import rules_table
from needleplan.schedule import ClinicCalendar
from needleplan.template import template
from needleplan.wording import TEXT_IDS, say
from tests.conftest import shipped_data, yaml_bytes

SRC = Path(__file__).resolve().parents[2] / "src" / "needleplan"


def _data() -> dict[str, Any]:
    return shipped_data()


def _rules(data: dict[str, Any]) -> Any:
    return parse_rules(yaml_bytes(data), "clinic.yaml")


def _said_ids() -> set[str]:
    """The text ids the code passes as literals to say() (the rule set, then the id) or
    to said() (the id first: a sentence decided now and worded later). F-string ids are
    checked by the rule set's own TEXT_IDS."""
    where = {"say": 1, "say_if": 1, "said": 0}
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            at = where.get(node.func.id)
            if at is not None and len(node.args) > at:
                key = node.args[at]
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    found.add(key.value)
    return found


def test_every_id_the_code_says_is_required_of_a_rule_set() -> None:
    said = _said_ids()
    assert said, "the code says nothing through say()?"
    assert said <= TEXT_IDS, sorted(said - TEXT_IDS)


def test_a_rule_set_without_a_text_is_refused_where_its_texts_are() -> None:
    data = _data()
    del data["texts"]["page.check"]
    with pytest.raises(RulesError) as info:
        _rules(data)
    messages = [p.message for p in info.value.problems]
    assert any("page.check" in m and "missing" in m for m in messages), messages
    assert all(p.line for p in info.value.problems)


def test_the_views_need_only_the_texts_a_rule_set_must_have() -> None:
    """``explain`` of every id, ``rules`` and ``new`` read their words by a prefix and a
    name (``explain.field.<name>``), which the literal check above cannot see: a rule set
    with only the views' required texts (a risk's short name is optional) shows them all."""
    data = _data()
    views = ("explain.", "rules_view.", "template.", "run.", "level.")
    texts = data["texts"].items()
    data["texts"] = {k: v for k, v in texts if k in TEXT_IDS or not k.startswith(views)}
    rules = _rules(data)
    for ident in [*_all_ids(rules), *rules.retired_ids]:
        assert explain(rules, ident)
    assert "lung_field" in rules_table(rules, width=100)  # its id, without its short name
    for condition in rules.conditions:
        assert template(rules, condition)


@pytest.mark.parametrize(
    "key", ["explain.title.site", "rules_view.heading.sites", "template.intro", "run.wrote"]
)
def test_a_views_missing_text_is_refused_where_its_texts_are(key: str) -> None:
    data = _data()
    del data["texts"][key]
    with pytest.raises(RulesError) as info:
        _rules(data)
    assert [p.message for p in info.value.problems] == [
        f"texts: text '{key}' is missing (needleplan says it)"
    ]
    assert all(p.line for p in info.value.problems)


@pytest.mark.parametrize("broken", ["After session {n", "After session {n!}", "{0} sessions"])
def test_a_broken_placeholder_is_refused(broken: str) -> None:
    data = _data()
    data["texts"]["page.check"] = broken
    with pytest.raises(RulesError) as info:
        _rules(data)
    assert any("placeholder" in p.message for p in info.value.problems)


@pytest.mark.parametrize("key", ["page.heading.why", "page.check"])
def test_a_doubled_brace_is_one_brace_with_or_without_values(key: str) -> None:
    """The rule set's own rule ("write {{ for a brace") holds for a text with
    placeholders and for one without."""
    data = _data()
    data["texts"][key] = "Braces {{like these}} stay" + (
        " after {n}" if key == "page.check" else ""
    )
    rules = _rules(data)
    assert say(rules, key, "patient", n=3).startswith("Braces {like these} stay")
    assert say(rules, key).startswith("Braces {like these} stay")


@pytest.mark.parametrize("text", ["file {n:d}", "{n:+d} points", "{share:.0%} of it", "{x}"])
def test_a_placeholder_without_a_value_stays_as_written(text: str) -> None:
    """A clinic's text may format a value it is not given (a spec included): it is
    printed as written, never an error."""
    data = _data()
    data["texts"]["page.heading.why"] = text
    assert say(_rules(data), "page.heading.why") == text


def test_a_parent_reads_the_parent_version_and_a_patient_the_other(rules: Any) -> None:
    patient = say(rules, "page.check", "patient", n=3)
    parent = say(rules, "page.check", "parent", n=3)
    assert "3" in patient and "3" in parent
    assert "your child" in parent and "child" not in patient


def test_a_text_without_a_parent_version_is_the_same_for_both(rules: Any) -> None:
    assert say(rules, "page.heading.why", "parent") == say(rules, "page.heading.why", "patient")


def test_a_clinic_rewording_reaches_the_plan_unchanged() -> None:
    data = _data()
    data["texts"]["plan_rules.no_pain.told"] = {
        "text": "No pain today: no needles today.",
        "parent": "Your child has no pain today: no needles today.",
    }
    rules = _rules(data)
    profile = profile_from_text(
        "condition: neck_pain\nseverity: 0\nduration: 8 weeks\nage: 40\n", rules=rules
    )
    result = plan(profile, rules)
    told = [f.patient_message for f in result.flags if f.id == "no_pain"]
    assert told == ["No pain today: no needles today."]
    lines = [line for s in result.advice.sections for line in s.items]
    assert "No pain today: no needles today." in lines


def _late_start_plan(days_over: int) -> Any:
    data = _data()
    data["plan_rules"]["late_start"]["days_over"] = days_over
    rules = _rules(data)
    text = (
        "condition: neck_pain\nsites: {upper_trapezius: right}\nseverity: 6\n"
        "duration: 10 weeks\nage: 40\nstart_date: 2026-12-01\n"
    )
    # the red-flag questions answered (no), where the profile asks them
    asked = plan(profile_from_text(text, rules=rules), rules).checks
    if asked:
        text += "screening:\n" + "".join(f"  {c.id}: no\n" for c in asked)
    profile = profile_from_text(text, rules=rules)
    holidays = frozenset(dt.date(2026, 12, 1) + dt.timedelta(days=d) for d in range(20))
    return plan(profile, rules, calendar=ClinicCalendar(holidays=holidays))


def test_the_late_start_threshold_is_the_rule_sets() -> None:
    """The first bookable day is 20 days after the start date: said past 14 days, not
    past 30."""
    late = [w for w in _late_start_plan(14).warnings if w.kind == "schedule"]
    assert len(late) == 1 and "20 days after the start date" in late[0].message
    assert not [w for w in _late_start_plan(30).warnings if w.kind == "schedule"]


def _pregnant_plan(weeks: int, drop_past_term: bool = False) -> Any:
    data = _data()
    if drop_past_term:
        del data["plan_rules"]["past_term"]
    rules = _rules(data)
    text = (
        "condition: lateral_hip_pain\nsites: {gluteus_medius: right}\nseverity: 6\n"
        f"duration: 10 weeks\nage: 30\nhealth_factors:\n  - pregnancy: {weeks} weeks\n"
    )
    asked = plan(profile_from_text(text, rules=rules), rules).checks
    if asked:
        text += "screening:\n" + "".join(f"  {c.id}: no\n" for c in asked)
    return plan(profile_from_text(text, rules=rules), rules)


def test_a_first_block_that_reaches_term_is_said_only_with_the_rule() -> None:
    """36 weeks and a weekly block of 6: term (40 weeks) at the fifth session."""
    said = [w for w in _pregnant_plan(36).warnings if w.kind == "past_term"]
    assert len(said) == 1 and "from session 5" in said[0].message
    assert not [w for w in _pregnant_plan(30).warnings if w.kind == "past_term"]
    without = _pregnant_plan(36, drop_past_term=True)
    assert not [w for w in without.warnings if w.kind == "past_term"]
    lines = " ".join(i for s in without.advice.sections for i in s.items)
    assert "You will be asked to sign a consent form." in lines
    assert "born" not in lines


def test_the_new_pain_age_is_the_rule_sets() -> None:
    text = "condition: neck_pain\nsites: {upper_trapezius: right}\nseverity: 6\n"
    text += "duration: 6 weeks\nage: 45\n"
    data = _data()
    shipped = _rules(data)
    before = plan(profile_from_text(text, rules=shipped), shipped)
    assert "new_pain_over_50" not in {w.kind for w in before.warnings}
    data["plan_rules"]["new_pain_over_50"]["age_at_least"] = 40
    rules = _rules(data)
    after = plan(profile_from_text(text, rules=rules), rules)
    assert "new_pain_over_50" in {w.kind for w in after.warnings}


def test_an_unknown_factor_in_a_plan_rule_is_refused() -> None:
    data = _data()
    data["plan_rules"]["fresh_pain"]["factor"] = "fresh_tear"
    with pytest.raises(RulesError) as info:
        _rules(data)
    assert any("fresh_tear" in p.message for p in info.value.problems)
