"""Reading a rule set: the shipped ``rules/default.yaml`` or a clinic's own file.

The bytes are bounded, parsed by the one YAML loader, validated by the rule
set's models (:mod:`needleplan.rules`) and checked for cross-references; a
broken rule set is refused with located problems (:class:`RulesError`, exit
code 2). Nothing is cached: the shipped rule set is read and validated each
time it is asked for (a few tens of milliseconds), once per run.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from . import yamlio
from .errors import InputError, Problem, RulesError, UsageError
from .rules import ADAPTER, RuleSet
from .validation import dotted, problems_from

DEFAULT_SOURCE = "needleplan:rules/default.yaml"


def default_text() -> bytes:
    """The shipped rule set's bytes."""
    data: bytes = resources.files("needleplan").joinpath("rules/default.yaml").read_bytes()
    return data


def parse_rules(raw: bytes, source: str) -> RuleSet:
    """Validate rule set bytes; raise :class:`RulesError` with located problems."""
    if len(raw) > yamlio.MAX_RULES_BYTES:
        kib = yamlio.MAX_RULES_BYTES // 1024
        message = f"the rule set is larger than {kib} KiB (limit MAX_RULES_BYTES)"
        raise RulesError([Problem(source, message)])
    try:
        doc = yamlio.parse(yamlio.decode(raw, source), source, max_nodes=yamlio.MAX_RULES_NODES)
    except InputError as exc:  # the loader's problems, reported as a rules error
        raise RulesError(exc.problems) from None
    if not isinstance(doc.data, dict):
        raise RulesError([Problem(source, "a rule set must be a mapping of keys to values", 1, 1)])
    try:
        rules: RuleSet = ADAPTER.validate_python(doc.data)
    except ValidationError as exc:
        raise RulesError(problems_from(exc, doc, messages=None)) from None
    problems = list(rules.reference_problems())
    if problems:  # the position tree is built only to place a problem
        positions = doc.positions()
        raise RulesError(
            [
                Problem(source, f"{dotted(loc)}: {message}", *positions.value(loc))
                for loc, message in problems
            ]
        )
    object.__setattr__(rules, "_sha256", hashlib.sha256(raw).hexdigest())
    return rules


def rules_from_data(data: Any) -> RuleSet:
    """Validate plain data (e.g. a parsed YAML mapping) into a rule set.

    Raises pydantic's ``ValidationError`` for a field problem and ``ValueError``
    for a broken cross-reference (use :func:`parse_rules` for located messages).
    """
    rules: RuleSet = ADAPTER.validate_python(data)
    problems = list(rules.reference_problems())
    if problems:
        raise ValueError("; ".join(f"{dotted(loc)}: {msg}" for loc, msg in problems))
    return rules


def load_rules(path: str | Path | None = None) -> RuleSet:
    """The shipped rule set (``path=None``) or a custom one, read and validated."""
    if path is None:
        return parse_rules(default_text(), DEFAULT_SOURCE)
    p = Path(path)
    try:
        if p.is_dir():
            raise IsADirectoryError(21, "it is a folder")
        raw = yamlio.read_bounded(p, str(p), yamlio.MAX_RULES_BYTES)  # bounded in size and time
    except InputError as exc:
        raise RulesError(exc.problems) from None
    except OSError as exc:
        raise UsageError(f"cannot read rules file '{p}': {exc.strerror or exc}") from None
    return parse_rules(raw, str(p))
