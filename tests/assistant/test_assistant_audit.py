"""Audit log: every answer stored in SQLite with patient identifiers redacted; user feedback."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from assistant_testkit import line_set

from assistant.service import Assistant, build_assistant
from assistant.settings import Settings

PHI_QUESTION = (
    "Patient John Smith, DOB 03/14/1952, MRN 88812345, phone 555-123-4567: right L4-5 facet "
    "injection with fluoro for Medicare"
)
PHI_PARTS = ("John", "Smith", "1952", "03/14", "88812345", "555-123-4567", "4567")


@pytest.fixture
def audited(make_settings: Callable[..., Settings]) -> Assistant:
    """An assistant with its own data dir and the audit log on (no index needed)."""
    return build_assistant(make_settings(audit_enabled=True))


def rows(assistant: Assistant, table: str) -> list[dict[str, Any]]:
    with sqlite3.connect(assistant.settings.audit_db) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute(f"SELECT * FROM {table}")]


def stored(assistant: Assistant, answer_id: str) -> dict[str, Any]:
    found = [r for r in rows(assistant, "answers") if r["id"] == answer_id]
    assert len(found) == 1, found
    return found[0]


def test_phi_is_redacted_and_the_answer_is_stored(audited: Assistant) -> None:
    answer = audited.ask(PHI_QUESTION)
    assert line_set(answer.decision and answer.decision["lines"]) == line_set(
        [["64493", ["RT"], 1]]
    )
    row = stored(audited, answer.id)
    for part in PHI_PARTS:
        assert part not in row["question"], (part, row["question"])
        assert part not in row["answer"]
    assert "L4-5" in row["question"] and "Medicare" in row["question"]
    assert row["route"] == "coding"
    assert json.loads(row["rules"]) == answer.rules and "FJ-UNILATERAL-SIDE" in answer.rules
    decision = json.loads(row["decision"])
    assert line_set(decision["lines"]) == line_set([["64493", ["RT"], 1]])
    versions = json.loads(row["versions"])
    assert versions == answer.versions and {"engine", "rules", "knowledge"} <= set(versions)
    assert json.loads(row["citations"]) == [c.model_dump() for c in answer.citations]
    assert row["payer"] is None and row["setting"] is None
    assert row["ts"]


def test_defaults_and_routes_are_stored(audited: Assistant) -> None:
    coding = audited.ask("Bilateral L4-5 facet injection with fluoro", payer="aetna",
                         setting="asc_facility")
    oos = audited.ask("What's the capital of France?")
    row = stored(audited, coding.id)
    assert (row["payer"], row["setting"]) == ("aetna", "asc_facility")
    assert stored(audited, oos.id)["route"] == "out_of_scope"
    assert stored(audited, oos.id)["decision"] is None


def test_claim_check_is_stored(audited: Assistant) -> None:
    answer = audited.ask("We billed 64490-50 and 64491 x2 to Medicare, is that right?")
    decision = json.loads(stored(audited, answer.id)["decision"])
    assert decision["valid"] is False
    assert "FJ-UNITS-ONE" in json.loads(stored(audited, answer.id)["rules"])


def test_non_text_input_is_not_recorded_and_does_not_fail(audited: Assistant) -> None:
    before = len(rows(audited, "answers"))
    for value in (None, 42, b"bytes"):
        assert audited.ask(value).route.value == "clarify"
    assert len(rows(audited, "answers")) == before
    audited.ask("abc\x00def")  # binary-looking text is recorded (redacted) without error
    assert len(rows(audited, "answers")) == before + 1


def test_feedback_is_stored_and_listed(audited: Assistant) -> None:
    answer = audited.ask(PHI_QUESTION)
    audited.feedback(answer.id, 1, "good")
    other = audited.ask("Can 64491 be billed on its own?")
    audited.feedback(other.id, -1, "too long")
    feedback = rows(audited, "feedback")
    assert [(f["answer_id"], f["rating"], f["comment"]) for f in feedback] == [
        (answer.id, 1, "good"), (other.id, -1, "too long")]
    assert audited.audit is not None
    recent = audited.audit.recent_feedback()
    assert [r["rating"] for r in recent] == [-1, 1]  # newest first
    assert recent[1]["comment"] == "good" and recent[1]["route"] == "coding"
    assert "John" not in recent[1]["question"] and "L4-5" in recent[1]["question"]


@pytest.mark.parametrize("rating", [0, 2, -2, 5])
def test_invalid_rating_is_rejected(audited: Assistant, rating: int) -> None:
    answer = audited.ask("Can 64491 be billed on its own?")
    with pytest.raises(ValueError, match="rating"):
        audited.feedback(answer.id, rating, "meh")
    assert rows(audited, "feedback") == []


def test_feedback_comment_is_redacted(audited: Assistant) -> None:
    answer = audited.ask("Can 64491 be billed on its own?")
    audited.feedback(answer.id, -1, "Wrong for patient Mary Jones DOB 01/02/1950, MRN 1234567")
    (row,) = rows(audited, "feedback")
    for part in ("Mary", "Jones", "1950", "1234567"):
        assert part not in row["comment"]


def test_audit_off_writes_nothing(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(audit_enabled=False)
    quiet = build_assistant(settings)
    answer = quiet.ask(PHI_QUESTION)
    quiet.feedback(answer.id, 1, "good")  # a no-op, not an error
    assert quiet.audit is None
    assert not settings.audit_db.exists()


@pytest.mark.parametrize(("question", "leaked"), [
    pytest.param("Patient: Smith, John; right L4-5 facet injection, fluoro, Medicare", "John",
                 id="last-comma-first"),
    pytest.param("Patient JOHN SMITH, right L4-5 facet injection, fluoro, Medicare", "SMITH",
                 id="all-caps-name"),
    pytest.param("Patient McDonald, right L4-5 facet injection, fluoro, Medicare", "Donald",
                 id="mc-name"),
    pytest.param("Name: O'Brien, right L4-5 facet injection, fluoro, Medicare", "Brien",
                 id="apostrophe-name"),
    pytest.param("Patient Anne-Marie Smith-Jones, right L4-5 facet injection, fluoro",
                 "Smith-Jones", id="hyphenated-name"),
    pytest.param("phone 5551234567, right L4-5 facet injection, fluoro, Medicare", "5551234567",
                 id="unformatted-phone"),
    pytest.param("SSN 123456789, right L4-5 facet injection, fluoro, Medicare", "123456789",
                 id="unformatted-ssn"),
])
def test_redaction_gaps(audited: Assistant, question: str, leaked: str) -> None:
    answer = audited.ask(question)
    assert leaked not in stored(audited, answer.id)["question"]
