"""FormCheck web app entry point: `streamlit run streamlit_app.py`. A thin shell: each page is a
function in formcheck/ui that calls the library."""

import streamlit as st

from formcheck.ui.pages import navigation

st.set_page_config(page_title="FormCheck", layout="wide")
navigation().run()
