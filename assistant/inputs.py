"""Screen raw questions: empty, huge, binary or emoji-only input gets a clear message."""

from __future__ import annotations

import re
import unicodedata

_INJECTION = re.compile(
    r"\b(?:ignore|forget|disregard|override|bypass)\b.{0,30}\b(?:rules?|instructions?|guardrails?|previous|above|system)\b"
    r"|\byou are now\b|\bsystem prompt\b|\bjailbreak\b|\bpretend (?:that|to)\b|\bact as\b",
    re.I | re.S,
)


def clean(text: str) -> str:
    """Drop control characters (keep newlines and tabs) and normalise Unicode."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C").strip()


def problem(text: object, max_chars: int) -> str | None:
    """A plain message when the input cannot be answered, else None."""
    if not isinstance(text, str):
        return "Please type your question as text."
    if "\x00" in text or text.count("\ufffd") > 3:
        return "That looks like binary data rather than a question. Please type your question as text."
    if len(text) > max_chars:
        return (
            f"That message is {len(text):,} characters long; the limit is {max_chars:,}. "
            "Please paste only the procedure details or the claim lines you want checked."
        )
    cleaned = clean(text)
    if not cleaned:
        return "Please type a question, for example: 'Bilateral L4-L5 and L5-S1 with fluoroscopy for Medicare: which codes?'"
    letters = sum(ch.isalnum() for ch in cleaned)
    if letters == 0:
        return "I could not find any words in that message. Please type your question in words, e.g. 'Can 64491 be billed alone?'"
    printable = sum(ch.isprintable() or ch in "\n\t" for ch in cleaned)
    if printable / len(cleaned) < 0.9:
        return "That looks like binary data rather than a question. Please type your question as text."
    return None


def is_injection(text: str) -> bool:
    return bool(_INJECTION.search(text))
