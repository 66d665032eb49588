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


# -- the activity timeline ---------------------------------------------------------------------
def _timeline_dict(decision_label="squat", mode="exercise", ask="", cuts=()):
    segment = {"start_frame": 0, "end_frame": 89, "start_s": 0.0, "end_s": 2.97, "label": "still",
               "title": "Still / resting", "confidence": 0.9, "candidates": [], "reasons": [], "view": "unknown",
               "view_confidence": 0.0, "shot": 0}
    squat = {**segment, "start_frame": 90, "end_frame": 299, "start_s": 3.0, "end_s": 9.97, "label": "squat",
             "title": "Bodyweight squat", "confidence": 0.94, "view": "side", "view_confidence": 0.8,
             "shot": len(cuts)}
    return {"window_s": 4.0, "hop_s": 1.0, "cuts": list(cuts), "segments": [segment, squat], "notes": [],
            "decision": {"mode": mode, "label": decision_label, "title": "", "confidence": 0.55,
                         "candidates": [{"label": "squat", "confidence": 0.55},
                                        {"label": "running", "confidence": 0.45}],
                         "reason": "", "segment": 1, "ask": ask}}


ASK = ("Not sure whether this is bodyweight squat or running: choose with --mode run or --mode exercise "
       "(--exercise NAME), or tap it in the app.")


@pytest.mark.parametrize("timeline, lines, ask", [
    (_timeline_dict(), ["timeline (2 segments):",
                        "   0.0-3.0 s  frames 0-89    Still / resting   0.90",
                        "  3.0-10.0 s  frames 90-299  Bodyweight squat  0.94  side view (0.80)"], ""),
    (_timeline_dict(cuts=(90,)), ["timeline (2 segments, a shot cut at frame 90):",
                                  "   0.0-3.0 s  frames 0-89    Still / resting   0.90  shot 1",
                                  "  3.0-10.0 s  frames 90-299  Bodyweight squat  0.94  shot 2  side view (0.80)"],
     ""),
    (_timeline_dict("unsure", "unsure", ASK), None, "\n>>> " + ASK),
    (_timeline_dict("unsure", "exercise", "Name the exercise with --exercise NAME (or tap it in the app)."), None,
     "\n>>> Not sure: squat or running? Name the exercise with --exercise NAME (or tap it in the app)."),
    (_timeline_dict("still", "exercise", "Film the movement itself, the whole body in view."), None, ""),
], ids=["sure", "cut", "unsure-mode", "unsure-exercise", "advice-is-no-question"])
def test_timeline_lines_and_the_question(timeline, lines, ask):
    from formcheck.cli import _ask, _format_timeline

    text = _format_timeline(timeline).splitlines()
    assert len(text) == 1 + len(timeline["segments"])
    if lines is not None:
        assert text == lines
    assert _ask(timeline) == ask


def test_exercise_prints_the_timeline_and_writes_it_to_the_json(sample_clip, tmp_path):
    out = tmp_path / "ex.json"
    result = run_cli("exercise", sample_clip("pose2sim_single_cam01.mp4"), "--json", out)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "timeline (1 segment):"
    segment = json.loads(out.read_text())["timeline"]["segments"][0]
    assert re.fullmatch(r"\s+0\.0-1\.\d s  frames 0-99  Standing hip abduction  [01]\.\d\d  [a-z_]+ view \(\d\.\d\d\)",
                        lines[1]), lines[1]
    assert f"  {segment['confidence']:.2f}  {segment['view']} view ({segment['view_confidence']:.2f})" in lines[1]
    assert segment["label"] == "standing_hip_abduction"
    assert ">>>" not in result.stdout  # sure: no question


def test_analyze_says_when_it_is_not_sure_and_how_to_settle_it(sample_clip, tmp_path, monkeypatch, capsys):
    # No real clip is unsure yet: the real analysis of a leg raise, its timeline made unsure between the
    # exercise and running, goes through the real command, export and report.
    from unsure import unsure_when_automatic

    from formcheck import pipeline
    from formcheck.cli import main

    monkeypatch.setattr(pipeline, "analyze", unsure_when_automatic(pipeline.analyze))
    assert main(["analyze", str(sample_clip("pose2sim_single_cam01.mp4")), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[-1].startswith(">>> Not sure whether this is standing hip abduction or running: choose with "
                                  "--mode run or --mode exercise") and printed[-2] == ""  # last, set apart
    assert "Not sure: Standing hip abduction or Running?" in printed[1]  # the segment line
    html = (tmp_path / "out" / "report.html").read_text()
    assert '<p class="ask"><b>Not sure whether this is standing hip abduction or running' in html
