"""What every answer path shares: the loaded knowledge, and sources and conflicts for an answer."""

from __future__ import annotations

import logging
import re
from typing import Any

from assistant.answer import Answer, Conflict, Passage, SourceRef
from assistant.audit import AuditLog
from assistant.conflicts import find_conflicts
from assistant.retrieval import HybridRetriever, to_passage
from assistant.settings import Settings
from guardrails import (
    Catalog,
    PayerRegistry,
)
from guardrails.payers import UNSPECIFIED

log = logging.getLogger(__name__)
_CODE_IN_TEXT = re.compile(r"\b(?:6449[0-5]|021[3-8]T)\b")


class Grounding:
    def __init__(
        self,
        settings: Settings,
        *,
        catalog: Catalog,
        payers: PayerRegistry,
        retriever: HybridRetriever,
        chat_model: Any | None = None,
        audit: AuditLog | None = None,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.payers = payers
        self.retriever = retriever
        self.chat_model = chat_model
        self.audit = audit
        # Every chunk that contradicts a rule, found once: a poisoned document is flagged
        # whenever an answer rests on the rule it contradicts, however it ranks.
        self.conflict_index = find_conflicts([to_passage(c, 0.0) for c in retriever.chunks])

    def _known_conflicts(self, rules: set[str], codes: set[str]) -> list[Conflict]:
        out = []
        for c in self.conflict_index:
            mentioned = set(_CODE_IN_TEXT.findall(c.passage))
            if c.rule in rules and (not mentioned or mentioned & codes or not codes):
                out.append(c)
        return out

    # --- public API -----------------------------------------------------------------
    def _support(self, query: str, payer: str | None) -> list[Passage]:
        """Supporting passages for coding answers: keyword search only, so no embedding is needed."""
        pid = None if payer in (None, UNSPECIFIED) else payer
        return self.retriever.search(query, k=3, payer=pid, dense=False)

    def _with_sources(
        self, answer: Answer, passages: list[Passage], rule_cites: list[Any], conflicts: list[Any] | None = None
    ) -> Answer:
        refs: list[SourceRef] = [p.ref() for p in passages]
        for cites in rule_cites:
            for c in cites[:2]:
                refs.append(SourceRef(source_id=c.doc_id or c.source_id, title=c.title, url=c.url))
        unique: dict[tuple[str, str], SourceRef] = {}
        for ref in refs:
            unique.setdefault((ref.source_id, ref.section), ref)
        answer.citations = list(unique.values())
        answer.passages = passages
        merged: dict[tuple[str, str], Conflict] = {}
        for c in [*find_conflicts(passages), *(conflicts or [])]:
            merged.setdefault((c.rule, c.passage), c)
        answer.conflicts = list(merged.values())
        if answer.conflicts:
            warn = "\n".join(
                f"- ⚠️ **{c.rule}**: a source ({c.source.title}) says \u201c{c.passage}\u201d — this contradicts the rule: {c.correct}"
                for c in answer.conflicts
            )
            answer.answer += f"\n\n**Conflicting source text (not used):**\n{warn}"
        return answer
