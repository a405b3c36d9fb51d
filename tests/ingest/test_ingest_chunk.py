"""ingest.chunk: heading-aware chunks with stable content-hash ids."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.settings import Settings
from ingest.chunk import chunk_document, chunk_id
from ingest.load import Audience, DocMeta, Document

METADATA_KEYS = {
    "doc_id", "title", "section", "topic", "audience", "payer", "source_ids", "url", "path",
    "effective", "reviewed", "content_hash",
}  # fmt: skip


def make_doc(text: str, **meta: object) -> Document:
    values: dict[str, object] = {
        "id": "demo",
        "title": "Demo title",
        "topic": "levels",
        "audience": [Audience.CODER, Audience.ONBOARDING],
        "payer": None,
        "sources": ["S1", "S2"],
        "effective": date(2026, 1, 1),
        "reviewed": date(2026, 11, 28),
    }
    values.update(meta)
    return Document(
        meta=DocMeta.model_construct(**values), text=text, path="knowledge/docs/demo.md", url="u"
    )


TEXT = """# Demo

Intro paragraph.

## First section

Alpha text about 64490.

## Second section

### Detail

Beta text about 64493.
"""


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path, chunk_size=400, chunk_overlap=40)


def test_chunks_follow_headings_and_carry_title_and_section(settings):
    chunks = chunk_document(make_doc(TEXT), settings)
    sections = [c.metadata["section"] for c in chunks]
    assert sections == ["Demo", "First section", "Second section > Detail"]
    first = chunks[1]
    assert first.text.startswith("Demo title — First section\n\n")
    assert "## First section" in first.text  # headers are kept in the text
    assert "Alpha text about 64490." in first.text
    assert "Beta" not in first.text


def test_chunk_metadata_is_complete_and_flat(settings):
    chunk = chunk_document(make_doc(TEXT, payer="cigna"), settings)[0]
    assert set(chunk.metadata) == METADATA_KEYS
    assert all(isinstance(v, str) for v in chunk.metadata.values())
    assert chunk.metadata["audience"] == "coder,onboarding"
    assert chunk.metadata["source_ids"] == "S1,S2"
    assert chunk.metadata["payer"] == "cigna"
    assert chunk.metadata["effective"] == "2026-01-01"


def test_long_sections_are_split_within_the_size_limit(settings):
    para = " ".join(f"Sentence {i} about facet joint levels and modifiers." for i in range(120))
    chunks = chunk_document(make_doc(f"# Demo\n\n## Long one\n\n{para}\n"), settings)
    assert len(chunks) > 5
    for chunk in chunks:
        assert len(chunk.text) <= settings.chunk_size
        assert chunk.text.startswith("Demo title — Long one\n\n")
    assert len({c.id for c in chunks}) == len(chunks)


def test_chunk_ids_are_stable_and_depend_on_content(settings):
    a = [c.id for c in chunk_document(make_doc(TEXT), settings)]
    assert a == [c.id for c in chunk_document(make_doc(TEXT), settings)]
    edited = [c.id for c in chunk_document(make_doc(TEXT.replace("Alpha", "Gamma")), settings)]
    assert edited[0] == a[0] and edited[2] == a[2]
    assert edited[1] != a[1]


def test_metadata_change_keeps_ids_but_changes_content_hash(settings):
    old = chunk_document(make_doc(TEXT), settings)
    new = chunk_document(make_doc(TEXT, reviewed=date(2027, 1, 1)), settings)
    assert [c.id for c in old] == [c.id for c in new]
    assert all(
        o.metadata["content_hash"] != n.metadata["content_hash"]
        for o, n in zip(old, new, strict=True)
    )


def test_chunk_id_includes_schema_version(monkeypatch):
    before = chunk_id("demo", "s", "text")
    monkeypatch.setattr("ingest.chunk.SCHEMA_VERSION", 999)
    assert chunk_id("demo", "s", "text") != before
    assert len(before) == 32


def test_repeated_identical_passages_get_distinct_ids(settings):
    repeated = "Repeat me. " * 30
    filler = "Something else entirely. " * 13
    text = f"## Same\n\n{filler}\n\n{repeated}\n\n{repeated}\n"
    chunks = chunk_document(make_doc(text), settings)
    assert len(chunks) == 3
    assert chunks[1].text == chunks[2].text
    assert len({c.id for c in chunks}) == 3
