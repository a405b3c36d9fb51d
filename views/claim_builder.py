"""Claim builder: describe the procedure in a form, get the engine's lines for every payer."""

from __future__ import annotations

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
)
from assistant.ui_helpers import (
    IMAGING_LABELS,
    JOINT_CHOICES,
    PURPOSE_LABELS,
    comparison_rows,
    decisions_csv,
    injections_from_sides,
    payer_label,
)
from guardrails import Decision

RESULT_KEY = "builder_result"


def read_form(assistant: Assistant) -> dict[str, Any] | None:
    """The scenario from the form, or None until the user presses the button."""
    with st.form("claim_builder"):
        left_col, right_col = st.columns(2)
        with left_col:
            right = st.multiselect("Right side joints", JOINT_CHOICES, key="builder_right", placeholder="e.g. L4-L5")
        with right_col:
            left = st.multiselect("Left side joints", JOINT_CHOICES, key="builder_left", placeholder="e.g. L4-L5")
        st.caption("A joint picked on both sides is one bilateral level.")
        cols = st.columns(4)
        imaging = cols[0].selectbox(
            "Imaging", list(IMAGING_LABELS), key="builder_imaging", format_func=IMAGING_LABELS.__getitem__
        )
        purpose = cols[1].selectbox(
            "Purpose", list(PURPOSE_LABELS), key="builder_purpose", format_func=PURPOSE_LABELS.__getitem__
        )
        payer = select_payer(cols[2], assistant, "builder_payer")
        setting = select_setting(cols[3], "builder_setting")
        submitted = st.form_submit_button("Build claim", type="primary", key="builder_submit")
    if not submitted:
        return None
    return {
        "payer": payer,
        "setting": setting,
        "imaging": imaging,
        "purpose": purpose,
        "injections": injections_from_sides(right, left),
    }


def decide_all(assistant: Assistant, scenario: dict[str, Any]) -> dict[str, Decision | str]:
    """Chosen payer first, then every payer profile; a refusal is kept as its message."""
    results: dict[str, Decision | str] = {}
    for pid in dict.fromkeys([scenario["payer"], *assistant.payers.ids()]):
        name = payer_label(assistant.payers, pid)
        try:
            results[name] = assistant.decide({**scenario, "payer": pid})
        except ValueError as exc:  # GuardrailsError and pydantic validation are ValueErrors
            results[name] = str(exc)
    return results


def render_decision(name: str, result: Decision | str, compact: bool = False) -> None:
    if isinstance(result, str):
        friendly_error(f"{name}: {result}")
        return
    if not result.billable:
        st.warning("Not reportable with these codes as described.")
    render_lines(result.lines)
    render_findings(result.findings, compact=compact)
    if not compact:
        render_assumptions(result.assumptions)


def render_results(results: dict[str, Decision | str]) -> None:
    chosen, first = next(iter(results.items()))
    st.subheader(f"Claim lines for {chosen}")
    render_decision(chosen, first)
    st.subheader("Every payer profile side by side")
    st.table(comparison_rows(results), hide_index=True)
    others = list(results.items())
    for row_start in range(0, len(others), 3):  # three per row keeps tables readable
        cols = st.columns(3)
        for col, (name, result) in zip(cols, others[row_start : row_start + 3], strict=False):
            with col, st.container(border=True):  # no empty boxes in a short last row
                st.markdown(f"**{name}**")
                render_decision(name, result, compact=True)
    st.download_button(
        "Download lines and findings (CSV)",
        decisions_csv(results),
        file_name="facet-claim-lines.csv",
        mime="text/csv",
        key="builder_csv",
    )


def main() -> None:
    assistant = page_setup("wide")
    st.title("Claim builder")
    st.caption(
        "Pick the joints injected on each side and the details; the rule engine "
        "writes the claim lines for the chosen payer and for every payer profile. " + DISCLAIMER
    )
    scenario = read_form(assistant)
    if scenario is not None:
        if not scenario["injections"]:
            st.session_state.pop(RESULT_KEY, None)
            friendly_error("Pick at least one joint on the right or left side.")
        else:
            st.session_state[RESULT_KEY] = decide_all(assistant, scenario)
    results = st.session_state.get(RESULT_KEY)
    if results:
        render_results(results)


main()
