"""The exercise analysis as a `ReportModel` (the one place that knows both).

`exercise_report_model(pose, exercise)` fills the neutral report model from a
`pipeline.PoseAnalysis` and an `exercises.analysis.ExerciseAnalysis`: reps
as intervals, each rep's peak as a mark, the per-frame series the
exercise's checks read and the per-rep charts (`render.exercise_series`),
metric rows from the summary and the per-rep values, one cue row per
exercise cue, faults this view cannot show as "not measurable", and the
top and bottom of the best and of the worst rep as key frames. A clip
whose exercise was not recognised still renders: its generic alignment
ranges become the metric rows.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from formcheck.exercises.catalog import FAULT_LABELS, VIEW_WORDS
from formcheck.exercises.feedback import exercise_cues, summarize
from formcheck.render.exercise_series import (
    LEG,
    analysis_track,
    athlete_value_keys,
    exercise_arcs,
    exercise_per_rep,
    exercise_series,
    value_label,
)
from formcheck.render.model import CueRow, Interval, KeyFrame, Mark, MetricRow, ReportModel
from formcheck.render.running_adapter import _near_side, fmt

SEVERITY = {"fault": "check", "unsure": "note", "asymmetry": "note"}
NOTES = (
    "Numbers come from one camera in two dimensions (MediaPipe pose landmarks): joint angles are "
    "projections on the image, within several degrees of a lab measurement at best.",
    "Nothing here measures muscle activity or strength, and nothing here is an injury-risk estimate.",
    "The rep score is a heuristic [H] of range and alignment; its parts are listed per rep in analysis.json.",
)


def _side(side: str) -> str:
    return side if side in ("left", "right") else ""


def _label(name: str) -> str:
    words = name.removesuffix("_deg").removesuffix("_s").replace("_", " ")
    return words.replace("fppa", "FPPA").capitalize()


def _median(values) -> tuple[float, float, int]:
    v = np.array([x for x in values if x is not None and math.isfinite(x)], dtype=np.float64)
    if not v.size:
        return math.nan, math.nan, 0
    return float(np.median(v)), float(np.subtract(*np.percentile(v, [75, 25]))), int(v.size)


def exercise_metrics(exercise, summary: dict) -> tuple[MetricRow, ...]:
    view, reps = exercise.view.view, exercise.reps
    frames = (reps[0].start_frame, reps[-1].end_frame) if reps else tuple(exercise.frames)
    if exercise.spec is None:
        g = exercise.generic or {}
        return tuple(MetricRow(k, _label(k).replace(" spread", " spread (5th-95th pct)"), float(v), "deg", n=0,
                               view=view, frames=frames, evidence="H")
                     for k, v in g.items() if k.endswith("_deg") and v is not None)
    per_side = summary["per_side"]

    def side_value(side: str, key: str) -> float:
        v = per_side.get(side, {}).get(key)
        return float(v) if v is not None else math.nan

    rows = [MetricRow("reps", "Reps counted", float(len(reps)), "reps", n=len(reps), view=view, frames=frames,
                      left=side_value("left", "reps"), right=side_value("right", "reps"),
                      describe=f"{summary['partial_reps']} partial reps listed, not counted")]
    for key, label, unit, evidence in (("range", "Range of the rep signal", reps[0].range_unit if reps else "", "H"),
                                       ("duration_s", "Rep duration", "s", ""),
                                       ("hold_s", "Time held at the peak", "s", "")):
        med, iqr, n = _median([getattr(r, key) for r in reps])
        side_key = {"range": "range_median", "duration_s": "duration_median_s", "hold_s": "hold_median_s"}[key]
        rows.append(MetricRow(key, label, med, unit, iqr, n=n, view=view, frames=frames, evidence=evidence,
                              left=side_value("left", side_key), right=side_value("right", side_key)))
    score = summary["score_mean"]
    med, iqr, n = _median([r.score["total"] for r in reps])
    label = ("Rep score (range + alignment, of 100)" if form_checked(reps)
             else "Rep score (range only: no form check from this view, of 100)")
    rows.append(MetricRow("score_pts", label, med, "pts", iqr, n=n, view=view,
                          frames=frames, evidence="H", left=side_value("left", "score_mean"),
                          right=side_value("right", "score_mean"),
                          describe=f"mean {score}" if score is not None else ""))
    quantity_evidence = {f.quantity: f.evidence for f in exercise.spec.faults}
    for key in athlete_value_keys(reps):
        med, iqr, n = _median([r.values.get(key) for r in reps])
        evidence = next((e for q, e in quantity_evidence.items() if key.startswith(q)), "")
        label, unit, _ = value_label(key)
        rows.append(MetricRow(key, label, med, unit, iqr, n=n, view=view, frames=frames,
                              evidence=evidence, describe="median over the reps"))
    return tuple(rows)


# The rep's two ends, in the words of the movement: (at the peak of the rep signal, at rest).
END_WORDS = {"squat_depth": ("bottom", "top"), "steps": ("feet apart", "feet together")}


def end_words(spec) -> tuple[str, str]:
    """(word for the peak, word for the rest position) of a rep of this exercise."""
    return END_WORDS.get(spec.signal, ("top", "bottom")) if spec is not None else ("peak", "start")


def form_checked(reps) -> bool:
    """True if any rep's score has an alignment part (some fault was checkable from the view)."""
    return any(r.score.get("alignment") is not None for r in reps)


def _rank(rep) -> tuple[float, float]:
    """Reps are ranked by score, then by range (a deeper squat, a higher bridge)."""
    return float(rep.score["total"]), float(rep.range) if math.isfinite(rep.range) else -math.inf


def exercise_key_frames(exercise, row_of) -> tuple[KeyFrame, ...]:
    """Top and bottom (the rest position where the rep starts, and its peak; in time order) of
    the best and of the worst rep: highest and lowest score, ties broken by range, the later
    rep on a full tie. One rep: only its two frames."""
    reps = exercise.reps
    if not reps:
        return ()
    best = max(reps, key=_rank)
    worst = min(reversed(reps), key=_rank)
    tie = _rank(best) == _rank(worst)
    chosen = ((best, "Rep" if tie else "Best rep"), (worst, "Rep" if tie else "Worst rep"))
    peak_word, rest_word = end_words(exercise.spec)
    out = []
    for rep, what in chosen[:1] if worst is best else chosen:
        side = f" ({rep.side})" if _side(rep.side) else ""
        faults = sorted({FAULT_LABELS.get(f.fault, f.fault).lower() for f in rep.faults})
        why = f"score {rep.score['total']:.0f}/100, range {fmt(rep.range, rep.range_unit)}" + (
            f"; {', '.join(faults)}" if faults else "")
        for frame, t, moment in ((rep.start_frame, rep.start_s, rest_word), (rep.peak_frame, rep.peak_s, peak_word)):
            if frame in row_of:
                out.append(KeyFrame(row_of[frame], f"{what} {rep.number}{side}: {moment}", f"{why}; t = {t:.2f} s",
                                    f"{what.split()[0].lower()}_rep{rep.number}_{moment.replace(' ', '_')}"))
    return tuple(out)


def clip_capture(pose) -> dict[str, str]:
    """The capture rows every exercise report starts with: the clip, its size, frame rate and
    duration, and on how many frames the athlete was seen."""
    info = pose.info
    return {
        "Clip": Path(info.path).name,
        "Size": f"{info.upright_width} x {info.upright_height} px",
        "Frame rate": f"{info.fps:.2f} frames/s",
        "Duration": f"{info.real_duration_s:.2f} s, {info.frame_count} frames",
        "Athlete seen": f"{int(pose.athlete.track.detected_frames.sum())} of {info.frame_count} frames",
    }


def exercise_report_model(pose, exercise) -> ReportModel:
    """The report model of one exercise clip (`pipeline.analyze_exercise`'s two results)."""
    info = pose.info
    track = analysis_track(pose.track, exercise)
    rec, view, spec = exercise.recognition, exercise.view, exercise.spec
    row_of = {int(f): r for r, f in enumerate(track.frame_index)}
    summary = summarize(exercise)
    title = spec.title if spec else "not recognised"
    capture = {
        **clip_capture(pose),
        "Exercise": title, "View": view.view, "Posture": exercise.posture,
        "Reps": f"{len(exercise.reps)} counted, {len(exercise.partial_reps)} partial",
    }
    decisions = (("Exercise", rec.name or "not recognised", float(rec.confidence), rec.reason),
                 ("View", view.view, float(view.confidence), "set by you" if view.set_by_user else "estimated"))
    by_number = {r.number: k for k, r in enumerate(exercise.reps)}
    cues, not_measurable = [], []
    for nc in exercise.not_checkable:
        where = " or ".join(VIEW_WORDS.get(v, v) for v in nc.views)
        not_measurable.append((FAULT_LABELS.get(nc.fault, nc.fault),
                               f"not checkable from this view ({view.view.replace('_', ' ')}); film {where}"))
    for c in exercise_cues(exercise):
        if c.kind == "not_checkable":
            continue
        message = f"{c.message} {c.what_to_do}".strip()
        label = FAULT_LABELS.get(c.id, c.message)
        short = f"{label}: rep {', '.join(map(str, c.reps))}" if c.reps else label
        keep = [(f, by_number[n]) for f, n in zip(c.frames, c.reps) if n in by_number]
        rows = tuple((row_of.get(a, a), row_of.get(b, b)) for (a, b), _ in keep)  # the model counts track rows
        cues.append(CueRow(message, short[:80], c.evidence, SEVERITY.get(c.kind, "info"), c.kind, c.id,
                           rows, tuple(k for _, k in keep)))
    near = _near_side(track)
    peak_word = end_words(spec)[0]
    marks = tuple(Mark("peak", f"rep {r.number} {peak_word}", _side(r.side), row_of[r.peak_frame], r.peak_s,
                       LEG[_side(r.side) or near][0]) for r in exercise.reps if r.peak_frame in row_of)
    intervals = tuple(Interval(k, row_of.get(r.start_frame, r.start_frame), row_of.get(r.end_frame, r.end_frame), _side(r.side)) for k, r in enumerate(exercise.reps))
    series = exercise_series(track, exercise, row_of)
    panel = [("Exercise", title), ("Reps", str(len(exercise.reps)))]
    if summary["score_mean"] is not None:  # a score with no form checked is the range's alone: say so
        panel.append(("Mean score" if form_checked(exercise.reps) else "Range score",
                      f"{summary['score_mean']:.0f}/100"))
    return ReportModel(
        mode="exercise", title=f"Exercise analysis: {Path(info.path).name}", track=track,
        model_id=pose.model.model_id,
        confidence=float(min(max(min(rec.confidence, view.confidence), 0.0), 1.0)),
        capture=capture, decisions=decisions, metrics=exercise_metrics(exercise, summary), cues=tuple(cues),
        not_measurable=tuple(not_measurable), marks=marks, intervals=intervals, interval_word="rep",
        series=series, arcs=exercise_arcs(exercise, near, series), per_interval=exercise_per_rep(exercise),
        key_frames=exercise_key_frames(exercise, row_of), panel=tuple(panel),
        notes=(*exercise.notes, *NOTES), checks_apply=spec is None or bool(exercise.checked))
