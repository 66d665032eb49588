"""The app's pages and its navigation (one place, so the entry point stays three lines)."""

from __future__ import annotations

import streamlit as st


def _analyse() -> None:
    from formcheck.ui.analyse_page import page

    page()


def _compare() -> None:
    from formcheck.ui.compare_page import page

    page()


def _library() -> None:
    from formcheck.ui.library_page import page

    page()


def _pose() -> None:
    from formcheck.ui.pose_page import page

    page()


def navigation():
    pages = [
        st.Page(_analyse, title="Analyse", icon=":material/directions_run:", url_path="analyse", default=True),
        st.Page(_compare, title="Compare", icon=":material/compare:", url_path="compare"),
        st.Page(_library, title="Library", icon=":material/video_library:", url_path="library"),
        st.Page(_pose, title="Pose track", icon=":material/accessibility:", url_path="pose"),
    ]
    return st.navigation(pages, position="top")
