"""The Library page's "Add a folder": a folder on the server's machine analysed by `formcheck batch`
in the background (formcheck/batch/background.py starts and finds the run), its progress polled
while it runs, then the closing table and its CSV. Leaving or reloading the page loses nothing:
the run is a process of its own and the page finds it again."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from formcheck.errors import FormCheckError

REFRESH_S = 1.0  # how often the page looks at a running batch
STATUS_WORDS = {"done": "analysed", "failed": "failed", "skipped": "skipped"}
TABLE_COLUMNS = ("clip", "athlete", "activity", "headline / why", "status", "seconds")


def panel() -> None:
    """The running or last batch, if any; else the form to start one."""
    from formcheck.batch import background

    run = background.current()
    if run is not None:
        state = background.status(run).state
        if state == "running":
            st.session_state.setdefault(_seen_key(run), -1)
            _live(run.run_id)
            return
        _closing(run)
        return
    _form()


def _seen_key(run) -> str:
    return f"batch-seen-{run.run_id}"


def _form() -> None:
    from formcheck.batch import background

    with st.expander("Add a folder of clips"):
        st.caption("Every clip in a folder on the computer the app runs on (and in its sub-folders) is analysed "
                   "in the background and kept in the library. You can leave this page meanwhile.")
        with st.form("batch-folder-form"):
            folder = st.text_input("Folder", key="batch-folder", placeholder="/home/coach/clips/2026-03")
            left, right = st.columns(2)
            athlete = left.text_input("Athlete (optional)", key="batch-athlete",
                                      placeholder="the athlete of every clip; else Unassigned")
            from_folder = right.checkbox("Athlete from sub-folder names", key="batch-from-folder",
                                         help="e.g. clips/Ana/run1.mp4 goes to Ana")
            data_only = st.checkbox("Data only (no annotated video)", key="batch-data-only",
                                    help="Keeps the numbers only: faster, and less space")
            go = st.form_submit_button("Analyse the folder", type="primary")
        if go:
            try:
                background.start(folder, athlete=athlete, athlete_from_folder=from_folder, data_only=data_only)
            except FormCheckError as exc:
                st.error(str(exc))
                return
            st.rerun()


def _where(run) -> str:
    who = run.athlete or ("athletes from sub-folder names" if run.athlete_from_folder else "Unassigned")
    return f"{run.folder} · {who}" + (" · data only" if run.data_only else "")


@st.fragment(run_every=REFRESH_S)
def _live(run_id: str) -> None:
    from formcheck.batch import background

    run = background.current()
    if run is None or run.run_id != run_id:
        st.rerun()
        return
    status = background.status(run)
    seen = st.session_state.get(_seen_key(run), -1)
    if status.state != "running" or (seen >= 0 and status.finished != seen):
        st.session_state[_seen_key(run)] = status.finished
        st.rerun()  # the whole page: the new clips show in the library lists (or the closing table)
        return
    st.session_state[_seen_key(run)] = status.finished
    with st.container(border=True):
        st.subheader("Adding a folder")
        st.caption(_where(run) + " · you can leave this page: the run goes on; if stopped, the clips analysed "
                   "so far stay in the library")
        total = status.total or run.clips
        st.progress(status.finished / total if total else 0.0,
                    text=status.line() if status.total else f"Starting: {total} clips found, starting the workers…")
        for name, done, frames in status.current:
            st.progress(done / frames if frames else 0.0,
                        text=f"{name}: frame {done} of {frames}" if frames else f"{name}: starting")
        for row in reversed(status.recent):
            mark = {"done": ":green[analysed]", "failed": ":red[failed]"}.get(row["status"], "skipped")
            st.markdown(f"{mark} **{row['clip']}** ({row['athlete']}): {row['text']}")
        if st.button("Stop the batch", key="batch-stop"):
            background.stop()
            st.rerun()


def _closing(run) -> None:
    from formcheck.batch import background

    with st.container(border=True):
        _closing_body(run, background.status(run))


def _closing_body(run, status) -> None:
    from formcheck.batch import background

    st.subheader("Folder added" if status.state == "finished" else "Adding a folder stopped")
    st.caption(_where(run))
    if status.state != "finished":
        st.error(status.message)
        st.caption(f"The run's log: {run.log_path}")
    else:
        (st.warning if status.failed else st.success)(
            f"{status.total} clips: {status.done} analysed, {status.failed} failed, {status.skipped} skipped"
            + (" (in the library already)" if status.skipped else "") + f", in {status.elapsed_s:.0f} s.")
        st.dataframe(_table(status.rows), hide_index=True, width="stretch", key="batch-table",
                     column_config={"headline / why": st.column_config.TextColumn(width="large"),
                                    "seconds": st.column_config.NumberColumn(format="%.1f")})
        csv = Path(status.csv) if status.csv else None
        if csv is not None and csv.is_file():
            st.download_button("Download the table (CSV)", csv.read_bytes(), file_name=csv.name, mime="text/csv",
                               key="batch-csv")
    if st.button("Done", key="batch-dismiss", help="Hide this and add another folder"):
        background.dismiss()
        st.session_state.pop(_seen_key(run), None)
        st.rerun()


def _table(rows) -> list[dict]:
    return [{"clip": Path(r["clip"]).name, "athlete": r["athlete"], "activity": r["activity"].replace("_", " "),
             "headline / why": r["message"] if r["status"] == "failed" else r["headline"],
             "status": STATUS_WORDS.get(r["status"], r["status"]), "seconds": float(r["seconds"])}
            for r in rows]
