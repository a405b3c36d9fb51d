"""ingest.load: front matter validation and user documents (PDF, HTML, text)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT, Settings
from guardrails.catalog import load_catalog
from ingest.load import (
    USER_TOPIC,
    DocumentError,
    Known,
    load_corpus,
    load_markdown,
    load_user_file,
    split_front_matter,
)
from ingest.pipeline import build_documents

KNOWN = Known(
    source_urls={"S1": "https://example.org/s1", "S56": "", "S2": "https://example.org/s2"},
    payers=frozenset({"medicare", "cigna"}),
)

VALID = """---
id: sample-doc
title: "A sample document"
topic: levels
audience: [coder, front_desk]
payer: null
sources: [S56, S1]
effective: 2026-01-01
reviewed: 2026-11-28
---

# Sample

## Section one

Some text about 64491.
"""

EXPECTED_DOC_IDS = {
    "code-family", "related-codes", "levels", "regions", "pairing-and-sequencing",
    "units-and-mue", "modifiers", "bilateral-reporting", "imaging", "medicare-coverage",
    "documentation-checklist", "reimbursement", "denials-and-audits", "faq-front-desk",
    "billing-guide-corrections", "worked-examples", "payer-medicare", "payer-aetna",
    "payer-cigna", "payer-uhc", "payer-bcbs",
}  # fmt: skip


def write(tmp_path: Path, text: str, name: str = "doc.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_front_matter_is_loaded(tmp_path):
    doc = load_markdown(write(tmp_path, VALID), "docs/doc.md", KNOWN)
    assert doc.meta.id == "sample-doc"
    assert [a.value for a in doc.meta.audience] == ["coder", "front_desk"]
    assert doc.meta.payer is None
    assert doc.meta.effective.isoformat() == "2026-01-01"
    assert doc.url == "https://example.org/s1"  # S56 has no url, the next source is used
    assert doc.text.startswith("# Sample")
    assert "id: sample-doc" not in doc.text


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("id: sample-doc", "id: Sample_Doc", "id"),
        ("sources: [S56, S1]", "sources: [S1, S99]", "unknown source ids ['S99']"),
        ("sources: [S56, S1]", "sources: []", "sources"),
        ("payer: null", "payer: humana", "unknown payer 'humana'"),
        ("audience: [coder, front_desk]", "audience: [billing]", "audience"),
        ("audience: [coder, front_desk]", "audience: []", "audience"),
        ("effective: 2026-01-01", "effective: soon", "effective"),
        ('title: "A sample document"\n', "", "title"),
        ("topic: levels", "topic: levels\ncolour: blue", "colour"),
        ("topic: levels", "topic: [levels", "not valid YAML"),
    ],
)
def test_broken_front_matter_is_refused_with_the_reason(tmp_path, old, new, reason):
    text = VALID.replace(old, new)
    assert text != VALID
    with pytest.raises(DocumentError) as info:
        load_markdown(write(tmp_path, text), "docs/doc.md", KNOWN)
    assert reason in str(info.value)


def test_known_payer_is_accepted(tmp_path):
    doc = load_markdown(write(tmp_path, VALID.replace("payer: null", "payer: cigna")), "k", KNOWN)
    assert doc.meta.payer == "cigna"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   \n\n", "empty"),
        ("# No front matter\n\ntext", "missing YAML front matter"),
        ("---\n- a\n- b\n---\ntext", "mapping"),
        (VALID.split("# Sample")[0], "no text after the front matter"),
    ],
)
def test_unusable_markdown_files_are_refused(tmp_path, text, reason):
    with pytest.raises(DocumentError) as info:
        load_markdown(write(tmp_path, text), "k", KNOWN)
    assert reason in str(info.value)


def test_split_front_matter_keeps_body_dashes():
    data, body = split_front_matter("---\nid: x\n---\nbody\n---\nmore\n")
    assert data == {"id": "x"}
    assert body == "body\n---\nmore\n"


def test_pdf_user_document_gets_metadata_from_the_file(tmp_path, write_pdf):
    path = write_pdf(tmp_path / "Aetna Facet Policy.pdf", ["Aetna covers three levels."], "CPB 16")
    doc = load_user_file(path, KNOWN)
    assert doc.meta.id == "aetna-facet-policy-pdf"
    assert doc.meta.title == "CPB 16"
    assert doc.meta.topic == USER_TOPIC
    assert doc.meta.sources == []
    assert doc.url == str(path.resolve())
    assert "Aetna covers three levels." in doc.text
    assert "## Page 1" in doc.text


def test_pdf_without_title_uses_file_name(tmp_path, write_pdf):
    doc = load_user_file(write_pdf(tmp_path / "uhc-policy.pdf", ["Some policy text"]), KNOWN)
    assert doc.meta.title == "uhc-policy"


def test_html_user_document_drops_script_and_style(tmp_path):
    html = """<html><head><title>Tab title</title><style>.x{color:red}</style></head>
    <body><script>var secret = 1;</script><h1>BCBS facet policy</h1>
    <h2>Levels</h2><p>At most three levels per session.</p></body></html>"""
    doc = load_user_file(write(tmp_path, html, "bcbs.html"), KNOWN)
    assert doc.meta.title == "BCBS facet policy"
    assert "At most three levels per session." in doc.text
    assert "## Levels" in doc.text
    assert "secret" not in doc.text and "color:red" not in doc.text


def test_text_and_plain_markdown_user_documents(tmp_path):
    txt = load_user_file(write(tmp_path, "Clinic notes\n\nCall the payer first.", "n.txt"), KNOWN)
    assert txt.meta.title == "Clinic notes"
    md = load_user_file(write(tmp_path, "# My cheat sheet\n\n64491 needs 64490.", "c.md"), KNOWN)
    assert md.meta.title == "My cheat sheet" and md.meta.id == "c-md"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("broken.pdf", b"%PDF-1.4\nthis is not really a pdf", "PDF"),
        ("empty.pdf", b"", "PDF"),
        ("empty.txt", b"", "empty"),
        ("binary.txt", b"\x00\x01\x02abc", "binary"),
        ("notes.docx", b"PK\x03\x04", "unsupported file type '.docx'"),
    ],
)
def test_unreadable_user_files_are_refused(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError) as info:
        load_user_file(path, KNOWN)
    assert reason in str(info.value)


def test_load_corpus_reports_bad_files_and_keeps_the_rest(tmp_path, write_pdf):
    knowledge = tmp_path / "knowledge"
    (knowledge / "docs").mkdir(parents=True)
    (knowledge / "docs" / "good.md").write_text(VALID, encoding="utf-8")
    (knowledge / "docs" / "bad.md").write_text(VALID.replace("S1]", "S77]"), encoding="utf-8")
    extra = tmp_path / "extra"
    extra.mkdir()
    write_pdf(extra / "policy.pdf", ["Readable policy"])
    (extra / "corrupt.pdf").write_bytes(b"%PDF-1.7 garbage")
    (extra / ".hidden.txt").write_text("ignored", encoding="utf-8")
    settings = Settings(knowledge_dir=knowledge, extra_docs_dir=extra, data_dir=tmp_path)
    result = load_corpus(settings, KNOWN)
    assert sorted(d.meta.id for d in result.documents) == ["policy-pdf", "sample-doc"]
    reasons = {Path(e.file).name: e.reason for e in result.errors}
    assert set(reasons) == {"bad.md", "corrupt.pdf"}
    assert "S77" in reasons["bad.md"]
    assert "PDF" in reasons["corrupt.pdf"]


def test_missing_extra_docs_folder_is_reported(tmp_path):
    knowledge = tmp_path / "knowledge"
    (knowledge / "docs").mkdir(parents=True)
    settings = Settings(knowledge_dir=knowledge, extra_docs_dir=tmp_path / "nope")
    result = load_corpus(settings, KNOWN)
    assert [e.reason for e in result.errors] == ["folder not found"]


def test_shipped_corpus_is_valid_and_complete():
    """Every shipped document and payer profile loads; ids are unique; all topics present."""
    settings = Settings(knowledge_dir=PROJECT_ROOT / "knowledge")
    docs, errors = build_documents(settings)
    assert errors == []
    ids = [d.meta.id for d in docs]
    assert len(ids) == len(set(ids))
    assert set(ids) >= EXPECTED_DOC_IDS, sorted(EXPECTED_DOC_IDS - set(ids))
    catalog = load_catalog(settings.knowledge_dir)
    for doc in docs:
        assert set(doc.meta.sources) <= set(catalog.sources)
