"""A batch on Ray: one task per clip, on actors that keep a pose landmarker warm between clips.

    summary = run_batch(jobs, spec, workers=2)                  # a local Ray, started and stopped here
    summary = run_batch(jobs, spec, address="ray://head:10001") # an existing cluster

Why actors and not Ray Data: the analysis needs the whole clip (one row per clip, never per
frame), and a clip takes seconds to minutes, so a pool of long-lived actors, each fed its next clip
as soon as it is free, is all the scheduling needed; an actor holds MediaPipe and a landmarker
built ahead (`pose.runner.keep_warm_here`), so no clip pays the model load.

Fault isolation: a bad clip is a result, not an error (`work.analyse_into_library` records it as
failed); a worker killed mid-clip (SIGKILL, out of memory) is restarted by Ray and the clip retried
(`max_task_retries`); its transaction never committed, so nothing half-written is left, and the
library's unique (clip, settings) row means a retry of a clip that did commit only finds it. A clip
that kills its worker every time is recorded as failed after the retries. The driver keeps no
state of its own: killed and started again, it skips what the library says is done.

Where the clips are read: at their path, by the worker. On one machine that is the path given; on
a cluster the path must be the same on every node (a shared folder: NFS, a mounted bucket), see
docs/scale.md. Results go to the library the URL names, which on a cluster must be PostgreSQL.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from formcheck.batch.plan import BatchSpec, ClipJob, settings_key
from formcheck.batch.work import DONE_NOW, FAILED, SKIPPED, ClipOutcome, analyse_into_library, with_hash
from formcheck.errors import FormCheckError
from formcheck.store import Library
from formcheck.store.batch_log import DONE
from formcheck.store.batch_log import FAILED as RECORDED_FAILED

log = logging.getLogger(__name__)

#: Times Ray runs a clip again on a restarted worker after its worker died mid-clip.
TASK_RETRIES = 2
#: How often the driver asks the workers where they are, seconds.
POLL_S = 0.5
#: Environment the workers need as the driver has it (library, cache, limits, model).
_PASSED_ENV = ("DATABASE_URL", "FORMCHECK_MEDIA", "FORMCHECK_HOME", "FORMCHECK_CACHE", "FORMCHECK_MODEL",
               "FORMCHECK_MODELS_DIR", "FORMCHECK_MAX_FILE_MB", "FORMCHECK_MAX_DURATION_S", "FORMCHECK_MAX_PIXELS",
               "FORMCHECK_MAX_FRAMES")


class RayMissingError(RuntimeError):
    pass


class ClusterError(FormCheckError):
    """The Ray cluster named by --address could not be joined."""


TOKEN_HINT = ("If the cluster uses token authentication (Ray's default for `ray start`), set RAY_AUTH_MODE=token "
              "and make its token available here (~/.ray/auth_token, RAY_AUTH_TOKEN_PATH or RAY_AUTH_TOKEN).")


RAY_HINT = ('`formcheck batch` runs on Ray, which is an optional extra: install it with '
            '`.venv/bin/pip install -e ".[batch]"` (or `pip install "ray==2.60.0"`).')


def import_ray():
    try:
        import ray
    except ImportError as exc:
        raise RayMissingError(RAY_HINT) from exc
    return ray


@dataclass
class Progress:
    """What the driver knows while the run goes on (handed to `on_update`)."""

    total: int
    done: int = 0
    failed: int = 0
    skipped: int = 0
    started_s: float = field(default_factory=time.perf_counter)
    worked_s: float = 0.0  # summed seconds of the clips analysed in this run
    analysed: int = 0
    current: dict = field(default_factory=dict)  # worker -> (clip name, frames done, frames total)

    @property
    def finished(self) -> int:
        return self.done + self.failed + self.skipped

    def eta_s(self, workers: int) -> float | None:
        if not self.analysed:
            return None
        left = self.total - self.finished
        return left * (time.perf_counter() - self.started_s) / max(self.analysed, 1) if left else 0.0

    def count(self, outcome: ClipOutcome) -> None:
        if outcome.status == DONE_NOW:
            self.done += 1
            self.analysed += 1
        elif outcome.status == FAILED:
            self.failed += 1
            self.analysed += 1
        else:
            self.skipped += 1


@dataclass(frozen=True)
class BatchSummary:
    run_id: str
    outcomes: tuple[ClipOutcome, ...]
    seconds: float
    workers: int  # actors the clips ran on (0: none were needed)


class ClipWorker:
    """A Ray actor (made remote by `_actor_class`): one clip at a time, the landmarker warm."""

    def __init__(self, library_url: str | None, media_dir: str | None, model: str | None) -> None:
        from formcheck.pose.model import resolve_model
        from formcheck.pose.runner import keep_warm_here

        logging.basicConfig(level=logging.WARNING)
        keep_warm_here(str(resolve_model(model).path))
        self.library = Library.open(library_url, Path(media_dir) if media_dir else None)
        self.now: tuple[str, int, int] | None = None

    def analyse(self, job: ClipJob, spec: BatchSpec, key: str, run_id: str, session_id: int | None,
                athlete_id: int, exports_dir: str | None) -> ClipOutcome:
        self.now = (job.name, 0, 0)

        def progress(done: int, total: int) -> None:
            self.now = (job.name, int(done), int(total))

        try:
            return analyse_into_library(job, spec, key, run_id, self.library, session_id, athlete_id,
                                        Path(exports_dir) if exports_dir else None, progress)
        finally:
            self.now = None

    def status(self) -> tuple[int, tuple[str, int, int] | None]:
        return os.getpid(), self.now


def _actor_class(ray):
    # max_concurrency 2: `status` answers while `analyse` runs (the driver sends one clip at a time).
    return ray.remote(num_cpus=1, max_restarts=-1, max_task_retries=TASK_RETRIES, max_concurrency=2)(ClipWorker)


def run_batch(jobs: list[ClipJob], spec: BatchSpec, *, workers: int = 0, address: str | None = None,
              library_url: str | None = None, media_dir: Path | None = None, exports_dir: Path | None = None,
              retry_failed: bool = False, on_update: Callable[[Progress, ClipOutcome | None], None] | None = None,
              on_workers: Callable[[list], None] | None = None) -> BatchSummary:
    """Analyse `jobs` into the library (module docstring). workers: actors (0 = one per core
    Ray offers). on_update(progress, outcome or None) is called after each clip and while
    waiting; on_workers(actors) once the actors exist (the kill tests use it)."""
    from formcheck.pose.model import resolve_model

    started = time.perf_counter()
    jobs = list(jobs)  # each gets its hash below
    run_id = uuid.uuid4().hex
    key = settings_key(spec, resolve_model(spec.model).model_id)
    progress = Progress(total=len(jobs))
    outcomes: dict[int, ClipOutcome] = {}
    used = 0

    def finish(i: int, outcome: ClipOutcome) -> None:
        outcomes[i] = outcome
        progress.count(outcome)
        if on_update:
            on_update(progress, outcome)

    with Library.open(library_url, media_dir) as library:
        pending = _triage(jobs, key, library, retry_failed, finish)
        targets = _athletes_and_sessions(library, [jobs[i] for i in pending])
    if pending:
        ray = import_ray()
        own = not ray.is_initialized()
        if own:
            _init_ray(ray, address, workers)
        try:
            used = _dispatch(ray, jobs, pending, spec, key, run_id, targets, workers, library_url, media_dir, exports_dir,
                      progress, finish, on_update, on_workers)
        finally:
            if own:
                ray.shutdown()
    ordered = tuple(outcomes[i] for i in sorted(outcomes))
    return BatchSummary(run_id, ordered, time.perf_counter() - started, used)


def _triage(jobs, key, library, retry_failed, finish) -> list[int]:
    """Hash each clip; what the library has already is skipped. Returns the indices to analyse."""
    pending = []
    for i, job in enumerate(jobs):
        try:
            jobs[i] = job = with_hash(job)
        except OSError as exc:
            finish(i, ClipOutcome(job.path, job.athlete, FAILED, f"{job.name} could not be read: {exc.strerror}."))
            continue
        found = library.batch_item(job.sha256, key)
        if found is not None and found.status == DONE:
            finish(i, ClipOutcome(job.path, job.athlete, SKIPPED, "analysed before", analysis_id=found.analysis_id))
        elif found is not None and found.status == RECORDED_FAILED and not retry_failed:
            finish(i, ClipOutcome(job.path, job.athlete, SKIPPED, f"failed before: {found.message}"))
        else:
            pending.append(i)
    return pending


def _athletes_and_sessions(library: Library, jobs: list[ClipJob]) -> dict[str, tuple[int, int]]:
    """athlete name -> (athlete id, session id): one session per athlete per run, made before any
    worker starts (workers only add clips)."""
    import datetime as dt

    targets = {}
    for name in dict.fromkeys(job.athlete for job in jobs):
        athlete = library.athlete_named(name)
        session = library.add_session(athlete.id, dt.date.today(), f"Batch {dt.date.today():%Y-%m-%d}", "other")
        targets[name] = (athlete.id, session.id)
    return targets


def _init_ray(ray, address: str | None, workers: int) -> None:
    env = {k: os.environ[k] for k in _PASSED_ENV if os.environ.get(k)}
    common = dict(include_dashboard=False, log_to_driver=False, configure_logging=False,
                  runtime_env={"env_vars": env} if env else None)
    if address:
        _check_reachable(address)
        try:
            ray.init(address=address, **common)
        except (ConnectionError, RuntimeError, ray.exceptions.RayError) as exc:
            log.info("ray.init(address=%r) failed", address, exc_info=True)
            ray.shutdown()
            raise ClusterError(f"Could not join the Ray cluster at {address} ({_first_line(exc)}). Is it running, "
                               f"and is that its address (`ray status` on its head node)? {TOKEN_HINT}") from None
    else:
        # "local": a new Ray for this run, even where `ray start` left an address behind
        # (/tmp/ray/ray_current_cluster) or RAY_ADDRESS names one: joining is only ever asked for.
        # Ray turns token authentication on for a local cluster (good) and says so on every run (noise).
        logging.getLogger("ray._private.authentication.authentication_token_setup").setLevel(logging.ERROR)
        ray.init(address="local", num_cpus=workers or os.cpu_count() or 1, **common)


def _check_reachable(address: str, timeout_s: float = 5.0) -> None:
    """A plain message at once for an address nothing answers on (ray.init would retry for minutes).
    `auto` is left to Ray: it reads the address `ray start` left on this machine."""
    import socket

    host_port = address.removeprefix("ray://").rsplit("/", 1)[0]
    if address == "auto" or ":" not in host_port:
        return
    host, _, port = host_port.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s):
            return
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
        raise ClusterError(f"No Ray cluster answers at {address} ({reason}). Start one (`ray start --head` on its "
                           "head node) or give the address `ray status` shows there; without --address the batch "
                           "starts a Ray of its own on this machine.") from None


#: Above this many clips per worker the order is left as given: the end of the run, where one long
#: clip can keep a worker busy alone, is then a small part of it, and reading every header is not.
SORT_UP_TO_CLIPS_PER_WORKER = 64


def longest_first(jobs: list[ClipJob], pending: list[int], workers: int) -> list[int]:
    """The pending clips, most frames first (longest-processing-time order): the run does not end
    on one long clip while the other workers wait. A clip whose header cannot be read goes first,
    so its failure is recorded at once. Results keep the order given (they are keyed by index)."""
    if len(pending) <= 1 or len(pending) > SORT_UP_TO_CLIPS_PER_WORKER * max(workers, 1):
        return list(pending)
    frames = {i: _frames_in(jobs[i].path) for i in pending}
    return sorted(pending, key=lambda i: -frames[i])  # stable: ties keep the order given


def _frames_in(path: str) -> float:
    """Frames in the clip's first video stream, from its header only (a few ms); inf if unreadable."""
    import av

    try:
        with av.open(path) as container:
            stream = container.streams.video[0]
            if stream.frames:
                return float(stream.frames)
            if stream.duration and stream.time_base and stream.average_rate:
                return float(stream.duration * stream.time_base * stream.average_rate)
            if container.duration and stream.average_rate:
                return container.duration / 1e6 * float(stream.average_rate)
    except Exception:  # not a video, truncated, no video stream: let its worker say which
        return float("inf")
    return float("inf")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _dispatch(ray, jobs, pending, spec, key, run_id, targets, workers, library_url, media_dir, exports_dir,
              progress, finish, on_update, on_workers) -> int:
    """Runs the pending clips on a pool of actors; returns how many actors there were."""
    count = workers or max(int(ray.cluster_resources().get("CPU", 1)), 1)
    count = min(count, len(pending))
    actor = _actor_class(ray)
    url = library_url or os.environ.get("DATABASE_URL")
    pool = [actor.remote(url, str(media_dir) if media_dir else None, spec.model) for _ in range(count)]
    if on_workers:
        on_workers(pool)
    queue = longest_first(jobs, pending, count)
    running: dict = {}  # ObjectRef -> (job index, actor)

    def submit(worker) -> None:
        i = queue.pop(0)
        job = jobs[i]
        athlete_id, session_id = targets[job.athlete]
        ref = worker.analyse.remote(job, spec, key, run_id, session_id, athlete_id,
                                    str(exports_dir) if exports_dir else None)
        running[ref] = (i, worker)

    for worker in pool:
        if queue:
            submit(worker)
    last_poll = 0.0
    while running:
        ready, _ = ray.wait(list(running), num_returns=1, timeout=POLL_S)
        for ref in ready:
            i, worker = running.pop(ref)
            outcome = _outcome(ray, ref, jobs[i], key, run_id, library_url, media_dir)
            progress.current = {pid: now for pid, now in progress.current.items() if now[0] != jobs[i].name}
            finish(i, outcome)
            if queue:
                submit(worker)
        if on_update and time.perf_counter() - last_poll >= POLL_S:
            last_poll = time.perf_counter()
            progress.current = _where(ray, running)
            on_update(progress, None)
    return count


def _outcome(ray, ref, job: ClipJob, key, run_id, library_url, media_dir) -> ClipOutcome:
    try:
        return ray.get(ref)
    except ray.exceptions.RayError as exc:  # the worker died on this clip every time it was tried
        log.warning("batch: %s: %s", job.path, exc)
        message = (f"The worker analysing this clip stopped {TASK_RETRIES + 1} times (killed, or out of "
                   "memory); it was not analysed.")
        with Library.open(library_url, media_dir) as library:
            library.record_batch_failure(clip_sha256=job.sha256, settings_key=key, source_path=job.path,
                                         run_id=run_id, message=message, seconds=None)
        return ClipOutcome(job.path, job.athlete, FAILED, message)


def _where(ray, running: dict) -> dict:
    """worker pid -> (clip, frames done, total) for the clips under way (no wait on a busy one)."""
    refs = {worker.status.remote(): worker for _, worker in running.values()}
    ready, _ = ray.wait(list(refs), num_returns=len(refs), timeout=0.2)
    out = {}
    for ref in ready:
        try:
            pid, now = ray.get(ref)
        except ray.exceptions.RayError:
            continue
        if now is not None:
            out[pid] = now
    return out
