"""A warm-up routine in one clip (formcheck/routine) against synthetic routines with exact answers.

Known answers (tests/synthetic_routine.py: sets of the synthetic athlete back to back, one camera,
the athlete changing position between parts):

* the four self-activation exercises in a row (single-leg bridge, clamshell, lateral band walk,
  monster walk) with rests: four exercises in that order, one set each, reps per side exact, the
  rests and the change of position between them listed as breaks, never as an exercise;
* two sets of one exercise with a rest of 15 s: one exercise, two sets, reps of both; a pause of
  5 s inside a set: one set, not a routine (the whole-clip analysis);
* a rest walked off between a squat set and a single-leg squat set: both named, reps exact, the
  walk a break;
* the exercises added to the catalog with the routine (hip thrust, donkey kick, reverse lunge,
  step-up) in a row: each named, reps exact;
* a movement outside the catalog (a jump squat; a standing kickback, five each side) between two
  catalog exercises: one item, not recognised, never named, its repetitions counted without checks
  (the jump squat's five);
* the JSON is valid against docs/schemas/exercise.schema.json; the report model counts reps within
  each exercise on the video ("Side-lying clamshell · rep 3/10 · left"), names every key frame by its
  exercise, and the HTML report shows the routine table first, then one card per exercise.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest
from synthetic_routine import ROUTINES, Rest, Set, make_routine
from test_report_model import fake_pose

from formcheck.activity.model import OTHER_EXERCISE
from formcheck.activity.timeline import activity_timeline
from formcheck.clean import clean_track
from formcheck.exercises.catalog import EXERCISES
from formcheck.exercises.report import exercise_json
from formcheck.render.html import report_html
from formcheck.render.panels import RepCounterAnnotator
from formcheck.render.routine_adapter import routine_report_model
from formcheck.routine.analysis import MOVING, analyze_routine, is_routine
from formcheck.routine.report import routine_json, write_routine_reps_csv

SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "schemas" / "exercise.schema.json"
TESTED = ("self-four", "two-sets", "walked-off", "outside-catalog", "added-four", "kickback-between-lunges")


@lru_cache(maxsize=None)
def routine_of(name: str):
    """(track, timeline, routine, truth), the track cleaned as the pipeline cleans it."""
    track, truth = make_routine(ROUTINES[name])
    track = clean_track(track).track
    timeline = activity_timeline(track)
    return track, timeline, analyze_routine(track, timeline), truth


def describe(routine) -> str:
    return "\n".join(f"{e.label}: {len(e.sets)} sets {e.reps_per_side()} ({e.analysis.view.view})"
                     for e in routine.exercises) + f"\nbreaks {[(b.label, round(b.duration_s, 1)) for b in routine.breaks]}"


@pytest.mark.parametrize("name", ["self-four", "two-sets", "walked-off", "added-four"])
def test_each_catalog_exercise_in_order_with_its_sets_and_reps_exact(name):
    _, timeline, routine, truth = routine_of(name)
    assert is_routine(timeline) and routine is not None
    assert [e.label for e in routine.exercises] == truth.exercises(), describe(routine)
    for ex in routine.exercises:
        assert len(ex.sets) == sum(s.label == ex.label for s in truth.sets), describe(routine)
        assert ex.reps_per_side() == truth.reps_per_side(ex.label), describe(routine)
        assert ex.recognised and ex.title == EXERCISES[ex.label].title
    # The sets in time order, each inside its true set's time (within the timeline's 1-s boundary error).
    sets = [routine.exercises[e].sets[s] for e, s in routine.order]
    assert [routine.exercises[e].label for e, _ in routine.order] == [s.label for s in truth.sets]
    for got, true in zip(sets, truth.sets):
        assert got.start_s <= true.start_s + 1.0 and got.end_s >= true.end_s - 1.0, (got.start_s, got.end_s, true)
        assert all(got.frames[0] <= r.start_frame and r.end_frame <= got.frames[1] for r in got.analysis.reps)


def test_rests_and_changes_of_position_are_breaks_not_exercises():
    _, _, routine, truth = routine_of("self-four")
    labels = [b.label for b in routine.breaks]
    assert labels.count("still") == 3 and set(labels) <= {"still", MOVING}, describe(routine)
    walked = routine_of("walked-off")[2]
    assert [b.label for b in walked.breaks] == ["walking"], describe(walked)
    assert walked.breaks[0].duration_s == pytest.approx(6.0, abs=1.5)


def test_two_sets_of_one_exercise_are_one_exercise_with_two_sets():
    _, _, routine, _ = routine_of("two-sets")
    (ex,) = routine.exercises
    assert [s.number for s in ex.sets] == [1, 2] and [len(s.analysis.reps) for s in ex.sets] == [10, 10]
    assert [r.number for r in ex.analysis.reps] == list(range(1, 21))  # renumbered over both sets
    assert routine.main == 0 and routine.main_exercise is ex


def test_a_short_pause_inside_a_set_does_not_make_a_routine():
    track, truth = make_routine((Set("clamshell", "foot_end"), Rest(5), Set("clamshell", "foot_end", seed=1)))
    track = clean_track(track).track
    timeline = activity_timeline(track)
    assert not is_routine(timeline) and analyze_routine(track, timeline) is None


@pytest.mark.parametrize("name", ["outside-catalog", "kickback-between-lunges"])
def test_an_exercise_outside_the_catalog_is_one_item_not_recognised(name):
    """A jump squat; a standing kickback done five times on each side (the change of side's pause
    does not split it into two items)."""
    _, _, routine, truth = routine_of(name)
    labels = [e.label for e in routine.exercises]
    catalog = [s.label for s in truth.sets if s.label in EXERCISES]
    assert labels[0] == catalog[0] and labels[-1] == catalog[-1] and len(labels) == 3, describe(routine)
    others = [e for e in routine.exercises if not e.recognised]
    assert len(others) == 1 and others[0].label in (OTHER_EXERCISE, "unsure"), describe(routine)
    assert not others[0].analysis.checked and not others[0].analysis.reps
    if name == "outside-catalog":
        assert others[0].analysis.generic.get("generic_reps", {}).get("count") == 5, others[0].analysis.generic
    for ex in routine.exercises[::len(routine.exercises) - 1]:
        assert ex.reps_per_side() == truth.reps_per_side(ex.label), describe(routine)


def test_routine_json_is_valid_and_carries_the_cards():
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the test extra")
    track, timeline, routine, truth = routine_of("self-four")
    data = {**exercise_json(routine.main_exercise.analysis), "routine": routine_json(routine),
            "timeline": timeline.to_dict()}
    data = json.loads(json.dumps(data, allow_nan=False))
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(data)
    cards = data["routine"]["exercises"]
    assert [c["name"] for c in cards] == truth.exercises()
    assert [c["reps_per_side"] for c in cards] == [truth.reps_per_side(c["name"]) for c in cards]
    assert data["routine"]["totals"]["reps"] == sum(len(s.sides) for s in truth.sets)
    assert data["exercise"]["name"] == "single_leg_bridge" and len(data["reps"]) == 8  # the main exercise


def test_reps_csv_lists_every_exercise_in_time_order(tmp_path):
    _, _, routine, truth = routine_of("self-four")
    write_routine_reps_csv(routine, tmp_path / "reps.csv")
    lines = (tmp_path / "reps.csv").read_text().splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","))) for line in lines[1:]]
    assert len(rows) == sum(len(s.sides) for s in truth.sets)
    assert list(dict.fromkeys(r["exercise"] for r in rows)) == truth.exercises()
    assert [float(r["start_s"]) for r in rows] == sorted(float(r["start_s"]) for r in rows)


def test_report_counts_reps_within_each_exercise_and_shows_the_routine_first():
    track, timeline, routine, truth = routine_of("self-four")
    report = routine_report_model(fake_pose(track), routine)
    assert [r.title for r in report.routine.rows] == [EXERCISES[n].title for n in truth.exercises()]
    assert [r.reps for r in report.routine.rows] == [sum(truth.reps_per_side(n).values()) for n in truth.exercises()]
    assert len(report.intervals) == sum(len(s.sides) for s in truth.sets)
    counter = RepCounterAnnotator()
    clam = next(iv for iv in report.intervals if iv.group == "Side-lying clamshell")
    text = counter.lines(report, (clam.first + clam.last) // 2, 2000, 20)[0][0]
    assert text == f"Side-lying clamshell · rep 1/10 · {clam.side}", text
    two = routine_of("two-sets")
    sets = routine_report_model(fake_pose(two[0]), two[2])
    last = sets.intervals[-1]
    assert counter.lines(sets, (last.first + last.last) // 2, 2000, 20)[0][0] == \
        f"Side-lying clamshell, set 2 · rep 10/10 · {last.side}"
    assert all(any(k.title.startswith(row.title) for k in report.key_frames) for row in report.routine.rows)
    html = report_html(report)
    assert html.index('id="routine"') < html.index('id="card-1"') < html.index('id="card-4"')
    assert 'id="cues"' not in html  # the cues are on the cards


def test_routine_invariants():
    for name in TESTED:
        track, timeline, routine, _ = routine_of(name)
        frames = [(routine.exercises[e].sets[s].segment_frames) for e, s in routine.order]
        assert frames == sorted(frames) and all(a <= b for a, b in frames)
        for ex in routine.exercises:
            reps = ex.analysis.reps
            assert [r.start_frame for r in reps] == sorted(r.start_frame for r in reps)
            assert ex.work_s == pytest.approx(sum(r.duration_s for r in reps))
        for b in routine.breaks:
            assert not any(a <= b.start_frame <= z for a, z in frames)


def test_an_exercise_named_by_the_user_makes_every_set_that_exercise():
    from formcheck.exercises.analysis import ExerciseOptions

    track, timeline, _, truth = routine_of("walked-off")
    routine = analyze_routine(track, timeline, ExerciseOptions(exercise="single_leg_squat"))
    (ex,) = routine.exercises
    assert ex.label == "single_leg_squat" and len(ex.sets) == 2
    assert all(s.analysis.recognition.set_by_user for s in ex.sets)
    assert [b.label for b in routine.breaks] == ["walking"]
