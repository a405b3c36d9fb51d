"""ingest.payer_docs: payer summaries written only from the profile data."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from assistant.settings import PROJECT_ROOT
from assistant.store import read_all_chunks
from guardrails.catalog import load_catalog
from guardrails.payers import FORMAT_LABELS, PayerProfile, Rate, load_payers
from ingest.payer_docs import render_markdown
from ingest.pipeline import build_documents, run_ingest

KNOWLEDGE = PROJECT_ROOT / "knowledge"
PROFILES = load_payers(KNOWLEDGE).profiles


def doc_text(profile: PayerProfile) -> str:
    return render_markdown(profile, load_catalog(KNOWLEDGE))


@pytest.mark.parametrize("payer_id", sorted(PROFILES))
def test_payer_doc_states_every_fact_of_the_profile(payer_id):
    profile = PROFILES[payer_id]
    text = doc_text(profile)
    flat = " ".join(text.split())
    assert text.startswith(f"# {profile.name} policy summary")
    assert FORMAT_LABELS[profile.bilateral_format] in text
    assert FORMAT_LABELS[profile.asc_bilateral_format] in text
    for policy in profile.policies:
        assert policy.id in text
    for note in profile.frequency + profile.documentation + profile.coverage_notes:
        assert " ".join(note.text.split()) in flat
    for rate in profile.rates:
        assert f"${rate.amount:,.2f}" in text
        assert rate.code in text and rate.as_of in text
    if profile.max_levels_per_region_per_session:
        assert f"at most {profile.max_levels_per_region_per_session}" in text
    assert ("KX to every line" in text) == profile.requires_kx_on_diagnostic
    assert ("were not retrieved" in text) == (not profile.criteria_retrieved)


@pytest.mark.parametrize("payer_id", sorted(PROFILES))
def test_every_payer_section_names_the_payer(payer_id):
    profile = PROFILES[payer_id]
    headings = re.findall(r"^## (.+)$", doc_text(profile), re.MULTILINE)
    assert len(headings) >= 8
    assert all(profile.name in h for h in headings)


def test_cigna_rate_is_marked_unverified_billing_guide_average():
    text = doc_text(PROFILES["cigna"])
    rate_line = next(line for line in text.splitlines() if "$170.48" in line)
    assert "unverified" in rate_line
    assert "national average according to the billing guide" in rate_line
    assert "S56" in rate_line and "2025" in rate_line
    assert "criteria" in text and "were not retrieved" in text


def test_medicare_derived_rates_are_not_called_unverified():
    text = doc_text(PROFILES["medicare"])
    rate_lines = [line for line in text.splitlines() if line.startswith("- Medicare rate")]
    assert len(rate_lines) == len(PROFILES["medicare"].rates)
    assert all("derived" in line and "unverified" not in line for line in rate_lines)
    assert "prior authorization" in text and "2023-07-01" in text


@hyp_settings(max_examples=40, deadline=None)
@given(
    amount=st.floats(min_value=0.01, max_value=99999, allow_nan=False),
    status=st.sampled_from(["published", "derived", "unverified"]),
    setting=st.sampled_from(["non_facility", "facility", "unspecified"]),
)
def test_any_rate_is_rendered_with_amount_and_status(amount, status, setting):
    rate = Rate(
        code="64491", amount=amount, setting=setting, basis="test basis", status=status,
        source="S35", as_of="2030",
    )  # fmt: skip
    profile = PROFILES["aetna"].model_copy(update={"rates": [rate]})
    line = next(ln for ln in doc_text(profile).splitlines() if ln.startswith("- Aetna rate"))
    assert f"${amount:,.2f}" in line
    assert status.split("_")[0] in line
    assert ("unverified" in line) == (status == "unverified")


def test_payer_doc_metadata(make_settings):
    docs, errors = build_documents(make_settings())
    assert errors == []
    cigna = next(d for d in docs if d.meta.id == "payer-cigna")
    assert cigna.meta.payer == "cigna"
    assert cigna.meta.topic == "coverage"
    assert cigna.meta.title == "Cigna policy summary"
    assert cigna.meta.sources[:3] == PROFILES["cigna"].sources
    assert cigna.path == "knowledge/payers/cigna.yaml"


def test_payer_doc_follows_the_yaml(settings, knowledge):
    first = run_ingest(settings)
    cigna = knowledge / "payers" / "cigna.yaml"
    cigna.write_text(cigna.read_text().replace("170.48", "183.25"), encoding="utf-8")
    second = run_ingest(settings)
    assert second.updated == 1
    assert second.unchanged == first.added - 1
    texts = " ".join(
        r["text"] for r in read_all_chunks(settings) if r["metadata"]["payer"] == "cigna"
    )
    assert "$183.25" in texts and "$170.48" not in texts


def test_broken_payer_file_is_reported_and_its_old_summary_kept(settings, knowledge):
    run_ingest(settings)
    uhc = knowledge / "payers" / "uhc.yaml"
    uhc.write_text(uhc.read_text().replace("kind: commercial", "kind: charity"), encoding="utf-8")
    report = run_ingest(settings)
    assert [e.file for e in report.errors] == ["knowledge/payers/uhc.yaml"]
    assert "kind" in report.errors[0].reason
    assert report.kept == 1 and report.removed == 0
    assert any(r["metadata"]["doc_id"] == "payer-uhc" for r in read_all_chunks(settings))
