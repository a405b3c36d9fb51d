"""Unit tests: guardrails.parse.parse_text on the forms coders type, and route_question."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from assistant.router import Intent, route_question
from assistant.service import Assistant
from assistant.topics import match_topics
from guardrails.models import Imaging, Purpose, Setting
from guardrails.parse import ParsedText, parse_text

Parse = Callable[[str], ParsedText]


@pytest.fixture(scope="module")
def parse(assistant: Assistant) -> Parse:
    def run(text: str) -> ParsedText:
        return parse_text(text, assistant.payers)

    return run


def route(parse, text: str, has_previous: bool = False) -> Intent:
    intent, _ = route_question(text, parse(text), has_previous)
    return intent


# --- joints ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "joints"), [
    ("right C4-5", ["C4-C5"]),
    ("right C4-C5", ["C4-C5"]),
    ("right C4/5", ["C4-C5"]),
    ("right C4/C5", ["C4-C5"]),
    ("right C4 - C5", ["C4-C5"]),
    ("right c4-5", ["C4-C5"]),
    ("right C7-T1", ["C7-T1"]),
    ("right T12-L1", ["T12-L1"]),
    ("right L5-S1", ["L5-S1"]),
    ("right L5-1", ["L5-S1"]),
    ("right L4-5 and L5-S1", ["L4-L5", "L5-S1"]),
    ("right C3-4 through C6-7", ["C3-C4", "C4-C5", "C5-C6", "C6-C7"]),
    ("right L3-L4 to L5-S1", ["L3-L4", "L4-L5", "L5-S1"]),
    ("right L2-3 thru L4-5", ["L2-L3", "L3-L4", "L4-L5"]),
    ("right T11-12 through L1-2", ["T11-T12", "T12-L1", "L1-L2"]),
])
def test_joint_forms(parse: Parse, text: str, joints: list[str]) -> None:
    parsed = parse(text)
    assert [j for j, _ in parsed.joints] == joints
    assert all(side == "right" for _, side in parsed.joints)
    assert parsed.invalid_joints == []


@pytest.mark.parametrize(("text", "rule", "words"), [
    ("right L5-L6", None, "L6"),
    ("right S1-S2", "FJ-NOT-FACET", "sacral"),
    ("right C1-C2", None, "atlanto-axial"),
    ("right C8-T1", None, "C8"),
    ("right L3-L5", None, "neighbouring"),
])
def test_invalid_joints_are_reported_not_guessed(
    parse: Parse, text: str, rule: str | None, words: str
) -> None:
    parsed = parse(text)
    assert parsed.joints == []
    (error,) = parsed.invalid_joints
    assert error.rule == rule
    assert words in str(error)


def test_si_joint_is_noticed(parse: Parse) -> None:
    parsed = parse("left SI joint injection under fluoroscopy")
    assert parsed.mentions_si and parsed.joints == []


# --- sides ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "sides"), [
    ("right L4-5", ["right"]),
    ("left L4-5", ["left"]),
    ("bilat L4-5", ["bilateral"]),
    ("bilateral L4-5", ["bilateral"]),
    ("b/l L4-5", ["bilateral"]),
    ("L4-5 on both sides", ["bilateral"]),
    ("L4-5 bilaterally", ["bilateral"]),
    ("L4-5 and L5-S1 on the right", ["right", "right"]),
    ("rt L4-5", ["right"]),
    ("L4-5 LT", ["left"]),
    ("right L4-5, left L5-S1", ["right", "left"]),
    ("L4-5 right, L5-S1 left", ["right", "left"]),
    ("bilateral L4-5 and right L5-S1", ["bilateral", "right"]),
    ("L4-5", [None]),
])
def test_side_forms(parse: Parse, text: str, sides: list[str | None]) -> None:
    assert [s for _, s in parse(text).joints] == sides


@pytest.mark.parametrize("text", ["right and left L4-5", "L4-5 right and left",
                                  "L4-5 left and right sides"])
def test_both_side_words_for_one_joint(parse: Parse, text: str) -> None:
    sides = {s for _, s in parse(text).joints}
    assert sides in ({"bilateral"}, {"left", "right"})


def test_prefix_then_postfix_side(parse: Parse) -> None:
    assert parse("right C5-6 and C6-7 on the left").joints == [("C5-C6", "right"),
                                                                ("C6-C7", "left")]


# --- imaging, purpose, setting, payer ---------------------------------------------------------------
@pytest.mark.parametrize(("text", "imaging"), [
    ("with fluoro", Imaging.FLUOROSCOPY),
    ("under fluoroscopic guidance", Imaging.FLUOROSCOPY),
    ("C-arm used", Imaging.FLUOROSCOPY),
    ("under CT", Imaging.CT),
    ("CT-guided", Imaging.CT),
    ("ultrasound guided", Imaging.ULTRASOUND),
    ("US-guided", Imaging.ULTRASOUND),
    ("under US", Imaging.ULTRASOUND),
    ("no imaging", Imaging.NONE),
    ("without fluoroscopy", Imaging.NONE),
    ("done blind", Imaging.NONE),
    ("landmark-guided", Imaging.NONE),
    ("facet injection", None),
])
def test_imaging_forms(parse: Parse, text: str, imaging: Imaging | None) -> None:
    parsed = parse(text)
    assert parsed.imaging == imaging
    assert parsed.imaging_conflict == []


def test_two_imaging_kinds_are_a_conflict(parse: Parse) -> None:
    parsed = parse("under ultrasound and fluoroscopy")
    assert set(parsed.imaging_conflict) == {Imaging.ULTRASOUND, Imaging.FLUOROSCOPY}


@pytest.mark.parametrize("text", ["fluoroscopy was not used", "under landmark guidance"])
def test_negated_imaging(parse: Parse, text: str) -> None:
    assert parse(text).imaging is Imaging.NONE


@pytest.mark.parametrize(("text", "purpose"), [
    ("diagnostic", Purpose.DIAGNOSTIC),
    ("MBB", Purpose.DIAGNOSTIC),
    ("medial branch blocks", Purpose.DIAGNOSTIC),
    ("dx block", Purpose.DIAGNOSTIC),
    ("therapeutic", Purpose.THERAPEUTIC),
    ("facet injection", None),
])
def test_purpose_forms(parse: Parse, text: str, purpose: Purpose | None) -> None:
    assert parse(text).purpose == purpose


def test_mbb_is_read_as_diagnostic_with_a_note(parse: Parse) -> None:
    parsed = parse("MBB right L4-5")
    assert parsed.purpose is Purpose.DIAGNOSTIC and parsed.purpose_note


def test_negated_purpose(parse: Parse) -> None:
    assert parse("Therapeutic (not diagnostic) right L4-5").purpose is Purpose.THERAPEUTIC


@pytest.mark.parametrize(("text", "setting"), [
    ("at the ASC", Setting.ASC_FACILITY),
    ("surgery center", Setting.ASC_FACILITY),
    ("ambulatory surgical center", Setting.ASC_FACILITY),
    ("hospital outpatient", Setting.HOSPITAL_OUTPATIENT_FACILITY),
    ("HOPD", Setting.HOSPITAL_OUTPATIENT_FACILITY),
    ("in the office", Setting.PROFESSIONAL),
    ("physician's claim at the ASC", Setting.PROFESSIONAL),
    ("facet injection", None),
])
def test_setting_forms(parse: Parse, text: str, setting: Setting | None) -> None:
    assert parse(text).setting == setting


@pytest.mark.parametrize(("text", "payer"), [
    ("for Medicare", "medicare"),
    ("Part B patient", "medicare"),
    ("CMS", "medicare"),
    ("UHC", "uhc"),
    ("United", "uhc"),
    ("UnitedHealthcare", "uhc"),
    ("Blue Cross", "bcbs"),
    ("BCBS", "bcbs"),
    ("Anthem", "anthem"),
    ("Cigna", "cigna"),
    ("aetna", "aetna"),
    ("Humana", None),
])
def test_payer_aliases(parse: Parse, text: str, payer: str | None) -> None:
    assert parse(text).payer == payer


def test_negated_payer(parse: Parse) -> None:
    assert parse("Payer is Aetna, not Medicare.").payer in (None, "aetna")


# --- claim lines ----------------------------------------------------------------------------
def lines(parsed: ParsedText) -> list[tuple[str, list[str], int]]:
    return [(ln.code, ln.modifiers, ln.units) for ln in parsed.lines]


@pytest.mark.parametrize(("text", "expected"), [
    ("64490-50", [("64490", ["50"], 1)]),
    ("64491 x2", [("64491", [], 2)]),
    ("64491 x 2", [("64491", [], 2)]),
    ("64491 ×2", [("64491", [], 2)]),
    ("64491*2", [("64491", [], 2)]),
    ("64491 2 units", [("64491", [], 2)]),
    ("64491 with 2 units", [("64491", [], 2)]),
    ("64491-59", [("64491", ["59"], 1)]),
    ("64491 with modifier 59", [("64491", ["59"], 1)]),
    ("+64491-50", [("64491", ["50"], 1)]),
    ("64490-50-KX", [("64490", ["50", "KX"], 1)]),
    ("64493-RT, 64494-RT-51", [("64493", ["RT"], 1), ("64494", ["RT", "51"], 1)]),
    ("64490, 64491, 77003", [("64490", [], 1), ("64491", [], 1), ("77003", [], 1)]),
    ("0213T-RT", [("0213T", ["RT"], 1)]),
])
def test_claim_line_forms(parse: Parse, text: str, expected: Any) -> None:
    assert lines(parse(text)) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("2 units of 64491", [("64491", [], 2)]),
    ("64491 (2 units)", [("64491", [], 2)]),
    ("put modifier 59 on 64491", [("64491", ["59"], 1)]),
])
def test_claim_line_forms_lost(parse: Parse, text: str, expected: Any) -> None:
    assert lines(parse(text)) == expected


def test_codes_are_not_read_as_joints(parse: Parse) -> None:
    parsed = parse("64490-RT and 64491-LT")
    assert parsed.joints == [] and parsed.sides_mentioned == []


# --- routing --------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "intent"), [
    ("Right L4-5 facet injection with fluoro, Medicare", Intent.SCENARIO),
    ("L4-5 facet injection", Intent.SCENARIO),  # the side is asked for later
    ("Right L5-L6 facet injection", Intent.INVALID_JOINT),
    ("S1-S2 facet injection", Intent.INVALID_JOINT),
    ("We billed 64490-50 and 64491 x2 for Medicare", Intent.CHECK),
    ("64491-59", Intent.CHECK),
    ("Check: 64490, 64491, 77003", Intent.CHECK),
    ("Can 64491 be billed on its own?", Intent.RULE),
    ("Can I put modifier 51 on 64491?", Intent.RULE),
    ("Is modifier 50 used for two levels on the same side?", Intent.RULE),
    ("Is an SI joint injection a facet injection?", Intent.RULE),
    ("Does Medicare cover 64495?", Intent.RULE),
    ("What does Medicare pay for 64491?", Intent.KNOWLEDGE),
    ("What documentation does Medicare need for facet joint injections?", Intent.KNOWLEDGE),
    ("What is the difference between 64490 and 64493?", Intent.KNOWLEDGE),
    ("What's the capital of France?", Intent.OUT_OF_SCOPE),
    ("Give me a recipe for banana bread", Intent.OUT_OF_SCOPE),
    ("hello", Intent.OUT_OF_SCOPE),
])
def test_route_first_turn(parse: Parse, text: str, intent: Intent) -> None:
    assert route(parse, text) is intent


@pytest.mark.parametrize("text", ["and for Aetna?", "what if it was bilateral?",
                                  "same case but ASC", "what about with ultrasound?",
                                  "Medicare", "diagnostic instead"])
def test_follow_up_needs_a_previous_scenario(parse: Parse, text: str) -> None:
    assert route(parse, text, has_previous=True) is Intent.FOLLOW_UP
    assert route(parse, text, has_previous=False) is not Intent.FOLLOW_UP


def test_new_scenario_wins_over_follow_up(parse: Parse) -> None:
    assert route(parse, "what if it was bilateral L4-5 instead?", has_previous=True) is (
        Intent.SCENARIO)


def test_long_question_without_follow_up_words_is_not_a_follow_up(parse: Parse) -> None:
    text = "Does Medicare require documentation of conservative care before facet injections?"
    assert route(parse, text, has_previous=True) is not Intent.FOLLOW_UP


@pytest.mark.parametrize("text", ["Is T12-L1 coded as thoracic or lumbar?", "Is L5-S1 lumbar?"])
def test_rule_question_naming_a_joint(parse: Parse, text: str) -> None:
    assert route(parse, text) is not Intent.SCENARIO


def test_rule_question_with_two_codes(parse: Parse) -> None:
    assert route(parse, "Can 64494 be billed without 64493?") is Intent.RULE


@pytest.mark.parametrize("text", ["What CPT code do I use for a colonoscopy with biopsy?",
                                  "How do I code a total knee replacement, 27447?",
                                  "How do I code a knee injection?"])
def test_other_procedures_are_out_of_scope(parse: Parse, text: str) -> None:
    assert route(parse, text) is Intent.OUT_OF_SCOPE


# --- topics ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "rule"), [
    ("Can I put modifier 51 on 64491?", "FJ-NO-51-ADDON"),
    ("Is modifier 50 used for two levels on the same side?", "FJ-50-SAME-JOINT"),
    ("Should I use modifier 59 on 64491 to show the second level?", "FJ-NO-59-LEVELS"),
    ("Can 64491 be billed on its own?", "FJ-ADDON-PRIMARY"),
    ("Is 77012 billable with 64493?", "FJ-IMAGING-INCLUDED"),
    ("Is an SI joint injection a facet injection?", "FJ-NOT-FACET"),
    ("Do I need prior auth in the HOPD?", "FJ-MEDICARE-PA-HOPD"),
    ("When is KX required?", "FJ-MEDICARE-KX"),
])
def test_top_topic(text: str, rule: str) -> None:
    topics = match_topics(text)
    assert topics and topics[0][0].rule == rule, [(t.rule, s) for t, s in topics]
