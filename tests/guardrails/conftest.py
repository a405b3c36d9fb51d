"""Shared fixtures for the guardrails test suite.

Helpers are exposed as fixtures (not imported from a module) so the tests work under any
pytest import mode and never collide with other test folders.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from guardrails import (
    Catalog,
    ClaimLine,
    PayerRegistry,
    load_catalog,
    load_payers,
    load_profile,
)

BILATERAL_FORMATS = (
    "modifier_50_one_line",
    "rt_lt_two_lines",
    "modifier_50_two_units",
    "code_plus_code_50",
)

# The smallest valid commercial profile; tests override fields on top of it.
BASE_PROFILE: dict[str, Any] = {
    "id": "clinic_custom",
    "name": "Clinic Custom Plan",
    "kind": "commercial",
    "aliases": ["clinic custom"],
    "bilateral_format": "modifier_50_one_line",
    "asc_bilateral_format": "modifier_50_one_line",
    "sources": ["S31", "S44"],
    "reviewed": "2026-11-28",
}


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def registry() -> PayerRegistry:
    return load_payers()


def write_profile(folder: Path, overrides: dict[str, Any] | None = None, *,
                  drop: tuple[str, ...] = (), name: str | None = None) -> Path:
    """Write BASE_PROFILE + overrides (minus `drop`) as YAML; return the file path."""
    data = {**BASE_PROFILE, **(overrides or {})}
    for key in drop:
        data.pop(key, None)
    path = folder / (name or f"{data.get('id', 'profile')}.yaml")
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def profile_writer(tmp_path: Path) -> Callable[..., Path]:
    """Write a payer profile YAML into tmp_path: profile_writer({'bilateral_format': ...})."""

    def _write(overrides: dict[str, Any] | None = None, *, drop: tuple[str, ...] = (),
               name: str | None = None) -> Path:
        return write_profile(tmp_path, overrides, drop=drop, name=name)

    return _write


def format_profile_overrides(fmt: str) -> dict[str, Any]:
    return {
        "id": f"fmt_{fmt}",
        "name": f"Format test plan ({fmt})",
        "aliases": [f"format plan {fmt}"],
        "bilateral_format": fmt,
        "asc_bilateral_format": fmt,
    }


@pytest.fixture(scope="session")
def format_registry(tmp_path_factory: pytest.TempPathFactory,
                    registry: PayerRegistry) -> PayerRegistry:
    """Shipped profiles plus one custom profile per bilateral format (ids fmt_<format>).

    fmt_rt_lt_two_lines and fmt_modifier_50_two_units also require KX on diagnostic lines,
    and fmt_rt_lt_two_lines applies the T12-L1 junction rule, so those paths are exercised
    outside the Medicare profile too.
    """
    folder = tmp_path_factory.mktemp("format_profiles")
    extra = {
        "rt_lt_two_lines": {"requires_kx_on_diagnostic": True, "junction_rule": True},
        "modifier_50_two_units": {"requires_kx_on_diagnostic": True},
    }
    reg = registry
    for fmt in BILATERAL_FORMATS:
        path = write_profile(folder, {**format_profile_overrides(fmt), **extra.get(fmt, {})})
        reg = reg.with_profile(load_profile(path))
    return reg


# --- line helpers -------------------------------------------------------------------------

LineKey = tuple[str, tuple[str, ...], int]


def line_key(line: ClaimLine | dict[str, Any] | list[Any]) -> LineKey:
    if isinstance(line, ClaimLine):
        return (line.code, tuple(line.modifiers), line.units)
    if isinstance(line, dict):
        return (line["code"], tuple(line.get("modifiers", [])), int(line.get("units", 1)))
    code, mods, units = line
    return (code, tuple(mods), int(units))


def line_multiset(lines: list[Any]) -> Counter[LineKey]:
    return Counter(line_key(ln) for ln in lines)


@pytest.fixture(scope="session")
def multiset() -> Callable[[list[Any]], Counter[LineKey]]:
    return line_multiset


_TIER_RANK = {"primary": 0, "second": 1, "third_plus": 2}


def spec_order_key(catalog: Catalog, code: str) -> tuple[int, int]:
    """rules-spec §2: cervical/thoracic family before lumbar/sacral, primary before add-ons.

    The family of a code decides: 64490 opens the lumbar session under the Medicare junction
    rule but is still a cervical/thoracic-family code, so it sorts first either way.
    """
    info = catalog.codes[code]
    return (0 if info.region == "cervical_thoracic" else 1, _TIER_RANK[info.tier])


@pytest.fixture(scope="session")
def assert_spec_order(catalog: Catalog) -> Callable[[list[ClaimLine]], None]:
    def _check(lines: list[ClaimLine]) -> None:
        keys = [spec_order_key(catalog, ln.code) for ln in lines if ln.code in catalog.codes]
        assert keys == sorted(keys), f"lines out of spec order: {[ln.code for ln in lines]}"

    return _check
