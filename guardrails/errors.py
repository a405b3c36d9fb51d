"""Errors raised for input the engine refuses; each message is one plain sentence."""

from __future__ import annotations


class GuardrailsError(ValueError):
    """Base class: bad input, reported to the user, never a crash."""

    rule: str | None = None


class InvalidJointError(GuardrailsError):
    def __init__(self, text: str, reason: str, rule: str | None = None) -> None:
        self.text = text
        self.reason = reason
        self.rule = rule
        super().__init__(f"'{text}' is not a facet joint these codes cover: {reason}")


class UnknownPayerError(GuardrailsError):
    def __init__(self, payer: str, known: list[str]) -> None:
        self.payer = payer
        super().__init__(
            f"Unknown payer '{payer}'; known payer profiles: {', '.join(sorted(known))}, or 'unspecified'."
        )


class KnowledgeDataError(GuardrailsError):
    """A knowledge data file (payer profile, code table, rule catalog) failed validation."""

    def __init__(self, path: str, field: str, reason: str) -> None:
        self.path = path
        self.field = field
        self.reason = reason
        super().__init__(f"{path}: field '{field}': {reason}")
