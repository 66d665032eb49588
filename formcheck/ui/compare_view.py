"""Pieces of the Compare page: the difference table and the two clips aligned on strides or reps."""

from __future__ import annotations

import math

import streamlit as st

from formcheck.ui.results_view import fmt, shown_width


def difference_rows(comparison, only_different: bool) -> list[dict]:
    """One row per compared metric (b - a); only the ones above the noise if `only_different`."""
    rows = []
    for m in comparison.metrics:
        if only_different and not m.is_different:
            continue
        ci = f"{fmt(m.ci95[0], m.unit)} – {fmt(m.ci95[1], m.unit)}" if all(map(math.isfinite, m.ci95)) else "—"
        row = {"metric": m.name.replace("_", " "), comparison.a: f"{fmt(m.a_median, m.unit)} (n={m.a_n})",
               comparison.b: f"{fmt(m.b_median, m.unit)} (n={m.b_n})", "difference (B − A)": fmt(m.difference, m.unit),
               "95% CI": ci, "noise floor": fmt(m.floor, m.unit), "verdict": m.verdict}
        if not only_different:
            row["note"] = m.note
        if m.literature:
            row["literature"] = m.literature
        rows.append(row)
    return rows


def moment_of(report, interval) -> int:
    """The row to show for a stride or rep: its first mark that is not a toe-off (contact, rep
    peak), else its first frame."""
    for mark in report.marks:
        if interval.first <= mark.frame <= interval.last and mark.kind != "toe_off":
            return mark.frame
    return interval.first


def aligned_frames(a, b, a_label: str, b_label: str) -> None:
    """Both annotated videos, then stride/rep k of each side by side (same side of the body)."""
    from formcheck.render.panels import compose, default_annotators
    from formcheck.video import read_frame

    ra, rb = a.analysis.report, b.analysis.report
    sides = sorted({iv.side for iv in (*ra.intervals, *rb.intervals)})
    side = st.radio("Side", sides, horizontal=True, key="cmp-side") if len(sides) > 1 else (sides[0] if sides else "")
    ia = [iv for iv in ra.intervals if iv.side == side]
    ib = [iv for iv in rb.intervals if iv.side == side]
    word = ra.interval_word
    cols = st.columns(2)
    for col, result, label in ((cols[0], a, a_label), (cols[1], b, b_label)):
        video = result.file("annotated.mp4")
        if video is not None:
            info = result.analysis.pose.info
            col.markdown(f"**{label}**")
            col.video(str(video), width=shown_width(info.upright_width, info.upright_height))
    n = min(len(ia), len(ib))
    if n == 0:
        st.info(f"No {word} of this side in both clips to line up.")
        return
    k = st.slider(f"{word.capitalize()} ({side or 'both sides'})", 1, n, 1, key="cmp-k") - 1 if n > 1 else 0
    for col, result, intervals, label in ((cols[0], a, ia, a_label), (cols[1], b, ib, b_label)):
        report = result.analysis.report  # with its activity timeline: the frame names its segment
        row = moment_of(report, intervals[k])
        frame = read_frame(result.analysis.pose.info, int(report.track.frame_index[row]))
        image = compose(frame.image, report, row, default_annotators())
        col.image(image[..., ::-1], width=shown_width(image.shape[1], image.shape[0]),
                  caption=f"{label}: {word} {intervals[k].index + 1}, frame {row}")
