"""Helpers shared by the assistant tests (imported by name; not a conftest)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.answer import Answer
from assistant.settings import PROJECT_ROOT

GOLDEN_DIR = PROJECT_ROOT / "tests" / "golden"

Line = tuple[str, tuple[str, ...], int]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(row) for row in path.read_text(encoding="utf-8").splitlines() if row.strip()]


def line_set(lines: list[Any] | None) -> list[Line]:
    """Lines as a sorted multiset of (code, modifiers, units); accepts dicts or [c, m, u]."""
    out: list[Line] = []
    for ln in lines or []:
        if isinstance(ln, dict):
            out.append((ln["code"], tuple(ln["modifiers"]), int(ln["units"])))
        else:
            out.append((ln[0], tuple(ln[1]), int(ln[2])))
    return sorted(out)


def decision_lines(answer: Answer) -> list[Line]:
    """The claim lines the assistant committed to (empty when it gave none)."""
    return line_set((answer.decision or {}).get("lines"))


def all_rules(answer: Answer) -> set[str]:
    decision = answer.decision or {}
    return set(answer.rules) | {f["rule"] for f in decision.get("findings", [])}


