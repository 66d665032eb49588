"""Write everything a user takes away from one analysed clip into one folder.

    out/annotated.mp4   every frame, annotated, source timing (render.video)
    out/report.html     self-contained report (render.html)
    out/analysis.json   machine-readable analysis (running: schema formcheck.running/1,
                        docs/schemas/running.schema.json; exercise: formcheck.exercise/2,
                        docs/schemas/exercise.schema.json)
    out/frames.csv      one row per frame: time and angles, units in the column names
    out/strides.csv     running: one row per stride (running.report.write_strides_csv)
    out/reps.csv        exercise: one row per counted rep (exercises.report.write_reps_csv; a routine:
                        every exercise's, with exercise and set, routine.report.write_routine_reps_csv)
    out/keyframes/      annotated stills of the key frames
    out/slowmo.mp4      optional: ±0.3 s around each contact (running) or each rep's peak
                        (exercise) at 1/4 speed

Everything is written into a hidden temporary folder beside `out` and renamed
at the end, so a failure never leaves a half-written `out`. A leaf stage:
only the shells (cli, ui) import it.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from formcheck.errors import FormCheckError
from formcheck.render.html import report_html
from formcheck.render.keyframes import KeyFrameCollector
from formcheck.render.model import ReportModel
from formcheck.render.plots import report_plots
from formcheck.render.video import VideoWritten, write_annotated_video, write_slowmo_video

log = logging.getLogger(__name__)

FILES = ("annotated.mp4", "report.html", "analysis.json", "frames.csv", "keyframes")
DATA_FILES = ("analysis.json", "frames.csv")  # + reps.csv or strides.csv: nothing drawn
# The moments slowmo.mp4 shows, ±0.3 s each: every foot contact; every rep's peak (a squat's bottom).
SLOWMO_MARK = {"running": "contact", "exercise": "peak"}


class OutputExistsError(FormCheckError):
    """The output folder exists and holds files."""


@dataclass(frozen=True)
class Exported:
    """What `export_analysis` wrote: the folder, its files, the video's write speed, the report size."""

    out_dir: Path
    files: tuple[str, ...]
    video: VideoWritten
    report_bytes: int
    seconds: float


def write_frames_csv(report: ReportModel, path: str | os.PathLike) -> Path:
    """One row per track frame: frame, t_s, athlete_seen (0/1), then every series (column = its
    name, which ends in its unit, e.g. knee_flexion_left_deg); empty cell = not measured."""
    path = Path(path)
    track = report.track
    seen = track.detected_frames
    header = ["frame", "t_s", "athlete_seen", *[s.name for s in report.series]]
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for r in range(len(track)):
            row = [int(track.frame_index[r]), f"{track.t_s[r]:.4f}", int(seen[r])]
            row += ["" if not math.isfinite(s.values[r]) else f"{s.values[r]:.2f}" for s in report.series]
            writer.writerow(row)
    return path


def check_output_dir(out_dir: str | os.PathLike, overwrite: bool = False) -> None:
    """Raise OutputExistsError unless `out_dir` can be written (absent, empty, or overwrite)."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputExistsError(f"{out_dir} is a file; choose a folder name for --out.")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not overwrite:
        raise OutputExistsError(f"The output folder {out_dir} already holds files; choose another --out, "
                                "or add --overwrite to replace it.")


def export_analysis(analysis, out_dir: str | os.PathLike, *, progress=None, slowmo: bool = False,
                    overwrite: bool = False) -> Exported:
    """Write the outputs of `analysis` (a `pipeline.Analysis`) into `out_dir` (module doc).

    Args:
        analysis: has .mode, .pose (PoseAnalysis), .report (ReportModel), .data
            (the JSON dict), .timeline (activity.Timeline, or None) and, for running,
            .running (RunningAnalysis); for exercises, .exercise (ExerciseAnalysis).
        progress: called with (frames done, total) while the video is written.
        slowmo: also write slowmo.mp4 around each contact (running) or rep peak (exercise).
        overwrite: replace an existing non-empty `out_dir`.
    """
    started = time.perf_counter()
    out_dir = Path(out_dir)
    check_output_dir(out_dir, overwrite)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp makes it private; the result is an ordinary folder
        report = analysis.report  # with the activity timeline: strip, video corner
        info = analysis.pose.info
        collector = KeyFrameCollector(report)
        video = write_annotated_video(info, report, tmp / "annotated.mp4", progress=progress, on_frame=collector)
        collector.save(tmp / "keyframes")
        files = list(FILES) + [f for f in _write_data(analysis, tmp) if f not in FILES]
        moments = [m.t_s for m in report.marks if m.kind == SLOWMO_MARK.get(analysis.mode)]
        if slowmo and moments:
            write_slowmo_video(info, report, tmp / "slowmo.mp4", moments)
            files.append("slowmo.mp4")
        html = report_html(report, collector.images(), report_plots(report),
                           files=[f for f in files if f != "report.html"])
        (tmp / "report.html").write_text(html, encoding="utf-8")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Exported(out_dir, tuple(files), video, len(html.encode("utf-8")), time.perf_counter() - started)


def write_data_files(analysis, out_dir: str | os.PathLike) -> tuple[str, ...]:
    """Only the numbers of `analysis` into a new `out_dir` (analysis.json, frames.csv and
    reps.csv or strides.csv): no video is decoded or drawn. The folder appears whole or not at all."""
    out_dir = Path(out_dir)
    check_output_dir(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    try:
        tmp.chmod(0o755)
        files = _write_data(analysis, tmp)
        os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tuple(files)


def _write_data(analysis, folder: Path) -> list[str]:
    (folder / "analysis.json").write_text(json.dumps(analysis.data, indent=1))
    write_frames_csv(analysis.report, folder / "frames.csv")
    files = list(DATA_FILES)
    if analysis.mode == "exercise" and getattr(analysis, "routine", None) is not None:
        from formcheck.routine.report import write_routine_reps_csv

        write_routine_reps_csv(analysis.routine, folder / "reps.csv")
        files.append("reps.csv")
    elif analysis.mode == "exercise":
        from formcheck.exercises.report import write_reps_csv

        write_reps_csv(analysis.exercise, folder / "reps.csv")
        files.append("reps.csv")
    if analysis.mode == "running":
        from formcheck.running.report import write_strides_csv

        write_strides_csv(analysis.running, folder / "strides.csv")
        files.append("strides.csv")
    return files
