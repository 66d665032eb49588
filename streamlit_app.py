"""FormCheck web app entry point: `streamlit run streamlit_app.py`. A thin shell."""

import streamlit as st

from formcheck.ui.pose_page import page

st.set_page_config(page_title="FormCheck", layout="wide")
page()
