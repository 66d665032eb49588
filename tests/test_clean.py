"""Tests of `formcheck.clean`: known answers on synthetic tracks, plus invariants."""

from __future__ import annotations

import json

import numpy as np
import pytest
from synthetic_tracks import (
    inject_gap,
    inject_leg_swap,
    inject_spikes,
    make_walking_track,
    set_visibility,
    uniform_times,
    variable_frame_times,
)

from formcheck.clean import (
    SMOOTHERS,
    CleanConfig,
    Smoother,
    auto_cutoff_hz,
    clean_track,
    coverage_of,
    detect_leg_swaps,
    fill_gaps,
    gate_visibility,
    hampel_outliers,
    make_smoother,
    repair_leg_swaps,
    smooth,
)
from formcheck.clean.swaps import DISTAL_PAIRS, leg_length_px
from formcheck.landmarks import Landmark as L
from formcheck.track import PoseTrack

FPS_RANGE = (25, 30, 60, 120, 240)
LEFT = [int(a) for a, _ in DISTAL_PAIRS]
RIGHT = [int(b) for _, b in DISTAL_PAIRS]


def copies(track: PoseTrack) -> dict[str, np.ndarray]:
    return {n: getattr(track, n).copy() for n in ("t_s", "xy_px", "z", "visibility", "world_m", "frame_index")}


def assert_unchanged(track: PoseTrack, before: dict[str, np.ndarray]) -> None:
    for name, arr in before.items():
        np.testing.assert_array_equal(getattr(track, name), arr, err_msg=f"{name} was mutated")


def leg_separation(track: PoseTrack, i: int) -> float:
    """Smallest left-right distance of a distal landmark in frame i, in leg lengths."""
    d = np.linalg.norm(track.xy_px[i, LEFT] - track.xy_px[i, RIGHT], axis=-1)
    return float(d.min() / leg_length_px(track.xy_px))


# -- config ---------------------------------------------------------------
def test_config_round_trips_through_json():
    cfg = CleanConfig(cutoff_hz=8.0, smoother="savgol", repair_swaps=False)
    assert CleanConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    assert CleanConfig.from_dict({}) == CleanConfig()


@pytest.mark.parametrize("field, value, match", [
    pytest.param("min_visibility", 1.5, r"min_visibility must lie in \[0, 1\]", id="visibility-above-1"),
    pytest.param("max_gap_s", -0.1, r"max_gap_s must lie in \[0, 1\]", id="negative-gap"),
    pytest.param("hampel_window_s", 0.0, r"hampel_window_s must lie in \(0, 2\]", id="zero-window"),
    pytest.param("cutoff_hz", float("nan"), "cutoff_hz", id="nan-cutoff"),
    pytest.param("filter_order", 2.0, "filter_order must be an int", id="float-order"),
    pytest.param("smoother", "kalman", r"smoother must be one of \['butterworth', 'none', 'savgol'\]",
                 id="unknown-smoother"),
    pytest.param("gap_fill", "spline", "gap_fill must be one of", id="unknown-fill"),
    pytest.param("repair_swaps", 1, "repair_swaps must be True or False", id="int-bool"),
    pytest.param("swap_switch_cost", 0, "swap_switch_cost", id="zero-switch-cost"),
])
def test_config_rejects_bad_values(field, value, match):
    with pytest.raises(ValueError, match=match):
        CleanConfig(**{field: value})


def test_config_from_dict_rejects_unknown_key():
    with pytest.raises(ValueError, match="unknown CleanConfig key"):
        CleanConfig.from_dict({"cutoff": 6})


# -- gating ---------------------------------------------------------------
def test_gating_drops_low_visibility_and_keeps_visibility():
    track = set_visibility(make_walking_track(20), [L.LEFT_ANKLE], slice(5, 8), 0.3)
    track = set_visibility(track, [L.RIGHT_KNEE], [10], 0.5)  # at the threshold: kept
    before = copies(track)
    gated = gate_visibility(track, 0.5)
    assert_unchanged(track, before)
    lost = ~gated.present
    assert np.flatnonzero(lost.any(axis=1)).tolist() == [5, 6, 7]
    assert np.flatnonzero(lost.any(axis=0)).tolist() == [int(L.LEFT_ANKLE)]
    assert np.isnan(gated.z[5:8, int(L.LEFT_ANKLE)]).all() and np.isnan(gated.world_m[5:8, int(L.LEFT_ANKLE)]).all()
    np.testing.assert_array_equal(gated.visibility, track.visibility)


# -- gaps -----------------------------------------------------------------
def _line(t):
    return np.column_stack([3.0 + 40.0 * t, -2.0 * t])


@pytest.mark.parametrize("method", ["cubic", "linear"])
@pytest.mark.parametrize("t_s, missing, filled", [
    pytest.param(uniform_times(12, 30), [5, 6], True, id="2-frames-0.1s-filled"),
    pytest.param(uniform_times(12, 30), [5], True, id="1-frame-filled"),
    pytest.param(uniform_times(12, 30), [4, 5, 6], False, id="3-frames-0.133s-kept-nan"),
    pytest.param(uniform_times(40, 120), list(range(10, 21)), True, id="11-frames-at-120fps-filled"),
    pytest.param(variable_frame_times(15, 30, 0.2, 3), [7], True, id="variable-frame-rate"),
    pytest.param(uniform_times(12, 30), [1, 9], True, id="two-gaps-next-to-short-runs"),
])
def test_fill_gaps_linear_signal(method, t_s, missing, filled):
    truth = _line(t_s)
    values = truth.copy()
    values[missing] = np.nan
    before = values.copy()
    out = fill_gaps(values, t_s, 0.1, method)
    np.testing.assert_array_equal(values, before)
    if filled:
        np.testing.assert_allclose(out, truth, rtol=0, atol=1e-9)
    else:
        assert np.isnan(out[missing]).all()
        np.testing.assert_array_equal(np.delete(out, missing, axis=0), np.delete(truth, missing, axis=0))


@pytest.mark.parametrize("missing", [pytest.param([0, 1], id="leading"), pytest.param([10, 11], id="trailing")])
def test_fill_gaps_never_extrapolates(missing):
    t = uniform_times(12, 30)
    values = _line(t)
    values[missing] = np.nan
    assert np.isnan(fill_gaps(values, t, 1.0)[missing]).all()


def test_cubic_fill_is_exact_for_a_cubic():
    t = uniform_times(20, 30)
    truth = 5 + t - 3 * t**2 + 7 * t**3
    values = truth.copy()
    values[8:10] = np.nan
    np.testing.assert_allclose(fill_gaps(values, t, 0.1), truth, atol=1e-9)


@pytest.mark.parametrize("known", [
    pytest.param([0, 1, 4, 5], id="two-each-side"),
    pytest.param([1, 4, 5], id="one-before"),  # a single known sample before the gap: a parabola
    pytest.param([0, 1, 4], id="one-after"),
    pytest.param([1, 4], id="one-each-side"),  # a line
])
def test_cubic_fill_is_scipys_not_a_knot_spline_through_the_anchors(known):
    """Every gap's fill is the polynomial through its anchors, as scipy's
    CubicSpline(bc_type="not-a-knot") gives it (filled for all gaps at once)."""
    from scipy.interpolate import CubicSpline

    t = variable_frame_times(6, 30, 0.3, 3)
    rng = np.random.default_rng(5)
    values = np.full((6, 2), np.nan)
    values[known] = rng.normal(0, 50, (len(known), 2))
    out = fill_gaps(values, t, 1.0)
    expected = CubicSpline(t[known], values[known], axis=0, bc_type="not-a-knot")(t[2:4])
    np.testing.assert_allclose(out[2:4], expected, rtol=1e-9, atol=1e-9)


def test_fill_gaps_never_adds_nan():
    rng = np.random.default_rng(7)
    values = rng.normal(size=(200, 33, 2))
    values[rng.random(values.shape) < 0.2] = np.nan
    t = variable_frame_times(200, 60, 0.3, 1)
    out = fill_gaps(values, t, 0.1)
    known = np.isfinite(values)
    assert out.shape == values.shape
    np.testing.assert_array_equal(out[known], values[known])
    assert np.isnan(out).sum() < np.isnan(values).sum()


@pytest.mark.parametrize("kwargs, match", [
    pytest.param({"max_gap_s": -1.0}, "max_gap_s", id="negative-gap"),
    pytest.param({"method": "quintic"}, "method must be one of", id="bad-method"),
    pytest.param({"t_s": np.zeros(3)}, "t_s must have shape", id="short-t"),
])
def test_fill_gaps_rejects_bad_arguments(kwargs, match):
    args = {"values": np.zeros((5, 2)), "t_s": uniform_times(5), "max_gap_s": 0.1} | kwargs
    with pytest.raises(ValueError, match=match):
        fill_gaps(**args)


# -- Hampel -----------------------------------------------------------------
@pytest.mark.parametrize("t_s", [pytest.param(uniform_times(3 * f, f), id=f"{f}fps") for f in FPS_RANGE]
                         + [pytest.param(variable_frame_times(90, 30, 0.3, 6), id="variable-30fps")])
def test_hampel_finds_exactly_the_spikes(t_s):
    # A swinging foot: 100 px amplitude at 1.4 Hz (up to 26 px per frame at 25 fps), 1 px noise.
    x = 100 * np.sin(2 * np.pi * 1.4 * t_s) + np.random.default_rng(0).normal(0, 1.0, t_s.shape)
    at_s = [0.36, 1.07, 1.96]  # mid-swing (steepest, where a plain MAD is inflated) twice, and a trough
    spikes = np.array([int(np.argmin(np.abs(t_s - s))) for s in at_s])
    x[spikes] += [80.0, -80.0, -80.0]
    x[spikes[1] + 3] = np.nan
    mask = hampel_outliers(x, t_s, 0.2, 3.0, min_dev=2.0)
    assert np.flatnonzero(mask).tolist() == spikes.tolist()


@pytest.mark.parametrize("t_s", [pytest.param(uniform_times(90, f), id=f"{f}fps") for f in FPS_RANGE]
                         + [pytest.param(variable_frame_times(90, 30, 0.3, 2), id="variable-30fps")])
def test_hampel_keeps_a_clean_sine(t_s):
    x = np.column_stack([200 * np.sin(2 * np.pi * 1.4 * t_s), 50 * np.cos(2 * np.pi * 2.8 * t_s)])
    assert not hampel_outliers(x, t_s, 0.2, 3.0).any()


def test_hampel_rejects_bad_window():
    with pytest.raises(ValueError, match="window_s"):
        hampel_outliers(np.zeros(5), uniform_times(5), 0.0)


# -- smoothing ----------------------------------------------------------------
@pytest.mark.parametrize("fps, expected_hz", [(25, 6.25), (30, 7.5), (60, 12.0), (120, 12.0), (240, 12.0)])
def test_auto_cutoff(fps, expected_hz):
    cutoff = auto_cutoff_hz(fps)
    assert cutoff == pytest.approx(expected_hz)
    assert 0 < cutoff <= 0.5 * fps / 2  # at most half of Nyquist


@pytest.mark.parametrize("fps", [0, -30, float("nan"), float("inf"), "30"])
def test_auto_cutoff_rejects_bad_fps(fps):
    with pytest.raises(ValueError, match="fps"):
        auto_cutoff_hz(fps)


@pytest.mark.parametrize("t_s", [pytest.param(uniform_times(3 * f, f), id=f"{f}fps") for f in FPS_RANGE]
                         + [pytest.param(variable_frame_times(90, 30, 0.3, 4), id="variable-30fps"),
                            pytest.param(variable_frame_times(360, 120, 0.3, 5), id="variable-120fps")])
def test_butterworth_keeps_slow_sine_and_its_timing(t_s):
    cutoff = auto_cutoff_hz(1 / np.median(np.diff(t_s)))
    slow = np.sin(2 * np.pi * 1.0 * t_s + 0.3)
    out = smooth(slow, t_s, cutoff)
    inner = (t_s > 0.3) & (t_s < t_s[-1] - 0.3)
    assert np.abs(out - slow).max() < 0.01
    assert np.abs(out - slow)[inner].max() < 0.001
    bump = np.exp(-0.5 * ((t_s - 1.5) / 0.1) ** 2)  # zero phase: the peak does not move
    assert t_s[np.argmax(smooth(bump, t_s, cutoff))] == t_s[np.argmax(bump)]


@pytest.mark.parametrize("fps", [60, 120, 240])
def test_butterworth_attenuates_fast_sine(fps):
    t = uniform_times(3 * fps, fps)
    fast = np.sin(2 * np.pi * 25.0 * t)  # about twice the 12 Hz cut-off
    inner = (t > 0.3) & (t < t[-1] - 0.3)
    assert np.abs(smooth(fast, t, auto_cutoff_hz(fps)))[inner].max() < 0.1


def test_smooth_rejects_cutoff_at_nyquist():
    with pytest.raises(ValueError, match="cutoff_hz must lie in"):
        smooth(np.zeros(100), uniform_times(100, 30), 15.0)


def test_unknown_smoother_lists_valid_names():
    with pytest.raises(ValueError, match=r"\['butterworth', 'none', 'savgol'\]"):
        make_smoother("kalman")


@pytest.mark.parametrize("name", sorted(SMOOTHERS))
def test_every_smoother_keeps_shape_nan_and_slow_signal(name):
    smoother = make_smoother(name, 2)
    assert isinstance(smoother, Smoother)
    t = uniform_times(150, 60)
    values = np.stack([np.sin(2 * np.pi * 1.0 * t), np.cos(2 * np.pi * 0.5 * t)], axis=-1)[:, None, :]
    values = np.repeat(values, 3, axis=1)  # (T, 3, 2)
    values[40:45, 0] = np.nan  # two long runs
    values[5:146, 1] = np.nan  # two runs of 5 and 4 samples: too short for any filter
    before = values.copy()
    out = smooth(values, t, 12.0, smoother)
    np.testing.assert_array_equal(values, before)
    assert out.shape == values.shape
    np.testing.assert_array_equal(np.isnan(out), np.isnan(values))
    np.testing.assert_array_equal(out[:, 1], values[:, 1])  # short runs left as they are
    inner = np.r_[10:35, 50:140]
    np.testing.assert_allclose(out[inner][:, [0, 2]], values[inner][:, [0, 2]], atol=0.005)


# -- swaps --------------------------------------------------------------------
@pytest.mark.parametrize("fps, noise_px, start, stop, hips, variable", [
    pytest.param(30, 0.0, 38, 60, True, False, id="30fps-with-hips"),
    pytest.param(30, 1.0, 15, 27, False, False, id="30fps-legs-only-noisy"),
    pytest.param(30, 1.0, 48, 49, True, False, id="30fps-single-frame"),
    pytest.param(25, 2.0, 31, 49, True, False, id="25fps-across-a-crossing"),
    pytest.param(30, 1.0, 34, 46, True, True, id="variable-frame-rate"),
    pytest.param(120, 1.0, 25, 60, True, False, id="120fps"),
    pytest.param(240, 1.0, 40, 110, False, False, id="240fps-legs-only"),
])
def test_injected_swap_found_exactly_and_undone(fps, noise_px, start, stop, hips, variable):
    n = 4 * fps
    t = variable_frame_times(n, fps, 0.3, 9) if variable else None
    clean = make_walking_track(n, fps, t, noise_px=noise_px, seed=3, speed_px_s=150)
    for i in (start - 1, start, stop - 1, stop):  # both ends where the legs are apart: a real jump
        assert leg_separation(clean, i) > 0.25
    swapped = inject_leg_swap(clean, start, stop, include_hips=hips)
    before = copies(swapped)
    repair = repair_leg_swaps(swapped)
    assert_unchanged(swapped, before)
    assert repair.swapped_frames.tolist() == list(range(start, stop))
    assert repair.hip_swapped_frames.tolist() == (list(range(start, stop)) if hips else [])
    for name in ("xy_px", "z", "visibility", "world_m"):
        np.testing.assert_array_equal(getattr(repair.track, name), getattr(clean, name))


@pytest.mark.parametrize("fps", [30, 120])
def test_swap_between_two_crossings_is_undone(fps):
    clean = make_walking_track(4 * fps, fps, noise_px=1.0, seed=4)
    dx = clean.xy_px[:, int(L.LEFT_ANKLE), 0] - clean.xy_px[:, int(L.RIGHT_ANKLE), 0]
    crossings = np.flatnonzero(np.sign(dx[1:]) != np.sign(dx[:-1])) + 1
    start, stop = crossings[2], crossings[3]  # the swap only shows as a bounce in velocity
    repaired = repair_leg_swaps(inject_leg_swap(clean, start, stop)).track
    err = np.linalg.norm(repaired.xy_px[:, LEFT + RIGHT] - clean.xy_px[:, LEFT + RIGHT], axis=-1)
    assert err.max() < 0.1 * leg_length_px(clean.xy_px)


@pytest.mark.parametrize("fps", FPS_RANGE)
@pytest.mark.parametrize("noise_px, speed_px_s, swing_deg", [
    pytest.param(0.0, 0.0, 30.0, id="treadmill-exact"), pytest.param(3.0, 300.0, 45.0, id="overground-noisy"),
])
def test_no_swap_when_legs_cross_smoothly(fps, noise_px, speed_px_s, swing_deg):
    track = make_walking_track(5 * fps, fps, noise_px=noise_px, speed_px_s=speed_px_s, swing_deg=swing_deg,
                               stride_hz=1.5, seed=fps)
    track = inject_spikes(track, L.LEFT_ANKLE, [fps, 2 * fps], (90.0, -70.0))
    track = inject_gap(track, [L.RIGHT_KNEE, L.RIGHT_ANKLE], slice(3 * fps, 3 * fps + 4))
    assert not detect_leg_swaps(track.xy_px, track.t_s).any()


@pytest.mark.parametrize("track", [
    pytest.param(PoseTrack.empty(0), id="empty"), pytest.param(PoseTrack.empty(1), id="one-frame-nan"),
    pytest.param(PoseTrack.empty(50), id="all-nan"), pytest.param(make_walking_track(1), id="one-frame"),
    pytest.param(make_walking_track(2), id="two-frames"),
])
def test_degenerate_tracks_have_no_swaps(track):
    assert repair_leg_swaps(track).swapped_frames.size == 0


# -- coverage -----------------------------------------------------------------
def test_coverage_known_values():
    track = inject_gap(make_walking_track(30, 30), [L.NOSE], slice(10, 13))
    track = inject_gap(track, [L.LEFT_EAR], slice(0, 30))
    cov = coverage_of(track)
    assert cov.fraction_present[int(L.NOSE)] == pytest.approx(27 / 30)
    assert cov.longest_gap_s[int(L.NOSE)] == pytest.approx(4 / 30)
    assert cov.longest_gap_s[int(L.LEFT_EAR)] == pytest.approx(29 / 30)
    assert cov.longest_gap_s[int(L.LEFT_HIP)] == 0.0
    assert json.loads(json.dumps(cov.to_dict()))["fraction_present"]["LEFT_EAR"] == 0.0


# -- pipeline -----------------------------------------------------------------
@pytest.mark.parametrize("n_frames", [0, 1, 2])
def test_clean_track_tiny_tracks(n_frames):
    track = make_walking_track(n_frames)
    result = clean_track(track)
    assert len(result.track) == n_frames and result.track.xy_px.shape == track.xy_px.shape
    assert result.swapped_frames.size == 0


def test_clean_track_repairs_everything_and_mutates_nothing():
    fps = 60
    clean = make_walking_track(4 * fps, fps, noise_px=1.0, seed=11, speed_px_s=200)
    track = inject_leg_swap(clean, 100, 112)
    track = inject_spikes(track, L.RIGHT_KNEE, [30, 150], (70.0, 50.0))
    track = inject_gap(track, [L.LEFT_WRIST], slice(60, 64))  # 5/60 s: filled
    track = inject_gap(track, [L.NOSE], slice(80, 100))  # 1/3 s: stays NaN
    track = set_visibility(track, [L.LEFT_ELBOW], [70, 71], 0.2)  # gated, then filled
    before = copies(track)
    result = clean_track(track, CleanConfig())
    assert_unchanged(track, before)
    assert result.track.xy_px.shape == track.xy_px.shape
    np.testing.assert_array_equal(result.track.t_s, track.t_s)
    assert result.swapped_frames.tolist() == list(range(100, 112))
    assert result.outlier_count[int(L.RIGHT_KNEE)] >= 2
    assert result.cutoff_hz == pytest.approx(12.0)
    missing = ~result.track.present
    assert np.flatnonzero(missing.any(axis=0)).tolist() == [int(L.NOSE)]
    assert np.flatnonzero(missing[:, int(L.NOSE)]).tolist() == list(range(80, 100))
    assert result.filled[60:64, int(L.LEFT_WRIST)].all() and result.filled[70:72, int(L.LEFT_ELBOW)].all()
    assert result.gated_coverage.fraction_present[int(L.LEFT_ELBOW)] == pytest.approx(1 - 2 / 240)
    assert result.coverage.fraction_present[int(L.LEFT_ELBOW)] == 1.0
    truth = make_walking_track(4 * fps, fps, noise_px=0.0, speed_px_s=200)
    err = np.linalg.norm(result.track.xy_px - truth.xy_px, axis=-1)
    assert np.nanmax(err) < 4.0  # px, on a 200 px leg with 1 px noise


@pytest.mark.parametrize("config", [
    pytest.param(CleanConfig(smoother="none", repair_swaps=False), id="no-smoothing"),
    pytest.param(CleanConfig(smoother="savgol", cutoff_hz=6.0), id="savgol"),
    pytest.param(CleanConfig(gap_fill="linear", max_gap_s=0.0), id="no-filling"),
])
def test_clean_track_nan_never_increases_where_fill_is_allowed(config):
    rng = np.random.default_rng(1)
    track = make_walking_track(120, 30, noise_px=1.0, seed=2)
    xy = track.xy_px.copy()
    xy[rng.random(xy.shape[:2]) < 0.05] = np.nan  # isolated single-frame gaps
    track = track.with_arrays(xy_px=xy)
    result = clean_track(track, config)
    assert result.track.xy_px.shape == track.xy_px.shape
    nan_in, nan_out = np.isnan(track.xy_px).sum(), np.isnan(result.track.xy_px).sum()
    assert nan_out <= nan_in if config.max_gap_s > 0 else nan_out >= nan_in
    assert result.cutoff_hz == (None if config.smoother == "none" else pytest.approx(config.cutoff_hz or 7.5))


def test_clean_track_rejects_cutoff_above_nyquist():
    with pytest.raises(ValueError, match="Nyquist"):
        clean_track(make_walking_track(60, 30), CleanConfig(cutoff_hz=20.0))
