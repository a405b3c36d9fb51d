"""The one settings object. Every option is a FACET_* environment variable."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FACET_", extra="ignore")

    knowledge_dir: Path = Field(
        PROJECT_ROOT / "knowledge", description="Curated documents, code table, payer profiles."
    )
    extra_docs_dir: Path | None = Field(
        None, description="Optional folder of user documents (PDF, HTML, Markdown) to ingest too."
    )
    data_dir: Path = Field(PROJECT_ROOT / "data", description="Where the vector store, audit log and feedback live.")
    chroma_host: str | None = Field(
        None, description="Chroma server host; when set, client/server mode replaces the embedded store."
    )
    chroma_port: int = Field(8000, description="Chroma server port.")
    collection_prefix: str = Field("facet", description="Prefix of the Chroma collection name.")
    embedder: Literal["minilm", "fake"] = Field(
        "minilm", description="'minilm' = bundled all-MiniLM-L6-v2; 'fake' = hash embedder for fast tests."
    )
    embed_batch_size: int = Field(32, ge=1, description="Texts per embedding batch.")
    chunk_size: int = Field(1200, ge=200, description="Maximum characters per chunk.")
    chunk_overlap: int = Field(120, ge=0, description="Characters of overlap between chunks.")
    top_k: int = Field(5, ge=1, le=20, description="Passages returned by retrieval.")
    llm_provider: Literal["none", "ollama", "openai", "fake"] = Field(
        "none", description="Optional language model for rephrasing knowledge answers; off by default."
    )
    llm_model: str = Field("llama3.1", description="Model name for the optional language model.")
    llm_base_url: str | None = Field(None, description="Base URL of an Ollama/OpenAI-compatible server.")
    audit_enabled: bool = Field(True, description="Append each answer to the local SQLite audit log.")
    max_question_chars: int = Field(4000, ge=100, description="Longer questions are refused politely.")

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def audit_db(self) -> Path:
        return self.data_dir / "facet.sqlite3"

    @property
    def payers_dir(self) -> Path:
        return self.knowledge_dir / "payers"

    @property
    def docs_dir(self) -> Path:
        return self.knowledge_dir / "docs"


def get_settings(**overrides: object) -> Settings:
    """Read the environment now (never at import), with explicit overrides on top."""
    return Settings(**overrides)  # type: ignore[arg-type]
