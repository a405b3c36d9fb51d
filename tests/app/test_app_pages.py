"""Claim builder, claim checker, code reference and About pages (AppTest)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from app_support import APP, RUN_TIMEOUT, ask, page_text
from streamlit.testing.v1 import AppTest

from assistant.settings import Settings
from assistant.store import write_manifest

CHAT = "views/chat.py"
BUILDER = "views/claim_builder.py"
CHECKER = "views/claim_checker.py"
REFERENCE = "views/code_reference.py"
ABOUT = "views/about.py"


def table_rows(at: AppTest) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for table in at.table:
        rows += table.value.to_dict("records")
    return rows


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception
    return at


def build(
    at: AppTest,
    right: list[str],
    left: list[str],
    payer: str = "medicare",
    setting: str = "professional",
    imaging: str = "fluoroscopy",
) -> AppTest:
    at.multiselect(key="builder_right").set_value(right)
    at.multiselect(key="builder_left").set_value(left)
    at.selectbox(key="builder_imaging").set_value(imaging)
    at.selectbox(key="builder_payer").set_value(payer)
    at.selectbox(key="builder_setting").set_value(setting)
    return at.button(key="builder_submit").click().run()


# --- sidebar defaults across pages -------------------------------------------------------------
def sidebar_defaults(at: AppTest) -> tuple[object, object, object]:
    return (
        at.selectbox(key="default_payer").value,
        at.selectbox(key="default_setting").value,
        at.radio(key="audience").value,
    )


def test_sidebar_defaults_survive_page_switches(app: AppTest) -> None:
    app.selectbox(key="default_payer").set_value("uhc")
    app.selectbox(key="default_setting").set_value("asc_facility")
    app.radio(key="audience").set_value("front_desk").run()
    chosen = ("uhc", "asc_facility", "front_desk")
    for page in (BUILDER, CHECKER, REFERENCE, ABOUT, CHAT, BUILDER):
        open_page(app, page)
        assert sidebar_defaults(app) == chosen, page
        # Every run goes through app.py: one sidebar, with the page menu above it.
        assert len(app.sidebar.selectbox) == 2, page
    assert app.selectbox(key="builder_payer").value == "uhc"  # the form starts from them
    assert app.selectbox(key="builder_setting").value == "asc_facility"
    app.multiselect(key="builder_right").set_value(["L4-L5"])
    app.button(key="builder_submit").click().run()  # a run inside the page keeps them too
    assert sidebar_defaults(app) == chosen
    assert app.table[0].value["Code"].tolist() == ["64493"]


def test_forms_start_at_physician_when_the_setting_is_not_specified(app: AppTest) -> None:
    open_page(app, CHECKER)
    assert app.selectbox(key="default_setting").value == "unspecified"
    assert app.selectbox(key="checker_setting").value == "professional"


# --- claim builder -----------------------------------------------------------------------------
def test_builder_gives_lines_and_findings_for_the_chosen_payer(app: AppTest) -> None:
    open_page(app, BUILDER)
    build(app, ["L4-L5", "L5-S1"], ["L4-L5", "L5-S1"])
    assert not app.exception
    first = app.table[0].value
    assert first[["Code", "Modifiers", "Units"]].values.tolist() == [["64493", "50", 1], ["64494", "50", 1]]
    assert "L4-L5 (bilateral)" in first["Covers"].tolist()
    assert any("FJ-BILATERAL" in i.value for i in app.info)
    assert app.download_button(key="builder_csv").label.startswith("Download")


def test_builder_compares_every_payer_profile_side_by_side(app: AppTest) -> None:
    open_page(app, BUILDER)
    build(app, ["L4-L5"], ["L4-L5"], setting="asc_facility")
    comparison = next(t.value for t in app.table if "Payer" in t.value.columns)
    assert set(comparison["Payer"]) == {"Medicare", "Aetna", "Blue Cross Blue Shield", "Cigna", "UnitedHealthcare", "Anthem (AIM / Carelon guidelines)"}
    medicare = comparison[comparison["Payer"] == "Medicare"]["Claim lines"].item()
    assert medicare == "64493-RT ×1, 64493-LT ×1"  # Medicare ASC: RT and LT lines
    assert len(app.columns) >= 5


def test_builder_without_joints_asks_for_one(app: AppTest) -> None:
    open_page(app, BUILDER)
    app.button(key="builder_submit").click().run()
    assert not app.exception
    assert "Pick at least one joint" in page_text(app)


# --- claim checker -----------------------------------------------------------------------------
def test_checker_finds_errors_in_pasted_lines_and_corrects_them(app: AppTest) -> None:
    open_page(app, CHECKER)
    app.text_area(key="checker_text_input").set_value("64490-50, 64491 x2")
    app.button(key="checker_text_submit").click().run()
    assert not app.exception
    assert any("Errors found" in e.value for e in app.error)
    assert any("FJ-UNITS-ONE" in e.value for e in app.error)
    yours, corrected = app.table[0].value, app.table[1].value
    assert yours["Units"].tolist() == [1, 2]
    assert corrected[["Code", "Modifiers", "Units"]].values.tolist() == [["64490", "50", 1], ["64491", "50", 1]]


def test_checker_passes_a_correct_claim(app: AppTest) -> None:
    open_page(app, CHECKER)
    app.selectbox(key="checker_payer").set_value("medicare")
    app.text_area(key="checker_text_input").set_value("64493-RT, 64494-RT")
    app.button(key="checker_text_submit").click().run()
    assert any("No errors found" in s.value for s in app.success)


def test_checker_checks_the_table_editor_lines(app: AppTest) -> None:
    open_page(app, CHECKER)
    editor = app.data_editor(key="checker_editor").value
    assert isinstance(editor, pd.DataFrame) and editor["code"].tolist() == ["64490", "64491"]
    app.button(key="checker_table_submit").click().run()
    assert not app.exception
    assert any("FJ-UNITS-ONE" in e.value for e in app.error)


def test_checker_text_without_codes_gets_a_friendly_message(app: AppTest) -> None:
    open_page(app, CHECKER)
    for text in ("hello there", "<b>64490</b>x999", ""):
        app.text_area(key="checker_text_input").set_value(text)
        app.button(key="checker_text_submit").click().run()
        assert not app.exception
    assert "could not find any CPT codes" in page_text(app)


# --- reference and about -----------------------------------------------------------------------
def test_code_reference_lists_the_family_addons_and_payers(app: AppTest) -> None:
    open_page(app, REFERENCE)
    codes = [r["Code"] for r in table_rows(app) if "Code" in r]
    for code in ("64490", "+64491", "+64492", "64493", "+64494", "+64495", "0213T", "+0218T"):
        assert code in codes
    addons = next(t.value for t in app.table if "Add-on code" in t.value.columns)
    assert addons[addons["Add-on code"] == "+64491"]["Only with"].item() == "64490"
    payers = next(t.value for t in app.table if "Medicare" in t.value.columns)
    assert "Bilateral format (physician)" in payers.index
    rates = next(d.value for d in app.dataframe if "Status" in d.value.columns)
    assert {"Payer", "Code", "Amount ($)", "Source", "Status"} <= set(rates.columns)
    assert rates["Status"].str.contains("verified|derived|UNVERIFIED").all()


def test_about_shows_versions_index_state_scope_and_disclaimer(app: AppTest) -> None:
    open_page(app, ABOUT)
    text = page_text(app)
    assert "does not replace, a certified coder" in text
    assert "has not been built yet" in text  # tmp data dir: no index
    assert {m.label for m in app.metric} >= {"Engine", "Rules", "Knowledge"}
    assert "Not covered" in [s.value for s in app.subheader]


def test_about_shows_when_the_index_was_built(data_dir: Path) -> None:
    manifest = write_manifest(Settings(), {"chunks": 0})
    at = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT).run()
    open_page(at, ABOUT)
    assert f"Knowledge index built:** {manifest['built_at']}" in page_text(at)


def test_about_reviews_recent_feedback(app: AppTest) -> None:
    ask(app, "Check 64490-50, 64491 x2")
    answer_id = app.session_state["chat_turns"][0]["answer"].id
    app.feedback(key=f"feedback_{answer_id}").set_value(1)
    app.text_input(key=f"feedback_comment_{answer_id}").set_value("clear")
    app.button(key=f"feedback_send_{answer_id}").click().run()
    open_page(app, ABOUT)
    review = next(d.value for d in app.dataframe if "Rating" in d.value.columns)
    assert review[["Rating", "Comment"]].values.tolist() == [["helpful", "clear"]]
