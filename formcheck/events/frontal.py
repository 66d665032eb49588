"""Gait events per foot from a frontal-plane view: the camera behind ("rear") or in front ("front").

What the camera sees. Seen from behind or in front, the feet move up and down the image; their
fore-aft motion shows only through perspective. So contact and toe-off come from the feet's
vertical motion, and that motion is read in the runner's own frame and size:

* scale: pixels per leg length, per frame. Trunk length (shoulder-mid to hip-mid) and hip width,
  each turned into leg lengths by its clip-median ratio to the longer hip-ankle distance; their
  per-frame median, smoothed over SCALE_WINDOW_S (Savitzky-Golay, order 2, on its logarithm).
  Overground the runner shrinks or grows as they move away from or towards a fixed camera
  (park_run_rear_snow.mp4: three times smaller in 7 s). Both are rigid body dimensions, so unlike
  the hip-ankle distance they do not change as the legs swing.
* per foot, heel and foot-index height: image y (down) minus the hips' stride-mean height (hip-mid
  y smoothed over HIP_WINDOW_S), divided by the scale. This removes camera shake and the runner's
  drift up or down the image. The hips' own bounce is not removed: in running the pelvis falls at
  touchdown too, so the distance from the instantaneous hips hardly changes at contact.

Events, per foot and stride (every window in seconds, so any frame rate from 25 to 240 fps):

1. Strides: the heel's highest points in swing (`find_extrema`, staged: prominence MIN_LIFT_L leg
   lengths, spacing MIN_STRIDE_S, then REPEAT_FRACTION of the median spacing).
2. Contact = the end of the heel's descent. After its fastest descent, the largest kink inside
   KINK_SPAN of the stride where the descent slows by at least LANDING_SPEED_L_S (`slope_drop`;
   the heel rising at heel-off makes a later one, still growing at the span's end) marks the
   stance. But a heel on the ground still moves in the image: the belt carries it towards a rear
   camera (down the image) or away from a front one (up); overground the runner moves away from
   or towards a fixed camera. Relative to the hips (camera at height h above the ground, runner
   at distance D, speed v) that is h·v/D, at 4 m as fast as the landing itself (~0.7 L/s). As
   the scale is proportional to 1/D, the ground's speed is k·scale for the whole clip: k is the
   median (weighted by scale², as a small runner's speed is noisier), over every stance of both
   feet, of the heel's median vertical speed over the GROUND_WINDOW_S after the kink divided by
   the scale there (each stance's own value when there are fewer than MIN_STANCES_FOR_GROUND). Contact = where the heel's speed falls to
   ground + LANDING_SLACK·(fastest - ground), between the fastest descent and GROUND_WINDOW_S
   after the kink (linear interpolation, sub-frame): the first fall after which it stays below
   for SETTLE_S (noise makes dips and bumps), else the one after which it stays below longest.
3. Toe-off = the start of the foot index's rise, mirrored: its fastest rise at least TOE_OFF_AFTER
   of a stride after contact; its ground speed = its median speed from TOE_FLAT_AFTER_S after
   contact (the foot is flat) to that fastest rise, which must be at least LIFT_SPEED_L_S faster;
   toe-off = the last time before the fastest rise that its speed is still above
   ground - LIFT_SLACK·(ground - fastest).

Then the rhythm mask between the feet and the visibility gate of `formcheck.events.signals`: a foot
whose knee, ankle, heel and foot index have median visibility below `min_visibility` gives no
events; an event whose landmarks (ankle with heel for a contact, with foot index for a toe-off) are
missing or poorly seen nearby is dropped, never guessed.

Accuracy on the synthetic runner (tests/test_frontal_events.py): see the table there. A frontal
view times events less well than a side view: the landing is a change of vertical speed of
~0.5 L/s that the clean stage's low-pass spreads over ±2 frames at 25-30 fps [H].
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy.signal import savgol_filter

from formcheck.events.model import SIDES, GaitEvent
from formcheck.events.signals import (
    MIN_STRIDE_S,
    Raw,
    argext,
    crossing,
    find_extrema,
    finite_runs,
    foot_usable,
    leg_landmarks,
    resample,
    rhythm_mask,
    slope_drop,
    to_events,
    uniform_grid,
)
from formcheck.landmarks import Landmark as Lm
from formcheck.track import PoseTrack

logger = logging.getLogger(__name__)

FRONTAL_VIEWS = ("rear", "front")
METHOD = "frontal"
SCALE_WINDOW_S = 1.0    # smoothing of the body scale (a stride or more: the legs' swing averages out)
HIP_WINDOW_S = 0.7      # smoothing of the hips' height: about one running stride
MIN_LIFT_L = 0.15       # the heel rises at least this far in swing (running ~0.5 L, walking ~0.3 L)
LANDING_SPEED_L_S = 0.3  # the heel's descent slows by at least this much at the kink (L/s)
KINK_SPAN = 0.3         # share of the stride after the fastest descent in which the descent ends
VELOCITY_WINDOW_S = 0.08  # speeds are slopes over this span (noise independent of the frame rate)
GROUND_WINDOW_S = 0.1   # stance span whose median vertical speed is the ground's (flat foot)
SETTLE_S = 0.08         # a landing heel stays at the ground's speed at least this long
MIN_STANCES_FOR_GROUND = 3  # stances needed for the clip-wide ground speed (else each its own)
# Share of the vertical speed it had to lose that the landing heel may keep (and mirrored at
# toe-off): on the synthetic runner this gives a median error of ~-8 ms at contact and ~+5 ms at
# toe-off, rear and front, treadmill and overground [H].
LANDING_SLACK = 0.2
LIFT_SLACK = 0.2
LIFT_SPEED_L_S = 0.5    # the lifted foot index rises at least this much faster than the ground (L/s)
TOE_OFF_AFTER = 0.1     # of the stride: the foot index's fastest rise is at least this long after contact
TOE_FLAT_AFTER_S = 0.05  # the foot is flat this long after contact (the foot index has landed)


@dataclass(frozen=True, eq=False)
class FrontalFoot:
    """One foot on the grid (N,): heel and foot-index height below the hips' stride-mean height, in
    leg lengths of that frame (image y down, so larger = lower); usable: seen well enough."""

    side: str
    heel: np.ndarray
    toe: np.ndarray
    usable: bool


@dataclass(frozen=True, eq=False)
class FrontalSignals:
    """Uniform grid (N,) with spacing dt, the scale in pixels per leg length (N,), both feet."""

    t: np.ndarray
    dt: float
    scale_px: np.ndarray
    feet: dict[str, FrontalFoot]


def _smooth(y: np.ndarray, window_s: float, dt: float, order: int) -> np.ndarray:
    """A slow quantity (scale, the hips' stride-mean height) smoothed by Savitzky-Golay over
    `window_s`. Interior gaps shorter than `window_s` are bridged linearly first (a pose frame
    without the hips must not cost the feet their stride); the window shrinks to fit a short run;
    runs too short for the polynomial stay as they are; longer gaps stay NaN."""
    out = y.copy()
    runs = finite_runs(y)
    for (_, b), (a2, _) in zip(runs[:-1], runs[1:]):
        if (a2 - b + 1) * dt <= window_s:
            out[b:a2] = np.interp(np.arange(b, a2), [b - 1, a2], [y[b - 1], y[a2]])
    for a, b in finite_runs(out):
        n = min(int(round(window_s / dt)) | 1, (b - a) if (b - a) % 2 else (b - a) - 1)
        if n > order + 1:
            out[a:b] = savgol_filter(out[a:b], n, order, mode="interp")
    return out


def _scale_px(g: np.ndarray, dt: float) -> np.ndarray:
    """Pixels per leg length per grid row (module docstring); NaN where no cue is seen."""
    hip_mid = (g[:, Lm.LEFT_HIP] + g[:, Lm.RIGHT_HIP]) / 2
    shoulder_mid = (g[:, Lm.LEFT_SHOULDER] + g[:, Lm.RIGHT_SHOULDER]) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        cues = np.log(np.column_stack([np.linalg.norm(shoulder_mid - hip_mid, axis=1),
                                       np.linalg.norm(g[:, Lm.LEFT_HIP] - g[:, Lm.RIGHT_HIP], axis=1)]))
        legs = np.log(np.fmax(np.linalg.norm(g[:, Lm.LEFT_HIP] - g[:, Lm.LEFT_ANKLE], axis=1),
                              np.linalg.norm(g[:, Lm.RIGHT_HIP] - g[:, Lm.RIGHT_ANKLE], axis=1)))
    cues[~np.isfinite(cues)] = np.nan
    legs[~np.isfinite(legs)] = np.nan
    ratio = cues - legs[:, None]
    for c in range(cues.shape[1]):
        ok = np.isfinite(ratio[:, c])
        cues[:, c] = cues[:, c] - np.median(ratio[ok, c]) if ok.any() else np.nan
    seen = np.isfinite(cues).any(axis=1)
    log_scale = np.full(cues.shape[0], np.nan)
    log_scale[seen] = np.nanmedian(cues[seen], axis=1)
    return np.exp(_smooth(log_scale, SCALE_WINDOW_S, dt, 2))


def frontal_signals(track: PoseTrack, min_visibility: float = 0.5) -> FrontalSignals:
    """The signals the frontal detector reads (module docstring)."""
    grid, dt = uniform_grid(track.t_s)
    g = resample(track.t_s, track.xy_px, grid)
    scale = _scale_px(g, dt)
    hip_y = _smooth((g[:, Lm.LEFT_HIP, 1] + g[:, Lm.RIGHT_HIP, 1]) / 2, HIP_WINDOW_S, dt, 1)
    feet = {}
    for side in SIDES:
        _, _, _, heel, toe = leg_landmarks(side)
        feet[side] = FrontalFoot(side, (g[:, heel, 1] - hip_y) / scale, (g[:, toe, 1] - hip_y) / scale,
                                 foot_usable(track, side, min_visibility))
    return FrontalSignals(grid, dt, scale, feet)


def _velocity(y: np.ndarray, dt: float) -> np.ndarray:
    """dy/dt by a local quadratic over VELOCITY_WINDOW_S (at least 3 samples) within finite runs:
    the same noise at every frame rate."""
    out = np.full_like(y, np.nan)
    for a, b in finite_runs(y):
        n = min(max(int(round(VELOCITY_WINDOW_S / dt)) | 1, 3), (b - a) if (b - a) % 2 else (b - a) - 1)
        if n >= 3:
            out[a:b] = savgol_filter(y[a:b], n, 2, deriv=1, delta=dt, mode="interp")
    return out


def _settling(v: np.ndarray, level: float, dt: float, lo_s: float, hi_s: float) -> float | None:
    """First grid position in [lo_s, hi_s] where v falls to `level` (linear interpolation) and then
    stays below it for SETTLE_S: a landing, not a dip of noise on the way down (else the fall that
    stays below longest). None without a fall, or across a missing sample."""
    i0, i1 = max(int(np.ceil(lo_s / dt)), 0), min(int(np.floor(hi_s / dt)) + 1, v.shape[0] - 1)
    horizon = min(int(np.floor((hi_s + GROUND_WINDOW_S) / dt)), v.shape[0] - 1)
    seg = v[i0:horizon + 1]
    if i1 <= i0 or not np.isfinite(seg).all():
        return None
    above = seg > level
    best, best_len = None, -1
    for i in range(i0, i1):
        if above[i - i0] and not above[i + 1 - i0]:
            rises = np.flatnonzero(above[i + 1 - i0:])
            run = rises[0] if rises.size else horizon - i
            pos = i + (v[i] - level) / (v[i] - v[i + 1])
            if run * dt >= SETTLE_S:
                return pos
            if run > best_len:
                best, best_len = pos, run
    return best


def _weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    """The value at half of the total weight (x sorted)."""
    order = np.argsort(x)
    cum = np.cumsum(w[order])
    return float(x[order][int(np.searchsorted(cum, 0.5 * cum[-1]))])


def _median(v: np.ndarray, a_s: float, b_s: float, dt: float) -> float | None:
    """Median of v on grid times [a_s, b_s] (seconds from grid start); None unless the span lies
    inside the grid and holds 2 finite samples."""
    i0, i1 = int(np.ceil(a_s / dt - 1e-9)), int(np.floor(b_s / dt + 1e-9))
    if i0 < 0 or i1 >= v.shape[0] or i1 - i0 < 1:
        return None
    seg = v[i0:i1 + 1]
    return float(np.nanmedian(seg)) if np.isfinite(seg).sum() >= 2 else None


@dataclass(frozen=True)
class _Landing:
    """One stride window [.., end_s] of a foot whose median stride is stride_s: the heel's fastest
    descent (grid position), the kink where it stops (s) and the heel's median speed after it."""

    side: str
    end_s: float
    stride_s: float
    fastest: float
    stop_s: float
    ground: float


@dataclass(frozen=True)
class FrontalDetector:
    """Contacts and toe-offs of both feet on `FrontalSignals` (module docstring)."""

    name: str = METHOD
    min_lift_l: float = MIN_LIFT_L

    def detect(self, signals: FrontalSignals) -> dict[str, Raw]:
        """side -> [(kind, grid position)] for every usable foot."""
        dt = signals.dt
        landings = [x for side in SIDES if signals.feet[side].usable for x in self._landings(signals, side)]
        # Ground speed = k * scale (module docstring): one k for the clip, from every stance. A ratio
        # from a small runner is noisier (speed noise / scale), so the median is weighted by scale².
        scale = np.array([signals.scale_px[int(round(x.stop_s / dt))] for x in landings])
        ratio = np.array([x.ground for x in landings]) / scale if landings else np.zeros(0)
        ok = np.isfinite(ratio)
        k = _weighted_median(ratio[ok], scale[ok] ** 2) if ok.sum() >= MIN_STANCES_FOR_GROUND else np.nan
        out: dict[str, Raw] = {side: [] for side in SIDES if signals.feet[side].usable}
        speeds = {side: _velocity(signals.feet[side].heel, dt) for side in out}
        for x in landings:
            v = speeds[x.side]
            ground = k * signals.scale_px[int(round(x.stop_s / dt))]
            if not np.isfinite(ground):
                ground = x.ground
            level = ground + LANDING_SLACK * (float(v[int(round(x.fastest))]) - ground)
            ic = _settling(v, level, dt, x.fastest * dt, x.stop_s + GROUND_WINDOW_S)
            if ic is None:
                continue
            out[x.side].append(("contact", ic))
            to = self._toe_off(signals.feet[x.side].toe, dt, ic * dt, x.end_s, x.stride_s)
            if to is not None:
                out[x.side].append(("toe_off", to))
        return out

    def _landings(self, signals: FrontalSignals, side: str) -> list[_Landing]:
        """The landing of every stride window between the heel's highest points in swing."""
        foot, dt = signals.feet[side], signals.dt
        highs = find_extrema(-foot.heel, dt, self.min_lift_l, MIN_STRIDE_S) * dt
        if highs.size < 2:
            return []
        stride = float(np.median(np.diff(highs)))
        starts = ([0.0] if highs[0] > 0.5 * stride else []) + highs.tolist()
        ends = starts[1:] + [min(starts[-1] + stride, float(signals.t[-1] - signals.t[0]))]
        v = _velocity(foot.heel, dt)
        out = []
        for a, b in zip(starts, ends):
            found = self._landing(foot.heel, v, dt, a, b, stride)
            if found is not None:
                out.append(_Landing(side, b, stride, *found))
        return out

    @staticmethod
    def _landing(y: np.ndarray, v: np.ndarray, dt: float, a: float, b: float,
                 stride: float) -> tuple[float, float, float] | None:
        """(grid position of the fastest descent, time of the kink, ground speed after it) in the
        stride window [a, b] (seconds from grid start), or None."""
        fastest = argext(v, a, a + 0.6 * (b - a), dt, 1.0)
        if fastest is None:
            return None
        kink = slope_drop(y, dt, fastest * dt, fastest * dt + KINK_SPAN * stride, interior=True)
        if kink is None or min(kink[1], kink[2]) < LANDING_SPEED_L_S:
            return None
        stop = kink[0] * dt
        ground = _median(v, stop, stop + GROUND_WINDOW_S, dt)
        return None if ground is None else (fastest, stop, ground)

    @staticmethod
    def _toe_off(y: np.ndarray, dt: float, ic_s: float, b: float, stride: float) -> float | None:
        v = _velocity(y, dt)
        fastest = argext(v, ic_s + TOE_OFF_AFTER * stride, b, dt, -1.0)
        if fastest is None:
            return None
        lo = ic_s + TOE_FLAT_AFTER_S
        ground = _median(v, lo, fastest * dt, dt)
        if ground is None:
            return None
        v_fast = float(v[int(round(fastest))])
        if ground - v_fast < LIFT_SPEED_L_S:
            return None
        return crossing(v, ground - LIFT_SLACK * (ground - v_fast), dt, lo, fastest * dt, last=True)


def _support(kind: str, side: str) -> list[int]:
    _, _, ankle, heel, toe = leg_landmarks(side)
    return [ankle, heel] if kind == "contact" else [ankle, toe]


def detect_frontal_events(track: PoseTrack, min_visibility: float = 0.5) -> list[GaitEvent]:
    """Contacts and toe-offs of both feet from a rear or front view, sorted by time.

    Args:
        track: a cleaned PoseTrack (the pipeline's `clean_track` output), camera behind or in front
            of the runner, treadmill or overground; not modified.
        min_visibility: [0, 1]; feet and events below it are dropped (module docstring).

    Returns:
        GaitEvents (method "frontal") with sub-frame `t_s`, `frame` = nearest track row,
        `confidence` = mean visibility of the landmarks that placed it. Empty below 5 frames.

    Raises:
        ValueError: bad track or min_visibility.
    """
    if not isinstance(track, PoseTrack):
        raise ValueError(f"track must be a PoseTrack, got {type(track).__name__}")
    if isinstance(min_visibility, bool) or not isinstance(min_visibility, (int, float)) \
            or not 0.0 <= min_visibility <= 1.0:
        raise ValueError(f"min_visibility must be a number in [0, 1], got {min_visibility!r}")
    if len(track) < 5:
        return []
    signals = frontal_signals(track, min_visibility)
    detector = FrontalDetector()
    events: list[GaitEvent] = []
    for side in SIDES:
        if not signals.feet[side].usable:
            logger.info("frontal events: %s foot mostly unseen (visibility < %.2f), dropped", side, min_visibility)
    for side, raw in detector.detect(signals).items():
        events += to_events(track, float(signals.t[0]), signals.dt, side, raw,
                            lambda kind, s=side: _support(kind, s), METHOD, min_visibility)
    return sorted(rhythm_mask(events), key=lambda e: (e.t_s, e.side, e.kind))
