"""The Library page: a coach's athletes, their sessions and clips, history, trends, notes,
side-by-side review, exports, deleting what is no longer wanted, and adding a whole folder of clips
(formcheck/ui/batch_panel.py)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from formcheck.errors import FormCheckError
from formcheck.ui.state import library

MODES = {"": "any", "running": "running", "exercise": "exercise"}


def page() -> None:
    st.title("Library")
    from formcheck.ui.batch_panel import panel

    panel()  # "Add a folder", or the batch under way / just finished
    lib = library()
    athlete = _athlete_picker(lib)
    if athlete is None:
        return
    tabs = st.tabs(["Clips", "History and trends", "Review side by side", "Athlete"])
    with tabs[0]:
        _clips_tab(lib, athlete)
    with tabs[1]:
        from formcheck.ui.library_views import history_and_trends

        history_and_trends(lib, athlete)
    with tabs[2]:
        from formcheck.ui.library_views import side_by_side

        side_by_side(lib, athlete)
    with tabs[3]:
        _athlete_tab(lib, athlete)


def _athlete_picker(lib):
    left, right = st.columns([2, 1])
    with right.expander("Add an athlete"):
        with st.form("add-athlete", clear_on_submit=True):
            name = st.text_input("Name")
            notes = st.text_area("Notes", placeholder="e.g. 10 km runner, left knee history")
            if st.form_submit_button("Add"):
                try:
                    added = lib.add_athlete(name, notes)
                    st.session_state["lib-athlete"] = added.id
                except FormCheckError as exc:
                    st.error(str(exc))
    search = left.text_input("Search athletes", key="lib-search", placeholder="name")
    athletes = lib.athletes(search)
    if not athletes:
        left.info("No athletes yet: add one, or save an analysis from the Analyse page." if not search
                  else f"No athlete matches “{search}”.")
        return None
    ids = [a.id for a in athletes]
    wanted = st.session_state.get("lib-athlete")
    pick = left.selectbox("Athlete", athletes, index=ids.index(wanted) if wanted in ids else 0,
                          format_func=lambda a: f"{a.name} ({a.clip_count} clips)", key="lib-athlete-pick")
    st.session_state["lib-athlete"] = pick.id
    return pick


def _clips_tab(lib, athlete) -> None:
    from formcheck.ui.library_views import clip_detail

    cols = st.columns(4)
    text = cols[0].text_input("Search clips", key="lib-clip-search", placeholder="name, session, note text")
    mode = cols[1].selectbox("Mode", list(MODES), format_func=MODES.get, key="lib-mode")
    days = cols[2].date_input("Between", value=(), key="lib-days", help="Session days (leave empty for all)")
    exercise = cols[3].text_input("Exercise", key="lib-exercise", placeholder="e.g. clamshell")
    day_from, day_to = (days[0], days[-1]) if isinstance(days, (tuple, list)) and days else (None, None)
    if isinstance(days, dt.date):
        day_from = day_to = days
    clips = lib.clips(athlete_id=athlete.id, search=text, mode=mode or None, exercise=exercise.strip() or None,
                      day_from=day_from, day_to=day_to)
    if not clips:
        st.info("No clips match." if (text or mode or exercise or day_from) else f"{athlete.name} has no clips yet.")
        return
    sessions = {s.id: s for s in lib.sessions(athlete.id)}
    rows = [{"clip": c.original_name, "session": _session_text(sessions.get(c.session_id)),
             "analyses": c.analysis_count, "duration": f"{c.duration_s:.1f} s" if c.duration_s else "—",
             "added": f"{c.created_at:%Y-%m-%d %H:%M}"} for c in clips]
    st.dataframe(rows, hide_index=True, width="stretch")
    # Streamlit tells options apart by their text: the id keeps two clips of one name apart.
    clip = st.selectbox("Open clip", clips, key="lib-clip", format_func=lambda c: f"{c.original_name} · "
                        f"{_session_text(sessions.get(c.session_id))} (#{c.id})")
    clip_detail(lib, clip)


def _session_text(session) -> str:
    if session is None:
        return "—"
    return f"{session.day:%Y-%m-%d} {session.context}" + (f" · {session.label}" if session.label else "")


def _athlete_tab(lib, athlete) -> None:
    with st.form("edit-athlete"):
        name = st.text_input("Name", value=athlete.name)
        notes = st.text_area("Notes", value=athlete.notes)
        if st.form_submit_button("Save changes"):
            try:
                lib.update_athlete(athlete.id, name=name, notes=notes)
                st.rerun()
            except FormCheckError as exc:
                st.error(str(exc))
    st.markdown("**Delete this athlete**")
    st.caption("Removes every session, clip, analysis, note and file of this athlete. It cannot be undone.")
    sure = st.checkbox(f"Yes, delete {athlete.name} and all their clips", key="lib-del-athlete-sure")
    if st.button("Delete athlete", disabled=not sure, key="lib-del-athlete"):
        lib.delete_athlete(athlete.id)
        st.session_state.pop("lib-athlete", None)
        st.rerun()
