"""Make the collection hold exactly the desired chunks, touching only what changed.

Counts are per document (what a person edits), not per chunk:
  added     = doc id not in the store before;
  updated   = doc in the store before whose chunks changed (text, or metadata only);
  removed   = doc in the store before and no longer wanted;
  unchanged = doc whose chunks are all present with the same content hash;
  kept      = doc whose file failed this run: its old chunks stay, so the store never loses a
              document because of a typo in its front matter.
Chunk-level figures are in SyncResult too.

Write order is add → refresh metadata → delete, so an interruption leaves the old content
queryable next to the new; the next run finishes the job (ids are content hashes).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from langchain_core.embeddings import Embeddings
from tqdm import tqdm

from ingest.chunk import Chunk

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection

_PAGE = 1000
_WRITE_BATCH = 500
T = TypeVar("T")


class DocChange(StrEnum):
    ADDED = "added"
    UPDATED = "updated"
    REMOVED = "removed"
    UNCHANGED = "unchanged"
    KEPT = "kept"


@dataclass
class SyncPlan:
    add: list[Chunk] = field(default_factory=list)
    refresh: list[Chunk] = field(default_factory=list)  # same id and text, new metadata
    delete: list[str] = field(default_factory=list)
    docs: dict[str, DocChange] = field(default_factory=dict)

    def count(self, change: DocChange) -> int:
        return sum(1 for c in self.docs.values() if c is change)


@dataclass
class SyncResult:
    plan: SyncPlan
    total_chunks: int


def batched(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def read_existing(collection: Collection) -> dict[str, dict[str, Any]]:
    """id → metadata of every stored chunk (no documents, no vectors), page by page."""
    existing: dict[str, dict[str, Any]] = {}
    offset = 0
    while True:
        page = collection.get(include=["metadatas"], limit=_PAGE, offset=offset)
        metas = page["metadatas"] or []
        for i, cid in enumerate(page["ids"]):
            existing[cid] = dict(metas[i] or {}) if i < len(metas) else {}
        if len(page["ids"]) < _PAGE:
            return existing
        offset += _PAGE


def plan_sync(desired: list[Chunk], existing: dict[str, dict[str, Any]], keep_paths: set[str]) -> SyncPlan:
    """Pure diff of desired chunks against the store; keep_paths are files that failed to
    load this run, whose stored chunks must survive."""
    plan = SyncPlan()
    wanted = {c.id for c in desired}
    for chunk in desired:
        stored = existing.get(chunk.id)
        if stored is None:
            plan.add.append(chunk)
        elif stored.get("content_hash") != chunk.metadata["content_hash"]:
            plan.refresh.append(chunk)
    kept_docs: set[str] = set()
    for cid, meta in existing.items():
        if cid in wanted:
            continue
        if meta.get("path") in keep_paths:
            kept_docs.add(str(meta.get("doc_id", "")))
        else:
            plan.delete.append(cid)

    old_docs = {str(m.get("doc_id", "")) for m in existing.values()}
    new_docs = {c.doc_id for c in desired}
    touched = {c.doc_id for c in plan.add + plan.refresh}
    touched |= {str(existing[cid].get("doc_id", "")) for cid in plan.delete}
    for doc_id in sorted(new_docs):
        if doc_id not in old_docs:
            plan.docs[doc_id] = DocChange.ADDED
        else:
            plan.docs[doc_id] = DocChange.UPDATED if doc_id in touched else DocChange.UNCHANGED
    for doc_id in sorted(old_docs - new_docs):
        plan.docs[doc_id] = DocChange.KEPT if doc_id in kept_docs else DocChange.REMOVED
    return plan


def apply_plan(
    collection: Collection,
    plan: SyncPlan,
    embeddings: Callable[[], Embeddings],
    batch_size: int,
    progress: bool | None = None,
) -> None:
    """Write the plan. embeddings is a factory: the model is only loaded if something new
    has to be embedded, which keeps an unchanged re-run fast."""
    if plan.add:
        embedder = embeddings()
        show = sys.stderr.isatty() if progress is None else progress
        with tqdm(total=len(plan.add), desc="Embedding", unit="chunk", disable=not show, file=sys.stderr) as bar:
            for batch in batched(plan.add, batch_size):
                vectors = embedder.embed_documents([c.text for c in batch])
                collection.add(
                    ids=[c.id for c in batch],
                    embeddings=vectors,  # type: ignore[arg-type]
                    documents=[c.text for c in batch],
                    metadatas=[c.metadata for c in batch],
                )
                bar.update(len(batch))
    for refresh_batch in batched(plan.refresh, _WRITE_BATCH):
        collection.update(
            ids=[c.id for c in refresh_batch],
            metadatas=[c.metadata for c in refresh_batch],
        )
    for ids in batched(plan.delete, _WRITE_BATCH):
        collection.delete(ids=list(ids))


def sync(
    collection: Collection,
    desired: list[Chunk],
    keep_paths: set[str],
    embeddings: Callable[[], Embeddings],
    batch_size: int,
    progress: bool | None = None,
) -> SyncResult:
    plan = plan_sync(desired, read_existing(collection), keep_paths)
    apply_plan(collection, plan, embeddings, batch_size, progress)
    return SyncResult(plan=plan, total_chunks=collection.count())
