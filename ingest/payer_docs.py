"""One Markdown document per payer profile: the only place payer facts become prose.

The engine decides from the same YAML, so what the assistant retrieves about a payer can never
drift from what it enforces. Every section repeats the payer name so a chunk read on its own
still says whose rule it is.
"""

from __future__ import annotations

from assistant.settings import Settings
from guardrails.catalog import Catalog
from guardrails.errors import KnowledgeDataError
from guardrails.payers import FORMAT_LABELS, PayerProfile, PolicyNote, load_profile
from ingest.load import (
    Audience,
    DocMeta,
    Document,
    FileError,
    Known,
    knowledge_key,
    slug,
    source_url,
    validate_meta,
)
from ingest.readers import DocumentError

PAYER_TOPIC = "coverage"
NOT_STATED = "not stated in the sources on file"
SETTING_LABELS = {
    "non_facility": "non-facility (office) setting",
    "facility": "facility setting (hospital outpatient or ASC)",
    "unspecified": "setting not specified",
}
STATUS_LABELS = {
    "published": "published",
    "derived": "derived (calculated from published values)",
    "unverified": "unverified",
}
THERAPEUTIC_LABELS = {
    "covered": "covered",
    "conditional": "covered only when the policy's conditions are met",
    "not_covered": "not covered",
    "unknown": NOT_STATED,
}


def load_profiles(settings: Settings, catalog: Catalog) -> tuple[list[tuple[PayerProfile, str]], list[FileError]]:
    """(profile, file key) for each valid profile file. Files are validated one by one so a
    broken file is reported without hiding the other payers."""
    profiles: list[tuple[PayerProfile, str]] = []
    errors: list[FileError] = []
    seen: dict[str, str] = {}
    for path in sorted(settings.payers_dir.glob("*.yaml")):
        key = knowledge_key(path, settings)
        try:
            profile = load_profile(path, catalog)
        except KnowledgeDataError as exc:
            errors.append(FileError(file=key, reason=f"field '{exc.field}': {exc.reason}"))
            continue
        if profile.id in seen:
            reason = f"duplicate payer id '{profile.id}' (also in {seen[profile.id]})"
            errors.append(FileError(file=key, reason=reason))
            continue
        seen[profile.id] = key
        profiles.append((profile, key))
    return profiles, errors


def _yes_no(value: bool | None, yes: str, no: str) -> str:
    return NOT_STATED if value is None else (yes if value else no)


def _cite(ids: list[str]) -> str:
    return f" [{', '.join(ids)}]"


def _notes(name: str, notes: list[PolicyNote], what: str) -> list[str]:
    if not notes:
        return [f"No {what} are recorded for {name} in the sources on file."]
    return [f"- {note.text}{_cite(note.sources)}" for note in notes]


def _rate_lines(profile: PayerProfile, catalog: Catalog) -> list[str]:
    name = profile.name
    if not profile.rates:
        return [f"No payment rates are recorded for {name}."]
    lines = []
    for rate in profile.rates:
        source = catalog.sources.get(rate.source)
        source_text = f"{rate.source} ({source.title})" if source else rate.source
        line = (
            f"- {name} rate for {rate.code}: ${rate.amount:,.2f}, "
            f"{SETTING_LABELS[rate.setting]}. Basis: {rate.basis}. "
            f"Status: {STATUS_LABELS[rate.status]}."
        )
        if rate.status == "unverified":
            line += f" Treat this {name} figure as unverified"
            if "billing guide" in rate.basis.lower():
                line += ": it is the national average according to the billing guide"
            line += ", not a published or contracted rate."
        line += f" Source: {source_text}, as of {rate.as_of}."
        lines.append(line)
    lines += [
        "",
        f"Actual {name} payment depends on the contract, locality and setting; check the remittance or fee schedule.",
    ]
    return lines


def render_markdown(profile: PayerProfile, catalog: Catalog) -> str:
    """The payer summary in words; every fact comes from the profile."""
    n = profile.name
    policy_ids = ", ".join(p.id for p in profile.policies) or "the payer's policy"
    intro = [f"# {n} policy summary", ""]
    aka = ", ".join(a for a in profile.aliases if a.lower() != n.lower())
    intro.append(
        f"{n} (payer type: {profile.kind})"
        + (f" (also written as: {aka})" if aka else "")
        + f". This summary is generated from the {n} payer profile, reviewed {profile.reviewed}"
        + _cite(profile.sources)
        + "."
    )
    if not profile.criteria_retrieved:
        intro += [
            "",
            f"Important: the {n} coverage criteria ({policy_ids}) were not retrieved for this "
            f"tool. Level limits, frequency and bilateral rules for {n} may be missing or "
            "incomplete here: check the current guideline before relying on any limit.",
        ]

    policies = [f"- {p.id}: {p.title} (effective date: {p.effective})" for p in profile.policies] or [
        f"No {n} policy documents are on file."
    ]

    fmt = [
        f"- {n} professional claims, bilateral injection at one level: {FORMAT_LABELS[profile.bilateral_format]}.",
        f"- {n} ambulatory surgery center (ASC) facility claims: {FORMAT_LABELS[profile.asc_bilateral_format]}.",
    ]
    if profile.confirm_format_with_plan:
        fmt.append(f"- {n} plans differ: confirm the bilateral format with the member's plan.")

    per_region = profile.max_levels_per_region_per_session
    per_session = profile.max_levels_per_session
    levels = [
        f"- {n} levels per spinal region per session: "
        + (f"at most {per_region}." if per_region else f"no limit is {NOT_STATED}."),
        f"- {n} levels per session in total: "
        + (f"at most {per_session}." if per_session else f"no limit is {NOT_STATED}."),
        f"- {n} coverage of a third or additional level (+64492 / +64495): "
        + _yes_no(profile.covers_third_level, "covered", "not covered")
        + ".",
        f"- {n} T12-L1 / L1-L2 junction rule: "
        + (
            "applies (see the coverage notes for how such a session is coded)."
            if profile.junction_rule
            else f"no junction rule is recorded for {n}."
        ),
        f"- {n} one-region limitation: "
        + (
            "treating more than one spinal region in one session is a listed limitation."
            if profile.one_region_per_session
            else f"no one-region-per-session limitation is recorded for {n}."
        ),
    ]

    kx = [
        f"- {n}: append modifier KX to every line of a diagnostic facet injection."
        if profile.requires_kx_on_diagnostic
        else f"- {n}: no KX modifier requirement is recorded for diagnostic facet injections."
    ]

    pa = profile.hopd_prior_auth
    if pa and pa.required:
        prior = [
            f"- {n} requires prior authorization in hospital outpatient departments (HOPD) "
            f"since {pa.since} for codes {', '.join(pa.codes)}.{_cite(pa.sources)}"
        ]
        if pa.note:
            prior.append(f"- {pa.note}")
    else:
        prior = [
            f"- No hospital outpatient (HOPD) prior-authorization program is recorded for {n}; "
            "check the plan's own prior-authorization list."
        ]

    guidance = [
        f"- {n} coverage of ultrasound-guided facet injections: "
        + _yes_no(profile.ultrasound_covered, "covered", "not covered")
        + ".",
        f"- {n} coverage of therapeutic facet injections: {THERAPEUTIC_LABELS[profile.therapeutic_covered]}.",
    ]

    sections: list[tuple[str, list[str]]] = [
        (f"{n}: policies on file", policies),
        (f"{n}: bilateral claim format (modifier 50, RT/LT)", fmt),
        (f"{n}: levels per session", levels),
        (f"{n}: KX modifier", kx),
        (f"{n}: prior authorization", prior),
        (f"{n}: ultrasound guidance and therapeutic injections", guidance),
        (f"{n}: frequency limits", _notes(n, profile.frequency, "frequency limits")),
        (
            f"{n}: documentation requirements",
            _notes(n, profile.documentation, "documentation requirements"),
        ),
        (f"{n}: coverage notes", _notes(n, profile.coverage_notes, "coverage notes")),
        (f"{n}: rates and payment amounts", _rate_lines(profile, catalog)),
    ]
    out = list(intro)
    for heading, lines in sections:
        out += ["", f"## {heading}", "", *lines]
    return "\n".join(out) + "\n"


def all_sources(profile: PayerProfile) -> list[str]:
    """The profile's sources first, then every id its notes and rates cite."""
    ordered: list[str] = []
    for _, ids in profile.all_source_ids():
        ordered += [s for s in ids if s not in ordered]
    return ordered


def render_payer_doc(profile: PayerProfile, catalog: Catalog, known: Known, key: str) -> Document:
    meta = validate_meta(
        DocMeta,
        {
            "id": f"payer-{slug(profile.id)}",
            "title": f"{profile.name} policy summary",
            "topic": PAYER_TOPIC,
            "audience": [Audience.CODER, Audience.FRONT_DESK],
            "payer": profile.id,
            "sources": all_sources(profile),
            "effective": profile.reviewed,
            "reviewed": profile.reviewed,
        },
        known,
    )
    return Document(
        meta=meta,
        text=render_markdown(profile, catalog),
        path=key,
        url=source_url(meta, known, key),
    )


def payer_documents(
    profiles: list[tuple[PayerProfile, str]], catalog: Catalog, known: Known
) -> tuple[list[Document], list[FileError]]:
    docs: list[Document] = []
    errors: list[FileError] = []
    for profile, key in profiles:
        try:
            docs.append(render_payer_doc(profile, catalog, known, key))
        except DocumentError as exc:
            errors.append(FileError(file=key, reason=str(exc)))
    return docs, errors
