"""Shared test setup: every test reads settings from its own arguments, not the shell."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _isolate_facet_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's FACET_* variables (data dir, Chroma host...) must not leak into tests.
    for name in list(os.environ):
        if name.startswith("FACET_"):
            monkeypatch.delenv(name)
