"""A clip's frames cut into contiguous ranges, one per core, for work that threads can share.

OpenCV's decoder, its image functions and x264 release the GIL, so a pass over
a clip (drawing the annotated video, the background's optical flow) runs on
every core from threads, each decoding its own range after a seek.
"""

from __future__ import annotations

import os

import numpy as np


def core_count() -> int:
    """Cores this process may run on."""
    return len(os.sched_getaffinity(0))


def frame_ranges(frame_count: int, min_frames: int, workers: int | None = None,
                 align: int = 1) -> list[tuple[int, int]]:
    """Contiguous [start, stop) ranges covering `frame_count` frames: one per core
    (`workers` overrides), but none shorter than about `min_frames`, and every
    start but the first a multiple of `align`. No frame: one empty range."""
    if frame_count < 0 or min_frames < 1 or align < 1:
        raise ValueError(f"need frame_count >= 0, min_frames >= 1, align >= 1; got {frame_count}, "
                         f"{min_frames}, {align}")
    cores = core_count() if workers is None else workers
    k = max(1, min(cores, frame_count // min_frames))
    inner = {int(b) // align * align for b in np.linspace(0, frame_count, k + 1)[1:-1]}
    bounds = sorted({0, frame_count, *inner})
    return list(zip(bounds[:-1], bounds[1:])) or [(0, 0)]
