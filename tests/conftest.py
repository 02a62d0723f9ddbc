from __future__ import annotations

import atexit
import copy
import os
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from needleplan.rules import RuleSet
from needleplan.rulesload import default_text
from tests.shipped import RULES

ROOT = Path(__file__).resolve().parent.parent
PLANS = ROOT / "plans"
CASES = Path(__file__).resolve().parent / "profiles"

os.environ.pop("FORCE_COLOR", None)
# A run started in the background by a shell (`pytest &`, nohup) inherits Ctrl-C ignored,
# and so would every needleplan the tests start: the interrupt tests need it delivered.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
# A developer's own clinic settings must not change what the tests see.
os.environ.pop("NEEDLEPLAN_CONFIG", None)
# An empty user config folder, outside the repository: matplotlib and Chromium write
# their own settings there during the handout tests.
_NO_USER_CONFIG = tempfile.mkdtemp(prefix="needleplan-tests-config-")
atexit.register(shutil.rmtree, _NO_USER_CONFIG, ignore_errors=True)
os.environ["XDG_CONFIG_HOME"] = _NO_USER_CONFIG
os.environ["COLUMNS"] = "100"
os.environ["TERMINAL_WIDTH"] = "100"


# The shipped rule set as plain data, read once, with libyaml where PyYAML has it. A test
# changes a copy, writes it out and has needleplan read it through its own loader.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_SHIPPED_DATA: dict[str, Any] = yaml.load(default_text(), Loader=_LOADER)


def shipped_data() -> dict[str, Any]:
    """A fresh copy of the shipped rule set as plain data, for a test to change."""
    return copy.deepcopy(_SHIPPED_DATA)


def yaml_bytes(data: Any) -> bytes:
    """``data`` written as a YAML document (keys in their order), UTF-8."""
    return yaml.dump(data, Dumper=_DUMPER, allow_unicode=True, sort_keys=False).encode()


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    return RULES


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"COLUMNS": "100", "NO_COLOR": "1", "FORCE_COLOR": None})


def invoke(runner: CliRunner, *args: str, input: str | None = None):
    from needleplan.cli import app

    return runner.invoke(app, list(args), input=input)


def needleplan(*args: str, **kwargs):
    """Run the console command in a fresh process (bytes in, bytes out)."""
    import subprocess
    import sys

    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("timeout", 120)
    return subprocess.run([sys.executable, "-m", "needleplan", *args], check=False, **kwargs)


def python_says(*lines: str) -> list[str]:
    """What a fresh Python process running ``lines`` prints, word by word."""
    import subprocess
    import sys

    code = "\n".join(lines)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return proc.stdout.split()


def check_jsonschema(schema: Path, files: list[Path]) -> dict[str, bool]:
    """Whether the ``check-jsonschema`` command accepts each file (one run for them all)."""
    import json
    import subprocess
    import sys

    tool = Path(sys.executable).parent / "check-jsonschema"
    proc = subprocess.run(
        [str(tool), "--schemafile", str(schema), "-o", "json", *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(proc.stdout)
    refused = {e["filename"] for e in report.get("errors", [])}
    refused |= {e["filename"] for e in report.get("parse_errors", [])}
    return {str(f): str(f) not in refused for f in files}
