"""Zero-phase low-pass smoothing of landmark coordinates, and a registry of smoothers.

A `Smoother` filters one uniformly sampled block without NaN. `smooth()` does
the rest for every smoother alike: it splits each column into contiguous
finite runs (NaN stays NaN), leaves runs too short for the filter as they are
(and logs how many), takes the sample spacing from `t_s`, and, where the
spacing of a run varies by more than `UNIFORM_SPACING_TOL` (phone clips have a
variable frame rate), resamples the run to a uniform grid at its median
spacing (cubic spline through the samples), filters, and interpolates back to
the original times (cubic spline through the filtered grid).

Smoothers are looked up by name (`make_smoother`), as norfair does for its
filters; an unknown name raises ValueError listing the valid ones.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol, runtime_checkable

import numpy as np
from scipy import signal
from scipy.interpolate import CubicSpline

from formcheck.clean.checks import as_series
from formcheck.clean.gaps import group_columns_by_mask, true_runs

logger = logging.getLogger(__name__)

# Auto cut-off: running landmarks carry their content mostly below ~10 Hz at
# running speeds (stride ~1.4 Hz, knee-angle harmonics up to ~8 Hz), so 12 Hz
# keeps it at 60-240 fps. The cut-off must also stay well below Nyquist: at
# half of Nyquist (fps / 4) the filter's transition band ends before Nyquist
# and the per-frame jitter of the pose model, which is broadband, is cut. At
# 25-30 fps the rule gives 6.25-7.5 Hz, close to Winter's 6 Hz for gait:
# content above that is mostly jitter and aliasing at those frame rates.
MAX_AUTO_CUTOFF_HZ = 12.0
AUTO_CUTOFF_NYQUIST_FRACTION = 0.5

# Spacing variation (max |dt - median dt| / median dt) tolerated before a run
# is resampled to a uniform grid.
UNIFORM_SPACING_TOL = 0.05


def auto_cutoff_hz(fps: float) -> float:
    """Cut-off for a clip at `fps` frames/s: min(12 Hz, half of Nyquist = fps / 4).

    Examples: 25 fps -> 6.25 Hz, 30 -> 7.5, 60 -> 12, 120 -> 12, 240 -> 12.

    Raises:
        ValueError: `fps` is not a finite positive number.
    """
    if not isinstance(fps, (int, float, np.floating, np.integer)) or not math.isfinite(fps) or fps <= 0:
        raise ValueError(f"fps must be a finite number > 0, got {fps!r}")
    return float(min(MAX_AUTO_CUTOFF_HZ, AUTO_CUTOFF_NYQUIST_FRACTION * float(fps) / 2.0))


@runtime_checkable
class Smoother(Protocol):
    """Filters uniformly sampled finite data; `smooth()` handles NaN and timing."""

    name: str

    def min_samples(self, fs_hz: float, cutoff_hz: float) -> int:
        """Shortest run (samples) the filter can process at this rate and cut-off."""
        ...

    def filter_uniform(self, block: np.ndarray, fs_hz: float, cutoff_hz: float) -> np.ndarray:
        """Filter (N, C) finite samples spaced 1/fs_hz apart, along axis 0; new array."""
        ...


def _check_cutoff(fs_hz: float, cutoff_hz: float) -> None:
    nyquist = fs_hz / 2.0
    if not (0 < cutoff_hz < nyquist):
        raise ValueError(
            f"cutoff_hz must lie in (0, {nyquist:.3g}) Hz, the Nyquist frequency of "
            f"{fs_hz:.3g} samples/s; got {cutoff_hz!r}"
        )


@dataclass(frozen=True)
class ButterworthSmoother:
    """Butterworth low-pass run forward and backward (scipy `sosfiltfilt`): zero phase.

    `order` is the order of each pass; the forward-backward pair squares the
    response, so `cutoff_hz` is the -3 dB point of each pass and about the
    -6 dB point of the result (as in scipy and Sports2D). Order 2 gives the
    "4th-order zero-lag Butterworth" of biomechanics (Winter).
    """

    order: int = 2
    name: str = "butterworth"

    def __post_init__(self) -> None:
        if not isinstance(self.order, int) or not 1 <= self.order <= 8:
            raise ValueError(f"order must be an int in [1, 8], got {self.order!r}")

    def _sos(self, fs_hz: float, cutoff_hz: float) -> np.ndarray:
        _check_cutoff(fs_hz, cutoff_hz)
        return _butter_sos(self.order, float(cutoff_hz), float(fs_hz)).copy()  # scipy's filters want it writable

    @staticmethod
    def _padlen(sos: np.ndarray) -> int:
        # scipy's default sosfiltfilt padding, written out so we know it in advance.
        ntaps = 2 * sos.shape[0] + 1
        ntaps -= min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
        return 3 * ntaps

    def min_samples(self, fs_hz: float, cutoff_hz: float) -> int:
        return self._padlen(self._sos(fs_hz, cutoff_hz)) + 1

    def filter_uniform(self, block: np.ndarray, fs_hz: float, cutoff_hz: float) -> np.ndarray:
        sos = self._sos(fs_hz, cutoff_hz)
        return signal.sosfiltfilt(sos, block, axis=0, padlen=self._padlen(sos))


@functools.lru_cache(maxsize=256)
def _butter_sos(order: int, cutoff_hz: float, fs_hz: float) -> np.ndarray:
    """The low-pass design, once per (order, cutoff, rate): a track's runs and landmarks all ask
    for the same few (designing it was 57% of the cleaning's time). Callers take a copy."""
    return signal.butter(order, cutoff_hz, btype="low", fs=fs_hz, output="sos")


@dataclass(frozen=True)
class SavitzkyGolaySmoother:
    """Savitzky-Golay polynomial smoothing (symmetric window: zero phase).

    The window is chosen so the -3 dB frequency is near `cutoff_hz`, with
    Schafer's rule (IEEE Signal Processing Magazine 2011):
    f_c / Nyquist ~= (N + 1) / (3.2 M - 4.6) for polynomial order N and
    window 2M + 1. `order` is the polynomial order.
    """

    order: int = 2
    name: str = "savgol"

    def __post_init__(self) -> None:
        if not isinstance(self.order, int) or not 1 <= self.order <= 8:
            raise ValueError(f"order must be an int in [1, 8], got {self.order!r}")

    def window(self, fs_hz: float, cutoff_hz: float) -> int:
        _check_cutoff(fs_hz, cutoff_hz)
        f_norm = cutoff_hz / (fs_hz / 2.0)
        half = int(round(((self.order + 1) / f_norm + 4.6) / 3.2))
        half = max(half, (self.order + 2) // 2)  # window must exceed the order
        return 2 * half + 1

    def min_samples(self, fs_hz: float, cutoff_hz: float) -> int:
        return self.window(fs_hz, cutoff_hz)

    def filter_uniform(self, block: np.ndarray, fs_hz: float, cutoff_hz: float) -> np.ndarray:
        return signal.savgol_filter(block, self.window(fs_hz, cutoff_hz), self.order,
                                    axis=0, mode="interp")


@dataclass(frozen=True)
class NoSmoother:
    """Identity: returns the data as it is (for comparisons and debugging)."""

    order: int = 0
    name: str = "none"

    def min_samples(self, fs_hz: float, cutoff_hz: float) -> int:
        return 1

    def filter_uniform(self, block: np.ndarray, fs_hz: float, cutoff_hz: float) -> np.ndarray:
        return np.array(block, dtype=np.float64, copy=True)


# Read-only registry: name -> factory taking the filter order.
SMOOTHERS: Mapping[str, Callable[[int], Smoother]] = MappingProxyType({
    "butterworth": lambda order: ButterworthSmoother(order=order),
    "savgol": lambda order: SavitzkyGolaySmoother(order=order),
    "none": lambda order: NoSmoother(),
})


def make_smoother(name: str, order: int = 2) -> Smoother:
    """The smoother registered as `name`, built with filter order `order`.

    Raises:
        ValueError: unknown `name` (the message lists the valid names) or bad `order`.
    """
    try:
        factory = SMOOTHERS[name]
    except (KeyError, TypeError):
        raise ValueError(f"smoother must be one of {sorted(SMOOTHERS)}, got {name!r}") from None
    return factory(order)


def _is_uniform(t: np.ndarray) -> bool:
    dt = np.diff(t)
    med = float(np.median(dt))
    return bool(np.max(np.abs(dt - med)) <= UNIFORM_SPACING_TOL * med)


def _smooth_run(smoother: Smoother, t: np.ndarray, block: np.ndarray,
                cutoff_hz: float) -> np.ndarray | None:
    """Filter one finite run; None if it is too short, or sampled too coarsely for the cut-off."""
    if _is_uniform(t):
        fs_hz = float((t.shape[0] - 1) / (t[-1] - t[0]))
        if cutoff_hz >= fs_hz / 2.0 or block.shape[0] < smoother.min_samples(fs_hz, cutoff_hz):
            return None
        return smoother.filter_uniform(block, fs_hz, cutoff_hz)
    step = float(np.median(np.diff(t)))
    n = int(round((t[-1] - t[0]) / step)) + 1
    grid = np.linspace(t[0], t[-1], n)
    fs_hz = float((n - 1) / (t[-1] - t[0]))
    if cutoff_hz >= fs_hz / 2.0 or n < smoother.min_samples(fs_hz, cutoff_hz):
        return None
    resampled = CubicSpline(t, block, axis=0)(grid)
    filtered = smoother.filter_uniform(resampled, fs_hz, cutoff_hz)
    return CubicSpline(grid, filtered, axis=0)(t)


def smooth(values: np.ndarray, t_s: np.ndarray, cutoff_hz: float,
           smoother: Smoother | None = None) -> np.ndarray:
    """Low-pass every column of `values` over time, NaN-aware.

    Args:
        values: (T, ...) float; every trailing index is an independent series.
        t_s: (T,) seconds, strictly increasing, possibly non-uniform.
        cutoff_hz: cut-off frequency in Hz; must be below the Nyquist
            frequency of the series at its median spacing (ValueError otherwise).
        smoother: a `Smoother`; default `ButterworthSmoother()`.

    Returns:
        A new float64 array, same shape. Non-finite samples stay NaN; each
        contiguous finite run is filtered on its own; runs shorter than
        `smoother.min_samples`, or sampled so coarsely (frames dropped around
        them) that the cut-off is at or above their own Nyquist frequency, are
        returned unfiltered (logged at INFO).
    """
    smoother = ButterworthSmoother() if smoother is None else smoother
    if not isinstance(smoother, Smoother):
        raise ValueError(f"smoother must implement the Smoother protocol, got {type(smoother).__name__}")
    arr, t = as_series(values, t_s)
    if not isinstance(cutoff_hz, (int, float, np.floating, np.integer)) or not math.isfinite(cutoff_hz) \
            or cutoff_hz <= 0:
        raise ValueError(f"cutoff_hz must be a finite number > 0, got {cutoff_hz!r}")
    out = arr.copy()
    n = arr.shape[0]
    if n < 2 or arr.size == 0:
        return out
    # The series' own rate (as each run's below); a run sampled more coarsely is left as it is.
    _check_cutoff(float((n - 1) / (t[-1] - t[0])) if _is_uniform(t) else 1.0 / float(np.median(np.diff(t))),
                  float(cutoff_hz))
    flat = out.reshape(n, -1)
    finite = np.isfinite(flat)
    flat[~finite] = np.nan
    short_runs = 0
    for pattern, cols in group_columns_by_mask(finite):
        for start, stop in zip(*true_runs(pattern)):
            if stop - start < 2:
                short_runs += 1
                continue
            result = _smooth_run(smoother, t[start:stop], flat[start:stop, cols], float(cutoff_hz))
            if result is None:
                short_runs += 1
                continue
            flat[start:stop, cols] = result
    if short_runs:
        logger.info("%s: left %d finite run(s) unsmoothed, too short or too coarse for the filter at %.3g Hz",
                    smoother.name, short_runs, cutoff_hz)
    return out
