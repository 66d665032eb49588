"""How run_pose spreads a clip over processes: the real model on the sample clip.

Without a warm pool this process runs the first chunk, with a head start,
while its worker starts; with one, the workers take every chunk. Either way
every frame comes once and in order, and, on this one-person clip, the
stitched run is the one-process run frame for frame: the earlier chunk hands
over on the seam frame itself, where the fresh landmarker already agrees.
"""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.pose.chunks import plan_chunks, seek_cost
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


def test_a_cold_run_gives_its_worker_the_part_after_its_head_start(sample, model_path):
    info, alone = sample
    seen = []
    raw = run_pose(info, model_path, LandmarkerSettings(), SPLIT_SOON, progress=lambda d, t: seen.append((d, t)))
    _assert_every_frame_once(raw, info)
    # Cut where the plan says, whatever the machine's timing, so a clip always
    # gives the same track.
    assert list(raw.chunks) == plan_chunks(info.frame_count, 2, 0, min_chunk_frames=20,
                                           keyframes=info.keyframes, seek_frame_cost=seek_cost(info.width, info.height),
                                           first_chunk_extra=SPLIT_SOON.worker_start_frames)
    assert len(raw.chunks) == 2 and raw.chunks[0].stop > raw.chunks[1].frames_run  # the head start
    assert all(_same_people(a, b) for a, b in zip(raw.frames, alone.frames))
    done, total = seen[-1]
    assert done == total == info.frame_count
    assert all(d <= t for d, t in seen)


def test_a_warm_pool_gives_the_one_process_run(sample, model_path):
    info, alone = sample
    with PosePool(2, model_path) as pool:
        pool.warm_up()
        raw = run_pose(info, model_path, LandmarkerSettings(), SPLIT_SOON, pool=pool)
    _assert_every_frame_once(raw, info)
    assert len(raw.chunks) == 2
    assert all(_same_people(a, b) for a, b in zip(raw.frames, alone.frames))


def test_without_handover_the_later_chunk_takes_over_on_the_seam(sample, model_path):
    info, _ = sample
    cut = RunSettings(workers=2, min_chunk_frames=20, handover_s=0.0)
    raw = run_pose(info, model_path, LandmarkerSettings(), cut)
    _assert_every_frame_once(raw, info)
    assert len(raw.chunks) == 2


def test_warm_up_waits_for_every_worker(model_path):
    with PosePool(2, model_path) as pool:
        pool.warm_up()
        processes = list(pool._executor._processes.values())
        assert len(processes) == 2 and all(p.is_alive() for p in processes)


ORPHAN_SCRIPT = """
import sys, time
from formcheck.pose.runner import PosePool
pool = PosePool(2, sys.argv[1])
pool.warm_up()
print(" ".join(str(pid) for pid in pool._executor._processes), flush=True)
time.sleep(120)
"""


def test_workers_end_when_their_process_is_killed(tmp_path, model_path):
    """A killed `formcheck analyze` (SIGKILL: no clean-up runs) leaves no pose worker behind."""
    import os
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "pool.py"
    script.write_text(ORPHAN_SCRIPT)
    proc = subprocess.Popen([sys.executable, str(script), model_path], stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(pid) for pid in proc.stdout.readline().split()]
        assert len(workers) == 2
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 15
        alive = workers
        while alive and time.monotonic() < deadline:
            time.sleep(0.2)
            alive = [pid for pid in workers if _running(pid)]
        assert not alive, f"orphaned pose workers still running: {alive}"
    finally:
        proc.kill()
        for pid in locals().get("workers", []):
            if _running(pid):
                os.kill(pid, signal.SIGKILL)


def _running(pid: int) -> bool:
    """True if `pid` exists and is not a zombie (an orphan is reaped by init, not by us)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
