"""Which way the camera sees the body, from landmark geometry alone.

The ratio of shoulder and hip widths to torso length tells side from
front/rear: seen from the side, both shoulders and both hips line up
(ratio near 0); seen from the front or behind they are about as wide as
the torso is long (ratio about 0.6-0.9). Front versus rear uses the
left/right order: the subject's left shoulder is on the image right when
they face the camera. Facing direction in a side view comes from the nose
relative to the ears.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.landmarks import Landmark as L
from formcheck.track import PoseTrack

VIEWS = ("side", "front", "rear", "oblique", "unknown")

# Width/torso-length ratio limits [H]: below SIDE_MAX a side view, above
# FRONTAL_MIN a frontal (front or rear) view, oblique in between. MediaPipe's
# hip landmarks are the hip joint centres (~20 cm apart, shoulders ~40 cm,
# torso ~50 cm), so a square-on view reads about 0.6 and a running rear view,
# with its arm swing and trunk rotation, 0.45-0.5 (park_run_rear_snow: 0.47).
SIDE_MAX = 0.25
FRONTAL_MIN = 0.4


@dataclass(frozen=True)
class ViewGuess:
    """view: one of VIEWS; facing: 'left'/'right' in side views else None;
    confidence in [0, 1]: share of frames that agree, scaled down near the
    class limits; width_ratio: median width / torso length; frames: how
    many frames were used."""

    view: str
    facing: str | None
    confidence: float
    width_ratio: float
    frames: int


def guess_view(track: PoseTrack, min_visibility: float = 0.5) -> ViewGuess:
    """Camera view of an upright person. NaN landmarks and frames without a torso are skipped."""
    if not 0 <= min_visibility <= 1:
        raise ValueError(f"min_visibility must be in [0, 1], got {min_visibility}")
    xy = np.where((track.visibility >= min_visibility)[..., None], track.xy_px, np.nan)
    ls, rs, lh, rh = (xy[:, i] for i in (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP))
    torso = np.linalg.norm((ls + rs) / 2 - (lh + rh) / 2, axis=1)
    width = (np.abs(ls[:, 0] - rs[:, 0]) + np.abs(lh[:, 0] - rh[:, 0])) / 2
    ok = np.isfinite(torso) & np.isfinite(width) & (torso > 1.0)
    if not ok.any():
        return ViewGuess("unknown", None, 0.0, float("nan"), 0)
    ratio = width[ok] / torso[ok]
    per_frame = np.where(ratio < SIDE_MAX, 0, np.where(ratio > FRONTAL_MIN, 2, 1))
    votes = np.bincount(per_frame, minlength=3) / per_frame.size
    cls = int(np.argmax(votes))
    median_ratio = float(np.median(ratio))
    confidence = float(votes[cls])
    facing = None
    if cls == 0:
        view = "side"
        facing, agree = _side_facing(xy, ok)
        confidence *= agree
    elif cls == 2:
        # Subject's left shoulder to the image right means they face us.
        left_minus_right = (ls[ok, 0] - rs[ok, 0]) + (lh[ok, 0] - rh[ok, 0])
        front_share = float(np.mean(left_minus_right > 0))
        view = "front" if front_share >= 0.5 else "rear"
        confidence *= max(front_share, 1 - front_share)
    else:
        view = "oblique"
    return ViewGuess(view, facing, round(confidence, 3), median_ratio, int(ok.sum()))


def _side_facing(xy: np.ndarray, ok: np.ndarray) -> tuple[str | None, float]:
    nose = xy[:, L.NOSE, 0]
    ear_x = xy[:, [L.LEFT_EAR, L.RIGHT_EAR], 0]
    n_ears = np.isfinite(ear_x).sum(axis=1)
    ears = np.where(n_ears > 0, np.nansum(ear_x, axis=1) / np.maximum(n_ears, 1), np.nan)
    d = (nose - ears)[ok]
    d = d[np.isfinite(d)]
    if d.size == 0:
        return None, 0.5
    right_share = float(np.mean(d > 0))
    return ("right" if right_share >= 0.5 else "left"), max(right_share, 1 - right_share)
