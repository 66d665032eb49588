"""The app's background job runner: dedupe by key, plain errors, retry on request, bounded memory."""

from __future__ import annotations

import threading

import pytest

from formcheck.errors import NotAVideoError
from formcheck.ui.jobs import UNEXPECTED, Job, JobRunner


@pytest.fixture
def runner():
    r = JobRunner(workers=1, keep=3)
    yield r
    r.shutdown()


def test_a_job_reports_progress_and_its_result(runner):
    release = threading.Event()

    def work(job: Job):
        job.progress("Finding the athlete")(5, 10)
        release.wait(5)
        return 42

    job = runner.submit("k", "clip.mp4", work)
    while job.done != 5:
        pass
    assert job.state == "running" and job.fraction == 0.5
    assert job.status_text().startswith("clip.mp4: Finding the athlete, 5/10 frames")
    release.set()
    assert runner.wait("k", 5).result == 42 and job.state == "done"


def test_the_same_key_joins_the_existing_job(runner):
    calls = []
    first = runner.submit("k", "a", lambda job: calls.append(1) or "x")
    runner.wait("k", 5)
    second = runner.submit("k", "a", lambda job: calls.append(2) or "y")
    assert second is first and calls == [1] and second.result == "x"


def test_a_user_error_keeps_its_message_and_is_not_retried_unless_asked(runner):
    calls = []

    def fail(job):
        calls.append(1)
        raise NotAVideoError("This file is not a video.")

    runner.submit("k", "a", fail)
    job = runner.wait("k", 5)
    assert job.state == "failed" and job.error == "This file is not a video."
    assert runner.submit("k", "a", fail) is job and calls == [1]  # a page rerun does not start it again
    again = runner.submit("k", "a", fail, retry=True)
    runner.wait("k", 5)
    assert again is not job and calls == [1, 1]


def test_a_bug_shows_a_plain_line_and_logs_the_traceback(runner, caplog):
    runner.submit("k", "a", lambda job: 1 / 0)
    job = runner.wait("k", 5)
    assert job.state == "failed" and job.error == UNEXPECTED and "Traceback" not in job.error
    assert any("ZeroDivisionError" in (r.exc_text or "") for r in caplog.records)


def test_only_the_last_finished_jobs_are_kept(runner):
    for k in range(6):
        runner.submit(f"k{k}", "a", lambda job, k=k: k)
        runner.wait(f"k{k}", 5)
    runner.submit("last", "a", lambda job: 0)
    runner.wait("last", 5)
    kept = [k for k in (f"k{i}" for i in range(6)) if runner.get(k) is not None]
    assert kept == ["k3", "k4", "k5"]


@pytest.mark.parametrize("workers, keep", [(0, 1), (1, 0)])
def test_bad_arguments_raise(workers, keep):
    with pytest.raises(ValueError, match="must be >= 1"):
        JobRunner(workers=workers, keep=keep)
