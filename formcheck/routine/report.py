"""The routine as JSON: `analysis.json`'s `routine` (docs/exercise_json.md, `$defs/routine` in
docs/schemas/exercise.schema.json).

    {"exercises": [card, ...], "order": [...], "breaks": [...], "main": 0, "totals": {...}}

A card holds everything the single-exercise JSON says about one exercise (reps, summary, cues,
checks), plus its sets; `order` lists every set in time order; `breaks` what lies between them.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from formcheck.exercises.catalog import FAULT_LABELS
from formcheck.exercises.feedback import exercise_cues, summarize
from formcheck.exercises.report import rep_dict
from formcheck.metrics.jsonable import jsonable
from formcheck.routine.analysis import Routine, RoutineExercise, reps_per_side


def _card(ex: RoutineExercise) -> dict:
    a = ex.analysis
    found = ex.main_fault()
    return {
        "label": ex.label, "name": a.recognition.name, "title": ex.title, "recognised": ex.recognised,
        "confidence": min(s.analysis.recognition.confidence for s in ex.sets),
        "view": a.view.view, "posture": a.posture,
        "sets": [{"number": s.number, "segment": s.segment, "start_s": s.start_s, "end_s": s.end_s,
                  "segment_frames": list(s.segment_frames), "frames": list(s.frames), "view": s.analysis.view.view,
                  "view_confidence": s.analysis.view.confidence, "reps": len(s.analysis.reps),
                  "reps_per_side": reps_per_side(s.analysis.reps), "partial_reps": len(s.analysis.partial_reps)}
                 for s in ex.sets],
        "reps_count": len(a.reps), "reps_per_side": ex.reps_per_side(), "work_s": ex.work_s,
        "main_fault": ({"fault": found[0], "label": FAULT_LABELS.get(found[0], found[0]), "reps": found[1],
                        "of": len(a.reps)} if found else None),
        "main_fault_text": ex.main_fault_text(),
        "reps": [rep_dict(r) for r in a.reps], "partial_reps": [rep_dict(r) for r in a.partial_reps],
        "summary": summarize(a), "checked": list(a.checked),
        "not_checkable": [{"fault": n.fault, "views": list(n.views)} for n in a.not_checkable],
        "cues": [c.to_dict() for c in exercise_cues(a)], "generic": a.generic or None, "notes": list(a.notes),
    }


def routine_json(routine: Routine) -> dict:
    """The routine (module doc); NaN becomes null."""
    cards = [_card(e) for e in routine.exercises]
    order = [{"exercise": e, "set": routine.exercises[e].sets[s].number,
              "start_s": routine.exercises[e].sets[s].start_s, "end_s": routine.exercises[e].sets[s].end_s}
             for e, s in routine.order]
    breaks = [{"label": b.label, "title": b.title, "start_frame": b.start_frame, "end_frame": b.end_frame,
               "start_s": b.start_s, "end_s": b.end_s, "duration_s": b.duration_s} for b in routine.breaks]
    totals = {"exercises": len(cards), "sets": len(order), "reps": sum(c["reps_count"] for c in cards),
              "work_s": sum(c["work_s"] for c in cards), "breaks": len(breaks),
              "break_s": sum(b["duration_s"] for b in breaks)}
    return jsonable({"exercises": cards, "order": order, "breaks": breaks, "main": routine.main, "totals": totals})


ROUTINE_REP_COLUMNS = ("exercise", "set", "number", "rep_in_set", "side", "start_frame", "peak_frame", "end_frame",
                       "start_s", "peak_s", "end_s", "duration_s", "hold_s", "range", "range_unit")


def write_routine_reps_csv(routine: Routine, path: str | Path) -> None:
    """reps.csv of a routine: one row per counted rep of every exercise in time order, with its
    exercise, set, number within the exercise and within the set; the range with its unit (it
    differs between exercises); checked values as extra columns whose names carry units.
    Written to a temporary file and renamed, so a failure leaves no half-written CSV."""
    rows = []
    for ex in routine.exercises:
        number = 0
        for st in ex.sets:
            for r in st.analysis.reps:
                number += 1
                rows.append((ex, st, number, r))
    rows.sort(key=lambda row: row[3].start_frame)
    value_cols = sorted({k for *_, r in rows for k in r.values})
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(ROUTINE_REP_COLUMNS + ("score_total_pts", "score_range_pts", "score_alignment_pts", "faults")
                   + tuple(value_cols))
        for ex, st, number, r in rows:
            d = jsonable(rep_dict(r))
            w.writerow([ex.label, st.number, number, r.number]
                       + [d[c] for c in ROUTINE_REP_COLUMNS[4:]]
                       + [d["score"]["total"], d["score"]["range"], d["score"]["alignment"],
                          ";".join(sorted({f["fault"] for f in d["faults"]}))]
                       + [d["values"].get(c) for c in value_cols])
    os.replace(tmp, path)
