"""What an exercise report plots and draws: the series its checks read, the arcs, the per-rep charts.

Each exercise plots the quantities its checks use in the clip's view, as the
checks read them (`exercises.checks`), with the limit each check compares them
with: the rep signal (bands = reps); for a 'change' fault (knee moving inward,
pelvis tilting or rolling, trunk leaning) the change from the athlete's start
pose, frame by frame, against the same start pose and with the same
implausible-change cut as the check (any quantity a 'change' check reads,
e.g. the donkey kick's knee angle); for the bridges' hips short of or past
neutral the signed shoulder-hip-knee angle against 170° and 190°, and for any
other check against an absolute limit the quantity itself with its limits
(the donkey kick's thigh against the line of the back). From the
side, knee flexion as well (its peak is recorded per squat rep, and the bridge
leg's bend is one of METRICS.md §4's criteria). The hip angle belongs to the
bridges only: it is no check of a squat or of anything filmed from the front.

Arcs show absolute angles on the body (knee flexion and the bridge's hip angle
from the side, each knee's frontal-plane projection angle and the pelvic
obliquity of an upright or supine athlete from the front, behind or the feet);
series that only feed an arc are in frames.csv but not plotted.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from formcheck.exercises.analysis import find_windows, rep_signal_for_plot, rest_frames
from formcheck.exercises.catalog import FAULT_LABELS
from formcheck.exercises.checks import INWARD_ONLY, MAX_PLAUSIBLE_CHANGE_DEG, PERSPECTIVE_SUFFIX, baseline, quantities
from formcheck.exercises.signals import LEGS, hip_extension, knee_flexion, knee_fppa, pelvis_line_deg, trunk_line_deg
from formcheck.kinematics.angles import pelvic_obliquity_deg
from formcheck.kinematics.body import relabel_frontal_sides, wrap_deg
from formcheck.landmarks import Landmark as L
from formcheck.render.model import AngleArc, PerInterval, Series
from formcheck.track import PoseTrack

LEG = {"left": (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE, L.LEFT_SHOULDER),
       "right": (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE, L.RIGHT_SHOULDER)}
# quantity -> (label, group) of its change from the start pose; labels say which way is +.
CHANGE_LABELS = {
    "knee_fppa": ("Knee moving inward: FPPA change from the start pose (+ inward)", "knee_fppa_change"),
    "pelvic_obliquity": ("Pelvis tilting sideways: change from the start pose", "pelvis_change"),
    "pelvis_roll": ("Pelvis rolling or hiking: change from the start pose", "pelvis_change"),
    "trunk_lean": ("Trunk leaning sideways: change from the start pose", "trunk_change"),
}
SIGNAL_LABELS = {  # no comma: a plot's title is a label up to its first comma (the side follows it)
    "squat_depth": "Squat depth: hips down toward the feet",
    "bridge_height": "Bridge height",
    "knee_separation": "Knee opening: distance between the knees",
    "leg_spread": "Leg spread: angle between the legs",
    "thigh_abduction": "Thigh lifted sideways from vertical",
    "steps": "Feet apart: distance between the ankles",
}


def analysis_track(track: PoseTrack, exercise) -> PoseTrack:
    """The track as the exercise analysis read it: an upright athlete seen from the front or
    behind gets left and right relabelled by image side, exactly as
    `exercises.analysis.analyze_exercise_track` does, so the skeleton's colours, the arcs and
    frames.csv name the same leg as the reps and cues."""
    if exercise.posture == "standing" and exercise.view.view in ("front", "rear"):
        return relabel_frontal_sides(track, facing_camera=exercise.view.view == "front")[0]
    return track


def _words(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _unit_name(unit: str) -> str:
    return unit.replace(" ", "_")


def _frame_sides(n: int, reps) -> np.ndarray:
    """Per track row, the side of the nearest rep window ((first, last, side) rows), '' if none."""
    out = np.full(n, "", dtype=object)
    if not reps:
        return out
    rows = np.arange(n)
    dist = np.stack([np.where(rows < a, a - rows, np.where(rows > b, rows - b, 0)) for a, b, _ in reps])
    return np.array([reps[k][2] for k in np.argmin(dist, axis=0)], dtype=object)


def _change(values: np.ndarray, sides: np.ndarray, rest: dict[str, np.ndarray]) -> np.ndarray:
    """values minus the start pose of the side each frame belongs to (wrapped to ±180°);
    changes beyond the check's plausible limit are NaN, as the check withholds them."""
    out = np.full(values.shape, np.nan)
    for side in set(sides.tolist()):
        frames = rest.get(side, rest.get("both"))
        if frames is None and rest:
            frames = next(iter(rest.values()))
        if frames is None:
            continue
        start = baseline(values, frames)
        sel = sides == side
        out[sel] = wrap_deg(values[sel] - start)
    out[np.abs(out) > MAX_PLAUSIBLE_CHANGE_DEG] = np.nan
    return out


def checked_faults(exercise) -> list:
    """The fault specs this clip's view checks (in catalog order)."""
    spec = exercise.spec
    return [] if spec is None else [f for f in spec.faults if f.name in exercise.checked]


def exercise_series(track: PoseTrack, exercise, row_of: dict[int, int] | None = None) -> tuple[Series, ...]:
    """Per-frame series of one exercise clip (module doc), named with their unit.

    track: the analysis track (`analysis_track`); row_of: clip frame -> track row
    (default: the track's own frame_index)."""
    xy, view, spec = track.xy_px, exercise.view.view, exercise.spec
    if spec is None:
        return _generic_series(track, view)
    row_of = row_of if row_of is not None else {int(f): r for r, f in enumerate(track.frame_index)}
    out: list[Series] = []
    faults = checked_faults(exercise)
    by_quantity: dict[str, list] = {}
    for f in faults:
        by_quantity.setdefault(f.quantity, []).append(f)

    unit = spec.rep_range(view)[0]
    stance_limits = tuple(f.limit for f in by_quantity.get("stance_width", ()))
    signal_group = "hip_extension" if spec.signal == "bridge_height" and view == "side" else "signal"
    for key, values in rep_signal_for_plot(spec, track, view).items():
        side = key if key in LEGS else ""
        out.append(Series("rep_signal" + (f"_{side}" if side else "") + "_" + _unit_name(unit),
                          f"{SIGNAL_LABELS.get(spec.signal, 'Rep signal')} ({'°' if unit == 'deg' else unit})"
                          + (f", {side}" if side else ""),
                          unit, values, side, signal_group, limits=stance_limits if spec.signal == "steps" else ()))

    if view == "side":
        flex = knee_flexion(xy)
        out += [Series(f"knee_flexion_{s}_deg", f"Knee flexion, {s}", "deg", flex[s], s, "knee") for s in LEGS]
    if "hip_extension" in by_quantity:
        limits = tuple(sorted(f.limit for f in by_quantity["hip_extension"]))
        hip = hip_extension(xy)
        label = "Hip extension: shoulder–hip–knee angle (180° = straight line)"
        one = spec.legs == "one"  # the check reads the working leg's knee, else the mid-knee
        if not one:
            out.append(Series("hip_extension_deg", label, "deg", hip["both"], "", "hip_extension", limits=limits))
        # Per leg: plotted when checked; else only for the arc, whose wedge is drawn on the near leg
        # (the mid-knee is missing whenever the far knee is hidden).
        out += [Series(f"hip_extension_{s}_deg", f"{label}, {s}", "deg", hip[s], s, "hip_extension",
                       limits=limits if one else (), plot=one) for s in LEGS]

    change = [q for q, fs in by_quantity.items() if any(f.kind == "change" for f in fs)]
    if change:
        reps = [(row_of.get(r.start_frame, 0), row_of.get(r.end_frame, len(track) - 1), r.side)
                for r in (*exercise.reps, *exercise.partial_reps)]
        sides = _frame_sides(len(track), reps)
        rest = rest_frames(spec, track, find_windows(spec, track, view))
        q = quantities(xy)
        for quantity in change:
            fs = [f for f in by_quantity[quantity] if f.kind == "change"]
            label, group = CHANGE_LABELS.get(quantity, (f"{FAULT_LABELS.get(fs[0].name, _words(quantity))}: change "
                                                        "from the start pose", f"{quantity}_change"))
            limit = max(f.limit for f in fs)
            limits = (limit,) if quantity in INWARD_ONLY else (-limit, limit)  # knees count inward only
            for leg, values in q[quantity].items():
                suffix = "" if leg == "both" else f"_{leg}"
                out.append(Series(f"{quantity}{suffix}_change_deg", label + (f", {leg}" if suffix else ""), "deg",
                                  _change(values, sides, rest), leg if suffix else "", group, limits=limits))

    # Checks against an absolute limit that no series above shows (the bridges' hip angle and the
    # band walks' stance have theirs): the quantity itself, per leg, with the limits it is judged by.
    absolute = {q: fs for q, fs in by_quantity.items() if q not in ("hip_extension", "stance_width")
                and any(f.kind != "change" for f in fs)}
    if absolute:
        q = quantities(xy)
        for quantity, fs in absolute.items():
            limits = tuple(sorted(f.limit for f in fs if f.kind != "change"))
            for leg, values in q[quantity].items():
                suffix = "" if leg == "both" else f"_{leg}"
                name = f"{quantity}{suffix}_deg"
                shown = next((k for k, s in enumerate(out) if s.name == name), None)
                if shown is not None:  # plotted already (knee flexion from the side): add the limits
                    out[shown] = replace(out[shown], limits=limits)
                    continue
                out.append(Series(name, f"{VALUE_WORDS.get(quantity, _words(quantity))} (°)"
                                  + (f", {leg}" if suffix else ""), "deg", values, leg if suffix else "", quantity,
                                  limits=limits))

    if view in ("front", "rear") and "knee_fppa" in by_quantity:
        fppa = knee_fppa(xy)
        out += [Series(f"knee_fppa_{s}_deg", f"Knee FPPA (+ inward), {s}", "deg", fppa[s], s, "fppa", plot=False)
                for s in LEGS]
    if _level_pelvis(exercise) and ("pelvic_obliquity" in by_quantity):
        out.append(Series("pelvic_obliquity_deg", "Pelvic obliquity (+ left hip lower)", "deg",
                          pelvic_obliquity_deg(xy[:, L.LEFT_HIP], xy[:, L.RIGHT_HIP]), "", "pelvis", plot=False))
    return tuple(out)


def _level_pelvis(exercise) -> bool:
    """The pelvis line is level at rest (upright from the front or behind, supine from the feet)."""
    view, posture = exercise.view.view, exercise.posture
    return (posture == "standing" and view in ("front", "rear")) or (posture == "supine" and view == "foot_end")


def _from_median(values: np.ndarray) -> np.ndarray:
    v = values[np.isfinite(values)]
    if not v.size:
        return values
    ref = v[0]
    centre = ref + np.median(wrap_deg(v - ref))
    return wrap_deg(values - centre)


def _generic_series(track: PoseTrack, view: str) -> tuple[Series, ...]:
    """An exercise that was not recognised: the generic alignment quantities (their spread is
    what the report lists), as the change from their clip median."""
    xy = track.xy_px
    out = [Series("trunk_line_from_median_deg", "Trunk line, from its clip median", "deg",
                  _from_median(trunk_line_deg(xy)), "", "lines"),
           Series("pelvis_line_from_median_deg", "Pelvis line, from its clip median", "deg",
                  _from_median(pelvis_line_deg(xy)), "", "lines")]
    if view in ("front", "rear"):
        fppa = knee_fppa(xy)
        out += [Series(f"knee_fppa_{s}_deg", f"Knee FPPA (+ inward), {s}", "deg", fppa[s], s, "fppa") for s in LEGS]
    if view == "side":
        flex = knee_flexion(xy)
        out += [Series(f"knee_flexion_{s}_deg", f"Knee flexion, {s}", "deg", flex[s], s, "knee") for s in LEGS]
    return tuple(out)


def exercise_arcs(exercise, near: str, series: tuple[Series, ...]) -> tuple[AngleArc, ...]:
    """Arcs at the joints that matter for this exercise and view (module doc). From the side both
    knees sit on one spot, so only the near leg gets arcs (two labels would cover each other)."""
    names = {s.name for s in series}
    hip, knee, ankle, shoulder = LEG[near]
    arcs = []
    if f"knee_flexion_{near}_deg" in names:
        arcs.append(AngleArc(f"knee_flexion_{near}_deg", knee, (hip, knee), ankle))
    if f"hip_extension_{near}_deg" in names:
        arcs.append(AngleArc(f"hip_extension_{near}_deg", hip, shoulder, knee, short="hip"))
    for s, (h, k, a, _) in LEG.items():
        if f"knee_fppa_{s}_deg" in names:
            arcs.append(AngleArc(f"knee_fppa_{s}_deg", k, (h, k), a))
    if "pelvic_obliquity_deg" in names:
        arcs.append(AngleArc("pelvic_obliquity_deg", L.RIGHT_HIP, "horizontal", L.LEFT_HIP, short="pelvis"))
    if exercise.spec is not None and exercise.spec.signal == "thigh_abduction":
        for s, (h, k, _, _) in LEG.items():
            name = f"rep_signal_{s}_deg"
            if name in names:
                arcs.append(AngleArc(name, h, "down", k, short="thigh"))
    return tuple(arcs)


VALUE_WORDS = {"knee_fppa": "Knee FPPA", "pelvic_obliquity": "Pelvis tilt", "pelvis_roll": "Pelvis roll",
               "trunk_lean": "Trunk lean", "hip_extension": "Hip extension", "knee_flexion": "Knee flexion",
               "stance_width": "Stance width",
               "hip_extension_quadruped": "Hip extension on hands and knees: thigh against the line of the back",
               "knee_over_foot": "Knee over the foot: shank tilt (+ inward)"}
VALUE_KINDS = {"change": "change from start", "peak": "at the peak", "min": "narrowest"}


def value_label(key: str) -> tuple[str, str, str]:
    """(label, unit, leg) of a per-rep value name such as knee_fppa_left_change_deg."""
    unit = "deg" if key.endswith("_deg") else "hip widths" if key.endswith("_hip_widths") else ""
    words = key.removesuffix("_deg").removesuffix("_hip_widths").split("_")
    kind = VALUE_KINDS.get(words[-1], "")
    leg = next((w for w in words if w in LEGS), "")
    quantity = "_".join(w for w in (words[:-1] if kind else words) if w not in LEGS)
    label = VALUE_WORDS.get(quantity, quantity.replace("_", " ").capitalize())
    return label + (f" {kind}" if kind else "") + (f" ({leg})" if leg else ""), unit, leg


def _fault_limits(exercise, key: str) -> tuple[float, ...]:
    for f in checked_faults(exercise):
        if key.startswith(f.quantity):
            if f.kind == "change":
                return (f.limit,) if f.quantity == "knee_fppa" else (-f.limit, f.limit)
            return (f.limit,)
    return ()


def athlete_value_keys(reps) -> list[str]:
    """The reps' measured quantities, sorted; the bounds on them (how far perspective could move a
    knee) stay in the JSON and CSV, not among the metrics and charts."""
    return sorted({k for r in reps for k in r.values if not k.endswith(PERSPECTIVE_SUFFIX)})


def exercise_per_rep(exercise) -> tuple[PerInterval, ...]:
    """One chart per checked value (reps with that fault ringed, the check's limit drawn),
    then the rep's range and score."""
    reps = exercise.reps
    if not reps or exercise.spec is None:
        return ()
    spec = exercise.spec
    out = []
    for key in athlete_value_keys(reps):
        rows = [(k, r) for k, r in enumerate(reps) if r.values.get(key) is not None
                and math.isfinite(r.values[key])]
        if not rows:
            continue
        label, unit, leg = value_label(key)
        flagged = tuple(k for k, r in rows if any(
            key.startswith(spec.fault(f.fault).quantity) and (not f.leg or f.leg == leg) for f in r.faults))
        out.append(PerInterval(key, label, unit, np.array([k for k, _ in rows]),
                               np.array([r.values[key] for _, r in rows], dtype=np.float64),
                               tuple(leg or (r.side if r.side in LEGS else "") for _, r in rows), flagged,
                               _fault_limits(exercise, key)))
    sides = tuple(r.side if r.side in LEGS else "" for r in reps)
    index = np.arange(len(reps))
    faulty = tuple(k for k, r in enumerate(reps) if r.faults)
    ranges = np.array([r.range for r in reps], dtype=np.float64)
    if np.isfinite(ranges).any():
        out.append(PerInterval("range", f"Range of the rep, {reps[0].range_unit}", reps[0].range_unit, index, ranges,
                               sides))
    out.append(PerInterval("score_pts", "Rep score (of 100)", "pts", index,
                           np.array([r.score["total"] for r in reps], dtype=np.float64), sides, faulty))
    return tuple(out)
