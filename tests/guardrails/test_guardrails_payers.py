"""Payer profiles: validated whole on load, errors name file and field, aliases resolve."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from guardrails import (
    KnowledgeDataError,
    PayerRegistry,
    Scenario,
    UnknownPayerError,
    decide,
    load_payers,
    load_profile,
)
from guardrails.payers import BilateralFormat

SHIPPED = {"medicare", "aetna", "cigna", "uhc", "bcbs", "anthem"}


def _snapshot(reg: PayerRegistry) -> dict[str, str]:
    return {pid: p.model_dump_json() for pid, p in reg.profiles.items()}


def test_shipped_profiles(registry: PayerRegistry) -> None:
    assert set(registry.ids()) == SHIPPED
    medicare = registry.get("medicare")
    assert medicare.bilateral_format is BilateralFormat.MODIFIER_50_ONE_LINE
    assert medicare.asc_bilateral_format is BilateralFormat.RT_LT_TWO_LINES
    assert medicare.requires_kx_on_diagnostic and medicare.junction_rule
    assert medicare.max_levels_per_region_per_session == 2
    assert medicare.covers_third_level is False
    assert medicare.ultrasound_covered is False
    assert medicare.hopd_prior_auth is not None and medicare.hopd_prior_auth.required
    assert {"64490", "64491", "64493", "64494"} <= set(medicare.hopd_prior_auth.codes)
    assert not {"64492", "64495"} & set(medicare.hopd_prior_auth.codes), "removed in 2024 (F-112)"
    for pid in SHIPPED - {"medicare"}:
        prof = registry.get(pid)
        assert prof.bilateral_format is BilateralFormat.MODIFIER_50_ONE_LINE, pid
        assert not prof.requires_kx_on_diagnostic and not prof.junction_rule, pid
    assert registry.get("aetna").max_levels_per_session == 3
    assert registry.get("aetna").ultrasound_covered is False
    assert registry.get("uhc").therapeutic_covered == "not_covered"
    assert registry.get("cigna").criteria_retrieved is False
    assert registry.get("bcbs").confirm_format_with_plan is True


def test_every_shipped_profile_has_the_spec_fields(registry: PayerRegistry) -> None:
    for prof in registry.profiles.values():
        assert prof.name and prof.aliases and prof.sources and prof.reviewed, prof.id
        for rate in prof.rates:
            assert rate.source and rate.as_of and rate.status, (prof.id, rate.code)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("UHC", "uhc"), ("United", "uhc"), ("UnitedHealthcare", "uhc"),
        ("united healthcare", "uhc"),
        ("Blue Cross", "bcbs"), ("BCBS", "bcbs"), ("blue-cross", "bcbs"),
        ("Part B", "medicare"), ("CMS", "medicare"), ("Medicare", "medicare"),
        ("  medicare ", "medicare"), ("Aetna", "aetna"), ("Cigna", "cigna"),
        ("unspecified", "unspecified"), ("", "unspecified"),
    ],
)
def test_aliases_resolve(typed: str, expected: str, registry: PayerRegistry) -> None:
    assert registry.resolve(typed) == expected
    assert registry.get(typed).id == expected


@pytest.mark.parametrize(("typed", "expected"), [("UHC", "uhc"), ("Part B", "medicare"),
                                                  ("Blue Cross", "bcbs"), ("CMS", "medicare")])
def test_decide_reports_the_resolved_payer(typed: str, expected: str) -> None:
    d = decide(Scenario(payer=typed, imaging="fluoroscopy",
                        injections=[{"joint": "L4-L5", "side": "left"}]))
    assert d.payer == expected


@pytest.mark.parametrize("typed", ["Acme Health", "medicaid of mars", "uhcx"])
def test_unknown_payer_raises(typed: str, registry: PayerRegistry) -> None:
    assert registry.resolve(typed) is None
    with pytest.raises(UnknownPayerError) as info:
        registry.get(typed)
    assert typed in str(info.value) and "medicare" in str(info.value)
    with pytest.raises(UnknownPayerError):
        decide(Scenario(payer=typed, injections=[{"joint": "L4-L5", "side": "left"}]))


def test_valid_custom_profile_loads_and_overrides(
        profile_writer: Callable[..., Path], registry: PayerRegistry) -> None:
    before = _snapshot(registry)
    path = profile_writer({"bilateral_format": "rt_lt_two_lines", "aliases": ["my plan"]})
    prof = load_profile(path)
    assert prof.bilateral_format is BilateralFormat.RT_LT_TWO_LINES
    reg = registry.with_profile(prof)
    assert reg.resolve("My Plan") == "clinic_custom"
    assert "clinic_custom" not in registry.ids(), "with_profile must not change the original"
    assert _snapshot(registry) == before


def test_custom_profile_can_replace_a_shipped_one(
        profile_writer: Callable[..., Path], registry: PayerRegistry) -> None:
    prof = load_profile(profile_writer({"id": "aetna", "name": "Aetna (our contract)",
                                        "bilateral_format": "modifier_50_two_units"}))
    reg = registry.with_profile(prof)
    assert reg.get("aetna").bilateral_format is BilateralFormat.MODIFIER_50_TWO_UNITS
    assert registry.get("aetna").bilateral_format is BilateralFormat.MODIFIER_50_ONE_LINE
    d = decide(Scenario(payer="aetna", imaging="fluoroscopy",
                        injections=[{"joint": "L4-L5", "side": "bilateral"}]), payers=reg)
    assert [(ln.code, ln.modifiers, ln.units) for ln in d.lines] == [("64493", ["50"], 2)]


BAD_PROFILES = [
    pytest.param({"bilateral_format": "sideways"}, (), "bilateral_format", id="bad-format"),
    pytest.param({"asc_bilateral_format": "both"}, (), "asc_bilateral_format", id="bad-asc-format"),
    pytest.param({}, ("name",), "name", id="missing-name"),
    pytest.param({}, ("bilateral_format",), "bilateral_format", id="missing-format"),
    pytest.param({"colour": "blue"}, (), "colour", id="unknown-key"),
    pytest.param({"sources": ["S999"]}, (), "sources", id="unknown-source"),
    pytest.param({"coverage_notes": [{"text": "Some note here.", "sources": ["S404"]}]}, (),
                 "coverage_notes.0.sources", id="unknown-source-nested"),
    pytest.param({"max_levels_per_session": 0}, (), "max_levels_per_session", id="zero-levels"),
    pytest.param({"kind": "martian"}, (), "kind", id="bad-kind"),
    pytest.param({"id": "Has Spaces"}, (), "id", id="bad-id"),
    pytest.param({"id": "unspecified"}, (), "id", id="reserved-id"),
    pytest.param({"rates": [{"code": "64491", "amount": -5, "setting": "facility",
                             "basis": "x", "status": "published", "source": "S35",
                             "as_of": "2026"}]}, (), "rates.0.amount", id="negative-rate"),
]


@pytest.mark.parametrize(("overrides", "drop", "field"), BAD_PROFILES)
def test_bad_profile_rejected_with_file_and_field(
        overrides: dict[str, object], drop: tuple[str, ...], field: str,
        profile_writer: Callable[..., Path], registry: PayerRegistry) -> None:
    before = _snapshot(registry)
    path = profile_writer(overrides, drop=drop, name="bad_profile.yaml")
    with pytest.raises(KnowledgeDataError) as info:
        load_profile(path)
    err = info.value
    assert err.path == str(path)
    assert err.field == field
    assert err.reason.strip()
    assert "bad_profile.yaml" in str(err) and field in str(err)
    # never half-applied: the shipped registry is untouched
    assert _snapshot(load_payers()) == before
    assert load_payers() is registry


@pytest.mark.parametrize("text", ["id: [unclosed\nname: x\n", "id: a\n  name: : b\n\t- c",
                                  "- just\n- a list\n", ""])
def test_malformed_yaml_rejected(text: str, tmp_path: Path, registry: PayerRegistry) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeDataError) as info:
        load_profile(path)
    assert info.value.path == str(path)
    assert "broken.yaml" in str(info.value)
    assert info.value.field == "(file)"
    assert set(registry.ids()) == SHIPPED


def test_missing_file_rejected(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeDataError) as info:
        load_profile(tmp_path / "nope.yaml")
    assert "nope.yaml" in str(info.value)


def test_folder_with_one_bad_profile_is_rejected_whole(tmp_path: Path,
                                                       profile_writer: Callable[..., Path]) -> None:
    folder = tmp_path / "payers"
    folder.mkdir()
    shutil.copy(Path(__file__).resolve().parents[2] / "knowledge" / "payers" / "medicare.yaml",
                folder / "medicare.yaml")
    good = profile_writer({"id": "good_plan"})
    shutil.copy(good, folder / "good_plan.yaml")
    bad = yaml.safe_load((folder / "good_plan.yaml").read_text())
    bad.update(id="bad_plan", bilateral_format="sideways")
    (folder / "zz_bad.yaml").write_text(yaml.safe_dump(bad))
    with pytest.raises(KnowledgeDataError) as info:
        PayerRegistry.from_dir(folder)
    assert "zz_bad.yaml" in str(info.value) and info.value.field == "bilateral_format"
    (folder / "zz_bad.yaml").unlink()
    assert set(PayerRegistry.from_dir(folder).ids()) == {"medicare", "good_plan"}


def test_duplicate_ids_in_a_folder_rejected(profile_writer: Callable[..., Path]) -> None:
    first = profile_writer({"id": "twin"}, name="a_twin.yaml")
    profile_writer({"id": "twin", "name": "Twin again"}, name="b_twin.yaml")
    with pytest.raises(KnowledgeDataError) as info:
        PayerRegistry.from_dir(first.parent)
    assert "b_twin.yaml" in str(info.value) and info.value.field == "id"
