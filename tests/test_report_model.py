"""The report models against exact answers: the synthetic athlete (tests/synthetic_athlete.py) for
exercises, hand-built strides for running.

Exercises: every exercise and view plots what its checks read (the bridges' hip extension for the
bridges only), and the plotted change equals the value the check judged on each rep; the key frames
are the top and bottom of the best and the worst rep; the cue banner shows on the faulty rep and
nowhere else; on a portrait phone frame, and with a small athlete, the banner, metric panel and rep
counter stay off the athlete and readable. Running: key frames are contact and toe-off of the
typical (median) stride and of the stride furthest out on each flagged metric.
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
from synthetic_athlete import SUPPORTED_VIEWS, CameraSpec, default_plan, make_exercise_clip

from formcheck.clean import clean_track
from formcheck.exercises.analysis import analyze_exercise_track
from formcheck.render.draw import athlete_box, sizes
from formcheck.render.exercise_adapter import exercise_report_model
from formcheck.render.panels import CueBannerAnnotator, MetricPanelAnnotator, RepCounterAnnotator
from formcheck.render.plots import report_plots

CASES = [(ex, view) for ex, views in SUPPORTED_VIEWS.items() for view in views]
BRIDGES = ("glute_bridge", "single_leg_bridge", "hip_thrust")   # the hip thrust is checked as a bridge


def fake_pose(track):
    """What exercise_report_model reads of a pipeline.PoseAnalysis."""
    w, h = track.frame_size
    info = SimpleNamespace(path="synthetic.mp4", upright_width=w, upright_height=h, fps=30.0,
                           real_duration_s=float(track.t_s[-1]), frame_count=len(track))
    return SimpleNamespace(info=info, track=track, athlete=SimpleNamespace(track=track),
                           model=SimpleNamespace(model_id="synthetic"))


@functools.lru_cache(maxsize=8)
def report_of(exercise, view, faults=None, camera=None):
    """(report, analysis, truth) of the default plan with `faults` ((rep index, fault), ...); cached, as
    several tests read one clip (cleaning a synthetic clip takes seconds)."""
    faults = dict(faults or ())
    plan = default_plan(exercise)
    if faults:
        plan = replace(plan, reps=tuple(replace(r, faults=(faults[k],)) if k in faults else r
                                        for k, r in enumerate(plan.reps)))
    track, truth = make_exercise_clip(exercise, view, plan, camera)
    track = clean_track(track).track
    analysis = analyze_exercise_track(track)
    return exercise_report_model(fake_pose(track), analysis), analysis, truth


@pytest.mark.parametrize("exercise,view", CASES, ids=[f"{e}-{v}" for e, v in CASES])
def test_each_exercise_plots_what_its_checks_read(exercise, view):
    report, analysis, _ = report_of(exercise, view)
    spec = analysis.spec
    plotted = [s for s in report.series if s.plot]
    names = {s.name for s in plotted}
    # The rep signal, always; the bridges' hip extension (shoulder-hip-knee, supine) only for the
    # bridges seen from the side (the donkey kick's is its own quantity, on hands and knees).
    assert any(n.startswith("rep_signal") for n in names)
    bridge_hip = [n for n in names if n.startswith("hip_extension") and not n.startswith("hip_extension_quadruped")]
    assert bool(bridge_hip) == (exercise in BRIDGES and view == "side"), names
    for fault in (spec.fault(name) for name in analysis.checked):
        assert any(n.startswith(fault.quantity) or (fault.quantity == "stance_width" and n.startswith("rep_signal"))
                   for n in names), (fault.name, names)
        assert any(fault.limit in s.limits for s in plotted), (fault.name, [s.limits for s in plotted])
    assert all(not n.startswith("knee_fppa") for n in names) or view in ("front", "rear")
    groups = {}
    for s in plotted:
        groups.setdefault(s.group, set()).add(s.unit)
        assert np.isfinite(s.values).any(), s.name
    assert all(len(units) == 1 for units in groups.values()), groups
    for arc in report.arcs:  # every arc reads a series of the report (the model checks it), not a plotted one
        assert arc.series in {s.name for s in report.series}
    plots = report_plots(report)
    assert len([p for p in plots if p.kind == "time"]) == len(groups)
    unit = re.compile(r"_(deg|leg_lengths|thigh_lengths|shoulder_widths|hip_widths)$")  # frames.csv columns
    assert all(unit.search(s.name) for s in report.series), [s.name for s in report.series]
    assert all(p.svg.count("<rect") > len(report.intervals) for p in plots if p.kind == "time")  # rep bands


@pytest.mark.parametrize("exercise,view,fault", [
    ("squat", "front", "knee_cave"),
    ("single_leg_squat", "front", "pelvic_drop"),
    ("standing_hip_abduction", "rear", "trunk_sway"),  # pelvis and trunk lines near ±180° from behind
    ("standing_hip_abduction", "front", "trunk_sway"),
    ("clamshell", "foot_end", "roll_back"),
], ids=lambda v: str(v))
def test_the_plotted_change_is_what_the_check_judged(exercise, view, fault):
    report, analysis, _ = report_of(exercise, view, ((2, fault),))
    row_of = report.row_of_frame()
    compared = 0
    for rep in analysis.reps:
        rows = slice(row_of[rep.top_frames[0]], row_of[rep.top_frames[1]] + 1)
        for key, value in rep.values.items():
            if not key.endswith("_change_deg") or not np.isfinite(value):
                continue
            series = report.series_by_name(key).values[rows]
            assert float(np.nanmedian(series)) == pytest.approx(value, abs=0.06), (rep.number, key)
            compared += 1
    assert compared >= len(analysis.reps)
    faulty = [r for r in analysis.reps if r.faults]
    assert [r.number for r in faulty] == [3]


@pytest.mark.parametrize("exercise,view,fault,words", [
    ("squat", "front", "knee_cave", ("top", "bottom")),
    ("glute_bridge", "side", "back_arch", ("bottom", "top")),
    ("single_leg_squat", "front", "pelvic_drop", ("top", "bottom")),
    ("lateral_band_walk", "front", "knee_cave", ("feet together", "feet apart")),
], ids=["squat", "glute_bridge", "single_leg_squat", "lateral_band_walk"])
def test_key_frames_are_top_and_bottom_of_the_best_and_the_worst_rep(exercise, view, fault, words):
    report, analysis, truth = report_of(exercise, view, ((2, fault),))
    full = [r for r in truth.reps if not r.partial]
    assert len(analysis.reps) == len(full)
    worst = min(analysis.reps, key=lambda r: r.score["total"])
    best = max(analysis.reps, key=lambda r: (r.score["total"], r.range))
    assert worst.number == 3 and worst.faults and not best.faults
    side = lambda r: f" ({r.side})" if r.side in ("left", "right") else ""  # noqa: E731
    rest, peak = words
    assert [k.title for k in report.key_frames] == [
        f"Best rep {best.number}{side(best)}: {rest}", f"Best rep {best.number}{side(best)}: {peak}",
        f"Worst rep 3{side(worst)}: {rest}", f"Worst rep 3{side(worst)}: {peak}"]
    t = report.track.t_s
    for kf, rep in zip(report.key_frames[::2], (best, worst)):
        true = full[rep.number - 1]
        start, bottom = kf.frame, report.key_frames[report.key_frames.index(kf) + 1].frame
        # the rest position where the rep starts, and its peak, within a third of a second of the truth
        assert true.start_s - 0.35 <= t[start] <= true.peak_s and t[start] < t[bottom]
        assert abs(t[bottom] - true.peak_s) <= max(0.35, true.hold_s / 2 + 0.2)
    assert len({k.slug for k in report.key_frames}) == 4


def test_the_cue_banner_shows_on_the_faulty_rep_only():
    report, analysis, _ = report_of("squat", "front", ((2, "knee_cave"),))
    row_of = report.row_of_frame()
    banner = CueBannerAnnotator()
    for rep in analysis.reps:
        lines = banner.lines(report, row_of[rep.peak_frame], 2000, 20)
        if rep.number == 3:
            assert lines and "Knee moving inward" in lines[0][0] and lines[0][0].startswith("check:")
        else:
            assert lines == [], (rep.number, lines)
    assert banner.lines(report, 0, 2000, 20) == []  # before the first rep


def _panel_boxes(report, i, shape):
    frame = np.zeros(shape, np.uint8)
    placed: list = []
    for ann in (CueBannerAnnotator(), MetricPanelAnnotator(), RepCounterAnnotator()):
        ann.draw(frame, report, i, placed)
    return placed, frame


def _apart(a, b) -> bool:
    return min(a[2], b[2]) <= max(a[0], b[0]) or min(a[3], b[3]) <= max(a[1], b[1])


@pytest.mark.parametrize("fill", [0.55, 0.2], ids=["phone-framing", "small-athlete"])
def test_panels_on_a_portrait_frame_stay_off_the_athlete_and_readable(fill):
    report, analysis, _ = report_of("squat", "front", ((2, "knee_cave"),), CameraSpec(fill=fill))
    w, h = report.track.frame_size
    assert h > w  # a portrait phone frame, 1080 x 1920
    row_of = report.row_of_frame()
    worst = analysis.reps[2]
    for frame in (worst.start_frame, worst.peak_frame):  # the worst rep's key frames, banner showing
        i = row_of[frame]
        placed, image = _panel_boxes(report, i, (h, w, 3))
        assert len(placed) == 3  # banner, metric panel, rep counter
        body = athlete_box(report.track, i, window=15)
        assert all(_apart(p, body) for p in placed), (placed, body)
        assert all(_apart(placed[a], placed[b]) for a in range(3) for b in range(a + 1, 3))
        banner = image[placed[0][1]:placed[0][3], placed[0][0]:placed[0][2]]
        assert (banner[..., 2] > 150).any()  # red text of a 'check' cue
    sz = sizes((h, w, 3), (body[3] - body[1]) / 1.2)
    assert sz.text_px >= 0.03 * w and sz.label_px >= 10  # panel text ~3% of the frame width; labels >= 10 px


# -- running key frames ---------------------------------------------------------------------------
def _stride(k, side, overstride, contact_time):
    from formcheck.events.model import GaitEvent
    from formcheck.metrics.model import StrideRecord

    contact = GaitEvent("contact", side, 20 * k, 20 * k / 30.0, 1.0)
    toe_off = GaitEvent("toe_off", side, 20 * k + 7, (20 * k + 7) / 30.0, 1.0)
    return StrideRecord(k, side, contact, toe_off, None,
                        {"overstride_ratio": overstride, "contact_time_ms": contact_time}, (20 * k, 20 * k + 19))


def test_running_key_frames_typical_stride_and_the_furthest_on_each_flagged_metric():
    from formcheck.cues.engine import Cue
    from formcheck.metrics.model import MetricSummary
    from formcheck.render.running_adapter import running_key_frames

    overstride = [0.18, 0.19, 0.17, 0.18, 0.31, 0.18, 0.20, 0.18]  # stride 4 lands far ahead
    contact = [240, 250, 245, 242, 248, 300, 244, 243]             # stride 5 stays down long
    strides = [_stride(k, "left" if k % 2 else "right", o, c) for k, (o, c) in enumerate(zip(overstride, contact))]

    def summary(name, unit, values):
        v = np.array(values)
        return MetricSummary(name, unit, float(np.median(v)), float(np.subtract(*np.percentile(v, [75, 25]))),
                             len(v), (np.nan, np.nan), np.nan, np.nan, np.nan, (), 1.0)

    cue = Cue("overstride.high", "overstride_ratio", "observation", "m", "H", "check", strides=(3, 4, 5),
              frames=((60, 79), (80, 99), (100, 119)), stride_values=(0.18, 0.31, 0.18))
    running = SimpleNamespace(strides=strides, cues=[cue], summary={
        "overstride_ratio": summary("overstride_ratio", "leg lengths", overstride),
        "contact_time_ms": summary("contact_time_ms", "ms", contact)})
    row_of = {f: f for f in range(200)}
    frames = running_key_frames(running, row_of)
    titles = [k.title for k in frames]
    # Typical: closest to both medians (0.18 leg lengths, 244.5 ms), i.e. index 7 (0.18, 243 ms); furthest out
    # on the flagged overstride: index 4 (0.31).
    assert titles == ["Typical stride 8 (left): contact", "Typical stride 8 (left): toe-off",
                      "Overstride: furthest stride 5 (right): contact", "Overstride: furthest stride 5 (right): toe-off"]
    assert [k.frame for k in frames] == [140, 147, 80, 87]
