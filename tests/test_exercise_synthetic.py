"""Exercise analysis against the synthetic athlete (tests/synthetic_athlete.py): exact known answers.

For every exercise and every view it supports: recognised, the view found, the rep count exact,
the side of every rep right, no fault on the clean clip; every injected fault found on exactly the
reps it was injected on, or reported as not checkable from that view; where perspective leaves a rep's
knee undecided (exercises.perspective) it is unsure, never flagged on a clean rep nor passed when faulty.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from synthetic_athlete import (
    APPLICABLE_FAULTS,
    SUPPORTED_VIEWS,
    VARIANTS,
    RecordingSpec,
    RepPlan,
    default_plan,
    make_exercise_clip,
)

from formcheck.clean import clean_track
from formcheck.exercises.analysis import analyze_exercise_track
from formcheck.exercises.catalog import EXERCISES
from formcheck.exercises.recognition import MIN_CONFIDENCE

CASES = [(ex, view) for ex, views in SUPPORTED_VIEWS.items() for view in views]
FAULT_CASES = [pytest.param(ex, view, fault, id=f"{ex}-{view}-{fault}") for ex, views in SUPPORTED_VIEWS.items()
               for view in views for fault in APPLICABLE_FAULTS[ex]]


def _analyse(exercise, view, plan=None, seed=0):
    track, truth = make_exercise_clip(exercise, view, plan, recording=RecordingSpec(seed=seed))
    return analyze_exercise_track(clean_track(track).track), truth


@pytest.mark.parametrize("exercise,view", CASES, ids=[f"{e}-{v}" for e, v in CASES])
def test_clean_clip_recognised_counted_and_without_faults(exercise, view):
    analysis, truth = _analyse(exercise, view)
    assert analysis.recognition.name == exercise, analysis.recognition
    assert analysis.recognition.confidence >= MIN_CONFIDENCE
    assert analysis.view.view == view
    full = [r for r in truth.reps if not r.partial]
    assert len(analysis.reps) == len(full)
    assert [r.side for r in analysis.reps] == [r.side for r in full]
    for got, want in zip(analysis.reps, full):
        assert want.start_s - 0.35 <= got.peak_s <= want.end_s + 0.35
    assert [f for r in analysis.reps for f in r.faults] == []


@pytest.mark.parametrize("exercise,view,fault", FAULT_CASES)
def test_injected_fault_found_on_its_reps_or_not_checkable(exercise, view, fault):
    plan = default_plan(exercise)
    reps = list(plan.reps)
    injected = (1, len(reps) - 1)
    for i in injected:
        reps[i] = replace(reps[i], faults=(fault,))
    analysis, truth = _analyse(exercise, view, replace(plan, reps=tuple(reps)))
    not_checkable = {n.fault: n.views for n in analysis.not_checkable}
    if fault in not_checkable:
        assert view not in not_checkable[fault] and not_checkable[fault]
        assert all(fault not in {f.fault for f in r.faults} for r in analysis.reps)
        return
    full = [i for i, r in enumerate(truth.reps) if not r.partial]
    assert len(analysis.reps) == len(full)
    expected = {full.index(i) + 1 for i in injected}
    found = {r.number for r in analysis.reps if fault in {f.fault for f in r.faults}}
    unsure = {r.number for r in analysis.reps if fault in {f.fault for f in r.unsure}}
    assert found | unsure >= expected and found <= expected
    if (exercise, fault) != ("lateral_lunge", "knee_cave"):   # its knee is off the camera's axis
        assert found == expected
    assert {f.fault for r in analysis.reps for f in r.faults} <= {fault}


@pytest.mark.parametrize("exercise,view", [("glute_bridge", "side"), ("clamshell", "foot_end"),
                                           ("standing_hip_abduction", "front")])
def test_holds_pauses_partials_and_side_switch(exercise, view):
    first = "left"
    sides = ["both"] * 6 if exercise == "glute_bridge" else [first] * 3 + ["right"] * 3
    plan = RepPlan.from_sides(sides, partial={2: 0.3}, hold_s=3.0, pause_s=2.0)
    analysis, truth = _analyse(exercise, view, plan)
    full = [r for r in truth.reps if not r.partial]
    assert len(analysis.reps) == len(full) == 5
    assert len(analysis.partial_reps) == 1
    assert [r.side for r in analysis.reps] == [r.side for r in full]
    assert all(r.hold_s >= 2.5 for r in analysis.reps)  # held 3 s at the top


# Noise seeds that broke the analysis before it smoothed ankle positions before differentiating them
# (the speed of a planted foot was rectified noise, 0.1-0.2 leg lengths/s, above the step threshold)
# and before it left out feet moving together (the side switch of a single-leg squat read as steps):
# lateral walk steps whose windows ran 0.1-0.7 s long with the wrong leading foot (seeds 6, 8, 9),
# a single-leg squat from the side not recognised at all (seeds 2, 5: 0 reps instead of 8).
RESEEDED = [("lateral_band_walk", "front", 6), ("lateral_band_walk", "front", 8), ("lateral_band_walk", "rear", 8),
            ("monster_walk", "front", 5), ("single_leg_squat", "side", 2), ("single_leg_squat", "side", 5)]
STEP_WINDOW_S = 0.25  # a step starts and ends with the foot's movement: within 0.25 s of the truth


@pytest.mark.parametrize("exercise,view,seed", RESEEDED, ids=[f"{e}-{v}-seed{s}" for e, v, s in RESEEDED])
def test_reseeded_noise_keeps_recognition_counts_sides_and_step_windows(exercise, view, seed):
    analysis, truth = _analyse(exercise, view, seed=seed)
    assert analysis.recognition.name == exercise, analysis.recognition
    full = [r for r in truth.reps if not r.partial]
    assert len(analysis.reps) == len(full)
    assert [r.side for r in analysis.reps] == [r.side for r in full]
    assert [f for r in analysis.reps for f in r.faults] == []
    for got, want in zip(analysis.reps, full):
        assert want.start_s - 0.35 <= got.peak_s <= want.end_s + 0.35
        if truth.steps:
            assert abs(got.start_s - want.start_s) <= STEP_WINDOW_S and abs(got.end_s - want.end_s) <= STEP_WINDOW_S


@pytest.mark.parametrize("exercise,view", [(e, v) for e in ("glute_bridge", "single_leg_bridge")
                                           for v in ("side", "foot_end")])
def test_bridge_reps_short_of_neutral_count_among_full_and_partial_reps(exercise, view):
    # Reps stopped at 155° (half way up) are reps, flagged short of neutral where the view shows the
    # hip angle; a partial rep (30% of the way) is listed apart and not counted.
    side = "both" if exercise == "glute_bridge" else "left"
    plan = RepPlan.from_sides([side] * 5, faults={1: "short_of_neutral", 4: "short_of_neutral"}, partial={2: 0.3},
                              hold_s=2.0)
    analysis, truth = _analyse(exercise, view, plan)
    assert len(analysis.reps) == len(truth.full_reps) == 4
    assert len(analysis.partial_reps) == 1
    assert truth.reps[2].start_s - 0.35 <= analysis.partial_reps[0].peak_s <= truth.reps[2].end_s + 0.35
    flagged = [r.number for r in analysis.reps if "short_of_neutral" in {f.fault for f in r.faults}]
    assert flagged == ([2, 4] if view == "side" else [])
    assert all(r.score["range"] < 30 for r in analysis.reps if r.number in (2, 4))  # range part of the score


# The exercises added to the first glute catalog (issue 15): each injected fault is flagged with a value
# near the size the synthetic athlete was given, as its own camera shows it (`RepTruth.image_values`).
ADDED = ("donkey_kick", "hip_thrust", "forward_lunge", "reverse_lunge", "walking_lunge", "step_up")
VALUE_CASES = [c for c in FAULT_CASES
               if c.values[0] in ADDED and c.values[1] in EXERCISES[c.values[0]].fault(c.values[2]).views]
VALUE_TOLERANCE_DEG = 3.0


@pytest.mark.parametrize("exercise,view,fault", VALUE_CASES)
def test_added_exercise_fault_value_near_its_known_size(exercise, view, fault):
    plan = default_plan(exercise)
    reps = list(plan.reps)
    for i in (1, len(reps) - 1):
        reps[i] = replace(reps[i], faults=(fault,))
    analysis, truth = _analyse(exercise, view, replace(plan, reps=tuple(reps)))
    full = [r for r in truth.reps if not r.partial]
    found = [(rep, f) for rep in analysis.reps for f in rep.faults if f.fault == fault]
    assert found
    for rep, f in found:
        want = full[rep.number - 1].image_values.for_fault(fault, f.leg or rep.side)
        assert np.isfinite(want)
        got = f.value if analysis.spec.fault(fault).kind != "change" else abs(f.value)
        assert got == pytest.approx(abs(want) if analysis.spec.fault(fault).kind == "change" else want,
                                    abs=VALUE_TOLERANCE_DEG), (rep.number, f, want)


@pytest.mark.parametrize("variant,view", [(v, view) for v, base in VARIANTS.items() for view in SUPPORTED_VIEWS[base]])
def test_variant_is_recognised_as_its_catalog_exercise(variant, view):
    """Walking lunges holding dumbbells (arms hanging) are walking lunges, a step-up with knee drive a
    step-up: reps and working legs exact."""
    analysis, truth = _analyse(variant, view)
    assert analysis.recognition.name == VARIANTS[variant], analysis.recognition
    assert [r.side for r in analysis.reps] == [r.side for r in truth.full_reps]
