"""A routine (`routine.analysis.Routine`) as one `ReportModel`: the routine first, then a card per exercise.

Each exercise gets its own full report model (`exercise_adapter.exercise_report_model` of its
sets together): its card. The routine's model is all the cards over the one track: reps as
intervals grouped by exercise, or by set where it has several (the video counts "Side-lying
clamshell · rep 3/10", "Bodyweight squat, set 2 · rep 3/8"), every
card's marks, cues (rep intervals renumbered into the routine's), metrics and key frames named
by their exercise, each card's per-frame series on its own sets' frames, and `routine` with the
summary rows and the cards, which the HTML report and the app show first.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from formcheck.exercises.catalog import VIEW_WORDS
from formcheck.render.exercise_adapter import NOTES, clip_capture, exercise_report_model
from formcheck.render.exercise_series import analysis_track
from formcheck.render.model import ReportModel, Routine, RoutineRow, Series
from formcheck.routine.analysis import Routine as RoutineAnalysis
from formcheck.routine.analysis import RoutineExercise, reps_per_side
from formcheck.track import PoseTrack

KIND = {"other_exercise": "other", "unsure": "unsure"}


def per_side_words(per_side: dict[str, int]) -> str:
    """{"left": 4, "right": 4} -> "4 left, 4 right"; two-legged reps are counted without a side."""
    if not per_side:
        return "none"
    if set(per_side) == {"both"}:
        return f"{per_side['both']} (both legs)"
    return ", ".join(f"{n} {side}" for side, n in sorted(per_side.items()))


def _rows_of(track: PoseTrack, frames: tuple[int, int]) -> slice:
    f = np.asarray(track.frame_index)
    return slice(int(np.searchsorted(f, frames[0], side="left")), int(np.searchsorted(f, frames[1], side="right")))


def _routine_track(pose_track: PoseTrack, routine: RoutineAnalysis) -> PoseTrack:
    """The athlete's track as each set's analysis read it (left and right by image side in an
    upright frontal set, as `analysis_track` does for one exercise), the rest as it is."""
    arrays = {k: getattr(pose_track, k).copy() for k in ("xy_px", "z", "visibility", "world_m")}
    for ex in routine.exercises:
        seen = analysis_track(pose_track, ex.analysis)
        if seen is pose_track:
            continue
        for s in ex.sets:
            rows = _rows_of(pose_track, s.frames)
            for k in arrays:
                arrays[k][rows] = getattr(seen, k)[rows]
    return pose_track.with_arrays(**arrays)


def _slug(title: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in title.lower()).strip("_")


def _series_on_sets(cards: list[ReportModel], exercises: tuple[RoutineExercise, ...], track: PoseTrack) -> tuple:
    """Each card's series kept on its own sets' frames (NaN elsewhere), one series per name."""
    merged: dict[str, Series] = {}
    for card, ex in zip(cards, exercises):
        for s in card.series:
            values = merged[s.name].values if s.name in merged else np.full(len(track), np.nan)
            for st in ex.sets:
                rows = _rows_of(track, st.frames)
                values[rows] = s.values[rows]
            merged[s.name] = replace(merged.get(s.name, s), values=values)
    return tuple(merged.values())


def _rep_groups(ex: RoutineExercise) -> list[str]:
    """What the video's counter counts each rep of `ex` within: the exercise, or its set when it
    has several ("Bodyweight squat, set 2 · rep 3/8")."""
    if len(ex.sets) == 1:
        return [ex.title] * len(ex.analysis.reps)
    return [f"{ex.title}, set {st.number}" for st in ex.sets for _ in st.analysis.reps]


def _set_line(st) -> str:
    reps = st.analysis.reps
    sides = reps_per_side(reps)
    partial = len(st.analysis.partial_reps)
    sided = f" ({per_side_words(sides)})" if sides and set(sides) != {"both"} else ""
    return (f"set {st.number}: {len(reps)} rep{'s' if len(reps) != 1 else ''}{sided}"
            + (f", {partial} partial" if partial else "")
            + f", {st.start_s:.1f}–{st.end_s:.1f} s, {st.analysis.view.view.replace('_', ' ')} view")


def _row(ex: RoutineExercise) -> RoutineRow:
    return RoutineRow(ex.title, KIND.get(ex.label, "exercise"), len(ex.sets), len(ex.analysis.reps),
                      per_side_words(ex.reps_per_side()), ex.work_s, ex.main_fault_text(), ex.sets[0].start_s,
                      ex.sets[-1].end_s, ex.analysis.view.view, tuple(_set_line(s) for s in ex.sets))


def routine_summary(routine: RoutineAnalysis) -> str:
    """One line: "4 exercises, 5 sets, 36 reps; 4 breaks (24 s)"."""
    n_sets = len(routine.order)
    reps = sum(len(e.analysis.reps) for e in routine.exercises)
    rest = sum(b.duration_s for b in routine.breaks)
    n_ex = len(routine.exercises)
    return (f"{n_ex} exercise{'s' if n_ex != 1 else ''}, {n_sets} set{'s' if n_sets != 1 else ''}, {reps} reps"
            + (f"; {len(routine.breaks)} break{'s' if len(routine.breaks) != 1 else ''} ({rest:.0f} s)"
               if routine.breaks else ""))


def routine_report_model(pose, routine: RoutineAnalysis) -> ReportModel:
    """The report model of a routine (module doc)."""
    info = pose.info
    track = _routine_track(pose.track, routine)
    cards = [exercise_report_model(pose, ex.analysis) for ex in routine.exercises]
    cards = [replace(c, title=ex.title, track=track) for c, ex in zip(cards, routine.exercises)]
    intervals, cues, marks, metrics, key_frames, not_measurable, per_interval, arcs = [], [], [], [], [], [], [], {}
    for card, ex in zip(cards, routine.exercises):
        offset = len(intervals)
        intervals += [replace(iv, index=offset + iv.index, group=group)
                      for iv, group in zip(card.intervals, _rep_groups(ex))]
        cues += [replace(c, short=f"{ex.title}: {c.short}"[:80], intervals=tuple(offset + k for k in c.intervals))
                 for c in card.cues]
        marks += list(card.marks)
        metrics += [replace(m, name=f"{ex.label}.{m.name}", label=f"{ex.title}: {m.label}") for m in card.metrics]
        key_frames += [replace(k, title=f"{ex.title} · {k.title}", slug=f"{_slug(ex.title)}_{k.slug}")
                       for k in card.key_frames]
        not_measurable += [(f"{ex.title}: {what}", why) for what, why in card.not_measurable]
        per_interval += [replace(p, name=f"{ex.label}.{p.name}", label=f"{ex.title}: {p.label}")
                         for p in card.per_interval]
        arcs.update({(a.series, a.vertex): a for a in card.arcs})
    rows = tuple(_row(ex) for ex in routine.exercises)
    breaks = tuple((b.title, b.start_s, b.end_s) for b in routine.breaks)
    summary = routine_summary(routine)
    capture = {**clip_capture(pose), "Routine": summary}
    decisions = tuple((f"Exercise {k + 1}", ex.title, float(min(s.analysis.recognition.confidence for s in ex.sets)),
                       ex.analysis.recognition.reason or "from the activity timeline")
                      for k, ex in enumerate(routine.exercises))
    decisions += tuple((f"View, {ex.title.lower()}", VIEW_WORDS.get(ex.analysis.view.view, ex.analysis.view.view),
                        float(ex.analysis.view.confidence), "estimated on its own sets")
                       for ex in routine.exercises)
    confidence = float(min(max(min(c.confidence for c in cards), 0.0), 1.0))
    notes = tuple(dict.fromkeys(n for c in cards for n in c.notes if n not in NOTES)) + NOTES
    return ReportModel(
        mode="exercise", title=f"Warm-up routine: {Path(info.path).name}", track=track, model_id=pose.model.model_id,
        confidence=confidence, capture=capture, decisions=decisions, metrics=tuple(metrics), cues=tuple(cues),
        not_measurable=tuple(not_measurable), marks=tuple(sorted(marks, key=lambda m: m.frame)),
        intervals=tuple(intervals), interval_word="rep", series=_series_on_sets(cards, routine.exercises, track),
        arcs=tuple(arcs.values()), per_interval=tuple(per_interval), key_frames=tuple(key_frames),
        panel=(("Routine", summary),), notes=notes, routine=Routine(rows, tuple(cards), breaks, summary))
