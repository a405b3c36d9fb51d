"""Optional chat model: its rephrasing is used only when it adds no code, modifier or unit.

A scripted langchain_core fake model stands in for Ollama/OpenAI. The tests can fail both
ways: a lie must be discarded (and said so), an honest restatement must be used.
"""

from __future__ import annotations

from typing import Any

import pytest
from assistant_testkit import decision_lines, line_set
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant.answer import Route
from assistant.service import Assistant, build_assistant
from assistant.settings import Settings

QUESTION = "What does 64491 mean and what is it reported with?"
HONEST = ("+64491 is the add-on code for the second cervical or thoracic level and is reported "
          "with 64490.")


def scripted(settings: Settings, reply: str) -> Assistant:
    return build_assistant(settings, chat_model=FakeListChatModel(responses=[reply]))


def discarded_notes(assistant_answer: Any) -> list[str]:
    return [a for a in assistant_answer.assumptions if "rephrasing was discarded" in a]


def test_knowledge_question_routes_to_knowledge(assistant: Assistant) -> None:
    # Guard for the tests below: the rephrasing step only runs on knowledge answers.
    answer = assistant.ask(QUESTION)
    assert answer.route is Route.KNOWLEDGE
    assert "From the knowledge base" in answer.answer


def test_honest_rephrasing_is_used(shared_settings: Settings) -> None:
    answer = scripted(shared_settings, HONEST).ask(QUESTION)
    assert answer.route is Route.KNOWLEDGE
    assert answer.answer.startswith(HONEST)
    assert not discarded_notes(answer)
    # The extractive answer and its sources stay below the rephrasing.
    assert "From the knowledge base" in answer.answer


@pytest.mark.parametrize("lie", [
    "Bill 64491 x2 with modifier 59 for the second level.",
    "For a bilateral level, report 64491 x2.",
    "64491 is billed as 2 units when bilateral.",
    "Report 64491-59 for the second level.",
    "Also bill 77003 for the fluoroscopy with 64491.",
    "Use 99213 with the injection.",
])
def test_lie_is_discarded(shared_settings: Settings, lie: str) -> None:
    answer = scripted(shared_settings, lie).ask(QUESTION)
    assert answer.route is Route.KNOWLEDGE
    assert lie not in answer.answer
    assert discarded_notes(answer), answer.assumptions


def _bug(reason: str) -> pytest.MarkDecorator:
    """Was a strict xfail while the bug was open; kept as documentation of what is checked."""
    return pytest.mark.bug_fixed(reason=reason)


@pytest.mark.parametrize(("question", "lie"), [
    pytest.param(
        "What is the MUE of 64491?", "For a bilateral level, report 64491 x2.",
        id="units-x2-mue", marks=_bug("vet() accepts 'x2' when the retrieved passages mention "
                                      "'2 units' anywhere, even 'not 2 units'")),
    pytest.param(
        "Why do claims for 64491 get denied?", "Bill 64491 x 2 for both sides.",
        id="units-x-2-denied", marks=_bug("vet() accepts 'x 2' when the passages mention units")),
    pytest.param(
        QUESTION, "Put modifier 51 on 64491.",
        id="modifier-51", marks=_bug("vet() has no check for modifier 51 on an add-on")),
    pytest.param(
        QUESTION, "64491 may be reported without 64490.",
        id="addon-alone", marks=_bug("vet()/find_conflicts miss 'reported without 64490'")),
    pytest.param(
        QUESTION, "Bill 64492 twice for four levels.",
        id="third-twice", marks=_bug("vet()/find_conflicts miss '64492 twice' (FJ-THIRD-ONCE)")),
])
def test_lie_that_slips_through_vetting(shared_settings: Settings, question: str, lie: str) -> None:
    answer = scripted(shared_settings, lie).ask(question)
    assert answer.route is Route.KNOWLEDGE
    assert lie not in answer.answer
    assert discarded_notes(answer)


class RecordingModel:
    """A chat model stand-in that records prompts and replies with a lie."""

    def __init__(self, reply: str = "Bill 64491 x2.") -> None:
        self.prompts: list[str] = []
        self.reply = reply

    def invoke(self, prompt: str) -> Any:
        self.prompts.append(prompt)
        return type("Reply", (), {"content": self.reply})()


def test_model_is_not_used_for_coding_answers(shared_settings: Settings) -> None:
    model = RecordingModel()
    helper = build_assistant(shared_settings, chat_model=model)
    scenario = helper.ask("Bilateral C4-C5 and C5-C6 facet injections under fluoroscopy, Medicare")
    rule = helper.ask("Can 64491 be billed on its own?")
    check = helper.ask("We billed 64490-50 and 64491 x2 to Medicare, is that right?")
    assert model.prompts == []
    assert decision_lines(scenario) == line_set([["64490", ["50"], 1], ["64491", ["50"], 1]])
    for answer in (scenario, rule, check):
        assert "Bill 64491 x2." not in answer.answer


def test_prompt_carries_only_the_question_and_allowed_facts(shared_settings: Settings) -> None:
    model = RecordingModel(HONEST)
    answer = build_assistant(shared_settings, chat_model=model).ask(QUESTION)
    assert len(model.prompts) == 1
    prompt = model.prompts[0]
    assert QUESTION in prompt and "Use ONLY the facts below" in prompt
    assert answer.answer.startswith(HONEST)


class FailingModel:
    def invoke(self, prompt: str) -> Any:
        raise ConnectionError("model server down")


def test_model_failure_keeps_the_extractive_answer(
    shared_settings: Settings, assistant: Assistant
) -> None:
    plain = assistant.ask(QUESTION)
    answer = build_assistant(shared_settings, chat_model=FailingModel()).ask(QUESTION)
    assert answer.route is Route.KNOWLEDGE
    assert "something went wrong" not in answer.answer
    assert answer.answer == plain.answer
