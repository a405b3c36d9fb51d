"""Collects findings with their catalog citations, and the rule IDs a result rests on."""

from __future__ import annotations

from guardrails.catalog import Catalog
from guardrails.models import Finding, Severity


class FindingLog:
    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self.findings: list[Finding] = []
        self.applied: list[str] = []

    def apply(self, *rule_ids: str) -> None:
        """Record that the result rests on these rules (no message for the user)."""
        for rule_id in rule_ids:
            self._catalog.rule(rule_id)  # unknown IDs fail loudly in tests
            if rule_id not in self.applied:
                self.applied.append(rule_id)

    def add(self, rule_id: str, severity: Severity, message: str) -> None:
        self.apply(rule_id)
        finding = Finding(
            rule=rule_id,
            severity=severity,
            message=message,
            citations=self._catalog.rule_citations(rule_id),
        )
        if all(f.rule != rule_id or f.message != message for f in self.findings):
            self.findings.append(finding)

    def error(self, rule_id: str, message: str) -> None:
        self.add(rule_id, Severity.ERROR, message)

    def warning(self, rule_id: str, message: str) -> None:
        self.add(rule_id, Severity.WARNING, message)

    def info(self, rule_id: str, message: str) -> None:
        self.add(rule_id, Severity.INFO, message)

    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    def sorted(self) -> list[Finding]:
        order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
        return sorted(self.findings, key=lambda f: order[f.severity])
