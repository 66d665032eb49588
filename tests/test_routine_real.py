"""A routine made of real clips, end to end: the CLI as a user runs it, and the app in Chromium.

The clip (tests/routine_video.py): `gym_squat_side.mp4` from 6.0 to 20.4 s (2 reps), the last
picture held for 12 s (a rest), then `home_squat_side_timer.mp4` from 0.6 to 20.0 s (8 reps, before
its blurred rest screen), letterboxed into one 720x1280 portrait frame at 30 frames/s. The rep
peaks marked by eye in ../shared/clips/labels.json, moved to the routine's clock, are the truth:
one exercise (bodyweight squat), two sets (a shot cut between them, and a rest longer than a
pause inside a set), 2 and 8 reps, each peak within `PEAK_S` of the marked one.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from app_helpers import app_home
from routine_video import Clip, Hold, compose
from test_app_browser import (  # noqa: F401  (fixtures)
    ANALYSIS_TIMEOUT_MS,
    _assert_no_traceback,
    _full_page_screenshot,
    _grid,
    _open,
    _upload,
    _wait_for_saved_upload,
    browser,
)

pytestmark = pytest.mark.real_clip

LABELS = Path(__file__).resolve().parent.parent.parent / "shared" / "clips" / "labels.json"
ARTIFACTS = Path(__file__).resolve().parent / "_artifacts"
GYM = ("gym_squat_side.mp4", 6.0, 20.4)
HOME = ("home_squat_side_timer.mp4", 0.6, 20.0)
REST_S = 12.0
PEAK_S = 0.5


@pytest.fixture(scope="module")
def routine_clip(tmp_path_factory, shared_clip):
    """(path, the true rep peaks of each set in the routine's clock)."""
    out = tmp_path_factory.mktemp("routine") / "squat_routine.mp4"
    spans = compose(out, [Clip(shared_clip(GYM[0]), GYM[1], GYM[2]), Hold(REST_S), Clip(shared_clip(HOME[0]), HOME[1], HOME[2])])
    labels = json.loads(LABELS.read_text())
    peaks = []
    for (name, a, b), (_, start, _) in zip((GYM, HOME), (spans[0], spans[2])):
        peaks.append([start + t - a for t in labels[name]["rep_peaks_s"] if a <= t <= b])
    return out, peaks


@pytest.fixture(scope="module")
def routine_cache(tmp_path_factory):
    """One pose cache for the CLI run and the app: the app's analysis finds the pose cached."""
    return tmp_path_factory.mktemp("routine-cache")


@pytest.fixture(scope="module")
def cli_run(routine_clip, routine_cache, tmp_path_factory):
    out = tmp_path_factory.mktemp("routine-out") / "result"
    env = {**os.environ, "FORMCHECK_CACHE": str(routine_cache)}
    result = subprocess.run([sys.executable, "-m", "formcheck.cli", "analyze", str(routine_clip[0]), "--out", str(out)],
                            capture_output=True, text=True, timeout=900, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return result, out


def test_the_cli_finds_two_sets_of_squats_with_every_rep(cli_run, routine_clip):
    result, out = cli_run
    _, peaks = routine_clip
    data = json.loads((out / "analysis.json").read_text())
    assert data["schema"] == "formcheck.exercise/2"
    routine = data["routine"]
    assert routine is not None, result.stdout
    (card,) = routine["exercises"]
    assert card["name"] == "squat" and [s["reps"] for s in card["sets"]] == [len(p) for p in peaks] == [2, 8], \
        result.stdout
    got = [r["peak_s"] for r in card["reps"]]
    truth = [t for p in peaks for t in p]
    assert len(got) == len(truth) and all(abs(g - t) <= PEAK_S for g, t in zip(got, truth)), (got, truth)
    assert routine["totals"]["sets"] == 2 and routine["breaks"] and routine["breaks"][0]["label"] == "still"
    assert data["reps"] == card["reps"]  # the top level is the main exercise over both sets
    # The CLI prints the routine first, then the main exercise.
    lines = result.stdout.splitlines()
    first = next(k for k, line in enumerate(lines) if line.startswith("routine:"))
    assert lines[first].startswith("routine: 1 exercise, 2 sets, 10 reps"), lines[first]
    assert "Bodyweight squat, set 1: 2 reps" in result.stdout and "Bodyweight squat, set 2: 8 reps" in result.stdout
    # reps.csv: every rep, with its set; the report shows the routine first; key frames by exercise.
    with open(out / "reps.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["exercise"], r["set"]) for r in rows] == [("squat", "1")] * 2 + [("squat", "2")] * 8
    html = (out / "report.html").read_text()
    assert html.index('id="routine"') < html.index('id="activity"') < html.index('id="card-1"')
    assert "set 2: 8 reps, " in html
    stills = sorted(p.name for p in (out / "keyframes").iterdir())
    assert stills and all("bodyweight_squat" in name for name in stills), stills


def test_the_app_shows_the_routine_first_then_a_card_per_exercise(cli_run, routine_clip, routine_cache, tmp_path,
                                                                  browser, model_path):
    from app_server import app_server

    clip, _ = routine_clip
    home = app_home(tmp_path, {})
    logs = tmp_path / "server"
    with app_server(home, model_path, cache=routine_cache, log_dir=logs) as url:
        page = _open(browser, url)
        _upload(page, clip)
        _wait_for_saved_upload(home, clip.read_bytes())
        started = time.monotonic()
        page.get_by_role("button", name="Analyse", exact=True).click()
        heading = page.get_by_role("heading", name="Warm-up routine")
        heading.wait_for(timeout=ANALYSIS_TIMEOUT_MS)
        assert "1 exercise, 2 sets, 10 reps" in heading.inner_text(), heading.inner_text()
        page.get_by_text("The routine").first.wait_for()
        headers, rows = _grid(page.get_by_test_id("stDataFrame").first)
        assert headers[:6] == ["#", "exercise", "sets", "reps", "per side", "under work"], headers
        assert rows[0][1:4] == ["Bodyweight squat", "2", "10"], rows
        card = page.get_by_test_id("stExpander").filter(has_text="1. Bodyweight squat: 10 reps")
        card.first.wait_for()
        assert "set 1: 2 reps" in card.first.inner_text() and "set 2: 8 reps" in card.first.inner_text()
        _assert_no_traceback(page, logs)
        shot = ARTIFACTS / "app_routine.png"
        _full_page_screenshot(page, shot)
        print(f"routine analysed in the app in {time.monotonic() - started:.1f} s (pose cached); screenshot {shot}")


@pytest.mark.parametrize("exercise", ["auto", "squat"])
def test_formcheck_exercise_gives_the_routine_unless_one_exercise_is_named(cli_run, routine_clip, routine_cache,
                                                                           tmp_path, exercise):
    """`formcheck exercise CLIP` reads the routine set by set; `--exercise squat` makes every set a
    squat (set by the user), still set by set: the whole clip read as one set finds the first set's
    2 reps only (the second athlete is smaller in the frame and her start pose is another's). The
    pose is cached by cli_run."""
    out = tmp_path / "exercise.json"
    env = {**os.environ, "FORMCHECK_CACHE": str(routine_cache)}
    result = subprocess.run([sys.executable, "-m", "formcheck.cli", "exercise", str(routine_clip[0]), "--json", str(out),
                             "--exercise", exercise], capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(out.read_text())
    assert data["exercise"]["name"] == "squat" and len(data["reps"]) == 10, result.stdout
    assert [s["reps"] for s in data["routine"]["exercises"][0]["sets"]] == [2, 8]
    assert result.stdout.splitlines()[len(data["timeline"]["segments"]) + 1].startswith("routine:")
    assert data["exercise"]["set_by_user"] == (exercise != "auto")
