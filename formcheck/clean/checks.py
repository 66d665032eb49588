"""Argument checks shared by the cleaning steps: a time series and its times."""

from __future__ import annotations

import numpy as np


def check_times(t_s, n: int) -> np.ndarray:
    """`t_s` as float64 (n,), finite and strictly increasing; ValueError naming it otherwise."""
    t = np.asarray(t_s, dtype=np.float64)
    if t.shape != (n,):
        raise ValueError(f"t_s must have shape ({n},), got {t.shape}")
    if not np.all(np.isfinite(t)):
        raise ValueError("t_s must be finite")
    if n > 1 and not np.all(np.diff(t) > 0):
        raise ValueError("t_s must be strictly increasing")
    return t


def as_series(values, t_s) -> tuple[np.ndarray, np.ndarray]:
    """`values` as float64 with time on axis 0, and its checked times."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim < 1:
        raise ValueError(f"values must have a time axis, got shape {arr.shape}")
    return arr, check_times(t_s, arr.shape[0])
