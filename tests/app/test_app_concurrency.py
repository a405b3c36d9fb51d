"""Several sessions at once each get their own answer.

AppTest itself is not thread-safe (each run swaps a process-wide Runtime), so AppTest sessions
are interleaved here, and true simultaneity is tested twice: threads sharing the one cached
assistant exactly as Streamlit's script threads do, and real browser pages against a real
server (test_app_browser.py).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from app_support import APP, RUN_TIMEOUT, ask, page_text
from streamlit.testing.v1 import AppTest

from assistant.ui_components import get_assistant

# question -> a claim line only the right answer contains
CASES = {
    "Bilateral L4-L5 and L5-S1 facet injections with fluoroscopy for Medicare": "| 64494 | 50 | 1 |",
    "Right C5-C6, C6-C7 and C7-T1 facet injections under fluoroscopy": "| 64492 | RT | 1 |",
    "Left L3-L4 facet injection with fluoroscopy": "| 64493 | LT | 1 |",
    "Check 64490-50, 64491 x2": "| 64491 | 50 | 1 |",
}


def only_its_own_line(question: str, text: str) -> bool:
    others = [line for q, line in CASES.items() if q != question]
    return CASES[question] in text and not any(line in text for line in others)


def test_interleaved_sessions_keep_their_own_conversations(data_dir: Path) -> None:
    sessions = {q: AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT).run() for q in CASES}
    for question, at in sessions.items():  # every session asks before any is read
        ask(at, question)
    for question, at in sessions.items():
        turns = at.session_state["chat_turns"]
        assert [t["question"] for t in turns] == [question]
        assert only_its_own_line(question, page_text(at)), question


def test_shared_cached_assistant_answers_simultaneous_questions(data_dir: Path) -> None:
    assistant = get_assistant()
    # The same object every session gets: built once, shared by all script threads.
    assert get_assistant() is assistant
    questions = list(CASES) * 5

    def answer(question: str) -> str:
        return assistant.ask(question, payer=None, setting="professional", history=[]).answer

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(answer, questions))
    for question, text in zip(questions, answers, strict=True):
        assert only_its_own_line(question, text), question
