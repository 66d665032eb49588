"""Two overlapping half-frame tiles: a person in the overlap is one person, not two."""

from __future__ import annotations

import cv2
import numpy as np

from formcheck.landmarks import NUM_LANDMARKS
from formcheck.pose.landmarker import LandmarkerSettings, TiledLandmarker, drop_tile_duplicates
from formcheck.video import iter_frames, probe
from formcheck.video.reader import to_rgb


def _person(x: float, y: float, height: float = 300.0) -> np.ndarray:
    """A (K, 2) stick person standing at (x, y) (feet), `height` pixels tall."""
    xy = np.zeros((NUM_LANDMARKS, 2))
    xy[:, 0] = x + np.linspace(-0.1, 0.1, NUM_LANDMARKS) * height
    xy[:, 1] = y - np.linspace(height, 0, NUM_LANDMARKS)
    xy[[11, 12], 1] = y - 0.8 * height  # shoulders
    xy[[23, 24], 1] = y - 0.5 * height  # hips
    return xy


def test_the_same_person_in_both_tiles_is_kept_once_from_the_tile_that_sees_more():
    xy = np.stack([_person(960, 900), _person(964, 902)])
    assert drop_tile_duplicates(xy, np.array([0, 1]), np.array([40.0, 120.0])).tolist() == [1]
    assert drop_tile_duplicates(xy, np.array([0, 1]), np.array([150.0, 120.0])).tolist() == [0]


def test_different_people_and_people_from_one_tile_are_all_kept():
    side_by_side = np.stack([_person(900, 900), _person(1000, 900)])  # 100 px apart, 300 px tall
    assert drop_tile_duplicates(side_by_side, np.array([0, 1]), np.array([50.0, 50.0])).tolist() == [0, 1]
    # One tile reports two people where they overlap: MediaPipe's call, not a tile artefact.
    same_tile = np.stack([_person(960, 900), _person(962, 900)])
    assert drop_tile_duplicates(same_tile, np.array([0, 0]), np.array([50.0, 60.0])).tolist() == [0, 1]
    unseen = np.stack([_person(960, 900), np.full((NUM_LANDMARKS, 2), np.nan)])
    assert drop_tile_duplicates(unseen, np.array([0, 1]), np.array([50.0, 60.0])).tolist() == [0, 1]


def test_a_small_person_in_the_overlap_is_found_once(sample_clip, model_path):
    """The sample clip's person shrunk into the middle of a wide 1080p frame,
    inside the band both tiles see (before: two people on 28 of 30 frames)."""
    info = probe(sample_clip("pose2sim_single_cam01.mp4"))
    counts = []
    with TiledLandmarker(model_path, LandmarkerSettings()) as landmarker:
        for frame in iter_frames(info, stop=30):
            small = cv2.resize(to_rgb(frame.image), None, fx=0.4, fy=0.4, interpolation=cv2.INTER_AREA)
            canvas = np.full((1080, 1920, 3), 90, np.uint8)
            h, w = small.shape[:2]
            canvas[880 - h:880, 960 - w // 2:960 - w // 2 + w] = small
            counts.append(len(landmarker.detect(canvas, frame.t_s)))
    assert min(counts) >= 1
    assert counts.count(1) >= 26, counts
