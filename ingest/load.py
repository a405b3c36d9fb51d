"""Read documents: curated Markdown with front matter, and user files (PDF, HTML, text).

A file that cannot be read or validated becomes a FileError (file + reason) and is skipped;
one bad file never stops the others.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from assistant.settings import Settings
from ingest.readers import (
    DocumentError,
    first_heading,
    first_line,
    read_html,
    read_pdf,
    read_text,
)

KEBAB = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
USER_TOPIC = "user-document"
USER_SUFFIXES = (".md", ".markdown", ".txt", ".pdf", ".html", ".htm")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


class Audience(StrEnum):
    CODER = "coder"
    FRONT_DESK = "front_desk"
    ONBOARDING = "onboarding"


@dataclass(frozen=True)
class Known:
    """What front matter may refer to: source ids (with their urls) and payer ids."""

    source_urls: dict[str, str] = field(default_factory=dict)
    payers: frozenset[str] = frozenset()


class DocMeta(BaseModel):
    """Front matter of a curated document. Validated with context={"known": Known}."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(pattern=KEBAB)
    title: str = Field(min_length=1)
    topic: str = Field(pattern=KEBAB)
    audience: list[Audience] = Field(min_length=1)
    payer: str | None = None
    sources: list[str] = Field(min_length=1)
    effective: date
    reviewed: date

    @field_validator("sources")
    @classmethod
    def _sources_known(cls, value: list[str], info: ValidationInfo) -> list[str]:
        known = _known(info)
        unknown = [s for s in value if s not in known.source_urls]
        if unknown:
            raise ValueError(f"unknown source ids {unknown}")
        return value

    @field_validator("payer")
    @classmethod
    def _payer_known(cls, value: str | None, info: ValidationInfo) -> str | None:
        known = _known(info)
        if value is not None and value not in known.payers:
            raise ValueError(f"unknown payer {value!r}; known: {sorted(known.payers)}")
        return value


class UserDocMeta(DocMeta):
    """A user's own file has no source register entry, so sources may be empty."""

    sources: list[str] = Field(default_factory=list)


def _known(info: ValidationInfo) -> Known:
    context = info.context or {}
    known = context.get("known")
    if not isinstance(known, Known):
        raise ValueError("validation needs context={'known': Known(...)}")
    return known


class Document(BaseModel):
    """One loaded document: metadata, Markdown body, where it came from."""

    meta: DocMeta
    text: str
    path: str = Field(description="Stable key of the source file (also used to keep its chunks).")
    url: str


class FileError(BaseModel):
    file: str
    reason: str


@dataclass
class LoadResult:
    documents: list[Document] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        raise DocumentError("missing YAML front matter (a '---' block at the top)")
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise DocumentError(f"front matter is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise DocumentError("front matter must be a YAML mapping")
    return data, text[match.end() :]


def validate_meta(model: type[DocMeta], data: dict[str, Any], known: Known) -> DocMeta:
    try:
        return model.model_validate(data, context={"known": known})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(front matter)"
            problems.append(f"field '{where}': {err['msg']}")
        raise DocumentError("; ".join(problems)) from exc


def source_url(meta: DocMeta, known: Known, fallback: str) -> str:
    """First cited source that has a url; the file itself when none has."""
    return next((known.source_urls[s] for s in meta.sources if known.source_urls.get(s)), fallback)


def load_markdown(path: Path, key: str, known: Known) -> Document:
    """A curated document: front matter validated against the source register and payers."""
    data, body = split_front_matter(read_text(path))
    meta = validate_meta(DocMeta, data, known)
    if not body.strip():
        raise DocumentError("no text after the front matter")
    return Document(meta=meta, text=body.strip() + "\n", path=key, url=source_url(meta, known, key))


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "document"


def load_user_file(path: Path, known: Known) -> Document:
    """A file dropped into extra_docs_dir; metadata comes from the file itself."""
    suffix = path.suffix.lower()
    key = str(path.resolve())
    if suffix not in USER_SUFFIXES:
        raise DocumentError(f"unsupported file type '{suffix}' (use {', '.join(USER_SUFFIXES)})")
    if suffix in (".md", ".markdown"):
        text = read_text(path)
        if _FRONT_MATTER.match(text):  # a user may write a curated-style document too
            return load_markdown(path, key, known)
        title = first_heading(text)
    elif suffix == ".txt":
        text = read_text(path)
        title = first_line(text)
    elif suffix == ".pdf":
        title, text = read_pdf(path)
    else:
        title, text = read_html(path)
    if not text.strip():
        raise DocumentError("file has no text")
    day = datetime.fromtimestamp(path.stat().st_mtime, UTC).date()
    meta = validate_meta(
        UserDocMeta,
        {
            "id": slug(path.name),  # the extension stays in the id: "policy.pdf" → policy-pdf
            "title": title or path.stem,
            "topic": USER_TOPIC,
            "audience": [a.value for a in Audience],
            "effective": day,
            "reviewed": day,
        },
        known,
    )
    return Document(meta=meta, text=text.strip() + "\n", path=key, url=key)


def knowledge_key(path: Path, settings: Settings) -> str:
    """Path of a knowledge file relative to the knowledge folder's parent: stable across
    machines ("knowledge/docs/levels.md"), so moving the project does not re-index."""
    root = settings.knowledge_dir.resolve().parent
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path.resolve())


def _files(folder: Path, pattern: str) -> list[Path]:
    return sorted(
        p
        for p in folder.glob(pattern)
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def load_corpus(settings: Settings, known: Known) -> LoadResult:
    """Curated docs (knowledge/docs/*.md), then user documents from extra_docs_dir."""
    result = LoadResult()
    if not settings.docs_dir.is_dir():
        result.errors.append(FileError(file=str(settings.docs_dir), reason="folder not found"))
    else:
        for path in _files(settings.docs_dir, "*.md"):
            key = knowledge_key(path, settings)
            _collect(result, key, partial(load_markdown, path, key, known))
    extra = settings.extra_docs_dir
    if extra is not None:
        if not extra.is_dir():
            result.errors.append(FileError(file=str(extra), reason="folder not found"))
        else:
            for path in _files(extra, "**/*"):
                _collect(result, str(path.resolve()), partial(load_user_file, path, known))
    return result


def _collect(result: LoadResult, key: str, load: Callable[[], Document]) -> None:
    try:
        result.documents.append(load())
    except DocumentError as exc:
        result.errors.append(FileError(file=key, reason=str(exc)))


def drop_duplicate_ids(docs: list[Document]) -> tuple[list[Document], list[FileError]]:
    """Document ids must be unique; the first one wins and later ones are reported."""
    seen: dict[str, str] = {}
    kept: list[Document] = []
    errors: list[FileError] = []
    for doc in docs:
        if doc.meta.id in seen:
            reason = f"duplicate id '{doc.meta.id}' (also used by {seen[doc.meta.id]})"
            errors.append(FileError(file=doc.path, reason=reason))
            continue
        seen[doc.meta.id] = doc.path
        kept.append(doc)
    return kept, errors
