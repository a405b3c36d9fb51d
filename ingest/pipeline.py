"""Ingest end to end: load → render payer docs → chunk → sync, with a report.

Everything that can fail on bad input (reading, validating, chunking) happens before the
collection is opened, so a bad run never leaves a half-written store.
"""

from __future__ import annotations

import time

from pydantic import BaseModel

from assistant.settings import Settings
from assistant.store import (
    collection_name,
    make_embeddings,
    open_client,
    open_collection,
    read_manifest,
    write_manifest,
)
from guardrails.catalog import Catalog
from guardrails.errors import KnowledgeDataError
from ingest.chunk import Chunk, chunk_documents
from ingest.load import Document, FileError, Known, drop_duplicate_ids, load_corpus
from ingest.payer_docs import load_profiles, payer_documents
from ingest.sync import DocChange, sync


class DocSummary(BaseModel):
    id: str
    title: str
    path: str
    chunks: int
    change: DocChange


class IngestReport(BaseModel):
    added: int
    updated: int
    removed: int
    unchanged: int
    kept: int = 0
    total_chunks: int
    chunks_added: int = 0
    chunks_removed: int = 0
    seconds: float
    collection: str = ""
    errors: list[FileError]
    documents: list[DocSummary]

    def summary(self) -> dict[str, object]:
        """The CLI's --json output."""
        return {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "total_chunks": self.total_chunks,
            "seconds": self.seconds,
            "errors": [e.model_dump() for e in self.errors],
        }


class IngestError(Exception):
    """Nothing could be ingested; the store was left as it was."""

    def __init__(self, message: str, errors: list[FileError]) -> None:
        super().__init__(message)
        self.errors = errors


def build_documents(settings: Settings) -> tuple[list[Document], list[FileError]]:
    """All documents to index plus the files that were skipped, without touching the store."""
    try:
        # Not the lru-cached load_catalog(): ingest must see the files as they are now.
        catalog = Catalog(settings.knowledge_dir)
    except (KnowledgeDataError, OSError) as exc:
        error = FileError(file=str(getattr(exc, "path", settings.knowledge_dir)), reason=str(exc))
        raise IngestError("the source register / catalog could not be loaded", [error]) from exc
    profiles, errors = load_profiles(settings, catalog)
    known = Known(
        source_urls={sid: src.url for sid, src in catalog.sources.items()},
        payers=frozenset(profile.id for profile, _ in profiles),
    )
    payer_docs, payer_errors = payer_documents(profiles, catalog, known)
    corpus = load_corpus(settings, known)
    # Generated payer docs come first so a hand-written doc cannot shadow their ids.
    docs, duplicate_errors = drop_duplicate_ids(payer_docs + corpus.documents)
    return docs, errors + payer_errors + corpus.errors + duplicate_errors


def run_ingest(settings: Settings, rebuild: bool = False, progress: bool | None = None) -> IngestReport:
    """Sync the collection with the knowledge folder (and extra_docs_dir).

    rebuild=True drops the collection first (after the new content was validated)."""
    start = time.perf_counter()
    docs, errors = build_documents(settings)
    chunks = chunk_documents(docs, settings)
    if not chunks:
        raise IngestError("no document could be ingested", errors)

    client = open_client(settings)
    name = collection_name(settings)
    if rebuild and any(c.name == name for c in client.list_collections()):
        client.delete_collection(name)
    collection = open_collection(settings, client)
    result = sync(
        collection,
        chunks,
        keep_paths={e.file for e in errors},
        embeddings=lambda: make_embeddings(settings),
        batch_size=settings.embed_batch_size,
        progress=progress,
    )
    plan = result.plan
    report = IngestReport(
        added=plan.count(DocChange.ADDED),
        updated=plan.count(DocChange.UPDATED),
        removed=plan.count(DocChange.REMOVED),
        unchanged=plan.count(DocChange.UNCHANGED),
        kept=plan.count(DocChange.KEPT),
        total_chunks=result.total_chunks,
        chunks_added=len(plan.add),
        chunks_removed=len(plan.delete),
        seconds=round(time.perf_counter() - start, 2),
        collection=name,
        errors=errors,
        documents=_summaries(docs, chunks, plan.docs),
    )
    info: dict[str, object] = {
        "documents": len(docs),
        "total_chunks": report.total_chunks,
        "skipped_files": len(errors),
    }
    previous = read_manifest(settings)
    changed = rebuild or bool(plan.add or plan.refresh or plan.delete)
    if not changed and previous and previous.get("collection") == name:
        info["built_at"] = previous.get("built_at")  # a no-op run did not rebuild anything
    write_manifest(settings, info)
    return report


def _summaries(docs: list[Document], chunks: list[Chunk], changes: dict[str, DocChange]) -> list[DocSummary]:
    counts: dict[str, int] = {}
    for chunk in chunks:
        counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
    return [
        DocSummary(
            id=d.meta.id,
            title=d.meta.title,
            path=d.path,
            chunks=counts.get(d.meta.id, 0),
            change=changes.get(d.meta.id, DocChange.UNCHANGED),
        )
        for d in docs
    ]
