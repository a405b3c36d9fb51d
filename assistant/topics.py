"""General rule questions ('Can 64491 be billed alone?') → rule IDs, with an example scenario.

Patterns only point at rules; the answer text comes from the rule catalog and the example's
lines from the engine, so nothing here can state a code, modifier or unit by itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_ADDON = r"(?:\+?6449[1245]|\+?021[45789]T|add-?on)"


@dataclass(frozen=True)
class Topic:
    rule: str
    patterns: tuple[str, ...]
    example: dict[str, Any] | None = None
    weight: int = 1


def _inj(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"joint": j, "side": s} for j, s in pairs]


_TWO_RIGHT_C = _inj(("C4-C5", "right"), ("C5-C6", "right"))
_TWO_BILAT_C = _inj(("C4-C5", "bilateral"), ("C5-C6", "bilateral"))

TOPICS: tuple[Topic, ...] = (
    Topic(
        "FJ-ADDON-PRIMARY",
        (
            rf"{_ADDON}.{{0,40}}\b(?:alone|on its own|by itself|stand-?alone|without (?:the )?(?:primary|6449[03]))",
            r"\b(?:alone|on its own|by itself|stand-?alone)\b.{0,40}" + _ADDON,
            r"\bneeds?\b.{0,20}\bprimary\b",
            r"\bprimary code\b.{0,30}\b(?:for|of|with)\b.{0,10}" + _ADDON,
            r"\bpair(?:ed|ing)?\b.{0,30}" + _ADDON,
        ),
        {"payer": "medicare", "imaging": "fluoroscopy", "injections": _TWO_RIGHT_C},
        2,
    ),
    Topic(
        "FJ-NO-59-LEVELS",
        (r"\b(?:modifier\s*)?-?59\b", r"\bX[EPSU]\b", r"\bx-?modifiers?\b"),
        {"payer": "medicare", "imaging": "fluoroscopy", "injections": _TWO_RIGHT_C},
        2,
    ),
    Topic(
        "FJ-NO-51-ADDON", (r"\b(?:modifier\s*)-?51\b", r"\b51\b.{0,30}" + _ADDON, _ADDON + r".{0,30}\b51\b"), None, 2
    ),
    Topic(
        "FJ-THIRD-ONCE",
        (
            r"\b(?:64492|64495|0215T|0218T|third(?:[- ]and[- ]additional)?\s+level)\b.{0,80}\b(?:twice|more than once|two units|2 units|per level|each (?:additional )?level|multiple units|units?|four levels|4 levels|five levels)\b",
            r"\b(?:twice|more than once|two units|2 units|multiple units)\b.{0,60}\b(?:64492|64495)\b",
            r"\b(?:four|4|five|5|six|6)\s+levels\b",
        ),
        {
            "payer": "medicare",
            "imaging": "fluoroscopy",
            "injections": _inj(("C3-C4", "left"), ("C4-C5", "left"), ("C5-C6", "left"), ("C6-C7", "left")),
        },
        2,
    ),
    Topic(
        "FJ-PRIMARY-FIRST",
        (
            r"\b(?:which|what)\s+(?:cpt\s+)?code\b.{0,40}\b(?:first|second|third|3rd|2nd|additional)\b",
            r"\b(?:first|second|third|2nd|3rd)\s+(?:cervical|thoracic|lumbar|sacral)?\s*level\b",
            r"\bsequenc\w+\b",
        ),
        {
            "payer": "medicare",
            "imaging": "fluoroscopy",
            "injections": _inj(("C4-C5", "right"), ("C5-C6", "right"), ("C6-C7", "right")),
        },
    ),
    Topic(
        "FJ-UNITS-ONE",
        (r"\bunits?\b", r"\bMUEs?\b", r"\bmedically unlikely\b"),
        {"payer": "medicare", "imaging": "fluoroscopy", "injections": _TWO_BILAT_C},
    ),
    Topic(
        "FJ-50-SAME-JOINT",
        (
            r"\b(?:modifier\s*)?-?50\b.{0,60}\b(?:same side|one side|two levels|multiple levels|more levels|each level)\b",
            r"\b(?:same side|one side)\b.{0,60}\b(?:modifier\s*)?50\b",
        ),
        {"payer": "medicare", "imaging": "fluoroscopy", "injections": _TWO_RIGHT_C},
        2,
    ),
    Topic(
        "FJ-BILATERAL",
        (r"\bbilateral(?:ly)?\b", r"\bmodifier\s*-?50\b", r"\b6449[0-5]-50\b", r"\bboth sides\b"),
        {"payer": "medicare", "imaging": "fluoroscopy", "injections": _TWO_BILAT_C},
    ),
    Topic(
        "FJ-UNILATERAL-SIDE",
        (r"\b(?:RT|LT)\b", r"\blaterality\b", r"\bright and left modifiers\b"),
        {"payer": "medicare", "imaging": "fluoroscopy", "injections": _inj(("L4-L5", "left"))},
    ),
    Topic(
        "FJ-IMAGING-INCLUDED",
        (
            r"\b7700[23]\b",
            r"\b77012\b",
            r"\b(?:bill|charge|code)\b.{0,30}\b(?:fluoro\w*|imaging|guidance|contrast)\b.{0,20}\bseparately\b",
            r"\bseparately\b.{0,30}\b(?:fluoro\w*|imaging|guidance|contrast)\b",
        ),
        None,
        2,
    ),
    Topic(
        "FJ-IMAGING-REQUIRED",
        (
            r"\b(?:no|without)\s+(?:imaging|guidance|fluoro\w*)\b",
            r"\bimaging\b.{0,30}\b(?:required|needed|necessary|mandatory)\b",
            r"\b(?:require|need)s?\b.{0,30}\b(?:imaging|fluoro\w*|guidance)\b",
            r"\bblind\b",
        ),
        {"payer": "aetna", "imaging": "none", "injections": _inj(("L4-L5", "right"))},
    ),
    Topic(
        "FJ-ULTRASOUND",
        (r"\bultrasound\b", r"\bUS[- ]guided\b", r"\b021[3-8]T\b", r"\bsonograph"),
        {"payer": "aetna", "imaging": "ultrasound", "injections": _inj(("C5-C6", "right"), ("C6-C7", "right"))},
        2,
    ),
    Topic(
        "FJ-NOT-FACET",
        (r"\bSI\b", r"\bSIJ\b", r"\bsacro-?iliac\b", r"\b27096\b", r"\bG0260\b", r"\b64451\b", r"\b64625\b"),
        None,
        2,
    ),
    Topic(
        "FJ-JUNCTION-MEDICARE",
        (r"\bT12\b", r"\bjunction\b", r"\bthoracolumbar\b"),
        {
            "payer": "medicare",
            "imaging": "fluoroscopy",
            "injections": _inj(("T12-L1", "bilateral"), ("L1-L2", "bilateral")),
        },
        2,
    ),
    Topic(
        "FJ-REGION",
        (
            r"\b(?:which|what)\s+region\b",
            r"\bcervical\b.{0,40}\blumbar\b",
            r"\blumbar\b.{0,40}\bcervical\b",
            r"\bthoracic\b",
        ),
        None,
    ),
    Topic(
        "FJ-MEDICARE-LEVELS",
        (
            r"\bmedicare\b.{0,40}\b(?:cover|pay|allow)\w*\b.{0,30}\b(?:64492|64495|third|three|3)\b",
            r"\b(?:64492|64495)\b.{0,40}\bmedicare\b",
            r"\bhow many levels\b",
            r"\blevels? per (?:session|region)\b",
        ),
        {
            "payer": "medicare",
            "imaging": "fluoroscopy",
            "injections": _inj(("L3-L4", "bilateral"), ("L4-L5", "bilateral"), ("L5-S1", "bilateral")),
        },
        2,
    ),
    Topic(
        "FJ-MEDICARE-KX",
        (r"\bKX\b",),
        {
            "payer": "medicare",
            "imaging": "fluoroscopy",
            "purpose": "diagnostic",
            "injections": _inj(("L3-L4", "bilateral"), ("L4-L5", "bilateral")),
        },
        2,
    ),
    Topic(
        "FJ-MEDICARE-ONE-REGION",
        (
            r"\b(?:two|both|multiple|2)\s+(?:spinal\s+)?regions\b",
            r"\bcervical and lumbar\b",
            r"\bneck and (?:low )?back\b.{0,30}\bsame\b",
        ),
        {"payer": "medicare", "imaging": "fluoroscopy", "injections": _inj(("C5-C6", "right"), ("L4-L5", "right"))},
        2,
    ),
    Topic("FJ-MEDICARE-PA-HOPD", (r"\bprior[- ]?auth\w*\b", r"\bpre-?auth\w*\b", r"\bpre-?cert\w*\b"), None, 2),
    Topic(
        "FJ-ASC-FACILITY",
        (r"\bASC\b", r"\b(?:ambulatory )?surg(?:ery|ical) cent", r"\bfacility (?:claim|bill)"),
        {
            "payer": "medicare",
            "setting": "asc_facility",
            "imaging": "fluoroscopy",
            "injections": _inj(("L4-L5", "bilateral"), ("L5-S1", "bilateral")),
        },
    ),
    Topic(
        "FJ-PAYER-FORMAT",
        (
            r"\bformat\b",
            r"\bcommercial\b.{0,40}\bbilateral\b",
            r"\b(?:payers?|insurers?)\b.{0,30}\b(?:prefer|want|require)\b",
        ),
        None,
    ),
    Topic("FJ-PAYER-LEVELS", (r"\b(?:max(?:imum)?|limit)\b.{0,20}\blevels\b", r"\blevels?\b.{0,20}\blimit\b"), None),
    Topic(
        "FJ-LEVEL-COUNT",
        (
            r"\bwhat (?:is|counts as) a level\b",
            r"\bcount(?:ing)? (?:the )?levels\b",
            r"\bhow many levels is\b",
            r"\bmedial branch(?:es)?\b.{0,40}\blevels?\b",
            r"\bnerves?\b.{0,30}\blevels?\b",
        ),
        None,
        2,
    ),
)
_COMPILED = [(t, [re.compile(p, re.I | re.S) for p in t.patterns]) for t in TOPICS]


def match_topics(text: str) -> list[tuple[Topic, int]]:
    """Topics the question is about, strongest first (score = weight x patterns matched)."""
    scored = []
    for topic, patterns in _COMPILED:
        hits = sum(1 for p in patterns if p.search(text))
        if hits:
            scored.append((topic, hits * topic.weight))
    return sorted(scored, key=lambda ts: -ts[1])
