"""A warm-up routine in one clip: every exercise segment of the activity timeline analysed as its own set.

    routine = analyze_routine(track, timeline)
    routine.exercises[0].title            # "Single-leg glute bridge"
    routine.exercises[0].sets             # two sets, each with its own reps, view and start pose
    routine.exercises[0].analysis.reps    # the reps of both sets, numbered 1..n in time order
    routine.breaks                        # rests and walking between the exercises

1. The timeline (`activity.timeline`) has already split the clip into segments and named each:
   a catalog exercise, another exercise, unsure, running/walking, still, out of view.
2. Each exercise segment is a set; two segments of one catalog exercise (or two unrecognised)
   with only a short stillness between them (`SET_REST_S`) are one set with a pause in it. A set's frames are its
   segments plus a margin (`STILL_MARGIN_S` into a rest beside it, where the start pose is;
   `ACTIVE_MARGIN_S` into anything else, since the timeline's boundaries fall within about a
   second of the change), never across a shot cut or into another set; frames at either end in
   another posture than the exercise's (getting up, rolling over) are left out. The set is then
   analysed alone (`exercises.analysis`): its own view, posture, start pose, reps per side and
   checks. The exercise is the segment's label (the timeline recognised it on the whole
   segment); a segment that is another exercise, or unsure between two, is analysed as not
   recognised (generic alignment, repetitions counted without checks).
3. Sets of the same catalog exercise are one exercise (two sets of bridges = one exercise, two
   sets), wherever they fall in the clip; exercises are listed in the order they first appear.
   Each unrecognised segment stays its own item: nothing says two of them are the same movement.
   An unrecognised segment in which no repetition is found, shorter than `MOVING_MAX_S`, is not
   an exercise but the athlete changing position (rolling over, getting up): a break, `MOVING`.
4. What lies between the sets (rests, changing position, walking, running, out of view) is
   listed as breaks.

A clip is a routine when its timeline holds two or more sets (`is_routine`); a clip of one set
keeps the single-exercise analysis of the whole clip.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

import numpy as np
from scipy.ndimage import uniform_filter1d

from formcheck.activity.model import NOT_IN_VIEW, OTHER_EXERCISE, STILL, UNSURE, Segment, Timeline, is_exercise_label
from formcheck.exercises.analysis import ExerciseAnalysis, ExerciseOptions, analyze_exercise_track
from formcheck.exercises.catalog import EXERCISES, FAULT_LABELS
from formcheck.exercises.recognition import Recognition, classify_posture
from formcheck.track import PoseTrack

#: [H] A set's frames reach this far into a rest beside it: the start pose is read there, and a
#: first rep begun a little before the timeline's boundary is not cut.
STILL_MARGIN_S = 2.0
#: [H] ... and this far into any other activity: the timeline's boundaries lie within about a
#: second of the true change, half of which is covered without taking in the neighbour's movement.
ACTIVE_MARGIN_S = 0.5
#: [H] Stillness shorter than this between two stretches of one exercise is a pause inside a set
#: (a breath between single reps); a rest between sets lasts longer (usually 30 s or more).
SET_REST_S = 10.0
#: Fewer frames than this (with the athlete in the exercise's posture) cannot hold a rep: no set.
MIN_SET_FRAMES = 8
#: [H] A posture held over this long (a majority of its frames) is the athlete's posture then:
#: longer than the flicker of one noisy frame, shorter than a rep.
POSTURE_WINDOW_S = 0.5
RESTING = (STILL, NOT_IN_VIEW)
#: A movement that matches no exercise and does not repeat: the athlete changing position
#: (getting up, rolling over, picking up a band) between sets.
MOVING = "changing_position"
MOVING_TITLE = "Changing position"
#: [H] ... which takes a few seconds: a longer unrecognised movement is an exercise not
#: recognised (listed, its repetitions not counted), not a change of position.
MOVING_MAX_S = 5.0


def reps_per_side(reps) -> dict[str, int]:
    """Reps by side ("left", "right", "both"), in the order the sides first come."""
    return dict(Counter(r.side for r in reps))


@dataclass(frozen=True, eq=False)
class ExerciseSet:
    """One set: `number` (of its exercise, from 1), `segment` (index in the timeline), the frames
    analysed (the segment plus its margins, video frame numbers, inclusive), the segment's own
    frames and times, and its analysis (reps numbered within the set)."""

    number: int
    segment: int
    frames: tuple[int, int]
    segment_frames: tuple[int, int]
    start_s: float
    end_s: float
    analysis: ExerciseAnalysis

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True, eq=False)
class RoutineExercise:
    """One exercise of the routine: `label` (a catalog name, OTHER_EXERCISE or UNSURE), `title`,
    its sets in time order, and `analysis`: the sets' reps together, renumbered 1..n in time
    order, with the first set's recognition and the view of the set with the most reps."""

    label: str
    title: str
    sets: tuple[ExerciseSet, ...]
    analysis: ExerciseAnalysis

    @property
    def recognised(self) -> bool:
        return self.label in EXERCISES

    def reps_per_side(self) -> dict[str, int]:
        """Counted reps by side ("left", "right", "both"), sides without reps left out."""
        return reps_per_side(self.analysis.reps)

    @property
    def work_s(self) -> float:
        """Time under work: the counted reps' durations summed (s)."""
        return float(sum(r.duration_s for r in self.analysis.reps))

    def main_fault(self) -> tuple[str, int] | None:
        """The fault flagged on most reps and on how many (ties: the catalog's order), None if none."""
        counts = Counter(name for r in self.analysis.reps for name in {f.fault for f in r.faults})
        if not counts:
            return None
        order = [f.name for f in self.analysis.spec.faults] if self.analysis.spec else []
        best = max(counts, key=lambda f: (counts[f], -order.index(f) if f in order else -len(order)))
        return best, counts[best]

    def main_fault_text(self) -> str:
        """The main fault in words ("Knee moving inward on 3 of 10 reps"), or why there is none."""
        if not self.recognised:
            return "not checked (exercise not recognised)"
        found = self.main_fault()
        n = len(self.analysis.reps)
        if found is None:
            return "none flagged" if self.analysis.checked else "nothing checkable from this view"
        fault, k = found
        return f"{FAULT_LABELS.get(fault, fault)} on {k} of {n} reps"


@dataclass(frozen=True)
class Break:
    """What lies between sets: the timeline's label and title, its frames and times."""

    label: str
    title: str
    start_frame: int
    end_frame: int
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True, eq=False)
class Routine:
    """The exercises in the order they first appear, the sets of all of them in time order as
    (exercise index, set index) pairs, the breaks between sets, and the exercise the clip's
    decision names (`main`, an index into `exercises`)."""

    exercises: tuple[RoutineExercise, ...]
    order: tuple[tuple[int, int], ...]
    breaks: tuple[Break, ...]
    main: int

    @property
    def main_exercise(self) -> RoutineExercise:
        return self.exercises[self.main]


def exercise_segments(timeline: Timeline) -> list[int]:
    """Indices of the timeline's exercise segments: a catalog exercise, another exercise, or
    unsure between candidates of which the likeliest is an exercise."""
    out = []
    for k, s in enumerate(timeline.segments):
        if s.label == UNSURE:
            if s.candidates and is_exercise_label(s.candidates[0][0]):
                out.append(k)
        elif is_exercise_label(s.label):
            out.append(k)
    return out


def set_spans(timeline: Timeline) -> list[tuple[int, int]]:
    """The sets as (first, last) segment indices: exercise segments, where two of the same catalog
    exercise (or two unrecognised ones) separated only by stillness (or the athlete out of view)
    shorter than `SET_REST_S` in one shot are one set with a pause in it: the pause of a change of
    side, of a breath. (Two different unrecognised movements with a short pause between them are
    then one "not recognised" item: fewer items than were done, never a movement split in two.)"""
    segments = timeline.segments
    spans: list[tuple[int, int]] = []
    for k in exercise_segments(timeline):
        if spans:
            a, b = spans[-1]
            between = segments[b + 1:k]
            gap = segments[k].start_s - segments[b].end_s
            if (segments[k].label == segments[b].label and segments[k].label in (*EXERCISES, OTHER_EXERCISE)
                    and all(s.label in RESTING for s in between) and gap < SET_REST_S
                    and segments[k].shot == segments[b].shot):
                spans[-1] = (a, k)
                continue
        spans.append((k, k))
    return spans


def is_routine(timeline: Timeline | None) -> bool:
    """Two or more sets: of one exercise, or of several."""
    return timeline is not None and len(set_spans(timeline)) >= 2


def _rows(track: PoseTrack, first_frame: int, last_frame: int) -> tuple[int, int]:
    frames = np.asarray(track.frame_index)
    a = int(np.searchsorted(frames, first_frame, side="left"))
    b = int(np.searchsorted(frames, last_frame, side="right")) - 1
    return a, b


def _reach(track: PoseTrack, segments: tuple[Segment, ...], k: int, step: int, own: set[int]) -> int:
    """The frame a set reaches to on one side (`step` -1: before, +1: after) of segment k."""
    seg = segments[k]
    edge = seg.start_frame if step < 0 else seg.end_frame
    j = k + step
    if not 0 <= j < len(segments) or j in own or segments[j].shot != seg.shot:
        return edge
    near = segments[j]
    margin_s = STILL_MARGIN_S if near.label in RESTING else ACTIVE_MARGIN_S
    fps = track.fps if len(track) > 1 and np.isfinite(track.fps) else 30.0
    reach = int(round(margin_s * fps))
    if step < 0:
        return max(near.start_frame, edge - reach)
    return min(near.end_frame, edge + reach)


def _recognition(segment: Segment) -> Recognition:
    """The timeline's reading of one segment as an exercise recognition (the user's naming of it
    when the segment says "set by you")."""
    if segment.reasons == ("set by you",):
        return Recognition(segment.label, 1.0, (), True, "set by you")
    catalog = tuple((n, round(c, 2)) for n, c in segment.candidates if n in EXERCISES)[:3]
    why = "; ".join(segment.reasons[:2])
    if segment.label in EXERCISES:
        return Recognition(segment.label, round(segment.confidence, 2), catalog, False, why)
    if segment.label == UNSURE and len(segment.candidates) >= 2:
        why = f"not sure: {segment.title.removeprefix('Not sure: ').lower()}"
    elif segment.label == OTHER_EXERCISE:
        why = "another exercise, not in the catalog: no catalog exercise matches the movement"
    return Recognition(None, round(segment.confidence, 2), catalog, False, why)


def _in_posture(track: PoseTrack, segment: Segment) -> PoseTrack:
    """`track` (a set's frames) without the frames at either end where the athlete is in another
    posture than the exercise's: getting up from a bridge, rolling onto the side. The timeline's
    windows place a boundary up to a second or two into the next exercise, and a rep signal read on
    another posture (a bridge's hip angle on a side-lying body) swamps the set's own range."""
    spec = EXERCISES.get(segment.label)
    labels = classify_posture(track).per_frame.astype(str)
    if spec is not None:
        expected = spec.posture
    else:
        a, b = _rows(track, segment.start_frame, segment.end_frame)
        known = labels[a:b + 1][labels[a:b + 1] != ""]
        if not known.size:
            return track
        names, counts = np.unique(known, return_counts=True)
        expected = str(names[int(np.argmax(counts))])
    fps = track.fps if len(track) > 1 and np.isfinite(track.fps) else 30.0
    held = uniform_filter1d((labels == expected).astype(np.float64), max(1, int(round(POSTURE_WINDOW_S * fps))),
                            mode="nearest") > 0.5
    rows = np.flatnonzero(held)
    if not rows.size:
        return track
    return track[int(rows[0]):int(rows[-1]) + 1]


def _set_analysis(track: PoseTrack, frames: tuple[int, int], segment: Segment,
                  options: ExerciseOptions) -> ExerciseAnalysis | None:
    a, b = _rows(track, *frames)
    part = _in_posture(track[a:b + 1], segment)
    if len(part) < MIN_SET_FRAMES or not part.detected_frames.any():
        return None
    return analyze_exercise_track(part, replace(options, exercise="auto", recognition=_recognition(segment)))


def _renumbered(reps: list, start: int) -> list:
    return [replace(r, number=start + k) for k, r in enumerate(reps)]


def _together(sets: list[ExerciseSet]) -> ExerciseAnalysis:
    """One analysis of an exercise's sets: reps and partial reps in time order, renumbered;
    the view of the set with the most reps; checks and notes of all."""
    first = sets[0].analysis
    widest = max(sets, key=lambda s: len(s.analysis.reps)).analysis
    reps = [r for s in sets for r in s.analysis.reps]
    partial = [r for s in sets for r in s.analysis.partial_reps]
    checked = tuple(dict.fromkeys(c for s in sets for c in s.analysis.checked))
    hidden = {n.fault: n for s in sets for n in s.analysis.not_checkable if n.fault not in checked}
    notes = tuple(dict.fromkeys(n for s in sets for n in s.analysis.notes))
    generic = dict(first.generic)
    if len(sets) > 1 and "generic_reps" in generic:
        generic.pop("generic_reps")
    return replace(first, view=widest.view, posture=widest.posture, reps=_renumbered(reps, 1),
                   partial_reps=_renumbered(partial, 1), checked=checked, not_checkable=list(hidden.values()),
                   view_supported=any(s.analysis.view_supported for s in sets),
                   frames=(sets[0].frames[0], sets[-1].frames[1]), generic=generic, notes=notes)


def analyze_routine(track: PoseTrack, timeline: Timeline,
                    options: ExerciseOptions = ExerciseOptions()) -> Routine | None:
    """The routine of a clip whose timeline holds two or more sets (module doc); None when it
    holds fewer, or when fewer than two of them could be analysed. `options.exercise` other than
    "auto" (the user named the exercise) makes every set that exercise: one exercise, its sets."""
    forced = options.exercise if options.exercise != "auto" else None
    segments = timeline.segments
    if forced is not None:
        segments = tuple(replace(s, label=forced, confidence=1.0, candidates=((forced, 1.0),),
                                 reasons=("set by you",)) if k in set(exercise_segments(timeline)) else s
                         for k, s in enumerate(segments))
        timeline = replace(timeline, segments=segments)
        options = replace(options, exercise="auto")
    spans = set_spans(timeline)
    own = set(exercise_segments(timeline))
    found: list[tuple[int, Segment, tuple[int, int], ExerciseAnalysis]] = []
    for a, b in spans:
        seg = segments[a] if a == b else replace(
            segments[a], end_frame=segments[b].end_frame, end_s=segments[b].end_s,
            confidence=min(s.confidence for s in segments[a:b + 1] if s.label == segments[a].label))
        frames = (_reach(track, segments, a, -1, own), _reach(track, segments, b, +1, own))
        analysis = _set_analysis(track, frames, seg, options)
        if analysis is not None and (seg.label in EXERCISES or "generic_reps" in analysis.generic
                                     or seg.end_s - seg.start_s > MOVING_MAX_S):
            found.append((a, seg, frames, analysis))
    if len(found) < 2:
        return None
    groups: dict[str, list[ExerciseSet]] = {}
    order: list[tuple[str, int]] = []
    for k, seg, frames, analysis in found:
        key = seg.label if seg.label in EXERCISES else f"{seg.label}#{k}"
        sets = groups.setdefault(key, [])
        sets.append(ExerciseSet(len(sets) + 1, k, frames, (seg.start_frame, seg.end_frame), seg.start_s, seg.end_s,
                                analysis))
        order.append((key, len(sets) - 1))
    keys = list(groups)
    exercises = tuple(RoutineExercise(key.split("#")[0], segments[groups[key][0].segment].title, tuple(groups[key]),
                                      _together(groups[key])) for key in keys)
    starts = {s.segment for sets in groups.values() for s in sets}
    used = {k for a, b in spans if a in starts for k in range(a, b + 1)}
    first_set, last_set = min(used), max(used)
    breaks = tuple(Break(s.label if k not in own else MOVING, s.title if k not in own else MOVING_TITLE,
                         s.start_frame, s.end_frame, s.start_s, s.end_s)
                   for k, s in enumerate(segments) if first_set < k < last_set and k not in used)
    decided = timeline.decision.label
    main = next((i for i, e in enumerate(exercises) if e.label == decided and e.recognised),
                max(range(len(exercises)), key=lambda i: (len(exercises[i].analysis.reps),
                                                          sum(s.duration_s for s in exercises[i].sets))))
    return Routine(exercises, tuple((keys.index(key), s) for key, s in order), breaks, main)
