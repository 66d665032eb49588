"""What the coach's library keeps of one analysis: the `Library.add_analysis` keyword arguments.

The app's "Save to the library" and the batch (`formcheck.batch`) both save through here, so a
clip analysed either way is stored alike: its metrics, the settings and choices that produced
it, the model id and FormCheck version, and the exported files.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path


def metric_values(report) -> list:
    """The report's metrics as the library stores them (finite values only)."""
    from formcheck.store import MetricValue

    return [MetricValue(m.name, m.label, float(m.value), m.unit, int(m.n), m.view, bool(m.low_confidence))
            for m in report.metrics if m.value is not None and math.isfinite(m.value)]


def copy_files(src: Path):
    """A `write_files` for the library: copy the exported files of an analysis into its folder."""
    def write(dst: Path) -> None:  # None: the library lists what was written
        for path in sorted(src.iterdir()):
            if path.is_dir():
                shutil.copytree(path, dst / path.name)
            else:
                shutil.copy2(path, dst / path.name)
    return write


def analysis_fields(analysis, choices: dict, files_dir: Path) -> dict:
    """The keyword arguments of `Library.add_analysis` for a `pipeline.Analysis`.

    choices: what the user chose (mode, exercise, views, model...), kept with the pose settings.
    files_dir: the folder of its exported files, copied into the library.
    """
    report = analysis.report
    exercise = analysis.data.get("exercise", {}).get("name") if analysis.mode == "exercise" else None
    view = report.capture.get("View", "") or next((v for w, v, _, _ in report.decisions if "view" in w.lower()), "")
    provenance = analysis.pose.provenance()
    return dict(mode=analysis.mode, title=report.title, exercise=exercise, view=view,
                confidence=float(report.confidence), settings={"request": choices, "pose": provenance["settings"]},
                model_id=provenance["model_id"], formcheck_version=provenance["formcheck_version"],
                clip_sha256=provenance["clip_sha256"], data=analysis.data, metrics=metric_values(report),
                write_files=copy_files(files_dir))
