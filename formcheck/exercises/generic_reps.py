"""Reps of a movement no catalog exercise matches, from the whole body's shape.

    found = generic_reps(track)
    found.count, found.peaks_s, found.period_s   # None when no repetition is clear

An exercise outside the catalog (a donkey kick, a lunge, a hip thrust) still repeats. Its
repetition signal is how far the body's shape is from the athlete's start pose: the shoulders,
elbows, wrists, knees, ankles and nose relative to the hip-mid, in torso lengths, against their
median over the first second, low-passed like every rep signal (reps.smooth). Lunges to either
side and a set that switches sides all move away from the same start pose. A repetition is
counted only where it is clear: the signal repeats (autocorrelation peak >= MIN_RHYTHM at a
period of 0.8-8 s, two cycles in the clip at least), and each rep moves it by half the set's
range or more; the rep's peak is where the shape is furthest from the start pose. Nothing is
checked on these reps: the product does not know what this exercise should look like.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.events.rhythm import rhythm
from formcheck.exercises.reps import segment_reps, smooth
from formcheck.kinematics.body import torso_length_px
from formcheck.landmarks import Landmark as L
from formcheck.track import PoseTrack

#: [H] Autocorrelation of the shape signal at its period for a repetition to count as clear.
MIN_RHYTHM = 0.5
#: [H] Periods of a rep (s): faster is shaking or gait, slower is not a rhythm a clip shows twice.
REP_PERIOD_S = (0.8, 8.0)
#: [H] A rep moves the shape signal by at least this share of the set's range (3rd-97th pct).
MIN_REP_SHARE = 0.5
START_POSE_S = 1.0  # the start pose: the first second

_SHAPE = (L.NOSE, L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_ELBOW, L.RIGHT_ELBOW, L.LEFT_WRIST, L.RIGHT_WRIST,
          L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE)


@dataclass(frozen=True)
class GenericReps:
    """count: reps; peaks_s / peak_frames: each rep's peak; period_s: the rhythm's period;
    rhythm: its autocorrelation, [0, 1]."""

    count: int
    peaks_s: tuple[float, ...]
    peak_frames: tuple[int, ...]
    period_s: float
    rhythm: float

    def to_dict(self) -> dict:
        return {"count": self.count, "peaks_s": [round(t, 2) for t in self.peaks_s],
                "peak_frames": list(self.peak_frames), "period_s": round(self.period_s, 2),
                "rhythm": round(self.rhythm, 2),
                "signal": "whole-body shape (first principal component), no checks"}


def shape_signal(track: PoseTrack) -> np.ndarray:
    """(T,) distance of the body's shape from the start pose, torso lengths (RMS over the points
    seen; NaN where fewer than half are seen)."""
    xy = track.xy_px
    hip = (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2
    torso = torso_length_px(xy, track.fps if len(track) > 1 else 30.0)
    shape = (xy[:, _SHAPE] - hip[:, None]) / torso[:, None, None]  # (T, P, 2)
    seen = np.all(np.isfinite(shape), axis=2)
    first = track.t_s <= track.t_s[0] + START_POSE_S
    if seen[first].sum() < 3:
        return np.full(len(track), np.nan)
    rest = np.array([np.median(shape[first & seen[:, p], p], axis=0) if (first & seen[:, p]).any() else
                     np.full(2, np.nan) for p in range(len(_SHAPE))])
    d2 = np.sum((shape - rest[None]) ** 2, axis=2)  # NaN where unseen
    ok = np.isfinite(d2)
    rows = ok.mean(axis=1) >= 0.5
    out = np.full(len(track), np.nan)
    out[rows] = np.sqrt(np.where(ok[rows], d2[rows], 0.0).sum(axis=1) / ok[rows].sum(axis=1))
    return out


def generic_reps(track: PoseTrack) -> GenericReps | None:
    """The clear repetitions of the body's shape in `track`, or None (module docstring)."""
    if len(track) < 8:
        return None
    t = track.t_s
    signal = shape_signal(track)
    if np.isfinite(signal).sum() < 8:
        return None
    period, strength = rhythm(signal, t)
    if not (np.isfinite(period) and REP_PERIOD_S[0] <= period <= REP_PERIOD_S[1] and strength >= MIN_RHYTHM):
        return None
    s = smooth(t, signal)
    lo, hi = np.nanpercentile(s, 3), np.nanpercentile(s, 97)
    if not hi > lo:
        return None
    windows = [w for w in segment_reps(t, s, MIN_REP_SHARE * (hi - lo)) if not w.partial]
    # Two excursions within half a period are one rep with two phases (a jump squat's squat and
    # flight); the furthest from the start pose is its peak.
    reps: list = []
    for w in windows:
        if reps and t[w.peak] - t[reps[-1][0].peak] < 0.5 * period:
            reps[-1].append(w)
        else:
            reps.append([w])
    peaks = [max(group, key=lambda w: s[w.peak]).peak for group in reps]
    if len(peaks) < 2:
        return None
    return GenericReps(len(peaks), tuple(float(t[i]) for i in peaks),
                       tuple(int(track.frame_index[i]) for i in peaks), float(period), float(strength))
