"""Deterministic coding rules for facet joint injections (CPT 64490-64495, 0213T-0218T).

Pure and light: imports only the standard library, pydantic and PyYAML.
"""

from guardrails.catalog import Catalog, load_catalog
from guardrails.checker import check_claim
from guardrails.engine import decide
from guardrails.errors import GuardrailsError, InvalidJointError, KnowledgeDataError, UnknownPayerError
from guardrails.models import (
    CheckResult,
    Citation,
    Claim,
    ClaimLine,
    Decision,
    Finding,
    Imaging,
    Injection,
    Purpose,
    Scenario,
    Setting,
    Severity,
    Side,
)
from guardrails.payers import PayerProfile, PayerRegistry, load_payers, load_profile

__all__ = [
    "Catalog",
    "CheckResult",
    "Citation",
    "Claim",
    "ClaimLine",
    "Decision",
    "Finding",
    "GuardrailsError",
    "Imaging",
    "Injection",
    "InvalidJointError",
    "KnowledgeDataError",
    "PayerProfile",
    "PayerRegistry",
    "Purpose",
    "Scenario",
    "Setting",
    "Severity",
    "Side",
    "UnknownPayerError",
    "check_claim",
    "decide",
    "load_catalog",
    "load_payers",
    "load_profile",
]
