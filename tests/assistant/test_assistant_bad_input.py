"""Bad input gets route clarify with a plain message, never an exception or a traceback."""

from __future__ import annotations

import random
from typing import Any

import pytest
from assistant_testkit import decision_lines, line_set
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.answer import Route
from assistant.service import Assistant

GENERIC_FAILURE = "something went wrong"
JUNK = random.Random(7).randbytes(256)  # fixed "binary file" bytes

BAD_INPUTS: list[tuple[str, Any, str]] = [
    ("empty", "", "type a question"),
    ("spaces", "   ", "type a question"),
    ("newlines-tabs", "\n\t\n", "type a question"),
    ("zero-width", "\u200b\u200b", "type a question"),
    ("huge", "x" * 20_000, "20,000 characters"),
    ("huge-valid", "Right L4-5 facet injection under fluoro for Medicare. " * 400, "limit"),
    ("binary-replace", JUNK.decode("utf-8", errors="replace"), "binary"),
    ("nul", "Right L4-5\x00 facet injection", "binary"),
    ("control-bytes", bytes(range(32)).decode("latin-1") * 4, "binary"),
    ("emoji", "😀😀😀", "words"),
    ("emoji-spaced", "🙂 👍 🎉", "words"),
    ("punctuation", "?!?...", "words"),
    ("none", None, "as text"),
    ("int", 42, "as text"),
    ("float", 3.5, "as text"),
    ("list", ["Right L4-5"], "as text"),
    ("bytes", b"Right L4-5 facet injection fluoro medicare", "as text"),
]


@pytest.mark.parametrize(("value", "message"), [
    pytest.param(value, message, id=name) for name, value, message in BAD_INPUTS
])
def test_bad_input_gets_a_clear_clarify_message(
    assistant: Assistant, value: Any, message: str
) -> None:
    answer = assistant.ask(value)
    assert answer.route is Route.CLARIFY
    assert message.lower() in answer.answer.lower(), answer.answer
    assert GENERIC_FAILURE not in answer.answer
    assert answer.decision is None and answer.rules == []
    assert answer.versions  # versions are always stamped


def test_bad_input_with_history_and_defaults(assistant: Assistant) -> None:
    first = assistant.ask("Right L4-5 facet injection under fluoro, Medicare")
    for value in ("", None, "😀", "\x00"):
        answer = assistant.ask(value, payer="medicare", setting="asc_facility", history=[first])
        assert answer.route is Route.CLARIFY
        assert decision_lines(answer) == []


def test_unicode_variants_are_normalised(assistant: Assistant) -> None:
    for text in ("\ufeffRight L4-5 facet injection fluoro medicare",
                 "Ｒｉｇｈｔ Ｌ４-５ facet injection fluoro medicare",
                 "right l4-l5 FACET INJECTION FLUORO MEDICARE"):
        answer = assistant.ask(text)
        assert decision_lines(answer) == line_set([["64493", ["RT"], 1]]), text


def test_repeated_joint_in_one_question(assistant: Assistant) -> None:
    answer = assistant.ask("Right C4-5 and right C4-5 facet injection, fluoro, Medicare")
    assert decision_lines(answer) == line_set([["64490", ["RT"], 1]])


def test_weird_but_valid_question(assistant: Assistant) -> None:
    answer = assistant.ask("C4-5 C4-5 C4-5 left left right")
    assert GENERIC_FAILURE not in answer.answer
    assert answer.route in (Route.CODING, Route.CLARIFY)
    assert decision_lines(answer) in ([], line_set([["64490", ["50"], 1]]))


def test_weird_but_valid_question_does_not_crash(assistant: Assistant) -> None:
    for text in ("C4-5 C4-5 C4-5 left left right", "L4-5" * 300, "64491 " * 200,
                 "bilateral bilateral bilateral", "x2 x2 x2 units units", "-50 -50 -RT"):
        answer = assistant.ask(text)
        assert answer.answer.strip()
        assert GENERIC_FAILURE not in answer.answer, text


def test_unknown_default_setting_gets_a_clear_message(assistant: Assistant) -> None:
    answer = assistant.ask("Bilateral L4-5 facet injection with fluoro", setting="ASC")
    assert GENERIC_FAILURE not in answer.answer


def test_unknown_default_payer_falls_back_to_unspecified(assistant: Assistant) -> None:
    answer = assistant.ask("Bilateral L4-5 facet injection with fluoro", payer="Humana")
    assert decision_lines(answer) == line_set([["64493", ["50"], 1]])
    assert answer.decision and answer.decision["payer"] == "unspecified"


def test_default_payer_alias_is_resolved(assistant: Assistant) -> None:
    answer = assistant.ask(
        "Bilateral T12-L1 and L1-L2 facet injections with fluoro", payer="Part B"
    )
    assert decision_lines(answer) == line_set([["64490", ["50"], 1], ["64494", ["50"], 1]])
    assert any("default setting" in a for a in answer.assumptions)


def test_payer_in_the_text_beats_the_default(assistant: Assistant) -> None:
    answer = assistant.ask(
        "Bilateral T12-L1 and L1-L2 facet injections with fluoro for Aetna", payer="medicare"
    )
    assert decision_lines(answer) == line_set([["64490", ["50"], 1], ["64493", ["50"], 1]])


def test_front_desk_audience_leads_with_a_summary(assistant: Assistant) -> None:
    answer = assistant.ask("Bilateral L4-5 facet injection with fluoro, Medicare",
                           audience="front_desk")
    assert answer.answer.startswith("**In short:**")
    assert "64493-50" in answer.answer.split("\n", 1)[0]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300))
def test_any_text_gets_an_answer(assistant: Assistant, text: str) -> None:
    answer = assistant.ask(text)
    assert answer.route in set(Route)
    assert answer.answer.strip()
    assert GENERIC_FAILURE not in answer.answer
    for ln in (answer.decision or {}).get("lines") or []:
        assert ln["units"] == 1


def test_text_with_a_few_replacement_bytes(assistant: Assistant) -> None:
    junk = b"%PDF-1.4 \xe2\xe3\xcf\xd3 obj stream \xff\xfe".decode("utf-8", errors="replace")
    assert assistant.ask(junk).route is Route.CLARIFY
    # One stray replacement character from a copy-paste is still a question.
    answer = assistant.ask("Right L4-5 facet \ufffd injection with fluoro, Medicare")
    assert decision_lines(answer) == line_set([["64493", ["RT"], 1]])
