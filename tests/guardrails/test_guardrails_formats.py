"""Bilateral formats (rules-spec §4) applied through custom payer profiles loaded from files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from guardrails import (
    Claim,
    PayerRegistry,
    Scenario,
    Severity,
    check_claim,
    decide,
    load_profile,
)
from guardrails.formats import order_modifiers, render_level
from guardrails.payers import FORMAT_LABELS, BilateralFormat

BILATERAL_C45_C56 = [{"joint": "C4-C5", "side": "bilateral"},
                     {"joint": "C5-C6", "side": "bilateral"}]

# rules-spec §4 "lines for one bilateral level of code X", applied to 64490 + 64491
EXPECTED = {
    "modifier_50_one_line": [("64490", ("50",), 1), ("64491", ("50",), 1)],
    "rt_lt_two_lines": [("64490", ("RT",), 1), ("64490", ("LT",), 1),
                        ("64491", ("RT",), 1), ("64491", ("LT",), 1)],
    "modifier_50_two_units": [("64490", ("50",), 2), ("64491", ("50",), 2)],
    "code_plus_code_50": [("64490", (), 1), ("64490", ("50",), 1),
                          ("64491", (), 1), ("64491", ("50",), 1)],
}


@pytest.fixture
def custom_registry(profile_writer: Callable[..., Path],
                    registry: PayerRegistry) -> Callable[..., PayerRegistry]:
    """Registry with a 'clinic_custom' profile written to tmp_path with the given fields."""

    def _make(**fields: Any) -> PayerRegistry:
        return registry.with_profile(load_profile(profile_writer(fields)))

    return _make


def _keys(lines: list[Any]) -> list[tuple[str, tuple[str, ...], int]]:
    return sorted((ln.code, tuple(ln.modifiers), ln.units) for ln in lines)


@pytest.mark.parametrize("fmt", list(EXPECTED))
def test_professional_bilateral_format(fmt: str,
                                       custom_registry: Callable[..., PayerRegistry]) -> None:
    reg = custom_registry(bilateral_format=fmt)
    d = decide(Scenario(payer="clinic_custom", imaging="fluoroscopy",
                        injections=BILATERAL_C45_C56), payers=reg)
    assert d.payer == "clinic_custom"
    assert _keys(d.lines) == sorted(EXPECTED[fmt])
    # FJ-PAYER-FORMAT: the format applied is named in the answer
    label = FORMAT_LABELS[BilateralFormat(fmt)]
    named = [f for f in d.findings if f.rule == "FJ-PAYER-FORMAT"]
    assert named and any(label in f.message and "Clinic Custom Plan" in f.message for f in named)
    codes = [ln.code for ln in d.lines]
    assert codes == sorted(codes), "primary lines before add-on lines"


@pytest.mark.parametrize("fmt", list(EXPECTED))
def test_asc_uses_the_asc_format(fmt: str, custom_registry: Callable[..., PayerRegistry]) -> None:
    reg = custom_registry(bilateral_format="modifier_50_one_line", asc_bilateral_format=fmt)
    asc = decide(Scenario(payer="clinic_custom", setting="asc_facility", imaging="fluoroscopy",
                          injections=BILATERAL_C45_C56), payers=reg)
    assert _keys(asc.lines) == sorted(EXPECTED[fmt])
    for setting in ("professional", "hospital_outpatient_facility"):
        other = decide(Scenario(payer="clinic_custom", setting=setting, imaging="fluoroscopy",
                                injections=BILATERAL_C45_C56), payers=reg)
        assert _keys(other.lines) == sorted(EXPECTED["modifier_50_one_line"]), setting


@pytest.mark.parametrize("fmt", list(EXPECTED))
def test_unilateral_levels_ignore_the_format(fmt: str,
                                             custom_registry: Callable[..., PayerRegistry]) -> None:
    reg = custom_registry(bilateral_format=fmt, asc_bilateral_format=fmt)
    d = decide(Scenario(payer="clinic_custom", imaging="ct", injections=[
        {"joint": "L3-L4", "side": "left"}, {"joint": "L4-L5", "side": "left"},
        {"joint": "L5-S1", "side": "left"}]), payers=reg)
    assert _keys(d.lines) == sorted([("64493", ("LT",), 1), ("64494", ("LT",), 1),
                                     ("64495", ("LT",), 1)])


# Bilateral L3-L4, L4-L5, L5-S1, diagnostic, payer requiring KX: KX last on every line.
EXPECTED_LUMBAR_3_KX = {
    "modifier_50_one_line": [("64493", ("50", "KX"), 1), ("64494", ("50", "KX"), 1),
                             ("64495", ("50", "KX"), 1)],
    "rt_lt_two_lines": [(c, (side, "KX"), 1) for c in ("64493", "64494", "64495")
                        for side in ("RT", "LT")],
    "modifier_50_two_units": [("64493", ("50", "KX"), 2), ("64494", ("50", "KX"), 2),
                              ("64495", ("50", "KX"), 2)],
    "code_plus_code_50": [(c, mods, 1) for c in ("64493", "64494", "64495")
                          for mods in (("KX",), ("50", "KX"))],
}


@pytest.mark.parametrize("fmt", list(EXPECTED_LUMBAR_3_KX))
def test_custom_format_with_kx_and_third_level(
        fmt: str, custom_registry: Callable[..., PayerRegistry]) -> None:
    reg = custom_registry(bilateral_format=fmt, requires_kx_on_diagnostic=True)
    d = decide(Scenario(payer="clinic_custom", imaging="fluoroscopy", purpose="diagnostic",
                        injections=[{"joint": j, "side": "bilateral"}
                                    for j in ("L3-L4", "L4-L5", "L5-S1")]), payers=reg)
    assert _keys(d.lines) == sorted(EXPECTED_LUMBAR_3_KX[fmt])


@pytest.mark.parametrize("fmt", list(EXPECTED))
def test_format_output_checks_clean_under_its_own_profile(
        fmt: str, custom_registry: Callable[..., PayerRegistry]) -> None:
    reg = custom_registry(bilateral_format=fmt)
    d = decide(Scenario(payer="clinic_custom", imaging="fluoroscopy",
                        injections=BILATERAL_C45_C56), payers=reg)
    r = check_claim(Claim(payer="clinic_custom", lines=d.lines), payers=reg)
    assert r.valid, [(f.rule, f.message) for f in r.findings]
    assert r.corrected_lines is None


def test_code_plus_code_50_output_draws_no_side_warning(
        custom_registry: Callable[..., PayerRegistry]) -> None:
    reg = custom_registry(bilateral_format="code_plus_code_50")
    d = decide(Scenario(payer="clinic_custom", imaging="fluoroscopy",
                        injections=BILATERAL_C45_C56), payers=reg)
    r = check_claim(Claim(payer="clinic_custom", lines=d.lines), payers=reg)
    assert not [f for f in r.findings if f.rule == "FJ-UNILATERAL-SIDE"]


@pytest.mark.parametrize(
    ("fmt", "lines"),
    [
        ("modifier_50_two_units", [("64493", ["50"], 2)]),
        ("code_plus_code_50", [("64493", [], 1), ("64493", ["50"], 1)]),
        ("rt_lt_two_lines", [("64493", ["RT"], 1), ("64493", ["LT"], 1)]),
    ],
)
def test_other_formats_are_wrong_for_medicare(
        fmt: str, lines: list[tuple[str, list[str], int]],
        custom_registry: Callable[..., PayerRegistry]) -> None:
    claim_lines = [{"code": c, "modifiers": m, "units": u} for c, m, u in lines]
    reg = custom_registry(bilateral_format=fmt)
    assert check_claim(Claim(payer="clinic_custom", lines=claim_lines), payers=reg).valid
    medicare = check_claim(Claim(payer="medicare", lines=claim_lines), payers=reg)
    assert not medicare.valid
    assert any(f.severity is Severity.ERROR for f in medicare.findings)


def test_two_units_under_rt_lt_profile_become_two_lines(
        custom_registry: Callable[..., PayerRegistry]) -> None:
    reg = custom_registry(bilateral_format="rt_lt_two_lines")
    r = check_claim(Claim(payer="clinic_custom", lines=[{"code": "64493", "units": 2}]), payers=reg)
    assert not r.valid and any(f.rule == "FJ-UNITS-ONE" for f in r.findings)
    assert r.corrected_lines is not None
    assert _keys(r.corrected_lines) == sorted([("64493", ("RT",), 1), ("64493", ("LT",), 1)])


@pytest.mark.parametrize(
    ("mods", "expected"),
    [
        (["KX", "50"], ["50", "KX"]),
        (["KX", "LT"], ["LT", "KX"]),
        (["KX", "RT", "50"], ["50", "RT", "KX"]),
        (["rt", "kx"], ["RT", "KX"]),
        (["KX", "KX", "50"], ["50", "KX"]),
        (["XS", "KX", "50"], ["50", "KX", "XS"]),
    ],
)
def test_order_modifiers(mods: list[str], expected: list[str]) -> None:
    assert order_modifiers(mods) == expected


def test_render_level_unilateral_and_each_format() -> None:
    one = render_level("64490", frozenset({"left"}), BilateralFormat.RT_LT_TWO_LINES, ["KX"], "n")
    assert [(ln.code, ln.modifiers, ln.units) for ln in one] == [("64490", ["LT", "KX"], 1)]
    both = frozenset({"left", "right"})
    for fmt in BilateralFormat:
        lines = render_level("64491", both, fmt, [], "C5-C6 (bilateral)")
        assert _keys(lines) == sorted(k for k in EXPECTED[fmt.value] if k[0] == "64491")
        assert all("C5-C6" in ln.note for ln in lines)
