"""Repeated frames: pictures a video shows again instead of a new one.

    changes = [change_level(prev, cur) for ...]   # one number per frame, NaN for the first
    repeated = repeated_frames(changes)           # (N,) bool: True where the frame repeats the last

Web clips hold images: slow motion stored by showing each picture two to ten
times (track_sprint_side_fixed.mp4 shows each one three times), a frame-rate
conversion repeats one frame in five or six (track_run_side_pan.mp4, a screen
recording), a paused player repeats one for seconds. A gait event detector that
times those frames as if each were a new moment invents flat stretches and
steps in every landmark, and contacts with them. This module finds them from
the pixels, before any landmark is read: the pose model answers a repeated
picture with slightly different landmarks (its tracking smooths over time),
so the landmarks cannot tell.

**Change of a frame** (`change_level`): the frame box-halved until its shorter
side is under 128 px (`video.cuts.halved`, shared with the shot-cut signature,
so it costs one grey conversion and one difference a frame), in grey levels;
the change is the 99.5th percentile of |this - previous| over the pixels: a
runner moving anywhere in the picture moves dozens of those pixels, so the
change follows the runner even when the camera is still and the runner small;
codec noise on a repeated picture stays at 0-3 levels (8 in a screen recording).

**Repeated** (`repeated_frames`): a run of at most `MAX_HELD_RUN` frames whose
changes are all at most `REPEAT_RATIO` of the changes that enter and leave it,
both at least `MIN_MOTION_LEVEL`: the picture stops dead and jumps on. A
subject who slows down and stops (the bottom of a squat, a runner leaving
the frame), a still scene, or a far-away runner whose every change is small
are not repeats: the picture does not jump on either side of them; nor is a
run at either end of the clip (no jump into or out of it can be seen). Measured
on the 15 shared clips (change levels from `change_level`): no frame of the 13
normal clips is a repeat; on track_sprint_side_fixed.mp4 122 of 185 frames
(two of every three: each image held three times), on track_run_side_pan.mp4
41 of 271 (one in five or six once it plays, 8 against 110-160 levels).
The paused start of a screen recording, where every frame is the same
picture, is a still scene here (nothing enters or leaves it); the activity
timeline calls it still.
"""

from __future__ import annotations

import cv2
import numpy as np

#: [H] Percentile of the per-pixel change that stands for the frame's change: the runner's
#: pixels, not the background's (a runner covers far more than 0.5% of a 128-px picture).
CHANGE_PERCENTILE = 99.5
#: [H] A repeated frame changes by at most this share of the frames around it (measured: 0-8
#: levels inside held runs against 60-160 on either side).
REPEAT_RATIO = 0.2
#: [H] Longest run of repeats of one picture: ten showings of an image (10x slow motion held).
MAX_HELD_RUN = 9
#: [H] Grey levels a frame entering or leaving a held run must change by: a visible jump.
MIN_MOTION_LEVEL = 6.0


def small_grey(halved_bgr: np.ndarray) -> np.ndarray:
    """Grey float32 picture of a frame already `video.cuts.halved`."""
    return cv2.cvtColor(np.asarray(halved_bgr), cv2.COLOR_BGR2GRAY).astype(np.float32)


def change_level(previous: np.ndarray | None, current: np.ndarray) -> float:
    """Grey levels by which `current` differs from `previous` (`small_grey` pictures); NaN
    without a previous picture of the same size."""
    if previous is None or previous.shape != current.shape:
        return float("nan")
    return float(np.percentile(np.abs(current - previous), CHANGE_PERCENTILE))


def repeated_frames(changes) -> np.ndarray:
    """(N,) bool: True where the frame repeats the previous picture (module docstring).

    Args:
        changes: (N,) `change_level` of each frame from the one before (NaN where unknown:
            the first frame, a frame not decoded).
    """
    x = np.asarray(changes, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"changes must be one-dimensional, got shape {x.shape}")
    x = np.where(np.isfinite(x), x, np.inf)  # unknown: never part of a held run
    n = x.shape[0]
    out = np.zeros(n, dtype=bool)
    i = 1
    while i < n:
        enter = x[i - 1]
        if not (np.isfinite(enter) and enter >= MIN_MOTION_LEVEL and x[i] <= REPEAT_RATIO * enter):
            i += 1
            continue
        j = i
        while j < n and j - i < MAX_HELD_RUN and x[j] <= REPEAT_RATIO * enter:
            j += 1
        leave = x[j] if j < n else np.nan
        if np.isfinite(leave) and leave >= MIN_MOTION_LEVEL and np.max(x[i:j]) <= REPEAT_RATIO * min(enter, leave):
            out[i:j] = True
        i = j
    return out


def held_runs(repeated) -> np.ndarray:
    """Lengths (showings of one picture) of the images that are held, i.e. shown more than once."""
    r = np.asarray(repeated, dtype=bool)
    edges = np.diff(np.concatenate(([0], r.astype(np.int8), [0])))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return (stops - starts + 1).astype(np.int64)


def find_repeated_frames(info) -> tuple[int, ...]:
    """Frame indices of the repeated frames of a clip, decoding it once (`video.reader`): for pose
    results cached before the pose pass measured the changes itself."""
    from formcheck.video.cuts import halved
    from formcheck.video.reader import iter_frames

    index, changes, previous = [], [], None
    for frame in iter_frames(info):
        grey = small_grey(halved(frame.image))
        changes.append(change_level(previous, grey))
        index.append(frame.index)
        previous = grey
    return tuple(int(index[i]) for i in np.flatnonzero(repeated_frames(changes)))
