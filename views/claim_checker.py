"""Claim checker: type or edit claim lines, see the errors and the corrected lines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from assistant.service import Assistant
from assistant.ui_components import (
    DISCLAIMER,
    friendly_error,
    page_setup,
    render_assumptions,
    render_findings,
    render_lines,
    select_payer,
    select_setting,
    source_markdown,
)
from assistant.ui_helpers import (
    PURPOSE_LABELS,
    check_csv,
    editor_rows_to_lines,
    finding_citations,
)
from guardrails import CheckResult, ClaimLine

RESULT_KEY = "checker_result"
Lines = Sequence[ClaimLine | dict[str, Any]]
EXAMPLE_ROWS = [
    {"code": "64490", "modifiers": "50", "units": 1},
    {"code": "64491", "modifiers": "", "units": 2},
]


def read_context(assistant: Assistant) -> dict[str, str]:
    cols = st.columns(3)
    payer = select_payer(cols[0], assistant, "checker_payer")
    setting = select_setting(cols[1], "checker_setting")
    purpose = cols[2].selectbox(
        "Purpose", list(PURPOSE_LABELS), key="checker_purpose", format_func=PURPOSE_LABELS.__getitem__
    )
    return {"payer": payer, "setting": setting, "purpose": purpose}


def read_text_lines(assistant: Assistant) -> list[ClaimLine] | None:
    with st.form("checker_text"):
        text = st.text_area(
            "Claim lines",
            key="checker_text_input",
            height=120,
            placeholder="64490-50, 64491 x2",
            help="One or more codes with modifiers and units, e.g. '64493-RT, 64494-RT' or '64490-50, 64491 x2'.",
        )
        if not st.form_submit_button("Check claim", type="primary", key="checker_text_submit"):
            return None
    lines = assistant.parse_claim_lines(text)
    if not lines:
        friendly_error(
            "I could not find any CPT codes in that text. Type lines like "
            "'64490-50, 64491 x2' (code, then -modifier, then x units)."
        )
        return None
    return lines


def read_table_lines() -> list[dict[str, Any]] | None:
    rows = st.data_editor(
        EXAMPLE_ROWS,
        key="checker_editor",
        num_rows="dynamic",
        width="stretch",
        column_config={
            "code": st.column_config.TextColumn("Code", max_chars=5, required=True),
            "modifiers": st.column_config.TextColumn("Modifiers", help="e.g. 50, RT, LT, KX"),
            "units": st.column_config.NumberColumn("Units", min_value=0, max_value=99, step=1),
        },
    )
    if not st.button("Check these lines", type="primary", key="checker_table_submit"):
        return None
    lines = editor_rows_to_lines(rows)
    if not lines:
        friendly_error("Add at least one line with a code.")
        return None
    return lines


def check(assistant: Assistant, context: dict[str, str], lines: Lines) -> None:
    try:
        result = assistant.check({**context, "lines": lines})
    except ValueError as exc:  # GuardrailsError and pydantic validation are ValueErrors
        st.session_state.pop(RESULT_KEY, None)
        friendly_error(
            "Those lines could not be checked: units must be whole numbers from 0 to 99 and every line needs a code.",
            exc,
        )
        return
    st.session_state[RESULT_KEY] = (lines, result)


def render_result(lines: Lines, result: CheckResult) -> None:
    where = result.payer_name
    if result.valid:
        st.success(f"No errors found ({where}).", icon=":material/check_circle:")
    else:
        st.error(f"Errors found ({where}).", icon=":material/error:")
    before, after = st.columns(2)
    with before:
        st.markdown("**Your lines**")
        render_lines(lines)
    with after:
        st.markdown("**Corrected lines**")
        render_lines(
            result.corrected_lines or [],
            empty="No correction needed."
            if result.valid
            else "No single clear correction: describe the joints, sides and imaging in the claim builder or the chat.",
        )
    render_findings(result.findings)
    render_assumptions(result.assumptions)
    cites = finding_citations(result.findings)
    if cites:
        with st.expander(f"Sources ({len(cites)})"):
            st.markdown("\n".join(source_markdown(c["title"], c["date"], c["url"]) for c in cites))
    st.download_button(
        "Download result (CSV)",
        check_csv(result),
        file_name="facet-claim-check.csv",
        mime="text/csv",
        key="checker_csv",
    )


def main() -> None:
    assistant = page_setup()
    st.title("Claim checker")
    st.caption("Enter the lines as billed; the rule engine lists errors and the corrected lines. " + DISCLAIMER)
    context = read_context(assistant)
    text_tab, table_tab = st.tabs(["Type or paste", "Edit as a table"])
    with text_tab:
        text_lines = read_text_lines(assistant)
    with table_tab:
        table_lines = read_table_lines()
    lines: Lines | None = text_lines or table_lines
    if lines:
        check(assistant, context, lines)
    stored = st.session_state.get(RESULT_KEY)
    if stored:
        render_result(*stored)


main()
