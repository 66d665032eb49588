"""Running or walking, from the gait events.

Running has a flight phase: each foot leaves the ground before the other one
lands, and a foot is on the ground for less than half of its stride (duty
factor < 50%). Walking has double support: the other foot lands before this
one leaves (its contact comes between this foot's contact and toe-off), and
the duty factor is above 50%.

Two kinds of evidence, counted per step:

* double support vs flight, where both feet have events: for each contact
  of one foot, the other foot's last contact before it and that foot's
  toe-off after that; toe-off after the contact = double support.
* duty factor per stride (contact -> toe-off -> next contact, one foot):
  the only evidence when one foot is hidden (side view, far leg). Within
  `DF_MARGIN` of 50% a stride does not vote: event timing errors of ~1 frame
  at 30 fps move the duty factor by ~5 points [H].

The mode is the majority when at least `MIN_VOTES` steps voted and at least
`MIN_AGREEMENT` of them agree; confidence is the agreeing share.

Where the events do not settle it, the hips may (side view): lowest at
midstance in running (a spring), highest in walking (an inverted pendulum),
`formcheck.events.gait.hip_phase`. On the real walking clip
(sports2d_demo_walk_side.mp4) a stretch of swapped leg labels leaves the
feet's events split, 2 steps to 1, while the hips say walking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from formcheck.events.gait import HipPhase
from formcheck.events.model import SIDES, GaitEvent

MODES = ("running", "walking", "unknown")
DF_MARGIN = 0.05
MIN_VOTES = 2
MIN_AGREEMENT = 0.7
MAX_STRIDE_S = 2.0  # a longer gap between contacts of one foot is a missed contact, not a stride


@dataclass(frozen=True)
class GaitMode:
    """mode: "running", "walking" or "unknown"; confidence 0..1 (share of agreeing steps);
    reason: what decided it, in words."""

    mode: str
    confidence: float
    reason: str

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence must be in [0, 1], got {self.confidence}")


def _times(events: Sequence[GaitEvent], side: str, kind: str) -> np.ndarray:
    return np.array(sorted(e.t_s for e in events if e.side == side and e.kind == kind))


def _support_votes(events: Sequence[GaitEvent]) -> tuple[int, int]:
    """(double-support steps, flight steps) where both feet have events."""
    double = flight = 0
    for side in SIDES:
        other = "left" if side == "right" else "right"
        other_ic, other_to = _times(events, other, "contact"), _times(events, other, "toe_off")
        for t in _times(events, side, "contact"):
            before = other_ic[other_ic < t]
            if before.size == 0 or t - before[-1] > MAX_STRIDE_S / 2:
                continue
            after = other_to[other_to > before[-1]]
            next_ic = other_ic[other_ic > before[-1]]
            if after.size == 0 or (next_ic.size and after[0] > next_ic[0]):
                continue  # that foot's toe-off was not seen
            if after[0] > t:
                double += 1
            else:
                flight += 1
    return double, flight


def duty_factors(events: Sequence[GaitEvent]) -> np.ndarray:
    """Duty factor (0..1) of every stride with contact, toe-off and next contact of one foot."""
    out = []
    for side in SIDES:
        ic, to = _times(events, side, "contact"), _times(events, side, "toe_off")
        for a, b in zip(ic[:-1], ic[1:]):
            if b - a > MAX_STRIDE_S:
                continue
            inside = to[(to > a) & (to < b)]
            if inside.size == 1:
                out.append((inside[0] - a) / (b - a))
    return np.asarray(out, dtype=np.float64)


def gait_mode(events: Sequence[GaitEvent], hips: HipPhase | None = None) -> GaitMode:
    """Running, walking or unknown (module docstring); `hips` decides where the events do not."""
    by_events = _events_mode(events)
    if by_events.mode != "unknown" or hips is None or hips.mode == "unknown":
        return by_events
    where = "lowest" if hips.mode == "running" else "highest"
    return GaitMode(hips.mode, hips.share,
                    f"the hips are {where} at midstance ({hips.stances} steps, {100 * hips.share:.0f}% of their "
                    f"weight agree); the feet's events alone did not decide ({by_events.reason})")


def _events_mode(events: Sequence[GaitEvent]) -> GaitMode:
    events = list(events)
    if not all(isinstance(e, GaitEvent) for e in events):
        raise ValueError("events must be GaitEvent objects")
    # A contact placed halfway by the feet's alternation (events.stepping) was not seen: its time
    # says nothing about flight or double support.
    events = [e for e in events if e.method != "inferred"]
    double, flight = _support_votes(events)
    if double + flight >= MIN_VOTES:
        walk, run, what = double, flight, "double support vs flight between the feet"
    else:
        df = duty_factors(events)
        walk = int(np.sum(df > 0.5 + DF_MARGIN))
        run = int(np.sum(df < 0.5 - DF_MARGIN))
        what = "duty factor of one foot"
        if walk + run < MIN_VOTES:
            return GaitMode("unknown", 0.0, f"too few strides with contact and toe-off ({df.size})")
        what += f" (median {100 * np.median(df):.0f}%)"
    total = walk + run
    share = max(walk, run) / total
    if share < MIN_AGREEMENT:
        return GaitMode("unknown", share, f"{what}: {run} running and {walk} walking steps disagree")
    mode = "running" if run > walk else "walking"
    return GaitMode(mode, share, f"{what}: {max(walk, run)} of {total} steps say {mode}")
