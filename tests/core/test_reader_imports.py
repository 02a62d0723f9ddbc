"""Reading a profile (YAML, validation, located errors) needs no terminal helpers."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
from needleplan.errors import InputError
from needleplan.loading import profile_from_text
from needleplan.rulesload import load_rules
from needleplan.schema import json_schema

rules = load_rules()
profile_from_text("condition: neck_pain\\nseverity: 6\\nduration: 6 weeks\\n", rules=rules)
for text in ("condition: neck_pain\\nseverity: 66\\nduration: x\\n", "notes: 日本: x: y\\n"):
    try:
        profile_from_text(text, rules=rules)
    except InputError as exc:
        [p.format() for p in exc.problems]
json_schema("profile", rules)
print(" ".join(sorted(sys.modules)))
"""


def test_reading_imports_no_terminal_helper() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "needleplan.yamlio" in out and "needleplan.validation" in out
    terminal = {"rich", "needleplan.textfit", "needleplan.shell", "typer", "click"}
    assert not terminal & set(out)
