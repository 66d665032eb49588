"""What a stretch of the athlete's track shows, in numbers that do not depend on the camera.

    f = window_features(track, 120, 240)
    f.antiphase        # +1 the legs move against each other (gait), -1 together (squat, bridge)
    f.period_s         # the legs' dominant period (video time), NaN when they do not repeat

Every quantity is relative to the body, so a panning or moving camera, a
runner shrinking into the distance or a phone held high changes none of them:

* leg vectors: hip-mid to each ankle in the image, divided by the torso's
  length in the same frame (shoulder-mid to hip-mid, smoothed over a
  second). Gait swings them against each other: forward and back from the
  side, up and down (the swing foot lifts) from behind or in front; a squat
  or bridge moves both the same way; a one-leg exercise moves one.
* antiphase = (var(L - R) - var(L + R)) / (var(L - R) + var(L + R)) of the
  detrended leg vectors: +1 pure alternation, -1 pure unison, 0 one leg.
  Exchanged left/right labels flip the sign of L - R but not its variance.
* leg_balance: the smaller leg's motion over the larger's (1 both legs
  move alike, 0 one leg moves).
* period_s, periodicity: the lag and height of the first autocorrelation
  peak of the alternation signal |L - R| and the unison signal; a rhythm
  needs at least `MIN_CYCLES` cycles inside the window.
* both_knees_bent_deg: the 90th percentile over the window of the LESS bent
  knee (3-D knee flexion from the world landmarks, which a frontal view does
  not foreshorten): a stance knee in running stays under ~50°, a squat or
  lunge bends both knees together past ~70°.
* motion: how much the leg vectors move (RMS, torso lengths): below
  `STILL_MOTION` the athlete is still.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.kinematics.body import (GRAVITY_UP, body_axes, joint_angle_3d_deg, movement_lateral_share,
                                       step_frames, torso_length_px)
from formcheck.landmarks import Landmark as L
from formcheck.track import PoseTrack

MIN_VISIBILITY = 0.3
#: [H] A rhythm is a rhythm when it repeats at least this often inside the window.
MIN_CYCLES = 2.0
#: [H] Autocorrelation lags searched for a rhythm (video seconds): a sprint step (0.2 s) to a
#: slow exercise rep or a slow-motion stride (8 s).
PERIOD_RANGE_S = (0.2, 8.0)

_CORE = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)
_LEGS = (L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE)


@dataclass(frozen=True)
class WindowFeatures:
    """Body-relative features of frames [start, end) of a track (module docstring).

    seen: share of frames with hips, shoulders, knees and ankles all seen; upright: share of
    seen frames whose trunk is within UPRIGHT_DEG of the world's up (on its feet);
    motion: RMS of the detrended leg vectors (torso lengths); antiphase, leg_balance: [-1, 1]
    and [0, 1]; stride_s, repeat: the legs' common period (video seconds) and its
    autocorrelation; half_shift, same_time: correlation of the left leg with the right one half
    a period later and at the same time (`alternation`); lateral_share: share of the ankles'
    movement (world landmarks, body axes) that is sideways; rep_s, rep_repeat: the period of
    the whole body's movement (legs, trunk, arms) and its autocorrelation;
    both_knees_bent_deg, max_knee_deg: 90th percentiles of the less and the more bent knee;
    hip_drop: range (5th-95th percentile) of the leg vectors' mean length, torso lengths;
    reversals: how often the legs' difference changes sign (`reversals`): gait shows two per
    stride, a single leg raised and lowered only two in all; knee_balance: the smaller knee's
    range of flexion over the larger's (a squat bends both, a single-leg squat one);
    knee_range_deg: the larger knee's range of flexion (5th-95th percentile).
    """

    start: int
    end: int
    seen: float
    upright: float
    motion: float = float("nan")
    antiphase: float = float("nan")
    leg_balance: float = float("nan")
    stride_s: float = float("nan")
    repeat: float = 0.0
    half_shift: float = 0.0
    same_time: float = 0.0
    lateral_share: float = float("nan")
    rep_s: float = float("nan")
    rep_repeat: float = 0.0
    both_knees_bent_deg: float = float("nan")
    max_knee_deg: float = float("nan")
    hip_drop: float = float("nan")
    reversals: int = 0
    knee_balance: float = float("nan")
    duration_s: float = 0.0
    knee_range_deg: float = float("nan")

    @property
    def frames(self) -> int:
        return self.end - self.start


def leg_vectors(track: PoseTrack) -> np.ndarray:
    """(T, 2, 2) hip-mid to left and right ankle in torso lengths (image axes, y down)."""
    xy = np.where((track.visibility >= MIN_VISIBILITY)[..., None], track.xy_px, np.nan)
    hip = (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2
    torso = torso_length_px(xy, track.fps if len(track) > 1 else 30.0)
    legs = np.stack([xy[:, L.LEFT_ANKLE] - hip, xy[:, L.RIGHT_ANKLE] - hip], axis=1)
    return legs / torso[:, None, None]


def knee_flexion_3d_deg(world_m: np.ndarray) -> np.ndarray:
    """(T, 2) left and right knee flexion from world landmarks (0 = straight)."""
    return np.stack([180.0 - joint_angle_3d_deg(world_m[:, L[f"{s}_HIP"]], world_m[:, L[f"{s}_KNEE"]],
                                                world_m[:, L[f"{s}_ANKLE"]]) for s in ("LEFT", "RIGHT")], axis=1)


def knee_flexion_deg(track: PoseTrack) -> np.ndarray:
    """(T, 2) knee flexion, the larger of the image's and the world landmarks' reading: the
    image foreshortens a knee that bends toward the camera, the world landmarks misjudge the
    depth of a hidden far leg; neither reads a straight knee as bent by tens of degrees."""
    xy = track.xy_px
    image = np.stack([180.0 - joint_angle_3d_deg(*(np.pad(xy[:, L[f"{s}_{p}"]], ((0, 0), (0, 1)))
                                                    for p in ("HIP", "KNEE", "ANKLE"))) for s in ("LEFT", "RIGHT")],
                     axis=1)
    world = knee_flexion_3d_deg(track.world_m)
    both = np.stack([image, world])
    return np.where(np.all(np.isnan(both), axis=0), np.nan, np.nanmax(both, axis=0))


#: [H] Smallest swing of the legs' difference that counts as a reversal (torso lengths): a
#: walking step moves the feet ~0.5 torso lengths apart, landmark jitter ~0.02.
MIN_REVERSAL = 0.1


def reversals(diff: np.ndarray, t_s: np.ndarray, hysteresis: float = 0.2) -> int:
    """Sign changes of a (T, k) difference signal along its main direction, counted with
    hysteresis at +-`hysteresis` of its range, and at least MIN_REVERSAL / 2 (noise does not
    count); gaps are skipped."""
    ok = np.all(np.isfinite(diff), axis=1)
    if ok.sum() < 5:
        return 0
    d = diff[ok] - diff[ok].mean(axis=0)
    _, _, vt = np.linalg.svd(d, full_matrices=False)
    x = d @ vt[0]
    level = max(hysteresis * (np.percentile(x, 95) - np.percentile(x, 5)) / 2, MIN_REVERSAL / 2)
    state, count = 0, 0
    for v in x:
        new = 1 if v > level else -1 if v < -level else state
        if state and new != state:
            count += 1
        state = new
    return count


#: [H] A trunk within this angle of the vertical is on its feet: a sprinter accelerating out
#: of the blocks leans 45° and more; lying, kneeling on all fours or bridging it is near 90°.
UPRIGHT_DEG = 60.0


def upright_share(world_m: np.ndarray, frames: np.ndarray) -> float:
    """Share of `frames` whose trunk (hip-mid to shoulder-mid) is within UPRIGHT_DEG of up."""
    up = body_axes(world_m[frames]).up @ GRAVITY_UP
    up = up[np.isfinite(up)]
    return float(np.mean(up > np.cos(np.radians(UPRIGHT_DEG)))) if up.size else 0.0


def _uniform(signal: np.ndarray, t_s: np.ndarray) -> tuple[np.ndarray, float]:
    """(n, k) channels on a uniform time grid (gaps bridged linearly), each detrended; and dt.
    A channel that is never seen is zeros; too few samples give an empty array."""
    y = signal.reshape(len(signal), -1)
    ok = np.all(np.isfinite(y), axis=1) & np.isfinite(t_s)
    if ok.sum() < 8:
        return np.empty((0, y.shape[1])), 0.0
    t = t_s[ok]
    dt = float(np.median(np.diff(t)))
    if not dt > 0:
        return np.empty((0, y.shape[1])), 0.0
    grid = np.arange(t[0], t[-1] + dt / 2, dt)
    out = np.empty((len(grid), y.shape[1]))
    for c in range(y.shape[1]):
        v = np.interp(grid, t, y[ok, c])
        out[:, c] = v - np.polyval(np.polyfit(grid - grid[0], v, 1), grid - grid[0])
    return out, dt


def _correlation(a: np.ndarray, b: np.ndarray, max_lag: int) -> np.ndarray:
    """Normalised cross-correlation of two (n, k) channel sets at lags -max_lag..max_lag: sum
    over channels of a(t)·b(t + lag), divided by sqrt(energy(a) · energy(b)). Biased (sums over
    fewer samples at longer lags), which favours the fundamental over its multiples."""
    n = len(a)
    energy = float(np.sqrt(np.sum(a * a) * np.sum(b * b)))
    if energy <= 1e-12:
        return np.zeros(2 * max_lag + 1)
    full = sum(np.correlate(b[:, c], a[:, c], "full") for c in range(a.shape[1]))  # index n-1 = lag 0
    lags = np.arange(-max_lag, max_lag + 1)
    return full[n - 1 + lags] / energy


def _lag_range(n: int, dt: float) -> tuple[int, int]:
    lo = max(1, int(np.ceil(PERIOD_RANGE_S[0] / dt)))
    hi = min(int(PERIOD_RANGE_S[1] / dt), int(n / MIN_CYCLES), n - 2)
    return lo, hi


def _first_peak(ac: np.ndarray, lo: int, hi: int) -> int | None:
    """The fundamental: the first local maximum nearly (80%) as high as the best one."""
    peaks = [i for i in range(lo, hi) if ac[i] >= ac[i - 1] and ac[i] >= ac[i + 1] and ac[i] > 0]
    if not peaks:
        return None
    best = max(ac[i] for i in peaks)
    return next(i for i in peaks if ac[i] >= 0.8 * best)


def rhythm(signal: np.ndarray, t_s: np.ndarray) -> tuple[float, float]:
    """(period_s, strength) of the first autocorrelation peak of a signal sampled at t_s.

    The signal is put on a uniform grid (gaps bridged linearly), detrended, and its
    normalised autocorrelation searched from PERIOD_RANGE_S[0] up to PERIOD_RANGE_S[1] or the
    window over MIN_CYCLES, whichever is shorter; (NaN, 0.0) without a peak or with too few
    samples. A signal of shape (T, k) is several channels: their autocorrelations are summed.
    """
    y, dt = _uniform(signal, t_s)
    if len(y) < 8:
        return float("nan"), 0.0
    lo, hi = _lag_range(len(y), dt)
    if hi <= lo + 1:
        return float("nan"), 0.0
    ac = _correlation(y, y, hi + 1)[hi + 1:]
    first = _first_peak(ac, lo, hi + 1)
    if first is None:
        return float("nan"), 0.0
    return float(first * dt), float(min(1.0, ac[first]))


def alternation(left: np.ndarray, right: np.ndarray, t_s: np.ndarray) -> tuple[float, float, float, float]:
    """Do the legs repeat the same movement half a cycle apart, as in gait?

    left, right: (T, k) a leg's channels (e.g. its leg vector). The stride period T is the
    first peak of the legs' pooled autocorrelation; then the correlation of the left leg with
    the right one shifted by half a stride (either way) and unshifted. Gait: the right leg does
    what the left did half a stride before (high at T/2); a squat or bridge: both at once
    (high at 0); a one-leg exercise: neither. Returns (stride_s, repeat, half_shift, same_time),
    NaN / 0.0 where the legs show no rhythm.
    """
    nan = float("nan")
    both, dt = _uniform(np.concatenate([left, right], axis=1), t_s)
    if len(both) < 8:
        return nan, 0.0, 0.0, 0.0
    k = left.reshape(len(left), -1).shape[1]
    a, b = both[:, :k], both[:, k:]
    same = float(_correlation(a, b, 0)[0])
    lo, hi = _lag_range(len(both), dt)
    if hi <= lo + 1:
        return nan, 0.0, 0.0, same
    ac = _correlation(both, both, hi + 1)[hi + 1:]
    stride = _first_peak(ac, lo, hi + 1)
    if stride is None:
        return nan, 0.0, 0.0, same
    xc = _correlation(a, b, stride)
    half = stride // 2, (stride + 1) // 2
    shifted = max(xc[stride + h] for h in half + tuple(-h for h in half))
    return float(stride * dt), float(min(1.0, ac[stride])), float(shifted), same


def _robust_range(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(np.percentile(x, 95) - np.percentile(x, 5)) if x.size >= 5 else float("nan")


_WHOLE_BODY = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_ELBOW, L.RIGHT_ELBOW, L.LEFT_WRIST, L.RIGHT_WRIST,
               L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE, L.NOSE)


def body_pose_vectors(track: PoseTrack) -> np.ndarray:
    """(T, 11, 2) shoulders, elbows, wrists, knees, ankles and nose relative to the hip-mid, in
    torso lengths: the whole body's shape, for a repetition that is not in the legs alone."""
    xy = np.where((track.visibility >= MIN_VISIBILITY)[..., None], track.xy_px, np.nan)
    hip = (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2
    torso = torso_length_px(xy, track.fps if len(track) > 1 else 30.0)
    return (xy[:, _WHOLE_BODY] - hip[:, None]) / torso[:, None, None]


def window_features(track: PoseTrack, start: int, end: int, legs: np.ndarray | None = None,
                    knees: np.ndarray | None = None, body: np.ndarray | None = None) -> WindowFeatures:
    """Features of frames [start, end) of `track` (module docstring). `legs`, `knees` and `body`
    are `leg_vectors(track)`, `knee_flexion_3d_deg(track.world_m)` and
    `body_pose_vectors(track)` when the caller has them for the whole track already."""
    if not 0 <= start < end <= len(track):
        raise ValueError(f"window [{start}, {end}) is not inside a track of {len(track)} frames")
    legs = leg_vectors(track) if legs is None else legs
    knees = knee_flexion_deg(track) if knees is None else knees
    body = body_pose_vectors(track) if body is None else body
    sl = slice(start, end)
    xy = track.xy_px[sl]
    vis = track.visibility[sl] >= MIN_VISIBILITY
    whole = np.all(np.isfinite(xy[:, _CORE + _LEGS, 0]) & vis[:, _CORE + _LEGS], axis=1)
    seen = float(whole.mean())
    frames = np.flatnonzero(whole) + start
    upright = upright_share(track.world_m, frames) if frames.size else 0.0
    if whole.sum() < 8:
        return WindowFeatures(start, end, seen, upright, duration_s=float(track.t_s[end - 1] - track.t_s[start]))
    t = track.t_s[sl]
    v = np.where(whole[:, None, None], legs[sl], np.nan)
    centred = v - np.nanmean(v, axis=0)
    diff, both = centred[:, 0] - centred[:, 1], centred[:, 0] + centred[:, 1]
    var_d, var_s = (float(np.nansum(np.nanvar(x, axis=0))) for x in (diff, both))
    antiphase = (var_d - var_s) / (var_d + var_s) if var_d + var_s > 1e-12 else 0.0
    per_leg = [float(np.nansum(np.nanvar(centred[:, k], axis=0))) for k in (0, 1)]
    balance = min(per_leg) / max(per_leg) if max(per_leg) > 1e-12 else 0.0
    motion = float(np.sqrt(np.nanmean(np.nansum(centred ** 2, axis=2))))
    stride, repeat, half, same = alternation(v[:, 0], v[:, 1], t)
    shape = np.where(whole[:, None, None], body[sl], np.nan).reshape(len(t), -1)
    shape = np.where(np.isfinite(shape), shape, np.nanmean(shape, axis=0))
    rep, rep_repeat = rhythm(np.where(whole[:, None], shape, np.nan), t)
    k = knees[sl][whole]
    k = k[np.all(np.isfinite(k), axis=1)]
    bent = float(np.percentile(k.min(axis=1), 90)) if len(k) >= 5 else float("nan")
    most = float(np.percentile(k.max(axis=1), 90)) if len(k) >= 5 else float("nan")
    ranges = [_robust_range(k[:, j]) for j in (0, 1)] if len(k) >= 5 else [float("nan")] * 2
    knee_balance = min(ranges) / max(ranges) if np.all(np.isfinite(ranges)) and max(ranges) > 1e-9 else float("nan")
    length = np.linalg.norm(v, axis=2).mean(axis=1)
    return WindowFeatures(start, end, seen, upright, motion, float(antiphase), float(balance), stride, repeat, half,
                          same, movement_lateral_share(track.world_m[start:end], (L.LEFT_ANKLE, L.RIGHT_ANKLE), step_frames(t)), rep, rep_repeat, bent, most,
                          _robust_range(length), reversals(diff, t), float(knee_balance), float(t[-1] - t[0]),
                          float(max(ranges)) if np.all(np.isfinite(ranges)) else float("nan"))
