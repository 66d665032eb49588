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
        tracking settles (those results are discarded). The landmarks of a
        person already found settle within 2-3 frames, but finding everyone
        again takes longer: MediaPipe's detector finds a second person in a
        single frame only about one time in ten, and with 0.1 s the Sports2D
        clip's second walker was lost for a while after the seam and the
        walkers' tracks broke up (0.5 s keeps them whole).
    min_chunk_frames: a clip shorter than two of these runs as one chunk.
    worker_start_frames: without a warm pool, this process runs the first
        chunk while a new worker starts (~0.8 s: Python, MediaPipe, a
        landmarker); the first chunk gets this many frames more. Fixed, not
        decided when the worker is up, so a clip is always cut at the same
        frames: where the seam falls changes who is found after it.
    """

    workers: int = 0
    warmup_s: float = 0.5
    min_chunk_frames: int = 90
    worker_start_frames: int = 60

    def __post_init__(self) -> None:
        if self.workers < 0:
            raise ValueError(f"workers must be >= 0, got {self.workers}")
        if not 0.0 <= self.warmup_s <= 5.0:
            raise ValueError(f"warmup_s must be in [0, 5], got {self.warmup_s}")
        if self.min_chunk_frames < 1:
            raise ValueError(f"min_chunk_frames must be >= 1, got {self.min_chunk_frames}")
        if self.worker_start_frames < 0:
            raise ValueError(f"worker_start_frames must be >= 0, got {self.worker_start_frames}")

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

    def close(self, cancel: bool = False) -> None:
        self._executor.shutdown(wait=True, cancel_futures=cancel)

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

    chunks = plan_chunks(info.frame_count, workers, warmup, min_chunk_frames=run.min_chunk_frames,
                         keyframes=info.keyframes, seek_frame_cost=seek_cost(info.width, info.height))
    if pool is not None:
        results = _run_in_pool(pool, info, model_path, landmarker, chunks, progress)
    elif len(chunks) == 1:
        results = [_detect_chunk(info, model_path, landmarker, chunks[0], _LocalTicker(progress, chunks))]
    elif len(chunks) == workers:
        # No warm pool, one chunk per core: this process runs the first chunk
        # itself, with a head start, while the other workers start up. Cut
        # where the CLI always has (seeks not counted): where a seam falls
        # changes who MediaPipe finds after it, and on the Sports2D clip two
        # walkers nearly tie for the default athlete (presence x height 232
        # vs 231), so a seam two frames later hands the clip to the other one.
        chunks = plan_chunks(info.frame_count, workers, warmup, min_chunk_frames=run.min_chunk_frames,
                             first_chunk_extra=run.worker_start_frames)
        with PosePool(workers - 1, model_path, warm=(landmarker,), replenish=False) as own_pool:
            results = _run_in_pool(own_pool, info, model_path, landmarker, chunks, progress, run_first_here=True)
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
                  landmarker: PoseLandmarker | None = None, decode_threads: int | None = None) -> ChunkResult:
    kept: ChunkResult = []
    frames = iter_frames(info, start=chunk.warmup_start, stop=chunk.stop, threads=decode_threads)
    with landmarker or make_landmarker(model_path, settings) as detector:
        for index, t_s, rgb in _prefetch(frames):
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
                 progress: ProgressFn | None, run_first_here: bool = False) -> list[ChunkResult]:
    total = sum(c.frames_run for c in chunks)
    counters = _Counters(len(chunks))

    def report() -> None:
        if progress:
            progress(min(counters.total(), total), total)

    def tick_here() -> None:
        counters.add(0)
        report()

    try:
        remote = chunks[1:] if run_first_here else chunks
        futures = [pool.submit(_worker_chunk, info, model_path, settings, c, k, counters.name, len(chunks),
                               pool.replenish)
                   for k, c in enumerate(remote, start=1 if run_first_here else 0)]
        local: list[ChunkResult] = []
        if run_first_here:
            try:
                local = [_detect_chunk(info, model_path, settings, chunks[0], tick_here)]
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
        return local + _gather(futures, report)
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
