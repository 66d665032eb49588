"""The Streamlit app driven by Streamlit's AppTest: real pipeline, real model, sample clips."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


def test_sample_clip_is_ready_and_analysis_shows_the_track(sample_clip):
    sample_clip("pose2sim_single_cam01.mp4")  # provisioned by setup
    at = AppTest.from_file(APP, default_timeout=240).run()
    assert not at.exception
    assert at.title[0].value == "FormCheck"
    sample = at.sidebar.selectbox[0]
    assert any("pose2sim_single_cam01" in str(o) for o in sample.options)
    sample.select_index([str(o) for o in sample.options].index(
        next(str(o) for o in sample.options if "pose2sim_single_cam01" in str(o)))).run()
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Frames"] == "100"
    assert metrics["People seen"] == "1"
    assert float(metrics["Athlete in view"].rstrip("%")) >= 95
    assert at.slider[0].max == 99
    assert len(at.dataframe) == 1


def test_a_bad_upload_shows_a_plain_error_not_a_traceback(tmp_path, monkeypatch, model_path):
    # An uploaded file lands in the data folder under a random name; a text
    # file named .mp4 must produce the probe's message.
    from formcheck.ui.uploads import save_upload

    monkeypatch.setenv("FORMCHECK_HOME", str(tmp_path))
    monkeypatch.setenv("FORMCHECK_MODEL", model_path)
    path = save_upload("../../etc/passwd.mp4", b"just text\n" * 100)
    assert path.parent == tmp_path / ".formcheck" / "uploads" and path.suffix == ".mp4"
    assert "passwd" not in path.name
    at = AppTest.from_function(_show_one_clip, args=(str(path),), default_timeout=60).run()
    assert not at.exception
    assert at.error and "not a video" in at.error[0].value.lower()


def _show_one_clip(path: str) -> None:
    import streamlit as st

    from formcheck.ui.pose_page import _show_analysis

    st.session_state["analysed"] = (path, None)
    _show_analysis(__import__("pathlib").Path(path), None)
