"""Version stamps: which rules and knowledge data a result was computed with."""

from __future__ import annotations

from functools import lru_cache

from guardrails.catalog import Catalog
from guardrails.data import digest

ENGINE_VERSION = "1.0.0"


@lru_cache(maxsize=8)
def _knowledge_digest(catalog: Catalog) -> str:
    paths = [*catalog.data_paths, *sorted((catalog.dir / "payers").glob("*.yaml"))]
    return digest(paths)


def versions(catalog: Catalog) -> dict[str, str]:
    return {
        "engine": ENGINE_VERSION,
        "rules": catalog.rules_version,
        "knowledge": _knowledge_digest(catalog),
    }
