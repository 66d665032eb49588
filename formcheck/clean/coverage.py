"""Per-landmark coverage: how much of the clip each landmark is known for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from formcheck.clean.gaps import true_runs
from formcheck.landmarks import NUM_LANDMARKS, Landmark
from formcheck.track import PoseTrack


@dataclass(frozen=True, eq=False)
class Coverage:
    """Coverage of one track, per landmark.

    Attributes:
        fraction_present: (K,) float in [0, 1], frames with finite image
            coordinates / frames (NaN for a 0-frame track).
        longest_gap_s: (K,) float seconds, the longest run of missing frames
            measured as the time between the known samples around it (or the
            clip's first/last frame for a leading/trailing run): one missing
            frame inside a 30 fps clip is 0.067 s, a landmark never missing is
            0, a landmark never seen is the clip's duration.
        num_frames: T.
        duration_s: t_s[-1] - t_s[0] (0 with fewer than 2 frames).
    """

    fraction_present: np.ndarray
    longest_gap_s: np.ndarray
    num_frames: int
    duration_s: float

    def __post_init__(self) -> None:
        frac = np.asarray(self.fraction_present, dtype=np.float64)
        gap = np.asarray(self.longest_gap_s, dtype=np.float64)
        if frac.ndim != 1 or gap.shape != frac.shape:
            raise ValueError(f"fraction_present and longest_gap_s must be equal 1-D shapes, "
                             f"got {frac.shape} and {gap.shape}")
        object.__setattr__(self, "fraction_present", frac)
        object.__setattr__(self, "longest_gap_s", gap)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: per-landmark values keyed by landmark name (index when K != 33)."""
        k = self.fraction_present.shape[0]
        names = [Landmark(i).name if k == NUM_LANDMARKS else str(i) for i in range(k)]

        def clean(v: float) -> float | None:
            return None if not np.isfinite(v) else float(v)

        return {
            "num_frames": int(self.num_frames),
            "duration_s": float(self.duration_s),
            "fraction_present": {n: clean(v) for n, v in zip(names, self.fraction_present)},
            "longest_gap_s": {n: clean(v) for n, v in zip(names, self.longest_gap_s)},
        }


def longest_gap_s(present: np.ndarray, t_s: np.ndarray) -> float:
    """Longest missing run of one landmark, in seconds (see `Coverage.longest_gap_s`).

    Args:
        present: (T,) bool.
        t_s: (T,) seconds, strictly increasing.
    """
    present = np.asarray(present, dtype=bool)
    t = np.asarray(t_s, dtype=np.float64)
    if present.ndim != 1 or t.shape != present.shape:
        raise ValueError(f"present and t_s must be equal 1-D shapes, got {present.shape} and {t.shape}")
    n = present.shape[0]
    longest = 0.0
    for start, stop in zip(*true_runs(~present)):
        left = t[start - 1] if start > 0 else t[0]
        right = t[stop] if stop < n else t[-1]
        longest = max(longest, float(right - left))
    return longest


def coverage_of(track: PoseTrack) -> Coverage:
    """Coverage of `track` (presence = finite image coordinates)."""
    if not isinstance(track, PoseTrack):
        raise ValueError(f"track must be a PoseTrack, got {type(track).__name__}")
    present = track.present
    n = len(track)
    frac = present.mean(axis=0) if n else np.full(track.num_landmarks, np.nan)
    gaps = np.array([longest_gap_s(present[:, k], track.t_s) for k in range(track.num_landmarks)])
    return Coverage(fraction_present=frac, longest_gap_s=gaps.reshape(track.num_landmarks),
                    num_frames=n, duration_s=track.duration_s)
