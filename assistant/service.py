"""The assistant: one API, `build_assistant(settings).ask(question, ...) -> Answer`."""

from __future__ import annotations

import logging
import re
from typing import Any

from assistant import compose
from assistant.answer import Answer, Conflict, Passage, Route, SourceRef
from assistant.audit import AuditLog
from assistant.conflicts import contradicted_rules, find_conflicts
from assistant.inputs import clean, is_injection, problem
from assistant.llm import build_chat_model, rephrase, vet
from assistant.retrieval import HybridRetriever, to_passage
from assistant.router import SIDE_CHANGE_RE, Intent, route_question
from assistant.settings import Settings
from assistant.topics import Topic
from guardrails import (
    Catalog,
    CheckResult,
    Claim,
    ClaimLine,
    Decision,
    GuardrailsError,
    PayerRegistry,
    Scenario,
    Setting,
    check_claim,
    decide,
    load_catalog,
    load_payers,
)
from guardrails.joints import region_of
from guardrails.models import Setting as SettingEnum
from guardrails.parse import ParsedText, parse_text
from guardrails.payers import UNSPECIFIED
from guardrails.versions import versions

log = logging.getLogger(__name__)

_FACET_WORD = re.compile(r"\bfacets?\b|\bzygapophyseal\b|\bmedial\s+branch|\bMBBs?\b", re.I)
_CODE_IN_TEXT = re.compile(r"\b(?:6449[0-5]|021[3-8]T)\b")
_ALSO = re.compile(r"\b(?:also|too|as well|in addition|additionally|plus)\b", re.I)
_SETTING_ALIASES = {
    "professional": "professional",
    "physician": "professional",
    "office": "professional",
    "pro": "professional",
    "asc": "asc_facility",
    "asc_facility": "asc_facility",
    "asc facility": "asc_facility",
    "surgery center": "asc_facility",
    "ambulatory surgery center": "asc_facility",
    "hopd": "hospital_outpatient_facility",
    "hospital outpatient": "hospital_outpatient_facility",
    "hospital_outpatient_facility": "hospital_outpatient_facility",
    "hospital outpatient facility": "hospital_outpatient_facility",
}


def _setting_value(setting: str | None) -> str | None:
    """A default setting as typed by a caller ('ASC', 'HOPD') → its enum value; None if not given."""
    if not setting:
        return None
    key = re.sub(r"[\s_-]+", " ", setting.strip().lower())
    value = _SETTING_ALIASES.get(key) or _SETTING_ALIASES.get(key.replace(" ", "_"))
    if value is None:
        valid = ", ".join(s.value for s in SettingEnum)
        raise GuardrailsError(f"Unknown setting '{setting}'; use one of: {valid}.")
    return value


CAPABILITIES = (
    "I answer questions about facet joint injection coding (CPT 64490-64495, above all +64491): "
    "which codes and modifiers a procedure gets, checking claim lines, payer rules, Medicare coverage, "
    "documentation and rates. For example: 'Bilateral L4-L5 and L5-S1 with fluoroscopy for Medicare: which codes?'"
)
INJECTION_NOTE = (
    "Note: instructions to change or ignore the coding rules are not followed; "
    "the answer below comes from the rule engine."
)


class Assistant:
    def __init__(
        self,
        settings: Settings,
        *,
        catalog: Catalog,
        payers: PayerRegistry,
        retriever: HybridRetriever,
        chat_model: Any | None = None,
        audit: AuditLog | None = None,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.payers = payers
        self.retriever = retriever
        self.chat_model = chat_model
        self.audit = audit
        # Every chunk that contradicts a rule, found once: a poisoned document is flagged
        # whenever an answer rests on the rule it contradicts, however it ranks.
        self.conflict_index = find_conflicts([to_passage(c, 0.0) for c in retriever.chunks])

    def _known_conflicts(self, rules: set[str], codes: set[str]) -> list[Conflict]:
        out = []
        for c in self.conflict_index:
            mentioned = set(_CODE_IN_TEXT.findall(c.passage))
            if c.rule in rules and (not mentioned or mentioned & codes or not codes):
                out.append(c)
        return out

    # --- public API -----------------------------------------------------------------
    def ask(
        self,
        question: Any,
        *,
        payer: str | None = None,
        setting: str | None = None,
        history: list[Answer] | None = None,
        audience: str = "coder",
    ) -> Answer:
        """Answer one question; never raises for bad input."""
        try:
            answer = self._answer(question, payer, setting, history or [], audience)
        except GuardrailsError as exc:  # bad input that reached the engine: say what is wrong
            answer = Answer(route=Route.CLARIFY, answer=str(exc), summary=str(exc))
        except Exception:  # a bug must not become a traceback in the chat
            log.exception("assistant failed on a question")
            answer = Answer(
                route=Route.CLARIFY,
                answer="Sorry, something went wrong while answering that. Please rephrase the question; the problem has been logged.",
            )
        answer.versions = {**versions(self.catalog), **answer.versions}
        if self.audit is not None and isinstance(question, str):
            try:
                self.audit.record(question, answer, payer, setting)
            except Exception:
                log.exception("audit log write failed")
        return answer

    def decide(self, scenario: dict[str, Any]) -> Decision:
        """The engine's decision for a structured scenario (claim builder). Raises GuardrailsError."""
        return decide(Scenario.model_validate(scenario), payers=self.payers, catalog=self.catalog)

    def check(self, claim: dict[str, Any]) -> CheckResult:
        """Check structured claim lines (claim checker). Raises GuardrailsError."""
        return check_claim(Claim.model_validate(claim), payers=self.payers, catalog=self.catalog)

    def parse_claim_lines(self, text: str) -> list[ClaimLine]:
        """Claim lines written in free text ('64490-50, 64491 x2') for the claim checker."""
        return parse_text(clean(text), self.payers).lines

    def feedback(self, answer_id: str, rating: int, comment: str = "") -> None:
        if self.audit is not None:
            self.audit.add_feedback(answer_id, rating, comment)

    def about(self) -> dict[str, Any]:
        """Versions, index build time and what is covered (About page)."""
        from assistant.store import read_manifest

        return {
            "versions": versions(self.catalog),
            "index": read_manifest(self.settings) or {},
            "chunks": len(self.retriever.chunks),
            "payers": {pid: p.name for pid, p in self.payers.profiles.items()},
            "rules": {rid: r.explanation for rid, r in self.catalog.rules.items()},
        }

    # --- routing ----------------------------------------------------------------------
    def _answer(
        self, question: Any, payer: str | None, setting: str | None, history: list[Answer], audience: str
    ) -> Answer:
        issue = problem(question, self.settings.max_question_chars)
        if issue:
            return Answer(route=Route.CLARIFY, answer=issue)
        text = clean(question)
        parsed = parse_text(text, self.payers)
        previous = next((a for a in reversed(history) if a.scenario), None)
        previous_joints = (
            frozenset(i["joint"] for i in (previous.scenario or {}).get("injections", [])) if previous else frozenset()
        )
        intent, topics = route_question(text, parsed, previous is not None, previous_joints)
        if intent is Intent.SCENARIO:
            answer = self._scenario(parsed, payer, setting)
        elif intent is Intent.FOLLOW_UP and previous is not None:
            answer = self._follow_up(parsed, previous)
        elif intent is Intent.CHECK:
            answer = self._check(parsed, payer, setting)
        elif intent is Intent.OTHER_PROCEDURE:
            answer = self._other_procedure(parsed)
        elif intent is Intent.LEVELS_ONLY:
            answer = self._levels_only(parsed)
        elif intent is Intent.JOINT_INFO:
            answer = self._joint_regions(parsed)
        elif intent is Intent.INVALID_JOINT:
            answer = self._invalid_joint(parsed)
        elif intent is Intent.RULE:
            answer = self._rules(text, topics, parsed, payer)
        elif intent is Intent.KNOWLEDGE:
            answer = self._knowledge(text, parsed, payer, topics)
        else:
            answer = Answer(route=Route.OUT_OF_SCOPE, answer=f"That is outside what I can help with. {CAPABILITIES}")
        if is_injection(text):
            answer.answer = f"{INJECTION_NOTE}\n\n{answer.answer}"
        if audience == "front_desk" and answer.summary:
            answer.answer = f"**In short:** {answer.summary}\n\n{answer.answer}"
        return answer

    # --- coding decisions ---------------------------------------------------------------
    def _payer(self, parsed: ParsedText, default: str | None) -> tuple[str, list[str]]:
        if parsed.payer:
            return parsed.payer, []
        if parsed.unsupported_payer:
            return UNSPECIFIED, [
                f"There is no payer profile for {parsed.unsupported_payer}: the Medicare/CMS line format is shown "
                "without payer-specific rules (Medicare Advantage plans generally follow the local Medicare LCD)."
            ]
        if default and default != UNSPECIFIED:
            pid = self.payers.resolve(default) or UNSPECIFIED
            return pid, [f"Payer taken from your default setting: {self.payers.get(pid).name}."]
        return UNSPECIFIED, []

    def _scenario(self, parsed: ParsedText, payer: str | None, setting: str | None) -> Answer:
        pid, notes = self._payer(parsed, payer)
        data: dict[str, Any] = {"payer": pid, "injections": [{"joint": j, "side": s} for j, s in parsed.joints]}
        chosen_setting = parsed.setting.value if parsed.setting else _setting_value(setting)
        if chosen_setting:
            data["setting"] = chosen_setting
            if not parsed.setting and chosen_setting != SettingEnum.PROFESSIONAL.value:
                notes.append(
                    f"Claim type taken from your default setting: {compose.SETTING_WORDS.get(chosen_setting, chosen_setting)}."
                )
        if parsed.imaging:
            data["imaging"] = parsed.imaging.value
        if parsed.purpose:
            data["purpose"] = parsed.purpose.value
        if parsed.purpose_note:
            notes.append(parsed.purpose_note)
        return self._resolve(data, notes, parsed)

    def _resolve(self, data: dict[str, Any], notes: list[str], parsed: ParsedText, intro: str = "") -> Answer:
        """Ask when a missing or conflicting fact would change the lines; otherwise decide."""

        def ask(question: str) -> Answer:
            return Answer(route=Route.CLARIFY, answer=question, scenario=data, summary=question)

        if parsed.invalid_joints:
            bad = "; ".join(str(e) for e in parsed.invalid_joints)
            answer = ask(f"{bad}. Which facet joints were injected (C2-C3 through L5-S1)?")
            answer.rules = sorted({e.rule for e in parsed.invalid_joints if e.rule})
            return answer
        if parsed.mentions_si and not _FACET_WORD.search(parsed.text):
            named = ", ".join(dict.fromkeys(i["joint"] for i in data["injections"]))
            answer = ask(
                f"Was this a facet joint injection at {named}, or a sacroiliac (SI) joint injection? "
                f"{self.catalog.rule('FJ-NOT-FACET').explanation}"
            )
            answer.rules = ["FJ-NOT-FACET"]
            return answer
        if parsed.imaging_undocumented:
            answer = ask(
                "The imaging guidance is not documented. 64490-64495 require documented fluoroscopic or CT guidance, "
                "so they cannot be reported as things stand: was guidance used, and can the procedure note be amended?"
            )
            answer.rules = ["FJ-IMAGING-REQUIRED"]
            return answer
        if parsed.other_payers:
            names = [self.payers.get(p).name for p in [data["payer"], *parsed.other_payers]]
            return ask(f"Which payer is this claim for: {' or '.join(names)}? The payers' rules differ.")
        if parsed.imaging_conflict:
            kinds = " and ".join(k.value for k in parsed.imaging_conflict)
            return ask(
                f"The question mentions {kinds}. Which imaging guided the injection? The codes differ "
                "(64490-64495 for fluoroscopy/CT, 0213T-0218T for ultrasound, none for no imaging)."
            )
        if parsed.purpose_conflict:
            return ask(
                "Was this injection diagnostic (e.g. a medial branch block) or therapeutic? "
                "The question mentions both, and Medicare's KX modifier depends on it."
            )
        unsided = [i["joint"] for i in data["injections"] if i["side"] is None]
        if unsided:
            return ask(
                f"Which side was injected at {', '.join(dict.fromkeys(unsided))}: right, left or bilateral? "
                "The side changes the modifiers (RT, LT or 50), so I won't guess."
            )
        joints = {i["joint"] for i in data["injections"]}
        if data.get("payer") == UNSPECIFIED and {"T12-L1", "L1-L2"} <= joints:
            return ask(
                "Which payer is this for? T12-L1 with L1-L2 is coded 64490 + 64494 under Medicare's junction rule "
                "(NGS, CGS) but 64490 + 64493 under CPT region logic for other payers."
            )
        answer = self._decide(data, notes, intro, parsed.unsupported_payer)
        proposed = [ln for ln in parsed.lines if ln.code in self.catalog.codes or ln.code in self.catalog.related]
        if proposed and answer.decision is not None:
            self._compare_proposed(answer, data, proposed)
        if parsed.mentions_si:
            rule = self.catalog.rule("FJ-NOT-FACET")
            answer.answer += f"\n\n**SI joint:** {rule.explanation}"
            answer.rules.append("FJ-NOT-FACET")
        return answer

    def _compare_proposed(self, answer: Answer, data: dict[str, Any], proposed: list[ClaimLine]) -> None:
        """The question also states lines ('... billed 64493-RT'): compare them with the engine's lines."""
        claim = {k: data[k] for k in ("payer", "setting", "purpose") if k in data}
        result = check_claim(
            Claim.model_validate({**claim, "lines": [ln.model_dump() for ln in proposed]}),
            payers=self.payers,
            catalog=self.catalog,
        )
        given = ", ".join(f"{compose.line_label(ln)} ×{ln.units}" for ln in proposed)
        expected = sorted(ln.key() for ln in Decision.model_validate(answer.decision).lines)
        stated = sorted(ClaimLine(code=ln.code, modifiers=ln.modifiers, units=ln.units).key() for ln in proposed)
        errors = [f for f in result.findings if f.severity.value == "error"]
        if stated == expected:
            answer.answer += f"\n\n**The lines in your question ({given})** match the lines above."
            return
        answer.answer += (
            f"\n\n**The lines in your question ({given}) are not right** for this scenario (compare the lines above)"
            + (":\n" + compose.findings_block(errors) if errors else " (check the codes, modifiers and units).")
        )
        answer.rules += [f.rule for f in errors if f.rule not in answer.rules]

    def _other_procedure(self, parsed: ParsedText) -> Answer:
        """'right L4-5 RFA': not a facet injection; never code it as one."""
        named = ", ".join(dict.fromkeys(p for p in parsed.other_procedures))
        text = (
            f"'{named}' is not a facet joint injection, so 64490-64495 do not apply and I will not code it as one. "
            "Facet radiofrequency ablation is 64633/+64634 (cervical/thoracic) and 64635/+64636 (lumbar/sacral); "
            "epidural, transforaminal, trigger-point and other nerve-block injections have their own codes, outside "
            "what this assistant decides. Was a facet joint injection or medial branch block (also) done? "
            "If so, tell me which joints and sides."
        )
        return Answer(route=Route.CLARIFY, answer=text, summary=text.split(". ")[0] + ".")

    def _levels_only(self, parsed: ParsedText) -> Answer:
        """Levels given as a count or as nerves: codes follow joints, so ask for the joints."""
        rule = self.catalog.rule("FJ-LEVEL-COUNT")
        text = (
            f"{rule.explanation} Which facet joints were injected, and on which side(s)? "
            "For example: 'right L4-L5 and L5-S1'. Two medial branches around one joint are one level "
            "(e.g. L3 + L4 medial branches = the L4-L5 joint)."
        )
        answer = Answer(
            route=Route.CLARIFY, answer=text, summary="Which joints were injected?", rules=["FJ-LEVEL-COUNT"]
        )
        return self._with_sources(answer, [], [self.catalog.rule_citations("FJ-LEVEL-COUNT")])

    def _joint_regions(self, parsed: ParsedText) -> Answer:
        """'Is T12-L1 thoracic or lumbar?': the region and code family of each joint named."""
        rows = []
        for joint in dict.fromkeys(j for j, _ in parsed.joints):
            region = region_of(joint)
            codes = "64490 / +64491 / +64492" if region == "cervical_thoracic" else "64493 / +64494 / +64495"
            label = "cervical/thoracic" if region == "cervical_thoracic" else "lumbar/sacral"
            rows.append(
                f"- **{joint}** is in the {label} region: {codes} (first / second / third and additional level)."
            )
        rules = ["FJ-REGION"]
        text = "\n".join(rows) + f"\n\n{self.catalog.rule('FJ-REGION').explanation}"
        if any(j == "T12-L1" for j, _ in parsed.joints):
            rules.append("FJ-JUNCTION-MEDICARE")
            text += f"\n\n{self.catalog.rule('FJ-JUNCTION-MEDICARE').explanation}"
        text += "\n\nTell me the side(s), imaging and payer and I will give the claim lines."
        answer = Answer(route=Route.CODING, answer=text, summary=rows[0][2:], rules=rules)
        return self._with_sources(answer, [], [self.catalog.rule_citations(r) for r in rules])

    def _decide(
        self, data: dict[str, Any], notes: list[str], intro: str = "", unsupported_payer: str | None = None
    ) -> Answer:
        scenario = Scenario.model_validate(data)
        decision = decide(scenario, payers=self.payers, catalog=self.catalog)
        if unsupported_payer and decision.payer == UNSPECIFIED:
            decision = _name_unsupported_payer(decision, unsupported_payer)
        text, summary = compose.render_decision(decision, scenario.setting.value, intro, notes)
        query = " ".join([compose.describe_scenario(data), *(ln.code for ln in decision.lines)])
        passages = self._support(query, decision.payer)
        answer = Answer(
            route=Route.CODING,
            answer=text,
            summary=summary,
            decision=decision.model_dump(mode="json"),
            rules=decision.rules_applied,
            assumptions=[*notes, *decision.assumptions],
            scenario=data,
        )
        codes = {ln.code for ln in decision.lines}
        known = self._known_conflicts(set(decision.rules_applied), codes)
        return self._with_sources(answer, passages, [f.citations for f in decision.findings], known)

    def _follow_up(self, parsed: ParsedText, previous: Answer) -> Answer:
        data = {**(previous.scenario or {})}
        data["injections"] = [dict(i) for i in data.get("injections", [])]
        changed = []
        if parsed.payer:
            data["payer"] = parsed.payer
            changed.append(f"payer {self.payers.get(parsed.payer).name}")
        elif parsed.negated_payers and data.get("payer") in parsed.negated_payers:
            data["payer"] = UNSPECIFIED
            changed.append("no payer named")
        side_change = SIDE_CHANGE_RE.search(parsed.text)
        if parsed.joints:
            self._merge_joints(data, parsed, changed)
        elif side_change:
            new = next(v for v in side_change.groupdict().values() if v)
            if new.lower() == "other":
                for inj in data["injections"]:
                    inj["side"] = "bilateral"
                changed.append("the other side added (bilateral)")
            else:
                for inj in data["injections"]:
                    inj["side"] = new.lower()
                changed.append(f"all joints {new.lower()}")
        elif len(parsed.sides_mentioned) == 1:
            side = parsed.sides_mentioned[0]
            unsided = [i for i in data["injections"] if i["side"] is None]
            for inj in unsided or data["injections"]:
                inj["side"] = side
            changed.append(f"{side} at {', '.join(i['joint'] for i in unsided)}" if unsided else f"all joints {side}")
        if parsed.setting:
            data["setting"] = parsed.setting.value
            changed.append(compose.SETTING_WORDS[parsed.setting.value])
        if parsed.imaging:
            data["imaging"] = parsed.imaging.value
            changed.append(f"imaging {parsed.imaging.value}")
        if parsed.purpose:
            data["purpose"] = parsed.purpose.value
            changed.append(f"{parsed.purpose.value} purpose")
        intro = f"Same case as before with {', '.join(changed)}:" if changed else ""
        note = f"Follow-up: reused the previous scenario ({compose.describe_scenario(previous.scenario or {})})."
        return self._resolve(data, [note], parsed, intro)

    @staticmethod
    def _merge_joints(data: dict[str, Any], parsed: ParsedText, changed: list[str]) -> None:
        """Joints named in a follow-up: new ones are added, ones already there take the new side."""
        named = {j for j, _ in parsed.joints}
        kept = [i for i in data["injections"] if i["joint"] not in named]
        data["injections"] = kept + [{"joint": j, "side": s} for j, s in parsed.joints]
        changed.append(", ".join(f"{s or 'side not given'} {j}" for j, s in parsed.joints))

    def _check(self, parsed: ParsedText, payer: str | None, setting: str | None) -> Answer:
        pid, notes = self._payer(parsed, payer)
        default = _setting_value(setting)
        chosen = parsed.setting.value if parsed.setting else (default or Setting.PROFESSIONAL.value)
        if not parsed.setting:
            notes.append(
                f"Claim type taken from your default setting: {compose.SETTING_WORDS[chosen]}."
                if default
                else "Assumed a physician (professional) claim; say 'ASC' or 'hospital outpatient' for a facility claim."
            )
        data: dict[str, Any] = {
            "payer": pid,
            "setting": chosen,
            "lines": [ln.model_dump(include={"code", "modifiers", "units"}) for ln in parsed.lines],
        }
        if parsed.purpose:
            data["purpose"] = parsed.purpose.value
        claim = Claim.model_validate(data)
        result = check_claim(claim, payers=self.payers, catalog=self.catalog)
        text, summary = compose.render_check(result, claim.lines, chosen, notes)
        passages = self._support(
            " ".join(ln.code for ln in claim.lines) + " " + " ".join(f.rule for f in result.findings), pid
        )
        answer = Answer(
            route=Route.CODING,
            answer=text,
            summary=summary,
            decision=result.model_dump(mode="json"),
            rules=sorted({f.rule for f in result.findings}),
            assumptions=[*notes, *result.assumptions],
            claim=data,
        )
        known = self._known_conflicts({f.rule for f in result.findings}, {ln.code for ln in claim.lines})
        return self._with_sources(answer, passages, [f.citations for f in result.findings], known)

    def _invalid_joint(self, parsed: ParsedText) -> Answer:
        errors = parsed.invalid_joints
        rules = sorted({e.rule for e in errors if e.rule})
        text = "\n".join(f"- {e}" for e in errors)
        answer = Answer(
            route=Route.CODING,
            rules=rules,
            summary=str(errors[0]),
            answer=f"**Not a facet joint these codes cover:**\n{text}\n\nName each facet joint by its two vertebrae (C2-C3 through L5-S1).",
        )
        if rules:
            answer.citations = [
                SourceRef(source_id=c.doc_id or c.source_id, title=c.title, url=c.url)
                for c in self.catalog.rule_citations(rules[0])
            ]
        return answer

    # --- rule questions and knowledge -------------------------------------------------------
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
        return out

    def _knowledge(self, text: str, parsed: ParsedText, payer: str | None, topics: list[tuple[Topic, int]]) -> Answer:
        pid = parsed.payer or (self.payers.resolve(payer) if payer else None)
        pid = None if pid == UNSPECIFIED else pid
        facts: list[str] = []
        if pid:
            facts += compose.payer_facts(self.payers.get(pid), text)
        from_profile = bool(facts)
        facts += self._code_facts(parsed)
        passages = self.retriever.search(text, k=self.settings.top_k, payer=pid)
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
    def _support(self, query: str, payer: str | None) -> list[Passage]:
        """Supporting passages for coding answers: keyword search only, so no embedding is needed."""
        pid = None if payer in (None, UNSPECIFIED) else payer
        return self.retriever.search(query, k=3, payer=pid, dense=False)

    def _with_sources(
        self, answer: Answer, passages: list[Passage], rule_cites: list[Any], conflicts: list[Any] | None = None
    ) -> Answer:
        refs: list[SourceRef] = [p.ref() for p in passages]
        for cites in rule_cites:
            for c in cites[:2]:
                refs.append(SourceRef(source_id=c.doc_id or c.source_id, title=c.title, url=c.url))
        unique: dict[tuple[str, str], SourceRef] = {}
        for ref in refs:
            unique.setdefault((ref.source_id, ref.section), ref)
        answer.citations = list(unique.values())
        answer.passages = passages
        merged: dict[tuple[str, str], Conflict] = {}
        for c in [*find_conflicts(passages), *(conflicts or [])]:
            merged.setdefault((c.rule, c.passage), c)
        answer.conflicts = list(merged.values())
        if answer.conflicts:
            warn = "\n".join(
                f"- ⚠️ **{c.rule}**: a source ({c.source.title}) says \u201c{c.passage}\u201d — this contradicts the rule: {c.correct}"
                for c in answer.conflicts
            )
            answer.answer += f"\n\n**Conflicting source text (not used):**\n{warn}"
        return answer


def _name_unsupported_payer(decision: Decision, name: str) -> Decision:
    """'Humana' was named but has no profile: say so instead of 'no payer was named'."""
    findings = [
        f.model_copy(update={"message": f.message.replace("No payer was named", f"{name} has no payer profile here")})
        for f in decision.findings
    ]
    assumptions = [a for a in decision.assumptions if not a.startswith("No payer given")]
    return decision.model_copy(update={"findings": findings, "assumptions": assumptions})


def build_assistant(settings: Settings | None = None, *, chat_model: Any | None = None) -> Assistant:
    """Composition root: load knowledge data, the store and the optional model once."""
    from assistant.store import index_exists, open_store, read_all_chunks

    settings = settings or Settings()
    catalog = load_catalog(settings.knowledge_dir)
    payers = load_payers(settings.knowledge_dir)
    chunks = read_all_chunks(settings) if index_exists(settings) else []
    store = open_store(settings) if chunks else None
    retriever = HybridRetriever(chunks, store)
    model = chat_model if chat_model is not None else build_chat_model(settings)
    audit = AuditLog(settings.audit_db) if settings.audit_enabled else None
    return Assistant(settings, catalog=catalog, payers=payers, retriever=retriever, chat_model=model, audit=audit)


__all__ = ["Assistant", "GuardrailsError", "build_assistant"]
