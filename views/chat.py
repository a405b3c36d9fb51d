"""Chat: ask a coding question, get the engine's answer with its rules and sources."""

from __future__ import annotations

from typing import TypedDict

import streamlit as st

from assistant.answer import Answer
from assistant.service import Assistant
from assistant.ui_components import (
    DISCLAIMER,
    ask_with_defaults,
    audience,
    page_setup,
    render_answer,
    render_feedback,
)
from assistant.ui_helpers import escape_markdown

STARTER_QUESTIONS = (
    "Bilateral L4-L5 and L5-S1 facet injections with fluoroscopy for Medicare: which codes?",
    "Right C5-C6, C6-C7 and C7-T1 facet injections under fluoroscopy: which codes?",
    "Check 64490-50, 64491 x2",
    "How does UnitedHealthcare want bilateral facet injections billed in an ASC?",
)
FRONT_DESK_FAQ = (
    "Does Medicare need prior authorization for facet injections in a hospital outpatient department?",
    "How often can a patient have facet injections under Medicare?",
    "What documentation does Medicare need for facet injections?",
    "Does Aetna cover ultrasound-guided facet injections?",
    "How much does Medicare pay for 64491?",
    "Is a sacroiliac joint injection a facet injection?",
)
TURNS_KEY = "chat_turns"
QUEUED_KEY = "queued_question"


class Turn(TypedDict):
    question: str
    answer: Answer


def turns() -> list[Turn]:
    # Session state is per browser tab, so each user keeps their own conversation.
    conversation: list[Turn] = st.session_state.setdefault(TURNS_KEY, [])
    return conversation


def queue_question(question: str) -> None:
    """Button callback: the next run answers this exactly as if it had been typed."""
    st.session_state[QUEUED_KEY] = question


def new_chat() -> None:
    st.session_state[TURNS_KEY] = []
    st.session_state.pop(QUEUED_KEY, None)


def render_question(question: str) -> None:
    with st.chat_message("user"):
        # Escaped: the user's text is shown as typed, never as links, images or headings.
        st.markdown(escape_markdown(question))


def render_reply(assistant: Assistant, answer: Answer) -> None:
    render_answer(assistant, answer)
    render_feedback(assistant, answer.id)


def answer_now(assistant: Assistant, question: str) -> None:
    """Show the question at once, then the answer under it, and keep both for follow-ups."""
    render_question(question)
    with st.chat_message("assistant"):
        with st.spinner("Checking the rules…"):
            answer = ask_with_defaults(assistant, question, [t["answer"] for t in turns()])
        turns().append(Turn(question=question, answer=answer))
        render_reply(assistant, answer)


def render_sidebar_extras() -> None:
    with st.sidebar:
        st.button("New chat", icon=":material/add_comment:", on_click=new_chat, width="stretch", key="new_chat")
        with st.expander("Front-desk FAQ", expanded=audience() == "front_desk"):
            for i, q in enumerate(FRONT_DESK_FAQ):  # reachable mid-conversation too
                st.button(q, key=f"faq_{i}", on_click=queue_question, args=(q,), width="stretch")


def render_welcome() -> None:
    st.markdown(
        "Ask about coding facet joint injections (CPT 64490–64495, above all **+64491**): "
        "which codes and modifiers a procedure gets, whether claim lines are right, payer "
        "rules, documentation and rates. Payer and setting come from the sidebar when your "
        "question does not name them. Front-desk staff: choose *Front desk* in the sidebar "
        "for plain-language answers first."
    )
    questions: tuple[str, ...]
    if audience() == "front_desk":
        st.markdown("**Common front-desk questions (one click):**")
        questions, prefix = FRONT_DESK_FAQ, "faq_main"
    else:
        st.markdown("**Try one of these:**")
        questions, prefix = STARTER_QUESTIONS, "starter"
    for i, q in enumerate(questions):
        st.button(q, key=f"{prefix}_{i}", on_click=queue_question, args=(q,))


def main() -> None:
    assistant = page_setup()
    render_sidebar_extras()
    st.title("Facet Coding Assistant")
    st.caption(DISCLAIMER)
    typed = st.chat_input("Ask a coding question or paste claim lines…", key="chat_input")
    question = typed or st.session_state.pop(QUEUED_KEY, None)
    if not turns() and not question:
        render_welcome()
    for turn in turns():
        render_question(turn["question"])
        with st.chat_message("assistant"):
            render_reply(assistant, turn["answer"])
    if question:
        answer_now(assistant, question)


main()
