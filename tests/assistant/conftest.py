"""Fixtures for the assistant tests.

One small real index (Chroma + the offline hash embedder) is built once per session from a
private copy of knowledge/ and shared by every test that only asks questions. Tests that need
their own data (a poisoned document, an audit database, a scripted chat model) build their
own instance with the helpers below.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.service import Assistant, build_assistant
from assistant.settings import PROJECT_ROOT, Settings
from ingest.pipeline import run_ingest


@pytest.fixture(scope="session")
def knowledge_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A snapshot of knowledge/ so edits elsewhere in the tree cannot change a running session."""
    target = tmp_path_factory.mktemp("knowledge") / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", target)
    return target


@pytest.fixture(scope="session")
def make_settings(
    tmp_path_factory: pytest.TempPathFactory, knowledge_copy: Path
) -> Callable[..., Settings]:
    """Settings for an isolated instance: its own data dir, fake embedder, audit off."""

    def factory(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": tmp_path_factory.mktemp("data"),
            "knowledge_dir": knowledge_copy,
            "embedder": "fake",
            "audit_enabled": False,
        }
        values.update(overrides)
        return Settings(**values)

    return factory


@pytest.fixture(scope="session")
def shared_settings(make_settings: Callable[..., Settings]) -> Iterator[Settings]:
    settings = make_settings()
    report = run_ingest(settings)
    assert report.total_chunks > 0, report.errors
    yield settings
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


@pytest.fixture(scope="session")
def assistant(shared_settings: Settings) -> Assistant:
    """The shared assistant (no chat model, no audit log): ask it questions, never mutate it."""
    built = build_assistant(shared_settings)
    assert built.chat_model is None and built.audit is None
    assert built.retriever.chunks, "the session index should hold chunks"
    return built
