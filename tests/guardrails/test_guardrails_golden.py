"""Golden cases as data: the shared dev sets plus tests/golden/guardrails-*.jsonl.

Scenario case: {"id", "scenario", "expect": {"billable", "lines", "rules_all"?, "rules_none"?,
"rules_any"?, "rules_applied"?}} or {"expect": {"error": "<ErrorClass>", "rule"?}} for input the
engine must refuse. Check case: {"id", "claim", "expect": {"valid", "rules_any"?, "rules_all"?,
"rules_none"?, "corrected"?}}. A rule may be written "RULE:severity". A case with a top-level
"xfail" key documents a known engine bug and runs as a strict xfail.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import guardrails.errors
from guardrails import (
    Catalog,
    CheckResult,
    Claim,
    Decision,
    Finding,
    PayerRegistry,
    Scenario,
    Severity,
    check_claim,
    decide,
)

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
SCENARIO_FILES = ("dev-scenarios.jsonl", "guardrails-scenarios.jsonl")
CHECK_FILES = ("dev-checks.jsonl", "guardrails-checks.jsonl")
PAYER_PROFILES = ("medicare", "aetna", "cigna", "uhc", "bcbs", "unspecified")


def _load(names: tuple[str, ...]) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for name in names:
        path = GOLDEN / name
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if text.strip():
                case = json.loads(text)
                case["_source"] = f"{name}:{number}"
                cases.append(case)
    return cases


SCENARIOS = _load(SCENARIO_FILES)
CHECKS = _load(CHECK_FILES)


def _params(cases: list[dict[str, Any]]) -> list[Any]:
    out = []
    for case in cases:
        marks = []
        if "xfail" in case:
            marks.append(pytest.mark.xfail(strict=True, reason=case["xfail"]))
        out.append(pytest.param(case, id=case["id"], marks=marks))
    return out


def _split(rule: str) -> tuple[str, str | None]:
    rule_id, _, severity = rule.partition(":")
    return rule_id, severity or None


def _has(findings: list[Finding], rule: str) -> bool:
    rule_id, severity = _split(rule)
    return any(f.rule == rule_id and (severity is None or f.severity.value == severity)
               for f in findings)


def _describe(findings: list[Finding]) -> list[str]:
    return [f"{f.rule}:{f.severity.value}" for f in findings]


def _assert_rules(expect: dict[str, Any], findings: list[Finding]) -> None:
    got = _describe(findings)
    for rule in expect.get("rules_all", []):
        assert _has(findings, rule), f"{rule} missing from findings {got}"
    if "rules_any" in expect:
        assert any(_has(findings, r) for r in expect["rules_any"]), (
            f"none of {expect['rules_any']} among findings {got}")
    for rule in expect.get("rules_none", []):
        assert not _has(findings, rule), f"{rule} must not be among findings {got}"


def _assert_citations(findings: list[Finding]) -> None:
    """Every finding cites: non-empty, titled, and at least one citation has a web address.

    (That *every* citation has a URL is checked in test_catalog.py, as a strict xfail: source
    S36 has none.)
    """
    for f in findings:
        assert f.message.strip(), f"{f.rule} finding has no message"
        assert f.citations, f"{f.rule} finding has no citations"
        for c in f.citations:
            assert c.source_id and c.title.strip(), f"{f.rule}: citation without title {c}"
        assert any(c.url.startswith("http") for c in f.citations), (
            f"{f.rule}: no citation with a URL")


@pytest.mark.parametrize("case", _params(SCENARIOS))
def test_golden_scenario(case: dict[str, Any], registry: PayerRegistry,
                         multiset: Callable[..., Any],
                         assert_spec_order: Callable[..., None]) -> None:
    expect = case["expect"]
    scenario = Scenario.model_validate(case["scenario"])
    if "error" in expect:
        error_cls = getattr(guardrails.errors, expect["error"])
        with pytest.raises(error_cls) as info:
            decide(scenario, payers=registry)
        assert str(info.value).strip(), "error message must not be empty"
        if "rule" in expect:
            assert info.value.rule == expect["rule"]
        return
    decision: Decision = decide(scenario, payers=registry)
    assert decision.billable is expect["billable"]
    assert multiset(decision.lines) == multiset(expect["lines"]), (
        f"got {[(ln.code, ln.modifiers, ln.units) for ln in decision.lines]}")
    assert_spec_order(decision.lines)
    _assert_rules(expect, decision.findings)
    for rule in expect.get("rules_applied", []):
        assert rule in decision.rules_applied, f"{rule} not in {decision.rules_applied}"
    _assert_citations(decision.findings)
    for line in decision.lines:
        assert line.note.strip(), f"line {line.code} has no note naming its joints"


@pytest.mark.parametrize("case", _params(CHECKS))
def test_golden_check(case: dict[str, Any], registry: PayerRegistry,
                      multiset: Callable[..., Any],
                      assert_spec_order: Callable[..., None]) -> None:
    expect = case["expect"]
    result: CheckResult = check_claim(Claim.model_validate(case["claim"]), payers=registry)
    got = _describe(result.findings)
    assert result.valid is expect["valid"], f"findings: {got}"
    assert result.valid == (not any(f.severity is Severity.ERROR for f in result.findings))
    _assert_rules(expect, result.findings)
    _assert_citations(result.findings)
    if result.valid:
        assert result.corrected_lines is None, "a valid claim needs no correction"
    if "corrected" in expect:
        if expect["corrected"] is None:
            assert result.corrected_lines is None, (
                f"expected no correction, got {result.corrected_lines}")
        else:
            assert result.corrected_lines is not None, f"expected a correction; findings {got}"
            assert multiset(result.corrected_lines) == multiset(expect["corrected"])
            assert_spec_order(result.corrected_lines)


# --- meta: the golden data covers every rule and every payer profile ---------------------------

def _rules_in_expectations() -> set[str]:
    found: set[str] = set()
    for case in [*SCENARIOS, *CHECKS]:
        expect = case["expect"]
        for key in ("rules_all", "rules_any", "rules_applied"):
            found.update(_split(r)[0] for r in expect.get(key, []))
        if "rule" in expect:
            found.add(expect["rule"])
    return found


def test_every_catalog_rule_has_a_golden_case(catalog: Catalog) -> None:
    missing = sorted(set(catalog.rules) - _rules_in_expectations())
    assert not missing, f"rule IDs with no golden case: {missing}"


def test_golden_rule_ids_exist_in_catalog(catalog: Catalog) -> None:
    mentioned = _rules_in_expectations()
    for case in [*SCENARIOS, *CHECKS]:
        mentioned.update(_split(r)[0] for r in case["expect"].get("rules_none", []))
    assert not sorted(mentioned - set(catalog.rules)), "golden data names unknown rule IDs"


def test_every_payer_profile_has_a_golden_case(registry: PayerRegistry) -> None:
    seen: set[str] = set()
    for case in SCENARIOS:
        payer = case["scenario"].get("payer", "unspecified")
        seen.add(registry.resolve(payer) or f"unknown:{payer}")
    for case in CHECKS:
        payer = case["claim"].get("payer", "unspecified")
        seen.add(registry.resolve(payer) or f"unknown:{payer}")
    wanted = {*registry.ids(), *PAYER_PROFILES}
    missing = sorted(wanted - seen)
    assert not missing, f"payer profiles with no golden case: {missing}"


def test_golden_ids_unique() -> None:
    ids = [case["id"] for case in [*SCENARIOS, *CHECKS]]
    assert len(ids) == len(set(ids))


def test_golden_files_present() -> None:
    for name in (*SCENARIO_FILES, *CHECK_FILES):
        assert (GOLDEN / name).stat().st_size > 0, name
