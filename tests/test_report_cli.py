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


def test_exercise_mode_says_it_is_not_available_yet(tmp_path):
    clip = write_text(tmp_path / "squat.mp4")
    result = run_cli("analyze", clip, "--mode", "exercise", "--out", tmp_path / "out")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "exercise analysis is not available yet" in result.stderr.lower()
    assert not (tmp_path / "out").exists()


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
