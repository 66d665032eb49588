"""Showing a background job on the page: a progress bar that polls until the result is in."""

from __future__ import annotations

import streamlit as st

from formcheck.ui.state import POLL_S, job_runner


def wait_for(key: str, what: str = ""):
    """The job's result when it is done; else show its progress (polling, the rest of the page
    stays usable) or its plain error, and return None."""
    job = job_runner().get(key)
    if job is None:
        return None
    if job.state == "done":
        return job.result
    if job.state == "failed":
        st.error(job.error)
        return None
    _progress(key, what)
    return None


@st.fragment(run_every=POLL_S)
def _progress(key: str, what: str) -> None:
    job = job_runner().get(key)
    if job is None or job.finished:
        st.rerun()  # the whole page, which now shows the result or the error
        return
    text = f"{what}: {job.status_text()}" if what else job.status_text()
    st.progress(job.fraction, text=text)
