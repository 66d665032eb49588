"""How a running clip was filmed, from the athlete's track alone: view and context.

View comes from landmark geometry (`kinematics.view.guess_view`). Context
from how the athlete moves in the image: crossing the frame (side view) or
shrinking as they run away (rear view) means overground with a fixed
camera. A runner who stays in place is on a treadmill (the background is
still) or filmed by a camera that follows them (the background flows):
`formcheck.video.background` measures which. Every decision can be set by
the user.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.kinematics.direction import Direction, facing_direction
from formcheck.kinematics.view import guess_view
from formcheck.landmarks import Landmark as L
from formcheck.track import PoseTrack

CROSSING_FRACTION = 0.35  # [H] hip travel, as a share of frame width, that means a fixed camera overground
SHRINK_RATIO = 0.7  # [H] hip width at the end over the start that means running away from the camera
IN_PLACE_CONFIDENCE = 0.6  # without background motion a treadmill and a following camera look alike
# [H] Background flow, in frame widths per second, that means a following camera. Fixed cameras
# read below 0.005 on every real clip; the panning track clip reads 0.33.
PAN_MIN_FRAC_PER_S = 0.05


@dataclass(frozen=True)
class ViewResult:
    view: str
    facing: str | None
    confidence: float
    source: str
    reason: str


@dataclass(frozen=True)
class Context:
    kind: str  # treadmill | overground_fixed | overground_panning
    confidence: float
    source: str
    reason: str


def running_view(track: PoseTrack, override: str = "auto") -> ViewResult:
    guess = guess_view(track)
    if override != "auto":
        if override not in ("side", "rear", "front"):
            raise ValueError(f"view must be auto, side, rear or front, got {override!r}")
        return ViewResult(override, guess.facing if override == "side" else None, 1.0, "user",
                          f"set by the user (the geometry suggested {guess.view})")
    return ViewResult(guess.view, guess.facing, guess.confidence, "auto",
                      f"shoulder and hip width {guess.width_ratio:.2f} of torso length over {guess.frames} frames")


def _hip_mid_x(track: PoseTrack) -> np.ndarray:
    x = (track.xy_px[:, L.LEFT_HIP, 0] + track.xy_px[:, L.RIGHT_HIP, 0]) / 2
    return x[np.isfinite(x)]


def _shrink(track: PoseTrack) -> float:
    width = np.abs(track.xy_px[:, L.LEFT_HIP, 0] - track.xy_px[:, L.RIGHT_HIP, 0])
    width = width[np.isfinite(width) & (width > 0)]
    if width.size < 10:
        return 1.0
    k = max(3, width.size // 5)
    return float(np.median(width[-k:]) / np.median(width[:k]))


def running_context(track: PoseTrack, frame_width: int, view: str, override: str = "auto",
                    background_speed: float | None = None) -> Context:
    """background_speed: the background's flow in frame widths per second (None or NaN = not measured)."""
    if override not in ("auto", "treadmill", "overground"):
        raise ValueError(f"context must be auto, treadmill or overground, got {override!r}")
    if frame_width <= 0:
        raise ValueError(f"frame_width must be > 0, got {frame_width}")
    x = _hip_mid_x(track)
    travel = float((np.percentile(x, 95) - np.percentile(x, 5)) / frame_width) if x.size >= 5 else 0.0
    shrink = _shrink(track)
    moves = travel > CROSSING_FRACTION if view == "side" else shrink < SHRINK_RATIO
    evidence = (f"the hips cross {travel:.0%} of the frame width" if view == "side"
                else f"the hips' width ends at {shrink:.0%} of its start")
    if override == "treadmill":
        return Context("treadmill", 1.0, "user", "set by the user")
    if override == "overground":
        kind = "overground_fixed" if moves else "overground_panning"
        return Context(kind, 1.0, "user", f"set by the user; {evidence}")
    if moves:
        scale = travel / CROSSING_FRACTION if view == "side" else SHRINK_RATIO / max(shrink, 1e-6)
        return Context("overground_fixed", float(min(1.0, 0.5 + 0.5 * (scale - 1))) if scale > 1 else 0.5, "auto",
                       f"{evidence}: overground, fixed camera")
    if background_speed is not None and np.isfinite(background_speed):
        if background_speed >= PAN_MIN_FRAC_PER_S:
            confidence = float(min(1.0, 0.5 + background_speed / (4 * PAN_MIN_FRAC_PER_S)))
            return Context("overground_panning", confidence, "auto",
                           f"{evidence} while the background flows at {background_speed:.2f} frame widths/s: "
                           "a camera following the runner")
        return Context("treadmill", 0.9, "auto",
                       f"{evidence} and the background is still ({background_speed:.3f} frame widths/s): a treadmill")
    return Context("treadmill", IN_PLACE_CONFIDENCE, "auto",
                   f"{evidence}: the runner stays in place, as on a treadmill; the background's motion could not "
                   "be measured, and a camera that follows the runner looks the same (set --context overground)")


def stays_in_place(track: PoseTrack, frame_width: int, view: str) -> bool:
    """Whether the background must be looked at to tell treadmill from a following camera."""
    x = _hip_mid_x(track)
    travel = float((np.percentile(x, 95) - np.percentile(x, 5)) / frame_width) if x.size >= 5 else 0.0
    return travel <= CROSSING_FRACTION if view == "side" else _shrink(track) >= SHRINK_RATIO


def athlete_boxes(track: PoseTrack) -> np.ndarray:
    """(T, 4) x0, y0, x1, y1 of the athlete's landmarks per frame (NaN where unseen)."""
    xy = track.xy_px
    seen = np.isfinite(xy[..., 0])
    boxes = np.full((len(track), 4), np.nan)
    rows = seen.any(axis=1)
    if rows.any():
        x = np.where(seen, xy[..., 0], np.nan)[rows]
        y = np.where(seen, xy[..., 1], np.nan)[rows]
        boxes[rows] = np.stack([np.nanmin(x, 1), np.nanmin(y, 1), np.nanmax(x, 1), np.nanmax(y, 1)], axis=1)
    return boxes


def running_direction(track: PoseTrack, context: Context) -> Direction:
    """Facing direction: hip motion for a fixed camera overground, the nose otherwise (METRICS.md §0)."""
    return facing_direction(track, "overground" if context.kind == "overground_fixed" else "treadmill")
