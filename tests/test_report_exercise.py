"""`formcheck analyze --mode exercise` outputs on a real clip: video, report in a real browser, JSON schema, CSVs.

One analysis of the gym squat seen from the side (2 reps counted by eye), exported
once (module fixture); every test reads that folder. The report opens in headless
Chromium like tests/test_report.py.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from report_browser import report_page

from formcheck.export import export_analysis
from formcheck.pipeline import analyze

pytestmark = pytest.mark.real_clip
REPO = Path(__file__).resolve().parent.parent
SCHEMA = REPO / "docs" / "schemas" / "exercise.schema.json"
CLIP = "gym_squat_side.mp4"
UNIT_SUFFIX = re.compile(r"_(s|deg|pts|leg_lengths|hip_widths)$")
IDENTIFIERS = {"frame", "number", "side", "athlete_seen", "start_frame", "peak_frame", "end_frame", "faults"}


@pytest.fixture(scope="module")
def pose_cache(tmp_path_factory):
    """This module's pose cache: the clip's pose is computed once, then read by every test here."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def exported(shared_clip, tmp_path_factory, pose_cache):
    clip = shared_clip(CLIP)
    with pytest.MonkeyPatch.context() as mp:  # a pose cache of its own, like every test
        mp.setenv("FORMCHECK_CACHE", str(pose_cache))
        result = analyze(clip, "exercise")
        auto = analyze(clip, "auto")  # the pose comes from the cache
    out = tmp_path_factory.mktemp("analyze") / "out"
    done = export_analysis(result, out, slowmo=True)
    return clip, result, done, auto


def test_every_output_is_written(exported):
    _, result, done, _ = exported
    assert result.mode == "exercise" and result.decided_by == "user" and result.exercise is not None
    names = {p.name for p in done.out_dir.iterdir()}
    assert {"annotated.mp4", "report.html", "analysis.json", "frames.csv", "reps.csv", "keyframes"} <= names
    assert "strides.csv" not in names
    stills = sorted(p.name for p in (done.out_dir / "keyframes").glob("*.jpg"))
    # Top (standing, where the rep starts) and bottom of the best and of the worst rep: two squats of
    # equal score, so the deeper one is the best.
    names = re.fullmatch(r"01_best_rep(\d)_top\.jpg 02_best_rep\1_bottom\.jpg "
                         r"03_worst_rep(\d)_top\.jpg 04_worst_rep\2_bottom\.jpg", " ".join(stills))
    assert names and {names[1], names[2]} == {"1", "2"}, stills
    deeper = max(result.exercise.reps, key=lambda r: r.range)
    assert names[1] == str(deeper.number)


def test_auto_mode_picks_exercise_for_a_squat(exported):
    auto = exported[3]
    assert (auto.mode, auto.decided_by) == ("exercise", "auto")
    assert "squat" in auto.reason and auto.data["analysis_mode"]["value"] == "exercise"


def test_annotated_video_has_every_source_frame_in_h264(exported):
    import av

    clip, result, done, _ = exported

    def read(path):
        with av.open(str(path)) as c:
            s = c.streams.video[0]
            return s.codec_context.name, sum(1 for _ in c.decode(s)), float(s.duration * s.time_base)

    _, n_src, d_src = read(clip)
    codec, n_out, d_out = read(done.out_dir / "annotated.mp4")
    assert codec == "h264" and n_out == n_src
    assert d_out == pytest.approx(d_src, abs=1.5 / result.pose.info.fps)
    # slowmo.mp4: ±0.3 s around each rep's bottom (two reps, ~19 frames each at 29.97 frames/s), 4x slower
    codec, n_slow, d_slow = read(done.out_dir / "slowmo.mp4")
    assert "slowmo.mp4" in done.files and codec == "h264" and 2 * 17 <= n_slow <= 2 * 20
    assert d_slow == pytest.approx(4 * n_slow / result.pose.info.fps, rel=0.1)


def test_analysis_json_validates_against_its_schema(exported):
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the test extra")
    _, result, done, _ = exported
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    data = json.loads((done.out_dir / "analysis.json").read_text())
    jsonschema.validate(data, schema)
    assert data["schema"] == "formcheck.exercise/2" and data["exercise"]["name"] == "squat"
    assert data["analysis_mode"] == {"value": "exercise", "decided_by": "user", "reason": "chosen by the user",
                                     "unsure": False}
    timeline = data["timeline"]  # computed for the record when the user chose the mode, too
    assert timeline["segments"] and timeline["decision"]["mode"] in ("running", "exercise", "unsure")
    squats = [seg for seg in timeline["segments"] if seg["label"] == "squat"]
    assert squats and all(seg["view"] == "side" for seg in squats)  # two squats, seen from the side
    assert any(seg["start_frame"] <= rep["peak_frame"] <= seg["end_frame"] for seg in squats for rep in data["reps"])
    running = json.loads((REPO / "docs" / "schemas" / "running.schema.json").read_text())["$defs"]
    assert {k: v for k, v in running.items() if k.startswith("timeline")} == {
        k: v for k, v in schema["$defs"].items() if k.startswith("timeline")}  # the same shape in both schemas
    unsure = {**data, "analysis_mode": {**data["analysis_mode"], "unsure": True}}  # unsure, yet a sure decision
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(unsure, schema)
    rep = data["reps"][0]
    broken = {**data, "reps": [{**rep, "values": {"knee_flexion": 100.0}}]}  # a name without its unit
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


@pytest.mark.parametrize("name", ["frames.csv", "reps.csv"])
def test_csv_headers_carry_units(exported, name):
    _, result, done, _ = exported
    rows = list(csv.reader((done.out_dir / name).open()))
    header = rows[0]
    assert all(h in IDENTIFIERS or UNIT_SUFFIX.search(h) for h in header), header
    if name == "frames.csv":
        assert len(rows) - 1 == len(result.pose.track)
        assert {"knee_flexion_left_deg", "knee_flexion_right_deg", "rep_signal_leg_lengths"} <= set(header)
        assert not [h for h in header if h.startswith(("hip_", "knee_fppa"))], header  # no check reads them
    else:
        assert len(rows) - 1 == 2  # two squats, counted by eye
        assert {"duration_s", "range_leg_lengths", "score_total_pts"} <= set(header)


def test_report_model_of_the_squat(exported):
    report = exported[1].report
    assert report.mode == "exercise" and report.interval_word == "rep" and len(report.intervals) == 2
    assert [m.kind for m in report.marks] == ["peak", "peak"]
    assert {"reps", "range", "duration_s", "score_pts"} <= {m.name for m in report.metrics}
    assert any("Knee moving inward" in what for what, _ in report.not_measurable)  # needs a front view
    assert dict(report.panel)["Reps"] == "2"
    # What a squat's checks read from the side: the rep signal (squat depth) and the knees' flexion;
    # the bridges' hip extension is no squat check.
    plotted = {s.group for s in report.series if s.plot}
    assert plotted == {"signal", "knee"}, plotted
    assert len(report.arcs) == 1 and report.arcs[0].series.startswith("knee_flexion_")  # the near knee only
    assert {p.name for p in report.per_interval} >= {"range", "score_pts", "knee_flexion_left_peak_deg"}
    titles = [k.title for k in report.key_frames]
    assert [t.split(": ")[1] for t in titles] == ["top", "bottom", "top", "bottom"], titles
    assert [m.label for m in report.marks] == ["rep 1 bottom", "rep 2 bottom"]


def test_plots_mark_the_reps(exported):
    from formcheck.render.plots import report_plots

    report = exported[1].report
    plots = report_plots(report)
    time_plots = [p for p in plots if p.kind == "time"]
    assert len(time_plots) == 2 and all(p.svg.count("<rect") >= 1 + len(report.intervals) for p in time_plots)
    assert all(">1</text>" in p.svg and ">2</text>" in p.svg for p in time_plots)  # rep numbers on the bands
    assert any(p.kind == "interval" and "Knee flexion" in p.title for p in plots)


def test_a_clip_whose_exercise_is_not_recognised_still_renders(exported):
    from formcheck.exercises.analysis import generic_alignment
    from formcheck.exercises.recognition import Recognition
    from formcheck.render.exercise_adapter import exercise_report_model
    from formcheck.render.plots import report_plots

    result = exported[1]
    unknown = replace(result.exercise, recognition=Recognition(None, 0.3, (), False, "no exercise matched well"),
                      spec=None, reps=[], partial_reps=[], checked=(), not_checkable=[],
                      generic=generic_alignment(result.pose.track, "side"))
    report = exercise_report_model(result.pose, unknown)
    assert not report.intervals and not report.key_frames
    assert {"trunk_line_spread_deg", "pelvis_line_spread_deg"} <= {m.name for m in report.metrics}
    assert report.cues and report.cues[0].kind == "not_recognised"
    assert report_plots(report)


def test_report_opens_in_chromium_and_shows_the_metrics_table(exported, tmp_path):
    _, result, done, _ = exported
    shot = tmp_path / "report.png"
    with report_page(done.out_dir / "report.html", shot) as (page, requests):
        rows = page.locator("table#metrics tbody tr")
        assert rows.count() == len(result.report.metrics) >= 5
        assert "Reps counted" in page.locator("table#metrics").inner_text()
        strip = page.locator("section#activity svg.activity-strip")
        strip_box = strip.bounding_box()
        blocks = strip.locator("g.span").count()
        activity_top = page.locator("section#activity").bounding_box()["y"]
        metrics_top = page.locator("table#metrics").bounding_box()["y"]
        images_ok = page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    assert images_ok
    import cv2

    page_img = cv2.imread(str(shot))
    assert page_img.shape[0] > 1500 and page_img.std() > 20  # a long page, not blank
    assert blocks == len(result.timeline.segments) >= 2
    assert strip_box["width"] > 800 and 40 < strip_box["height"] < 150 and activity_top < metrics_top
    strip_img = page_img[int(strip_box["y"]):int(strip_box["y"] + strip_box["height"]),
                         int(strip_box["x"]):int(strip_box["x"] + strip_box["width"])]
    green = (strip_img[..., 1].astype(int) - strip_img[..., 2] > 40) & (strip_img[..., 1] > 100)
    assert green.mean() > 0.1  # the squat blocks, in the exercise colour


def test_report_shows_the_timeline_strip_and_the_decision_near_the_top(exported):
    from formcheck.render.panels import ActivityAnnotator

    _, result, done, auto = exported
    html = (done.out_dir / "report.html").read_text()
    section = html[html.index('<section id="activity">'):html.index('<section id="capture">')]
    assert "Analysed in exercise mode, as you chose" in section
    spans = section[section.index("<svg"):section.index("</svg>")]
    for segment in result.timeline.segments:
        assert f"<title>{segment.title}: {segment.start_s:.1f}–" in spans  # every segment, named, in the strip
    assert spans.count('class="span"') == len(result.timeline.segments)
    # The annotated video's corner names the segment each frame lies in (the same report model).
    report, ann = result.report, ActivityAnnotator()
    for span in report.activity.spans:
        middle = (span.first + span.last) // 2
        assert " ".join(t for t, _ in ann.lines(report, middle, 2000, 14)) == span.label
    assert auto.report.activity.decision.endswith("analysed in exercise mode.")
    assert "Bodyweight squat" in auto.report.activity.decision


def test_analyze_cli_takes_the_exercise_and_view_from_the_user(exported, pose_cache, tmp_path):
    import os
    import subprocess
    import sys

    clip = exported[0]
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "formcheck.cli", "analyze", str(clip), "--out", str(out),
                           "--exercise", "squat", "--view", "side"], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "FORMCHECK_CACHE": str(pose_cache)})
    assert done.returncode == 0, done.stderr
    data = json.loads((out / "analysis.json").read_text())
    assert data["analysis_mode"]["decided_by"] == "user"  # naming the exercise chooses the exercise mode
    assert data["exercise"]["name"] == "squat" and data["exercise"]["set_by_user"] is True
    assert data["view"] == {**data["view"], "value": "side", "source": "user", "confidence": 1.0}
    assert len(data["reps"]) == 2 and "Bodyweight squat" in done.stdout
