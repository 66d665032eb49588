"""Track people through a run of frames, following how many are in view.

MediaPipe's VIDEO mode re-runs its person detector on every frame while it
tracks fewer people than `num_poses`: asking for two people when one is in
view costs ~60% more per frame. So every `CHECK_INTERVAL_S` an IMAGE-mode
landmarker counts the people in the frame, and the VIDEO tracker is swapped
for one with that many poses: up at once (a newcomer is tracked within half
a second), down only after `DOWN_AFTER_CHECKS` checks agree (a missed
detection does not drop anyone). A swapped-in tracker first sees the last
few frames again, results discarded, so it is settled when its output counts.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Callable, Iterable

from formcheck.pose.landmarker import FramePeople, PoseLandmarker

log = logging.getLogger(__name__)

CHECK_INTERVAL_S = 0.5
DOWN_AFTER_CHECKS = 2
MAX_AUTO_POSES = 4
WARMUP_FRAMES = 8
WARMUP_BUFFER_BYTES = 96 * 1024 * 1024  # bounds memory on 4K frames

# provide(num_poses, mode) -> a landmarker ready to use (new, or a spare)
Provider = Callable[[int, str], PoseLandmarker]
FrameResult = tuple[int, float, FramePeople]


class PeopleCount:
    """How many people to track, from periodic counts (pure state machine).

    Counts are clamped to [1, max_people]: tracking zero people is never
    cheaper than tracking one that is not there.
    """

    def __init__(self, max_people: int = MAX_AUTO_POSES, down_after: int = DOWN_AFTER_CHECKS):
        if max_people < 1:
            raise ValueError(f"max_people must be >= 1, got {max_people}")
        if down_after < 1:
            raise ValueError(f"down_after must be >= 1, got {down_after}")
        self.max_people, self.down_after = max_people, down_after
        self.current: int | None = None
        self._low: list[int] = []

    def update(self, seen: int) -> int:
        seen = min(max(int(seen), 1), self.max_people)
        if self.current is None or seen > self.current:
            self.current, self._low = seen, []
        elif seen < self.current:
            self._low.append(seen)
            if len(self._low) >= self.down_after:
                self.current, self._low = max(self._low), []
        else:
            self._low = []
        return self.current


def track_frames(
    frames: Iterable[tuple[int, float, "object"]],
    keep_from: int,
    fps: float,
    provide: Provider,
    num_poses: int = 0,
    tick: Callable[[], None] = lambda: None,
) -> list[FrameResult]:
    """Everyone in each frame of `frames` ((index, t_s, rgb) in time order).

    Results for frames with index < `keep_from` (a chunk's warm-up) are dropped.
    num_poses: people to track; 0 = follow the periodic count.
    """
    if num_poses < 0:
        raise ValueError(f"num_poses must be >= 0, got {num_poses}")
    kept: list[FrameResult] = []
    trackers: dict[int, PoseLandmarker] = {}
    checker = provide(MAX_AUTO_POSES, "image") if num_poses == 0 else None
    policy = PeopleCount()
    every = max(1, round(fps * CHECK_INTERVAL_S))
    recent: deque | None = None
    tracker: PoseLandmarker | None = None
    try:
        for k, (index, t_s, rgb) in enumerate(frames):
            if recent is None:
                recent = deque(maxlen=min(WARMUP_FRAMES, max(1, WARMUP_BUFFER_BYTES // rgb.nbytes)))
            if tracker is None or (checker is not None and k % every == 0):
                want = num_poses or policy.update(len(checker.detect(rgb, t_s)))
                if tracker is None or want != tracker.num_poses:
                    if want not in trackers:
                        trackers[want] = provide(want, "video")
                    tracker = trackers[want]
                    for _, t_old, rgb_old in recent:  # settle it; results discarded
                        if t_old > tracker.last_t_s:
                            tracker.detect(rgb_old, t_old)
                    log.debug("frame %d: tracking %d people", index, want)
            people = tracker.detect(rgb, t_s)
            if index >= keep_from:
                kept.append((index, t_s, people))
            recent.append((index, t_s, rgb))
            tick()
    finally:
        for landmarker in [*trackers.values(), checker]:
            if landmarker is not None:
                landmarker.close()
    return kept
