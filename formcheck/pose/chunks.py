"""Splitting a clip into chunks for parallel pose estimation (pure functions).

Each chunk after the first may start `warmup` frames early so that a
landmarker that starts cold settles before the frames that are kept; those
results are discarded, so the stitched track has no seam.

Chunks are balanced by cost, not by frame count: a chunk that starts mid-clip
first decodes, without running the model, every frame from the keyframe
before its start (a seek cannot land between keyframes), and a chunk sent to
a worker that is still starting up waits for it. Both are counted in frames
of pose work, so every chunk finishes at about the same time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Decoding a frame without running the model costs about this share of a
#: pose frame (~20 ms) per megapixel: 0.15 for a 1768x994 VP9 frame, 0.07
#: for 720x1280 H.264 (measured on this machine, bench/README.md).
SEEK_COST_PER_MEGAPIXEL = 0.08


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


def seek_cost(width: int, height: int) -> float:
    """Cost of decoding one frame without pose, in pose frames, for a picture this size."""
    return min(0.5, max(0.02, SEEK_COST_PER_MEGAPIXEL * width * height / 1e6))


def frames_decoded_to_reach(index: np.ndarray | int, keyframes: np.ndarray | None) -> np.ndarray:
    """Frames decoded and thrown away to seek to `index`: those since the keyframe
    before it. Zero where `keyframes` is None (unknown: treated as free)."""
    index = np.asarray(index, dtype=np.int64)
    if keyframes is None or len(keyframes) == 0:
        return np.zeros_like(index)
    keys = np.sort(np.asarray(keyframes, dtype=np.int64))
    before = np.searchsorted(keys, index, side="right") - 1
    # No keyframe before `index` (a clip that does not start with one): from the start.
    return np.where(before >= 0, index - keys[np.maximum(before, 0)], index)


def plan_chunks(
    n_frames: int,
    workers: int,
    warmup_frames: int,
    min_chunk_frames: int = 90,
    max_chunk_frames: int = 3000,
    first_chunk_extra: int = 0,
    keyframes: np.ndarray | None = None,
    seek_frame_cost: float = 0.0,
) -> list[Chunk]:
    """Chunks covering [0, n_frames) exactly once, balanced in cost.

    One chunk when the clip is too short to gain from splitting (each extra
    chunk costs `warmup_frames`, a seek and a landmarker start). Long clips
    get more chunks than workers (at most about `max_chunk_frames` each) so
    progress is smooth and no result batch grows large.

    Args:
        first_chunk_extra: frames of pose work the first chunk can do before
            the others can start (a worker starting up); they get that less.
        keyframes: frame indices of the clip's keyframes (None: unknown).
        seek_frame_cost: cost of one frame decoded to reach a chunk's start,
            in frames of pose work (see `seek_cost`).
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
    if seek_frame_cost < 0:
        raise ValueError(f"seek_frame_cost must be >= 0, got {seek_frame_cost}")

    n_chunks = min(workers, n_frames // min_chunk_frames)
    n_chunks = max(n_chunks, math.ceil(n_frames / max_chunk_frames), 1)
    if n_chunks == 1:
        return [Chunk(0, 0, n_frames)]
    keys = None if keyframes is None else np.asarray(keyframes, dtype=np.int64)

    def cost(k: int, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
        """Cost of chunk k keeping [start, stop), in frames of pose work."""
        start, stop = np.asarray(start), np.asarray(stop)
        if k == 0:
            return (stop - start).astype(np.float64)
        first_run = start - np.minimum(warmup_frames, start)
        seek = seek_frame_cost * frames_decoded_to_reach(first_run, keys)
        return (stop - first_run) + seek + first_chunk_extra

    # Start from equal shares (each later chunk pays its warm-up and start-up),
    # then move each seam to where its two neighbours cost the most alike.
    share = (n_frames + (n_chunks - 1) * (warmup_frames + first_chunk_extra)) / n_chunks
    bounds = [0]
    for k in range(n_chunks - 1):
        keep = share if k == 0 else share - warmup_frames - first_chunk_extra
        bounds.append(int(min(n_frames - (n_chunks - 1 - k), max(bounds[-1] + 1, round(bounds[-1] + keep)))))
    bounds.append(n_frames)
    for _ in range(4 * n_chunks):  # until no seam moves (a few passes)
        before = list(bounds)
        for k in range(1, n_chunks):
            candidates = np.arange(bounds[k - 1] + 1, bounds[k + 1])
            worst = np.maximum(cost(k - 1, bounds[k - 1], candidates), cost(k, candidates, bounds[k + 1]))
            bounds[k] = int(candidates[np.argmin(worst)])
        if bounds == before:
            break
    return [Chunk(s - (min(warmup_frames, s) if k else 0), s, e)
            for k, (s, e) in enumerate(zip(bounds[:-1], bounds[1:]))]
