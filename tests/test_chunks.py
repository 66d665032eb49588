"""Chunk planning: every frame kept exactly once, warm-up before each seam, balanced work."""

import pytest

import numpy as np

from formcheck.pose.chunks import Chunk, frames_decoded_to_reach, plan_chunks, seek_cost


@pytest.mark.parametrize(
    "n_frames, workers, warmup, n_chunks",
    [
        (1, 2, 15, 1),
        (100, 2, 15, 1),  # too short to gain from splitting
        (230, 2, 15, 2),
        (360, 2, 30, 2),
        (230, 1, 15, 1),
        (18000, 2, 15, 6),  # long clip: chunks of at most 3000 frames
        (1000, 4, 10, 4),
    ],
    ids=["one-frame", "short", "sports2d", "treadmill", "one-worker", "ten-minutes", "four-workers"],
)
def test_chunks_cover_every_frame_once(n_frames, workers, warmup, n_chunks):
    chunks = plan_chunks(n_frames, workers, warmup)
    assert len(chunks) == n_chunks
    kept = [f for c in chunks for f in range(c.start, c.stop)]
    assert kept == list(range(n_frames))
    assert chunks[0].warmup_start == 0
    for c in chunks[1:]:
        assert c.start - c.warmup_start == min(warmup, c.start)
    runs = [c.frames_run for c in chunks]
    assert max(runs) - min(runs) <= 2  # balanced including warm-up


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_frames=0, workers=2, warmup_frames=1), "n_frames"),
        (dict(n_frames=10, workers=0, warmup_frames=1), "workers"),
        (dict(n_frames=10, workers=2, warmup_frames=-1), "warmup_frames"),
    ],
)
def test_bad_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        plan_chunks(**kwargs)


def test_chunk_validates_order():
    with pytest.raises(ValueError):
        Chunk(5, 4, 10)


def test_landmarker_settings_validate_tiles():
    from formcheck.pose.landmarker import LandmarkerSettings

    assert LandmarkerSettings(tiles=2).tiles == 2
    with pytest.raises(ValueError, match="tiles must be 1 or 2"):
        LandmarkerSettings(tiles=3)


# -- cost: seeks and workers that start late ------------------------------------------
def _costs(chunks, keyframes, seek_frame_cost, first_chunk_extra=0):
    costs = [chunks[0].frames_run]
    for c in chunks[1:]:
        seek = seek_frame_cost * int(frames_decoded_to_reach(c.warmup_start, keyframes))
        costs.append(c.frames_run + seek + first_chunk_extra)
    return costs


def test_frames_decoded_to_reach_counts_from_the_keyframe_before():
    keys = np.array([0, 60, 120, 180])
    assert frames_decoded_to_reach(np.array([0, 59, 60, 61, 118, 229]), keys).tolist() == [0, 59, 0, 1, 58, 49]
    assert frames_decoded_to_reach(7, None) == 0  # unknown: treated as free
    assert frames_decoded_to_reach(7, np.array([5])) == 2
    assert frames_decoded_to_reach(3, np.array([5])) == 3  # no keyframe before: from the start


def test_a_chunk_that_seeks_far_gets_fewer_frames():
    """The treadmill clip: keyframes at 0 and 250, so the second chunk decodes
    everything from frame 0 before its first pose frame."""
    chunks = plan_chunks(360, 2, 3, keyframes=np.array([0, 250]), seek_frame_cost=0.1)
    kept = [f for c in chunks for f in range(c.start, c.stop)]
    assert kept == list(range(360))
    first, second = chunks
    assert second.warmup_start == second.start - 3
    # 191 frames here; 172 there plus 188 decoded at a tenth of a frame each.
    assert first.stop == 191
    costs = _costs(chunks, np.array([0, 250]), 0.1)
    assert costs == pytest.approx([191, 190.8])
    # Without the seek counted, the split is where the frames run are equal.
    assert plan_chunks(360, 2, 3)[0].stop == 181


def test_a_keyframe_at_the_middle_gives_a_seam_with_no_seek():
    chunks = plan_chunks(240, 2, 0, keyframes=np.array([0, 120]), seek_frame_cost=0.3)
    assert [(c.warmup_start, c.start, c.stop) for c in chunks] == [(0, 0, 120), (120, 120, 240)]


@pytest.mark.parametrize("workers, n_frames", [(2, 230), (3, 1000), (4, 9000), (2, 18000)])
def test_chunks_balance_cost_with_seeks(workers, n_frames):
    keys = np.arange(0, n_frames, 250)
    chunks = plan_chunks(n_frames, workers, 3, keyframes=keys, seek_frame_cost=0.15)
    kept = [f for c in chunks for f in range(c.start, c.stop)]
    assert kept == list(range(n_frames))
    costs = _costs(chunks, keys, 0.15)
    # Seams settle on keyframes (where a seek costs nothing), which can leave
    # one chunk short by up to its neighbours' warm-up.
    assert max(costs) - min(costs) <= 1.0 + 0.15 * 2 + 3


def test_a_late_worker_gets_its_start_up_less():
    chunks = plan_chunks(300, 2, 0, first_chunk_extra=40)
    assert chunks[0].stop == 170 and chunks[1].frames_run == 130
    # However late, every chunk keeps at least one frame.
    late = plan_chunks(200, 2, 0, first_chunk_extra=10_000)
    assert len(late) == 2 and late[1].stop - late[1].start >= 1


@pytest.mark.parametrize("width, height, expected", [(1768, 994, 0.14), (720, 1280, 0.074),
                                                    (320, 240, 0.02), (3840, 2160, 0.5)])
def test_seek_cost_grows_with_picture_size(width, height, expected):
    assert seek_cost(width, height) == pytest.approx(expected, abs=0.005)


def test_negative_seek_cost_is_refused():
    with pytest.raises(ValueError, match="seek_frame_cost"):
        plan_chunks(300, 2, 0, seek_frame_cost=-1)
