"""Where one chunk of a clip hands over to the next.

Each chunk starts with a fresh landmarker. On its first frame it finds a
person standing clear, with the very landmarks a landmarker tracking since
the start of the clip gives (measured on the single-person clips: equal to
the last digit). But MediaPipe's person detector can miss someone hard to
see whom tracking keeps: on the Sports2D clip a fresh landmarker does not
find the man on the roof, dark against the sun, for 1.5 s, while the run
from the start, which found him when he stood clear, follows him throughout.

So the earlier chunk does not stop at the seam. It runs on, frame by frame,
until the later chunk sees everyone it sees, in the same place, or for at
most a few seconds, and the two are stitched at that frame. The frame
depends on the two chunks' results only, never on timing: a clip always
gives the same track, and a single person costs no extra frame at all.

`HandoverBoard` is the shared memory through which a worker finds out, while
running, that the next chunk has caught up (so it can stop); the run's own
process then decides the frame again from the full results
(`handover_frame`), by the same rule.
"""

from __future__ import annotations

import time
import warnings
from multiprocessing import shared_memory
from typing import Iterable

import numpy as np

from formcheck.landmarks import NUM_LANDMARKS

#: Mean landmark distance, as a share of the body's size (the longer side of
#: the box round its landmarks), under which two estimates are one person in
#: one pose. A fresh and a tracking landmarker agree to ~0.01 once both have
#: found someone; two different people are a body's size apart or more.
SAME_POSE_SHARE = 0.05


def sees_everyone(earlier_xy: np.ndarray, later_xy: np.ndarray, share: float = SAME_POSE_SHARE) -> bool:
    """True if every person in `earlier_xy` (P, K, 2) is in `later_xy` (Q, K, 2):
    someone whose landmarks lie, on average, within `share` of that person's size."""
    for person in earlier_xy:
        finite = np.isfinite(person).all(axis=1)
        if not finite.any():
            continue  # nothing to find
        size = float(np.max(person[finite].max(axis=0) - person[finite].min(axis=0)))
        if size <= 0:
            continue
        if len(later_xy) == 0:
            return False
        apart = np.linalg.norm(later_xy[:, finite] - person[finite], axis=-1)  # (Q, K'), NaN where unseen
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # someone with no landmark in common: NaN
            mean = np.nanmean(apart, axis=1)
        if not np.any(mean < share * size):  # False where NaN
            return False
    return True


def handover_frame(earlier: Iterable[tuple[int, np.ndarray]], later: dict[int, np.ndarray]) -> int | None:
    """The first frame in which the later chunk sees everyone the earlier one sees.

    Args:
        earlier: (frame index, people's landmarks (P, K, 2)) of the earlier
            chunk's frames from the seam on, in order.
        later: frame index -> people's landmarks, of the later chunk.

    Returns:
        That frame's index, or None if there is none among the frames both ran.
    """
    for index, xy in earlier:
        if index in later and sees_everyone(xy, later[index]):
            return index
    return None


# -- shared memory of one run ------------------------------------------------
_NOT_STARTED, _RUNNING, _FINISHED = 0, 1, 2
_WAIT_S = 30.0  # a later chunk that is running publishes within a few frames; past this, give up waiting


class HandoverBoard:
    """Shared memory of one run: frames done per chunk (progress), whether each
    chunk is running, and each later chunk's people in its first `window`
    frames, for the chunk before it to compare with.

    Created by the run's process, opened by name in workers (a server's pool is
    shared by many runs, so each run has its own board). Each slot has one
    writer, so no lock is needed: a record's landmarks are written before its
    count, and a reader takes a record only once its count is set.
    """

    def __init__(self, chunks: int, window: int, people: int, name: str | None = None):
        self.chunks, self.window, self.people = chunks, window, people
        shapes = {"ticks": (chunks,), "state": (chunks,), "count": (chunks, max(window, 1)),
                  "xy": (chunks, max(window, 1), people, NUM_LANDMARKS, 2)}
        sizes = {key: int(np.prod(shape)) * 8 for key, shape in shapes.items()}
        self._shm = shared_memory.SharedMemory(name=name, create=name is None, size=sum(sizes.values()))
        self.name = self._shm.name
        offset, self._arrays = 0, {}
        for key, shape in shapes.items():
            dtype = np.float64 if key == "xy" else np.int64
            self._arrays[key] = np.ndarray(shape, dtype=dtype, buffer=self._shm.buf, offset=offset)
            offset += sizes[key]
        if name is None:
            self._arrays["ticks"][:] = 0
            self._arrays["state"][:] = _NOT_STARTED
            self._arrays["count"][:] = -1

    # -- progress --------------------------------------------------------
    def tick(self, slot: int) -> None:
        self._arrays["ticks"][slot] += 1

    def frames_done(self) -> int:
        return int(self._arrays["ticks"].sum())

    # -- a chunk's life --------------------------------------------------
    def started(self, slot: int) -> None:
        self._arrays["state"][slot] = _RUNNING

    def finished(self, slot: int) -> None:
        self._arrays["state"][slot] = _FINISHED

    def publish(self, slot: int, offset: int, xy: np.ndarray) -> None:
        """The people (P, K, 2) chunk `slot` sees `offset` frames after its start."""
        if not 0 <= offset < self.window:
            return
        if len(xy) > self.people:
            raise ValueError(f"{len(xy)} people in a frame; the board holds {self.people}")
        self._arrays["xy"][slot, offset, :len(xy)] = xy
        self._arrays["count"][slot, offset] = len(xy)

    def seen_by(self, slot: int, offset: int) -> np.ndarray | None | bool:
        """What chunk `slot` saw `offset` frames after its start.

        Returns the people (P, K, 2); False if the chunk ended without that
        frame (it did not decode); None if not known yet and not worth waiting
        for (the chunk has not started: its worker is busy with other work).
        While the chunk is running, waits for it.
        """
        count, state = self._arrays["count"], self._arrays["state"]
        deadline = time.monotonic() + _WAIT_S
        while count[slot, offset] < 0:
            if state[slot] == _FINISHED:
                return False if count[slot, offset] < 0 else self._record(slot, offset)
            if state[slot] == _NOT_STARTED or time.monotonic() > deadline:
                return None
            time.sleep(0.002)
        return self._record(slot, offset)

    def _record(self, slot: int, offset: int) -> np.ndarray:
        return self._arrays["xy"][slot, offset, :self._arrays["count"][slot, offset]].copy()

    def close(self, unlink: bool = False) -> None:
        self._arrays = {}  # the views must go before the buffer can close
        self._shm.close()
        if unlink:
            self._shm.unlink()
