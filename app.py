"""Facet Coding Assistant: Streamlit entry point (`streamlit run app.py`).

Thin by design: pages render what `assistant.build_assistant()` returns; no coding rules,
retrieval or prompts live in the UI. The sidebar defaults are drawn here, before the page,
so their values survive page switches.
"""

from __future__ import annotations

import logging

import streamlit as st

from assistant.ui_components import app_pages, run_page

log = logging.getLogger("facet.app")


def main() -> None:
    page = st.navigation(app_pages())
    try:
        run_page(page)
    except Exception:
        # Last line of defence: users see a sentence, the log keeps the traceback.
        # (st.rerun/st.stop raise BaseException subclasses, so they pass through.)
        log.exception("page %s failed", page.title)
        st.error(
            "Sorry, something went wrong on this page. Please check your input and try "
            "again; the problem has been logged."
        )


main()
