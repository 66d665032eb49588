"""Which way the camera sees the body, from landmark geometry alone.

The ratio of shoulder and hip widths to torso length tells side from
front/rear: seen from the side, both shoulders and both hips line up
(ratio near 0); seen from the front or behind they are about as wide as
the torso is long (ratio about 0.6-0.9). Front versus rear uses the
left/right order: the subject's left shoulder is on the image right when
they face the camera. Facing direction in a side view comes from the nose
relative to the ears.

`guess_view` is the first, quick guess (capture check). `estimate_view` is the
running version: cues voted per frame (front/rear also by the nose's depth,
since MediaPipe's left/right labels are unreliable from behind; left/right
also by the toes), judged on the frames where the runner is large, a yaw
angle, a confidence, and a user override reported as SET_BY_USER.
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


# -- camera view for running: yaw from several cues, with a user override -----------------------
#
# `estimate_view` refines `guess_view` for running clips. MediaPipe's left/right
# labels are unreliable from behind, so front versus rear is voted by two cues,
# the label-free one weighted double:
#   nose depth: the nose is ~10 cm in front of the shoulders, so its MediaPipe z
#     (smaller = nearer) is below the shoulders' when the runner faces the camera;
#     measured: -1.0 to -1.5 torso lengths on front views, +0.9 to +1.2 on rear views
#     (pose2sim cam01-04, park_run_rear_snow);
#   left/right order: the subject's left shoulder and hip on the image right
#     means facing the camera -- if the labels are right.
# Face visibility is no cue: MediaPipe reports ~1.0 for the face from behind too.
# Left versus right (which way the body faces in the picture) is voted by
# the nose ahead of the ear midpoint and the toes ahead of the heels (both
# label-free), and the near shoulder's depth (label-dependent, half weight).

VIEW_OVERRIDES = ("auto", "side", "rear", "front")
SET_BY_USER = "set by user"

#: [H] Width/torso ratio of a square-on view, to turn a ratio into a yaw angle:
#: MediaPipe reads ~0.6 square-on (hips are joint centres), a running rear view 0.45-0.5.
SQUARE_ON_RATIO = 0.55
#: [H] Frames where the torso is shorter than this share of the clip's 90th percentile
#: are left out: a far-away runner's landmark noise is a large share of the widths.
MIN_TORSO_SHARE = 0.5
#: [H] Torso length below which a frame is never used (3 px noise = 0.15 in the ratio).
MIN_TORSO_PX = 20.0
#: [H] Usable frames for full confidence; fewer scale the confidence down linearly.
FULL_CONFIDENCE_FRAMES = 15
# [H] Dead zones below which a per-frame cue does not vote (all in torso lengths).
_NOSE_DEPTH_MIN = 0.3  # side views read -0.3..+0.2, frontal ones |0.7| or more
_LR_ORDER_MIN = 0.05
_NOSE_AHEAD_MIN = 0.03  # side views read |0.1-0.17|
_TOE_AHEAD_MIN = 0.05  # side views read |0.15-0.4|
_SHOULDER_DEPTH_MIN = 0.3  # side views read |1.9-2.6|


@dataclass(frozen=True, eq=False)
class ViewCues:
    """Per-frame view cues of a track, every array (T,), NaN where not computable.

    width_ratio: mean shoulder and hip width over torso length (0 side, ~0.6 square-on);
    front_score: [-1, 1] weighted vote of the front/rear cues (+ faces the camera, 0 no cue);
    facing_score: [-1, 1] weighted vote of the left/right cues (+ faces image-right);
    torso_px: torso length in pixels; yaw_deg: body yaw, 0 = faces the camera,
    +90 = faces image-right, +-180 = back to the camera (NaN without a width ratio).
    """

    width_ratio: np.ndarray
    front_score: np.ndarray
    facing_score: np.ndarray
    torso_px: np.ndarray
    yaw_deg: np.ndarray


@dataclass(frozen=True)
class CameraView:
    """How the camera sees the runner over a clip.

    view: "side", "front", "rear", "oblique" or "unknown".
    facing: "left"/"right", the way the body faces in the picture, in side and oblique
        views (None in front/rear views or when no cue votes).
    facing_camera: True if the chest is toward the camera (front, front-oblique), False if
        the back is (rear, rear-oblique), None for side views or when no cue votes.
    yaw_deg: typical body yaw, 0 = faces the camera, +90 faces image-right, +-180 back to
        the camera; NaN when unknown. From the median width ratio, so approximate (+-15 deg).
    confidence: [0, 1]; 1.0 when set by the user.
    source: "auto" or SET_BY_USER.
    reason: one plain sentence on what decided it.
    frames: frames used (large enough, torso seen).
    width_ratio: median width ratio over those frames.
    view_share, front_agreement, facing_agreement: the parts of the confidence: share of
        frames in the chosen width class; 0.5 + 0.5 |mean front score|; same for facing.
    auto_view, auto_confidence: what the clip itself says (equal to view/confidence unless
        the user set the view), so a disagreement can be shown.
    """

    view: str
    facing: str | None
    facing_camera: bool | None
    yaw_deg: float
    confidence: float
    source: str
    reason: str
    frames: int
    width_ratio: float
    view_share: float
    front_agreement: float
    facing_agreement: float
    auto_view: str
    auto_confidence: float


def _vote(value: np.ndarray, dead_zone: float) -> np.ndarray:
    """+1/-1 outside the dead zone, 0 inside it or where NaN."""
    v = np.where(np.isfinite(value), value, 0.0)
    return np.where(np.abs(v) > dead_zone, np.sign(v), 0.0)


def _row_nanmean(a: np.ndarray) -> np.ndarray:
    """Mean of the finite values of each row of a (T, n) array; NaN for a row with none."""
    ok = np.isfinite(a)
    n = ok.sum(axis=1)
    return np.where(n > 0, np.where(ok, a, 0.0).sum(axis=1) / np.maximum(n, 1), np.nan)


def _weighted_vote(votes: list[tuple[np.ndarray, float]]) -> np.ndarray:
    """Per-frame weighted mean of the non-zero votes, in [-1, 1]; 0 where nothing voted."""
    total = sum(w * v for v, w in votes)
    weight = sum(w * (v != 0) for v, w in votes)
    return np.where(weight > 0, total / np.where(weight > 0, weight, 1.0), 0.0)


def view_cues(track: PoseTrack, min_visibility: float = 0.5) -> ViewCues:
    """Per-frame width ratio, front/rear and left/right votes and yaw of a track.

    Landmarks below `min_visibility` count as missing. Pure: the track is not changed.
    """
    if not 0 <= min_visibility <= 1:
        raise ValueError(f"min_visibility must be in [0, 1], got {min_visibility}")
    seen = track.visibility >= min_visibility
    xy = np.where(seen[..., None], track.xy_px, np.nan)
    z = np.where(seen, track.z, np.nan)
    ls, rs, lh, rh = (xy[:, i] for i in (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP))
    torso = np.linalg.norm((ls + rs) / 2 - (lh + rh) / 2, axis=1)
    torso = np.where(torso > 1.0, torso, np.nan)
    ratio = (np.abs(ls[:, 0] - rs[:, 0]) + np.abs(lh[:, 0] - rh[:, 0])) / 2 / torso
    # Front/rear: nose depth (label-free, double weight) and left/right order.
    nose_depth = (z[:, L.NOSE] - (z[:, L.LEFT_SHOULDER] + z[:, L.RIGHT_SHOULDER]) / 2) / torso
    lr_order = ((ls[:, 0] - rs[:, 0]) + (lh[:, 0] - rh[:, 0])) / 2 / torso
    front = _weighted_vote([(_vote(-nose_depth, _NOSE_DEPTH_MIN), 2.0), (_vote(lr_order, _LR_ORDER_MIN), 1.0)])
    # Left/right: nose ahead of the ears, toes ahead of the heels, near shoulder's depth.
    nose_ahead = (xy[:, L.NOSE, 0] - _row_nanmean(xy[:, [L.LEFT_EAR, L.RIGHT_EAR], 0])) / torso
    toes = xy[:, [L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX], 0] - xy[:, [L.LEFT_HEEL, L.RIGHT_HEEL], 0]
    toe_ahead = _row_nanmean(toes) / torso
    shoulder_depth = (z[:, L.LEFT_SHOULDER] - z[:, L.RIGHT_SHOULDER]) / torso
    facing = _weighted_vote([(_vote(nose_ahead, _NOSE_AHEAD_MIN), 1.0), (_vote(toe_ahead, _TOE_AHEAD_MIN), 1.0),
                             (_vote(shoulder_depth, _SHOULDER_DEPTH_MIN), 0.5)])
    yaw = _yaw_deg(ratio, front, facing)
    return ViewCues(ratio, front, facing, torso, yaw)


def _yaw_deg(ratio: np.ndarray, front: np.ndarray | float, facing: np.ndarray | float) -> np.ndarray:
    """Yaw from a width ratio (|angle| off square-on) and the front and facing votes (signs)."""
    off_square = np.degrees(np.arccos(np.clip(np.asarray(ratio) / SQUARE_ON_RATIO, 0.0, 1.0)))
    magnitude = np.where(np.asarray(front) < 0, 180.0 - off_square, off_square)
    return np.where(np.asarray(facing) < 0, -magnitude, magnitude)


def _usable_frames(cues: ViewCues) -> np.ndarray:
    ok = np.isfinite(cues.width_ratio) & (cues.torso_px >= MIN_TORSO_PX)
    if ok.any():
        ok &= cues.torso_px >= MIN_TORSO_SHARE * np.percentile(cues.torso_px[ok], 90)
    return ok


def estimate_view(track: PoseTrack, view: str = "auto", min_visibility: float = 0.5) -> CameraView:
    """The camera view of a running clip, with a confidence; `view` other than "auto" is
    the user's choice, kept and reported as SET_BY_USER (facing is still measured).

    Uses the frames where the runner is large (torso at least MIN_TORSO_SHARE of its 90th
    percentile and MIN_TORSO_PX): a runner shrinking into the distance is judged on the
    frames where the landmarks mean something.
    """
    if view not in VIEW_OVERRIDES:
        raise ValueError(f"view must be one of {VIEW_OVERRIDES}, got {view!r}")
    cues = view_cues(track, min_visibility)
    ok = _usable_frames(cues)
    n = int(ok.sum())
    auto = _auto_view(cues, ok) if n else None
    if auto is None:
        auto_view, facing, facing_camera, yaw, conf = "unknown", None, None, float("nan"), 0.0
        ratio = share = front_agree = facing_agree = float("nan")
        reason = "no frame shows both shoulders and both hips clearly enough"
    else:
        auto_view, facing, facing_camera, yaw, conf, ratio, share, front_agree, facing_agree, reason = auto
    if view == "auto":
        return CameraView(auto_view, facing, facing_camera, yaw, conf, "auto", reason, n, ratio, share,
                          front_agree, facing_agree, auto_view, conf)
    user_facing = facing if view == "side" else None
    user_front = None if view == "side" else view == "front"
    if view == "side":
        user_yaw = 90.0 if facing == "right" else -90.0 if facing == "left" else float("nan")
    else:
        user_yaw = 0.0 if view == "front" else 180.0
    seen = f"{auto_view}, confidence {conf:.2f}" if auto is not None else "unknown"
    return CameraView(view, user_facing, user_front, user_yaw, 1.0, SET_BY_USER,
                      f"{SET_BY_USER} (the clip itself looks {seen})", n, ratio, share,
                      front_agree, facing_agree, auto_view, conf)


def _auto_view(cues: ViewCues, ok: np.ndarray):
    ratio = cues.width_ratio[ok]
    median_ratio = float(np.median(ratio))
    per_frame = np.where(ratio < SIDE_MAX, 0, np.where(ratio > FRONTAL_MIN, 2, 1))
    cls = 0 if median_ratio < SIDE_MAX else 2 if median_ratio > FRONTAL_MIN else 1
    share = float(np.mean(per_frame == cls))
    front_mean = float(np.mean(cues.front_score[ok]))
    facing_mean = float(np.mean(cues.facing_score[ok]))
    front_agree = 0.5 + 0.5 * abs(front_mean)
    facing_agree = 0.5 + 0.5 * abs(facing_mean)
    facing_camera = None if front_mean == 0 else front_mean > 0
    facing = None if facing_mean == 0 else "right" if facing_mean > 0 else "left"
    coverage = min(1.0, ok.sum() / FULL_CONFIDENCE_FRAMES)
    limits = f"side below {SIDE_MAX:g}, front/rear above {FRONTAL_MIN:g}"
    width_text = f"shoulder and hip width {median_ratio:.2f} of torso length ({limits}) on {int(ok.sum())} frames"
    if cls == 0:
        view, confidence = "side", share * facing_agree
        facing_camera = None
        side_text = f"; faces {facing} ({facing_agree:.0%} cue agreement)" if facing else "; facing unknown"
        reason = width_text + side_text
    elif cls == 2:
        view = "front" if facing_camera else "rear" if facing_camera is False else "unknown"
        confidence = share * front_agree if facing_camera is not None else 0.0
        reason = (width_text + f"; nose depth and left/right order say {'front' if facing_camera else 'back'} "
                  f"to the camera ({front_agree:.0%} agreement)") if facing_camera is not None else (
                  width_text + "; nothing tells front from rear")
        facing = None
    else:
        view, confidence = "oblique", share
        toward = {True: "front", False: "rear", None: "unknown"}[facing_camera]
        reason = width_text + f": between side and square-on ({toward}-oblique)"
    yaw = float(_yaw_deg(median_ratio, front_mean if front_mean else 1.0, facing_mean))
    if cls == 0 and facing is None:
        yaw = float("nan")
    return (view, facing, facing_camera, yaw, round(float(confidence * coverage), 3), median_ratio, share,
            front_agree, facing_agree, reason)
