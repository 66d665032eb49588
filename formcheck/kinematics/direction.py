"""Which way the runner faces in a side view: d = +1 toward image-right, -1 left.

METRICS.md §0: on a treadmill the sign of x_nose - x_hipmid; overground the
sign of the hip-mid velocity. Both are given here; `facing_direction` takes
the one that fits the context and says how sure it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.landmarks import Landmark as L
from formcheck.track import PoseTrack


@dataclass(frozen=True)
class Direction:
    """sign: +1 (faces image-right) or -1; per_frame: (T,) +1/-1/NaN;
    confidence: share of usable frames that agree with `sign`; method: what was used."""

    sign: int
    per_frame: np.ndarray
    confidence: float
    method: str


def _hip_mid(track: PoseTrack) -> np.ndarray:
    return (track.xy_px[:, L.LEFT_HIP] + track.xy_px[:, L.RIGHT_HIP]) / 2.0


def direction_from_nose(track: PoseTrack) -> np.ndarray:
    """(T,) sign of x_nose - x_hipmid (NaN where either is missing or they coincide)."""
    dx = track.xy_px[:, L.NOSE, 0] - _hip_mid(track)[:, 0]
    return np.where(np.isfinite(dx) & (dx != 0), np.sign(dx), np.nan)


def direction_from_motion(track: PoseTrack, min_speed_px_s: float = 20.0) -> np.ndarray:
    """(T,) sign of the hip-mid horizontal velocity (NaN where slower than `min_speed_px_s`)."""
    if min_speed_px_s < 0:
        raise ValueError(f"min_speed_px_s must be >= 0, got {min_speed_px_s}")
    x = _hip_mid(track)[:, 0]
    if len(track) < 3:
        return np.full(len(track), np.nan)
    v = np.gradient(x, track.t_s)
    return np.where(np.isfinite(v) & (np.abs(v) >= min_speed_px_s), np.sign(v), np.nan)


def facing_direction(track: PoseTrack, context: str = "treadmill") -> Direction:
    """The runner's direction: nose-based on a treadmill (the runner stays in place),
    motion-based overground with a fixed camera, nose-based if motion is unusable."""
    if context not in ("treadmill", "overground", "panning"):
        raise ValueError(f"context must be treadmill, overground or panning, got {context!r}")
    candidates = []
    if context == "overground":
        candidates.append(("hip motion", direction_from_motion(track)))
    candidates.append(("nose ahead of hips", direction_from_nose(track)))
    for method, per_frame in candidates:
        usable = per_frame[np.isfinite(per_frame)]
        if usable.size >= max(3, 0.2 * len(track)):
            sign = 1 if np.sum(usable > 0) >= np.sum(usable < 0) else -1
            return Direction(sign, per_frame, float(np.mean(usable == sign)), method)
    return Direction(1, np.full(len(track), np.nan), 0.0, "unknown")
