"""The summary of a batch on a screen: one row per profile, most urgent first, then counts.

A pure function of a run's outcomes and the rule set that words them
(``summary(outcomes, rules, width=80) -> str``: its ``summary.*`` texts and each
term's summary word). Rows
come most urgent first (the urgency order of :mod:`needleplan.vocab`), and among
equally urgent ones, results that stop or hold needling before needling plans;
invalid files come last. The words of each finding are whole: a long one wraps,
it is never cut. Plain text, fitted to the width; text from profiles goes through
:func:`inert`.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence

from .errors import inert
from .rules import RuleSet
from .run import Outcome
from .textfit import ELLIPSIS, cell_len, fit, glue, wrap
from .vocab import DECISIONS, GOING_ON, NEEDLING, REVIEW_VERDICTS, URGENCIES
from .wording import one_or_many, say
from .yamlio import STDIN_NAME

INVALID = "invalid"  # the tally's key for an invalid file
#: Below this many cells, a row's findings go on lines of their own under it.
MIN_FINDINGS_WIDTH = 24


def _rank(outcome: Outcome) -> tuple[int, int, int, int]:
    """Sort key: invalid last; most urgent first; then what stops needling; then the
    vocabulary's own order (a review's verdicts are listed mildest first)."""
    if not outcome.ok:
        return (1, 0, 0, 0)
    urgency = -URGENCIES.index(outcome.urgency)
    said = outcome.decision
    if outcome.review:
        return (0, urgency, int(said in GOING_ON), -REVIEW_VERDICTS.index(said))
    return (0, urgency, int(said in NEEDLING), DECISIONS.index(said))


def most_urgent_first(outcomes: Sequence[Outcome]) -> list[Outcome]:
    """The outcomes that were done or are invalid, most urgent first (stable otherwise)."""
    return sorted((o for o in outcomes if not o.skipped), key=_rank)


def _word(o: Outcome, rules: RuleSet) -> str:
    """A decision's or verdict's word in the summary (the term's summary word, a
    review's as its screen shows it: a hold, or its deciding finding's own term)."""
    if o.review:
        return rules.terms.verdict(o.decision, o.hold, o.deciding).summary_word  # type: ignore[arg-type]
    return rules.terms.decisions[o.decision].summary_word  # type: ignore[index]


def _decision_text(o: Outcome, rules: RuleSet) -> str:
    if not o.ok:
        return say(rules, "summary.invalid")
    name = _word(o, rules)
    if o.urgency != "none" and o.decision not in NEEDLING and o.decision not in GOING_ON:
        urgency = rules.terms.urgencies[o.urgency].summary_word  # type: ignore[index]
        return say(rules, "summary.urgent", decision=name, urgency=urgency)
    return name


def _findings(o: Outcome, rules: RuleSet) -> str:
    if not o.ok:
        return say(rules, "summary.see_errors")
    return "; ".join(inert(f) for f in o.findings) or "-"


def _common_folder(sources: Sequence[str]) -> str:
    """The folder every source is in ('' if none is shared, or if there is one source)."""
    if len(sources) < 2 or any(src in ("-", STDIN_NAME) for src in sources):
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


def summary(outcomes: Sequence[Outcome], rules: RuleSet, *, width: int = 80) -> str:
    """One row per profile (file, patient, decision, course, findings), then counts."""
    width = max(width, 50)
    shown = most_urgent_first(outcomes)
    folder = _common_folder([o.source for o in shown])
    reviews = any(o.review for o in shown)
    rows = [
        (
            inert(_within(o.source, folder)),
            inert(o.patient or "-") if o.ok else "-",
            _decision_text(o, rules),
            o.sessions if o.ok else "-",
            _findings(o, rules),
        )
        for o in shown
    ]

    where = say(rules, "summary.head.folder", folder=inert(folder)) if folder else None
    heads = ("verdict", "next", "why") if reviews else ("decision", "course", "findings")
    file, patient, decision, course, findings = (
        say(rules, f"summary.head.{name}") for name in ("file", "patient", *heads)
    )
    head = (where or file, patient, decision, course, findings)

    def widest(column: int) -> int:
        return max(cell_len(r[column]) for r in [head, *rows])

    # widths: decision and sessions whole; patient up to 12; the file name shares the rest
    w_dec = widest(2)
    w_ses = widest(3)
    w_pat = min(12, widest(1))
    rest = width - w_dec - w_ses - w_pat - 8
    w_src = min(widest(0), max(rest // 2, 12))
    w_find = rest - w_src
    below = w_find < MIN_FINDINGS_WIDTH  # too narrow: findings on lines of their own
    widths = (w_src, w_pat, w_dec, w_ses)
    indent = sum(widths) + 2 * len(widths)

    def line(r: tuple[str, str, str, str, str], findings: bool = True) -> list[str]:
        cells = (_cut_left(r[0], w_src), fit(r[1], w_pat), r[2], r[3])
        start = "  ".join(c + " " * (w - cell_len(c)) for c, w in zip(cells, widths, strict=True))
        if not r[4] or not findings:
            return [start.rstrip()]
        if below:
            body = wrap(r[4], width, indent=4, first=width - 4)
            return [start.rstrip(), *("    " + m.lstrip() for m in body)]
        body = wrap(r[4], width, indent=indent, first=width - indent - 2)
        return [f"{start}  {body[0]}".rstrip(), *body[1:]]

    n = len(rows)
    out = [say(rules, one_or_many("summary.title", n), n=n)]
    out += line(head, findings=not below)
    for r in rows:
        out += line(r)
    # in the order first met: invalid files come last
    counts = Counter(o.decision if o.ok else INVALID for o in shown)
    words = {o.decision: _word(o, rules) for o in shown if o.ok}
    words[INVALID] = say(rules, "summary.invalid")
    tally = ", ".join(
        glue(say(rules, "summary.tally", name=words[k], n=c)) for k, c in counts.items()
    )
    by = say(rules, "summary.by_verdict" if reviews else "summary.by_decision", tally=tally)
    out += ["", *wrap(by, width, indent=4)]
    return "\n".join(out) + "\n"
