"""What the app's background jobs do: the pipeline and the export, nothing of their own.

`AnalysisRequest` is everything the user chose for one clip; its `key`
(clip sha256 + choices + software version) names the job and the folder of
exported files, so the same request is answered from the folder, and the
pose stage from the pose cache, without decoding the clip again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from formcheck import __version__
from formcheck.settings import AthleteChoice, Settings

log = logging.getLogger(__name__)

# What the user picks -> the pipeline's mode name.
MODES = {"auto": "auto", "exercise": "exercise", "running": "run"}


@dataclass(frozen=True)
class AnalysisRequest:
    """One clip and the user's choices. mode: auto|exercise|running; exercise and
    exercise_view: "auto" or a catalog name / view; running_view and context:
    "auto" or the user's override; athlete_index: None = the most present and
    largest person, else that rank (0-based); capture_fps: the frame rate a
    slow-motion clip was captured at, when its file does not say (None: as the
    file says)."""

    clip: str
    clip_sha256: str
    mode: str = "auto"
    model: str | None = None
    exercise: str = "auto"
    exercise_view: str = "auto"
    running_view: str = "auto"
    context: str = "auto"
    athlete_index: int | None = None
    capture_fps: float | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {tuple(MODES)}, got {self.mode!r}")
        self.exercise_options()  # unknown names raise here, before a job starts
        self.running_options()

    def settings(self) -> Settings:
        from formcheck.video import VideoLimits

        # The operator's FORMCHECK_MAX_* limits, as the limit messages tell them to set.
        return Settings(model=self.model, athlete=AthleteChoice(index=self.athlete_index),
                        limits=VideoLimits.from_env(), capture_fps=self.capture_fps)

    def exercise_options(self):
        from formcheck.exercises.analysis import ExerciseOptions

        return ExerciseOptions(exercise=self.exercise, view=self.exercise_view)

    def running_options(self):
        from formcheck.running.analysis import RunningOptions

        return RunningOptions(view=self.running_view, context=self.context)

    def choices(self) -> dict:
        """The choices that change the result (not where the clip file lies)."""
        out = asdict(self)
        del out["clip"]
        return out

    @property
    def key(self) -> str:
        payload = json.dumps({**self.choices(), "version": __version__}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:32]


@dataclass(frozen=True, eq=False)
class ClipResult:
    """A finished analysis: the pipeline's `Analysis` and the folder of its exported files."""

    request: AnalysisRequest
    analysis: object
    out_dir: Path

    def file(self, name: str) -> Path | None:
        path = self.out_dir / name
        return path if path.exists() else None


def analyse_clip(request: AnalysisRequest, job, results_root: Path, pool=None) -> ClipResult:
    """Run the pipeline on the request's clip, then export its files (once per key)."""
    from formcheck.export import export_analysis
    from formcheck.pipeline import analyze

    analysis = analyze(request.clip, MODES[request.mode], request.settings(), request.running_options(),
                       progress=job.progress("Finding the athlete"), pool=pool,
                       exercise_options=request.exercise_options())
    out_dir = results_root / request.key
    if not (out_dir / "report.html").is_file():  # export writes report.html last, then renames
        job.progress("Writing the annotated video")(0, len(analysis.pose.track))
        export_analysis(analysis, out_dir, overwrite=True, progress=job.progress("Writing the annotated video"))
    return ClipResult(request, analysis, out_dir)


def check_clip(clip: str, model: str | None):
    """The capture check of `pipeline.inspect_clip` (metadata + a quick look at a few frames)."""
    from formcheck.pipeline import inspect_clip

    return inspect_clip(clip, model=model)


def compare_results(a: ClipResult, b: ClipResult, a_label: str, b_label: str):
    """The comparison of two analysed clips, b against a (`pipeline.compare_analyses`)."""
    from formcheck.pipeline import compare_analyses

    return compare_analyses(a.analysis, b.analysis, a_label, b_label)
