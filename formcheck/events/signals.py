"""What every gait event detector shares: signals on a uniform time grid, sub-sample extrema,
kinks and crossings, and the masks that turn raw candidates into `GaitEvent`s.

Timing. Signals are resampled to a uniform grid at the median frame interval (variable frame
rate); every window and limit is in seconds; extrema are refined by a parabola through three
samples, crossings by linear interpolation (sub-frame).

Staged masks. Extrema need a prominence and a minimum spacing, then no two closer than
REPEAT_FRACTION of their median spacing (as in scipy.signal.find_peaks). Then the clip's rhythm
(`rhythm_mask`, stride = `rhythm_stride_s`): a contact is kept only if another contact of the
same foot lies one stride (±RHYTHM_TOL) away or one of the other foot half a stride away; of two contacts of different feet
within a quarter stride (or MIN_STEP_S), only one in rhythm with its own foot while the other is
not survives, else neither. A toe-off needs its own foot's contact before it.

Visibility (`to_events`). An event with a landmark missing within ±SUPPORT_S, or whose landmarks'
mean visibility there is below `min_visibility`, is dropped, never guessed. Confidence = that mean
visibility.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.signal import find_peaks

from formcheck.events.model import SIDES, GaitEvent
from formcheck.kinematics.angles import knee_flexion_deg
from formcheck.landmarks import Landmark as Lm
from formcheck.track import PoseTrack

MIN_STRIDE_S = 0.4   # shortest same-foot stride: 300 steps/min, beyond sprinting
MAX_STRIDE_S = 2.0   # longest: 60 steps/min, slow walking
REPEAT_FRACTION = 0.6  # a second extremum closer than this share of the median stride is noise
MIN_STEP_S = 0.2     # contacts of the two feet closer than this (300 steps/min) cannot both be right
RHYTHM_TOL = 0.2     # of the median stride, for the rhythm mask
SUPPORT_S = 0.05     # half-width of the window whose visibility an event needs
KINK_S = 0.1  # length of each of the two windows whose slopes locate the end of a descent

Raw = list[tuple[str, float]]  # (kind, grid position)


def leg_landmarks(side: str) -> tuple[int, int, int, int, int]:
    """(hip, knee, ankle, heel, foot index) landmark indices of one leg."""
    s = side.upper()
    return tuple(int(Lm[f"{s}_{n}"]) for n in ("HIP", "KNEE", "ANKLE", "HEEL", "FOOT_INDEX"))


# -- signals on a uniform grid -----------------------------------------------------------------
def uniform_grid(t: np.ndarray) -> tuple[np.ndarray, float]:
    """(grid (N,), dt): from t[0] in steps of the median frame interval, up to t[-1]."""
    dt = float(np.median(np.diff(t)))
    return t[0] + dt * np.arange(int(np.floor((t[-1] - t[0]) / dt + 1e-6)) + 1), dt


def resample(t: np.ndarray, values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Resample (T, ...) values at `grid` within finite runs only (NaN across gaps and outside)."""
    if grid.shape == t.shape and grid.size > 1 and np.allclose(
            grid, t, rtol=0, atol=1e-6 * float(grid[1] - grid[0])):
        return np.array(values, dtype=np.float64, copy=True)
    flat = values.reshape(t.shape[0], -1)
    out = np.full((grid.shape[0], flat.shape[1]), np.nan)
    for c in range(flat.shape[1]):
        for a, b in finite_runs(flat[:, c]):
            inside = (grid >= t[a] - 1e-9) & (grid <= t[b - 1] + 1e-9)
            if b - a >= 4:
                out[inside, c] = CubicSpline(t[a:b], flat[a:b, c])(grid[inside])
            elif b - a >= 2:
                out[inside, c] = np.interp(grid[inside], t[a:b], flat[a:b, c])
            else:
                out[inside, c] = flat[a, c]
    return out.reshape((grid.shape[0],) + values.shape[1:])


def finite_runs(y: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) index pairs of the runs of finite values of a 1-D array."""
    ok = np.isfinite(y)
    edges = np.diff(np.concatenate(([0], ok.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


@dataclass(frozen=True, eq=False)
class FootSignals:
    """One foot's signals on the grid. rel_heel / rel_toe: d·(x - x_hipmid) / L; foot_y: image y
    (down) of the lower of heel and foot index / L; heel / toe: (N, 2) forward (d·x) and image y
    (down) positions / L in the image frame; knee_deg: knee flexion; leg_px: L."""

    side: str
    rel_heel: np.ndarray
    rel_toe: np.ndarray
    foot_y: np.ndarray
    heel: np.ndarray
    toe: np.ndarray
    knee_deg: np.ndarray
    leg_px: float
    usable: bool


@dataclass(frozen=True, eq=False)
class GaitSignals:
    """Uniform time grid (N,) with spacing dt, the hip-mid height / mean L (N,), and both feet."""

    t: np.ndarray
    dt: float
    hip_y: np.ndarray
    feet: dict[str, FootSignals]


def foot_usable(track: PoseTrack, side: str, min_visibility: float) -> bool:
    """A foot whose knee, ankle, heel and foot index have median visibility >= min_visibility over
    the frames where the athlete is seen (hips found): a runner who crosses a panning broadcast
    is in view for part of the clip only (sprint_100m_pan_several.mp4: 41% of its frames)."""
    _, knee, ankle, heel, toe = leg_landmarks(side)
    seen = np.all(np.isfinite(track.xy_px[:, [int(Lm.LEFT_HIP), int(Lm.RIGHT_HIP)], 0]), axis=1)
    if not seen.any():
        return False
    return bool(np.median(track.visibility[seen][:, [knee, ankle, heel, toe]]) >= min_visibility)


def gait_signals(track: PoseTrack, direction: int, min_visibility: float = 0.5) -> GaitSignals:
    """The side-view signals every side-view detector reads (`formcheck.events.gait`).

    L = median hip-ankle distance of that leg in pixels; a foot whose landmarks' median visibility
    is below `min_visibility` is not usable (its signals are NaN)."""
    t = track.t_s
    grid, dt = uniform_grid(t)
    xy = track.xy_px
    g = resample(t, xy, grid)
    hip_mid = (g[:, Lm.LEFT_HIP] + g[:, Lm.RIGHT_HIP]) / 2
    feet, legs = {}, []
    for side in SIDES:
        hip, knee, ankle, heel, toe = leg_landmarks(side)
        length = np.linalg.norm(xy[:, hip] - xy[:, ankle], axis=-1)
        leg_px = float(np.nanmedian(length)) if np.isfinite(length).any() else np.nan
        usable = bool(np.isfinite(leg_px) and leg_px > 0 and foot_usable(track, side, min_visibility))
        scale = leg_px if usable else np.nan
        legs.append(scale)
        feet[side] = FootSignals(
            side,
            rel_heel=direction * (g[:, heel, 0] - hip_mid[:, 0]) / scale,
            rel_toe=direction * (g[:, toe, 0] - hip_mid[:, 0]) / scale,
            foot_y=np.maximum(g[:, heel, 1], g[:, toe, 1]) / scale,
            heel=np.column_stack([direction * g[:, heel, 0], g[:, heel, 1]]) / scale,
            toe=np.column_stack([direction * g[:, toe, 0], g[:, toe, 1]]) / scale,
            knee_deg=knee_flexion_deg(g[:, hip], g[:, knee], g[:, ankle]),
            leg_px=leg_px, usable=usable)
    mean_leg = np.nanmean(legs) if np.isfinite(legs).any() else np.nan
    return GaitSignals(grid, dt, hip_mid[:, 1] / mean_leg, feet)


# -- extrema, kinks, crossings --------------------------------------------------------------------
def vertex(y: np.ndarray, i: int) -> float:
    """Sub-sample offset in [-1, 1] of the parabola's vertex through y[i-1], y[i], y[i+1]."""
    if i <= 0 or i >= y.shape[0] - 1 or not np.all(np.isfinite(y[i - 1:i + 2])):
        return 0.0
    den = y[i - 1] - 2 * y[i] + y[i + 1]
    return float(np.clip(0.5 * (y[i - 1] - y[i + 1]) / den, -1, 1)) if den != 0 else 0.0


def find_extrema(y: np.ndarray, dt: float, prominence: float, min_sep_s: float) -> np.ndarray:
    """Grid positions (float, sub-sample) of the maxima of `y`, staged as in scipy.signal.find_peaks:
    within finite runs, prominence >= `prominence`; then, strongest first, no two closer than
    `min_sep_s`; then none closer than REPEAT_FRACTION of their median spacing."""
    idx, prom = [], []
    for a, b in finite_runs(y):
        if b - a < 3:
            continue
        peaks, props = find_peaks(y[a:b], prominence=prominence)
        idx.extend(peaks + a)
        prom.extend(props["prominences"])
    idx, prom = np.asarray(idx, dtype=np.int64), np.asarray(prom)

    def thin(keep_idx, keep_prom, sep):
        order = np.argsort(-keep_prom, kind="stable")
        kept: list[int] = []
        for k in order:
            if all(abs(keep_idx[k] - keep_idx[j]) * dt >= sep for j in kept):
                kept.append(k)
        kept.sort(key=lambda k: keep_idx[k])
        return keep_idx[kept], keep_prom[kept]

    idx, prom = thin(idx, prom, min_sep_s)
    if idx.size >= 3:
        idx, prom = thin(idx, prom, REPEAT_FRACTION * float(np.median(np.diff(idx))) * dt)
    return np.array([i + vertex(y, int(i)) for i in idx], dtype=np.float64)


def argext(y: np.ndarray, a: float, b: float, dt: float, sign: float) -> float | None:
    """Sub-sample position of the max (sign=+1) / min (-1) of y on grid times [a, b] (seconds from
    grid start); None unless it is an interior local extremum with finite neighbours."""
    i0, i1 = max(int(np.ceil(a / dt)), 1), min(int(np.floor(b / dt)), y.shape[0] - 2)
    if i1 - i0 < 1:
        return None
    seg = sign * y[i0:i1 + 1]
    if not np.isfinite(seg).any():
        return None
    i = i0 + int(np.nanargmax(seg))
    nb = sign * y[i - 1:i + 2]
    if not np.all(np.isfinite(nb)) or nb[1] < nb[0] or nb[1] < nb[2]:
        return None
    return i + vertex(sign * y, i)


def slope_drop(y: np.ndarray, dt: float, a_s: float, b_s: float, window_s: float = KINK_S,
               interior: bool = False) -> tuple[float, float, float] | None:
    """(grid position, drop, slope before) of the largest drop between the least-squares slope of y
    over the `window_s` before and over the `window_s` after a sample in [a_s, b_s] (seconds from
    grid start); with `interior`, the largest local maximum of the drop inside the span (a larger
    drop still growing at an end of the span is another kink, outside). Symmetric windows: noise is averaged, a zero-phase smoother's
    rounding of the corner cannot shift the peak, a constant slope after it cancels. None unless
    interior and finite."""
    n = max(int(round(window_s / dt)), 2)
    k = np.arange(n + 1) - n / 2
    w = k / np.sum(k * k) / dt
    i0, i1 = max(int(np.ceil(a_s / dt)), n + 1), min(int(np.floor(b_s / dt)), y.shape[0] - 2 - n)
    if i1 < i0:
        return None
    idx = np.arange(i0 - 1, i1 + 2)
    win = np.lib.stride_tricks.sliding_window_view(y, n + 1)
    before, after = win[idx - n] @ w, win[idx] @ w
    drop = before - after
    if not np.isfinite(drop[1:-1]).any():
        return None
    if interior:
        peaks = [i for i in range(1, drop.shape[0] - 1) if drop[i] >= max(drop[i - 1], drop[i + 1])]
        if not peaks:
            return None
        j = max(peaks, key=lambda i: drop[i])
    else:
        j = int(np.nanargmax(drop[1:-1])) + 1
    if not (np.all(np.isfinite(drop[j - 1:j + 2])) and drop[j] >= max(drop[j - 1], drop[j + 1])):
        return None
    return float(idx[j] + vertex(drop, j)), float(drop[j]), float(before[j])


def crossing(v: np.ndarray, level: float, dt: float, lo_s: float, hi_s: float,
             last: bool = False) -> float | None:
    """Grid position in [lo_s, hi_s] where v falls to `level` (linear interpolation): the first
    such fall, or with `last` the last one; None if there is none, or (searching from that end) a
    sample on the way is missing."""
    i0, i1 = max(int(np.ceil(lo_s / dt)), 0), min(int(np.floor(hi_s / dt)), v.shape[0] - 1)
    steps = range(i1 - 1, i0 - 1, -1) if last else range(i0, i1)
    for i in steps:
        a, b = v[i], v[i + 1]
        if not (np.isfinite(a) and np.isfinite(b)):
            return None
        if a > level >= b:
            return i + (a - level) / (a - b)
    return None


def median_stride_s(positions, dt: float) -> float:
    """Median spacing (seconds) of sorted event positions, counting only MIN_STRIDE_S..MAX_STRIDE_S."""
    d = np.diff(np.sort(np.asarray(positions, dtype=np.float64))) * dt
    d = d[(d >= MIN_STRIDE_S) & (d <= MAX_STRIDE_S)]
    return float(np.median(d)) if d.size else float("nan")


# -- from candidates to events ---------------------------------------------------------------------
def to_events(track: PoseTrack, grid_t0: float, dt: float, side: str, raw: Iterable[tuple[str, float]],
              support: Callable[[str], list[int]], method: str, min_visibility: float) -> list[GaitEvent]:
    """GaitEvents of one foot from (kind, grid position) candidates, through the visibility gate of
    the module docstring; `support(kind)` lists the landmarks that place an event of that kind."""
    t, out = track.t_s, []
    for kind, pos in raw:
        t_ev = float(grid_t0 + pos * dt)
        lms = support(kind)
        near = (t >= t_ev - SUPPORT_S) & (t <= t_ev + SUPPORT_S)
        j = int(np.searchsorted(t, t_ev))
        near[max(j - 1, 0):min(j + 1, len(t))] = True
        conf = float(np.mean(track.visibility[near][:, lms]))
        if not np.isfinite(track.xy_px[near][:, lms]).all() or conf < min_visibility:
            continue
        frame = int(np.argmin(np.abs(t - t_ev)))
        out.append(GaitEvent(kind, side, frame, t_ev, min(conf, 1.0), method))
    return out


def rhythm_stride_s(contacts: Iterable[np.ndarray]) -> float:
    """The clip's stride (s) from contact times of each foot: of the spacings between successive
    contacts of one foot (MIN_STRIDE_S..MAX_STRIDE_S), the median of those within RHYTHM_TOL of the
    spacing whose agreeing spacings cover the most time. A stretch of bad tracking (extra or
    missed contacts) then cannot halve or double it, as long as the good stretches are longer."""
    gaps = np.concatenate([np.diff(np.sort(np.asarray(c, dtype=np.float64))) for c in contacts] + [np.zeros(0)])
    gaps = gaps[(gaps >= MIN_STRIDE_S) & (gaps <= MAX_STRIDE_S)]
    if gaps.size == 0:
        return float("nan")
    agree = np.abs(gaps[None, :] - gaps[:, None]) <= RHYTHM_TOL * gaps[:, None]
    best = int(np.argmax(np.sum(np.where(agree, gaps[None, :], 0.0), axis=1)))
    return float(np.median(gaps[agree[best]]))


def rhythm_mask(events: list[GaitEvent]) -> list[GaitEvent]:
    """The rhythm mask of the module docstring (events of both feet, any order); the stride is
    `rhythm_stride_s`."""
    contacts = {s: np.array(sorted(e.t_s for e in events if e.kind == "contact" and e.side == s)) for s in SIDES}
    stride = rhythm_stride_s(contacts.values())
    strides = [stride] if np.isfinite(stride) else []
    stride = stride if strides else MIN_STRIDE_S
    tol = RHYTHM_TOL * stride

    def near(t, others, gap):
        return bool(np.any(np.abs(np.abs(others - t) - gap) <= tol))

    support = {}
    for s in SIDES:
        other = contacts["left" if s == "right" else "right"]
        for t in contacts[s]:
            same = near(t, contacts[s][contacts[s] != t], stride)
            support[(s, t)] = (same, same or near(t, other, stride / 2))
    kept = {k for k, (_, any_) in support.items() if any_ or not strides}
    rivals = {(s, t): [(o, u) for (o, u) in kept if o != s and abs(u - t) < max(stride / 4, MIN_STEP_S)]
              for (s, t) in kept}
    for key, others in rivals.items():
        # Two feet landing together: keep the one in rhythm with its own foot, else neither.
        if others and not (support[key][0] and not any(support[r][0] for r in others)):
            kept.discard(key)
    out = []
    for e in events:
        if e.kind == "contact":
            if (e.side, e.t_s) in kept:
                out.append(e)
            continue
        before = [t for (s, t) in kept if s == e.side and t < e.t_s]
        if before and e.t_s - max(before) < 0.8 * stride:
            out.append(e)
    return out
