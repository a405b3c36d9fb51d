"""Load YAML data files from knowledge/ and turn validation errors into file/field/reason."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from guardrails.errors import KnowledgeDataError

DEFAULT_KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge"

ModelT = TypeVar("ModelT", bound=BaseModel)


def read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeDataError(str(path), "(file)", f"cannot be read: {exc}") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise KnowledgeDataError(str(path), "(file)", f"is not valid YAML{where}: {problem}") from exc


def validate(model: type[ModelT], data: Any, path: Path) -> ModelT:
    """Validate the whole file or raise for the first problem; never half-applied."""
    if not isinstance(data, dict):
        raise KnowledgeDataError(str(path), "(file)", "must be a YAML mapping")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(file)"
        raise KnowledgeDataError(str(path), field, first["msg"]) from exc


def digest(paths: list[Path]) -> str:
    """Short content hash of data files: the knowledge version a decision was made with."""
    sha = hashlib.sha256()
    for path in sorted(paths):
        sha.update(path.name.encode())
        sha.update(path.read_bytes())
    return sha.hexdigest()[:12]
