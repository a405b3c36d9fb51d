"""decide(): the parts of a Decision the golden data does not pin down."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from guardrails import Decision, PayerRegistry, Scenario, Severity, decide


def run(registry: PayerRegistry, **fields: Any) -> Decision:
    return decide(Scenario.model_validate(fields), payers=registry)


def inj(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"joint": j, "side": s} for j, s in pairs]


def test_defaults_are_stated_as_assumptions(registry: PayerRegistry) -> None:
    d = run(registry, injections=inj(("L4-L5", "left")))
    text = " ".join(d.assumptions).lower()
    assert d.payer == "unspecified"
    assert "payer" in text and "professional" in text and "fluoroscop" in text
    given = run(registry, payer="aetna", setting="professional", imaging="fluoroscopy",
                purpose="therapeutic", injections=inj(("L4-L5", "left")))
    assert given.assumptions == []


def test_medicare_purpose_unspecified_is_an_assumption(registry: PayerRegistry) -> None:
    d = run(registry, payer="medicare", setting="professional", imaging="ct",
            injections=inj(("L4-L5", "left")))
    assert any("KX" in a for a in d.assumptions)
    assert any(f.rule == "FJ-MEDICARE-KX" and f.severity is Severity.INFO for f in d.findings)


def test_decision_identifies_payer_and_versions(registry: PayerRegistry) -> None:
    d = run(registry, payer="Blue Cross", imaging="ct", injections=inj(("C5-C6", "right")))
    assert d.payer == "bcbs" and d.payer_name == "Blue Cross Blue Shield"
    assert set(d.versions) == {"engine", "rules", "knowledge"}
    assert all(d.versions.values())


def test_notes_name_the_joints_each_line_covers(registry: PayerRegistry) -> None:
    d = run(registry, payer="cigna", imaging="fluoroscopy",
            injections=inj(("C3-C4", "left"), ("C4-C5", "left"), ("C5-C6", "right"),
                           ("C6-C7", "bilateral")))
    notes = {ln.code: ln.note for ln in d.lines}
    assert "C6-C7" in notes["64490"]
    assert "C3-C4" in notes["64491"]
    assert "C4-C5" in notes["64492"] and "C5-C6" in notes["64492"]
    assert [(ln.code, ln.modifiers) for ln in d.lines] == [
        ("64490", ["50"]), ("64491", ["LT"]), ("64492", ["50"])]


def test_third_once_says_how_many_levels_one_unit_covers(registry: PayerRegistry) -> None:
    d = run(registry, payer="cigna", imaging="fluoroscopy",
            injections=inj(*[(j, "right") for j in ("T2-T3", "T3-T4", "T4-T5", "T5-T6", "T6-T7")]))
    third = [f for f in d.findings if f.rule == "FJ-THIRD-ONCE"]
    assert third and "3 levels" in third[0].message
    assert [ln.units for ln in d.lines] == [1, 1, 1]


def test_findings_sorted_errors_first(registry: PayerRegistry) -> None:
    d = run(registry, payer="bcbs", imaging="none", injections=inj(("L4-L5", "left")))
    sev = [f.severity for f in d.findings]
    assert sev[0] is Severity.ERROR
    assert sev == sorted(sev, key=[Severity.ERROR, Severity.WARNING, Severity.INFO].index)


def test_no_imaging_stops_before_coding(registry: PayerRegistry) -> None:
    d = run(registry, payer="medicare", imaging="none", purpose="diagnostic",
            injections=inj(("L4-L5", "bilateral"), ("L5-S1", "bilateral")))
    assert d.billable is False and d.lines == []
    assert [f.rule for f in d.findings if f.severity is Severity.ERROR] == ["FJ-IMAGING-REQUIRED"]


def test_decide_does_not_mutate_its_input(registry: PayerRegistry) -> None:
    scenario = Scenario(payer="medicare", imaging="fluoroscopy",
                        injections=inj(("C5-6", "left"), ("C5-C6", "right")))
    before = scenario.model_dump()
    decide(scenario, payers=registry)
    assert scenario.model_dump() == before


def test_decide_is_deterministic(registry: PayerRegistry) -> None:
    fields = {"payer": "medicare", "setting": "asc_facility", "imaging": "fluoroscopy",
              "purpose": "diagnostic",
              "injections": inj(("L3-L4", "right"), ("L4-L5", "bilateral"), ("L5-S1", "left"))}
    first = run(registry, **fields).model_dump()
    assert all(run(registry, **fields).model_dump() == first for _ in range(3))


@pytest.mark.parametrize(
    "fields",
    [
        {"injections": []},
        {},
        {"injections": [{"joint": "L4-L5", "side": "both"}]},
        {"injections": [{"joint": "L4-L5"}]},
        {"imaging": "mri", "injections": [{"joint": "L4-L5", "side": "left"}]},
        {"setting": "office", "injections": [{"joint": "L4-L5", "side": "left"}]},
        {"purpose": "curious", "injections": [{"joint": "L4-L5", "side": "left"}]},
        {"injections": [{"joint": "L4-L5", "side": "left", "level": 2}]},
    ],
)
def test_invalid_scenarios_are_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Scenario.model_validate(fields)
