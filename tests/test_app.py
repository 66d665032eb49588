"""The Streamlit app driven by Streamlit's AppTest: real pipeline, real model, real clips.

Each page is a function in formcheck/ui; the entry point's navigation is tested
from the file, the pages' flows through their functions (AppTest cannot switch
to function pages). The real-browser test is tests/test_app_browser.py.
"""

from __future__ import annotations

import re

import pytest
from app_helpers import APP, app_home, page_app, run_until, select_option, texts
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.real_clip


@pytest.fixture
def home(tmp_path, use_home, sample_clip, shared_clip):
    clips = {"pose2sim_single_cam02.mp4": sample_clip("pose2sim_single_cam02.mp4"),
             "sports2d_demo_walk_side.mp4": sample_clip("sports2d_demo_walk_side.mp4"),
             "treadmill_run_side.mp4": shared_clip("home_treadmill_run_side.mp4")}
    return use_home(app_home(tmp_path, clips))


def _analyse(at: AppTest, sample: str, mode: str = "auto") -> AppTest:
    select_option(at.selectbox(key="analyse-sample"), sample).run()
    at.radio(key="analyse-mode").set_value(mode).run()
    at.button(key="analyse-go").click().run()
    return run_until(at, lambda a: len(a.tabs) > 0)


def test_entry_point_opens_the_analyse_page_with_a_sample_ready(home):
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "FormCheck"
    options = [str(o) for o in at.selectbox(key="analyse-sample").options]
    assert options == ["pose2sim_single_cam02.mp4", "sports2d_demo_walk_side.mp4", "treadmill_run_side.mp4"]
    assert at.button(key="analyse-go").label == "Analyse"


def test_warm_up_exercise_is_recognised_with_reps_metrics_cues_and_downloads(home):
    at = _analyse(page_app("analyse_page:page").run(), "pose2sim_single_cam02", mode="auto")
    page = texts(at)
    assert "exercise mode (automatic" in page
    assert at.subheader[0].value.startswith("Standing hip abduction") and "1 rep (1 right)" in at.subheader[0].value
    tables = [d.value for d in at.dataframe]
    metric_table = next(t for t in tables if "metric" in t.columns and "evidence" in t.columns)
    assert len(metric_table) >= 1 and metric_table["view"].str.len().gt(0).all()
    per_rep = next(t for t in tables if "side" in t.columns and "number" in t.columns)
    assert list(per_rep["side"]) == ["right"]  # the sideways leg raise of the right leg (ground truth)
    labels = [b.label for b in at.get("download_button")]
    assert {"Annotated video (MP4)", "Report (HTML)", "Analysis (JSON)", "Reps (CSV)"} <= set(labels)
    assert next(s for s in at.slider if s.label == "Frame").max == 99


def test_running_mode_shows_strides_and_cadence(home):
    at = _analyse(page_app("analyse_page:page").run(), "treadmill_run_side", mode="running")
    page = texts(at)
    assert "running mode (chosen by you) ·" in page
    assert at.subheader[0].value.startswith("Running, side view, treadmill")
    tables = [d.value for d in at.dataframe]
    metric_table = next(t for t in tables if "metric" in t.columns and "evidence" in t.columns)
    cadence = metric_table[metric_table["metric"].str.contains("adence")]
    assert len(cadence) == 1 and cadence["value"].iloc[0].endswith("steps/min")
    assert int(cadence["value"].iloc[0].split()[0]) in range(150, 191)  # a treadmill run, steps per minute
    strides = next(t for t in tables if "contact frame" in t.columns)
    assert len(strides) >= 6 and set(strides["side"]) == {"left", "right"}
    labels = [b.label for b in at.get("download_button")]
    assert "Strides (CSV)" in labels


def test_picking_another_person_analyses_them_instead(home):
    # Running mode follows the runner: the walker (person 2), nearly as present and large as the man
    # posing on the roof (person 1), is analysed by default; picking person 1 analyses him instead.
    at = _analyse(page_app("analyse_page:page").run(), "sports2d_demo_walk_side", mode="running")
    expander = next(e for e in at.expander if "people in the clip" in e.label)
    assert expander.label.endswith("person 2 is analysed")
    assert any("people are in view at once" in w.value for w in at.warning)  # the clip's own warning, on top
    first = at.subheader[0].value
    pick = at.radio(key=next(r.key for r in at.radio if str(r.key).startswith("athlete-")))
    pick.set_value(0).run()
    at = run_until(at, lambda a: any(e.label.endswith("person 1 is analysed") for e in a.expander) and a.tabs,
                   what="the analysis of person 1")
    assert at.subheader[0].value != first or "person 1" in texts(at)


def test_a_cue_button_jumps_the_frame_viewer_to_its_frames(home):
    at = _analyse(page_app("analyse_page:page").run(), "pose2sim_single_cam02", mode="exercise")
    buttons = [b for b in at.button if b.label == "Show"]
    assert buttons, "no cue with frames to jump to"
    next(s for s in at.slider if s.label == "Frame").set_value(0).run()
    assert next(s for s in at.slider if s.label == "Frame").value == 0
    buttons = [b for b in at.button if b.label == "Show"]
    buttons[0].click().run()
    assert not at.exception
    after = next(s for s in at.slider if s.label == "Frame").value
    cues = "\n".join(str(e.value) for e in (*at.warning, *at.info))
    cue_first_frame = int(re.search(r"\(frames (\d+)–", cues).group(1))
    assert after == cue_first_frame > 0


def test_capture_check_reports_view_size_people_and_frame_rate(home):
    at = page_app("analyse_page:page").run()
    select_option(at.selectbox(key="analyse-sample"), "sports2d_demo_walk_side").run()
    at = run_until(at, lambda a: any(m.label == "People" for m in a.metric), what="the capture check")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Frame rate"].startswith("30/s")
    assert metrics["Duration"] == "7.7 s"
    assert metrics["View"] == "side"
    assert int(metrics["People"]) == 2
    assert "2 people are in view" in texts(at)


def _compare(at: AppTest, a: str, b: str) -> AppTest:
    select_option(at.selectbox(key="cmp-a-sample"), a).run()
    select_option(at.selectbox(key="cmp-b-sample"), b).run()
    at.button(key="cmp-go").click().run()
    return run_until(at, lambda x: any(s.value == "Side by side" for s in x.subheader), what="both analyses")


@pytest.fixture
def compare_home(tmp_path, use_home, shared_clip):
    return use_home(app_home(tmp_path, {"treadmill.mp4": shared_clip("home_treadmill_run_side.mp4"),
                                        "sprint.mp4": shared_clip("track_sprint_side_fixed.mp4")}))


def test_compare_says_why_nothing_could_be_compared(compare_home):
    # The sprint clip holds each picture three times (slow motion): no stride is timed there and
    # its gait is not settled, so every metric is "not comparable", with the reason; the page must
    # not claim "no difference".
    at = _compare(page_app("compare_page:page").run(), "treadmill", "sprint")
    page = texts(at)
    assert "No metric could be compared: " in page
    assert re.search(r"needs 3 strides in each clip \(\d+ and 0\)", page) or "sprint.mp4 is unknown" in page
    assert "None of the" not in page
    assert "Speed is unknown" in page  # treadmill versus outdoor warning
    everything = at.dataframe[0].value
    assert set(everything["verdict"]) == {"not comparable"}
    assert everything["metric"].str.contains("cadence").any()
    assert list(everything.columns[1:3]) == ["treadmill.mp4", "sprint.mp4"]


def test_compare_of_a_clip_with_itself_finds_no_difference(compare_home):
    at = _compare(page_app("compare_page:page").run(), "treadmill", "treadmill")
    assert "differs by more than the measurement noise" in texts(at)
    everything = at.dataframe[0].value
    assert "different" not in set(everything["verdict"])
    assert (everything["verdict"] == "no difference above the noise").sum() >= 10
    assert len(at.image) == 2  # stride 1 of each clip, side by side


def test_compare_of_two_exercise_sets_needs_three_reps_each(home):
    # before versus after of a warm-up set: one leg raise per clip is too few reps to tell
    # a difference from rep-to-rep variation, and the page says so instead of "no difference"
    at = page_app("compare_page:page").run()
    at.radio(key="cmp-kind").set_value("exercise").run()
    at = _compare(at, "pose2sim_single_cam02", "pose2sim_single_cam02")
    page = texts(at)
    assert "No metric could be compared" in page and "needs 3 reps" in page
    everything = at.dataframe[0].value
    assert set(everything["verdict"]) == {"not comparable"} and everything["metric"].str.contains("range").any()


def test_pose_track_page_shows_the_athlete_and_landmark_coverage(home):
    at = page_app("pose_page:page").run()
    select_option(at.selectbox(key="pose-sample"), "pose2sim_single_cam02").run()
    next(b for b in at.button if b.label == "Show the pose track").click().run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Frames"] == "100" and metrics["People seen"] == "1"
    assert float(metrics["Athlete in view"].rstrip("%")) >= 95
    assert next(s for s in at.slider if s.label == "Frame").max == 99
    coverage = at.dataframe[0].value
    assert len(coverage) == 8 and set(coverage["landmark"]) >= {"left hip", "right knee"}


def test_a_text_file_named_mp4_gets_a_plain_error_not_a_traceback(tmp_path, use_home):
    from formcheck.ui.uploads import save_upload

    home = use_home(app_home(tmp_path, {}))
    path = save_upload("../../etc/passwd.mp4", b"just text\n" * 100)
    assert path.parent == home / ".formcheck" / "uploads" and path.suffix == ".mp4" and "passwd" not in path.name
    source = ("from formcheck.ui.clip_input import ChosenClip\nfrom formcheck.ui.analyse_page import "
              f"show_capture_check\nfrom pathlib import Path\nshow_capture_check(ChosenClip(Path({str(path)!r}), "
              "'passwd.mp4', 'x' * 64), None)\n")
    at = AppTest.from_string(source, default_timeout=60).run()
    at = run_until(at, lambda a: bool(a.error), timeout_s=60, what="the capture check",
                   allow_error=True)
    assert not at.exception
    assert "not a video" in at.error[0].value.lower()


def _span_buttons(at: AppTest) -> list:
    return [b for b in at.button if "-span-" in str(b.key)]


@pytest.fixture
def squat_home(tmp_path, use_home, shared_clip):
    return use_home(app_home(tmp_path, {"squat.mp4": shared_clip("gym_squat_side.mp4")}))


def test_the_activity_strip_has_a_button_per_segment_that_moves_the_frame_viewer(squat_home):
    from formcheck.pipeline import analyze

    at = _analyse(page_app("analyse_page:page").run(), "squat", mode="auto")
    activity = analyze(squat_home / "sample_videos" / "squat.mp4", "auto").report.activity  # cached pose
    assert "exercise mode (automatic: Bodyweight squat from " in texts(at)  # the decision, said once
    assert texts(at).count("the longest activity in the clip") == 1
    buttons = _span_buttons(at)
    assert [b.label for b in buttons] == [s.label for s in activity.spans]
    # The athlete stands still for the first seconds, then squats: at least two segments, each with its confidence.
    assert len(buttons) >= 2 and buttons[0].label == "Still / resting"
    assert any(re.fullmatch(r"Bodyweight squat [01]\.\d\d", b.label) for b in buttons)
    next(s for s in at.slider if s.label == "Frame").set_value(3).run()
    _span_buttons(at)[-1].click().run()
    assert not at.exception
    assert next(s for s in at.slider if s.label == "Frame").value == activity.spans[-1].first > 100
    assert f"frames {activity.spans[-1].first}–" in _span_buttons(at)[-1].help
    _span_buttons(at)[0].click().run()
    assert next(s for s in at.slider if s.label == "Frame").value == 0
    assert not [b for b in at.button if "-choose-" in str(b.key)]  # sure: nothing to ask


@pytest.fixture
def unsure_home(tmp_path, use_home, sample_clip, monkeypatch):
    from unsure import unsure_when_automatic

    from formcheck import pipeline

    monkeypatch.setattr(pipeline, "analyze", unsure_when_automatic(pipeline.analyze))  # the jobs' thread, too
    return use_home(app_home(tmp_path, {"leg_raise.mp4": sample_clip("pose2sim_single_cam01.mp4")}))


def test_an_unsure_clip_asks_and_a_tap_analyses_it_again_as_chosen(unsure_home):
    at = _analyse(page_app("analyse_page:page").run(), "leg_raise", mode="auto")
    assert any("Not sure: Standing hip abduction or Running?" in w.value for w in at.warning)
    choices = [b for b in at.button if "-choose-" in str(b.key)]
    assert [b.label for b in choices] == ["Standing hip abduction", "Running"]
    assert _span_buttons(at)[0].label == "Not sure: Standing hip abduction or Running?"
    next(b for b in choices if b.label == "Running").click().run()
    assert at.radio(key="analyse-mode").value == "running"  # the page's own choice, as if picked there
    at = run_until(at, lambda a: "running mode (chosen by you)" in texts(a) and len(a.tabs) > 0,
                   what="the analysis as running")
    assert not [b for b in at.button if "-choose-" in str(b.key)]  # chosen: nothing left to ask
    assert "as you chose" in texts(at)
