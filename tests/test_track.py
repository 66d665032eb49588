"""PoseTrack invariants: shapes, alignment under slicing, validation, mirroring."""

import numpy as np
import pytest

from formcheck.landmarks import LEFT_RIGHT_PAIRS, MIRROR_INDEX, NUM_LANDMARKS, Landmark
from formcheck.track import PoseTrack


def _track(n=5, k=NUM_LANDMARKS, seed=0):
    rng = np.random.default_rng(seed)
    return PoseTrack(
        t_s=np.arange(n) / 30.0,
        xy_px=rng.uniform(0, 100, (n, k, 2)),
        z=rng.normal(size=(n, k)),
        visibility=rng.uniform(0, 1, (n, k)),
        world_m=rng.normal(size=(n, k, 3)),
        frame_index=np.arange(n) + 10,
        frame_size=(640, 480),
    )


def test_empty_track_is_valid():
    track = PoseTrack.empty(0)
    assert len(track) == 0
    assert track.xy_px.shape == (0, NUM_LANDMARKS, 2)
    assert np.isnan(track.fps)
    assert track.duration_s == 0.0


def test_empty_with_frames_is_all_missing():
    track = PoseTrack.empty(4)
    assert np.isnan(track.xy_px).all() and (track.visibility == 0).all()
    assert not track.detected_frames.any()


@pytest.mark.parametrize("index", [slice(1, 4), slice(None, None, 2), np.array([0, 3]), 2, -1])
def test_slicing_keeps_arrays_aligned(index):
    track = _track()
    part = track[index]
    expected_frames = np.atleast_1d(track.frame_index[index])
    assert np.array_equal(part.frame_index, expected_frames)
    for j, f in enumerate(part.frame_index):
        i = int(np.flatnonzero(track.frame_index == f)[0])
        assert np.array_equal(part.xy_px[j], track.xy_px[i])
        assert np.array_equal(part.visibility[j], track.visibility[i])
        assert part.t_s[j] == track.t_s[i]


@pytest.mark.parametrize(
    "field, value, match",
    [
        ("t_s", np.array([0.0, 0.1, 0.1, 0.2, 0.3]), "strictly increasing"),
        ("t_s", np.zeros((5, 1)), "1-D"),
        ("xy_px", np.zeros((5, NUM_LANDMARKS, 3)), "xy_px must have shape"),
        ("z", np.zeros((4, NUM_LANDMARKS)), "z must have shape"),
        ("visibility", np.full((5, NUM_LANDMARKS), 1.5), r"visibility must lie in \[0, 1\]"),
        ("frame_index", np.arange(3), "frame_index must have shape"),
    ],
    ids=["repeated-time", "2d-time", "xy-3-coords", "z-short", "visibility-over-1", "index-short"],
)
def test_invalid_arrays_raise_naming_the_field(field, value, match):
    track = _track()
    with pytest.raises(ValueError, match=match):
        track.with_arrays(**{field: value})


def test_mirror_swaps_left_and_right_twice_is_identity():
    track = _track()
    mirrored = track.mirrored_left_right()
    for left, right in LEFT_RIGHT_PAIRS:
        assert np.array_equal(mirrored.xy_px[:, left], track.xy_px[:, right])
    assert np.array_equal(mirrored.xy_px[:, Landmark.NOSE], track.xy_px[:, Landmark.NOSE])
    assert mirrored.mirrored_left_right().allclose(track)
    assert sorted(MIRROR_INDEX) == list(range(NUM_LANDMARKS))


def test_inputs_are_not_mutated_and_fps_comes_from_time():
    xy = np.zeros((3, NUM_LANDMARKS, 2))
    t = np.array([0.0, 0.04, 0.08])
    track = PoseTrack(t, xy, np.zeros((3, NUM_LANDMARKS)), np.zeros((3, NUM_LANDMARKS)),
                      np.zeros((3, NUM_LANDMARKS, 3)), np.arange(3))
    assert track.fps == pytest.approx(25.0)
    track.mirrored_left_right()
    assert (xy == 0).all()
