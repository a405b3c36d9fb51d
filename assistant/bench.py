"""Speed benchmark (make bench): warm answer latency on this machine, not a timed test."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from typing import Annotated

import typer

CODING = [
    "Bilateral L4-L5 and L5-S1 facet injections with fluoroscopy for Medicare",
    "Left C5-C6 and C6-C7 facet joint injections under fluoroscopy, Medicare",
    "We billed 64490-50 and 64491 x2 for Medicare. Is that correct?",
    "Can 64491 be billed on its own?",
    "Right C3-4 through C6-7 under CT for Aetna, diagnostic",
]
KNOWLEDGE = [
    "What documentation does Medicare need for facet joint injections?",
    "What is the difference between 64490 and 64493?",
    "How often can Medicare patients get facet injections?",
    "What ICD-10 codes support medical necessity for facet injections?",
    "Is sedation covered for facet injections?",
    "What did the OIG find about facet injections?",
    "What does Cigna pay for 64491?",
]

app = typer.Typer(add_completion=False)


def _times(fn: Callable[[str], object], questions: list[str], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        for q in questions:
            start = time.perf_counter()
            fn(q)
            out.append((time.perf_counter() - start) * 1000)
    return out


def _summary(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    return {
        "n": len(ms),
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 2),
        "max_ms": round(ordered[-1], 2),
    }


@app.command()
def main(rounds: Annotated[int, typer.Option(help="Repeats of each question set.")] = 20) -> None:
    from assistant.service import build_assistant
    from assistant.settings import Settings
    from assistant.store import index_exists

    settings = Settings(audit_enabled=False)
    if not index_exists(settings):
        typer.echo("No index: run `make ingest` first.", err=True)
        raise typer.Exit(1)
    t0 = time.perf_counter()
    assistant = build_assistant(settings)
    assistant.ask(KNOWLEDGE[0])  # load the model and warm caches once
    load_s = time.perf_counter() - t0
    embed = assistant.retriever.store.embeddings  # type: ignore[union-attr]

    def fresh(q: str) -> str:
        # Defeat the query-embedding cache so knowledge timings include a real embedding.
        return f"{q} ({time.perf_counter_ns()})"

    results = {
        "startup_and_first_answer_s": round(load_s, 2),
        "coding": _summary(_times(lambda q: assistant.ask(q), CODING, rounds)),
        "knowledge_uncached": _summary(_times(lambda q: assistant.ask(fresh(q)), KNOWLEDGE, rounds)),
        "knowledge_cached_query": _summary(_times(lambda q: assistant.ask(q), KNOWLEDGE, rounds)),
        "query_embedding_only": _summary(_times(lambda q: embed.embed_query(fresh(q)), KNOWLEDGE, rounds)),
        "chunks": len(assistant.retriever.chunks),
    }
    typer.echo(json.dumps(results, indent=2))


if __name__ == "__main__":
    app()
