"""How run_pose spreads a clip over processes: the real model on the sample clip.

Without a warm pool this process starts on frame 0 at once and hands the
rest out when its workers are up; with one, chunks are planned up front.
Either way every frame is run once and in order.
"""

from __future__ import annotations

import numpy as np
import pytest

import formcheck.pose.runner as runner
from formcheck.pose.chunks import Chunk
from formcheck.pose.landmarker import LandmarkerSettings
from formcheck.pose.runner import PosePool, RunSettings, run_pose
from formcheck.video import probe

SPLIT_SOON = RunSettings(workers=2, min_chunk_frames=20)  # the 100-frame sample clip splits


@pytest.fixture(scope="module")
def sample(sample_clip, model_path):
    info = probe(sample_clip("pose2sim_single_cam01.mp4"))
    alone = run_pose(info, model_path, LandmarkerSettings(), RunSettings(workers=1))
    return info, alone


def _assert_every_frame_once(raw, info):
    assert raw.frame_index.tolist() == list(range(info.frame_count))
    assert np.array_equal(raw.t_s, info.real_timestamps_s)
    assert raw.chunks[0].start == 0 and raw.chunks[-1].stop == info.frame_count
    for before, after in zip(raw.chunks, raw.chunks[1:]):
        assert before.stop == after.start


def _same_people(a, b) -> bool:
    return len(a) == len(b) and np.allclose(a.xy_px, b.xy_px, equal_nan=True)


class _WorkersNeverUp:
    """A pool whose workers never start (a machine out of processes, say)."""

    def __init__(self, *args, **kwargs):
        self.closed = False

    def warm_up(self):
        raise RuntimeError("no worker could start")

    def submit(self, *args):
        raise AssertionError("nothing may be handed to workers that never came up")

    def close(self, cancel=False, wait=True):
        self.closed = True


def test_without_workers_this_process_runs_the_whole_clip(sample, model_path, monkeypatch):
    info, alone = sample
    pools = []
    monkeypatch.setattr(runner, "PosePool", lambda *a, **k: pools.append(_WorkersNeverUp()) or pools[-1])
    seen = []
    raw = run_pose(info, model_path, LandmarkerSettings(), SPLIT_SOON, progress=lambda d, t: seen.append((d, t)))
    assert pools and pools[0].closed
    assert raw.chunks == (Chunk(0, 0, info.frame_count),)
    _assert_every_frame_once(raw, info)
    # The same computation as a one-process run: the same landmarks.
    assert all(_same_people(a, b) for a, b in zip(raw.frames, alone.frames))
    assert seen[-1] == (info.frame_count, info.frame_count)


def test_a_cold_run_hands_out_the_rest_when_its_worker_is_up(sample, model_path):
    info, alone = sample
    seen = []
    raw = run_pose(info, model_path, LandmarkerSettings(), SPLIT_SOON, progress=lambda d, t: seen.append((d, t)))
    _assert_every_frame_once(raw, info)
    # This process's part is the one-process run's, frame for frame.
    here = raw.chunks[0].stop
    assert all(_same_people(a, b) for a, b in zip(raw.frames[:here], alone.frames[:here]))
    done, total = seen[-1]
    assert done == total == sum(c.frames_run for c in raw.chunks)
    assert all(d <= t for d, t in seen)


def test_warm_up_waits_for_every_worker(model_path):
    with PosePool(2, model_path) as pool:
        pool.warm_up()
        processes = list(pool._executor._processes.values())
        assert len(processes) == 2 and all(p.is_alive() for p in processes)
