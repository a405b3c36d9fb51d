"""Streamlit rendering shared by the pages: the cached assistant, sidebar defaults, answers,
findings and feedback. Rendering only: rules, retrieval and prompts stay in the assistant.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import streamlit as st

from assistant.answer import Answer, SourceRef
from assistant.service import Assistant, build_assistant
from assistant.settings import Settings
from assistant.ui_helpers import (
    AUDIENCE_LABELS,
    DEFAULT_SETTING_LABELS,
    NOT_SPECIFIED,
    SETTING_LABELS,
    SEVERITY_ICONS,
    line_rows,
    notes_not_in_text,
    payer_label,
    payer_options,
)
from guardrails.models import ClaimLine, Finding

log = logging.getLogger(__name__)

DISCLAIMER = (
    "This tool supports, but does not replace, a certified coder. Check every claim against "
    "the payer's current policy and the documentation before you submit it."
)
# Session-state keys of the sidebar defaults, shared by every page.
PAYER_KEY = "default_payer"
SETTING_KEY = "default_setting"
AUDIENCE_KEY = "audience"


# --- the one assistant -------------------------------------------------------------------------
@st.cache_resource(show_spinner="Loading the coding rules and knowledge base…")
def _cached_assistant(settings_json: str) -> Assistant:
    # Keyed by the settings themselves, so a different FACET_DATA_DIR (another test, another
    # clinic folder) gets its own assistant instead of a stale one.
    return build_assistant(Settings.model_validate_json(settings_json))


def get_assistant() -> Assistant:
    """The process-wide assistant; a broken install shows a message, never a traceback."""
    try:
        return _cached_assistant(Settings().model_dump_json())
    except Exception as exc:  # knowledge data or settings invalid: tell the user what to fix
        log.exception("could not build the assistant")
        st.error(
            f"The assistant could not start: {exc}. Ask whoever maintains this install "
            "to check the knowledge files and FACET_* settings."
        )
        st.stop()
        raise  # unreachable: st.stop() ends the run; keeps type checkers happy


def app_pages() -> list[Any]:
    """The pages, in sidebar order; paths are relative to app.py.

    The folder is views/, not pages/: a pages/ folder next to the entry point switches on
    Streamlit's legacy multipage mode, which can run a page file without app.py.
    """
    return [
        st.Page("views/chat.py", title="Chat", icon=":material/chat:", default=True),
        st.Page("views/claim_builder.py", title="Claim builder", icon=":material/receipt_long:"),
        st.Page("views/claim_checker.py", title="Claim checker", icon=":material/fact_check:"),
        st.Page("views/code_reference.py", title="Code reference", icon=":material/menu_book:"),
        st.Page("views/about.py", title="About & feedback", icon=":material/info:"),
    ]


def page_setup(layout: str = "centered") -> Assistant:
    """Call first on every page: page layout and the shared assistant."""
    st.set_page_config(
        page_title="Facet Coding Assistant",
        page_icon=":material/medical_services:",
        layout="wide" if layout == "wide" else "centered",
    )
    return get_assistant()


# --- sidebar defaults --------------------------------------------------------------------------
def render_sidebar_defaults(assistant: Assistant) -> None:
    """Payer, setting and audience used when a question does not name them.

    Rendered by app.py before the page, so Streamlit keeps their values across page switches.
    """
    with st.sidebar:
        st.subheader("Defaults")
        st.caption("Used when a question does not name the payer or setting.")
        st.selectbox(
            "Payer",
            payer_options(assistant.payers),
            key=PAYER_KEY,
            format_func=lambda pid: payer_label(assistant.payers, pid),
        )
        st.selectbox(
            "Setting",
            list(DEFAULT_SETTING_LABELS),
            key=SETTING_KEY,
            format_func=DEFAULT_SETTING_LABELS.__getitem__,
            help="Not specified: answers assume a physician (professional) claim and say so.",
        )
        st.radio("Audience", list(AUDIENCE_LABELS), key=AUDIENCE_KEY, format_func=AUDIENCE_LABELS.__getitem__)


def run_page(page: Any) -> None:
    """app.py: the sidebar defaults, then the page."""
    render_sidebar_defaults(get_assistant())
    page.run()


def default_payer() -> str:
    return str(st.session_state.get(PAYER_KEY, NOT_SPECIFIED))


def default_setting() -> str:
    return str(st.session_state.get(SETTING_KEY, NOT_SPECIFIED))


def audience() -> str:
    return str(st.session_state.get(AUDIENCE_KEY, "coder"))


def ask_with_defaults(assistant: Assistant, question: str, history: list[Answer]) -> Answer:
    payer, setting = default_payer(), default_setting()
    return assistant.ask(
        question,
        payer=None if payer == NOT_SPECIFIED else payer,
        setting=None if setting == NOT_SPECIFIED else setting,
        history=history,
        audience=audience(),
    )


def index_from(options: Sequence[str], value: str) -> int:
    """Position of a sidebar default in another widget's options (0 when absent)."""
    return list(options).index(value) if value in options else 0


# --- records -----------------------------------------------------------------------------------
def select_payer(container: Any, assistant: Assistant, key: str) -> str:
    """A payer picker that starts from the sidebar default (claim builder and checker)."""
    payers = payer_options(assistant.payers)
    return str(
        container.selectbox(
            "Payer",
            payers,
            key=key,
            index=index_from(payers, default_payer()),
            format_func=lambda p: payer_label(assistant.payers, p),
        )
    )


def select_setting(container: Any, key: str) -> str:
    """A setting picker that starts from the sidebar default (claim builder and checker)."""
    options = list(SETTING_LABELS)
    return str(
        container.selectbox(
            "Setting",
            options,
            key=key,
            index=index_from(options, default_setting()),
            format_func=SETTING_LABELS.__getitem__,
        )
    )


def render_lines(lines: Iterable[ClaimLine | dict[str, Any]], empty: str = "No claim lines.") -> None:
    rows = line_rows(lines)
    if rows:
        # st.table (not st.dataframe): a real HTML table that screen readers and copy-paste see.
        st.table(rows, hide_index=True)
    else:
        st.caption(empty)


def render_findings(findings: Iterable[Finding], compact: bool = False) -> None:
    """Errors, warnings and notes, each with its rule ID and the engine's plain message."""
    shown = False
    for f in findings:
        shown = True
        icon = SEVERITY_ICONS.get(f.severity.value, "")
        text = f"**{f.rule}** ({f.severity.value}): {f.message}"
        if compact:
            st.markdown(f"{icon} {text}")
        elif f.severity.value == "error":
            st.error(text, icon=icon)
        elif f.severity.value == "warning":
            st.warning(text, icon=icon)
        else:
            st.info(text, icon=icon)
    if not shown:
        st.caption("No rule findings.")


def render_assumptions(assumptions: Sequence[str]) -> None:
    if assumptions:  # laid out like the Assumptions block of a chat answer
        st.markdown("**Assumptions:**\n" + "\n".join(f"- {a}" for a in assumptions))


def source_markdown(title: str, section: str = "", url: str = "") -> str:
    section_text = f" — {section}" if section else ""
    # Only web links become links; anything else stays plain text.
    if url.startswith(("https://", "http://")):
        return f"- [{_link_text(title)}]({url.replace(')', '%29')}){section_text}"
    return f"- {title}{section_text}"


def _link_text(title: str) -> str:
    return title.replace("[", "(").replace("]", ")")


def render_sources(citations: Sequence[SourceRef], label: str = "Sources") -> None:
    if not citations:
        return
    with st.expander(f"{label} ({len(citations)})"):
        st.markdown("\n".join(source_markdown(c.title, c.section, c.url) for c in citations))


def render_rule_explanations(assistant: Assistant, rule_ids: Sequence[str]) -> None:
    """Why: the catalog's plain explanation of each rule an answer used (for learners)."""
    known = [r for r in dict.fromkeys(rule_ids) if r in assistant.catalog.rules]
    if not known:
        return
    with st.expander(f"Rules behind this answer ({len(known)})"):
        for rid in known:
            rule = assistant.catalog.rules[rid]
            st.markdown(f"**{rule.title}** (`{rid}`): {rule.explanation}")


def render_unshown_notes(answer: Answer) -> None:
    """Assumptions the composed text does not contain, so none is lost or shown twice.

    Today that is only the optional language model's 'generated rephrasing was discarded'.
    Defaults applied, follow-up reuse and purpose notes are in the answer's own Assumptions
    block, and conflicting source text in its own section, both written by the assistant.
    """
    extra = notes_not_in_text(answer.answer, answer.assumptions)
    if extra:
        st.markdown("**Note:**\n" + "\n".join(f"- {a}" for a in extra))


def render_answer(assistant: Assistant, answer: Answer) -> None:
    """The composed answer, then what a coder needs to trust it: rules, sources, versions."""
    # answer.answer already lays out the claim lines table, findings, assumptions and any
    # conflicting source text; it is Markdown from the assistant, never raw HTML.
    st.markdown(answer.answer)
    render_unshown_notes(answer)
    render_rule_explanations(assistant, answer.rules)
    render_sources(answer.citations)
    if answer.versions:
        st.caption(" · ".join(f"{k} {v}" for k, v in answer.versions.items()))


# --- feedback ----------------------------------------------------------------------------------
def _rated() -> dict[str, int]:
    rated: dict[str, int] = st.session_state.setdefault("rated_answers", {})
    return rated


def render_feedback(assistant: Assistant, answer_id: str) -> None:
    """Thumbs up/down with an optional comment, stored once per answer in the audit database."""
    done = _rated().get(answer_id)
    if done is not None:
        st.caption("Thanks, your feedback was saved " + ("(helpful)." if done > 0 else "(not helpful)."))
        return
    with st.form(f"feedback_form_{answer_id}", border=False, enter_to_submit=False):
        cols = st.columns([1, 4, 1], vertical_alignment="bottom")
        with cols[0]:
            thumbs = st.feedback("thumbs", key=f"feedback_{answer_id}")
        with cols[1]:
            comment = st.text_input(
                "Comment (optional)",
                key=f"feedback_comment_{answer_id}",
                placeholder="What was wrong or missing?",
                max_chars=2000,
                label_visibility="collapsed",
            )
        with cols[2]:
            sent = st.form_submit_button("Send", key=f"feedback_send_{answer_id}")
    if sent:
        _store_feedback(assistant, answer_id, thumbs, comment)


def _store_feedback(assistant: Assistant, answer_id: str, thumbs: int | None, comment: str) -> None:
    if thumbs is None:
        st.warning("Pick thumbs up or thumbs down first, then press Send.")
        return
    rating = 1 if thumbs == 1 else -1  # st.feedback: 1 = thumbs up, 0 = thumbs down
    try:
        assistant.feedback(answer_id, rating, comment.strip())
    except Exception:
        log.exception("feedback could not be stored")
        st.error("Sorry, the feedback could not be saved. Please try again.")
        return
    _rated()[answer_id] = rating
    st.rerun()


def friendly_error(message: str, exc: BaseException | None = None) -> None:
    """A plain message in place of a traceback; details go to the log."""
    if exc is not None:
        log.info("refused input: %s", exc)
    st.warning(message)
