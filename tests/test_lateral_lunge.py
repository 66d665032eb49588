"""The lateral lunge and the perspective bound on the knee, on synthetic athletes with known answers.

The synthetic lateral lunge (tests/synthetic_athlete_poses.lateral_lunge): one foot slides 0.7 m out,
that knee bends to 90 deg, the other leg stays straight; filmed from 5 m. The generic synthetic tests
(test_exercise_synthetic.py) cover its recognition, rep count, sides and every fault; these pin what
is particular to it: its recognition features against its look-alikes, the perspective shift of its
knee, and what the user is told when perspective leaves the knee undecided.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from synthetic_athlete import CameraSpec, RecordingSpec, RepPlan, make_exercise_clip

from formcheck.clean import clean_track
from formcheck.exercises.analysis import ExerciseOptions, analyze_exercise_track
from formcheck.exercises.feedback import exercise_cues
from formcheck.exercises.perspective import WIDEST_LENS_F, knee_fppa_shift_deg
from formcheck.exercises.recognition import clip_features
from formcheck.exercises.report import exercise_json
from formcheck.exercises.signals import knee_fppa
from formcheck.exercises.stance import lateral_lunge_fit
from formcheck.track import PoseTrack

SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "schemas" / "exercise.schema.json"
CLEAN = RecordingSpec(noise_frac=0.0, world_noise_m=0.0, dropout_rate=0.0, seed=0)
CAVE_ON_RIGHT = RepPlan.alternating(4, move_s=2.6, hold_s=0.3, pause_s=0.6, faults={1: "knee_cave", 3: "knee_cave"})


def _fit(exercise: str, view: str) -> float:
    track, _ = make_exercise_clip(exercise, view, recording=RecordingSpec(seed=2))
    f = clip_features(track, view)
    return lateral_lunge_fit(f.lateral, f.knee_split, f.both_knees_deg, f.rise, f.lateral_share, f.sideways_share)


@pytest.mark.parametrize("view", ["front", "rear"])
def test_lateral_lunge_features_read_one_knee_deep_and_the_feet_wide(view):
    track, _ = make_exercise_clip("lateral_lunge", view, recording=RecordingSpec(seed=2))
    f = clip_features(track, view)
    assert f.lateral > 0.9          # ankles 0.89 m apart at the bottom, legs 0.86 m
    assert f.knee_split > 75        # one knee at 90 deg, the other at 5
    assert f.both_knees_deg < 40    # the straight leg (plus world noise)
    assert _fit("lateral_lunge", view) > 0.9


@pytest.mark.parametrize("exercise,view", [("standing_hip_abduction", "front"), ("lateral_band_walk", "front"),
                                           ("monster_walk", "rear"), ("squat", "front"), ("forward_lunge", "front"),
                                           ("reverse_lunge", "rear"), ("step_up", "front"),
                                           ("single_leg_squat", "front")])
def test_look_alikes_are_no_lateral_lunge(exercise, view):
    """Leg raises and band walks move across the body with both knees straight or soft; squats and
    lunges bend both knees; a step-up rises."""
    assert _fit(exercise, view) == 0.0


def test_perspective_shift_recovers_the_pinhole_error_for_the_lens_it_assumes():
    """Project a lateral lunge's world landmarks through a pinhole with the assumed focal length: the
    FPPA it shows minus the FPPA of the same points at the hips' depth is what the bound computes."""
    track, _ = make_exercise_clip("lateral_lunge", "front", recording=CLEAN)
    world = track.world_m
    width, height = 1080, 1920
    f = WIDEST_LENS_F * height
    distance = 3.0
    # the camera looks at the start stance's hip-mid; the hips move with the lunge (world is hip-centred)
    hip_mid = np.zeros((len(track), 3))
    hip_mid[:, 0] = (track.xy_px[:, 23, 0] + track.xy_px[:, 24, 0]) / 2 - track.frame_size[0] / 2
    hip_mid[:, 0] *= distance / track.frame_size[1]   # roughly the synthetic picture's metres, any offset will do
    cam = world + hip_mid[:, None, :] + np.array([0.0, 0.0, distance])
    xy = np.stack([width / 2 + f * cam[..., 0] / cam[..., 2], height / 2 + f * cam[..., 1] / cam[..., 2]], axis=-1)
    flat = np.stack([width / 2 + f * cam[..., 0] / distance, height / 2 + f * cam[..., 1] / distance], axis=-1)
    truth = {s: knee_fppa(xy)[s] - knee_fppa(flat)[s] for s in ("left", "right")}
    got = knee_fppa_shift_deg(xy, world, (width, height))
    bent = np.flatnonzero(np.abs(truth["left"]) > 5)
    assert bent.size > 20
    # the scale is read off the straightest frames' legs; the hip-mid's own offset is second order
    assert np.nanmedian(np.abs(got["left"][bent] - truth["left"][bent])) < 2.0
    assert np.all(np.sign(got["left"][bent]) == np.sign(truth["left"][bent]))


def test_no_world_landmarks_no_shift():
    xy = np.zeros((5, 33, 2))
    out = knee_fppa_shift_deg(xy, None, (1080, 1920))
    assert set(out) == {"left", "right"} and all(np.isnan(v).all() for v in out.values())


def _analysis(camera: CameraSpec):
    track, truth = make_exercise_clip("lateral_lunge", "front", CAVE_ON_RIGHT, camera, recording=CLEAN)
    track = clean_track(track).track
    return analyze_exercise_track(track, ExerciseOptions(exercise="lateral_lunge")), truth


def test_phone_in_front_a_cave_perspective_hides_is_unsure_never_passed():
    """From 5 m the bending knee reads ~16 deg further out than it is: the 15-deg caves (right reps)
    read about 0, and the widest lens could hide up to ~35 deg, so they are unsure, not passed."""
    analysis, truth = _analysis(CameraSpec())
    assert [r.side for r in analysis.reps] == ["left", "right", "left", "right"]
    assert all(not r.faults for r in analysis.reps)
    right = [r for r in analysis.reps if r.side == "right"]
    assert all("knee_cave" in {f.fault for f in r.unsure} for r in right)
    for r in right:
        assert r.values["knee_fppa_right_perspective_deg"] < -20
        assert r.values["knee_fppa_right_change_deg"] < 8
    cue = next(c for c in exercise_cues(analysis) if c.kind == "unsure")
    assert cue.id == "knee_cave_unsure" and set(cue.reps) >= {2, 4}
    assert "not decided" in cue.message and "middle of the picture" in cue.what_to_do


def test_long_lens_far_away_finds_the_cave_on_its_reps():
    """An orthographic camera (a long lens far away) shows the knee as it is: a knee that reads inward
    beyond the limit is inward whatever lens shot it, so the caves are found on the right reps only."""
    analysis, _ = _analysis(CameraSpec(projection="orthographic"))
    found = {r.number for r in analysis.reps if "knee_cave" in {f.fault for f in r.faults}}
    assert found == {2, 4}
    for r in analysis.reps:
        if r.number in found:
            assert r.values["knee_fppa_right_change_deg"] == pytest.approx(13.5, abs=2.5)


def test_exercise_json_lists_unsure_reps_and_validates():
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the test extra")
    analysis, _ = _analysis(CameraSpec())
    data = json.loads(json.dumps(exercise_json(analysis), allow_nan=False))
    jsonschema.validate(data, json.loads(SCHEMA.read_text()))
    assert data["exercise"]["name"] == "lateral_lunge"
    unsure = [(r["number"], u["fault"], u["leg"]) for r in data["reps"] for u in r["unsure"]]
    assert (2, "knee_cave", "right") in unsure and (4, "knee_cave", "right") in unsure
    assert all(r["faults"] == [] for r in data["reps"])


def test_track_without_frame_size_keeps_the_plain_judgement():
    """No frame size, no centre line to measure from: the knee is judged as measured."""
    track, _ = make_exercise_clip("lateral_lunge", "front", CAVE_ON_RIGHT, CameraSpec(projection="orthographic"),
                                  recording=CLEAN)
    bare = PoseTrack(t_s=track.t_s, xy_px=track.xy_px, z=track.z, visibility=track.visibility,
                     world_m=track.world_m, frame_index=track.frame_index)
    analysis = analyze_exercise_track(bare, ExerciseOptions(exercise="lateral_lunge", view="front"))
    assert {r.number for r in analysis.reps if r.faults} == {2, 4}
    assert not any(r.unsure for r in analysis.reps)
