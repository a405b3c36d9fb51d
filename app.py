"""Streamlit entry point (placeholder until the app issue lands)."""

import streamlit as st

st.set_page_config(page_title="Facet Coding Assistant", page_icon="🩺")
st.title("Facet Coding Assistant")
st.write("Coding answers for facet joint injections, CPT 64490-64495.")
