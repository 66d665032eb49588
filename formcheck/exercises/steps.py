"""Band-walk steps: one ankle moving while the other stands, from a still camera.

A foot episode is a span where one ankle's image speed stays above a
threshold (the stance foot is planted, so only the stepping foot moves). A
lateral band walk step is the leading foot's episode followed by the
trailing foot's (feet apart, then together: one peak of the inter-ankle
distance, METRICS.md §4); a monster walk step is each foot's episode. The
step's direction (sideways or forward) comes from the ankle's travel
relative to the hips in world landmarks (a sanity-level, tens-of-degrees
decision).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.exercises.reps import RepWindow, _window, foot_episodes, smooth
from formcheck.exercises.signals import LEGS, ankle_speed, leg_length_px, stance_width
from formcheck.landmarks import Landmark as L
from formcheck.track import PoseTrack

MIN_STEP_SPEED = 0.12  # leg lengths per second [H]; a planted foot reads < 0.05 after smoothing
MIN_STEP_LENGTH = 0.08  # leg lengths of net ankle travel in the image: jitter of a planted foot is not a step
PAIR_GAP_S = 1.0  # the trailing foot starts within this of the leading foot's stop


@dataclass(frozen=True)
class FootEpisode:
    leg: str
    start: int
    end: int
    sideways_m: float  # |ankle travel relative to the hips| along the camera's x (world, metres)
    forward_m: float  # the same along the camera's depth axis


def foot_moves(track: PoseTrack) -> list[FootEpisode]:
    """Every foot episode of the clip, in time order."""
    t = track.t_s
    speeds = ankle_speed(track.xy_px, t)
    length = leg_length_px(track.xy_px)
    hip_mid = (track.world_m[:, L.LEFT_HIP] + track.world_m[:, L.RIGHT_HIP]) / 2
    found = []
    for leg in LEGS:
        speed = smooth(t, speeds[leg])
        rel = track.world_m[:, L[f"{leg.upper()}_ANKLE"]] - hip_mid
        ankle = track.xy_px[:, L[f"{leg.upper()}_ANKLE"]]
        for a, b in foot_episodes(t, speed, MIN_STEP_SPEED):
            if not np.linalg.norm(ankle[b] - ankle[a]) >= MIN_STEP_LENGTH * length:
                continue
            d = rel[b] - rel[a]
            found.append(FootEpisode(leg, a, b, float(abs(d[0])), float(abs(d[2]))))
    return sorted(found, key=lambda e: e.start)


def alternations(episodes: list[FootEpisode]) -> int:
    """How many times the moving foot changes from one leg to the other."""
    return sum(1 for a, b in zip(episodes, episodes[1:]) if a.leg != b.leg)


def sideways_share(episodes: list[FootEpisode]) -> float:
    """Share of the feet's travel that is sideways (1 = lateral walk, 0 = straight forward)."""
    side = sum(e.sideways_m for e in episodes)
    total = side + sum(e.forward_m for e in episodes)
    return side / total if total > 0 else float("nan")


def find_steps(track: PoseTrack, paired: bool, min_widening: float) -> list[RepWindow]:
    """Steps as rep windows with side = the leading (paired) or stepping leg. The peak is the
    widest stance in the step, the top window its frames within 10% of that; steps that
    widen the stance by less than `min_widening` hip widths are left out."""
    episodes = foot_moves(track)
    width = smooth(track.t_s, stance_width(track.xy_px)["both"])
    spans: list[tuple[str, int, int]] = []
    i = 0
    while i < len(episodes):
        e = episodes[i]
        nxt = episodes[i + 1] if i + 1 < len(episodes) else None
        if paired and nxt is not None and nxt.leg != e.leg and track.t_s[nxt.start] - track.t_s[e.end] < PAIR_GAP_S:
            spans.append((e.leg, e.start, nxt.end))
            i += 2
        else:
            spans.append((e.leg, e.start, e.end))
            i += 1
    steps = []
    for leg, a, b in spans:
        window = _window(track.t_s, width, a, b, partial=False, offset=0) if paired else _moving_window(a, b)
        if paired and window.excursion < min_widening:
            continue
        steps.append(window.with_side(leg))
    return steps


def _moving_window(a: int, b: int) -> RepWindow:
    """A monster-walk step: the stepping foot's episode; its middle third is the top window,
    when the other leg carries the body alone."""
    third = max((b - a) // 3, 0)
    return RepWindow(a, (a + b) // 2, b, a + third, b - third, float("nan"))
