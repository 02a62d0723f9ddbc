"""How well, and at what cost, notes are read in context: needleplan's own reader
against medspaCy's ConText, on the corpus tests/core/notes_corpus.yaml.

Not part of the test suite. medspaCy (spaCy's stack) is not a dependency of
needleplan; evaluate it from a throwaway environment that has both:

    python3 -m venv /tmp/medspacy-env
    /tmp/medspacy-env/bin/pip install medspacy -e .
    /tmp/medspacy-env/bin/python benchmarks/notes_matchers.py

Without medspaCy only needleplan's reader is measured. Both matchers use the rule
set's triggers (``note_words``: each phrase turned into a spaCy token pattern that
crosses whitespace, hyphens and commas, with the same ``unless`` and ``above``
filters), so the comparison is of the context reading:

- ``needleplan``: notes.read_notes (the rule set's ``note_context`` words);
- ``medspacy-default``: medspaCy's ConText with its default English rules
  (NegEx/ConText's words, built on US hospital reports);
- ``medspacy-extended``: the same, with the rule set's context words added as
  ConText rules (forward, backward, terminating and pseudo).

A case counts per screening question: a question the case should raise and does is
a true positive, one it raises and should not a false positive, one it misses a
false negative. "missed" counts phrases with a missed question; "raised" counts
phrases of the negated, historical, hypothetical, other-person and no-trigger kinds
that raised any question.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from needleplan.notes import read_notes
from needleplan.rules import RuleSet
from needleplan.rulesload import load_rules

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "core" / "notes_corpus.yaml"
NOT_NOW = ("negated", "historical", "hypothetical", "other_person", "no_trigger")

Reader = Callable[[str], set[str]]


def cases() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))["cases"]
    return found


def score(read: Reader, corpus: list[dict[str, Any]]) -> dict[str, Any]:
    tp = fp = fn = missed = raised = 0
    wrong: list[str] = []
    by_kind: dict[str, list[int]] = {}
    for case in corpus:
        want, got = set(case["hits"]), read(case["text"])
        tp += len(want & got)
        fp += len(got - want)
        fn += len(want - got)
        ok = want == got
        by_kind.setdefault(case["kind"], [0, 0])[0 if ok else 1] += 1
        if want - got:
            missed += 1
        if case["kind"] in NOT_NOW and got:
            raised += 1
        if not ok:
            wrong.append(f"{case['kind']}: {case['text']!r} want {sorted(want)} got {sorted(got)}")
    return {
        "precision": round(tp / (tp + fp), 3) if tp + fp else 1.0,
        "recall": round(tp / (tp + fn), 3) if tp + fn else 1.0,
        "missed_positives": missed,
        "raised_negatives": raised,
        "exact": sum(k[0] for k in by_kind.values()),
        "cases": len(corpus),
        "by_kind": {k: f"{v[0]}/{v[0] + v[1]}" for k, v in sorted(by_kind.items())},
        "wrong": wrong,
    }


def per_note_ms(read: Reader, corpus: list[dict[str, Any]], rounds: int = 5) -> float:
    texts = [c["text"] for c in corpus]
    for t in texts:  # warm up (compiled patterns, spaCy's vocabulary)
        read(t)
    best = []
    for _ in range(rounds):
        start = time.perf_counter()
        for t in texts:
            read(t)
        best.append((time.perf_counter() - start) / len(texts) * 1000)
    return round(min(best), 4)


def import_seconds(statement: str, rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True)
        times.append(time.perf_counter() - start)
    return round(statistics.median(times), 3)


def site_packages_mb(*names: str) -> float:
    """The installed size of these distributions and everything they require."""
    from importlib import metadata

    seen: set[str] = set()
    todo = list(names)
    total = 0
    while todo:
        name = re.split(r"[ ;<>=!~\[(]", todo.pop())[0].lower().replace("_", "-")
        if not name or name in seen:
            continue
        seen.add(name)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for f in dist.files or ():
            path = Path(str(dist.locate_file(f)))
            if path.is_file():
                total += path.stat().st_size
        todo += [r for r in dist.requires or () if "extra ==" not in r]
    return round(total / 1e6, 1)


# -- medspaCy ---------------------------------------------------------------------------

_JOIN = {"TEXT": {"REGEX": r"^(\s+|-|,)$"}, "OP": "*"}


def _every_choice(phrase: str) -> list[str]:
    """``phrase`` with every choice spelt out (spaCy splits "can't" in two tokens)."""
    m = re.search(r"\(([^()]*)\)", phrase)
    if m is None:
        return [phrase]
    head, tail = phrase[: m.start()], phrase[m.end() :]
    return [x for c in m.group(1).split("|") for x in _every_choice(f"{head}{c}{tail}")]


def _token_pattern(nlp: Any, phrase: str) -> list[dict[str, Any]]:
    pattern: list[dict[str, Any]] = []
    for piece in phrase.split():
        if piece == "#":
            tests: list[dict[str, Any]] = [{"TEXT": {"REGEX": r"^\d+([.]\d+)?(/\d+)?$"}}]
        elif piece == "#/52":
            tests = [{"TEXT": {"REGEX": r"^\d+/52$"}}]
        elif piece == "#year":
            tests = [{"TEXT": {"REGEX": r"^(19|20)\d\d$"}}]
        elif piece.startswith("("):
            choices = piece[1:-1].split("|")
            regex = "|".join(
                re.escape(c[:-1]) + r"\w*" if c.endswith("*") else re.escape(c) for c in choices
            )
            tests = [{"LOWER": {"REGEX": f"^({regex})$"}}]
        elif piece.endswith("*"):
            tests = [{"LOWER": {"REGEX": "^" + re.escape(piece[:-1])}}]
        else:
            words = [t.lower_ for t in nlp.tokenizer(piece.replace("-", " ")) if not t.is_space]
            tests = [{"LOWER": w} for w in words]
        for t in tests:
            if pattern:
                pattern.append(_JOIN)
            pattern.append(t)
    return pattern


def medspacy_reader(rules: RuleSet, extended: bool) -> Reader:
    import medspacy
    from loguru import logger
    from medspacy.context import ConTextRule
    from medspacy.ner import TargetRule

    logger.remove()  # PyRuSH logs every sentence at DEBUG level
    nlp = medspacy.load(medspacy_enable=["medspacy_pyrush"])
    # a span group, not entities: findings of two triggers may overlap, as in ours
    matcher = nlp.add_pipe(
        "medspacy_target_matcher", config={"result_type": "group", "prune": False}
    )
    for group in rules.note_words:
        for words in group.words:
            for phrase in _every_choice(words):
                matcher.add([TargetRule(phrase, group.id, pattern=_token_pattern(nlp, phrase))])
    context = nlp.add_pipe(
        "medspacy_context", config={"rules": "default", "input_span_type": "group"}
    )
    if extended:
        ctx = rules.note_context
        kinds = {
            "negated_before": ("NEGATED_EXISTENCE", "FORWARD"),
            "negated_next": ("NEGATED_EXISTENCE", "FORWARD"),
            "negated_after": ("NEGATED_EXISTENCE", "BACKWARD"),
            "historical_before": ("HISTORICAL", "FORWARD"),
            "historical_after": ("HISTORICAL", "BACKWARD"),
            "hypothetical_before": ("HYPOTHETICAL", "FORWARD"),
            "hypothetical_after": ("HYPOTHETICAL", "BACKWARD"),
            "other_person_before": ("FAMILY", "FORWARD"),
            "other_person_after": ("FAMILY", "BACKWARD"),
            "ends": ("CONJ", "TERMINATE"),
            "not_context": ("PSEUDO_NEGATED_EXISTENCE", "PSEUDO"),
        }
        added = []
        for name, (category, direction) in kinds.items():
            for words in getattr(ctx, name):
                for phrase in _every_choice(words):
                    added.append(
                        ConTextRule(
                            phrase,
                            category,
                            pattern=_token_pattern(nlp, phrase),
                            direction=direction,
                        )
                    )
        context.add(added)
    by_id = {g.id: g for g in rules.note_words}
    unless = {g.id: [p for w in g.unless for p in _every_choice(w)] for g in rules.note_words}

    def read(text: str) -> set[str]:
        doc = nlp(text)
        found = set()
        for ent in doc.spans["medspacy_spans"]:
            if ent._.is_negated or ent._.is_hypothetical or ent._.is_family:
                continue
            group = by_id[ent.label_]
            if ent._.is_historical and not group.history_counts:
                continue
            if group.above is not None:
                numbers = [t.text for t in ent if re.fullmatch(r"\d+(\.\d+)?", t.text)]
                if not numbers or float(numbers[0]) <= group.above:
                    continue
            sentence = ent.sent.text.lower()
            if any(" ".join(p.split()) in " ".join(sentence.split()) for p in unless[group.id]):
                continue
            found.add(group.question)
        return found

    return read


def main() -> None:
    rules = load_rules()
    corpus = cases()
    report: dict[str, Any] = {}

    def ours(text: str) -> set[str]:
        return {h.question for h in read_notes(text, rules)}

    report["needleplan"] = {
        **score(ours, corpus),
        "per_note_ms": per_note_ms(ours, corpus),
        "import_s": import_seconds("import needleplan.notes, needleplan.rules"),
        "extra_install_mb": 0.0,
        "own_code_kb": round((ROOT / "src/needleplan/notes.py").stat().st_size / 1000, 1),
    }
    try:
        import medspacy  # noqa: F401
    except ImportError:
        print("medspaCy is not installed here: only needleplan's reader was measured")
    else:
        size = site_packages_mb("medspacy")
        imported = import_seconds("import medspacy")
        for name, extended in (("medspacy-default", False), ("medspacy-extended", True)):
            start = time.perf_counter()
            read = medspacy_reader(rules, extended)
            built = time.perf_counter() - start
            report[name] = {
                **score(read, corpus),
                "per_note_ms": per_note_ms(read, corpus, rounds=2),
                "import_s": imported,
                "pipeline_build_s": round(built, 2),
                "extra_install_mb": size,
            }
    lines = []
    for name, result in report.items():
        lines += [f"== {name}", *result.pop("wrong")]
    if "--wrong" in sys.argv:  # each phrase a matcher got wrong, on stderr
        print("\n".join(lines), file=sys.stderr)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
