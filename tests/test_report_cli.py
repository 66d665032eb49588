"""`formcheck analyze` as a user runs it: real subprocess, real model, a real clip."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from formcheck.video.synth import write_text

FORMCHECK = [sys.executable, "-m", "formcheck.cli"]
OUTPUTS = ("annotated.mp4", "report.html", "analysis.json", "frames.csv", "strides.csv", "keyframes")


def run_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([*FORMCHECK, *map(str, args)], capture_output=True, text=True, timeout=600,
                          env=dict(os.environ))


@pytest.mark.real_clip
def test_analyze_writes_every_file(shared_clip, tmp_path):
    out = tmp_path / "result"
    result = run_cli("analyze", shared_clip("sports2d_demo3_runner_side.mp4"), "--out", out)
    assert result.returncode == 0, result.stderr
    assert all((out / name).exists() for name in OUTPUTS), sorted(p.name for p in out.iterdir())
    assert any((out / "keyframes").iterdir())
    assert json.loads((out / "analysis.json").read_text())["schema"] == "formcheck.running/1"
    assert "video [" in result.stderr and "frames/s" in result.stderr  # progress bars
    assert "wrote" in result.stdout and "report" in result.stdout
    timeline = json.loads((out / "analysis.json").read_text())["timeline"]
    lines = result.stdout.splitlines()
    assert lines[0] == f"timeline ({len(timeline['segments'])} segment{'s' if len(timeline['segments']) > 1 else ''}):"
    for line, segment in zip(lines[1:], timeline["segments"]):  # one line per segment: times, title, confidence, view
        assert f"{segment['start_s']:.1f}-{segment['end_s']:.1f} s" in line and segment["title"] in line
        assert f"{segment['confidence']:.2f}" in line
        assert segment["view"] == "unknown" or f"{segment['view']} view" in line
    assert timeline["segments"][0]["label"] == "running" and ">>>" not in result.stdout
    assert [p.name for p in tmp_path.iterdir()] == ["result"]  # no temporary folder left beside it

    again = run_cli("analyze", shared_clip("sports2d_demo3_runner_side.mp4"), "--out", out)
    assert again.returncode == 2 and "already holds files" in again.stderr and "--overwrite" in again.stderr


def test_a_text_file_named_mp4_is_refused_and_leaves_no_folder(tmp_path):
    clip = write_text(tmp_path / "notes.mp4")
    out = tmp_path / "result"
    result = run_cli("analyze", clip, "--out", out)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("formcheck: ")
    assert "not a video" in result.stderr.lower()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.mp4"]


def test_exercise_mode_reads_the_clip_and_refuses_a_text_file(tmp_path):
    clip = write_text(tmp_path / "squat.mp4")
    result = run_cli("analyze", clip, "--mode", "exercise", "--out", tmp_path / "out")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "not a video" in result.stderr.lower()
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args, message", [
    (["--exercise", "squatt"], "exercise must be auto or one of glute_bridge, "),
    (["--mode", "run", "--exercise", "squat"], "--exercise squat names an exercise; it does not go with --mode run"),
    (["--mode", "run", "--view", "foot_end"], "--view foot_end is an exercise view"),
], ids=["unknown-exercise", "exercise-with-run", "foot-end-with-run"])
def test_analyze_exercise_and_view_options_are_checked_before_anything_runs(tmp_path, args, message):
    clip = write_text(tmp_path / "clip.mp4")  # never read: the options are refused first
    result = run_cli("analyze", clip, "--out", tmp_path / "out", *args)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("formcheck: " + message), last
    assert not (tmp_path / "out").exists()


def test_analyze_and_exercise_refuse_an_unknown_exercise_in_the_same_words(tmp_path):
    clip = write_text(tmp_path / "clip.mp4")
    analyze = run_cli("analyze", clip, "--out", tmp_path / "out", "--exercise", "clam")
    exercise = run_cli("exercise", clip, "--exercise", "clam")
    assert analyze.returncode == exercise.returncode == 2
    assert analyze.stderr.strip().splitlines()[-1] == exercise.stderr.strip().splitlines()[-1]
    bad_view = run_cli("analyze", clip, "--out", tmp_path / "out", "--view", "top")
    assert bad_view.returncode == 2 and "invalid choice: 'top'" in bad_view.stderr and "foot_end" in bad_view.stderr


def test_out_must_be_a_folder(tmp_path):
    clip = write_text(tmp_path / "notes.mp4")
    (tmp_path / "taken").write_text("x")
    result = run_cli("analyze", clip, "--out", tmp_path / "taken")
    assert result.returncode == 2 and "is a file" in result.stderr


def _seg(label, start_s, end_s, confidence=0.9, candidates=None, reasons=("test",)):
    from formcheck.activity.model import Segment

    fps = 30
    cands = candidates if candidates is not None else ((label, confidence),)
    return Segment(int(start_s * fps), int(end_s * fps) - 1, start_s, end_s - 1 / fps, label, confidence, cands,
                   reasons)


UNSURE_EXERCISES = (("squat", 0.45), ("single_leg_squat", 0.40))
UNSURE_MODES = (("running", 0.5), ("squat", 0.4))


@pytest.mark.parametrize("segments, mode, label, ask", [
    ([("running", 0, 10)], "running", "running", ""),
    ([("still", 0, 3), ("squat", 3, 20), ("still", 20, 25)], "exercise", "squat", ""),
    ([("running", 0, 6), ("squat", 6, 20)], "exercise", "squat", ""),                 # the longest decides
    ([("other_exercise", 0, 5), ("running", 5, 8, 0.7)], "running", "running", ""),    # a named activity, 60%
    ([("other_exercise", 0, 20), ("walking", 20, 23)], "exercise", "other_exercise", ""),  # named, but 15%
    ([("unsure", 0, 10, 0.45, UNSURE_EXERCISES)], "exercise", "unsure", "--exercise"),
    ([("unsure", 0, 10, 0.5, UNSURE_MODES)], "unsure", "unsure", "--mode"),
    ([("unsure", 0, 1, 0.0, ())], "unsure", "unsure", "Too short"),
    ([("still", 0, 10, 1.0)], "exercise", "still", "Film"),
    ([], "unsure", "not_in_view", "Film"),
    ([("not_in_view", 0, 10, 0.96)], "unsure", "not_in_view", "Film"),   # never seen: nothing says what they do
], ids=["running", "squat-between-rests", "longest", "named-over-unnamed", "unnamed-much-longer",
        "unsure-exercise", "unsure-mode", "too-short", "still", "nothing", "never-in-view"])
def test_the_automatic_decision_is_read_from_the_timeline(segments, mode, label, ask):
    """pipeline.analyze decides running or exercise from the timeline's segments (activity.timeline.decide):
    the longest activity, a named one over a longer movement nothing names when it fills 40% of it, and
    when not sure, the question names the option that settles it."""
    from formcheck.activity.timeline import decide

    decision = decide(tuple(_seg(*row) for row in segments))
    assert (decision.mode, decision.label) == (mode, label), decision
    assert ask in decision.ask and decision.reason


@pytest.mark.real_clip
def test_auto_mode_calls_the_treadmill_run_running(shared_clip):
    # The legs take turns half a stride apart at 171 steps/min: the timeline's one segment is running
    # (the exercise recogniser, which once called the belt's leg spread a sideways leg raise, is not asked).
    from formcheck.pipeline import analyze

    result = analyze(shared_clip("home_treadmill_run_side.mp4"), "auto")
    assert result.mode == "running", (result.mode, result.reason)
    assert result.reason.startswith("Running from 0.0 s") and "longest activity" in result.reason
    assert result.timeline.decision.label == "running" and not result.unsure
