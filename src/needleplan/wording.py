"""The one wording step: ids and numbers in, the sentence a reader sees out.

Planning and review decide with ids and numbers; every sentence a clinician,
patient or parent reads is a text of the rule set (its ``texts:`` section,
keyed by id, with a parent or guardian's version where it differs), filled
here with the numbers and names the decision carries. Nothing here decides.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .vocab import Audience

if TYPE_CHECKING:
    from .rules import RuleSet

#: The decisions whose page a plan's texts word (``check_first`` has the screen's page).
_PAGE_DECISIONS = ("needle", "needle_with_caution", "do_not_needle", "not_indicated", "refer")

#: Every text id the code says: a rule set must define each one.
TEXT_IDS: frozenset[str] = frozenset(
    [
        "flag.place_missing",
        "flag.at_place.label.contraindication",
        "flag.at_place.label.precaution",
        "flag.at_place.message",
        "flag.at_place.told",
        "plan_rules.no_pain.label",
        "plan_rules.no_pain.message",
        "plan_rules.no_pain.told",
        "plan_rules.first_trimester.label",
        "plan_rules.first_trimester.message",
        "plan_rules.first_trimester.told",
        "plan_rules.first_trimester.reconsider",
        "plan_rules.every_site_avoided.label",
        "plan_rules.every_site_avoided.message",
        "plan_rules.every_site_avoided.told",
        "plan_rules.new_pain_over_50.warning",
        "plan_rules.fresh_pain.warning",
        "plan_rules.late_start.warning",
        "warning.notes_red_flag_words",
        "warning.notes_group",
        "warning.notes_group_add",
        "warning.age_not_given",
        "warning.low_pain",
        "warning.start_back_scores",
        "warning.start_back_low_risk",
        "warning.consent",
        "warning.sites_not_given",
        "warning.pregnancy_under_18",
        "warning.pregnancy_weeks_not_given",
        "warning.no_schedule",
        "step.stop.refer",
        "step.stop.do_not_needle",
        "step.stop.not_indicated",
        "step.stop.reason",
        "step.initial_block.change",
        "step.initial_block.change_range",
        "step.initial_block.reason",
        "step.block.larger",
        "step.block.capped",
        "step.block.unchanged",
        "step.severity.reason",
        "step.severity.reason_word",
        "step.duration.reason",
        "step.good_response.reason",
        "step.good_response.capped",
        "step.course.slower",
        "step.course.faster",
        "step.course.good_sign",
        "step.course.underlying",
        "step.course.age",
        "step.course.start_back",
        "step.course.capped",
        "step.course.longer",
        "step.course.shorter",
        "step.course.not_a_dose",
        "step.smallest.duration",
        "step.smallest.factor",
        "step.smallest.held",
        "step.reassess.change",
        "step.reassess.reason",
        "step.reassess.no_response",
        "step.ceiling.change",
        "step.ceiling.reason",
        "step.cadence.change",
        "step.cadence.reason",
        "step.cadence.can_attend",
        "page.sessions_count",
        "page.site_name.one",
        "page.site_name.both",
        "page.site_line",
        "page.lead_after",
        "page.check",
        "page.kept_safe",
        "page.site_care",
        "page.pain_back",
        "page.your_sessions",
        "page.as_you",
        "page.tell_staff",
        "page.if_agreed",
        "page.next_more",
        "page.next_check_first",
        "page.heading.where_to_go",
        "page.heading.why",
        "page.heading.instead",
        "page.heading.alongside",
        "page.heading.when_to_reconsider",
        "page.heading.what_to_expect",
        "page.heading.aftercare",
        "page.heading.warning_signs",
        "page.heading.next",
        "review.lead.emergency",
        "review.lead.refer",
        "review.lead.refer_now",
        "review.lead.continue",
        "review.lead.extend",
        "review.lead.discharge",
        "review.lead.discharge_next",
        "review.lead.stopped",
        "review.lead.stops_for_now",
        "review.lead.no_change_yet",
        "review.lead.cleared_first",
        "review.title.emergency",
        "review.title.decide",
        "review.title.continue",
        "review.title.extend",
        "review.title.discharge",
        "review.title.stop_needling",
        "review.title.refer",
        "review.best_at_intake",
        "review.best_at_session",
        "review.event_line",
        "review.event_earlier",
        "review.event_earlier_urgent",
        "review.which_site",
        "review.record_site",
        "review.future_course",
        "review.every_site_avoided_action",
        "review.every_site_avoided",
        "review.past_ceiling",
        "review.needled_avoided_site",
        "review.needled_unplanned_avoided",
        "review.needled_unplanned_caution",
        "review.needled_bruised_site",
        "review.needled_after_stop",
        "review.new_precaution",
        "review.progress_note",
        "review.measure",
        "review.measure_better",
        "review.measure_worse",
        "review.measure_same",
        "review.low_baseline",
        "review.nrs_error",
        "review.notes_session",
        "review.avoided_site",
        "review.screening_open",
        "screening.open_check",
        "screening.notes_check",
        "screening.notes_check_no_question",
        "screening.notes_contradict",
        "screening.rationale",
        *(
            f"screening.tier.{tier}.{part}"
            for tier in ("emergency", "same_day", "soon", "routine")
            for part in ("title", "where", "when", "escalate")
        ),
        *(
            f"screening.page.{part}"
            for part in ("title", "lead", "asked_about", "next", "meanwhile")
        ),
        *(f"page.{part}.{decision}" for part in ("title", "lead") for decision in _PAGE_DECISIONS),
        "page.what_it_is",
        "page.other_therapies_lead",
        "page.parent_note",
        *(
            f"page.referral.{urgency}.{part}"
            for urgency in ("emergency", "same_day", "routine")
            for part in ("where", "when")
        ),
        "page.heading.do_now",
        "page.heading.if_worse",
        "page.heading.meanwhile",
        "page.heading.not_to_wait",
    ]
)


def say(rules: RuleSet, key: str, audience: Audience = "patient", /, **values: object) -> str:
    """The rule set's text ``key`` as ``audience`` reads it, its ``{name}`` placeholders
    filled from ``values``."""
    entry = rules.texts[key]
    if isinstance(entry, str):
        text = entry
    else:
        text = entry.parent if audience == "parent" and entry.parent else entry.text
    return fill(text, **values)


def say_if(rules: RuleSet, key: str, audience: Audience = "patient", /, **values: object) -> str:
    """:func:`say` for a text a rule set may leave out (an emergency's "what to do now"):
    "" when it has no text ``key``."""
    return say(rules, key, audience, **values) if key in rules.texts else ""


def say_all(rules: RuleSet, prefix: str, audience: Audience = "patient", /) -> list[str]:
    """Every text ``prefix.<item>`` (a page's list, such as ``page.aftercare``) as
    ``audience`` reads it, in the rule set's order; an empty text is left out (a line
    for the parent only)."""
    start = prefix + "."
    said = [say(rules, key, audience) for key in rules.texts if key.startswith(start)]
    return [line for line in said if line]


class _Kept(dict[str, object]):
    """Values to fill; a placeholder without one stays as written (never an error)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(text: str, /, **values: object) -> str:
    """``text`` (a rule-set text) with its ``{name}`` placeholders filled from ``values``:
    the one way a text is filled, for ``texts:`` and for the review's own table."""
    return text.format_map(_Kept(values)) if values else text
