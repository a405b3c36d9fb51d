"""assistant.store: names, embedders, client, and reading the index back."""

from __future__ import annotations

import math
import re
import subprocess
import sys
import time

import pytest

from assistant.settings import PROJECT_ROOT, Settings
from assistant.store import (
    SCHEMA_VERSION,
    HashEmbeddings,
    collection_name,
    embedding_model_id,
    index_exists,
    make_embeddings,
    open_collection,
    open_store,
    read_all_chunks,
    read_manifest,
)
from ingest.pipeline import run_ingest

CHROMA_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,510}[a-zA-Z0-9]$")


def test_collection_name_carries_model_and_schema_version(tmp_path):
    real = Settings(data_dir=tmp_path, embedder="minilm")
    fake = Settings(data_dir=tmp_path, embedder="fake", collection_prefix="clinic")
    assert collection_name(real) == f"facet-all-minilm-l6-v2-v{SCHEMA_VERSION}"
    assert collection_name(fake) == f"clinic-fake-hash-v{SCHEMA_VERSION}"
    assert embedding_model_id(real) == "all-MiniLM-L6-v2"
    assert embedding_model_id(fake) == "fake-hash"
    for s in (real, fake):
        assert CHROMA_NAME.match(collection_name(s))


def test_collection_name_changes_with_schema_version(tmp_path, monkeypatch):
    settings = Settings(data_dir=tmp_path, embedder="fake")
    before = collection_name(settings)
    monkeypatch.setattr("assistant.store.SCHEMA_VERSION", SCHEMA_VERSION + 1)
    assert collection_name(settings) != before
    assert collection_name(settings).endswith(f"-v{SCHEMA_VERSION + 1}")


def test_unusable_collection_prefix_is_refused(tmp_path):
    with pytest.raises(ValueError):
        collection_name(Settings(data_dir=tmp_path, collection_prefix="!!!"))


def test_fake_embeddings_are_deterministic_unit_vectors_that_overlap_for_similar_texts():
    emb = HashEmbeddings()
    a = emb.embed_query("bilateral L4-L5 facet injection modifier 50")
    assert a == HashEmbeddings().embed_query("bilateral L4-L5 facet injection modifier 50")
    assert len(a) == 384
    assert math.isclose(sum(v * v for v in a), 1.0, rel_tol=1e-9)
    similar = emb.embed_query("facet injection at L4-L5 with modifier 50")
    unrelated = emb.embed_query("what is the capital of france")

    def cos(x: list[float], y: list[float]) -> float:
        return sum(p * q for p, q in zip(x, y, strict=True))

    assert cos(a, similar) > cos(a, unrelated) + 0.3
    assert emb.embed_documents(["", ""])[0] == emb.embed_query("")  # no zero vector


def test_make_embeddings_fake_needs_no_model(tmp_path):
    assert isinstance(make_embeddings(Settings(data_dir=tmp_path, embedder="fake")), HashEmbeddings)


def test_importing_store_and_ingest_modules_loads_no_heavy_library():
    code = (
        "import sys, assistant.store, ingest.load, ingest.payer_docs, ingest.sync;"
        "heavy = [m for m in ('chromadb', 'torch', 'sentence_transformers', 'langchain_chroma',"
        " 'langchain_huggingface') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


def test_index_exists_only_after_ingest(settings):
    assert not index_exists(settings)
    assert read_all_chunks(settings) == []
    report = run_ingest(settings)
    assert index_exists(settings)
    rows = read_all_chunks(settings)
    assert len(rows) == report.total_chunks > 0
    assert len({r["id"] for r in rows}) == len(rows)
    for row in rows:
        assert row["text"] and row["metadata"]["doc_id"]


def test_collection_uses_cosine_and_no_chroma_embedding_function(settings, monkeypatch):
    from chromadb.utils import embedding_functions

    def refuse(*_args, **_kwargs):
        raise AssertionError("Chroma's default embedding function was used")

    monkeypatch.setattr(embedding_functions.DefaultEmbeddingFunction, "__call__", refuse)
    run_ingest(settings)
    collection = open_collection(settings)
    assert collection.metadata["hnsw:space"] == "cosine"
    assert collection.configuration.get("embedding_function") is None
    hits = open_store(settings).similarity_search("modifier 50 bilateral", k=3)
    assert len(hits) == 3


def test_open_store_finds_a_chunk_by_its_own_text(settings):
    run_ingest(settings)
    rows = read_all_chunks(settings)
    target = next(r for r in rows if r["metadata"]["doc_id"] == "payer-cigna")
    hit = open_store(settings).similarity_search(target["text"], k=1)[0]
    assert hit.page_content == target["text"]
    assert hit.metadata["doc_id"] == "payer-cigna"


def test_manifest_records_build(settings):
    assert read_manifest(settings) is None
    report = run_ingest(settings)
    manifest = read_manifest(settings)
    assert manifest is not None
    assert manifest["total_chunks"] == report.total_chunks
    assert manifest["embedding_model"] == "fake-hash"
    assert manifest["schema_version"] == SCHEMA_VERSION
    assert manifest["collection"] == collection_name(settings)
    assert manifest["built_at"] == manifest["checked_at"]

    time.sleep(1.1)  # the manifest has one-second resolution
    run_ingest(settings)
    unchanged = read_manifest(settings)
    assert unchanged is not None
    assert unchanged["built_at"] == manifest["built_at"]  # nothing was rebuilt
    assert unchanged["checked_at"] > manifest["checked_at"]
