"""``needleplan explain ID``: one entry of the rule set, its numbers and its sources."""

from __future__ import annotations

import pytest

from needleplan.errors import UsageError
from needleplan.explain import explain
from needleplan.rules import RuleSet
from needleplan.textfit import cell_len


def citations(rules: RuleSet, ids: tuple[str, ...]) -> list[str]:
    known = {s.id: s.citation for s in rules.sources}
    return [known[i] for i in ids]


def flat(text: str) -> str:
    return " ".join(text.split())


def test_condition_numbers_and_full_citations(rules: RuleSet) -> None:
    text = explain(rules, "neck_pain")
    c = rules.conditions["neck_pain"]
    assert text.startswith("Condition: Neck pain (neck_pain)")
    assert f"Initial block: {c.initial_block.low}-{c.initial_block.high} sessions" in text
    assert f"Ceiling: {rules.ceiling('neck_pain')}" in text
    for citation in citations(rules, c.sources):
        assert citation in flat(text)


def test_aliases_resolve(rules: RuleSet) -> None:
    assert explain(rules, "neck") == explain(rules, "neck_pain")
    # warfarin is its own factor now (it needs a known INR); a DOAC is an anticoagulant
    assert explain(rules, "apixaban") == explain(rules, "anticoagulants")


def test_health_factor_level_and_site_rules(rules: RuleSet) -> None:
    text = flat(explain(rules, "anticoagulants"))
    assert "precaution" in text
    assert "bleeding_no_pressure: avoid at sites with the risk 'pressure_impossible'" in text


def test_site_with_risks_and_the_rules_that_apply(rules: RuleSet) -> None:
    text = flat(explain(rules, "upper_trapezius"))
    assert "Over the lung fields (lung_field)" in text
    assert "lung_field: caution, always" in text
    assert "pregnancy_zone" not in text  # a rule for another risk


def test_an_id_naming_two_things_shows_both(rules: RuleSet) -> None:
    text = explain(rules, "lung_field")
    assert "Site rule: lung_field" in text and "Site risk: Over the lung fields" in text


@pytest.mark.parametrize("ident", ["stretching", "cerezo-tellez-2016", "bruising", "poor_posture"])
def test_companions_sources_events_and_underlying_factors(rules: RuleSet, ident: str) -> None:
    assert ident in explain(rules, ident)


@pytest.mark.parametrize("width", [60, 80, 120])
def test_every_id_fits_every_width(rules: RuleSet, width: int) -> None:
    ids = [*rules.conditions, *rules.health_factors, *rules.sites, *rules.companions]
    ids += [r.id for r in rules.site_rules] + [s.id for s in rules.sources]
    for ident in ids:
        lines = explain(rules, ident, width=width).splitlines()
        assert max(cell_len(line) for line in lines) <= width, (ident, width)


def test_retired_id_says_what_replaces_it(rules: RuleSet) -> None:
    assert "unremitting_night_pain" in explain(rules, "night_pain")


def test_unknown_id_gets_did_you_mean(rules: RuleSet) -> None:
    with pytest.raises(UsageError) as caught:
        explain(rules, "uper_trapezius")
    assert "upper_trapezius" in (caught.value.hint or "")
    with pytest.raises(UsageError) as caught:
        explain(rules, "zzzz\x1b[2J")
    assert "\x1b" not in caught.value.format()


# -- needleplan rules ---------------------------------------------------------------


@pytest.mark.parametrize("width", [60, 80, 100, 120, 200])
def test_rules_view_fits_any_width_without_breaking_labels(rules: RuleSet, width: int) -> None:
    from needleplan.rulesview import rules_table

    lines = rules_table(rules, width=width).splitlines()
    assert max(cell_len(line) for line in lines) <= width
    labels = [c.label for c in rules.conditions.values()]
    labels += [f.label for f in rules.health_factors.values()]
    labels += [s.label for s in rules.sites.values()]
    for label in labels:
        assert any(label in line for line in lines), (label, width)
    for key, c in rules.conditions.items():
        row = next(line for line in lines if line.split()[:1] == [key])
        b = c.initial_block
        assert f"{b.low}-{b.high}" in row and str(rules.ceiling(key)) in row.split()


def test_rules_yaml_export_loads_back(rules: RuleSet, tmp_path) -> None:
    from needleplan.rulesload import load_rules
    from needleplan.rulesview import rules_yaml

    path = tmp_path / "clinic-rules.yaml"
    path.write_text(rules_yaml(rules), encoding="utf-8")
    again = load_rules(path)
    assert again.to_data() == rules.to_data()
