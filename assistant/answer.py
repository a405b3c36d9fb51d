"""What the assistant returns: one record, rendered by the app and serialised by the CLI."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class Route(StrEnum):
    CODING = "coding"
    KNOWLEDGE = "knowledge"
    CLARIFY = "clarify"
    OUT_OF_SCOPE = "out_of_scope"


class SourceRef(BaseModel):
    source_id: str
    title: str
    section: str = ""
    url: str = ""


class Passage(BaseModel):
    """A retrieved chunk of the knowledge base."""

    id: str
    text: str
    doc_id: str
    title: str
    section: str = ""
    url: str = ""
    source_ids: list[str] = Field(default_factory=list)
    payer: str = ""
    score: float = 0.0

    def ref(self) -> SourceRef:
        return SourceRef(source_id=self.doc_id, title=self.title, section=self.section, url=self.url)


class Conflict(BaseModel):
    """A retrieved sentence that contradicts a rule: shown with a warning, never used."""

    rule: str
    passage: str
    source: SourceRef
    correct: str


class Answer(BaseModel):
    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    route: Route
    answer: str
    decision: dict[str, Any] | None = None
    rules: list[str] = Field(default_factory=list)
    citations: list[SourceRef] = Field(default_factory=list)
    assumptions: list[str] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)
    versions: dict[str, str] = Field(default_factory=dict)
    # For follow-up turns ("what if it was bilateral?") and for the UI.
    scenario: dict[str, Any] | None = None
    claim: dict[str, Any] | None = None
    summary: str = ""
    passages: list[Passage] = Field(default_factory=list)
