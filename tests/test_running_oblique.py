"""A runner seen at an angle (between side and square-on): when each foot lands is measured,
nothing in the body's plane is.

Known answers: the synthetic runner (tests/synthetic_runner.py, 170 steps/min) on a treadmill,
its path turned 30-45° from square to the camera (`Camera(yaw_deg=...)`), which the view
estimate calls oblique (width ratio 0.25-0.36). Found on real footage: sprint_100m_pan_several.mp4
(a high broadcast camera) reads 0.22-0.27 and flips between side and oblique with the frame rate;
as oblique it gave no events at all, so no cadence (bench/derived_clips.py: 283.1 against 283.9
marked by eye, once timed from the oblique view).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from synthetic_runner import Camera, Recording, RunnerParams, synthetic_run

from formcheck.clean import clean_track
from formcheck.metrics.catalog import METRICS, OBLIQUE
from formcheck.running.analysis import RunningOptions, analyze_running_track
from formcheck.video.info import VideoInfo


def _info(track, fps: float) -> VideoInfo:
    w, h = track.frame_size
    n = len(track)
    return VideoInfo(path=Path("synthetic.mp4"), file_size_bytes=0, container="mp4", codec="h264", width=w, height=h,
                     rotation_deg=0, frame_count=n, duration_s=n / fps, fps=fps, is_variable_frame_rate=False,
                     timestamps_s=np.asarray(track.t_s))


def _analysed(yaw_deg: float, facing: int, fps: float = 30.0):
    track, truth = synthetic_run(RunnerParams(), Camera(view="side", facing=facing, yaw_deg=yaw_deg),
                                 Recording(fps=fps, duration_s=6.0, noise_px=1.0, seed=2, setting="treadmill"))
    pose = SimpleNamespace(track=clean_track(track).track, info=_info(track, fps), cuts=(), repeated=())
    return analyze_running_track(pose, RunningOptions(context="treadmill")), truth


@pytest.mark.parametrize("yaw_deg", [30.0, 45.0, -40.0])
@pytest.mark.parametrize("facing", [1, -1])
def test_an_oblique_view_times_the_steps(yaw_deg, facing):
    running, truth = _analysed(yaw_deg, facing)
    assert running.view.view == OBLIQUE, running.view.reason
    cadence = running.summary["cadence_spm"]
    assert abs(cadence.median - RunnerParams().cadence_spm) <= 0.01 * RunnerParams().cadence_spm
    true_contacts = np.sort(np.concatenate([truth.contacts[s] for s in ("left", "right")]))
    found = np.array([e.t_s for e in running.events if e.kind == "contact"])
    inner = true_contacts[(true_contacts > 0.4) & (true_contacts < 5.6)]
    assert all(np.min(np.abs(found - t)) <= 1 / 30 for t in inner)


def test_an_oblique_view_measures_nothing_in_the_plane():
    running, _ = _analysed(40.0, 1)
    assert set(running.summary) == {n for n, m in METRICS.items() if OBLIQUE in m.views}
    reasons = {m.name: m.reason for m in running.not_measurable}
    for name in ("knee_flexion_contact_deg", "overstride_ratio", "trunk_lean_deg", "pelvic_drop_deg"):
        assert "at an angle" in reasons[name], reasons[name]
    assert all(OBLIQUE in METRICS[n].views or np.isnan(v) for s in running.strides for n, v in s.values.items()
               if n in METRICS)
