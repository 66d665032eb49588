"""The exercise analysis as versioned JSON and a per-rep CSV (documented in docs/exercise_json.md).

Schema "formcheck.exercise/2". Top level: schema, formcheck_version, clip,
model, exercise (name, title, confidence, alternatives, set_by_user,
reason), view (value, confidence, supported, source), posture, reps (one
object per counted rep), partial_reps, summary, checked, not_checkable,
cues, generic (only when not recognised), notes, routine (null here; the
pipeline fills it for a clip of several sets, and the top level then
describes the routine's main exercise over all its sets). NaN becomes null;
times are seconds, frames are the video's frame numbers.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from formcheck import __version__
from formcheck.exercises.analysis import ExerciseAnalysis, RepResult
from formcheck.exercises.feedback import exercise_cues, summarize
from formcheck.metrics.jsonable import jsonable

SCHEMA = "formcheck.exercise/2"


def rep_dict(r: RepResult) -> dict:
    return {
        "number": r.number, "side": r.side,
        "start_frame": r.start_frame, "peak_frame": r.peak_frame, "end_frame": r.end_frame,
        "start_s": r.start_s, "peak_s": r.peak_s, "end_s": r.end_s, "duration_s": r.duration_s,
        "hold_s": r.hold_s, "range": r.range, "range_unit": r.range_unit,
        "top_frames": list(r.top_frames), "values": r.values,
        "faults": [{"fault": f.fault, "value": f.value, "limit": f.limit, "leg": f.leg} for f in r.faults],
        "unsure": [{"fault": f.fault, "value": f.value, "limit": f.limit, "leg": f.leg} for f in r.unsure],
        "score": r.score,
    }


def exercise_json(analysis: ExerciseAnalysis, pose=None) -> dict:
    """The whole analysis of one exercise clip; `pose` (pipeline.PoseAnalysis) adds clip and model."""
    rec, view, spec = analysis.recognition, analysis.view, analysis.spec
    data = {
        "schema": SCHEMA,
        "formcheck_version": __version__,
        "exercise": {"name": rec.name, "title": spec.title if spec else None, "confidence": rec.confidence,
                     "alternatives": [{"name": n, "confidence": c} for n, c in rec.alternatives],
                     "set_by_user": rec.set_by_user, "reason": rec.reason},
        "view": {"value": view.view, "confidence": view.confidence, "supported": analysis.view_supported,
                 "source": "user" if view.set_by_user else "estimated",
                 "supported_views": list(spec.views) if spec else []},
        "posture": analysis.posture,
        "frames": list(analysis.frames),
        "reps": [rep_dict(r) for r in analysis.reps],
        "partial_reps": [rep_dict(r) for r in analysis.partial_reps],
        "summary": summarize(analysis),
        "checked": list(analysis.checked),
        "not_checkable": [{"fault": n.fault, "views": list(n.views)} for n in analysis.not_checkable],
        "cues": [c.to_dict() for c in exercise_cues(analysis)],
        "generic": analysis.generic or None,
        "notes": list(analysis.notes),
        "routine": None,
    }
    if pose is not None:
        info = pose.info
        data["clip"] = {"path": str(info.path), "sha256": pose.clip_sha256, "frames": info.frame_count,
                        "fps": info.fps, "duration_s": info.duration_s, "width": info.upright_width,
                        "height": info.upright_height}
        data["model"] = pose.model.model_id
    return jsonable(data)


REP_COLUMNS = ("number", "side", "start_frame", "peak_frame", "end_frame", "start_s", "peak_s", "end_s",
               "duration_s", "hold_s")


def write_reps_csv(analysis: ExerciseAnalysis, path: str | Path) -> None:
    """One row per counted rep; checked values as extra columns whose names carry units.
    Written to a temporary file and renamed, so a failure leaves no half-written CSV."""
    value_cols = sorted({k for r in analysis.reps for k in r.values})
    unit = analysis.reps[0].range_unit if analysis.reps else "signal"
    range_col = "range_" + unit.replace(" ", "_")
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(REP_COLUMNS + (range_col, "score_total_pts", "score_range_pts", "score_alignment_pts", "faults")
                   + tuple(value_cols))
        for r in analysis.reps:
            d = jsonable(rep_dict(r))
            w.writerow([d[c] for c in REP_COLUMNS]
                       + [d["range"], d["score"]["total"], d["score"]["range"], d["score"]["alignment"],
                          ";".join(sorted({f["fault"] for f in d["faults"]}))]
                       + [d["values"].get(c) for c in value_cols])
    os.replace(tmp, path)
