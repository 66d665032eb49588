"""Splitting a clip into chunks for parallel pose estimation (pure functions).

Each chunk after the first starts `warmup` frames early: MediaPipe in VIDEO
mode tracks people from frame to frame, so a landmarker that starts cold
needs a few frames to settle. Those warm-up frames are decoded and run but
their results are discarded, so the stitched track has no seam.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Chunk:
    """Frames [warmup_start, stop) are run; results for [start, stop) are kept."""

    warmup_start: int
    start: int
    stop: int

    def __post_init__(self) -> None:
        if not 0 <= self.warmup_start <= self.start < self.stop:
            raise ValueError(f"need 0 <= warmup_start <= start < stop, got {self}")

    @property
    def frames_run(self) -> int:
        return self.stop - self.warmup_start


def plan_chunks(
    n_frames: int,
    workers: int,
    warmup_frames: int,
    min_chunk_frames: int = 90,
    max_chunk_frames: int = 3000,
    first_chunk_extra: int = 0,
) -> list[Chunk]:
    """Chunks covering [0, n_frames) exactly once, balanced in frames run.

    One chunk when the clip is too short to gain from splitting (each extra
    chunk costs `warmup_frames` and a landmarker start). Long clips get more
    chunks than workers (at most `max_chunk_frames` each) so progress is
    smooth and no result batch grows large.
    """
    if n_frames < 1:
        raise ValueError(f"n_frames must be >= 1, got {n_frames}")
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if warmup_frames < 0:
        raise ValueError(f"warmup_frames must be >= 0, got {warmup_frames}")
    if min_chunk_frames < 1 or max_chunk_frames < min_chunk_frames:
        raise ValueError("need 1 <= min_chunk_frames <= max_chunk_frames")
    if first_chunk_extra < 0:
        raise ValueError(f"first_chunk_extra must be >= 0, got {first_chunk_extra}")

    n_chunks = min(workers, n_frames // min_chunk_frames)
    n_chunks = max(n_chunks, math.ceil(n_frames / max_chunk_frames), 1)
    if n_chunks == 1:
        return [Chunk(0, 0, n_frames)]
    # Balance frames run, not frames kept: chunks after the first also run
    # their warm-up, so the first chunk gets `warmup_frames` more to keep.
    total_run = n_frames + (n_chunks - 1) * warmup_frames
    extra = min(first_chunk_extra, (total_run - n_chunks * (warmup_frames + 1)) // n_chunks * (n_chunks - 1))
    per_chunk = (total_run - extra) / n_chunks
    chunks = []
    start = 0
    for k in range(n_chunks):
        keep = per_chunk + extra if k == 0 else per_chunk - warmup_frames
        stop = n_frames if k == n_chunks - 1 else min(n_frames, max(start + 1, round(start + keep)))
        chunks.append(Chunk(max(0, start - (warmup_frames if k else 0)), start, stop))
        start = stop
    return chunks
