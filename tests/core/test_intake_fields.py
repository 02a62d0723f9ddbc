"""The intake fields of a profile: the red-flag screen and the usual appointment time."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from needleplan.errors import InputError
from needleplan.loading import profile_from_text
from needleplan.profile import ConditionProfile
from needleplan.rulesload import load_rules

BASE = "condition: neck_pain\nseverity: 6\nduration: 6 weeks\n"


def problem(text: str) -> tuple[str, str | None]:
    with pytest.raises(InputError) as info:
        profile_from_text(BASE + text)
    first = info.value.problems[0]
    return first.message, first.hint


def test_screening_answers_yes_no_and_true_false_alike() -> None:
    profile = profile_from_text(
        BASE + "screening:\n  cauda_equina_signs: no\n  fever: yes\n"
        "  unexplained_weight_loss: false\n  unremitting_night_pain: True\n"
    )
    assert profile.screening == {
        "cauda_equina_signs": False,
        "fever": True,
        "unexplained_weight_loss": False,
        "unremitting_night_pain": True,
    }


def test_screening_alias_is_its_question() -> None:
    profile = profile_from_text(BASE + "screening: {cauda_equina: no}\n")
    assert profile.screening == {"cauda_equina_signs": False}


def test_screening_empty_and_absent() -> None:
    assert profile_from_text(BASE + "screening:\n").screening == {}
    assert profile_from_text(BASE).screening == {}


def test_unknown_question_is_named_with_a_suggestion() -> None:
    message, hint = problem("screening: {caudaequina: no}\n")
    assert "unknown screening question 'caudaequina'" in message
    assert hint == "did you mean 'cauda_equina_signs'?"


def test_a_question_that_is_not_a_red_flag_is_unknown() -> None:
    message, _ = problem("screening: {diabetes: no}\n")
    assert "unknown screening question 'diabetes'" in message


@pytest.mark.parametrize("answer", ["maybe", "1", "on", "null", "[yes]"])
def test_answer_other_than_yes_or_no_is_refused(answer: str) -> None:
    message, hint = problem(f"screening: {{fever: {answer}}}\n")
    assert "screening answer is yes or no" in message
    assert hint is not None and "present" in hint


def test_one_question_answered_yes_and_no() -> None:
    message, _ = problem("screening: {cauda_equina: no, cauda_equina_signs: yes}\n")
    assert "answered twice" in message


@pytest.mark.parametrize(
    ("written", "time"),
    [('"09:30"', dt.time(9, 30)), ("9:30", dt.time(9, 30)), ("'17:05'", dt.time(17, 5))],
)
def test_appointment_time(written: str, time: dt.time) -> None:
    assert profile_from_text(BASE + f"appointment_time: {written}\n").appointment_time == time


@pytest.mark.parametrize("written", ['"24:00"', '"9.30"', '"09:3"', '"9:30 am"', "morning"])
def test_appointment_time_not_a_time(written: str) -> None:
    message, _ = problem(f"appointment_time: {written}\n")
    assert "24-hour time written HH:MM" in message


def test_appointment_time_read_as_minutes_gets_a_hint_to_quote() -> None:
    # a YAML 1.1 reader turns an unquoted 9:30 into 570 (minutes): refused, with the fix
    with pytest.raises(ValidationError) as info:
        ConditionProfile.model_validate(
            {"condition": "neck_pain", "severity": 6, "duration": 6, "appointment_time": 570},
            context={"rules": load_rules()},
        )
    assert "not a number" in str(info.value)
    message, hint = problem("appointment_time: 930\n")
    assert "not a number" in message
    assert hint is not None and '"09:30"' in hint
