"""Split documents into chunks: by Markdown heading first, then by size for long sections.

Chunk ids are content hashes, so the same text always gets the same id and a re-run of ingest
finds nothing to add.
"""

from __future__ import annotations

import hashlib
import json

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter
from pydantic import BaseModel

from assistant.settings import Settings
from assistant.store import SCHEMA_VERSION
from ingest.load import Document

HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3")]
MIN_BODY = 200  # never split sections into slivers, even with a long title prefix


class Chunk(BaseModel):
    id: str
    text: str
    metadata: dict[str, str]

    @property
    def doc_id(self) -> str:
        return self.metadata["doc_id"]


def chunk_id(doc_id: str, section: str, text: str, occurrence: int = 0) -> str:
    # occurrence only separates identical passages repeated in one section.
    key = "\x1f".join([doc_id, section, text, str(SCHEMA_VERSION)])
    if occurrence:
        key += f"\x1f{occurrence}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def content_hash(text: str, metadata: dict[str, str]) -> str:
    """Hash of text and metadata: differs when only metadata (e.g. 'reviewed') changed, which
    lets sync refresh metadata without re-embedding."""
    payload = json.dumps({"text": text, "meta": metadata}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _section(headers: dict[str, str], title: str) -> str:
    parts = [headers[k] for k in ("h2", "h3") if headers.get(k)]
    return " > ".join(parts) or headers.get("h1") or title


def doc_metadata(doc: Document) -> dict[str, str]:
    meta = doc.meta
    return {
        "doc_id": meta.id,
        "title": meta.title,
        "topic": meta.topic,
        "audience": ",".join(a.value for a in meta.audience),
        "payer": meta.payer or "",
        "source_ids": ",".join(meta.sources),
        "url": doc.url,
        "path": doc.path,
        "effective": meta.effective.isoformat(),
        "reviewed": meta.reviewed.isoformat(),
    }


def chunk_document(doc: Document, settings: Settings) -> list[Chunk]:
    header_splitter = MarkdownHeaderTextSplitter(HEADERS, strip_headers=False)
    base = doc_metadata(doc)
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for part in header_splitter.split_text(doc.text):
        section = _section(part.metadata, doc.meta.title)
        # The splitter joins lines with Markdown hard breaks ("  \n"); plain newlines read better.
        body = part.page_content.replace("  \n", "\n").strip()
        if not body:
            continue
        prefix = doc.meta.title if section == doc.meta.title else f"{doc.meta.title} — {section}"
        size = max(settings.chunk_size - len(prefix) - 2, MIN_BODY)
        splitter = RecursiveCharacterTextSplitter(chunk_size=size, chunk_overlap=min(settings.chunk_overlap, size // 4))
        for piece in splitter.split_text(body):
            text = f"{prefix}\n\n{piece}"
            metadata = {**base, "section": section}
            metadata["content_hash"] = content_hash(text, metadata)
            n = seen.get(text, 0)
            seen[text] = n + 1
            cid = chunk_id(doc.meta.id, section, text, n)
            chunks.append(Chunk(id=cid, text=text, metadata=metadata))
    return chunks


def chunk_documents(docs: list[Document], settings: Settings) -> list[Chunk]:
    return [chunk for doc in docs for chunk in chunk_document(doc, settings)]
