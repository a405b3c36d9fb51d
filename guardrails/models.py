"""Plain records shared by the rule engine, the checker and their callers."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator


def _payer_id(value: str) -> str:
    return value.strip().lower() or "unspecified"


# A payer profile id or alias as given; the registry resolves it.
PayerId = Annotated[str, AfterValidator(_payer_id)]


class Side(StrEnum):
    LEFT = "left"
    RIGHT = "right"
    BILATERAL = "bilateral"


class Imaging(StrEnum):
    FLUOROSCOPY = "fluoroscopy"
    CT = "ct"
    ULTRASOUND = "ultrasound"
    NONE = "none"
    UNSPECIFIED = "unspecified"


class Purpose(StrEnum):
    DIAGNOSTIC = "diagnostic"
    THERAPEUTIC = "therapeutic"
    UNSPECIFIED = "unspecified"


class Setting(StrEnum):
    PROFESSIONAL = "professional"
    ASC_FACILITY = "asc_facility"
    HOSPITAL_OUTPATIENT_FACILITY = "hospital_outpatient_facility"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Region(StrEnum):
    CERVICAL_THORACIC = "cervical_thoracic"
    LUMBAR_SACRAL = "lumbar_sacral"


class Injection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    joint: str
    side: Side


class Scenario(BaseModel):
    """One patient, one date of service."""

    model_config = ConfigDict(extra="ignore")

    payer: PayerId = "unspecified"
    setting: Setting = Setting.PROFESSIONAL
    imaging: Imaging = Imaging.UNSPECIFIED
    purpose: Purpose = Purpose.UNSPECIFIED
    injections: list[Injection] = Field(min_length=1)


class Citation(BaseModel):
    source_id: str
    doc_id: str | None = None
    title: str
    url: str
    date: str
    note: str = ""


class Finding(BaseModel):
    rule: str
    severity: Severity
    message: str
    citations: list[Citation] = Field(default_factory=list)


class ClaimLine(BaseModel):
    model_config = ConfigDict(extra="ignore")

    code: str
    modifiers: list[str] = Field(default_factory=list)
    units: int = Field(1, ge=0, le=99)
    note: str = ""

    @field_validator("code")
    @classmethod
    def _code_upper(cls, value: str) -> str:
        # '+64491' is how CPT prints an add-on; the code itself has no plus sign.
        return value.strip().lstrip("+").strip().upper()

    @field_validator("modifiers")
    @classmethod
    def _mods_upper(cls, value: list[str]) -> list[str]:
        # One field typed as '50, KX' or '-50 -RT' holds several modifiers.
        return [part.upper() for m in value for part in re.split(r"[\s,;/-]+", m) if part]

    def key(self) -> tuple[str, tuple[str, ...], int]:
        return (self.code, tuple(self.modifiers), self.units)


class Decision(BaseModel):
    billable: bool
    lines: list[ClaimLine]
    findings: list[Finding]
    assumptions: list[str]
    rules_applied: list[str]
    payer: str
    payer_name: str
    versions: dict[str, str]


class Claim(BaseModel):
    model_config = ConfigDict(extra="ignore")

    payer: PayerId = "unspecified"
    setting: Setting = Setting.PROFESSIONAL
    purpose: Purpose = Purpose.UNSPECIFIED
    lines: list[ClaimLine] = Field(min_length=1)


class CheckResult(BaseModel):
    valid: bool
    findings: list[Finding]
    corrected_lines: list[ClaimLine] | None
    assumptions: list[str]
    payer: str
    payer_name: str
    versions: dict[str, str]
