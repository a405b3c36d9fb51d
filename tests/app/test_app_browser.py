"""End to end in real headless Chromium against `streamlit run app.py` (Playwright).

Uses Debian's /usr/bin/chromium; never `playwright install` (there is no network).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from app_support import APP

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STARTUP_SECONDS = 90
WAIT_MS = 30_000
Shooter = Callable[[Any, str], Path]
BILATERAL_MEDICARE = "Bilateral L4-L5 and L5-S1 facet injections with fluoroscopy for Medicare"


def _require_chromium() -> None:
    reason = ""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (install Debian's chromium: `make browser`)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the playwright Python package is not installed"
    if reason and os.environ.get("CI"):
        pytest.fail(f"browser tests must run in CI but {reason}")
    if reason:
        pytest.skip(f"browser tests skipped: {reason}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"streamlit not healthy after {STARTUP_SECONDS}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run app.py` on a free port with its own empty data dir."""
    _require_chromium()
    home = tmp_path_factory.mktemp("facet-server")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACET_")}
    env.update(FACET_DATA_DIR=str(home / "data"), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    log = home / "streamlit.log"
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=APP.parent, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A fresh browser context per test: a new Streamlit session."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(WAIT_MS)
    tab.goto(server)
    tab.get_by_text("Try one of these").wait_for()
    yield tab
    context.close()


@pytest.fixture
def shoot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Shooter:
    """Screenshot into the test's tmp_path; the path is printed even when output is captured."""

    def take(tab: Any, name: str) -> Path:
        path = tmp_path / f"{name}.png"
        # Streamlit scrolls inside its main pane, so grow the window to the content first.
        size = tab.viewport_size
        height = tab.evaluate(
            "Math.max(...Array.from(document.querySelectorAll('section, main, div'), e => e.scrollHeight))"
        )
        tab.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 5000)})
        tab.wait_for_timeout(300)
        tab.screenshot(path=str(path))
        tab.set_viewport_size(size)
        with capsys.disabled():
            print(f"\nscreenshot: {path}")
        return path

    return take


def ask(tab: Any, question: str) -> None:
    box = tab.get_by_placeholder("Ask a coding question")
    box.fill(question)
    box.press("Enter")


def table_rows(table: Any) -> list[list[str]]:
    rows = table.locator("tr").all()
    return [[c.strip() for c in row.locator("th, td").all_inner_texts()] for row in rows]


def pick(tab: Any, scope: Any, label: str, option: str) -> None:
    """Choose an option in a Streamlit selectbox or multiselect by its label.

    The option list is virtualised (only visible rows exist), so type to filter first.
    """
    box = scope.get_by_label(label, exact=True)
    box.click()
    box.fill(option)
    tab.get_by_role("option", name=option, exact=True).click()


# --- tests ---------------------------------------------------------------------------------------
def test_chat_question_shows_claim_lines_and_takes_feedback(page: Any, shoot: Shooter) -> None:
    shoot(page, "01-welcome")
    ask(page, BILATERAL_MEDICARE)
    table = page.locator("[data-testid=stChatMessage] table").filter(has_text="64494").first
    table.wait_for()
    rows = table_rows(table)
    assert rows[0] == ["Code", "Modifiers", "Units", "Covers"]
    assert ["64493", "50", "1", "L4-L5 (bilateral)"] in rows
    assert ["64494", "50", "1", "L5-S1 (bilateral)"] in rows
    assert page.get_by_text("Sources (").count() == 1
    shoot(page, "02-chat-answer")

    page.get_by_role("radio", name="Thumbs up").click()
    page.get_by_placeholder("What was wrong or missing?").fill("clear answer")
    page.get_by_role("button", name="Send", exact=True).click()
    page.get_by_text("feedback was saved").wait_for()


def test_claim_builder_uses_sidebar_defaults_and_compares_payers(page: Any, shoot: Shooter) -> None:
    sidebar = page.get_by_test_id("stSidebar")
    pick(page, sidebar, "Payer", "Medicare")
    page.wait_for_timeout(500)  # let the rerun land before navigating
    sidebar.get_by_role("link", name="Claim builder").click()
    page.get_by_role("heading", name="Claim builder").wait_for()
    main = page.get_by_test_id("stMain")
    # The sidebar default survived the page switch and seeded the form.
    assert sidebar.get_by_label("Payer", exact=True).input_value() == "Medicare"
    assert main.get_by_label("Payer", exact=True).input_value() == "Medicare"

    for label in ("Right side joints", "Left side joints"):
        for joint in ("L4-L5", "L5-S1"):
            pick(page, main, label, joint)
        page.keyboard.press("Escape")
    main.get_by_role("button", name="Build claim").click()
    result = main.locator("table").filter(has_text="64494").first
    result.wait_for()
    rows = table_rows(result)
    assert [r[:3] for r in rows[1:]] == [["64493", "50", "1"], ["64494", "50", "1"]]
    comparison = main.locator("table").filter(has_text="Claim lines").first
    payers = {r[0] for r in table_rows(comparison)[1:]}
    assert payers == {"Medicare", "Aetna", "Blue Cross Blue Shield", "Cigna", "UnitedHealthcare", "Anthem (AIM / Carelon guidelines)"}

    with page.expect_download() as download:
        main.get_by_role("button", name="Download lines and findings (CSV)").click()
    csv_text = Path(download.value.path()).read_text()
    assert "Medicare,line,64493,50,1" in csv_text
    shoot(page, "03-claim-builder")


def test_page_url_opened_first_gets_the_sidebar_and_keeps_defaults(browser: Any, server: str, shoot: Shooter) -> None:
    """A bookmarked page URL runs through app.py too: the sidebar is there and its values stay."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        tab = context.new_page()
        tab.set_default_timeout(WAIT_MS)
        tab.goto(f"{server}/claim_checker")
        tab.get_by_role("heading", name="Claim checker").wait_for()
        sidebar = tab.get_by_test_id("stSidebar")
        assert sidebar.get_by_label("Setting", exact=True).input_value() == "Not specified"
        pick(tab, sidebar, "Payer", "Medicare")
        pick(tab, sidebar, "Setting", "ASC facility")
        tab.wait_for_timeout(500)  # let the rerun land before navigating
        for name, heading in (("Code reference", "Code reference"), ("Chat", "Facet Coding Assistant")):
            sidebar.get_by_role("link", name=name).click()
            tab.get_by_role("heading", name=heading).first.wait_for()
            assert sidebar.get_by_label("Payer", exact=True).input_value() == "Medicare", name
            assert sidebar.get_by_label("Setting", exact=True).input_value() == "ASC facility", name

        ask(tab, "Check 64490-50, 64491 x2")
        message = tab.get_by_test_id("stChatMessage").nth(1)
        message.get_by_text("Corrected lines").wait_for()
        text = message.inner_text()
        assert "(Medicare, ASC facility claim)" in text
        assert "Payer taken from your default setting: Medicare." in text
        # Severity markers are emoji in the answer text (fonts-noto-color-emoji draws them).
        assert "\u26d4" in text and "\u26a0" in text and "\u2139" in text
        shoot(tab, "05-check-in-chat-emoji")
    finally:
        context.close()


def test_simultaneous_browser_sessions_get_their_own_answers(browser: Any, server: str, shoot: Shooter) -> None:
    cases = {
        BILATERAL_MEDICARE: ["64494", "50", "1"],
        "Right C5-C6, C6-C7 and C7-T1 facet injections under fluoroscopy": ["64492", "RT", "1"],
        "Left L3-L4 facet injection with fluoroscopy": ["64493", "LT", "1"],
    }
    contexts = [browser.new_context(viewport={"width": 1200, "height": 900}) for _ in cases]
    try:
        tabs = [c.new_page() for c in contexts]
        for tab in tabs:
            tab.set_default_timeout(WAIT_MS)
            tab.goto(server)
        for tab in tabs:
            tab.get_by_text("Try one of these").wait_for()
        for tab, question in zip(tabs, cases, strict=True):  # all submitted before any answer
            ask(tab, question)
        for tab, (question, line) in zip(tabs, cases.items(), strict=True):
            table = tab.locator("[data-testid=stChatMessage] table").first
            table.wait_for()
            rows = table_rows(table)
            assert line in [r[:3] for r in rows], question
            others = [other for q, other in cases.items() if q != question]
            assert not any(o in [r[:3] for r in rows] for o in others), question
            assert tab.get_by_test_id("stChatMessage").count() == 2
        shoot(tabs[1], "04-concurrent-session")
    finally:
        for context in contexts:
            context.close()
