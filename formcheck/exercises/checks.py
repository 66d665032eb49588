"""Per-rep checks: the catalog's faults judged on each rep's top window.

A rep's value of a quantity is its median over the rep's top window (the
frames within 10% of its peak: the hold of a held rep), so one noisy frame
does not make a fault; a fault read at the 'push' (FaultSpec.read_at) takes
the frames the analysis gives for it instead (analysis.push_window), and is
NaN (neither found nor passed) where there are none. 'change' faults compare
that with the athlete's own start pose (the median over the rest frames before that side's first rep,
METRICS.md §4); 'below'/'above' faults compare the peak value with an
absolute limit. A fault whose view is not the clip's is not checked at all:
the analysis reports it as not checkable, with the view that would show it.
A knee's FPPA seen from the front or behind also carries how far perspective
could move it (exercises.perspective): a rep is judged only where the change
is beyond the limit, or within it, whatever the lens; otherwise the rep is
'unsure' for that fault, neither flagged nor passed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.exercises.catalog import ExerciseSpec, FaultSpec
from formcheck.exercises.reps import RepWindow
from formcheck.exercises.signals import (
    LEGS,
    hip_extension,
    hip_extension_quadruped,
    knee_flexion,
    knee_fppa,
    knee_over_foot,
    pelvis_line_deg,
    stance_width,
    trunk_line_deg,
)
from formcheck.kinematics.body import wrap_deg

RANGE_POINTS, ALIGNMENT_POINTS = 40.0, 60.0  # rep quality score components [H]
# No knee, pelvis or trunk line turns this far during a controlled rep: a larger change means the
# pose model exchanged left and right on some frames, so the value is withheld (NaN), not judged.
MAX_PLAUSIBLE_CHANGE_DEG = 45.0


@dataclass(frozen=True)
class FaultFinding:
    """One fault on one rep: value is the change from the start pose (deg) for 'change'
    faults, the peak value otherwise; leg: which knee for knee faults, else ''."""

    fault: str
    value: float
    limit: float
    leg: str = ""


@dataclass(frozen=True)
class RepChecks:
    """values: quantity label (with unit) -> value on this rep; faults found; unsure: faults that
    perspective leaves undecided on this rep (value: the change as measured)."""

    values: dict[str, float]
    faults: tuple[FaultFinding, ...]
    unsure: tuple[FaultFinding, ...] = ()


def quantities(xy: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """Every checked quantity per frame, keyed quantity -> leg or 'both'."""
    return {
        "knee_fppa": knee_fppa(xy),
        "pelvic_obliquity": {"both": pelvis_line_deg(xy)},
        "pelvis_roll": {"both": pelvis_line_deg(xy)},
        "trunk_lean": {"both": trunk_line_deg(xy)},
        "hip_extension": hip_extension(xy),
        "stance_width": stance_width(xy),
        "knee_flexion": knee_flexion(xy),
        "hip_extension_quadruped": hip_extension_quadruped(xy),
        "knee_over_foot": knee_over_foot(xy),
    }
# Quantities measured on each leg (no 'both'), and those that count only when the knee moves inward.
PER_LEG = ("knee_fppa", "knee_over_foot", "knee_flexion", "hip_extension_quadruped")
INWARD_ONLY = ("knee_fppa", "knee_over_foot")
# Rep values that bound a measurement (how far perspective could move it), not a quantity of the athlete.
PERSPECTIVE_SUFFIX = "_perspective_deg"


def checkable(spec: ExerciseSpec, view: str) -> tuple[list[FaultSpec], list[FaultSpec]]:
    """(faults this view can show, faults it cannot)."""
    yes = [f for f in spec.faults if view in f.views]
    return yes, [f for f in spec.faults if view not in f.views]


def _legs_for(spec: ExerciseSpec, fault: FaultSpec, side: str) -> tuple[str, ...]:
    """Which leg(s) a per-leg quantity is read from: the working leg of one-legged exercises,
    both knees otherwise (a band walk loads each leg in turn)."""
    one = spec.legs == "one" and side in LEGS
    if fault.quantity == "hip_extension":
        return (side,) if one else ("both",)
    if fault.quantity not in PER_LEG:
        return ("both",)
    return (side,) if one else LEGS


def top_value(values: np.ndarray, rep: RepWindow) -> float:
    seg = values[rep.top_start:rep.top_end + 1]
    seg = seg[np.isfinite(seg)]
    return float(np.median(seg)) if seg.size else float("nan")


def window_change(values: np.ndarray, window: tuple[int, int] | None, start: float) -> float:
    """Median change from `start` over the frames window[0]..window[1], each frame wrapped to ±180
    first: seen from behind the pelvis line sits near ±180°, where a plain median of angles jumps ends."""
    if window is None:
        return float("nan")
    seg = values[window[0]:window[1] + 1]
    seg = seg[np.isfinite(seg)]
    return float(np.median(wrap_deg(seg - start))) if seg.size and np.isfinite(start) else float("nan")


def baseline(values: np.ndarray, frames: np.ndarray) -> float:
    """The start pose: median over the rest frames (circular for angles near ±180)."""
    v = values[frames]
    v = v[np.isfinite(v)]
    if v.size == 0:
        return float("nan")
    ref = v[0]
    return float(wrap_deg(ref + np.median(wrap_deg(v - ref))))


def check_rep(spec: ExerciseSpec, rep: RepWindow, q: dict[str, dict[str, np.ndarray]],
              rest_frames: np.ndarray, faults: list[FaultSpec],
              fppa_shift: dict[str, np.ndarray] | None = None,
              windows: dict[str, tuple[int, int] | None] | None = None) -> RepChecks:
    """Values and faults of one rep; `rest_frames` index the start pose of the rep's side;
    `fppa_shift`: per leg, how far perspective can move the knee's FPPA (front and rear views);
    `windows`: the frames (first, last) to read faults whose read_at is not 'top' on (None: not
    found, the fault's value is NaN)."""
    values: dict[str, float] = {}
    found: list[FaultFinding] = []
    unsure: list[FaultFinding] = []
    for fault in faults:
        for leg in _legs_for(spec, fault, rep.side):
            series = q[fault.quantity][leg]
            suffix = "" if leg == "both" else f"_{leg}"
            if fault.kind == "change":
                window = (rep.top_start, rep.top_end) if fault.read_at == "top" else (windows or {}).get(fault.read_at)
                start = baseline(series, rest_frames)
                change = window_change(series, window, start)
                if abs(change) > MAX_PLAUSIBLE_CHANGE_DEG:
                    change = float("nan")
                values[f"{fault.quantity}{suffix}_change_deg"] = round(change, 1)
                # Knees only count moving inward (+ = medial); the rest either way.
                size = change if fault.quantity in INWARD_ONLY else abs(change)
                finding = FaultFinding(fault.name, round(change, 1), fault.limit, leg if suffix else "")
                shift = 0.0
                if fault.quantity == "knee_fppa" and fppa_shift is not None and leg in fppa_shift:
                    shift = window_change(fppa_shift[leg], window, baseline(fppa_shift[leg], rest_frames))
                    values[f"knee_fppa{suffix}{PERSPECTIVE_SUFFIX}"] = round(shift, 1)
                    shift = shift if np.isfinite(shift) else 0.0
                # The change without perspective lies between size - max(shift, 0) and size - min(shift, 0).
                if size - max(shift, 0.0) >= fault.limit:
                    found.append(finding)
                elif size - min(shift, 0.0) >= fault.limit:
                    unsure.append(finding)
            elif fault.quantity == "stance_width":
                narrowest = float(np.nanmin(series[rep.peak:rep.end + 1])) if rep.end >= rep.peak else np.nan
                values["stance_width_min_hip_widths"] = round(narrowest, 2)
                if narrowest < fault.limit:
                    found.append(FaultFinding(fault.name, round(narrowest, 2), fault.limit))
            else:
                peak = top_value(series, rep)
                values[f"{fault.quantity}{suffix}_peak_deg"] = round(peak, 1)
                beyond = peak < fault.limit if fault.kind == "below" else peak > fault.limit
                if beyond:
                    found.append(FaultFinding(fault.name, round(peak, 1), fault.limit, leg if suffix else ""))
    return RepChecks(values, tuple(found), tuple(unsure))


def rep_score(excursion: float, good_range: float, faults_found: int, faults_checked: int) -> dict:
    """Rep quality [H]: range (up to 40: the rep's excursion against a full rep) plus alignment
    (up to 60: the share of checked faults not found). When the view checks nothing, alignment
    is None and the total is the range part scaled to 100, so no score rests on unchecked form."""
    range_pts = RANGE_POINTS * (min(1.0, excursion / good_range) if np.isfinite(excursion) else 1.0)
    if not faults_checked:
        return {"range": round(range_pts, 1), "alignment": None,
                "total": round(100.0 * range_pts / RANGE_POINTS, 1)}
    align_pts = ALIGNMENT_POINTS * (1.0 - min(faults_found, faults_checked) / faults_checked)
    return {"range": round(range_pts, 1), "alignment": round(align_pts, 1), "total": round(range_pts + align_pts, 1)}
