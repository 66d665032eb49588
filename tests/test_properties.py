"""Property tests: any pattern of NaN and dropouts through the analysis stages (issue 7, item 3).

A pose model loses landmarks in every way there is: one landmark for a frame, a whole frame,
a leg for a second, everything for the whole clip; phones drop frames and stamp them unevenly.
Here hypothesis damages tracks with known answers (tests/synthetic_runner.py and
tests/synthetic_athlete.py; a constant standing pose) in all those ways at once -- rows cut
out of the track (irregular `t_s`), whole frames blanked, long gaps of chosen landmarks,
scattered cells, low visibility, very short and all-NaN tracks -- and sends them through
cleaning, angles, gait events, the running and exercise analyses, per-stride / per-rep
summaries and the compare functions. The properties:

- no exception, other than the documented ValueError for invalid arguments;
- NaN-aware outputs: counts are integers that count only finite values, a summary of nothing
  is NaN (never 0), no infinity anywhere;
- invariants: events, strides and reps inside the track, in time order; one per-rep value
  per rep; a constant track has no reps and no gait events however it is damaged;
- inputs are never modified.

Each test is a fixed number of examples (`derandomize=True`: the same examples every run, so
CI is reproducible and the whole file takes well under a minute). For a longer, randomised
search (new examples every run, 20x as many), run:

    HYPOTHESIS_PROFILE=long .venv/bin/pytest tests/test_properties.py -q

A failure prints the `Damage` recipe that broke it; paste it into a test to reproduce it.
"""

from __future__ import annotations

import csv
import functools
import math
import os
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from synthetic_athlete import RecordingSpec, make_exercise_clip
from synthetic_runner import Camera, Recording, synthetic_run

from formcheck.clean import CleanConfig, clean_track
from formcheck.events.gait import detect_gait_events, stances
from formcheck.events.model import GaitEvent
from formcheck.exercises.analysis import ExerciseAnalysis, ExerciseOptions, analyze_exercise_track
from formcheck.exercises.catalog import EXERCISES
from formcheck.exercises.compare import compare_exercises
from formcheck.exercises.feedback import exercise_cues
from formcheck.exercises.feedback import summarize as summarize_exercise
from formcheck.exercises.report import exercise_json, write_reps_csv
from formcheck.kinematics import angles, body
from formcheck.landmarks import MIRROR_INDEX, NUM_LANDMARKS
from formcheck.metrics.catalog import METRICS
from formcheck.metrics.model import StrideRecord, summarize
from formcheck.running.analysis import RunningOptions, analyze_running_track
from formcheck.running.compare import MIN_STRIDES, ClipSide, compare
from formcheck.track import PoseTrack
from formcheck.video.info import VideoInfo

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
if PROFILE not in ("ci", "long"):
    raise ValueError(f"HYPOTHESIS_PROFILE must be ci or long, got {PROFILE!r}")
SCALE = 20 if PROFILE == "long" else 1


def examples(n: int):
    """`n` examples, the same every run (CI); with HYPOTHESIS_PROFILE=long, 20n new ones."""
    return settings(max_examples=n * SCALE, deadline=None, derandomize=PROFILE == "ci",
                    database=None if PROFILE == "ci" else settings.default.database,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large])


# -- base tracks (known answers), built once ------------------------------------------------------------
@functools.cache
def runner(view: str) -> PoseTrack:
    """The synthetic runner, 3 s at 30 fps (91 frames) seen from `view`, on a treadmill."""
    track, _ = synthetic_run(camera=Camera(view=view), recording=Recording(fps=30.0, duration_s=3.0, noise_px=1.0))
    return track


@functools.cache
def athlete(exercise: str, view: str) -> PoseTrack:
    """The synthetic athlete doing the default set of `exercise` at 15 fps."""
    track, _ = make_exercise_clip(exercise, view, recording=RecordingSpec(fps=15.0))
    return track


@functools.cache
def standing(n: int = 90) -> PoseTrack:
    """One frame of the athlete standing, repeated: nothing moves, so there is nothing to count."""
    first = athlete("squat", "front")[0]
    rep = lambda a: np.repeat(a, n, axis=0)  # noqa: E731
    return PoseTrack(np.arange(n) / 30.0, rep(first.xy_px), rep(first.z), rep(first.visibility),
                     rep(first.world_m), np.arange(n), first.frame_size)


EXERCISE_BASES = (("squat", "front"), ("squat", "side"), ("glute_bridge", "side"), ("clamshell", "front"),
                  ("standing_hip_abduction", "front"), ("lateral_band_walk", "front"))


# -- damage -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Damage:
    """What goes missing from a track, as plain numbers (hypothesis shrinks and prints them).

    keep: (first, stop) rows kept; dropped: rows cut out of the track (the time jumps);
    stretch: each frame interval multiplied by stretch[i % len] (irregular t_s);
    blank_frames: (start, length) runs of rows with no landmark; gaps: (landmark, start, length)
    runs of one landmark missing; cell_rate: share of single (row, landmark) cells missing,
    drawn with `seed`; low_vis_rate: share of cells whose visibility drops below 0.5 (the
    coordinates stay); keep_visibility: blanked cells keep their visibility (as `with_missing`
    does) instead of 0; all_nan: nothing seen at all; frame_scale: the picture is this many
    times wider and taller around the same athlete (a small athlete in a wide shot).
    """

    keep: tuple[int, int]
    dropped: tuple[int, ...] = ()
    stretch: tuple[float, ...] = ()
    blank_frames: tuple[tuple[int, int], ...] = ()
    gaps: tuple[tuple[int, int, int], ...] = ()
    cell_rate: float = 0.0
    low_vis_rate: float = 0.0
    seed: int = 0
    keep_visibility: bool = False
    all_nan: bool = False
    frame_scale: int = 1


@st.composite
def damages(draw, n: int, min_rows: int = 0) -> Damage:
    """Damage for a track of `n` rows, from none to total; each kind is often absent, so that
    mild damage (where analyses still find events and reps) is as common as wreckage."""
    if draw(st.integers(0, 2)) or n < min_rows:
        first, stop = 0, n
    else:
        first = draw(st.integers(0, n - min_rows))
        stop = draw(st.integers(first + min_rows, n))
    m = stop - first
    idx = st.integers(0, max(m - 1, 0))
    n_drop = min(draw(st.sampled_from([0, 0, 2, 8, m // 3])), max(m - min_rows, 0))
    stretch = draw(st.sampled_from([(), (), (0.8, 1.25), (0.05, 20.0)]))
    return Damage(
        keep=(first, stop),
        dropped=tuple(sorted(draw(st.sets(idx, max_size=n_drop)))) if m else (),
        stretch=tuple(draw(st.lists(st.floats(*stretch), min_size=1, max_size=5))) if stretch else (),
        blank_frames=tuple(draw(st.lists(st.tuples(idx, st.integers(1, 40)),
                                         max_size=draw(st.sampled_from([0, 0, 1, 4]))))),
        gaps=tuple(draw(st.lists(st.tuples(st.integers(0, NUM_LANDMARKS - 1), idx, st.integers(1, 90)),
                                 max_size=draw(st.sampled_from([0, 0, 3, 8]))))),
        cell_rate=draw(st.sampled_from([0.0, 0.0, 0.0, 0.02, 0.1, 0.5])),
        low_vis_rate=draw(st.sampled_from([0.0, 0.0, 0.0, 0.05, 0.5])),
        seed=draw(st.integers(0, 2**16)),
        keep_visibility=draw(st.booleans()),
        all_nan=draw(st.sampled_from([False] * 9 + [True])),
        frame_scale=draw(st.sampled_from([1, 4])),
    )


def damaged(track: PoseTrack, d: Damage) -> PoseTrack:
    """`track` with damage `d`; a new track (the input is not modified)."""
    rows = np.arange(min(d.keep[0], len(track)), min(d.keep[1], len(track)))
    rows = np.delete(rows, [i for i in d.dropped if i < rows.size])
    t = track.t_s[rows]
    if d.stretch and t.size > 1:
        dt = np.diff(t) * np.resize(np.asarray(d.stretch), t.size - 1)
        t = t[0] + np.concatenate(([0.0], np.cumsum(dt)))
    n = rows.size
    missing = np.zeros((n, track.num_landmarks), dtype=bool)
    for start, length in d.blank_frames:
        missing[start:start + length] = True
    for landmark, start, length in d.gaps:
        missing[start:start + length, landmark] = True
    rng = np.random.default_rng(d.seed)
    missing |= rng.random(missing.shape) < d.cell_rate
    if d.all_nan:
        missing[:] = True
    vis = track.visibility[rows].copy()
    low = rng.random(missing.shape) < d.low_vis_rate
    vis[low] = rng.uniform(0.0, 0.5, int(low.sum()))
    if not d.keep_visibility:
        vis[missing] = 0.0
    size = (track.frame_size[0] * d.frame_scale, track.frame_size[1] * d.frame_scale)
    out = PoseTrack(t, track.xy_px[rows], track.z[rows], vis, track.world_m[rows], track.frame_index[rows], size)
    return out.with_missing(missing)


def snapshot(track: PoseTrack) -> dict[str, np.ndarray]:
    return {name: getattr(track, name).copy() for name in ("t_s", "xy_px", "z", "visibility", "world_m",
                                                          "frame_index")}


def assert_unchanged(track: PoseTrack, before: dict[str, np.ndarray]) -> None:
    for name, arr in before.items():
        np.testing.assert_array_equal(getattr(track, name), arr, err_msg=f"{name} was modified")


def no_inf(value, where: str) -> None:
    """NaN is allowed (not measurable); infinity never is."""
    assert not (isinstance(value, float) and math.isinf(value)), f"{where} is {value}"


def fake_info(track: PoseTrack) -> VideoInfo:
    """A VideoInfo for a track with no clip behind it (the running analysis reads only the
    frame size and count when the context is set to treadmill)."""
    w, h = track.frame_size
    count = int(track.frame_index[-1]) + 1 if len(track) else 0
    return VideoInfo(path="synthetic.mp4", file_size_bytes=0, container="mp4", codec="h264", width=w, height=h,
                     rotation_deg=0, frame_count=count, duration_s=count / 30.0, fps=30.0,
                     is_variable_frame_rate=False, timestamps_s=np.arange(count) / 30.0)


# -- cleaning ---------------------------------------------------------------------------------------------
@examples(60)
@given(view=st.sampled_from(["side", "rear"]), d=damages(91), smoother=st.sampled_from(["butterworth", "savgol", "none"]))
def test_clean_track_keeps_shapes_and_invents_nothing(view, d, smoother):
    track = damaged(runner(view), d)
    before = snapshot(track)
    result = clean_track(track, CleanConfig(smoother=smoother))
    assert_unchanged(track, before)
    out = result.track
    assert len(out) == len(track) and out.xy_px.shape == track.xy_px.shape
    np.testing.assert_array_equal(out.t_s, track.t_s)
    np.testing.assert_array_equal(out.frame_index, track.frame_index)
    assert not np.isinf(out.xy_px).any() and not np.isinf(out.world_m).any()
    # A coordinate is known after cleaning only where it (or its twin, after a leg swap) was seen
    # above the visibility gate, or where it was filled between known neighbours.
    gated = track.present & (track.visibility >= result.config.min_visibility)
    seen = gated | gated[:, list(MIRROR_INDEX)]
    assert not (out.present & ~seen & ~result.filled).any()
    if not gated.any():
        assert not out.present.any()
    swapped = result.swapped_frames
    assert np.all(np.diff(swapped) > 0) and (swapped.size == 0 or 0 <= swapped[0] <= swapped[-1] < len(track))
    assert result.outlier_count.shape == (track.num_landmarks,) and np.all(result.outlier_count >= 0)
    for cov in (result.raw_coverage, result.gated_coverage, result.coverage):
        assert cov.num_frames == len(track)
        frac = cov.fraction_present
        assert np.all((frac >= 0) & (frac <= 1)) if len(track) else np.isnan(frac).all()
        assert np.all(cov.longest_gap_s >= 0) and np.all(cov.longest_gap_s <= cov.duration_s + 1e-9)


# -- angles -----------------------------------------------------------------------------------------------
# Missing is NaN (PoseTrack); infinity is not a coordinate any stage produces.
coords = st.one_of(st.just(float("nan")), st.floats(-1e7, 1e7), st.floats(-5000, 5000))


@examples(150)
@given(data=st.data(), n=st.integers(0, 6))
def test_angle_functions_are_nan_aware_and_in_range(data, n):
    pts = [data.draw(hnp.arrays(np.float64, (n, 2), elements=coords)) for _ in range(4)]
    direction = data.draw(st.sampled_from([1, -1, np.nan]))
    copies = [p.copy() for p in pts]
    a, b, c, e = pts
    with np.errstate(all="ignore"):
        results = {
            "joint": (angles.joint_angle_deg(a, b, c), (0, 180)),
            "knee": (angles.knee_flexion_deg(a, b, c), (0, 180)),
            "thigh": (angles.thigh_angle_deg(a, b, direction), (-180, 180)),
            "shank": (angles.shank_angle_deg(a, b, direction), (-180, 180)),
            "trunk": (angles.trunk_lean_deg(a, b, direction), (-180, 180)),
            "segment": (angles.segment_angle_to_horizontal_deg(a, b, direction), (-180, 180)),
            "pelvis": (angles.pelvic_obliquity_deg(a, b), (-90, 90)),
            "between": (body.angle_between_deg(a, b), (0, 180)),
            "fppa": (body.fppa_deg(a, b, c, e), (-180, 180)),
            "signed_hip": (body.signed_hip_angle_deg(a, b, c), (0, 360)),
            "lateral_lean": (body.lateral_lean_deg(a, b), (-180, 180)),
            "line": (body.line_angle_deg(a, b), (-180, 180)),
        }
    for p, copy in zip(pts, copies):
        np.testing.assert_array_equal(p, copy)
    for name, (value, (lo, hi)) in results.items():
        assert value.shape == (n,), name
        finite = np.isfinite(value)
        assert np.all((value[finite] >= lo - 1e-9) & (value[finite] <= hi + 1e-9)), (name, value)
        used = {"joint": 3, "knee": 3, "fppa": 4, "signed_hip": 3}.get(name, 2)
        bad_used = ~np.isfinite(np.concatenate(pts[:used], axis=1)).all(axis=1)
        if name in ("thigh", "shank", "trunk", "segment") and not np.isfinite(direction):
            bad_used = np.ones(n, dtype=bool)
        assert not np.any(finite & bad_used), (name, "a value from a missing point")


@examples(20)
@given(direction=st.one_of(st.integers(), st.floats(allow_nan=False)))
def test_angle_direction_other_than_plus_minus_one_is_a_value_error(direction):
    assume(direction not in (1, -1))
    with pytest.raises(ValueError, match="direction"):
        angles.thigh_angle_deg(np.zeros((2, 2)), np.ones((2, 2)), direction)


# -- gait events ------------------------------------------------------------------------------------------
def check_events(events: list[GaitEvent], track: PoseTrack) -> None:
    times = [e.t_s for e in events]
    assert times == sorted(times), "events out of time order"
    for e in events:
        assert 0 <= e.frame < len(track), e
        assert track.t_s[0] - 1e-9 <= e.t_s <= track.t_s[-1] + 1e-9, e
        assert 0.0 <= e.confidence <= 1.0 and math.isfinite(e.t_s)
    for s in stances(events, track):
        assert s.contact.t_s < s.toe_off.t_s and s.contact.side == s.toe_off.side == s.side
        assert s.midstance_frame is None or 0 <= s.midstance_frame < len(track)


@examples(60)
@given(view=st.sampled_from(["side", "rear"]), d=damages(91), method=st.sampled_from(["auto", "zeni", "hybrid"]),
       clean=st.booleans())
def test_gait_events_inside_the_track_and_in_order(view, d, method, clean):
    track = damaged(runner(view), d)
    if clean:
        track = clean_track(track).track
    before = snapshot(track)
    if view == "side":
        events = detect_gait_events(track, 1, method=method)
    else:
        events = detect_gait_events(track, None, view="rear")
    assert_unchanged(track, before)
    check_events(events, track)


@examples(25)
@given(d=damages(90), view=st.sampled_from(["side", "rear", "front"]))
def test_a_constant_track_has_no_gait_events(d, view):
    track = damaged(standing(), d)
    events = detect_gait_events(track, 1 if view == "side" else None, view=view)
    assert events == []


# -- running analysis -------------------------------------------------------------------------------------
def running_of(track: PoseTrack, view: str = "auto"):
    pose = SimpleNamespace(track=track, info=fake_info(track))
    return analyze_running_track(pose, RunningOptions(view=view, context="treadmill"))


def check_running(run, track: PoseTrack) -> None:
    check_events(run.events, track)
    contacts = [s.contact.t_s for s in run.strides]
    assert contacts == sorted(contacts), "strides out of time order"
    for s in run.strides:
        assert 0 <= s.frames[0] <= s.frames[1] < len(track), s.frames
        assert s.contact in run.events
        for name, v in s.values.items():
            no_inf(float(v), f"stride {s.index} {name}")
    for name, summary in run.summary.items():
        finite = sum(1 for s in run.strides if np.isfinite(s.values.get(name, np.nan)))
        if name == "cadence_spm" and finite == 0:  # from the steps alone: n counts steps
            assert run.strides and summary.n == run.cadence.steps >= 6, (summary.n, run.cadence)
            continue
        assert isinstance(summary.n, int) and summary.n == finite >= 1, (name, summary.n, finite)
        assert np.isfinite(summary.median) and np.isfinite(summary.spread), summary
        assert np.isnan(summary.ci95).all() if summary.n < 3 else np.isfinite(summary.ci95).all()
        assert list(summary.frames) == sorted(set(summary.frames))
        assert all(0 <= f < len(track) for f in summary.frames)
        assert 0.0 <= summary.confidence <= 1.0
    assert all(m.name in METRICS for m in run.not_measurable), run.not_measurable
    named = set(run.summary) | {m.name for m in run.not_measurable}
    assert set(METRICS) <= named
    assert not set(run.summary) & {m.name for m in run.not_measurable}


@examples(30)
@given(base=st.sampled_from(["side", "rear"]), d=damages(91, min_rows=2),
       view=st.sampled_from(["auto", "side", "rear", "front"]))
def test_running_analysis_of_any_damaged_track(base, d, view):
    track = clean_track(damaged(runner(base), d)).track
    before = snapshot(track)
    run = running_of(track, view)
    assert_unchanged(track, before)
    check_running(run, track)


@examples(15)
@given(d=damages(90, min_rows=2), view=st.sampled_from(["auto", "side", "rear"]))
def test_running_analysis_of_a_constant_track_counts_no_strides(d, view):
    run = running_of(damaged(standing(), d), view)
    assert run.events == [] and run.strides == [] and run.summary == {}


@examples(8)
@given(base=st.sampled_from(["side", "rear"]), da=damages(91, min_rows=2), db=damages(91, min_rows=2))
def test_running_compare_of_two_damaged_clips(base, da, db):
    runs = [running_of(clean_track(damaged(runner(base), d)).track) for d in (da, db)]
    sides = [ClipSide(label, r.strides, r.view.view, r.context.kind, r.gait_mode.mode, 30.0)
             for label, r in zip("AB", runs)]
    result = compare(*sides)
    for row in result.metrics:
        counts = [sum(np.isfinite(s.values.get(row.name, np.nan)) for s in r.strides) for r in runs]
        assert [row.a_n, row.b_n] == counts and sum(counts) > 0
        if row.is_different:
            assert min(counts) >= MIN_STRIDES and np.isfinite(row.difference)
    result.to_dict()


# -- per-stride summaries and running compare ----------------------------------------------------------------
values = st.one_of(st.just(float("nan")), st.floats(-1e6, 1e6))


@st.composite
def stride_lists(draw, names=("cadence_spm", "knee_flexion_contact_deg")):
    out = []
    for i in range(draw(st.integers(0, 12))):
        side = draw(st.sampled_from(["left", "right"]))
        contact = GaitEvent("contact", side, i, float(i), 1.0)
        out.append(StrideRecord(i, side, contact, None, None, {n: draw(values) for n in names}, (i, i + 1)))
    return out


@examples(100)
@given(strides=stride_lists())
def test_summaries_count_only_finite_values(strides):
    for name in ("cadence_spm", "knee_flexion_contact_deg"):
        s = summarize(name, strides)
        finite = [x.values[name] for x in strides if np.isfinite(x.values[name])]
        assert s.n == len(finite)
        if finite:
            assert s.median == pytest.approx(float(np.median(finite)))
            assert min(finite) <= s.median <= max(finite)
        else:
            assert np.isnan(s.median) and s.frames == () and s.confidence == 0.0
        no_inf(s.asymmetry_pct, "asymmetry")
        s.to_dict()


@examples(100)
@given(a=stride_lists(), b=stride_lists(), mode=st.sampled_from([("running", "running"), ("running", "walking")]))
def test_running_compare_counts_finite_values_and_needs_enough_strides(a, b, mode):
    ca = ClipSide("A", a, "side", "treadmill", mode[0], 60.0)
    cb = ClipSide("B", b, "side", "treadmill", mode[1], 60.0)
    result = compare(ca, cb, ["cadence_spm", "knee_flexion_contact_deg"])
    for row in result.metrics:
        fa = sum(np.isfinite(s.values[row.name]) for s in a)
        fb = sum(np.isfinite(s.values[row.name]) for s in b)
        assert (row.a_n, row.b_n) == (fa, fb) and fa + fb > 0
        assert row.verdict in ("different", "no difference above the noise", "not comparable")
        if row.is_different:
            assert fa >= MIN_STRIDES and fb >= MIN_STRIDES and mode[0] == mode[1]
        row.to_dict()
    result.to_dict()


# -- exercise analysis ------------------------------------------------------------------------------------
def check_exercise(analysis: ExerciseAnalysis, track: PoseTrack, tmp_csv) -> None:
    fi, t = track.frame_index, track.t_s
    assert analysis.frames == (int(fi[0]), int(fi[-1]))
    assert [r.number for r in analysis.reps] == list(range(1, len(analysis.reps) + 1))
    starts = [r.start_frame for r in analysis.reps]
    assert starts == sorted(starts), "reps out of order"
    frames = set(fi.tolist())
    for r in analysis.reps + analysis.partial_reps:
        assert r.start_frame <= r.peak_frame <= r.end_frame, r
        assert r.start_frame <= r.top_frames[0] <= r.top_frames[1] <= r.end_frame, r
        assert {r.start_frame, r.peak_frame, r.end_frame} <= frames
        assert t[0] <= r.start_s <= r.peak_s <= r.end_s <= t[-1], r
        assert r.hold_s >= 0
        no_inf(r.range, "range")
        assert r.score["total"] is not None and 0 <= r.score["total"] <= 100, r.score
        for name, v in {**r.values, **r.score}.items():
            no_inf(float(v) if v is not None else None, name)  # None: nothing checked (rep_score)
    # Reps of one side never overlap. Band-walk steps may share a few frames: a step's two foot
    # movements may overlap the next step's (steps.MAX_SHARED).
    for side in {r.side for r in analysis.reps} if analysis.spec and analysis.spec.signal != "steps" else ():
        mine = [r for r in analysis.reps if r.side == side]
        assert all(x.end_frame <= y.start_frame for x, y in zip(mine, mine[1:])), "reps of one side overlap"
    summary = summarize_exercise(analysis)
    assert summary["reps"] == len(analysis.reps) and summary["partial_reps"] == len(analysis.partial_reps)
    assert sum(summary["reps_per_side"].values()) == len(analysis.reps)
    exercise_cues(analysis)
    js = exercise_json(analysis)
    assert len(js["reps"]) == len(analysis.reps)
    write_reps_csv(analysis, tmp_csv)
    with open(tmp_csv, newline="") as f:
        assert len(list(csv.DictReader(f))) == len(analysis.reps)  # one row per rep


exercise_names = st.sampled_from(["auto", *EXERCISES])


@examples(60)
@given(base=st.sampled_from(EXERCISE_BASES), data=st.data(), exercise=st.sampled_from(["auto", "same", *EXERCISES]),
       clean=st.booleans())
def test_exercise_analysis_of_any_damaged_track(base, data, exercise, clean, tmp_path):
    exercise = base[0] if exercise == "same" else exercise  # the exercise done: reps to count
    full = athlete(*base)
    track = damaged(full, data.draw(damages(len(full), min_rows=2), label="damage"))
    if clean:
        track = clean_track(track).track
    before = snapshot(track)
    analysis = analyze_exercise_track(track, ExerciseOptions(exercise=exercise))
    assert_unchanged(track, before)
    check_exercise(analysis, track, tmp_path / "reps.csv")


@examples(40)
@given(d=damages(90, min_rows=2), exercise=exercise_names, view=st.sampled_from(["auto", "side", "front",
                                                                                    "rear", "foot_end"]))
def test_exercise_analysis_of_a_constant_track_counts_no_reps(d, exercise, view):
    analysis = analyze_exercise_track(damaged(standing(), d), ExerciseOptions(exercise=exercise, view=view))
    assert analysis.reps == [] and analysis.partial_reps == []


def test_exercise_analysis_of_fewer_than_two_frames_is_a_value_error():
    for n in (0, 1):
        with pytest.raises(ValueError, match="at least two frames"):
            analyze_exercise_track(standing()[:n])


@examples(25)
@given(base=st.sampled_from(EXERCISE_BASES[:3]), data=st.data())
def test_exercise_compare_of_damaged_sets(base, data):
    full = athlete(*base)
    a, b = (analyze_exercise_track(damaged(full, data.draw(damages(len(full), min_rows=2), label=label)))
            for label in ("damage a", "damage b"))
    result = compare_exercises(a, b)
    for row in result.metrics:
        assert isinstance(row.a_n, int) and isinstance(row.b_n, int)
        assert row.verdict in ("different", "no difference above the noise", "not comparable")
        if row.is_different:
            assert row.a_n >= 3 and row.b_n >= 3 and np.isfinite(row.difference)
        row.to_dict()
    result.to_dict()


# -- what the properties found, kept as plain regression tests ----------------------------------------------
def test_clean_track_of_a_clip_whose_frame_rate_drops_for_a_while():
    # Found by test_clean_track_keeps_shapes_and_invents_nothing: 6 frames spaced 1, 2.5, 1, 1, 2.5
    # frames of 15 fps. The clip's median rate (15 fps) sets the auto cut-off 3.75 Hz; a finite run
    # spaced 1/6 s has its Nyquist at 3 Hz, and the Butterworth design raised ValueError.
    d = Damage(keep=(0, 6), stretch=(2.0, 5.0, 2.0))
    track = damaged(runner("side"), d)
    result = clean_track(track)
    assert result.cutoff_hz == pytest.approx(3.75)
    assert result.track.present.sum() >= 0.9 * track.present.sum()


def test_running_analysis_of_a_small_athlete_leaves_strides_out_with_a_note():
    # Found by test_running_analysis_of_any_damaged_track: the runner 500 px tall in a 5120 x 2880
    # picture (Damage(keep=(0, 91), frame_scale=4)). Strides of an athlete under 20% of the frame
    # height are left out, and the analysis said so with NotMeasurable("strides_left_out"), which is
    # no catalog metric: evaluate_cues raised ValueError "unknown metric 'strides_left_out'".
    track = clean_track(damaged(runner("side"), Damage(keep=(0, 91), frame_scale=4))).track
    run = running_of(track)
    assert run.strides == [] and run.summary == {}
    assert len(run.notes) == 1 and "strides left out" in run.notes[0]
    assert all(m.name in METRICS for m in run.not_measurable)


def test_running_analysis_of_a_side_clip_set_to_rear_measures_nothing_and_says_why():
    # Found by test_running_analysis_of_any_damaged_track: the undamaged side-view runner with
    # RunningOptions(view="rear"). Its hips are in front-view order in 49 of 91 frames (they
    # overlap from the side); rear_view_stances raised ValueError through analyze_running_track.
    # Since the synthetic runner lands as real heels do (reach at contact) the frontal detector finds
    # one stance there, which measures nothing either.
    run = running_of(clean_track(runner("side")).track, "rear")
    assert run.summary == {}
    assert all(not math.isfinite(v) for s in run.strides for v in s.values.values())
    said = {m.name: m.reason for m in run.not_measurable}
    assert {"pelvic_drop_deg", "hip_adduction_deg", "step_width_ratio", "cadence_spm"} <= set(said)
    assert run.strides == [] and any("hips are in the other order" in n for n in run.notes) or \
        all("could not be measured" in said[n] or "not measurable here" in said[n]
            for n in ("pelvic_drop_deg", "hip_adduction_deg", "step_width_ratio"))


def test_a_constant_rear_view_with_scattered_missing_shoulders_has_no_gait_events():
    # Found by test_running_analysis_of_a_constant_track_counts_no_strides: the standing athlete
    # (front view) analysed as rear with 2% of cells missing (Damage(keep=(0, 90), dropped=(1,),
    # stretch=(0.8046875, 0.875), cell_rate=0.02, seed=199)). relabel_frontal_sides exchanged left
    # and right on every frame except the 8 missing a hip or shoulder, so the legs swapped there and
    # back, and the frontal detector found 2 contacts and a toe-off of a body that never moves.
    d = Damage(keep=(0, 90), dropped=(1,), stretch=(0.8046875, 0.875), cell_rate=0.02, seed=199)
    run = running_of(damaged(standing(), d), "rear")
    assert run.events == [] and run.strides == []


def test_an_infinite_direction_is_a_value_error():
    # Found by test_angle_direction_other_than_plus_minus_one_is_a_value_error (long profile):
    # direction=inf passed the check (it looked only at finite values) and read thigh angles of ±90.
    with pytest.raises(ValueError, match="direction must be"):
        angles.thigh_angle_deg(np.zeros((2, 2)), np.ones((2, 2)), float("inf"))


def test_band_walk_whose_stance_width_is_never_seen_has_no_steps(tmp_path):
    # Found by test_exercise_analysis_of_any_damaged_track (long profile): 14 frames of the lateral
    # band walk with half the landmark cells missing; the stance width was seen in 1 frame, its
    # smoothed signal was all NaN, and reps._window raised IndexError on a step with no top frame.
    track = damaged(athlete("lateral_band_walk", "front"), Damage(keep=(123, 137), cell_rate=0.5, seed=1))
    analysis = analyze_exercise_track(track, ExerciseOptions(exercise="lateral_band_walk"))
    assert analysis.reps == []
    check_exercise(analysis, track, tmp_path / "reps.csv")
