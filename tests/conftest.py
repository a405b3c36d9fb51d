"""Shared test setup: every test reads settings from its own arguments, not the shell."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT, Settings


@pytest.fixture(autouse=True)
def _isolate_facet_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's FACET_* variables (data dir, Chroma host...) must not leak into tests.
    for name in list(os.environ):
        if name.startswith("FACET_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def minilm_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The shipped corpus indexed once per session with the real model, in a temp dir."""
    with pytest.MonkeyPatch.context() as mp:  # the session starts before per-test isolation
        for name in list(os.environ):
            if name.startswith("FACET_"):
                mp.delenv(name)
        settings = Settings(
            knowledge_dir=PROJECT_ROOT / "knowledge",
            data_dir=Path(tmp_path_factory.mktemp("minilm-index")),
            embedder="minilm",
        )
    from ingest.pipeline import run_ingest  # heavy: only for the tests that use the real index

    report = run_ingest(settings, progress=False)
    assert report.errors == []
    return settings
