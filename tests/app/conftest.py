"""Fixtures for the Streamlit app tests: a private data dir and an AppTest of app.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_support import APP, RUN_TIMEOUT
from streamlit.testing.v1 import AppTest

from assistant.audit import AuditLog
from assistant.settings import Settings


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _isolate_facet_env: None) -> Path:
    """FACET_DATA_DIR in tmp: no index (retrieval finds nothing), so no embedding model loads."""
    folder = tmp_path / "data"
    monkeypatch.setenv("FACET_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def app(data_dir: Path) -> AppTest:
    """The app as a user first sees it (the chat page)."""
    return AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT).run()


@pytest.fixture
def audit(data_dir: Path) -> AuditLog:
    """The same SQLite file the app writes answers and feedback to."""
    return AuditLog(Settings().audit_db)
