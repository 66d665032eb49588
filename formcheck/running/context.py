"""Running context (treadmill, overground with a fixed camera, overground with a
camera that follows the runner) and running direction, each with a confidence.

    flow = background_flow(info, athlete_boxes(track, info.frame_count), stride=2)
    context = running_context(info, track, motion=flow)     # or context="treadmill"
    direction = running_direction(track, context, motion=flow)

Three observations decide the context, each turned into a score in [0, 1]
by a linear ramp between two limits ([H] engineering limits, reasons beside
each constant):

- travel: the athlete crosses the picture (net hip-mid speed in the image)
  or shrinks/grows as they run away from/toward the camera (rate of change
  of the torso's length) -- a fixed camera overground;
- background flow: the background slides steadily in one direction (the
  signed median of `BackgroundFlow`, so hand shake averages out) -- a
  camera that follows the runner; the athlete then stays roughly in place;
- stance foot: on a treadmill the foot on the belt moves backward in the
  picture while the hips stay put (METRICS.md 1: "the stance foot moves
  backward with the belt"); with a fixed camera overground it stands still.
  A following camera also sees it move backward (the ground slides), so
  this only separates a treadmill from running in place, never from panning.

Speeds are in leg lengths per second (L = hip-ankle length in pixels,
METRICS.md 0), so the limits hold for any frame size and distance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.kinematics.direction import Direction, direction_from_nose, facing_direction
from formcheck.kinematics.view import SET_BY_USER, CameraView, estimate_view
from formcheck.landmarks import Landmark as L
from formcheck.track import PoseTrack
from formcheck.video.info import VideoInfo
from formcheck.video.motion import BackgroundFlow, background_flow

CONTEXTS = ("treadmill", "overground_fixed", "overground_panning")
CONTEXT_OVERRIDES = ("auto", "treadmill", "overground")

#: [H] Net hip-mid speed across the picture, leg lengths/s. Overground running is
#: >= 2.5 m/s (~3 L/s) and walking ~1.5 L/s; a treadmill runner drifts < 0.1 L/s net.
TRAVEL_SPEED_L_S = (0.3, 1.0)
#: [H] |d ln(torso length)/dt| per second: running away at 3 m/s from 10 m shrinks
#: the figure at 0.3/s; a treadmill runner's torso length wobbles with no trend (< 0.01/s).
SCALE_RATE_PER_S = (0.03, 0.1)
#: [H] Steady background flow, leg lengths/s. A following camera sweeps the scene at
#: about the runner's speed (the panning track clip: ~1.3 L/s); fixed cameras measure
#: < 0.01 L/s (tripod) and hand shake cancels in the signed median.
BACKGROUND_L_S = (0.1, 0.4)
#: [H] Share of measured frame pairs that must be reliable before the background counts fully.
BACKGROUND_KNOWN = (0.2, 0.6)
#: [H] Stance-foot backward speed, leg lengths/s: a belt at >= 2 m/s moves the foot
#: back at >= 2 L/s; a planted foot overground reads ~0 (landmark jitter < 0.3 L/s).
STANCE_BACKWARD_L_S = (0.4, 1.2)
#: [H] A stance frame: the foot within this share of L of its lowest point nearby...
_STANCE_HEIGHT_L = 0.05
#: ...where "nearby" is this many seconds either side (longer than a running stance).
_GROUND_WINDOW_S = 0.5
_MIN_FRAMES = 10  # fewer frames with hips: no context evidence (confidence 0)


def _ramp(x: float, limits: tuple[float, float]) -> float:
    """0 below limits[0], 1 above limits[1], linear between; NaN stays NaN."""
    lo, hi = limits
    return float(np.clip((x - lo) / (hi - lo), 0.0, 1.0)) if np.isfinite(x) else float("nan")


@dataclass(frozen=True)
class ContextEvidence:
    """The numbers behind a context decision (NaN where not measurable).

    leg_length_px: median hip-ankle length. hip_speed_l_s: net hip-mid speed across
    the picture (least-squares slope of x over time), signed (+ image-right).
    hip_range_fraction: 5-95 % range of hip-mid x over the frame width.
    scale_rate_per_s: slope of ln(torso length) over time (- shrinking).
    background_l_s: signed median horizontal background flow (+ image-right).
    background_reliable_share: share of measured frame pairs that were reliable.
    stance_backward_l_s: median stance-foot speed backward (against the facing
    direction), side views only. frames: frames with hips.
    travel, background, stance: the three scores in [0, 1] (NaN if not measured).
    """

    leg_length_px: float
    hip_speed_l_s: float
    hip_range_fraction: float
    scale_rate_per_s: float
    background_l_s: float
    background_reliable_share: float
    stance_backward_l_s: float
    frames: int
    travel: float
    background: float
    stance: float


@dataclass(frozen=True)
class Context:
    """kind: one of CONTEXTS; confidence in [0, 1] (1.0 when set by the user);
    source: "auto" or SET_BY_USER; reason: one plain sentence; evidence: the numbers;
    auto_kind, auto_confidence: what the clip itself says."""

    kind: str
    confidence: float
    source: str
    reason: str
    evidence: ContextEvidence
    auto_kind: str
    auto_confidence: float


# -- evidence from the track ----------------------------------------------------------------
def athlete_boxes(track: PoseTrack, frame_count: int) -> np.ndarray:
    """(frame_count, 4) x0, y0, x1, y1 pixels around the athlete's landmarks in each frame
    (row = frame index), NaN where the athlete is not seen; for `background_flow`."""
    if frame_count < 0:
        raise ValueError(f"frame_count must be >= 0, got {frame_count}")
    boxes = np.full((frame_count, 4), np.nan)
    seen = np.all(np.isfinite(track.xy_px), axis=-1)
    rows = seen.any(axis=1) & (track.frame_index >= 0) & (track.frame_index < frame_count)
    if rows.any():
        x = np.where(seen, track.xy_px[..., 0], np.nan)[rows]
        y = np.where(seen, track.xy_px[..., 1], np.nan)[rows]
        boxes[track.frame_index[rows]] = np.stack(
            [np.nanmin(x, 1), np.nanmin(y, 1), np.nanmax(x, 1), np.nanmax(y, 1)], axis=1)
    return boxes


def _leg_length_px(track: PoseTrack) -> np.ndarray:
    """(T,) mean hip-ankle length of the legs seen, pixels."""
    legs = [np.linalg.norm(track.xy_px[:, hip] - track.xy_px[:, ankle], axis=1)
            for hip, ankle in ((L.LEFT_HIP, L.LEFT_ANKLE), (L.RIGHT_HIP, L.RIGHT_ANKLE))]
    both = np.stack(legs, axis=1)
    ok = np.isfinite(both)
    count = ok.sum(axis=1)
    return np.where(count > 0, np.where(ok, both, 0.0).sum(axis=1) / np.maximum(count, 1), np.nan)


def _slope(t: np.ndarray, y: np.ndarray) -> float:
    ok = np.isfinite(y)
    if ok.sum() < _MIN_FRAMES or np.ptp(t[ok]) <= 0:
        return float("nan")
    return float(np.polyfit(t[ok], y[ok], 1)[0])


def _stance_backward(track: PoseTrack, leg_px: float, facing: int) -> float:
    """Median speed of the foot on the ground, backward (against `facing`), in L/s."""
    t = track.t_s
    dt = np.median(np.diff(t)) if len(t) > 1 else 1.0
    half = max(1, int(round(_GROUND_WINDOW_S / dt)))
    feet = []
    for heel, ankle in ((L.LEFT_HEEL, L.LEFT_ANKLE), (L.RIGHT_HEEL, L.RIGHT_ANKLE)):
        p = track.xy_px[:, heel]
        feet.append(np.where(np.isfinite(p), p, track.xy_px[:, ankle]))
    ys = np.stack([f[:, 1] for f in feet], axis=1)
    speeds = []
    for k, foot in enumerate(feet):
        x, y = foot[:, 0], foot[:, 1]
        if np.isfinite(x).sum() < _MIN_FRAMES:
            continue
        vx = np.full_like(x, np.nan)
        inner = np.isfinite(x[:-2]) & np.isfinite(x[2:])
        vx[1:-1][inner] = ((x[2:] - x[:-2]) / (t[2:] - t[:-2]))[inner]
        padded = np.pad(np.where(np.isfinite(y), y, -np.inf), half, constant_values=-np.inf)
        lowest = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1).max(axis=1)
        other = ys[:, 1 - k]
        stance = (y >= lowest - _STANCE_HEIGHT_L * leg_px) & ~(other > y + _STANCE_HEIGHT_L * leg_px)
        speeds.append(vx[stance & np.isfinite(vx)])
    speeds = np.concatenate(speeds) if speeds else np.zeros(0)
    if speeds.size < _MIN_FRAMES:
        return float("nan")
    return float(-np.median(speeds) * facing / leg_px)


def context_evidence(info: VideoInfo, track: PoseTrack, motion: BackgroundFlow | None,
                     view: CameraView) -> ContextEvidence:
    """The context numbers of a clip (see `ContextEvidence`); pure given `motion`."""
    nan = float("nan")
    hip = (track.xy_px[:, L.LEFT_HIP] + track.xy_px[:, L.RIGHT_HIP]) / 2
    hip_x = hip[:, 0]
    frames = int(np.isfinite(hip_x).sum())
    leg = _leg_length_px(track)
    leg_px = float(np.nanmedian(leg)) if np.isfinite(leg).any() else nan
    if frames < _MIN_FRAMES or not leg_px > 0:
        return ContextEvidence(leg_px, nan, nan, nan, nan, nan, nan, frames, nan, nan, nan)
    t = track.t_s
    hip_speed = _slope(t, hip_x) / leg_px
    seen_x = hip_x[np.isfinite(hip_x)]
    hip_range = float(np.ptp(np.percentile(seen_x, [5, 95])) / max(info.upright_width, 1))
    shoulders = (track.xy_px[:, L.LEFT_SHOULDER] + track.xy_px[:, L.RIGHT_SHOULDER]) / 2
    torso = np.linalg.norm(shoulders - hip, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale_rate = _slope(t, np.where(torso > 1, np.log(torso), np.nan))
    travel = max(_ramp(abs(hip_speed), TRAVEL_SPEED_L_S), _ramp(abs(scale_rate), SCALE_RATE_PER_S)
                 if np.isfinite(scale_rate) else 0.0)
    bg_l_s, bg_share, bg_score = nan, nan, nan
    if motion is not None and len(motion):
        bg_share = float(motion.reliable().mean())
        bg_l_s = float(motion.median_velocity_px_s()[0] / leg_px)  # NaN if no pair is reliable
        known = _ramp(bg_share, BACKGROUND_KNOWN) if np.isfinite(bg_l_s) else 0.0
        moving = _ramp(abs(bg_l_s), BACKGROUND_L_S) if np.isfinite(bg_l_s) else 0.5
        bg_score = 0.5 + (moving - 0.5) * known  # unknown -> 0.5
    stance = nan
    stance_score = nan
    if view.view == "side":
        facing = 1 if view.facing == "right" else -1 if view.facing == "left" else 0
        if facing:
            stance = _stance_backward(track, leg_px, facing)
            stance_score = _ramp(stance, STANCE_BACKWARD_L_S)
    return ContextEvidence(leg_px, hip_speed, hip_range, scale_rate, bg_l_s, bg_share, stance, frames,
                           travel, bg_score, stance_score)


# -- the decision ---------------------------------------------------------------------------
def running_context(
    info: VideoInfo,
    track: PoseTrack,
    context: str = "auto",
    motion: BackgroundFlow | None = None,
    view: CameraView | None = None,
    measure_background: bool = True,
    stride: int = 2,
) -> Context:
    """Treadmill, overground with a fixed camera, or overground with a following camera.

    Args:
        info: the clip (`probe`), for the frame size and to measure background motion.
        track: the athlete's cleaned track (`PoseAnalysis.track`).
        context: "auto", or the user's "treadmill" / "overground" (kept, reported as
            SET_BY_USER; for "overground", fixed versus following camera is still measured).
        motion: background motion already measured; None: measured here (streams the clip
            at `stride`) unless `measure_background` is False.
        view: the camera view (`estimate_view`); None: estimated here.
    """
    if context not in CONTEXT_OVERRIDES:
        raise ValueError(f"context must be one of {CONTEXT_OVERRIDES}, got {context!r}")
    if stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    view = view or estimate_view(track)
    if motion is None and measure_background:
        motion = background_flow(info, athlete_boxes(track, info.frame_count), stride=stride)
    ev = context_evidence(info, track, motion, view)
    kind, confidence, reason = _decide(ev)
    if context == "auto":
        return Context(kind, confidence, "auto", reason, ev, kind, confidence)
    if context == "treadmill":
        return Context("treadmill", 1.0, SET_BY_USER, f"{SET_BY_USER} (the clip itself looks "
                       f"{kind.replace('_', ', ')}, confidence {confidence:.2f})", ev, kind, confidence)
    # Overground: the user knows where they ran; the camera's motion is still measured.
    bg = ev.background if np.isfinite(ev.background) else 0.5
    travel = ev.travel if np.isfinite(ev.travel) else 0.5
    panning = bg > 0.5 or (bg == 0.5 and travel < 0.5)
    camera = "overground_panning" if panning else "overground_fixed"
    camera_conf = max(bg, 1 - bg) if bg != 0.5 else 0.5
    return Context(camera, round(camera_conf, 3), SET_BY_USER,
                   f"overground {SET_BY_USER}; the camera {'follows the runner' if panning else 'stands still'} "
                   f"({_bg_text(ev)})", ev, kind, confidence)


def _bg_text(ev: ContextEvidence) -> str:
    if not np.isfinite(ev.background_reliable_share):
        return "background motion not measured"
    if not np.isfinite(ev.background_l_s):
        return "background motion not measured reliably on any frame pair"
    return (f"background flows {abs(ev.background_l_s):.2f} leg lengths/s, "
            f"{ev.background_reliable_share:.0%} of frame pairs reliable")


def _decide(ev: ContextEvidence) -> tuple[str, float, str]:
    """(kind, confidence, reason) from the three scores.

    panning = background flows; fixed = background still x athlete travels;
    treadmill = background still x athlete stays x (0.5 + 0.5 stance foot backward): a
    runner in place whose foot does not slide back (running on the spot, not running)
    stays at 0.5. An unmeasured background counts 0.5 (then neither in-place kind passes
    0.5); an unmeasured stance foot (rear/front views) 0.5, so at best 0.75.
    """
    if not np.isfinite(ev.travel):
        return "treadmill", 0.0, f"too few frames with the athlete's hips ({ev.frames}) to tell"
    bg = ev.background if np.isfinite(ev.background) else 0.5
    foot = ev.stance if np.isfinite(ev.stance) else 0.5
    scores = {  # on a tie the first wins: a runner in place is more often on a treadmill
        "treadmill": (1 - bg) * (1 - ev.travel) * (0.5 + 0.5 * foot),
        "overground_panning": bg,
        "overground_fixed": (1 - bg) * ev.travel,
    }
    kind = max(scores, key=scores.get)
    confidence = round(float(scores[kind]), 3)
    moves = (f"the hips move {abs(ev.hip_speed_l_s):.2f} leg lengths/s across the picture and the torso "
             f"changes size at {abs(ev.scale_rate_per_s):.3f}/s")
    if kind == "overground_panning":
        reason = f"{_bg_text(ev)} while {moves}: a camera following the runner"
    elif kind == "overground_fixed":
        reason = f"{moves} with a still background ({_bg_text(ev)}): overground, fixed camera"
    else:
        still = (f"{moves}, and the background is still ({_bg_text(ev)})" if bg < 0.25 else
                 f"{moves}; {_bg_text(ev)}, so a camera following the runner cannot be ruled out")
        if not np.isfinite(ev.stance):
            reason = f"{still}: a treadmill (the belt's pull on the stance foot cannot be seen from this view)"
        elif ev.stance < 0.5:
            reason = (f"{still}, as on a treadmill, but the stance foot does not slide back "
                      f"({ev.stance_backward_l_s:.2f} leg lengths/s): running on the spot, or not running")
        else:
            reason = f"{still}; the stance foot slides back {ev.stance_backward_l_s:.2f} leg lengths/s: a treadmill"
    return kind, confidence, reason


# -- direction --------------------------------------------------------------------------------
#: [H] Background flow below this (L/s) gives no per-frame direction vote.
_FLOW_VOTE_L_S = 0.1


def running_direction(track: PoseTrack, context: Context | str,
                      motion: BackgroundFlow | None = None) -> Direction:
    """Which way the runner runs in the picture (+1 image-right), by context:

    treadmill: the nose ahead of the hips (`facing_direction(track, "treadmill")`);
    overground_fixed: the hips' motion (`facing_direction(track, "overground")`);
    overground_panning: opposite to the background's flow (the camera turns with the
    runner, so the scene slides the other way), per frame where the flow is reliable;
    the nose if the flow is not measured. `context` is a `Context` or one of CONTEXTS.
    """
    kind = context.kind if isinstance(context, Context) else context
    if kind not in CONTEXTS:
        raise ValueError(f"context must be one of {CONTEXTS}, got {kind!r}")
    if kind == "treadmill":
        return facing_direction(track, "treadmill")
    if kind == "overground_fixed":
        return facing_direction(track, "overground")
    fallback = facing_direction(track, "panning")
    if motion is None or not len(motion):
        return fallback
    leg = _leg_length_px(track)
    leg_px = float(np.nanmedian(leg)) if np.isfinite(leg).any() else float("nan")
    vx = motion.velocity_at(track.frame_index)[:, 0]
    vote_px_s = _FLOW_VOTE_L_S * leg_px if np.isfinite(leg_px) else 0.0
    per_frame = np.where(np.isfinite(vx) & (np.abs(vx) >= vote_px_s), -np.sign(vx), np.nan)
    usable = per_frame[np.isfinite(per_frame)]
    if usable.size < max(3, 0.2 * len(track)):
        return fallback
    sign = 1 if np.sum(usable > 0) >= np.sum(usable < 0) else -1
    agree = float(np.mean(usable == sign))
    nose = direction_from_nose(track)
    nose = nose[np.isfinite(nose)]
    method = "background flow (camera follows the runner)"
    if nose.size and np.mean(nose == sign) < 0.5:
        method += "; the nose points the other way"
        agree *= 0.5
    return Direction(sign, per_frame, round(agree, 3), method)
