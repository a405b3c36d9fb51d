"""Rule questions and knowledge questions: the rule catalog, payer profiles and retrieved passages."""

from __future__ import annotations

import logging
import re

from assistant import compose
from assistant.answer import Answer, Passage, Route
from assistant.conflicts import contradicted_rules, find_conflicts
from assistant.grounding import Grounding
from assistant.llm import rephrase, vet
from assistant.topics import Topic
from guardrails import (
    Scenario,
    decide,
)
from guardrails.parse import ParsedText
from guardrails.payers import UNSPECIFIED

log = logging.getLogger(__name__)

CAPABILITIES = (
    "I answer questions about facet joint injection coding (CPT 64490-64495, above all +64491): "
    "which codes and modifiers a procedure gets, checking claim lines, payer rules, Medicare coverage, "
    "documentation and rates. For example: 'Bilateral L4-L5 and L5-S1 with fluoroscopy for Medicare: which codes?'"
)


_RELATED_WORDS = (
    ("rf_ablation", re.compile(r"\brfa\b|\bablation\b|radio\s*-?frequency|\brhizotomy\b|\bdenervation\b", re.I)),
    ("sacroiliac", re.compile(r"\bsi\s+joint\b|\bsacroiliac\b|\bsij\b", re.I)),
    ("no_imaging_alternative", re.compile(r"\btrigger\s+points?\b", re.I)),
)
_HISTORY = re.compile(
    r"\bhistory\b|\bcreated\b|\bintroduced\b|\breplace[ds]?\b|\bwhen\s+(?:were|was|did)\b|\bold\s+codes\b", re.I
)
_PLAIN = re.compile(r"\bplain\s+(?:words|english|language)\b|\bsimple\s+terms\b|\bfor\s+(?:a\s+)?patients?\b", re.I)
_MAC = re.compile(r"\b(?:NGS|CGS|Noridian|Palmetto|Novitas|WPS|First\s+Coast)\b", re.I)
_ICD_QUESTION = re.compile(r"\bICD\b|\bdiagnos\w*\s+codes?\b|\bM\d{2}(?:\.\d+)?\b", re.I)


class KnowledgeAnswers(Grounding):
    def _rules(self, text: str, topics: list[tuple[Topic, int]], parsed: ParsedText, payer: str | None) -> Answer:
        top = topics[0][1]
        chosen = [t for t, score in topics if score * 2 >= top][:3]
        rule_ids = [t.rule for t in chosen]
        example_topic = next((t for t in chosen if t.example), None)
        example = None
        example_text = ""
        if example_topic and example_topic.example:
            data = dict(example_topic.example)
            example = decide(Scenario.model_validate(data), payers=self.payers, catalog=self.catalog)
            example_text = compose.describe_scenario(data)
        body, summary = compose.render_rules(rule_ids, self.catalog, example, example_text)
        facts = self._code_facts(parsed)
        if facts:
            body += "\n\n**Codes mentioned:**\n" + "\n".join(f"- {f}" for f in facts)
        passages = self._support(text, parsed.payer)
        answer = Answer(route=Route.CODING, answer=body, summary=summary, rules=rule_ids)
        cites = [self.catalog.rule_citations(r) for r in rule_ids]
        known = self._known_conflicts(set(rule_ids), set(parsed.codes))
        return self._with_sources(answer, passages, cites, known)

    def _code_facts(self, parsed: ParsedText) -> list[str]:
        out = []
        for code in dict.fromkeys(parsed.codes):
            info = self.catalog.codes.get(code)
            related = self.catalog.related.get(code)
            if info:
                region = "cervical/thoracic" if info.region == "cervical_thoracic" else "lumbar/sacral"
                kind = "add-on" if info.add_on else "primary code"
                needs = f"; reported only with {' and '.join(info.requires)}" if info.requires else ""
                out.append(f"{'+' if info.add_on else ''}{code}: {info.summary} ({region}, {kind}{needs}).")
            elif related:
                out.append(f"{code}: {related.summary}.")
        if _HISTORY.search(parsed.text):
            out += [f.history for f in self.catalog.code_table.families if f.history]
        # Related families named in words ('RFA code', 'SI joint code'): list them from the code table.
        for kind, pattern in _RELATED_WORDS:
            if pattern.search(parsed.text):
                out += [
                    f"{c.code}: {c.summary}."
                    for c in self.catalog.related.values()
                    if c.kind == kind and c.code not in parsed.codes
                ]
        return list(dict.fromkeys(out))

    def _knowledge(self, text: str, parsed: ParsedText, payer: str | None, topics: list[tuple[Topic, int]]) -> Answer:
        pid = parsed.payer or (self.payers.resolve(payer) if payer else None)
        pid = None if pid == UNSPECIFIED else pid
        facts: list[str] = []
        if pid:
            profile = self.payers.get(pid)
            facts += compose.payer_facts(profile, text) + compose.payer_rule_facts(profile, text)
        elif parsed.unsupported_payer:
            facts.append(
                f"There is no payer profile for {parsed.unsupported_payer} here, so its own rules are not on file; "
                "what the knowledge base says is below (Medicare Advantage plans generally follow the local Medicare LCD)."
            )
        from_profile = bool(facts)
        facts += compose.medicare_fee_facts(self.catalog.code_table.medicare_2026, text)
        facts += self._code_facts(parsed)
        mac = _MAC.search(text)
        if mac:
            # 'the billing article for NGS': the LCD/article pairs are Medicare profile data.
            policies = self.payers.get("medicare").policies
            facts += [
                f"{p.id}: {p.title} (effective {p.effective})"
                for p in policies
                if mac.group(0).lower() in p.title.lower()
            ]
        icd = _ICD_QUESTION.search(text)
        query = f"{text} ICD-10-CM covered diagnosis codes spondylosis M47.812" if icd else text
        plain = "front_desk" if _PLAIN.search(text) else None
        passages = self.retriever.search(query, k=self.settings.top_k, payer=pid, audience=plain)
        known = self._known_conflicts({t.rule for t, _ in topics[:2]}, set(parsed.codes)) if topics else []
        conflicts = [*find_conflicts(passages), *known]
        # A sentence that contradicts a rule is shown only as a conflict, never as an answer line.
        # The payer's summary document is rendered from the same profile as `facts`: don't say it twice.
        rendered = f"payer-{pid}" if from_profile else None
        quotable = [p if p.doc_id != rendered else p.model_copy(update={"text": ""}) for p in passages]
        sentences = [
            (s, r)
            for s, r in compose.best_sentences(text, quotable, min_overlap=2 if from_profile else 1)
            if not contradicted_rules(s)
        ]
        if icd:
            rows = [
                sent
                for p in passages
                for sent in compose.prose_blocks(p.text)
                if re.search(r"\bM\d{2}\.\d", sent) and len(sent) < 400
            ]
            facts += [f"From the knowledge base: {r}" for r in dict.fromkeys(rows)][:8]
        parts: list[str] = []
        if facts:
            parts += ["**From the payer profile and code table:**", *(f"- {f}" for f in facts), ""]
        if sentences:
            parts.append("**From the knowledge base:**")
            parts += [f"- {s} [{r + 1}]" for s, r in sentences]
            used = sorted({r for _, r in sentences})
            parts += [
                "",
                "**Sources:** "
                + "; ".join(
                    f"[{r + 1}] {passages[r].title}" + (f" — {passages[r].section}" if passages[r].section else "")
                    for r in used
                ),
            ]
        if not parts:
            parts = ["I found nothing in the knowledge base that answers this. " + CAPABILITIES]
        body = "\n".join(parts).strip()
        rules = [t.rule for t, _ in topics[:2]]
        summary = (facts or [s for s, _ in sentences] or [""])[0]
        answer = Answer(route=Route.KNOWLEDGE, answer=body, summary=summary, rules=rules)
        answer = self._with_sources(answer, passages, [], conflicts)
        if self.chat_model is not None and sentences:
            answer = self._rephrase(text, answer, facts, passages)
        return answer

    def _rephrase(self, question: str, answer: Answer, facts: list[str], passages: list[Passage]) -> Answer:
        allowed = "\n".join([*facts, *(p.text for p in passages)])
        try:
            generated = rephrase(self.chat_model, question, allowed)
        except Exception:
            log.exception("language model call failed; keeping the extractive answer")
            return answer
        reasons = vet(generated, allowed, passages)
        if reasons:
            answer.assumptions.append("A generated rephrasing was discarded because it " + "; ".join(reasons) + ".")
            return answer
        answer.answer = f"{generated}\n\n---\n{answer.answer}"
        return answer

    # --- sources ------------------------------------------------------------------------------
