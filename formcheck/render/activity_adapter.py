"""The activity timeline (`activity.Timeline`) as the report model's neutral `Activity`.

    report = with_activity(report, timeline, mode, decided_by)  # the pipeline does this for every analysis
    report.activity.spans[0].label         # "Still / resting", "Bodyweight squat 0.94", ...
    report.activity.choices                # when unsure: what the user may pick

The timeline counts the video's frame numbers; the report model counts track rows
(the same numbers for a whole clip, mapped here all the same). Every picture and
page (strip, video corner, app buttons) reads only the `Activity` this returns.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from formcheck.activity.model import GAIT, NOT_IN_VIEW, OTHER_EXERCISE, STILL, UNSURE, Timeline, label_title
from formcheck.render.model import Activity, ActivityChoice, ActivitySpan, ReportModel
from formcheck.track import PoseTrack

KIND_OF = {**{g: "gait" for g in GAIT}, OTHER_EXERCISE: "other", STILL: "still", NOT_IN_VIEW: "absent",
           UNSURE: "unsure"}
MODE_WORDS = {"running": "running mode", "exercise": "exercise mode"}


def kind_of(label: str) -> str:
    """The strip's kind of a timeline label (a catalog exercise is "exercise")."""
    return KIND_OF.get(label, "exercise")


def _rows(track: PoseTrack, first_frame: int, last_frame: int) -> tuple[int, int]:
    frames = np.asarray(track.frame_index)
    n = len(frames)
    a = int(np.clip(np.searchsorted(frames, first_frame, side="left"), 0, n - 1))
    b = int(np.clip(np.searchsorted(frames, last_frame, side="right") - 1, a, n - 1))
    return a, b


def choices(timeline: Timeline) -> tuple[ActivityChoice, ...]:
    """The analyses an unsure decision could mean, best first, one per distinct analysis:
    running (running or walking), a named exercise, or another exercise (recognised
    again); resting and out of view are no analysis and are left out."""
    d = timeline.decision
    if d.label != UNSURE:
        return ()
    out: list[ActivityChoice] = []
    for name, _ in d.candidates:
        kind = kind_of(name)
        if kind == "gait":
            choice = ActivityChoice(label_title(name), "running")
        elif kind in ("exercise", "other"):
            choice = ActivityChoice(label_title(name), "exercise", name if kind == "exercise" else "auto")
        else:
            continue
        if all((c.analysis, c.exercise) != (choice.analysis, choice.exercise) for c in out):
            out.append(choice)
    return tuple(out)


def _question(timeline: Timeline) -> str:
    d = timeline.decision
    if d.label != UNSURE or len(d.candidates) < 2:
        return ""
    return f"Not sure: {label_title(d.candidates[0][0])} or {label_title(d.candidates[1][0])}?"


def decision_sentence(timeline: Timeline, mode: str, decided_by: str) -> str:
    """One sentence: what the timeline decided and which analysis the clip got (`mode`:
    "running" or "exercise"; `decided_by`: "auto" or "user")."""
    d = timeline.decision
    reason = d.reason[:1].upper() + d.reason[1:] if d.reason else "Nothing was decided"
    how = MODE_WORDS.get(mode, f"{mode} mode")
    if decided_by == "user":
        return (f"Analysed in {how}, as you chose. On its own FormCheck reads: {reason} "
                f"(confidence {d.confidence:.2f}).")
    if d.label == UNSURE:
        unnamed = " without naming the exercise" if mode == "exercise" else ""
        return f"{reason} (confidence {d.confidence:.2f}): analysed in {how}{unnamed}, the likelier reading."
    return f"{reason} (confidence {d.confidence:.2f}): analysed in {how}."


def activity_of(timeline: Timeline, track: PoseTrack, mode: str, decided_by: str = "auto") -> Activity:
    """The report's `Activity` of `timeline` over `track` (the analysed athlete's track)."""
    spans = []
    if len(track):
        for s in timeline.segments:
            first, last = _rows(track, s.start_frame, s.end_frame)
            spans.append(ActivitySpan(first, last, float(s.start_s), float(s.end_s), s.title, kind_of(s.label),
                                      float(s.confidence), s.view, s.shot, "; ".join(s.reasons[:3])))
    frames = np.asarray(track.frame_index)
    cuts = tuple(sorted({int(np.searchsorted(frames, c)) for c in timeline.cuts} - {0, len(track)}))
    auto = decided_by != "user"
    return Activity(tuple(spans), decision_sentence(timeline, mode, decided_by), cuts,
                    ask=timeline.decision.ask if auto else "", question=_question(timeline) if auto else "",
                    choices=choices(timeline) if auto else ())


def with_activity(report: ReportModel, timeline: Timeline | None, mode: str, decided_by: str = "auto") -> ReportModel:
    """`report` with the activity of `timeline` (unchanged when there is no timeline)."""
    if timeline is None:
        return report
    return replace(report, activity=activity_of(timeline, report.track, mode, decided_by))
