"""Repetitions and steps from a 1-D signal, by staged masks (METRICS.md §4 generic rule [H]).

A rep is an excursion of the low-passed signal from rest that rises to its
count level and comes back below 20% of the set's range (hysteresis, so a
held bridge or a pause is one rep, not many). The count level is 40% of the
set's range, but never below the exercise's `min_range` (the smallest
excursion that is a rep: noise and fidgeting at rest never count) and never
above its `good_range` (a rep of full range always counts, however large
the set's biggest). So a bridge stopped well short of neutral among full
ones is a rep, and checks flag it short of neutral. Excursions that turn
back between 25% of the range (and at least half of `min_range`) and the
count level are partial reps, listed but not counted. A rep also lasts at
least `min_duration_s`. The range is the 3rd-97th percentile of the
signal, so a few bad frames do not set it, and a set whose range is below
`min_range` has no reps at all. Band-walk steps are episodes of one ankle
moving while the camera is still.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.signal import butter, filtfilt

LOW_FRACTION = 0.2  # a rep ends back below 20% of the set's range
COUNT_FRACTION = 0.4  # [H] a rep reaches 40% of the set's range (within [min_range, good_range])
PARTIAL_FRACTION = 0.25  # an excursion above this (and half min_range) that turns back earlier is partial
MIN_COUNT_P = 0.3  # the count level stays above the partial level, however large the set's range
TOP_FRACTION = 0.9  # frames within 10% of a rep's own peak form its top (hold) window
MIN_REP_S = 0.4
SMOOTH_HZ = 3.0  # reps and steps are slower than ~2 Hz [H]


@dataclass(frozen=True)
class RepWindow:
    """One repetition (or step), as indices into the track.

    start/end: where the motion leaves and returns to rest; peak: furthest
    from rest; top_start..top_end (inclusive): the frames within 10% of the
    peak (held reps: the hold); excursion: peak minus rest, in signal
    units; partial: turned back before the count level (count_level).
    """

    start: int
    peak: int
    end: int
    top_start: int
    top_end: int
    excursion: float
    partial: bool = False
    side: str = "both"

    def with_side(self, side: str) -> "RepWindow":
        return replace(self, side=side)


def smooth(t_s: np.ndarray, signal: np.ndarray, cutoff_hz: float = SMOOTH_HZ) -> np.ndarray:
    """Gaps filled linearly (edges held), then a zero-phase low-pass; NaN stays NaN only if all is NaN."""
    t_s = np.asarray(t_s, dtype=np.float64)
    s = np.asarray(signal, dtype=np.float64)
    if t_s.shape != s.shape or t_s.ndim != 1:
        raise ValueError(f"t_s and signal must be 1-D of equal length, got {t_s.shape} and {s.shape}")
    ok = np.isfinite(s)
    if ok.sum() < 2:
        return np.full_like(s, np.nan)
    filled = np.interp(t_s, t_s[ok], s[ok])
    dt = float(np.median(np.diff(t_s)))
    nyquist = 0.5 / dt
    if filled.size < 15 or cutoff_hz >= nyquist:
        return filled
    b, a = butter(2, cutoff_hz / nyquist)
    return filtfilt(b, a, filled, padlen=min(3 * max(len(a), len(b)), filled.size - 1))


def signal_range(signal: np.ndarray, mask: np.ndarray | None = None) -> tuple[float, float]:
    """(rest, top): the 3rd and 97th percentiles over `mask` (all frames by default)."""
    s = signal if mask is None else signal[mask]
    s = s[np.isfinite(s)]
    if s.size == 0:
        return float("nan"), float("nan")
    return float(np.percentile(s, 3)), float(np.percentile(s, 97))


def count_level(set_range: float, min_range: float, good_range: float | None = None) -> float:
    """The excursion from rest (signal units) a rep must reach to count: COUNT_FRACTION of the
    set's range, at least `min_range` and at most `good_range` (no cap when None)."""
    level = max(min_range, COUNT_FRACTION * set_range)
    return min(level, good_range) if good_range is not None else level


def segment_reps(t_s: np.ndarray, signal: np.ndarray, min_range: float, span: tuple[int, int] | None = None,
                 min_duration_s: float = MIN_REP_S, good_range: float | None = None) -> list[RepWindow]:
    """Reps (and partial reps) of an already smoothed signal inside frames span=[a, b).

    The signal rises during a rep (callers flip it otherwise). `min_range` and `good_range` are
    the exercise's smallest rep and full rep (ExerciseSpec.ranges) in signal units. Returns []
    when the range over the span is below `min_range`. A rep cut by the span's start or end is
    left out; a rep whose own excursion (peak above the lower of its ends) is below `min_range`
    is listed as partial.
    """
    if min_range <= 0:
        raise ValueError(f"min_range must be > 0, got {min_range}")
    if good_range is not None and not good_range > min_range:
        raise ValueError(f"good_range must be > min_range ({min_range}), got {good_range}")
    a, b = span or (0, len(signal))
    s = np.asarray(signal[a:b], dtype=np.float64)
    rest, top = signal_range(s)
    if not np.isfinite(rest) or top - rest < min_range:
        return []
    p = (s - rest) / (top - rest)
    high = max(count_level(top - rest, min_range, good_range) / (top - rest), MIN_COUNT_P)
    partial_p = max(PARTIAL_FRACTION, 0.5 * min_range / (top - rest))
    reps: list[RepWindow] = []
    state = "low" if p[0] < high else "cut"  # a clip that starts mid-rep: skip that rep
    last_low, prev_end, high_seen, max_p = (0 if p[0] < LOW_FRACTION else -1), 0, False, 0.0
    for i in range(len(p)):
        if p[i] < LOW_FRACTION:
            if state == "high" or (state == "rising" and max_p >= partial_p):
                start = _onset(p, prev_end, last_low, i)
                end = _settle(p, i)
                reps.append(_window(t_s[a:b], s, start, end, partial=not high_seen, offset=a))
                prev_end = end
            state, high_seen, max_p, last_low = "low", False, 0.0, i
        elif state == "low":
            state, max_p = "rising", p[i]
        if state in ("rising", "high"):
            max_p = max(max_p, p[i])
            if p[i] >= high:
                state, high_seen = "high", True
    long_enough = [r for r in reps if t_s[r.end] - t_s[r.start] >= min_duration_s]
    return [r if r.partial or r.excursion >= min_range else replace(r, partial=True) for r in long_enough]


def _onset(p: np.ndarray, prev_end: int, last_low: int, until: int) -> int:
    """Back from the last frame under 20% to where the signal left its rest level. A clip that
    starts above 20% (a start pose above the set's lowest level) has no such frame: there the
    rep starts at the valley before its peak (frames [0, until))."""
    if last_low < 0:
        i = int(np.argmax(p[:until]))
        while i > 0 and p[i - 1] <= p[i]:
            i -= 1
        return i
    rest_level = float(np.min(p[prev_end:last_low + 1]))
    i = last_low
    while i > prev_end and p[i - 1] <= p[i] and p[i] > rest_level + 0.05:
        i -= 1
    return i


def _settle(p: np.ndarray, first_low: int) -> int:
    """Forward from the first frame back under 20% to where the signal stops falling."""
    i = first_low
    while i + 1 < len(p) and p[i + 1] < p[i] and p[i] > 0.05:
        i += 1
    return i


def _window(t_s: np.ndarray, s: np.ndarray, start: int, end: int, partial: bool, offset: int) -> RepWindow:
    seg = s[start:end + 1]
    peak = int(np.argmax(seg))
    base = min(seg[0], seg[-1])
    excursion = float(seg[peak] - base)
    # The top window is the run of top frames around the peak (not a later, separate bump).
    a, b = run_around(seg >= base + TOP_FRACTION * excursion, peak)
    return RepWindow(start + offset, peak + start + offset, end + offset, a + start + offset,
                     b + start + offset, excursion, partial)


def run_around(mask: np.ndarray, index: int) -> tuple[int, int]:
    """First and last position (inclusive) of the run of True in `mask` that holds `index`
    (`mask[index]` must be True)."""
    off = np.flatnonzero(~np.asarray(mask, dtype=bool))
    return int(off[off < index].max(initial=-1)) + 1, int(off[off > index].min(initial=len(mask))) - 1


def side_runs(labels: np.ndarray, t_s: np.ndarray, min_run_s: float = 1.0) -> list[tuple[str, int, int]]:
    """Contiguous spans [a, b) of one side label; '' frames take their neighbours' label and
    runs shorter than `min_run_s` merge into the previous one. [] when no frame is labelled."""
    labels = np.asarray(labels, dtype=object)
    known = np.flatnonzero(labels != "")
    if known.size == 0:
        return []
    # Nearest labelled frame fills each gap.
    nearest = known[np.clip(np.searchsorted(known, np.arange(len(labels))), 0, known.size - 1)]
    before = known[np.clip(np.searchsorted(known, np.arange(len(labels))) - 1, 0, known.size - 1)]
    pick = np.where(np.abs(before - np.arange(len(labels))) < np.abs(nearest - np.arange(len(labels))),
                    before, nearest)
    filled = labels[pick]
    edges = np.flatnonzero(filled[1:] != filled[:-1]) + 1
    bounds = np.concatenate([[0], edges, [len(filled)]])
    runs: list[list] = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        if runs and (t_s[b - 1] - t_s[a] < min_run_s or runs[-1][0] == filled[a]):
            runs[-1][2] = b
        else:
            runs.append([str(filled[a]), int(a), int(b)])
    if len(runs) > 1 and t_s[runs[0][2] - 1] - t_s[runs[0][1]] < min_run_s:
        runs[1][1] = runs[0][1]
        runs.pop(0)
    return [(s, a, b) for s, a, b in runs]


def foot_episodes(t_s: np.ndarray, speed: np.ndarray, min_speed: float, min_s: float = 0.12,
                  bridge_s: float = 0.08) -> list[tuple[int, int]]:
    """[(start, end)] inclusive frame spans where one foot moves faster than `min_speed`
    (leg lengths/s) for at least `min_s`, gaps shorter than `bridge_s` bridged."""
    moving = np.nan_to_num(speed, nan=0.0) > min_speed
    idx = np.flatnonzero(moving)
    if idx.size == 0:
        return []
    runs = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)
    spans = [[int(r[0]), int(r[-1])] for r in runs]
    merged = [spans[0]]
    for a, b in spans[1:]:
        if t_s[a] - t_s[merged[-1][1]] < bridge_s:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged if t_s[b] - t_s[a] >= min_s]
