"""Side-view per-stride metrics (formcheck.metrics.running_side) against the synthetic runner.

Pipeline order as in the app: synthetic track -> `clean_track` -> `detect_gait_events` ->
`side_view_strides`. The truth is computed from the noise-free landmarks at the exact event times
with the METRICS.md formulas (tests/synthetic_runner.py); a detected stride is compared with the
true stride of the same foot whose contact is within 50 ms.

Tolerances (2 px noise on a 500 px runner). Most errors come from event timing (see
test_gait_events.py: contact within 25 ms at 25-30 fps, 17 ms at 60, 12 ms above; toe-off within
20-25 ms) times how fast the quantity changes at that event, plus the clean stage's low-pass:

| metric                          | <=30 fps | >=60 fps | why                                                    |
|---------------------------------|----------|----------|--------------------------------------------------------|
| cadence_spm (clip median)       | 1%       | 1%       | the issue's requirement                                |
| contact_time_ms                 | 45 ms    | 25 ms    | two events whose low-pass biases add up (contact late, |
|                                 |          |          | toe-off early): ~1.1 frames at 25-30 fps, 1-5 frames   |
|                                 |          |          | at 60-240 fps                                          |
| flight_time_ms                  | 45 ms    | 25 ms    | contact + toe-off tolerances                           |
| duty_factor_pct                 | 7        | 4        | contact-time tolerance / stride (0.71 s)               |
| knee_flexion_contact_deg        | 8°       | 6°       | the knee flexes ~300°/s at contact; 2-D pose RMSE 7.8° |
| knee_flexion_peak_stance_deg    | 3°       | 3°       | a flat peak: timing hardly matters                     |
| knee_rom_stance_deg             | 9°       | 7°       | the two above                                          |
| thigh_angle_toe_off_deg         | 6°       | 4°       | the thigh turns ~150°/s at toe-off                     |
| hip_extension_peak_deg          | 4°       | 3°       | a minimum near toe-off, in ±2 frames                   |
| overstride_ratio                | 0.08     | 0.04     | the heel moves ~3 leg lengths/s relative to the hips   |
| shank_angle_contact_deg         | 8°       | 5°       | the shank turns ~250°/s at contact                     |
| foot_strike_angle_deg           | 10°      | 8°       | the foot slaps down ~350°/s after contact, and the     |
|                                 |          |          | low-pass rounds that corner                            |
| trunk_lean_deg                  | 1°       | 1°       | a mean over the stride                                 |
| vertical_oscillation_ratio      | 0.02     | 0.02     | a range (max - min) over the stride: noise widens it;  |
|                                 |          |          | ~20% of the runner's 0.09, 5 px of a 250 px leg        |
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from synthetic_runner import Camera, Recording, RunnerParams, synthetic_run
from synthetic_tracks import inject_gap

from formcheck.clean import clean_track
from formcheck.events.gait import detect_gait_events
from formcheck.landmarks import Landmark as L
from formcheck.metrics.catalog import METRICS
from formcheck.metrics.model import MetricSummary, StrideRecord
from formcheck.metrics.running_side import (
    SIDE_METRICS,
    foot_strike_pattern,
    side_view_strides,
    strike_pattern,
    summaries,
)

# At 25-30 fps with 2 px noise, one stride in ten reaches 8.4 deg (knee at contact, contact 16 ms
# early) and 4.3 deg (peak knee, jittered frame times) since the runner lands as real heels do.
LOW = {"knee_flexion_contact_deg": 9.0, "knee_flexion_peak_stance_deg": 4.5, "knee_rom_stance_deg": 9.0,
       "thigh_angle_toe_off_deg": 6.0, "hip_extension_peak_deg": 4.0, "overstride_ratio": 0.08,
       "shank_angle_contact_deg": 8.0, "foot_strike_angle_deg": 10.0, "trunk_lean_deg": 1.0,
       "vertical_oscillation_ratio": 0.02, "flight_time_ms": 45.0, "duty_factor_pct": 7.0,
       "contact_time_ms": 45.0}
HIGH = {"knee_flexion_contact_deg": 6.0, "knee_flexion_peak_stance_deg": 3.0, "knee_rom_stance_deg": 7.0,
        "thigh_angle_toe_off_deg": 4.0, "hip_extension_peak_deg": 3.0, "overstride_ratio": 0.04,
        "shank_angle_contact_deg": 5.0, "foot_strike_angle_deg": 8.0, "trunk_lean_deg": 1.0,
        "vertical_oscillation_ratio": 0.02, "flight_time_ms": 25.0, "duty_factor_pct": 4.0,
        "contact_time_ms": 25.0}


def tolerances(fps: float) -> dict[str, float]:
    return dict(LOW if fps <= 30 else HIGH)


def pipeline(fps=60.0, setting="treadmill", facing=1, noise_px=2.0, vfr=0.0, dropout=0.0, swaps=0,
             far_visibility=0.9, params=None, duration_s=5.0, seed=0, track_edit=None):
    frame = (1280, 720) if setting == "treadmill" else (3000, 720)
    track, truth = synthetic_run(params or RunnerParams(), Camera(facing=facing, frame_size=frame),
                                 Recording(fps=fps, duration_s=duration_s, setting=setting, noise_px=noise_px,
                                           vfr_jitter=vfr, dropout_rate=dropout, swaps=swaps, seed=seed,
                                           far_visibility=far_visibility))
    if track_edit is not None:
        track = track_edit(track, truth)
    clean = clean_track(track).track
    events = detect_gait_events(clean, facing)
    return clean, truth, events, side_view_strides(clean, events, facing)


def matched(strides, truth, edge_s=0.3):
    """(record, true stride) pairs; strides within `edge_s` of the clip's ends are left out: there
    the zero-phase smoother of the clean stage has no data on one side."""
    t = truth.recording.times()
    pairs = []
    for ts in truth.strides:
        if ts.contact_s < t[0] + edge_s or ts.next_contact_s > t[-1] - edge_s:
            continue
        hits = [s for s in strides if s.side == ts.side and abs(s.contact.t_s - ts.contact_s) <= 0.05]
        if hits and hits[0].next_contact is not None:
            pairs.append((hits[0], ts))
    return pairs


CASES = [
    pytest.param(dict(fps=25), id="25fps-treadmill"),
    pytest.param(dict(fps=30), id="30fps-treadmill"),
    pytest.param(dict(fps=60), id="60fps-treadmill"),
    pytest.param(dict(fps=120), id="120fps-treadmill"),
    pytest.param(dict(fps=240, duration_s=4.0), id="240fps-treadmill"),
    pytest.param(dict(fps=30, setting="overground", facing=-1), id="30fps-overground-facing-left"),
    pytest.param(dict(fps=120, setting="overground"), id="120fps-overground"),
    pytest.param(dict(fps=30, vfr=0.3, facing=-1), id="variable-30fps-facing-left"),
    pytest.param(dict(fps=60, dropout=0.03, swaps=3, seed=3), id="60fps-dropouts-and-swaps"),
]


@pytest.mark.parametrize("case", CASES)
def test_per_stride_values_match_the_truth(case):
    _, truth, _, strides = pipeline(**case)
    pairs = matched(strides, truth)
    assert len(pairs) >= len(truth.strides) - 4, f"{len(pairs)} of {len(truth.strides)} true strides measured"
    tol = tolerances(case["fps"])
    for name, limit in tol.items():
        errors = np.array([rec.values[name] - ts.values[name] for rec, ts in pairs])
        assert np.all(np.isfinite(errors)), name
        assert np.max(np.abs(errors)) <= limit, f"{name}: errors {np.round(errors, 3)}, limit {limit}"


@pytest.mark.parametrize("case", CASES)
def test_clip_cadence_within_one_percent(case):
    _, truth, _, strides = pipeline(**case)
    true = np.median([s.values["cadence_spm"] for s in truth.strides])
    got = summaries(strides)["cadence_spm"].median
    assert got == pytest.approx(true, rel=0.01)
    assert true == pytest.approx(truth.params.cadence_spm, rel=1e-9)


def test_far_leg_hidden_cadence_from_strides():
    _, truth, events, strides = pipeline(fps=60, far_visibility=0.3)
    assert {s.side for s in strides} == {"right"}
    summary = summaries(strides)["cadence_spm"]
    assert summary.median == pytest.approx(truth.params.cadence_spm, rel=0.01)
    complete = [s for s in strides if s.next_contact is not None]
    for s in complete:  # 120 / stride time when the other foot is not seen
        assert s.values["cadence_spm"] == pytest.approx(120.0 / (s.next_contact.t_s - s.contact.t_s))
        assert math.isnan(s.values["flight_time_ms"])


def test_one_record_per_contact_with_every_metric():
    _, _, events, strides = pipeline(fps=30)
    contacts = [e for e in events if e.kind == "contact"]
    assert len(strides) == len(contacts)
    assert [s.index for s in strides] == list(range(len(strides)))
    assert [s.contact.t_s for s in strides] == sorted(e.t_s for e in contacts)
    for s in strides:
        assert isinstance(s, StrideRecord) and set(s.values) == set(SIDE_METRICS)
        assert s.frames[0] == s.contact.frame and s.frames[1] >= s.frames[0]
        if s.next_contact is not None:
            assert s.next_contact.side == s.side and s.toe_off is not None
            assert s.contact.t_s < s.toe_off.t_s < s.next_contact.t_s
        else:  # stride-wide values need the next contact
            for name in ("trunk_lean_deg", "vertical_oscillation_ratio", "duty_factor_pct"):
                assert math.isnan(s.values[name])
    assert set(SIDE_METRICS) <= set(METRICS)


def test_missing_knee_gives_nan_not_a_guess():
    def hide_right_knee(track, truth):
        ic = truth.contacts["right"][2]
        rows = np.flatnonzero((track.t_s >= ic - 0.05) & (track.t_s <= ic + truth.params.contact_s + 0.05))
        return inject_gap(track, [L.RIGHT_KNEE], rows)

    _, truth, _, strides = pipeline(fps=60, track_edit=hide_right_knee)
    hidden = truth.contacts["right"][2]
    rec = [s for s in strides if s.side == "right" and abs(s.contact.t_s - hidden) < 0.05]
    for r in rec:  # the contact may also be dropped: knee toe-off needs the knee
        for name in ("knee_flexion_contact_deg", "knee_flexion_peak_stance_deg", "shank_angle_contact_deg"):
            assert math.isnan(r.values[name]), name
        assert np.isfinite(r.values["overstride_ratio"])
    others = [s for s in strides if s.side == "right" and abs(s.contact.t_s - hidden) > 0.3 and s.toe_off]
    assert others and all(np.isfinite(s.values["knee_flexion_peak_stance_deg"]) for s in others)


def test_summaries_cover_every_metric_with_left_and_right():
    _, truth, _, strides = pipeline(fps=60)
    out = summaries(strides)
    assert set(out) == set(SIDE_METRICS)
    for name, summary in out.items():
        assert isinstance(summary, MetricSummary) and summary.unit == METRICS[name].unit
        assert summary.n >= 5 and np.isfinite(summary.left) and np.isfinite(summary.right), name
    assert summaries([])["cadence_spm"].n == 0


@pytest.mark.parametrize("angle, pattern", [
    pytest.param(15.0, "rearfoot", id="heel-first"),
    pytest.param(8.0, "midfoot", id="at-the-rearfoot-cut-off"),
    pytest.param(0.0, "midfoot", id="flat"),
    pytest.param(-1.6, "midfoot", id="at-the-forefoot-cut-off"),
    pytest.param(-5.0, "forefoot", id="toes-first"),
    pytest.param(float("nan"), "unknown", id="not-measured"),
])
def test_foot_strike_pattern_thresholds(angle, pattern):
    assert foot_strike_pattern(angle) == pattern


@pytest.mark.parametrize("strike_deg, pattern", [
    pytest.param(14.0, "rearfoot", id="rearfoot"),
    pytest.param(3.0, "midfoot", id="midfoot"),
    pytest.param(-8.0, "forefoot", id="forefoot"),
])
def test_strike_pattern_of_synthetic_runners(strike_deg, pattern):
    params = RunnerParams(foot_strike_deg=strike_deg, overstride=0.1 if strike_deg < 0 else 0.16)
    _, _, _, strides = pipeline(fps=120, params=params)
    got, share = strike_pattern(strides)
    assert got == pattern and share >= 0.8


@pytest.mark.parametrize("kwargs, match_text", [
    pytest.param({"direction": 2}, "direction", id="bad-direction"),
    pytest.param({"min_coverage": 0.0}, "min_coverage", id="bad-coverage"),
    pytest.param({"events": ["contact"]}, "GaitEvent", id="bad-events"),
])
def test_bad_arguments_raise(kwargs, match_text):
    track, _ = synthetic_run(RunnerParams(), Camera(), Recording(fps=30, duration_s=1.0))
    args = {"track": track, "events": [], "direction": 1} | kwargs
    with pytest.raises(ValueError, match=match_text):
        side_view_strides(**args)


def test_cadence_per_stride_does_not_depend_on_the_foot_labels():
    # The pose model names the wrong foot at times (a sprinter's far leg, a swap): a contact
    # labelled like the one before made its stride one step long and its cadence twice the
    # truth (570 for a sprinter), and a third of such strides made cadence "not measurable".
    # The step to the next contact of either foot does not depend on the label.
    from dataclasses import replace

    clean, truth, events, _ = pipeline(fps=60)
    contacts = sorted((e for e in events if e.kind == "contact"), key=lambda e: e.t_s)
    relabelled = {id(e) for e in contacts[2::3]}  # every third contact named as the other foot
    other = {"left": "right", "right": "left"}
    events = [replace(e, side=other[e.side]) if id(e) in relabelled else e for e in events]
    strides = side_view_strides(clean, events, 1)
    cadence = np.array([s.values["cadence_spm"] for s in strides])
    cadence = cadence[np.isfinite(cadence)]
    assert cadence.size >= len(contacts) - 2
    assert np.all(np.abs(cadence - RunnerParams().cadence_spm) <= 0.05 * RunnerParams().cadence_spm), cadence
