"""Whole-body geometry for exercises: body axes, postures seen from any side, frontal-plane angles.

Image functions take pixel coordinates of the upright frame (y down) as
arrays of shape (..., 2) and return degrees with the leading shape; NaN in,
NaN out. World functions take MediaPipe world landmarks (T, 33, 3): metres,
hip-mid origin, camera-aligned axes (x right, y down, z away from the
camera). METRICS.md §0 keeps world landmarks for sanity checks: here they
only say which way the body lies (standing, on the back, on the side, on
hands and knees) and where the camera is around it, decisions tens of
degrees wide; every angle that is judged comes from the image.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import maximum_filter1d, median_filter

from formcheck.kinematics.angles import _xy, joint_angle_deg
from formcheck.landmarks import Landmark as L
from formcheck.track import PoseTrack

GRAVITY_UP = np.array([0.0, -1.0, 0.0])  # world y points down: an upright, level phone
TOWARD_CAMERA = np.array([0.0, 0.0, -1.0])  # world z points away from the camera


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 1e-9, v / n, np.nan)


@dataclass(frozen=True, eq=False)
class BodyAxes:
    """Per-frame unit vectors (T, 3) of the body in camera-aligned world axes.

    up: hip-mid to shoulder-mid; left: right hip to left hip, made
    orthogonal to `up`; anterior: left × up, out of the chest.
    """

    up: np.ndarray
    left: np.ndarray
    anterior: np.ndarray

    def components(self, direction: np.ndarray) -> np.ndarray:
        """(T, 3) cosines of a fixed world direction with (up, left, anterior)."""
        d = np.asarray(direction, dtype=np.float64)
        return np.stack([self.up @ d, self.left @ d, self.anterior @ d], axis=-1)


def body_axes(world_m: np.ndarray) -> BodyAxes:
    """Body axes from world landmarks (T, 33, 3); NaN rows where a hip or shoulder is missing."""
    world = np.asarray(world_m, dtype=np.float64)
    if world.ndim != 3 or world.shape[1:] != (33, 3):
        raise ValueError(f"world_m must have shape (T, 33, 3), got {world.shape}")
    hip_mid = (world[:, L.LEFT_HIP] + world[:, L.RIGHT_HIP]) / 2
    shoulder_mid = (world[:, L.LEFT_SHOULDER] + world[:, L.RIGHT_SHOULDER]) / 2
    up = _unit(shoulder_mid - hip_mid)
    # Shoulders and hips both carry the left-right axis; average them (hips alone are only ~20 cm apart).
    across = (world[:, L.LEFT_HIP] - world[:, L.RIGHT_HIP]) + (world[:, L.LEFT_SHOULDER] - world[:, L.RIGHT_SHOULDER])
    left = _unit(across - np.sum(across * up, axis=-1, keepdims=True) * up)
    anterior = _unit(np.cross(left, up))
    return BodyAxes(up, left, anterior)


def movement_lateral_share(world_m: np.ndarray, points=(L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE,
                                                          L.RIGHT_ANKLE), lag: int = 15) -> float:
    """Share of the movement of the mobile `points`, relative to the hip-mid (world landmarks,
    in the body's own axes), that goes along the body's left-right axis (the largest among the
    points that move at least half as much as the most mobile one).

    Over steps of `lag` frames (long enough that landmark jitter does not dominate: about half a
    second; callers pass `step_frames(t_s)`):
    the median, over the steps where that point moves most (above the median), of the squared
    sideways step over the squared step. ~0.1-0.3 for squats,
    lunges, bridges, gait and donkey kicks (forward-back, up-down), 0.6-0.9 for a leg raised
    or a knee opened to the side and for side steps. The median ignores the few frames of a
    change of side, when the body turns over and its axes swing. NaN with too few frames."""
    world = np.asarray(world_m, dtype=np.float64)
    axes = body_axes(world)
    hip = (world[:, L.LEFT_HIP] + world[:, L.RIGHT_HIP]) / 2
    found = []
    for point in points:
        rel = world[:, point] - hip
        comp = np.stack([np.sum(rel * ax, axis=1) for ax in (axes.left, axes.anterior, axes.up)], axis=1)
        step = comp[lag:] - comp[:-lag] if len(comp) > lag else comp[:0]
        step = step[np.all(np.isfinite(step), axis=1)]
        if len(step) < 5:
            continue
        speed2 = np.sum(step * step, axis=1)
        moving = speed2 > np.median(speed2)
        if moving.sum() >= 3:
            found.append((float(speed2[moving].sum()), float(np.median(step[moving, 0] ** 2 / speed2[moving]))))
    if not found:
        return float("nan")
    # The points that move (at least half as much as the most mobile one): a landmark the model
    # lost and filled in can move most, and wrongly; the leg's other joint still shows the way.
    most = max(e for e, _ in found)
    return max(share for e, share in found if e >= 0.5 * most)


#: [H] Seconds over which a movement's direction is judged (world landmark jitter is ~2-3 cm
#: per frame; a leg moves 10-30 cm in half a second).
DIRECTION_STEP_S = 0.5


def step_frames(t_s: np.ndarray) -> int:
    """Frames in DIRECTION_STEP_S at the track's median frame interval (at least 1)."""
    dt = np.diff(np.asarray(t_s, dtype=np.float64))
    dt = dt[np.isfinite(dt) & (dt > 0)]
    return max(1, int(round(DIRECTION_STEP_S / float(np.median(dt))))) if dt.size else 1


#: [H] The torso's scale is its longest recent length: bending forward toward the camera
#: (a squat seen from the front) shortens it in the picture, which is not the body shrinking.
SCALE_S = 3.0


def torso_length_px(xy: np.ndarray, fps: float) -> np.ndarray:
    """(T,) shoulder-mid to hip-mid distance in pixels: median over 0.3 s (one-frame errors),
    then the largest over SCALE_S (foreshortening by a forward bend), NaN where unseen."""
    shoulder = (xy[:, L.LEFT_SHOULDER] + xy[:, L.RIGHT_SHOULDER]) / 2
    hip = (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2
    torso = np.linalg.norm(shoulder - hip, axis=1)
    ok = np.isfinite(torso) & (torso > 1.0)
    if ok.sum() < 2:
        return np.full(len(xy), np.nan)
    filled = np.interp(np.arange(len(xy)), np.flatnonzero(ok), torso[ok])
    short = max(1, int(round(0.3 * fps)) | 1)
    long = max(1, int(round(SCALE_S * fps)) | 1)
    smooth = maximum_filter1d(median_filter(filled, size=short, mode="nearest"), size=long, mode="nearest")
    return np.where(ok, smooth, np.nan)


def joint_angle_3d_deg(a, b, c) -> np.ndarray:
    """The angle at B between BA and BC for 3-D points (..., 3), degrees in [0, 180]."""
    a, b, c = (np.asarray(p, dtype=np.float64) for p in (a, b, c))
    ba, bc = a - b, c - b
    cross = np.linalg.norm(np.cross(ba, bc), axis=-1)
    return np.degrees(np.arctan2(cross, np.sum(ba * bc, axis=-1)))


def line_angle_deg(start, end) -> np.ndarray:
    """Direction of start→end in the image, degrees counter-clockwise from image-right
    as the viewer sees it (y down, so 'up' in the picture is +90)."""
    start, end = _xy(start), _xy(end)
    return np.degrees(np.arctan2(start[..., 1] - end[..., 1], end[..., 0] - start[..., 0]))


def wrap_deg(angle) -> np.ndarray:
    """Angles wrapped into (-180, 180]."""
    a = np.asarray(angle, dtype=np.float64)
    return 180.0 - np.mod(180.0 - a, 360.0)


def angle_between_deg(u, v) -> np.ndarray:
    """Unsigned angle between two image vectors (..., 2), in [0, 180]."""
    u, v = _xy(u), _xy(v)
    zero = np.zeros_like(u)
    return joint_angle_deg(u, zero, v)


def fppa_deg(hip, knee, ankle, other_hip) -> np.ndarray:
    """Frontal-plane projection angle: 180 - ang(H, K, A), + when the knee lies medial of
    the hip–ankle line (toward `other_hip`, the midline side), - when lateral.
    Meaningful only in a front or rear view."""
    hip, knee, ankle, other = _xy(hip), _xy(knee), _xy(ankle), _xy(other_hip)
    bend = 180.0 - joint_angle_deg(hip, knee, ankle)
    axis = ankle - hip
    off = knee - hip
    # Signed side of the knee relative to the hip→ankle line, compared with the other hip's side.
    knee_side = axis[..., 0] * off[..., 1] - axis[..., 1] * off[..., 0]
    mid = other - hip
    mid_side = axis[..., 0] * mid[..., 1] - axis[..., 1] * mid[..., 0]
    sign = np.where(knee_side * mid_side >= 0, 1.0, -1.0)
    return np.where(np.isfinite(knee_side * mid_side), sign * bend, np.nan)


def signed_hip_angle_deg(shoulder, hip, knee) -> np.ndarray:
    """ang(S, H, K) for a bridge seen from the side, continued past 180 when the hip rises
    above the shoulder–knee line (image-up side): 180 = neutral, < 180 hips low,
    > 180 overshoot (lumbar-extension proxy, METRICS.md §4 [W])."""
    shoulder, hip, knee = _xy(shoulder), _xy(hip), _xy(knee)
    angle = joint_angle_deg(shoulder, hip, knee)
    line = knee - shoulder
    rel = hip - shoulder
    # Height of the hip above the shoulder–knee line, image-up positive.
    cross = line[..., 0] * rel[..., 1] - line[..., 1] * rel[..., 0]
    above = np.where(line[..., 0] >= 0, -cross, cross) > 0
    return np.where(above, 360.0 - angle, angle)


def lateral_lean_deg(shoulder_mid, hip_mid, reference_up_deg: float | np.ndarray = 90.0) -> np.ndarray:
    """Trunk line (hip-mid → shoulder-mid) angle from `reference_up_deg` in the image plane,
    signed, wrapped; with the default, the lean from vertical in a front or rear view."""
    return wrap_deg(line_angle_deg(hip_mid, shoulder_mid) - reference_up_deg)


def relabel_frontal_sides(track: PoseTrack, facing_camera: bool, min_gap: float = 0.3) -> tuple[PoseTrack, np.ndarray]:
    """An upright athlete seen from the front has the left hip and shoulder on the image right
    (from behind, on the image left). MediaPipe sometimes labels a whole frontal body the other
    way round (pose2sim cam02, frames 5-60); frames whose hips and shoulders together say so,
    by more than `min_gap` of their usual width, get every left/right label exchanged. A frame
    missing a hip or shoulder follows the nearest frame that has them all: the model mislabels
    whole runs of frames, and a frame left as it was would swap the legs there and back.
    Returns the track and the (T,) mask of relabelled frames."""
    xy = track.xy_px
    spread = (xy[:, L.LEFT_HIP, 0] - xy[:, L.RIGHT_HIP, 0]) + (xy[:, L.LEFT_SHOULDER, 0] - xy[:, L.RIGHT_SHOULDER, 0])
    known = np.isfinite(spread)
    width = np.nanpercentile(np.abs(spread), 75) if known.any() else np.nan
    expected = 1.0 if facing_camera else -1.0
    swap = known & (expected * spread < -min_gap * width)
    if swap.any() and not known.all():
        judged = np.flatnonzero(known)
        rows = np.arange(spread.shape[0])
        after = np.clip(np.searchsorted(judged, rows), 0, judged.size - 1)
        before = np.clip(after - 1, 0, judged.size - 1)
        nearest = np.where(np.abs(judged[before] - rows) <= np.abs(judged[after] - rows), judged[before], judged[after])
        swap = swap[nearest]
    if not swap.any():
        return track, swap
    mirrored = track.mirrored_left_right()
    pick = swap[:, None]
    return track.with_arrays(
        xy_px=np.where(pick[..., None], mirrored.xy_px, track.xy_px),
        z=np.where(pick, mirrored.z, track.z),
        visibility=np.where(pick, mirrored.visibility, track.visibility),
        world_m=np.where(pick[..., None], mirrored.world_m, track.world_m),
    ), swap
