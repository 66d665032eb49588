"""A rear- (or front-) view synthetic runner with exact per-stance answers.

Frames come in steps of `step_frames`: a stance of `stance_frames` (contact
to toe-off) then flight; the feet alternate. In stance i every pelvic and leg
quantity follows bump(f) = sin(pi (f - contact) / stance_frames), which is 0
at contact and toe-off and 1 at midstance (contact + stance_frames / 2):

* the pelvis turns about the hip-mid by obliquity +-drop_i * bump, the swing
  side lower, so the stance peak and the midstance value are drop_i;
* the stance thigh leans toward the midline by femur_tilt_i (constant in
  stance), so hip adduction = tilt + pelvic drop, peak tilt_i + drop_i
  (the angle between the pelvis line and the thigh);
* the shank turns back outward so that the knee sits fppa_i (+ = toward the
  midline) off the hip-ankle line: knee-over-foot = fppa_i;
* the heel hangs under the ankle, so at contact it lies
  0.5 - (thigh sin(tilt) + shank sin(tilt - fppa)) / hip_width hip widths
  from the hip-mid line on its own side (negative = crossover).

The hip-mid rises and falls by `osc_px` (lowest at each midstance). The
figure is drawn as seen from behind (runner's left on the image left); a
front view mirrors it about the frame centre keeping the anatomical labels.
A camera roll rotates every point about the frame centre; noise is seeded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from formcheck.events.model import GaitEvent, Stance
from formcheck.kinematics.angles import pelvic_obliquity_deg
from formcheck.landmarks import NUM_LANDMARKS
from formcheck.landmarks import Landmark as L
from formcheck.track import PoseTrack

SIDES = ("left", "right")
_OUT_REAR = {"left": -1.0, "right": 1.0}  # image-x sign of "outward" from behind
_LEG = {
    "left": (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX),
    "right": (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX),
}


@dataclass(frozen=True)
class RearTruth:
    """Exact answers, one entry per stance in contact order (NaN where undefined)."""

    sides: tuple[str, ...]
    contact_frames: np.ndarray
    toe_off_frames: np.ndarray
    midstance_frames: np.ndarray
    pelvic_drop_deg: np.ndarray
    hip_adduction_deg: np.ndarray
    knee_over_foot_deg: np.ndarray
    heel_offset_ratio: np.ndarray
    step_width_ratio: np.ndarray
    crossover: np.ndarray
    cadence_spm: float
    vertical_oscillation_ratio: float
    standing_obliquity_deg: float  # what a standing trial would measure through this camera


def per_stance(value, sides: Sequence[str]) -> np.ndarray:
    """A scalar, a {"left": a, "right": b} mapping, or one value per stance -> (n,) array."""
    if isinstance(value, Mapping):
        return np.array([float(value[s]) for s in sides])
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return np.full(len(sides), float(arr))
    if arr.shape != (len(sides),):
        raise ValueError(f"need one value per stance ({len(sides)}), got shape {arr.shape}")
    return arr


def femur_tilt_for_heel_offset(offset_ratio: float, fppa_deg: float = 0.0, hip_width_px: float = 140.0,
                               leg_px: float = 200.0) -> float:
    """Thigh tilt (deg) that puts the heel `offset_ratio` hip widths out from the midline at contact
    (thigh = shank = leg_px): thigh sin(a) + shank sin(a - f) = 2 leg cos(f/2) sin(a - f/2)."""
    reach = (0.5 - offset_ratio) * hip_width_px
    half = math.radians(fppa_deg) / 2
    return math.degrees(half + math.asin(reach / (2 * leg_px * math.cos(half))))


def make_rear_track(n_stances: int = 12, *, fps: float = 60.0, step_frames: int = 21, stance_frames: int = 14,
                    lead_frames: int = 10, first_side: str = "right",
                    pelvic_drop_deg=4.0, femur_tilt_deg=2.0, fppa_deg=0.0,
                    hip_width_px: float = 140.0, leg_px: float = 200.0, osc_px: float = 10.0,
                    view: str = "rear", camera_roll_deg: float = 0.0, noise_px: float = 0.0, seed: int = 0,
                    frame_size: tuple[int, int] = (1080, 1920)) -> tuple[PoseTrack, list[Stance], RearTruth]:
    """A rear/front-view runner; returns (track, stances, truth).

    Per-stance parameters (pelvic_drop_deg, femur_tilt_deg, fppa_deg) take a scalar,
    {"left": a, "right": b}, or one value per stance. stance_frames should be even so
    that midstance falls on a frame. Every landmark is present with visibility 0.95.
    """
    if view not in ("rear", "front"):
        raise ValueError(f"view must be rear or front, got {view!r}")
    other = {"left": "right", "right": "left"}
    sides = tuple(first_side if i % 2 == 0 else other[first_side] for i in range(n_stances))
    drop = per_stance(pelvic_drop_deg, sides)
    tilt = per_stance(femur_tilt_deg, sides)
    fppa = per_stance(fppa_deg, sides)
    contacts = lead_frames + step_frames * np.arange(n_stances)
    toe_offs = contacts + stance_frames
    mids = contacts + stance_frames // 2
    n = int(toe_offs[-1] + step_frames - stance_frames + lead_frames)
    t = np.arange(n) / fps
    cx, cy = frame_size[0] / 2.0, frame_size[1] / 2.0

    xy = np.full((n, NUM_LANDMARKS, 2), np.nan)
    hip_mid_y = cy - 100 + osc_px * np.cos(2 * np.pi * (np.arange(n) - mids[0]) / step_frames)
    for f in range(n):
        active = np.nonzero((contacts <= f) & (f <= toe_offs))[0]
        i = int(active[0]) if active.size else None
        bump = math.sin(math.pi * (f - contacts[i]) / stance_frames) if i is not None else 0.0
        obliquity = 0.0 if i is None else (1 if sides[i] == "right" else -1) * drop[i] * bump
        o = math.radians(obliquity)  # + = left hip lower
        m = np.array([cx, hip_mid_y[f]])
        half = hip_width_px / 2
        hips = {"left": m + half * np.array([-math.cos(o), math.sin(o)]),
                "right": m + half * np.array([math.cos(o), -math.sin(o)])}
        for side in SIDES:
            hip_lm, knee_lm, ankle_lm, heel_lm, toe_lm = _LEG[side]
            h = hips[side]
            if i is not None and sides[i] == side:
                medial = -_OUT_REAR[side]
                a, p = math.radians(tilt[i]), math.radians(fppa[i])
                k = h + leg_px * np.array([medial * math.sin(a), math.cos(a)])
                ankle = k + leg_px * np.array([medial * math.sin(a - p), math.cos(a - p)])
            else:  # swing or flight: the leg hangs, shortened by knee flexion
                k = h + np.array([0.0, 0.8 * leg_px])
                ankle = k + np.array([0.0, 0.8 * leg_px])
            xy[f, hip_lm], xy[f, knee_lm], xy[f, ankle_lm] = h, k, ankle
            xy[f, heel_lm] = ankle + np.array([0.0, 12.0])
            xy[f, toe_lm] = ankle + np.array([0.0, 20.0])
        _upper_body(xy[f], m, hip_width_px)

    # Answers, from the construction (before mirror, roll and noise).
    offset = 0.5 - leg_px * (np.sin(np.radians(tilt)) + np.sin(np.radians(tilt - fppa))) / hip_width_px
    step_width = np.concatenate(([np.nan], offset[1:] + offset[:-1]))
    mid_y_span = [hip_mid_y[c:c2 + 1] for c, c2 in zip(contacts[:-1], contacts[1:])]
    leg_len = 2 * leg_px * np.cos(np.radians(fppa) / 2)
    osc = float(np.median([(s.max() - s.min()) for s in mid_y_span]) / np.max(leg_len)) if mid_y_span else np.nan

    if view == "front":
        xy[..., 0] = 2 * cx - xy[..., 0]
    if camera_roll_deg:
        xy = _rotate(xy, camera_roll_deg, np.array([cx, cy]))
    level = _rotate(np.array([[cx - 70.0, cy], [cx + 70.0, cy]]), camera_roll_deg, np.array([cx, cy]))
    left_hip, right_hip = (level[0], level[1]) if view == "rear" else (level[1], level[0])
    standing = float(pelvic_obliquity_deg(left_hip, right_hip))
    if noise_px > 0:
        xy = xy + np.random.default_rng(seed).normal(0.0, noise_px, xy.shape)

    track = PoseTrack(t_s=t, xy_px=xy, z=np.zeros((n, NUM_LANDMARKS)),
                      visibility=np.full((n, NUM_LANDMARKS), 0.95),
                      world_m=np.zeros((n, NUM_LANDMARKS, 3)), frame_index=np.arange(n), frame_size=frame_size)
    stances = [Stance(side, GaitEvent("contact", side, int(c), float(t[c]), 1.0, "synthetic"),
                      GaitEvent("toe_off", side, int(e), float(t[e]), 1.0, "synthetic"), int(mid))
               for side, c, e, mid in zip(sides, contacts, toe_offs, mids)]
    truth = RearTruth(sides=sides, contact_frames=contacts, toe_off_frames=toe_offs, midstance_frames=mids,
                      pelvic_drop_deg=drop, hip_adduction_deg=tilt + drop, knee_over_foot_deg=fppa,
                      heel_offset_ratio=offset, step_width_ratio=step_width, crossover=offset < 0,
                      cadence_spm=60.0 * fps / step_frames, vertical_oscillation_ratio=osc,
                      standing_obliquity_deg=standing)
    return track, stances, truth


def _upper_body(row: np.ndarray, mid: np.ndarray, hip_width_px: float) -> None:
    """Shoulders, arms and head above the pelvis (seen from behind), in place."""
    for side, sign in (("LEFT", -1.0), ("RIGHT", 1.0)):
        sh = mid + np.array([sign * (hip_width_px / 2 + 40), -260.0])
        row[L[f"{side}_SHOULDER"]] = sh
        row[L[f"{side}_ELBOW"]] = sh + np.array([sign * 15, 120.0])
        row[L[f"{side}_WRIST"]] = sh + np.array([sign * 5, 220.0])
        for j, hand in enumerate(("PINKY", "INDEX", "THUMB")):
            row[L[f"{side}_{hand}"]] = sh + np.array([sign * (2 + j), 235.0])
        row[L[f"{side}_EAR"]] = mid + np.array([sign * 35, -360.0])
        for j, name in enumerate(("EYE_INNER", "EYE", "EYE_OUTER")):
            row[L[f"{side}_{name}"]] = mid + np.array([sign * (8 + 6 * j), -370.0])
    row[L.MOUTH_LEFT] = mid + np.array([-10.0, -340.0])
    row[L.MOUTH_RIGHT] = mid + np.array([10.0, -340.0])
    row[L.NOSE] = mid + np.array([0.0, -355.0])


def _rotate(points: np.ndarray, angle_deg: float, centre: np.ndarray) -> np.ndarray:
    """Rotate (..., 2) points about `centre` by `angle_deg` (a camera roll)."""
    a = math.radians(angle_deg)
    d = points - centre
    out = np.empty_like(points)
    out[..., 0] = centre[0] + math.cos(a) * d[..., 0] - math.sin(a) * d[..., 1]
    out[..., 1] = centre[1] + math.sin(a) * d[..., 0] + math.cos(a) * d[..., 1]
    return out
