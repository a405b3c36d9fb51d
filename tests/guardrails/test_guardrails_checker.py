"""check_claim(): behaviour beyond the golden cases, and the gaps found against the spec."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from guardrails import CheckResult, Claim, PayerRegistry, Severity, UnknownPayerError, check_claim


def check(registry: PayerRegistry, payer: str, *lines: tuple[str, list[str], int],
          **fields: Any) -> CheckResult:
    claim = Claim(payer=payer, lines=[{"code": c, "modifiers": m, "units": u} for c, m, u in lines],
                  **fields)
    return check_claim(claim, payers=registry)


def keys(result: CheckResult) -> list[tuple[str, list[str], int]] | None:
    if result.corrected_lines is None:
        return None
    return [(ln.code, ln.modifiers, ln.units) for ln in result.corrected_lines]


def rules(result: CheckResult, severity: Severity | None = None) -> set[str]:
    return {f.rule for f in result.findings if severity is None or f.severity is severity}


def test_codes_and_modifiers_are_normalised(registry: PayerRegistry) -> None:
    r = check(registry, "aetna", (" 0216t ", ["lt"], 1), ("0217T", [" Lt ", ""], 1))
    assert r.valid, r.findings
    assert rules(r, Severity.ERROR) == set()


def test_rt_lt_lines_corrected_per_code_in_spec_order(registry: PayerRegistry) -> None:
    r = check(registry, "medicare", ("64491", ["LT"], 1), ("64490", ["RT"], 1),
              ("64491", ["RT"], 1), ("64490", ["LT"], 1))
    assert not r.valid and rules(r, Severity.ERROR) == {"FJ-BILATERAL"}
    assert keys(r) == [("64490", ["50"], 1), ("64491", ["50"], 1)]


def test_two_units_reading_is_stated(registry: PayerRegistry) -> None:
    r = check(registry, "medicare", ("64490", ["50"], 1), ("64491", [], 2))
    assert any("2 units" in a for a in r.assumptions)


def test_non_facet_codes_pass_through_with_an_assumption(registry: PayerRegistry) -> None:
    r = check(registry, "aetna", ("99213", ["25"], 1), ("64493", ["RT"], 1))
    assert r.valid
    assert any("99213" in a for a in r.assumptions)


def test_unknown_payer(registry: PayerRegistry) -> None:
    with pytest.raises(UnknownPayerError):
        check(registry, "Acme", ("64493", ["RT"], 1))


@pytest.mark.parametrize("units", [-1, 100])
def test_units_out_of_range_are_refused(units: int) -> None:
    with pytest.raises(ValidationError):
        Claim(lines=[{"code": "64493", "units": units}])


def test_empty_claim_is_refused() -> None:
    with pytest.raises(ValidationError):
        Claim(payer="medicare", lines=[])


def test_correction_rechecks_clean(registry: PayerRegistry) -> None:
    r = check(registry, "medicare", ("64490", ["50"], 1), ("64491", ["59"], 2), ("77003", [], 1),
              purpose="diagnostic")
    assert r.corrected_lines is not None
    again = check_claim(Claim(payer="medicare", purpose="diagnostic", lines=r.corrected_lines),
                        payers=registry)
    assert again.valid and again.corrected_lines is None


# --- gaps found against the spec, now fixed ---

def test_zero_units_is_invalid(registry: PayerRegistry) -> None:
    r = check(registry, "medicare", ("64493", ["RT"], 0))
    assert not r.valid and "FJ-UNITS-ONE" in rules(r, Severity.ERROR)


def test_rt_and_lt_on_one_medicare_line_is_invalid(registry: PayerRegistry) -> None:
    r = check(registry, "medicare", ("64490", ["RT", "LT"], 1))
    assert not r.valid
    assert rules(r, Severity.ERROR) & {"FJ-BILATERAL", "FJ-PAYER-FORMAT", "FJ-50-SAME-JOINT"}
    assert keys(r) in (None, [("64490", ["50"], 1)])


def test_medicare_asc_facility_rejects_modifier_50(registry: PayerRegistry) -> None:
    r = check(registry, "medicare", ("64493", ["RT"], 1), ("64493", ["LT"], 1),
              ("64494", ["50"], 1), setting="asc_facility")
    assert not r.valid
    assert keys(r) == [("64493", ["RT"], 1), ("64493", ["LT"], 1),
                       ("64494", ["RT"], 1), ("64494", ["LT"], 1)]


def test_ambiguous_third_level_units_are_not_guessed(registry: PayerRegistry) -> None:
    r = check(registry, "medicare", ("64490", ["50"], 1), ("64491", ["50"], 1), ("64492", [], 2))
    assert not r.valid and "FJ-THIRD-ONCE" in rules(r, Severity.ERROR)
    assert keys(r) in (None, [("64490", ["50"], 1), ("64491", ["50"], 1), ("64492", ["50"], 1)])
