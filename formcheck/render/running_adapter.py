"""The running analysis as a `ReportModel` (the one place that knows both).

`running_report_model(pose, running)` fills the neutral report model from a
`pipeline.PoseAnalysis` and a `running.analysis.RunningAnalysis`: capture
facts, metric rows, cues with their strides' frames, gait events as marks,
strides as intervals, per-frame angles, the arcs to draw, and the key frames
(contact and toe-off of the typical stride and of the stride worst on each
metric a cue flagged).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from formcheck.kinematics.angles import (
    knee_flexion_deg,
    midpoint,
    pelvic_obliquity_deg,
    thigh_angle_deg,
    trunk_lean_deg,
)
from formcheck.landmarks import Landmark as L
from formcheck.metrics.catalog import METRICS, spec
from formcheck.render.model import (
    AngleArc,
    CueRow,
    Interval,
    KeyFrame,
    Mark,
    MetricRow,
    PerInterval,
    ReportModel,
    Series,
)

_HEADLINE = {
    "side": ("cadence_spm", "contact_time_ms", "knee_flexion_contact_deg", "overstride_ratio", "trunk_lean_deg"),
    "rear": ("cadence_spm", "pelvic_drop_deg", "hip_adduction_deg", "step_width_ratio"),
}
_DIGITS = {"deg": 1, "leg lengths": 2, "hip widths": 2, "ms": 0, "steps/min": 0, "%": 0}
NOTES = (
    "Numbers come from one camera in two dimensions (MediaPipe pose landmarks): joint angles are "
    "projections on the image, within several degrees of a lab measurement at best.",
    "Nothing here measures muscle activity or strength, and nothing here is an injury-risk estimate.",
    "Changing the form of a runner without complaints is not backed by evidence; cues are observations "
    "and options, not instructions.",
    "Values without a published threshold are compared with your own strides (left against right).",
)


def fmt(value: float, unit: str) -> str:
    """A value with its unit, at the precision the catalog unit deserves ("—" if not measured)."""
    if value is None or not math.isfinite(value):
        return "—"
    num = f"{value:.{_DIGITS.get(unit, 2)}f}"
    if unit == "deg":
        return f"{num}°"
    return f"{num}%" if unit == "%" else f"{num} {unit}"


def running_series(track, view: str, direction_sign: int) -> tuple[Series, ...]:
    """Per-frame angles that matter for this view, named with their unit (frames.csv columns)."""
    xy = track.xy_px
    d = 1 if direction_sign >= 0 else -1
    out = []
    for side, hip, knee, ankle in (("left", L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
                                   ("right", L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE)):
        out.append(Series(f"knee_flexion_{side}_deg", f"Knee flexion, {side}", "deg",
                          knee_flexion_deg(xy[:, hip], xy[:, knee], xy[:, ankle]), side, "knee"))
    if view == "side":
        for side, hip, knee in (("left", L.LEFT_HIP, L.LEFT_KNEE), ("right", L.RIGHT_HIP, L.RIGHT_KNEE)):
            out.append(Series(f"thigh_angle_{side}_deg", f"Thigh angle (hip), {side}", "deg",
                              thigh_angle_deg(xy[:, hip], xy[:, knee], d), side, "hip"))
        shoulders = midpoint(xy[:, L.LEFT_SHOULDER], xy[:, L.RIGHT_SHOULDER])
        hips = midpoint(xy[:, L.LEFT_HIP], xy[:, L.RIGHT_HIP])
        out.append(Series("trunk_lean_deg", "Trunk lean (+ forward)", "deg", trunk_lean_deg(shoulders, hips, d),
                          "", "trunk"))
    elif view in ("rear", "front"):
        out.append(Series("pelvic_obliquity_deg", "Pelvic obliquity (+ left hip lower)", "deg",
                          pelvic_obliquity_deg(xy[:, L.LEFT_HIP], xy[:, L.RIGHT_HIP]), "", "pelvis"))
    return tuple(out)


def _near_side(track) -> str:
    """The leg the camera sees better (higher mean visibility of hip, knee, ankle)."""
    left = np.nanmean(track.visibility[:, [L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE]]) if len(track) else 0.0
    right = np.nanmean(track.visibility[:, [L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE]]) if len(track) else 0.0
    return "left" if left >= right else "right"


def running_arcs(view: str, near: str) -> tuple[AngleArc, ...]:
    arcs = [AngleArc(f"knee_flexion_{s}_deg", k, (h, k), a)
            for s, h, k, a in (("left", L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
                               ("right", L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE))] if view == "side" else []
    if view == "side":
        hip, knee, shoulder = ((L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_SHOULDER) if near == "left"
                               else (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_SHOULDER))
        arcs.append(AngleArc(f"thigh_angle_{near}_deg", hip, "down", knee))
        arcs.append(AngleArc("trunk_lean_deg", hip, "up", shoulder, short="trunk"))
    elif view in ("rear", "front"):
        arcs.append(AngleArc("pelvic_obliquity_deg", L.RIGHT_HIP, "horizontal", L.LEFT_HIP, short="pelvis"))
    return tuple(arcs)


def _cue_short(cue) -> str:
    m = spec(cue.metric)
    v = cue.values
    if "left" in v and "right" in v:
        return f"{m.label}: left {fmt(v['left'], m.unit)} vs right {fmt(v['right'], m.unit)}"
    if "before" in v and "after" in v:
        return f"{m.label}: {fmt(v['before'], m.unit)} -> {fmt(v['after'], m.unit)}"
    if "median" in v:
        return f"{m.label}: {fmt(v['median'], m.unit)} on {len(cue.strides)} strides"
    return m.label


def _typical_stride(strides, summary):
    """The stride closest to the clip's medians over all metrics (robust z: |v - median| / IQR),
    among the strides with a toe-off when there are any (so both of its key frames exist)."""
    best, best_cost = None, math.inf
    for s in [s for s in strides if s.toe_off is not None] or strides:
        costs = [abs(s.values[n] - m.median) / max(m.spread, 1e-6) for n, m in summary.items()
                 if m.n >= 2 and math.isfinite(s.values.get(n, math.nan)) and math.isfinite(m.median)]
        if not costs:
            continue
        cost = float(np.mean(costs)) - 0.01 * len(costs)  # prefer strides with more metrics measured
        if cost < best_cost:
            best, best_cost = s, cost
    return best


def running_key_frames(running, row_of) -> tuple[KeyFrame, ...]:
    """Contact and toe-off of the typical stride, then of the worst stride of each flagged metric."""
    by_index = {s.index: s for s in running.strides}
    chosen: list[tuple[object, str, str, str]] = []
    typical = _typical_stride(running.strides, running.summary)
    if typical is not None:
        chosen.append((typical, "Typical stride", "closest to the clip's medians", "typical"))
    for cue in running.cues:
        if cue.kind != "observation" or not cue.strides:
            continue
        m = running.summary.get(cue.metric)
        centre = m.median if m is not None else float(np.median(cue.stride_values))
        k = int(np.argmax([abs(v - centre) for v in cue.stride_values]))
        stride = by_index.get(cue.strides[k])
        if stride is not None:
            label = spec(cue.metric).label
            chosen.append((stride, f"{label}: furthest stride",
                           f"{fmt(cue.stride_values[k], spec(cue.metric).unit)} (clip median "
                           f"{fmt(centre, spec(cue.metric).unit)})", cue.metric))
    out, seen = [], set()
    for stride, title, why, slug in chosen:
        for event, what in ((stride.contact, "contact"), (stride.toe_off, "toe-off")):
            if event is None or event.frame not in row_of or (event.frame, title) in seen:
                continue
            seen.add((event.frame, title))
            out.append(KeyFrame(row_of[event.frame], f"{title} {stride.index + 1} ({stride.side}): {what}",
                                f"{why}; t = {event.t_s:.2f} s", f"{slug}_{what.replace('-', '')}_{stride.side}"))
    return tuple(out)


def running_report_model(pose, running) -> ReportModel:
    """The report model of one running clip (`pipeline.analyze_running`'s two results)."""
    info, track = pose.info, pose.track
    view = running.view.view
    row_of = {int(f): r for r, f in enumerate(track.frame_index)}
    fps_text = f"{info.fps:.2f} frames/s" + (" (variable)" if info.is_variable_frame_rate else "")
    if info.capture_fps and info.time_scale != 1.0:
        fps_text += f", slow motion captured at {info.capture_fps:.0f} frames/s"
    base = getattr(running, "time_base", None)
    if base is not None and base.slow_motion:
        held = f", each picture shown {base.held:.1f} times" if base.held >= 1.5 else ""
        fps_text += f": looks like slow motion{held}; give the capture frame rate for times"
    seen = int(pose.athlete.track.detected_frames.sum())
    capture = {
        "Clip": Path(info.path).name,
        "Size": f"{info.upright_width} x {info.upright_height} px" + (f" (rotated {info.rotation_deg}°)"
                                                                     if info.rotation_deg else ""),
        "Frame rate": fps_text,
        "Duration": f"{info.real_duration_s:.2f} s, {info.frame_count} frames",
        "Athlete seen": f"{seen} of {info.frame_count} frames ({len(pose.people)} "
                        f"{'person' if len(pose.people) == 1 else 'people'} in the clip)",
        "View": f"{view}" + (f", facing {running.view.facing}" if getattr(running.view, "facing", None) else ""),
        "Context": running.context.kind.replace("_", " "),
        "Gait": running.gait_mode.mode,
        "Strides": f"{len(running.strides)} analysed",
    }
    decisions = (
        ("View", view, float(running.view.confidence), getattr(running.view, "reason", "") or running.view.source),
        ("Context", running.context.kind, float(running.context.confidence), running.context.reason),
        ("Direction", "faces image-right" if running.direction.sign > 0 else "faces image-left",
         float(running.direction.confidence), running.direction.method),
        ("Gait", running.gait_mode.mode, float(running.gait_mode.confidence), running.gait_mode.reason),
    )
    metrics = []
    for name, m in running.summary.items():
        s = METRICS[name]
        metrics.append(MetricRow(name, s.label, m.median, m.unit, m.spread, tuple(m.ci95), m.n, view,
                                 (m.frames[0], m.frames[-1]) if m.frames else (), s.evidence, m.left, m.right,
                                 s.low_confidence, s.describe))
    by_index = {s.index: k for k, s in enumerate(running.strides)}
    cues, not_measurable = [], []
    for c in running.cues:
        if c.kind == "not_measurable":
            not_measurable.append((spec(c.metric).label, c.reason or c.message))
            continue
        # A left-right difference the far leg's tracking cannot support (cues.engine, leg_tracking):
        # what to film to know, not something to try.
        film_again = c.kind == "suggestion" and c.rule_id.endswith("side_difference")
        cues.append(CueRow(c.message, _cue_short(c), c.evidence, c.severity, c.kind, c.metric,
                           tuple(tuple(f) for f in c.frames), tuple(by_index.get(i, -1) for i in c.strides),
                           film_again))
    marks = []
    for e in running.events:
        if e.frame not in row_of:
            continue
        letter = e.side[0].upper()
        if e.kind == "contact":
            marks.append(Mark("contact", f"{letter} contact", e.side, row_of[e.frame], e.t_s,
                              L.LEFT_HEEL if e.side == "left" else L.RIGHT_HEEL))
        else:
            marks.append(Mark("toe_off", f"{letter} toe-off", e.side, row_of[e.frame], e.t_s,
                              L.LEFT_FOOT_INDEX if e.side == "left" else L.RIGHT_FOOT_INDEX))
    intervals = tuple(Interval(k, s.frames[0], max(s.frames), s.side) for k, s in enumerate(running.strides))
    flagged = {c.metric: set(c.intervals) for c in cues if c.kind == "observation"}
    per_interval = []
    for name, m in running.summary.items():
        pairs = [(k, s.values[name], s.side) for k, s in enumerate(running.strides)
                 if math.isfinite(s.values.get(name, math.nan))]
        if pairs:
            per_interval.append(PerInterval(name, METRICS[name].label, m.unit, np.array([p[0] for p in pairs]),
                                            np.array([p[1] for p in pairs]), tuple(p[2] for p in pairs),
                                            tuple(sorted(flagged.get(name, ())))))
    panel = tuple((METRICS[n].label.replace(" at contact", " @contact"), fmt(running.summary[n].median,
                                                                            running.summary[n].unit))
                  for n in _HEADLINE.get("rear" if view == "front" else view, ("cadence_spm",))
                  if n in running.summary and running.summary[n].n > 0)
    notes = list(NOTES)
    rate = info.capture_fps or info.fps
    if rate < 120:
        notes.insert(0, f"At {rate:.0f} frames/s a contact can be placed up to ~30 ms off "
                        "(120 frames/s or more times contacts better; METRICS.md §1).")
    if running.gait_mode.mode == "walking":
        notes.insert(0, "This clip shows walking: it is analysed as walking, not as running.")
    notes[:0] = list(getattr(running, "notes", ()))  # what the analysis left out, and why
    return ReportModel(
        mode="running", title=f"Running analysis: {Path(info.path).name}", track=track,
        model_id=pose.model.model_id,
        confidence=float(min(max(min(running.view.confidence, running.context.confidence), 0.0), 1.0)),
        capture=capture, decisions=decisions, metrics=tuple(metrics), cues=tuple(cues),
        not_measurable=tuple(not_measurable), marks=tuple(marks), intervals=intervals, interval_word="stride",
        series=running_series(track, view, running.direction.sign),
        arcs=running_arcs(view, _near_side(track)), per_interval=tuple(per_interval),
        key_frames=running_key_frames(running, row_of), panel=panel, notes=tuple(notes))
