"""``needleplan validate``: check profiles without planning them.

Problems go to stderr (``text``) or into a JSON report on stdout (``json``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .batch import check
from .errors import EXIT_INVALID, EXIT_OK, to_stderr
from .inputs import profiles

if TYPE_CHECKING:
    from .rules import RuleSet


def run_validate(paths: Sequence[str], rules: RuleSet, fmt: str) -> int:
    """Check every profile named; the exit code (0 all valid, 1 any invalid)."""
    inputs, _ = profiles(paths)  # none at all is a usage error, as for suggest and review
    report: list[dict[str, object]] = []
    invalid = 0
    for outcome in check(inputs, rules):
        invalid += not outcome.ok
        if fmt == "json":
            report.append(
                {
                    "source": outcome.source,
                    "valid": outcome.ok,
                    "problems": [p.to_dict() for p in outcome.problems],
                }
            )
        else:
            for line in outcome.messages():
                to_stderr(line)
    if fmt == "json":
        sys.stdout.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    else:
        to_stderr(f"needleplan: {len(inputs)} profile(s) checked, {invalid} invalid")
    return EXIT_INVALID if invalid else EXIT_OK
