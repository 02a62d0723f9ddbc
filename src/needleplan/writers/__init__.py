"""Writers chosen by name; each reads only Plans.

A writer renders a stream of plans as ``begin + item (+ separator + item)... + end``,
so plans can be written as they are made, or a whole document at once. Modules
are imported only when their format is asked for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from needleplan.plan import Plan

#: format name -> (module, class name)
FORMATS: dict[str, tuple[str, str]] = {
    "table": ("table", "TableWriter"),
    "json": ("jsonfmt", "JsonWriter"),
    "jsonl": ("jsonfmt", "JsonLinesWriter"),
    "csv": ("csvfmt", "CsvWriter"),
    "yaml": ("yamlfmt", "YamlWriter"),
    "markdown": ("markdown", "MarkdownWriter"),
    "fhir": ("fhir", "FhirWriter"),
    "ics": ("ics", "IcsWriter"),
}


class Writer:
    """Base writer. ``many`` says whether the output holds several plans."""

    name = ""
    extension = ".txt"
    #: False when the whole document must be built at once (FHIR Bundle, calendar)
    streaming = True

    def __init__(self, **options: Any) -> None:
        self.options = options
        #: messages for stderr gathered while rendering (e.g. an empty calendar)
        self.notes: list[str] = []

    def begin(self, many: bool) -> str:
        return ""

    def separator(self, many: bool) -> str:
        return ""

    def item(self, plan: Plan, many: bool) -> str:
        raise NotImplementedError

    def end(self, many: bool) -> str:
        return ""

    def document(self, plans: list[Plan], many: bool) -> str:
        parts = [self.item(p, many) for p in plans]
        return self.begin(many) + self.separator(many).join(parts) + self.end(many)

    def file_text(self, plan: Plan) -> str:
        """The content of one output file (``--output-dir``) for one plan."""
        return self.document([plan], many=False)


def plan_key(plan: Plan, *extra: str) -> str:
    """A stable hex key for a plan (file, patient, condition, rule set, extras): ids and UIDs."""
    import hashlib
    import json

    basis = [plan.source, plan.patient, plan.condition, plan.rules.sha256, *extra]
    return hashlib.sha256(json.dumps(basis, ensure_ascii=False).encode()).hexdigest()


def get_writer(name: str, **options: Any) -> Writer:
    module, cls = FORMATS[name]
    writer: Writer = getattr(importlib.import_module(f".{module}", __name__), cls)(**options)
    return writer


def renderer(name: str, mode: str, options: dict[str, Any]) -> Any:
    """A picklable-by-reference factory for worker processes: item or file renderer."""
    writer = get_writer(name, **options)
    if mode == "file":
        return writer.file_text
    if not writer.streaming:
        return None
    return lambda plan: writer.item(plan, options.get("_many", True))
