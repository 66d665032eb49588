"""Render on synthetic inputs with known answers: annotators, layout, plots, video timing, CSV."""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from fractions import Fraction

import numpy as np
import pytest

from formcheck.landmarks import NUM_LANDMARKS
from formcheck.landmarks import Landmark as L
from formcheck.render.annotators import AngleArcAnnotator, GaitEventAnnotator
from formcheck.render.draw import athlete_box, place, put_text, text_size
from formcheck.render.model import (
    Activity,
    ActivitySpan,
    AngleArc,
    CueRow,
    Interval,
    Mark,
    PerInterval,
    ReportModel,
    Series,
)
from formcheck.render.panels import ActivityAnnotator, CueBannerAnnotator, MetricPanelAnnotator, RepCounterAnnotator
from formcheck.render.plots import angle_plot_svg, nice_ticks, per_interval_svg
from formcheck.render.skeleton import LEFT_BGR, RIGHT_BGR, SkeletonAnnotator
from formcheck.render.video import even_size, slowmo_windows, write_annotated_video
from formcheck.track import PoseTrack
from formcheck.video import probe
from formcheck.video.synth import write_test_clip

W, H = 400, 400
# A standing figure, side by side legs: left leg at x=150, right leg at x=250 (image coordinates).
POINTS = {
    L.LEFT_SHOULDER: (160, 60), L.RIGHT_SHOULDER: (240, 60),
    L.LEFT_HIP: (150, 170), L.RIGHT_HIP: (250, 170),
    L.LEFT_KNEE: (150, 260), L.RIGHT_KNEE: (250, 260),
    L.LEFT_ANKLE: (150, 350), L.RIGHT_ANKLE: (250, 350),
    L.LEFT_HEEL: (140, 360), L.RIGHT_HEEL: (240, 360),
    L.LEFT_FOOT_INDEX: (175, 362), L.RIGHT_FOOT_INDEX: (275, 362),
}


def figure_track(n: int = 3, t_s=None) -> PoseTrack:
    t = np.arange(n) / 30.0 if t_s is None else np.asarray(t_s)
    xy = np.full((len(t), NUM_LANDMARKS, 2), np.nan)
    vis = np.zeros((len(t), NUM_LANDMARKS))
    for k, p in POINTS.items():
        xy[:, k] = p
        vis[:, k] = 0.99
    return PoseTrack(t, xy, np.zeros((len(t), NUM_LANDMARKS)), vis, np.full((len(t), NUM_LANDMARKS, 3), np.nan),
                     np.arange(len(t)), (W, H))


def figure_report(n: int = 3, t_s=None, **kw) -> ReportModel:
    track = figure_track(n, t_s)
    series = (Series("knee_flexion_left_deg", "Knee flexion, left", "deg", np.full(n, 20.0), "left", "knee"),
              Series("knee_flexion_right_deg", "Knee flexion, right", "deg", np.full(n, np.nan), "right", "knee"))
    defaults = dict(
        series=series,
        arcs=(AngleArc("knee_flexion_left_deg", L.LEFT_KNEE, (L.LEFT_HIP, L.LEFT_KNEE), L.LEFT_ANKLE),),
        marks=(Mark("contact", "L contact", "left", 1, float(track.t_s[1]), L.LEFT_HEEL),),
        intervals=(Interval(0, 0, n - 1, "left"), Interval(1, 1, n - 1, "right")),
        cues=(CueRow("Long message.", "Overstride: left 0.26 vs right 0.18", "H", "check", frames=((0, n - 1),),
                     intervals=(0,)),),
        panel=(("Cadence", "170 steps/min"),),
        activity=Activity((ActivitySpan(0, n - 1, 0.0, float(track.t_s[-1]), "Running", "gait", 0.96, "side"),),
                          "Running from 0.0 s, the longest activity in the clip (confidence 0.96): analysed in "
                          "running mode."),
    )
    defaults.update(kw)
    return ReportModel("running", "test", track, "model@x", 0.9, **defaults)


def _near(pixel, colour, tol=60) -> bool:
    return int(np.abs(pixel.astype(int) - np.array(colour)).max()) <= tol


def test_skeleton_draws_left_shin_in_the_left_colour_and_leaves_the_input_alone():
    frame = np.zeros((H, W, 3), np.uint8)
    out = SkeletonAnnotator().annotate(frame, figure_track(), 0)
    assert not frame.any()  # the frame passed in is unchanged
    assert _near(out[305, 150], LEFT_BGR)  # middle of the left shin (knee 260 -> ankle 350)
    assert _near(out[305, 250], RIGHT_BGR)  # middle of the right shin
    assert not out[305, 200].any()  # nothing between the legs
    assert not out[305, 20].any()


def test_skeleton_skips_joints_below_the_visibility_gate():
    track = figure_track()
    vis = track.visibility.copy()
    vis[:, L.LEFT_ANKLE] = 0.1
    out = SkeletonAnnotator(min_visibility=0.5).annotate(np.zeros((H, W, 3), np.uint8), track.with_arrays(
        visibility=vis), 0)
    assert not out[320, 150].any() and _near(out[305, 250], RIGHT_BGR)


@pytest.mark.parametrize("annotator", [
    SkeletonAnnotator(), AngleArcAnnotator(), GaitEventAnnotator(), RepCounterAnnotator(), CueBannerAnnotator(),
    MetricPanelAnnotator(), ActivityAnnotator()], ids=lambda a: type(a).__name__)
def test_every_annotator_draws_on_a_copy(annotator):
    frame = np.zeros((H, W, 3), np.uint8)
    out = annotator.annotate(frame, figure_report(), 1)
    assert not frame.any() and out.shape == frame.shape and out.dtype == np.uint8
    assert out.any(), "drew nothing"
    assert not annotator.annotate(frame, figure_report(), 99).any() or isinstance(annotator, MetricPanelAnnotator)


def test_angle_arc_sits_at_its_joint_and_skips_a_nan_value():
    out = AngleArcAnnotator().annotate(np.zeros((H, W, 3), np.uint8), figure_report(), 0)
    ys, xs = np.nonzero(out.any(axis=2))
    assert abs(np.median(xs) - 150) < 40 and abs(np.median(ys) - 260) < 60  # around the left knee
    assert not out[:, 220:].any()  # the right knee's value is NaN: no arc there


def test_gait_event_marker_shows_near_its_frame_only():
    report = figure_report(n=30)
    ann = GaitEventAnnotator(window_s=0.1)
    blank = np.zeros((H, W, 3), np.uint8)
    assert ann.annotate(blank, report, 1)[330:400, 100:200].any()   # at the event
    assert ann.annotate(blank, report, 3).any()                      # 67 ms later
    assert not ann.annotate(blank, report, 10).any()                 # 300 ms later


def test_rep_counter_text_names_the_latest_interval_and_its_side():
    lines = RepCounterAnnotator().lines(figure_report(), 1, 400, 14)
    assert lines[0][0] == "stride 2/2 · right"
    report = figure_report(intervals=tuple(Interval(k, 10 * k, 10 * k + 9) for k in range(10)), n=100)
    report = ReportModel(**{**report.__dict__, "interval_word": "rep"})
    assert RepCounterAnnotator().lines(report, 25, 400, 14)[0][0] == "rep 3/10"


def _apart(pa, pb) -> bool:
    return min(pa[2], pb[2]) <= max(pa[0], pb[0]) or min(pa[3], pb[3]) <= max(pa[1], pb[1])


@pytest.mark.parametrize("size", [(400, 400), (900, 1600), (1600, 900)], ids=["crowded", "portrait", "landscape"])
def test_panels_in_one_stack_never_overlap_each_other(size):
    report = figure_report()
    placed: list = []
    frame = np.zeros((size[1], size[0], 3), np.uint8)
    for ann in (CueBannerAnnotator(), MetricPanelAnnotator(), RepCounterAnnotator()):
        ann.draw(frame, report, 1, placed)
    assert len(placed) == 3
    assert all(_apart(placed[a], placed[b]) for a in range(3) for b in range(a + 1, 3)), placed
    if size != (400, 400):  # room enough: the athlete stays clear too
        body = athlete_box(report.track, 1)
        assert all(_apart(p, body) for p in placed), (placed, body)


@pytest.mark.parametrize("athlete, expected", [
    ((0, 0, 200, 400), "right"),      # athlete on the left half: panel goes right
    ((200, 0, 400, 400), "left"),
])
def test_place_picks_the_corner_away_from_the_athlete(athlete, expected):
    x, _ = place((120, 60), (400, 400, 3), [athlete], ("top-left", "top-right"))
    assert (x > 200) == (expected == "right")


def test_special_characters_draw_and_measure():
    img = np.zeros((60, 300, 3), np.uint8)
    end = put_text(img, "rep 3/10 · left 31°", (5, 40), 20)
    assert img.any() and end == 5 + text_size("rep 3/10 · left 31°", 20)[0]


def test_athlete_box_covers_the_landmarks():
    x0, y0, x1, y1 = athlete_box(figure_track(), 0)
    assert x0 < 140 and x1 > 275 and y0 < 60 and y1 > 362
    assert athlete_box(PoseTrack.empty(3), 0) is None


def test_report_model_rejects_inconsistent_parts():
    with pytest.raises(ValueError, match="shape"):
        figure_report(series=(Series("a_deg", "a", "deg", np.zeros(5)),))
    with pytest.raises(ValueError, match="not one of the series"):
        figure_report(arcs=(AngleArc("nope_deg", L.LEFT_KNEE, L.LEFT_HIP, L.LEFT_ANKLE),))
    with pytest.raises(ValueError, match="ray"):
        AngleArc("a_deg", L.LEFT_KNEE, "sideways", L.LEFT_ANKLE)


# -- plots --------------------------------------------------------------------------------
@pytest.mark.parametrize("lo, hi, step", [(0, 12, 5), (-23, 41, 20), (0.1, 0.28, 0.05), (5, 5, 0.5)])
def test_nice_ticks_are_round_and_cover_the_range(lo, hi, step):
    ticks = nice_ticks(lo, hi)
    assert ticks[0] <= lo and ticks[-1] >= hi
    assert np.allclose(np.diff(ticks), step)


def test_angle_plot_is_valid_svg_with_units_legend_and_event_lines():
    t = np.linspace(0, 2, 61)
    left = 30 + 20 * np.sin(2 * np.pi * t)
    left[10:15] = np.nan  # a gap breaks the line
    series = [Series("knee_flexion_left_deg", "Knee flexion, left", "deg", left, "left"),
              Series("knee_flexion_right_deg", "Knee flexion, right", "deg", 30 - 20 * np.sin(2 * np.pi * t), "right")]
    marks = [Mark("contact", "L contact", "left", 5, t[5]), Mark("toe_off", "L toe-off", "left", 9, t[9])]
    svg = angle_plot_svg(t, series, marks, title="Knee flexion over time")
    root = ET.fromstring(svg)
    texts = [e.text for e in root.iter() if e.tag.endswith("text")]
    assert "time (s)" in texts and "angle (°)" in texts
    assert {"Knee flexion, left", "Knee flexion, right", "contact", "toe-off"} <= set(texts)
    paths = [e.get("d") for e in root.iter() if e.tag.endswith("path")]
    assert paths[0].count("M") == 2  # two pieces around the gap
    assert "nan" not in svg.lower()


def test_per_interval_plot_rings_flagged_strides():
    data = PerInterval("overstride_ratio", "Overstride", "leg lengths", np.arange(6), np.linspace(0.1, 0.3, 6),
                       ("left", "right") * 3, flagged=(0, 2))
    svg = per_interval_svg(data)
    root = ET.fromstring(svg)
    circles = [e for e in root.iter() if e.tag.endswith("circle")]
    assert len(circles) == 6 and sum(c.get("stroke") == "#d00" for c in circles) == 2
    assert "leg lengths" in svg and "stride" in svg


# -- video ----------------------------------------------------------------------------------
def _decode(path):
    import av

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        pts = [f.pts * f.time_base for f in c.decode(s)]
        return s.codec_context.name, s.codec_context.pix_fmt, (s.width, s.height), pts


@pytest.mark.parametrize("vfr", [False, True], ids=["constant", "variable"])
def test_annotated_video_keeps_every_frame_at_its_source_time(tmp_path, vfr):
    n = 40
    ts = np.cumsum(np.r_[0, np.where(np.arange(n - 1) % 3 == 0, 1 / 20, 1 / 40)]) if vfr else None
    clip = write_test_clip(tmp_path / "src.mp4", n_frames=n, fps=30, size=(320, 240), timestamps_s=ts)
    info = probe(clip)
    assert info.is_variable_frame_rate == vfr
    report = figure_report(n=n, t_s=info.real_timestamps_s)
    written = write_annotated_video(info, report, tmp_path / "out.mp4")
    codec, pix_fmt, size, pts = _decode(tmp_path / "out.mp4")
    assert (codec, pix_fmt, size) == ("h264", "yuv420p", (320, 240)) and written.frames == n == len(pts)
    assert np.allclose([float(p) for p in pts], info.timestamps_s, atol=1 / 90000 * 2)


def _top_level_boxes(path) -> list[str]:
    """The MP4's top-level box types, in file order."""
    data, out, k = path.read_bytes(), [], 0
    while k + 8 <= len(data):
        size = int.from_bytes(data[k:k + 4], "big")
        out.append(data[k + 4:k + 8].decode("latin-1"))
        if size == 1:
            size = int.from_bytes(data[k + 8:k + 16], "big")
        if size < 8:
            break
        k += size
    return out


def test_annotated_video_is_fast_start(tmp_path):
    """The index (moov) comes before the frames (mdat): a browser plays it before it has it all."""
    clip = write_test_clip(tmp_path / "src.mp4", n_frames=20, fps=30, size=(160, 96))
    info = probe(clip)
    write_annotated_video(info, figure_report(n=20, t_s=info.real_timestamps_s), tmp_path / "out.mp4")
    boxes = _top_level_boxes(tmp_path / "out.mp4")
    assert "moov" in boxes and "mdat" in boxes and boxes.index("moov") < boxes.index("mdat"), boxes


def test_odd_sizes_are_padded_by_one_pixel():
    assert even_size(481, 353) == (482, 354) and even_size(480, 352) == (480, 352)


def test_slowmo_windows_merge_overlaps():
    t = np.arange(100) / 10.0  # 10 frames/s
    assert slowmo_windows([2.0, 2.4, 7.0], 0.3, t) == [(17, 27), (67, 73)]
    with pytest.raises(ValueError, match="half_window_s"):
        slowmo_windows([1.0], 0.0, t)


def test_slowmo_video_plays_the_windows_slower(tmp_path):
    from formcheck.render.video import write_slowmo_video

    clip = write_test_clip(tmp_path / "src.mp4", n_frames=60, fps=30, size=(160, 96))
    info = probe(clip)
    report = figure_report(n=60, t_s=info.real_timestamps_s)
    written = write_slowmo_video(info, report, tmp_path / "slow.mp4", [0.5], half_window_s=0.1, factor=4)
    _, _, _, pts = _decode(tmp_path / "slow.mp4")
    assert written.frames == len(pts) == 7  # frames 12..18 (0.4-0.6 s)
    assert float(pts[1] - pts[0]) == pytest.approx(4 / 30, abs=1e-3)


# -- CSV -----------------------------------------------------------------------------------
UNIT_SUFFIX = re.compile(r"_(s|deg|ms|pct|spm|ratio|px)$")


def test_frames_csv_headers_carry_units(tmp_path):
    from formcheck.export import write_frames_csv

    path = write_frames_csv(figure_report(), tmp_path / "frames.csv")
    rows = list(csv.reader(path.open()))
    assert rows[0][:3] == ["frame", "t_s", "athlete_seen"]
    assert all(UNIT_SUFFIX.search(h) for h in rows[0][3:])
    assert len(rows) == 4 and rows[1][3] == "20.00" and rows[1][4] == ""


def test_time_base_is_fine_enough_for_vfr():
    from formcheck.render.video import TIME_BASE

    assert TIME_BASE <= Fraction(1, 90000)


def test_an_odd_sized_clip_is_padded_to_even(tmp_path):
    import av

    src = tmp_path / "odd.mkv"
    with av.open(str(src), mode="w") as c:  # lossless codecs take any size; H.264 4:2:0 does not
        s = c.add_stream("ffv1", rate=25)
        s.width, s.height, s.pix_fmt = 161, 97, "yuv444p"
        for k in range(10):
            img = np.full((97, 161, 3), 20 * k, np.uint8)
            c.mux(s.encode(av.VideoFrame.from_ndarray(img, format="rgb24").reformat(format="yuv444p")))
        c.mux(s.encode(None))
    info = probe(src)
    written = write_annotated_video(info, figure_report(n=10, t_s=info.real_timestamps_s), tmp_path / "out.mp4")
    codec, pix_fmt, size, pts = _decode(tmp_path / "out.mp4")
    assert (codec, pix_fmt, size, len(pts)) == ("h264", "yuv420p", (162, 98), 10)
    assert (written.width, written.height) == (162, 98)


# -- readability ------------------------------------------------------------------------------
@pytest.mark.parametrize("cap_px", [11, 15.6, 19.5, 30])
def test_text_outline_hugs_the_letters(cap_px):
    """The dark outline sits around the glyphs, not beside them: OpenCV 5 draws a thicker stroke with
    wider glyphs, so an outline drawn as a thicker copy of the text ran ahead of it ("100/1000")."""
    img = np.full((80, 700, 3), 128, np.uint8)
    put_text(img, "Mean score 100/100 rep 3/10", (10, 50), cap_px)
    dark = np.nonzero((img.max(axis=2) < 50).any(axis=0))[0]
    bright = np.nonzero((img.min(axis=2) > 220).any(axis=0))[0]
    assert bright.size and dark.size
    reach = max(1, round(0.08 * cap_px)) + 1
    assert abs(int(dark.max()) - int(bright.max())) <= reach and abs(int(dark.min()) - int(bright.min())) <= reach


def test_a_lying_athlete_gets_labels_sized_by_its_length():
    from formcheck.render.draw import body_height, sizes

    track = figure_track()
    lying = track.with_arrays(xy_px=track.xy_px[..., ::-1].copy())  # the standing figure turned on its side
    assert body_height(lying, 0) == pytest.approx(body_height(track, 0))
    assert sizes((1080, 1920), body_height(lying, 0)).label_px > 10


def test_arc_labels_at_one_joint_do_not_cover_each_other():
    n = 3
    series = (Series("a_deg", "a", "deg", np.full(n, 20.0), "left"), Series("b_deg", "b", "deg", np.full(n, 30.0),
                                                                           "right"))
    arcs = (AngleArc("a_deg", L.LEFT_KNEE, (L.LEFT_HIP, L.LEFT_KNEE), L.LEFT_ANKLE),
            AngleArc("b_deg", L.LEFT_KNEE, (L.LEFT_HIP, L.LEFT_KNEE), L.LEFT_ANKLE))  # same joint, same wedge
    report = figure_report(n, series=series, arcs=arcs)
    placed: list = []
    AngleArcAnnotator().draw(np.zeros((H, W, 3), np.uint8), report, 0, placed)
    assert len(placed) == 2 and _apart(placed[0], placed[1]), placed


# -- plots: reps, limits ------------------------------------------------------------------------
def test_angle_plot_shades_reps_and_draws_the_limits():
    t = np.linspace(0, 10, 301)
    change = 10 * np.exp(-((t - 5) ** 2))
    series = [Series("knee_fppa_left_change_deg", "Knee FPPA change, left", "deg", change, "left", limits=(8.0,))]
    reps = [Interval(0, 30, 90), Interval(1, 120, 180), Interval(2, 210, 270)]
    svg = angle_plot_svg(t, series, (), title="Knee", intervals=reps, interval_word="rep")
    root = ET.fromstring(svg)
    rects = [e for e in root.iter() if e.tag.endswith("rect") and e.get("fill-opacity") == "0.10"]
    assert len(rects) == 3
    assert float(rects[1].get("x")) < float(rects[2].get("x"))
    texts = [e.text for e in root.iter() if e.tag.endswith("text")]
    assert {"1", "2", "3", "reps", "limit of a check", "limit 8°"} <= set(texts)
    dashed_red = [e for e in root.iter() if e.tag.endswith("line") and e.get("stroke") == "#c62828"]
    assert len(dashed_red) == 2  # the limit line and its legend swatch


def test_a_long_legend_wraps_and_the_plot_grows_to_hold_it():
    t = np.linspace(0, 1, 20)
    long = [Series(f"s{k}_deg", f"A rather long label for series number {k}, left", "deg", t * k, "left")
            for k in range(4)]
    svg = angle_plot_svg(t, long, (), title="Many", width=600)
    root = ET.fromstring(svg)
    assert root.get("viewBox") != "0 0 600 300"  # taller than the default
    ys = sorted({float(e.get("y")) for e in root.iter() if e.tag.endswith("text") and (e.text or "").startswith("A ")})
    assert len(ys) >= 2  # legend rows


def test_per_interval_plot_draws_its_limits():
    data = PerInterval("knee_fppa_left_change_deg", "Knee FPPA change (left)", "deg", np.arange(4),
                       np.array([1.0, 2.0, 14.0, 0.5]), ("left",) * 4, flagged=(2,), limits=(8.0,))
    svg = per_interval_svg(data, interval_word="rep")
    assert "limit 8°" in svg and svg.count('stroke="#d00"') == 1


# -- activity timeline: adapter, video corner, strip, report section ---------------------------
def _timeline(decision_label: str, candidates, mode: str, ask: str = "", cuts=(), unsure_segment=None):
    """A 90-frame timeline: still 0-29, squat 30-59, then frames 60-89 as `unsure_segment`
    (label, candidates) or running; the decision is the last segment's."""
    from formcheck.activity.model import Decision, Segment, Timeline

    last_label, last_candidates = unsure_segment or ("running", (("running", 0.96),))
    segments = (Segment(0, 29, 0.0, 29 / 30, "still", 0.9, (("still", 0.9),)),
                Segment(30, 59, 1.0, 59 / 30, "squat", 0.94, (("squat", 0.94), ("other_exercise", 0.05)),
                        ("the hips sink and rise",), "side", 0.8),
                Segment(60, 89, 2.0, 89 / 30, last_label, 0.55, last_candidates, (), "side", 0.7, shot=len(cuts)))
    decision = Decision(mode, decision_label, 0.55, candidates, "the longest activity in the clip", 2, ask)
    return Timeline(segments, tuple(cuts), decision, 4.0, 1.0)


UNSURE_MODE = (("squat", 0.55), ("running", 0.45))
UNSURE_EXERCISE = (("squat", 0.5), ("single_leg_squat", 0.4), ("still", 0.1))
ASK_MODE = ("Not sure whether this is bodyweight squat or running: choose with --mode run or --mode exercise "
            "(--exercise NAME), or tap it in the app.")
ASK_EXERCISE = "Name the exercise with --exercise NAME (or tap it in the app)."


@pytest.mark.parametrize("label, candidates, mode, ask, decided_by, choices, ask_text, sentence", [
    ("running", (("running", 0.96),), "running", "", "auto", [], "", "analysed in running mode."),
    ("unsure", UNSURE_MODE, "unsure", ASK_MODE, "auto",
     [("Bodyweight squat", "exercise", "squat"), ("Running", "running", "auto")], ASK_MODE, "the likelier reading"),
    ("unsure", UNSURE_EXERCISE, "exercise", ASK_EXERCISE, "auto",
     [("Bodyweight squat", "exercise", "squat"), ("Single-leg squat / step-down", "exercise", "single_leg_squat")],
     "Not sure: Bodyweight squat or Single-leg squat / step-down? " + ASK_EXERCISE, "without naming the exercise"),
    ("unsure", UNSURE_MODE, "unsure", ASK_MODE, "user", [], "", "as you chose"),
], ids=["sure", "unsure-mode", "unsure-exercise", "chosen-by-user"])
def test_activity_adapter_gives_the_spans_the_decision_and_the_choices(label, candidates, mode, ask, decided_by,
                                                                       choices, ask_text, sentence):
    from formcheck.render.activity_adapter import activity_of

    unsure = ("unsure", candidates) if label == "unsure" else None
    timeline = _timeline(label, candidates, mode, ask, unsure_segment=unsure)
    analysed = "exercise" if mode in ("exercise", "unsure") else "running"
    activity = activity_of(timeline, figure_track(90), analysed, decided_by)
    assert [(s.first, s.last, s.kind) for s in activity.spans] == [
        (0, 29, "still"), (30, 59, "exercise"), (60, 89, "unsure" if unsure else "gait")]
    assert [s.label for s in activity.spans[:2]] == ["Still / resting", "Bodyweight squat 0.94"]
    assert [(c.title, c.analysis, c.exercise) for c in activity.choices] == choices
    assert activity.ask_text == ask_text and sentence in activity.decision
    if unsure:
        other = "Running" if candidates is UNSURE_MODE else "Single-leg squat / step-down"
        assert activity.spans[2].label == activity.spans[2].title == f"Not sure: Bodyweight squat or {other}?"


def test_activity_rows_follow_the_tracks_frame_numbers_and_cuts_become_rows():
    from formcheck.render.activity_adapter import activity_of

    track = figure_track(80)
    track = PoseTrack(track.t_s, track.xy_px, track.z, track.visibility, track.world_m, np.arange(80) + 10,
                      track.frame_size)  # the track starts at the clip's frame 10
    activity = activity_of(_timeline("running", (("running", 0.96),), "running", cuts=(60,)), track, "running")
    assert [(s.first, s.last) for s in activity.spans] == [(0, 19), (20, 49), (50, 79)]
    assert activity.cuts == (50,)
    assert activity.span_at(49).title == "Bodyweight squat" and activity.span_at(80) is None


def test_activity_annotator_writes_the_current_span_small_in_a_corner():
    from formcheck.render.activity_adapter import activity_of

    report = figure_report(n=90, activity=activity_of(_timeline("unsure", UNSURE_MODE, "unsure", ASK_MODE,
                                                                 unsure_segment=("unsure", UNSURE_MODE)),
                                                       figure_track(90), "exercise"))
    ann = ActivityAnnotator()
    texts = [" ".join(t for t, _ in ann.lines(report, i, 1000, 14)) for i in (5, 45, 75)]
    assert texts == ["Still / resting", "Bodyweight squat 0.94", "Not sure: Bodyweight squat or Running?"]
    frame = np.zeros((720, 1280, 3), np.uint8)  # room beside the athlete (x 140-275)
    drawn = [ann.annotate(frame, report, i) for i in (5, 45)]
    for out in drawn:
        ys, xs = np.nonzero(out.any(axis=2))
        assert xs.min() > 640 and ys.max() < 100  # top-right corner, small
    assert (drawn[0] != drawn[1]).any()  # another span, another text
    assert not ann.annotate(frame, report, 95).any()  # outside every span: nothing
    assert not ann.annotate(frame, figure_report(activity=None), 1).any()  # no timeline: nothing


def test_activity_annotator_is_in_the_default_stack_and_keeps_clear_of_the_other_panels():
    from formcheck.render.panels import compose, default_annotators

    annotators = default_annotators()
    assert any(isinstance(a, ActivityAnnotator) for a in annotators)
    report = figure_report()
    with_corner = compose(np.zeros((H, W, 3), np.uint8), report, 1, annotators)
    without = compose(np.zeros((H, W, 3), np.uint8), figure_report(activity=None), 1, annotators)
    assert (with_corner != without).any()
    placed: list = []
    for ann in (CueBannerAnnotator(), MetricPanelAnnotator(), RepCounterAnnotator(), ActivityAnnotator()):
        ann.draw(np.zeros((1600, 900, 3), np.uint8), report, 1, placed)
    assert len(placed) == 4 and all(_apart(placed[a], placed[3]) for a in range(3)), placed


def test_activity_strip_is_valid_svg_with_a_block_per_span_and_the_cuts():
    from formcheck.render.activity_adapter import activity_of
    from formcheck.render.strip import KIND_HEX, activity_strip_svg

    track = figure_track(90)
    activity = activity_of(_timeline("running", (("running", 0.96),), "running", cuts=(60,)), track, "running")
    svg = activity_strip_svg(activity, track.t_s)
    root = ET.fromstring(svg)
    groups = [g for g in root.iter() if g.tag.endswith("g") and g.get("class") == "span"]
    assert [g.get("data-first") for g in groups] == ["0", "30", "60"]
    tips = [next(e.text for e in g if e.tag.endswith("title")) for g in groups]
    assert [t.split(":")[0] for t in tips] == ["Still / resting", "Bodyweight squat", "Running"]
    assert "confidence 0.94" in tips[1] and "side view" in tips[1] and "the hips sink and rise" in tips[1]
    fills = [next(e.get("fill") for e in g if e.tag.endswith("rect")) for g in groups]
    assert fills == [KIND_HEX["still"][0], KIND_HEX["exercise"][0], KIND_HEX["gait"][0]]
    widths = [float(next(e.get("width") for e in g if e.tag.endswith("rect"))) for g in groups]
    assert widths == pytest.approx([widths[0]] * 3, abs=1)  # thirds of the clip, touching
    shown = [e.text for e in root.iter() if e.tag.endswith("text")]
    assert {"Still / resting", "Bodyweight squat", "0.94 · side", "Running", "cut"} <= set(shown)
    cuts = [g for g in root.iter() if g.tag.endswith("g") and g.get("class") == "cut"]
    assert len(cuts) == 1 and "frame 60" in next(e.text for e in cuts[0] if e.tag.endswith("title"))
    assert "nan" not in svg.lower()


@pytest.mark.parametrize("text, width_px, expected", [
    ("Bodyweight squat", 200, "Bodyweight squat"),
    ("Bodyweight squat", 60, "Bodyweigh…"),  # 10 letters of ~5.8 px
    ("Bodyweight squat", 15, ""),
], ids=["fits", "cut", "no-room"])
def test_strip_titles_are_cut_to_their_block(text, width_px, expected):
    from formcheck.render.strip import fit_text

    assert fit_text(text, width_px, 10) == expected


def test_report_html_shows_the_decision_the_question_and_the_strip_first():
    from formcheck.render.activity_adapter import activity_of
    from formcheck.render.html import report_html

    timeline = _timeline("unsure", UNSURE_EXERCISE, "exercise", ASK_EXERCISE,
                         unsure_segment=("unsure", UNSURE_EXERCISE))
    html = report_html(figure_report(n=90, activity=activity_of(timeline, figure_track(90), "exercise")))
    section = html[html.index('<section id="activity">'):]
    assert html.index('<section id="activity">') < html.index('<section id="capture">')  # near the top
    assert "analysed in exercise mode without naming the exercise" in section
    assert '<p class="ask"><b>Not sure: Bodyweight squat or Single-leg squat / step-down? Name the exercise' in section
    assert section.count('class="span"') == 3 and 'id="activity-spans"' in section
    for title in ("Still / resting", "Bodyweight squat", "Not sure: Bodyweight squat or Single-leg squat / step-down?"):
        assert title in section
    assert '<section id="activity">' not in report_html(figure_report(activity=None))


# -- two cores render one video ----------------------------------------------------------------
def _decoded_frames(path):
    import av

    with av.open(str(path)) as c:
        return [(f.pts * f.time_base, f.to_ndarray(format="bgr24")) for f in c.decode(c.streams.video[0])]


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b) ** 2))
    return 10 * np.log10(255.0 ** 2 / max(mse, 1e-12))


@pytest.mark.parametrize("vfr", [False, True], ids=["constant", "variable"])
def test_chunks_rendered_at_once_make_the_same_video_as_one_pass(tmp_path, vfr):
    """Three chunks in threads, joined: every frame at its source time, the same annotated pictures
    as one pass (compared before encoding), and the decoded video as close to them as one pass's."""
    from formcheck.render.video import render_chunks

    n = 200
    ts = np.cumsum(np.r_[0, np.where(np.arange(n - 1) % 3 == 0, 1 / 20, 1 / 40)]) if vfr else None
    clip = write_test_clip(tmp_path / "src.mp4", n_frames=n, fps=30, size=(320, 240), timestamps_s=ts)
    info = probe(clip)
    report = figure_report(n=n, t_s=info.real_timestamps_s)
    assert render_chunks(n, 3) == [(0, 66), (66, 133), (133, 200)]
    drawn = {}
    one = write_annotated_video(info, report, tmp_path / "one.mp4", workers=1,
                                on_frame=lambda row, image: drawn.setdefault(("one", row), image.copy()))
    three = write_annotated_video(info, report, tmp_path / "three.mp4", workers=3,
                                  on_frame=lambda row, image: drawn.setdefault(("three", row), image.copy()))
    assert one.frames == three.frames == n
    for row in range(n):
        assert np.array_equal(drawn[("one", row)], drawn[("three", row)]), row
    decoded_one, decoded_three = _decoded_frames(tmp_path / "one.mp4"), _decoded_frames(tmp_path / "three.mp4")
    assert len(decoded_one) == len(decoded_three) == n
    assert np.allclose([float(t) for t, _ in decoded_three], info.timestamps_s, atol=2 / 90000)
    psnr_one = [_psnr(img, drawn[("one", k)]) for k, (_, img) in enumerate(decoded_one)]
    psnr_three = [_psnr(img, drawn[("one", k)]) for k, (_, img) in enumerate(decoded_three)]
    # The pattern's saturated 1-pixel edges are the worst case for 4:2:0 (real frames: 37-39 dB, below)
    assert min(psnr_one) > 28 and min(psnr_three) > 28, (min(psnr_one), min(psnr_three))
    assert abs(np.mean(psnr_three) - np.mean(psnr_one)) < 1.0
    assert not list(tmp_path.glob(".three.mp4.chunk*")), "spill files are removed"


def test_progress_counts_every_chunk_to_the_end(tmp_path):
    clip = write_test_clip(tmp_path / "src.mp4", n_frames=130, fps=30, size=(160, 96))
    info = probe(clip)
    seen = []
    write_annotated_video(info, figure_report(n=130, t_s=info.real_timestamps_s), tmp_path / "out.mp4", workers=2,
                          progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (130, 130) and all(b >= a for (a, _), (b, _) in zip(seen, seen[1:]))


def test_a_failing_chunk_fails_the_video_and_leaves_no_spill_file(tmp_path):
    """A drawing error in a later chunk (its own thread) reaches the caller; nothing is left behind."""
    clip = write_test_clip(tmp_path / "src.mp4", n_frames=130, fps=30, size=(160, 96))
    info = probe(clip)

    class FailsLate:
        def draw(self, image, report, row, placed):
            if row == 120:
                raise RuntimeError("annotator broke on frame 120")

    with pytest.raises(RuntimeError, match="frame 120"):
        write_annotated_video(info, figure_report(n=130, t_s=info.real_timestamps_s), tmp_path / "out.mp4",
                              annotators=[FailsLate()], workers=2)
    assert not list(tmp_path.glob(".out.mp4.chunk*"))


def test_a_real_clip_rendered_in_two_chunks_keeps_its_pictures(tmp_path, shared_clip):
    """On real phone frames with the overlay drawn, the H.264 video keeps over 34 dB PSNR against the annotated
    pictures (crf 20 gives 35-37 dB on this clip) on both sides of the join, and no frame is lost."""
    from formcheck.render.video import render_chunks

    import dataclasses

    info = probe(shared_clip("home_treadmill_run_side.mp4"))
    n = 130  # the first 130 frames: two chunks of 65
    info_head = dataclasses.replace(info, frame_count=n, timestamps_s=info.timestamps_s[:n],
                                    keyframes=info.keyframes[info.keyframes < n])
    assert render_chunks(n, 2) == [(0, 65), (65, 130)]
    report = figure_report(n=n, t_s=info_head.real_timestamps_s)
    drawn = {}
    written = write_annotated_video(info_head, report, tmp_path / "out.mp4", workers=2,
                                    on_frame=lambda row, image: drawn.setdefault(row, image.copy()))
    decoded = _decoded_frames(tmp_path / "out.mp4")
    assert written.frames == len(decoded) == n
    psnr = [_psnr(img, drawn[k]) for k, (_, img) in enumerate(decoded)]
    assert min(psnr) > 34, min(psnr)
    assert abs(np.mean(psnr[60:65]) - np.mean(psnr[65:70])) < 1.5  # no visible step at the join
