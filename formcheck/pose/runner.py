"""Run pose estimation over a clip, on every core, and stitch the result.

A worker decodes (and converts to RGB) on a thread while MediaPipe runs on
the previous frame, and clips are split into chunks run by worker processes,
each chunk with a fresh landmarker. At each seam the earlier chunk runs on
until the later one has found everyone it follows (`formcheck.pose.handover`),
so the stitched frames are those of one long run. Identities are linked once
over the stitched frames, so chunking never changes who is who.

Starting a worker process with MediaPipe loaded and a landmarker built
costs about a second, so a `PosePool` keeps warm workers with spare
landmarkers ready (the app holds one for the life of the server).
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import contextlib
import logging
import multiprocessing as mp
import multiprocessing.connection
import os
import queue
import sys
import threading
import time
import types
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from formcheck.errors import PoseWorkerError
from formcheck.pose.chunks import Chunk, plan_chunks, seek_cost
from formcheck.pose.handover import HandoverBoard, handover_frame, sees_everyone
from formcheck.pose.landmarker import FramePeople, LandmarkerSettings, PoseLandmarker, make_landmarker
from formcheck.video import FrameReader, VideoInfo, iter_frames
from formcheck.video.cuts import halved, signature_of_halved
from formcheck.video.repeats import change_level, small_grey
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
    handover_s: at a seam, the earlier chunk runs on until the later one
        (a fresh landmarker) sees everyone it sees, for at most this long
        (`formcheck.pose.handover`). 0 cuts at the seam.
    min_chunk_frames: a clip shorter than two of these runs as one chunk.
    worker_start_frames: without a warm pool, this process runs the first
        chunk while a new worker starts (~0.8 s: Python, MediaPipe, a
        landmarker); the first chunk gets this many frames more. Fixed, not
        decided when the worker is up, so a clip is always cut at the same
        frames.
    """

    workers: int = 0
    handover_s: float = 2.0
    min_chunk_frames: int = 90
    worker_start_frames: int = 60

    def __post_init__(self) -> None:
        if self.workers < 0:
            raise ValueError(f"workers must be >= 0, got {self.workers}")
        if not 0.0 <= self.handover_s <= 10.0:
            raise ValueError(f"handover_s must be in [0, 10], got {self.handover_s}")
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

    def signatures(self) -> np.ndarray | None:
        """(N, S) every frame's signature (`video.cuts.frame_signature`), None if any is missing."""
        looks = [f.signature for f in self.frames]
        return np.stack(looks) if looks and all(x is not None for x in looks) else None

    def changes(self) -> np.ndarray:
        """(N,) every frame's change from the frame before (`video.repeats.change_level`), NaN
        where unknown."""
        return np.array([f.change for f in self.frames], dtype=np.float64)


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
    # No warm-up frames: the earlier chunk runs past each seam instead, until
    # the later one has found everyone (see formcheck.pose.handover).
    chunks = plan_chunks(info.frame_count, workers, 0, min_chunk_frames=run.min_chunk_frames,
                         keyframes=info.keyframes, seek_frame_cost=seek_cost(info.width, info.height))
    if pool is None and len(chunks) == workers > 1:
        # No warm pool, one chunk per core: this process runs the first chunk
        # itself, with a head start, while the other workers start up.
        chunks = plan_chunks(info.frame_count, workers, 0, min_chunk_frames=run.min_chunk_frames,
                             keyframes=info.keyframes, seek_frame_cost=seek_cost(info.width, info.height),
                             first_chunk_extra=run.worker_start_frames)
    plan = _Plan(tuple(chunks), handover_frames(chunks, run.handover_s * _fps(info)),
                 landmarker.num_poses * landmarker.tiles)
    if pool is not None:
        parts = _run_in_pool(pool, info, model_path, landmarker, plan, progress)
    elif len(chunks) == 1:
        board = HandoverBoard(1, 0, plan.people)
        spare = _worker.take(model_path, landmarker) if _worker else None  # a batch worker's (keep_warm_here)
        try:
            parts = [_detect_chunk(info, model_path, landmarker, plan, 0, board, _progress_reporter(board, progress, info),
                                   landmarker=spare)]
        finally:
            board.close(unlink=True)
            if _worker:
                threading.Thread(target=_worker.make_spare, args=(model_path, landmarker), daemon=True).start()
    elif len(chunks) == workers:
        with PosePool(workers - 1, model_path, warm=(landmarker,), replenish=False) as own_pool:
            parts = _run_in_pool(own_pool, info, model_path, landmarker, plan, progress, run_first_here=True)
    else:
        # A long clip: start-up is small beside the run, so every core takes chunks in turn.
        with PosePool(workers, model_path, warm=(landmarker,)) as own_pool:
            parts = _run_in_pool(own_pool, info, model_path, landmarker, plan, progress)
    stitched = stitch(parts, chunks)
    seconds = time.perf_counter() - started
    log.info("pose: %d frames in %.1f s (%.1f frames/s, %d chunk(s))", len(stitched), seconds,
             len(stitched) / max(seconds, 1e-9), len(chunks))
    return RawPose([people for _, _, people in stitched], np.asarray([t for _, t, _ in stitched], dtype=np.float64),
                   np.asarray([i for i, _, _ in stitched], dtype=np.int64), tuple(chunks), seconds)


def handover_frames(chunks: Sequence[Chunk], frames: float) -> int:
    """How far past a seam an earlier chunk may run: `frames`, but short of the
    end of the shortest later chunk (so it never runs into a third chunk)."""
    if len(chunks) < 2:
        return 0
    shortest = min(c.stop - c.start for c in chunks[1:])
    return int(max(0, min(round(frames), shortest - 1)))


def stitch(parts: Sequence["ChunkResult"], chunks: Sequence[Chunk]) -> "ChunkResult":
    """One result from the chunks' results: at each seam, the earlier chunk's
    frames until the later chunk sees everyone it sees (`handover_frame`),
    then the later chunk's. Where none is found, the earlier chunk's frames
    as far as it ran."""
    out = list(parts[0])
    for chunk, part in zip(chunks[1:], parts[1:]):
        seam = chunk.start
        head = [r for r in out if r[0] < seam]
        run_on = [r for r in out if r[0] >= seam]
        later = {index: people.xy_px for index, _, people in part}
        switch = handover_frame(((index, people.xy_px) for index, _, people in run_on), later)
        if switch is None:
            switch = run_on[-1][0] + 1 if run_on else seam
        out = head + [r for r in run_on if r[0] < switch] + [r for r in part if r[0] >= switch]
    return out


@dataclass(frozen=True)
class _Plan:
    chunks: tuple[Chunk, ...]
    handover_frames: int  # frames an earlier chunk may run past its seam
    people: int  # most people a frame can hold (the board's size)


def _progress_reporter(board: HandoverBoard, progress: ProgressFn | None, info: VideoInfo) -> Callable[[], None]:
    def report() -> None:
        if progress:
            progress(min(board.frames_done(), info.frame_count), info.frame_count)
    return report


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


def _detect_chunk(info, model_path, settings: LandmarkerSettings, plan: _Plan, k: int, board: HandoverBoard,
                  report: Callable[[], None] = lambda: None, landmarker: PoseLandmarker | None = None,
                  decode_threads: int | None = None) -> ChunkResult:
    """Chunk `k` of the plan: its frames, then, past its seam, frames until the
    next chunk sees everyone it sees (or `plan.handover_frames`). Publishes the
    people of its own first frames on `board` for the chunk before it."""
    chunk = plan.chunks[k]
    last = k == len(plan.chunks) - 1
    run_to = chunk.stop if last else min(chunk.stop + plan.handover_frames, info.frame_count)
    kept: ChunkResult = []
    unchecked: list[tuple[int, np.ndarray]] = []  # frames past the seam not yet compared
    board.started(k)
    try:
        frames = iter_frames(info, start=chunk.warmup_start, stop=run_to, threads=decode_threads)
        with landmarker or make_landmarker(model_path, settings) as detector:
            for index, t_s, rgb, look, change in _prefetch(frames):
                people = replace(detector.detect(rgb, t_s), signature=look, change=change)
                if index < chunk.start:  # warm-up frames only settle the tracking
                    continue
                kept.append((index, t_s, people))
                if k > 0:
                    board.publish(k, index - chunk.start, people.xy_px)
                if index < chunk.stop:
                    board.tick(k)
                    report()
                    continue
                unchecked.append((index, people.xy_px))
                if _next_sees_everyone(board, k + 1, chunk.stop, unchecked):
                    break
    finally:
        board.finished(k)
    return kept


def _next_sees_everyone(board: HandoverBoard, later: int, seam: int, unchecked: list) -> bool:
    """Compare, in order, this chunk's frames past the seam with what chunk
    `later` saw in them; True at the first where it sees everyone. Frames it
    has not run yet (its worker is busy elsewhere) stay for the next call;
    this chunk meanwhile runs on, and `stitch` decides from the full results."""
    while unchecked:
        index, xy = unchecked[0]
        seen = board.seen_by(later, index - seam)
        if seen is None:
            return False
        if seen is not False and sees_everyone(xy, seen):
            return True
        unchecked.pop(0)
    return False


def _prefetch(frames: Iterator, depth: int = _DECODE_QUEUE_FRAMES
              ) -> Iterator[tuple[int, float, np.ndarray, np.ndarray, float]]:
    """Decode, convert to RGB and take the frame's signature (for shot cuts) and its change from
    the frame before (for repeated frames) on a thread while the caller runs inference (OpenCV
    and MediaPipe both release the GIL)."""
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
        previous = None
        try:
            for frame in frames:
                small = halved(frame.image)
                grey = small_grey(small)
                change = change_level(previous, grey)
                previous = grey
                if not put((frame.index, frame.t_s, to_rgb(frame.image), signature_of_halved(small), change)):
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


def keep_warm_here(model_path: str, warm: Sequence[LandmarkerSettings] = (LandmarkerSettings(),)) -> None:
    """Make this process a long-lived single-core worker (a batch worker, `formcheck.batch`): a
    clip that runs as one chunk here takes a landmarker built ahead, and the next is built in
    the background after it, so no clip waits for the model to load."""
    global _worker
    if _worker is None:
        _worker = _WorkerState()
        atexit.register(_worker.close)  # before the interpreter tears MediaPipe down
    for settings in warm:
        _worker.make_spare(model_path, settings)


def _all_workers_up() -> None:
    _worker.barrier.wait(timeout=_WORKER_START_TIMEOUT_S)


def _exit_with_parent() -> None:
    """End this worker when the process that started it is gone. Closed normally, the pool
    stops its workers; killed (SIGTERM, SIGKILL, the OOM killer), it cannot, and a worker
    sending back a result would wait on the queue's lock for ever with its model loaded
    (seen: two orphans of a killed `formcheck analyze`, 450 MB each, 15 minutes later)."""
    parent = mp.parent_process()
    if parent is None:
        return

    def watch() -> None:
        mp.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="formcheck-parent-watch", daemon=True).start()


def _init_worker(model_path: str | None, warm: tuple[LandmarkerSettings, ...], barrier) -> None:
    global _worker
    _exit_with_parent()
    _worker = _WorkerState()
    _worker.barrier = barrier
    # Close spares before the interpreter tears MediaPipe down (its __del__ fails then).
    mp.util.Finalize(_worker, _worker.close, exitpriority=10)
    if model_path:
        for settings in warm:
            _worker.make_spare(model_path, settings)


def _worker_chunk(info, model_path, settings, plan: _Plan, k: int, board_name: str, replenish: bool) -> ChunkResult:
    board = HandoverBoard(len(plan.chunks), plan.handover_frames, plan.people, name=board_name)
    spare = _worker.take(model_path, settings) if _worker else None
    try:
        # One decoder thread: the other workers already keep every core busy.
        return _detect_chunk(info, model_path, settings, plan, k, board, landmarker=spare, decode_threads=1)
    finally:
        board.close()
        if replenish and _worker:
            # After the chunk, in the background: the result goes back at once,
            # and the next chunk finds its landmarker ready.
            threading.Thread(target=_worker.make_spare, args=(model_path, settings), daemon=True).start()


def _run_in_pool(pool: PosePool, info, model_path, settings, plan: _Plan,
                 progress: ProgressFn | None, run_first_here: bool = False) -> list[ChunkResult]:
    board = HandoverBoard(len(plan.chunks), plan.handover_frames, plan.people)
    report = _progress_reporter(board, progress, info)
    try:
        first_remote = 1 if run_first_here else 0
        futures = [pool.submit(_worker_chunk, info, model_path, settings, plan, k, board.name, pool.replenish)
                   for k in range(first_remote, len(plan.chunks))]
        local: list[ChunkResult] = []
        if run_first_here:
            try:
                local = [_detect_chunk(info, model_path, settings, plan, 0, board, report)]
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
        return local + _gather(futures, report)
    finally:
        board.close(unlink=True)


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
