"""One analysed clip on the page: what was decided, the activity strip and cues that jump
to their moment, the annotated video and a frame scrubber, key frames, metrics, charts,
downloads.

Reads only the `ReportModel` (render.model, with the activity timeline attached by
`pipeline.Analysis.report`) and the exported files, like the HTML
report, so the page and the report always say the same thing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from formcheck.render.model import ActivitySpan, ReportModel

EVIDENCE_TEXT = {"E": "strong evidence", "H": "rule of thumb", "W": "weak evidence"}
UNIT_TEXT = {"deg": "°"}
MAX_FRAME_HEIGHT_PX = 560
DOWNLOADS = (("annotated.mp4", "Annotated video (MP4)", "video/mp4"),
             ("report.html", "Report (HTML)", "text/html"),
             ("analysis.json", "Analysis (JSON)", "application/json"),
             ("frames.csv", "Angles per frame (CSV)", "text/csv"),
             ("strides.csv", "Strides (CSV)", "text/csv"),
             ("reps.csv", "Reps (CSV)", "text/csv"))


def fmt(value: float, unit: str) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    digits = 0 if unit in ("deg", "ms", "steps/min", "%") or abs(value) >= 100 or float(value).is_integer() else 2
    return f"{value:.{digits}f}{UNIT_TEXT.get(unit, ' ' + unit if unit else '')}"


def where_text(cue, word: str) -> str:
    if not cue.frames:
        return "whole clip"
    parts = []
    for k, (a, b) in enumerate(cue.frames[:6]):
        n = cue.intervals[k] + 1 if cue.intervals and cue.intervals[k] >= 0 else None
        parts.append(f"{word} {n} (frames {a}–{b})" if n else f"frames {a}–{b}")
    more = len(cue.frames) - 6
    return ", ".join(parts) + (f" and {more} more" if more > 0 else "")


def metrics_rows(report: ReportModel) -> list[dict]:
    """The metrics table: one row per metric, units in the cells, where it came from and how sure."""
    word = report.interval_word
    rows = []
    for m in report.metrics:
        measured = m.n > 0 and m.value is not None and math.isfinite(m.value)
        ci = f"{fmt(m.ci95[0], m.unit)} – {fmt(m.ci95[1], m.unit)}" if all(map(math.isfinite, m.ci95)) else "—"
        rows.append({"metric": m.label, "value": fmt(m.value, m.unit), "95% CI": ci,
                     "spread (IQR)": fmt(m.spread, m.unit) if m.n >= 2 else "—", "left": fmt(m.left, m.unit),
                     "right": fmt(m.right, m.unit), f"{word}s": m.n, "view": m.view,
                     "frames": f"{m.frames[0]}–{m.frames[1]}" if m.frames and measured else "—",
                     "evidence": EVIDENCE_TEXT.get(m.evidence, "—"),
                     "confidence": ("low" if m.low_confidence else "ok") if measured else "not measured"})
    return rows


def values_at(report: ReportModel, row: int) -> list[dict]:
    """Every series' value at one track row (the scrubber's table)."""
    return [{"angle": s.label, "value": fmt(float(s.values[row]), s.unit)} for s in report.series]


def headline(analysis) -> str:
    """One line a user reads first: what was recognised, from which view, how many reps or strides."""
    data = analysis.data
    if analysis.mode == "exercise" and data.get("routine") and analysis.report.routine is not None:
        return f"Warm-up routine: {analysis.report.routine.summary}"
    if analysis.mode == "exercise":
        ex, view = data.get("exercise") or {}, (data.get("view") or {}).get("value", "unknown")
        reps = data.get("reps") or []
        sides = {}
        for r in reps:
            sides[r.get("side") or "both"] = sides.get(r.get("side") or "both", 0) + 1
        per_side = ", ".join(f"{n} {side}" for side, n in sides.items() if side != "both")
        word = "step" if ex.get("name") in ("lateral_band_walk", "monster_walk") else "rep"
        if not ex.get("title"):
            return f"Exercise not recognised ({view} view): generic alignment shown"
        return (f"{ex['title']} (confidence {ex.get('confidence', 0):.2f}), {view.replace('_', ' ')} view: "
                f"{len(reps)} {word}{'s' if len(reps) != 1 else ''}" + (f" ({per_side})" if per_side else ""))
    view = (data.get("view") or {}).get("value", "unknown")
    context = (data.get("context") or {}).get("value", "")
    gait = (data.get("gait_mode") or {}).get("value", "running")
    strides = data.get("strides") or []
    return f"{str(gait).capitalize()}, {view} view{', ' + context if context else ''}: {len(strides)} strides measured"


def input_warnings(analysis) -> list[str]:
    """What about the clip itself limits the analysis (several people, athlete partly out of view,
    dark, upside down, small; a running clip that looks slowed down): shown above the results, not
    only among the notes."""
    out = [w.get("message", "") for w in analysis.data.get("warnings") or [] if w.get("message")]
    base = analysis.data.get("time_base") or {}
    if base.get("slow_motion") and base.get("reason"):
        out.insert(0, base["reason"] + " Set it under Capture check, then analyse again.")
    return out


def shown_width(width_px: int, height_px: int):
    """Landscape fills the column; a portrait phone frame at full width would be taller than the screen."""
    return "stretch" if width_px >= height_px else max(int(MAX_FRAME_HEIGHT_PX * width_px / height_px), 200)


#: Called with (analysis "running"/"exercise", exercise name or "auto") when the user settles an unsure clip.
Choose = Callable[[str, str], None]


def show_results(result, key: str, name: str, choose: Choose | None = None) -> None:
    """The whole results view of one `tasks.ClipResult`; `key` keeps its widgets apart;
    `choose` re-runs the analysis as the user says the clip is (None: no such buttons)."""

    report: ReportModel = result.analysis.report
    analysis = result.analysis
    st.subheader(headline(analysis))
    how = "chosen by you" if analysis.decided_by == "user" else f"automatic: {analysis.reason}"
    st.caption(f"{name} · {analysis.mode} mode ({how}) · overall confidence {report.confidence:.2f} · "
               f"model {report.model_id}")
    for warning in input_warnings(analysis):
        st.warning(warning)
    _start_row(report, key)
    if report.routine is not None:
        _routine(report, key)
        _activity(report, key, choose, repeat_decision=analysis.decided_by == "user")
        _routine_cards(report, key)
    else:
        _activity(report, key, choose, repeat_decision=analysis.decided_by == "user")
        _cues(report, key)
    tabs = st.tabs(["Video", "Metrics", "Key frames", "Charts", "Capture", "Downloads"])
    with tabs[0]:
        _video_and_scrubber(result, report, key)
    with tabs[1]:
        _metrics(report, analysis)
    with tabs[2]:
        _key_frames(result.out_dir / "keyframes", report)
    with tabs[3]:
        _charts(report)
    with tabs[4]:
        _capture(report)
    with tabs[5]:
        downloads(result.out_dir, key)


def _jump(key: str, row: int) -> None:
    st.session_state[f"{key}-row"] = int(row)


def _start_row(report: ReportModel, key: str) -> None:
    """The frame viewer's row, first at the first key frame (kept in range)."""
    row_key = f"{key}-row"
    if row_key not in st.session_state or not 0 <= st.session_state[row_key] < len(report.track):
        st.session_state[row_key] = int(report.key_frames[0].frame) if report.key_frames else 0


KIND_ICON = {"gait": ":material/directions_run:", "exercise": ":material/fitness_center:",
             "other": ":material/sports_gymnastics:", "still": ":material/pause_circle:",
             "absent": ":material/visibility_off:", "unsure": ":material/help:"}
SPANS_PER_ROW = 6
MIN_SPAN_WEIGHT = 0.25


def span_weights(spans: list[ActivitySpan]) -> list[float]:
    """Column widths of the strip's buttons: each span's share of the time, at least
    MIN_SPAN_WEIGHT of it (so a short span's button still holds a few words of its title)."""
    durations = [max(s.end_s - s.start_s, 0.0) for s in spans]
    total = sum(durations) or 1.0
    return [max(d / total, MIN_SPAN_WEIGHT) for d in durations]


def _activity(report: ReportModel, key: str, choose: Choose | None, repeat_decision: bool = True) -> None:
    """The question with a button per answer when unsure, the decision (unless the caption
    above says it already: `repeat_decision` False), and the strip: one button per span that
    moves the frame viewer to its start (as a cue's Show does)."""
    from formcheck.render.strip import span_tooltip

    activity = report.activity
    if activity is None:
        return
    if activity.choices:
        st.warning(f"**{activity.question or 'Not sure what this clip shows.'}** It was analysed as the likelier; "
                   "say which it is and it is analysed again.")
        cols = st.columns(len(activity.choices))
        for k, c in enumerate(activity.choices):
            cols[k].button(c.title, key=f"{key}-choose-{k}", icon=KIND_ICON["gait" if c.analysis == "running"
                                                                             else "exercise"],
                           on_click=choose, args=(c.analysis, c.exercise), disabled=choose is None,
                           help=f"Analyse the clip again as {c.title.lower()} ({c.analysis} mode)")
    elif activity.ask:
        st.info(activity.ask)
    if repeat_decision or activity.choices:
        st.caption(activity.decision)
    row = st.session_state.get(f"{key}-row")
    spans = list(activity.spans)
    for start in range(0, len(spans), SPANS_PER_ROW):
        part = spans[start:start + SPANS_PER_ROW]
        for k, (col, span) in enumerate(zip(st.columns(span_weights(part), gap="small"), part)):
            current = row is not None and span.first <= row <= span.last
            col.button(span.label, key=f"{key}-span-{start + k}", icon=KIND_ICON[span.kind],
                       type="primary" if current else "secondary", width="stretch", wrap=True, on_click=_jump,
                       args=(key, span.first), help=f"{span_tooltip(span)}. Show it in the frame viewer.")


def routine_rows(report: ReportModel) -> list[dict]:
    """The routine table: one row per exercise, in the order they first appear."""
    return [{"#": k, "exercise": r.title, "sets": r.sets, "reps": r.reps, "per side": r.per_side,
             "under work": f"{r.work_s:.0f} s", "main fault": r.main_fault, "time": f"{r.start_s:.1f}–{r.end_s:.1f} s",
             "view": r.view.replace("_", " ")} for k, r in enumerate(report.routine.rows, 1)]


def _routine(report: ReportModel, key: str) -> None:
    """The routine first: what was done, in order, with sets, reps and the main fault of each."""
    routine = report.routine
    st.markdown(f"**The routine** · {routine.summary}")
    st.dataframe(routine_rows(report), hide_index=True, width="stretch")
    if routine.breaks:
        st.caption("Between the sets: " + ", ".join(f"{t.lower()} {a:.1f}–{b:.1f} s" for t, a, b in routine.breaks))


def _routine_cards(report: ReportModel, key: str) -> None:
    """A card per exercise: its sets, cues, metrics and what its views could not check."""
    for k, (row, card) in enumerate(zip(report.routine.rows, report.routine.cards), 1):
        with st.expander(f"{k}. {row.title}: {row.reps} rep{'s' if row.reps != 1 else ''} ({row.per_side}) · "
                         f"main fault: {row.main_fault}",
                         expanded=k == 1):
            st.markdown("\n".join(f"- {t}" for t in row.sets_text))
            _cues(card, f"{key}-card{k}")
            st.dataframe(metrics_rows(card), hide_index=True, width="stretch")
            if card.not_measurable:
                st.caption("Not checkable here: " + "; ".join(f"{a}: {b}" for a, b in card.not_measurable))


def _cues(report: ReportModel, key: str) -> None:
    word = report.interval_word
    # A processing note (e.g. left/right relabelled) is listed with the limits, not as a cue.
    observations = [c for c in report.cues if c.kind != "suggestion" and c.message not in report.notes]
    st.markdown("**Cues**")
    if not observations:
        quiet = report.quiet_cues()
        (st.success if quiet.startswith("No pattern") else st.info)(quiet)
    for n, cue in enumerate(observations):
        text, button = st.columns([6, 1])
        evidence = EVIDENCE_TEXT.get(cue.evidence, "")
        box = {"check": text.warning, "note": text.info}.get(cue.severity, text.info)
        where = "" if "(frames " in cue.message else f"  \n*where: {where_text(cue, word)}*"
        tail = "" if not evidence else f" · *{evidence}*" if where else f"  \n*{evidence}*"
        box(cue.message + where + tail)
        if cue.frames:
            button.button("Show", key=f"{key}-cue-{n}", on_click=_jump, args=(key, cue.frames[0][0]),
                          help=f"Jump the frame viewer to frame {cue.frames[0][0]}")
    for cue in (c for c in report.cues if c.kind == "suggestion" and c.film_again):
        st.info(f"**To know more, film again.** {cue.message}")
    suggestions = [c for c in report.cues if c.kind == "suggestion" and not c.film_again]
    if suggestions:
        with st.expander("Options, only if you want to experiment"):
            for cue in suggestions:
                st.markdown(f"- {cue.message} *({EVIDENCE_TEXT.get(cue.evidence, '')})*")


def _video_and_scrubber(result, report: ReportModel, key: str) -> None:
    from formcheck.render.panels import compose, default_annotators
    from formcheck.video import read_frame

    track = report.track
    n = len(track)
    row_key = f"{key}-row"
    _start_row(report, key)
    row = int(st.session_state[row_key])
    video = result.file("annotated.mp4")
    info = result.analysis.pose.info
    left, right = st.columns([3, 2])
    with left:
        if video is not None:
            st.video(str(video), start_time=float(max(track.t_s[row] - track.t_s[0], 0.0)) if n else 0,
                     width=shown_width(info.upright_width, info.upright_height))
        row = st.slider("Frame", 0, max(n - 1, 0), key=row_key, help="Step through the annotated frames")
        if n:
            frame = read_frame(result.analysis.pose.info, int(track.frame_index[row]))
            image = compose(frame.image, report, row, default_annotators())
            st.image(image[..., ::-1], width=shown_width(image.shape[1], image.shape[0]),
                     caption=f"frame {int(track.frame_index[row])} · t = {track.t_s[row]:.3f} s")
    with right:
        st.markdown(f"**At frame {row}**")
        inside = [iv for iv in report.intervals if iv.first <= row <= iv.last]
        if inside:
            iv = inside[0]
            st.caption(report.interval_label(iv) + (f" ({iv.side})" if iv.side else ""))
        st.table(values_at(report, row))


def _metrics(report: ReportModel, analysis) -> None:
    word = report.interval_word
    st.caption(f"Value = median over {word}s; 95% CI = bootstrap interval of the median; spread = "
               f"interquartile range; frames = first–last frame used; view = the camera view it needs and had.")
    st.dataframe(metrics_rows(report), hide_index=True, width="stretch")
    per = _per_interval_rows(analysis)
    if per:
        st.markdown(f"**Per {word}**")
        st.dataframe(per, hide_index=True, width="stretch")
    if report.not_measurable:
        st.markdown("**What could not be measured or judged, and why**")
        st.dataframe([{"metric": a, "why / what to film instead": b} for a, b in report.not_measurable],
                     hide_index=True, width="stretch")
    above = " ".join(input_warnings(analysis))
    notes = [n for n in report.notes if n not in above]  # those are shown above
    if notes:
        st.markdown("**What these numbers do not say**")
        st.markdown("\n".join(f"- {n}" for n in notes))


UNIT_SUFFIXES = (("_deg", " (°)"), ("_s", " (s)"), ("_ms", " (ms)"), ("_spm", " (steps/min)"), ("_pct", " (%)"),
                 ("_hip_widths", " (hip widths)"), ("_leg_lengths", " (leg lengths)"))


def column_name(key: str) -> str:
    """A JSON key as a column heading: words, with the unit its name ends in (values.knee_fppa_left_change_deg
    -> knee fppa left change (°))."""
    key = key.removeprefix("values.").removeprefix("metrics.")
    for suffix, unit in UNIT_SUFFIXES:
        if key.endswith(suffix):
            return key.removesuffix(suffix).replace("_", " ").replace(".", " ") + unit
    return key.replace("_", " ").replace(".", " ")


def _per_interval_rows(analysis) -> list[dict]:
    """Reps (exercise) or strides (running) from the analysis JSON, one flat row each."""
    data = analysis.data
    items = data.get("reps") if analysis.mode == "exercise" else data.get("strides")
    rows = []
    for item in items or []:
        row = {}
        for k, v in item.items():
            if isinstance(v, dict):
                row.update({column_name(f"{k}.{kk}"): vv for kk, vv in v.items() if not isinstance(vv, (dict, list))})
            elif isinstance(v, list):
                row[column_name(k)] = ", ".join(str(x) for x in v)
            else:
                row[column_name(k)] = v
        rows.append(row)
    return rows


def _key_frames(folder: Path, report: ReportModel) -> None:
    images = sorted(folder.glob("*.jpg")) if folder.is_dir() else []
    if not images:
        st.info("No key frames for this clip.")
        return
    cols = st.columns(min(len(images), 3))
    for k, path in enumerate(images):
        cols[k % len(cols)].image(str(path), caption=path.stem[3:].replace("_", " "))


def _charts(report: ReportModel) -> None:
    from formcheck.render.plots import report_plots

    plots = report_plots(report)
    if report.activity is not None and report.activity.spans:
        from formcheck.render.strip import activity_strip_svg

        st.markdown("**What happens when**")
        st.markdown(activity_strip_svg(report.activity, report.track.t_s), unsafe_allow_html=True)
    if not plots:
        st.info("Nothing to chart for this clip.")
    for plot in plots:
        # st.html sanitises inline SVG away; our own SVG (numbers and escaped labels) is safe markup.
        st.markdown(plot.svg, unsafe_allow_html=True)


def _capture(report: ReportModel) -> None:
    st.dataframe([{"": k, "value": v} for k, v in report.capture.items()], hide_index=True, width="stretch")
    if report.decisions:
        st.markdown("**What FormCheck decided, and how sure it is**")
        st.dataframe([{"decision": w, "value": v, "confidence": f"{c:.2f}", "why": r}
                      for w, v, c, r in report.decisions], hide_index=True, width="stretch")


def downloads(folder: Path, key: str) -> None:
    """A download button per exported file that exists."""
    for name, label, mime in DOWNLOADS:
        path = folder / name
        if path.is_file():
            st.download_button(label, data=path.read_bytes(), file_name=name, mime=mime, key=f"{key}-dl-{name}")


