"""The low-back safety net: every patient page of a patient with low back pain, or with
a site near the low back, says what to do if cauda equina signs start, whatever the
decision; a page that already sends the patient to emergency care for those signs does
not repeat it, and no other patient's page carries it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml

from needleplan.loading import profile_from_text
from needleplan.planner import plan
from needleplan.results import Advice
from needleplan.reviewer import review
from tests.shipped import RULES

NET = next(n for n in RULES.advice.safety_nets if n.id == "cauda_equina")
assert RULES.screening is not None
NO = dict.fromkeys(RULES.screening.questions, False)  # every red-flag question: no


def _profile(**fields: Any) -> Any:
    data: dict[str, Any] = {
        "patient": "P",
        "condition": "low_back_pain",
        "sites": {"lumbar_paraspinals": "both"},
        "severity": 6,
        "duration": "4 months",
        "age": 40,
        "screening": dict(NO),
    }
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    return profile_from_text(yaml.safe_dump(data), "p.yaml", RULES)


def _lines(page: Advice) -> list[str]:
    return [item for section in page.sections for item in section.items]


def _nets(page: Advice) -> int:
    lines = _lines(page)
    return lines.count(NET.text) + lines.count(NET.parent)


LOW_BACK = {
    "needle": {},
    "needle_with_caution": {"health_factors": ["anticoagulants"]},
    "check_first": {"screening": None},
    "not_indicated": {"duration": "5 days", "severity": 8},
    "do_not_needle": {"health_factors": ["needle_phobia"]},
    "refer": {"screening": {**NO, "unexplained_weight_loss": True}},
}


@pytest.mark.parametrize("age", [40, 15])
@pytest.mark.parametrize("decision", sorted(LOW_BACK))
def test_every_low_back_plan_page_carries_the_net(decision: str, age: int) -> None:
    result = plan(_profile(age=age, **LOW_BACK[decision]), RULES)
    under_18 = {"needle": "needle_with_caution"} if age < 18 else {}  # extra care always
    assert result.decision == under_18.get(decision, decision)
    lines = _lines(result.advice)
    wanted = NET.parent if age < 18 else NET.text
    assert lines.count(wanted) == 1
    assert _nets(result.advice) == 1  # the reader's own version, once


def test_the_net_says_it_in_plain_words() -> None:
    for words in ("numbness between", "bladder or bowel", "both legs", "emergency department"):
        assert words in NET.text and words in NET.parent
    assert "Do not wait for your next appointment." in NET.text
    assert "your child" in NET.parent


def test_a_cauda_equina_referral_does_not_repeat_it() -> None:
    result = plan(_profile(screening={**NO, "cauda_equina_signs": True}), RULES)
    assert result.decision == "refer"
    assert result.urgency == "emergency"
    assert _nets(result.advice) == 0


@pytest.mark.parametrize(
    ("condition", "sites"),
    [
        ("myofascial_pain", {"quadratus_lumborum": "left"}),
        ("lateral_hip_pain", {"gluteus_medius": "right", "sacral_region": "right"}),
    ],
)
def test_a_lumbar_site_carries_it_whatever_the_condition(
    condition: str, sites: dict[str, str]
) -> None:
    result = plan(_profile(condition=condition, sites=sites), RULES)
    assert _nets(result.advice) == 1


@pytest.mark.parametrize(
    ("condition", "sites"),
    [
        ("lateral_elbow_pain", {"wrist_extensors": "right"}),
        ("shoulder_pain", {"infraspinatus": "both", "supraspinatus": "right"}),
        ("neck_pain", {"upper_trapezius": "left"}),
    ],
)
@pytest.mark.parametrize("decision", ["needle", "check_first", "do_not_needle"])
def test_no_other_page_carries_it(condition: str, sites: dict[str, str], decision: str) -> None:
    fields = {**LOW_BACK[decision], "condition": condition, "sites": sites}
    result = plan(_profile(**fields), RULES)
    assert _nets(result.advice) == 0


def _review(**extra: Any) -> Any:
    log = [
        {"date": "2026-11-20", "nrs": 7, "needled": ["lumbar_paraspinals"]},
        {"date": "2026-11-27", "nrs": 6, "needled": ["lumbar_paraspinals"], **extra},
    ]
    profile = _profile(severity=7, log=log)
    return review(profile, RULES, dt.date(2026, 12, 7))


def test_a_low_back_review_page_carries_it() -> None:
    result = _review()
    assert result.advice.sections
    assert _nets(result.advice) == 1


def test_a_low_back_review_after_an_emergency_event_carries_it() -> None:
    result = _review(events=["breathlessness"])
    assert result.verdict in ("emergency", "stop_needling")
    assert _nets(result.advice) == 1


def test_a_cauda_equina_review_does_not_repeat_it() -> None:
    result = _review(new_health_factors=["cauda_equina_signs"])
    assert result.verdict in ("refer", "emergency")
    assert _nets(result.advice) == 0


def test_each_place_has_its_own_care_line() -> None:
    """Places strung together with 'and' read as one place: each gets a line of its own,
    on the patient's page and the parent's."""
    sites = {"infraspinatus": "both", "rhomboids": "left", "supraspinatus": "right"}
    for age in (15, 40):
        result = plan(_profile(condition="shoulder_pain", sites=sites, age=age), RULES)
        care = next(s for s in result.advice.sections if s.id == "site_care")
        places = [s.patient_label for s in result.sites]
        assert len(places) == 3
        for place in places:
            named = [line for line in care.items if place[:1].upper() + place[1:] in line]
            assert len(named) == 1
            assert not any(other in named[0] for other in places if other != place)
