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


def _running_with_contacts(times_s):
    from types import SimpleNamespace

    from formcheck.events.model import GaitEvent

    events = [GaitEvent("contact", "left" if k % 2 else "right", k, t, 1.0) for k, t in enumerate(times_s)]
    return SimpleNamespace(events=events, summary={})


@pytest.mark.parametrize("times, expected", [
    ([0.0, 0.36, 0.72, 1.08], True),     # 167 steps/min: running
    ([0.0, 0.55, 1.1], True),            # 109 steps/min: walking
    ([0.0], False),                      # one contact
    ([0.0, 5.3], False),                 # 11 steps/min: not gait
    ([0.0, 0.1, 0.2], False),            # 600 steps/min: jitter, not steps
], ids=["running", "walking", "one-contact", "too-slow", "too-fast"])
def test_auto_mode_calls_a_clip_gait_only_with_steps_at_a_gait_rate(times, expected):
    from formcheck.pipeline import looks_like_gait

    ok, why = looks_like_gait(_running_with_contacts(times))
    assert ok == expected and why


@pytest.mark.parametrize("gait, exercise, confidence, expected", [
    (True, None, 0.0, "running"),                  # steps, nothing recognised
    (True, ("standing_hip_abduction", False), 1.0, "running"),  # sure, but from a view it is not analysed from
    (False, ("standing_hip_abduction", False), 1.0, "exercise"),
    (True, "squat", 0.4, "running"),               # steps, an unsure guess
    (True, "squat", 0.9, "exercise"),              # a confident exercise outweighs the steps
    (True, "lateral_band_walk", 0.8, "exercise"),  # band walks step like gait
    (True, "monster_walk", 0.6, "exercise"),       # at the threshold
    (True, "monster_walk", 0.59, "running"),
    (False, None, 0.0, "exercise"),                # no gait: an exercise clip, recognised or not
    (False, "glute_bridge", 0.3, "exercise"),
], ids=["gait", "gait-wrong-view", "no-gait-wrong-view", "gait-unsure-squat", "squat", "band-walk", "monster-walk-at-threshold", "monster-walk-unsure",
        "nothing", "no-gait-unsure"])
def test_auto_mode_choice(gait, exercise, confidence, expected):
    from formcheck.pipeline import choose_mode

    exercise, supported = exercise if isinstance(exercise, tuple) else (exercise, True)
    mode, why = choose_mode(gait, "2 foot contacts at 160 steps per minute", exercise, confidence, supported)
    assert mode == expected and why


@pytest.mark.real_clip
def test_auto_mode_calls_the_treadmill_run_running(shared_clip):
    # 29 contacts at 167 steps/min; the legs spreading on the belt look like a sideways leg raise
    # from the side, a view that exercise is not analysed from: the steps win.
    from formcheck.pipeline import analyze

    result = analyze(shared_clip("home_treadmill_run_side.mp4"), "auto")
    assert result.mode == "running", (result.mode, result.reason)
    assert "not analysed from" in result.reason
