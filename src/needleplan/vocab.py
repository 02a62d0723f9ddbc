"""needleplan's vocabulary, each term defined once.

Decisions, urgencies, levels, verdicts, bands, response values, sides,
places, body parts and the bounds of a profile live here; models, the
planner, the review, the schema and the writers import them from here.
"""

from typing import Literal, get_args

Decision = Literal[
    "needle", "needle_with_caution", "check_first", "do_not_needle", "refer", "not_indicated"
]
DECISIONS: tuple[Decision, ...] = get_args(Decision)
NEEDLING: frozenset[str] = frozenset(("needle", "needle_with_caution"))

#: How soon, least urgent first: "soon" is within days, at most two weeks.
Urgency = Literal["none", "routine", "soon", "same_day", "emergency"]
URGENCIES: tuple[Urgency, ...] = get_args(Urgency)
#: How soon a referral is needed (every urgency but "none").
ReferralUrgency = Literal["routine", "soon", "same_day", "emergency"]


def most_urgent(*urgencies: Urgency) -> Urgency:
    """The most urgent of ``urgencies`` ("none" when there are none)."""
    return max(urgencies, key=URGENCIES.index, default="none")


#: How a health factor is classified by the rule set.
Level = Literal["red_flag", "contraindication", "not_indicated", "precaution", "prognostic"]
#: The levels a plan's flag can have (prognostic factors change the course, not the decision).
FlagLevel = Literal["red_flag", "contraindication", "not_indicated", "precaution"]
FLAG_LEVELS: tuple[FlagLevel, ...] = get_args(FlagLevel)

Verdict = Literal["ok", "caution", "avoid"]
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)
#: What a site rule can make of a site.
SiteRuleVerdict = Literal["caution", "avoid"]

SeverityWord = Literal["mild", "moderate", "severe"]
SEVERITY_WORDS: tuple[SeverityWord, ...] = get_args(SeverityWord)
SeverityBand = SeverityWord
DurationBand = Literal["acute", "subacute", "chronic"]
DURATION_BANDS: tuple[DurationBand, ...] = get_args(DurationBand)

Response = Literal["good", "partial", "none", "unknown"]
RESPONSES: tuple[Response, ...] = get_args(Response)

Side = Literal["left", "right", "both"]
SIDES: tuple[Side, ...] = get_args(Side)
Place = Literal[
    "left_arm",
    "right_arm",
    "left_leg",
    "right_leg",
    "trunk",
    "head_neck",
    # finer places inside those (a joint, one side of the chest, a part of the back): a
    # factor tied to one of them acts on the sites the anatomy table puts near it
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist_hand",
    "right_wrist_hand",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle_foot",
    "right_ankle_foot",
    "left_chest",
    "right_chest",
    "neck",
    "upper_back",
    "low_back",
    "abdomen",
]
PLACES: tuple[Place, ...] = get_args(Place)
#: The finer areas a site can lie near (the anatomy table's ``near``): a sided one is a
#: place on the site's side (``knee`` -> ``left_knee``), a midline one is a place as it is.
Region = Literal[
    "shoulder",
    "elbow",
    "wrist_hand",
    "hip",
    "knee",
    "ankle_foot",
    "chest",
    "neck",
    "upper_back",
    "low_back",
    "abdomen",
]
SIDED_REGIONS: frozenset[str] = frozenset(
    ("shoulder", "elbow", "wrist_hand", "hip", "knee", "ankle_foot", "chest")
)
BodyPart = Literal["head_neck", "trunk", "arm", "leg"]

ReviewVerdict = Literal["continue", "extend", "discharge", "stop_needling", "refer", "emergency"]
REVIEW_VERDICTS: tuple[ReviewVerdict, ...] = get_args(ReviewVerdict)
#: The statuses FHIR R4 allows a CarePlan, and a CarePlan activity's detail (what each
#: review verdict gives them is the rule set's ``terms``).
CarePlanStatus = Literal[
    "draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"
]
ActivityStatus = Literal[
    "not-started",
    "scheduled",
    "in-progress",
    "on-hold",
    "completed",
    "cancelled",
    "stopped",
    "unknown",
    "entered-in-error",
]
#: The review's rule ids: each step of a review's rationale names one.
ReviewRule = Literal[
    "review.emergency",
    "review.notes",
    "review.notes_red_flag",
    "review.red_flag",
    "review.adverse_event",
    "review.do_not_needle",
    "review.discharge",
    "review.worse",
    "review.before_review_point",
    "review.no_change_yet",
    "review.no_change",
    "review.improving",
    "review.ceiling",
    "review.extend",
    "review.plateau",
    "review.baseline_gap",
]
REVIEW_EMERGENCY: ReviewRule = "review.emergency"
REVIEW_NOTES: ReviewRule = "review.notes"
REVIEW_NOTES_RED_FLAG: ReviewRule = "review.notes_red_flag"
REVIEW_NO_CHANGE_YET: ReviewRule = "review.no_change_yet"
#: how the change was judged across a break in the course longer than a score stays current
REVIEW_BASELINE_GAP: ReviewRule = "review.baseline_gap"
#: Review verdicts under which needling goes on, and those under which it stops.
GOING_ON: frozenset[ReviewVerdict] = frozenset(("continue", "extend"))
STOPS_NEEDLING: frozenset[ReviewVerdict] = frozenset(("stop_needling", "refer", "emergency"))

Effect = Literal["applied", "capped", "none"]
#: The flag a plan raises when every listed site is to be avoided (a contraindication).
EVERY_SITE_AVOIDED = "every_site_avoided"
#: The flag of a pregnancy in its first trimester (a precaution of its own).
FIRST_TRIMESTER = "first_trimester"
#: The flag of a pregnancy at or past term at the start (not now: after the birth).
AT_TERM = "at_term"
#: The flag of a profile without pain (needling not indicated).
NO_PAIN = "no_pain"

#: Warnings that may point to a red flag, a fresh injury or unsafe needling: shown right
#: under the decision.
RED_FLAG_PROMPTS = frozenset(
    (
        "notes_red_flag_words",
        "new_pain_over_50",
        "fresh_pain",
        "needled_avoided_site",
        "needled_after_stop",
        "new_precaution",
    )
)

#: Output formats, by name; a review is shown in all but ics (session dates are a plan's).
FormatName = Literal[
    "table", "json", "jsonl", "csv", "yaml", "markdown", "html", "pdf", "fhir", "ics"
]
FORMATS: tuple[FormatName, ...] = get_args(FormatName)
REVIEW_FORMATS: tuple[FormatName, ...] = tuple(f for f in FORMATS if f != "ics")
#: What ``needleplan schema`` prints.
SCHEMA_KINDS = ("profile", "rules", "plan", "review")
Audience = Literal["patient", "parent"]

#: Ids: lower-case letters, digits and '_', starting with a letter.
ID_PATTERN = r"^[a-z][a-z0-9_]*$"
MAX_ID_LENGTH = 64
#: Most ids in one list (health factors, sites, ...).
MAX_IDS = 50
#: Most entries in a session log.
MAX_LOG = 200
#: Longest texts kept from a profile.
TEXT_LIMITS = {"patient": 64, "region": 200, "notes": 4000}
#: Whole-number fields and their ranges.
AGE_RANGE = (0, 120)
#: Under this age the patient's page speaks to a parent or guardian.
ADULT_AGE = 18
SESSIONS_PER_WEEK_RANGE = (1, 7)
NRS_RANGE = (0, 10)
GROC_RANGE = (-7, 7)
START_BACK_TOTAL = (0, 9)
START_BACK_PSYCHOSOCIAL = (0, 5)
#: Pregnancy weeks accepted (0-42); where the first trimester ends is the rule set's
#: (plan_rules.first_trimester.weeks_below).
PREGNANCY_WEEKS_RANGE = (0, 42)
#: Weeks in each unit a duration may be written in.
WEEKS_PER_UNIT = {"day": 1 / 7, "week": 1.0, "month": 52.1775 / 12, "year": 52.1775}
#: The largest number a duration may be written with (any unit).
MAX_DURATION_NUMBER = 9999


def spoken(ident: str) -> str:
    """An id in plain words: 'upper_trapezius' -> 'upper trapezius'."""
    return ident.replace("_", " ")


def one_of(values: tuple[str, ...]) -> str:
    """'a, b or c' for messages."""
    return ", ".join(values[:-1]) + f" or {values[-1]}" if len(values) > 1 else values[0]
