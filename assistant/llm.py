"""The only place a chat model is built. Off by default; its text is checked before use."""

from __future__ import annotations

import re
from typing import Any

from assistant.answer import Passage
from assistant.conflicts import find_conflicts
from assistant.settings import Settings

_CODE = re.compile(r"(?<![0-9A-Za-z])(\d{4}[0-9T]|[A-Z]\d{4})(?![0-9A-Za-z])")
_CODE_MODS = re.compile(r"\b(\d{4}[0-9T])((?:-(?:50|RT|LT|59|X[EPSU]|51|KX))+)", re.I)
_UNITS = re.compile(r"\b(?:x|×)\s*([2-9])\b|\b([2-9]|two|three|four)\s+units\b", re.I)

PROMPT = (
    "You rephrase answers for medical coders. Use ONLY the facts below. Do not add any CPT code, "
    "modifier or unit that is not in the facts. Keep it under 120 words.\n\nQuestion: {question}\n\n"
    "Facts:\n{facts}\n\nRephrased answer:"
)


def build_chat_model(settings: Settings) -> Any | None:
    """A LangChain chat model for the configured provider, or None when off."""
    if settings.llm_provider == "none":
        return None
    if settings.llm_provider == "ollama":
        from langchain_ollama import ChatOllama

        return ChatOllama(
            model=settings.llm_model, base_url=settings.llm_base_url or "http://127.0.0.1:11434", temperature=0
        )
    if settings.llm_provider == "openai":
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(model=settings.llm_model, base_url=settings.llm_base_url, temperature=0)
    raise ValueError("llm_provider 'fake' is only built by tests, which pass their own model")


def vet(text: str, allowed_text: str, passages: list[Passage]) -> list[str]:
    """Reasons to reject generated text: a code, modifier or unit not backed by the facts."""
    reasons: list[str] = []
    allowed_codes = set(_CODE.findall(allowed_text))
    for code in set(_CODE.findall(text)) - allowed_codes:
        reasons.append(f"mentions {code}, which the rule engine and sources did not")
    allowed_mods = {(c, m.upper()) for c, m in _CODE_MODS.findall(allowed_text)}
    for code, mods in _CODE_MODS.findall(text):
        if (code, mods.upper()) not in allowed_mods:
            reasons.append(f"states {code}{mods}, which differs from the rule engine")
    if _UNITS.search(text) and not _UNITS.search(allowed_text):
        reasons.append("states more than one unit, which the rule engine did not")
    dummy = Passage(id="llm", text=text, doc_id="llm", title="generated text")
    reasons += [f"contradicts {c.rule}" for c in find_conflicts([dummy])]
    return reasons


def rephrase(model: Any, question: str, facts: str) -> str:
    reply = model.invoke(PROMPT.format(question=question, facts=facts))
    return str(getattr(reply, "content", reply)).strip()
