"""The summary that ends a batch on a terminal: one row per patient, then counts.

A pure function of the plan (or review) dicts and the sources that were
invalid: ``summary(plans, invalid, width=80) -> str``. Plain text, fitted to
the width; text from profiles goes through :func:`inert`.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import inert
from .textfit import ELLIPSIS, cell_len, fit, glue, wrap
from .vocab import spoken

#: In the order a clinician looks at them: the ones that stop needling first.
DECISION_ORDER = (
    "refer",
    "do_not_needle",
    "not_indicated",
    "needle_with_caution",
    "needle",
    "emergency",
    "stop_needling",
    "discharge",
    "extend",
    "continue",
)
INVALID = "invalid"


def _decision(d: Mapping[str, Any]) -> str:
    return str(d.get("decision") or d.get("verdict") or "")


#: Short words for the table's column (the counts below it use the full words).
SHORT = {"needle_with_caution": "caution"}


def _decision_text(d: Mapping[str, Any]) -> str:
    name = SHORT.get(_decision(d), spoken(_decision(d)))
    urgency = d.get("urgency")
    if urgency and urgency != "none" and name in ("refer", "stop needling"):
        return f"{name} ({str(urgency).replace('_', ' ')})"
    return name


def _sessions(d: Mapping[str, Any]) -> str:
    if "verdict" in d:
        nxt = d.get("next") or {}
        return f"+{nxt.get('sessions', 0)}" if nxt.get("sessions") else "0"
    course = d.get("course") or {}
    sessions = d.get("sessions") or {}
    block = course.get("initial_block", 0)
    if not block:
        return "0"
    return f"{block}/{sessions.get('suggested', block)}"


def _flags(d: Mapping[str, Any]) -> str:
    flags = d.get("flags") or []
    if "verdict" in d:
        change = d.get("change") or {}
        if d.get("baseline_nrs") is None:
            return ""
        return f"NRS {d['baseline_nrs']} -> {d['latest_nrs']}" + (
            " (meaningful)" if change.get("meaningful") else ""
        )
    if not flags:
        avoided = [s for s in d.get("sites") or [] if s.get("verdict") == "avoid"]
        return f"0; {len(avoided)} site(s) to avoid" if avoided else "0"
    first = flags[0]
    more = f" +{len(flags) - 1}" if len(flags) > 1 else ""
    return f"{len(flags)}: {inert(str(first.get('label', '')))}{more}"


def _common_folder(sources: Sequence[str]) -> str:
    """The folder every source is in ('' if none is shared, or if there is one source)."""
    if len(sources) < 2 or any(src in ("-", "<stdin>") for src in sources):
        return ""
    try:
        folder = os.path.commonpath([os.path.dirname(src) or "." for src in sources])
    except ValueError:  # absolute and relative paths mixed
        return ""
    return "" if folder in ("", ".") else folder


def _within(source: str, folder: str) -> str:
    name = os.path.relpath(source, folder) if folder else source
    root, ext = os.path.splitext(name)
    return root if folder and ext in (".yaml", ".yml") else name


def _cut_left(text: str, width: int) -> str:
    """A file name cut at its start (the end names the file)."""
    if cell_len(text) <= width:
        return text
    while text and cell_len(text) > width - 1:
        text = text[1:]
    return ELLIPSIS + text


def summary(plans: Sequence[Mapping[str, Any]], invalid: Sequence[str], *, width: int = 80) -> str:
    """One row per profile (source, patient, decision, sessions, flags), then counts."""
    width = max(width, 50)
    sources = [str(d.get("source") or "-") for d in plans] + list(invalid)
    folder = _common_folder(sources)
    rows: list[tuple[str, str, str, str, str]] = [
        (
            inert(_within(str(d.get("source") or "-"), folder)),
            inert(str(d.get("patient") or "-")),
            _decision_text(d),
            _sessions(d),
            _flags(d),
        )
        for d in plans
    ]
    rows += [(inert(_within(src, folder)), "-", INVALID, "-", "see the errors") for src in invalid]
    reviews = any("verdict" in d for d in plans)
    where = f"{inert(folder)}/*.yaml" if folder else "file"
    head = (where, "patient", "verdict" if reviews else "decision", "block/all", "flags")
    if reviews:
        head = (where, "patient", "verdict", "next", "change")
    # widths: decision and sessions whole; patient up to 12; source shares the rest with flags
    w_dec = max(cell_len(r[2]) for r in [head, *rows])
    w_ses = max(cell_len(r[3]) for r in [head, *rows])
    w_pat = min(12, max(cell_len(r[1]) for r in [head, *rows]))
    rest = width - w_dec - w_ses - w_pat - 8
    w_src = min(max(cell_len(r[0]) for r in [head, *rows]), max(rest * 3 // 5, 12))
    w_flag = max(rest - w_src, 8)

    def line(r: tuple[str, str, str, str, str]) -> str:
        cells = (
            _cut_left(r[0], w_src),
            fit(r[1], w_pat),
            r[2],
            r[3],
            fit(r[4], w_flag),
        )
        widths = (w_src, w_pat, w_dec, w_ses, w_flag)
        return "  ".join(
            c + " " * (w - cell_len(c)) for c, w in zip(cells, widths, strict=True)
        ).rstrip()

    n = len(rows)
    out = [f"Summary: {n} profile{'s' if n != 1 else ''}", line(head)]
    out += [line(r) for r in rows]
    counts = Counter(_decision(d) for d in plans)
    counts[INVALID] = len(invalid)
    order = [k for k in DECISION_ORDER if counts[k]] + sorted(
        k for k in counts if k not in DECISION_ORDER and k != INVALID and counts[k]
    )
    if counts[INVALID]:
        order.append(INVALID)
    tally = ", ".join(glue(f"{k.replace('_', ' ')} {counts[k]}") for k in order)
    out += ["", *wrap(f"By {'verdict' if reviews else 'decision'}: {tally}", width, indent=4)]
    return "\n".join(out) + "\n"
