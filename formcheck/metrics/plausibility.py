"""Plausibility: a value outside what a body can do in gait is not a measurement.

`screen_strides(strides, view)` checks every stride value against its
metric's `plausible` range (formcheck/metrics/catalog.py; slow walking to
sprinting). A value outside it becomes NaN in a copy of that stride. When
more than a third of a metric's finite values in the clip were outside (or
fewer than MIN_KEPT would remain), the in-range ones are not trusted either:
one tracking failure that throws a third of the strides out of what a body
does also biases the rest. The metric is then NaN in every stride and a
`NotMeasurable` says how many strides were outside, the range, and what
filming would help, for this view.

`frontal_support(track, strides, view)` asks whether a rear or front clip
can carry the metrics that are read against the hips (HIP_WIDTH_METRICS):
enough stances of both feet, and a hip width that holds still against the
torso. Seen straight from behind or in front, hip width over torso length
(both in image pixels) is a body proportion: it does not change as the
runner nears or leaves the camera, and pelvic rotation in gait (cos of
~10 deg) moves it by ~1-2%. It swings when the runner turns to an oblique
view, when the tracker jumps between two people, or when the hip landmarks
wander, and then pelvic drop, hip adduction and step width are not
measured on a body.

`screen_clip(track, strides, view)` does both, in that order, for the
running analysis.

Records are never modified: changed strides are `dataclasses.replace`
copies (a `RearStanceRecord` stays one). A rear stance's companion fields
(the midstance values and peak frames of pelvic drop and hip adduction,
the heel offset and crossover that go with step width) are cleared
wherever their metric's value is, so no reader finds a value the screen
threw out.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Sequence

import numpy as np

from formcheck.clean.gating import visibility_mask
from formcheck.kinematics.view import VIEWS
from formcheck.landmarks import Landmark as L
from formcheck.metrics.catalog import FRONT, METRICS, REAR, SIDE
from formcheck.metrics.model import NotMeasurable, StrideRecord
from formcheck.metrics.running_rear import MIN_VISIBILITY
from formcheck.track import PoseTrack

# [H] More than this share of a metric's values outside what a body does means the tracking or
# the view fails for that metric in this clip, not that a few strides were mistracked.
MAX_OUTSIDE_SHARE = 1.0 / 3.0
# [H] A clip value needs at least this many strides after the screen (a median of one is a guess).
MIN_KEPT = 2
# [H] Frontal metrics need this many stances (two per foot at least), both feet among them.
MIN_FRONTAL_STANCES = 4
# [H], set from measurements (each pinned in tests/test_plausibility.py): the coefficient of
# variation of hip width / torso length over the stance frames is 0.0001 on the exact synthetic
# rear runner, 0.03 with 2 px noise on its 500 px body, 0.10 with 2 px noise as it runs away and
# shrinks to 100 px, and 0.05 on park_run_rear_snow.mp4 (real MediaPipe, runner 140-460 px tall).
# A hip width scaled by 1 ± 0.4 reads 0.28; a runner turning 45 deg from the camera shows 30% less
# of it. 0.15 leaves every real and synthetic frontal run below it with margin and stops a hip
# width that swings by a third.
MAX_HIP_WIDTH_CV = 0.15
# [H] Hips and shoulders must be seen in this share of the stance frames to judge the hip width.
MIN_SEEN_SHARE = 0.5

# Metrics a rear or front view reads against the hip line or in hip widths: the frontal ones,
# and vertical oscillation, which the rear view measures in hip widths (running_rear.py).
HIP_WIDTH_METRICS: tuple[str, ...] = tuple(
    [name for name, m in METRICS.items() if SIDE not in m.views] + ["vertical_oscillation_ratio"])

# Fields of a rear stance record that belong to a metric and go when its value goes.
_COMPANIONS: dict[str, dict[str, object]] = {
    "pelvic_drop_deg": {"pelvic_drop_midstance_deg": math.nan, "pelvic_drop_peak_frame": None},
    "hip_adduction_deg": {"hip_adduction_midstance_deg": math.nan, "hip_adduction_peak_frame": None},
    "step_width_ratio": {"heel_offset_ratio": math.nan, "crossover": None},
}

_FILM = {
    SIDE: "film from the side with the camera at hip height, the runner alone in the frame and whole "
          "from head to feet",
    REAR: "film from behind with the camera at pelvis height, the runner alone in the frame",
    FRONT: "film from in front (or from behind) with the camera at pelvis height, the runner alone in "
           "the frame",
}
_MISTRACKED = {
    SIDE: "the legs were mistracked (the far leg taken for the near one, someone else in the frame, "
          "or the runner too small), or the camera was not square to the runner",
    FRONT: "the hips or legs were mistracked (someone else in the frame, the runner turned or too "
           "small), or the camera was not square to the runner",
}
_VIEW_WORDS = {SIDE: "from the side", REAR: "from behind", FRONT: "from in front"}


# -- the range screen -------------------------------------------------------------------------------
def screen_strides(strides: Sequence[StrideRecord], view: str
                   ) -> tuple[list[StrideRecord], list[NotMeasurable]]:
    """Stride values outside their metric's plausible range become NaN (module docstring).

    Args:
        strides: StrideRecords (side strides or rear/front stances); not modified.
        view: the clip's view, one of formcheck.kinematics.view.VIEWS; names the filming
            advice in the reasons.

    Returns:
        (strides, not_measurable): the strides in the same order, each the same object when
        nothing in it changed, else a `dataclasses.replace` copy with the dropped values NaN;
        one NotMeasurable per metric the clip cannot support, in catalog order. Metrics with no
        finite value, and names outside the catalog, pass unchanged and unreported.
    """
    _check(strides, view)
    drop: dict[str, set[int]] = {}     # metric -> positions in `strides` to NaN
    missing = []
    for name, m in METRICS.items():
        finite = [(i, s.values[name]) for i, s in enumerate(strides)
                  if name in s.values and math.isfinite(s.values[name])]
        lo, hi = m.plausible
        outside = [i for i, v in finite if not lo <= v <= hi]
        if not outside:
            continue
        n, n_out = len(finite), len(outside)
        if n_out > MAX_OUTSIDE_SHARE * n + 1e-9 or n - n_out < MIN_KEPT:
            drop[name] = {i for i, _ in finite}
            missing.append(NotMeasurable(name, _reason(name, n_out, n, view)))
        else:
            drop[name] = set(outside)
    kept = [_without(s, [name for name, rows in drop.items() if i in rows]) for i, s in enumerate(strides)]
    return kept, missing


def _reason(name: str, n_out: int, n: int, view: str) -> str:
    m = METRICS[name]
    lo, hi = m.plausible
    if view in m.views and view in _FILM:
        film = view
    else:  # a frontal clip measures vertical oscillation as the rear view does; oblique/unknown: the first
        film = REAR if view == FRONT and REAR in m.views else m.views[0]
    why = _MISTRACKED[FRONT if view in (REAR, FRONT) else SIDE]
    return (f"not measurable here: {n_out} of {n} strides gave values outside what a body does "
            f"([{_num(lo)}, {_num(hi)}] {m.unit}), so the tracking or the view does not support it: "
            f"{why}. To measure {m.label.lower()}, {_FILM[film]}.")


def _num(v: float) -> str:
    return f"{v:g}"


def _without(stride: StrideRecord, names: Sequence[str]) -> StrideRecord:
    """`stride` with `names` NaN (and their companion fields cleared), or `stride` itself."""
    names = [n for n in names if math.isfinite(stride.values.get(n, math.nan))]
    if not names:
        return stride
    values = dict(stride.values)
    extra: dict[str, object] = {}
    for name in names:
        values[name] = math.nan
        extra.update({f: v for f, v in _COMPANIONS.get(name, {}).items() if hasattr(stride, f)})
    return replace(stride, values=values, **extra)


# -- frontal support --------------------------------------------------------------------------------
def frontal_support(track: PoseTrack, strides: Sequence[StrideRecord], view: str) -> str | None:
    """Whether a rear or front clip supports the hip-referenced metrics (module docstring).

    Args:
        track: the PoseTrack the strides were measured on (pixels, y down; cleaned); not modified.
            Landmarks below running_rear.MIN_VISIBILITY count as missing, as there.
        strides: the clip's stances (rear_view_stances records, screened or not); a stance is
            used when it has a finite value of a metric in HIP_WIDTH_METRICS. frames = (contact,
            toe-off) rows of `track`.
        view: one of formcheck.kinematics.view.VIEWS.

    Returns:
        None when supported, or when `view` is not "rear"/"front" (nothing frontal to support);
        else the reason, in plain words, with what filming would help.
    """
    _check(strides, view)
    if not isinstance(track, PoseTrack):
        raise ValueError(f"track must be a PoseTrack, got {type(track).__name__}")
    if view not in (REAR, FRONT):
        return None
    used = [s for s in strides
            if any(math.isfinite(s.values.get(name, math.nan)) for name in HIP_WIDTH_METRICS)]
    feet = {side: sum(s.side == side for s in used) for side in ("left", "right")}
    film = _FILM[view][0].upper() + _FILM[view][1:]
    if len(used) < MIN_FRONTAL_STANCES or min(feet.values()) == 0:
        return (f"too few clear stances {_VIEW_WORDS[view]}: {len(used)} (left {feet['left']}, right "
                f"{feet['right']}); pelvic drop, hip adduction, knee-over-foot, step width and vertical "
                f"oscillation need at least {MIN_FRONTAL_STANCES} with both feet. {film}, for 10 s or more "
                "of running.")
    cv, seen, total = hip_width_variation(track, used)
    if seen < max(2, MIN_SEEN_SHARE * total):
        return (f"the hips and shoulders were seen in only {seen} of {total} stance frames, so whether the "
                f"hips were seen square on cannot be told. {film}, whole from head to feet.")
    if cv > MAX_HIP_WIDTH_CV:
        return (f"the hip width against the torso varied by {100 * cv:.0f}% over the stances (a body seen "
                f"square on varies by a few %, {100 * MAX_HIP_WIDTH_CV:.0f}% at most): the runner turned away "
                "from the camera, or the tracking mixed the hips up or jumped to someone else. "
                f"{film}, running straight {'away from' if view == REAR else 'towards'} the camera.")
    return None


def hip_width_variation(track: PoseTrack, strides: Sequence[StrideRecord]) -> tuple[float, int, int]:
    """(cv, seen, total): coefficient of variation (SD / mean) of hip width / torso length over the
    frames of `strides` (each its `frames` span, inclusive; a frame counted once), where torso length
    is shoulder-mid to hip-mid, both in image pixels; `seen` of the `total` frames had both hips and
    both shoulders (visibility >= running_rear.MIN_VISIBILITY). NaN cv below 2 seen frames."""
    rows = sorted({f for s in strides for f in range(s.frames[0], s.frames[1] + 1) if 0 <= f < len(track)})
    if not rows:
        return math.nan, 0, 0
    xy = np.where(visibility_mask(track.visibility, MIN_VISIBILITY)[..., None], track.xy_px, np.nan)[rows]
    lh, rh, ls, rs = (xy[:, lm] for lm in (L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_SHOULDER, L.RIGHT_SHOULDER))
    hip_width = np.linalg.norm(lh - rh, axis=1)
    torso = np.linalg.norm((ls + rs) / 2 - (lh + rh) / 2, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = hip_width / torso
    ratio = ratio[np.isfinite(ratio) & (torso > 0)]
    if ratio.size < 2 or not ratio.mean() > 0:
        return math.nan, int(ratio.size), len(rows)
    return float(np.std(ratio) / np.mean(ratio)), int(ratio.size), len(rows)


# -- both -------------------------------------------------------------------------------------------
def screen_clip(track: PoseTrack, strides: Sequence[StrideRecord], view: str
                ) -> tuple[list[StrideRecord], list[NotMeasurable]]:
    """`screen_strides`, then `frontal_support` on what it kept: when a rear or front clip does not
    support them, every HIP_WIDTH_METRICS value still measured is NaN'd too and gets a NotMeasurable
    with that reason. Returns (strides, not_measurable), not_measurable in catalog order."""
    kept, missing = screen_strides(strides, view)
    reason = frontal_support(track, kept, view)
    if reason is None:
        return kept, missing
    gone = {n.name for n in missing}
    names = [name for name in HIP_WIDTH_METRICS if name not in gone
             and any(math.isfinite(s.values.get(name, math.nan)) for s in kept)]
    kept = [_without(s, names) for s in kept]
    missing += [NotMeasurable(name, f"not measurable here: {reason}") for name in names]
    order = list(METRICS)
    return kept, sorted(missing, key=lambda n: order.index(n.name))


def _check(strides, view) -> None:
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    if not all(isinstance(s, StrideRecord) for s in strides):
        raise ValueError("strides must hold StrideRecord objects")
