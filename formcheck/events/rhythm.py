"""Rhythm in a signal sampled at (possibly uneven) times: period and strength from the
autocorrelation, and the same between two signals (one leg against the other).

    period_s, strength = rhythm(signal, t_s)

Signals are put on a uniform grid of the median frame interval (gaps bridged linearly) and
detrended; a signal of shape (T, k) is k channels whose correlations are summed. Periods are in
seconds, so the same rhythm reads the same at 24 or 240 frames/s.
"""

from __future__ import annotations

import numpy as np

#: [H] A rhythm is a rhythm when it repeats at least this often inside the window.
MIN_CYCLES = 2.0
#: [H] Autocorrelation lags searched for a rhythm (video seconds): a sprint step (0.2 s) to a
#: slow exercise rep or a slow-motion stride (8 s).
PERIOD_RANGE_S = (0.2, 8.0)


def uniform_channels(signal: np.ndarray, t_s: np.ndarray) -> tuple[np.ndarray, float]:
    """(n, k) channels on a uniform time grid (gaps bridged linearly), each detrended; and dt.
    A channel that is never seen is zeros; too few samples give an empty array."""
    y = signal.reshape(len(signal), -1)
    ok = np.all(np.isfinite(y), axis=1) & np.isfinite(t_s)
    if ok.sum() < 8:
        return np.empty((0, y.shape[1])), 0.0
    t = t_s[ok]
    dt = float(np.median(np.diff(t)))
    if not dt > 0:
        return np.empty((0, y.shape[1])), 0.0
    grid = np.arange(t[0], t[-1] + dt / 2, dt)
    out = np.empty((len(grid), y.shape[1]))
    for c in range(y.shape[1]):
        v = np.interp(grid, t, y[ok, c])
        out[:, c] = v - np.polyval(np.polyfit(grid - grid[0], v, 1), grid - grid[0])
    return out, dt


def correlation(a: np.ndarray, b: np.ndarray, max_lag: int) -> np.ndarray:
    """Normalised cross-correlation of two (n, k) channel sets at lags -max_lag..max_lag: sum
    over channels of a(t)·b(t + lag), divided by sqrt(energy(a) · energy(b)). Biased (sums over
    fewer samples at longer lags), which favours the fundamental over its multiples."""
    n = len(a)
    energy = float(np.sqrt(np.sum(a * a) * np.sum(b * b)))
    if energy <= 1e-12:
        return np.zeros(2 * max_lag + 1)
    full = sum(np.correlate(b[:, c], a[:, c], "full") for c in range(a.shape[1]))  # index n-1 = lag 0
    lags = np.arange(-max_lag, max_lag + 1)
    return full[n - 1 + lags] / energy


def lag_range(n: int, dt: float) -> tuple[int, int]:
    lo = max(1, int(np.ceil(PERIOD_RANGE_S[0] / dt)))
    hi = min(int(PERIOD_RANGE_S[1] / dt), int(n / MIN_CYCLES), n - 2)
    return lo, hi


def first_peak(ac: np.ndarray, lo: int, hi: int) -> int | None:
    """The fundamental: the first local maximum nearly (80%) as high as the best one."""
    peaks = [i for i in range(lo, hi) if ac[i] >= ac[i - 1] and ac[i] >= ac[i + 1] and ac[i] > 0]
    if not peaks:
        return None
    best = max(ac[i] for i in peaks)
    return next(i for i in peaks if ac[i] >= 0.8 * best)


def rhythm(signal: np.ndarray, t_s: np.ndarray) -> tuple[float, float]:
    """(period_s, strength) of the first autocorrelation peak of a signal sampled at t_s.

    The signal is put on a uniform grid (gaps bridged linearly), detrended, and its
    normalised autocorrelation searched from PERIOD_RANGE_S[0] up to PERIOD_RANGE_S[1] or the
    window over MIN_CYCLES, whichever is shorter; (NaN, 0.0) without a peak or with too few
    samples. A signal of shape (T, k) is several channels: their autocorrelations are summed.
    """
    y, dt = uniform_channels(signal, t_s)
    if len(y) < 8:
        return float("nan"), 0.0
    lo, hi = lag_range(len(y), dt)
    if hi <= lo + 1:
        return float("nan"), 0.0
    ac = correlation(y, y, hi + 1)[hi + 1:]
    first = first_peak(ac, lo, hi + 1)
    if first is None:
        return float("nan"), 0.0
    return float(first * dt), float(min(1.0, ac[first]))


def channels_period_s(channels: list[np.ndarray], t_s: np.ndarray, min_strength: float) -> float:
    """The period (s) of `rhythm` over the rows where every channel is seen (at least 8), or NaN
    when there is none or it is weaker than `min_strength`."""
    if not channels:
        return float("nan")
    sig = np.column_stack(channels)
    rows = np.all(np.isfinite(sig), axis=1)
    if rows.sum() < 8:
        return float("nan")
    period, strength = rhythm(sig[rows], t_s[rows])
    return period if np.isfinite(period) and strength >= min_strength else float("nan")
