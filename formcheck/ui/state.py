"""Resources one app server keeps for its life (st.cache_resource), and the file hash
the pages key everything by. Nothing is created at import."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from formcheck.paths import data_dir
from formcheck.ui.jobs import JobRunner

POLL_S = 0.5  # how often a page looks at a running job


@st.cache_resource(show_spinner=False)
def job_runner() -> JobRunner:
    from formcheck.ui.housekeeping import sweep

    sweep(results_root(), data_dir() / "uploads")  # once per server, before its first job
    return JobRunner(workers=1)


@st.cache_resource(show_spinner=False)
def pose_pool(model: str | None):
    """Warm pose workers for the life of the server: each clip starts at once."""
    from formcheck.pose.model import resolve_model
    from formcheck.pose.runner import PosePool, RunSettings

    return PosePool(RunSettings().worker_count(), str(resolve_model(model).path))


def results_root() -> Path:
    """Exported files of the app's analyses, one folder per request key (never served as-is)."""
    return data_dir() / "results"


@st.cache_data(show_spinner=False, max_entries=256)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    from formcheck.cache import file_sha256

    return file_sha256(path)


def clip_sha256(path: str | Path) -> str:
    """sha256 of a clip, remembered per (path, size, mtime) so a rerun does not read it again."""
    stat = os.stat(path)
    return _sha256(str(path), stat.st_size, stat.st_mtime_ns)


@st.cache_resource(show_spinner=False)
def _library(url: str | None, media: str | None, home: str):
    from formcheck.store import Library

    return Library.open(url, Path(media) if media else None)


def library():
    """The coach's library (SQLite under the data folder unless DATABASE_URL says otherwise)."""
    return _library(os.environ.get("DATABASE_URL"), os.environ.get("FORMCHECK_MEDIA"), str(data_dir()))
