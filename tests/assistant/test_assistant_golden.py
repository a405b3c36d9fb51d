"""Transcript tests: free-text questions from the golden files, answered end to end.

Cases live in tests/golden/dev-questions.jsonl (the shared dev set) and
tests/golden/assistant-questions.jsonl (this suite's own). Keys of `expect`:

- `lines`: exact multiset of `[code, modifiers, units]` from `decision.lines`; `[]` means the
  answer must carry no claim lines at all (clarify, invalid joint, rule question...).
- `billable`, `route`, `rules_any` (among `rules` and the decision's findings),
  `contains_any` / `contains_none` (case-insensitive, in the answer text).
- `valid`, `corrected` (this suite's extras for claim checks: `decision.valid` and the exact
  `decision.corrected_lines`).

Expected lines come from rules-spec §5 and the rule catalog, never from running the code.
The scoring rule is enforced for every case: claim lines, when present, are never wrong.
"""

from __future__ import annotations

from typing import Any

import pytest
from assistant_testkit import GOLDEN_DIR, all_rules, decision_lines, line_set, read_jsonl

from assistant.answer import Answer, Route
from assistant.service import Assistant

DEV = read_jsonl(GOLDEN_DIR / "dev-questions.jsonl")
OWN = read_jsonl(GOLDEN_DIR / "assistant-questions.jsonl")

# Genuine bugs found by the golden cases: id -> reason (all fixed so far). Each one runs as a strict xfail, so the
# test starts failing (XPASS) the day the bug is fixed and the entry must be removed.
KNOWN_BUGS: dict[str, str] = {}


def _params() -> list[Any]:
    params = []
    for case in [*DEV, *OWN]:
        marks = []
        if case["id"] in KNOWN_BUGS:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[case["id"]]))
        params.append(pytest.param(case, id=case["id"], marks=marks))
    return params


def problems(expect: dict[str, Any], answer: Answer) -> list[str]:
    out: list[str] = []
    decision = answer.decision or {}
    got = decision_lines(answer)
    if "lines" in expect and got != line_set(expect["lines"]):
        out.append(f"lines {got} != {line_set(expect['lines'])}")
    if "billable" in expect and decision.get("billable") != expect["billable"]:
        out.append(f"billable {decision.get('billable')} != {expect['billable']}")
    if "route" in expect and answer.route.value != expect["route"]:
        out.append(f"route {answer.route.value} != {expect['route']}")
    rules = all_rules(answer)
    if expect.get("rules_any") and not rules & set(expect["rules_any"]):
        out.append(f"none of {expect['rules_any']} in {sorted(rules)}")
    text = answer.answer.lower()
    if expect.get("contains_any") and not any(s.lower() in text for s in expect["contains_any"]):
        out.append(f"answer lacks any of {expect['contains_any']}")
    for bad in expect.get("contains_none", []):
        if bad.lower() in text:
            out.append(f"answer contains {bad!r}")
    if "valid" in expect and decision.get("valid") is not expect["valid"]:
        out.append(f"valid {decision.get('valid')} != {expect['valid']}")
    if "corrected" in expect:
        fixed = line_set(decision.get("corrected_lines"))
        if fixed != line_set(expect["corrected"]):
            out.append(f"corrected {fixed} != {line_set(expect['corrected'])}")
    return out


def invariants(answer: Answer) -> list[str]:
    """What must hold for every answer, whatever the question."""
    out = []
    if not answer.answer.strip():
        out.append("empty answer text")
    if "something went wrong" in answer.answer:
        out.append("an internal error was swallowed (generic failure message)")
    lines = (answer.decision or {}).get("lines") or []
    if answer.route is not Route.CODING and lines:
        out.append(f"claim lines on a {answer.route.value} answer")
    # No shipped payer profile uses the 50-with-2-units format: every line is 1 unit.
    out += [f"{ln['code']} with {ln['units']} units" for ln in lines if ln["units"] != 1]
    for ln in lines:
        mods = ln["modifiers"]
        if "50" in mods and {"RT", "LT"} & set(mods):
            out.append(f"{ln['code']} carries 50 and RT/LT")
        if {"59", "XE", "XS", "XP", "XU", "51"} & set(mods):
            out.append(f"{ln['code']} carries {mods}")
    if answer.route is Route.CLARIFY and "?" not in answer.answer:
        out.append("a clarify answer should ask a question")
    return out


def test_golden_files_are_well_formed() -> None:
    ids = [c["id"] for c in [*DEV, *OWN]]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    assert len(DEV) == 20
    assert len(OWN) >= 45
    allowed = {"lines", "billable", "rules_any", "route", "contains_any", "contains_none",
               "valid", "corrected"}
    for case in OWN:
        assert set(case) <= {"id", "question", "payer", "setting", "expect"}, case["id"]
        assert case["expect"] and set(case["expect"]) <= allowed, case["id"]
    assert set(KNOWN_BUGS) <= set(ids)


def test_golden_cases_cover_every_route_and_rule(assistant: Assistant) -> None:
    routes = {c["expect"].get("route") for c in OWN}
    assert {"coding", "knowledge", "clarify", "out_of_scope"} <= routes
    named = {r for c in [*DEV, *OWN] for r in c["expect"].get("rules_any", [])}
    assert set(assistant.catalog.rules) <= named, set(assistant.catalog.rules) - named


@pytest.mark.parametrize("case", _params())
def test_golden_question(assistant: Assistant, case: dict[str, Any]) -> None:
    answer = assistant.ask(case["question"], payer=case.get("payer"), setting=case.get("setting"))
    found = problems(case["expect"], answer) + invariants(answer)
    detail = f"\nQ: {case['question']}\nroute={answer.route.value} rules={answer.rules}\n"
    assert not found, "; ".join(found) + detail + answer.answer[:1500]
