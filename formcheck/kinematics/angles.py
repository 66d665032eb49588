"""Joint and segment angles in the image plane (METRICS.md §0-§2), pure functions.

Every function takes pixel coordinates of the upright frame (y points
down) as arrays of shape (..., 2) and returns degrees with the same leading
shape; NaN in, NaN out. `direction` is +1 when the runner faces image-right,
-1 when facing left (per frame (T,) or one value), so that "forward" is
positive whichever way the runner goes.
"""

from __future__ import annotations

import numpy as np


def _xy(points) -> np.ndarray:
    arr = np.asarray(points, dtype=np.float64)
    if arr.shape[-1] != 2:
        raise ValueError(f"points must have shape (..., 2), got {arr.shape}")
    return arr


def _dir(direction, shape) -> np.ndarray:
    d = np.asarray(direction, dtype=np.float64)
    if not np.all(np.isin(d[~np.isnan(d)], (-1.0, 1.0))):  # infinity is no direction either
        raise ValueError("direction must be +1 or -1 (or NaN where unknown)")
    return np.broadcast_to(d, shape)


def joint_angle_deg(a, b, c) -> np.ndarray:
    """ang(A, B, C): the angle at B between BA and BC, in [0, 180] degrees."""
    a, b, c = _xy(a), _xy(b), _xy(c)
    ba, bc = a - b, c - b
    cross = ba[..., 0] * bc[..., 1] - ba[..., 1] * bc[..., 0]
    dot = np.sum(ba * bc, axis=-1)
    return np.degrees(np.arctan2(np.abs(cross), dot))


def knee_flexion_deg(hip, knee, ankle) -> np.ndarray:
    """θK = 180 - ang(H, K, A): 0 with a straight leg, larger when bent."""
    return 180.0 - joint_angle_deg(hip, knee, ankle)


def thigh_angle_deg(hip, knee, direction) -> np.ndarray:
    """φT = atan2(d·(xK - xH), yK - yH): thigh from vertical, + = knee ahead of the hip
    (flexion), - = behind (extension; the hip-extension proxy of METRICS.md §1.4)."""
    hip, knee = _xy(hip), _xy(knee)
    d = _dir(direction, hip.shape[:-1])
    return np.degrees(np.arctan2(d * (knee[..., 0] - hip[..., 0]), knee[..., 1] - hip[..., 1]))


def shank_angle_deg(knee, ankle, direction) -> np.ndarray:
    """φS = atan2(d·(xA - xK), yA - yK): shank from vertical, + = ankle ahead of the knee."""
    knee, ankle = _xy(knee), _xy(ankle)
    d = _dir(direction, knee.shape[:-1])
    return np.degrees(np.arctan2(d * (ankle[..., 0] - knee[..., 0]), ankle[..., 1] - knee[..., 1]))


def trunk_lean_deg(shoulder, hip, direction) -> np.ndarray:
    """τ = atan2(d·(xS - xH), yH - yS): trunk from vertical, + = leaning forward."""
    shoulder, hip = _xy(shoulder), _xy(hip)
    d = _dir(direction, hip.shape[:-1])
    return np.degrees(np.arctan2(d * (shoulder[..., 0] - hip[..., 0]), hip[..., 1] - shoulder[..., 1]))


def segment_angle_to_horizontal_deg(start, end, direction) -> np.ndarray:
    """Angle of start→end above the horizontal, + when `end` is higher (y smaller) and
    ahead; used for the foot (heel → foot index) at contact: + = toes up (heel strike)."""
    start, end = _xy(start), _xy(end)
    d = _dir(direction, start.shape[:-1])
    return np.degrees(np.arctan2(start[..., 1] - end[..., 1], d * (end[..., 0] - start[..., 0])))


def pelvic_obliquity_deg(left_hip, right_hip) -> np.ndarray:
    """atan2(yL - yR, |xL - xR|): + when the left hip is lower in the image (rear or front
    view). Contralateral pelvic drop in right stance is this value (METRICS.md §2)."""
    left, right = _xy(left_hip), _xy(right_hip)
    return np.degrees(np.arctan2(left[..., 1] - right[..., 1], np.abs(left[..., 0] - right[..., 0])))


def midpoint(a, b) -> np.ndarray:
    return (_xy(a) + _xy(b)) / 2.0
