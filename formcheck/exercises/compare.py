"""Compare two sets of the same exercise by the same athlete ("before versus after").

The exercise counterpart of `formcheck.running.compare`, returning the same
`Comparison` of `MetricDifference` rows (`formcheck.metrics.comparison`).
The metrics are the per-rep quantities of the counted reps
(`ExerciseAnalysis.reps`; partial reps are left out, NaN values skipped):
the rep's range, every checked quantity in `RepResult.values` (knee FPPA
change, pelvic obliquity / roll change, trunk lean change, hip extension at
the top, peak knee flexion, narrowest stance), the rep's duration, its hold
at the top and its score.

Names. A quantity measured on one leg carries that leg as a suffix:
"knee_fppa_change_deg (left)" is the left knee's FPPA change. Exercises
worked one leg at a time (single-leg squat and bridge, clamshell, side-lying
and standing abduction, fire hydrant) are compared per working side, every
quantity of a left rep named "(left)", because the two legs are different
legs; two-legged exercises and band walks pool their reps and keep only the
knee's leg in the name.

A difference is "different" only when the bootstrap 95% interval of the
difference of medians (b - a) excludes zero and the difference is larger
than the method's measurement floor for that quantity (`FLOORS`); otherwise
"no difference above the noise". "Not comparable", with the reason in
`note`: different or unrecognised exercises, a quantity or side measured in
one clip only, an image quantity (angle, range, stance width, score) from
two different camera views, or fewer than `MIN_REPS` reps with a value in
either clip. Wording describes positions and timing only, never muscles,
strength or injury (METRICS.md §6).
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from formcheck.exercises.analysis import ExerciseAnalysis
from formcheck.exercises.catalog import EXERCISES, VIEWS
from formcheck.exercises.checks import PERSPECTIVE_SUFFIX
from formcheck.exercises.signals import LEGS
from formcheck.metrics.comparison import Comparison, MetricDifference
from formcheck.metrics.model import bootstrap_difference_ci

MIN_REPS = 3
LOW_CONFIDENCE = 0.6  # [H] recognition below this (threshold 0.4) gets a warning; a user-named exercise does not
FPS_TOLERANCE = 0.1  # [H] frame rates more than 10% apart are "different"

# Measurement floors: the smallest difference between two sets this method resolves, per quantity.
# Changes from the start pose: METRICS.md §4 generic rule, 8 deg = 2x the 2-D standard error of
# measurement of 2-4 deg (Gwynne & Curran 2014); also the minimal detectable change of a difference of
# two such values (1.96 * sqrt(2) * 2-4 deg = 5.5-11 deg), and inside the 9-14 deg between-day 95%
# prediction interval of 2-D knee angles (Damsted et al. 2015, METRICS.md §2).
_TIMES = "[H] rep boundaries from a 3 Hz low-passed signal; re-seeded noise moved them up to 0.28 s"
_CHANGE = "METRICS.md §4: 2x the 2-D SEM of 2-4 deg (Gwynne & Curran 2014)"
FLOORS: dict[str, tuple[float, str]] = {
    "knee_fppa_change_deg": (8.0, _CHANGE),
    "pelvic_obliquity_change_deg": (8.0, _CHANGE),
    "pelvis_roll_change_deg": (8.0, _CHANGE),
    "trunk_lean_change_deg": (8.0, _CHANGE),
    "knee_over_foot_change_deg": (8.0, _CHANGE),
    "knee_flexion_change_deg": (8.0, _CHANGE),
    # METRICS.md §5: hip RMSE 5.0-5.9 deg of 2-D pose (Van Hooren et al. 2023), as the running catalog.
    "hip_extension_peak_deg": (5.9, "METRICS.md §5: hip RMSE 5.0-5.9 deg of 2-D pose (Van Hooren et al. 2023)"),
    "hip_extension_quadruped_peak_deg": (5.9, "METRICS.md §5: hip RMSE 5.0-5.9 deg of 2-D pose "
                                              "(Van Hooren et al. 2023)"),
    # METRICS.md §1: MediaPipe knee angle in squats from a 90 deg side view, -2.3 ± 6.4 deg (Cosoli et al. 2026).
    "knee_flexion_peak_deg": (6.4, "METRICS.md §1: MediaPipe squat knee angle, side view, SD 6.4 deg "
                                   "(Cosoli et al. 2026)"),
    # [H] no METRICS.md figure: ankle landmark error ~10% of hip width (as the running step width).
    "stance_width_min_hip_widths": (0.1, "[H] ankle landmark error ~10% of hip width"),
    # [H] no METRICS.md figure (its 0.02 s per step, §5, is for gait events, not rep boundaries): rep and
    # hold boundaries are thresholds on a 3 Hz low-passed signal; the same synthetic set re-seeded with
    # pixel noise (tests/synthetic_athlete.py, 8 seeds x 2 noise levels) moved their medians by up to 0.28 s.
    "rep_duration_s": (0.3, _TIMES),
    "hold_s": (0.3, _TIMES),
    # [H] no METRICS.md figure: a tenth of the 0-100 scale (a fault found on a rep costs 15-60 of its points).
    "rep_score": (10.0, "[H] a tenth of the 0-100 score"),
}
# [H] any other 2-D angle: phone-video joint angles err by 4-8 deg (METRICS.md §5), so several degrees.
ANGLE_FLOOR_DEG = 5.0
RANGE_FLOOR_SHARE = 0.1  # [H] rep range: 10% of the exercise's full range in that view (catalog good_range)
# Quantities that do not depend on where the camera stood; every other one is an image quantity.
VIEW_FREE = ("rep_duration_s", "hold_s")
ORDER = ("rep_range", "knee_fppa_change_deg", "knee_over_foot_change_deg", "pelvic_obliquity_change_deg",
         "pelvis_roll_change_deg", "trunk_lean_change_deg", "hip_extension_peak_deg",
         "hip_extension_quadruped_peak_deg",
         "knee_flexion_change_deg", "knee_flexion_peak_deg", "stance_width_min_hip_widths",
         "rep_duration_s", "hold_s", "rep_score")
UNITS = {"rep_duration_s": "s", "hold_s": "s", "rep_score": "points", "stance_width_min_hip_widths": "hip widths"}

_LABEL = re.compile(r"^(?P<q>.+?)(?:_(?P<leg>left|right))?_(?P<kind>change_deg|peak_deg)$")
_NAME = re.compile(r"^(?P<base>[^ ]+)(?: \((?P<side>[^)]+)\))?$")


def metric_names() -> tuple[str, ...]:
    """Every quantity a comparison can hold, without side suffix (the vocabulary of `metrics=`)."""
    names = set(ORDER)
    for spec in EXERCISES.values():
        for f in spec.faults:
            if f.quantity == "stance_width":
                names.add("stance_width_min_hip_widths")
            else:
                names.add(f"{f.quantity}_{'change' if f.kind == 'change' else 'peak'}_deg")
    return tuple(sorted(names, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n)))


def split_label(label: str) -> tuple[str, str | None]:
    """A `RepResult.values` label -> (quantity without leg, leg or None):
    'knee_fppa_left_change_deg' -> ('knee_fppa_change_deg', 'left')."""
    m = _LABEL.match(label)
    if m is None:
        return label, None
    return f"{m['q']}_{m['kind']}", m["leg"]


def set_values(analysis: ExerciseAnalysis) -> dict[str, tuple[str, str, np.ndarray]]:
    """Metric name -> (quantity, unit, per-rep values) over the counted reps, NaNs dropped
    (module docstring for names and sides)."""
    per_side = analysis.spec is not None and analysis.spec.legs == "one"
    out: dict[str, tuple[str, str, list[float]]] = {}

    def add(base: str, leg: str | None, rep_side: str, unit: str, value: float) -> None:
        side = rep_side if per_side and rep_side in LEGS else leg
        if per_side and rep_side in LEGS and leg not in (None, rep_side):
            side = f"{leg} leg, {rep_side} reps"  # the other leg during this side's reps (not produced today)
        name = f"{base} ({side})" if side else base
        out.setdefault(name, (base, unit, []))[2].append(float(value))

    for rep in analysis.reps:
        add("rep_range", None, rep.side, rep.range_unit, rep.range)
        for label, value in rep.values.items():
            if label.endswith(PERSPECTIVE_SUFFIX):
                continue  # the camera's, not the athlete's: two sets differ in it with no change of form
            base, leg = split_label(label)
            add(base, leg, rep.side, "deg" if base.endswith("_deg") else UNITS.get(base, ""), value)
        add("rep_duration_s", None, rep.side, "s", rep.duration_s)
        add("hold_s", None, rep.side, "s", rep.hold_s)
        total = rep.score.get("total")
        add("rep_score", None, rep.side, "points", np.nan if total is None else total)
    result = {}
    for name, (base, unit, values) in out.items():
        v = np.asarray(values, dtype=np.float64)
        result[name] = (base, unit, v[np.isfinite(v)])
    return result


def floor_for(base: str, unit: str, exercise: str | None, view: str) -> tuple[float, str] | None:
    """(floor, source) of a quantity in a set of `exercise` seen from `view`; None when unknown."""
    if base in FLOORS:
        return FLOORS[base]
    if base == "rep_range" and exercise in EXERCISES:
        _, _, good = EXERCISES[exercise].rep_range(view)
        floor = RANGE_FLOOR_SHARE * good
        if unit == "deg":
            floor = max(floor, ANGLE_FLOOR_DEG)
        return round(floor, 3), "[H] 10% of a full rep's range (catalog good range), at least 5 deg for angles"
    if unit == "deg":
        return ANGLE_FLOOR_DEG, "[H] 2-D angle resolution from phone video"
    return None


def compare_exercises(a: ExerciseAnalysis, b: ExerciseAnalysis, a_label: str = "A", b_label: str = "B",
                      metrics: Sequence[str] | None = None) -> Comparison:
    """Quantity by quantity, set b against set a (e.g. a = last week, b = today); differences are b - a.
    `metrics` keeps only these quantities (names from `metric_names()`, with or without a side
    suffix); an unknown name raises with the valid list."""
    if not isinstance(a, ExerciseAnalysis) or not isinstance(b, ExerciseAnalysis):
        raise ValueError("a and b must be ExerciseAnalysis results (formcheck.exercises.analysis)")
    wanted = _wanted(metrics)
    va, vb = set_values(a), set_values(b)
    names = sorted(set(va) | set(vb), key=_sort_key)
    rows = []
    for name in names:
        base = (va.get(name) or vb[name])[0]
        if wanted is not None and base not in wanted and name not in wanted:
            continue
        rows.append(_compare_one(name, va.get(name), vb.get(name), a, b, a_label, b_label))
    return Comparison(a_label, b_label, tuple(rows), tuple(_warnings(a, b, a_label, b_label)))


def _wanted(metrics: Sequence[str] | None) -> set[str] | None:
    if metrics is None:
        return None
    if isinstance(metrics, str):
        raise ValueError("metrics must be a sequence of names, not one string")
    valid = metric_names()
    for name in metrics:
        m = _NAME.match(name)
        if m is None or m["base"] not in valid or m["side"] not in (None, *LEGS):
            raise ValueError(f"unknown metric {name!r}; valid: {list(valid)}, optionally with ' (left)' or ' (right)'")
    return set(metrics)


def _sort_key(name: str) -> tuple:
    m = _NAME.match(name)
    base, side = m["base"], m["side"] or ""
    return (ORDER.index(base) if base in ORDER else len(ORDER), base, side)


def _compare_one(name: str, ra, rb, a: ExerciseAnalysis, b: ExerciseAnalysis, la: str, lb: str) -> MetricDifference:
    base, unit, _ = ra or rb
    xa = ra[2] if ra else np.array([])
    xb = rb[2] if rb else np.array([])
    ma = float(np.median(xa)) if xa.size else float("nan")
    mb = float(np.median(xb)) if xb.size else float("nan")
    src = a if ra else b  # the floor of the set that has the quantity (they must match to be compared)
    floor_src = floor_for(base, unit, src.recognition.name, src.view.view)
    floor = floor_src[0] if floor_src else float("nan")
    ci, note = (float("nan"), float("nan")), ""
    side = _NAME.match(name)["side"]
    if a.recognition.name is None or b.recognition.name is None:
        who = " and ".join(lbl for lbl, c in ((la, a), (lb, b)) if c.recognition.name is None)
        verdict, note = "not comparable", f"exercise not recognised in {who}"
    elif a.recognition.name != b.recognition.name:
        verdict, note = "not comparable", f"different exercises ({_title(a)} and {_title(b)})"
    elif ra is None or rb is None:
        missing = lb if rb is None else la
        what = f"no {side}-side reps with this value" if side in LEGS else "not measured"
        verdict, note = "not comparable", f"{what} in {missing}"
    elif base not in VIEW_FREE and (a.view.view != b.view.view or a.view.view not in VIEWS):
        verdict = "not comparable"
        note = (f"an image quantity: it changes with the camera view, and the sets are filmed "
                f"{a.view.view} and {b.view.view}")
    elif unit != rb[1]:
        verdict, note = "not comparable", f"measured in different units ({unit}, {rb[1]})"
    elif floor_src is None:
        verdict, note = "not comparable", "no measurement floor is known for this quantity"
    elif xa.size < MIN_REPS or xb.size < MIN_REPS:
        verdict, note = "not comparable", f"needs {MIN_REPS} reps with a value in each set ({xa.size} and {xb.size})"
    else:
        ci = bootstrap_difference_ci(xa, xb)
        beyond_variability = ci[0] > 0 or ci[1] < 0
        beyond_floor = abs(mb - ma) > floor
        verdict = "different" if beyond_variability and beyond_floor else "no difference above the noise"
        if beyond_variability and not beyond_floor:
            note = f"consistent across reps but smaller than the method's resolution ({floor:g} {unit})"
    return MetricDifference(name, unit, ma, mb, int(xa.size), int(xb.size), mb - ma, ci, floor, verdict, note)


def _title(c: ExerciseAnalysis) -> str:
    return EXERCISES[c.recognition.name].title.lower() if c.recognition.name in EXERCISES else "not recognised"


def clip_fps(c: ExerciseAnalysis) -> float | None:
    """Frames per second over the counted reps (frame numbers against their times); None without reps."""
    frames = sum(r.end_frame - r.start_frame for r in c.reps)
    seconds = sum(r.end_s - r.start_s for r in c.reps)
    return frames / seconds if frames > 0 and seconds > 0 else None


def _warnings(a: ExerciseAnalysis, b: ExerciseAnalysis, la: str, lb: str) -> list[str]:
    out = []
    both = ((la, a), (lb, b))
    for label, c in both:
        if c.recognition.name is None:
            out.append(f"{label}: the exercise was not recognised, so its reps are not counted and nothing "
                       "in it is compared.")
    if a.recognition.name and b.recognition.name and a.recognition.name != b.recognition.name:
        out.append(f"{la} is a {_title(a)} and {lb} a {_title(b)}: different exercises are not compared.")
    for label, c in both:
        r = c.recognition
        if r.name and not r.set_by_user and r.confidence < LOW_CONFIDENCE:
            out.append(f"{label} was recognised as a {_title(c)} with low confidence ({r.confidence:.2f}): "
                       "check that both sets show the same exercise, or name it.")
    if a.view.view != b.view.view:
        out.append(f"The sets are filmed from different views ({a.view.view}, {b.view.view}): angles, ranges "
                   "and scores depend on the view and are not compared; only rep times are.")
    for label, c in both:
        if c.recognition.name and c.view.view not in VIEWS:
            out.append(f"{label} is filmed from an {c.view.view} view: its angles are not compared.")
    fa, fb = clip_fps(a), clip_fps(b)
    if fa and fb and abs(fa - fb) > FPS_TOLERANCE * min(fa, fb):
        out.append(f"{la} was filmed at about {fa:.0f} frames/s and {lb} at about {fb:.0f}: rep times are "
                   f"resolved to about one frame ({1000 / fa:.0f} and {1000 / fb:.0f} ms), inside the "
                   f"{FLOORS['rep_duration_s'][0]:g} s floor, but the lower rate may catch the top of a fast "
                   "rep less exactly.")
    return out
