"""Keeping an analysis: the clip, its exported files and its metrics go into the coach's library."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import streamlit as st

from formcheck.errors import FormCheckError
from formcheck.library_entry import analysis_fields
from formcheck.ui.state import library

log = logging.getLogger(__name__)

CONTEXTS = ("warm-up", "treadmill", "outdoor", "track", "gym", "other")
NEW_ATHLETE = "New athlete…"


def save_analysis(result, clip_name: str, athlete_id: int, session_id: int | None, library_clip_id: int | None = None):
    """Store the analysis, and the clip with it unless it is already a library clip (then both
    in one transaction: a kill midway leaves neither). Returns the AnalysisRecord."""
    lib = library()
    fields = _analysis_fields(result)
    if library_clip_id is not None:
        return lib.add_analysis(library_clip_id, **fields)
    return lib.add_clip_with_analysis(athlete_id, Path(result.request.clip), clip_name, session_id=session_id,
                                      duration_s=float(result.analysis.pose.info.duration_s), **fields)


def _analysis_fields(result) -> dict:
    """The keyword arguments of `Library.add_analysis` for one app result."""
    return analysis_fields(result.analysis, result.request.choices(), result.out_dir)


def save_form(result, clip) -> None:
    """A small form under the results: which athlete and session this clip belongs to."""
    saved_key = ("saved", result.request.key)
    if saved_key in st.session_state:
        st.success(f"Saved in the library ({st.session_state[saved_key]}).")
        return
    with st.expander("Save to the library", expanded=False):
        lib = library()
        athletes = lib.athletes()
        names = [a.name for a in athletes] + [NEW_ATHLETE]
        preset = names.index(clip.athlete) if clip.athlete in names else 0
        with st.form(f"save-{result.request.key[:12]}"):
            who = st.selectbox("Athlete", names, index=preset)
            new_name = st.text_input("New athlete's name", help="Only used with “New athlete…”")
            cols = st.columns(3)
            day = cols[0].date_input("Session day", value=dt.date.today())
            context = cols[1].selectbox("Where", CONTEXTS, index=0 if result.analysis.mode == "exercise" else 2)
            label = cols[2].text_input("Session label", placeholder="e.g. pre-run warm-up")
            if not st.form_submit_button("Save"):
                return
        try:
            if who == NEW_ATHLETE:
                athlete = lib.add_athlete(new_name)
            else:
                athlete = athletes[names.index(who)]
            session = lib.add_session(athlete.id, day, label, context)
            record = save_analysis(result, clip.name, athlete.id, session.id, clip.library_clip_id)
        except FormCheckError as exc:
            st.error(str(exc))
            return
        except Exception:
            log.exception("saving %s to the library failed", clip.name)
            st.error("Saving to the library failed; nothing was stored. It has been logged.")
            return
        st.session_state[saved_key] = f"{athlete.name}, {day:%Y-%m-%d}, analysis {record.id}"
        st.rerun()
