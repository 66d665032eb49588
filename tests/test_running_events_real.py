"""Running events on the real clips, against the contacts and cadences marked by eye in
../shared/clips/labels.json: what `formcheck analyze --mode run` gives a user.

Figures at the time of writing (bench/gait_events.py prints them all):
* home_treadmill_run_side.mp4 (30 fps, side, treadmill): 33 of 34 contacts within one frame
  (mean error +0.15 frames), cadence 168.5 against 168.75;
* park_run_rear_snow.mp4 (30 fps, rear): cadence 163.2 against 164.0 (the per-stride median said
  156.2, -4.8%);
* track_sprint_side_fixed.mp4 (each picture held 3 frames) and track_run_side_pan.mp4 (a screen
  recording switching to slow motion): slow motion said, no cadence or contact time given;
* sports2d_demo_walk_side.mp4: running mode analyses the woman who walks, not the man on the roof.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from formcheck import pipeline

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.real_clip


def _labels(shared_clip) -> dict:
    return json.loads((shared_clip("labels.json")).read_text())


def _contacts(analysis) -> np.ndarray:
    return np.sort([e.t_s for e in analysis.running.events if e.kind == "contact"])


@pytest.fixture(scope="module")
def treadmill(request):
    find = request.getfixturevalue("shared_clip")
    return pipeline.analyze(find("home_treadmill_run_side.mp4"), "run"), _labels(find)["home_treadmill_run_side.mp4"]


def test_treadmill_contacts_within_one_frame_of_the_marked_ones(treadmill):
    analysis, truth = treadmill
    fps = analysis.pose.info.fps
    found = _contacts(analysis) * fps
    marked = np.array([f for f, _ in truth["contacts"]], dtype=float)
    errors = np.array([found[np.argmin(np.abs(found - f))] - f for f in marked])
    within = np.abs(errors) <= 1.0
    assert within.mean() >= 0.9, np.round(errors, 1)
    assert abs(np.mean(errors[within])) <= 0.5  # no lag or lead
    # No extra contact: each found one is a marked one.
    extra = [f for f in found if np.min(np.abs(marked - f)) > 2.0]
    assert not extra, extra


def test_treadmill_cadence_from_all_steps(treadmill):
    analysis, truth = treadmill
    running = analysis.running
    cadence = running.summary["cadence_spm"]
    assert abs(cadence.median - truth["cadence_spm"]) <= 0.02 * truth["cadence_spm"]
    assert cadence.ci95[0] <= truth["cadence_spm"] <= cadence.ci95[1]
    assert running.cadence.steps == len(truth["contacts"]) - 1
    assert running.cadence.agrees
    assert not running.time_base.slow_motion
    data = analysis.data
    assert data["cadence"]["steps"] == running.cadence.steps
    assert data["time_base"]["slow_motion"] is False


def test_treadmill_far_leg_difference_is_a_suggestion_not_a_finding(treadmill):
    analysis, _ = treadmill
    running = analysis.running
    assert running.leg_tracking is not None and not running.leg_tracking.balanced
    assert running.leg_tracking.worse == "right"
    first = next(c for c in running.cues if c.kind != "not_measurable")
    assert not (first.kind == "observation" and first.rule_id.startswith("side")), first
    assert not any(c.kind == "observation" and "differ" in c.message for c in running.cues)
    # Shown as what to film to know, not as an option to try.
    from formcheck.render.html import report_html

    rows = [c for c in analysis.report.cues if "differ" in c.message]
    assert rows and all(c.kind == "suggestion" and c.film_again for c in rows)
    html = report_html(analysis.report)
    assert "To know more, film again" in html and html.index("film again") < html.index("Metrics")


def test_rear_view_cadence(shared_clip):
    truth = _labels(shared_clip)["park_run_rear_snow.mp4"]
    analysis = pipeline.analyze(shared_clip("park_run_rear_snow.mp4"), "run")
    assert analysis.running.view.view == "rear"
    cadence = analysis.running.summary["cadence_spm"].median
    assert abs(cadence - truth["cadence_spm"]) <= 0.02 * truth["cadence_spm"], cadence


@pytest.mark.parametrize("clip", ["track_sprint_side_fixed.mp4", "track_run_side_pan.mp4"])
def test_slow_motion_is_said_and_no_time_is_invented(shared_clip, clip):
    analysis = pipeline.analyze(shared_clip(clip), "run")
    running = analysis.running
    assert running.time_base.slow_motion
    assert "slow motion" in running.time_base.reason and "capture" in running.time_base.reason
    for name in ("cadence_spm", "contact_time_ms", "flight_time_ms"):
        assert name not in running.summary
        reason = next(m.reason for m in running.not_measurable if m.name == name)
        assert "slow motion" in reason
    assert any("slow motion" in n for n in running.notes)
    assert analysis.data["time_base"]["slow_motion"] is True


def test_held_pictures_are_found_from_the_pixels(shared_clip):
    pose = pipeline.analyze_pose(shared_clip("track_sprint_side_fixed.mp4"))
    # Each picture is shown three times: two frames in three repeat the one before.
    share = len(pose.repeated) / pose.info.frame_count
    assert 0.6 <= share <= 0.7, share
    treadmill = pipeline.analyze_pose(shared_clip("home_treadmill_run_side.mp4"))
    assert treadmill.repeated == ()


def test_running_mode_follows_the_walker(shared_clip):
    analysis = pipeline.analyze(shared_clip("sports2d_demo_walk_side.mp4"), "run")
    contacts = _contacts(analysis)
    # She crosses the frame from 2 s to 7 s; the man on the roof takes no steps.
    assert contacts.size >= 5 and 2.0 <= contacts[0] and contacts[-1] <= 7.5
    assert analysis.running.gait_mode.mode == "walking"
    assert not analysis.running.time_base.slow_motion


def test_given_the_capture_rate_times_are_measured(shared_clip):
    # The held-picture sprint with its capture rate given: real time, nothing flagged, cadence
    # counted from the contacts (in real time: ~3.3 x the video's 79).
    from formcheck.settings import Settings

    analysis = pipeline.analyze(shared_clip("track_sprint_side_fixed.mp4"), "run", Settings(capture_fps=100.0))
    running = analysis.running
    assert running.time_base.rate_given and not running.time_base.slow_motion
    assert running.cadence.steps >= 3 and 200.0 < running.cadence.spm < 330.0
    assert analysis.data["time_base"]["capture_rate_given"] is True


def test_the_report_and_the_app_say_slow_motion_first(shared_clip):
    from formcheck.ui.results_view import input_warnings

    analysis = pipeline.analyze(shared_clip("track_sprint_side_fixed.mp4"), "run")
    report = analysis.report
    assert "looks like slow motion" in report.capture["Frame rate"]
    assert report.quiet_cues().startswith("Nothing was measured in this clip") and "slow motion" in report.quiet_cues()
    assert "slow motion" in input_warnings(analysis)[0] and "Capture check" in input_warnings(analysis)[0]
    treadmill = pipeline.analyze(shared_clip("home_treadmill_run_side.mp4"), "run")
    assert "slow motion" not in treadmill.report.capture["Frame rate"]
    assert not any("slow motion" in w for w in input_warnings(treadmill))
    assert treadmill.report.quiet_cues().startswith("No pattern stood out")


def test_a_runner_seen_on_part_of_a_panning_broadcast_is_timed(shared_clip):
    # The sprinter is in view from 7.3 s on (41% of the frames): his legs' visibility counts
    # over the frames he is seen, not the whole clip, so his steps are found (none were).
    # Contacts marked by eye in docs/ground_truth/labels.json (40, frames 172-411, 283.9 steps/min).
    # The sprinter's swing leg pulls back before touchdown: the heel's reach comes while the foot
    # still falls, and contact is where that descent ends (events.stepping, "Landing").
    truth = json.loads((REPO / "docs" / "ground_truth" / "labels.json").read_text())["sprint_100m_pan_several.mp4"]
    analysis = pipeline.analyze(shared_clip("sprint_100m_pan_several.mp4"), "run")
    fps = analysis.pose.info.fps
    contacts = _contacts(analysis)
    assert contacts.size >= 15 and contacts[0] >= 7.0
    cadence = analysis.running.summary["cadence_spm"].median
    assert abs(cadence - truth["cadence_spm"]) <= 0.02 * truth["cadence_spm"], cadence
    assert not analysis.running.time_base.slow_motion
    marked = np.array([f for f, _ in truth["contacts"] if f / fps >= contacts[0] + 0.1])
    errors = np.array([np.min(np.abs(contacts * fps - f)) for f in marked])
    assert np.mean(errors <= 1.0) >= 0.5, np.round(errors, 1)


def test_the_cli_takes_the_capture_rate_and_says_slow_motion(shared_clip, capsys):
    from formcheck.cli import _parser, main

    for command in (["run"], ["analyze", "--out", "x"], ["exercise"], ["compare", "b.mp4"]):
        args = _parser().parse_args([command[0], "a.mp4", *command[1:], "--capture-fps", "240"])
        assert args.capture_fps == 240.0
    assert main(["run", str(shared_clip("track_sprint_side_fixed.mp4"))]) == 0
    out = capsys.readouterr().out
    assert re.search(r"! This looks like slow motion: each picture is shown (2\.[6-9]|3\.0) times", out), out
    assert main(["run", str(shared_clip("home_treadmill_run_side.mp4"))]) == 0
    out = capsys.readouterr().out
    found = re.search(r"Cadence: ([\d.]+) steps/min \(95% ([\d.]+)-([\d.]+), (\d+) steps in ([\d.]+) s", out)
    assert found, out
    assert abs(float(found[1]) - 168.75) <= 0.02 * 168.75 and int(found[4]) >= 30


def test_a_jogger_slowed_by_held_pictures_is_running_in_slow_motion(shared_clip):
    # The treadmill jogger's own landmarks, each picture shown three times: 56 steps/min of video
    # time, slower than anyone walks, and a jogger's swing knee (~70°) is no sprinter's, so
    # neither the rate nor the swing says "slowed". The held pictures do: at three times the
    # rate the legs take turns as in gait. It was "another exercise" (0.80) before.
    from synthetic_tracks import held_slow_motion

    from formcheck.activity.timeline import activity_timeline
    from formcheck.clean import clean_track

    pose = pipeline.analyze_pose(shared_clip("home_treadmill_run_side.mp4"))
    held, rows = held_slow_motion(pose.athlete.track, 3, pose.info.fps)
    repeated = tuple(int(f) for f in held.frame_index[rows])
    timeline = activity_timeline(clean_track(held, pose.settings.clean).track, repeated=repeated)
    assert timeline.decision.mode == "running", timeline.decision
    assert any("each picture is shown 3.0 times" in n for n in timeline.notes), timeline.notes
    # Without the held pictures known, the same track is no gait: the evidence is the pictures.
    assert activity_timeline(clean_track(held, pose.settings.clean).track).decision.mode != "running"


def test_a_jogger_slowed_without_held_pictures_is_not_called_an_exercise(shared_clip):
    # The treadmill jogger's landmarks at a third of the speed, no picture held (as a phone's
    # high-rate capture played at 30): 56 steps/min of video time and a jogger's swing. It was
    # "another exercise" (0.85); now gait or an exercise, unsure (the running analysis then says
    # slow motion rather than timing a walk at 56 steps/min: tests/test_time_base.py).
    from dataclasses import replace

    from formcheck.activity.model import OTHER_EXERCISE, UNSURE
    from formcheck.activity.timeline import activity_timeline
    from formcheck.clean import clean_track

    pose = pipeline.analyze_pose(shared_clip("home_treadmill_run_side.mp4"))
    slowed = clean_track(replace(pose.athlete.track, t_s=pose.athlete.track.t_s * 3), pose.settings.clean).track
    timeline = activity_timeline(slowed)
    assert timeline.decision.mode == UNSURE, timeline.decision
    assert OTHER_EXERCISE in {n for n, _ in timeline.decision.candidates}
