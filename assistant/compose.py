"""Answer templates. Codes, modifiers and units in any answer come only from engine output."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from assistant.answer import Passage
from guardrails import CheckResult, ClaimLine, Decision, Finding
from guardrails.catalog import Catalog
from guardrails.payers import PayerProfile

SETTING_WORDS = {
    "professional": "physician (professional) claim",
    "asc_facility": "ASC facility claim",
    "hospital_outpatient_facility": "hospital outpatient facility claim",
}
_ICON = {"error": "⛔", "warning": "⚠️", "info": "ℹ️"}
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)?")
_STOP = set(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "for",
        "in",
        "on",
        "is",
        "are",
        "be",
        "can",
        "i",
        "we",
        "my",
        "do",
        "does",
        "what",
        "which",
        "how",
        "with",
        "by",
        "it",
        "this",
        "that",
        "as",
        "at",
        "from",
    ]
)
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z(+0-9])")


def line_label(line: ClaimLine) -> str:
    """'64490-50-KX' style label."""
    return "-".join([line.code, *line.modifiers])


def lines_table(lines: list[ClaimLine]) -> str:
    rows = ["| Code | Modifiers | Units | Covers |", "|---|---|---|---|"]
    for ln in lines:
        rows.append(f"| {ln.code} | {' '.join(ln.modifiers) or '—'} | {ln.units} | {ln.note or '—'} |")
    return "\n".join(rows)


def findings_block(findings: Iterable[Finding]) -> str:
    out = []
    for f in findings:
        out.append(f"- {_ICON[f.severity.value]} **{f.rule}** ({f.severity.value}): {f.message}")
    return "\n".join(out)


def assumptions_block(assumptions: list[str]) -> str:
    return "\n".join(f"- {a}" for a in assumptions)


def _caveat(findings: list[Finding]) -> str:
    """The first warning, so a one-line summary never hides a coverage or format problem."""
    warning = next((f for f in findings if f.severity.value == "warning"), None)
    prior_auth = next((f for f in findings if f.rule == "FJ-MEDICARE-PA-HOPD"), None)
    note = warning or prior_auth
    return f" But note: {note.message}" if note else ""


def render_decision(
    decision: Decision, setting: str, intro: str = "", notes: list[str] | None = None
) -> tuple[str, str]:
    """(Markdown answer, one-line plain summary); notes are the caller's own assumptions."""
    where = f"{decision.payer_name}, {SETTING_WORDS.get(setting, setting)}"
    parts = [intro] if intro else []
    if decision.billable:
        codes = ", ".join(f"{line_label(ln)} ×{ln.units}" for ln in decision.lines)
        summary = f"Bill {codes} ({where})." + _caveat(decision.findings)
        parts += [f"**Claim lines** ({where}):", "", lines_table(decision.lines)]
    else:
        summary = f"Not reportable with these codes as described ({where})."
        parts += [f"**Not reportable as described** ({where}): no facet injection lines can be billed."]
    if decision.findings:
        parts += ["", "**Rule findings:**", findings_block(decision.findings)]
    assumptions = [*(notes or []), *decision.assumptions]
    if assumptions:
        parts += ["", "**Assumptions:**", assumptions_block(assumptions)]
    return "\n".join(parts).strip(), summary


def render_check(
    result: CheckResult, lines: list[ClaimLine], setting: str, notes: list[str] | None = None
) -> tuple[str, str]:
    where = f"{result.payer_name}, {SETTING_WORDS.get(setting, setting)}"
    given = ", ".join(f"{line_label(ln)} ×{ln.units}" for ln in lines)
    if result.valid:
        summary = f"The claim {given} passes the rules ({where})." + _caveat(result.findings)
        parts = [f"**Claim check: no errors** ({where}) for {given}."]
    else:
        summary = f"The claim {given} has errors ({where})."
        parts = [f"**Claim check: errors found** ({where}) in {given}."]
    if result.findings:
        parts += ["", "**Rule findings:**", findings_block(result.findings)]
    if result.corrected_lines:
        fixed = ", ".join(f"{line_label(ln)} ×{ln.units}" for ln in result.corrected_lines)
        summary += f" Corrected: {fixed}."
        parts += ["", "**Corrected lines:**", "", lines_table(result.corrected_lines)]
    elif not result.valid:
        parts += [
            "",
            "No single clear correction: the right lines depend on what was done. Describe the joints, sides and imaging and I will code it.",
        ]
    assumptions = [*(notes or []), *result.assumptions]
    if assumptions:
        parts += ["", "**Assumptions:**", assumptions_block(assumptions)]
    return "\n".join(parts).strip(), summary


def render_rules(rule_ids: list[str], catalog: Catalog, example: Decision | None, example_text: str) -> tuple[str, str]:
    parts = []
    for rid in rule_ids:
        rule = catalog.rule(rid)
        parts.append(f"**{rule.title}** (`{rid}`): {rule.explanation}")
    summary = catalog.rule(rule_ids[0]).explanation
    if example is not None:
        lines = ", ".join(f"{line_label(ln)} ×{ln.units}" for ln in example.lines) or "no facet lines (not reportable)"
        parts.append(f"**Worked example** (computed by the rule engine): {example_text} → {lines}.")
        warn = [f for f in example.findings if f.severity.value != "info"]
        if warn:
            parts.append(findings_block(warn))
    return "\n\n".join(parts).strip(), summary


def describe_scenario(scenario: dict[str, Any]) -> str:
    inj: list[dict[str, Any]] = scenario.get("injections") or []
    joints = ", ".join(f"{i['side'] or 'side not given'} {i['joint']}" for i in inj)
    bits = [str(scenario.get("payer", "payer not named")), joints]
    if scenario.get("imaging") and scenario["imaging"] != "unspecified":
        bits.append(str(scenario["imaging"]))
    if scenario.get("purpose") and scenario["purpose"] != "unspecified":
        bits.append(str(scenario["purpose"]))
    if scenario.get("setting") and scenario["setting"] != "professional":
        bits.append(SETTING_WORDS[str(scenario["setting"])])
    return ", ".join(bits)


def payer_facts(profile: PayerProfile, question: str) -> list[str]:
    """Facts straight from the payer profile that answer rate/documentation/frequency questions."""
    q = question.lower()
    out: list[str] = []
    if re.search(r"\b(pay|pays|paid|rate|rates|reimburs\w*|fee|allow\w*|how much|amount)\b", q):
        for r in profile.rates:
            status = {"unverified": "UNVERIFIED — ", "derived": "derived — ", "published": ""}[r.status]
            where = "" if r.setting == "unspecified" else f" ({r.setting.replace('_', '-')})"
            out.append(
                f"{profile.name} {r.code}{where}: ${r.amount:,.2f} — {status}{r.basis}; source {r.source}, as of {r.as_of}."
            )
        if profile.rates and any(r.status == "unverified" for r in profile.rates):
            out.append(
                "Actual payment depends on your contract, locality and setting; use your own remittance data for negotiations."
            )
    if re.search(r"\b(document\w*|record|chart|note|require\w*|criteria|need)\b", q):
        out += [f"{profile.name} documentation: {n.text}" for n in profile.documentation]
    if re.search(r"\b(frequen\w*|how often|per year|12 months|sessions?|repeat)\b", q):
        out += [f"{profile.name} frequency: {n.text}" for n in profile.frequency]
    if re.search(r"\b(cover\w*|limit\w*|policy|policies|allow\w*|unproven|experimental)\b", q):
        out += [f"{profile.name} coverage: {n.text}" for n in profile.coverage_notes]
    return out


def _tokens(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1}


def prose_blocks(text: str) -> list[str]:
    """Paragraphs and list items of a Markdown chunk, unwrapped; headings, tables and code dropped."""
    blocks: list[str] = []
    current: list[str] = []
    in_code = False

    def flush() -> None:
        if current:
            blocks.append(" ".join(current).replace("**", "").strip())
            current.clear()

    for raw in text.split("\n"):
        line = raw.strip()
        if line.startswith("```"):
            in_code = not in_code
            flush()
            continue
        if in_code or not line or line.startswith(("#", "|")):
            flush()
            continue
        item = re.match(r"^(?:[-*]|\d+\.)\s+(.*)", line)
        if item:
            flush()
            line = item.group(1)
        current.append(line)
    flush()
    return blocks


def best_sentences(
    question: str, passages: list[Passage], limit: int = 4, min_overlap: int = 1
) -> list[tuple[str, int]]:
    """Extractive answer: the sentences of the top passages that share most with the question."""
    q = _tokens(question)
    scored: list[tuple[float, int, str]] = []
    for rank, passage in enumerate(passages):
        body = passage.text.split("\n", 1)[1] if "\n" in passage.text else passage.text
        order = 0
        for block in prose_blocks(body):
            for sentence in _SENT.split(block):
                s = sentence.strip()
                order += 1
                if len(s) < 25:
                    continue
                overlap = len(q & _tokens(s))
                if overlap < min_overlap:
                    continue
                scored.append((overlap - 0.15 * rank - 0.01 * order, rank, s))
    scored.sort(key=lambda t: -t[0])
    picked: list[tuple[str, int]] = []
    for _, rank, s in scored:
        if all(s != p for p, _ in picked):
            picked.append((s if len(s) < 500 else s[:497] + "…", rank))
        if len(picked) >= limit:
            break
    return picked
