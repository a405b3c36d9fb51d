"""Pure helpers for the Streamlit pages: shape assistant/engine records into table rows.

No Streamlit here and no coding rules: every code, modifier and unit comes from the engine;
these functions only lay records out for display, CSV export and form input.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from guardrails.catalog import Catalog
from guardrails.joints import FACET_JOINTS
from guardrails.models import CheckResult, ClaimLine, Decision, Finding
from guardrails.payers import FORMAT_LABELS, UNSPECIFIED, PayerProfile, PayerRegistry

# Form choices; the values are the engine's own enum values.
JOINT_CHOICES: tuple[str, ...] = FACET_JOINTS
SETTING_LABELS: dict[str, str] = {
    "professional": "Physician (professional)",
    "asc_facility": "ASC facility",
    "hospital_outpatient_facility": "Hospital outpatient facility",
}
# The sidebar default may be left open: the assistant then assumes a physician claim and says so.
DEFAULT_SETTING_LABELS: dict[str, str] = {UNSPECIFIED: "Not specified", **SETTING_LABELS}
IMAGING_LABELS: dict[str, str] = {
    "fluoroscopy": "Fluoroscopy",
    "ct": "CT",
    "ultrasound": "Ultrasound",
    "none": "No imaging",
    "unspecified": "Not stated",
}
PURPOSE_LABELS: dict[str, str] = {
    "unspecified": "Not stated",
    "diagnostic": "Diagnostic (e.g. medial branch block)",
    "therapeutic": "Therapeutic",
}
AUDIENCE_LABELS: dict[str, str] = {
    "coder": "Coder: full detail",
    "front_desk": "Front desk: plain language first",
}
# Material icons ship with Streamlit, so they render even where no emoji font is installed.
SEVERITY_ICONS: dict[str, str] = {
    "error": ":material/error:",
    "warning": ":material/warning:",
    "info": ":material/info:",
}
RATE_STATUS_LABELS: dict[str, str] = {
    "published": "verified (published)",
    "derived": "derived from published figures",
    "unverified": "UNVERIFIED",
}
REGION_LABELS: dict[str, str] = {
    "cervical_thoracic": "Cervical/thoracic",
    "lumbar_sacral": "Lumbar/sacral",
}
NOT_SPECIFIED = UNSPECIFIED
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")
_MODIFIER_SPLIT = re.compile(r"[\s,;/\-]+")


def notes_not_in_text(text: str, notes: Iterable[str]) -> list[str]:
    """Assumptions an answer's Markdown does not already show (shown once, never twice)."""
    return [n for n in dict.fromkeys(notes) if n not in text]


def escape_markdown(text: str) -> str:
    """Show typed text literally: st.markdown must not turn user input into links or images."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def payer_options(payers: PayerRegistry) -> list[str]:
    """'Not specified' first, then the shipped profiles in a stable order."""
    return [NOT_SPECIFIED, *payers.ids()]


def payer_label(payers: PayerRegistry, payer_id: str) -> str:
    if payer_id == NOT_SPECIFIED:
        return "Not specified"
    profile = payers.profiles.get(payer_id)
    return profile.name if profile else payer_id


# --- claim lines and findings -----------------------------------------------------------------
def line_rows(lines: Iterable[ClaimLine | Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One display row per claim line: code, modifiers, units and what it covers."""
    rows = []
    for raw in lines:
        line = raw if isinstance(raw, ClaimLine) else ClaimLine.model_validate(raw)
        rows.append(
            {
                "Code": line.code,
                "Modifiers": " ".join(line.modifiers) or "—",
                "Units": line.units,
                "Covers": line.note or "—",
            }
        )
    return rows


def finding_rows(findings: Iterable[Finding | Mapping[str, Any]]) -> list[dict[str, str]]:
    rows = []
    for raw in findings:
        f = raw if isinstance(raw, Finding) else Finding.model_validate(raw)
        rows.append({"Severity": f.severity.value, "Rule": f.rule, "Message": f.message})
    return rows


def finding_citations(findings: Iterable[Finding]) -> list[dict[str, str]]:
    """Unique sources behind a list of findings, for a 'Sources' expander."""
    seen: dict[str, dict[str, str]] = {}
    for f in findings:
        for c in f.citations:
            seen.setdefault(c.source_id, {"title": c.title, "date": c.date, "url": c.url})
    return list(seen.values())


def lines_label(lines: Sequence[ClaimLine]) -> str:
    """'64493-50 ×1, 64494-50 ×1' for one-glance comparison tables."""
    return ", ".join(f"{'-'.join([ln.code, *ln.modifiers])} ×{ln.units}" for ln in lines) or "—"


def comparison_rows(results: Mapping[str, Decision | str]) -> list[dict[str, Any]]:
    """One row per payer: its lines at a glance and how many errors/warnings the engine found."""
    rows: list[dict[str, Any]] = []
    for payer_name, result in results.items():
        if isinstance(result, str):  # the engine refused the input for this payer
            rows.append(
                {
                    "Payer": payer_name,
                    "Claim lines": "—",
                    "Billable": "—",
                    "Errors": "—",
                    "Warnings": "—",
                    "Note": result,
                }
            )
            continue
        sev = [f.severity.value for f in result.findings]
        rows.append(
            {
                "Payer": payer_name,
                "Claim lines": lines_label(result.lines),
                "Billable": "yes" if result.billable else "no",
                "Errors": sev.count("error"),
                "Warnings": sev.count("warning"),
                "Note": "",
            }
        )
    return rows


def decisions_csv(results: Mapping[str, Decision | str]) -> str:
    """Claim lines and findings of every payer in one CSV a coder can open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["payer", "row_type", "code", "modifiers", "units", "covers", "severity", "rule", "message"])
    for payer_name, result in results.items():
        if isinstance(result, str):
            writer.writerow([payer_name, "error", "", "", "", "", "error", "", result])
            continue
        for ln in result.lines:
            writer.writerow([payer_name, "line", ln.code, " ".join(ln.modifiers), ln.units, ln.note, "", "", ""])
        for f in result.findings:
            writer.writerow([payer_name, "finding", "", "", "", "", f.severity.value, f.rule, f.message])
    return out.getvalue()


def check_csv(result: CheckResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row_type", "code", "modifiers", "units", "severity", "rule", "message"])
    for ln in result.corrected_lines or []:
        writer.writerow(["corrected_line", ln.code, " ".join(ln.modifiers), ln.units, "", "", ""])
    for f in result.findings:
        writer.writerow(["finding", "", "", "", f.severity.value, f.rule, f.message])
    return out.getvalue()


# --- form input -> engine input -------------------------------------------------------------
def injections_from_sides(right: Iterable[str], left: Iterable[str]) -> list[dict[str, str]]:
    """Joints ticked on both sides are one bilateral injection; order follows the spine."""
    r, lt = set(right), set(left)
    out = []
    for joint in JOINT_CHOICES:
        if joint in r and joint in lt:
            out.append({"joint": joint, "side": "bilateral"})
        elif joint in r:
            out.append({"joint": joint, "side": "right"})
        elif joint in lt:
            out.append({"joint": joint, "side": "left"})
    return out


def editor_rows_to_lines(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows of the checker's data editor -> claim line dicts; blank rows are skipped."""
    lines = []
    for row in rows:
        code = str(row.get("code") or "").strip()
        if not code or code.lower() == "nan":
            continue
        mods = [m for m in _MODIFIER_SPLIT.split(str(row.get("modifiers") or "")) if m]
        units = row.get("units")
        try:
            count = int(units) if units is not None and str(units) not in ("", "nan") else 1
        except (TypeError, ValueError):
            count = -1  # let the claim model refuse it with its own message
        lines.append({"code": code, "modifiers": mods, "units": count})
    return lines


# --- reference tables --------------------------------------------------------------------------
def code_rows(catalog: Catalog) -> list[dict[str, Any]]:
    families = {f.id: f.name for f in catalog.code_table.families}
    rows = []
    for info in catalog.code_table.codes:
        rows.append(
            {
                "Code": f"+{info.code}" if info.add_on else info.code,
                "Region": REGION_LABELS[info.region.value],
                "Level": {
                    "primary": "First level",
                    "second": "Second level",
                    "third_plus": "Third and any additional level",
                }[info.tier],
                "Add-on": "yes" if info.add_on else "no",
                "Reported with": ", ".join(info.requires) or "—",
                "MUE": info.mue,
                "Imaging family": families.get(info.family, info.family),
                "Description": info.summary,
            }
        )
    return rows


def addon_rows(catalog: Catalog) -> list[dict[str, str]]:
    return [
        {"Add-on code": f"+{info.code}", "Only with": " + ".join(info.requires), "Meaning": info.summary}
        for info in catalog.code_table.codes
        if info.add_on
    ]


def related_rows(catalog: Catalog) -> list[dict[str, str]]:
    kinds = {
        "imaging_included": "Imaging (included, do not add)",
        "sacroiliac": "Sacroiliac joint",
        "rf_ablation": "Radiofrequency ablation",
        "no_imaging_alternative": "Without imaging",
    }
    return [{"Code": r.code, "Kind": kinds.get(r.kind, r.kind), "Note": r.summary} for r in catalog.code_table.related]


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def payer_comparison(payers: PayerRegistry) -> dict[str, dict[str, str]]:
    """Payer name -> attribute -> value: as a table, payers sit side by side as columns."""
    return {p.name: _payer_column(p) for p in payers.profiles.values()}


def _payer_column(p: PayerProfile) -> dict[str, str]:
    prior = p.hopd_prior_auth
    return {
        "Kind": p.kind,
        "Bilateral format (physician)": FORMAT_LABELS[p.bilateral_format],
        "Bilateral format (ASC facility)": FORMAT_LABELS[p.asc_bilateral_format],
        "Confirm format with plan": _yes_no(p.confirm_format_with_plan),
        "Max levels per region per session": str(p.max_levels_per_region_per_session or "not set"),
        "Max levels per session": str(p.max_levels_per_session or "not set"),
        "Third level covered": _yes_no(p.covers_third_level),
        "KX on diagnostic injections": _yes_no(p.requires_kx_on_diagnostic),
        "T12-L1 junction rule": _yes_no(p.junction_rule),
        "One region per session": _yes_no(p.one_region_per_session),
        "Hospital outpatient prior auth": (
            f"yes since {prior.since} ({', '.join(prior.codes)})"
            if prior and prior.required
            else "no"
            if prior
            else "not recorded"
        ),
        "Ultrasound guidance covered": _yes_no(p.ultrasound_covered),
        "Therapeutic injections": p.therapeutic_covered.replace("_", " "),
        "Policies": "; ".join(f"{pol.id} {pol.title} (eff. {pol.effective})" for pol in p.policies) or "—",
        "Profile reviewed": p.reviewed,
    }


def source_label(catalog: Catalog, source_id: str) -> tuple[str, str]:
    """(title, url) of a source register id; unknown ids are shown as they are."""
    src = catalog.sources.get(source_id)
    return (f"{source_id}: {src.title}", src.url) if src else (source_id, "")


def note_rows(catalog: Catalog, payers: PayerRegistry) -> list[dict[str, str]]:
    """Coverage, frequency and documentation notes of every payer, each with its sources."""
    rows = []
    for p in payers.profiles.values():
        for kind, notes in (
            ("Coverage", p.coverage_notes),
            ("Frequency", p.frequency),
            ("Documentation", p.documentation),
        ):
            for note in notes:
                sources = "; ".join(source_label(catalog, s)[0] for s in note.sources)
                rows.append({"Payer": p.name, "Topic": kind, "Note": note.text, "Sources": sources})
    return rows


def rate_rows(catalog: Catalog, payers: PayerRegistry) -> list[dict[str, Any]]:
    rows = []
    for p in payers.profiles.values():
        for r in p.rates:
            title, url = source_label(catalog, r.source)
            rows.append(
                {
                    "Payer": p.name,
                    "Code": r.code,
                    "Amount ($)": r.amount,
                    "Setting": r.setting.replace("_", "-"),
                    "Status": RATE_STATUS_LABELS.get(r.status, r.status),
                    "Basis": r.basis,
                    "Source": title,
                    "Link": url or None,
                    "As of": r.as_of,
                }
            )
    return rows


def rvu_rows(catalog: Catalog) -> list[dict[str, Any]]:
    fees = catalog.code_table.medicare_2026
    return [
        {
            "Code": r.code,
            "Work RVU": r.work,
            "Total RVU (non-facility)": r.total_non_facility,
            "Total RVU (facility)": r.total_facility,
            "Global": r.global_,
        }
        for r in fees.rvus
    ]
