"""Code reference: the code family, add-on pairs and the payer profiles side by side."""

from __future__ import annotations

import streamlit as st

from assistant.service import Assistant
from assistant.ui_components import page_setup
from assistant.ui_helpers import (
    addon_rows,
    code_rows,
    note_rows,
    payer_comparison,
    rate_rows,
    related_rows,
    rvu_rows,
    source_label,
)


def render_codes(assistant: Assistant) -> None:
    catalog = assistant.catalog
    st.header("Facet joint injection codes")
    st.caption(
        "64490–64495 with fluoroscopy or CT guidance; 0213T–0218T with ultrasound "
        f"guidance. Code table version {catalog.code_table.version}."
    )
    st.table(code_rows(catalog), hide_index=True)
    st.subheader("Add-on codes and their primary codes")
    st.caption("An add-on is only reported with its primary code(s) on the same claim and date.")
    st.table(addon_rows(catalog), hide_index=True)
    st.subheader("Related codes")
    st.table(related_rows(catalog), hide_index=True)


def render_fees(assistant: Assistant) -> None:
    fees = assistant.catalog.code_table.medicare_2026
    title, url = source_label(assistant.catalog, fees.source)
    st.subheader("Medicare RVUs")
    st.caption(
        f"{fees.as_of}, conversion factor ${fees.conversion_factor:,.4f}. Source: {title}"
        + (f" ({url})" if url else "")
    )
    st.table(rvu_rows(assistant.catalog), hide_index=True)


def render_payers(assistant: Assistant) -> None:
    st.header("Payer profiles compared")
    st.caption(
        "From the payer profile files in knowledge/payers; confirm with the current "
        "policy and your contract before billing."
    )
    st.table(payer_comparison(assistant.payers))
    st.subheader("Coverage, frequency and documentation notes")
    st.dataframe(
        note_rows(assistant.catalog, assistant.payers),
        hide_index=True,
        width="stretch",
        column_config={"Note": st.column_config.TextColumn(width="large")},
    )
    st.subheader("Rates")
    st.caption(
        "Verified = published by the payer or CMS; derived = computed from published "
        "figures; unverified = not confirmed, never use for negotiation."
    )
    st.dataframe(
        rate_rows(assistant.catalog, assistant.payers),
        hide_index=True,
        width="stretch",
        column_config={
            "Amount ($)": st.column_config.NumberColumn(format="$%.2f"),
            "Link": st.column_config.LinkColumn("Link", display_text="open"),
        },
    )


def main() -> None:
    assistant = page_setup("wide")
    st.title("Code reference")
    codes_tab, payers_tab = st.tabs(["Codes", "Payers"])
    with codes_tab:
        render_codes(assistant)
        render_fees(assistant)
    with payers_tab:
        render_payers(assistant)


main()
