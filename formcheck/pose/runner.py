"""Run pose estimation over a clip, on every core, and stitch the result.

A worker decodes (and converts to RGB) on a thread while MediaPipe runs on
the previous frame, and long clips are split into chunks run by worker
processes, each chunk with a fresh landmarker. Identities are linked once
over the stitched frames, so chunking never changes who is who.

Starting a worker process with MediaPipe loaded and a landmarker built
costs about a second, so a `PosePool` keeps warm workers with spare
landmarkers ready (the app holds one for the life of the server).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import multiprocessing as mp
import os
import queue
import sys
import threading
import time
import types
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import shared_memory
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from formcheck.errors import PoseWorkerError
from formcheck.pose.chunks import Chunk, plan_chunks, seek_cost
from formcheck.pose.landmarker import FramePeople, LandmarkerSettings, PoseLandmarker, make_landmarker
from formcheck.video import FrameReader, VideoInfo, iter_frames
from formcheck.video.reader import to_rgb

log = logging.getLogger(__name__)

# progress(frames_done, frames_total)
ProgressFn = Callable[[int, int], None]

_DECODE_QUEUE_FRAMES = 4  # enough to hide decode jitter; bounded so memory stays flat
CAPTURE_POSES = 4  # people looked for when checking a capture


@dataclass(frozen=True)
class RunSettings:
    """How the work is spread over the machine.

    workers: processes for clips long enough to split; 0 = one per core.
    warmup_s: time each chunk after the first starts early so MediaPipe's
        tracking settles (those results are discarded). With one person
        tracked (num_poses=1) a cold landmarker's landmarks differ from a
        settled one's by 6 px on the first frame and by its own 2-3 px jitter
        from the third on; with num_poses >= 2 the seam frames come out
        identical whatever the warm-up, since MediaPipe re-runs its detector
        on every frame while it tracks fewer people than that (measured on
        the treadmill and Sports2D clips, warm-up 0-15 frames).
    min_chunk_frames: a clip shorter than two of these runs as one chunk.
    """

    workers: int = 0
    warmup_s: float = 0.1
    min_chunk_frames: int = 90

    def __post_init__(self) -> None:
        if self.workers < 0:
            raise ValueError(f"workers must be >= 0, got {self.workers}")
        if not 0.0 <= self.warmup_s <= 5.0:
            raise ValueError(f"warmup_s must be in [0, 5], got {self.warmup_s}")
        if self.min_chunk_frames < 1:
            raise ValueError(f"min_chunk_frames must be >= 1, got {self.min_chunk_frames}")

    def worker_count(self) -> int:
        return self.workers or max(1, os.cpu_count() or 1)


@dataclass(frozen=True, eq=False)
class RawPose:
    """Everyone seen in every frame of the clip, before identities are linked."""

    frames: list[FramePeople]
    t_s: np.ndarray
    frame_index: np.ndarray
    chunks: tuple[Chunk, ...]
    seconds: float


# -- the pool of warm workers -------------------------------------------
class PosePool:
    """Worker processes with MediaPipe loaded and a landmarker ready.

    Keep one for the life of a server (the app caches it) so each clip pays
    neither process start nor model load; use as a context manager or call
    `close()`. Safe to share between threads: each run has its own chunks
    and its own progress counters.
    """

    def __init__(self, workers: int, model_path: str | None = None,
                 warm: Sequence[LandmarkerSettings] = (LandmarkerSettings(),), replenish: bool = True):
        """warm: the settings each worker builds a spare landmarker for at start.
        replenish: rebuild a worker's spare after each chunk (for a pool that
        outlives one clip; a one-clip pool does not need it)."""
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.workers = workers
        self.replenish = replenish
        # spawn, not fork: MediaPipe and OpenCV keep threads that fork would copy mid-state.
        context = mp.get_context("spawn")
        self._executor = cf.ProcessPoolExecutor(
            max_workers=workers, mp_context=context,
            initializer=_init_worker,
            initargs=(model_path, tuple(warm), context.Barrier(workers)),
        )
        # Start every worker now, while __main__ is a bare module: a spawned
        # child re-runs the parent's main script otherwise, and under Streamlit
        # (or its AppTest) that script is the app page itself. Each start task
        # waits at a barrier for all of them, so no worker can take two and
        # `warm_up` means every worker is up.
        with _bare_main_module():
            self._started = [self._executor.submit(_all_workers_up) for _ in range(workers)]

    def warm_up(self) -> None:
        """Wait until every worker is up (MediaPipe loaded, spare landmarkers built)."""
        for future in self._started:
            future.result()

    def submit(self, fn, *args) -> cf.Future:
        return self._executor.submit(fn, *args)

    def close(self, cancel: bool = False, wait: bool = True) -> None:
        self._executor.shutdown(wait=wait, cancel_futures=cancel)

    def __enter__(self) -> "PosePool":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        self.close(cancel=exc_type is not None)


@contextlib.contextmanager
def _bare_main_module():
    """Swap in a __main__ with no file or spec, so spawned children import nothing of it."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def run_pose(
    info: VideoInfo,
    model_path: str,
    landmarker: LandmarkerSettings = LandmarkerSettings(),
    run: RunSettings = RunSettings(),
    progress: ProgressFn | None = None,
    pool: PosePool | None = None,
) -> RawPose:
    """Landmarks of everyone in every decodable frame of the clip `info`.

    Without a `pool`, a clip long enough to split starts its own workers.
    """
    started = time.perf_counter()
    workers = run.worker_count()
    warmup = int(round(run.warmup_s * _fps(info)))

    def plan(first: int = 0) -> list[Chunk]:
        """Chunks for frames [first, frame_count)."""
        part = plan_chunks(info.frame_count - first, workers, warmup, min_chunk_frames=run.min_chunk_frames,
                           keyframes=info.keyframes - first, seek_frame_cost=seek_cost(info.width, info.height))
        return [Chunk(c.warmup_start + first, c.start + first, c.stop + first) for c in part]

    chunks = plan()
    if pool is not None:
        results = _run_in_pool(pool, info, model_path, landmarker, chunks, progress)
    elif len(chunks) == 1:
        results = [_detect_chunk(info, model_path, landmarker, chunks[0], _LocalTicker(progress, chunks))]
    elif len(chunks) == workers:
        results, chunks = _run_here_while_workers_start(info, model_path, landmarker, plan, workers, progress)
    else:
        # A long clip: start-up is small beside the run, so every core takes chunks in turn.
        with PosePool(workers, model_path, warm=(landmarker,)) as own_pool:
            results = _run_in_pool(own_pool, info, model_path, landmarker, chunks, progress)
    frames, t_s, index = [], [], []
    for part in results:
        for i, t, people in part:
            frames.append(people)
            t_s.append(t)
            index.append(i)
    seconds = time.perf_counter() - started
    log.info("pose: %d frames in %.1f s (%.1f frames/s, %d chunk(s))", len(frames), seconds,
             len(frames) / max(seconds, 1e-9), len(chunks))
    return RawPose(frames, np.asarray(t_s, dtype=np.float64), np.asarray(index, dtype=np.int64),
                   tuple(chunks), seconds)


def _fps(info: VideoInfo) -> float:
    return info.fps if info.fps and np.isfinite(info.fps) else 30.0


def sample_pose(info: VideoInfo, model_path: str, burst_starts: Iterable[int], burst_frames: int = 10,
                landmarker: LandmarkerSettings = LandmarkerSettings(num_poses=CAPTURE_POSES)) -> RawPose:
    """A quick look: short runs of consecutive frames spread over the clip.

    Runs, not single frames: MediaPipe finds a second person reliably only
    while tracking over consecutive frames (see LandmarkerSettings).
    Returns the last frame of each run, when tracking has settled.
    """
    started = time.perf_counter()
    frames, t_s, index = [], [], []
    with FrameReader(info) as reader:
        for start in sorted(set(int(i) for i in burst_starts)):
            burst = list(reader.frames(start, min(start + burst_frames, info.frame_count)))
            if not burst:
                continue
            with PoseLandmarker(model_path, landmarker) as detector:
                for frame in burst:
                    people = detector.detect(to_rgb(frame.image), frame.t_s)
            frames.append(people)
            t_s.append(burst[-1].t_s)
            index.append(burst[-1].index)
    return RawPose(frames, np.asarray(t_s, dtype=np.float64), np.asarray(index, dtype=np.int64),
                   (), time.perf_counter() - started)


# -- one chunk (in a worker process or in this one) ---------------------
ChunkResult = list[tuple[int, float, FramePeople]]


def _detect_chunk(info, model_path, settings: LandmarkerSettings, chunk: Chunk, tick: Callable[[], None],
                  landmarker: PoseLandmarker | None = None, decode_threads: int | None = None,
                  until: _MovableStop | None = None) -> ChunkResult:
    """Landmarks for the chunk's kept frames; with `until`, stops before `until.stop`
    (which another thread may move back while this runs)."""
    kept: ChunkResult = []
    frames = iter_frames(info, start=chunk.warmup_start, stop=chunk.stop, threads=decode_threads)
    with landmarker or make_landmarker(model_path, settings) as detector:
        for index, t_s, rgb in _prefetch(frames):
            if until is not None:
                with until.lock:
                    if index >= until.stop:
                        break
                    until.last = index
            people = detector.detect(rgb, t_s)
            if index >= chunk.start:  # earlier frames only settle the tracking
                kept.append((index, t_s, people))
            tick()
    return kept


def _prefetch(frames: Iterator, depth: int = _DECODE_QUEUE_FRAMES) -> Iterator[tuple[int, float, np.ndarray]]:
    """Decode and convert to RGB on a thread while the caller runs inference
    (OpenCV and MediaPipe both release the GIL)."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    end = object()
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for frame in frames:
                if not put((frame.index, frame.t_s, to_rgb(frame.image))):
                    return
            put(end)
        except BaseException as exc:  # handed to the consumer and raised there
            put(exc)
        finally:
            close = getattr(frames, "close", None)
            if close:
                close()  # releases the decoder on this thread, where it was used

    thread = threading.Thread(target=produce, name="formcheck-decode", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is end:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=10)


class _LocalTicker:
    def __init__(self, progress: ProgressFn | None, chunks: Sequence[Chunk]):
        self.progress, self.done = progress, 0
        self.total = sum(c.frames_run for c in chunks)

    def __call__(self) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total)


# -- worker processes ----------------------------------------------------
class _WorkerState:
    """Per worker process: spare landmarkers, built ahead so a chunk starts at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.spares: dict[tuple, PoseLandmarker] = {}
        self.barrier = None  # the pool's start barrier

    def make_spare(self, model_path: str, settings: LandmarkerSettings) -> None:
        try:
            landmarker = make_landmarker(model_path, settings)
        except Exception:  # a spare is an optimisation; the chunk will build its own
            log.debug("could not pre-load a landmarker", exc_info=True)
            return
        with self.lock:
            old = self.spares.pop((model_path, settings), None)
            self.spares[(model_path, settings)] = landmarker
        if old is not None:
            old.close()

    def take(self, model_path: str, settings: LandmarkerSettings) -> PoseLandmarker | None:
        with self.lock:
            return self.spares.pop((model_path, settings), None)

    def close(self) -> None:
        with self.lock:
            spares, self.spares = list(self.spares.values()), {}
        for landmarker in spares:
            landmarker.close()


_worker: _WorkerState | None = None  # one per worker process, set by its initializer


_WORKER_START_TIMEOUT_S = 300.0  # a loaded machine can take long; a dead worker breaks the pool anyway


def _all_workers_up() -> None:
    _worker.barrier.wait(timeout=_WORKER_START_TIMEOUT_S)


def _init_worker(model_path: str | None, warm: tuple[LandmarkerSettings, ...], barrier) -> None:
    global _worker
    _worker = _WorkerState()
    _worker.barrier = barrier
    # Close spares before the interpreter tears MediaPipe down (its __del__ fails then).
    mp.util.Finalize(_worker, _worker.close, exitpriority=10)
    if model_path:
        for settings in warm:
            _worker.make_spare(model_path, settings)


class _Counters:
    """Frames done per chunk, in shared memory: workers count, this process reads.

    Passed to workers by name, so each run has its own (a server's pool is
    shared by many runs); one slot per chunk, so no lock is needed.
    """

    def __init__(self, slots: int, name: str | None = None):
        self._shm = shared_memory.SharedMemory(name=name, create=name is None, size=8 * slots)
        self.name = self._shm.name
        self.values: np.ndarray | None = np.ndarray((slots,), dtype=np.int64, buffer=self._shm.buf)
        if name is None:
            self.values[:] = 0

    def add(self, slot: int) -> None:
        self.values[slot] += 1

    def total(self) -> int:
        return int(self.values.sum())

    def close(self, unlink: bool = False) -> None:
        self.values = None  # the view must go before the buffer can close
        self._shm.close()
        if unlink:
            self._shm.unlink()


def _worker_chunk(info, model_path, settings, chunk, slot: int, counters_name: str, slots: int,
                  replenish: bool) -> ChunkResult:
    counters = _Counters(slots, name=counters_name)
    spare = _worker.take(model_path, settings) if _worker else None
    try:
        # One decoder thread: the other workers already keep every core busy.
        return _detect_chunk(info, model_path, settings, chunk, lambda: counters.add(slot),
                             landmarker=spare, decode_threads=1)
    finally:
        counters.close()
        if replenish and _worker:
            # After the chunk, in the background: the result goes back at once,
            # and the next chunk finds its landmarker ready.
            threading.Thread(target=_worker.make_spare, args=(model_path, settings), daemon=True).start()


def _run_in_pool(pool: PosePool, info, model_path, settings, chunks: Sequence[Chunk],
                 progress: ProgressFn | None) -> list[ChunkResult]:
    total = sum(c.frames_run for c in chunks)
    counters = _Counters(len(chunks))
    try:
        futures = [pool.submit(_worker_chunk, info, model_path, settings, c, k, counters.name, len(chunks),
                               pool.replenish)
                   for k, c in enumerate(chunks)]
        return _gather(futures, lambda: progress and progress(min(counters.total(), total), total))
    finally:
        counters.close(unlink=True)


def _gather(futures: Sequence[cf.Future], report: Callable[[], None]) -> list[ChunkResult]:
    """The chunks' results in order, reporting progress while they run; the
    first chunk error cancels the rest and is raised."""
    pending = set(futures)
    while pending:
        finished, pending = cf.wait(pending, timeout=0.25, return_when=cf.FIRST_EXCEPTION)
        if any(f.exception() for f in finished):
            for f in pending:
                f.cancel()
            break
        report()
    try:
        return [f.result() for f in futures]
    except BrokenProcessPool as exc:
        raise PoseWorkerError(
            "A pose worker stopped unexpectedly (the machine may be short of memory). "
            "Close other programs, or analyse with fewer workers (--workers 1), and try again."
        ) from exc


class _MovableStop:
    """Where this process stops, moved back once the workers take the rest."""

    def __init__(self, stop: int):
        self.lock = threading.Lock()
        self.stop = stop
        self.last = -1  # last frame index this process has started on
        self.done = False
        self.remote: list[tuple[Chunk, cf.Future]] = []


def _run_here_while_workers_start(info, model_path, settings, plan: Callable[[int], list[Chunk]], workers: int,
                                  progress: ProgressFn | None) -> tuple[list[ChunkResult], list[Chunk]]:
    """Without a warm pool: this process starts on frame 0 at once while
    worker processes start (~1 s: Python, MediaPipe, a landmarker); once they
    are up, the frames still ahead are split between this process and them,
    by cost. Whatever the machine's speed or the model's, all finish together;
    if the workers never come up, this process does the whole clip."""
    n = info.frame_count
    here = _MovableStop(n)
    counters = _Counters(workers)
    pool = PosePool(workers - 1, model_path, warm=(settings,), replenish=False)

    def split_when_workers_are_up() -> None:
        try:
            pool.warm_up()
        except BaseException:  # cancelled, or the pool broke: this process carries on alone
            log.debug("pose workers did not start", exc_info=True)
            return
        with here.lock:
            if here.done or here.last + 1 >= n:
                return
            chunks = plan(here.last + 1)
            if len(chunks) < 2:
                return  # too little left to gain from splitting
            here.stop = chunks[0].stop
            for k, chunk in enumerate(chunks[1:], start=1):
                here.remote.append((chunk, pool.submit(_worker_chunk, info, model_path, settings, chunk, k,
                                                       counters.name, workers, False)))

    def report() -> None:
        if progress:
            total = n + sum(c.start - c.warmup_start for c, _ in here.remote)
            progress(min(counters.total(), total), total)

    def tick_here() -> None:
        counters.add(0)
        report()

    splitter = threading.Thread(target=split_when_workers_are_up, name="formcheck-split", daemon=True)
    splitter.start()
    remote: list[tuple[Chunk, cf.Future]] = []
    try:
        local = _detect_chunk(info, model_path, settings, Chunk(0, 0, n), tick_here, until=here)
        with here.lock:
            here.done = True
            remote = list(here.remote)
        return [local] + _gather([f for _, f in remote], report), [Chunk(0, 0, here.stop)] + [c for c, _ in remote]
    finally:
        with here.lock:
            here.done = True  # no split from now on
            remote = list(here.remote)
        # Waiting only for chunks given out: a worker still starting up exits once it is up.
        pool.close(cancel=True, wait=bool(remote))
        counters.close(unlink=True)
