"""The batch's plan and its report, without Ray or a model: which clips, whose, which settings key,
and the progress line, table and CSV from known outcomes."""

from __future__ import annotations

import csv
import io

import pytest

from formcheck.batch.plan import UNASSIGNED, BatchSpec, ClipJob, gather, settings_key
from formcheck.batch.ray_run import BatchSummary, Progress
from formcheck.batch.report import ProgressPrinter, progress_line, table, write_csv
from formcheck.batch.work import DONE_NOW, FAILED, SKIPPED, ClipOutcome


@pytest.fixture
def season(tmp_path):
    """camp/<athlete>/<clip>, with a hidden folder, a note and a clip given twice."""
    root = tmp_path / "camp"
    for rel in ["Ana/run1.mp4", "Ana/run2.MOV", "Ben/bridge.mp4", "Ben/.trash/old.mp4", "Ben/notes.txt"]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(rel.encode())
    return root


def names(jobs):
    return [(job.path.split("/camp/")[1], job.athlete) for job in jobs]


def test_gather_a_folder_recursively_by_suffix_skipping_hidden(season):
    jobs, problems = gather([season])
    assert names(jobs) == [("Ana/run1.mp4", UNASSIGNED), ("Ana/run2.MOV", UNASSIGNED), ("Ben/bridge.mp4", UNASSIGNED)]
    assert problems == []
    assert all(job.sha256 == "" for job in jobs)  # hashed later, where the batch runs


def test_gather_athlete_from_folder_or_option(season):
    jobs, _ = gather([season], athlete_from_folder=True)
    assert names(jobs) == [("Ana/run1.mp4", "Ana"), ("Ana/run2.MOV", "Ana"), ("Ben/bridge.mp4", "Ben")]
    jobs, _ = gather([season / "Ben"], athlete="Kim")
    assert names(jobs) == [("Ben/bridge.mp4", "Kim")]


def test_gather_each_clip_once_and_named_files_whatever_their_suffix(season, tmp_path):
    missing = tmp_path / "nope.mp4"
    jobs, problems = gather([season / "Ana" / "run1.mp4", season / "Ben" / "notes.txt", season, missing])
    assert names(jobs) == [("Ana/run1.mp4", UNASSIGNED), ("Ben/notes.txt", UNASSIGNED),
                           ("Ana/run2.MOV", UNASSIGNED), ("Ben/bridge.mp4", UNASSIGNED)]
    assert problems == [(str(missing), f"{missing}: no such file or folder.")]


def test_gather_an_empty_folder_is_a_problem(tmp_path):
    (tmp_path / "empty").mkdir()
    jobs, problems = gather([tmp_path / "empty"])
    assert jobs == [] and len(problems) == 1 and problems[0][1].startswith("No clips (")


def test_settings_key_follows_what_changes_the_result():
    base = settings_key(BatchSpec(), "full@1")
    assert base == settings_key(BatchSpec(), "full@1")  # stable across runs and processes
    assert len(base) == 64
    changed = {settings_key(BatchSpec(mode="run"), "full@1"), settings_key(BatchSpec(render=False), "full@1"),
               settings_key(BatchSpec(capture_fps=240.0), "full@1"), settings_key(BatchSpec(), "heavy@1"),
               settings_key(BatchSpec(exercise="clamshell"), "full@1")}
    assert base not in changed and len(changed) == 5


def test_spec_refuses_an_unknown_mode():
    with pytest.raises(ValueError, match="mode must be one of"):
        BatchSpec(mode="walk")


OUTCOMES = (
    ClipOutcome("/c/Ana/run1.mp4", "Ana", DONE_NOW, activity="running",
                headline=("Running, side view", "Cadence 172 steps/min"), seconds=12.34, analysis_id=7),
    ClipOutcome("/c/Ana/notes.mp4", "Ana", FAILED, "This file is not a video FormCheck can read.", seconds=0.2),
    ClipOutcome("/c/Ben/bridge.mp4", "Ben", SKIPPED, "analysed before", analysis_id=3),
)


def test_progress_line_counts_eta_and_current_clips():
    p = Progress(total=4)
    assert progress_line(p, 2, width=8) == "clips [--------] 0/4  done 0  failed 0  skipped 0  ETA --:--"
    for outcome in OUTCOMES:
        p.count(outcome)
    p.current = {101: ("run2.mp4", 120, 360), 102: ("x.mp4", 0, 0)}
    line = progress_line(p, 2, width=8)
    assert line.startswith("clips [######--] 3/4  done 1  failed 1  skipped 1  ETA ")
    assert line.endswith(" | run2.mp4 120/360  x.mp4 analysing")
    assert p.analysed == 2  # the skipped clip does not count towards the pace


def test_printer_off_a_terminal_writes_a_line_per_clip():
    out = io.StringIO()
    printer = ProgressPrinter(2, out, every_s=3600)
    p = Progress(total=3)
    for outcome in OUTCOMES:
        p.count(outcome)
        printer(p, outcome)
    printer(p, None)  # a waiting update inside every_s: nothing
    lines = out.getvalue().splitlines()
    assert lines[0] == "analysed run1.mp4: running (12.3 s)"
    assert lines[2] == "FAILED   notes.mp4: This file is not a video FormCheck can read. (0.2 s)"
    assert lines[4] == "skipped  bridge.mp4: analysed before"
    assert lines[5].startswith("clips [########################] 3/3  done 1  failed 1  skipped 1")
    assert len(lines) == 6


def test_table_and_csv(tmp_path):
    summary = BatchSummary("ab12cd34" * 4, OUTCOMES, 75.0, 2)
    text = table(summary).splitlines()
    assert text[0].split() == ["clip", "athlete", "activity", "headline", "/", "why", "status", "seconds"]
    assert text[1].split()[:3] == ["run1.mp4", "Ana", "running"] and text[1].endswith("done     12.3")
    assert "This file is not a video" in text[2] and text[2].split()[-2:] == ["failed", "0.2"]
    assert text[-1] == "3 clips: 1 analysed, 1 failed, 1 skipped, in 01:15 on 2 worker(s)"
    path = write_csv(summary, tmp_path / "out" / "batch.csv")
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["status"] for r in rows] == ["done", "failed", "skipped"]
    assert rows[0] == {"clip": "/c/Ana/run1.mp4", "athlete": "Ana", "activity": "running",
                       "headline": "Running, side view; Cadence 172 steps/min", "status": "done", "message": "",
                       "seconds": "12.3", "analysis_id": "7"}
    assert rows[1]["message"] == "This file is not a video FormCheck can read." and rows[1]["analysis_id"] == ""
    assert not list(tmp_path.glob("out/.*"))  # written whole, then renamed


def test_clip_job_name():
    assert ClipJob("/a/b/c.mp4", "Ana").name == "c.mp4"


def test_longest_clips_go_first_and_an_unreadable_one_before_them(sample_clip, tmp_path):
    from formcheck.batch.ray_run import SORT_UP_TO_CLIPS_PER_WORKER, longest_first

    notes = tmp_path / "notes.mp4"
    notes.write_text("not a video")
    short, longer = sample_clip("pose2sim_single_cam01.mp4"), sample_clip("sports2d_demo_walk_side.mp4")  # 100, 230 frames
    jobs, _ = gather([short, sample_clip("pose2sim_single_cam02.mp4"), longer, notes])
    assert longest_first(jobs, [0, 1, 2, 3], workers=2) == [3, 2, 0, 1]  # ties keep their order
    assert longest_first(jobs, [1, 0], workers=2) == [1, 0]
    many = [0, 1] * SORT_UP_TO_CLIPS_PER_WORKER + [2]  # a long batch: its end matters little, left as given
    assert longest_first(jobs, many, workers=1) == many
