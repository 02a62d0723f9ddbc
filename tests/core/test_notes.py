"""Notes read in context: lay words, shorthand, split words; negated, past, hypothetical
or someone else's findings are no hit. The corpus is tests/core/notes_corpus.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from needleplan import RulesError
from needleplan.notes import read_mentions, read_notes, sentence_spans
from needleplan.planner import plan
from needleplan.profile import ConditionProfile
from needleplan.rulesload import parse_rules
from tests.conftest import shipped_data, yaml_bytes
from tests.shipped import RULES

CORPUS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "notes_corpus.yaml").read_text(encoding="utf-8")
)["cases"]
FINDINGS = ("positive", "lay", "abbreviation", "split")
NOT_NOW = ("negated", "historical", "hypothetical", "other_person", "no_trigger")
#: words that make a phrase more than one finding: a clause of its own ("has", "says",
#: "currently") or a finding that is itself an absence ("no pedal pulses")
CLAUSE = frozenset(
    ["has", "says", "felt", "feels", "currently", "she", "he", "no", "not", "absent"]
)
#: findings written as one plain phrase, to negate, split and reorder
PHRASES = sorted(
    c["text"]
    for c in CORPUS
    if c["kind"] in FINDINGS
    and c["text"].replace(" ", "").isalpha()
    and c["text"].islower()
    and not CLAUSE.intersection(c["text"].split())
)


def questions(text: str) -> list[str]:
    return sorted({h.question for h in read_notes(text, RULES)})


def each_questions(text: str) -> list[str]:
    """The questions of each finding read as present, before findings taken together
    (``together``) stand for others."""
    return sorted({h.question for h in read_mentions(text, RULES) if h.reading == "present"})


def test_the_corpus_covers_every_kind_of_phrase() -> None:
    assert len(CORPUS) >= 300
    kinds = {c["kind"] for c in CORPUS}
    assert kinds == {*FINDINGS, *NOT_NOW, "mixed"}
    assert all(c["hits"] for c in CORPUS if c["kind"] in (*FINDINGS, "mixed"))
    assert not any(c["hits"] for c in CORPUS if c["kind"] in NOT_NOW)
    known = {g.question for g in RULES.note_words}
    assert {q for c in CORPUS for q in c["hits"]} <= known
    assert len(PHRASES) >= 60


@pytest.mark.parametrize("case", CORPUS, ids=lambda c: f"{c['kind']}:{c['text'][:40]!r}")
def test_each_corpus_phrase_raises_exactly_its_questions(case: dict[str, Any]) -> None:
    """No positive missed, no negated, past, hypothetical or other person's finding raised."""
    assert questions(case["text"]) == sorted(case["hits"]), [
        (m.trigger, m.words, m.reading) for m in read_mentions(case["text"], RULES)
    ]


NEGATIONS = ("no", "No", "denies", "Denies", "nil", "Nil", "negative for", "without", "not")


@settings(max_examples=300, deadline=None)
@given(
    phrase=st.sampled_from(PHRASES),
    negation=st.sampled_from(NEGATIONS),
    space=st.sampled_from((" ", "  ", "\t", " \n")),
)
def test_a_negated_finding_is_never_a_hit(phrase: str, negation: str, space: str) -> None:
    assert read_notes(f"{negation}{space}{phrase}", RULES) == ()


@settings(max_examples=200, deadline=None)
@given(
    phrase=st.sampled_from(PHRASES),
    seps=st.lists(st.sampled_from((" ", "  ", "\t", "\n", "-", " - ", "\r\n")), min_size=12),
)
def test_a_finding_split_by_any_whitespace_or_hyphen_is_the_same_hit(
    phrase: str, seps: list[str]
) -> None:
    words = phrase.split()
    split = words[0] + "".join(s + w for s, w in zip(seps, words[1:], strict=False))
    assert questions(split) == questions(phrase) != []


@settings(max_examples=150, deadline=None)
@given(first=st.sampled_from(PHRASES), second=st.sampled_from(PHRASES))
def test_separate_sentences_are_read_apart(first: str, second: str) -> None:
    """A negation in one sentence never reaches the next, in either order."""
    want = sorted(set(each_questions(first)) | set(each_questions(second)))
    assert each_questions(f"{first}. {second}.") == want
    assert each_questions(f"No change. {first}; {second}") == want
    assert each_questions(f"{second}.\nDenies fever.\n{first}") == want


@pytest.mark.parametrize(
    "text",
    [
        "popular class",
        "fall asleep",
        "fell asleep",
        "falls asleep on the sofa",
        "tearful",
        "sobbing",
        "rigorous",
        "feverfew",
        "hotel",
        "breaststroke",
        "temperature sensation",
    ],
)
def test_a_word_that_only_starts_like_a_trigger_is_no_hit(text: str) -> None:
    assert read_mentions(text, RULES) == ()


def test_a_hit_says_where_and_what_it_raises() -> None:
    text = "Seen today. Short of\nbreath on stairs; B&B NAD."
    (hit,) = read_notes(text, RULES)
    assert (hit.trigger, hit.question, hit.words) == (
        "breathlessness",
        "breathlessness",
        "short of breath",
    )
    assert text[hit.start : hit.end] == "Short of\nbreath"
    assert hit.context == "Short of breath on stairs" and hit.reading == "present"
    readings = {m.words: m.reading for m in read_mentions(text, RULES)}
    assert readings == {"short of breath": "present", "b&b": "negated"}


def test_a_number_above_the_range_is_a_hit_and_one_within_it_is_not() -> None:
    assert questions("INR 3.4") == ["inr_above_range"]
    assert questions("INR 2.9, target 2-3") == []
    assert questions("temp 38.2") == ["fever"]
    assert questions("temp 37.1") == []


def test_sentences_end_at_punctuation_and_at_new_lines_that_start_anew() -> None:
    text = "No fever\nSOB on stairs. Short of\nbreath; ok?  Then\n- fever? no"
    spans = [text[a:b].strip() for a, b in sentence_spans(text)]
    assert spans == ["No fever", "SOB on stairs", "Short of\nbreath", "ok", "Then", "- fever? no"]
    short = "INR 3.4. ?CES"
    assert [short[a:b] for a, b in sentence_spans(short)] == ["INR 3.4", " ?CES"]


def test_empty_and_plain_notes_have_no_hits() -> None:
    assert read_notes(None, RULES) == read_notes("", RULES) == read_notes("   \n", RULES) == ()


def profile(notes: str) -> ConditionProfile:
    data = {"condition": "low_back_pain", "severity": 6, "duration": "10 weeks", "notes": notes}
    return ConditionProfile.model_validate(data, context={"rules": RULES})


@pytest.mark.parametrize(
    "notes",
    [
        "No bladder or bowel change.",
        "Denies chest pain or shortness of breath",
        "B&B NAD, S/A intact, CES screen -ve. Nil weight loss, nil night pain.",
        "History of DVT 2010. Mother had cancer. If short of breath, call 999.",
    ],
)
def test_notes_that_only_rule_out_warn_of_nothing(notes: str) -> None:
    result = plan(profile(notes), RULES)
    assert not [w for w in result.warnings if w.kind == "notes_red_flag_words"]
    assert result.urgency == "none"


def test_notes_with_a_finding_name_it_and_the_factor_to_add() -> None:
    result = plan(profile("B&B NAD but numb bum since Monday; peeing is hard to start"), RULES)
    (said,) = [w.message for w in result.warnings if w.kind == "notes_red_flag_words"]
    assert "'numb bum'" in said and "'peeing is hard to start'" in said
    assert "'b&b'" not in said and "add 'cauda_equina_signs'" in said


def _rules_with(**changes: Any) -> bytes:
    loaded = shipped_data()
    loaded["note_words"][0].update(changes)
    return yaml_bytes(loaded)


@pytest.mark.parametrize(
    ("words", "said"),
    [
        (["(short|of"], "a choice is written"),
        (["x* y"], "at least 3 letters"),
        (["a % b"], "never part"),
    ],
)
def test_a_rule_set_with_a_broken_phrase_is_refused(words: list[str], said: str) -> None:
    with pytest.raises(RulesError) as info:
        parse_rules(_rules_with(words=words), "clinic.yaml")
    assert any(said in p.message for p in info.value.problems)


@pytest.mark.parametrize(
    ("text", "want", "gone"),
    [
        (
            "Fell at home yesterday, can't weight bear R leg, leg looks shortened",
            "suspected_hip_fracture",
            {"minor_trauma_osteoporosis", "suspected_fracture"},
        ),
        ("Unable to WB after fall", "suspected_hip_fracture", {"minor_trauma_osteoporosis"}),
        (
            "Calf swollen and warm. SOB on stairs.",
            "possible_pulmonary_embolism",
            {"breathlessness", "hot_swollen_joint", "suspected_dvt"},
        ),
        (
            "Sore calf, tender to touch; chest pain on deep breath",
            "possible_pulmonary_embolism",
            {"chest_pain", "suspected_dvt"},
        ),
    ],
)
def test_findings_together_raise_the_more_urgent_question(
    text: str, want: str, gone: set[str]
) -> None:
    """A fall with a leg that cannot bear weight asks the hip-fracture question (an
    emergency), and calf signs with breathlessness or chest pain the pulmonary-embolism
    one, in place of the lower questions each finding alone would ask."""
    found = questions(text)
    assert want in found
    assert not gone.intersection(found)


def test_findings_apart_keep_their_own_questions() -> None:
    assert questions("Tripped and fell. Broken wrist.") == [
        "minor_trauma_osteoporosis",
        "suspected_fracture",
    ]
    assert questions("Calf swollen and warm") == ["suspected_dvt"]
