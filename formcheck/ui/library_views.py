"""Views of the Library page: a stored clip with its analyses and notes, an athlete's history
and trends, and two stored analyses side by side."""

from __future__ import annotations

import math

import streamlit as st

from formcheck.errors import FormCheckError
from formcheck.ui.results_view import EVIDENCE_TEXT, downloads, fmt, shown_width


def _jump_key(clip_id: int) -> str:
    return f"lib-jump-{clip_id}"


def _set_jump(clip_id: int, t_s: float) -> None:
    st.session_state[_jump_key(clip_id)] = float(t_s)


def clip_detail(lib, clip) -> None:
    analyses = lib.analyses(clip_id=clip.id)
    if not analyses:
        st.info("No analysis of this clip is stored: open it on the Analyse page (“From the library”).")
    else:
        record = analyses[0] if len(analyses) == 1 else st.selectbox(
            "Analysis", analyses, key=f"lib-an-{clip.id}",
            format_func=lambda a: f"{a.title} · {a.created_at:%Y-%m-%d %H:%M} (#{a.id})")
        stored_analysis(record, clip.id)
    notes_panel(lib, clip)
    with st.expander("Delete"):
        if analyses and st.button("Delete this analysis (keeps the clip)", key=f"lib-del-an-{clip.id}"):
            lib.delete_analysis(record.id)
            st.rerun()
        sure = st.checkbox("Yes, delete this clip, its analyses, notes and files", key=f"lib-del-clip-sure-{clip.id}")
        if st.button("Delete clip", disabled=not sure, key=f"lib-del-clip-{clip.id}"):
            lib.delete_clip(clip.id)
            st.rerun()


def stored_analysis(record, clip_id: int) -> None:
    """A stored analysis from its record and files: no re-analysis needed."""
    st.markdown(f"**{record.title}**")
    st.caption(f"{record.mode}" + (f" · {record.exercise.replace('_', ' ')}" if record.exercise else "")
               + f" · view {record.view or '—'} · confidence {record.confidence:.2f} · model {record.model_id} · "
               f"FormCheck {record.formcheck_version} · {record.created_at:%Y-%m-%d %H:%M}")
    fps = float((record.data.get("clip") or {}).get("fps") or 0.0)
    for n, cue in enumerate(record.data.get("cues") or []):
        text, button = st.columns([6, 1])
        evidence = EVIDENCE_TEXT.get(cue.get("evidence", ""), "")
        text.info(cue.get("message", "") + (f"  \n*{evidence}*" if evidence else ""))
        frames = cue.get("frames") or []
        if frames and fps > 0:
            button.button("Show", key=f"lib-cue-{record.id}-{n}", on_click=_set_jump,
                          args=(clip_id, frames[0][0] / fps), help=f"Play from frame {frames[0][0]}")
    video = record.folder / "annotated.mp4"
    if video.is_file():
        st.video(str(video), start_time=st.session_state.get(_jump_key(clip_id), 0.0), width=video_width(record))
    st.dataframe([{"metric": m.label, "value": fmt(m.value, m.unit), "n": m.n, "view": m.view,
                   "confidence": "low" if m.low_confidence else "ok"} for m in record.metrics],
                 hide_index=True, width="stretch")
    images = sorted((record.folder / "keyframes").glob("*.jpg"))
    if images:
        with st.expander("Key frames"):
            cols = st.columns(min(len(images), 3))
            for k, path in enumerate(images):
                cols[k % len(cols)].image(str(path), caption=path.stem[3:].replace("_", " "))
    with st.expander("Downloads, and the settings that produced this analysis"):
        downloads(record.folder, f"lib-{record.id}")
        st.json({"model_id": record.model_id, "formcheck_version": record.formcheck_version,
                 "clip_sha256": record.clip_sha256, "settings": record.settings}, expanded=False)


def video_width(record):
    """The stored clip's size from its analysis.json, for `shown_width` (portrait clips stay on screen)."""
    clip = record.data.get("clip") or {}
    return shown_width(int(clip.get("width") or 1), int(clip.get("height") or 1))


def notes_panel(lib, clip) -> None:
    st.markdown("**Notes**")
    for note in lib.notes(clip.id):
        text, go, drop = st.columns([6, 1, 1])
        when = f"at {note.t_s:.1f} s · " if note.t_s is not None else ""
        text.markdown(f"{note.text}  \n*{when}{note.author or 'coach'} · {note.created_at:%Y-%m-%d %H:%M}*")
        if note.t_s is not None:
            go.button("Go to", key=f"lib-note-go-{note.id}", on_click=_set_jump, args=(clip.id, note.t_s))
        if drop.button("Delete", key=f"lib-note-del-{note.id}"):
            lib.delete_note(note.id)
            st.rerun()
    with st.form(f"lib-note-{clip.id}", clear_on_submit=True):
        text = st.text_area("New note", placeholder="e.g. knee drifts in on the left from rep 6")
        cols = st.columns(3)
        pinned = cols[0].checkbox("Pin to a moment")
        t_s = cols[1].number_input("Moment (s)", min_value=0.0, max_value=float(clip.duration_s or 36000.0),
                                   value=float(st.session_state.get(_jump_key(clip.id), 0.0)), step=0.1)
        author = cols[2].text_input("By", placeholder="coach")
        if st.form_submit_button("Add note"):
            try:
                lib.add_note(clip.id, text, t_s=t_s if pinned else None, author=author)
                st.rerun()
            except FormCheckError as exc:
                st.error(str(exc))


def history_and_trends(lib, athlete) -> None:
    history = lib.history(athlete.id)
    if not history:
        st.info(f"No analyses of {athlete.name} yet.")
        return
    st.dataframe([{"when": f"{a.day:%Y-%m-%d}", "analysis": a.title, "mode": a.mode,
                   "exercise": (a.exercise or "").replace("_", " "), "view": a.view,
                   "confidence": f"{a.confidence:.2f}"} for a in history], hide_index=True, width="stretch")
    st.download_button("Download the history (CSV)", data=history_csv(history),
                       file_name=f"history_{athlete.id}.csv", mime="text/csv", key="lib-history-csv")
    names = lib.metric_names(athlete.id)
    if not names:
        return
    name, label, unit = st.selectbox("Trend of", names, key="lib-trend", format_func=lambda n: f"{n[1]} ({n[2]})")
    points = lib.trend(athlete.id, name)
    st.markdown(f"**{label}** over time ({unit})")
    if len(points) >= 2:
        # One point per analysis (two on one day stay apart), in time order.
        when = [f"{p.day} (#{p.analysis_id})" for p in points]
        st.line_chart({"analysis": when, label: [p.value for p in points]}, x="analysis", y=label)
    st.dataframe([{"day": str(p.day), "value": fmt(p.value, p.unit), "n": p.n, "view": p.view,
                   "confidence": "low" if p.low_confidence else "ok"} for p in points],
                 hide_index=True, width="stretch")
    st.caption("A change between sessions is only meaningful when it is larger than the measurement noise: "
               "use Review side by side for that test.")


HISTORY_COLUMNS = ("day", "analysis_id", "clip_id", "mode", "exercise", "view", "metric", "label", "value",
                   "unit", "n", "metric_view", "low_confidence", "model_id", "formcheck_version")


def history_csv(history) -> str:
    """One row per analysis and metric (long format: easy to pivot in a spreadsheet)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HISTORY_COLUMNS)
    for a in history:
        for m in a.metrics:
            writer.writerow([a.day.isoformat(), a.id, a.clip_id, a.mode, a.exercise or "", a.view, m.name, m.label,
                             "" if not math.isfinite(m.value) else f"{m.value:.4g}", m.unit, m.n, m.view,
                             int(m.low_confidence), a.model_id, a.formcheck_version])
    return out.getvalue()


def side_by_side(lib, athlete) -> None:
    """Two stored analyses next to each other; for two running (or two exercise) analyses, the
    difference table above the noise, from a re-run on the stored clips (pose from the cache)."""
    history = lib.history(athlete.id)
    if len(history) < 2:
        st.info("Two analyses of this athlete are needed for a side-by-side review.")
        return
    # Streamlit tells options apart by their text: the id keeps two analyses of one clip apart.
    label = lambda a: f"{a.day:%Y-%m-%d} · {a.title} (#{a.id})"  # noqa: E731
    cols = st.columns(2)
    a = cols[0].selectbox("Left", history, index=0, format_func=label, key="lib-rev-a")
    b = cols[1].selectbox("Right", history, index=len(history) - 1, format_func=label, key="lib-rev-b")
    for col, record in ((cols[0], a), (cols[1], b)):
        with col:
            video = record.folder / "annotated.mp4"
            if video.is_file():
                st.video(str(video), width=video_width(record))
    rows = _metric_pairs(a, b)
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")
    if a.mode == b.mode and a.mode in ("running", "exercise") and a.id != b.id:
        _detailed_comparison(lib, a, b, label(a), label(b))


def _metric_pairs(a, b) -> list[dict]:
    mb = {m.name: m for m in b.metrics}
    rows = []
    for m in a.metrics:
        other = mb.get(m.name)
        if other is None or not (math.isfinite(m.value) and math.isfinite(other.value)):
            continue
        rows.append({"metric": m.label, "left": fmt(m.value, m.unit), "right": fmt(other.value, other.unit)})
    return rows


def _detailed_comparison(lib, a, b, a_label: str, b_label: str) -> None:
    from formcheck.ui import jobs_view
    from formcheck.ui.analyse_page import submit_analysis
    from formcheck.ui.clip_input import ChosenClip
    from formcheck.ui.compare_page import show_comparison
    from formcheck.ui.tasks import AnalysisRequest

    requests = []
    for record in (a, b):
        clip = lib.clip(record.clip_id)
        choices = dict(record.settings.get("request") or {}, clip_sha256=clip.sha256)
        try:
            request = AnalysisRequest(str(clip.media_path), **choices)
        except (TypeError, ValueError):  # stored by another version: analyse again in this record's mode
            request = AnalysisRequest(str(clip.media_path), clip.sha256, record.mode)
        requests.append((request, ChosenClip(clip.media_path, clip.original_name, clip.sha256, clip.id)))
    pair = tuple(r.key for r, _ in requests)
    if st.button("Test the differences against the noise", key="lib-rev-go"):
        for request, clip in requests:
            submit_analysis(request, clip)
        st.session_state["lib-rev-pair"] = pair
    if st.session_state.get("lib-rev-pair") != pair:
        return
    results = [jobs_view.wait_for(r.key) for r, _ in requests]
    if all(r is not None for r in results):
        try:
            show_comparison(results[0], results[1], a_label, b_label)
        except FormCheckError as exc:
            st.error(str(exc))
