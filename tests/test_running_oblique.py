"""A runner seen at an angle (between side and square-on): when each foot lands is measured,
nothing in the body's plane is.

Known answers: the synthetic runner (tests/synthetic_runner.py, 170 steps/min) on a treadmill,
its path turned 30-45° from square to the camera (`Camera(yaw_deg=...)`), which the view
estimate calls oblique (width ratio 0.25-0.36). Found on real footage: sprint_100m_pan_several.mp4
(a high broadcast camera) reads 0.22-0.27 and flips between side and oblique with the frame rate;
as oblique it gave no events at all, so no cadence (bench/derived_clips.py: 283.1 against 283.9
marked by eye, once timed from the oblique view).

And the clip's cadence from the steps alone, where no stride measured its own (a rear view whose
one foot's stances were all left out).
"""

from __future__ import annotations

from dataclasses import replace
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


# -- cadence from the steps alone ------------------------------------------------------------------
def test_the_steps_give_cadence_when_no_stride_measured_its_own(monkeypatch):
    # A rear view whose one foot's stances were all left out (the heavy model on
    # park_run_rear_snow.mp4: only left stances, each stance's cadence needs the other foot's
    # before it) had 23 steps counted at 163.3 steps/min (legs' period 163.5) and yet said
    # "cadence could not be measured". The clip's cadence does not need per-stride values.
    import formcheck.running.analysis as analysis

    real = analysis.rear_view_stances

    def left_only(*args, **kwargs):  # as when the right foot's stances are not kept: no step to time
        return [replace(s, values={**s.values, "cadence_spm": float("nan")})
                for s in real(*args, **kwargs) if s.side == "left"]

    monkeypatch.setattr(analysis, "rear_view_stances", left_only)
    track, _ = synthetic_run(RunnerParams(), Camera(view="rear"),
                             Recording(fps=30.0, duration_s=6.0, noise_px=1.0, seed=2, setting="treadmill"))
    pose = SimpleNamespace(track=clean_track(track).track, info=_info(track, 30.0), cuts=(), repeated=())
    running = analyze_running_track(pose, RunningOptions(context="treadmill"))
    assert running.strides and all(np.isnan(s.values["cadence_spm"]) for s in running.strides)
    cadence = running.summary["cadence_spm"]
    assert cadence.median == pytest.approx(running.cadence.spm)
    assert abs(cadence.median - RunnerParams().cadence_spm) <= 0.01 * RunnerParams().cadence_spm
    assert cadence.n == running.cadence.steps and np.isnan(cadence.left) and np.isnan(cadence.spread)
    assert "cadence_spm" not in {m.name for m in running.not_measurable}


def test_the_steps_alone_need_enough_steps_real_time_and_a_plausible_rate():
    from formcheck.events.cadence import CadenceEstimate
    from formcheck.events.timebase import TimeBase
    from formcheck.running.analysis import MIN_STEPS_ALONE, _steps_alone_give_cadence

    def est(spm=165.0, steps=10, period=165.0, agrees=True):
        return CadenceEstimate(spm, (spm - 2, spm + 2), steps, 0, steps + 1, steps * 60 / spm, 1, period, agrees)

    real_time, slowed = TimeBase(False, ""), TimeBase(True, "This looks like slow motion")
    assert _steps_alone_give_cadence(est(), "rear", real_time, set())
    assert not _steps_alone_give_cadence(est(steps=MIN_STEPS_ALONE - 1), "rear", real_time, set())
    assert not _steps_alone_give_cadence(est(), "rear", slowed, set())
    assert not _steps_alone_give_cadence(est(spm=400.0), "rear", real_time, set())
    assert not _steps_alone_give_cadence(est(), "unknown", real_time, set())
    assert not _steps_alone_give_cadence(est(), "rear", real_time, {"cadence_spm"})  # its strides were implausible
    assert not _steps_alone_give_cadence(est(period=120.0, agrees=False), "rear", real_time, set())
    assert _steps_alone_give_cadence(est(period=float("nan"), agrees=False), "rear", real_time, set())
