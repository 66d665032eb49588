"""Cleaning of a pose track: visibility gating, leg-swap repair, outliers, gaps, smoothing.

`clean_track(track, CleanConfig())` runs the whole stage; the steps are also
public for tests and for other stages.
"""

from formcheck.clean.config import CleanConfig
from formcheck.clean.coverage import Coverage, coverage_of, longest_gap_s
from formcheck.clean.gaps import GAP_FILL_METHODS, fill_gaps, fill_track_gaps
from formcheck.clean.gating import gate_visibility, visibility_mask
from formcheck.clean.outliers import hampel_outliers, remove_outliers
from formcheck.clean.pipeline import CleanResult, clean_track
from formcheck.clean.smoothing import (
    SMOOTHERS,
    ButterworthSmoother,
    NoSmoother,
    SavitzkyGolaySmoother,
    Smoother,
    auto_cutoff_hz,
    make_smoother,
    smooth,
)
from formcheck.clean.swaps import SwapRepair, detect_leg_swaps, repair_leg_swaps

__all__ = [
    "GAP_FILL_METHODS",
    "SMOOTHERS",
    "ButterworthSmoother",
    "CleanConfig",
    "CleanResult",
    "Coverage",
    "NoSmoother",
    "SavitzkyGolaySmoother",
    "Smoother",
    "SwapRepair",
    "auto_cutoff_hz",
    "clean_track",
    "coverage_of",
    "detect_leg_swaps",
    "fill_gaps",
    "fill_track_gaps",
    "gate_visibility",
    "hampel_outliers",
    "longest_gap_s",
    "make_smoother",
    "remove_outliers",
    "repair_leg_swaps",
    "smooth",
    "visibility_mask",
]
