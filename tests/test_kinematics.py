"""Angles and direction: exact answers on hand-placed points (METRICS.md §0-§2 conventions)."""

import numpy as np
import pytest

from formcheck.kinematics.angles import (
    joint_angle_deg,
    knee_flexion_deg,
    pelvic_obliquity_deg,
    segment_angle_to_horizontal_deg,
    shank_angle_deg,
    thigh_angle_deg,
    trunk_lean_deg,
)
from formcheck.kinematics.direction import direction_from_motion, direction_from_nose, facing_direction
from formcheck.landmarks import NUM_LANDMARKS
from formcheck.landmarks import Landmark as L
from formcheck.track import PoseTrack

R3 = np.sqrt(3)


@pytest.mark.parametrize("a, b, c, expected", [
    ([0, 0], [0, 1], [1, 1], 90.0),
    ([0, 0], [0, 1], [0, 2], 180.0),
    ([0, 0], [0, 1], [0, 0], 0.0),
    ([0, 0], [0, 1], [R3, 2], 120.0),
], ids=["right-angle", "straight", "folded", "120"])
def test_joint_angle(a, b, c, expected):
    assert joint_angle_deg(a, b, c) == pytest.approx(expected)


@pytest.mark.parametrize("hip, knee, ankle, flexion", [
    ([0, 0], [0, 100], [0, 200], 0.0),
    ([0, 0], [0, 100], [100, 100], 90.0),
    ([0, 0], [0, 100], [-R3 * 50, 150], 60.0),
], ids=["straight", "ninety", "sixty"])
def test_knee_flexion(hip, knee, ankle, flexion):
    assert knee_flexion_deg(hip, knee, ankle) == pytest.approx(flexion)


@pytest.mark.parametrize("direction, knee_x, expected", [
    (1, 100, 45.0), (1, -100, -45.0), (-1, -100, 45.0), (-1, 100, -45.0),
], ids=["right-forward", "right-back", "left-forward", "left-back"])
def test_thigh_angle_sign_follows_direction(direction, knee_x, expected):
    assert thigh_angle_deg([0, 0], [knee_x, 100], direction) == pytest.approx(expected)


def test_shank_trunk_foot_pelvis():
    assert shank_angle_deg([0, 0], [0, 100], 1) == pytest.approx(0.0)
    assert shank_angle_deg([0, 0], [100, 100], 1) == pytest.approx(45.0)  # ankle ahead of the knee
    assert trunk_lean_deg([10, 0], [0, 100], 1) == pytest.approx(np.degrees(np.arctan(0.1)))
    assert trunk_lean_deg([10, 0], [0, 100], -1) == pytest.approx(-np.degrees(np.arctan(0.1)))
    assert segment_angle_to_horizontal_deg([0, 100], [100, 90], 1) == pytest.approx(np.degrees(np.arctan(0.1)))
    assert pelvic_obliquity_deg([0, 110], [100, 100]) == pytest.approx(np.degrees(np.arctan(0.1)))


def test_vectorised_with_nan():
    hips = np.array([[0, 0], [np.nan, 0]])
    knees = np.array([[0, 100], [0, 100]])
    ankles = np.array([[0, 200], [0, 200]])
    out = knee_flexion_deg(hips, knees, ankles)
    assert out[0] == pytest.approx(0.0) and np.isnan(out[1])
    with pytest.raises(ValueError, match="direction"):
        thigh_angle_deg(hips, knees, 2)
    with pytest.raises(ValueError, match=r"\(\.\.\., 2\)"):
        joint_angle_deg([0, 0, 0], [0, 1, 0], [1, 1, 0])


def _track(nose_dx, hip_vx, n=30):
    xy = np.full((n, NUM_LANDMARKS, 2), np.nan)
    x = 500 + hip_vx * np.arange(n) / 30.0
    xy[:, L.LEFT_HIP] = np.stack([x - 5, np.full(n, 500)], axis=1)
    xy[:, L.RIGHT_HIP] = np.stack([x + 5, np.full(n, 500)], axis=1)
    xy[:, L.NOSE] = np.stack([x + nose_dx, np.full(n, 200)], axis=1)
    return PoseTrack(np.arange(n) / 30.0, xy, np.zeros((n, NUM_LANDMARKS)), np.ones((n, NUM_LANDMARKS)),
                     np.zeros((n, NUM_LANDMARKS, 3)), np.arange(n))


@pytest.mark.parametrize("nose_dx, hip_vx, context, sign, method", [
    (20, 0, "treadmill", 1, "nose ahead of hips"),
    (-20, 0, "treadmill", -1, "nose ahead of hips"),
    (20, -300, "overground", -1, "hip motion"),  # runs left, head turned: motion wins overground
    (-20, 0, "overground", -1, "nose ahead of hips"),  # standing still: fall back to the nose
])
def test_facing_direction(nose_dx, hip_vx, context, sign, method):
    d = facing_direction(_track(nose_dx, hip_vx), context)
    assert (d.sign, d.method) == (sign, method) and d.confidence == 1.0


def test_direction_helpers_nan_where_unknown():
    assert np.isnan(direction_from_nose(PoseTrack.empty(5))).all()
    assert np.isnan(direction_from_motion(_track(0, 0))).all()
    assert facing_direction(PoseTrack.empty(5)).confidence == 0.0
