"""Per-frame signals of an exercise: the repetition signal and the checked quantities.

Pure functions of image landmarks `xy` (T, 33, 2) pixels (y down), NaN
where missing. Every signal is a dict of (T,) arrays keyed 'both' or by leg
('left'/'right'). Lengths are normalised by the athlete's own segment
lengths, so the numbers do not depend on distance to the camera.
"""

from __future__ import annotations

import numpy as np

from formcheck.kinematics.angles import joint_angle_deg
from formcheck.kinematics.body import (angle_between_deg, fppa_deg, joint_angle_3d_deg, line_angle_deg,
                                       signed_hip_angle_deg)
from formcheck.landmarks import Landmark as L

LEGS = ("left", "right")
OTHER = {"left": "right", "right": "left"}


def _lm(xy: np.ndarray, side: str, part: str) -> np.ndarray:
    return xy[:, L[f"{side.upper()}_{part}"]]


def _mid(xy: np.ndarray, part: str) -> np.ndarray:
    return (_lm(xy, "left", part) + _lm(xy, "right", part)) / 2


def _dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.linalg.norm(a - b, axis=-1)


def _robust_length(values: np.ndarray, q: float = 90.0) -> float:
    """A segment's length from the frames where it is least foreshortened; NaN if never seen."""
    v = values[np.isfinite(values)]
    return float(np.percentile(v, q)) if v.size else float("nan")


def thigh_length_px(xy: np.ndarray) -> float:
    return _robust_length(np.concatenate([_dist(_lm(xy, s, "HIP"), _lm(xy, s, "KNEE")) for s in LEGS]))


def leg_length_px(xy: np.ndarray) -> float:
    """L of METRICS.md §0: hip–ankle length, from the frames where the leg is longest."""
    return _robust_length(np.concatenate([_dist(_lm(xy, s, "HIP"), _lm(xy, s, "ANKLE")) for s in LEGS]))


def hip_width_px(xy: np.ndarray) -> float:
    return _robust_length(_dist(_lm(xy, "left", "HIP"), _lm(xy, "right", "HIP")), 75.0)


def shoulder_width_px(xy: np.ndarray) -> float:
    return _robust_length(_dist(_lm(xy, "left", "SHOULDER"), _lm(xy, "right", "SHOULDER")), 75.0)


# -- repetition signals ---------------------------------------------------------------------------
def bridge_height(xy: np.ndarray, view: str) -> dict[str, np.ndarray]:
    """Side view: the signed shoulder–hip–knee angle (deg; 180 = neutral). Feet end: the
    hip-mid lift above the shoulder-mid, in shoulder widths (the shoulders stay down)."""
    if view == "foot_end":
        lift = _mid(xy, "SHOULDER")[:, 1] - _mid(xy, "HIP")[:, 1]
        return {"both": lift / shoulder_width_px(xy)}
    return {"both": hip_extension(xy)["both"]}


def knee_separation(xy: np.ndarray, view: str) -> dict[str, np.ndarray]:
    """Distance between the knees in thigh lengths (the clamshell's opening)."""
    return {"both": _dist(_lm(xy, "left", "KNEE"), _lm(xy, "right", "KNEE")) / thigh_length_px(xy)}


def leg_spread(xy: np.ndarray, view: str) -> dict[str, np.ndarray]:
    """Angle between the two legs (hip→ankle lines), deg. From the front or behind, where the
    hip line lies in the image, only legs that diverge (the ankles farther apart along the hip
    line than the hips) spread; legs that converge or cross read 0: a foot set down ahead of
    the other, seen from 45° off the front or back, crosses it in the image and is no abduction
    (pose2sim cam01/cam03: the step after the leg raise read as a second spread and ran the
    raise on to the clip's end). Other views: the plain angle."""
    legs = [_lm(xy, s, "ANKLE") - _lm(xy, s, "HIP") for s in LEGS]
    angle = angle_between_deg(*legs)
    if view not in ("front", "rear"):
        return {"both": angle}
    hips = _lm(xy, "left", "HIP") - _lm(xy, "right", "HIP")
    ankles = _lm(xy, "left", "ANKLE") - _lm(xy, "right", "ANKLE")
    with np.errstate(invalid="ignore"):
        diverge = np.sum(ankles * hips, axis=-1) >= np.sum(hips * hips, axis=-1)
    return {"both": np.where(np.isfinite(angle), np.where(diverge, angle, 0.0), np.nan)}


def squat_depth(xy: np.ndarray, view: str) -> dict[str, np.ndarray]:
    """How far the hips have come down toward the standing foot, in leg lengths: 1 - (lower
    ankle's height below the hip-mid) / L. The lower ankle is the foot on the floor."""
    ankle_y = np.fmax(_lm(xy, "left", "ANKLE")[:, 1], _lm(xy, "right", "ANKLE")[:, 1])
    return {"both": 1.0 - (ankle_y - _mid(xy, "HIP")[:, 1]) / leg_length_px(xy)}


def thigh_abduction(xy: np.ndarray, view: str) -> dict[str, np.ndarray]:
    """Per leg: angle of the thigh (hip→knee) from image-down, deg (quadruped from behind)."""
    down = np.broadcast_to(np.array([0.0, 1.0]), (xy.shape[0], 2))
    return {s: angle_between_deg(_lm(xy, s, "KNEE") - _lm(xy, s, "HIP"), down) for s in LEGS}


def knee_rise(xy: np.ndarray, view: str) -> dict[str, np.ndarray]:
    """Per leg: how high the knee is against its hip in the image, in thigh lengths (0 = level
    with the hip, -1 = a thigh length below). On hands and knees the kicking knee rises from
    under the hip to hip height, from the side and from either end alike."""
    thigh = thigh_length_px(xy)
    return {s: (_lm(xy, s, "HIP")[:, 1] - _lm(xy, s, "KNEE")[:, 1]) / thigh for s in LEGS}


def knee_bend(xy: np.ndarray, view: str, world: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The less bent knee's 3-D flexion from world landmarks (T, 33, 3), deg: a lunge bends both knees
    to about 90° from any view, while its feet step along the camera's axis from the front or behind
    and its hips travel when walking, which no image height follows cleanly; the stepping leg's knee
    folds on its way and the other stays straight, so the less bent one moves only with the lunge
    itself. NaN without world landmarks."""
    bend = knee_flexion_3d(xy, view, world)
    return {"both": np.fmin(bend["left"], bend["right"])}


def knee_flexion_3d(xy: np.ndarray, view: str, world: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Per leg: the knee's 3-D flexion from world landmarks (T, 33, 3), deg: a lateral lunge bends one
    knee to about 90° while the other stays straight, and the bending thigh runs out to the side,
    toward or away from the camera in some view, where no image angle follows it. NaN without
    world landmarks."""
    if world is None:
        return {s: np.full(xy.shape[0], np.nan) for s in LEGS}
    return {s: 180.0 - joint_angle_3d_deg(world[:, L[f"{s.upper()}_HIP"]], world[:, L[f"{s.upper()}_KNEE"]],
                                          world[:, L[f"{s.upper()}_ANKLE"]]) for s in LEGS}


def body_rise(xy: np.ndarray, view: str) -> dict[str, np.ndarray]:
    """The hip-mid's height in the image, leg lengths (any origin: reps are counted from the set's
    rest level): a step-up lifts it by the step's height."""
    return {"both": -_mid(xy, "HIP")[:, 1] / leg_length_px(xy)}


def stance_width(xy: np.ndarray, view: str = "front") -> dict[str, np.ndarray]:
    """Distance between the ankles in hip widths (band walks: the step signal)."""
    return {"both": _dist(_lm(xy, "left", "ANKLE"), _lm(xy, "right", "ANKLE")) / hip_width_px(xy)}


REP_SIGNALS = {
    "bridge_height": bridge_height,
    "knee_separation": knee_separation,
    "leg_spread": leg_spread,
    "squat_depth": squat_depth,
    "thigh_abduction": thigh_abduction,
    "knee_rise": knee_rise,
    "knee_bend": knee_bend,
    "knee_flexion_3d": knee_flexion_3d,
    "body_rise": body_rise,
    "steps": stance_width,
}
WORLD_SIGNALS = ("knee_bend", "knee_flexion_3d")  # read world landmarks


def rep_signal(name: str, xy: np.ndarray, view: str, world: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The named repetition signal (`world`: the track's world landmarks, for WORLD_SIGNALS); an
    unknown name raises with the valid list."""
    if name not in REP_SIGNALS:
        raise ValueError(f"unknown signal {name!r}; known: {', '.join(REP_SIGNALS)}")
    return REP_SIGNALS[name](xy, view, world) if name in WORLD_SIGNALS else REP_SIGNALS[name](xy, view)


# -- which leg ------------------------------------------------------------------------------------
def lower_ankle_side(world_m: np.ndarray, min_gap_m: float = 0.06) -> np.ndarray:
    """Per frame 'left'/'right': the leg whose ankle is lower against gravity (the foot on the
    floor), '' where the ankles are within `min_gap_m` of the same height. World landmarks
    (y down), because in the image a farther foot also looks higher."""
    gap = world_m[:, L.LEFT_ANKLE, 1] - world_m[:, L.RIGHT_ANKLE, 1]
    return np.where(gap > min_gap_m, "left", np.where(gap < -min_gap_m, "right", ""))


def higher_hip_side(xy: np.ndarray, min_gap: float = 0.5) -> np.ndarray:
    """Per frame: the top leg of a side-lying athlete (the hip higher in the image), '' where
    the hips are less than `min_gap` hip widths apart vertically (not stacked)."""
    gap = (_lm(xy, "right", "HIP")[:, 1] - _lm(xy, "left", "HIP")[:, 1]) / hip_width_px(xy)
    return np.where(gap > min_gap, "left", np.where(gap < -min_gap, "right", ""))


# -- checked quantities ---------------------------------------------------------------------------
def knee_fppa(xy: np.ndarray) -> dict[str, np.ndarray]:
    """Per leg: frontal-plane projection angle, deg, + = knee medial (kinematics.body.fppa_deg)."""
    return {s: fppa_deg(_lm(xy, s, "HIP"), _lm(xy, s, "KNEE"), _lm(xy, s, "ANKLE"), _lm(xy, OTHER[s], "HIP"))
            for s in LEGS}


def pelvis_line_deg(xy: np.ndarray) -> np.ndarray:
    """Direction of the right-hip → left-hip line in the image, deg. Its change from the start
    pose is pelvic obliquity (standing, bridges from the feet), roll (side-lying from the feet)
    or hike (side-lying from the front)."""
    return line_angle_deg(_lm(xy, "right", "HIP"), _lm(xy, "left", "HIP"))


def trunk_line_deg(xy: np.ndarray) -> np.ndarray:
    """Direction of hip-mid → shoulder-mid in the image, deg."""
    return line_angle_deg(_mid(xy, "HIP"), _mid(xy, "SHOULDER"))


def hip_extension(xy: np.ndarray) -> dict[str, np.ndarray]:
    """Signed shoulder–hip–knee angle, deg, per leg's knee and for the mid-knee ('both')."""
    shoulder, hip = _mid(xy, "SHOULDER"), _mid(xy, "HIP")
    out = {s: signed_hip_angle_deg(shoulder, hip, _lm(xy, s, "KNEE")) for s in LEGS}
    out["both"] = signed_hip_angle_deg(shoulder, hip, _mid(xy, "KNEE"))
    return out


def hip_extension_quadruped(xy: np.ndarray) -> dict[str, np.ndarray]:
    """Per leg: the shoulder–hip–knee angle on hands and knees, deg, signed for a back that faces
    up: 90 with the thigh under the hip, 180 with the thigh in line with the trunk, > 180 when the
    knee rises above the trunk's line (the hip below the shoulder–knee line). The bridge's
    `hip_extension` mirrored (360 - it): its belly faces up."""
    return {s: 360.0 - v for s, v in hip_extension(xy).items() if s in LEGS}


def knee_over_foot(xy: np.ndarray) -> dict[str, np.ndarray]:
    """Per leg: the shank's (ankle→knee) tilt from image-up, deg, + when the knee lies toward
    the other leg (inside the foot). From beyond the feet of a hip thrust the shank stands in the
    image plane while the thigh points at the camera."""
    out = {}
    for s in LEGS:
        shank = _lm(xy, s, "KNEE") - _lm(xy, s, "ANKLE")
        inward = np.sign(_lm(xy, OTHER[s], "HIP")[:, 0] - _lm(xy, s, "HIP")[:, 0])
        out[s] = np.degrees(np.arctan2(shank[:, 0] * inward, -shank[:, 1]))
    return out


def knee_flexion(xy: np.ndarray) -> dict[str, np.ndarray]:
    """Per leg: 180 - ang(H, K, A) in the image, deg."""
    return {s: 180.0 - joint_angle_deg(_lm(xy, s, "HIP"), _lm(xy, s, "KNEE"), _lm(xy, s, "ANKLE")) for s in LEGS}


def ankle_speed(xy: np.ndarray, t_s: np.ndarray) -> dict[str, np.ndarray]:
    """Per leg: image speed of the ankle in leg lengths per second (band-walk steps)."""
    length = leg_length_px(xy)
    out = {}
    for s in LEGS:
        a = _lm(xy, s, "ANKLE")
        v = np.stack([np.gradient(a[:, k], t_s) for k in range(2)], axis=-1) if len(t_s) > 1 else a * 0
        out[s] = np.linalg.norm(v, axis=-1) / length
    return out
