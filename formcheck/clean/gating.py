"""Visibility gating: landmarks the pose model barely saw count as missing."""

from __future__ import annotations

import math

import numpy as np

from formcheck.track import PoseTrack


def visibility_mask(visibility: np.ndarray, min_visibility: float) -> np.ndarray:
    """(T, K) bool: True where visibility >= `min_visibility` (NaN visibility is False).

    Args:
        visibility: (T, K) float in [0, 1].
        min_visibility: threshold in [0, 1].
    """
    if not isinstance(min_visibility, (int, float, np.floating)) or isinstance(min_visibility, bool) \
            or not math.isfinite(min_visibility) or not 0.0 <= min_visibility <= 1.0:
        raise ValueError(f"min_visibility must be a number in [0, 1], got {min_visibility!r}")
    vis = np.asarray(visibility, dtype=np.float64)
    if vis.ndim != 2:
        raise ValueError(f"visibility must be 2-D (T, K), got shape {vis.shape}")
    return np.nan_to_num(vis, nan=-1.0) >= min_visibility


def gate_visibility(track: PoseTrack, min_visibility: float) -> PoseTrack:
    """A copy of `track` where landmarks below `min_visibility` are missing.

    Where visibility < `min_visibility` (or is NaN), `xy_px`, `z` and
    `world_m` of that landmark in that frame become NaN. `visibility` itself
    is kept as it was, so later stages can still see how confident the model
    was. Shapes are unchanged; the input is not modified.
    """
    if not isinstance(track, PoseTrack):
        raise ValueError(f"track must be a PoseTrack, got {type(track).__name__}")
    return track.with_missing(~visibility_mask(track.visibility, min_visibility))
