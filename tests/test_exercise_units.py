"""Exercise building blocks with exact answers: body geometry, rep segmentation, side runs, catalog."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.cues.rules import check_wording
from formcheck.exercises.catalog import EXERCISES, VIEWS, exercise_spec
from formcheck.exercises.checks import baseline, rep_score
from formcheck.exercises.reps import foot_episodes, segment_reps, side_runs, smooth
from formcheck.exercises.signals import leg_spread
from formcheck.exercises.steps import alternations, find_steps, foot_moves
from formcheck.kinematics.body import (
    angle_between_deg,
    fppa_deg,
    joint_angle_3d_deg,
    line_angle_deg,
    signed_hip_angle_deg,
    wrap_deg,
)
from formcheck.landmarks import Landmark as L
from formcheck.track import PoseTrack


# -- geometry ---------------------------------------------------------------------------------------
def _polar(origin, length, angle_deg):
    a = np.radians(angle_deg)
    return np.array(origin, dtype=float) + length * np.array([np.cos(a), -np.sin(a)])  # image y down


@pytest.mark.parametrize("hip_angle", [150.0, 170.0, 180.0, 195.0, 210.0])
@pytest.mark.parametrize("facing", [1, -1])
def test_signed_hip_angle_continues_past_neutral(hip_angle, facing):
    # Shoulder on the floor, hip above it; the knee placed so that ang(S,H,K) = hip_angle, hip above
    # the shoulder–knee line when past 180 (the bridge overshoot).
    shoulder = np.array([500.0, 800.0])
    trunk_up_deg = 20.0  # trunk rises 20° from the floor toward the hips
    hip = shoulder + facing * np.array([1, 0]) * 300 * np.cos(np.radians(trunk_up_deg)) \
        - np.array([0, 1]) * 300 * np.sin(np.radians(trunk_up_deg))
    # Direction hip->shoulder, rotated by the hip angle on the floor side.
    back = shoulder - hip
    back_deg = np.degrees(np.arctan2(-back[1], back[0]))
    knee_deg = back_deg - facing * hip_angle  # clockwise on screen (toward up) when facing right
    knee = _polar(hip, 250, knee_deg)
    got = signed_hip_angle_deg(shoulder, hip, knee)
    assert got == pytest.approx(hip_angle, abs=1e-6)


@pytest.mark.parametrize("view_sign", [1, -1], ids=["front", "rear"])
@pytest.mark.parametrize("leg", ["left", "right"])
@pytest.mark.parametrize("medial_px", [-30.0, 0.0, 40.0])
def test_fppa_is_positive_when_the_knee_moves_toward_the_other_leg(view_sign, leg, medial_px):
    # Hips 200 px apart; the athlete's left hip on image right in a front view, left in a rear view.
    left_x, right_x = 600 + view_sign * 100, 600 - view_sign * 100
    hip_x = left_x if leg == "left" else right_x
    other_x = right_x if leg == "left" else left_x
    toward_other = np.sign(other_x - hip_x)
    hip, other = np.array([hip_x, 500.0]), np.array([other_x, 500.0])
    ankle = np.array([hip_x, 1300.0])
    knee = np.array([hip_x + toward_other * medial_px, 900.0])
    expected = np.sign(medial_px) * np.degrees(2 * np.arctan2(abs(medial_px), 400.0))
    assert fppa_deg(hip, knee, ankle, other) == pytest.approx(expected, abs=1e-6)


def test_angles_wrap_and_nan_propagate():
    assert wrap_deg([190.0, -190.0, 180.0, 540.0]).tolist() == [-170.0, 170.0, 180.0, 180.0]
    assert line_angle_deg([0, 0], [0, -10]) == pytest.approx(90.0)  # straight up on screen
    assert angle_between_deg([1, 0], [0, 1]) == pytest.approx(90.0)
    assert joint_angle_3d_deg([1, 0, 0], [0, 0, 0], [0, 0, 2]) == pytest.approx(90.0)
    assert np.isnan(fppa_deg([np.nan, 0], [0, 1], [0, 2], [1, 0]))


def test_baseline_is_circular_near_180():
    values = np.array([179.0, -179.0, 178.0, -178.0, 180.0])
    assert abs(wrap_deg(baseline(values, np.arange(5)) - 180.0)) < 1.0


# -- reps -------------------------------------------------------------------------------------------
def _pulse_train(fps, plan, rest_s=1.0):
    """plan: (amplitude, rise_s, hold_s, pause_s) per excursion. Returns t, signal, truth spans."""
    t_parts, s_parts, spans, t0 = [], [], [], 0.0
    def add(values):
        nonlocal t0
        n = len(values)
        t_parts.append(t0 + np.arange(n) / fps)
        s_parts.append(values)
        t0 += n / fps
    add(np.zeros(int(rest_s * fps)))
    for amp, rise, hold, pause in plan:
        start = t0
        up = amp * 0.5 * (1 - np.cos(np.linspace(0, np.pi, int(rise * fps))))
        add(np.concatenate([up, np.full(int(hold * fps), amp), up[::-1]]))
        spans.append((start, t0, amp))
        add(np.zeros(int(pause * fps)))
    add(np.zeros(int(rest_s * fps)))
    return np.concatenate(t_parts), np.concatenate(s_parts), spans


@pytest.mark.parametrize("fps", [30.0, 60.0])
@pytest.mark.parametrize("case", ["plain", "holds", "pauses", "partials"])
def test_segment_reps_counts_holds_pauses_and_partials(fps, case):
    plans = {
        "plain": [(1.0, 0.8, 0.0, 0.3)] * 8,
        "holds": [(1.0, 0.8, 3.0, 0.5)] * 4,
        "pauses": [(1.0, 0.6, 0.2, 2.5)] * 5,
        "partials": [(1.0, 0.8, 0.5, 0.5), (0.45, 0.6, 0.0, 0.5)] * 3 + [(1.0, 0.8, 0.5, 0.5)],
    }
    t, s, spans = _pulse_train(fps, plans[case])
    rng = np.random.default_rng(3)
    noisy = smooth(t, s + rng.normal(0, 0.02, s.shape))
    reps = segment_reps(t, noisy, min_range=0.5)
    full = [sp for sp in spans if sp[2] == 1.0]
    counted = [r for r in reps if not r.partial]
    assert len(counted) == len(full)
    assert len([r for r in reps if r.partial]) == len(spans) - len(full)
    for r, (a, b, _) in zip(counted, full):
        assert t[r.start] == pytest.approx(a, abs=0.25) and t[r.end] == pytest.approx(b, abs=0.25)
        assert a <= t[r.peak] <= b
    if case == "holds":
        assert all(t[r.top_end] - t[r.top_start] >= 3.0 for r in counted)


@pytest.mark.parametrize("fps", [30.0, 60.0])
def test_a_rep_short_of_the_top_counts_and_a_partial_stays_partial(fps):
    # Bridges: full reps, reps stopped half way (well above rest: short of neutral, still reps) and a
    # partial (below the exercise's smallest rep), held 2 s. The old rule (60% of the set's range) lost
    # the short reps.
    plan = [(1.0, 1.0, 2.0, 1.0), (0.5, 1.0, 2.0, 1.0), (0.3, 1.0, 2.0, 1.0), (1.0, 1.0, 2.0, 1.0),
            (0.5, 1.0, 2.0, 1.0)]
    t, s, spans = _pulse_train(fps, plan)
    noisy = smooth(t, s + np.random.default_rng(5).normal(0, 0.02, s.shape))
    reps = segment_reps(t, noisy, min_range=0.4, good_range=0.9)
    counted = [r for r in reps if not r.partial]
    assert [r.excursion for r in counted] == pytest.approx([1.0, 0.5, 1.0, 0.5], abs=0.1)
    assert [r.excursion for r in reps if r.partial] == pytest.approx([0.3], abs=0.1)
    for r, (a, b, _) in zip(counted, [sp for sp in spans if sp[2] >= 0.5]):
        assert t[r.start] == pytest.approx(a, abs=0.25) and t[r.end] == pytest.approx(b, abs=0.25)
        assert t[r.top_end] - t[r.top_start] >= 2.0  # one rep per hold


def test_a_rep_of_full_range_counts_however_big_the_set():
    # The count level is 40% of the set's range but never above the exercise's good range: a rep of
    # 1.0 (good range 0.9) counts among reps of 3.0.
    t, s, _ = _pulse_train(30.0, [(3.0, 0.8, 0.3, 0.5), (1.0, 0.8, 0.3, 0.5)] * 2)
    reps = segment_reps(t, s, min_range=0.4, good_range=0.9)
    assert [r.excursion for r in reps if not r.partial] == pytest.approx([3.0, 1.0, 3.0, 1.0], abs=0.15)
    assert [r for r in segment_reps(t, s, min_range=0.4) if r.partial] != []  # uncapped: 40% of 3.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_noise_and_holds_are_no_reps(seed):
    # Rest noise below the exercise's smallest rep is nothing, not even a partial; a long hold with
    # noise on it is one rep.
    rng = np.random.default_rng(seed)
    t = np.arange(600) / 30.0
    rest = smooth(t, rng.normal(0, 0.1, t.shape))
    assert segment_reps(t, rest, min_range=0.5) == []
    t2, s, _ = _pulse_train(30.0, [(1.0, 0.8, 8.0, 1.0)])
    held = smooth(t2, s + rng.normal(0, 0.1, s.shape))
    assert [r.partial for r in segment_reps(t2, held, min_range=0.5, good_range=1.0)] == [False]


def test_a_clip_that_starts_above_rest_starts_its_first_rep_where_the_rise_begins():
    # pose2sim cam03: the start pose reads 25% of the set's range (feet apart in a tandem stance), the
    # lowest level comes only after the rep; the rep starts at the valley before its peak, not frame 0.
    t = np.arange(240) / 60.0
    s = np.full(t.shape, 0.25)
    s[60:120] = 0.25 + 0.75 * np.sin(np.linspace(0, np.pi, 60))
    s[120:150] = np.linspace(0.25, 0.0, 30)
    s[150:] = 0.0
    s[40:60] = np.linspace(0.25, 0.2, 20)  # settles a little before rising
    reps = segment_reps(t, smooth(t, s), min_range=0.4, good_range=0.9)
    assert len(reps) == 1 and not reps[0].partial
    assert t[reps[0].start] == pytest.approx(1.0, abs=0.15) and abs(reps[0].peak - 90) <= 2  # was frame 0


@pytest.mark.parametrize("view,expected", [("front", 0.0), ("rear", 0.0), ("side", 2 * np.degrees(np.arctan(0.25)))])
def test_leg_spread_from_the_front_counts_only_diverging_legs(view, expected):
    xy = np.full((2, 33, 2), np.nan)
    xy[:, L.LEFT_HIP], xy[:, L.RIGHT_HIP] = (600.0, 500.0), (500.0, 500.0)
    xy[0, L.LEFT_ANKLE], xy[0, L.RIGHT_ANKLE] = (700.0, 900.0), (400.0, 900.0)  # apart: 2 x 14.04 deg
    xy[1, L.LEFT_ANKLE], xy[1, L.RIGHT_ANKLE] = (500.0, 900.0), (600.0, 900.0)  # crossed: one foot ahead
    got = leg_spread(xy, view)["both"]
    assert got[0] == pytest.approx(2 * np.degrees(np.arctan(0.25)))
    assert got[1] == pytest.approx(expected)


def test_segment_reps_below_min_range_finds_nothing_and_skips_a_cut_first_rep():
    t, s, _ = _pulse_train(30.0, [(1.0, 0.8, 0.0, 0.3)] * 3)
    assert segment_reps(t, s * 0.1, min_range=0.5) == []
    start_mid_rep = np.flatnonzero(s > 0.95)[0]
    reps = segment_reps(t[start_mid_rep:], s[start_mid_rep:], min_range=0.5)
    assert len([r for r in reps if not r.partial]) == 2
    with pytest.raises(ValueError, match="min_range"):
        segment_reps(t, s, min_range=0)
    with pytest.raises(ValueError, match="good_range"):
        segment_reps(t, s, min_range=0.5, good_range=0.5)


def test_side_runs_fill_gaps_and_merge_short_runs():
    t = np.arange(300) / 30.0
    labels = np.array(["left"] * 120 + [""] * 20 + ["right"] * 10 + ["left"] * 10 + ["right"] * 140, dtype=object)
    runs = side_runs(labels, t, min_run_s=1.0)
    assert [r[0] for r in runs] == ["left", "right"]
    assert runs[0][1] == 0 and runs[-1][2] == 300
    assert side_runs(np.array([""] * 10, dtype=object), t[:10]) == []


def test_foot_episodes_need_speed_and_duration():
    t = np.arange(100) / 50.0
    speed = np.zeros(100)
    speed[10:30] = 1.0  # 0.4 s: a step
    speed[50:53] = 1.0  # 0.06 s: jitter
    speed[70:80] = 1.0
    speed[81:90] = 1.0  # one frame gap: bridged
    assert foot_episodes(t, speed, 0.5) == [(10, 29), (70, 89)]


def _feet_track(moves, n=180, fps=30.0, noise_px=3.0, seed=0):
    """A still athlete seen from the front (hips 100 px apart, legs 400 px) whose ankles slide by
    (leg, first frame, last frame, dx px) with a half-cosine; world landmarks follow (1 px = 2 mm)."""
    t = np.arange(n) / fps
    xy = np.full((n, 33, 2), np.nan)
    xy[:, L.LEFT_HIP], xy[:, L.RIGHT_HIP] = (600.0, 500.0), (500.0, 500.0)
    xy[:, L.LEFT_ANKLE], xy[:, L.RIGHT_ANKLE] = (600.0, 900.0), (500.0, 900.0)
    for leg, a, b, dx in moves:
        lm = L.LEFT_ANKLE if leg == "left" else L.RIGHT_ANKLE
        ramp = np.clip((np.arange(n) - a) / (b - a), 0, 1)
        xy[:, lm, 0] += dx * (1 - np.cos(np.pi * ramp)) / 2
    world = np.zeros((n, 33, 3))
    world[..., :2] = (xy - np.array([550.0, 500.0])) * 0.002
    xy = xy + np.random.default_rng(seed).normal(0, noise_px, xy.shape)
    return PoseTrack(t_s=t, xy_px=xy, z=np.zeros((n, 33)), visibility=np.ones((n, 33)), world_m=world,
                     frame_index=np.arange(n), frame_size=(1080, 1920))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_planted_foot_under_pixel_noise_stays_planted(seed):
    # Positions are smoothed before they are differentiated: the speed of a noisy still foot is
    # rectified noise that no later smoothing removes, which made episodes start early and run long.
    moves = foot_moves(_feet_track([("left", 60, 80, 60.0)], noise_px=3.0, seed=seed))
    assert [e.leg for e in moves] == ["left"]
    assert abs(moves[0].start - 60) <= 3 and abs(moves[0].end - 80) <= 3


def test_steps_pair_a_foot_spreading_the_stance_with_the_other_closing_it():
    track = _feet_track([("left", 20, 40, 60.0), ("right", 50, 70, 60.0), ("right", 100, 120, -60.0),
                         ("left", 130, 150, -60.0)])
    moves = foot_moves(track)
    assert [(e.leg, e.widening_m > 0) for e in moves] == [("left", True), ("right", False), ("right", True),
                                                        ("left", False)]
    steps = find_steps(track, paired=True, min_widening=0.0)
    assert [s.side for s in steps] == ["left", "right"]
    assert abs(steps[0].start - 20) <= 3 and abs(steps[0].end - 70) <= 3
    assert abs(steps[1].start - 100) <= 3 and abs(steps[1].end - 150) <= 3


def test_both_feet_moving_together_are_no_steps():
    # Repositioning (both feet slide at once) is not stepping: it must not count as alternations.
    track = _feet_track([("left", 20, 40, 60.0), ("left", 100, 125, 60.0), ("right", 102, 124, 60.0)])
    moves = foot_moves(track)
    assert [(e.leg, e.alone) for e in moves] == [("left", True), ("left", False), ("right", False)]
    assert alternations(moves) == 0
    assert len(find_steps(track, paired=True, min_widening=0.0)) == 1


# -- catalog ----------------------------------------------------------------------------------------
def test_catalog_is_complete_and_worded_within_the_evidence():
    assert set(EXERCISES) == {"glute_bridge", "single_leg_bridge", "clamshell", "lateral_band_walk", "monster_walk",
                              "side_lying_hip_abduction", "standing_hip_abduction", "single_leg_squat", "squat",
                              "fire_hydrant", "donkey_kick", "hip_thrust", "forward_lunge", "reverse_lunge",
                              "walking_lunge", "step_up", "lateral_lunge"}
    for spec in EXERCISES.values():
        assert set(spec.views) <= set(VIEWS) and spec.views
        check_wording(spec.good)
        for fault in spec.faults:
            check_wording(fault.message)
            assert fault.evidence in "EHW"
    with pytest.raises(ValueError, match="unknown exercise 'plank'; known: glute_bridge"):
        exercise_spec("plank")


def test_rep_score_components_add_up():
    assert rep_score(0.6, 0.6, 0, 2) == {"range": 40.0, "alignment": 60.0, "total": 100.0}
    assert rep_score(0.3, 0.6, 1, 2) == {"range": 20.0, "alignment": 30.0, "total": 50.0}
    assert rep_score(0.3, 0.6, 0, 0) == {"range": 20.0, "alignment": None, "total": 50.0}
