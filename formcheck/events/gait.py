"""Gait events per foot, initial contact (IC) and toe-off (TO), from a clean side-view track.

Detectors (METRICS.md §1 "Events"), looked up by name in `DETECTORS`:

* "zeni": IC = max of d·(x_heel - x_hipmid), TO = min of d·(x_toe - x_hipmid)
  (Zeni et al. 2008). Relative to the hips, so it works on a treadmill,
  overground and with a panning camera, and it is robust (no thresholds
  on heights). Validated for walking; in running the heel reaches furthest
  ahead before contact and the toe keeps moving back after toe-off, so its
  IC is early and its TO late (~50 ms each on the synthetic runner, more
  on the real treadmill clip) [W]. Used for walking.
* "hybrid" (running): Zeni's extremes give one window per stride; IC = the
  first time after the heel's furthest reach that the heel (or the foot
  index, for a forefoot strike) moves over the image no faster than the
  ground under it, measured from the stance itself (at rest overground,
  the belt's speed on a treadmill: "foot speed ~ 0" is never assumed);
  TO = peak knee extension between the stance and the swing knee-flexion
  peaks (Fellin et al. 2010: TO ~5 ms from force plates, treadmill and
  overground; Young et al. 2023 tell the extension peaks apart the same
  way).
* "heel_knee" (cross-check, METRICS.md §1 event 1): IC = end of the foot's
  downward velocity (largest drop of the vertical speed of its lowest
  landmark), TO as in "hybrid". On a real treadmill clip the heel skims
  the belt for ~0.1 s before landing and the foot index sits lower than
  the heel once the foot is flat, so the vertical cue is unreliable there.

`method="auto"` runs "hybrid", or "zeni" when the hips are highest at
midstance (walking; running has them lowest), for treadmill and overground
clips alike: every cue is relative to the hips or to the stance foot.

Timing. Signals are resampled to a uniform grid at the median frame
interval (variable frame rate); every window and limit is in seconds or
leg lengths (L = median hip-ankle distance of that leg in pixels); extrema
are refined by a parabola through three samples, crossings by linear
interpolation (sub-frame).

Staged masks. Extrema need a prominence and a minimum spacing, then no two
closer than REPEAT_FRACTION of their median spacing (as in
scipy.signal.find_peaks). Then the clip's rhythm: a contact is kept only
if another contact of the same foot lies one stride (±RHYTHM_TOL) away or
one of the other foot half a stride away; of two contacts of different
feet within a quarter stride (or MIN_STEP_S), only one in rhythm with its
own foot while the other is not survives, else neither. A toe-off needs
its own foot's contact before it.

Visibility. A foot whose landmarks have median visibility below
`min_visibility` gives no events (in a side view, usually the far leg); an
event with a landmark missing within ±SUPPORT_S, or whose landmarks' mean
visibility there is below `min_visibility`, is dropped, never guessed.
Confidence = that mean visibility.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol, runtime_checkable

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.signal import find_peaks

from formcheck.events.model import SIDES, GaitEvent, Stance
from formcheck.kinematics.angles import knee_flexion_deg
from formcheck.kinematics.direction import Direction
from formcheck.landmarks import Landmark as Lm
from formcheck.track import PoseTrack

logger = logging.getLogger(__name__)

MIN_STRIDE_S = 0.4   # shortest same-foot stride: 300 steps/min, beyond sprinting
MAX_STRIDE_S = 2.0   # longest: 60 steps/min, slow walking
ZENI_PROMINENCE_L = 0.15  # heel/toe excursion about the hips, leg lengths (running ~0.8 L)
REPEAT_FRACTION = 0.6  # a second extremum closer than this share of the median stride is noise
MIN_STEP_S = 0.2     # contacts of the two feet closer than this (300 steps/min) cannot both be right
RHYTHM_TOL = 0.2     # of the median stride, for the rhythm mask
SUPPORT_S = 0.05     # half-width of the window whose visibility an event needs
LANDING_SPEED_L_S = 0.3  # the landing foot moves at least this fast over the ground before (leg lengths/s)
GROUND_PERCENTILE = 25  # of the foot index's forward speed from reach to toe-off: the ground's speed
# Share of its speed over the ground that the landing foot may keep: 0.2 puts contact where the
# foot's slow-down is 80% done. On the synthetic runner (touchdown at 0.4 m/s over the ground after
# a 60 ms slow-down) this is -4..+12 ms at 25-240 fps; on the real treadmill clip it matches the
# frame where the shoe visibly lands (~frame 16.5 of 30 fps) [H].
LANDING_SLACK = 0.2
KINK_S = 0.1  # length of each of the two windows whose slopes locate the end of a descent


def _leg(side: str) -> tuple[int, int, int, int, int]:
    s = side.upper()
    return tuple(int(Lm[f"{s}_{n}"]) for n in ("HIP", "KNEE", "ANKLE", "HEEL", "FOOT_INDEX"))


# -- signals on a uniform grid -----------------------------------------------------------------
def _resample(t: np.ndarray, values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Resample (T, ...) values at `grid` within finite runs only (NaN across gaps and outside)."""
    flat = values.reshape(t.shape[0], -1)
    out = np.full((grid.shape[0], flat.shape[1]), np.nan)
    for c in range(flat.shape[1]):
        ok = np.isfinite(flat[:, c])
        edges = np.diff(np.concatenate(([0], ok.astype(np.int8), [0])))
        for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
            inside = (grid >= t[a] - 1e-9) & (grid <= t[b - 1] + 1e-9)
            if b - a >= 4:
                out[inside, c] = CubicSpline(t[a:b], flat[a:b, c])(grid[inside])
            elif b - a >= 2:
                out[inside, c] = np.interp(grid[inside], t[a:b], flat[a:b, c])
            else:
                out[inside, c] = flat[a, c]
    return out.reshape((grid.shape[0],) + values.shape[1:])


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


def gait_signals(track: PoseTrack, direction: int, min_visibility: float = 0.5) -> GaitSignals:
    """The signals every detector reads (module docstring)."""
    t = track.t_s
    dt = float(np.median(np.diff(t)))
    grid = t[0] + dt * np.arange(int(np.floor((t[-1] - t[0]) / dt + 1e-6)) + 1)
    xy = track.xy_px
    if grid.shape == t.shape and np.allclose(grid, t, rtol=0, atol=1e-6 * dt):
        g = xy.copy()
    else:
        g = _resample(t, xy, grid)
    hip_mid = (g[:, Lm.LEFT_HIP] + g[:, Lm.RIGHT_HIP]) / 2
    feet, legs = {}, []
    for side in SIDES:
        hip, knee, ankle, heel, toe = _leg(side)
        length = np.linalg.norm(xy[:, hip] - xy[:, ankle], axis=-1)
        leg_px = float(np.nanmedian(length)) if np.isfinite(length).any() else np.nan
        vis = track.visibility[:, [knee, ankle, heel, toe]]
        usable = bool(np.isfinite(leg_px) and leg_px > 0 and np.median(vis) >= min_visibility)
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


# -- extrema ------------------------------------------------------------------------------------
def _vertex(y: np.ndarray, i: int) -> float:
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
    ok = np.isfinite(y)
    edges = np.diff(np.concatenate(([0], ok.astype(np.int8), [0])))
    for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
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
    return np.array([i + _vertex(y, int(i)) for i in idx], dtype=np.float64)


def _argext(y: np.ndarray, a: float, b: float, dt: float, sign: float) -> float | None:
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
    return i + _vertex(sign * y, i)


# -- contact and toe-off ---------------------------------------------------------------------------
def _slope_drop(y: np.ndarray, dt: float, a_s: float, b_s: float) -> tuple[float, float, float] | None:
    """(grid position, drop, slope before) of the largest drop between the least-squares slope of y
    over the KINK_S before and over the KINK_S after a sample in [a_s, b_s] (seconds from grid
    start). Symmetric windows: noise is averaged, a zero-phase smoother's rounding of the corner
    cannot shift the peak, a constant slope after it cancels. None unless interior and finite."""
    n = max(int(round(KINK_S / dt)), 2)
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
    j = int(np.nanargmax(drop[1:-1])) + 1
    if not (np.all(np.isfinite(drop[j - 1:j + 2])) and drop[j] >= max(drop[j - 1], drop[j + 1])):
        return None
    return float(idx[j] + _vertex(drop, j)), float(drop[j]), float(before[j])


def _crossing(v: np.ndarray, level: float, dt: float, lo_s: float, hi_s: float) -> float | None:
    """First grid position in [lo_s, hi_s] where v falls to `level` (linear interpolation); None if
    it does not, or a sample on the way is missing."""
    i0, i1 = max(int(np.ceil(lo_s / dt)), 0), min(int(np.floor(hi_s / dt)), v.shape[0] - 1)
    for i in range(i0, i1):
        a, b = v[i], v[i + 1]
        if not (np.isfinite(a) and np.isfinite(b)):
            return None
        if a > level >= b:
            return i + (a - level) / (a - b)
    return None


def _landing(signals: GaitSignals, side: str, reach_s: float, end_s: float) -> float | None:
    """Contact (grid position) between the heel's furthest reach ahead of the hips (`reach_s`, still
    in the air) and the stance's end: the first time the heel or the foot index, whichever first,
    moves forward over the image no faster than the ground plus LANDING_SLACK of the speed it had
    to lose. The ground's speed is a low percentile (GROUND_PERCENTILE) of the foot index's forward
    speed over that span: the foot is faster than the ground except in stance, which fills more
    than half of it. Horizontal, not vertical: in real clips the heel skims the belt before it
    lands, level with it in the image but still moving forward."""
    foot, dt = signals.feet[side], signals.dt
    v_toe = np.gradient(foot.toe[:, 0], dt)
    span = v_toe[int(np.ceil(reach_s / dt)):int(np.floor(end_s / dt)) + 1]
    if np.isfinite(span).sum() < 4:
        return None
    v_ground = float(np.nanpercentile(span, GROUND_PERCENTILE))
    first = None
    for part in (foot.heel, foot.toe):
        v = np.gradient(part[:, 0], dt)
        i = int(round(reach_s / dt))
        if not (0 <= i < v.shape[0] and np.isfinite(v[i]) and v[i] - v_ground >= LANDING_SPEED_L_S):
            continue
        pos = _crossing(v, v_ground + LANDING_SLACK * (v[i] - v_ground), dt, reach_s, end_s)
        if pos is not None and (first is None or pos < first):
            first = pos
    return first


def _toe_off_by_knee(signals: GaitSignals, side: str, ic_pos: float, stride_s: float) -> float | None:
    """Peak knee extension between the stance flexion peak (first 30% of the stride) and the swing
    flexion peak (30-90%): the extension peak after the shallower flexion (Young et al. 2023)."""
    knee, dt = signals.feet[side].knee_deg, signals.dt
    t_ic = ic_pos * dt
    stance_pk = _argext(knee, t_ic, t_ic + 0.3 * stride_s, dt, 1.0)
    swing_pk = _argext(knee, t_ic + 0.3 * stride_s, t_ic + 0.9 * stride_s, dt, 1.0)
    if stance_pk is None or swing_pk is None:
        return None
    return _argext(knee, stance_pk * dt, swing_pk * dt, dt, -1.0)


def _median_stride_s(positions, dt: float) -> float:
    d = np.diff(np.sort(np.asarray(positions, dtype=np.float64))) * dt
    d = d[(d >= MIN_STRIDE_S) & (d <= MAX_STRIDE_S)]
    return float(np.median(d)) if d.size else float("nan")


def _with_toe_offs(signals: GaitSignals, side: str, ics) -> Raw:
    """The contacts, and after each its knee toe-off (needs the foot's median stride)."""
    stride = _median_stride_s(ics, signals.dt)
    out: Raw = [("contact", float(p)) for p in ics]
    if np.isfinite(stride):
        for p in ics:
            to = _toe_off_by_knee(signals, side, p, stride)
            if to is not None:
                out.append(("toe_off", to))
    return out


# -- detectors -------------------------------------------------------------------------------------
Raw = list[tuple[str, float]]  # (kind, grid position)


@runtime_checkable
class GaitEventDetector(Protocol):
    """Finds one foot's contacts and toe-offs as (kind, grid position) on `GaitSignals`."""

    name: str

    def detect(self, signals: GaitSignals, side: str) -> Raw:
        ...


@dataclass(frozen=True)
class ZeniDetector:
    name: str = "zeni"
    prominence_l: float = ZENI_PROMINENCE_L

    def detect(self, signals: GaitSignals, side: str) -> Raw:
        foot = signals.feet[side]
        ic = find_extrema(foot.rel_heel, signals.dt, self.prominence_l, MIN_STRIDE_S)
        to = find_extrema(-foot.rel_toe, signals.dt, self.prominence_l, MIN_STRIDE_S)
        return [("contact", float(p)) for p in ic] + [("toe_off", float(p)) for p in to]


@dataclass(frozen=True)
class HybridDetector:
    name: str = "hybrid"

    def detect(self, signals: GaitSignals, side: str) -> Raw:
        dt = signals.dt
        zeni = ZeniDetector().detect(signals, side)
        reach = np.array(sorted(p for k, p in zeni if k == "contact"))
        back = np.array(sorted(p for k, p in zeni if k == "toe_off"))
        stride = _median_stride_s(reach, dt)
        if not np.isfinite(stride):
            return []
        ics = []
        for p in reach:
            later = back[(back > p) & ((back - p) * dt < 0.8 * stride)]
            # Without the toe's rearmost point (clip end, occlusion), 60% of a stride covers the stance.
            end = later[0] * dt if later.size else min(p * dt + 0.6 * stride, signals.t[-1] - signals.t[0])
            ic = _landing(signals, side, p * dt, end)
            if ic is not None:
                ics.append(ic)
        return _with_toe_offs(signals, side, ics)


@dataclass(frozen=True)
class HeelKneeDetector:
    name: str = "heel_knee"
    min_lift_l: float = 0.15  # the foot rises at least this far between stances (leg lengths)

    def detect(self, signals: GaitSignals, side: str) -> Raw:
        y, dt = signals.feet[side].foot_y, signals.dt
        ics = []  # one stance = one prominent lowest point; contact = where the descent before it ends
        for c in find_extrema(y, dt, self.min_lift_l, MIN_STRIDE_S):
            found = _slope_drop(y, dt, c * dt - 0.35, c * dt)
            if found is not None and min(found[1], found[2]) >= LANDING_SPEED_L_S:
                ics.append(found[0])
        return _with_toe_offs(signals, side, ics)


DETECTORS: MappingProxyType[str, Callable[[], GaitEventDetector]] = MappingProxyType({
    "zeni": ZeniDetector,
    "hybrid": HybridDetector,
    "heel_knee": HeelKneeDetector,
})


def make_detector(name: str) -> GaitEventDetector:
    """A detector by name; unknown names raise ValueError listing the valid ones."""
    try:
        return DETECTORS[name]()
    except (KeyError, TypeError):
        raise ValueError(f"unknown gait event method {name!r}; valid: {sorted(DETECTORS)} or 'auto'") from None


def hip_phase_mode(signals: GaitSignals) -> str:
    """"running" when the hips are lowest in midstance, "walking" when highest, else "unknown".

    Midstance = halfway between a foot's Zeni contact and toe-off (their errors, early and late,
    roughly cancel). Compares the hip-mid height there with its mean (image y down: running gives a
    larger y); three in four must agree."""
    diffs = []
    mean_y = np.nanmean(signals.hip_y) if np.isfinite(signals.hip_y).any() else np.nan
    for side in SIDES:
        if not signals.feet[side].usable:
            continue
        raw = ZeniDetector().detect(signals, side)
        ic = np.array(sorted(p for k, p in raw if k == "contact"))
        to = np.array(sorted(p for k, p in raw if k == "toe_off"))
        for p in ic:
            later = to[to > p]
            if later.size and (later[0] - p) * signals.dt < MAX_STRIDE_S / 2:
                diffs.append(signals.hip_y[int(round((p + later[0]) / 2))] - mean_y)
    diffs = np.asarray(diffs, dtype=np.float64)
    diffs = diffs[np.isfinite(diffs)]
    if diffs.size < 2:
        return "unknown"
    share = float(np.mean(diffs > 0))
    return "running" if share >= 0.75 else "walking" if share <= 0.25 else "unknown"


def _rhythm(events: list[GaitEvent]) -> list[GaitEvent]:
    """The rhythm mask of the module docstring."""
    contacts = {s: np.array(sorted(e.t_s for e in events if e.kind == "contact" and e.side == s)) for s in SIDES}
    strides = [m for m in (_median_stride_s(contacts[s], 1.0) for s in SIDES) if np.isfinite(m)]
    stride = float(np.median(strides)) if strides else MIN_STRIDE_S
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


# -- public API --------------------------------------------------------------------------------------
def direction_sign(direction) -> int:
    """+1/-1 from a `Direction`, a sign, or per-frame signs (T,) (+1/-1/NaN; the majority)."""
    sign = direction.sign if isinstance(direction, Direction) else direction
    if not isinstance(sign, (bool, str)) and np.ndim(sign) == 1:
        arr = np.asarray(sign, dtype=np.float64)
        ok = arr[np.isfinite(arr)]
        if ok.size and np.all(np.isin(ok, (-1.0, 1.0))):
            return 1 if np.sum(ok > 0) >= np.sum(ok < 0) else -1
    elif not isinstance(sign, (bool, str)) and sign in (1, -1):
        return int(sign)
    raise ValueError(f"direction must be a Direction, +1/-1 or per-frame signs, got {direction!r}")


def _support(kind: str, method: str, side: str) -> list[int]:
    """Landmarks that place an event: their visibility is its confidence."""
    hip, knee, ankle, heel, toe = _leg(side)
    if method == "zeni":
        return [int(Lm.LEFT_HIP), int(Lm.RIGHT_HIP), heel if kind == "contact" else toe]
    return [heel, toe] if kind == "contact" else [hip, knee, ankle]


def detect_gait_events(track: PoseTrack, direction, method: str = "auto",
                       min_visibility: float = 0.5) -> list[GaitEvent]:
    """Contacts and toe-offs of both feet, sorted by time.

    Args:
        track: a cleaned side-view PoseTrack (the pipeline's `clean_track` output); not modified.
        direction: a `Direction` or +1 (runner faces image-right) / -1.
        method: "auto" (module docstring) or a name in `DETECTORS`.
        min_visibility: [0, 1]; feet and events below it are dropped (module docstring).

    Returns:
        GaitEvents with sub-frame `t_s`, `frame` = nearest track row, `confidence` = mean visibility
        of the landmarks that placed it, `method` = the detector used. Empty below 5 frames.

    Raises:
        ValueError: bad track, direction, method or min_visibility.
    """
    if not isinstance(track, PoseTrack):
        raise ValueError(f"track must be a PoseTrack, got {type(track).__name__}")
    if method != "auto":
        make_detector(method)
    if isinstance(min_visibility, bool) or not isinstance(min_visibility, (int, float)) \
            or not 0.0 <= min_visibility <= 1.0:
        raise ValueError(f"min_visibility must be a number in [0, 1], got {min_visibility!r}")
    d = direction_sign(direction)
    if len(track) < 5:
        return []
    signals = gait_signals(track, d, min_visibility)
    if method == "auto":
        mode = hip_phase_mode(signals)
        method = "zeni" if mode == "walking" else "hybrid"
        logger.info("gait events: hips say %s, using %s", mode, method)
    detector = make_detector(method)
    events, t = [], track.t_s
    for side in SIDES:
        if not signals.feet[side].usable:
            logger.info("gait events: %s foot mostly unseen (visibility < %.2f), dropped", side, min_visibility)
            continue
        for kind, pos in detector.detect(signals, side):
            t_ev = float(signals.t[0] + pos * signals.dt)
            lms = _support(kind, method, side)
            near = (t >= t_ev - SUPPORT_S) & (t <= t_ev + SUPPORT_S)
            j = int(np.searchsorted(t, t_ev))
            near[max(j - 1, 0):min(j + 1, len(t))] = True
            conf = float(np.mean(track.visibility[near][:, lms]))
            if not np.isfinite(track.xy_px[near][:, lms]).all() or conf < min_visibility:
                continue
            frame = int(np.argmin(np.abs(t - t_ev)))
            events.append(GaitEvent(kind, side, frame, t_ev, min(conf, 1.0), method))
    return sorted(_rhythm(events), key=lambda e: (e.t_s, e.side, e.kind))


def stances(events: list[GaitEvent], track: PoseTrack) -> list[Stance]:
    """Each contact paired with the next toe-off of the same foot, if that comes before the foot's
    next contact; midstance = the row with the lowest hip-mid (largest image y) in stance."""
    out = []
    hip_y = (track.xy_px[:, Lm.LEFT_HIP, 1] + track.xy_px[:, Lm.RIGHT_HIP, 1]) / 2
    for side in SIDES:
        mine = sorted((e for e in events if e.side == side), key=lambda e: e.t_s)
        for a, b in zip(mine[:-1], mine[1:]):
            if a.kind != "contact" or b.kind != "toe_off" or not b.t_s > a.t_s:
                continue
            rows = np.flatnonzero((track.t_s >= a.t_s) & (track.t_s <= b.t_s))
            mid = None
            if rows.size and np.isfinite(hip_y[rows]).any():
                mid = int(rows[np.nanargmax(hip_y[rows])])
            out.append(Stance(side, a, b, mid))
    return sorted(out, key=lambda s: s.contact.t_s)
