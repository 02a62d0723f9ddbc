"""needleplan: suggest an explained, safety-first dry-needling course.

Library use (no CLI needed)::

    from needleplan import load_profile, load_rules, plan

    rules = load_rules()                      # the shipped rule set
    profile = load_profile("plans/neck-chronic.yaml", rules)
    result = plan(profile, rules)             # pure and deterministic
    print(result.decision, result.sessions.suggested)

    logged = load_profile("plans/review-responder.yaml", rules, today=date(2026, 12, 1))
    print(review(logged, rules, date(2026, 12, 1)).verdict)   # pure: "now" is given

needleplan informs a licensed clinician's judgement; it never diagnoses.
"""

from __future__ import annotations

__version__ = "0.3.0"  # first: the modules below read it

from .errors import InputError, Problem, RulesError
from .loading import load_profile, profile_from_text
from .planner import plan
from .profile import ConditionProfile
from .results import Plan, Review
from .reviewer import review
from .rules import RuleSet
from .rulesload import load_rules

__all__ = [
    "ConditionProfile",
    "InputError",
    "Plan",
    "Problem",
    "Review",
    "RuleSet",
    "RulesError",
    "__version__",
    "load_profile",
    "load_rules",
    "plan",
    "profile_from_text",
    "review",
]
