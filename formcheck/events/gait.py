"""Gait events per foot, initial contact (IC) and toe-off (TO), from a clean side-view track.

Detectors (METRICS.md §1 "Events"), looked up by name in `DETECTORS`:

* "zeni": IC = max of d·(x_heel - x_hipmid), TO = min of d·(x_toe - x_hipmid)
  (Zeni et al. 2008). Relative to the hips, so it works on a treadmill,
  overground and with a panning camera, and it is robust (no thresholds
  on heights). Validated for walking (Zeni et al. 2008); in running its IC
  is the landing too (on the real treadmill clip 30 of 34 contacts marked
  by eye within a frame, the others lost to a stretch of swapped leg
  labels), but the toe keeps moving back after toe-off, so its TO is late
  (~80 ms on the synthetic runner) [W].
* "hybrid": Zeni's extremes give one window per stride; IC = the
  first time after the heel's furthest reach that the heel (or the foot
  index, for a forefoot strike) moves over the image no faster than the
  ground under it, measured from the stance itself (at rest overground,
  the belt's speed on a treadmill: "foot speed ~ 0" is never assumed);
  TO = peak knee extension between the stance and the swing knee-flexion
  peaks (Fellin et al. 2010: TO ~5 ms from force plates, treadmill and
  overground; Young et al. 2023 tell the extension peaks apart the same
  way). Its IC is late: the landing foot keeps moving over the ground for
  a few tens of ms (+1.3 frames on the real treadmill clip, +45 ms on the
  synthetic runner).
* "heel_knee" (cross-check, METRICS.md §1 event 1): IC = end of the foot's
  downward velocity (largest drop of the vertical speed of its lowest
  landmark), TO as in "hybrid". On a real treadmill clip the heel skims
  the belt for ~0.1 s before landing and the foot index sits lower than
  the heel once the foot is flat, so the vertical cue is unreliable there.

`method="auto"` finds the contacts of both feet at once, from the front-most
heel (`formcheck.events.stepping`): robust to the pose model swapping the
legs' labels, and with a contact missed by the far foot placed from the feet's
alternation (marked "inferred"). Measured on the 34 contacts marked by eye on
home_treadmill_run_side.mp4, 33 within one frame (the per-foot "hybrid" 8,
"zeni" 30). Toe-offs: peak knee extension in running, the toe's rearmost point
in walking; which gait, the hips say (`hip_phase_votes`, below), or the step
rate where they cannot. The per-foot detectors above stay for
`method=NAME` and for comparison.

The hip phase is read at the midstances of
the Zeni events that keep the clip's rhythm, over a whole step each, and
weighed by its size (`hip_phase_votes`): on a real walking clip
(sports2d_demo_walk_side.mp4) a stretch of swapped leg labels made the
plain per-stance vote inconclusive. Each detector's events confirm its own
gait (a knee toe-off comes at terminal stance in walking and looks like
flight; Zeni's early contacts and late toe-offs make running look like
double support), so the choice cannot come from them.

Views. This module reads a side view. `detect_gait_events(..., view="rear")`
or `view="front"` hands the track to `formcheck.events.frontal` (feet's
vertical motion; the direction does not matter there).

Timing, staged masks (prominence, minimum period, rhythm between the feet)
and the visibility gate are shared with the frontal detector and described
in `formcheck.events.signals`: every window and limit is in seconds or leg
lengths (L = median hip-ankle distance of that leg in pixels), events are
sub-frame. A foot whose landmarks have median visibility below
`min_visibility` gives no events (in a side view, usually the far leg).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol, runtime_checkable

import numpy as np

from formcheck.events.frontal import FRONTAL_VIEWS, detect_frontal_events
from formcheck.events.model import SIDES, GaitEvent, Stance
from formcheck.events.stepping import (
    gait_by_step_rate,
    step_period_s,
    stepping_events,
    toe_off_by_knee,
    with_inferred_contacts,
)
from formcheck.events.signals import (  # noqa: F401  (public names of this module since the split)
    KINK_S,
    MAX_STRIDE_S,
    MIN_STEP_S,
    MIN_STRIDE_S,
    REPEAT_FRACTION,
    RHYTHM_TOL,
    SUPPORT_S,
    FootSignals,
    GaitSignals,
    Raw,
    argext,
    crossing,
    find_extrema,
    gait_signals,
    leg_landmarks,
    median_stride_s,
    rhythm_mask,
    rhythm_stride_s,
    slope_drop,
    to_events,
)
from formcheck.kinematics.direction import Direction
from formcheck.landmarks import Landmark as Lm
from formcheck.track import PoseTrack

logger = logging.getLogger(__name__)

ZENI_PROMINENCE_L = 0.15  # heel/toe excursion about the hips, leg lengths (running ~0.8 L)
LANDING_SPEED_L_S = 0.3  # the landing foot moves at least this fast over the ground before (leg lengths/s)
GROUND_PERCENTILE = 25  # of the foot index's forward speed from reach to toe-off: the ground's speed
# Share of its speed over the ground that the landing foot may keep: 0.2 puts contact where the
# foot's slow-down is 80% done. On the synthetic runner (touchdown at 0.4 m/s over the ground after
# a 60 ms slow-down) this is -4..+12 ms at 25-240 fps; on the real treadmill clip it matches the
# frame where the shoe visibly lands (~frame 16.5 of 30 fps) [H].
LANDING_SLACK = 0.2
HIP_PHASE_AGREEMENT = 0.75  # share of stances whose hip phase must agree for "running" / "walking"


# -- contact and toe-off ---------------------------------------------------------------------------
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
        pos = crossing(v, v_ground + LANDING_SLACK * (v[i] - v_ground), dt, reach_s, end_s)
        if pos is not None and (first is None or pos < first):
            first = pos
    return first


def _with_toe_offs(signals: GaitSignals, side: str, ics) -> Raw:
    """The contacts, and after each its knee toe-off (needs the foot's median stride)."""
    stride = median_stride_s(ics, signals.dt)
    out: Raw = [("contact", float(p)) for p in ics]
    if np.isfinite(stride):
        for p in ics:
            to = toe_off_by_knee(signals, side, p, stride)
            if to is not None:
                out.append(("toe_off", to))
    return out


# -- detectors -------------------------------------------------------------------------------------
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
        stride = median_stride_s(reach, dt)
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
            found = slope_drop(y, dt, c * dt - 0.35, c * dt)
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


def hip_phase_votes(signals: GaitSignals) -> np.ndarray:
    """One value per stance: + when the hips are lowest at midstance (running), - when highest
    (walking), in leg lengths (the hip-mid height's cosine component over one step about midstance).

    Midstance = halfway between a foot's Zeni contact and toe-off (in running their errors, early
    and late, roughly cancel), for the contacts that keep the clip's rhythm (`rhythm_mask`: a
    stretch of bad tracking gives extra contacts out of it). Around each midstance, over one step
    (half the `rhythm_stride_s`), the hip-mid image height minus its mean is projected on a cosine
    peaking at midstance: every sample counts, not one, and a drift up or down the image (camera
    tilt, a slope) is odd about midstance and cancels."""
    dt, n = signals.dt, signals.hip_y.shape[0]
    events = []
    for side in SIDES:
        if signals.feet[side].usable:
            events += [GaitEvent(kind, side, int(round(p)), float(p * dt), 1.0, "zeni")
                       for kind, p in ZeniDetector().detect(signals, side)]
    events = rhythm_mask(events)
    step = rhythm_stride_s([np.array([e.t_s for e in events if e.kind == "contact" and e.side == s])
                            for s in SIDES]) / 2
    votes = []
    for side in SIDES:
        ic = sorted(e.t_s for e in events if e.side == side and e.kind == "contact")
        to = np.array(sorted(e.t_s for e in events if e.side == side and e.kind == "toe_off"))
        for t in ic:
            later = to[to > t]
            if not (np.isfinite(step) and later.size and later[0] - t < 2 * step):  # within the stride
                continue
            mid = (t + later[0]) / 2
            i0, i1 = int(np.ceil((mid - step / 2) / dt)), int(np.floor((mid + step / 2) / dt))
            if i0 < 0 or i1 >= n or not np.isfinite(signals.hip_y[i0:i1 + 1]).all():
                continue
            c = np.cos(2 * np.pi * (np.arange(i0, i1 + 1) * dt - mid) / step)
            c -= c.mean()
            votes.append(float(np.sum(signals.hip_y[i0:i1 + 1] * c) / np.sum(c * c)))
    return np.asarray(votes, dtype=np.float64)


@dataclass(frozen=True)
class HipPhase:
    """What the hips' rise and fall over each step say: mode "running" (lowest at
    midstance, a spring), "walking" (highest, an inverted pendulum) or "unknown";
    share: the weight of the stances that agree with it (0..1); stances: how many voted."""

    mode: str
    share: float
    stances: int


def hip_phase(signals: GaitSignals) -> HipPhase:
    """`hip_phase_votes` of at least 2 stances, weighted by their size (a stance whose hips
    hardly move at the step's rhythm says little), must agree by HIP_PHASE_AGREEMENT."""
    votes = hip_phase_votes(signals)
    if votes.size < 2 or not np.any(votes != 0):
        return HipPhase("unknown", 0.0, int(votes.size))
    share = float(np.sum(votes[votes > 0]) / np.sum(np.abs(votes)))
    if share >= HIP_PHASE_AGREEMENT:
        return HipPhase("running", share, int(votes.size))
    if share <= 1 - HIP_PHASE_AGREEMENT:
        return HipPhase("walking", 1 - share, int(votes.size))
    return HipPhase("unknown", max(share, 1 - share), int(votes.size))


def hip_phase_mode(signals: GaitSignals) -> str:
    """"running" when the hips are lowest at midstance, "walking" when highest, else "unknown"
    (`hip_phase`)."""
    return hip_phase(signals).mode


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
    hip, knee, ankle, heel, toe = leg_landmarks(side)
    if method == "zeni":
        return [int(Lm.LEFT_HIP), int(Lm.RIGHT_HIP), heel if kind == "contact" else toe]
    return [heel, toe] if kind == "contact" else [hip, knee, ankle]


VIEWS = ("side",) + FRONTAL_VIEWS


def detect_gait_events(track: PoseTrack, direction, method: str = "auto", view: str = "side",
                       min_visibility: float = 0.5) -> list[GaitEvent]:
    """Contacts and toe-offs of both feet, sorted by time.

    Args:
        track: a cleaned PoseTrack (the pipeline's `clean_track` output); not modified.
        direction: side view: a `Direction`, +1 (runner faces image-right) / -1, or per-frame signs.
            Ignored (may be None) for the rear and front views.
        method: "auto" (module docstring) or a name in `DETECTORS` (side view); "auto" or
            "frontal" for the rear and front views.
        view: "side", or "rear" / "front" for the frontal-plane detector
            (`formcheck.events.frontal.detect_frontal_events`).
        min_visibility: [0, 1]; feet and events below it are dropped (module docstring).

    Returns:
        GaitEvents with sub-frame `t_s`, `frame` = nearest track row, `confidence` = mean visibility
        of the landmarks that placed it, `method` = the detector used. Empty below 5 frames.

    Raises:
        ValueError: bad track, direction, method, min_visibility or view.
    """
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    if view in FRONTAL_VIEWS:
        if method not in ("auto", "frontal"):
            raise ValueError(f"method {method!r} needs a side view; with view={view!r} use 'auto' or 'frontal'")
        # The feet take turns from behind or in front too: a contact lost between two of the other
        # foot's is placed from the alternation, as in a side view (events.stepping).
        return with_inferred_contacts(detect_frontal_events(track, min_visibility), track)
    if not isinstance(track, PoseTrack):
        raise ValueError(f"track must be a PoseTrack, got {type(track).__name__}")
    if method == "frontal":
        raise ValueError("method 'frontal' reads a rear or front view: pass view='rear' or view='front'")
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
        if mode == "unknown":  # the step rate says which toe-off cue holds (stepping.gait_by_step_rate)
            mode = gait_by_step_rate(step_period_s(signals))
        logger.info("gait events: %s; contacts from the front-most heel", mode)
        return stepping_events(track, signals, "toe" if mode == "walking" else "knee", min_visibility)
    detector = make_detector(method)
    events = []
    for side in SIDES:
        if not signals.feet[side].usable:
            logger.info("gait events: %s foot mostly unseen (visibility < %.2f), dropped", side, min_visibility)
            continue
        events += to_events(track, float(signals.t[0]), signals.dt, side, detector.detect(signals, side),
                            lambda kind, s=side: _support(kind, method, s), method, min_visibility)
    return sorted(rhythm_mask(events), key=lambda e: (e.t_s, e.side, e.kind))


def side_view_hip_phase(track: PoseTrack, direction, min_visibility: float = 0.5) -> HipPhase:
    """The hips' verdict on running or walking in a side view (`hip_phase`), the one `method="auto"`
    chooses its detector by: evidence apart from the events, whose own timing biases confirm
    whichever gait chose them (module docstring)."""
    if len(track) < 5:
        return HipPhase("unknown", 0.0, 0)
    return hip_phase(gait_signals(track, direction_sign(direction), min_visibility))


def stances(events: list[GaitEvent], track: PoseTrack) -> list[Stance]:
    """Each contact paired with the next toe-off of the same foot, if that comes before the foot's
    next contact; midstance = the row with the lowest hip-mid (largest image y) in stance."""
    out = []
    hip_y = (track.xy_px[:, Lm.LEFT_HIP, 1] + track.xy_px[:, Lm.RIGHT_HIP, 1]) / 2
    for side in SIDES:
        # Inferred contacts (events.stepping) have no toe-off and were not seen: no stance.
        mine = sorted((e for e in events if e.side == side and e.method != "inferred"), key=lambda e: e.t_s)
        for a, b in zip(mine[:-1], mine[1:]):
            if a.kind != "contact" or b.kind != "toe_off" or not b.t_s > a.t_s:
                continue
            rows = np.flatnonzero((track.t_s >= a.t_s) & (track.t_s <= b.t_s))
            mid = None
            if rows.size and np.isfinite(hip_y[rows]).any():
                mid = int(rows[np.nanargmax(hip_y[rows])])
            out.append(Stance(side, a, b, mid))
    return sorted(out, key=lambda s: s.contact.t_s)
