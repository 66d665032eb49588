"""Side-view contacts of both feet at once, from the front-most heel, with the feet's alternation.

    events = stepping_events(track, signals, toe_offs="knee", min_visibility=0.5)

**Contacts.** At every contact the landing heel is the one furthest ahead of the
hips: the front-most heel, `max(d·(x_heel_L - x_hipmid), d·(x_heel_R - x_hipmid))`
in leg lengths, peaks once a step, whichever label MediaPipe gives the foot.
Per-foot detectors (`gait.DETECTORS`) read one label's heel, and a stretch
where the pose model swaps the legs' labels (home_treadmill_run_side.mp4,
frames ~210-300) turns its contacts into off-rhythm ones that the rhythm mask
then drops. Measured against the contacts marked by eye on that clip (34, 30
fps): the front-most heel's peaks are within one frame of 33, mean error
+0.15 frames; the per-foot Zeni maxima of 30 (3 lost to the swap); the
landing detector ("hybrid", where the foot has lost 80% of its speed over the
belt) of 8, +1.3 frames late and 5 lost. With MediaPipe landmarks, the heel's
furthest reach is the frame the eye sees the foot land, in running as in
walking (Zeni et al. 2008 validated it in walking).

Peaks must be at least `STEP_SEPARATION` of a step apart, the step taken from
the legs' own rhythm (`step_period_s`, autocorrelation, 0.2-8 s): so the same
rule holds at 24 or 240 frames/s and in slow motion, where a fixed shortest
stride in seconds would reject every step.

**Landing.** A jogger's foot is down when the heel is furthest ahead (the
treadmill clip); a sprinter's swing leg pulls back before touchdown, so the
heel's reach comes while the foot still falls, 2 frames (70 ms) before the
contacts marked by eye on sprint_100m_pan_several.mp4. Where the foot is
still descending faster than `LANDING_DESCENT_L_S` at the reach, contact is
where that descent has slowed to it.

**Side.** Each contact belongs to the label whose heel is in front at its peak
(the landmarks the stride's metrics then read are that foot's).

**Alternation.** Feet take turns: a gap of about two steps (`MISSED_STEP`)
between consecutive contacts hides one contact of the other foot, most often
the far foot seen behind the near leg. It is placed halfway, marked
`method="inferred"` with confidence `INFERRED_CONFIDENCE`: it counts as a step
(cadence, step time) and is never used for a per-foot metric (its landmarks
were not seen).

**Toe-offs** after each seen contact, from the same foot: peak knee extension
between the stance and swing flexion peaks (running; Fellin et al. 2010), or
the toe's rearmost point relative to the hips (walking; Zeni et al. 2008).
Which gait is the hips' verdict (`gait.hip_phase`); when the hips cannot tell,
the step rate (`gait_by_step_rate`): in walking the knee's extension peak comes
at terminal stance, before the other foot lands, and would look like flight
(sports2d_demo_walk_side.mp4).
"""

from __future__ import annotations

import numpy as np

from formcheck.events.model import SIDES, GaitEvent
from formcheck.events.rhythm import channels_period_s
from formcheck.events.signals import (
    GaitSignals,
    argext,
    crossing,
    find_extrema,
    leg_landmarks,
    to_events,
)
from formcheck.landmarks import Landmark as Lm
from formcheck.track import PoseTrack

#: [H] Two peaks of the front-most heel closer than this share of a step are one contact.
STEP_SEPARATION = 0.6
#: [H] A gap between consecutive contacts this many steps long hides one contact.
MISSED_STEP = (1.6, 2.4)
#: [H] Confidence of a contact placed by the alternation, not seen; its method name.
INFERRED_CONFIDENCE = 0.3
INFERRED = "inferred"
#: [H] Heel excursion about the hips a contact needs, leg lengths (running ~0.8, walking ~0.5).
PROMINENCE_L = 0.15
#: [H] A rhythm weaker than this (autocorrelation) gives no step period.
MIN_RHYTHM = 0.2
#: [H] Half-width of the parabola fitted to a contact's peak (a flat top spans ~40 ms at a jog).
PEAK_FIT_S = 0.02
#: [H] A foot descending faster than this (leg lengths/s) at the heel's reach is still in the air:
#: a swinging foot comes down at 3-6 L/s (a sprinter's, sprint_100m_pan_several.mp4), a landed one
#: drifts at under 1 L/s (the treadmill clip's, perspective and the belt; the synthetic runner lands
#: at 0.55 L/s).
LANDING_DESCENT_L_S = 1.5
#: Shortest step whatever the rhythm says: 300 steps/min in real time.
MIN_STEP_S = 0.2

#: [E] Steps a minute that separate walking from running when the hips cannot tell: preferred
#: walking cadence is 100-120 and the walk-run transition ~130-140; nobody runs below ~140 in real
#: time (Lieberman et al. 2015). Only picks the toe-off cue: slow motion is judged elsewhere.
WALK_RUN_SPM = 135.0

_OTHER = {"left": "right", "right": "left"}


def gait_by_step_rate(step_s: float) -> str:
    """"walking" below WALK_RUN_SPM, "running" at or above it, "unknown" without a step period."""
    if not (np.isfinite(step_s) and step_s > 0):
        return "unknown"
    return "walking" if 60.0 / step_s < WALK_RUN_SPM else "running"


def step_period_s(signals: GaitSignals) -> float:
    """Half the legs' stride period (s): autocorrelation of both heels' positions about the hips
    (`events.rhythm.rhythm`, 0.2-8 s); NaN without a clear rhythm."""
    channels = [signals.feet[s].rel_heel for s in SIDES if signals.feet[s].usable]
    return channels_period_s(channels, signals.t, MIN_RHYTHM) / 2


def front_heel(signals: GaitSignals) -> np.ndarray:
    """(N,) the front-most usable heel's distance ahead of the hips, leg lengths (NaN where none)."""
    heels = [signals.feet[s].rel_heel for s in SIDES if signals.feet[s].usable]
    if not heels:
        return np.full(signals.t.shape, np.nan)
    with np.errstate(invalid="ignore"):
        return np.fmax.reduce(np.vstack(heels), axis=0)


def _label_at(signals: GaitSignals, pos: float) -> str | None:
    """The usable foot whose heel is in front at grid position `pos`."""
    i = int(round(pos))
    best, ahead = None, -np.inf
    for s in SIDES:
        foot = signals.feet[s]
        if foot.usable and 0 <= i < foot.rel_heel.shape[0] and np.isfinite(foot.rel_heel[i]) \
                and foot.rel_heel[i] > ahead:
            best, ahead = s, float(foot.rel_heel[i])
    return best


def toe_off_by_knee(signals: GaitSignals, side: str, ic_pos: float, stride_s: float) -> float | None:
    """Peak knee extension between the stance flexion peak (first 30% of the stride) and the swing
    flexion peak (30-90%): the extension peak after the shallower flexion (Young et al. 2023)."""
    knee, dt = signals.feet[side].knee_deg, signals.dt
    t_ic = ic_pos * dt
    stance_pk = argext(knee, t_ic, t_ic + 0.3 * stride_s, dt, 1.0)
    swing_pk = argext(knee, t_ic + 0.3 * stride_s, t_ic + 0.9 * stride_s, dt, 1.0)
    if stance_pk is None or swing_pk is None:
        return None
    return argext(knee, stance_pk * dt, swing_pk * dt, dt, -1.0)


def _toe_off_by_toe(signals: GaitSignals, side: str, ic_pos: float, stride_s: float) -> float | None:
    """The toe's rearmost point relative to the hips within the stride after contact (Zeni)."""
    dt = signals.dt
    return argext(signals.feet[side].rel_toe, ic_pos * dt + 0.2 * stride_s, ic_pos * dt + 0.9 * stride_s, dt, -1.0)


def _support(kind: str, side: str, toe_offs: str) -> list[int]:
    hip, knee, ankle, heel, toe = leg_landmarks(side)
    if kind == "contact":
        return [int(Lm.LEFT_HIP), int(Lm.RIGHT_HIP), heel]
    return [hip, knee, ankle] if toe_offs == "knee" else [int(Lm.LEFT_HIP), int(Lm.RIGHT_HIP), toe]


def stepping_events(track: PoseTrack, signals: GaitSignals, toe_offs: str = "knee",
                    min_visibility: float = 0.5) -> list[GaitEvent]:
    """Contacts (seen and inferred) and toe-offs of both feet, sorted by time (module docstring).

    Args:
        track: the track `signals` were made from (`gait_signals`), for the visibility gate.
        toe_offs: "knee" (running) or "toe" (walking).
        min_visibility: events whose landmarks are less visible are dropped (then inferred, for
            contacts, where the alternation says one is missing).
    """
    if toe_offs not in ("knee", "toe"):
        raise ValueError(f"toe_offs must be 'knee' or 'toe', got {toe_offs!r}")
    dt, t0 = signals.dt, float(signals.t[0])
    step = step_period_s(signals)
    sep = max(STEP_SEPARATION * step, MIN_STEP_S) if np.isfinite(step) else MIN_STEP_S
    method = "front_heel"
    seen: list[GaitEvent] = []
    front = front_heel(signals)
    for pos in find_extrema(front, dt, PROMINENCE_L, sep):
        pos = _peak_position(front, pos, dt)
        side = _label_at(signals, pos)
        if side is not None:
            pos = _landed(signals, side, pos, step)
            seen += to_events(track, t0, dt, side, [("contact", float(pos))],
                              lambda kind, s=side: _support(kind, s, toe_offs), method, min_visibility)
    contacts = sorted(seen, key=lambda e: e.t_s)
    if np.isfinite(step):
        contacts = sorted(contacts + _inferred(contacts, step, track), key=lambda e: e.t_s)
    stride = 2 * step if np.isfinite(step) else _median_gap(contacts) * 2
    events = list(contacts)
    if np.isfinite(stride):
        place = toe_off_by_knee if toe_offs == "knee" else _toe_off_by_toe
        for e in contacts:
            if e.method != method:
                continue
            pos = place(signals, e.side, (e.t_s - t0) / dt, stride)
            if pos is not None:
                events += to_events(track, t0, dt, e.side, [("toe_off", pos)],
                                    lambda kind, s=e.side: _support(kind, s, toe_offs), method, min_visibility)
    return sorted(events, key=lambda e: (e.t_s, e.side, e.kind))


def _peak_position(y: np.ndarray, pos: float, dt: float) -> float:
    """The peak near `pos` to a fraction of a sample: a parabola fitted by least squares to the
    samples within PEAK_FIT_S of the highest (at least its two neighbours): at high frame rates
    three samples span a few milliseconds of a flat top, and landmark noise moves their vertex."""
    i = int(round(pos))
    half = max(1, int(round(PEAK_FIT_S / dt)))
    a, b = i - half, i + half + 1
    if a < 0 or b > y.shape[0] or not np.all(np.isfinite(y[a:b])):
        return pos
    k = np.arange(a, b) - i
    c2, c1, _ = np.polyfit(k, y[a:b], 2)
    if c2 >= 0:
        return pos
    return float(i + np.clip(-c1 / (2 * c2), -half, half))


def _landed(signals: GaitSignals, side: str, reach: float, step_s: float) -> float:
    """Contact from the heel's furthest reach (grid position): the reach itself when the foot is
    already down there, else the end of its descent (module docstring, "Landing")."""
    y, dt = signals.feet[side].foot_y, signals.dt
    down = np.gradient(y, dt)  # image y points down: > 0 while the foot descends
    i = int(round(reach))
    if not (0 <= i < down.shape[0] and np.isfinite(down[i])) or down[i] <= LANDING_DESCENT_L_S:
        return reach
    span = 0.5 * step_s if np.isfinite(step_s) else MIN_STEP_S
    end = crossing(down, LANDING_DESCENT_L_S, dt, reach * dt, reach * dt + span)
    return end if end is not None else reach


def _median_gap(contacts: list[GaitEvent]) -> float:
    t = np.array([e.t_s for e in contacts])
    return float(np.median(np.diff(t))) if t.size >= 2 else float("nan")


def with_inferred_contacts(events: list[GaitEvent], track: PoseTrack, step_s: float = float("nan")) -> list[GaitEvent]:
    """`events` (any detector's) with a contact of the other foot halfway across each gap of about
    two steps between consecutive contacts (module docstring, "Alternation"), sorted by time.
    step_s: the step time; NaN: the median gap between consecutive contacts of different feet."""
    contacts = sorted((e for e in events if e.kind == "contact"), key=lambda e: e.t_s)
    if not np.isfinite(step_s):
        gaps = [b.t_s - a.t_s for a, b in zip(contacts[:-1], contacts[1:]) if a.side != b.side]
        step_s = float(np.median(gaps)) if len(gaps) >= 2 else float("nan")
    if not np.isfinite(step_s) or step_s <= 0:
        return sorted(events, key=lambda e: (e.t_s, e.side, e.kind))
    return sorted(list(events) + _inferred(contacts, step_s, track), key=lambda e: (e.t_s, e.side, e.kind))


def _inferred(contacts: list[GaitEvent], step: float, track: PoseTrack) -> list[GaitEvent]:
    """One contact of the other foot halfway across each gap of about two steps."""
    out = []
    for a, b in zip(contacts[:-1], contacts[1:]):
        gap = (b.t_s - a.t_s) / step
        if MISSED_STEP[0] <= gap <= MISSED_STEP[1]:
            t = (a.t_s + b.t_s) / 2
            frame = int(np.argmin(np.abs(track.t_s - t)))
            out.append(GaitEvent("contact", _OTHER[a.side], frame, float(t), INFERRED_CONFIDENCE, INFERRED))
    return out
