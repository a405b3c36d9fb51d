"""Retrieval quality with the real all-MiniLM-L6-v2 embedder over the shipped corpus."""

from __future__ import annotations

import json

import pytest

from assistant.settings import PROJECT_ROOT, Settings
from assistant.store import open_store
from ingest.pipeline import build_documents

GOLDEN = PROJECT_ROOT / "tests" / "golden" / "retrieval.jsonl"
TOP_K = 5
MIN_HIT_RATE = 0.90


def load_golden() -> list[dict[str, object]]:
    lines = GOLDEN.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_golden_questions_are_labelled_with_existing_docs():
    cases = load_golden()
    docs, _ = build_documents(Settings(knowledge_dir=PROJECT_ROOT / "knowledge"))
    topics = {d.meta.id: d.meta.topic for d in docs}
    assert len(cases) >= 32
    assert len({c["question"] for c in cases}) == len(cases)
    for case in cases:
        assert case["doc_ids"], case
        unknown = set(case["doc_ids"]) - set(topics)  # type: ignore[arg-type]
        assert not unknown, f"{case['question']}: unknown doc ids {unknown}"
    covered = {topics[d] for c in cases for d in c["doc_ids"]}  # type: ignore[attr-defined]
    assert len(covered) >= 12


@pytest.mark.slow
def test_dense_retrieval_puts_a_right_doc_in_the_top_5(minilm_index, capsys):
    store = open_store(minilm_index)
    cases = load_golden()
    misses = []
    for case in cases:
        found = [d.metadata["doc_id"] for d in store.similarity_search(case["question"], k=TOP_K)]
        if not set(found) & set(case["doc_ids"]):  # type: ignore[arg-type]
            misses.append(f"  {case['question']!r}: got {found}, wanted {case['doc_ids']}")
    rate = 1 - len(misses) / len(cases)
    with capsys.disabled():
        print(
            f"\nretrieval quality: {len(cases) - len(misses)}/{len(cases)} = {rate:.1%} "
            f"with the right document in the top {TOP_K} (dense, all-MiniLM-L6-v2)"
        )
        for miss in misses:
            print(miss)
    assert rate >= MIN_HIT_RATE, "\n".join(misses)
