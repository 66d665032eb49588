"""Analyses run on a background thread, so the page stays responsive while they do.

A Streamlit script run stops at the next widget interaction; an analysis run
inside it would be thrown away by any click. Instead the page submits a job
to the server's `JobRunner` (one per server, kept by `st.cache_resource`) and
polls it. Jobs are keyed by what they compute (clip hash + settings), so a
second request for the same analysis joins the running job or gets its
finished result at once. No streamlit here: the runner is plain threads and
is tested as such.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

from formcheck.errors import FormCheckError

log = logging.getLogger(__name__)

STATES = ("queued", "running", "done", "failed")
UNEXPECTED = ("Something went wrong while analysing this clip. It has been logged; "
              "please try another clip or report the problem.")


@dataclass
class Job:
    """One piece of background work and what the page may show of it.

    phase: what it is doing now, for people ("Finding the athlete", "Writing
    the annotated video"); done/total: progress within the phase; error: a
    plain message when state is "failed" (never a traceback)."""

    key: str
    label: str
    state: str = "queued"
    phase: str = "Waiting for the analysis before it"
    done: int = 0
    total: int = 0
    phase_started_s: float = field(default_factory=time.monotonic)
    result: Any = None
    error: str = ""

    def progress(self, phase: str) -> Callable[[int, int], None]:
        """A (done, total) callback for the pipeline, reporting under `phase`."""
        def report(done: int, total: int) -> None:
            if phase != self.phase:
                self.phase, self.phase_started_s = phase, time.monotonic()
            self.done, self.total = int(done), int(total)
        return report

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    @property
    def fraction(self) -> float:
        return min(self.done / self.total, 1.0) if self.total > 0 else 0.0

    def eta_s(self) -> float | None:
        """Seconds left in this phase at its rate so far; None until it is measurable."""
        elapsed = time.monotonic() - self.phase_started_s
        if self.done <= 0 or self.total <= 0 or elapsed <= 0.5:
            return None
        return max(self.total - self.done, 0) * elapsed / self.done

    def status_text(self) -> str:
        if self.state == "queued":
            return f"{self.label}: waiting for the analysis before it"
        text = f"{self.label}: {self.phase}"
        if self.total:
            text += f", {self.done}/{self.total} frames"
            eta = self.eta_s()
            if eta is not None:
                text += f", about {eta:.0f} s left"
        return text


class JobRunner:
    """Runs jobs on `workers` threads; keeps the last `keep` finished jobs by key.

    One worker by default: the pose stage already uses every core through its
    own process pool, so two analyses at once would only halve each other."""

    def __init__(self, workers: int = 1, keep: int = 32):
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        if keep < 1:
            raise ValueError(f"keep must be >= 1, got {keep}")
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="formcheck-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._keep = keep

    def submit(self, key: str, label: str, work: Callable[[Job], Any], retry: bool = False) -> Job:
        """Start `work(job)` unless a job with this key exists; with `retry`, a failed one is
        started again (the user asked again: they may have fixed the cause)."""
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and not (retry and job.state == "failed"):
                self._jobs.move_to_end(key)
                return job
            job = Job(key, label)
            self._jobs[key] = job
            self._forget_old()
        self._executor.submit(self._run, job, work)
        return job

    def get(self, key: str) -> Job | None:
        with self._lock:
            return self._jobs.get(key)

    def forget(self, key: str) -> None:
        """Drop a finished job (its result is stale, e.g. its files were deleted)."""
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and job.finished:
                del self._jobs[key]

    def wait(self, key: str, timeout_s: float) -> Job | None:
        """Block until the job finishes or `timeout_s` passes (for the CLI and tests)."""
        deadline = time.monotonic() + timeout_s
        job = self.get(key)
        while job is not None and not job.finished and time.monotonic() < deadline:
            time.sleep(0.05)
        return job

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _forget_old(self) -> None:
        finished = [k for k, j in self._jobs.items() if j.finished]
        for k in finished[: max(len(finished) - self._keep, 0)]:
            del self._jobs[k]

    @staticmethod
    def _run(job: Job, work: Callable[[Job], Any]) -> None:
        job.state = "running"
        job.phase, job.phase_started_s = "Starting", time.monotonic()
        try:
            job.result = work(job)
            job.state = "done"
        except FormCheckError as exc:  # the user's clip or choice: say what to do
            job.error, job.state = str(exc), "failed"
        except Exception:  # a bug: the log keeps the traceback, the page a plain line
            log.exception("job %s (%s) failed", job.key, job.label)
            job.error, job.state = UNEXPECTED, "failed"
