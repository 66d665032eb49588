"""The first page: pick or upload a clip, see its pose track and capture check."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import streamlit as st

from formcheck.errors import FormCheckError
from formcheck.landmarks import Landmark
from formcheck.paths import samples_dir
from formcheck.ui.uploads import ALLOWED_SUFFIXES, save_upload

log = logging.getLogger(__name__)

MAX_UPLOAD_MB = 500
MAX_FRAME_HEIGHT_PX = 640
KEY_LANDMARKS = (Landmark.LEFT_HIP, Landmark.RIGHT_HIP, Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE,
                 Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)


def sample_clips() -> list[Path]:
    folder = samples_dir()
    return sorted(folder.glob("*.mp4")) if folder.is_dir() else []


def page() -> None:
    st.title("FormCheck")
    st.caption("Hip-knee alignment from a phone video. Step 1: the pose track of the athlete.")
    clip = _choose_clip()
    model = st.sidebar.selectbox("Pose model", ["full", "heavy"], help="heavy is more accurate and ~2.5x slower")
    if clip is None:
        st.info("Choose a sample clip or upload one in the sidebar.")
        return
    if st.button("Analyse", type="primary"):
        st.session_state["analysed"] = (str(clip), model)
    if st.session_state.get("analysed") == (str(clip), model):
        _show_analysis(clip, model)


def _choose_clip() -> Path | None:
    samples = sample_clips()
    source = st.sidebar.radio("Clip", ["Sample clip", "Upload"], index=0 if samples else 1)
    if source == "Sample clip":
        if not samples:
            st.sidebar.warning("No sample clips yet: run `formcheck setup`.")
            return None
        return st.sidebar.selectbox("Sample", samples, format_func=lambda p: p.name)
    st.sidebar.caption(f"mp4, mov, m4v, avi or webm; up to {MAX_UPLOAD_MB} MB and 10 minutes.")
    upload = st.sidebar.file_uploader("Clip", type=[s.lstrip(".") for s in ALLOWED_SUFFIXES])
    if upload is None:
        return None
    if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
        st.sidebar.error(f"This file is {upload.size / 1e6:.0f} MB; the limit is {MAX_UPLOAD_MB} MB.")
        return None
    key = ("upload", upload.file_id)
    if key not in st.session_state:
        st.session_state[key] = save_upload(upload.name, upload.getvalue())
    return st.session_state[key]


@st.cache_resource(show_spinner=False)
def _pose_pool(model: str | None):
    """Warm pose workers for the life of the server: each clip starts at once."""
    from formcheck.pose.model import resolve_model
    from formcheck.pose.runner import PosePool, RunSettings

    return PosePool(RunSettings().worker_count(), str(resolve_model(model).path))


def _analysis_for(clip: str, model: str | None, progress):
    """The analysis of this clip, kept for the session; the pipeline's own
    on-disk cache makes a repeat in a new session skip inference too. (Not
    st.cache_*: those replay the progress bar's calls, which belong to the run.)"""
    from formcheck.pipeline import analyze_pose
    from formcheck.settings import Settings

    key = ("analysis", clip, model)
    if key not in st.session_state:
        st.session_state[key] = analyze_pose(clip, Settings(model=model), progress=progress, pool=_pose_pool(model))
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
