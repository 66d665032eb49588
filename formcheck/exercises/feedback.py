"""Summary and cues of an exercise analysis: what the numbers say, in plain words.

Cues name the reps and frames where each fault happened, carry the fault's
evidence level and offer one option, never an order; faults a view cannot
show become "not checkable from this view" notes naming the view that
would. No cue claims muscle activation, weakness or injury (METRICS.md §6):
the catalog's templates are checked by `cues.rules.check_wording`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from formcheck.exercises.analysis import ExerciseAnalysis, RepResult
from formcheck.exercises.catalog import FAULT_LABELS, VIEW_WORDS
from formcheck.exercises.signals import LEGS

ASYMMETRY_NOTE = 0.15  # [H] left/right range differing by more than 15% of their mean


@dataclass(frozen=True)
class ExerciseCue:
    """kind: 'fault', 'unsure', 'not_checkable', 'view', 'asymmetry' or 'not_recognised'; reps: rep
    numbers; frames: [start, end] video frames per rep; evidence: E/H/W or ''."""

    id: str
    kind: str
    message: str
    evidence: str = ""
    what_to_do: str = ""
    reps: tuple[int, ...] = ()
    frames: tuple[tuple[int, int], ...] = ()

    def to_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "message": self.message, "evidence": self.evidence,
                "what_to_do": self.what_to_do, "reps": list(self.reps), "frames": [list(f) for f in self.frames]}


def _median(values: list[float]) -> float | None:
    v = [x for x in values if x is not None and np.isfinite(x)]
    return round(float(np.median(v)), 3) if v else None


def summarize(analysis: ExerciseAnalysis) -> dict:
    """Reps per side, range, tempo, holds, asymmetry, mean quality score, faults per name."""
    reps = analysis.reps
    sides = sorted({r.side for r in reps})
    per_side = {}
    for side in sides:
        mine = [r for r in reps if r.side == side]
        per_side[side] = {
            "reps": len(mine),
            "range_median": _median([r.range for r in mine]),
            "duration_median_s": _median([r.duration_s for r in mine]),
            "hold_median_s": _median([r.hold_s for r in mine]),
            "score_mean": round(float(np.mean([r.score["total"] for r in mine])), 1),
        }
    asym = None
    if all(s in per_side for s in LEGS):
        left, right = (per_side[s]["range_median"] for s in LEGS)
        if left is not None and right is not None and left + right > 0:
            asym = round((left - right) / ((left + right) / 2), 3)
    durations = [r.duration_s for r in reps]
    span = (reps[-1].end_s - reps[0].start_s) if reps else 0.0
    faults = defaultdict(int)
    for r in reps:
        for name in {f.fault for f in r.faults}:
            faults[name] += 1
    return {
        "reps": len(reps),
        "partial_reps": len(analysis.partial_reps),
        "reps_per_side": {s: v["reps"] for s, v in per_side.items()},
        "per_side": per_side,
        "range_unit": reps[0].range_unit if reps else None,
        "tempo": {"rep_duration_median_s": _median(durations),
                  "reps_per_min": round(60.0 * (len(reps) - 1) / span, 1) if len(reps) > 1 and span > 0 else None},
        "asymmetry_left_vs_right": asym,
        "score_mean": round(float(np.mean([r.score["total"] for r in reps])), 1) if reps else None,
        "faults": dict(faults),
    }


def _rep_list(reps: list[RepResult]) -> str:
    by_side = defaultdict(list)
    for r in reps:
        by_side[r.side].append(str(r.number))
    parts = []
    for side, numbers in by_side.items():
        word = "rep" if len(numbers) == 1 else "reps"
        parts.append(f"{word} {', '.join(numbers)}" + ("" if side == "both" else f" ({side})"))
    return " and ".join(parts)


def _unsure_cues(analysis: ExerciseAnalysis) -> list[ExerciseCue]:
    """One cue per fault that perspective left undecided on some reps (checks.check_rep)."""
    cues = []
    for fault in analysis.spec.faults:
        reps = [r for r in analysis.reps if fault.name in {f.fault for f in r.unsure}]
        if not reps:
            continue
        frames = tuple((r.start_frame, r.end_frame) for r in reps)
        cues.append(ExerciseCue(
            f"{fault.name}_unsure", "unsure",
            f"{FAULT_LABELS[fault.name]}: not decided on {_rep_list(reps)} (frames "
            f"{', '.join(f'{a}–{b}' for a, b in frames)}). The knee was off the middle of the picture and nearer "
            "to or further from the camera than the hip and foot, so perspective can move it by as much as the "
            "limit.",
            "", "One option: film with the working knee near the middle of the picture, or from further away "
                "with the zoom.", tuple(r.number for r in reps), frames))
    return cues


def exercise_cues(analysis: ExerciseAnalysis) -> list[ExerciseCue]:
    """Cues in the order a user reads them: faults (most reps first), view notes, asymmetry."""
    if analysis.spec is None:
        return [ExerciseCue("not_recognised", "not_recognised", analysis.recognition.reason.capitalize()
                            + ". Generic alignment ranges are shown instead; choose the exercise to count reps.")]
    spec = analysis.spec
    cues = []
    for fault in spec.faults:
        hits = [(r, f) for r in analysis.reps for f in r.faults if f.fault == fault.name]
        if not hits:
            continue
        reps = list({r.number: r for r, _ in hits}.values())  # once per rep, in order (reps are unhashable)
        worst = max(hits, key=lambda h: abs(h[1].value) if fault.kind == "change"
                    else (-h[1].value if fault.kind == "below" else h[1].value))[1]
        unit = " hip widths" if fault.quantity == "stance_width" else "°"
        frames = tuple((r.start_frame, r.end_frame) for r in reps)
        message = fault.message.format(reps=_rep_list(reps), value=f"{abs(worst.value):.0f}{unit}"
                                       if unit == "°" else f"{worst.value:.2f}{unit}",
                                       frames=", ".join(f"{a}–{b}" for a, b in frames))
        cues.append(ExerciseCue(fault.name, "fault", message, fault.evidence, fault.what_to_do,
                                tuple(r.number for r in reps), frames))
    cues.sort(key=lambda c: -len(c.reps))
    cues.extend(_unsure_cues(analysis))
    for nc in analysis.not_checkable:
        where = " or ".join(VIEW_WORDS[v] for v in nc.views)
        cues.append(ExerciseCue(f"{nc.fault}_not_checkable", "not_checkable",
                                f"{FAULT_LABELS[nc.fault]} is not checkable from this view "
                                f"({analysis.view.view.replace('_', ' ')}); film {where} to check it."))
    for note in analysis.notes:
        cues.append(ExerciseCue("view", "view", note))
    asym = summarize(analysis)["asymmetry_left_vs_right"]
    if asym is not None and abs(asym) > ASYMMETRY_NOTE:
        larger = "left" if asym > 0 else "right"
        cues.append(ExerciseCue("asymmetry", "asymmetry",
                                f"The {larger} side moved through a {abs(asym):.0%} larger range than the other "
                                "(median over reps).", "H"))
    return cues
