"""Adversarial transcript tests: questions typed the way coders, front-desk and onboarding staff type them.

Cases live in tests/golden/assistant-adversarial.jsonl. Every expectation was computed by hand from
/work/shared/domain/rules-spec.md (and facts.md where the spec points there), never by running the code.

- `status: "bug"`  — the assistant answers this wrongly today. The case runs as a strict xfail with the
  case's `why` as the reason, so it starts failing (XPASS) the day the bug is fixed: then flip the
  case's status to "guard".
- `status: "guard"` — tricky inputs answered correctly today (regression guards).

Keys of `expect` (all given keys must hold):

- `lines`: exact multiset of `[code, modifiers, units]` in `decision.lines` (`[]` = no claim lines).
- `or_clarify`: a clarify answer (a question, no lines) is also accepted, instead of the other keys.
- `billable`, `route` (a route value), `rules_any` (among `rules` and the decision's findings),
  `contains_any` / `contains_none` (case-insensitive, in the answer text).
- `valid`, `corrected` (claim checks: `decision.valid` and the exact `decision.corrected_lines`),
  `corrected_any` (a list of acceptable `corrected_lines` values; `null` = no correction offered).

`history` lists earlier questions of the same chat: they are asked first and their answers passed
as `history=` to the case's question. The assistant is built without an index (fake embedder), so
these tests are fast and exercise only the deterministic routing, parsing and rule engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from assistant_testkit import GOLDEN_DIR, all_rules, decision_lines, line_set, read_jsonl

from assistant.answer import Answer, Route
from assistant.service import Assistant, build_assistant
from assistant.settings import Settings

CASES = read_jsonl(GOLDEN_DIR / "assistant-adversarial.jsonl")
EXPECT_KEYS = {
    "lines",
    "or_clarify",
    "billable",
    "route",
    "rules_any",
    "contains_any",
    "contains_none",
    "valid",
    "corrected",
    "corrected_any",
}
CASE_KEYS = {"id", "question", "history", "payer", "setting", "expect", "why", "status"}


@pytest.fixture(scope="module")
def bare(make_settings: Callable[..., Settings]) -> Assistant:
    """An assistant without a search index: coding answers need none, and building it is fast."""
    return build_assistant(make_settings())


def _params() -> list[Any]:
    params = []
    for case in CASES:
        marks = []
        if case["status"] == "bug":
            marks.append(pytest.mark.xfail(strict=True, reason=case["why"]))
        params.append(pytest.param(case, id=case["id"], marks=marks))
    return params


def _ask(assistant: Assistant, case: dict[str, Any]) -> Answer:
    payer, setting = case.get("payer"), case.get("setting")
    history: list[Answer] = []
    for earlier in case.get("history", []):
        history.append(assistant.ask(earlier, payer=payer, setting=setting, history=list(history)))
    return assistant.ask(case["question"], payer=payer, setting=setting, history=history)


def problems(expect: dict[str, Any], answer: Answer) -> list[str]:
    got = decision_lines(answer)
    if expect.get("or_clarify") and answer.route is Route.CLARIFY and not got:
        return []
    out: list[str] = []
    decision = answer.decision or {}
    if "lines" in expect and got != line_set(expect["lines"]):
        out.append(f"lines {got} != {line_set(expect['lines'])}")
    if "billable" in expect and decision.get("billable") is not expect["billable"]:
        out.append(f"billable {decision.get('billable')} != {expect['billable']}")
    if "route" in expect and answer.route.value != expect["route"]:
        out.append(f"route {answer.route.value} != {expect['route']}")
    rules = all_rules(answer)
    if expect.get("rules_any") and not rules & set(expect["rules_any"]):
        out.append(f"none of {expect['rules_any']} in {sorted(rules)}")
    text = answer.answer.lower()
    if expect.get("contains_any") and not any(s.lower() in text for s in expect["contains_any"]):
        out.append(f"answer lacks any of {expect['contains_any']}")
    out += [f"answer contains {bad!r}" for bad in expect.get("contains_none", []) if bad.lower() in text]
    if "valid" in expect and decision.get("valid") is not expect["valid"]:
        out.append(f"valid {decision.get('valid')} != {expect['valid']} (route {answer.route.value})")
    fixed = decision.get("corrected_lines")
    if "corrected" in expect and line_set(fixed) != line_set(expect["corrected"]):
        out.append(f"corrected {line_set(fixed)} != {line_set(expect['corrected'])}")
    if "corrected_any" in expect:
        allowed = [None if alt is None else line_set(alt) for alt in expect["corrected_any"]]
        mine = None if fixed is None else line_set(fixed)
        if mine not in allowed:
            out.append(f"corrected {mine} not in {allowed}")
    return out


def invariants(answer: Answer) -> list[str]:
    """What must hold for every answer, whatever the question."""
    out = []
    if not answer.answer.strip():
        out.append("empty answer text")
    if "something went wrong" in answer.answer.lower():
        out.append("an internal error was swallowed (generic failure message)")
    if answer.route is not Route.CODING and decision_lines(answer):
        out.append(f"claim lines on a {answer.route.value} answer")
    if answer.route is Route.CLARIFY and "?" not in answer.answer:
        out.append("a clarify answer should ask a question")
    return out


def test_adversarial_file_is_well_formed() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    for case in CASES:
        assert set(case) <= CASE_KEYS, case["id"]
        assert case["status"] in {"bug", "guard"}, case["id"]
        assert case["why"].strip(), case["id"]
        assert case["expect"] and set(case["expect"]) <= EXPECT_KEYS, case["id"]
        assert all(isinstance(q, str) and q for q in case.get("history", [])), case["id"]
    guards = [c for c in CASES if c["status"] == "guard"]
    assert len(guards) >= 40, "keep at least ~40 passing regression guards"


@pytest.mark.parametrize("case", _params())
def test_adversarial_question(bare: Assistant, case: dict[str, Any]) -> None:
    answer = _ask(bare, case)
    found = problems(case["expect"], answer) + invariants(answer)
    detail = (
        f"\nQ: {case['question']}\nhistory={case.get('history', [])}\nroute={answer.route.value} rules={answer.rules}\n"
    )
    assert not found, "; ".join(found) + detail + answer.answer[:1500]
