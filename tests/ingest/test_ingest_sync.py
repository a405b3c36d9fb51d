"""ingest.sync: the diff and the order of writes."""

from __future__ import annotations

from typing import Any

from assistant.store import HashEmbeddings
from ingest.chunk import Chunk
from ingest.sync import DocChange, apply_plan, plan_sync


def chunk(cid: str, doc: str, path: str = "", h: str = "h") -> Chunk:
    return Chunk(
        id=cid, text=f"text {cid}", metadata={"doc_id": doc, "path": path or doc, "content_hash": h}
    )


def stored(*chunks: Chunk) -> dict[str, dict[str, Any]]:
    return {c.id: dict(c.metadata) for c in chunks}


def test_plan_counts_documents_not_chunks():
    a1, a2, b1, c1, d1 = (
        chunk("a1", "a"), chunk("a2", "a"), chunk("b1", "b"), chunk("c1", "c"), chunk("d1", "d"),
    )  # fmt: skip
    b2 = chunk("b2", "b")
    e1 = chunk("e1", "e")
    plan = plan_sync([a1, a2, b2, d1, e1], stored(a1, a2, b1, c1, d1), keep_paths=set())
    assert plan.docs == {
        "a": DocChange.UNCHANGED,
        "b": DocChange.UPDATED,
        "c": DocChange.REMOVED,
        "d": DocChange.UNCHANGED,
        "e": DocChange.ADDED,
    }
    assert [c.id for c in plan.add] == ["b2", "e1"]
    assert sorted(plan.delete) == ["b1", "c1"]
    assert plan.refresh == []


def test_changed_content_hash_is_refreshed_not_re_added():
    old = chunk("a1", "a", h="old")
    new = chunk("a1", "a", h="new")
    plan = plan_sync([new], stored(old), keep_paths=set())
    assert plan.add == [] and plan.delete == []
    assert plan.refresh == [new]
    assert plan.docs == {"a": DocChange.UPDATED}


def test_chunks_of_files_that_failed_to_load_are_kept():
    broken = chunk("x1", "x", path="knowledge/docs/x.md")
    plan = plan_sync([], stored(broken), keep_paths={"knowledge/docs/x.md"})
    assert plan.delete == []
    assert plan.docs == {"x": DocChange.KEPT}


class RecordingCollection:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def add(self, **kwargs: Any) -> None:
        self.calls.append("add")

    def update(self, **kwargs: Any) -> None:
        self.calls.append("update")

    def delete(self, **kwargs: Any) -> None:
        self.calls.append("delete")


def test_writes_go_add_then_refresh_then_delete_in_batches():
    old = [chunk(f"o{i}", "a") for i in range(3)]
    refreshed = chunk("r", "a", h="new")
    new = [chunk(f"n{i}", "a") for i in range(5)]
    plan = plan_sync([*new, refreshed], stored(*old, chunk("r", "a")), keep_paths=set())
    collection = RecordingCollection()
    apply_plan(collection, plan, HashEmbeddings, batch_size=2, progress=False)  # type: ignore[arg-type]
    assert collection.calls == ["add", "add", "add", "update", "delete"]


def test_embedder_is_not_built_when_nothing_is_new():
    a = chunk("a1", "a")
    plan = plan_sync([a], stored(a), keep_paths=set())

    def explode() -> HashEmbeddings:
        raise AssertionError("model loaded for nothing")

    apply_plan(RecordingCollection(), plan, explode, batch_size=8, progress=False)  # type: ignore[arg-type]
