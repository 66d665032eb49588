"""How well each leg was tracked, so a left-right comparison is read as a finding only where
both legs were seen about equally well (issue 17, "far-leg honesty").

From the side the far leg is seen through or behind the near one: MediaPipe gives its landmarks
a lower visibility, the clean stage gates more of them out, and what remains jitters (on
home_treadmill_run_side.mp4 the far knee's angle curve is spiky). A left-right difference from
one side view then says as much about the tracking as about the runner.

What "tracked equally well" means here
--------------------------------------
Over the analysed frames (from the first stride's first frame to the last stride's last frame
when `strides` are given, else the whole track), per leg:

* visibility: the median MediaPipe visibility of its knee, ankle, heel and foot index (the
  landmarks the side-view events and metrics read; `events.signals.foot_usable` gates on it).
* present_share: the share of frames in which those four landmarks are all present (finite).
* knee_share: the share of frames in which its knee angle can be measured (hip, knee and ankle
  present).
* roughness_deg: how spiky its knee flexion curve (`kinematics.angles.knee_flexion_deg`) is:
  on a uniform time grid, the knee angle minus a Savitzky-Golay smooth of it (order 2, over
  ROUGHNESS_WINDOW_S and at least 5 samples, within runs of finite samples); nine samples in ten
  lie within roughness_deg of that smooth curve. A real knee curve is smooth over 0.1 s, so
  what remains is tracking jitter and spikes. The window is in seconds, so the figure means the
  same from 24 to 240 frames/s; at 24-30 fps it is 5 samples (0.17-0.21 s) and the knee's real
  turn at contact already leaves up to ~3.5° (synthetic runner, raw track), so there only jitter
  beyond that shows. The 90th percentile counts spikes that recur (the far leg's come twice a
  stride, when the legs cross) but not a few bursts: the RMS flagged the far leg of
  track_run_side_pan.mp4 (4.6° against 1.8°), whose legs are alike by the other figures. NaN
  when fewer than MIN_ROUGHNESS_S of the curve lie in such runs.
* depth: the median MediaPipe relative depth z of the same four landmarks (larger = further
  from the camera); the leg with the larger one is `far`.

The legs are balanced unless one of them is worse by at least a limit of `BALANCE` (below) on
any of visibility, knee_share or roughness_deg. `worse` names the leg those failing figures
point to (None when balanced, or when they point to different legs).

Pass the track the strides were measured on (the running analysis's cleaned track): the clean
stage's visibility gate shows in knee_share, and what its filters left shows in roughness_deg.
Balanced means alike, not good: two legs whose labels both jumble (track_run_side_pan.mp4 in
places) are balanced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.signal import savgol_filter

from formcheck.events.signals import finite_runs, leg_landmarks, resample, uniform_grid
from formcheck.kinematics.angles import knee_flexion_deg
from formcheck.metrics.model import StrideRecord
from formcheck.track import PoseTrack

SIDES = ("left", "right")
ROUGHNESS_WINDOW_S = 0.1  # Savitzky-Golay window: shorter than a knee flexion or extension (~0.15-0.3 s)
ROUGHNESS_ORDER = 2
MIN_WINDOW_SAMPLES = 5    # an order-2 fit needs at least 5 samples to leave a residual (24-30 fps)
ROUGHNESS_QUANTILE = 90   # percent of samples within roughness_deg of the smooth curve
MIN_ROUGHNESS_S = 0.5     # less knee curve than this in runs at least a window long: roughness NaN


@dataclass(frozen=True)
class BalanceLimits:
    """When one leg counts as tracked worse than the other (each limit alone decides).

    visibility_gap: median visibility lower by at least this; knee_share_gap: knee angle
    measurable in a share of frames lower by at least this; roughness_ratio and
    roughness_min_diff_deg: roughness at least this many times the other leg's AND at least
    this many degrees more (the difference keeps two clean, sub-degree curves from counting).
    """

    visibility_gap: float = 0.15
    knee_share_gap: float = 0.25
    roughness_ratio: float = 2.0
    roughness_min_diff_deg: float = 1.0

    def __post_init__(self) -> None:
        for name in ("visibility_gap", "knee_share_gap"):
            if not 0.0 < getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must lie in (0, 1], got {getattr(self, name)!r}")
        if not self.roughness_ratio >= 1.0:
            raise ValueError(f"roughness_ratio must be >= 1, got {self.roughness_ratio!r}")
        if not self.roughness_min_diff_deg >= 0.0:
            raise ValueError(f"roughness_min_diff_deg must be >= 0, got {self.roughness_min_diff_deg!r}")


# [H] No published threshold: each limit sits between the figures measured on legs tracked
# alike and on the clip that motivated this check (cleaned tracks, as the running analysis reads
# them, over the strides' frames; the module docstring defines the figures).
#   alike: the synthetic runner (tests/synthetic_runner.py, side view, 1 px noise, far visibility
#     0.9; 24-240 fps): visibility 0.90 / 0.99 (gap 0.09; MediaPipe gives the far side 0.5-0.9),
#     knee_share 1.0 / 1.0, roughness 0.4-1.2° (raw track 1.5-3.5°), ratio <= 1.5. Four real side
#     views: track_run_side_pan, sprint_start_blocks_side, sports2d_demo3_runner_side and
#     track_sprint_side_fixed: visibility gaps 0.01-0.07, roughness ratios 1.2-1.6 (at most 1.4°
#     apart; in three of the four the near leg was the rougher); knee_share 1.0 / 1.0 except
#     track_sprint_side_fixed, whose small far leg was gated out in stretches: 0.77 / 0.96 (gap
#     0.19) with a knee curve that keeps its shape (3.1° against 4.5° near).
#   not alike: home_treadmill_run_side.mp4, the far (right) leg behind the near one and the
#     treadmill console: visibility 0.75 / 0.96 (gap 0.21), knee_share 0.63 / 0.91 (gap 0.28),
#     roughness 2.4° / 1.0° (ratio 2.4, 1.4° apart).
# visibility_gap 0.15 is halfway between 0.09 and 0.21; knee_share_gap 0.25 between 0.19 and
# 0.28; roughness_ratio 2 between 1.6 and 2.4, with roughness_min_diff_deg 1° so that two smooth
# curves (0.5° against 1.1°) never count.
BALANCE = BalanceLimits()


@dataclass(frozen=True)
class LegFigures:
    """How well one leg was tracked (the module docstring defines each figure).

    side: "left"/"right"; visibility, present_share, knee_share in [0, 1] (NaN without frames);
    roughness_deg: degrees, NaN when too little knee curve; depth: MediaPipe relative depth,
    larger = further from the camera, NaN if never seen.
    """

    side: str
    visibility: float
    present_share: float
    knee_share: float
    roughness_deg: float
    depth: float

    def __post_init__(self) -> None:
        if self.side not in SIDES:
            raise ValueError(f"side must be one of {SIDES}, got {self.side!r}")


@dataclass(frozen=True)
class LegTracking:
    """Both legs' tracking and the verdict.

    left, right: the figures; balanced: both legs tracked about equally well (BALANCE);
    worse: the leg tracked worse when not balanced (None when balanced or undecided);
    far: the leg further from the camera (larger depth), None if unknown; detail: the figures
    behind the verdict, in words; reason: one plain sentence; frames: (first, last) track rows
    measured.
    """

    left: LegFigures
    right: LegFigures
    balanced: bool
    worse: str | None
    far: str | None
    detail: str
    reason: str
    frames: tuple[int, int] = (0, 0)

    def leg(self, side: str) -> LegFigures:
        if side not in SIDES:
            raise ValueError(f"side must be one of {SIDES}, got {side!r}")
        return self.left if side == "left" else self.right

    def to_dict(self) -> dict:
        """Plain values (NaN kept; the report's `jsonable` turns it into null)."""
        legs = {s: {k: getattr(self.leg(s), k) for k in ("visibility", "present_share", "knee_share",
                                                        "roughness_deg", "depth")} for s in SIDES}
        return {**legs, "balanced": self.balanced, "worse": self.worse, "far": self.far, "detail": self.detail,
                "reason": self.reason, "frames": list(self.frames)}


# -- measuring ---------------------------------------------------------------------------------
def leg_tracking(track: PoseTrack, strides: Sequence[StrideRecord] | None = None,
                 limits: BalanceLimits = BALANCE) -> LegTracking:
    """How well each leg of `track` was tracked, and whether both were tracked about equally well.

    Args:
        track: the PoseTrack the strides were measured on (the cleaned track of the analysis).
        strides: the analysis's StrideRecords; their (first, last) frames are track rows, and the
            figures are measured from the first stride's first row to the last one's last row.
            None or empty: the whole track.
        limits: the balance criterion (BALANCE unless testing another).

    Returns: LegTracking. NaN coordinates are missing landmarks; a track without frames gives NaN
    figures and is not balanced.
    """
    if not isinstance(track, PoseTrack):
        raise ValueError(f"track must be a PoseTrack, got {type(track).__name__}")
    if not isinstance(limits, BalanceLimits):
        raise ValueError(f"limits must be a BalanceLimits, got {type(limits).__name__}")
    strides = list(strides or ())
    if not all(isinstance(s, StrideRecord) for s in strides):
        raise ValueError("strides must hold StrideRecord objects")
    first, last = 0, len(track) - 1
    if strides:
        first, last = min(s.frames[0] for s in strides), max(s.frames[1] for s in strides)
        if first < 0 or last >= len(track) or first > last:
            raise ValueError(f"strides span track rows {first}..{last}, outside the track's 0..{len(track) - 1}")
    part = track[first:last + 1]
    left, right = (leg_figures(part, side) for side in SIDES)
    return judge(left, right, limits, frames=(first, max(last, first)))


def leg_figures(track: PoseTrack, side: str) -> LegFigures:
    """The figures of one leg over the whole of `track` (module docstring)."""
    if side not in SIDES:
        raise ValueError(f"side must be one of {SIDES}, got {side!r}")
    hip, knee, ankle, heel, toe = leg_landmarks(side)
    lower = [knee, ankle, heel, toe]
    if len(track) == 0:
        nan = float("nan")
        return LegFigures(side, nan, nan, nan, nan, nan)
    present = track.present
    visibility = float(np.median(track.visibility[:, lower]))
    present_share = float(np.mean(present[:, lower].all(axis=1)))
    knee_share = float(np.mean(present[:, [hip, knee, ankle]].all(axis=1)))
    z = track.z[:, lower]
    depth = float(np.nanmedian(z)) if np.isfinite(z).any() else float("nan")
    return LegFigures(side, visibility, present_share, knee_share, knee_roughness_deg(track, side), depth)


def knee_roughness_deg(track: PoseTrack, side: str) -> float:
    """Roughness of one knee's flexion curve, degrees (module docstring); NaN if too little curve."""
    if len(track) < MIN_WINDOW_SAMPLES:
        return float("nan")
    hip, knee, ankle, _, _ = leg_landmarks(side)
    grid, dt = uniform_grid(track.t_s)
    xy = resample(track.t_s, track.xy_px[:, [hip, knee, ankle]], grid)
    theta = knee_flexion_deg(xy[:, 0], xy[:, 1], xy[:, 2])
    n = max(int(round(ROUGHNESS_WINDOW_S / dt)), MIN_WINDOW_SAMPLES)
    n += 1 - n % 2  # odd
    residuals = [theta[a:b] - savgol_filter(theta[a:b], n, ROUGHNESS_ORDER)
                 for a, b in finite_runs(theta) if b - a >= n]
    r = np.concatenate(residuals) if residuals else np.zeros(0)
    if r.size * dt < MIN_ROUGHNESS_S:
        return float("nan")
    return float(np.percentile(np.abs(r), ROUGHNESS_QUANTILE))


# -- the verdict ---------------------------------------------------------------------------------
def judge(left: LegFigures, right: LegFigures, limits: BalanceLimits = BALANCE,
          frames: tuple[int, int] = (0, 0)) -> LegTracking:
    """The verdict on two legs' figures: balanced, which leg is worse, and why (module docstring)."""
    if (left.side, right.side) != SIDES:
        raise ValueError(f"left and right must be the left and the right leg, got {left.side!r}, {right.side!r}")
    legs = {"left": left, "right": right}
    far = None
    if np.isfinite(left.depth) and np.isfinite(right.depth) and left.depth != right.depth:
        far = "left" if left.depth > right.depth else "right"
    if not all(np.isfinite(v) for f in legs.values() for v in (f.visibility, f.knee_share)):
        return LegTracking(left, right, False, None, far, "no frames to measure",
                           "The legs' tracking could not be measured: the track has no frames.", frames)

    failing: list[tuple[str, str]] = []  # (worse leg, the figures in words)
    for name, gap, words in (("visibility", limits.visibility_gap, "median visibility {:.2f} against {:.2f}"),
                             ("knee_share", limits.knee_share_gap,
                              "knee angle measurable in {:.0%} of frames against {:.0%}")):
        value = {s: getattr(f, name) for s, f in legs.items()}
        low = min(SIDES, key=lambda s: value[s])
        high = _other(low)
        if value[high] - value[low] >= gap:
            failing.append((low, words.format(value[low], value[high])))
    rough = {s: f.roughness_deg for s, f in legs.items()}
    known = [s for s in SIDES if np.isfinite(rough[s])]
    if len(known) == 1:
        failing.append((_other(known[0]), f"knee angle never seen for {MIN_ROUGHNESS_S:g} s at a stretch, "
                                          f"against a jitter of {rough[known[0]]:.1f}°"))
    elif len(known) == 2:
        high = max(SIDES, key=lambda s: rough[s])
        low_deg = rough[_other(high)]
        if rough[high] >= limits.roughness_ratio * low_deg and rough[high] - low_deg >= limits.roughness_min_diff_deg:
            failing.append((high, f"knee angle jitter {rough[high]:.1f}° against {low_deg:.1f}°"))

    if not failing:
        jitter = (f", knee angle jitter {left.roughness_deg:.1f}° and {right.roughness_deg:.1f}°"
                  if len(known) == 2 else "")
        detail = (f"left and right: median visibility {left.visibility:.2f} and {right.visibility:.2f}, knee angle "
                  f"measurable in {left.knee_share:.0%} and {right.knee_share:.0%} of frames{jitter}")
        return LegTracking(left, right, True, None, far, detail,
                           f"Both legs were tracked about equally well ({detail}).", frames)
    named = {s for s, _ in failing}
    if len(named) == 2:
        detail = "; ".join(f"{s} leg: {text}" for s, text in failing)
        return LegTracking(left, right, False, None, far, detail,
                           f"The two legs were not tracked equally well ({detail}).", frames)
    worse = named.pop()
    detail = "; ".join(text for _, text in failing)
    place = " (further from the camera)" if worse == far else " (nearer the camera)" if far else ""
    return LegTracking(left, right, False, worse, far, detail,
                       f"The {worse} leg{place} was tracked less well than the {_other(worse)} ({detail}).", frames)


def _other(side: str) -> str:
    return "right" if side == "left" else "left"
