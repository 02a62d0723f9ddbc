"""The screen's and the handout's own words are the rule set's: a writer says them from
the rule set it is given, and a writer given none says the shipped rules' words."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from needleplan.loading import load_profile
from needleplan.planner import plan
from needleplan.results import Plan, Review
from needleplan.reviewer import review
from needleplan.rules import RuleSet
from needleplan.writers import get_writer

PLANS = Path(__file__).resolve().parents[2] / "plans"
TODAY = dt.date(2027, 6, 1)


def _review(rules: RuleSet) -> Review:
    path = next(iter(sorted(PLANS.glob("review-*.yaml"))))
    return review(load_profile(path, rules), rules, TODAY)


def _plan(rules: RuleSet) -> Plan:
    return plan(load_profile(PLANS / "neck-chronic.yaml", rules), rules)


def _reworded(rules: RuleSet, **texts: str) -> RuleSet:
    return dataclasses.replace(rules, texts={**rules.texts, **texts})


@pytest.mark.parametrize(
    ("fmt", "key"),
    [("table", "screen.handout"), ("markdown", "handout.name_line"), ("html", "handout.header")],
)
def test_a_writer_says_the_words_of_the_rule_set_it_is_given(
    fmt: str, key: str, rules: RuleSet
) -> None:
    own = _reworded(rules, **{key: "Words of this clinic's own rule set"})
    for result in (_plan(rules), _review(rules)):
        assert "Words of this clinic's own rule set" not in get_writer(fmt).item(result, False)
        text = get_writer(fmt, rules=own).item(result, False).replace("&#39;", "'")
        assert "Words of this clinic's own rule set" in text, (fmt, type(result).__name__)


@pytest.mark.parametrize("fmt", ["table", "markdown", "html"])
def test_a_writer_given_no_rule_set_says_the_shipped_rules_words(fmt: str, rules: RuleSet) -> None:
    for result in (_plan(rules), _review(rules)):
        given = get_writer(fmt, rules=rules).item(result, False)
        assert get_writer(fmt).item(result, False) == given


def test_the_progress_note_line_says_the_rule_sets_interval(rules: RuleSet) -> None:
    due = dataclasses.replace(_review(rules), progress_note_due=True)
    every_6 = dataclasses.replace(
        rules, course=dataclasses.replace(rules.course, progress_note_every=6)
    )
    shipped = get_writer("table", rules=rules).item(due, False)
    assert f"one at least every {rules.course.progress_note_every} sessions" in shipped
    assert "one at least every 6 sessions" in get_writer("table", rules=every_6).item(due, False)
