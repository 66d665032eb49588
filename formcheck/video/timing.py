"""Frame times from packet timestamps: sorted, strictly increasing, variable rate detected."""

from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger(__name__)

#: A frame interval this far (relative) from the median makes a clip variable-rate.
VFR_TOLERANCE = 0.10


def _spread_repeats(t: np.ndarray, step: float) -> np.ndarray:
    """Make sorted `t` strictly increasing: equal values are spread evenly up to
    the next distinct value (or by `step` at the end)."""
    t = t.copy()
    i = 0
    while i < len(t):
        j = i
        while j + 1 < len(t) and t[j + 1] <= t[i]:
            j += 1
        if j > i:
            nxt = t[j + 1] if j + 1 < len(t) else t[i] + (j - i + 1) * step
            t[i : j + 1] = t[i] + (nxt - t[i]) * np.arange(j - i + 1) / (j - i + 1)
        i = j + 1
    return t


def frame_times(
    pts: list[int | None], dts: list[int | None], time_base: float, fps_hint: float
) -> tuple[np.ndarray, float]:
    """Presentation times (s, from the first frame, strictly increasing) and the
    first frame's time on the stream clock, from packet timestamps.

    Packets come in decode order (B-frames make pts jump back and forth), so
    the times are sorted. Missing pts fall back to dts (equal to pts without
    B-frames), then to `i / fps_hint`; repeated values are spread out.
    """
    n = len(pts)
    if time_base <= 0:
        log.warning("the clip has no time base; assuming %.3f frames/s", fps_hint)
        return np.arange(n) / fps_hint, 0.0
    if all(p is not None for p in pts):
        raw = np.array(pts, dtype=np.float64)
    elif all(d is not None for d in dts):
        log.debug("some packets have no pts; using dts")
        raw = np.array(dts, dtype=np.float64)
    else:
        log.warning("the clip has no frame timestamps; assuming %.3f frames/s", fps_hint)
        return np.arange(n) / fps_hint, 0.0
    t = np.sort(raw) * time_base
    first = float(t[0])
    t = t - first
    if n > 1 and np.any(np.diff(t) <= 0):
        log.warning("the clip repeats frame timestamps; spreading the repeats evenly")
        t = _spread_repeats(t, 1.0 / fps_hint)
    return t, first


def keyframe_indices(pts: list[int | None], dts: list[int | None], is_key: list[bool]) -> np.ndarray:
    """Presentation-order indices of the keyframes, from packets in decode order
    (ordered by pts as `frame_times` orders them; by dts, then decode order, without)."""
    n = len(pts)
    if all(p is not None for p in pts):
        order = np.argsort(np.array(pts, dtype=np.float64), kind="stable")
    elif all(d is not None for d in dts):
        order = np.argsort(np.array(dts, dtype=np.float64), kind="stable")
    else:
        order = np.arange(n)
    shown_at = np.empty(n, dtype=np.int64)
    shown_at[order] = np.arange(n)
    return np.sort(shown_at[np.asarray(is_key, dtype=bool)]) if n else np.zeros(0, dtype=np.int64)


def is_variable_rate(t: np.ndarray) -> bool:
    if len(t) < 3:
        return False
    d = np.diff(t)
    median = float(np.median(d))
    return bool(np.any(np.abs(d - median) > max(VFR_TOLERANCE * median, 1e-3)))
