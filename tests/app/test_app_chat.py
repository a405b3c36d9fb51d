"""The chat page: asking, follow-ups, sidebar defaults, feedback and bad input (AppTest)."""

from __future__ import annotations

from app_support import ask, page_text
from streamlit.testing.v1 import AppTest

from assistant.audit import AuditLog

BILATERAL_MEDICARE = "Bilateral L4-L5 and L5-S1 facet injections with fluoroscopy for Medicare"


def test_first_visit_shows_starter_questions_faq_and_disclaimer(app: AppTest) -> None:
    assert not app.exception
    labels = [b.label for b in app.button]
    assert any("L4-L5 and L5-S1" in label for label in labels)  # starter questions
    assert any("prior authorization" in label for label in labels)  # front-desk FAQ
    assert "does not replace, a certified coder" in page_text(app)
    assert app.selectbox(key="default_payer").value == "unspecified"
    assert app.selectbox(key="default_setting").value == "unspecified"
    assert app.radio(key="audience").value == "coder"


def test_question_gets_claim_lines_findings_and_sources(app: AppTest) -> None:
    ask(app, BILATERAL_MEDICARE)
    assert not app.exception
    text = page_text(app)
    assert "| 64493 | 50 | 1 |" in text
    assert "| 64494 | 50 | 1 |" in text
    assert "FJ-BILATERAL" in text
    assert len(app.chat_message) == 2
    assert any(e.label.startswith("Sources (") for e in app.expander)
    assert any(e.label.startswith("Rules behind this answer") for e in app.expander)
    assert len(app.feedback) == 1


def test_follow_up_reuses_the_previous_case(app: AppTest) -> None:
    ask(app, BILATERAL_MEDICARE)
    ask(app, "what if it was right side only?")
    text = page_text(app)
    assert "| 64493 | RT | 1 |" in text
    assert "Same case as before" in text
    assert len(app.chat_message) == 4


def test_starter_button_asks_its_question(app: AppTest) -> None:
    app.button(key="starter_0").click().run()
    assert not app.exception
    assert "| 64494 | 50 | 1 |" in page_text(app)


def test_sidebar_defaults_apply_to_questions_that_do_not_name_them(app: AppTest) -> None:
    app.selectbox(key="default_payer").set_value("uhc")
    app.selectbox(key="default_setting").set_value("asc_facility").run()
    ask(app, "Bilateral L4-L5 facet injection with fluoroscopy")
    text = page_text(app)
    assert "UnitedHealthcare, ASC facility claim" in text
    # The user is told the defaults were used, not left to guess, and told once: the
    # assistant writes these notes into the answer's own Assumptions block.
    assert text.count("Payer taken from your default setting: UnitedHealthcare.") == 1
    assert text.count("Claim type taken from your default setting: ASC facility claim.") == 1
    assert "**Note:**" not in text


def test_setting_not_specified_is_assumed_physician_and_said(app: AppTest) -> None:
    ask(app, "Right L4-L5 facet injection with fluoroscopy for Aetna")
    text = page_text(app)
    assert "(Aetna, physician (professional) claim)" in text
    assert text.count("Assumed a physician (professional) claim") == 1


def test_explicit_professional_setting_is_not_called_an_assumption(app: AppTest) -> None:
    app.selectbox(key="default_setting").set_value("professional").run()
    ask(app, "Right L4-L5 facet injection with fluoroscopy for Aetna")
    text = page_text(app)
    assert "(Aetna, physician (professional) claim)" in text
    assert "Assumed a physician (professional) claim" not in text
    assert "Claim type taken from your default setting" not in text


def test_question_naming_a_payer_overrides_the_sidebar(app: AppTest) -> None:
    app.selectbox(key="default_payer").set_value("uhc").run()
    ask(app, BILATERAL_MEDICARE)
    assert "(Medicare, physician (professional) claim)" in page_text(app)


def test_front_desk_audience_gets_faq_and_plain_answer_first(app: AppTest) -> None:
    app.radio(key="audience").set_value("front_desk").run()
    assert any(b.key == "faq_main_0" for b in app.button)  # FAQ in the main pane, one click
    app.button(key="faq_main_0").click().run()
    assert not app.exception
    reply = app.chat_message[1].markdown[0].value
    assert reply.startswith("**In short:**")


def test_new_chat_clears_the_conversation(app: AppTest) -> None:
    ask(app, BILATERAL_MEDICARE)
    app.button(key="new_chat").click().run()
    assert len(app.chat_message) == 0
    assert any(b.key == "starter_0" for b in app.button)


def test_feedback_is_stored_with_its_comment(app: AppTest, audit: AuditLog) -> None:
    ask(app, BILATERAL_MEDICARE)
    answer_id = app.session_state["chat_turns"][0]["answer"].id
    app.feedback(key=f"feedback_{answer_id}").set_value(0)  # thumbs down
    app.text_input(key=f"feedback_comment_{answer_id}").set_value("Wanted KX explained")
    app.button(key=f"feedback_send_{answer_id}").click().run()
    assert not app.exception
    rows = audit.recent_feedback()
    assert [(r["rating"], r["comment"]) for r in rows] == [(-1, "Wanted KX explained")]
    assert rows[0]["question"] == BILATERAL_MEDICARE
    assert "feedback was saved" in page_text(app)
    assert not app.feedback  # one rating per answer


def test_feedback_without_a_thumb_asks_for_one(app: AppTest, audit: AuditLog) -> None:
    ask(app, BILATERAL_MEDICARE)
    answer_id = app.session_state["chat_turns"][0]["answer"].id
    app.button(key=f"feedback_send_{answer_id}").click().run()
    assert "Pick thumbs up or thumbs down" in page_text(app)
    assert audit.recent_feedback() == []


def test_bad_input_gets_a_friendly_message_not_a_traceback(app: AppTest) -> None:
    for bad in ("\x00\x01\x02", "🙂🙂🙂", "x" * 20_000, "   "):
        ask(app, bad)
        assert not app.exception
    text = page_text(app)
    assert "binary data" in text or "type your question" in text
    assert "20,000 characters" in text


def test_user_html_is_shown_as_text_never_rendered(app: AppTest) -> None:
    ask(app, "<script>alert(1)</script><img src=x onerror=alert(2)> bilateral L4-L5 fluoroscopy")
    assert not app.exception
    assert not [m for m in app.markdown if m.proto.allow_html]
    question = app.chat_message[0].markdown[0].value
    assert "\\<script\\>" in question  # escaped, so Markdown shows it literally
