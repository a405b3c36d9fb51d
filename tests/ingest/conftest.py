"""Fixtures for ingest tests: a private copy of knowledge/ and fake-embedder settings."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from assistant.settings import PROJECT_ROOT, Settings
from assistant.store import HashEmbeddings

SettingsFactory = Callable[..., Settings]


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    """A copy of the shipped knowledge folder that a test may edit freely."""
    target = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", target)
    return target


@pytest.fixture
def make_settings(tmp_path: Path, knowledge: Path) -> SettingsFactory:
    def factory(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "data_dir": tmp_path / "data",
            "knowledge_dir": knowledge,
            "embedder": "fake",
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    return factory


@pytest.fixture
def settings(make_settings: SettingsFactory) -> Settings:
    return make_settings()


class CountingEmbeddings(Embeddings):
    """Fake embedder that counts texts and costs a little time per text, like a real model."""

    def __init__(self, delay: float = 0.0) -> None:
        self.inner = HashEmbeddings()
        self.delay = delay
        self.texts: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.texts.extend(texts)
        time.sleep(self.delay * len(texts))
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> CountingEmbeddings:
    """Replace the pipeline's embedder with a counting one."""
    spy = CountingEmbeddings(delay=0.002)
    monkeypatch.setattr("ingest.pipeline.make_embeddings", lambda _settings: spy)
    return spy


def make_pdf(path: Path, lines: list[str], title: str | None = None) -> Path:
    """Write a minimal valid one-page PDF with the given text lines (no PDF library needed)."""

    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 12 Tf", "14 TL", "72 720 Td"]
    for line in lines:
        ops += [f"({esc(line)}) Tj", "T*"]
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    if title:
        objects.append(f"<< /Title ({esc(title)}) >>".encode("latin-1"))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    info = b" /Info %d 0 R" % len(objects) if title else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        info,
        xref,
    )
    path.write_bytes(bytes(out))
    return path


@pytest.fixture
def write_pdf() -> Callable[..., Path]:
    return make_pdf
