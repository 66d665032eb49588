"""A second process for tests/test_kill_analysis.py: the app's whole analysis of one clip, then its
library save, stopping where told so the test can SIGKILL it there.

    python kill_worker.py CLIP STAGE SIGNAL_DIR ATHLETE_ID SESSION_ID

Environment: FORMCHECK_HOME (library and results under its .formcheck/), FORMCHECK_MODEL,
FORMCHECK_CACHE (the pose cache). It runs what a job of the app runs:
`ui.tasks.analyse_clip` (pipeline.analyze, then export.export_analysis into
<data>/results/<key>), then `ui.library_save.save_analysis` (Library.add_clip_with_analysis: the clip and
its analysis, the exported files copied, committed in one transaction), with the library opened by
`Library.open()` (its default SQLite file and media folder) in place of the app's
Streamlit-cached one.

Stages (each writes SIGNAL_DIR/stopped.json at its point, then sleeps until killed):
  pose     inside the pose progress callback, half the frames done (nothing cached yet)
  cache    the pose cache's .npz in place, its .json half written to its temporary name
  export   inside the export's video progress callback, half the annotated video written
  library  inside add_analysis's write_files: two files copied into analyses/<hex>.tmp/,
           the rest not (nothing committed yet: clip and analysis rows go in one transaction)
  after    everything done and committed (SIGNAL_DIR/result.json written first)
  none     run to the end, write SIGNAL_DIR/result.json and exit 0 (a rerun)
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import tempfile
import time
import types
from pathlib import Path

from formcheck import cache as pose_cache
from formcheck import library_entry
from formcheck.cache import file_sha256
from formcheck.paths import data_dir
from formcheck.store import Library
from formcheck.ui import library_save
from formcheck.ui.jobs import Job
from formcheck.ui.tasks import AnalysisRequest, analyse_clip

STAGES = ("pose", "cache", "export", "library", "after", "none")
POSE_PHASE = "Finding the athlete"
VIDEO_PHASE = "Writing the annotated video"
FILES_BEFORE_STOP = 2  # library stage: plain files copied before stopping
MAX_WAIT_S = 300.0  # never outlive a test that forgot us


def _write_json(path: Path, payload: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(payload))
    os.replace(tmp, path)  # the test never reads half a signal


class Stopper:
    def __init__(self, stage: str, signals: Path):
        self.stage, self.signals = stage, signals

    def __call__(self, **details) -> None:
        """Tell the test where we are, then wait for SIGKILL."""
        _write_json(self.signals / "stopped.json", {"stage": self.stage, "pid": os.getpid(), **details})
        deadline = time.monotonic() + MAX_WAIT_S
        while time.monotonic() < deadline:
            time.sleep(1.0)
        os._exit(3)


class StoppingJob(Job):
    """The app's Job, whose progress callbacks stop halfway through one phase."""

    def __init__(self, key: str, stop_phase: str | None, stop: Stopper):
        super().__init__(key, "kill test")
        self.stop_phase, self.stop, self.phases = stop_phase, stop, []

    def progress(self, phase: str):
        report = super().progress(phase)

        def stopping(done: int, total: int) -> None:
            report(done, total)
            if phase not in self.phases:
                self.phases.append(phase)
            if phase == self.stop_phase and total > 0 and done >= total // 2:
                self.stop(phase=phase, done=done, total=total)
        return stopping


def stop_in_cache_json(stop: Stopper) -> None:
    """PoseCache.save writes the .npz, then the .json, each to a temporary name renamed into place:
    stop with the .npz renamed and half of the .json written to its temporary file."""
    real = pose_cache._atomic_write

    def atomic_write(path: Path, write) -> None:
        if path.suffix != ".json":
            return real(path, write)
        buffer = io.BytesIO()
        write(buffer)
        data = buffer.getvalue()
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data[: len(data) // 2])
            f.flush()
            os.fsync(f.fileno())
        stop(json_path=str(path), tmp_path=tmp)
    pose_cache._atomic_write = atomic_write


def stop_in_library_copy(stop: Stopper) -> None:
    """library_entry.copy_files (the app's save goes through it) copies with shutil.copy2 file by file: stop before the third."""
    copied = []

    def copy2(src, dst, *args, **kwargs):
        if len(copied) == FILES_BEFORE_STOP:
            stop(copied=copied, next=Path(src).name, folder=str(Path(dst).parent))
        result = shutil.copy2(src, dst, *args, **kwargs)
        copied.append(Path(src).name)
        return result
    library_entry.shutil = types.SimpleNamespace(copy2=copy2, copytree=shutil.copytree)


def main(clip: str, stage: str, signal_dir: str, athlete_id: str, session_id: str) -> None:
    if stage not in STAGES:
        raise SystemExit(f"stage must be one of {STAGES}, got {stage!r}")
    signals = Path(signal_dir)
    stop = Stopper(stage, signals)
    lib = Library.open()  # as the app's server would have it open: <data>/library
    library_save.library = lambda: lib
    if stage == "cache":
        stop_in_cache_json(stop)
    if stage == "library":
        stop_in_library_copy(stop)

    request = AnalysisRequest(clip=clip, clip_sha256=file_sha256(clip))
    job = StoppingJob(request.key, {"pose": POSE_PHASE, "export": VIDEO_PHASE}.get(stage), stop)
    result = analyse_clip(request, job, data_dir() / "results", pool=None)
    record = library_save.save_analysis(result, Path(clip).name, int(athlete_id), int(session_id))
    _write_json(signals / "result.json", {
        "key": request.key, "out_dir": str(result.out_dir), "mode": result.analysis.mode,
        "from_cache": bool(result.analysis.pose.from_cache), "exported": VIDEO_PHASE in job.phases,
        "clip_id": record.clip_id, "analysis_id": record.id, "files": list(record.files),
        "folder": str(record.folder)})
    if stage == "after":
        stop(analysis_id=record.id)
    lib.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
