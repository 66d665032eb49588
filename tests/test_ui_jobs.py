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


def test_housekeeping_removes_stale_half_exports_and_old_uploads_only(tmp_path):
    import os

    from formcheck.ui.housekeeping import sweep

    results, uploads = tmp_path / "results", tmp_path / "uploads"
    (results / "a" / "keyframes").mkdir(parents=True)
    (results / "a" / "report.html").write_text("done")
    stale = results / ".b.x1.tmp"
    fresh = results / ".c.x2.tmp"
    for d in (stale, fresh):
        d.mkdir()
        (d / "annotated.mp4").write_bytes(b"half")
    uploads.mkdir()
    old, new = uploads / "old.mp4", uploads / "new.mp4"
    old.write_bytes(b"x")
    new.write_bytes(b"y")
    now = 1_000_000_000.0
    os.utime(stale, (now - 7200, now - 7200))
    os.utime(fresh, (now - 60, now - 60))
    os.utime(old, (now - 8 * 86400, now - 8 * 86400))
    os.utime(new, (now - 86400, now - 86400))
    os.utime(results / "a", (now - 10 * 86400, now - 10 * 86400))
    removed = sweep(results, uploads, now_s=now)
    assert sorted(p.name for p in removed) == [".b.x1.tmp", "old.mp4"]
    assert fresh.is_dir() and new.is_file() and (results / "a" / "report.html").is_file()
    assert sweep(tmp_path / "missing", tmp_path / "missing2", now_s=now) == []


def test_an_analysis_request_carries_the_capture_rate():
    from formcheck.ui.tasks import AnalysisRequest

    plain = AnalysisRequest("clip.mp4", "ab" * 32, mode="running")
    slowed = AnalysisRequest("clip.mp4", "ab" * 32, mode="running", capture_fps=240.0)
    assert plain.settings().capture_fps is None and slowed.settings().capture_fps == 240.0
    assert plain.key != slowed.key  # another rate, another analysis
