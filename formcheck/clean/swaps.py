"""Left/right leg swap detection and repair.

In side views MediaPipe sometimes gives the left leg's labels to the right
leg and vice versa for some frames. During running the legs also pass each
other every step, so "the left knee is now where the right knee was" is no
evidence: genuinely crossing legs make curves that cross smoothly, while the
swap artefact is a discontinuity, in position where the legs are apart, in
velocity (the legs "bounce" off each other) where they are close.

Model. Each frame has two hypotheses, labels kept (0) or swapped (1). The
cost of a label sequence is the sum of

* a motion term per frame: every distal leg landmark (knee, ankle, heel,
  foot index), relabelled by the hypotheses of frames t-2, t-1 and t, is
  predicted at constant velocity from frames t-2 and t-1 (velocity scaled
  by the real time steps, so variable frame rates are fine). The squared
  prediction error, in units of squared leg length (median hip-ankle
  distance, so the costs do not depend on image size), capped at
  `residual_cap` so a glitch (one wild landmark, or one leg drawn onto the
  other for a frame or two) cannot decide alone, is summed over landmarks
  and both legs. A landmark pair counts only where both legs
  have it in all three frames, so every hypothesis is scored on the same
  data. A plain position change is deliberately not used: at a crossing
  the swapped matching is often the nearer one;
* `switch_cost` for every change of hypothesis;
* `swapped_cost_per_s` for every second spent swapped: MediaPipe's labels
  are right most of the time, and without this prior a swap whose start is
  hidden at a crossing would be "explained" by relabelling the rest of the
  clip (relabelling everything costs nothing in motion).

A Viterbi pass over the states (hypothesis at t-1, hypothesis at t) finds
the cheapest sequence. Constant-velocity prediction is what separates a
crossing from a swap: at a crossing both legs keep their velocities, and
relabelling them would reverse both. Above ~30 fps that reversal is tiny
within one frame, so such clips are first solved on every `step`-th frame
(about 30 fps, one pass per phase); the full-rate pass then follows that
coarse answer (a cost per second of disagreement) unless its own data, a
position jump, says otherwise, which places the boundaries frame-exactly.
Frames right after a gap carry no evidence; a swap's state across a gap is
decided by its other boundary.

Hips. In a side view the hips nearly coincide, so their motion cannot tell
the hypotheses apart and they stay out of the Viterbi cost. MediaPipe swaps
them with the legs or not; for each swapped segment the hips are exchanged
too when that makes the hip positions more continuous at the segment's
boundaries, and on a tie (a hip belongs to its leg; in a side view the
choice changes nothing measurable).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from formcheck.clean.checks import check_times
from formcheck.clean.gaps import true_runs
from formcheck.landmarks import NUM_LANDMARKS, Landmark
from formcheck.track import PoseTrack

logger = logging.getLogger(__name__)

DISTAL_PAIRS: tuple[tuple[Landmark, Landmark], ...] = (
    (Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE),
    (Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE),
    (Landmark.LEFT_HEEL, Landmark.RIGHT_HEEL),
    (Landmark.LEFT_FOOT_INDEX, Landmark.RIGHT_FOOT_INDEX),
)
HIP_PAIR: tuple[Landmark, Landmark] = (Landmark.LEFT_HIP, Landmark.RIGHT_HIP)

# Defaults (CleanConfig documents them). Tuned on synthetic runners at 25-240
# fps, 0-10 px noise on a 200 px leg, spikes and gaps: no false swap, injected
# swaps with both ends away from a crossing found frame-exactly, and swaps
# from one crossing to the next undone in ~99% of cases (a switch cost of 0.5
# undoes only ~80% of those; 0.1 starts reacting to spikes). Then checked on
# four real side-view running clips: with a cap of 1.0, a two-frame glitch
# where MediaPipe drew the left leg onto the right one (a treadmill clip) was
# "explained" by relabelling half a stride; a cap of 0.1 (a third of a leg
# length per landmark and frame) keeps such glitches from deciding, while the
# clear swaps of the other clips are still found.
DEFAULT_SWITCH_COST = 0.2
DEFAULT_RESIDUAL_CAP = 0.1
DEFAULT_SWAPPED_COST_PER_S = 0.2

# Clips above COARSE_FPS are first solved at about COARSE_FPS; the full-rate
# pass pays COARSE_PRIOR_PER_S * switch_cost per second of disagreement with
# that coarse answer (one switch cost per coarse frame interval).
COARSE_FPS = 30.0
COARSE_PRIOR_PER_S = 30.0

_HIP_FRAMES = 3  # frames each side of a swapped segment's boundary used to decide the hips


@dataclass(frozen=True, eq=False)
class SwapRepair:
    """Result of `repair_leg_swaps`.

    Attributes:
        track: the repaired track (a new object).
        swapped_frames: (S,) int64 row positions (0..T-1, not `frame_index`
            values) whose distal leg labels were exchanged.
        hip_swapped_frames: (H,) int64 row positions whose hip labels were
            exchanged too (a subset of `swapped_frames`).
    """

    track: PoseTrack
    swapped_frames: np.ndarray
    hip_swapped_frames: np.ndarray


def _check_track(track: PoseTrack) -> None:
    if not isinstance(track, PoseTrack):
        raise ValueError(f"track must be a PoseTrack, got {type(track).__name__}")
    if track.num_landmarks != NUM_LANDMARKS:
        raise ValueError(f"track must have the {NUM_LANDMARKS} BlazePose landmarks, got {track.num_landmarks}")


def _check_cost(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) \
            or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")


def leg_length_px(xy_px: np.ndarray) -> float:
    """Median hip-ankle distance over both legs and all frames, pixels (NaN if never seen)."""
    d = [np.linalg.norm(xy_px[:, int(hip)] - xy_px[:, int(ankle)], axis=-1)
         for hip, ankle in ((Landmark.LEFT_HIP, Landmark.LEFT_ANKLE), (Landmark.RIGHT_HIP, Landmark.RIGHT_ANKLE))]
    d = np.concatenate(d)
    d = d[np.isfinite(d) & (d > 0)]
    return float(np.median(d)) if d.size else float("nan")


def _motion_costs(xy_px: np.ndarray, t_s: np.ndarray, scale: float, cap: float) -> np.ndarray:
    """(T, 2, 2, 2) cost[t, a, b, c] of hypotheses a, b, c at frames t-2, t-1, t (0 for t < 2)."""
    left = xy_px[:, [int(l) for l, _ in DISTAL_PAIRS]]
    right = xy_px[:, [int(r) for _, r in DISTAL_PAIRS]]
    # pos[t, h, leg, j, xy]: the leg's positions under hypothesis h (0 kept, 1 swapped).
    pos = np.stack([np.stack([left, right], axis=1), np.stack([right, left], axis=1)], axis=1)
    valid = np.all(np.isfinite(left), axis=-1) & np.all(np.isfinite(right), axis=-1)  # (T, J)
    pos = np.where(valid[:, None, None, :, None], pos, 0.0)
    n = xy_px.shape[0]
    costs = np.zeros((n, 2, 2, 2))
    if n < 3:
        return costs
    use = valid[2:] & valid[1:-1] & valid[:-2]  # (T-2, J): the pair is seen in all three frames
    ratio = (t_s[2:] - t_s[1:-1]) / (t_s[1:-1] - t_s[:-2])
    for a in range(2):
        for b in range(2):
            pred = pos[1:-1, b] + (pos[1:-1, b] - pos[:-2, a]) * ratio[:, None, None, None]
            for c in range(2):
                d2 = np.minimum(np.sum((pos[2:, c] - pred) ** 2, axis=-1) / scale**2, cap)  # (T-2, leg, J)
                costs[2:, a, b, c] = np.sum(np.where(use[:, None, :], d2, 0.0), axis=(-2, -1))
    return costs


def _viterbi(costs: np.ndarray, unary: np.ndarray, switch_cost: float) -> np.ndarray:
    """Cheapest (T,) bool hypothesis sequence; ties prefer 'kept'.

    `costs` is `_motion_costs`; `unary` (T,) is the cost of frame t being in
    the swapped state; every change of state costs `switch_cost`.
    """
    n = costs.shape[0]
    if n < 2:
        return np.zeros(n, dtype=bool)
    state = np.array([0.0, 1.0])
    switch = switch_cost * np.abs(state[:, None] - state[None, :])  # [b, c]
    # total[b, c]: best cost so far with s[t-1] = b, s[t] = c.
    total = unary[0] * state[:, None] + switch + unary[1] * state[None, :]
    back = np.zeros((n, 2, 2), dtype=np.int8)
    for t in range(2, n):
        # candidates[a, b, c] = total[a, b] + costs[t, a, b, c] + switch[b, c] + unary[t] * c
        candidates = total[:, :, None] + costs[t] + (switch + unary[t] * state[None, :])[None]
        back[t] = np.argmin(candidates, axis=0)
        total = np.min(candidates, axis=0)
    b, c = np.unravel_index(int(np.argmin(total)), (2, 2))
    states = np.zeros(n, dtype=bool)
    states[n - 1], states[n - 2] = bool(c), bool(b)
    for t in range(n - 1, 1, -1):
        a = int(back[t, b, c])
        states[t - 2] = bool(a)
        b, c = a, b
    return states


def _solve(xy: np.ndarray, t: np.ndarray, scale: float, switch_cost: float, residual_cap: float,
           swapped_cost_per_s: float) -> np.ndarray:
    """Coarse-to-fine Viterbi: (T,) bool states."""
    dt = np.diff(t)
    frame_s = np.concatenate(([np.median(dt)], dt))
    unary = swapped_cost_per_s * frame_s
    step = max(1, int(round(1.0 / (np.median(dt) * COARSE_FPS))))
    if step > 1:
        coarse = np.zeros(t.shape[0], dtype=bool)
        for offset in range(step):
            idx = np.arange(offset, t.shape[0], step)
            if idx.size >= 2:
                coarse[idx] = _solve(xy[idx], t[idx], scale, switch_cost, residual_cap, swapped_cost_per_s)
        unary = unary + np.where(coarse, -1.0, 1.0) * COARSE_PRIOR_PER_S * switch_cost * frame_s
    return _viterbi(_motion_costs(xy, t, scale, residual_cap), unary, switch_cost)


def detect_leg_swaps(xy_px: np.ndarray, t_s: np.ndarray, switch_cost: float = DEFAULT_SWITCH_COST,
                     residual_cap: float = DEFAULT_RESIDUAL_CAP,
                     swapped_cost_per_s: float = DEFAULT_SWAPPED_COST_PER_S) -> np.ndarray:
    """Frames whose leg labels look swapped (module docstring).

    Args:
        xy_px: (T, 33, 2) image coordinates, pixels; NaN = missing.
        t_s: (T,) seconds, strictly increasing.
        switch_cost: cost of one change of hypothesis, squared leg lengths.
        residual_cap: cap on one landmark's squared error, squared leg lengths.
        swapped_cost_per_s: cost per second of swapped labels, squared leg
            lengths per second.

    Returns:
        (T,) bool, True where the distal leg labels should be exchanged. All
        False when the legs are never seen (no scale) or T < 2.
    """
    xy = np.asarray(xy_px, dtype=np.float64)
    if xy.ndim != 3 or xy.shape[1] != NUM_LANDMARKS or xy.shape[2] != 2:
        raise ValueError(f"xy_px must have shape (T, {NUM_LANDMARKS}, 2), got {xy.shape}")
    t = check_times(t_s, xy.shape[0])
    _check_cost("switch_cost", switch_cost)
    _check_cost("residual_cap", residual_cap)
    _check_cost("swapped_cost_per_s", swapped_cost_per_s)
    n = xy.shape[0]
    scale = leg_length_px(xy) if n >= 2 else float("nan")
    if not np.isfinite(scale):
        return np.zeros(n, dtype=bool)
    states = _solve(xy, t, scale, float(switch_cost), float(residual_cap), float(swapped_cost_per_s))
    left = xy[:, [int(l) for l, _ in DISTAL_PAIRS]]
    right = xy[:, [int(r) for _, r in DISTAL_PAIRS]]
    seen = np.any(np.isfinite(left).all(-1) | np.isfinite(right).all(-1), axis=1)
    return states & seen


def _swap_pair(arrays: dict[str, np.ndarray], frames: np.ndarray, pair: tuple[Landmark, Landmark]) -> None:
    """Exchange the two landmarks of `pair` on `frames`, in place on copies held in `arrays`."""
    l, r = int(pair[0]), int(pair[1])
    for arr in arrays.values():
        left = arr[frames, l].copy()
        arr[frames, l] = arr[frames, r]
        arr[frames, r] = left


def _hips_follow(xy: np.ndarray, start: int, stop: int) -> bool:
    """Whether exchanging the hips on [start, stop) makes them more continuous (ties: True).

    Each boundary compares the median hip positions of up to `_HIP_FRAMES`
    frames on either side, kept vs exchanged inside; a boundary at the clip's
    edge or without hip data on one side gives no evidence.
    """
    hips = xy[:, [int(HIP_PAIR[0]), int(HIP_PAIR[1])]]  # (T, 2 sides, 2)
    seen = np.isfinite(hips).all(axis=(1, 2))
    inside = np.flatnonzero(seen[start:stop]) + start
    before = np.flatnonzero(seen[:start])
    after = np.flatnonzero(seen[stop:]) + stop
    keep = exchange = 0.0
    for out_frames, in_frames in ((before[-_HIP_FRAMES:], inside[:_HIP_FRAMES]),
                                  (after[:_HIP_FRAMES], inside[-_HIP_FRAMES:])):
        if out_frames.size == 0 or in_frames.size == 0:
            continue
        out_med = np.median(hips[out_frames], axis=0)
        in_med = np.median(hips[in_frames], axis=0)
        keep += float(np.sum((in_med - out_med) ** 2))
        exchange += float(np.sum((in_med[::-1] - out_med) ** 2))
    return exchange <= keep


def repair_leg_swaps(track: PoseTrack, switch_cost: float = DEFAULT_SWITCH_COST,
                     residual_cap: float = DEFAULT_RESIDUAL_CAP,
                     swapped_cost_per_s: float = DEFAULT_SWAPPED_COST_PER_S) -> SwapRepair:
    """Detect leg label swaps and exchange the labels back.

    On every frame found by `detect_leg_swaps`, the knee, ankle, heel and
    foot-index landmarks of the two legs exchange all their arrays (`xy_px`,
    `z`, `visibility`, `world_m`); the hips too, per swapped segment, as the
    module docstring explains. NaN stays NaN (it is exchanged like any
    value). The input is not modified.

    Raises:
        ValueError: `track` is not a 33-landmark PoseTrack, or bad costs.
    """
    _check_track(track)
    states = detect_leg_swaps(track.xy_px, track.t_s, switch_cost, residual_cap, swapped_cost_per_s)
    frames = np.flatnonzero(states).astype(np.int64)
    if frames.size == 0:
        return SwapRepair(track, frames, np.zeros(0, dtype=np.int64))
    arrays = {name: getattr(track, name).copy() for name in ("xy_px", "z", "visibility", "world_m")}
    for pair in DISTAL_PAIRS:
        _swap_pair(arrays, frames, pair)
    hip_frames = []
    for start, stop in zip(*true_runs(states)):
        if _hips_follow(track.xy_px, int(start), int(stop)):
            hip_frames.append(np.arange(start, stop, dtype=np.int64))
    hip = np.concatenate(hip_frames) if hip_frames else np.zeros(0, dtype=np.int64)
    _swap_pair(arrays, hip, HIP_PAIR)
    logger.info("leg swaps repaired on %d frame(s) in %d segment(s); hips exchanged on %d frame(s)",
                frames.size, len(true_runs(states)[0]), hip.size)
    return SwapRepair(track.with_arrays(**arrays), frames, hip)
