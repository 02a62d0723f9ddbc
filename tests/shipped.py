"""The shipped rule set, read once in each test process: every test module and the
``rules`` fixture share it (a rule set is frozen, so no test can change it for another)."""

from __future__ import annotations

from needleplan.rules import RuleSet
from needleplan.rulesload import load_rules

RULES: RuleSet = load_rules()
