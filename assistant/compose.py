"""Answer templates. Codes, modifiers and units in any answer come only from engine output."""

from __future__ import annotations

import math
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
    if re.search(r"\b(pay|pays|paid|payment|rate|rates|reimburs\w*|fee|allowed|allowable|amount|cost|dollars?)\b", q):
        asked = set(re.findall(r"\b(6449[0-5]|021[3-8]t)\b", q))
        rates = [r for r in profile.rates if not asked or r.code.split("-")[0].lower() in asked]
        if asked and not rates:
            codes = ", ".join(sorted(c.upper() for c in asked))
            on_file = ", ".join(sorted({r.code.split("-")[0] for r in profile.rates})) or "none"
            out.append(f"No rate for {codes} is on file for {profile.name} (not on file in its payer profile).")
            out.append(f"Rates on file for {profile.name}: {on_file}.")
        for r in rates:
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


def payer_rule_facts(profile: PayerProfile, question: str) -> list[str]:
    """What this payer's profile says about levels, KX, prior authorization and bilateral format."""
    q = question.lower()
    out: list[str] = []
    name = profile.name
    if re.search(r"\blevels?\b|\bsessions?\b", q):
        if profile.max_levels_per_session:
            out.append(f"{name}: at most {profile.max_levels_per_session} levels per session.")
        if profile.max_levels_per_region_per_session:
            out.append(f"{name}: at most {profile.max_levels_per_region_per_session} levels per region per session.")
        if profile.covers_third_level is False:
            out.append(f"{name} does not cover a third level per region (+64492/+64495).")
        if not (profile.max_levels_per_session or profile.max_levels_per_region_per_session):
            out.append(f"{name}'s profile has no level limit on file; check the payer's current policy.")
    if re.search(r"\bkx\b", q):
        out.append(
            f"{name} requires KX on diagnostic facet injections."
            if profile.requires_kx_on_diagnostic
            else f"{name}'s profile has no KX requirement; KX on diagnostic facet lines is a Medicare rule."
        )
    if re.search(r"prior\s*auth|pre-?auth|pre-?cert", q):
        pa = profile.hopd_prior_auth
        out.append(
            f"{name}: prior authorization in the hospital outpatient department since {pa.since} for {', '.join(pa.codes)}."
            if pa and pa.required
            else f"{name}'s profile has no prior-authorization rule on file; check the plan."
        )
    if re.search(r"\bbilateral|\bformat\b|modifier\s*50|\bunits?\b", q):
        from guardrails.payers import FORMAT_LABELS

        out.append(f"{name} bilateral format: {FORMAT_LABELS[profile.bilateral_format]}.")
        if profile.confirm_format_with_plan:
            out.append(f"{name} plans differ: confirm the bilateral format with the member's plan.")
    if re.search(r"\bbilateral|\bformat\b|modifier\s*50|\bcover|\bpolic", q):
        out += [f"{name} coverage: {n.text}" for n in profile.coverage_notes]
    if re.search(r"\bsessions?\b|\bfrequen|\bper year\b|\b12 months\b", q):
        out += [f"{name} frequency: {n.text}" for n in profile.frequency]
    return list(dict.fromkeys(out))


def medicare_fee_facts(fees: Any, question: str) -> list[str]:
    """RVUs and the conversion factor from the code table, when asked."""
    q = question.lower()
    out: list[str] = []
    if re.search(r"conversion\s+factor|\bcf\b", q):
        out.append(f"Medicare conversion factor ({fees.as_of}): ${fees.conversion_factor}; source {fees.source}.")
    if re.search(r"\brvus?\b|relative value", q):
        for row in fees.rvus:
            out.append(
                f"{row.code} ({fees.as_of}): work RVU {row.work}; total {row.total_non_facility} non-facility / "
                f"{row.total_facility} facility; global {row.global_}; source {fees.source}."
            )
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
        if line.startswith("|") and not in_code:
            # A table row becomes one sentence ('M47.812–M47.817 — spondylosis ...'); rules and headers go.
            flush()
            cells = [c.strip().replace("**", "") for c in line.strip("|").split("|")]
            if len(cells) >= 2 and not all(set(c) <= set("-: ") for c in cells):
                blocks.append(" — ".join(c for c in cells if c) + ".")
            continue
        if in_code or not line or line.startswith("#"):
            flush()
            continue
        item = re.match(r"^(?:[-*]|\d+\.)\s+(.*)", line)
        if item:
            flush()
            line = item.group(1)
        current.append(line)
    flush()
    return blocks


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "e", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _stems(text: str) -> set[str]:
    return {_stem(w) for w in _tokens(text)}


def best_sentences(
    question: str, passages: list[Passage], limit: int = 4, min_overlap: int = 1
) -> list[tuple[str, int]]:
    """Extractive answer: the sentences of the top passages that share most with the question.

    Shared words are weighted by how rare they are among the candidate sentences, so a sentence
    naming 'Regence' or 'L38801' beats one that only repeats 'facet injection'.
    """
    q = _stems(question)
    candidates: list[tuple[int, int, str, set[str]]] = []
    for rank, passage in enumerate(passages):
        body = passage.text.split("\n", 1)[1] if "\n" in passage.text else passage.text
        order = 0
        for block in prose_blocks(body):
            for sentence in _SENT.split(block):
                s = sentence.strip()
                order += 1
                if len(s) >= 25:
                    candidates.append((rank, order, s, _stems(s)))
    if not candidates:
        return []
    df: dict[str, int] = {}
    for *_, stems in candidates:
        for w in stems & q:
            df[w] = df.get(w, 0) + 1
    n = len(candidates)
    scored: list[tuple[float, int, str]] = []
    for rank, order, s, stems in candidates:
        shared = stems & q
        if len(shared) < min_overlap:
            continue
        weight = sum(math.log(1 + n / df[w]) for w in shared)
        scored.append((weight - 0.3 * rank - 0.01 * order, rank, s))
    scored.sort(key=lambda t: -t[0])
    picked: list[tuple[str, int]] = []
    for _, rank, s in scored:
        if all(s != p for p, _ in picked):
            picked.append((s if len(s) < 500 else s[:497] + "…", rank))
        if len(picked) >= limit:
            break
    return picked
