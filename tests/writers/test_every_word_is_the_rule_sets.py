"""Every word a reader sees, in every format, is the rule set's.

Each text of the rule set is marked (⟦...⟧), the shipped examples are planned and
reviewed with that rule set in every format, and the words left outside the marks
must be the profile's own, an id read aloud, a date, a number or a format's own
protocol words. A sentence written in Python would show as words outside a mark. The same holds for
``needleplan explain``, ``needleplan rules``, ``needleplan new`` and a run's own lines
on stderr.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml

from needleplan.errors import Problem
from needleplan.explain import explain
from needleplan.loading import load_profile
from needleplan.planner import plan
from needleplan.profile import screening_questions
from needleplan.reviewer import review
from needleplan.rulesload import load_rules, parse_rules
from needleplan.rulesview import rules_table, rules_yaml
from needleplan.run import Outcome, outcome_of
from needleplan.summary import summary
from needleplan.template import template
from needleplan.vocab import PLACES, DurationBand, SeverityBand
from tests.conftest import PLANS, invoke

OPEN, CLOSE = "⟦", "⟧"
#: Rule-set keys whose values are matched or parsed, not read: left unmarked.
NOT_READ = frozenset(("note_words", "note_context", "aliases", "style", "name"))
#: Keys whose every value is read (a single word too); elsewhere only values with a space
#: are marked, so ids, which are single words, keep resolving.
READ = frozenset(("texts", "label", "tag", "marker", "screen", "record", "summary", "statuses"))
#: A marked text, or one the screen cut short ("…").
_MARKS = re.compile(OPEN + "[^" + OPEN + CLOSE + "]*[" + CLOSE + "…]")
_WORD = re.compile(r"[A-Za-z]{2,}")
#: Dates are written with the calendar's own names.
DATES = frozenset(
    name.lower()
    for names in (calendar.day_name, calendar.day_abbr, calendar.month_name, calendar.month_abbr)
    for name in names
    if name
)


def _marked(value: Any, read: bool = False) -> Any:
    if isinstance(value, dict):
        return {k: v if k in NOT_READ else _marked(v, read or k in READ) for k, v in value.items()}
    if isinstance(value, list):
        return [_marked(v, read) for v in value]
    if isinstance(value, str) and value.strip() and (read or " " in value.strip()):
        return OPEN + value + CLOSE
    return value


def _values(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in (str(k), *_values(v))]
    if isinstance(value, list):
        return [t for v in value for t in _values(v)]
    return [str(value)]


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


@pytest.fixture(scope="module")
def marked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = _marked(load_rules().to_data())
    data["name"] = "marked"
    path = tmp_path_factory.mktemp("rules") / "marked.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def allowed() -> set[str]:
    """Words that may stand outside a mark: the profiles' own, ids read aloud, dates."""
    words = set(DATES)
    for path in PLANS.glob("*.yaml"):  # the profile's own values and name (not its comments)
        words |= _words(" ".join(_values(yaml.safe_load(path.read_text(encoding="utf-8")))))
        words |= _words(str(path))

    rules = load_rules()
    ids = [*rules.conditions, *rules.health_factors, *rules.underlying_factors, *rules.sites]
    ids += [*rules.companions, *rules.review.events, *rules.review.measures, *rules.unchecked]
    ids += [*screening_questions(rules), *(group.id for group in rules.note_words)]
    for ident in ids:  # an id read aloud ("upper trapezius")
        words |= _words(ident.replace("_", " "))
    for band in (*get_args(SeverityBand), *get_args(DurationBand)):  # codes shown as they are
        words |= _words(band)
    return words


#: On the screen, a text shortened to its point (its aside cut) loses its closing mark:
#: it runs to the next mark or the next row.
_CUT = re.compile(OPEN + "[^" + OPEN + CLOSE + "]*?(?=" + OPEN + r"|\n\S|\Z)", re.S)


def _unmarked(text: str, screen: bool = False) -> str:
    while (unmarked := _MARKS.sub(" ", text)) != text:
        text = unmarked
    return _CUT.sub(" ", text) if screen else text


READ_IN_FHIR = ("text", "title", "description", "div")
#: FHIR's own displays: the observation category 'survey'.
PROTOCOL = frozenset(("Survey",))


def _read_in_fhir(text: str) -> str:
    """The values of a FHIR Bundle a person reads (its keys, codes and ids are the
    protocol's): texts, displays, titles, descriptions and the narrative."""
    read: list[str] = []

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and key in READ_IN_FHIR and value not in PROTOCOL:
            read.append(re.sub(r"<[^>]+>", " ", value))

    walk(json.loads(text))
    return "\n".join(read)


def _read(fmt: str, out: str) -> str:
    if fmt == "fhir":
        return _read_in_fhir(out)
    if fmt == "html":
        out = re.sub(r"<style.*?</style>", " ", out, flags=re.S)
        return re.sub(r"<[^>]+>", " ", out)
    if fmt == "ics":  # the properties a calendar shows
        return "\n".join(
            line.split(":", 1)[1]
            for line in re.sub(r"\r?\n ", "", out).splitlines()  # unfolded
            if line.startswith(("SUMMARY", "DESCRIPTION", "CATEGORIES"))
        )
    return out


LOGGED = sorted(p for p in PLANS.glob("*.yaml") if "\nlog:" in p.read_text(encoding="utf-8"))


@pytest.mark.parametrize("fmt", ["table", "markdown", "html", "fhir", "ics"])
def test_a_plan_says_only_the_rule_sets_words(
    runner: Any, marked: Path, allowed: set[str], fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "2000")  # a text is wrapped whole onto one line
    args = ["suggest", "--config", "/dev/null", "--rules", str(marked), "-f", fmt, "--explain"]
    result = invoke(runner, *args, "--start-date", "2027-01-04", "--no-pager", str(PLANS))
    assert result.exit_code in (0, 3), result.output  # 3: a plan refers or does not needle
    read = _read(fmt, result.stdout)
    assert OPEN in read  # the rule set's texts are there, marked
    assert _words(_unmarked(read, fmt == "table")) - allowed == set()


@pytest.mark.parametrize("fmt", ["table", "markdown", "html", "fhir"])
def test_a_review_says_only_the_rule_sets_words(
    runner: Any,
    marked: Path,
    allowed: set[str],
    fmt: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # every shipped log in one run (the marked rule set is read once per format)
    monkeypatch.setenv("COLUMNS", "2000")
    args = ["review", "--config", "/dev/null", "--rules", str(marked), "-f", fmt]
    paths = [str(p) for p in LOGGED]
    result = invoke(runner, *args, "--today", "2027-06-01", "--no-pager", *paths)
    assert result.exit_code in (0, 3), result.output
    read = _read(fmt, result.stdout)
    assert OPEN in read
    assert _words(_unmarked(read, fmt == "table")) - allowed == set()


def test_a_batch_summary_says_only_the_rule_sets_words(marked: Path, allowed: set[str]) -> None:
    """The summary of a batch (plans, then reviews, and an invalid file) on a screen."""
    rules = parse_rules(marked.read_bytes(), str(marked))
    plans = [
        outcome_of(plan(load_profile(p, rules), rules, source=str(p)), rules)
        for p in sorted(PLANS.glob("*.yaml"))
    ]
    today = dt.date(2027, 6, 1)
    reviews = [
        outcome_of(review(load_profile(p, rules, today=today), rules, today, source=str(p)), rules)
        for p in LOGGED
    ]
    invalid = Outcome("broken.yaml", (Problem("broken.yaml", "not a profile"),))
    for outcomes in ([*plans, invalid], [*reviews, invalid]):
        text = summary(outcomes, rules, width=2000)
        assert OPEN in text
        assert _words(_unmarked(text)) - allowed - {"broken", "yaml"} == set()


#: A source's "cited by" entry: where the rule set cites it, by its keys and ids.
_CITED_AT = re.compile(r"^- [\w.-]+$", re.M)


@pytest.fixture(scope="module")
def views(marked: Path) -> tuple[Any, set[str]]:
    """The marked rule set, and the ids its views may show as they are: aliases, site
    rules, site risks, sources, body parts and places."""
    rules = parse_rules(marked.read_bytes(), str(marked))
    names = [*(r.id for r in rules.site_rules), *rules.site_risks, *PLACES]
    names += [s.id for s in rules.sources] + [*rules.retired_ids]
    for kind in ("condition", "health_factor", "underlying_factor", "site"):
        names += rules.names(kind)
    names += [p for s in rules.sites.values() for p in (s.body_part, *s.also)]
    return rules, _words(" ".join(n.replace("_", " ") for n in names))


def _one_of_each(rules: Any) -> list[str]:
    """An id of each kind 'needleplan explain' shows, each with every field it can have."""
    factors = rules.health_factors
    return [
        "neck_pain",
        next(k for k, f in factors.items() if f.level == "red_flag" and f.urgency != "none"),
        next(k for k, f in factors.items() if f.place),
        next(k for k, f in factors.items() if f.prognostic_step and f.companions),
        next(k for k, f in factors.items() if f.consent_prompt),
        next(k for k, f in factors.items() if f.under_18_confidential),
        next(k for k, u in rules.underlying_factors.items() if u.prognostic_step),
        "upper_trapezius",
        next(k for k, s in rules.sites.items() if s.also),
        next(r.id for r in rules.site_rules if r.stronger_with),
        next(r.id for r in rules.site_rules if r.in_place_of),
        next(r.id for r in rules.site_rules if r.risks_also),
        "lung_field",  # a site rule and a site risk
        next(iter(rules.companions)),
        next(k for k, e in rules.review.events.items() if e.avoid_site),
        next(k for k, e in rules.review.events.items() if e.verdict and e.urgency != "none"),
        *{s.kind: s.id for s in rules.sources}.values(),  # a source of each kind
        next(iter(rules.retired_ids)),
    ]


def test_explain_rules_and_new_say_only_the_rule_sets_words(
    views: tuple[Any, set[str]], allowed: set[str]
) -> None:
    """``needleplan explain`` for an id of each kind, ``needleplan rules`` and the
    template of ``needleplan new`` (its comments; its keys and example values are the
    profile's)."""
    rules, names = views
    said = {ident: explain(rules, ident, width=2000) for ident in _one_of_each(rules)}
    said["rules"] = rules_table(rules, width=2000)
    said["rules --format yaml"] = rules_yaml(rules).split("\nname:")[0]
    said["new"] = "\n".join(line for line in template(rules).splitlines() if "#" in line)
    for view, text in said.items():
        assert OPEN in text, view
        assert _words(_unmarked(_CITED_AT.sub("", text))) - allowed - names == set(), view


def test_the_runs_own_lines_are_the_rule_sets(
    runner: Any, marked: Path, allowed: set[str], tmp_path: Path
) -> None:
    """What a run says on stderr that is not an error: the rule set it uses, the files it
    wrote, the profiles it checked or skipped, a plan the calendar books nothing for
    (after 'needleplan:' and 'note:')."""
    rules = ["--config", "/dev/null", "--rules", str(marked)]
    runs = [
        ["validate", *rules, str(PLANS)],
        ["suggest", *rules, "-f", "json", "--output-dir", str(tmp_path / "out"), str(PLANS)],
        ["suggest", *rules, "-f", "jsonl", "-o", str(tmp_path / "all.jsonl"), str(PLANS)],
        ["suggest", *rules, "-f", "ics", "-o", str(tmp_path / "all.ics"), str(PLANS)],
        ["review", *rules, "-f", "json", "--today", "2027-06-01", str(PLANS)],
        ["new", *rules, "-o", str(tmp_path / "new.yaml")],
    ]
    own = {"needleplan", "note", "warning"} | _words(str(tmp_path)) | _words(str(marked))
    for args in runs:
        result = invoke(runner, *args)
        assert result.exit_code in (0, 3), result.output
        lines = result.stderr.splitlines()
        assert lines and all(OPEN in x for x in lines), args
        assert _words(_unmarked("\n".join(lines))) - allowed - own == set(), args
