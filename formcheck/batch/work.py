"""One clip of a batch, start to finish, in whatever process runs it: analyse, export, and save
into the library in one transaction with its `batch_items` row; or record why it could not.

    outcome = analyse_into_library(job, spec, key, run_id, library, session_id, athlete_id, exports_dir, progress)

The library's unique (clip, settings) row makes this safe to run twice: a task Ray retries after
its worker was killed, a clip listed twice, or two runs at once all leave one analysis.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from formcheck.batch.plan import BatchSpec, ClipJob
from formcheck.errors import FormCheckError
from formcheck.store import Library
from formcheck.store.batch_log import DONE, AlreadyRecorded

log = logging.getLogger(__name__)

DONE_NOW, SKIPPED, FAILED = "done", "skipped", "failed"
HEADLINE_METRICS = 3


@dataclass(frozen=True)
class ClipOutcome:
    """What became of one clip: status done|skipped|failed; message: why (failed, skipped)."""

    path: str
    athlete: str
    status: str
    message: str = ""
    activity: str = ""
    headline: tuple[str, ...] = ()
    seconds: float = 0.0
    analysis_id: int | None = None
    frames: int = 0


def settings_of(spec: BatchSpec):
    """The pipeline's Settings for the spec: one core per clip (the batch runs clips side by side)."""
    from formcheck.pose.runner import RunSettings
    from formcheck.settings import Settings
    from formcheck.video import VideoLimits

    limits = VideoLimits.from_env().with_values(spec.limits) if spec.limits else VideoLimits.from_env()
    return Settings(model=spec.model, capture_fps=spec.capture_fps, limits=limits, run=RunSettings(workers=1))


def analyse_into_library(job: ClipJob, spec: BatchSpec, key: str, run_id: str, library: Library,
                         session_id: int | None, athlete_id: int, exports_dir: Path | None = None,
                         progress=None) -> ClipOutcome:
    """Analyse `job` and keep it (module docstring). Never raises for a bad clip: a
    `FormCheckError` (not a video, nobody in it, too long...) is recorded as failed with its plain
    message; anything else too, as an internal error (logged with its traceback)."""
    started = time.perf_counter()
    found = library.batch_item(job.sha256, key)
    if found is not None and found.status == DONE:
        return ClipOutcome(job.path, job.athlete, SKIPPED, "analysed before", analysis_id=found.analysis_id)
    try:
        analysis = _analyse(job, spec, progress)
        with tempfile.TemporaryDirectory(prefix="formcheck-batch-") as tmp:
            out = Path(tmp) / "out"
            _export(analysis, out, spec)
            record = _save(analysis, job, spec, key, run_id, library, session_id, athlete_id, out,
                           time.perf_counter() - started)
            if exports_dir is not None:
                _copy_exports(out, exports_dir, job)
    except AlreadyRecorded as done:
        return ClipOutcome(job.path, job.athlete, SKIPPED, "analysed by another worker",
                           analysis_id=done.args[0] if done.args else None)
    except FormCheckError as exc:
        return _failed(job, key, run_id, library, str(exc), started)
    except Exception as exc:  # the batch goes on; the traceback goes to the log
        log.exception("batch: %s could not be analysed", job.path)
        return _failed(job, key, run_id, library,
                       f"FormCheck could not analyse this clip (internal error: {type(exc).__name__}); "
                       "it has been logged.", started)
    return ClipOutcome(job.path, job.athlete, DONE_NOW, activity=_activity(analysis), headline=headline(analysis),
                       seconds=time.perf_counter() - started, analysis_id=record.id,
                       frames=len(analysis.pose.track))


def _analyse(job: ClipJob, spec: BatchSpec, progress):
    from formcheck.exercises.analysis import ExerciseOptions
    from formcheck.pipeline import analyze
    from formcheck.running.analysis import VIEW_CHOICES as RUNNING_VIEWS
    from formcheck.running.analysis import RunningOptions

    running_view = spec.view if spec.view in RUNNING_VIEWS else "auto"
    exercise_view = spec.view if spec.view not in RUNNING_VIEWS or spec.view == "auto" else "auto"
    return analyze(job.path, spec.mode, settings_of(spec), RunningOptions(view=running_view, context=spec.context),
                   progress, exercise_options=ExerciseOptions(exercise=spec.exercise, view=exercise_view))


def _export(analysis, out: Path, spec: BatchSpec) -> None:
    if spec.render:
        from formcheck.export import export_analysis

        export_analysis(analysis, out)
        return
    from formcheck.export import write_data_files

    write_data_files(analysis, out)


def _save(analysis, job, spec, key, run_id, library, session_id, athlete_id, out: Path, seconds: float):
    from formcheck.library_entry import analysis_fields

    fields = analysis_fields(analysis, spec.choices(), out)
    return library.add_clip_with_analysis(
        athlete_id, Path(job.path), job.name, session_id=session_id,
        duration_s=float(analysis.pose.info.duration_s),
        batch=dict(clip_sha256=job.sha256, settings_key=key, source_path=job.path, run_id=run_id, seconds=seconds),
        **fields)


def _copy_exports(out: Path, exports_dir: Path, job: ClipJob) -> None:
    """exports_dir/<clip stem>-<first 8 of its hash>/: two clips of one name stay apart."""
    target = exports_dir / f"{Path(job.path).stem}-{job.sha256[:8]}"
    tmp = exports_dir / f".{target.name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(out, tmp)
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)


def _failed(job: ClipJob, key: str, run_id: str, library: Library, message: str, started: float) -> ClipOutcome:
    seconds = time.perf_counter() - started
    if job.sha256:
        library.record_batch_failure(clip_sha256=job.sha256, settings_key=key, source_path=job.path, run_id=run_id,
                                     message=message, seconds=seconds)
    return ClipOutcome(job.path, job.athlete, FAILED, message, seconds=seconds)


def _activity(analysis) -> str:
    if analysis.mode == "exercise":
        name = analysis.data.get("exercise", {}).get("name")
        return f"exercise: {name}" if name else "exercise"
    return analysis.mode


def headline(analysis) -> tuple[str, ...]:
    """The report's first measured metrics as short text (the table names the clip and activity)."""
    return tuple(f"{m.label}: {m.value:.3g} {m.unit}".strip() for m in analysis.report.metrics
                 if m.value is not None and m.value == m.value)[:HEADLINE_METRICS]


def with_hash(job: ClipJob) -> ClipJob:
    """The job with its content hash (read where the clip lies)."""
    from formcheck.cache import file_sha256

    return replace(job, sha256=file_sha256(job.path))
