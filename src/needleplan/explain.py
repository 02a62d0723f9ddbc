"""``needleplan explain ID``: one entry of the rule set in plain words, with its sources.

An id (or an alias) of a condition, health factor, underlying factor, site,
companion, site rule, site risk, adverse event or source: what it does, its
numbers, and the full citations of its sources, as plain text fitted to the
terminal's width. An id that names several things (a site rule and the site
risk it acts on) shows each. An unknown id gets a "did you mean" hint. Every
title, field name and sentence is a text of the rule set (``explain.*``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .errors import UsageError, did_you_mean, inert
from .rules import RuleSet, SiteRule
from .textfit import hang, wrap
from .vocab import spoken
from .wording import either, say


class _Page:
    """A page of text being built, every line fitted to ``width``, in the words of
    ``rules`` (its ``explain.*`` texts)."""

    def __init__(self, rules: RuleSet, width: int) -> None:
        self.rules = rules
        self.width = max(width, 40)
        self.lines: list[str] = []

    def say(self, key: str, **values: object) -> str:
        return say(self.rules, f"explain.{key}", **values)

    def either(self, items: Iterable[str]) -> str:
        return either(self.rules, "explain.or", items)

    def title(self, kind: str, **values: object) -> None:
        if self.lines:
            self.lines.append("")
        self.lines += wrap(inert(self.say(f"title.{kind}", **values)), self.width, indent=2)
        self.lines.append("=" * min(self.width, max(len(x) for x in self.lines[-1:])))

    def field(self, key: str, value: object) -> None:
        """The field ``key``'s name, ``: value``, with later lines under the value."""
        text = inert(str(value))
        if not text:
            return
        head = self.say(f"field.{key}") + ": "
        self.lines += hang(head, text, self.width, min(len(head), 16))

    def para(self, text: str, indent: int = 0) -> None:
        self.lines += hang(" " * indent, inert(text), self.width, indent)

    def items(self, heading: str, entries: list[str], **values: object) -> None:
        if entries:
            self.lines += ["", self.say(f"heading.{heading}", **values)]
        for entry in entries:
            self.lines += wrap(f"- {inert(entry)}", self.width, indent=2)

    def sources(self, ids: tuple[str, ...]) -> None:
        if not ids:
            return
        self.lines += ["", self.say("heading.sources")]
        known = {s.id: s for s in self.rules.sources}
        for i, sid in enumerate(ids, 1):
            source = known.get(sid)
            if source is None:
                self.para(f"{i}. {sid}", 0)
                continue
            kind = self.say(f"kind.{source.kind}")
            text = self.say("source", i=i, citation=source.citation, kind=kind, id=sid)
            self.lines += wrap(inert(text), self.width, indent=3)
            if source.note:
                self.para(source.note, 3)

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.lines) + "\n"


def _entry(page: _Page, kind: str, key: str, entry: Any) -> None:
    """An entry's title and the names it is also accepted by."""
    page.title(kind, label=entry.label, id=key)
    if getattr(entry, "aliases", ()):
        page.field("aliases", ", ".join(entry.aliases))


def _links(page: _Page, links: Any) -> None:
    companions = page.rules.companions
    page.items(
        "companions",
        [page.say("companion", label=companions[c].label, id=c, why=w) for c, w in links.items()],
    )


def _condition(page: _Page, rules: RuleSet, key: str) -> None:
    c = rules.conditions[key]
    _entry(page, "condition", key, c)
    b = c.initial_block
    page.field("initial_block", page.say("initial_block", low=b.low, high=b.high))
    page.field("trial_doses", page.say("trial_doses", doses=", ".join(map(str, c.trial_doses))))
    page.field("per_week", page.say("per_week", n=c.per_week, most=rules.cadence.max_per_week))
    page.field("ceiling", page.say("ceiling", n=rules.ceiling(key)))
    page.field("evidence", c.note)
    _links(page, c.companions)
    page.sources(c.sources)


def _site_rules_for_factor(page: _Page, key: str) -> list[str]:
    out = []
    for r in page.rules.site_rules:
        if key in r.factors_any or r.in_place_of == key or key in r.stronger_with:
            where = (
                page.say("at.risk", risk=r.risk)
                if r.risk
                else page.say("at.place")
                if r.in_place_of
                else page.say("at.every_site")
            )
            said = "factor_rule_stronger" if key in r.stronger_with else "factor_rule"
            verdict = page.rules.terms.sites[r.verdict].summary_word
            out.append(page.say(said, id=r.id, verdict=verdict, where=where))
    return out


def _health_factor(page: _Page, rules: RuleSet, key: str) -> None:
    f = rules.health_factors[key]
    _entry(page, "health_factor", key, f)
    level = {part: say(rules, f"level.{f.level}.{part}") for part in ("name", "effect")}
    page.field("level", page.say("level", **level))
    if f.urgency != "none":
        page.field("urgency", rules.terms.urgencies[f.urgency].summary_word)
    if f.place:
        page.field("place", page.say("place", id=key))
    page.field("clinician", f.message)
    if f.prognostic_step:
        page.field("course", page.say("course.factor", step=f.prognostic_step))
    page.field("patient", f.patient_message)
    page.field("reconsider", f.reconsider)
    if f.consent_prompt:
        page.field("consent", page.say("consent"))
    if f.under_18_confidential:
        page.field("under_18", page.say("under_18"))
    page.items("factor_rules", _site_rules_for_factor(page, key))
    _links(page, f.companions)
    page.sources(f.sources)


def _underlying(page: _Page, rules: RuleSet, key: str) -> None:
    u = rules.underlying_factors[key]
    _entry(page, "underlying_factor", key, u)
    page.field("why", u.reason)
    step = u.prognostic_step
    page.field(
        "course", page.say("course.underlying", step=step) if step else page.say("no_change")
    )
    _links(page, u.companions)
    page.sources(u.sources)


def _site(page: _Page, rules: RuleSet, key: str) -> None:
    s = rules.sites[key]
    _entry(page, "site", key, s)
    part = spoken(s.body_part)
    if s.also:
        part = page.say("body_part_also", part=part, also=", ".join(map(spoken, s.also)))
    page.field("body_part", part)
    risks = [
        page.say("named", label=rules.site_risks[r].label, id=r)
        for r in s.risks
        if r in rules.site_risks
    ]
    page.field("risks", "; ".join(risks) if risks else page.say("no_risks"))
    applying = []
    for r in rules.site_rules:
        if r.risk is not None and not r.reaches(s.risks):
            continue
        when = [page.say("when.with", factors=page.either(r.factors_any))] if r.factors_any else []
        if r.in_place_of:
            when.append(page.say("when.at_place", factor=r.in_place_of))
        verdict = rules.terms.sites[r.verdict].summary_word
        said = "; ".join(when) or page.say("when.always")
        applying.append(page.say("site_rule", id=r.id, verdict=verdict, when=said))
    page.items("site_rules", applying)
    ids: list[str] = []
    for risk in s.risks:
        if risk in rules.site_risks:
            ids += [x for x in rules.site_risks[risk].sources if x not in ids]
    page.sources(tuple(ids))


def _site_risk(page: _Page, rules: RuleSet, key: str) -> None:
    r = rules.site_risks[key]
    _entry(page, "site_risk", key, r)
    page.field("note", r.note)
    sites = [s.label for s in rules.sites.values() if key in s.risks]
    page.field("sites", ", ".join(sites) if sites else page.say("none"))
    page.sources(r.sources)


def _site_rule(page: _Page, rules: RuleSet, r: SiteRule) -> None:
    page.title("site_rule", id=r.id)
    page.field("verdict", page.say(f"verdict.{r.verdict}"))
    if r.risk:
        risks = page.either(page.say("risk", risk=x) for x in (r.risk, *r.risks_also))
        page.field("sites", page.say("rule_sites", risks=risks))
    if r.factors_any:
        page.field("when", page.say("rule_when", factors=page.either(r.factors_any)))
    if r.in_place_of:
        page.field("where", page.say("rule_where", factor=r.in_place_of))
    page.field("clinician", r.message)
    if r.stronger_with:
        page.field("stronger_with", ", ".join(r.stronger_with))
        page.field("then", r.message_stronger)
    page.field("patient", r.patient_message)
    page.sources(r.sources)


def _companion(page: _Page, rules: RuleSet, key: str) -> None:
    c = rules.companions[key]
    _entry(page, "companion", key, c)
    page.field("for_patient", c.patient_text)
    used = [cond.label for cond in rules.conditions.values() if key in cond.companions]
    used += [f.label for f in rules.health_factors.values() if key in f.companions]
    used += [u.label for u in rules.underlying_factors.values() if key in u.companions]
    page.field("suggested_with", ", ".join(dict.fromkeys(used)) or page.say("none"))
    page.sources(c.sources)


def _event(page: _Page, rules: RuleSet, key: str) -> None:
    e = rules.review.events[key]
    _entry(page, "event", key, e)
    page.field("next_time", e.action)
    if e.verdict:
        page.field("review_verdict", rules.terms.verdicts[e.verdict].summary_word)
    if e.urgency != "none":
        page.field("urgency", rules.terms.urgencies[e.urgency].summary_word)
    if e.avoid_site:
        page.field("sites", page.say("event_sites"))
    page.sources(e.sources)


def _cited_by(data: Any, sid: str, path: tuple[str, ...] = ()) -> Iterator[str]:
    if isinstance(data, dict):
        for k, v in data.items():
            if k.endswith("sources") and isinstance(v, list) and sid in v:
                yield ".".join(path)
            else:
                yield from _cited_by(v, sid, (*path, str(k)))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            name = str(v["id"]) if isinstance(v, dict) and isinstance(v.get("id"), str) else str(i)
            yield from _cited_by(v, sid, (*path, name))


def _source(page: _Page, rules: RuleSet, key: str) -> None:
    s = next(x for x in rules.sources if x.id == key)
    page.title("source", id=key)
    page.field("citation", s.citation)
    page.field("kind", page.say(f"kind.{s.kind}"))
    page.field("note", s.note)
    cited = [x or page.say("top_level") for x in dict.fromkeys(_cited_by(rules.to_data(), key))]
    page.items("cited_by", cited, n=len(cited))


def _all_ids(rules: RuleSet) -> list[str]:
    names: list[str] = []
    for kind in ("condition", "health_factor", "underlying_factor", "site"):
        names += rules.names(kind)
    names += list(rules.companions) + [r.id for r in rules.site_rules] + list(rules.site_risks)
    names += list(rules.review.events) + [s.id for s in rules.sources]
    return sorted(set(names))


def explain(rules: RuleSet, ident: str, *, width: int = 80) -> str:
    """Plain text about ``ident`` (an id or alias), fitted to ``width``; UsageError if unknown."""
    page = _Page(rules, width)
    key = ident.strip()
    for kind, show in (
        ("condition", _condition),
        ("health_factor", _health_factor),
        ("underlying_factor", _underlying),
        ("site", _site),
    ):
        canonical = rules.resolve(kind, key)
        if canonical is not None:
            show(page, rules, canonical)
    if key in rules.companions:
        _companion(page, rules, key)
    for rule in rules.site_rules:
        if rule.id == key:
            _site_rule(page, rules, rule)
    if key in rules.site_risks:
        _site_risk(page, rules, key)
    if key in rules.review.events:
        _event(page, rules, key)
    if any(s.id == key for s in rules.sources):
        _source(page, rules, key)
    if key in rules.retired_ids and not page.lines:
        page.title("retired", id=key)
        page.para(rules.retired_ids[key])
    if not page.lines:
        hint = did_you_mean(key, _all_ids(rules))
        raise UsageError(
            f"'{key[:40]}' is not an id in the rule set {rules.name}",
            hint=hint or "'needleplan rules' lists the ids",
        )
    return page.text()
