"""The running analysis as versioned JSON and as a per-stride CSV (documented in docs/running_json.md).

Schema "formcheck.running/1". Top level: schema, formcheck_version, clip,
model, view, context, gait_mode, strides (one object per stride), summary
(metric -> value, unit, spread, n, ...), not_measurable, time_base (slow
motion or real time, and why), cadence (from all the steps: count, span,
interval, the legs' own period), leg_tracking (side view: were both legs
tracked alike), notes (what was left out of the analysis and why), cues,
settings.
NaN becomes null; times are seconds, frames are track rows (0-based).
"""

from __future__ import annotations

import csv
import dataclasses
import math
import os
from pathlib import Path

from formcheck import __version__
from formcheck.metrics.catalog import METRICS
from formcheck.metrics.jsonable import jsonable
from formcheck.metrics.running_side import strike_pattern

SCHEMA = "formcheck.running/1"


def _event(event) -> dict | None:
    if event is None:
        return None
    return {"frame": event.frame, "t_s": event.t_s, "confidence": event.confidence, "method": event.method}


def _decision(value: str, confidence: float, source: str, reason: str = "", **extra) -> dict:
    return {"value": value, "confidence": confidence, "source": source, "reason": reason, **extra}


def running_json(running, pose) -> dict:
    """The whole analysis of one running clip."""
    info = pose.info
    view, context, mode = running.view, running.context, running.gait_mode
    return jsonable({
        "schema": SCHEMA,
        "formcheck_version": __version__,
        "clip": {"path": str(info.path), "sha256": pose.clip_sha256, "frames": info.frame_count,
                 "fps": info.fps, "capture_fps": info.capture_fps, "duration_s": info.duration_s,
                 "width": info.upright_width, "height": info.upright_height,
                 "athlete_frames": int(pose.athlete.track.detected_frames.sum())},
        "model": pose.model.model_id,
        "view": _decision(view.view, view.confidence, view.source, getattr(view, "reason", ""),
                          facing=getattr(view, "facing", None)),
        "context": _decision(context.kind, context.confidence, getattr(context, "source", "auto"),
                             getattr(context, "reason", "")),
        "direction": {"value": running.direction.sign, "confidence": running.direction.confidence,
                      "method": running.direction.method},
        "gait_mode": _decision(mode.mode, mode.confidence, "auto", mode.reason),
        "strides": [{"index": s.index, "side": s.side, "contact": _event(s.contact), "toe_off": _event(s.toe_off),
                     "next_contact": _event(s.next_contact), "frames": list(s.frames),
                     "metrics": dict(s.values)} for s in running.strides],
        "summary": {name: {**m.to_dict(), "label": METRICS[name].label, "views": list(METRICS[name].views),
                           "low_confidence": METRICS[name].low_confidence,
                           "frames": [m.frames[0], m.frames[-1]] if m.frames else []}
                    for name, m in running.summary.items()},
        "foot_strike_pattern": _strike(running),
        "not_measurable": [{"metric": n.name, "reason": n.reason} for n in running.not_measurable],
        "time_base": running.time_base.to_dict(),
        "cadence": running.cadence.to_dict(),
        "leg_tracking": running.leg_tracking.to_dict() if running.leg_tracking is not None else None,
        "notes": list(getattr(running, "notes", ())),
        "cues": [dataclasses.asdict(c) for c in running.cues],
        "settings": {"running": dataclasses.asdict(running.options), "pose": pose.settings.to_dict()},
    })


def _strike(running) -> dict:
    pattern, share = strike_pattern(running.strides)
    return {"value": pattern, "share": share, "evidence": "H",
            "note": "from the foot-strike angle at contact; thresholds in formcheck/metrics/running_side.py"}


def write_strides_csv(running, path: str | os.PathLike) -> Path:
    """One row per stride; metric columns named with their unit (catalog order)."""
    path = Path(path)
    names = [n for n in METRICS if any(n in s.values for s in running.strides)]
    # Catalog names end in their unit (_deg, _ms, _pct, _spm, _ratio), so columns carry units.
    header = ["stride", "side", "contact_frame", "contact_t_s", "toe_off_t_s", *names]
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for s in running.strides:
            row = [s.index, s.side, s.contact.frame, f"{s.contact.t_s:.4f}",
                   "" if s.toe_off is None else f"{s.toe_off.t_s:.4f}"]
            row += ["" if not math.isfinite(s.values.get(n, math.nan)) else f"{s.values[n]:.3f}" for n in names]
            writer.writerow(row)
    os.replace(tmp, path)
    return path
