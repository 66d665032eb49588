"""Exercise analysis of one athlete's cleaned pose track: recognise, segment, check, summarise.

Stages, one way: view and posture -> recognition (or the user's choice) ->
the exercise's repetition signal -> reps per side (or steps) -> start
pose per side -> per-rep checks and scores -> summary and cues. When the
exercise is not recognised, the result carries generic alignment ranges
and no reps, rather than a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from formcheck.exercises.catalog import EXERCISES, VIEW_WORDS, VIEWS, ExerciseSpec, FaultSpec
from formcheck.exercises.generic_reps import generic_reps
from formcheck.exercises.checks import FaultFinding, check_rep, checkable, quantities, rep_score, top_value
from formcheck.exercises.perspective import knee_fppa_shift_deg
from formcheck.exercises.recognition import (
    MIN_CONFIDENCE,
    ExerciseView,
    Recognition,
    classify_posture,
    estimate_view,
    recognize,
)
from formcheck.exercises.reps import RepWindow, run_around, segment_reps, side_runs, smooth
from formcheck.exercises.signals import (
    LEGS,
    higher_hip_side,
    knee_flexion_3d,
    knee_fppa,
    leg_length_px,
    lower_ankle_side,
    pelvis_line_deg,
    rep_signal,
    stance_width,
    trunk_line_deg,
)
from formcheck.exercises.steps import find_steps, foot_moves
from formcheck.kinematics.body import relabel_frontal_sides
from formcheck.landmarks import Landmark as L
from formcheck.track import PoseTrack

START_POSE_S = 0.75  # the start pose: the rest frames in the last 0.75 s before a side's first rep


@dataclass(frozen=True)
class ExerciseOptions:
    """exercise: 'auto' or a catalog name; view: 'auto' or one of VIEWS (the user knows where
    the phone stood); min_confidence: below it the exercise is 'not recognised';
    recognition: the decision already made for this clip (the activity timeline), used
    instead of recognising again when `exercise` is 'auto'."""

    exercise: str = "auto"
    view: str = "auto"
    min_confidence: float = MIN_CONFIDENCE
    recognition: Recognition | None = None

    def __post_init__(self) -> None:
        if self.exercise != "auto" and self.exercise not in EXERCISES:
            raise ValueError(f"exercise must be auto or one of {', '.join(EXERCISES)}; got {self.exercise!r}")
        if self.view != "auto" and self.view not in VIEWS:
            raise ValueError(f"view must be auto or one of {', '.join(VIEWS)}; got {self.view!r}")
        if not 0 <= self.min_confidence <= 1:
            raise ValueError(f"min_confidence must be in [0, 1], got {self.min_confidence}")


@dataclass(frozen=True)
class RepResult:
    """One counted rep (or step). Frames are the video's frame numbers; range in
    `range_unit`; values: the checked quantities (labels carry units); score: components
    and total (checks.rep_score)."""

    number: int
    side: str
    start_frame: int
    peak_frame: int
    end_frame: int
    start_s: float
    peak_s: float
    end_s: float
    hold_s: float
    range: float
    range_unit: str
    values: dict[str, float]
    faults: tuple[FaultFinding, ...]
    score: dict[str, float]
    top_frames: tuple[int, int]
    unsure: tuple[FaultFinding, ...] = ()  # faults perspective leaves undecided (checks.RepChecks)

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class NotCheckable:
    """A fault this view cannot show, and the views that would."""

    fault: str
    views: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class ExerciseAnalysis:
    recognition: Recognition
    view: ExerciseView
    posture: str
    spec: ExerciseSpec | None
    reps: list[RepResult]
    partial_reps: list[RepResult]
    checked: tuple[str, ...]
    not_checkable: list[NotCheckable]
    view_supported: bool
    frames: tuple[int, int]
    generic: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def analyze_exercise_track(track: PoseTrack, options: ExerciseOptions = ExerciseOptions()) -> ExerciseAnalysis:
    """The whole exercise analysis of one cleaned track (module docstring)."""
    if len(track) < 2:
        raise ValueError("track must have at least two frames")
    posture = classify_posture(track)
    view = estimate_view(track) if options.view == "auto" else ExerciseView(options.view, 1.0, 1.0, True)
    relabelled = 0
    if posture.posture == "standing" and view.frontal:
        # Upright and frontal (or oblique toward the front or back): left/right follow the image
        # side (MediaPipe flips whole bodies).
        track, swapped = relabel_frontal_sides(track, facing_camera=view.frontal == "front")
        relabelled = int(swapped.sum())
    if options.recognition is not None and options.exercise == "auto":
        recognition = options.recognition
    else:
        recognition, _ = recognize(track, rep_view(view), options.exercise, options.min_confidence)
    frames = (int(track.frame_index[0]), int(track.frame_index[-1]))
    if recognition.name is None:
        generic = generic_alignment(track, view.view)
        repeated = generic_reps(track)
        if repeated is not None:
            generic["generic_reps"] = repeated.to_dict()
            note = (f"Exercise not recognised: {repeated.count} repetitions of the whole body's movement were "
                    f"counted (one every {repeated.period_s:.1f} s), with no checks; generic alignment ranges only.")
        else:
            note = "Exercise not recognised: generic alignment ranges only, no clear repetition to count."
        return ExerciseAnalysis(recognition, view, posture.posture, None, [], [], (), [], False, frames,
                                generic=generic, notes=(note,))
    spec = EXERCISES[recognition.name]
    windows = find_windows(spec, track, rep_view(view))
    faults, hidden = checkable(spec, view.view)
    q = quantities(track.xy_px)
    # How far perspective moves a knee's FPPA: only where a knee check reads it.
    frontal_knee = view.view in ("front", "rear") and any(f.quantity == "knee_fppa" for f in faults)
    shift = knee_fppa_shift_deg(track.xy_px, track.world_m, track.frame_size) if frontal_knee else None
    rest = rest_frames(spec, track, windows)
    unit, _, good = spec.rep_range(rep_view(view))
    counted, partial = [], []
    for w in windows:
        result = _rep_result(len(counted) + 1, w, track, q, rest.get(w.side, rest.get("both")), faults, unit, good,
                             spec, view.view, shift)
        (partial if w.partial else counted).append(result)
    notes = [f"Left and right exchanged on {relabelled} frames where the pose model had them the other way "
             f"round for a {view.view} view."] if relabelled else []
    supported = view.view in spec.views
    if view.view == "oblique":
        notes.append(f"The camera stood at an angle to the body (a three-quarter view): reps are counted, but no "
                     f"joint angle is measured from it. To check {spec.title.lower()}, film it "
                     f"{' or '.join(VIEW_WORDS[v] for v in spec.views)}, square-on.")
    elif not supported:
        notes.append(f"{spec.title} is analysed from {' or '.join(spec.views)} views; this clip looks "
                     f"{view.view}: reps are counted, alignment checks may not apply.")
    return ExerciseAnalysis(recognition, view, posture.posture, spec, counted, partial,
                            tuple(f.name for f in faults),
                            [NotCheckable(f.name, f.views) for f in hidden], supported, frames, notes=tuple(notes))


def rep_view(view: ExerciseView) -> str:
    """The view whose repetition signal counts the reps: an oblique view counts as the body
    axis it is nearest to (a three-quarter front view still shows a leg going out); its
    alignment checks stay off (`checks.checkable` knows no oblique view)."""
    return view.nearest if view.view == "oblique" and view.nearest in VIEWS else view.view


def find_windows(spec: ExerciseSpec, track: PoseTrack, view: str) -> list[RepWindow]:
    """Reps (partial ones flagged) with their side, in time order."""
    _, min_range, good_range = spec.rep_range(view)
    t = track.t_s
    if spec.signal == "steps":
        return find_steps(track, paired=True, min_widening=min_range if spec.name == "lateral_band_walk" else 0.0)
    signals = {k: smooth(t, v) for k, v in rep_signal(spec.signal, track.xy_px, view, track.world_m).items()}

    def reps(signal: np.ndarray, span: tuple[int, int] | None = None) -> list[RepWindow]:
        return segment_reps(t, signal, min_range, span, good_range=good_range)

    if spec.side_rule == "moving_leg" and "both" in signals:
        return [w.with_side(_moving_leg(track, w)) for w in reps(signals["both"])]
    if spec.side_rule == "moving_leg":
        found = [w.with_side(leg) for leg in LEGS for w in reps(signals[leg])]
        return _one_per_time(found)
    if spec.side_rule == "both":
        return [w.with_side("both") for w in reps(signals["both"])]
    if spec.side_rule == "front_leg":
        return [w.with_side(_front_leg(track, w)) for w in reps(signals["both"])]
    if spec.side_rule == "leading_leg":
        return [w.with_side(_leading_leg(track, w)) for w in reps(signals["both"])]
    labels = lower_ankle_side(track.world_m) if spec.side_rule == "lower_ankle" else higher_hip_side(track.xy_px)
    runs = side_runs(labels, t) or [("both", 0, len(track))]
    return [w.with_side(side) for side, a, b in runs for w in reps(signals["both"], (a, b))]


def _moving_leg(track: PoseTrack, w: RepWindow) -> str:
    """The leg whose ankle travelled further in the image from where it stood at the rep's
    start (the stance foot stays planted under a still camera): the 90th percentile over the
    rep's frames, so the ankle missing at the peak (pose2sim cam03 loses the raised foot at the
    top) or a glitch does not decide it."""
    moved = {}
    for leg in LEGS:
        ankle = track.xy_px[w.start:w.end + 1, L[f"{leg.upper()}_ANKLE"]]
        seen = np.flatnonzero(np.all(np.isfinite(ankle), axis=-1))
        if seen.size < 2:
            moved[leg] = -1.0
            continue
        home = np.median(ankle[seen[:3]], axis=0)
        moved[leg] = float(np.percentile(np.linalg.norm(ankle[seen] - home, axis=-1), 90))
    return max(moved, key=lambda leg: moved[leg])


def _front_leg(track: PoseTrack, w: RepWindow) -> str:
    """A lunge's front leg: the knee higher in the image over the rep's top window (the rear knee
    drops toward the floor, from the side, the front or behind alike)."""
    top = track.xy_px[w.top_start:w.top_end + 1]
    height = {leg: -np.nanmedian(top[:, L[f"{leg.upper()}_KNEE"], 1]) if np.isfinite(
        top[:, L[f"{leg.upper()}_KNEE"], 1]).any() else -np.inf for leg in LEGS}
    return max(height, key=lambda leg: height[leg])


def _leading_leg(track: PoseTrack, w: RepWindow) -> str:
    """A step-up's working leg: the foot already up on the step when the hips start to rise (its
    ankle higher in the image over the rep's first frames; from the front or behind the step's
    height outweighs its nearness or farness)."""
    first = track.xy_px[w.start:min(w.start + 4, w.peak + 1)]
    height = {}
    for leg in LEGS:
        y = first[:, L[f"{leg.upper()}_ANKLE"], 1]
        height[leg] = -float(np.nanmedian(y)) if np.isfinite(y).any() else -np.inf
    return max(height, key=lambda leg: height[leg])


def _one_per_time(windows: list[RepWindow]) -> list[RepWindow]:
    """Where both legs' signals found the same movement, keep the leg that moved more."""
    kept: list[RepWindow] = []
    for w in sorted(windows, key=lambda w: -w.excursion if np.isfinite(w.excursion) else 0):
        if all(w.end < k.start or w.start > k.end for k in kept):
            kept.append(w)
    return sorted(kept, key=lambda w: w.start)


def rest_frames(spec: ExerciseSpec, track: PoseTrack, windows: list[RepWindow]) -> dict[str, np.ndarray]:
    """The start pose per side: the frames before that side's first rep that are not in any
    rep (or, if there are none, the frames between reps), at least 3 frames."""
    n = len(track)
    busy = np.zeros(n, dtype=bool)
    for w in windows:
        busy[w.start:w.end + 1] = True
    if spec.signal == "steps":
        for e in foot_moves(track):
            busy[e.start:e.end + 1] = True
    out = {}
    for side in {w.side for w in windows}:
        first = min(w.start for w in windows if w.side == side)
        last_other = max((w.end for w in windows if w.side != side and w.end < first), default=-1)
        before = np.flatnonzero(~busy[last_other + 1:first]) + last_other + 1
        # Only the settled moments just before the first rep: a change of side (turning over)
        # happens earlier in that gap and is no start pose.
        before = before[track.t_s[before] >= track.t_s[first] - START_POSE_S] if before.size else before
        if before.size < 3:
            before = np.flatnonzero(~busy)
        if before.size < 3:
            before = np.array(sorted({w.start for w in windows if w.side == side}))
        out[side] = before
    return out


#: [H] A foot planted: its ankle (low-passed at 3 Hz) moves slower than this, leg lengths per second
#: (exercises.steps counts a foot moving above 0.12).
PLANTED_LEGS_PER_S = 0.12
#: [H] The push is searched from this long before the rep's onset (the hips start to rise just after
#: the foot lands on the step) and read over at least this long around the knee's deepest bend (the
#: knee straightens within a second; single frames of a knee angle are noisy).
PUSH_LEAD_S = 0.5
PUSH_MIN_S = 0.2


def push_window(track: PoseTrack, w: RepWindow) -> tuple[int, int] | None:
    """A step-up's push off the step: from just before the rep's onset to its top, the frames where
    the working foot stands still and its knee is bent within 10% (of its range over those frames)
    of its deepest, the run around the deepest, at least PUSH_MIN_S long. The knee bends further
    while the foot swings onto the step, but carries no weight then. The knee's bend is its 3-D
    flexion (world landmarks): from the front it bends toward the camera and its image angle stays
    near 0. None when the leg is not seen."""
    if w.side not in LEGS:
        return None
    t_all = track.t_s
    first = int(np.searchsorted(t_all, t_all[w.start] - PUSH_LEAD_S))
    span = slice(first, w.peak + 1)
    t = t_all[span]
    ankle = track.xy_px[span, L[f"{w.side.upper()}_ANKLE"]]
    if t.size < 3 or not np.isfinite(ankle).all(axis=-1).any():
        return None
    pos = np.stack([smooth(t, ankle[:, k]) for k in range(2)], axis=-1)
    speed = np.linalg.norm(np.gradient(pos, t, axis=0), axis=-1) / leg_length_px(track.xy_px)
    knee = knee_flexion_3d(track.xy_px[span], "", track.world_m[span])[w.side]
    knee = np.where(speed < PLANTED_LEGS_PER_S, knee, np.nan)
    if not np.isfinite(knee).any():
        return None
    deepest = int(np.nanargmax(knee))
    near = np.nan_to_num(knee, nan=-np.inf) >= knee[deepest] - 0.1 * (knee[deepest] - np.nanmin(knee))
    near |= np.isfinite(knee) & (np.abs(t - t[deepest]) <= PUSH_MIN_S / 2)
    a, b = run_around(near, deepest)
    return first + a, first + b


def _rep_result(number: int, w: RepWindow, track: PoseTrack, q, rest: np.ndarray | None, faults: list[FaultSpec],
                unit: str, good: float, spec: ExerciseSpec, view: str, fppa_shift=None) -> RepResult:
    windows = {"push": push_window(track, w)} if any(f.read_at == "push" for f in faults) else {}
    checks = check_rep(spec, w, q, rest if rest is not None else np.array([w.start]), faults, fppa_shift, windows)
    if spec.signal == "squat_depth" and view == "side":
        # Knee flexion at the bottom is in the image plane only from the side (METRICS.md §4).
        for leg in ((w.side,) if w.side in LEGS else LEGS):
            checks.values[f"knee_flexion_{leg}_peak_deg"] = round(top_value(q["knee_flexion"][leg], w), 1)
    fi, t = track.frame_index, track.t_s
    distinct = len({f.fault for f in checks.faults})
    return RepResult(
        number=number, side=w.side,
        start_frame=int(fi[w.start]), peak_frame=int(fi[w.peak]), end_frame=int(fi[w.end]),
        start_s=float(t[w.start]), peak_s=float(t[w.peak]), end_s=float(t[w.end]),
        hold_s=round(float(t[w.top_end] - t[w.top_start]), 2),
        range=round(w.excursion, 3) if np.isfinite(w.excursion) else float("nan"), range_unit=unit,
        values=checks.values, faults=checks.faults,
        score=rep_score(w.excursion, good, distinct, len(faults)),
        top_frames=(int(fi[w.top_start]), int(fi[w.top_end])), unsure=checks.unsure,
    )


def generic_alignment(track: PoseTrack, view: str) -> dict:
    """Ranges over the clip of the alignment quantities any view supports, for a clip whose
    exercise is not recognised: 5th-95th percentile spread, degrees, with the frames used."""
    def spread(values: np.ndarray) -> float | None:
        v = values[np.isfinite(values)]
        return round(float(np.percentile(v, 95) - np.percentile(v, 5)), 1) if v.size > 2 else None
    out = {"view": view, "frames": [int(track.frame_index[0]), int(track.frame_index[-1])],
           "trunk_line_spread_deg": spread(trunk_line_deg(track.xy_px)),
           "pelvis_line_spread_deg": spread(pelvis_line_deg(track.xy_px))}
    if view in ("front", "rear"):
        for leg, v in knee_fppa(track.xy_px).items():
            out[f"knee_fppa_{leg}_spread_deg"] = spread(v)
    return out


def rep_signal_for_plot(spec: ExerciseSpec, track: PoseTrack, view: str) -> dict[str, np.ndarray]:
    """The smoothed repetition signal(s), for plots."""
    if spec.signal == "steps":
        return {"both": smooth(track.t_s, stance_width(track.xy_px)["both"])}
    return {k: smooth(track.t_s, v) for k, v in rep_signal(spec.signal, track.xy_px, view, track.world_m).items()}

