"""The step-up's knee, read at the push off the step (analysis.push_window), on the synthetic athlete.

The synthetic step-up (tests/synthetic_athlete_poses._step_up): the working foot swings onto a 30 cm
box over the first 30% of the way up (its knee bending to ~83 deg in the air), lands, and the hips rise
over it while that knee straightens from ~76 deg. A knee cave is held from the landing on and is known
at the push (`RepTruth.push_s`). The generic tests (test_exercise_synthetic.py) check every fault's
reps and value; these pin where the knee is read.
"""

from __future__ import annotations

import numpy as np
import pytest
from synthetic_athlete import RecordingSpec, RepPlan, make_exercise_clip

from formcheck.clean import clean_track
from formcheck.exercises.analysis import ExerciseOptions, analyze_exercise_track, find_windows, push_window
from formcheck.exercises.catalog import EXERCISES
from formcheck.exercises.signals import knee_flexion_3d

CLEAN = RecordingSpec(noise_frac=0.0, world_noise_m=0.0, dropout_rate=0.0, seed=0)


@pytest.mark.parametrize("variant", ["step_up", "step_up_knee_drive"])
def test_push_window_is_the_loaded_knee_not_the_swing(variant):
    track, truth = make_exercise_clip(variant, "front", RepPlan.switch(2, move_s=2.4, hold_s=0.4), recording=CLEAN)
    windows = find_windows(EXERCISES["step_up"], track, "front")
    assert len(windows) == len(truth.full_reps) == 4
    for w, rep in zip(windows, truth.full_reps):
        push = push_window(track, w)
        assert push is not None
        a, b = (float(track.t_s[i]) for i in push)
        # the foot has landed (not the swing onto the box, whose knee is bent too): the window starts
        # at the moment the synthetic truth reads the knee, give or take the 3 Hz low-pass ...
        assert rep.push_s - 0.15 <= a <= rep.push_s + 0.1 <= b + 0.1
        # ... and ends well before the top, where the leg is straight
        assert b < rep.peak_s - 0.3
        knee = knee_flexion_3d(track.xy_px, "front", track.world_m)[w.side]
        assert np.nanmin(knee[push[0]:push[1] + 1]) > 65   # bent deep all through it (76 deg at the landing)


def test_step_up_knee_cave_found_at_the_push_from_the_front_only():
    plan = RepPlan.switch(2, move_s=2.4, hold_s=0.4, faults={1: "knee_cave", 3: "knee_cave"})
    for view, expect in (("front", {2, 4}), ("side", set()), ("rear", set())):
        track, truth = make_exercise_clip("step_up", view, plan, recording=RecordingSpec(seed=4))
        analysis = analyze_exercise_track(clean_track(track).track, ExerciseOptions(exercise="step_up", view=view))
        found = {r.number for r in analysis.reps if "knee_cave" in {f.fault for f in r.faults}}
        assert found == expect, view
        if view != "front":
            assert "knee_cave" in {n.fault for n in analysis.not_checkable}


def test_a_squat_held_low_is_no_step_up():
    """Most of a slow squat's frames are low, so its hips stand well above their median at the top,
    as a step-up's do (MediaPipe's heavy model on home_squat_side_timer.mp4: 0.45 leg lengths, which
    made it a step-up); its feet never leave the floor, and the rise is the lesser of the two."""
    from formcheck.exercises.recognition import recognize
    from formcheck.exercises.stance import RISE_LEGS, body_rise_legs

    plan = RepPlan.simple("both", 4, move_s=1.2, hold_s=3.0, pause_s=0.3)
    track, _ = make_exercise_clip("squat", "side", plan, recording=RecordingSpec(seed=1))
    assert body_rise_legs(track.xy_px) < RISE_LEGS[0]
    assert recognize(track, "side")[0].name == "squat"
    for view in ("side", "front", "rear"):
        step, _ = make_exercise_clip("step_up", view, recording=RecordingSpec(seed=1))
        assert body_rise_legs(step.xy_px) > RISE_LEGS[1]
