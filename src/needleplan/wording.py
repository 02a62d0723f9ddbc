"""The one wording step: ids and numbers in, the sentence a reader sees out.

Planning and review decide with ids and numbers; every sentence a clinician,
patient or parent reads is a text of the rule set (its ``texts:`` section,
keyed by id, with a parent or guardian's version where it differs), filled
here with the numbers and names the decision carries. Nothing here decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from typing import TYPE_CHECKING, get_args

from .vocab import Audience, Level

if TYPE_CHECKING:
    from .rules import RuleSet, Sentence

#: Every text id the code says, by its first word: a rule set must define each one.
_SAID = {
    "count": """
        session.one session.many more_session.one more_session.many
        dry_needling_session.one dry_needling_session.many week.one week.many day.one day.many
        point.one point.many question.one question.many
    """,
    "flag": """
        place_missing place_missing.told at_place.label.contraindication
        at_place.label.precaution at_place.message at_place.told pregnancy_weeks_unknown
    """,
    "plan_rules": """
        no_pain.label no_pain.message no_pain.told first_trimester.label first_trimester.message
        first_trimester.told first_trimester.reconsider at_term.label at_term.message
        at_term.told at_term.reconsider every_site_avoided.label
        every_site_avoided.message every_site_avoided.told new_pain_over_50.warning
        fresh_pain.warning late_start.warning cadence_kept.warning past_term.warning
        past_term.told
    """,
    "warning": """
        notes_red_flag_words notes_group notes_group_add age_not_given low_pain start_back_scores
        start_back_not_validated
        start_back_low_risk consent sites_not_given pregnancy_under_18 pregnancy_weeks_not_given
        no_schedule combination notes_raise
    """,
    "step": """
        stop.refer stop.do_not_needle stop.not_indicated stop.reason stop.change
        combination.change combination.reason notes_raise.reason
        initial_block.change initial_block.change_range initial_block.reason block.larger
        block.capped block.unchanged
        severity.reason severity.reason_word duration.reason good_response.reason
        good_response.capped course.slower course.faster course.good_sign course.underlying
        course.age course.start_back course.capped course.longer course.shorter course.not_a_dose
        smallest.duration smallest.factor smallest.held reassess.change reassess.reason
        reassess.no_response ceiling.change ceiling.reason cadence.change cadence.reason
        cadence.can_attend
    """,
    "page": """
        sessions_count sessions_count_dated site_name.one site_name.both site_line lead_after check
        kept_safe site_care
        pain_back your_sessions as_you tell_staff if_agreed next_more next_check_first
        heading.where_to_go heading.why heading.instead heading.alongside heading.when_to_reconsider
        heading.what_to_expect heading.aftercare heading.warning_signs heading.next title.needle
        title.needle_with_caution title.do_not_needle title.not_indicated title.refer lead.needle
        lead.needle_with_caution lead.do_not_needle lead.not_indicated lead.refer what_it_is
        other_therapies_lead parent_note referral.emergency.where referral.emergency.when
        referral.same_day.where referral.same_day.when referral.routine.where referral.routine.when
        referral.soon.where referral.soon.when
        heading.do_now heading.if_worse heading.meanwhile heading.not_to_wait spinal_signs.first
    """,
    "review": """
        lead.emergency lead.refer lead.refer_now lead.continue lead.extend lead.discharge
        lead.discharge_next lead.stopped lead.stops_for_now lead.no_change_yet lead.cleared_first
        title.emergency title.decide title.continue title.extend title.discharge title.stop_needling
        title.refer best_at_intake best_at_session event_line event_earlier event_earlier_urgent
        which_site record_site future_course every_site_avoided_action every_site_avoided
        past_ceiling needled_avoided_site needled_unplanned_avoided needled_unplanned_caution
        needled_bruised_site needled_after_stop new_precaution progress_note measure measure_better
        measure_worse measure_same low_baseline nrs_error notes_session avoided_site screening_open
        spinal_with spinal_worse spinal_notes groc_worse event_cleared needled_avoided_at
        baseline_gap past_term
    """,
    "screening": """
        open_check notes_check notes_check_no_question notes_contradict rationale change
        tier.emergency.title tier.emergency.where tier.emergency.when tier.emergency.escalate
        tier.same_day.title tier.same_day.where tier.same_day.when tier.same_day.escalate
        tier.soon.title tier.soon.where tier.soon.when tier.soon.escalate tier.routine.title
        tier.routine.where tier.routine.when tier.routine.escalate page.title page.lead
        page.asked_about page.next page.meanwhile companions_wait.change companions_wait.reason
    """,
    "screen": """
        rule.cadence rule.reassess rule.course.ceiling rule.course.progress_note_every
        rule.review.emergency rule.review.red_flag rule.review.adverse_event
        rule.review.do_not_needle rule.review.discharge rule.review.worse
        rule.review.before_review_point rule.review.no_change_yet rule.review.no_change
        rule.review.improving rule.review.ceiling rule.review.extend rule.review.plateau
        rule.review.new_baseline rule.review.baseline_gap
        initial_block_rule condition_rule event_rule rule_of.severity rule_of.duration
        rule_of.health_factors rule_of.underlying_factors rule_of.age_rules
        rule_of.start_back rule_of.safety rule_of.previous_response effect.applied
        effect.capped effect.none course.refer course.check_first course.do_not_needle
        course.check_first_no_needling course.not_indicated next.one_session next.sessions
        next.discharge next.until_cleared next.none next.hold progress_note handout more.plan
        more.review
    """,
    "handout": """
        title title_of header name_line clinic_blank phone phone_blank no_phone for_parent
        scores.heading scores.start scores.latest scores.worse scores.improved
        scores.not_yet scores.target scores.no_target scores.gap scores.session chart.alt
        chart.label chart.start chart.target chart.no_target chart.gap chart.sessions chart.pain
        ref schedule.session schedule.date
        schedule.check_in schedule.row schedule.row_check_in
    """,
    "table": """
        tag.ask tag.check tag.not_checked tag.course tag.expected tag.dates tag.handout
        tag.more tag.why tag.change tag.next tag.avoid tag.action tag.note_due
        heading.companions heading.safety heading.why_plan heading.why_review
        first_block.one first_block.many first_block_below open_questions unchecked
        not_checked source file footer course expected span.range
        span.ceiling reassess done.one done.many points.one points.many change_line
        change.none change.meaningful change.not_meaningful change.worse change.not_judged
        chart.title chart.last chart.baseline chart.mcid chart.legend chart.legend_no_line
        chart.legend_gap chart.event
    """,
    "summary": """
        title.one title.many head.file head.folder head.patient head.decision head.course
        head.findings head.verdict head.next head.why invalid see_errors urgent tally
        by_decision by_verdict checks.one checks.many avoid.one avoid.many change
        change_meaningful details
    """,
    "level": " ".join(f"{level}.name {level}.effect" for level in get_args(Level)),
    "explain": """
        title.condition title.health_factor title.underlying_factor title.site title.site_risk
        title.site_rule title.companion title.event title.source title.retired field.aliases
        field.initial_block field.trial_doses field.per_week field.ceiling field.evidence
        field.level field.urgency field.place field.clinician field.course field.patient
        field.reconsider field.consent field.under_18 field.why field.body_part field.risks
        field.note field.sites field.verdict field.when field.where field.stronger_with
        field.then field.for_patient field.suggested_with field.next_time field.review_verdict
        field.citation field.kind heading.companions heading.factor_rules heading.site_rules
        heading.sources heading.cited_by initial_block trial_doses per_week ceiling level place
        course.factor course.underlying no_change consent under_18 companion factor_rule
        factor_rule_stronger at.risk at.place at.every_site body_part_also named no_risks
        site_rule when.with when.at_place when.always or none verdict.avoid verdict.caution risk
        rule_sites rule_when rule_where event_sites top_level kind.trial kind.review
        kind.guideline kind.observational kind.opinion kind.design_choice source
    """,
    "rules_view": """
        title counts heading.conditions heading.level.red_flag heading.level.contraindication
        heading.level.not_indicated heading.level.precaution heading.level.prognostic
        heading.underlying heading.site_risks heading.sites heading.site_rules heading.bands
        column.id column.block column.per_week column.ceiling column.label column.red_flag
        column.prognostic column.step column.short column.part column.risks column.verdict
        column.when at_place when.risk when.with when.at_place when.always or bands export
    """,
    "template": """
        intro patient condition sites sites_list region severity duration health_factors places
        pregnancy level underlying screening age previous_response start_back sessions_per_week
        start_date notes log log_nrs log_groc log_events
    """,
    "run": """
        settings rules_from wrote wrote_files.one wrote_files.many then_stopped nothing_written
        checked.one checked.many skipped.one skipped.many open_check
    """,
    "fhir": """
        subject_unknown dry_needling referral no_urgency source rules course cadence
        not_needling.refer not_needling.not_indicated
        not_needling.do_not_needle site.both site.side site_note avoid_sites caution_sites
        unchecked advice avoid_site avoid companion_reason title.plan title.review
        note.decision note.course note.plain_sites note.unchecked note.warning
        note.expectation note.verdict note.status note.events change.none change.measured
        change.meaningful change.worse change.no_change change.not_judged next.sessions
        next.avoid avoid_next
        nrs.session nrs.groc nrs.events nrs.code verdict.display verdict.text
    """,
    "ics": """
        summary summary_due summary_reassess due timed reassess reference clinic
        clinic_phone proposed category note.no_start note.none note.closed
    """,
}
TEXT_IDS: frozenset[str] = frozenset(
    f"{group}.{name}" for group, names in _SAID.items() for name in names.split()
)


@dataclass(frozen=True)
class Said:
    """A sentence decided but not yet worded: the rule set's text ``key`` for
    ``audience``, and the values that will fill its placeholders (numbers, names,
    or other sentences still to be worded). Deciding code returns these; the
    wording step (:func:`worded`) says them."""

    key: str
    audience: Audience = "patient"
    values: tuple[tuple[str, Wordable], ...] = ()


@dataclass(frozen=True)
class Joined:
    """Parts (names, or sentences still to be worded) to join with ``sep`` once worded."""

    sep: str
    parts: tuple[Wordable, ...]


#: What the wording step turns into text: a sentence, a join of parts, or a plain value.
Wordable = Said | Joined | str | int | float


def said(key: str, audience: Audience = "patient", /, **values: Wordable) -> Said:
    """The text ``key`` for ``audience``, decided now and worded later."""
    return Said(key, audience, tuple(values.items()))


def counted(noun: str, n: int) -> Said:
    """``n`` and its noun ("1 session", "3 sessions"): the rule set's ``count.<noun>.one``
    or ``count.<noun>.many`` text."""
    return said(one_or_many(f"count.{noun}", n), n=n)


def one_or_many(key: str, n: int) -> str:
    """The text id for ``n`` of something: ``<key>.one`` for one (or minus one), else
    ``<key>.many``."""
    return f"{key}.{'one' if abs(n) == 1 else 'many'}"


def worded(rules: RuleSet, value: Wordable) -> str:
    """``value`` as the reader sees it: a :class:`Said` as its text filled with its
    values (each worded first), a :class:`Joined` as its worded parts joined."""
    if isinstance(value, Said):
        return say(rules, value.key, value.audience, **fill_values(rules, value.values))
    if isinstance(value, Joined):
        return value.sep.join(worded(rules, p) for p in value.parts)
    return str(value)


def fill_values(rules: RuleSet, values: Iterable[tuple[str, Wordable]]) -> dict[str, object]:
    """Values to fill a text with: sentences and joins worded, numbers kept as numbers (a
    text may format them: "{fraction:.0%}", "{points:+d}")."""
    return {n: v if isinstance(v, int | float) else worded(rules, v) for n, v in values}


def say(rules: RuleSet, key: str, audience: Audience = "patient", /, **values: object) -> str:
    """The rule set's text ``key`` as ``audience`` reads it, its ``{name}`` placeholders
    filled from ``values``."""
    return word(rules.texts[key], audience, **values)


def word(sentence: Sentence, audience: Audience = "patient", /, **values: object) -> str:
    """``sentence`` (a text, or an entry's own sentence such as a review finding's) as
    ``audience`` reads it: a parent's version where there is one, else the patient's."""
    if isinstance(sentence, str):
        return fill(sentence, **values)
    parent = audience == "parent" and sentence.parent
    return fill(sentence.parent if parent else sentence.text, **values)


def say_if(rules: RuleSet, key: str, audience: Audience = "patient", /, **values: object) -> str:
    """:func:`say` for a text a rule set may leave out (an emergency's "what to do now"):
    "" when it has no text ``key``."""
    return say(rules, key, audience, **values) if key in rules.texts else ""


def either(rules: RuleSet, key: str, items: Iterable[str]) -> str:
    """``items`` as alternatives ("a or b or c"), joined two at a time by the text ``key``."""
    return reduce(lambda first, then: say(rules, key, first=first, then=then), items)


def say_all(rules: RuleSet, prefix: str, audience: Audience = "patient", /) -> list[str]:
    """Every text ``prefix.<item>`` (a page's list, such as ``page.aftercare``) as
    ``audience`` reads it, in the rule set's order; an empty text is left out (a line
    for the parent only)."""
    start = prefix + "."
    said = [say(rules, key, audience) for key in rules.texts if key.startswith(start)]
    return [line for line in said if line]


class _Unfilled:
    """A placeholder without a value: it formats as written, its format spec included."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __format__(self, spec: str) -> str:
        return "{" + self.key + (":" + spec if spec else "") + "}"

    def __repr__(self) -> str:  # a conversion ("{n!r}") keeps it as written too
        return "{" + self.key + "}"

    __str__ = __repr__


class _Kept(dict[str, object]):
    """Values to fill; a placeholder without one stays as written (never an error)."""

    def __missing__(self, key: str) -> _Unfilled:
        return _Unfilled(key)


def fill(text: str, /, **values: object) -> str:
    """``text`` (a rule-set text) with its ``{name}`` placeholders filled from ``values``:
    the one way a text is filled, for ``texts:`` and for the review's own table. A text is
    always read as a template, so its ``{{`` is one brace whether or not it has values."""
    return text.format_map(_Kept(values))
