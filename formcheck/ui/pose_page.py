"""The first page: pick or upload a clip, see its pose track and capture check."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import streamlit as st

from formcheck.errors import FormCheckError
from formcheck.landmarks import Landmark
from formcheck.ui.analyse_page import model_choice
from formcheck.ui.clip_input import choose_clips
from formcheck.ui.state import pose_pool

log = logging.getLogger(__name__)

MAX_FRAME_HEIGHT_PX = 640
KEY_LANDMARKS = (Landmark.LEFT_HIP, Landmark.RIGHT_HIP, Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE,
                 Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)


def page() -> None:
    st.title("Pose track")
    st.caption("The athlete's landmarks, frame by frame, and how much of the clip they cover.")
    clips = choose_clips("pose", multiple=False)
    model = model_choice()
    if not clips:
        st.info("Choose a sample clip or upload one.")
        return
    clip = clips[0].path
    if st.button("Show the pose track", type="primary"):
        st.session_state["analysed"] = (str(clip), model)
    if st.session_state.get("analysed") == (str(clip), model):
        _show_analysis(clip, model)


def _analysis_for(clip: str, model: str | None, progress):
    """The analysis of this clip, kept for the session; the pipeline's own
    on-disk cache makes a repeat in a new session skip inference too. (Not
    st.cache_*: those replay the progress bar's calls, which belong to the run.)"""
    from formcheck.pipeline import analyze_pose
    from formcheck.settings import Settings

    key = ("analysis", clip, model)
    if key not in st.session_state:
        st.session_state[key] = analyze_pose(clip, Settings(model=model), progress=progress, pool=pose_pool(model))
    return st.session_state[key]


def _show_analysis(clip: Path, model: str) -> None:
    bar = st.progress(0.0, text="Finding the athlete…")

    def progress(done: int, total: int) -> None:
        bar.progress(min(done / max(total, 1), 1.0), text=f"Pose: {done}/{total} frames")

    try:
        analysis = _analysis_for(str(clip), model, progress)
    except FormCheckError as exc:
        bar.empty()
        st.error(str(exc))
        return
    except Exception:  # never a traceback in the app; the server log keeps it
        bar.empty()
        log.exception("analysis failed for %s", clip)
        st.error("Something went wrong while analysing this clip. It has been logged; "
                 "please try another clip or report the problem.")
        return
    bar.empty()
    _summary(analysis)
    left, right = st.columns([3, 2])
    with left:
        _frame_viewer(analysis)
    with right:
        _coverage(analysis)


def _summary(analysis) -> None:
    info, athlete = analysis.info, analysis.athlete
    cols = st.columns(4)
    cols[0].metric("Frames", f"{info.frame_count}")
    cols[1].metric("Frame rate", f"{info.fps:.2f} /s")
    cols[2].metric("People seen", f"{len(analysis.people)}")
    cols[3].metric("Athlete in view", f"{athlete.presence:.0%}")
    st.caption(f"Model {analysis.model.model_id} · {info.upright_width}x{info.upright_height} · {info.duration_s:.1f} s"
               f"{' · from cache' if analysis.from_cache else ''} · "
               f"{len(analysis.clean.swapped_frames)} left/right swaps repaired · "
               f"low-pass {analysis.clean.cutoff_hz:.1f} Hz")


def _frame_viewer(analysis) -> None:
    from formcheck.render import SkeletonAnnotator
    from formcheck.video import read_frame

    track = analysis.track
    i = st.slider("Frame", 0, len(track) - 1, int(np.argmax(track.detected_frames)) if len(track) else 0)
    frame = read_frame(analysis.info, int(track.frame_index[i]))
    image = SkeletonAnnotator().annotate(frame.image, track, i)
    height, width = image.shape[:2]
    # A portrait phone frame at full column width would be taller than the screen.
    shown_width = "stretch" if width >= height else int(MAX_FRAME_HEIGHT_PX * width / height)
    st.image(image[..., ::-1], caption=f"t = {track.t_s[i]:.3f} s (frame {track.frame_index[i]})",
             width=shown_width)


def _coverage(analysis) -> None:
    raw = analysis.athlete.track
    rows = []
    for k in KEY_LANDMARKS:
        seen = raw.present[:, k] & (raw.visibility[:, k] >= 0.5)
        rows.append({"landmark": k.name.lower().replace("_", " "),
                     "visible frames": f"{seen.mean():.0%}",
                     "after cleaning": f"{analysis.track.present[:, k].mean():.0%}"})
    st.subheader("Landmark coverage")
    st.dataframe(rows, hide_index=True)
