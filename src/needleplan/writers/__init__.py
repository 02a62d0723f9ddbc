"""Writers chosen by name; each reads only Plans.

A writer renders a stream of plans as ``begin + item (+ separator + item)... + end``,
so plans can be written as they are made, or a whole document at once. Modules
are imported only when their format is asked for; each imports what every writer
shares from :mod:`needleplan.writers.base`, never this package.
"""

from __future__ import annotations

import importlib
from typing import Any

from needleplan.writers.base import Writer, plan_key

__all__ = ["Writer", "get_writer", "plan_key"]

#: format name -> (module, class name); ``pdf`` needs the optional ``pdf`` extra
_WRITERS: dict[str, tuple[str, str]] = {
    "table": ("table", "TableWriter"),
    "json": ("jsonfmt", "JsonWriter"),
    "jsonl": ("jsonfmt", "JsonLinesWriter"),
    "csv": ("csvfmt", "CsvWriter"),
    "yaml": ("yamlfmt", "YamlWriter"),
    "markdown": ("markdown", "MarkdownWriter"),
    "html": ("html", "HtmlWriter"),
    "pdf": ("pdf", "PdfWriter"),
    "fhir": ("fhir", "FhirWriter"),
    "ics": ("ics", "IcsWriter"),
}


def get_writer(name: str, **options: Any) -> Writer:
    module, cls = _WRITERS[name]
    writer: Writer = getattr(importlib.import_module(f".{module}", __name__), cls)(**options)
    return writer
