"""``needleplan explain ID``: one entry of the rule set in plain words, with its sources.

An id (or an alias) of a condition, health factor, underlying factor, site,
companion, site rule, site risk, adverse event or source: what it does, its
numbers, and the full citations of its sources, as plain text fitted to the
terminal's width. An id that names several things (a site rule and the site
risk it acts on) shows each. An unknown id gets a "did you mean" hint.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .errors import UsageError, did_you_mean, inert
from .rules import RuleSet
from .textfit import wrap
from .vocab import LEVEL_MEANING, spoken

LEVEL_WORDS = {level: f"{name}: {effect}" for level, (name, effect) in LEVEL_MEANING.items()}
VERDICT_WORDS = {"avoid": "avoid: do not needle the site", "caution": "caution at the site"}
KIND_WORDS = {
    "trial": "trial",
    "review": "review",
    "guideline": "guideline",
    "observational": "observational study",
    "opinion": "clinical opinion",
    "design_choice": "needleplan design choice",
}


class _Page:
    """A page of text being built, every line fitted to ``width``."""

    def __init__(self, width: int) -> None:
        self.width = max(width, 40)
        self.lines: list[str] = []

    def title(self, text: str) -> None:
        if self.lines:
            self.lines.append("")
        self.lines += wrap(inert(text), self.width, indent=2)
        self.lines.append("=" * min(self.width, max(len(x) for x in self.lines[-1:])))

    def field(self, name: str, value: object) -> None:
        """``name: value`` with later lines under the value."""
        text = inert(str(value))
        if not text:
            return
        head = f"{name}: "
        indent = min(len(head), 16)
        self.lines += [
            (head + line if i == 0 else line)
            for i, line in enumerate(
                wrap(text, self.width, indent=indent, first=self.width - len(head))
            )
        ]

    def para(self, text: str, indent: int = 0) -> None:
        self.lines += [
            " " * indent + x if i == 0 else x
            for i, x in enumerate(
                wrap(inert(text), self.width, indent=indent, first=self.width - indent)
            )
        ]

    def heading(self, text: str) -> None:
        self.lines += ["", text]

    def items(self, entries: list[str]) -> None:
        for entry in entries:
            self.lines += wrap(f"- {inert(entry)}", self.width, indent=2)

    def sources(self, rules: RuleSet, ids: tuple[str, ...]) -> None:
        if not ids:
            return
        self.heading("Sources")
        known = {s.id: s for s in rules.sources}
        for i, sid in enumerate(ids, 1):
            source = known.get(sid)
            if source is None:
                self.para(f"{i}. {sid}", 0)
                continue
            kind = KIND_WORDS.get(source.kind, source.kind)
            text = f"{i}. {source.citation} [{kind}; id {sid}]"
            self.lines += wrap(inert(text), self.width, indent=3)
            if source.note:
                self.para(source.note, 3)

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.lines) + "\n"


def _links(page: _Page, rules: RuleSet, links: Any, heading: str = "Companions") -> None:
    if links:
        page.heading(heading)
        page.items([f"{rules.companions[c].label} ({c}): {why}" for c, why in links.items()])


def _condition(page: _Page, rules: RuleSet, key: str) -> None:
    c = rules.conditions[key]
    page.title(f"Condition: {c.label} ({key})")
    if c.aliases:
        page.field("Also accepted", ", ".join(c.aliases))
    b = c.initial_block
    page.field("Initial block", f"{b.low}-{b.high} sessions (the dose the condition's trials used)")
    page.field("Trial doses", ", ".join(str(d) for d in c.trial_doses) + " session(s)")
    page.field("Per week", f"{c.per_week} (never more than {rules.cadence.max_per_week})")
    ceiling = rules.ceiling(key)
    page.field("Ceiling", f"{ceiling} sessions in all (practice ceiling, opinion)")
    page.field("Evidence", c.note)
    _links(page, rules, c.companions)
    page.sources(rules, c.sources)


def _site_rules_for_factor(rules: RuleSet, key: str) -> list[str]:
    out = []
    for r in rules.site_rules:
        if key in r.factors_any or r.in_place_of == key or key in r.stronger_with:
            where = (
                f"sites with the risk '{r.risk}'"
                if r.risk
                else "sites in its place"
                if r.in_place_of
                else "every site"
            )
            stronger = " (its stronger message)" if key in r.stronger_with else ""
            out.append(f"{r.id}: {r.verdict} at {where}{stronger}")
    return out


def _health_factor(page: _Page, rules: RuleSet, key: str) -> None:
    f = rules.health_factors[key]
    page.title(f"Health factor: {f.label} ({key})")
    if f.aliases:
        page.field("Also accepted", ", ".join(f.aliases))
    page.field("Level", LEVEL_WORDS.get(f.level, f.level))
    if f.urgency != "none":
        page.field("Urgency", spoken(f.urgency))
    if f.place:
        page.field(
            "Place", "tied to a place (e.g. '- " + key + ": left_arm'); acts on sites there only"
        )
    page.field("Clinician", f.message)
    if f.prognostic_step:
        page.field(
            "Course",
            f"{f.prognostic_step:+d} to the expected course (never past the ceiling); "
            "the first block is unchanged",
        )
    page.field("Patient", f.patient_message)
    page.field("Reconsider", f.reconsider)
    if f.consent_prompt:
        page.field("Consent", "prompts a consent and capacity check")
    if f.under_18_confidential:
        page.field("Under 18", "asks who may be told: the parent's page names it")
    rules_for = _site_rules_for_factor(rules, key)
    if rules_for:
        page.heading("Site rules it takes part in")
        page.items(rules_for)
    _links(page, rules, f.companions)
    page.sources(rules, f.sources)


def _underlying(page: _Page, rules: RuleSet, key: str) -> None:
    u = rules.underlying_factors[key]
    page.title(f"Underlying factor: {u.label} ({key})")
    if u.aliases:
        page.field("Also accepted", ", ".join(u.aliases))
    page.field("Why it matters", u.reason)
    step = u.prognostic_step
    page.field(
        "Course",
        f"{step:+d} to the expected course (never past the ceiling)" if step else "no change",
    )
    _links(page, rules, u.companions)
    page.sources(rules, u.sources)


def _site(page: _Page, rules: RuleSet, key: str) -> None:
    s = rules.sites[key]
    page.title(f"Site: {s.label} ({key})")
    if s.aliases:
        page.field("Also accepted", ", ".join(s.aliases))
    part = spoken(s.body_part)
    if s.also:
        part += " (also counts as: " + ", ".join(spoken(a) for a in s.also) + ")"
    page.field("Body part", part)
    risks = [f"{rules.site_risks[r].label} ({r})" for r in s.risks if r in rules.site_risks]
    page.field("Risks", "; ".join(risks) if risks else "none recorded in the anatomy table")
    applying = []
    for r in rules.site_rules:
        if r.risk is not None and not r.reaches(s.risks):
            continue
        when = []
        if r.factors_any:
            when.append("with " + " or ".join(r.factors_any))
        if r.in_place_of:
            when.append(f"when {r.in_place_of} is at this site's place")
        if not when:
            when.append("always")
        applying.append(f"{r.id}: {r.verdict}, {'; '.join(when)}")
    if applying:
        page.heading("Site rules that apply here")
        page.items(applying)
    ids: list[str] = []
    for risk in s.risks:
        if risk in rules.site_risks:
            ids += [x for x in rules.site_risks[risk].sources if x not in ids]
    page.sources(rules, tuple(ids))


def _site_risk(page: _Page, rules: RuleSet, key: str) -> None:
    r = rules.site_risks[key]
    page.title(f"Site risk: {r.label} ({key})")
    page.field("Note", r.note)
    sites = [s.label for s in rules.sites.values() if key in s.risks]
    page.field("Sites", ", ".join(sites) if sites else "none")
    page.sources(rules, r.sources)


def _site_rule(page: _Page, rules: RuleSet, index: int) -> None:
    r = rules.site_rules[index]
    page.title(f"Site rule: {r.id}")
    page.field("Verdict", VERDICT_WORDS.get(r.verdict, r.verdict))
    if r.risk:
        also = "".join(f" or '{x}'" for x in r.risks_also)
        page.field("Sites", f"those with the risk '{r.risk}'{also}")
    if r.factors_any:
        page.field("When", "the profile has " + " or ".join(r.factors_any))
    if r.in_place_of:
        page.field("Where", f"sites at the place of {r.in_place_of}")
    page.field("Clinician", r.message)
    if r.stronger_with:
        page.field("Stronger with", ", ".join(r.stronger_with))
        page.field("Then", r.message_stronger)
    page.field("Patient", r.patient_message)
    page.sources(rules, r.sources)


def _companion(page: _Page, rules: RuleSet, key: str) -> None:
    c = rules.companions[key]
    page.title(f"Companion: {c.label} ({key})")
    page.field("For the patient", c.patient_text)
    used = [cond.label for cond in rules.conditions.values() if key in cond.companions]
    used += [f.label for f in rules.health_factors.values() if key in f.companions]
    used += [u.label for u in rules.underlying_factors.values() if key in u.companions]
    page.field("Suggested with", ", ".join(dict.fromkeys(used)) or "none")
    page.sources(rules, c.sources)


def _event(page: _Page, rules: RuleSet, key: str) -> None:
    e = rules.review.events[key]
    page.title(f"Adverse event: {e.label} ({key})")
    page.field("Next time", e.action)
    if e.verdict:
        page.field("Review verdict", spoken(e.verdict))
    if e.urgency != "none":
        page.field("Urgency", spoken(e.urgency))
    if e.avoid_site:
        page.field("Sites", "the sites needled that day are avoided next time")
    page.sources(rules, e.sources)


def _cited_by(data: Any, sid: str, path: tuple[str, ...] = ()) -> Iterator[str]:
    if isinstance(data, dict):
        for k, v in data.items():
            if k.endswith("sources") and isinstance(v, list) and sid in v:
                yield ".".join(path) or "(top level)"
            else:
                yield from _cited_by(v, sid, (*path, str(k)))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            name = str(v["id"]) if isinstance(v, dict) and isinstance(v.get("id"), str) else str(i)
            yield from _cited_by(v, sid, (*path, name))


def _source(page: _Page, rules: RuleSet, key: str) -> None:
    s = next(x for x in rules.sources if x.id == key)
    page.title(f"Source: {key}")
    page.field("Citation", s.citation)
    page.field("Kind", KIND_WORDS.get(s.kind, s.kind))
    page.field("Note", s.note)
    cited = list(dict.fromkeys(_cited_by(rules.to_data(), key)))
    if cited:
        page.heading(f"Cited by ({len(cited)})")
        page.items(cited)


def _all_ids(rules: RuleSet) -> list[str]:
    names: list[str] = []
    for kind in ("condition", "health_factor", "underlying_factor", "site"):
        names += rules.names(kind)
    names += list(rules.companions) + [r.id for r in rules.site_rules] + list(rules.site_risks)
    names += list(rules.review.events) + [s.id for s in rules.sources]
    return sorted(set(names))


def explain(rules: RuleSet, ident: str, *, width: int = 80) -> str:
    """Plain text about ``ident`` (an id or alias), fitted to ``width``; UsageError if unknown."""
    page = _Page(width)
    key = ident.strip()
    found = False
    for kind, show in (
        ("condition", _condition),
        ("health_factor", _health_factor),
        ("underlying_factor", _underlying),
        ("site", _site),
    ):
        canonical = rules.resolve(kind, key)
        if canonical is not None:
            show(page, rules, canonical)
            found = True
    if key in rules.companions:
        _companion(page, rules, key)
        found = True
    for i, rule in enumerate(rules.site_rules):
        if rule.id == key:
            _site_rule(page, rules, i)
            found = True
    if key in rules.site_risks:
        _site_risk(page, rules, key)
        found = True
    if key in rules.review.events:
        _event(page, rules, key)
        found = True
    if any(s.id == key for s in rules.sources):
        _source(page, rules, key)
        found = True
    if key in rules.retired_ids and not found:
        page.title(f"Retired id: {key}")
        page.para(rules.retired_ids[key])
        found = True
    if not found:
        hint = did_you_mean(key, _all_ids(rules))
        raise UsageError(
            f"'{key[:40]}' is not an id in the rule set {rules.name}",
            hint=hint or "'needleplan rules' lists the ids",
        )
    return page.text()
