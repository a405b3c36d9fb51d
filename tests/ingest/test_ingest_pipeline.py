"""run_ingest and the CLI: idempotent, incremental, and safe with bad files."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
from typer.testing import CliRunner

from assistant.store import open_collection, open_store, read_all_chunks
from ingest.__main__ import app
from ingest.pipeline import IngestError, run_ingest


def ids_by_doc(settings) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for row in read_all_chunks(settings):
        out[row["metadata"]["doc_id"]].add(row["id"])
    return dict(out)


def test_first_ingest_adds_every_document(settings):
    report = run_ingest(settings)
    assert report.errors == []
    assert report.added == len(report.documents) >= 21
    assert report.updated == report.removed == report.unchanged == 0
    assert report.total_chunks == report.chunks_added == len(read_all_chunks(settings))
    assert {d.id for d in report.documents} == set(ids_by_doc(settings))


def test_reingest_of_unchanged_corpus_adds_nothing_and_is_faster(settings, counting):
    first = run_ingest(settings)
    embedded_first = len(counting.texts)
    second = run_ingest(settings)
    assert embedded_first == first.total_chunks
    assert len(counting.texts) == embedded_first  # nothing embedded the second time
    assert (second.added, second.updated, second.removed) == (0, 0, 0)
    assert second.unchanged == first.added
    assert second.total_chunks == first.total_chunks
    assert second.seconds < first.seconds


def test_editing_a_doc_replaces_only_its_changed_chunks(settings, knowledge, counting):
    run_ingest(settings)
    before = ids_by_doc(settings)
    levels = knowledge / "docs" / "levels.md"
    text = levels.read_text(encoding="utf-8")
    assert "## C2-C3 and the third occipital nerve" in text
    levels.write_text(
        text.replace(
            "## C2-C3 and the third occipital nerve\n",
            "## C2-C3 and the third occipital nerve\n\nEdited sentence about C2-C3.\n",
        ),
        encoding="utf-8",
    )
    counting.texts.clear()
    report = run_ingest(settings)
    after = ids_by_doc(settings)
    assert (report.added, report.updated, report.removed) == (0, 1, 0)
    assert report.unchanged == len(before) - 1
    assert {k: v for k, v in after.items() if k != "levels"} == {
        k: v for k, v in before.items() if k != "levels"
    }
    assert len(before["levels"] - after["levels"]) >= 1  # the edited chunk went
    assert len(before["levels"] & after["levels"]) >= 1  # untouched sections kept their ids
    assert len(counting.texts) == len(after["levels"] - before["levels"])
    assert any("Edited sentence about C2-C3." in t for t in counting.texts)


def test_deleting_a_doc_removes_its_chunks(settings, knowledge):
    first = run_ingest(settings)
    (knowledge / "docs" / "imaging.md").unlink()
    report = run_ingest(settings)
    assert (report.added, report.updated, report.removed) == (0, 0, 1)
    assert "imaging" not in ids_by_doc(settings)
    assert report.total_chunks < first.total_chunks


def test_metadata_only_change_updates_without_embedding(settings, knowledge, counting):
    run_ingest(settings)
    doc = knowledge / "docs" / "modifiers.md"
    doc.write_text(
        doc.read_text(encoding="utf-8").replace(
            "audience: [coder]", "audience: [coder, front_desk]"
        ),
        encoding="utf-8",
    )
    counting.texts.clear()
    report = run_ingest(settings)
    assert report.updated == 1 and report.chunks_added == 0
    assert counting.texts == []
    rows = [r for r in read_all_chunks(settings) if r["metadata"]["doc_id"] == "modifiers"]
    assert rows and all(r["metadata"]["audience"] == "coder,front_desk" for r in rows)


def test_bad_files_are_reported_while_others_ingest_and_old_content_stays(
    make_settings, knowledge, tmp_path, write_pdf
):
    extra = tmp_path / "extra"
    extra.mkdir()
    settings = make_settings(extra_docs_dir=extra)
    run_ingest(settings)
    before = ids_by_doc(settings)

    docs = knowledge / "docs"
    levels = docs / "levels.md"
    levels.write_text(levels.read_text(encoding="utf-8").replace("---\n", "--\n", 1), "utf-8")
    (docs / "empty.md").write_text("", encoding="utf-8")
    unknown = (docs / "regions.md").read_text(encoding="utf-8")
    (docs / "new-doc.md").write_text(
        unknown.replace("id: regions", "id: new-doc").replace("sources: [", "sources: [S999, "),
        encoding="utf-8",
    )
    (extra / "corrupt.pdf").write_bytes(b"%PDF-1.5\n1 0 obj broken")
    write_pdf(extra / "payer-letter.pdf", ["Zebra policy letter from the plan."])

    report = run_ingest(settings)
    reasons = {e.file.rsplit("/", 1)[-1]: e.reason for e in report.errors}
    assert set(reasons) == {"levels.md", "empty.md", "new-doc.md", "corrupt.pdf"}
    assert "front matter" in reasons["levels.md"]
    assert "empty" in reasons["empty.md"]
    assert "S999" in reasons["new-doc.md"]
    assert "PDF" in reasons["corrupt.pdf"]
    assert report.added == 1  # the good PDF
    assert report.kept == 1 and report.removed == 0

    after = ids_by_doc(settings)
    assert after["levels"] == before["levels"]  # broken file: previous chunks still served
    assert "payer-letter-pdf" in after
    hits = open_store(settings).similarity_search("What counts as a level: joints", k=50)
    assert any(h.metadata["doc_id"] == "levels" for h in hits)


def test_nothing_ingestable_raises_and_leaves_store_untouched(settings, knowledge):
    first = run_ingest(settings)
    for path in [*knowledge.glob("docs/*.md"), *knowledge.glob("payers/*.yaml")]:
        path.write_text("", encoding="utf-8")
    with pytest.raises(IngestError) as info:
        run_ingest(settings)
    assert len(info.value.errors) >= 21
    assert len(read_all_chunks(settings)) == first.total_chunks


def test_broken_source_register_stops_before_touching_the_store(settings, knowledge):
    first = run_ingest(settings)
    (knowledge / "sources.yaml").write_text("sources: [", encoding="utf-8")
    with pytest.raises(IngestError) as info:
        run_ingest(settings)
    assert "sources.yaml" in info.value.errors[0].file
    assert len(read_all_chunks(settings)) == first.total_chunks


def test_rebuild_starts_from_an_empty_collection(settings):
    first = run_ingest(settings)
    report = run_ingest(settings, rebuild=True)
    assert report.added == first.added and report.unchanged == 0
    assert report.total_chunks == first.total_chunks


def test_interrupted_sync_keeps_old_content_and_next_run_heals(settings, knowledge, monkeypatch):
    run_ingest(settings)
    before = ids_by_doc(settings)
    doc = knowledge / "docs" / "units-and-mue.md"
    doc.write_text(doc.read_text(encoding="utf-8").replace("MUE", "MUE (edited)"), "utf-8")

    from chromadb.api.models.Collection import Collection

    def crash(self, *args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(Collection, "delete", crash)
    with pytest.raises(RuntimeError):
        run_ingest(settings)
    mid = ids_by_doc(settings)
    assert before["units-and-mue"] <= mid["units-and-mue"]  # old chunks still there
    assert len(mid["units-and-mue"]) > len(before["units-and-mue"])  # new ones written first

    monkeypatch.undo()
    report = run_ingest(settings)
    assert report.updated == 1 and report.chunks_added == 0 and report.chunks_removed > 0
    final = ids_by_doc(settings)
    assert final["units-and-mue"].isdisjoint(before["units-and-mue"] - mid["units-and-mue"])
    assert open_collection(settings).count() == report.total_chunks


def test_cli_json_output_and_exit_codes(settings, knowledge, monkeypatch):
    monkeypatch.setenv("FACET_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("FACET_KNOWLEDGE_DIR", str(knowledge))
    monkeypatch.setenv("FACET_EMBEDDER", "fake")
    runner = CliRunner()
    result = runner.invoke(app, ["--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {
        "added", "updated", "removed", "unchanged", "total_chunks", "seconds", "errors",
    }  # fmt: skip
    assert data["added"] >= 21 and data["errors"] == []

    (knowledge / "docs" / "empty.md").write_text("", encoding="utf-8")
    result = runner.invoke(app, ["--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["unchanged"] == data["added"]
    assert "empty.md" in result.stderr

    result = runner.invoke(app, [])
    assert result.exit_code == 0 and "unchanged" in result.stdout

    (knowledge / "docs" / "imaging.md").unlink()
    result = runner.invoke(app, ["--if-missing", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["skipped"] is True
    result = runner.invoke(app, ["--json"])
    assert json.loads(result.stdout)["removed"] == 1

    for path in [*knowledge.glob("docs/*.md"), *knowledge.glob("payers/*.yaml")]:
        path.unlink()
    result = runner.invoke(app, ["--json"])
    assert result.exit_code == 1
    assert "Ingest failed" in result.stderr


def test_cli_if_missing_builds_only_when_there_is_no_index(settings, knowledge, monkeypatch):
    monkeypatch.setenv("FACET_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("FACET_KNOWLEDGE_DIR", str(knowledge))
    monkeypatch.setenv("FACET_EMBEDDER", "fake")
    runner = CliRunner()
    first = runner.invoke(app, ["--if-missing", "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["added"] >= 21
    again = runner.invoke(app, ["--if-missing"])
    assert again.exit_code == 0 and "already exists" in again.stderr
