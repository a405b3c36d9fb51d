"""The assistant: one API, `build_assistant(settings).ask(question, ...) -> Answer`."""

from __future__ import annotations

import logging
from typing import Any

from assistant.answer import Answer, Route
from assistant.audit import AuditLog
from assistant.coding import CodingAnswers
from assistant.explain import CAPABILITIES, KnowledgeAnswers
from assistant.inputs import clean, is_injection, problem
from assistant.llm import build_chat_model
from assistant.retrieval import HybridRetriever
from assistant.router import Intent, route_question
from assistant.settings import Settings
from guardrails import (
    CheckResult,
    Claim,
    ClaimLine,
    Decision,
    GuardrailsError,
    Scenario,
    check_claim,
    decide,
    load_catalog,
    load_payers,
)
from guardrails.parse import parse_text
from guardrails.versions import versions

log = logging.getLogger(__name__)

INJECTION_NOTE = (
    "Note: instructions to change or ignore the coding rules are not followed; "
    "the answer below comes from the rule engine."
)


class Assistant(CodingAnswers, KnowledgeAnswers):
    """Routes each question to the coding or knowledge path; never raises for bad input."""

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
        last = next((a for a in reversed(history) if a.scenario or a.claim), None)
        last_check = last if last is not None and last.claim and not last.scenario else None
        previous = next((a for a in reversed(history) if a.scenario), None)
        previous_joints = (
            frozenset(i["joint"] for i in (previous.scenario or {}).get("injections", [])) if previous else frozenset()
        )
        intent, topics = route_question(text, parsed, last is not None, previous_joints)
        if intent is Intent.SCENARIO:
            answer = self._scenario(parsed, payer, setting)
        elif intent is Intent.FOLLOW_UP and last_check is not None:
            answer = self._check_follow_up(parsed, last_check, payer, setting)
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
