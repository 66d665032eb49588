"""Chunk planning: every frame kept exactly once, warm-up before each seam, balanced work."""

import pytest

from formcheck.pose.chunks import Chunk, plan_chunks


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
