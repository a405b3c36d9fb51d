"""The only place a chat model is built. Off by default; its text is checked before use."""

from __future__ import annotations

import re
from typing import Any

from assistant.answer import Passage
from assistant.conflicts import contradicted_rules, refutes, sentences
from assistant.settings import Settings

_CODE = re.compile(r"(?<![0-9A-Za-z])(\d{4}[0-9T]|[A-Z]\d{4})(?![0-9A-Za-z])")

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


_ADVICE_AGAINST_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"\b(?:x|×)\s*[2-9]\b|\b(?:[2-9]|two|three|four|five)\s+units\b|\btwice\b|\bmore than once\b", re.I),
        "states more than one unit of a facet code (FJ-UNITS-ONE, FJ-THIRD-ONCE)",
    ),
    (
        re.compile(
            r"\bmodifiers?\s*-?(?:59|51|X[EPSU])\b|\b\d{4}[0-9T]-(?:59|51|X[EPSU])\b|\b(?:59|51|X[EPSU])\s+(?:on|to)\s+\+?\d{4}[0-9T]",
            re.I,
        ),
        "recommends modifier 59, an X-modifier or 51 on a facet code (FJ-NO-59-LEVELS, FJ-NO-51-ADDON)",
    ),
    (
        re.compile(
            r"\b(?:6449[1245]|021[45789]T)\b.{0,50}\b(?:without|alone|on its own|by itself|stand-?alone)\b", re.I
        ),
        "says an add-on can stand alone (FJ-ADDON-PRIMARY)",
    ),
    (
        re.compile(r"\b(?:7700[23]|77012)\b", re.I),
        "mentions separate imaging codes (FJ-IMAGING-INCLUDED)",
    ),
)


def vet(text: str, allowed_text: str, passages: list[Passage]) -> list[str]:
    """Reasons to reject generated text: a code, modifier or unit not backed by the rules.

    Checked sentence by sentence; a sentence that refutes a wrong practice ('never 2 units')
    is fine, one that asserts it is not, whatever the retrieved passages say.
    """
    reasons: list[str] = []
    allowed_codes = set(_CODE.findall(allowed_text))
    for code in sorted(set(_CODE.findall(text)) - allowed_codes):
        reasons.append(f"mentions {code}, which the rule engine and sources did not")
    for sentence in sentences(text):
        if refutes(sentence):
            continue
        reasons += [why for pattern, why in _ADVICE_AGAINST_RULES if pattern.search(sentence)]
        reasons += [f"contradicts {rule}" for rule in contradicted_rules(sentence)]
    return list(dict.fromkeys(reasons))


def rephrase(model: Any, question: str, facts: str) -> str:
    reply = model.invoke(PROMPT.format(question=question, facts=facts))
    return str(getattr(reply, "content", reply)).strip()
