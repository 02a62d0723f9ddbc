"""Every line of the patient's page, for every shipped example's plan and review, is a
text of the rule set (filled with the plan's numbers and names)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from needleplan.loading import load_profile
from needleplan.planner import plan
from needleplan.reviewer import review

PLANS = sorted((Path(__file__).resolve().parents[2] / "plans").glob("*.yaml"))
TODAY = dt.date(2027, 3, 1)
_PLACEHOLDER = re.compile(r"\{[a-z_][a-z0-9_]*(?:[:!][^{}]*)?\}")
#: Headings the red-flag screen's pages still name in Python (screening.py).
NOT_YET_IN_THE_RULE_SET = frozenset(
    ("What to do now", "If it gets worse", "What can help meanwhile", "When not to wait")
)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value.strip()
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


class Said:
    """The rule set's texts: as written, and (with placeholders) as patterns."""

    def __init__(self, rules: Any) -> None:
        self.texts = {t for t in _strings(rules.to_data()) if t}
        self.patterns: list[tuple[re.Pattern[str], bool]] = []
        for text in self.texts:
            parts = _PLACEHOLDER.split(text)
            if len(parts) > 1:
                pattern = re.compile("(.+?)".join(re.escape(p) for p in parts))
                self.patterns.append((pattern, len("".join(parts).strip()) >= 12))

    def holds(self, line: str, depth: int = 0) -> bool:
        """``line`` is a text of the rule set, or a template of it filled with its texts
        and names (a template of few words of its own must hold at least one text)."""
        if line in self.texts:
            return True
        if depth > 4:
            return False
        for text in self.texts:  # a line led by another ('{first} {lead}')
            if line.startswith(text + " ") and self.holds(line[len(text) + 1 :], depth + 1):
                return True
        for pattern, worded in self.patterns:
            match = pattern.fullmatch(line)
            if match is None:
                continue
            values = match.groups()
            texts = [v for v in values if self.holds(v, depth + 1)]
            names = [v for v in values if v not in texts and _a_name(v)]
            if len(texts) + len(names) == len(values) and (worded or texts):
                return True
        return False


def _a_name(value: str) -> bool:
    """A name or number a plan fills in: short, and no sentence."""
    return len(value) <= 80 and re.search(r"[.!?]", value) is None


@pytest.fixture(scope="module")
def said(rules: Any) -> Said:
    return Said(rules)


def _pages(path: Path, rules: Any) -> Iterator[Any]:
    profile = load_profile(path, rules)
    yield plan(profile, rules).advice
    if profile.log:
        yield review(profile, rules, TODAY).advice


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_every_line_of_the_page_is_the_rule_sets(path: Path, rules: Any, said: Said) -> None:
    for page in _pages(path, rules):
        lines = [page.title, page.lead]
        lines += [line for s in page.sections for line in (s.heading, *s.items)]
        for line in filter(None, lines):
            if line in NOT_YET_IN_THE_RULE_SET:
                continue
            assert said.holds(line), line


def test_a_line_not_in_the_rule_set_is_caught(said: Said) -> None:
    assert not said.holds("Upper trapezius (right): a sentence no rule set holds.")
    assert not said.holds("Your pain is gone, well done!")
