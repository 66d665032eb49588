"""A routine made of real clips, end to end: the CLI as a user runs it, and the app in Chromium.

The clip (tests/routine_video.py, `SQUAT_RAISE_SQUAT`): a squat set (`gym_squat_side.mp4` from 6.0
to 20.4 s, 2 reps), the last picture held 4 s, one sideways leg raise (`pose2sim_single_cam02.mp4`,
the Pose2Sim demo from the front), 4 s held, a second squat set (`home_squat_side_timer.mp4` from
0.6 to 20.0 s, 8 reps), letterboxed into one 720x1280 portrait frame at 30 frames/s. The rep peaks
marked by eye (../shared/clips/labels.json, docs/ground_truth/labels.json), moved to the routine's
clock, are the truth: two exercises in order (bodyweight squat, standing hip abduction), the squat
in two sets of 2 and 8 reps, one right leg raise; every peak within `PEAK_S` of the marked one.
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
from routine_video import compose_squat_raise_squat
from test_app_browser import (  # noqa: F401  (browser is a fixture)
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

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "_artifacts"
PEAK_S = 0.5


@pytest.fixture(scope="module")
def routine_clip(tmp_path_factory, shared_clip):
    """(path, the truth of each set in order)."""
    labels = {**json.loads((REPO / "docs" / "ground_truth" / "labels.json").read_text()),
              **json.loads(shared_clip("labels.json").read_text())}
    out = tmp_path_factory.mktemp("routine") / "squat_raise_squat.mp4"
    return out, compose_squat_raise_squat(out, shared_clip("gym_squat_side.mp4").parent, labels)


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


def test_the_cli_finds_each_exercise_in_order_with_every_rep(cli_run, routine_clip):
    result, out = cli_run
    _, truth = routine_clip
    data = json.loads((out / "analysis.json").read_text())
    assert data["schema"] == "formcheck.exercise/2"
    routine = data["routine"]
    assert routine is not None, result.stdout
    cards = {c["name"]: c for c in routine["exercises"]}
    assert [c["name"] for c in routine["exercises"]] == ["squat", "standing_hip_abduction"], result.stdout
    assert [s["reps"] for s in cards["squat"]["sets"]] == [len(t.peaks_s) for t in truth if t.exercise == "squat"] \
        == [2, 8], result.stdout
    assert cards["standing_hip_abduction"]["reps_per_side"] == {"right": 1}, result.stdout
    for name, card in cards.items():
        got = [r["peak_s"] for r in card["reps"]]
        want = [p for t in truth if t.exercise == name for p in t.peaks_s]
        assert len(got) == len(want) and all(abs(g - w) <= PEAK_S for g, w in zip(got, want)), (name, got, want)
    assert [(routine["exercises"][o["exercise"]]["name"], o["set"]) for o in routine["order"]] == \
        [("squat", 1), ("standing_hip_abduction", 1), ("squat", 2)]
    assert [b["label"] for b in routine["breaks"]] == ["still", "still"], routine["breaks"]
    assert data["exercise"]["name"] == "squat" and data["reps"] == cards["squat"]["reps"]  # the main exercise
    # The CLI prints the routine first, then the main exercise.
    lines = result.stdout.splitlines()
    first = next(k for k, line in enumerate(lines) if line.startswith("routine:"))
    assert lines[first].startswith("routine: 2 exercises, 3 sets, 11 reps"), lines[first]
    assert "Bodyweight squat, set 2: 8 reps" in result.stdout and "Standing hip abduction, set 1: 1 rep" in result.stdout
    # reps.csv: every rep in time order, with its exercise and set; the report shows the routine
    # first; key frames named by exercise.
    with open(out / "reps.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["exercise"], r["set"]) for r in rows] == \
        [("squat", "1")] * 2 + [("standing_hip_abduction", "1")] + [("squat", "2")] * 8
    html = (out / "report.html").read_text()
    assert html.index('id="routine"') < html.index('id="activity"') < html.index('id="card-1"') < \
        html.index('id="card-2"')
    assert "set 2: 8 reps, " in html
    stills = sorted(p.name for p in (out / "keyframes").iterdir())
    assert any("bodyweight_squat" in n for n in stills) and any("standing_hip_abduction" in n for n in stills), stills


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
        assert "2 exercises, 3 sets, 11 reps" in heading.inner_text(), heading.inner_text()
        page.get_by_text("The routine").first.wait_for()
        headers, rows = _grid(page.get_by_test_id("stDataFrame").first)
        assert headers[:6] == ["#", "exercise", "sets", "reps", "per side", "under work"], headers
        assert [r[1:4] for r in rows] == [["Bodyweight squat", "2", "10"], ["Standing hip abduction", "1", "1"]], rows
        card = page.get_by_test_id("stExpander").filter(has_text="1. Bodyweight squat: 10 reps")
        card.first.wait_for()
        assert "set 1: 2 reps" in card.first.inner_text() and "set 2: 8 reps" in card.first.inner_text()
        assert page.get_by_test_id("stExpander").filter(has_text="2. Standing hip abduction: 1 rep (1 right)").count() == 1
        _assert_no_traceback(page, logs)
        shot = ARTIFACTS / "app_routine.png"
        _full_page_screenshot(page, shot)
        print(f"routine analysed in the app in {time.monotonic() - started:.1f} s (pose cached); screenshot {shot}")


def test_formcheck_exercise_named_makes_every_set_that_exercise(cli_run, routine_clip, routine_cache, tmp_path):
    """`formcheck exercise CLIP --exercise squat` reads every set as a squat (set by the user), still
    set by set: the leg raise's set too. (Automatic recognition of the sets: `formcheck analyze`
    above, the same pipeline.) The pose is cached by cli_run."""
    out = tmp_path / "exercise.json"
    env = {**os.environ, "FORMCHECK_CACHE": str(routine_cache)}
    result = subprocess.run([sys.executable, "-m", "formcheck.cli", "exercise", str(routine_clip[0]), "--json", str(out),
                             "--exercise", "squat"], capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(out.read_text())
    assert data["exercise"]["name"] == "squat" and data["exercise"]["set_by_user"]
    assert result.stdout.splitlines()[len(data["timeline"]["segments"]) + 1].startswith("routine:")
    (card,) = data["routine"]["exercises"]
    assert card["name"] == "squat" and len(card["sets"]) == 3, result.stdout
    assert [card["sets"][0]["reps"], card["sets"][2]["reps"]] == [2, 8], result.stdout
