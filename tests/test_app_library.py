"""The coach's library in the app (AppTest, real pipeline, real SQLite under a temporary home):
save an analysis to a new athlete, find it, review it, pin a note, see the trend, delete."""

from __future__ import annotations

import pytest
from app_helpers import app_home, page_app, run_until, select_option, texts

from formcheck.store import NotFoundError

pytestmark = pytest.mark.real_clip


@pytest.fixture
def home(tmp_path, use_home, sample_clip, shared_clip):
    return use_home(app_home(tmp_path, {"pose2sim_single_cam02.mp4": sample_clip("pose2sim_single_cam02.mp4"),
                                        "treadmill.mp4": shared_clip("home_treadmill_run_side.mp4")}))


def _analyse_and_save(sample: str, athlete: str, mode: str, new: bool = True, label: str = ""):
    at = page_app("analyse_page:page").run()
    select_option(at.selectbox(key="analyse-sample"), sample).run()
    at.radio(key="analyse-mode").set_value(mode).run()
    at.button(key="analyse-go").click().run()
    at = run_until(at, lambda a: len(a.tabs) > 0)
    form_select = next(s for s in at.selectbox if s.label == "Athlete")
    if new:
        form_select.set_value("New athlete…")
        next(t for t in at.text_input if t.label == "New athlete's name").input(athlete)
    else:
        form_select.set_value(athlete)
    next(t for t in at.text_input if t.label == "Session label").input(label)
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.exception, at.exception
    assert f"Saved in the library ({athlete}," in texts(at), ([e.value for e in at.error], at.get("expander"))
    return at


def _library():
    from formcheck.ui.state import library

    return library()


def test_saving_an_analysis_stores_clip_files_metrics_and_provenance(home):
    _analyse_and_save("pose2sim_single_cam02", "Ana Runner", "exercise", label="pre-run warm-up")
    lib = _library()
    (athlete,) = lib.athletes()
    assert athlete.name == "Ana Runner" and athlete.clip_count == 1
    (clip,) = lib.clips(athlete_id=athlete.id)
    assert clip.original_name == "pose2sim_single_cam02.mp4" and clip.media_path.is_file()
    assert clip.media_path.parent.parent == lib.media_dir and clip.media_path.name != clip.original_name
    (record,) = lib.analyses(clip_id=clip.id)
    assert record.mode == "exercise" and record.exercise == "standing_hip_abduction"
    assert {"annotated.mp4", "report.html", "analysis.json", "reps.csv"} <= set(record.files)
    assert all((record.folder / f).exists() for f in record.files)
    assert record.model_id.startswith("pose_landmarker_full@") and record.formcheck_version
    assert record.settings["request"]["mode"] == "exercise" and record.clip_sha256 == clip.sha256
    assert record.metrics and all(m.unit for m in record.metrics)


def test_library_page_finds_reviews_notes_and_deletes(home):
    _analyse_and_save("pose2sim_single_cam02", "Ana Runner", "exercise", label="warm-up")
    _analyse_and_save("treadmill", "Ana Runner", "running", new=False, label="treadmill 10 km/h")
    at = page_app("library_page:page", timeout_s=120).run()
    assert not at.exception, at.exception
    assert at.selectbox(key="lib-athlete-pick").value.name == "Ana Runner"
    clips_table = at.dataframe[0].value
    assert sorted(clips_table["clip"]) == ["pose2sim_single_cam02.mp4", "treadmill.mp4"]

    # search and filter
    at.selectbox(key="lib-mode").set_value("running").run()
    assert list(at.dataframe[0].value["clip"]) == ["treadmill.mp4"]
    at.selectbox(key="lib-mode").set_value("").run()
    at.text_input(key="lib-clip-search").input("pose2sim").run()
    assert list(at.dataframe[0].value["clip"]) == ["pose2sim_single_cam02.mp4"]

    # the stored analysis shows without re-analysing, and a note pinned to a moment
    page = texts(at)
    assert "Standing hip abduction" in page or "standing hip abduction" in page
    note_form = next(t for t in at.text_area if t.label == "New note")
    note_form.input("Knee drifts in at the top")
    next(c for c in at.checkbox if c.label == "Pin to a moment").check()
    next(n for n in at.number_input if n.label == "Moment (s)").set_value(0.8)
    next(b for b in at.button if b.label == "Add note").click().run()
    assert not at.exception, at.exception
    assert "Knee drifts in at the top" in texts(at) and "at 0.8 s" in texts(at)
    lib = _library()
    (clip,) = lib.clips(search="pose2sim")
    (note,) = lib.notes(clip.id)
    assert note.t_s == pytest.approx(0.8) and note.text == "Knee drifts in at the top"

    # history and a trend per metric
    history = next(d.value for d in at.dataframe if "analysis" in d.value.columns and "mode" in d.value.columns)
    assert sorted(history["mode"]) == ["exercise", "running"]
    csv_text = next(b for b in at.get("download_button") if b.label == "Download the history (CSV)")
    assert csv_text is not None
    from formcheck.ui.library_views import HISTORY_COLUMNS, history_csv

    rows = history_csv(_library().history(_library().athletes()[0].id)).splitlines()
    assert rows[0].split(",") == list(HISTORY_COLUMNS)
    assert any(",running," in r and ",cadence_spm," in r and ",steps/min," in r for r in rows[1:])
    trend = at.selectbox(key="lib-trend")
    assert any("Cadence" in str(o) for o in trend.options)

    # delete the clip: its rows and files go
    folder = lib.analyses(clip_id=clip.id)[0].folder
    media = clip.media_path
    next(c for c in at.checkbox if c.label.startswith("Yes, delete this clip")).check().run()
    next(b for b in at.button if b.label == "Delete clip").click().run()
    assert not at.exception, at.exception
    assert not media.exists() and not folder.exists()
    assert [c.original_name for c in lib.clips()] == ["treadmill.mp4"]
    with pytest.raises(NotFoundError):
        lib.notes(clip.id)  # the clip, and with it its notes, is gone


def test_an_empty_library_says_what_to_do(home):
    at = page_app("library_page:page").run()
    assert not at.exception
    assert "No athletes yet" in texts(at)
    next(t for t in at.text_input if t.label == "Name").input("  ")
    next(b for b in at.button if b.label == "Add").click().run()
    assert not at.exception and at.error  # a blank name gets the library's plain message


def test_side_by_side_review_tests_two_stored_runs_against_the_noise(home):
    _analyse_and_save("treadmill", "Ben Coach", "running", label="week 1")
    _analyse_and_save("treadmill", "Ben Coach", "running", new=False, label="week 2")
    at = page_app("library_page:page", timeout_s=120).run()
    assert not at.exception, at.exception
    pairs = next(d.value for d in at.dataframe if list(d.value.columns) == ["metric", "left", "right"])
    cadence = pairs[pairs["metric"] == "Cadence"]
    assert len(cadence) == 1 and cadence["left"].iloc[0] == cadence["right"].iloc[0]
    next(b for b in at.button if b.label == "Test the differences against the noise").click().run()
    at = run_until(at, lambda a: any(s.value == "Side by side" for s in a.subheader), what="the review")
    assert "differs by more than the measurement noise" in texts(at)  # the same clip twice: no difference


def test_athlete_can_be_renamed_and_deleted_with_everything(home):
    _analyse_and_save("pose2sim_single_cam02", "Cara", "exercise")
    lib = _library()
    (clip,) = lib.clips()
    folder = lib.analyses(clip_id=clip.id)[0].folder
    at = page_app("library_page:page").run()
    next(t for t in at.text_input if t.label == "Name" and t.value == "Cara").input("Cara Long")
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert not at.exception, at.exception
    assert [a.name for a in lib.athletes()] == ["Cara Long"]
    next(c for c in at.checkbox if c.label.startswith("Yes, delete Cara Long")).check().run()
    next(b for b in at.button if b.label == "Delete athlete").click().run()
    assert not at.exception, at.exception
    assert lib.athletes() == [] and not clip.media_path.exists() and not folder.exists()
    assert "No athletes yet" in texts(at)
