"""About: versions, index freshness, scope, the coder disclaimer and recent feedback."""

from __future__ import annotations

from typing import Any

import streamlit as st

from assistant.service import Assistant
from assistant.ui_components import DISCLAIMER, page_setup

COVERED = (
    "Facet joint injections with fluoroscopy or CT: 64490, +64491, +64492 (cervical/thoracic) "
    "and 64493, +64494, +64495 (lumbar/sacral)",
    "Ultrasound-guided facet injections: 0213T–0218T",
    "Levels, regions, add-on pairing, bilateral formats (modifier 50, RT/LT), units, KX",
    "Payer profiles: Medicare and the commercial payers listed below",
    "Checking claim lines and suggesting corrected lines",
)
NOT_COVERED = (
    "Radiofrequency ablation (64633–64636), sacroiliac joint (27096, G0260, 64451, 64625) and "
    "epidural injections beyond saying which code family they belong to",
    "Diagnosis coding (ICD-10-CM) and medical necessity for an individual patient",
    "Your contract rates, local MAC variations not in the profiles, and prior-auth submission",
    "Reading patient records: do not paste names, dates of birth or record numbers",
)


def render_versions(about: dict[str, Any]) -> None:
    st.subheader("Versions")
    versions = about.get("versions", {})
    cols = st.columns(max(len(versions), 1))
    for col, (name, value) in zip(cols, versions.items(), strict=False):
        col.metric(name.capitalize(), str(value))
    index = about.get("index") or {}
    built = index.get("built_at")
    if built:
        st.markdown(
            f"**Knowledge index built:** {built} · {about.get('chunks', 0)} passages"
            + (f" · embedding model `{index['embedding_model']}`" if index.get("embedding_model") else "")
        )
    else:
        st.warning(
            "The knowledge index has not been built yet: coding answers work, but "
            "background passages and sources are missing. Run `make ingest` (or "
            "`make run`, which builds it when missing)."
        )


def render_scope(about: dict[str, Any]) -> None:
    covered, missing = st.columns(2)
    with covered:
        st.subheader("Covered")
        st.markdown("\n".join(f"- {c}" for c in COVERED))
        payers = ", ".join(about.get("payers", {}).values())
        st.caption(f"Payer profiles: {payers}.")
    with missing:
        st.subheader("Not covered")
        st.markdown("\n".join(f"- {c}" for c in NOT_COVERED))


def render_rules(about: dict[str, Any]) -> None:
    rules = about.get("rules", {})
    with st.expander(f"Rule catalog ({len(rules)} rules)"):
        st.table([{"Rule": rid, "Explanation": text} for rid, text in rules.items()], hide_index=True)


def render_feedback_review(assistant: Assistant) -> None:
    st.subheader("Recent feedback")
    if assistant.audit is None:
        st.caption("Feedback is off (FACET_AUDIT_ENABLED=false).")
        return
    rows = assistant.audit.recent_feedback(limit=50)
    if not rows:
        st.caption("No feedback yet. Use the thumbs under any chat answer.")
        return
    st.dataframe(
        [
            {
                "When": r["ts"],
                "Rating": "helpful" if r["rating"] > 0 else "not helpful",
                "Comment": r["comment"],
                "Question": r["question"],
                "Route": r["route"],
            }
            for r in rows
        ],
        hide_index=True,
        width="stretch",
    )


def main() -> None:
    assistant = page_setup()
    st.title("About the Facet Coding Assistant")
    st.warning(DISCLAIMER, icon=":material/health_and_safety:")
    st.markdown(
        "Runs entirely on this computer: the rule engine writes every code, modifier "
        "and unit; the knowledge base only explains and cites sources."
    )
    about = assistant.about()
    render_versions(about)
    render_scope(about)
    render_rules(about)
    render_feedback_review(assistant)


main()
