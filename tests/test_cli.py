"""The `formcheck` command as a user runs it: real subprocesses, real model, sample clips."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from formcheck.track_io import load_track_npz
from formcheck.video.synth import (
    truncate_copy,
    write_random_bytes,
    write_test_clip,
    write_text,
)

FORMCHECK = [sys.executable, "-m", "formcheck.cli"]


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*FORMCHECK, *map(str, args)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def test_pose_writes_track_files_and_reports_the_athlete(sample_clip, tmp_path):
    out, csv = tmp_path / "track.npz", tmp_path / "track.csv"
    result = run_cli("pose", sample_clip("pose2sim_single_cam01.mp4"), "--out", out, "--csv", csv)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["frames"] == 100
    assert summary["frames_with_pose"] >= 95
    assert summary["people_seen"] == 1
    assert summary["model"].startswith("pose_landmarker_full@")
    assert "frames/s" in result.stderr and "ETA" in result.stderr  # the progress bar
    track, meta = load_track_npz(out)
    assert len(track) == 100 and track.frame_size == (1080, 1920)
    assert meta["model_id"] == summary["model"] and len(meta["clip_sha256"]) == 64
    assert np.isfinite(track.xy_px).any()
    assert len(csv.read_text().splitlines()) == 101


def test_info_reports_metadata_and_capture(sample_clip):
    result = run_cli("info", sample_clip("pose2sim_single_cam01.mp4"), "--json")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["video"]["frame_count"] == 100
    assert info["video"]["fps"] == pytest.approx(60.0)
    assert (info["video"]["width"], info["video"]["height"]) == (1080, 1920)
    assert info["capture"]["people_count"] == 1
    assert info["capture"]["frames_with_person"] == info["capture"]["frames_sampled"]
    text = run_cli("info", sample_clip("pose2sim_single_cam01.mp4"))
    assert "100 frames" in text.stdout and "people: 1" in text.stdout


def _bad_inputs(folder: Path) -> dict[str, Path]:
    empty = folder / "empty.mp4"
    empty.write_bytes(b"")
    good = write_test_clip(folder / "good.mp4", n_frames=30, fps=30, size=(160, 120))
    return {
        "zero-byte": empty,
        "random-bytes": write_random_bytes(folder / "random.mp4"),
        "text-as-mov": write_text(folder / "notes.mov"),
        "truncated": truncate_copy(good, folder / "cut.mp4", keep_fraction=0.5),
        "missing": folder / "nope.mp4",
    }


@pytest.mark.parametrize("name, phrase", [
    ("zero-byte", "empty"),
    ("random-bytes", "not a video"),
    ("text-as-mov", "not a video"),
    ("truncated", "damaged|cut short|truncated|incomplete"),
    ("missing", "no video file at"),
])
@pytest.mark.parametrize("command", ["info", "pose"])
def test_bad_input_is_one_plain_sentence_and_exit_2(tmp_path, name, phrase, command):
    clip = _bad_inputs(tmp_path)[name]
    result = run_cli(command, clip)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("formcheck: ")

    assert re.search(phrase, message, re.IGNORECASE), message


def test_a_clip_with_nobody_says_so(tmp_path):
    clip = write_test_clip(tmp_path / "empty_scene.mp4", n_frames=20, fps=30, size=(320, 240))
    result = run_cli("pose", clip)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "Nobody was found" in result.stderr


def test_missing_model_says_what_to_run(sample_clip, tmp_path):
    result = run_cli("pose", sample_clip("pose2sim_single_cam01.mp4"),
                     env={"FORMCHECK_MODEL": str(tmp_path / "absent.task")})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "formcheck setup" in result.stderr or "FORMCHECK_MODEL" in result.stderr


def test_out_of_range_setting_is_named(sample_clip):
    result = run_cli("pose", sample_clip("pose2sim_single_cam01.mp4"), "--athlete", "7")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "index must be in" in result.stderr
