"""Adversarial QA, round 2: claim checks, payer x setting scenarios, multi-turn edits, front-desk
summaries and knowledge answers on a real index.

Cases live in tests/golden/assistant-adversarial2.jsonl (same `status: bug|guard` convention as
round 1: a "bug" case is a strict xfail whose reason is the case's `why`; flip it to "guard" the
day it XPASSes). Every expectation was computed by hand from /work/shared/domain/rules-spec.md and
facts.md, never by running the code.

A case is one of:

- `question`: asked in chat (`history`, `payer`, `setting`, `audience` as in round 1). With
  `"index": true` it is asked of an assistant built on the real (MiniLM) index: those run in
  `test_adversarial2_knowledge` (marked slow); all others use an index-free assistant and are fast.
- `check`: the structured claim check `assistant.check(dict)`.
- `scenario`: the structured decision `assistant.decide(dict)`.
- `cli_check`: the same claim through `python -m guardrails check --jsonl -` (one subprocess for all).

`expect` takes every round-1 key (lines, or_clarify, billable, route, rules_any, contains_any,
contains_none, valid, corrected, corrected_any) plus:

- `rules_none`: none of these rule IDs among the answer's rules and findings.
- `findings_any` / `findings_none`: "RULE:severity" strings that must / must not be among the findings.
- `short_contains_any` / `short_contains_none`: in the front-desk "**In short:**" summary only.
- `min_citations`: at least this many citations on the answer.
- `decision_payer`: the payer id the decision was made for.

`test_engine_matches_spec_reference` also compares the engine with an independent re-implementation
of the spec's line logic over a payer x setting x imaging x purpose x injections grid.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from assistant_testkit import GOLDEN_DIR, decision_lines, line_set, read_jsonl
from test_assistant_adversarial import invariants, problems

from assistant.answer import Answer, Route
from assistant.service import Assistant, build_assistant
from assistant.settings import PROJECT_ROOT, Settings

CASES = read_jsonl(GOLDEN_DIR / "assistant-adversarial2.jsonl")
ROUND1_KEYS = {
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
NEW_KEYS = {
    "rules_none",
    "findings_any",
    "findings_none",
    "short_contains_any",
    "short_contains_none",
    "min_citations",
    "decision_payer",
}
KINDS = ("question", "check", "scenario", "cli_check")
CASE_KEYS = {"id", *KINDS, "history", "payer", "setting", "audience", "index", "expect", "why", "status"}


def _kind(case: dict[str, Any]) -> str:
    (kind,) = [k for k in KINDS if k in case]
    return kind


def _params(select: Callable[[dict[str, Any]], bool]) -> list[Any]:
    params = []
    for case in CASES:
        if not select(case):
            continue
        marks = [pytest.mark.xfail(strict=True, reason=case["why"])] if case["status"] == "bug" else []
        params.append(pytest.param(case, id=case["id"], marks=marks))
    return params


@pytest.fixture(scope="module")
def bare(make_settings: Callable[..., Settings]) -> Assistant:
    """No search index: coding answers, checks and profile facts need none."""
    return build_assistant(make_settings())


@pytest.fixture(scope="module")
def real(minilm_index: Settings) -> Assistant:
    return build_assistant(minilm_index.model_copy(update={"audit_enabled": False}))


@pytest.fixture(scope="module")
def cli_results() -> dict[str, dict[str, Any]]:
    """Every cli_check case through one `python -m guardrails check --jsonl -` run, by case id."""
    records = [json.dumps({"id": c["id"], "claim": c["cli_check"]}) for c in CASES if "cli_check" in c]
    proc = subprocess.run(
        [sys.executable, "-m", "guardrails", "check", "--jsonl", "-"],
        input="\n".join(records) + "\n",
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=120,
        check=False,
    )
    out = {}
    for row in proc.stdout.splitlines():
        if row.strip():
            obj = json.loads(row)
            out[obj["id"]] = obj
    assert out, f"no CLI output (rc={proc.returncode}): {proc.stderr[-800:]}"
    return out


def _as_answer(result: dict[str, Any]) -> Answer:
    """A structured result (check or decision) wrapped so the chat expectations apply to it."""
    return Answer(route=Route.CODING, answer=json.dumps(result, ensure_ascii=False), decision=result)


def _ask(assistant: Assistant, case: dict[str, Any]) -> Answer:
    payer, setting = case.get("payer"), case.get("setting")
    audience = case.get("audience", "coder")
    history: list[Answer] = []
    for earlier in case.get("history", []):
        history.append(assistant.ask(earlier, payer=payer, setting=setting, history=list(history), audience=audience))
    return assistant.ask(case["question"], payer=payer, setting=setting, history=history, audience=audience)


def _short(answer: Answer) -> str | None:
    text = answer.answer
    marker = "**In short:**"
    if marker not in text:
        return None
    return text.split(marker, 1)[1].split("\n\n", 1)[0]


def problems2(expect: dict[str, Any], answer: Answer) -> list[str]:
    """Round-1 checks plus the round-2 keys."""
    out = problems({k: v for k, v in expect.items() if k in ROUND1_KEYS}, answer)
    if expect.get("or_clarify") and answer.route is Route.CLARIFY and not decision_lines(answer):
        return []
    decision = answer.decision or {}
    rules = set(answer.rules) | {f["rule"] for f in decision.get("findings", [])}
    findings = {f"{f['rule']}:{f['severity']}" for f in decision.get("findings", [])}
    out += [f"rule {r} present" for r in expect.get("rules_none", []) if r in rules]
    out += [
        f"finding {f} missing (have {sorted(findings)})" for f in expect.get("findings_any", []) if f not in findings
    ]
    out += [f"finding {f} present" for f in expect.get("findings_none", []) if f in findings]
    if "short_contains_any" in expect or "short_contains_none" in expect:
        short = _short(answer)
        if short is None:
            out.append("no 'In short:' summary")
        else:
            low = short.lower()
            if expect.get("short_contains_any") and not any(s.lower() in low for s in expect["short_contains_any"]):
                out.append(f"summary lacks any of {expect['short_contains_any']}: {short[:200]!r}")
            out += [
                f"summary contains {s!r}: {short[:200]!r}"
                for s in expect.get("short_contains_none", [])
                if s.lower() in low
            ]
    if len(answer.citations) < expect.get("min_citations", 0):
        out.append(f"{len(answer.citations)} citations < {expect['min_citations']}")
    if "decision_payer" in expect and decision.get("payer") != expect["decision_payer"]:
        out.append(f"decision payer {decision.get('payer')} != {expect['decision_payer']}")
    return out


def _report(case: dict[str, Any], answer: Answer, found: list[str]) -> str:
    what = case.get("question") or json.dumps(case.get("check") or case.get("scenario") or case.get("cli_check"))
    return (
        "; ".join(found)
        + f"\nQ: {what}\nhistory={case.get('history', [])}\nroute={answer.route.value} rules={answer.rules}\n"
        + answer.answer[:1500]
    )


def test_adversarial2_file_is_well_formed() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    round1 = {c["id"] for c in read_jsonl(GOLDEN_DIR / "assistant-adversarial.jsonl")}
    assert not round1 & set(ids), "ids shared with round 1"
    for case in CASES:
        assert set(case) <= CASE_KEYS, case["id"]
        assert sum(k in case for k in KINDS) == 1, case["id"]
        assert case["status"] in {"bug", "guard"}, case["id"]
        assert case["why"].strip(), case["id"]
        assert case["expect"] and set(case["expect"]) <= ROUND1_KEYS | NEW_KEYS, case["id"]
        assert all(isinstance(q, str) and q for q in case.get("history", [])), case["id"]
        assert not case.get("index") or _kind(case) == "question", case["id"]
    assert sum(c["status"] == "guard" for c in CASES) >= 40, "keep at least ~40 passing regression guards"


@pytest.mark.parametrize("case", _params(lambda c: not c.get("index")))
def test_adversarial2_case(bare: Assistant, cli_results: dict[str, dict[str, Any]], case: dict[str, Any]) -> None:
    kind = _kind(case)
    if kind == "question":
        answer = _ask(bare, case)
        found = problems2(case["expect"], answer) + invariants(answer)
    elif kind == "check":
        answer = _as_answer(bare.check(case["check"]).model_dump(mode="json"))
        found = problems2(case["expect"], answer)
    elif kind == "scenario":
        answer = _as_answer(bare.decide(case["scenario"]).model_dump(mode="json"))
        found = problems2(case["expect"], answer)
    else:
        result = cli_results.get(case["id"])
        assert result is not None and "error" not in result, f"CLI gave no result: {result}"
        answer = _as_answer(result)
        found = problems2(case["expect"], answer)
    assert not found, _report(case, answer, found)


@pytest.mark.slow
@pytest.mark.parametrize("case", _params(lambda c: bool(c.get("index"))))
def test_adversarial2_knowledge(real: Assistant, case: dict[str, Any]) -> None:
    answer = _ask(real, case)
    found = problems2(case["expect"], answer) + invariants(answer)
    if answer.route is Route.KNOWLEDGE and not answer.citations and "found nothing" not in answer.answer.lower():
        found.append("a knowledge answer that cites nothing")
    assert not found, _report(case, answer, found)


# --- an independent re-implementation of the spec's line logic (rules-spec §3-§5) ------------------

_ORDER = (
    [f"C{i}-C{i + 1}" for i in range(2, 7)]
    + ["C7-T1"]
    + [f"T{i}-T{i + 1}" for i in range(1, 12)]
    + ["T12-L1"]
    + [f"L{i}-L{i + 1}" for i in range(1, 5)]
    + ["L5-S1"]
)
_FAMILY = {
    ("fluoro", "ct"): ("64490", "64491", "64492"),
    ("fluoro", "ls"): ("64493", "64494", "64495"),
    ("us", "ct"): ("0213T", "0214T", "0215T"),
    ("us", "ls"): ("0216T", "0217T", "0218T"),
}
# (professional and hospital outpatient, ASC facility): "50" = one line with 50; "rtlt" = two lines.
_FORMATS = {
    "medicare": ("50", "rtlt"),
    "unspecified": ("50", "rtlt"),
    "aetna": ("50", "50"),
    "cigna": ("50", "50"),
    "uhc": ("50", "50"),
    "bcbs": ("50", "50"),
    "anthem": ("50", "50"),
}


def _spec_lines(payer: str, setting: str, imaging: str, purpose: str, inj: list[tuple[str, str]]) -> list[Any]:
    if imaging == "none":
        return []
    fam = "us" if imaging == "ultrasound" else "fluoro"
    sides: dict[str, set[str]] = {}
    for joint, side in inj:
        sides.setdefault(joint, set()).update({"left", "right"} if side == "bilateral" else {side})
    levels = sorted(sides.items(), key=lambda kv: _ORDER.index(kv[0]))
    fmt = _FORMATS[payer][1 if setting == "asc_facility" else 0]
    kx = ["KX"] if payer == "medicare" and purpose == "diagnostic" and fam == "fluoro" else []
    ct = [lv for lv in levels if _ORDER.index(lv[0]) <= _ORDER.index("T12-L1")]
    ls = [lv for lv in levels if lv not in ct]
    # FJ-JUNCTION-MEDICARE: only when T12-L1 is the only cervical/thoracic joint and L1-L2 is injected too.
    junction = payer == "medicare" and fam == "fluoro" and [j for j, _ in ct] == ["T12-L1"] and ("L1-L2" in sides)
    groups: list[tuple[tuple[str, str, str], list[tuple[str, set[str]]], str | None]] = []
    if junction:
        groups.append((("64490", "64494", "64495"), ct + ls, "T12-L1"))
    else:
        groups += [(_FAMILY[(fam, "ct")], ct, None)] if ct else []
        groups += [(_FAMILY[(fam, "ls")], ls, None)] if ls else []

    def render(code: str, s: set[str]) -> list[Any]:
        if len(s) == 1:
            return [[code, ["RT" if "right" in s else "LT", *kx], 1]]
        if fmt == "50":
            return [[code, ["50", *kx], 1]]
        return [[code, ["RT", *kx], 1], [code, ["LT", *kx], 1]]

    lines: list[Any] = []
    for codes, group, forced in groups:
        bilateral = [lv for lv in group if len(lv[1]) == 2]
        first = next(lv for lv in group if lv[0] == forced) if forced else (bilateral or group)[0]
        rest = [lv for lv in group if lv is not first]
        second = rest[0] if rest else None  # most cranial remaining (grid avoids the unspecified case)
        tail = [lv for lv in rest if lv is not second]
        lines += render(codes[0], first[1])
        if second:
            lines += render(codes[1], second[1])
        if tail:
            lines += render(codes[2], set().union(*(lv[1] for lv in tail)))
    return lines


_GRID_INJECTIONS = [
    [("C5-C6", "right")],
    [("L4-L5", "bilateral"), ("L5-S1", "bilateral")],
    [("L3-L4", "right"), ("L4-L5", "left"), ("L5-S1", "right")],
    [("C3-C4", "bilateral"), ("C4-C5", "bilateral"), ("C5-C6", "bilateral"), ("C6-C7", "bilateral")],
    [("L4-L5", "right"), ("L5-S1", "bilateral")],
    [("T12-L1", "bilateral"), ("L1-L2", "bilateral")],
    [("T12-L1", "right"), ("L1-L2", "bilateral"), ("L2-L3", "right")],
    [("T11-T12", "right"), ("T12-L1", "right"), ("L1-L2", "right")],
    [("C5-C6", "bilateral"), ("C6-C7", "right"), ("L4-L5", "bilateral"), ("L5-S1", "left")],
    [("L4-L5", "left"), ("L4-L5", "right"), ("L5-S1", "right")],
    [("C3-C4", "right"), ("C4-C5", "right"), ("C5-C6", "bilateral"), ("C6-C7", "left")],
]
# Not in the grid: which joint takes the *second-level* code when a bilateral joint is not the most
# cranial remaining one (e.g. right L2-L3, bilateral L3-L4 and L4-L5, right L5-S1). rules-spec §5 only
# places the primary and the third-and-additional code; the engine picks the bilateral joint.


def test_engine_matches_spec_reference(bare: Assistant) -> None:
    mismatches = []
    grid = itertools.product(
        ["medicare", "aetna", "cigna", "uhc", "bcbs", "anthem", "unspecified"],
        ["professional", "asc_facility", "hospital_outpatient_facility"],
        ["fluoroscopy", "ct", "ultrasound", "none", "unspecified"],
        ["diagnostic", "therapeutic", "unspecified"],
        _GRID_INJECTIONS,
    )
    for payer, setting, imaging, purpose, inj in grid:
        scenario = {
            "payer": payer,
            "setting": setting,
            "imaging": imaging,
            "purpose": purpose,
            "injections": [{"joint": j, "side": s} for j, s in inj],
        }
        decision = bare.decide(scenario)
        got = line_set([ln.model_dump() for ln in decision.lines])
        want = line_set(_spec_lines(payer, setting, imaging, purpose, inj))
        if got != want or decision.billable is (imaging == "none"):
            mismatches.append(f"{scenario}: got {got}, spec {want}")
    assert not mismatches, f"{len(mismatches)} mismatches, e.g.:\n" + "\n".join(mismatches[:10])
