"""find_conflicts: a plain wrong statement is a conflict; a sentence refuting it is not."""

from __future__ import annotations

import pytest

from assistant.answer import Passage
from assistant.conflicts import CONTRADICTIONS, find_conflicts
from assistant.retrieval import to_passage
from assistant.service import Assistant


def passage(text: str, doc_id: str = "doc", title: str = "A document") -> Passage:
    return Passage(id=f"{doc_id}#0", text=text, doc_id=doc_id, title=title, section="s")


def rules_of(text: str) -> list[str]:
    return [c.rule for c in find_conflicts([passage(text)])]


@pytest.mark.parametrize(("sentence", "rule"), [
    ("64491 is reported as two units for bilateral injections.", "FJ-UNITS-ONE"),
    ("Bill 2 units of 64494 when both sides are done.", "FJ-UNITS-ONE"),
    ("Modifier 59 should be added to 64491 for the second level.", "FJ-NO-59-LEVELS"),
    ("Use XS on the code for each additional level.", "FJ-NO-59-LEVELS"),
    ("Put 50 on the primary code only.", "FJ-BILATERAL"),
    ("Report 77003 in addition to 64490.", "FJ-IMAGING-INCLUDED"),
    ("Always bill 77012 for the CT guidance.", "FJ-IMAGING-INCLUDED"),
    ("Report 64492 for each additional level as separate units.", "FJ-THIRD-ONCE"),
    ("For five levels, bill 64495 x3.", "FJ-THIRD-ONCE"),
    ("Ultrasound-guided injections are reported with 64493.", "FJ-ULTRASOUND"),
    ("64491 can be billed alone.", "FJ-ADDON-PRIMARY"),
])
def test_plain_wrong_statement_is_a_conflict(sentence: str, rule: str) -> None:
    assert rule in rules_of(sentence)


def test_every_contradiction_rule_is_exercised() -> None:
    assert {rule for rule, _, _ in CONTRADICTIONS} == {
        "FJ-UNITS-ONE", "FJ-BILATERAL", "FJ-NO-59-LEVELS", "FJ-IMAGING-INCLUDED",
        "FJ-THIRD-ONCE", "FJ-ULTRASOUND", "FJ-ADDON-PRIMARY"}


@pytest.mark.parametrize("sentence", [
    "The guide's claim that 64491 is two units is wrong.",
    "64491 is not billed as two units for a bilateral level.",
    "Never add modifier 59 to 64491 for the second level.",
    "Do not report 77003 in addition to 64490.",
    "It is a myth that 64492 is billed for each additional level as separate units.",
    "Some coders say that 64491 can be billed alone.",
    "Billing 64491 as 2 units is a common error.",
    "64491 is reported with modifier 50 and 1 unit for a bilateral level.",
    "Fluoroscopic guidance is included in 64490-64495.",
])
def test_refuting_or_correct_sentence_is_not_a_conflict(sentence: str) -> None:
    assert rules_of(sentence) == []


def test_only_the_wrong_sentence_of_a_passage_is_flagged() -> None:
    text = ("The guide's claim that 64491 is two units is wrong. "
            "Billing tip: 64491 is reported as two units for bilateral injections.")
    (conflict,) = find_conflicts([passage(text, doc_id="tips", title="Tips")])
    assert conflict.rule == "FJ-UNITS-ONE"
    assert conflict.passage == "Billing tip: 64491 is reported as two units for bilateral injections."
    assert conflict.source.source_id == "tips" and conflict.source.title == "Tips"
    assert "1 unit" in conflict.correct


def test_one_sentence_can_contradict_two_rules() -> None:
    rules = rules_of("Bill 64491 as two units and add modifier 59 for the second level.")
    assert sorted(rules) == ["FJ-NO-59-LEVELS", "FJ-UNITS-ONE"]


def test_same_sentence_in_two_passages_is_reported_once() -> None:
    text = "64491 is reported as two units for bilateral injections."
    found = find_conflicts([passage(text, "a"), passage(text, "b")])
    assert len(found) == 1


def test_no_passages_no_conflicts() -> None:
    assert find_conflicts([]) == []
    assert find_conflicts([passage("")]) == []


# Sentences from the curated knowledge/docs that are correct in context but flagged.
def test_wrapped_refutation_is_not_a_conflict() -> None:
    text = ("A public answer site (2025) advised putting 59 on 64491/64492 for extra levels; that "
            "advice is\nwrong: the add-on codes already show the extra level.")
    assert rules_of(text) == []


def test_fifty_on_primary_and_addon_is_not_a_conflict() -> None:
    text = ("Two bilateral levels on the physician's Medicare claim: modifier 50 on the primary "
            "**and** on\n+64491, one line and one unit each — never 64491 ×2 (F-062, F-063).")
    assert rules_of(text) == []


def test_bilateral_joint_on_primary_is_not_a_conflict() -> None:
    assert rules_of("Putting the bilateral joint on the primary keeps the modifier 50 line on "
                    "the primary code.") == []


def test_checklist_item_is_not_a_conflict() -> None:
    assert rules_of("- [ ] No 77003/77012, no 59/X modifiers for levels, no 51 on add-ons "
                    "(F-050, F-068, F-067).") == []


def test_curated_corpus_has_no_conflicts(assistant: Assistant) -> None:
    found = find_conflicts([to_passage(c, 0.0) for c in assistant.retriever.chunks])
    assert [(c.rule, c.source.source_id, c.passage[:60]) for c in found] == []


def test_spec_example_answer_has_no_false_conflict(assistant: Assistant) -> None:
    answer = assistant.ask(
        "Bilateral C4-C5 and C5-C6 facet injections under fluoroscopy for Medicare"
    )
    assert answer.conflicts == []
    assert "Conflicting source text" not in answer.answer
