"""Where a page gets its clips: the sample clips, the user's uploads, or the coach's library."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from formcheck.paths import samples_dir
from formcheck.ui.state import clip_sha256
from formcheck.ui.uploads import ALLOWED_SUFFIXES, save_upload
from formcheck.video import VideoLimits

log = logging.getLogger(__name__)

MAX_UPLOAD_MB = 500  # = server.maxUploadSize in .streamlit/config.toml
SOURCES = ("Sample clip", "Upload", "From the library")


@dataclass(frozen=True)
class ChosenClip:
    """A clip on disk, with the name to show (an upload's own name; its file has a random one)."""

    path: Path
    name: str
    sha256: str
    library_clip_id: int | None = None
    athlete: str = ""


def sample_clips() -> list[Path]:
    folder = samples_dir()
    return sorted(folder.glob("*.mp4")) if folder.is_dir() else []


def limits_text() -> str:
    limits = VideoLimits.from_env()
    return (f"mp4, mov, m4v, avi or webm (iPhone HEVC where this machine can decode it); "
            f"up to {MAX_UPLOAD_MB} MB and {limits.max_duration_s / 60:.0f} minutes, "
            f"at most {limits.max_frames:,} frames and 4K.")


def choose_clips(key: str, label: str = "Clip", multiple: bool = True) -> list[ChosenClip]:
    """Let the user pick clips; returns the chosen ones (possibly none)."""
    samples = sample_clips()
    source = st.radio(f"{label} from", SOURCES, index=0 if samples else 1, horizontal=True, key=f"{key}-source")
    if source == "Sample clip":
        if not samples:
            st.warning("No sample clips yet: run `./scripts/setup` (or `formcheck setup`).")
            return []
        path = st.selectbox("Sample clip", samples, format_func=lambda p: p.name, key=f"{key}-sample")
        return [ChosenClip(path, path.name, clip_sha256(path))]
    if source == "Upload":
        return _uploads(key, multiple)
    return _library_clip(key)


def _uploads(key: str, multiple: bool) -> list[ChosenClip]:
    st.caption(limits_text())
    files = st.file_uploader("Video file" + ("s" if multiple else ""), type=[s.lstrip(".") for s in ALLOWED_SUFFIXES],
                             accept_multiple_files=multiple, key=f"{key}-upload")
    files = files if isinstance(files, list) else [files] if files is not None else []
    chosen = []
    for upload in files:
        if upload.size > MAX_UPLOAD_MB * 1_000_000:
            st.error(f"{upload.name} is {upload.size / 1e6:.0f} MB; the limit is {MAX_UPLOAD_MB} MB.")
            continue
        state_key = ("upload", upload.file_id)
        if state_key not in st.session_state:
            st.session_state[state_key] = save_upload(upload.name, upload.getvalue())
        path = st.session_state[state_key]
        chosen.append(ChosenClip(path, upload.name, clip_sha256(path)))
    return chosen


def _library_clip(key: str) -> list[ChosenClip]:
    from formcheck.ui.state import library

    lib = library()
    athletes = lib.athletes()
    if not athletes:
        st.info("The library is empty: save an analysis to an athlete first.")
        return []
    athlete = st.selectbox("Athlete", athletes, format_func=lambda a: a.name, key=f"{key}-lib-athlete")
    clips = lib.clips(athlete_id=athlete.id)
    if not clips:
        st.info(f"{athlete.name} has no clips yet.")
        return []
    clip = st.selectbox("Clip", clips, key=f"{key}-lib-clip",
                        format_func=lambda c: f"{c.original_name} · {c.created_at:%Y-%m-%d %H:%M} (#{c.id})")
    return [ChosenClip(clip.media_path, clip.original_name, clip.sha256, clip.id, athlete.name)]
