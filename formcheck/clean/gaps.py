"""Fill short gaps in landmark coordinates, in time given by `t_s`.

A gap is a run of consecutive non-finite samples of one coordinate. Its
duration is the time between the known samples that bracket it,
``t_s[stop] - t_s[start - 1]`` (the interval with no data): one missing frame
at 30 fps is a 0.067 s gap, two missing frames a 0.1 s gap. Only interior gaps
up to `max_gap_s` are filled; longer ones stay NaN, and leading or trailing
gaps are never extrapolated.

Interpolation ("cubic", the default) goes through the two known samples on each
side of the gap (four points: the cubic polynomial through them, in real time,
so variable frame rate is handled). Limb paths curve within 0.1 s: a straight
line cuts the corner of the heel's path at contact and flattens a knee-flexion
peak, while a local cubic follows the curvature. It stays local (one bad sample
elsewhere in the clip cannot bend it) and, with gaps of a few frames, cannot
overshoot far. With only one known sample on a side it degrades to a parabola
or a line. "linear" is available for coarse data.
"""

from __future__ import annotations

import numpy as np

from formcheck.clean.checks import as_series, check_times
from formcheck.track import PoseTrack

GAP_FILL_METHODS: tuple[str, ...] = ("cubic", "linear")

# Float slack when comparing a gap duration with max_gap_s (3/30 s is 0.1000000000000001).
_TIME_TOL_S = 1e-9

_COORD_ARRAYS: tuple[str, ...] = ("xy_px", "z", "world_m")


def true_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and stop (exclusive) indices of the runs of True in a 1-D bool array.

    Args:
        mask: (T,) bool.

    Returns:
        (starts, stops): two (R,) int64 arrays, runs in time order; empty if
        `mask` has no True.
    """
    m = np.asarray(mask, dtype=bool)
    if m.ndim != 1:
        raise ValueError(f"mask must be 1-D, got shape {m.shape}")
    edges = np.diff(np.concatenate(([0], m.astype(np.int8), [0])))
    return np.flatnonzero(edges == 1).astype(np.int64), np.flatnonzero(edges == -1).astype(np.int64)


def group_columns_by_mask(finite: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Group the columns of a (T, C) bool array that have identical patterns.

    The x and y of a landmark (and its z and world coordinates) are nearly
    always missing together, so processing columns in groups turns ~200 1-D
    problems into ~35 2-D ones.

    Returns:
        A list of (pattern (T,) bool, columns (G,) int64) pairs.
    """
    if finite.shape[1] == 0:
        return []
    patterns, inverse = np.unique(finite.T, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    return [(patterns[g], np.flatnonzero(inverse == g)) for g in range(patterns.shape[0])]


def fillable_gaps(present: np.ndarray, t_s: np.ndarray, max_gap_s: float) -> np.ndarray:
    """Which missing samples lie in an interior gap no longer than `max_gap_s`.

    Args:
        present: (T,) bool, True where the sample is known.
        t_s: (T,) seconds, strictly increasing.
        max_gap_s: longest gap to fill, seconds (>= 0).

    Returns:
        (T,) bool, True on samples that `fill_gaps` would fill.
    """
    present = np.asarray(present, dtype=bool)
    t = check_times(t_s, present.shape[0])
    out = np.zeros(present.shape, dtype=bool)
    starts, stops = true_runs(~present)
    for start, stop in zip(starts, stops):
        if start == 0 or stop == present.shape[0]:
            continue  # leading / trailing: never extrapolated
        if t[stop] - t[start - 1] <= max_gap_s + _TIME_TOL_S:
            out[start:stop] = True
    return out


def _fill_group(block: np.ndarray, t: np.ndarray, known: np.ndarray, fill: np.ndarray,
                method: str) -> None:
    """Fill, in place on `block` (T, G), the samples where `fill` is True."""
    if method == "linear":
        for col in range(block.shape[1]):
            block[fill, col] = np.interp(t[fill], t[known], block[known, col])
        return
    starts, stops = true_runs(fill)
    if starts.size == 0:
        return
    # Anchors of each gap: up to two known samples on each side, not reaching
    # past the known run that brackets it (that run may be a single sample).
    known_starts, known_stops = true_runs(known)
    before = np.searchsorted(known_stops, starts)  # the known run that ends where the gap starts
    lo = np.maximum(known_starts[before], starts - 2)
    hi = np.minimum(known_stops[before + 1], stops + 2)
    anchors = np.concatenate([starts[:, None] + [-2, -1], stops[:, None] + [0, 1]], axis=1)  # (R, 4)
    usable = np.concatenate([anchors[:, :2] >= lo[:, None], anchors[:, 2:] < hi[:, None]], axis=1)
    anchors = np.clip(anchors, 0, len(t) - 1)
    origin = t[starts - 1]  # times near 0 keep the polynomial well conditioned
    missing = np.flatnonzero(fill)
    run = np.searchsorted(starts, missing, side="right") - 1
    x = t[missing] - origin[run]  # (S,)
    ta = t[anchors[run]] - origin[run][:, None]  # (S, 4)
    ok = usable[run]
    # The polynomial through the usable anchors (a cubic through four, a
    # parabola through three, a line through two), in Lagrange form: what
    # scipy's not-a-knot CubicSpline gives through so few points, for all
    # gaps at once.
    same = np.eye(4, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = (x[:, None, None] - ta[:, None, :]) / (ta[:, :, None] - ta[:, None, :])  # (S, j, m)
    factor = np.where(same | ~ok[:, None, :], 1.0, factor)
    weight = np.where(ok, factor.prod(axis=2), 0.0)  # (S, 4)
    values = np.where(ok[:, :, None], block[anchors[run]], 0.0)  # (S, 4, G)
    block[missing] = np.einsum("sj,sjg->sg", weight, values)


def fill_gaps(values: np.ndarray, t_s: np.ndarray, max_gap_s: float,
              method: str = "cubic") -> np.ndarray:
    """Fill interior gaps of at most `max_gap_s` seconds, each column on its own.

    Args:
        values: (T, ...) float array; every trailing index (landmark,
            coordinate) is an independent time series. NaN/inf = missing.
        t_s: (T,) seconds, strictly increasing (need not be uniform).
        max_gap_s: longest gap to fill, seconds (see the module docstring for
            how a gap's duration is measured).
        method: "cubic" or "linear".

    Returns:
        A new float64 array of the same shape. Known samples are unchanged;
        filled gaps hold interpolated values; longer, leading and trailing
        gaps stay NaN. The NaN count never increases.
    """
    arr, t = as_series(values, t_s)
    if not np.isfinite(max_gap_s) or max_gap_s < 0:
        raise ValueError(f"max_gap_s must be a finite number >= 0, got {max_gap_s!r}")
    if method not in GAP_FILL_METHODS:
        raise ValueError(f"method must be one of {GAP_FILL_METHODS}, got {method!r}")
    out = arr.copy()
    n = arr.shape[0]
    if n < 3 or arr.size == 0:
        return out  # no interior sample to fill
    flat = out.reshape(n, -1)
    finite = np.isfinite(flat)
    flat[~finite] = np.nan
    for pattern, cols in group_columns_by_mask(finite):
        fill = fillable_gaps(pattern, t, max_gap_s)
        if not fill.any():
            continue
        block = flat[:, cols]
        _fill_group(block, t, pattern, fill, method)
        flat[:, cols] = block
    return out


def fill_track_gaps(track: PoseTrack, max_gap_s: float,
                    method: str = "cubic") -> tuple[PoseTrack, np.ndarray]:
    """Fill short gaps of `xy_px`, `z` and `world_m` of a track.

    Visibility is left as it was, so a filled landmark keeps the low
    visibility of the frame it was not seen in.

    Returns:
        (filled track, filled (T, K) bool): the mask is True where the image
        coordinates were missing and are now interpolated. The input is not
        modified.
    """
    if not isinstance(track, PoseTrack):
        raise ValueError(f"track must be a PoseTrack, got {type(track).__name__}")
    before = track.present
    arrays = {name: fill_gaps(getattr(track, name), track.t_s, max_gap_s, method)
              for name in _COORD_ARRAYS}
    filled = track.with_arrays(**arrays)
    return filled, filled.present & ~before
