"""The knowledge the rules stand on: source register, rule catalog and code table."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from guardrails.data import DEFAULT_KNOWLEDGE_DIR, digest, read_yaml, validate
from guardrails.errors import KnowledgeDataError
from guardrails.models import Citation, Region


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^S\d+$")
    title: str
    doc_ids: list[str] = Field(default_factory=list)
    date: str
    url: str
    note: str = ""  # why there is no url, when there is none


class RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^FJ-[A-Z0-9-]+$")
    title: str
    explanation: str = Field(min_length=20)
    facts: list[str] = Field(min_length=1)
    sources: list[str] = Field(min_length=1)


class CodeInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    family: Literal["facet_fluoro_ct", "facet_ultrasound"]
    region: Region
    tier: Literal["primary", "second", "third_plus"]
    add_on: bool
    requires: list[str]
    mue: int
    summary: str
    sources: list[str]
    notes: str = ""


class RelatedCode(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    kind: Literal["imaging_included", "sacroiliac", "rf_ablation", "no_imaging_alternative"]
    summary: str
    sources: list[str]


class Family(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    imaging: list[str]
    sources: list[str]
    history: str = ""


class RvuRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    work: float
    total_non_facility: float
    total_facility: float
    global_: str = Field(alias="global")


class MedicareFees(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversion_factor: float
    as_of: str
    source: str
    rvus: list[RvuRow]


class CodeTable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str
    families: list[Family]
    codes: list[CodeInfo]
    related: list[RelatedCode]
    medicare_2026: MedicareFees

    @model_validator(mode="after")
    def _requires_known(self) -> CodeTable:
        known = {c.code for c in self.codes}
        for info in self.codes:
            missing = [r for r in info.requires if r not in known]
            if missing:
                raise ValueError(f"{info.code} requires unknown codes {missing}")
        return self


class RuleCatalog(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str
    rules: list[RuleSpec]


class SourceRegister(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[Source]


class Catalog:
    """Loaded, cross-checked knowledge data (read-only)."""

    def __init__(self, knowledge_dir: Path) -> None:
        self.dir = knowledge_dir
        paths = {name: knowledge_dir / f"{name}.yaml" for name in ("sources", "rules", "codes")}
        register = validate(SourceRegister, read_yaml(paths["sources"]), paths["sources"])
        self.sources: dict[str, Source] = {s.id: s for s in register.sources}
        rules = validate(RuleCatalog, read_yaml(paths["rules"]), paths["rules"])
        self.rules_version = rules.version
        self.rules: dict[str, RuleSpec] = {r.id: r for r in rules.rules}
        self.code_table = validate(CodeTable, read_yaml(paths["codes"]), paths["codes"])
        self.codes: dict[str, CodeInfo] = {c.code: c for c in self.code_table.codes}
        self.related: dict[str, RelatedCode] = {c.code: c for c in self.code_table.related}
        self._check_sources(paths)
        self.data_paths = list(paths.values())

    def _check_sources(self, paths: dict[str, Path]) -> None:
        for rule in self.rules.values():
            self.require_sources(rule.sources, paths["rules"], f"rules.{rule.id}.sources")
        for info in self.codes.values():
            self.require_sources(info.sources, paths["codes"], f"codes.{info.code}.sources")

    def require_sources(self, ids: list[str], path: Path, field: str) -> None:
        unknown = [s for s in ids if s not in self.sources]
        if unknown:
            raise KnowledgeDataError(str(path), field, f"unknown source ids {unknown}")

    def citations(self, source_ids: list[str]) -> list[Citation]:
        out: list[Citation] = []
        for sid in source_ids:
            src = self.sources[sid]
            out.append(
                Citation(
                    source_id=src.id,
                    doc_id=", ".join(src.doc_ids) or None,
                    title=src.title,
                    url=src.url,
                    date=src.date,
                    note=src.note,
                )
            )
        return out

    def rule(self, rule_id: str) -> RuleSpec:
        return self.rules[rule_id]

    def rule_citations(self, rule_id: str) -> list[Citation]:
        return self.citations(self.rules[rule_id].sources)

    def version(self) -> str:
        return digest(self.data_paths)


@lru_cache(maxsize=8)
def load_catalog(knowledge_dir: Path = DEFAULT_KNOWLEDGE_DIR) -> Catalog:
    return Catalog(knowledge_dir)
