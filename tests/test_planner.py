"""The pure planner: safety first, counts inside the evidence, monotone, deterministic."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from needleplan import plan
from needleplan.profile import ConditionProfile
from needleplan.rules import RuleSet, load_rules

RULES = load_rules()
CONDITIONS = sorted(RULES.conditions)
PROGNOSTIC = sorted(k for k, v in RULES.health_factors.items() if v.level == "prognostic")
PRECAUTIONS = sorted(k for k, v in RULES.health_factors.items() if v.level == "precaution")
UNDERLYING = sorted(RULES.underlying_factors)

DESIGN_IDS = {
    "condition": [
        "neck_pain",
        "low_back_pain",
        "shoulder_pain",
        "lateral_elbow_pain",
        "knee_osteoarthritis",
        "patellofemoral_pain",
        "plantar_heel_pain",
        "tension_type_headache",
        "lateral_hip_pain",
        "myofascial_pain",
    ],
    "red_flag": [
        "cauda_equina_signs",
        "unexplained_weight_loss",
        "night_pain",
        "history_of_cancer",
        "fever",
        "major_trauma",
        "progressive_neurological_deficit",
    ],
    "contraindication": [
        "needle_phobia",
        "unable_to_consent",
        "previous_adverse_reaction",
        "lymphoedema",
        "acute_medical_illness",
    ],
    "precaution": [
        "anticoagulants",
        "bleeding_disorder",
        "immunocompromised",
        "diabetes",
        "vascular_disease",
        "lymph_node_removal",
        "pregnancy",
        "epilepsy",
        "metal_allergy",
        "local_infection",
        "frailty",
    ],
    "prognostic": [
        "smoker",
        "poor_sleep",
        "depression",
        "anxiety",
        "fear_avoidance",
        "obesity",
        "previous_episodes",
        "heavy_physical_work",
        "regular_exercise",
    ],
    "underlying": ["poor_posture", "muscle_imbalance", "repetitive_strain"],
}


def make(rules: RuleSet = RULES, **fields: object) -> ConditionProfile:
    data: dict[str, object] = {"condition": "neck_pain", "severity": 5, "duration": "8 weeks"}
    data.update(fields)
    return ConditionProfile.model_validate(data, context={"rules": rules})


def test_rule_set_knows_every_design_id() -> None:
    assert set(DESIGN_IDS["condition"]) <= set(RULES.conditions)
    for level in ("red_flag", "contraindication", "precaution"):
        for fid in DESIGN_IDS[level]:
            assert RULES.health_factors[fid].level == level, fid
    for fid in DESIGN_IDS["prognostic"]:
        assert RULES.health_factors[fid].level == "prognostic", fid
    assert RULES.health_factors["diabetes"].adjust is not None  # prognostic too
    assert set(DESIGN_IDS["underlying"]) <= set(RULES.underlying_factors)
    assert RULES.resolve("health_factor", "lymphedema") == "lymphoedema"


def test_every_cited_source_is_defined() -> None:
    assert list(RULES.reference_problems()) == []
    kinds = {s.kind for s in RULES.sources}
    assert "design_choice" in kinds  # choices are labelled as choices


def test_red_flag_refers_even_with_other_findings() -> None:
    p = plan(make(health_factors=["needle_phobia", "night_pain", "diabetes"]), RULES)
    assert p.decision == "refer"
    assert p.sessions.suggested == p.sessions.low == p.sessions.high == 0
    assert p.companions == ()
    assert next(f.level for f in p.flags) == "red_flag"


def test_contraindication_keeps_companions() -> None:
    p = plan(make(health_factors=["lymphoedema"], underlying_factors=["poor_posture"]), RULES)
    assert p.decision == "do_not_needle"
    assert p.sessions.suggested == 0
    assert "postural_training" in {c.id for c in p.companions}
    assert "stretching" in {c.id for c in p.companions}


def test_precaution_gives_caution_with_message() -> None:
    p = plan(make(health_factors=["anticoagulants"]), RULES)
    assert p.decision == "needle_with_caution"
    assert p.sessions.suggested > 0
    assert "pressure" in p.flags[0].message


def test_lung_field_region_is_a_precaution() -> None:
    p = plan(make(region="left rhomboid, between the shoulder blades"), RULES)
    assert p.decision == "needle_with_caution"
    assert p.flags[0].id == "lung_fields"


def test_no_findings_needle() -> None:
    assert plan(make(), RULES).decision == "needle"


def test_companions_follow_condition_and_factors() -> None:
    neck = plan(
        make(
            underlying_factors=["poor_posture", "repetitive_strain", "muscle_imbalance"],
            health_factors=["fear_avoidance", "poor_sleep"],
        ),
        RULES,
    )
    ids = {c.id for c in neck.companions}
    assert {
        "stretching",
        "postural_training",
        "ergonomic_modification",
        "muscle_imbalance_correction",
        "pain_education",
        "sleep_hygiene",
    } <= ids
    assert all(c.reason for c in neck.companions)
    elbow = plan(make(condition="lateral_elbow_pain"), RULES)
    assert "eccentric_exercise" in {c.id for c in elbow.companions}


def test_no_previous_response_reassesses_earlier_and_says_why() -> None:
    base = plan(make(condition="plantar_heel_pain"), RULES)
    early = plan(make(condition="plantar_heel_pain", previous_response="none"), RULES)
    assert early.reassess_after < base.reassess_after
    step = next(s for s in early.rationale if s.rule == "reassess")
    assert "no response" in step.reason


def test_expectations_in_every_plan() -> None:
    for fields in ({}, {"health_factors": ["fever"]}, {"health_factors": ["needle_phobia"]}):
        text = " ".join(plan(make(**fields), RULES).expectations)
        assert "does not replace" in text
    text = " ".join(plan(make(), RULES).expectations)
    for phrase in (
        "straight after",
        "Several sessions",
        "a day or two",
        "72 hours",
        "not a treatment on its own",
        "shortness of breath",
    ):
        assert phrase in text


def test_rationale_traces_every_change() -> None:
    p = plan(make(severity=9, duration="2 years", health_factors=["smoker"], age=70), RULES)
    rules = [s.rule for s in p.rationale]
    assert rules[0] == "conditions.neck_pain.sessions"
    for r in (
        "severity.severe",
        "duration.chronic",
        "health_factors.smoker",
        "age_rules.older_age",
        "cadence",
        "reassess",
    ):
        assert r in rules
    assert all(s.source for s in p.rationale)


profiles = st.fixed_dictionaries(
    {
        "condition": st.sampled_from(CONDITIONS),
        "health_factors": st.lists(
            st.sampled_from(PROGNOSTIC + PRECAUTIONS), unique=True, max_size=5
        ),
        "underlying_factors": st.lists(st.sampled_from(UNDERLYING), unique=True),
        "age": st.none() | st.integers(0, 120),
        "sessions_per_week": st.none() | st.integers(1, 7),
        "previous_response": st.sampled_from(["good", "partial", "none", "unknown"]),
        "start_date": st.none() | st.dates(dt.date(2026, 1, 1), dt.date(2030, 12, 31)),
    }
)


@settings(max_examples=300, deadline=None)
@given(profiles, st.integers(0, 10), st.integers(0, 10), st.floats(0, 300), st.floats(0, 300))
def test_worse_or_longer_never_means_fewer_sessions(fields, s1, s2, d1, d2) -> None:
    (s_lo, s_hi), (d_lo, d_hi) = sorted((s1, s2)), sorted((d1, d2))
    lesser = plan(make(severity=s_lo, duration=d_lo, **fields), RULES).sessions
    greater = plan(make(severity=s_hi, duration=d_hi, **fields), RULES).sessions
    assert greater.suggested >= lesser.suggested
    assert greater.low >= lesser.low
    assert greater.high >= lesser.high


@settings(max_examples=300, deadline=None)
@given(
    profiles,
    st.integers(0, 10) | st.sampled_from(["mild", "moderate", "severe"]),
    st.floats(0, 500),
)
def test_course_is_inside_evidence_and_cadence_rules(fields, severity, weeks) -> None:
    profile = make(severity=severity, duration=weeks, **fields)
    p = plan(profile, RULES)
    cond = RULES.conditions[profile.condition]
    s = p.sessions
    assert cond.evidence_min <= s.low <= s.suggested <= s.high <= cond.evidence_max
    assert 1 <= p.cadence.per_week <= 2
    if profile.sessions_per_week:
        assert p.cadence.per_week <= profile.sessions_per_week
    assert p.cadence.weeks * p.cadence.per_week >= s.suggested
    assert 1 <= p.reassess_after <= min(3, s.suggested)
    if profile.start_date is None:
        assert p.schedule is None
    else:
        assert p.schedule is not None and len(p.schedule) == s.suggested
        dates = [x.date for x in p.schedule]
        assert dates[0] == profile.start_date
        assert all((b - a).days >= 2 for a, b in itertools.pairwise(dates))
        for i, d in enumerate(dates):  # never more than per_week in any 7-day window
            assert sum(1 for e in dates[i:] if (e - d).days < 7) <= p.cadence.per_week
        assert [x.reassess for x in p.schedule].count(True) == 1
    # deterministic: the same inputs give the same plan
    assert plan(profile, RULES) == p


@settings(max_examples=300, deadline=None)
@given(
    profiles,
    st.integers(0, 10) | st.sampled_from(["mild", "moderate", "severe"]),
    st.floats(0, 500),
    st.sampled_from([None, "left rhomboid", "neck"]),
    st.sampled_from([None, "P-1", "=1+2", "é\x1b[31m"]),
)
def test_jsonl_fragments_equal_plain_json(fields, severity, weeks, region, patient) -> None:
    import json

    from needleplan.writers.jsonfmt import JsonLinesWriter

    p = plan(
        make(severity=severity, duration=weeks, region=region, patient=patient, **fields),
        RULES,
        source="s.yaml",
    )
    writer = JsonLinesWriter()
    expected = json.dumps(p.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n"
    assert writer.item(p, True) == expected
    assert writer.item(p, True) == expected  # and again, from the fragment cache
