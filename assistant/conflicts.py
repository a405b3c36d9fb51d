"""Find retrieved sentences that contradict a rule, so they are flagged instead of used.

A sentence that states the wrong practice while refuting it ('not two units', 'the guide is
wrong') is not a conflict; the negation check keeps the corrections document from tripping.
"""

from __future__ import annotations

import re

from assistant.answer import Conflict, Passage
from assistant.compose import prose_blocks

_NEGATION = re.compile(
    r"\b(?:not|no|none|never|no longer|don't|do not|doesn't|does not|isn't|cannot|can't|wrong|incorrect|"
    r"instead of|rather than|avoid|mistake|error|myth|misleading|claims? that|says? that|seed|guide's|"
    r"unverified|denied|denial|breaks?|fails?|violat\w*)\b",
    re.I,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")

# (rule, pattern of the wrong statement, the correct rule in one line)
CONTRADICTIONS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    (
        "FJ-UNITS-ONE",
        re.compile(r"\b6449[0-5]\b.{0,80}\b(?:two|2)\s+units\b|\b(?:two|2)\s+units\b.{0,60}\b6449[0-5]\b", re.I),
        "Each facet code is 1 unit per day; a bilateral level is shown with modifier 50 (Medicare: 64491-50 x 1).",
    ),
    (
        "FJ-BILATERAL",
        re.compile(
            r"\bmodifier\s*50\b.{0,40}\b(?:only|just)\s+(?:to|on)\s+the\s+primary\b|\b(?:modifier\s*)?50\b.{0,30}\bprimary(?:\s+code)?\s+only\b",
            re.I,
        ),
        "Under Medicare, modifier 50 goes on every bilateral level's code, add-ons included.",
    ),
    (
        "FJ-NO-59-LEVELS",
        re.compile(
            r"\b(?:modifier\s*)?(?:59|XS|XE|XU|XP)\b.{0,60}\b(?:additional|second|third|extra|each|another|other)\s+levels?\b|\b(?:additional|extra|second|third)\s+levels?\b.{0,60}\b(?:modifier\s*)(?:59|XS|XE|XU|XP)\b",
            re.I,
        ),
        "Modifiers 59/X{EPSU} are never used to show extra facet levels; the add-on codes do that.",
    ),
    (
        "FJ-IMAGING-INCLUDED",
        re.compile(
            r"\b(?:77003|77012)\b.{0,60}\b(?:separately|in addition|also (?:be )?(?:billed|reported)|add(?:ed)?)\b|\b(?:bill|report|add(?!-))\b.{0,20}\b(?:77003|77012)\b",
            re.I,
        ),
        "Fluoroscopic/CT guidance (77003/77012) is included in 64490-64495 and never billed with them.",
    ),
    (
        "FJ-THIRD-ONCE",
        re.compile(
            r"\b(?:64492|64495)\b.{0,60}\b(?:each|per|every)\s+(?:additional\s+)?level\b.{0,40}\b(?:units?|times|lines?)\b|\b(?:64492|64495)\b.{0,30}\b(?:x|×)\s*[2-9]\b",
            re.I,
        ),
        "+64492/+64495 are reported once per day, 1 unit, however many levels past the second.",
    ),
    (
        "FJ-ULTRASOUND",
        re.compile(r"\bultrasound\b.{0,80}\b(?:report|bill|use|code)\w*\b.{0,20}\b6449[0-5]\b", re.I),
        "Ultrasound-guided facet injections are reported with 0213T-0218T, not 64490-64495.",
    ),
    (
        "FJ-ADDON-PRIMARY",
        re.compile(
            r"\b6449[1245]\b.{0,40}\b(?:can|may)\s+be\s+(?:billed|reported)\s+(?:alone|on its own|by itself)\b", re.I
        ),
        "An add-on code is never billed without its primary code.",
    ),
)


def sentences(text: str) -> list[str]:
    """Sentences of a chunk with wrapped lines joined, so a negation on the next line still counts."""
    return [sent.strip() for block in prose_blocks(text) for sent in _SENTENCE.split(block) if sent.strip()]


def refutes(sentence: str) -> bool:
    """True when the sentence negates or corrects what it mentions."""
    return bool(_NEGATION.search(sentence))


def contradicted_rules(sentence: str) -> list[str]:
    """Rules a single sentence contradicts (empty when it refutes rather than asserts)."""
    if _NEGATION.search(sentence):
        return []
    return [rule for rule, pattern, _ in CONTRADICTIONS if pattern.search(sentence)]


def find_conflicts(passages: list[Passage]) -> list[Conflict]:
    found: list[Conflict] = []
    seen: set[tuple[str, str]] = set()
    correct = {rule: text for rule, _, text in CONTRADICTIONS}
    for passage in passages:
        for text in sentences(passage.text):
            for rule in contradicted_rules(text):
                if (rule, text) not in seen:
                    seen.add((rule, text))
                    found.append(Conflict(rule=rule, passage=text[:400], source=passage.ref(), correct=correct[rule]))
    return found
