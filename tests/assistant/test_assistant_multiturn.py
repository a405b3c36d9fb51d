"""Multi-turn: follow-ups reuse the previous scenario and recompute the lines with the engine."""

from __future__ import annotations

import pytest
from assistant_testkit import decision_lines, line_set

from assistant.answer import Answer, Route
from assistant.service import Assistant


def converse(assistant: Assistant, *questions: str) -> list[Answer]:
    history: list[Answer] = []
    for question in questions:
        history.append(assistant.ask(question, history=list(history)))
    return history


def test_bilateral_then_other_payer_at_the_junction(assistant: Assistant) -> None:
    first, bilateral, aetna = converse(
        assistant,
        "Right T12-L1 and L1-L2 facet injections under fluoro for Medicare",
        "what if it was bilateral?",
        "and for Aetna?",
    )
    assert decision_lines(first) == line_set([["64490", ["RT"], 1], ["64494", ["RT"], 1]])
    # Medicare junction rule (FJ-JUNCTION-MEDICARE), now bilateral: 50 on both lines.
    assert bilateral.route is Route.CODING
    assert decision_lines(bilateral) == line_set([["64490", ["50"], 1], ["64494", ["50"], 1]])
    assert bilateral.scenario and bilateral.scenario["payer"] == "medicare"
    assert any("Follow-up" in a for a in bilateral.assumptions)
    # Aetna: CPT region logic, T12-L1 thoracic and L1-L2 the lumbar primary.
    assert decision_lines(aetna) == line_set([["64490", ["50"], 1], ["64493", ["50"], 1]])
    assert aetna.scenario and aetna.scenario["payer"] == "aetna"
    assert aetna.decision and aetna.decision["payer"] == "aetna"
    assert "Aetna" in aetna.answer


def test_follow_up_changes_setting_then_purpose(assistant: Assistant) -> None:
    answers = converse(
        assistant,
        "Left C4-5 and C5-6 facet injections, fluoro, Medicare",
        "what if it was bilateral?",
        "same case but in an ASC",
        "and if it was diagnostic?",
    )
    first, bilateral, asc, diagnostic = answers
    assert decision_lines(first) == line_set([["64490", ["LT"], 1], ["64491", ["LT"], 1]])
    assert decision_lines(bilateral) == line_set([["64490", ["50"], 1], ["64491", ["50"], 1]])
    # Medicare ASC facility claim: a bilateral level is two lines, RT and LT (FJ-ASC-FACILITY).
    assert decision_lines(asc) == line_set(
        [["64490", ["RT"], 1], ["64490", ["LT"], 1], ["64491", ["RT"], 1], ["64491", ["LT"], 1]]
    )
    # Diagnostic for Medicare: KX on every line (FJ-MEDICARE-KX), ASC format kept.
    assert decision_lines(diagnostic) == line_set(
        [["64490", ["RT", "KX"], 1], ["64490", ["LT", "KX"], 1],
         ["64491", ["RT", "KX"], 1], ["64491", ["LT", "KX"], 1]]
    )


def test_follow_up_changes_imaging(assistant: Assistant) -> None:
    _, ultrasound, none = converse(
        assistant,
        "Right C5-6 and C6-7 facet injections with fluoro for Aetna",
        "what if it was done with ultrasound instead?",
        "and without imaging?",
    )
    assert decision_lines(ultrasound) == line_set([["0213T", ["RT"], 1], ["0214T", ["RT"], 1]])
    assert none.decision and none.decision["billable"] is False
    assert decision_lines(none) == []


def test_follow_up_reuses_the_last_scenario_across_an_unrelated_turn(assistant: Assistant) -> None:
    _, detour, aetna = converse(
        assistant,
        "Left C4-5 and C5-6 facet injections, fluoro, Medicare",
        "What's the capital of France?",
        "and for Aetna?",
    )
    assert detour.route is Route.OUT_OF_SCOPE
    assert decision_lines(aetna) == line_set([["64490", ["LT"], 1], ["64491", ["LT"], 1]])
    assert aetna.scenario and aetna.scenario["payer"] == "aetna"


def test_payer_clarification_can_be_answered(assistant: Assistant) -> None:
    question, reply = converse(
        assistant,
        "Bilateral T12-L1 and L1-L2 facet injections with fluoroscopy",
        "Medicare",
    )
    assert question.route is Route.CLARIFY and decision_lines(question) == []
    assert decision_lines(reply) == line_set([["64490", ["50"], 1], ["64494", ["50"], 1]])


def test_follow_up_without_history_gets_no_lines(assistant: Assistant) -> None:
    answer = assistant.ask("what if it was bilateral?")
    assert decision_lines(answer) == []
    assert answer.route is not Route.OUT_OF_SCOPE


def test_new_scenario_in_a_conversation_is_not_mixed_with_the_old_one(assistant: Assistant) -> None:
    _, fresh = converse(
        assistant,
        "Left C4-5 and C5-6 facet injections, fluoro, Medicare",
        "Now bilateral L4-5 under fluoro for Cigna",
    )
    assert decision_lines(fresh) == line_set([["64493", ["50"], 1]])


def test_side_clarification_can_be_answered(assistant: Assistant) -> None:
    question, reply = converse(assistant, "L4-5 facet injection, fluoro, Medicare", "right")
    assert question.route is Route.CLARIFY and decision_lines(question) == []
    assert decision_lines(reply) == line_set([["64493", ["RT"], 1]])


def test_follow_up_adding_the_other_side_of_one_joint(assistant: Assistant) -> None:
    _, reply = converse(
        assistant,
        "Left C4-5 and C5-6 facet injections, fluoro, Medicare",
        "what if the left C5-6 was also done on the right?",
    )
    # Never a wrong set of lines: either ask, or C5-C6 bilateral (primary) + C4-C5 left.
    got = decision_lines(reply)
    assert got in ([], line_set([["64490", ["50"], 1], ["64491", ["LT"], 1]])), got


@pytest.mark.parametrize("follow_up", ["what if it was bilateral?", "in an ASC"])
def test_junction_follow_up_without_payer_still_asks(assistant: Assistant, follow_up: str) -> None:
    question, reply = converse(
        assistant, "Right T12-L1 and L1-L2 facet injections with fluoroscopy", follow_up
    )
    assert question.route is Route.CLARIFY
    assert reply.route is Route.CLARIFY
    assert decision_lines(reply) == []


def test_follow_up_with_conflicting_imaging_asks(assistant: Assistant) -> None:
    _, reply = converse(
        assistant,
        "Right L4-5 facet injection with fluoro for Medicare",
        "and with ultrasound and fluoro?",
    )
    assert reply.route is Route.CLARIFY
    assert decision_lines(reply) == []
