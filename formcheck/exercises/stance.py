"""Split-stance features of a clip, for recognising lunges and step-ups.

A lunge splits the feet along the body's forward axis and bends both knees
deep; a forward lunge steps the front foot out, a reverse lunge the rear
foot back, a walking lunge travels; a step-up lifts the body onto a step; a
lateral lunge spreads the feet across the body and bends one knee deep while
the other leg stays straight.
World landmarks (metres, hip-centred, camera axes; kinematics.body) give the
body's axes and 3-D knee angles (sanity-level use, as the rest of the
recognition); image landmarks (pixels, a still camera) say which foot moved
and whether the athlete travelled or rose. Every function returns NaN
(or 0 for shares) when too little is seen.
"""

from __future__ import annotations

import numpy as np

from formcheck.kinematics.body import body_axes, joint_angle_3d_deg
from formcheck.landmarks import Landmark as L

LEGS = ("LEFT", "RIGHT")
#: [H] A lunge's bottom: the feet split by at least this share of the clip's largest split.
BOTTOM_SHARE = 0.6
#: [H] Feet together (rest between lunges): split below this share of the largest.
TOGETHER_SHARE = 0.2
#: [H] Change of log shoulder width that says the hips came toward or went away from the camera
#: (a lunge's hips travel 0.3-0.4 m: ~0.1 at 3 m; a forward lean does not change the width).
DEPTH_LOG = 0.04
#: [H] Feet on the floor: the ankle within this many leg lengths of its lowest image position.
FLOOR_LEGS = 0.05


def _world_leg_m(world: np.ndarray) -> float:
    legs = np.concatenate([np.linalg.norm(world[:, L[f"{s}_HIP"]] - world[:, L[f"{s}_ANKLE"]], axis=-1)
                           for s in LEGS])
    legs = legs[np.isfinite(legs)]
    return float(np.percentile(legs, 90)) if legs.size else float("nan")


def _image_leg_px(xy: np.ndarray) -> float:
    legs = np.concatenate([np.linalg.norm(xy[:, L[f"{s}_HIP"]] - xy[:, L[f"{s}_ANKLE"]], axis=-1) for s in LEGS])
    legs = legs[np.isfinite(legs)]
    return float(np.percentile(legs, 90)) if legs.size else float("nan")


def split_series(world: np.ndarray) -> np.ndarray:
    """(T,) left ankle minus right ankle along the body's anterior axis, in leg lengths (world):
    + when the left foot is in front."""
    axes = body_axes(world)
    gap = world[:, L.LEFT_ANKLE] - world[:, L.RIGHT_ANKLE]
    return np.sum(gap * axes.anterior, axis=-1) / _world_leg_m(world)


def split_stance(world: np.ndarray) -> float:
    """How far the feet split front to back at most (90th percentile of |split_series|), leg
    lengths: a lunge ~0.6-0.8, squats and band walks below 0.3."""
    s = np.abs(split_series(world))
    s = s[np.isfinite(s)]
    return float(np.percentile(s, 90)) if s.size > 5 else float("nan")


def _knee_flexions(world: np.ndarray) -> np.ndarray:
    """(T, 2) left and right knees' 3-D flexion, deg."""
    return np.stack([180.0 - joint_angle_3d_deg(world[:, L[f"{s}_HIP"]], world[:, L[f"{s}_KNEE"]],
                                                world[:, L[f"{s}_ANKLE"]]) for s in LEGS], axis=1)


def lateral_split(world: np.ndarray) -> float:
    """How far apart the feet are across the body at most (90th percentile of the ankle gap along
    the body's left-right axis), leg lengths (world): a lateral lunge ~0.9-1.1; squats, gait and
    band walks 0.3-0.7 as MediaPipe reads them (the corpus), a leg raised sideways 0.8-1.0."""
    axes = body_axes(world)
    gap = np.abs(np.sum((world[:, L.LEFT_ANKLE] - world[:, L.RIGHT_ANKLE]) * axes.left, axis=-1)) / _world_leg_m(world)
    gap = gap[np.isfinite(gap)]
    return float(np.percentile(gap, 90)) if gap.size > 5 else float("nan")


def knee_split_deg(world: np.ndarray) -> float:
    """How much more one knee bends than the other (3-D flexion, 95th percentile over frames of the
    difference), deg: a lateral lunge ~70-85 (one knee at 90°, the other straight); squats, leg
    raises and lunges done in place 13-43 (the corpus: both knees together, or both straight);
    gait 52-106 (the swing knee), which moves forward and back, not across."""
    knees = _knee_flexions(world)
    gap = np.abs(knees[:, 0] - knees[:, 1])
    gap = gap[np.isfinite(gap)]
    return float(np.percentile(gap, 95)) if gap.size > 5 else float("nan")


def both_knees_bent_deg(world: np.ndarray) -> float:
    """The less bent knee's 3-D flexion, 95th percentile over frames (the bottoms of a set, which
    take a small share of its time), deg: ~85-90 in a lunge or squat (both knees bend together),
    under ~58 in gait (a sprint start on the corpus 57.9), a single-leg squat or a step-up."""
    knees = _knee_flexions(world)
    less = np.min(knees, axis=1)
    less = less[np.isfinite(less)]
    return float(np.percentile(less, 95)) if less.size > 5 else float("nan")


def _edge_median(values: np.ndarray, n: int, last: bool) -> float:
    v = values[-n:] if last else values[:n]
    v = v[np.isfinite(v)]
    return float(np.median(v)) if v.size else float("nan")


def travel_legs(xy: np.ndarray, fps: float) -> float:
    """How far the athlete moved between the clip's first and last second, in leg lengths: the
    hip-mid's travel across the picture, or five times the change of log body size (walking toward
    or away from the camera: size grows as 1/distance, so 0.2 of log size is a step or two at
    3-5 m). A walking lunge travels one to three; lunges in place, squats and step-ups ~0."""
    n = max(3, int(round(fps)))
    hip = (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2
    leg = _image_leg_px(xy)
    across = abs(_edge_median(hip[:, 0], n, True) - _edge_median(hip[:, 0], n, False)) / leg
    size = np.linalg.norm((xy[:, L.LEFT_SHOULDER] + xy[:, L.RIGHT_SHOULDER]) / 2 - hip, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        depth = 5.0 * abs(np.log(_edge_median(size, n, True) / _edge_median(size, n, False)))
    return float(np.nanmax([across, depth])) if np.isfinite([across, depth]).any() else float("nan")


def step_forward_share(xy: np.ndarray, world: np.ndarray, view: str) -> float:
    """Over the lunge bottoms (the feet split by BOTTOM_SHARE of the largest split), the share
    where the front foot is the one that stepped since the feet were last together: ~1 for
    forward and walking lunges (the front foot steps out and the hips follow it forward), ~0 for
    reverse lunges (the rear foot steps back and the hips go back); NaN without bottoms or when
    nothing tells. From the side, the foot whose toes moved in the picture (a rear foot rising
    onto its toes pivots about them). From the front or behind the feet move along the camera's
    axis, so the hips tell instead: they come toward the camera (the shoulders look wider by
    more than DEPTH_LOG) in a forward lunge filmed from the front or a reverse lunge filmed from
    behind."""
    split = split_series(world)
    ok = np.isfinite(split)
    if ok.sum() < 10:
        return float("nan")
    size = np.percentile(np.abs(split[ok]), 95)
    if not size > 0:
        return float("nan")
    mag = np.where(ok, np.abs(split), 0.0)
    bottom = mag >= BOTTOM_SHARE * size
    together = ok & (mag <= TOGETHER_SHARE * size)
    runs = np.split(np.flatnonzero(bottom), np.flatnonzero(np.diff(np.flatnonzero(bottom)) > 1) + 1)
    width = np.linalg.norm(xy[:, L.LEFT_SHOULDER] - xy[:, L.RIGHT_SHOULDER], axis=-1)
    votes = []
    for run in runs:
        if run.size == 0:
            continue
        b = int(run[np.argmax(mag[run])])
        before = np.flatnonzero(together[:run[0]])
        if before.size == 0:
            continue
        r = int(before[-1])
        if view in ("front", "rear"):
            with np.errstate(divide="ignore", invalid="ignore"):
                closer = np.log(np.nanmedian(width[max(b - 2, 0):b + 3]) / np.nanmedian(width[max(r - 2, 0):r + 3]))
            if np.isfinite(closer) and abs(closer) > DEPTH_LOG:
                votes.append((closer > 0) == (view == "front"))
            continue
        front, rear = ("LEFT", "RIGHT") if split[b] > 0 else ("RIGHT", "LEFT")
        moved = {s: np.linalg.norm(xy[b, L[f"{s}_FOOT_INDEX"]] - xy[r, L[f"{s}_FOOT_INDEX"]]) for s in LEGS}
        if np.isfinite(moved[front]) and np.isfinite(moved[rear]):
            votes.append(moved[front] > moved[rear])
    return float(np.mean(votes)) if votes else float("nan")


def body_rise_legs(xy: np.ndarray) -> float:
    """How far the body stands higher than on the floor (image, leg lengths): the lesser of the hips'
    rise above where they stand with both feet on the floor (5th percentile of the hip's height
    against the median over the frames with both ankles at floor level) and the feet's own rise at
    the hips' highest (the lower ankle above its floor level, over the frames where the hips are
    within 5% of the clip's largest hip rise): a step-up ~0.3-0.4 both (the step's height), a jump squat
    0.2 (callers rule jumps out). A squat's hips read up to 0.45 above their median (most frames are
    spent low; MediaPipe's heavy model, the corpus), but its feet stay down: ~0."""
    leg = _image_leg_px(xy)
    ankles = xy[:, [L.LEFT_ANKLE, L.RIGHT_ANKLE], 1]
    hip_y = (xy[:, L.LEFT_HIP, 1] + xy[:, L.RIGHT_HIP, 1]) / 2
    ok = np.all(np.isfinite(ankles), axis=1) & np.isfinite(hip_y)
    if ok.sum() < 10 or not leg > 0:
        return float("nan")
    floor = np.percentile(ankles[ok], 97, axis=0)  # image y grows downward: the lowest positions
    on_floor = ok & np.all(ankles >= floor - FLOOR_LEGS * leg, axis=1)
    if on_floor.sum() < 3:
        return float("nan")
    stand = float(np.median(hip_y[on_floor]))
    top = float(np.percentile(hip_y[ok], 5))
    hips = (stand - top) / leg
    highest = ok & (hip_y <= top + 0.05 * max(stand - top, 0.0))
    feet = float(np.median(np.min(floor[None, :] - ankles[highest], axis=1))) / leg if highest.any() else np.nan
    return float(min(hips, feet)) if np.isfinite(feet) else hips


# -- how the recognition reads them ---------------------------------------------------------------
#: [H] split_stance of a lunge: synthetic 0.67-0.77; squats 0.04-0.22 (real 0.17-0.22), a
#: single-leg squat's free foot 0.34. Gait splits too, but never with both knees bent.
SPLIT_LEGS = (0.35, 0.5)
#: [H] both_knees_bent_deg (95th percentile): lunges and squats 77-90 (a walking lunge with half its
#: reps at 65°: 75); running, sprint starts, walking and the leg raise 19-58 (the corpus), a
#: single-leg squat 46, a step-up 44-52.
BOTH_KNEES_DEG = (62.0, 75.0)
#: [H] step_forward_share: forward and walking lunges 1.0, reverse 0.0.
STEP_FORWARD = (0.3, 0.7)
#: [H] body_rise_legs: a 30 cm step-up 0.28-0.34 (synthetic, from the front the raised foot is also
#: nearer); the real squats 0.02-0.14 (full and heavy models), lunges and leg raises lower, a jump
#: squat 0.2 (its knees both bend deep).
RISE_LEGS = (0.17, 0.26)
#: [H] travel_legs of a walking lunge: 2-3 over four lunges; lunges in place ~0.0-0.1.
TRAVEL_LEGS = (0.5, 1.0)


#: [H] lateral_split of a lateral lunge (synthetic ~1.0); squats and gait read 0.3-0.7.
LATERAL_SPLIT_LEGS = (0.6, 0.8)
#: [H] knee_split_deg: one knee bent deep, the other straight (a lateral lunge, synthetic ~80);
#: everything but gait in the corpus reads 13-43 (a leg raise 42.5 at most).
KNEE_SPLIT_DEG = (50.0, 65.0)


def ramp(x: float, lo: float, hi: float) -> float:
    """0 below lo, 1 above hi, linear between; 0 for NaN."""
    if not np.isfinite(x):
        return 0.0
    return float(np.clip((x - lo) / (hi - lo), 0.0, 1.0))


def lunge_fit(stance: str, split: float, both_knees_deg: float, step_forward: float, travel: float) -> float:
    """[0, 1]: a split stance with both knees bent deep, the stepping foot the front one
    ('lunge_forward', 'lunge_walking') or the rear one ('lunge_back'), travelling (walking) or not.
    Where the stepping foot cannot be told, forward and reverse are equally likely (each 0.5):
    both unsure, neither named."""
    fit = ramp(split, *SPLIT_LEGS) * ramp(both_knees_deg, *BOTH_KNEES_DEG)
    ahead = ramp(step_forward, *STEP_FORWARD) if np.isfinite(step_forward) else 0.5
    fit *= 1.0 - ahead if stance == "lunge_back" else ahead
    moved = ramp(travel, *TRAVEL_LEGS) if np.isfinite(travel) else 0.5
    return fit * (moved if stance == "lunge_walking" else 1.0 - moved)


#: [H] kinematics.body.movement_lateral_share: a lateral lunge's knees and ankles 0.3-0.4 (the bending
#: knee also goes forward as the hips sit back), gait 0.03-0.15 (the corpus), whose swing knee bends
#: deep while the other leg is straight, as in a lateral lunge.
ACROSS_SHARE = (0.15, 0.25)
#: [H] exercises.steps.sideways_share of the feet's steps: sideways ~1, gait ~0.
SIDEWAYS_STEPS = (0.35, 0.65)


def lateral_lunge_fit(lateral: float, knee_split: float, both_knees_deg: float, rise: float,
                      lateral_share: float, sideways_steps: float) -> float:
    """[0, 1]: the feet wide across the body with one knee bent deep and the other straight, the legs
    moving across the body (or the feet stepping sideways), the hips going down, not up (a step-up's
    working knee is bent while the other leg hangs straight)."""
    fit = ramp(lateral, *LATERAL_SPLIT_LEGS) * ramp(knee_split, *KNEE_SPLIT_DEG)
    fit *= max(ramp(lateral_share, *ACROSS_SHARE), ramp(sideways_steps, *SIDEWAYS_STEPS))
    return fit * (1.0 - ramp(both_knees_deg, *BOTH_KNEES_DEG)) * (1.0 - ramp(rise, *RISE_LEGS))
