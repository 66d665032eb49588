"""The background's motion is measured once per clip and athlete, then read from the record cache.

`pipeline.background_motion` decodes the whole clip (video.motion.background_flow); a re-analysis of
the same clip with other settings reads it back instead (issue 18: the clip not decoded more often
than needed). A synthetic clip (tests/test_motion.make_clip) with a known pan stands in for a video.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from test_motion import make_clip

from formcheck import pipeline
from formcheck.cache import PoseCache, file_sha256
from formcheck.landmarks import NUM_LANDMARKS
from formcheck.track import PoseTrack
from formcheck.video import motion, probe


def _pose_in_boxes(path, boxes: np.ndarray) -> SimpleNamespace:
    """What background_motion reads of a PoseAnalysis: the clip, its hash and an athlete whose
    landmarks span each frame's box."""
    n = boxes.shape[0]
    rng = np.random.default_rng(0)
    share = rng.random((NUM_LANDMARKS, 2))
    share[0], share[1] = (0.0, 0.0), (1.0, 1.0)   # two landmarks on the box's corners
    xy = boxes[:, None, :2] + share[None] * (boxes[:, None, 2:] - boxes[:, None, :2])
    track = PoseTrack(t_s=np.arange(n) / 30.0, xy_px=xy, z=np.zeros((n, NUM_LANDMARKS)),
                      visibility=np.ones((n, NUM_LANDMARKS)), world_m=np.zeros((n, NUM_LANDMARKS, 3)),
                      frame_index=np.arange(n), frame_size=(320, 240))
    return SimpleNamespace(track=track, info=probe(path), clip_sha256=file_sha256(path))


@pytest.fixture
def counted(monkeypatch):
    calls = []
    measure = motion.background_flow

    def spy(*args, **kwargs):
        calls.append(1)
        return measure(*args, **kwargs)

    monkeypatch.setattr(motion, "background_flow", spy)
    return calls


def test_record_reads_back_exactly(tmp_path):
    path, boxes = make_clip(tmp_path / "pan.mp4", bg_px_s=(90.0, 0.0), athlete_px_s=(30.0, 0.0))
    flow = motion.background_flow(probe(path), boxes, stride=2)
    back = motion.BackgroundFlow.from_record(flow.to_record())
    for name in ("frame_index", "t_s", "dt_s", "velocity_px_s", "reliability", "inliers"):
        np.testing.assert_array_equal(getattr(back, name), getattr(flow, name))
    assert (back.picture_box_px, back.stride, back.work_scale) == (flow.picture_box_px, flow.stride, flow.work_scale)


def test_measured_once_per_clip_and_athlete(tmp_path, counted):
    path, boxes = make_clip(tmp_path / "pan.mp4", bg_px_s=(90.0, 0.0), athlete_px_s=(30.0, 0.0))
    cache = PoseCache(tmp_path / "cache")
    pose = _pose_in_boxes(path, boxes)
    first = pipeline.background_motion(pose, cache)
    again = pipeline.background_motion(pose, cache)
    assert len(counted) == 1   # the second analysis read it back
    np.testing.assert_array_equal(again.velocity_px_s, first.velocity_px_s)
    assert first.median_velocity_px_s()[0] == pytest.approx(90.0, rel=0.05)
    # another athlete (other boxes) in the same clip: measured anew
    moved = boxes + np.array([10.0, 0.0, 10.0, 0.0])
    pipeline.background_motion(_pose_in_boxes(path, moved), cache)
    assert len(counted) == 2


def test_unreadable_record_is_measured_again(tmp_path, counted):
    path, boxes = make_clip(tmp_path / "pan.mp4", bg_px_s=(-60.0, 0.0), athlete_px_s=(0.0, 0.0))
    cache = PoseCache(tmp_path / "cache")
    pose = _pose_in_boxes(path, boxes)
    pipeline.background_motion(pose, cache)
    for record in (tmp_path / "cache").rglob("*.record.json"):
        record.write_text('{"frame_index": [1, 2]}')   # a record of an older shape
    flow = pipeline.background_motion(pose, cache)
    assert len(counted) == 2
    assert flow.median_velocity_px_s()[0] == pytest.approx(-60.0, rel=0.05)


def test_a_cache_that_cannot_be_written_costs_time_not_the_analysis(tmp_path, counted):
    path, boxes = make_clip(tmp_path / "pan.mp4", bg_px_s=(90.0, 0.0), athlete_px_s=(0.0, 0.0))
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be")
    flow = pipeline.background_motion(_pose_in_boxes(path, boxes), PoseCache(blocked))
    assert flow.median_velocity_px_s()[0] == pytest.approx(90.0, rel=0.05)
