"""`clean_track`: gate -> swap repair -> Hampel -> gap fill -> smooth.

Why this order:

1. Gating first: landmarks the model barely saw are guesses; they must not
   vote in the swap decision or the outlier statistics.
2. Swap repair before the Hampel filter: a swapped burst is a jump of many
   frames and several landmarks; the Hampel filter would delete short bursts
   (losing frames we can recover by relabelling) and keep long ones. Once the
   labels are right, the data is continuous.
3. Hampel before gap filling: a spike becomes a hole, which the filler then
   bridges from good neighbours instead of interpolating towards the spike.
4. Gap filling before smoothing: the low-pass filter works on contiguous
   finite runs, so bridged gaps give it longer runs (fewer edge effects, fewer
   runs too short to filter); smoothing first would also smear spikes into
   their neighbours.
5. Smoothing last, zero-phase, so events keep their timing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from formcheck.clean.config import CleanConfig
from formcheck.clean.coverage import Coverage, coverage_of
from formcheck.clean.gaps import fill_track_gaps
from formcheck.clean.gating import gate_visibility
from formcheck.clean.outliers import remove_outliers
from formcheck.clean.smoothing import auto_cutoff_hz, make_smoother, smooth
from formcheck.clean.swaps import repair_leg_swaps
from formcheck.track import PoseTrack

logger = logging.getLogger(__name__)

_COORD_ARRAYS: tuple[str, ...] = ("xy_px", "z", "world_m")


@dataclass(frozen=True, eq=False)
class CleanResult:
    """Output of `clean_track`.

    Attributes:
        track: the cleaned PoseTrack (same shapes and `t_s` as the input;
            visibility as in the input, except where leg labels were exchanged).
        raw_coverage: coverage of the input track.
        gated_coverage: coverage after visibility gating.
        coverage: coverage of the cleaned track (after outlier removal and gap
            filling).
        swapped_frames: (S,) int64 row positions whose leg labels were
            exchanged (empty when `repair_swaps` is off).
        outlier_count: (K,) int64 Hampel outliers removed per landmark.
        filled: (T, K) bool, True where the image coordinates were missing
            before gap filling and are interpolated now.
        cutoff_hz: the low-pass cut-off used, Hz; None when nothing was
            smoothed (smoother "none", or fewer than 2 frames).
        config: the settings used.
    """

    track: PoseTrack
    raw_coverage: Coverage
    gated_coverage: Coverage
    coverage: Coverage
    swapped_frames: np.ndarray
    outlier_count: np.ndarray
    filled: np.ndarray
    cutoff_hz: float | None
    config: CleanConfig


def _resolve_cutoff(track: PoseTrack, config: CleanConfig) -> float | None:
    if config.smoother == "none" or len(track) < 2:
        return None
    if config.cutoff_hz is not None:
        nyquist = track.fps / 2.0
        if not config.cutoff_hz < nyquist:
            raise ValueError(f"cutoff_hz must lie below the clip's Nyquist frequency {nyquist:.3g} Hz "
                             f"({track.fps:.3g} fps), got {config.cutoff_hz!r}")
        return float(config.cutoff_hz)
    return auto_cutoff_hz(track.fps)


def clean_track(track: PoseTrack, config: CleanConfig | None = None) -> CleanResult:
    """Clean one pose track (module docstring for the steps and their order).

    Args:
        track: input PoseTrack (never modified). Leg swap repair needs the 33
            BlazePose landmarks.
        config: settings; a fresh default `CleanConfig()` when None.

    Returns:
        A `CleanResult`. NaN stays NaN where a landmark is missing for longer
        than `config.max_gap_s` or at the clip's ends. Tracks of 0 or 1 frame
        pass through (gated only).

    Raises:
        ValueError: bad `track` or `config`, or a `config.cutoff_hz` at or
            above the clip's Nyquist frequency.
    """
    if not isinstance(track, PoseTrack):
        raise ValueError(f"track must be a PoseTrack, got {type(track).__name__}")
    config = CleanConfig() if config is None else config
    if not isinstance(config, CleanConfig):
        raise ValueError(f"config must be a CleanConfig, got {type(config).__name__}")
    cutoff_hz = _resolve_cutoff(track, config)
    raw_coverage = coverage_of(track)

    current = gate_visibility(track, config.min_visibility)
    gated_coverage = coverage_of(current)

    swapped = np.zeros(0, dtype=np.int64)
    if config.repair_swaps:
        repair = repair_leg_swaps(current, config.swap_switch_cost, config.swap_residual_cap,
                                  config.swap_cost_per_s)
        current, swapped = repair.track, repair.swapped_frames

    current, outliers = remove_outliers(current, config.hampel_window_s, config.hampel_n_sigma,
                                        config.hampel_min_dev_px)
    current, filled = fill_track_gaps(current, config.max_gap_s, config.gap_fill)

    if cutoff_hz is not None:
        smoother = make_smoother(config.smoother, config.filter_order)
        current = current.with_arrays(**{
            name: smooth(getattr(current, name), current.t_s, cutoff_hz, smoother) for name in _COORD_ARRAYS
        })

    outlier_count = outliers.sum(axis=0).astype(np.int64)
    logger.info("cleaned %d frames: %d swapped, %d outliers, %d filled, cut-off %s Hz",
                len(track), swapped.size, int(outlier_count.sum()), int(filled.sum()), cutoff_hz)
    return CleanResult(
        track=current,
        raw_coverage=raw_coverage,
        gated_coverage=gated_coverage,
        coverage=coverage_of(current),
        swapped_frames=swapped,
        outlier_count=outlier_count,
        filled=filled,
        cutoff_hz=cutoff_hz,
        config=config,
    )
