"""Local SQLite audit log of every answer (patient identifiers redacted) and user feedback."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.answer import Answer

_NAME_TOKEN = r"(?-i:[A-Z][A-Za-z'\u2019]*(?:-[A-Z][A-Za-z'\u2019]*)*)"
_REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"\b(?:MRN|medical record(?: number| no\.?)?|chart\s*(?:#|no\.?|number))\s*[:#]?\s*[A-Z0-9-]{3,}", re.I
        ),
        "[MRN]",
    ),
    (
        re.compile(
            r"\b(?:DOB|D\.O\.B\.|date of birth|born(?: on)?)\s*[:\-]?\s*[A-Za-z0-9,/.\- ]{6,20}?\d{2,4}\b", re.I
        ),
        "[DOB]",
    ),
    (re.compile(r"\b\d{3}-\d{2}-\d{4}\b"), "[SSN]"),
    (re.compile(r"(?<!\d)(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}(?!\d)"), "[PHONE]"),
    (re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b"), "[EMAIL]"),
    # Names after a cue word: 'Patient John Smith', 'Patient: Smith, John', 'Name: O'Brien'.
    (
        re.compile(
            r"\b(?:patient(?:'s)?(?:\s+name)?|pt\.?|name|mr\.?|mrs\.?|ms\.?|miss)\s*[:\-]?\s+"
            rf"{_NAME_TOKEN}(?:,?\s+{_NAME_TOKEN}){{0,2}}",
            re.I,
        ),
        "[NAME]",
    ),
    (re.compile(r"\b\d{1,2}[/-]\d{1,2}[/-](?:19|20)\d{2}\b"), "[DATE]"),
    # Long bare digit runs (phone, SSN, account numbers); CPT codes have five digits.
    (re.compile(r"(?<![\d-])\d{7,}(?![\d-])"), "[NUMBER]"),
)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
  id TEXT PRIMARY KEY, ts TEXT NOT NULL, question TEXT NOT NULL, route TEXT NOT NULL,
  payer TEXT, setting TEXT, rules TEXT NOT NULL, decision TEXT, citations TEXT NOT NULL,
  versions TEXT NOT NULL, answer TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback (
  id INTEGER PRIMARY KEY AUTOINCREMENT, ts TEXT NOT NULL, answer_id TEXT NOT NULL,
  rating INTEGER NOT NULL CHECK (rating IN (-1, 1)), comment TEXT NOT NULL DEFAULT ''
);
"""


def redact(text: str) -> str:
    for pattern, label in _REDACTIONS:
        text = pattern.sub(label, text)
    return text


class AuditLog:
    """Append-only; one connection per call so Streamlit threads never share one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def record(self, question: str, answer: Answer, payer: str | None, setting: str | None) -> None:
        row = (
            answer.id,
            _now(),
            redact(question)[:4000],
            answer.route.value,
            payer,
            setting,
            json.dumps(answer.rules),
            json.dumps(answer.decision) if answer.decision else None,
            json.dumps([c.model_dump() for c in answer.citations]),
            json.dumps(answer.versions),
            redact(answer.answer),
        )
        with self._lock, self._connect() as db:
            db.execute("INSERT OR REPLACE INTO answers VALUES (?,?,?,?,?,?,?,?,?,?,?)", row)

    def add_feedback(self, answer_id: str, rating: int, comment: str = "") -> None:
        if rating not in (-1, 1):
            raise ValueError("rating must be 1 (helpful) or -1 (not helpful)")
        with self._lock, self._connect() as db:
            db.execute(
                "INSERT INTO feedback (ts, answer_id, rating, comment) VALUES (?,?,?,?)",
                (_now(), answer_id, rating, redact(comment)[:2000]),
            )

    def recent_feedback(self, limit: int = 50) -> list[dict[str, Any]]:
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            rows = db.execute(
                "SELECT f.ts, f.rating, f.comment, a.question, a.route FROM feedback f "
                "LEFT JOIN answers a ON a.id = f.answer_id ORDER BY f.id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [dict(r) for r in rows]

    def answers(self, limit: int = 100) -> list[dict[str, Any]]:
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            rows = db.execute("SELECT * FROM answers ORDER BY ts DESC LIMIT ?", (limit,)).fetchall()
        return [dict(r) for r in rows]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
