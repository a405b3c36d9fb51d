"""Helpers shared by the app tests (plain functions; fixtures live in conftest.py)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from assistant.settings import PROJECT_ROOT

APP = PROJECT_ROOT / "app.py"
# First runs import the assistant and load the knowledge files; later runs are fast.
RUN_TIMEOUT = 60


def page_text(at: AppTest) -> str:
    """All Markdown, captions and alerts on the page, for 'the user can read X' checks."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    for kind in (at.error, at.warning, at.info, at.success):
        parts += [e.value for e in kind]
    return "\n".join(str(p) for p in parts)


def ask(at: AppTest, question: str) -> AppTest:
    return at.chat_input[0].set_value(question).run()
