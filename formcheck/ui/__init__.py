"""The Streamlit pages: thin shells over `formcheck.pipeline` and `formcheck.render`."""
