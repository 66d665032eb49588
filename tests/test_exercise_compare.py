"""compare_exercises(): two sets of an exercise, differences only beyond rep-to-rep variability and
the method's floor. End to end on the synthetic athlete (tests/synthetic_athlete.py: exact injected
sizes) and, for the interval and floor logic, on hand-made per-rep values."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import synthetic_athlete_poses
from synthetic_athlete import RecordingSpec, RepPlan, default_plan, make_exercise_clip

from formcheck.clean import clean_track
from formcheck.cues.rules import check_wording
from formcheck.exercises.analysis import ExerciseAnalysis, ExerciseOptions, RepResult, analyze_exercise_track
from formcheck.exercises.catalog import EXERCISES
from formcheck.exercises.compare import FLOORS, MIN_REPS, compare_exercises, metric_names
from formcheck.exercises.recognition import ExerciseView, Recognition
from formcheck.metrics.model import bootstrap_difference_ci

NO_DIFF, DIFF, NOT_COMP = "no difference above the noise", "different", "not comparable"


def _analyse(exercise, view, plan=None, recording=None):
    track, truth = make_exercise_clip(exercise, view, plan, recording=recording)
    return analyze_exercise_track(clean_track(track).track, ExerciseOptions()), truth


def _rows(comparison):
    return {m.name: m for m in comparison.metrics}


# -- end to end on the synthetic athlete ------------------------------------------------------------
@pytest.fixture(scope="module")
def squat1():
    """Single-leg squat from the front, 4 reps per leg (left, then right)."""
    return _analyse("single_leg_squat", "front")


@pytest.fixture(scope="module")
def caved():
    plan = default_plan("single_leg_squat")
    return _analyse("single_leg_squat", "front", replace(plan, reps=tuple(replace(r, faults=("knee_cave",))
                                                                           for r in plan.reps)))


@pytest.fixture(scope="module")
def clam():
    return _analyse("clamshell", "front")[0]


def test_metric_names_per_leg_for_one_legged_exercises_pooled_otherwise(squat1):
    single = [m.name for m in compare_exercises(squat1[0], squat1[0]).metrics]
    assert single == [f"{q} ({side})" for q in ("rep_range", "knee_fppa_change_deg", "pelvic_obliquity_change_deg",
                                                 "rep_duration_s", "hold_s", "rep_score")
                      for side in ("left", "right")]
    squat, _ = _analyse("squat", "front")
    assert [m.name for m in compare_exercises(squat, squat).metrics] == [
        "rep_range", "knee_fppa_change_deg (left)", "knee_fppa_change_deg (right)", "rep_duration_s", "hold_s",
        "rep_score"]
    assert set(compare_exercises(squat, squat).metrics[0].unit.split()) == {"leg", "lengths"}


def test_same_set_against_itself_differs_nowhere(squat1):
    result = compare_exercises(squat1[0], squat1[0], "last week", "today")
    assert result.differences == () and result.warnings == ()
    assert {m.verdict for m in result.metrics} == {NO_DIFF}
    assert all(m.difference == 0 and m.ci95[0] <= 0 <= m.ci95[1] and m.a_n == m.b_n >= MIN_REPS for m in result.metrics)


@pytest.mark.parametrize("seed", [3, 4], ids=lambda s: f"seed{s}")
def test_same_movement_reseeded_with_more_noise_differs_nowhere(squat1, seed):
    noisy, _ = _analyse("single_leg_squat", "front", recording=RecordingSpec(seed=seed, noise_frac=0.006))
    assert len(noisy.reps) == len(squat1[0].reps)
    result = compare_exercises(squat1[0], noisy)
    assert result.differences == ()
    assert {m.verdict for m in result.metrics} == {NO_DIFF}


def test_knee_cave_on_every_rep_differs_on_knee_fppa_by_the_injected_change(squat1, caved):
    (clean, truth_a), (cave, truth_b) = squat1, caved
    result = compare_exercises(clean, cave)
    rows = _rows(result)
    assert {m.name for m in result.differences} == {"knee_fppa_change_deg (left)", "knee_fppa_change_deg (right)",
                                                    "rep_score (left)", "rep_score (right)"}
    for side in ("left", "right"):
        want = (np.median([getattr(r.image_values, f"fppa_{side}_change_deg") for r in truth_b.reps if r.side == side])
                - np.median([getattr(r.image_values, f"fppa_{side}_change_deg") for r in truth_a.reps if r.side == side]))
        assert want > 14  # the 15 deg swivel, medial (+), seen in this camera
        fppa = rows[f"knee_fppa_change_deg ({side})"]
        assert fppa.difference == pytest.approx(want, abs=2.0)
        assert fppa.ci95[0] > fppa.floor == FLOORS["knee_fppa_change_deg"][0]
        # The score follows the alignment check (1 of 2 checks found on every rep: 60 -> 30 points).
        assert rows[f"rep_score ({side})"].difference == pytest.approx(-30.0, abs=1.0)
        for unrelated in ("rep_range", "pelvic_obliquity_change_deg", "rep_duration_s", "hold_s"):
            assert rows[f"{unrelated} ({side})"].verdict == NO_DIFF


CLAM_CASES = [
    ("30 deg opening instead of 45: a smaller range", 30.0, 1.0, DIFF),
    ("a 10% smaller opening: consistent, but inside the 10% floor", 45.0, 0.9, NO_DIFF),
]


@pytest.mark.parametrize("case,opening_deg,amplitude,verdict", CLAM_CASES, ids=[c[0] for c in CLAM_CASES])
def test_clamshell_opening(clam, case, opening_deg, amplitude, verdict):
    plan = default_plan("clamshell")
    plan = replace(plan, reps=tuple(replace(r, amplitude=amplitude) for r in plan.reps))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(synthetic_athlete_poses, "CLAM_OPEN_DEG", opening_deg)
        smaller, _ = _analyse("clamshell", "front", plan)
    result = compare_exercises(clam, smaller)
    rows = _rows(result)
    for side in ("left", "right"):
        rng = rows[f"rep_range ({side})"]
        assert rng.unit == "thigh lengths" and rng.verdict == verdict, (case, rng)
        assert rng.difference < 0 and rng.ci95[1] < 0  # smaller in every resample either way
        assert rng.floor == pytest.approx(0.1 * EXERCISES["clamshell"].rep_range("front")[2])
        if verdict == DIFF:
            # Knee separation ~ chord of the opening: 2 sin(15) / 2 sin(22.5) = 0.68 (0.75 seen in the image).
            assert 0.6 < rng.b_median / rng.a_median < 0.85
        else:
            assert "resolution" in rng.note
    assert {m.name for m in result.differences} == ({"rep_range (left)", "rep_range (right)"} if verdict == DIFF
                                                    else set())


def test_different_exercises_are_not_compared(squat1, clam):
    result = compare_exercises(squat1[0], clam)
    assert result.metrics and {m.verdict for m in result.metrics} == {NOT_COMP}
    assert all("different exercises" in m.note for m in result.metrics)
    assert any("different exercises are not compared" in w for w in result.warnings)
    assert result.differences == ()


def test_too_few_reps_are_not_compared(squat1):
    few, _ = _analyse("single_leg_squat", "front", RepPlan.simple("left", 2))
    assert few.recognition.name == "single_leg_squat" and len(few.reps) == 2
    rows = _rows(compare_exercises(squat1[0], few))
    assert {m.verdict for m in rows.values()} == {NOT_COMP}
    assert rows["knee_fppa_change_deg (left)"].note == "needs 3 reps with a value in each set (4 and 2)"
    assert rows["knee_fppa_change_deg (right)"].note == "no right-side reps with this value in B"


def test_messages_are_plain_and_the_result_is_json(squat1, clam, caved):
    for a, b in ((squat1[0], clam), (squat1[0], caved[0]), (squat1[0], squat1[0])):
        result = compare_exercises(a, b)
        for text in result.warnings + tuple(m.note for m in result.metrics):
            check_wording(text)
        json.dumps(result.to_dict(), allow_nan=False)


# -- hand-made values: the interval and the floor ---------------------------------------------------
def _rep(i, side, values, fps=30.0, range_=0.1, duration=2.0, hold=0.3, score=100.0, unit="leg lengths"):
    start = 3.0 * i
    return RepResult(i + 1, side, round(start * fps), round((start + 1) * fps), round((start + duration) * fps),
                     start, start + 1, start + duration, hold, range_, unit, dict(values), (),
                     {"range": 40.0, "alignment": 60.0, "total": score}, (0, 0))


def _made(exercise="single_leg_squat", view="front", n=6, shift=None, sd=None, seed=0, fps=30.0,
          confidence=0.9, side="left", recognised=True):
    """n reps of `side` with per-rep values base + shift + N(0, sd), seeded; shift/sd keyed by quantity."""
    rng = np.random.default_rng(seed)
    shift, sd = shift or {}, sd or {}
    spec = EXERCISES[exercise]
    unit, _, good = spec.rep_range(view)
    base = {"knee_fppa_left_change_deg": 1.0, "pelvic_obliquity_change_deg": 0.5, "range": good,
            "duration": 2.0, "hold": 0.3}
    spread = {"knee_fppa_left_change_deg": 0.3, "pelvic_obliquity_change_deg": 0.3, "range": 0.01 * good,
              "duration": 0.02, "hold": 0.02}
    v = {k: x + shift.get(k, 0.0) + rng.normal(0.0, sd.get(k, spread[k]), n) for k, x in base.items()}
    reps = [_rep(i, side, {"knee_fppa_left_change_deg": v["knee_fppa_left_change_deg"][i],
                           "pelvic_obliquity_change_deg": v["pelvic_obliquity_change_deg"][i]},
                 fps, v["range"][i], v["duration"][i], v["hold"][i], unit=unit) for i in range(n)]
    recognition = Recognition(exercise if recognised else None, confidence, (), False, "made by hand")
    return ExerciseAnalysis(recognition, ExerciseView(view, 1.0, 1.0), spec.posture, spec if recognised else None,
                            reps if recognised else [], [], (), [], True, (0, 300))


FLOOR_CASES = [
    ("consistent 2 deg under the 5 deg floor of a range in degrees", "standing_hip_abduction", "range",
     "rep_range (left)", 2.0, 0.3, NO_DIFF),
    ("consistent 2 deg under the 8 deg knee FPPA floor", "single_leg_squat", "knee_fppa_left_change_deg",
     "knee_fppa_change_deg (left)", 2.0, 0.3, NO_DIFF),
    ("consistent 10 deg knee FPPA", "single_leg_squat", "knee_fppa_left_change_deg",
     "knee_fppa_change_deg (left)", 10.0, 0.3, DIFF),
    ("10 deg knee FPPA, rep-to-rep spread 15 deg", "single_leg_squat", "knee_fppa_left_change_deg",
     "knee_fppa_change_deg (left)", 10.0, 15.0, NO_DIFF),
    ("consistent 0.25 s longer reps under the 0.3 s floor", "single_leg_squat", "duration",
     "rep_duration_s (left)", 0.25, 0.02, NO_DIFF),
    ("consistent 0.6 s longer reps", "single_leg_squat", "duration", "rep_duration_s (left)", 0.6, 0.02, DIFF),
]


@pytest.mark.parametrize("case,exercise,quantity,metric,shift,sd,verdict", FLOOR_CASES,
                         ids=[c[0] for c in FLOOR_CASES])
def test_interval_and_floor(case, exercise, quantity, metric, shift, sd, verdict):
    a = _made(exercise, view="front", seed=1, sd={quantity: sd})
    b = _made(exercise, view="front", seed=2, shift={quantity: shift}, sd={quantity: sd})
    rows = _rows(compare_exercises(a, b))
    row = rows[metric]
    assert row.verdict == verdict, (case, row)
    # The interval is the bootstrap of the difference of medians, over exactly the reps' values.
    xa = [r.values.get(quantity, r.range if quantity == "range" else r.duration_s) for r in a.reps]
    xb = [r.values.get(quantity, r.range if quantity == "range" else r.duration_s) for r in b.reps]
    assert row.ci95 == bootstrap_difference_ci(xa, xb)
    assert row.difference == pytest.approx(np.median(xb) - np.median(xa))
    if sd < 1:  # consistent: the interval excludes zero, so only the floor decides
        assert row.ci95[0] > 0
        assert (abs(row.difference) > row.floor) == (verdict == DIFF)
    if verdict == NO_DIFF and sd < 1:
        assert "resolution" in row.note
    others = {m.name for m in rows.values() if m.is_different}
    assert others == ({metric} if verdict == DIFF else set())


def test_range_in_degrees_has_a_five_degree_floor():
    row = _rows(compare_exercises(_made("standing_hip_abduction"), _made("standing_hip_abduction")))["rep_range (left)"]
    assert row.unit == "deg" and row.floor == 5.0


def test_different_views_compare_only_rep_times():
    a = _made(view="front", seed=1)
    b = _made(view="side", seed=2, shift={"duration": 0.6, "knee_fppa_left_change_deg": 20.0})
    result = compare_exercises(a, b)
    rows = _rows(result)
    assert rows["rep_duration_s (left)"].verdict == DIFF
    assert rows["hold_s (left)"].verdict == NO_DIFF
    for name in ("knee_fppa_change_deg (left)", "rep_range (left)", "rep_score (left)"):
        assert rows[name].verdict == NOT_COMP and "camera view" in rows[name].note
    assert any("different views (front, side)" in w for w in result.warnings)


def test_one_side_only_and_unrecognised_sets():
    left, right = _made(side="left"), _made(side="right", seed=3)
    rows = _rows(compare_exercises(left, right))
    assert rows["rep_range (left)"].note == "no left-side reps with this value in B"
    assert rows["rep_range (right)"].note == "no right-side reps with this value in A"
    result = compare_exercises(left, _made(recognised=False), "before", "after")
    assert {m.verdict for m in result.metrics} == {NOT_COMP}
    assert all(m.note == "exercise not recognised in after" for m in result.metrics)
    assert any(w.startswith("after: the exercise was not recognised") for w in result.warnings)


def test_warnings_for_low_confidence_and_frame_rates():
    result = compare_exercises(_made(confidence=0.45), _made(fps=60.0, seed=2))
    assert any("low confidence (0.45)" in w for w in result.warnings)
    assert any("about 30 frames/s and B at about 60" in w for w in result.warnings)
    views = compare_exercises(_made(view="front"), _made(view="oblique", seed=2))
    for text in result.warnings + views.warnings + tuple(m.note for m in views.metrics):
        check_wording(text)
    assert compare_exercises(_made(fps=30.0), _made(fps=29.97, seed=2)).warnings == ()


def test_metrics_selects_quantities_and_rejects_unknown_names():
    a, b = _made(seed=1), _made(seed=2)
    assert [m.name for m in compare_exercises(a, b, metrics=["knee_fppa_change_deg", "hold_s (left)"]).metrics] == [
        "knee_fppa_change_deg (left)", "hold_s (left)"]
    assert "pelvis_roll_change_deg" in metric_names() and "rep_range" in metric_names()
    with pytest.raises(ValueError, match="unknown metric 'knee_valgus'"):
        compare_exercises(a, b, metrics=["knee_valgus"])
    with pytest.raises(ValueError, match="a and b must be ExerciseAnalysis"):
        compare_exercises(a, {"reps": []})
