"""The batch's progress file (formcheck/batch/report.py ProgressFile, read_progress) and the app's
background run around it (formcheck/batch/background.py): what a page watching a run from another
process reads, written atomically; requests the coach can correct; a run whose process is gone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from formcheck.batch import background
from formcheck.batch.ray_run import BatchSummary, Progress
from formcheck.batch.report import PROGRESS_SCHEMA, RECENT, ProgressFile, RunStatus, read_progress
from formcheck.batch.work import ClipOutcome

GOOD = ClipOutcome("/clips/Ana/run1.mp4", "Ana", "done", activity="running",
                   headline=("Cadence 172 steps/min", "Stride 1.2 m"), seconds=4.25, analysis_id=7)
BAD = ClipOutcome("/clips/Ana/notes.mp4", "Ana", "failed", message="This file is not a video.", seconds=0.5)
OLD = ClipOutcome("/clips/Ben/squat.mp4", "Ben", "skipped", message="analysed before", analysis_id=3)


def _progress(total: int, *outcomes: ClipOutcome) -> Progress:
    progress = Progress(total=total)
    for o in outcomes:
        progress.count(o)
    return progress


def test_a_new_file_says_running_and_begin_gives_the_total(tmp_path):
    path = tmp_path / "run" / "progress.json"
    pf = ProgressFile(path)
    status = read_progress(path)
    assert status == RunStatus(state="running", written_at=status.written_at)
    pf.begin(5)
    status = read_progress(path)
    assert (status.state, status.total, status.finished, status.eta_s) == ("running", 5, 0, None)
    assert status.line() == "0 of 5 clips: 0 analysed, 0 failed, 0 skipped; working out the time left"


def test_each_finished_clip_is_written_with_counts_current_frames_and_recent(tmp_path):
    path = tmp_path / "progress.json"
    pf = ProgressFile(path, every_s=3600)  # only clip ends write (the waits are throttled away)
    progress = _progress(4, GOOD)
    progress.current = {101: ("run2.mp4", 40, 200), 102: ("run3.mp4", 0, 0)}
    pf(progress, GOOD)
    status = read_progress(path)
    assert (status.total, status.done, status.failed, status.skipped, status.finished) == (4, 1, 0, 0, 1)
    assert status.current == (("run2.mp4", 40, 200), ("run3.mp4", 0, 0))
    assert status.recent == ({"clip": "run1.mp4", "athlete": "Ana", "status": "done",
                              "text": "Cadence 172 steps/min; Stride 1.2 m"},)
    assert status.eta_s is not None and status.eta_s >= 0

    progress.current = {101: ("run2.mp4", 80, 200)}
    pf(progress, None)  # a wait within every_s: not written
    assert read_progress(path).current == (("run2.mp4", 40, 200), ("run3.mp4", 0, 0))
    progress.count(BAD)
    pf(progress, BAD)
    status = read_progress(path)
    assert (status.done, status.failed) == (1, 1)
    assert status.recent[-1] == {"clip": "notes.mp4", "athlete": "Ana", "status": "failed",
                                 "text": "This file is not a video."}


def test_waits_are_written_every_every_s(tmp_path):
    path = tmp_path / "progress.json"
    pf = ProgressFile(path, every_s=0.0)
    progress = _progress(2)
    progress.current = {1: ("a.mp4", 10, 100)}
    pf(progress, None)
    assert read_progress(path).current == (("a.mp4", 10, 100),)


def test_recent_keeps_the_last_clips_only(tmp_path):
    path = tmp_path / "progress.json"
    pf = ProgressFile(path)
    progress = Progress(total=RECENT + 5)
    names = [f"clip{i:02d}.mp4" for i in range(RECENT + 5)]
    for name in names:
        outcome = ClipOutcome(f"/c/{name}", "Ana", "done", activity="running")
        progress.count(outcome)
        pf(progress, outcome)
    status = read_progress(path)
    assert [r["clip"] for r in status.recent] == names[-RECENT:]
    assert status.finished == RECENT + 5


def test_finish_writes_every_row_and_the_csv(tmp_path):
    path, csv_path = tmp_path / "progress.json", tmp_path / "summary.csv"
    pf = ProgressFile(path)
    pf.finish(BatchSummary("abc", (GOOD, BAD, OLD), 12.5, 2), csv_path)
    status = read_progress(path)
    assert (status.state, status.total, status.done, status.failed, status.skipped) == ("finished", 3, 1, 1, 1)
    assert status.csv == str(csv_path) and status.elapsed_s == 12.5 and status.eta_now_s() == 0.0
    assert [(r["clip"], r["status"], r["seconds"]) for r in status.rows] == [
        ("/clips/Ana/run1.mp4", "done", "4.2"), ("/clips/Ana/notes.mp4", "failed", "0.5"),
        ("/clips/Ben/squat.mp4", "skipped", "0.0")]
    assert status.rows[0]["headline"] == "Cadence 172 steps/min; Stride 1.2 m"
    assert status.rows[1]["message"] == "This file is not a video."
    assert status.line() == "3 of 3 clips: 1 analysed, 1 failed, 1 skipped"  # no time left once finished
    assert pf.ended


def test_fail_writes_the_plain_message(tmp_path):
    path = tmp_path / "progress.json"
    pf = ProgressFile(path)
    pf.fail("No clips (.mp4) in the folder /x. No clips to analyse.")
    status = read_progress(path)
    assert (status.state, status.message) == ("failed", "No clips (.mp4) in the folder /x. No clips to analyse.")


@pytest.mark.parametrize("content", [None, "", "{not json", "[1, 2]", json.dumps({"schema": "other", "state": "running"}),
                                     json.dumps({"schema": PROGRESS_SCHEMA, "state": "dancing"})],
                         ids=["missing", "empty", "half-written", "a-list", "other-schema", "unknown-state"])
def test_reading_what_is_not_a_progress_file_gives_none(tmp_path, content):
    path = tmp_path / "progress.json"
    if content is not None:
        path.write_text(content)
    assert read_progress(path) is None


def test_the_eta_counts_down_from_when_it_was_written():
    status = RunStatus(state="running", total=10, done=4, eta_s=60.0, written_at=1000.0)
    assert status.eta_now_s(now=1015.0) == pytest.approx(45.0)
    assert status.eta_now_s(now=2000.0) == 0.0
    assert status.line(now=1015.0) == "4 of 10 clips: 4 analysed, 0 failed, 0 skipped; about 00:45 left"


def test_a_reader_never_sees_half_a_file_while_the_writer_writes(tmp_path):
    path = tmp_path / "progress.json"
    pf = ProgressFile(path, every_s=0.0)
    progress = Progress(total=100_000)
    progress.current = {i: (f"clip{i}.mp4" * 20, i, 1000) for i in range(50)}  # a few kB a write
    stop = threading.Event()

    def write() -> None:
        while not stop.is_set():
            progress.done += 1
            pf(progress, None)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        seen = []
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            status = read_progress(path)
            assert status is not None and status.state == "running"
            seen.append(status.done)
    finally:
        stop.set()
        writer.join()
    assert seen == sorted(seen) and seen[-1] > seen[0]  # it moved, and never backwards
    assert [p.name for p in tmp_path.iterdir()] == ["progress.json"]  # no temporary file left


def test_the_cli_writes_why_a_run_could_not_start(tmp_path, monkeypatch):
    from formcheck.cli import main

    monkeypatch.setenv("FORMCHECK_HOME", str(tmp_path / "home"))
    empty = tmp_path / "empty"
    empty.mkdir()
    path = tmp_path / "progress.json"
    assert main(["batch", str(empty), "--progress-file", str(path)]) == 2
    status = read_progress(path)
    assert status.state == "failed"
    assert status.message.startswith(f"No clips (") and status.message.endswith("No clips to analyse.")
    assert str(empty) in status.message


# -- the app's run around the file -------------------------------------------------------------------
@pytest.mark.parametrize("folder, athlete, from_folder, message", [
    ("", "", False, "Give the path of a folder"),
    ("{tmp}/nowhere", "", False, "There is no folder {tmp}/nowhere on this computer"),
    ("{tmp}/clips/a.mp4", "", False, "is a file, not a folder"),
    ("{tmp}/empty", "", False, "No clips ("),
    ("{tmp}/clips", "Ana", True, "Choose one: an athlete for every clip, or the athlete from sub-folder names."),
], ids=["no-folder", "missing", "a-file", "no-clips", "both-athlete-choices"])
def test_requests_the_coach_can_correct_get_a_plain_message(tmp_path, folder, athlete, from_folder, message):
    (tmp_path / "clips").mkdir()
    (tmp_path / "clips" / "a.mp4").write_bytes(b"x")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("not a clip")
    with pytest.raises(background.BatchRequestError, match=message.replace("{tmp}", str(tmp_path)).replace("(", r"\(")):
        background.check_request(folder.replace("{tmp}", str(tmp_path)), athlete, from_folder)


def test_a_good_request_counts_the_clips(tmp_path):
    (tmp_path / "Ana").mkdir()
    for name in ("Ana/run1.mp4", "Ana/run2.MOV", "b.mp4", "readme.txt"):
        (tmp_path / name).write_bytes(b"x")
    path, clips = background.check_request(f"  {tmp_path}  ", "", True)
    assert (path, clips) == (tmp_path.resolve(), 3)


def _ended_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _run(tmp_path: Path, pid: int, **kw) -> background.AppRun:
    run_dir = tmp_path / "run"
    run_dir.mkdir(exist_ok=True)
    return background.AppRun(**{**dict(run_id="r1", folder="/clips", athlete=None, athlete_from_folder=False,
                                       data_only=True, clips=3, pid=pid, started_at=time.time(), dir=str(run_dir)),
                                **kw})


def test_a_run_whose_process_is_gone_without_a_last_word_has_failed(tmp_path):
    run = _run(tmp_path, _ended_pid())
    ProgressFile(run.progress_path).begin(3)  # it started, then was killed
    assert not background.alive(run)
    status = background.status(run)
    assert (status.state, status.message) == ("failed", background.GONE)
    stopped = background.status(_run(tmp_path, run.pid, stop_asked=True))
    assert stopped.message == background.STOPPED_BY_USER


def test_a_finished_run_is_read_from_its_file_and_dismissed(tmp_path):
    run = _run(tmp_path, _ended_pid())
    ProgressFile(run.progress_path).finish(BatchSummary("abc", (GOOD, BAD), 3.0, 1), run.csv_path)
    root = tmp_path / "runs"
    background._remember(root, run)
    assert background.current(root) == run
    assert background.status(run).state == "finished"
    background.dismiss(root)
    assert background.current(root) is None


def test_a_live_process_that_is_not_the_run_does_not_count(tmp_path):
    """A pid reused by another program since (the same number, another command line): a process
    that is not the app's child (started by the shell, which leaves it to init), as a run of an
    earlier app server is after a restart."""
    shell = subprocess.run(["sh", "-c", "sleep 30 >/dev/null 2>&1 & echo $!"], capture_output=True, text=True,
                           check=True)
    pid = int(shell.stdout.strip())
    try:
        run = _run(tmp_path, pid)
        assert not background.alive(run)
        assert background.status(run).state == "failed"
    finally:
        os.kill(pid, signal.SIGKILL)


def test_the_apps_own_child_is_alive_before_it_shows_the_batchs_command_line(tmp_path):
    """Just after the start, the child may not have exec'd the batch yet (its command line is still
    the app's): it is alive all the same. (A loaded CI machine once showed "the batch stopped" here.)"""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        run = _run(tmp_path, process.pid)
        ProgressFile(run.progress_path).begin(3)
        assert background.alive(run)
        assert background.status(run).state == "running"
    finally:
        process.kill()
        process.wait()
    assert not background.alive(run)  # reaped now
