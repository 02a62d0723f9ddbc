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
        # the screen's (table) and the handout's own words
        "screen.rule.cadence",
        "screen.rule.reassess",
        "screen.rule.course.ceiling",
        "screen.rule.course.progress_note_every",
        "screen.rule.review.emergency",
        "screen.rule.review.red_flag",
        "screen.rule.review.adverse_event",
        "screen.rule.review.do_not_needle",
        "screen.rule.review.discharge",
        "screen.rule.review.worse",
        "screen.rule.review.before_review_point",
        "screen.rule.review.no_change_yet",
        "screen.rule.review.no_change",
        "screen.rule.review.improving",
        "screen.rule.review.ceiling",
        "screen.rule.review.extend",
        "screen.rule.review.plateau",
        "screen.initial_block_rule",
        "screen.condition_rule",
        "screen.event_rule",
        "screen.rule_of.severity",
        "screen.rule_of.duration",
        "screen.rule_of.health_factors",
        "screen.rule_of.underlying_factors",
        "screen.rule_of.age_rules",
        "screen.rule_of.start_back",
        "screen.rule_of.safety",
        "screen.rule_of.previous_response",
        "screen.effect.applied",
        "screen.effect.capped",
        "screen.effect.none",
        "screen.course.refer",
        "screen.course.check_first",
        "screen.course.do_not_needle",
        "screen.course.not_indicated",
        "screen.next.one_session",
        "screen.next.sessions",
        "screen.next.discharge",
        "screen.next.until_cleared",
        "screen.next.none",
        "screen.progress_note",
        "screen.handout",
        "screen.more.plan",
        "screen.more.review",
        "handout.title",
        "handout.title_of",
        "handout.header",
        "handout.name_line",
        "handout.clinic_blank",
        "handout.phone",
        "handout.phone_blank",
        "handout.no_phone",
        "handout.for_parent",
        "handout.scores.heading",
        "handout.scores.start",
        "handout.scores.latest",
        "handout.scores.worse",
        "handout.scores.improved",
        "handout.scores.not_yet",
        "handout.scores.target",
        "handout.scores.session",
        "handout.chart.alt",
        "handout.chart.label",
        "handout.chart.start",
        "handout.chart.target",
        "handout.chart.sessions",
        "handout.chart.pain",
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


class _Kept(dict[str, object]):
    """Values to fill; a placeholder without one stays as written (never an error)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(text: str, /, **values: object) -> str:
    """``text`` (a rule-set text) with its ``{name}`` placeholders filled from ``values``:
    the one way a text is filled, for ``texts:`` and for the review's own table."""
    return text.format_map(_Kept(values)) if values else text
