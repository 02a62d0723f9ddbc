"""Classes of patient, anatomy, dose and pregnancy: properties the case files cannot show."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from needleplan.planner import plan, site_places
from needleplan.profile import ConditionProfile
from needleplan.vocab import PLACES
from tests.shipped import RULES

SITES = sorted(RULES.sites)
PROGNOSTIC = sorted(
    k for k, v in RULES.health_factors.items() if v.level == "prognostic" and v.prognostic_step
)


#: every red-flag question asked and answered no: these tests are about what comes after
SCREENED = dict.fromkeys(RULES.screening.questions if RULES.screening else (), False)


def profile(**fields: Any) -> ConditionProfile:
    data = {
        "condition": "neck_pain",
        "severity": 6,
        "duration": "10 weeks",
        "screening": SCREENED,
        **fields,
    }
    return ConditionProfile.model_validate(data, context={"rules": RULES})


@settings(max_examples=120, deadline=None)
@given(
    st.sampled_from(sorted(RULES.conditions)),
    st.integers(3, 10),
    st.sampled_from(["8 weeks", "6 months", "3 years"]),
    st.lists(st.sampled_from(PROGNOSTIC), min_size=1, max_size=5, unique=True),
    st.sampled_from([None, {"total": 8, "psychosocial": 5}]),
)
def test_prognostic_factors_never_add_needling_sessions(
    condition: str, severity: int, duration: str, factors: list[str], sb: Any
) -> None:
    base = plan(profile(condition=condition, severity=severity, duration=duration), RULES)
    slow = plan(
        profile(
            condition=condition,
            severity=severity,
            duration=duration,
            health_factors=factors,
            start_back=sb,
        ),
        RULES,
    )
    assert slow.decision == base.decision
    assert slow.sessions == base.sessions and slow.course == base.course
    steps = [s for s in slow.rationale if s.rule.split(".")[0] in ("health_factors", "start_back")]
    assert steps and all(s.effect in ("applied", "none") for s in steps)
    assert all(s.change in ("0", "longer recovery") for s in steps)
    if base.decision in ("needle", "needle_with_caution"):
        assert any("do not add needling sessions" in e for e in slow.expectations)
        assert {c.id for c in base.companions} <= {c.id for c in slow.companions}


@pytest.mark.parametrize("condition", sorted(RULES.conditions))
def test_acute_pain_starts_with_the_smallest_tested_dose_or_advice(condition: str) -> None:
    for severity in (3, 6, 10):
        result = plan(profile(condition=condition, severity=severity, duration="2 weeks"), RULES)
        if condition in RULES.duration.advice_first:
            assert result.decision == "not_indicated"
            assert "advice_first" in {f.id for f in result.flags}
            assert result.sessions.suggested == 0
        else:
            assert result.course.initial_block == min(RULES.conditions[condition].trial_doses)
            assert result.sessions.suggested == result.course.initial_block


@pytest.mark.parametrize("severity", [1, 2])
def test_pain_of_one_or_two_is_not_indicated_like_none(severity: int) -> None:
    result = plan(profile(severity=severity), RULES)
    assert result.decision == "not_indicated" and result.sessions.suggested == 0
    assert plan(profile(severity=3), RULES).decision != "not_indicated"


@pytest.mark.parametrize("weeks", [0, 6, 13])
def test_the_first_trimester_never_starts_a_course(weeks: int) -> None:
    result = plan(
        profile(health_factors=[{"pregnancy": f"{weeks} weeks"}], start_date="2026-12-01"),
        RULES,
    )
    assert result.decision == "not_indicated"
    assert result.sessions.suggested == 0 and result.schedule is None
    page = json.dumps(result.to_dict()["advice"])
    assert "14 weeks" in page


def test_from_fourteen_weeks_the_course_is_planned() -> None:
    result = plan(profile(health_factors=[{"pregnancy": "14 weeks"}]), RULES)
    assert result.decision == "needle_with_caution"


def test_every_site_has_plain_words_for_the_patient_and_the_parent() -> None:
    for sid, site in RULES.sites.items():
        for side in ("left", "right", "both"):
            for reader in ("patient", "parent"):
                words = site.label_for(reader, side)
                assert words and "{" not in words, sid
                assert site.label.lower() not in words.lower(), sid
        assert "child" in site.label_for("parent", "left"), sid


def test_the_patient_page_names_places_in_plain_words() -> None:
    result = plan(
        profile(
            sites={"upper_trapezius": "right", "suboccipitals": "left"},
            health_factors=["anticoagulants"],
        ),
        RULES,
    )
    page = json.dumps(result.to_dict()["advice"])
    assert "the top of your right shoulder" in page.lower()
    assert "Upper trapezius" not in page and "Suboccipital" not in page
    child = plan(profile(sites={"upper_trapezius": "right"}, age=15), RULES)
    assert "the top of your child's right shoulder" in json.dumps(child.to_dict()["advice"]).lower()


@pytest.mark.parametrize(
    "factor",
    [
        "joint_replacement",
        "recent_surgery",
        "implanted_device",
        "av_fistula",
        "tumour_or_irradiated_tissue",
        "peripheral_neuropathy",
        "peripheral_arterial_disease",
    ],
)
def test_a_place_tied_class_acts_at_its_place_only(factor: str) -> None:
    assert RULES.health_factors[factor].place
    halves = (SITES[::2], SITES[1::2])
    for place in PLACES:
        verdicts = []
        for half, side in ((halves[0], "left"), (halves[1], "right"), (halves[0], "right")):
            result = plan(
                profile(
                    condition="myofascial_pain",
                    sites=dict.fromkeys(half, side),
                    health_factors=[{factor: place}],
                ),
                RULES,
            )
            verdicts += result.sites
        for verdict in verdicts:
            at_place = place in site_places(RULES.sites[verdict.id], verdict.side)
            flagged = any(r.flag.endswith("_place") for r in verdict.reasons)
            assert flagged == at_place, (factor, place, verdict.id)
            if at_place:
                assert verdict.verdict == "avoid"


def test_every_finer_place_is_reached_by_some_site() -> None:
    reached: set[str] = set()
    for site in RULES.sites.values():
        for side in ("left", "right"):
            reached |= site_places(site, side)
    assert set(PLACES) <= reached


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(sorted(s for s, v in RULES.sites.items() if "lung_field" in v.risks)),
        st.sampled_from(["left", "right", "both"]),
        min_size=1,
        max_size=4,
    )
)
def test_both_lung_fields_is_a_caution_exactly_when_both_sides_are_reached(
    sites: dict[str, str],
) -> None:
    result = plan(profile(condition="myofascial_pain", sites=sites), RULES)
    sides = {
        s for side in sites.values() for s in ({"left", "right"} if side == "both" else {side})
    }
    both = any(r.flag == "both_lung_fields" for v in result.sites for r in v.reasons)
    assert both == (sides == {"left", "right"})


def test_a_seizure_within_a_year_holds_and_controlled_epilepsy_does_not() -> None:
    assert plan(profile(health_factors=["recent_seizure"]), RULES).decision == "do_not_needle"
    assert plan(profile(health_factors=["epilepsy"]), RULES).decision == "needle_with_caution"


def test_warfarin_asks_for_the_inr_until_it_is_known() -> None:
    def checks(factors: list[str]) -> set[str]:
        return {c.id for c in plan(profile(health_factors=factors), RULES).checks}

    unknown = plan(profile(health_factors=["warfarin"]), RULES)
    assert unknown.decision == "check_first" and unknown.schedule is None
    assert "INR" in json.dumps(unknown.to_dict()["advice"])
    assert "warfarin" not in checks(["warfarin", "inr_in_range"])
    assert "warfarin" not in checks(["anticoagulants"])
    held = plan(profile(health_factors=["warfarin", "inr_above_range"]), RULES)
    assert held.decision == "do_not_needle"
