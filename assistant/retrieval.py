"""Hybrid retrieval: dense (Chroma) + keyword (bm25s), fused by reciprocal rank."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import bm25s

from assistant.answer import Passage

RRF_K = 60
_CODE = re.compile(r"\b(?:6449[0-5]|021[3-8]t|\d{5}|[a-z]\d{5})\b", re.I)


def _tokens(texts: list[str]) -> Any:
    return bm25s.tokenize(texts, stopwords="en", show_progress=False)


class KeywordIndex:
    """BM25 over every chunk; exact codes (64491 vs 64492) are tokens of their own."""

    def __init__(self, chunks: list[dict[str, Any]]) -> None:
        self.chunks = chunks
        self._bm25 = bm25s.BM25()
        if chunks:
            self._bm25.index(_tokens([c["text"] for c in chunks]), show_progress=False)

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        if not self.chunks:
            return []
        q = _tokens([query])
        if not q.vocab:
            return []
        k = min(k, len(self.chunks))
        docs, scores = self._bm25.retrieve(q, k=k, show_progress=False, n_threads=1)
        return [(int(d), float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]


def to_passage(chunk: dict[str, Any], score: float) -> Passage:
    meta = chunk["metadata"]
    ids = [s for s in str(meta.get("source_ids", "")).split(",") if s]
    return Passage(
        id=chunk["id"],
        text=chunk["text"],
        doc_id=str(meta.get("doc_id", "")),
        title=str(meta.get("title", "")),
        section=str(meta.get("section", "")),
        url=str(meta.get("url", "")),
        source_ids=ids,
        payer=str(meta.get("payer", "")),
        score=score,
    )


class HybridRetriever:
    def __init__(self, chunks: list[dict[str, Any]], store: Any | None) -> None:
        self.keyword = KeywordIndex(chunks)
        self.chunks = chunks
        self._by_id = {c["id"]: i for i, c in enumerate(chunks)}
        self.store = store  # a LangChain Chroma store, or None for keyword-only

        @lru_cache(maxsize=1024)
        def embed(query: str) -> tuple[float, ...]:
            return tuple(store.embeddings.embed_query(query)) if store else ()

        self.embed = embed

    def _payer_ok(self, idx: int, payer: str | None) -> bool:
        if not payer:
            return True
        return str(self.chunks[idx]["metadata"].get("payer", "")) in ("", payer)

    def dense(self, query: str, k: int, payer: str | None = None) -> list[tuple[int, float]]:
        if self.store is None or not self.chunks:
            return []
        where = {"payer": {"$in": ["", payer]}} if payer else None
        hits = self.store.similarity_search_by_vector_with_relevance_scores(list(self.embed(query)), k=k, filter=where)
        out = []
        for doc, score in hits:
            idx = self._by_id.get(doc.id) if doc.id else None
            if idx is not None:
                out.append((idx, float(score)))
        return out

    def search(
        self, query: str, k: int = 5, payer: str | None = None, dense: bool = True, audience: str | None = None
    ) -> list[Passage]:
        depth = max(20, k * 4)
        fused: dict[int, float] = {}
        kw = [(i, s) for i, s in self.keyword.search(query, depth * 2) if self._payer_ok(i, payer)][:depth]
        rankings = [kw]
        if dense:
            rankings.append(self.dense(query, depth, payer))
        for ranking in rankings:
            for rank, (idx, _) in enumerate(ranking):
                fused[idx] = fused.get(idx, 0.0) + 1.0 / (RRF_K + rank + 1)
        # An exact code in the question must appear in the passage to rank first.
        codes = {c.lower() for c in _CODE.findall(query)}
        if codes:
            for idx in fused:
                if codes & {c.lower() for c in _CODE.findall(self.chunks[idx]["text"])}:
                    fused[idx] += 0.5 / RRF_K
        if audience:
            # 'in plain words': documents written for that audience come first among close results.
            for idx in fused:
                if audience in str(self.chunks[idx]["metadata"].get("audience", "")):
                    fused[idx] += 1.0 / RRF_K
        best = sorted(fused.items(), key=lambda kv: -kv[1])[:k]
        return [to_passage(self.chunks[i], s) for i, s in best]
