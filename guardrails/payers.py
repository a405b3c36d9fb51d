"""Payer profiles: YAML files a clinic can edit, validated whole on load."""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from guardrails.catalog import Catalog, load_catalog
from guardrails.data import DEFAULT_KNOWLEDGE_DIR, read_yaml, validate
from guardrails.errors import KnowledgeDataError, UnknownPayerError

UNSPECIFIED = "unspecified"


class BilateralFormat(StrEnum):
    MODIFIER_50_ONE_LINE = "modifier_50_one_line"
    RT_LT_TWO_LINES = "rt_lt_two_lines"
    MODIFIER_50_TWO_UNITS = "modifier_50_two_units"
    CODE_PLUS_CODE_50 = "code_plus_code_50"


FORMAT_LABELS: dict[BilateralFormat, str] = {
    BilateralFormat.MODIFIER_50_ONE_LINE: "one line with modifier 50, 1 unit",
    BilateralFormat.RT_LT_TWO_LINES: "two lines, RT and LT, 1 unit each",
    BilateralFormat.MODIFIER_50_TWO_UNITS: "one line with modifier 50, 2 units",
    BilateralFormat.CODE_PLUS_CODE_50: "the code on one line and the code with 50 on a second line",
}


class PolicyNote(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=5)
    sources: list[str] = Field(min_length=1)


class PolicyRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    effective: str


class PriorAuth(BaseModel):
    model_config = ConfigDict(extra="forbid")

    required: bool
    since: str
    codes: list[str]
    note: str = ""
    sources: list[str] = Field(min_length=1)


class Rate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    amount: float = Field(gt=0)
    setting: Literal["non_facility", "facility", "unspecified"]
    basis: str
    status: Literal["published", "derived", "unverified"]
    source: str
    as_of: str


class PayerProfile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    kind: Literal["medicare", "commercial", "medicaid", "other"]
    aliases: list[str] = Field(default_factory=list)
    bilateral_format: BilateralFormat
    asc_bilateral_format: BilateralFormat
    confirm_format_with_plan: bool = False
    max_levels_per_region_per_session: int | None = Field(None, ge=1)
    max_levels_per_session: int | None = Field(None, ge=1)
    covers_third_level: bool | None = None
    requires_kx_on_diagnostic: bool = False
    junction_rule: bool = False
    one_region_per_session: bool = False
    hopd_prior_auth: PriorAuth | None = None
    ultrasound_covered: bool | None = None
    therapeutic_covered: Literal["covered", "conditional", "not_covered", "unknown"] = "unknown"
    criteria_retrieved: bool = True
    policies: list[PolicyRef] = Field(default_factory=list)
    frequency: list[PolicyNote] = Field(default_factory=list)
    documentation: list[PolicyNote] = Field(default_factory=list)
    coverage_notes: list[PolicyNote] = Field(default_factory=list)
    rates: list[Rate] = Field(default_factory=list)
    sources: list[str] = Field(min_length=1)
    reviewed: str

    @property
    def is_medicare(self) -> bool:
        return self.kind == "medicare"

    def all_source_ids(self) -> list[tuple[str, list[str]]]:
        pairs: list[tuple[str, list[str]]] = [("sources", self.sources)]
        for name in ("frequency", "documentation", "coverage_notes"):
            for i, note in enumerate(getattr(self, name)):
                pairs.append((f"{name}.{i}.sources", note.sources))
        for i, rate in enumerate(self.rates):
            pairs.append((f"rates.{i}.source", [rate.source]))
        if self.hopd_prior_auth:
            pairs.append(("hopd_prior_auth.sources", self.hopd_prior_auth.sources))
        return pairs


def unspecified_profile() -> PayerProfile:
    """Payer not given: Medicare/CMS line format without any Medicare coverage overlay."""
    return PayerProfile(
        id=UNSPECIFIED,
        name="payer not specified (CMS line format)",
        kind="other",
        bilateral_format=BilateralFormat.MODIFIER_50_ONE_LINE,
        asc_bilateral_format=BilateralFormat.RT_LT_TWO_LINES,
        sources=["S32", "S45"],
        reviewed="2026-11-28",
    )


def load_profile(path: Path, catalog: Catalog | None = None) -> PayerProfile:
    """Validate one profile file completely; raise KnowledgeDataError(file, field, reason)."""
    profile = validate(PayerProfile, read_yaml(path), path)
    cat = catalog or load_catalog()
    for field, ids in profile.all_source_ids():
        cat.require_sources(ids, path, field)
    if profile.id == UNSPECIFIED:
        raise KnowledgeDataError(str(path), "id", "'unspecified' is reserved")
    return profile


class PayerRegistry:
    """All payer profiles of a folder, by id and by alias."""

    def __init__(self, profiles: list[PayerProfile]) -> None:
        self.profiles: dict[str, PayerProfile] = {}
        for p in profiles:
            self.profiles[p.id] = p
        self._aliases: dict[str, str] = {}
        for p in profiles:
            for alias in [p.id, p.name, *p.aliases]:
                self._aliases.setdefault(_alias_key(alias), p.id)

    @classmethod
    def from_dir(cls, folder: Path, catalog: Catalog | None = None) -> PayerRegistry:
        paths = sorted(folder.glob("*.yaml"))
        profiles = [load_profile(p, catalog) for p in paths]
        seen: dict[str, Path] = {}
        for prof, path in zip(profiles, paths, strict=True):
            if prof.id in seen:
                raise KnowledgeDataError(str(path), "id", f"duplicate payer id also in {seen[prof.id]}")
            seen[prof.id] = path
        return cls(profiles)

    def with_profile(self, profile: PayerProfile) -> PayerRegistry:
        """A registry where a profile loaded from a file replaces or adds to the shipped ones."""
        return PayerRegistry([*(p for p in self.profiles.values() if p.id != profile.id), profile])

    def ids(self) -> list[str]:
        return sorted(self.profiles)

    def resolve(self, payer: str) -> str | None:
        """Profile id for an id or alias as typed ('UHC', 'Blue Cross'), or None."""
        key = _alias_key(payer)
        if key in ("", UNSPECIFIED):
            return UNSPECIFIED
        return self._aliases.get(key)

    def get(self, payer: str) -> PayerProfile:
        pid = self.resolve(payer)
        if pid == UNSPECIFIED:
            return unspecified_profile()
        if pid is None:
            raise UnknownPayerError(payer, self.ids())
        return self.profiles[pid]

    def alias_table(self) -> dict[str, str]:
        return dict(self._aliases)


def _alias_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


@lru_cache(maxsize=8)
def load_payers(knowledge_dir: Path = DEFAULT_KNOWLEDGE_DIR) -> PayerRegistry:
    return PayerRegistry.from_dir(knowledge_dir / "payers", load_catalog(knowledge_dir))
