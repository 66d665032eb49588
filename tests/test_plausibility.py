"""Plausibility ranges (formcheck/metrics/catalog.py) and the screen (formcheck/metrics/plausibility.py).

Known answers: StrideRecords with set values (in range kept, out of range dropped, more than a
third out -> not measurable, with the count in the reason); the synthetic runner's and walker's
true values inside every range; frontal support on the synthetic rear runner (supported; not with
a swinging hip width or too few stances); and the real rear clip park_run_rear_snow.mp4.

Hip width / torso length CV measured here (MAX_HIP_WIDTH_CV = 0.15 in plausibility.py):
synthetic rear runner at 60 fps 0.0001 (exact), 0.03 with 2 px noise on a 500 px runner, 0.10
with 2 px noise as it runs away and shrinks to 100 px; park_run_rear_snow.mp4 0.050 over its 22
stances; a hip width scaled by 1 ± 0.4 0.28.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from synthetic_runner import Camera, Recording, RunnerParams, synthetic_run, walking_params

from formcheck.clean import clean_track
from formcheck.events.gait import detect_gait_events, stances
from formcheck.events.model import GaitEvent
from formcheck.landmarks import Landmark as L
from formcheck.metrics.catalog import METRICS, MetricSpec
from formcheck.metrics.model import StrideRecord
from formcheck.metrics.plausibility import (
    HIP_WIDTH_METRICS,
    MAX_HIP_WIDTH_CV,
    frontal_support,
    hip_width_variation,
    screen_clip,
    screen_strides,
)
from formcheck.metrics.running_rear import RearStanceRecord, rear_view_stances

NAN = float("nan")


def _stride(i: int, side: str | None = None, cls=StrideRecord, **values) -> StrideRecord:
    side = side or ("right" if i % 2 == 0 else "left")
    contact = GaitEvent("contact", side, frame=10 * i, t_s=i / 3, confidence=0.9)
    return cls(i, side, contact, None, None, dict(values), (10 * i, 10 * i + 6))


def _values(strides, name):
    return [s.values.get(name, NAN) for s in strides]


# -- the catalog ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(METRICS))
def test_every_metric_has_a_range_and_a_source(name):
    m = METRICS[name]
    lo, hi = m.plausible
    assert math.isfinite(lo) and math.isfinite(hi) and lo < hi
    assert len(m.plausible_source) > 20


def _spec(**changes):
    base = dict(name="x_deg", label="X", unit="deg", views=("side",), evidence="H", floor=1.0,
                floor_source="s", plausible=(0.0, 10.0), plausible_source="why [H]")
    return MetricSpec(**{**base, **changes})


@pytest.mark.parametrize("plausible, match", [
    ((10.0, 10.0), "lo < hi"),
    ((20.0, 10.0), "lo < hi"),
    ((0.0, math.inf), "finite"),
    ((0.0,), "pair"),
], ids=["empty", "reversed", "infinite", "one-number"])
def test_spec_rejects_a_range_that_is_not_lo_below_hi(plausible, match):
    with pytest.raises(ValueError, match=match):
        _spec(plausible=plausible)
    with pytest.raises(ValueError, match="plausible_source"):
        _spec(plausible_source=" ")


@pytest.mark.parametrize("name, value", [("pelvic_drop_deg", 34.4), ("hip_adduction_deg", 42.6)],
                         ids=["pelvic-drop", "hip-adduction"])
def test_the_two_jogger_front_clip_values_are_outside(name, value):
    lo, hi = METRICS[name].plausible
    assert not lo <= value <= hi


@pytest.mark.parametrize("params", [RunnerParams(), walking_params(),
                                    RunnerParams(cadence_spm=190.0, duty_factor=0.28, trunk_lean_deg=4.0)],
                         ids=["easy-run", "walk", "faster-run"])
def test_the_synthetic_runners_true_values_are_inside_every_range(params):
    _, truth = synthetic_run(params, Camera(), Recording(fps=120, duration_s=3.0))
    assert truth.strides
    for stride in truth.strides:
        for name, v in stride.values.items():
            lo, hi = METRICS[name].plausible
            assert not math.isfinite(v) or lo <= v <= hi, (name, v)


# -- screen_strides ---------------------------------------------------------------------------------
def test_values_in_range_pass_as_the_same_objects():
    strides = [_stride(i, pelvic_drop_deg=3.0 + i, cadence_spm=170.0) for i in range(6)]
    kept, missing = screen_strides(strides, "rear")
    assert missing == [] and all(a is b for a, b in zip(kept, strides))


def test_one_value_out_of_range_is_dropped_in_a_copy():
    strides = [_stride(i, pelvic_drop_deg=v, cadence_spm=170.0)
               for i, v in enumerate([3.0, 34.4, 5.0, -2.0, 4.0, 6.0])]
    kept, missing = screen_strides(strides, "rear")
    assert missing == []
    np.testing.assert_array_equal(_values(kept, "pelvic_drop_deg"), [3.0, NAN, 5.0, -2.0, 4.0, 6.0])
    assert _values(kept, "cadence_spm") == [170.0] * 6          # the stride's other values stay
    assert strides[1].values["pelvic_drop_deg"] == 34.4           # the input is not mutated
    assert kept[1] is not strides[1] and kept[0] is strides[0]
    assert (kept[1].index, kept[1].side, kept[1].frames) == (1, strides[1].side, strides[1].frames)


@pytest.mark.parametrize("values, n_out, n", [
    ([3.0, 34.4, 30.0, 25.0, 4.0, -40.0], 4, 6),
    ([3.0, 34.4], 1, 2),
    ([34.4], 1, 1),
], ids=["4-of-6", "1-of-2", "1-of-1"])
def test_more_than_a_third_out_makes_the_metric_not_measurable(values, n_out, n):
    strides = [_stride(i, pelvic_drop_deg=v, step_width_ratio=0.4) for i, v in enumerate(values)]
    kept, missing = screen_strides(strides, "rear")
    assert np.isnan(_values(kept, "pelvic_drop_deg")).all()  # in-range values go too
    assert _values(kept, "step_width_ratio") == [0.4] * n
    assert [m.name for m in missing] == ["pelvic_drop_deg"]
    reason = missing[0].reason
    assert reason.startswith(f"not measurable here: {n_out} of {n} strides gave values outside what a body does "
                             "([-15, 20] deg)")
    assert "film from behind with the camera at pelvis height, the runner alone in the frame" in reason


def test_exactly_a_third_out_keeps_the_rest():
    strides = [_stride(i, hip_adduction_deg=v) for i, v in enumerate([5.0, 42.6, 8.0, -30.0, 10.0, 12.0])]
    kept, missing = screen_strides(strides, "front")
    assert missing == []
    np.testing.assert_array_equal(_values(kept, "hip_adduction_deg"), [5.0, NAN, 8.0, NAN, 10.0, 12.0])


def test_bounds_are_inclusive_and_nan_is_not_counted():
    lo, hi = METRICS["contact_time_ms"].plausible
    strides = [_stride(i, contact_time_ms=v) for i, v in enumerate([lo, hi, NAN, 250.0])]
    kept, missing = screen_strides(strides, "side")
    assert missing == [] and all(a is b for a, b in zip(kept, strides))


def test_side_view_reason_says_film_from_the_side():
    strides = [_stride(i, knee_flexion_contact_deg=v) for i, v in enumerate([10.0, 95.0, 120.0])]
    _, missing = screen_strides(strides, "side")
    assert missing[0].name == "knee_flexion_contact_deg"
    assert "2 of 3 strides" in missing[0].reason and "[0, 60] deg" in missing[0].reason
    assert "film from the side with the camera at hip height" in missing[0].reason


def test_rear_stance_copies_stay_rear_stances_and_lose_the_dropped_values_companions():
    recs = [_stride(i, cls=RearStanceRecord, pelvic_drop_deg=v, hip_adduction_deg=6.0, step_width_ratio=0.3)
            for i, v in enumerate([4.0, 34.4, 5.0, 3.0])]
    recs = [replace(r, pelvic_drop_midstance_deg=r.values["pelvic_drop_deg"] - 1,
                    pelvic_drop_peak_frame=r.frames[0] + 2, hip_adduction_midstance_deg=5.0,
                    heel_offset_ratio=0.15, crossover=False) for r in recs]
    kept, missing = screen_strides(recs, "rear")
    assert missing == [] and all(isinstance(r, RearStanceRecord) for r in kept)
    assert math.isnan(kept[1].pelvic_drop_midstance_deg) and kept[1].pelvic_drop_peak_frame is None
    assert kept[1].hip_adduction_midstance_deg == 5.0 and kept[1].crossover is False  # other metrics' fields stay
    assert recs[1].pelvic_drop_midstance_deg == pytest.approx(33.4)


@pytest.mark.parametrize("strides, view, match", [
    ([], "sideways", "view must be one of"),
    (["not a stride"], "rear", "StrideRecord"),
], ids=["bad-view", "bad-stride"])
def test_bad_arguments_raise(strides, view, match):
    with pytest.raises(ValueError, match=match):
        screen_strides(strides, view)


# -- frontal_support on the synthetic rear runner -----------------------------------------------------
@pytest.fixture(scope="module")
def rear_runner():
    """(cleaned track, stances) of the synthetic rear runner, in the pipeline's order."""
    track, _ = synthetic_run(RunnerParams(), Camera(view="rear"), Recording(fps=60, duration_s=6))
    track = clean_track(track).track
    recs = rear_view_stances(track, stances(detect_gait_events(track, None, view="rear"), track), "rear")
    return track, recs


def test_synthetic_rear_runner_is_supported(rear_runner):
    track, recs = rear_runner
    assert len(recs) >= 10 and {r.side for r in recs} == {"left", "right"}
    cv, seen, total = hip_width_variation(track, recs)
    assert cv < 0.001 and seen == total  # a body seen square on: hip width / torso holds exactly
    assert frontal_support(track, recs, "rear") is None
    kept, missing = screen_clip(track, recs, "rear")
    assert missing == [] and all(a is b for a, b in zip(kept, recs))


@pytest.mark.parametrize("setting, below", [("treadmill", 0.05), ("overground", 0.12)],
                         ids=["treadmill-500px", "overground-500-to-100px"])
def test_synthetic_rear_runner_with_2px_noise_stays_below_the_bound(setting, below):
    # 2 px whatever the runner's size: overground the runner shrinks from 500 px to 100 px in 6 s.
    track, _ = synthetic_run(RunnerParams(), Camera(view="rear"),
                             Recording(fps=60, duration_s=6, setting=setting, noise_px=2.0))
    track = clean_track(track).track
    recs = rear_view_stances(track, stances(detect_gait_events(track, None, view="rear"), track), "rear")
    cv, _, _ = hip_width_variation(track, recs)
    assert cv < below < MAX_HIP_WIDTH_CV
    assert frontal_support(track, recs, "rear") is None


def _swinging_hips(track, amplitude: float):
    """The right hip's x scaled about the left hip by 1 + amplitude * sin(2 pi t / 0.9 s)."""
    xy = track.xy_px.copy()
    k = 1 + amplitude * np.sin(2 * np.pi * track.t_s / 0.9)
    left = xy[:, L.LEFT_HIP, 0]
    xy[:, L.RIGHT_HIP, 0] = left + k * (xy[:, L.RIGHT_HIP, 0] - left)
    return track.with_arrays(xy_px=xy)


def test_a_swinging_hip_width_is_not_supported(rear_runner):
    track, recs = rear_runner
    swung = _swinging_hips(track, 0.4)
    cv, _, _ = hip_width_variation(swung, recs)
    assert cv == pytest.approx(0.28, abs=0.03)
    reason = frontal_support(swung, recs, "rear")
    assert reason is not None and "hip width against the torso varied by" in reason
    assert "film from behind" in reason.lower()
    kept, missing = screen_clip(swung, recs, "rear")
    assert sorted(m.name for m in missing) == sorted(HIP_WIDTH_METRICS)
    assert all(m.reason == f"not measurable here: {reason}" for m in missing)
    for name in HIP_WIDTH_METRICS:
        assert np.isnan(_values(kept, name)).all()
    assert np.isfinite(_values(kept, "cadence_spm")[1:]).all()  # timing does not depend on the hips
    # A small swing (about MediaPipe's jitter on a real clip) is still supported.
    assert frontal_support(_swinging_hips(track, 0.05), recs, "rear") is None


@pytest.mark.parametrize("pick, count", [
    (lambda recs: recs[:3], "3 (left"),
    (lambda recs: [r for r in recs if r.side == "left"], "(left"),
], ids=["three-stances", "one-foot"])
def test_too_few_stances_are_not_supported(rear_runner, pick, count):
    track, recs = rear_runner
    reason = frontal_support(track, pick(recs), "rear")
    assert reason is not None and reason.startswith("too few clear stances from behind: ") and count in reason


def test_stances_without_hip_values_do_not_count(rear_runner):
    track, recs = rear_runner
    blank = [replace(r, values={**r.values, **{n: NAN for n in HIP_WIDTH_METRICS}}) for r in recs]
    assert frontal_support(track, blank[:-3] + recs[-3:], "rear").startswith("too few clear stances")


def test_side_view_has_nothing_frontal_to_support(rear_runner):
    track, recs = rear_runner
    assert frontal_support(track, recs[:1], "side") is None
    with pytest.raises(ValueError, match="track must be a PoseTrack"):
        frontal_support("track", recs, "rear")


# -- the real rear clip ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def park_run(shared_clip):
    from formcheck.pipeline import analyze_running

    return analyze_running(shared_clip("park_run_rear_snow.mp4"))


@pytest.mark.real_clip
def test_real_rear_clip_summaries_lie_within_their_ranges(park_run):
    pose, running = park_run
    assert running.view.view == "rear" and running.summary
    for name, summary in running.summary.items():
        lo, hi = METRICS[name].plausible
        assert lo <= summary.median <= hi, (name, summary.median)


@pytest.mark.real_clip
def test_real_rear_clip_is_supported_and_keeps_every_metric(park_run):
    pose, running = park_run
    cv, seen, total = hip_width_variation(pose.track, running.strides)
    assert 0.02 < cv < 0.08 and seen >= 0.9 * total  # 0.050 when measured
    assert frontal_support(pose.track, running.strides, "rear") is None
    kept, missing = screen_clip(pose.track, running.strides, "rear")
    assert missing == []
    for name in ("pelvic_drop_deg", "hip_adduction_deg", "knee_over_foot_deg", "step_width_ratio"):
        values = np.array(_values(kept, name))
        lo, hi = METRICS[name].plausible
        assert np.isfinite(values).sum() >= 10
        assert ((values[np.isfinite(values)] >= lo) & (values[np.isfinite(values)] <= hi)).all()


def test_the_running_json_doc_lists_every_range_as_the_catalog_has_it():
    doc = (Path(__file__).resolve().parent.parent / "docs" / "running_json.md").read_text()
    rows = dict(re.findall(r"^\| `(\w+)` \|[^|]*\|[^|]*\| (\[[^\]]+\]) \|", doc, flags=re.M))
    assert rows == {name: f"[{m.plausible[0]:g}, {m.plausible[1]:g}]" for name, m in METRICS.items()}
