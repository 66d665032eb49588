"""Band-walk steps: one ankle moving while the other stands, from a still camera.

A foot episode is a span where one ankle moves: its image speed, from the
low-passed positions, rises above a threshold, and the episode runs out to
where the speed falls below a quarter of its peak (the whole movement, not
only its fast middle); it must carry the ankle at least `MIN_STEP_LENGTH`.
Only episodes where the other foot stands count as steps: both feet moving
at once (repositioning, turning round) is no step. Each episode either
spreads the feet apart or brings them together (the change of the 3-D
distance between the world ankles). A band-walk step (METRICS.md §4: one
peak of the inter-ankle distance) is a foot spreading the stance followed
by the other foot closing it; its side is the foot that spread it (the
leading foot of a lateral walk, the stepping foot of a monster walk). The
step's direction (sideways or forward) comes from the ankle's travel
relative to the hips in world landmarks (a sanity-level, tens-of-degrees
decision).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.exercises.reps import RepWindow, _window, foot_episodes, smooth
from formcheck.exercises.signals import LEGS, OTHER, ankle_speed, leg_length_px, stance_width
from formcheck.landmarks import Landmark as L
from formcheck.track import PoseTrack

MIN_STEP_SPEED = 0.12  # leg lengths per second [H]; a planted foot reads < 0.1 after smoothing
EDGE_FRACTION = 0.25  # an episode runs out to where the speed drops below this share of its peak
MIN_STEP_LENGTH = 0.05  # leg lengths of net ankle travel in the image: jitter of a planted foot is not a step
# (a monster-walk step seen from the front moves the ankle 0.07-0.13 L in the image; jitter, < 0.02 L)
PAIR_GAP_S = 1.0  # the trailing foot starts within this of the leading foot's stop
MAX_SHARED = 0.5  # an episode that shares more than this of its time with the other foot's is no step


@dataclass(frozen=True)
class FootEpisode:
    """One foot's movement, frames start..end inclusive. alone: the other foot stood still
    (a step, not both feet repositioning)."""

    leg: str
    start: int
    end: int
    sideways_m: float  # |ankle travel relative to the hips| along the camera's x (world, metres)
    forward_m: float  # the same along the camera's depth axis
    widening_m: float  # change of the world distance between the ankles; + = feet apart
    alone: bool = True


def smoothed_ankles(track: PoseTrack) -> np.ndarray:
    """The track's image landmarks with both ankles low-passed (reps.smooth), for their speed.
    Positions are smoothed before they are differentiated: the speed of noisy positions is
    rectified noise, which no later smoothing removes (a planted foot read 0.1-0.2 leg lengths/s,
    above MIN_STEP_SPEED, so its episodes started early, ran long and joined steps)."""
    xy = track.xy_px.copy()
    for leg in LEGS:
        for k in range(2):
            xy[:, L[f"{leg.upper()}_ANKLE"], k] = smooth(track.t_s, xy[:, L[f"{leg.upper()}_ANKLE"], k])
    return xy


def _smooth_world(track: PoseTrack, landmark: int) -> np.ndarray:
    return np.stack([smooth(track.t_s, track.world_m[:, landmark, k]) for k in range(3)], axis=-1)


def _widen(speed: np.ndarray, a: int, b: int, lo: int, hi: int) -> tuple[int, int]:
    """Out from [a, b] while the speed stays above EDGE_FRACTION of the episode's peak, within [lo, hi]."""
    floor = EDGE_FRACTION * float(np.nanmax(speed[a:b + 1]))
    while a > lo and speed[a - 1] > floor and speed[a - 1] <= speed[a]:
        a -= 1
    while b < hi and speed[b + 1] > floor and speed[b + 1] <= speed[b]:
        b += 1
    return a, b


def foot_moves(track: PoseTrack) -> list[FootEpisode]:
    """Every foot episode of the clip, in time order (steps: those with `alone`)."""
    t = track.t_s
    xy = smoothed_ankles(track)
    speeds = {leg: np.nan_to_num(v, nan=0.0) for leg, v in ankle_speed(xy, t).items()}
    length = leg_length_px(track.xy_px)
    world = {leg: _smooth_world(track, L[f"{leg.upper()}_ANKLE"]) for leg in LEGS}
    hip_mid = (_smooth_world(track, L.LEFT_HIP) + _smooth_world(track, L.RIGHT_HIP)) / 2
    apart = np.linalg.norm(world["left"] - world["right"], axis=-1)
    found = []
    for leg in LEGS:
        ankle = xy[:, L[f"{leg.upper()}_ANKLE"]]
        rel = world[leg] - hip_mid
        spans = foot_episodes(t, speeds[leg], MIN_STEP_SPEED)
        for i, (a, b) in enumerate(spans):
            lo = spans[i - 1][1] + 1 if i else 0
            hi = spans[i + 1][0] - 1 if i + 1 < len(spans) else len(t) - 1
            a, b = _widen(speeds[leg], a, b, lo, hi)
            if not np.linalg.norm(ankle[b] - ankle[a]) >= MIN_STEP_LENGTH * length:
                continue
            d = rel[b] - rel[a]
            found.append(FootEpisode(leg, a, b, float(abs(d[0])), float(abs(d[2])), float(apart[b] - apart[a])))
    out = []
    for e in found:
        shared = max((min(e.end, o.end) - max(e.start, o.start) + 1 for o in found if o.leg != e.leg), default=0)
        out.append(e if shared <= MAX_SHARED * (e.end - e.start + 1) else
                   FootEpisode(e.leg, e.start, e.end, e.sideways_m, e.forward_m, e.widening_m, alone=False))
    return sorted(out, key=lambda e: e.start)


def _steps_only(episodes: list[FootEpisode]) -> list[FootEpisode]:
    return [e for e in episodes if e.alone]


def alternations(episodes: list[FootEpisode]) -> int:
    """How many times the stepping foot changes from one leg to the other (steps only)."""
    steps = _steps_only(episodes)
    return sum(1 for a, b in zip(steps, steps[1:]) if a.leg != b.leg)


def sideways_share(episodes: list[FootEpisode]) -> float:
    """Share of the stepping feet's travel that is sideways (1 = lateral walk, 0 = straight forward)."""
    steps = _steps_only(episodes)
    side = sum(e.sideways_m for e in steps)
    total = side + sum(e.forward_m for e in steps)
    return side / total if total > 0 else float("nan")


def find_steps(track: PoseTrack, paired: bool, min_widening: float) -> list[RepWindow]:
    """Steps as rep windows with side = the leading (paired) or stepping leg. Paired, a step is
    a foot spreading the stance followed (within PAIR_GAP_S) by the other foot closing it; a
    foot movement left over is a step of its own (a lone closing movement: the other foot led).
    The peak is the widest stance in the step, the top window its frames within 10% of that;
    steps that widen the stance by less than `min_widening` hip widths are left out."""
    episodes = _steps_only(foot_moves(track))
    width = smooth(track.t_s, stance_width(track.xy_px)["both"])
    if paired and not np.isfinite(width).any():
        return []  # the stance width is seen in fewer than 2 frames: no step can be measured
    spans: list[tuple[str, int, int]] = []
    i = 0
    while i < len(episodes):
        e = episodes[i]
        nxt = episodes[i + 1] if i + 1 < len(episodes) else None
        if (paired and nxt is not None and nxt.leg != e.leg and e.widening_m > 0 > nxt.widening_m
                and track.t_s[nxt.start] - track.t_s[e.end] < PAIR_GAP_S):
            spans.append((e.leg, e.start, nxt.end))
            i += 2
        else:
            lead = OTHER[e.leg] if paired and e.widening_m < 0 else e.leg
            spans.append((lead, e.start, e.end))
            i += 1
    steps = []
    for leg, a, b in spans:
        window = _window(track.t_s, width, a, b, partial=False, offset=0) if paired else _moving_window(a, b)
        if paired and window.excursion < min_widening:
            continue
        steps.append(window.with_side(leg))
    return steps


def _moving_window(a: int, b: int) -> RepWindow:
    """One foot's movement: its middle third is the top window, when the other leg carries
    the body alone."""
    third = max((b - a) // 3, 0)
    return RepWindow(a, (a + b) // 2, b, a + third, b - third, float("nan"))
