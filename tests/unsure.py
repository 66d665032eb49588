"""An analysis made unsure between two candidates, for the paths no real clip takes yet (the
question, the buttons that settle it): the real analysis, its timeline's segments and decision
replaced as `activity.timeline.decide` writes an unsure one."""

from __future__ import annotations

from dataclasses import replace

from formcheck.activity.model import UNSURE, Decision, label_title
from formcheck.render.activity_adapter import with_activity


def unsure_analysis(analysis, candidates=(("standing_hip_abduction", 0.5), ("running", 0.45))):
    """`analysis` (a pipeline.Analysis) whose every segment, and the decision, are unsure between
    the two `candidates` ((label, confidence) best first), leading to different analyses."""
    a, b = (label_title(n).lower() for n, _ in candidates[:2])
    ask = (f"Not sure whether this is {a} or {b}: choose with --mode run or --mode exercise (--exercise NAME), "
           "or tap it in the app.")
    segments = tuple(replace(s, label=UNSURE, candidates=tuple(candidates)) for s in analysis.timeline.segments)
    timeline = replace(analysis.timeline, segments=segments,
                       decision=Decision(UNSURE, UNSURE, candidates[0][1], tuple(candidates), "not sure", 0, ask))
    data = {**analysis.data, "timeline": timeline.to_dict(),
            "analysis_mode": {**analysis.data["analysis_mode"], "unsure": True}}
    report = with_activity(replace(analysis.report, activity=None), timeline, analysis.mode, analysis.decided_by)
    return replace(analysis, timeline=timeline, unsure=True, data=data, report=report)


def unsure_when_automatic(analyze):
    """`pipeline.analyze` that makes its automatic analyses unsure (a mode the user chose stays sure)."""
    def wrapped(*args, **kwargs):
        mode = args[1] if len(args) > 1 else kwargs.get("mode", "auto")
        result = analyze(*args, **kwargs)
        return unsure_analysis(result) if mode == "auto" else result
    return wrapped
