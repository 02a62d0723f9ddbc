"""Properties of the review's precedence table: order never counts, a red flag never
lowers urgency, a change inside the pain score's error is never meaningful."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from needleplan.profile import ConditionProfile
from needleplan.results import Review
from needleplan.reviewer import meaningful_fall, review
from needleplan.vocab import URGENCIES
from tests.shipped import RULES

START = dt.date(2026, 9, 1)
#: adverse events (a medical clearance settles them: it is no adverse event)
EVENTS = sorted(k for k, e in RULES.review.events.items() if not e.clears)
RED_FLAGS = sorted(k for k, v in RULES.health_factors.items() if v.level == "red_flag")
#: factors a log may add during a course (place-tied and pregnancy ones need more words)
ADDED = sorted(
    k
    for k, v in RULES.health_factors.items()
    if not v.place
    and k != "pregnancy"
    and v.level in ("red_flag", "contraindication", "precaution")
)
NOTES = [
    None,
    "short of breath since the session",
    "numb down below since Tuesday",
    "night sweats and lost weight",
    "felt fine, no problems",
]

sessions = st.lists(
    st.fixed_dictionaries(
        {
            "nrs": st.integers(0, 10),
            "gap": st.integers(1, 14),
            "events": st.lists(st.sampled_from(EVENTS), unique=True, max_size=4),
            "new_health_factors": st.lists(st.sampled_from(ADDED), unique=True, max_size=3),
            "notes": st.sampled_from(NOTES),
            "groc": st.none() | st.integers(-7, 7),
        }
    ),
    min_size=1,
    max_size=8,
)


def _review(entries: list[dict[str, Any]], days_after: int, severity: int = 7) -> Review:
    log, day = [], START
    for e in entries:
        day += dt.timedelta(days=e["gap"])
        item = {k: v for k, v in e.items() if k != "gap" and v not in (None, [], ())}
        log.append({**item, "date": day.isoformat(), "nrs": e["nrs"]})
    data = {
        "condition": "low_back_pain",
        "severity": severity,
        "duration": "6 months",
        "sites": {"lumbar_multifidus": "left", "gluteus_medius": "left"},
        "log": log,
    }
    p = ConditionProfile.model_validate(data, context={"rules": RULES})
    return review(p, RULES, day + dt.timedelta(days=days_after))


def _decided(r: Review) -> tuple[Any, ...]:
    return (
        r.verdict,
        r.urgency,
        r.rationale[0].rule,
        r.advice.title,
        r.advice.lead,
        r.advice.sections,
        r.next,
    )


@settings(max_examples=60, deadline=None)
@given(sessions, st.integers(0, 40), st.randoms(use_true_random=False))
def test_reordering_a_sessions_events_or_findings_never_changes_the_review(
    entries: list[dict[str, Any]], days_after: int, rnd: Any
) -> None:
    before = _review(entries, days_after)
    shuffled = []
    for e in entries:
        events, factors = list(e["events"]), list(e["new_health_factors"])
        rnd.shuffle(events)
        rnd.shuffle(factors)
        shuffled.append({**e, "events": events, "new_health_factors": factors})
    assert _decided(_review(shuffled, days_after)) == _decided(before)


@settings(max_examples=60, deadline=None)
@given(sessions, st.integers(0, 40), st.sampled_from(RED_FLAGS), st.data())
def test_adding_a_red_flag_never_lowers_urgency(
    entries: list[dict[str, Any]], days_after: int, flag: str, data: st.DataObject
) -> None:
    before = _review(entries, days_after)
    at = data.draw(st.integers(0, len(entries) - 1))
    added = [dict(e) for e in entries]
    factors = [f for f in added[at]["new_health_factors"] if f != flag]
    added[at]["new_health_factors"] = [*factors, flag]
    after = _review(added, days_after)
    assert URGENCIES.index(after.urgency) >= URGENCIES.index(before.urgency)
    assert after.verdict in ("refer", "emergency", "stop_needling")  # a red flag stops needling


@settings(max_examples=60, deadline=None)
@given(sessions, st.integers(0, 40), st.sampled_from(EVENTS), st.data())
def test_adding_an_adverse_event_never_lowers_urgency(
    entries: list[dict[str, Any]], days_after: int, event: str, data: st.DataObject
) -> None:
    before = _review(entries, days_after)
    at = data.draw(st.integers(0, len(entries) - 1))
    added = [dict(e) for e in entries]
    added[at]["events"] = sorted({*added[at]["events"], event})
    after = _review(added, days_after)
    assert URGENCIES.index(after.urgency) >= URGENCIES.index(before.urgency)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 10), st.sampled_from([-1, 1]), st.integers(1, 6), st.integers(0, 20))
def test_a_one_point_change_is_never_meaningful(
    baseline: int, step: int, sessions_done: int, days_after: int
) -> None:
    latest = baseline + step
    if not 0 <= latest <= 10:
        return
    assert not meaningful_fall(baseline, latest, RULES)
    entries = [
        {
            "nrs": baseline,
            "gap": 7,
            "events": [],
            "new_health_factors": [],
            "notes": None,
            "groc": None,
        }
        for _ in range(sessions_done - 1)
    ]
    entries.append(
        {
            "nrs": latest,
            "gap": 7,
            "events": [],
            "new_health_factors": [],
            "notes": None,
            "groc": None,
        }
    )
    r = _review(entries, days_after, severity=baseline)
    assert r.change is not None and not r.change.meaningful
    assert r.verdict != "extend"  # nothing but a meaningful change extends a course


@settings(max_examples=60, deadline=None)
@given(sessions, st.integers(0, 40), st.data())
def test_breathlessness_in_any_sessions_notes_never_lets_needling_go_on(
    entries: list[dict[str, Any]], days_after: int, data: st.DataObject
) -> None:
    """Breathlessness after needling written in any session's notes, never settled (no
    later notes say it is gone), stops or holds needling: never continue or extend."""
    at = data.draw(st.integers(0, len(entries) - 1))
    written = [dict(e) for e in entries]
    written[at]["notes"] = "pt SOB after the needling"
    after = _review(written, days_after)
    assert after.verdict in ("refer", "emergency", "stop_needling")
