"""Hampel filter over a time window: spikes become NaN (the gap filler may fill them).

For each sample, the window holds every sample whose time is within
`window_s / 2` of it (so the number of samples follows the real frame rate,
and variable spacing is handled); windows shrink symmetrically at the clip's
ends, so the first and last samples are not judged. The classic Hampel filter flags a sample
farther than n_sigma * 1.4826 * MAD from the window median; its MAD grows with
the signal's slope, though: at 30 fps a swinging foot moves ~30 px per frame,
and a 60 px spike in mid-swing goes unnoticed. So the window is first
detrended with a robust slope (the median of the finite differences inside
it, which one spike cannot move), and the classic rule is applied to the
detrended window:

    |x - med(y)| > max(n_sigma * 1.4826 * MAD(y), n_sigma * noise, min_dev)
    y_j = x_j - slope * (t_j - t_i)

On a flat stretch this is exactly the classic Hampel filter. A window of
5-10 samples gives an unsteady MAD, so the threshold never falls below
`n_sigma` times the series' own noise level, estimated over the whole series
from its second differences (1.4826 * median |x[i+1] - 2 x[i] + x[i-1]| /
sqrt(6); motion only raises it, so it errs towards keeping samples). 1.4826
turns a median absolute deviation into a standard deviation for Gaussian
noise. Non-finite samples are ignored in the statistics and never flagged; a
window with fewer than `min_samples` finite samples judges nothing.
"""

from __future__ import annotations

import math

import numpy as np

from formcheck.clean.checks import as_series
from formcheck.track import PoseTrack

MAD_TO_SIGMA = 1.4826
_TIME_TOL_S = 1e-9
_MAX_GATHER = 4_000_000  # elements per gathered (T, W, C) chunk, bounds memory


def _sorted_median(sorted_windows: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Median along axis 1 of windows sorted with NaN last; `count` finite per window."""
    lo = np.clip((count - 1) // 2, 0, None)
    hi = np.clip(count // 2, 0, sorted_windows.shape[1] - 1)
    a = np.take_along_axis(sorted_windows, lo[:, None, :], axis=1)[:, 0, :]
    b = np.take_along_axis(sorted_windows, hi[:, None, :], axis=1)[:, 0, :]
    med = 0.5 * (a + b)
    med[count == 0] = np.nan
    return med


def _noise_sigma(flat: np.ndarray) -> np.ndarray:
    """(C,) robust noise level of each column of (T, C) from second differences (0 if unknown)."""
    if flat.shape[0] < 3:
        return np.zeros(flat.shape[1])
    d2 = np.abs(flat[2:] - 2.0 * flat[1:-1] + flat[:-2])
    d2 = np.where(np.isfinite(d2), d2, np.nan)
    count = np.isfinite(d2).sum(axis=0)
    med = _sorted_median(np.sort(d2, axis=0)[None], count[None])[0]
    return np.nan_to_num(MAD_TO_SIGMA * med / np.sqrt(6.0), nan=0.0)


def _check_positive(name: str, value: float, allow_zero: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) \
            or not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")


def hampel_outliers(values: np.ndarray, t_s: np.ndarray, window_s: float, n_sigma: float = 3.0,
                    min_dev: float = 0.0, min_samples: int = 3) -> np.ndarray:
    """Outlier mask of a Hampel filter over a time window (module docstring).

    Args:
        values: (T, ...) float; every trailing index is an independent series.
        t_s: (T,) seconds, strictly increasing.
        window_s: full window width in seconds (> 0).
        n_sigma: threshold in robust standard deviations (> 0).
        min_dev: deviations up to this (in the units of `values`) are never
            outliers (>= 0).
        min_samples: finite samples a window needs to judge its centre (>= 1).

    Returns:
        (T, ...) bool, True on outliers; False on non-finite samples.
    """
    arr, t = as_series(values, t_s)
    _check_positive("window_s", window_s)
    _check_positive("n_sigma", n_sigma)
    _check_positive("min_dev", min_dev, allow_zero=True)
    if isinstance(min_samples, bool) or not isinstance(min_samples, (int, np.integer)) or min_samples < 1:
        raise ValueError(f"min_samples must be an int >= 1, got {min_samples!r}")
    n = arr.shape[0]
    out = np.zeros(arr.shape, dtype=bool)
    if n == 0 or arr.size == 0:
        return out
    flat = arr.reshape(n, -1)
    out_flat = out.reshape(n, -1)
    # Symmetric windows, shrunk at the clip's ends (a one-sided window is biased on a curve).
    half = np.minimum(0.5 * float(window_s), np.minimum(t - t[0], t[-1] - t))
    lo = np.searchsorted(t, t - half - _TIME_TOL_S, side="left")
    hi = np.searchsorted(t, t + half + _TIME_TOL_S, side="right")
    width = int(np.max(hi - lo))
    offsets = lo[:, None] + np.arange(width)[None, :]
    idx = np.minimum(offsets, n - 1)  # (T, W) sample indices of each window
    outside = offsets >= hi[:, None]
    d_idx = np.minimum(offsets[:, :-1], max(n - 2, 0))  # differences inside each window
    d_outside = offsets[:, :-1] >= (hi - 1)[:, None]
    dt_rel = (t[idx] - t[:, None])[:, :, None]  # (T, W, 1) time from the window's centre
    noise = _noise_sigma(flat)  # (C,)
    chunk = max(1, _MAX_GATHER // max(1, n * width))
    for c0 in range(0, flat.shape[1], chunk):
        cols = flat[:, c0:c0 + chunk]
        cols = np.where(np.isfinite(cols), cols, np.nan)
        windows = cols[idx]  # (T, W, C)
        windows[outside] = np.nan
        slope = np.zeros((n, cols.shape[1]))
        if n >= 2 and width >= 2:
            rates = np.diff(cols, axis=0) / np.diff(t)[:, None]  # (T-1, C)
            d_windows = rates[d_idx]
            d_windows[d_outside] = np.nan
            d_count = np.isfinite(d_windows).sum(axis=1)
            slope = np.nan_to_num(_sorted_median(np.sort(d_windows, axis=1), d_count), nan=0.0)
        detrended = windows - slope[:, None, :] * dt_rel
        count = np.isfinite(detrended).sum(axis=1)
        centre = _sorted_median(np.sort(detrended, axis=1), count)
        mad = _sorted_median(np.sort(np.abs(detrended - centre[:, None, :]), axis=1), count)
        floor = np.maximum(float(n_sigma) * noise[c0:c0 + chunk], float(min_dev))
        limit = np.maximum(float(n_sigma) * MAD_TO_SIGMA * mad, floor[None, :])
        with np.errstate(invalid="ignore"):
            flagged = np.abs(cols - centre) > limit
        out_flat[:, c0:c0 + chunk] = flagged & (count >= min_samples) & np.isfinite(cols)
    return out


def remove_outliers(track: PoseTrack, window_s: float, n_sigma: float = 3.0,
                    min_dev_px: float = 0.0) -> tuple[PoseTrack, np.ndarray]:
    """Hampel-filter the image coordinates of a track; outliers become missing.

    A landmark is an outlier in a frame when its x or its y is; then its
    `xy_px`, `z` and `world_m` in that frame become NaN (the detection is
    not trusted) and `visibility` is kept. The input is not modified.

    Returns:
        (track with outliers set to NaN, outliers (T, K) bool).
    """
    if not isinstance(track, PoseTrack):
        raise ValueError(f"track must be a PoseTrack, got {type(track).__name__}")
    mask = hampel_outliers(track.xy_px, track.t_s, window_s, n_sigma, min_dev=min_dev_px).any(axis=-1)
    return track.with_missing(mask), mask
