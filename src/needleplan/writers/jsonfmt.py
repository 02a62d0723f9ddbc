"""``json`` (one object for one file, a list for several) and ``jsonl`` (a plan per line).

Both render ``plan.to_dict()``; a ``jsonl`` line is ``plan.to_json()``, the same text as
``json.dumps(plan.to_dict(), ensure_ascii=False, separators=(",", ":"))``.
"""

from __future__ import annotations

import json

from needleplan.results import Plan
from needleplan.writers.base import Writer


class JsonWriter(Writer):
    name = "json"
    extension = ".json"

    def begin(self, many: bool) -> str:
        return "[\n" if many else ""

    def separator(self, many: bool) -> str:
        return ",\n"

    def item(self, plan: Plan, many: bool) -> str:
        text = json.dumps(plan.to_dict(), indent=2, ensure_ascii=False)
        return "\n".join("  " + line for line in text.splitlines()) if many else text

    def end(self, many: bool) -> str:
        return "\n]\n" if many else "\n"

    def document(self, plans: list[Plan], many: bool) -> str:
        if many and not plans:
            return "[]\n"
        return super().document(plans, many)


class JsonLinesWriter(Writer):
    name = "jsonl"
    extension = ".jsonl"

    def item(self, plan: Plan, many: bool) -> str:
        return plan.to_json() + "\n"  # the same text as json.dumps of to_dict(), compact
