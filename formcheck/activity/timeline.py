"""The activity timeline: what the athlete does, when, and the clip's decision read from it.

    timeline = activity_timeline(track, cuts=(120,))
    timeline.segments      # running 0-4.0 s, still 4.0-5.5 s, squat 5.5-20 s, ...
    timeline.decision      # mode "exercise", label "squat", confidence 0.83

1. Shots: the clip is split at its shot cuts (`video.cuts`, found from the frames), so no
   window and no segment spans two camera angles.
2. Windows of `window_s` every `hop_s` inside each shot are labelled (`classify`): not in
   view, still, running, walking, or an exercise.
3. Each frame takes the label whose probability, summed over the windows that hold it
   (weighted towards each window's centre), is highest; runs shorter than
   `min_segment_s` join their neighbour; a shot cut always ends a segment.
4. An exercise segment's exercise is recognised on the whole segment (`exercises.recognition`):
   its probability is shared out by the recogniser's ranking, and what no catalog exercise
   matches is OTHER_EXERCISE. A segment's confidence is its label's mean probability over its
   frames; where the best
   label does not beat the next by `MARGIN`, or is below `MIN_CONFIDENCE`, the segment is
   UNSURE with both candidates. Its view is estimated on its own frames.
4b. Slow motion seen whole: a segment left as another exercise (or unsure) is read once more
   as one window (`_slowed_gait`): 4-s windows hold too little of a runner slowed 5 or 10
   times (a stride of 3.5-7 s of video) to see the legs take turns. If, over the whole
   segment (at least `SLOW_GAIT_MIN_S`), the legs alternate as in gait with a runner's swing
   at a step rate no runner has in real time, it is running, and the clip gets the
   slow-motion note. A segment of another exercise that is gait in every way but its rate
   (slower than any walk, no running swing: a jogger slowed by an editor's blended frames)
   becomes UNSURE between gait and another exercise, and the question says how the capture
   rate settles it.
5. The decision is the longest active segment's (not still, not out of view): running
   mode for gait, exercise mode for an exercise, UNSURE (the user is asked, with what
   would settle it) when the candidates lead to different analyses or when the athlete was
   never in view (nothing says what they do).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.activity.classify import SLOW_DOUBT, WindowLabel, gait_evidence, label_window, ramp
from formcheck.activity.features import knee_flexion_deg, leg_vectors, local_motion, window_features
from formcheck.activity.model import GAIT, NOT_IN_VIEW, OTHER_EXERCISE, STILL, UNSURE, Decision, Segment, Timeline, label_title
from formcheck.exercises.analysis import rep_view
from formcheck.exercises.recognition import estimate_view as body_view
from formcheck.exercises.recognition import recognize
from formcheck.kinematics.view import estimate_view as upright_view
from formcheck.track import PoseTrack

#: [H] A few seconds hold two running strides at the slowest pace and one slow rep.
WINDOW_S = 4.0
HOP_S = 1.0
#: [H] Shorter runs of one label are noise of the window edges, not an activity.
MIN_SEGMENT_S = 1.5
#: [H] Stillness shorter than this between two stretches of one activity is a pause inside it
#: (between reps or strides); a rest between sets or exercises lasts longer.
PAUSE_S = 3.0
#: [H] Gait windows (one a second) needed before the clip is said to look like slow motion.
MIN_SLOW_MOTION_WINDOWS = 3
#: [H] A named activity at least this long, relative to a longer unnamed movement, and this
#: sure, decides the clip instead.
NAMED_SHARE = 0.4
NAMED_CONFIDENCE = 0.6
#: [H] A label is given when its mean probability reaches this and beats the next by MARGIN.
MIN_CONFIDENCE = 0.5
MARGIN = 0.2
INACTIVE = (STILL, NOT_IN_VIEW)


@dataclass(frozen=True)
class TimelineOptions:
    """window_s, hop_s, min_segment_s, pause_s: seconds (video time)."""

    window_s: float = WINDOW_S
    hop_s: float = HOP_S
    min_segment_s: float = MIN_SEGMENT_S
    pause_s: float = PAUSE_S

    def __post_init__(self) -> None:
        if not (self.window_s > 0 and self.hop_s > 0 and self.min_segment_s >= 0):
            raise ValueError("window_s and hop_s must be > 0 and min_segment_s >= 0")


def mode_of(label: str) -> str:
    """The analysis a label leads to: "running" (gait), "exercise", or "" (inactive)."""
    if label in GAIT:
        return "running"
    if label in INACTIVE or label == UNSURE:
        return ""
    return "exercise"


def _shots(track: PoseTrack, cuts: tuple[int, ...]) -> list[tuple[int, int]]:
    """[start, end) track positions of each shot; `cuts` are frame numbers where a shot starts."""
    bounds = sorted({int(np.searchsorted(track.frame_index, c)) for c in cuts} - {0, len(track)})
    edges = [0, *[b for b in bounds if 0 < b < len(track)], len(track)]
    return [(a, b) for a, b in zip(edges[:-1], edges[1:]) if b > a]


def _windows(a: int, b: int, fps: float, opts: TimelineOptions) -> list[tuple[int, int]]:
    w = max(2, int(round(opts.window_s * fps)))
    hop = max(1, int(round(opts.hop_s * fps)))
    if b - a <= w:
        return [(a, b)]
    starts = list(range(a, b - w + 1, hop))
    if starts[-1] + w < b:
        starts.append(b - w)
    return [(s, s + w) for s in starts]


def label_windows(track: PoseTrack, cuts: tuple[int, ...] = (),
                  opts: TimelineOptions = TimelineOptions(), repeated: np.ndarray | None = None) -> list[WindowLabel]:
    """Every window of every shot, labelled by activity class (module docstring, steps 1-2):
    which exercise is decided on whole segments, which hold whole reps and several steps.
    repeated: (T,) bool, the rows showing the previous picture again (held pictures)."""
    fps = track.fps if len(track) > 1 else 30.0
    legs, knees = leg_vectors(track), knee_flexion_deg(track)
    return [label_window(window_features(track, s, e, legs, knees, repeated), None)
            for a, b in _shots(track, cuts) for s, e in _windows(a, b, fps, opts)]


def _frame_probabilities(n: int, windows: list[WindowLabel]) -> tuple[list[str], np.ndarray]:
    labels = sorted({k for w in windows for k in w.probabilities})
    acc = np.zeros((n, len(labels)))
    weight = np.zeros(n)
    for w in windows:
        a, b = w.features.start, w.features.end
        centre = (a + b - 1) / 2
        tri = 1.0 - np.abs(np.arange(a, b) - centre) / ((b - a) / 2 + 1)
        for k, p in w.probabilities.items():
            acc[a:b, labels.index(k)] += tri * p
        weight[a:b] += tri
    acc /= np.where(weight > 0, weight, 1.0)[:, None]
    return labels, acc


#: [H] Knees and ankles moving less than this (RMS about their mean over a second, torso
#: lengths) are still whatever the window around them holds: a still athlete reads 0.01-0.02,
#: the quietest synthetic band walk seen from the front 0.03-0.04.
QUIET_MOTION = (0.02, 0.035)


def _with_local_stillness(track: PoseTrack, labels: list[str], probs: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Stillness judged on a second around each frame (`features.local_motion`) as well as on
    the 4-second windows. A window holding a little movement is a moving window, so without it
    a short rest would never read still and every activity would spill into the rests around it.
    It only adds stillness where the body is really quiet; what moves keeps the windows' shares."""
    local = local_motion(track)
    quiet = np.array([1.0 - ramp(m, QUIET_MOTION) if np.isfinite(m) else 0.0 for m in local])
    if not quiet.any():
        return labels, probs
    if STILL not in labels:
        labels = [*labels, STILL]
        probs = np.concatenate([probs, np.zeros((len(probs), 1))], axis=1)
    still = labels.index(STILL)
    out = probs.copy()
    new_still = np.maximum(probs[:, still], quiet)
    rest = 1.0 - probs[:, still]
    scale = np.where(rest > 1e-9, (1.0 - new_still) / np.maximum(rest, 1e-9), 0.0)
    others = [i for i in range(len(labels)) if i != still]
    out[:, others] = probs[:, others] * scale[:, None]
    out[:, still] = new_still
    return labels, out


def _activity_class(label: str) -> str:
    return {"running": "gait", "exercise": "exercise"}.get(mode_of(label), label)


def _frame_keys(track: PoseTrack, labels: list[str], probs: np.ndarray, windows: list[WindowLabel]) -> np.ndarray:
    """(T,) int: each frame's activity class (gait, exercise, still, out of view: running and
    walking are one, told apart on the whole segment), and for exercise frames the camera's
    view of the body, so that a change of view (the athlete turns, the camera moves, another
    exercise) starts a new segment."""
    classes = sorted({_activity_class(k) for k in labels})
    per_class = np.stack([probs[:, [i for i, k in enumerate(labels) if _activity_class(k) == c]].sum(axis=1)
                          for c in classes], axis=1)
    frame_class = [classes[i] for i in np.argmax(per_class, axis=1)]
    exercise = [w for w in windows if sum(p for k, p in w.probabilities.items() if mode_of(k) == "exercise") > 0.3]
    views = [body_view(track[w.features.start:w.features.end]).view for w in exercise]
    centres = np.array([(w.features.start + w.features.end - 1) / 2 for w in exercise])
    keys = []
    for i, c in enumerate(frame_class):
        if c == "exercise" and len(centres):
            c = f"exercise:{views[int(np.argmin(np.abs(centres - i)))]}"
        keys.append(c)
    names = sorted(set(keys))
    return np.array([names.index(k) for k in keys])


def _key_is_still(track, labels, probs, windows, keys: np.ndarray) -> set[int]:
    """The keys (of `_frame_keys`) that stand for still frames."""
    still = labels.index(STILL) if STILL in labels else None
    if still is None:
        return set()
    return {int(k) for k in np.unique(keys) if np.mean(np.argmax(probs[keys == k], axis=1) == still) > 0.5}


def _bridge_pauses(keys: np.ndarray, still_keys: set[int], t: np.ndarray, pause_s: float,
                   shots: list[tuple[int, int]]) -> np.ndarray:
    """A still run shorter than pause_s between two runs of the same activity is a pause inside
    it (between reps, at the top of a rep, a held stride), not a segment of its own."""
    keys = keys.copy()
    runs = _runs(keys, shots)
    for (a0, b0), (a, b), (a1, b1) in zip(runs, runs[1:], runs[2:]):
        if (int(keys[a]) in still_keys and keys[a0] == keys[a1] and b0 == a and b == a1
                and t[b - 1] - t[a] < pause_s):
            keys[a:b] = keys[a0]
    return keys


def _runs(best: np.ndarray, shots: list[tuple[int, int]]) -> list[tuple[int, int]]:
    runs = []
    for a, b in shots:
        start = a
        for i in range(a + 1, b + 1):
            if i == b or best[i] != best[start]:
                runs.append((start, i))
                start = i
    return runs


def _merge_short(runs: list[tuple[int, int]], best: np.ndarray, t: np.ndarray, min_s: float,
                 shots: list[tuple[int, int]]) -> np.ndarray:
    """Relabel runs shorter than min_s with their longer neighbour's label (within a shot)."""
    best = best.copy()
    shot_of = np.zeros(len(best), dtype=int)
    for k, (a, b) in enumerate(shots):
        shot_of[a:b] = k
    for a, b in sorted(runs, key=lambda r: t[r[1] - 1] - t[r[0]]):
        if t[b - 1] - t[a] >= min_s:
            continue
        left = a - 1 if a > 0 and shot_of[a - 1] == shot_of[a] else None
        right = b if b < len(best) and shot_of[b] == shot_of[a] else None
        if left is None and right is None:
            continue
        length = {}
        for side, i in (("left", left), ("right", right)):
            if i is None:
                continue
            j = i
            while 0 <= j < len(best) and best[j] == best[i] and shot_of[j] == shot_of[a]:
                j += -1 if side == "left" else 1
            length[i] = abs(j - i)
        keep = max(length, key=length.get)
        best[a:b] = best[keep]
    return best


def _segment_view(track: PoseTrack, label: str) -> tuple[str, float]:
    if label in INACTIVE:
        return "unknown", 0.0
    if label in GAIT:
        v = upright_view(track)
        return v.view, v.confidence
    v = body_view(track)
    return v.view, v.confidence


def _segment_probabilities(track: PoseTrack, a: int, b: int, labels: list[str], probs: np.ndarray) -> dict:
    """Mean label probabilities over frames [a, b); where exercise is the likelier class, the
    exercise's identity is ranked again on the whole segment, which holds whole reps and
    several steps where a window holds one or two."""
    mean = dict(zip(labels, probs[a:b].mean(axis=0)))
    exercise = sum(p for k, p in mean.items() if mode_of(k) == "exercise")
    others = {k: p for k, p in mean.items() if mode_of(k) != "exercise"}
    if exercise <= max(others.values(), default=0.0):
        return mean
    sub = track[a:b]
    recognition, _ = recognize(sub, rep_view(body_view(sub)), min_confidence=0.0)
    ranking = [(n, c) for n, c in recognition.alternatives if c > 0]
    out = dict(others)
    for name, conf in ranking:
        out[name] = exercise * conf
    out[OTHER_EXERCISE] = exercise * max(0.0, 1.0 - sum(c for _, c in ranking))
    return out


def _segment(track: PoseTrack, a: int, b: int, labels: list[str], probs: np.ndarray, shot: int,
             windows: list[WindowLabel]) -> Segment:
    mean = _segment_probabilities(track, a, b, labels, probs)
    active = {k: p for k, p in mean.items() if mode_of(k)}
    if sum(active.values()) > sum(p for k, p in mean.items() if k in INACTIVE):
        # An activity's pauses are part of it: its label competes with the other activities only.
        total = sum(active.values())
        mean = {k: p / total for k, p in active.items()}
    ranked = sorted(((k, float(p)) for k, p in mean.items() if p > 0.01), key=lambda kv: -kv[1])[:3]
    best, conf = ranked[0] if ranked else (NOT_IN_VIEW, 0.0)
    second = ranked[1] if len(ranked) > 1 else (None, 0.0)
    inside = [w for w in windows if w.features.start < b and w.features.end > a]
    reasons = list(dict.fromkeys(r for w in inside for r in w.reasons))[:4]
    label = best
    if best == UNSURE:  # too short to tell (classify.MIN_JUDGE_S): nothing to choose between
        ranked = [(k, p) for k, p in ranked if k != UNSURE]
        conf = 0.0
    same_analysis = second[0] is not None and (mode_of(best) == mode_of(second[0]) == "running")
    if best not in INACTIVE and best != UNSURE and (conf < MIN_CONFIDENCE
                                                     or (conf - second[1] < MARGIN and not same_analysis)):
        label = UNSURE
        reasons.insert(0, f"{label_title(best)} ({conf:.2f}) is not clearly ahead of "
                          f"{label_title(second[0]) if second[0] else 'anything else'} ({second[1]:.2f})")
    view, view_conf = _segment_view(track[a:b], best)
    return Segment(int(track.frame_index[a]), int(track.frame_index[b - 1]), float(track.t_s[a]),
                   float(track.t_s[b - 1]), label, float(np.clip(conf, 0.0, 1.0)), tuple(ranked), tuple(reasons),
                   view, float(view_conf), shot)


def decide(segments: tuple[Segment, ...]) -> Decision:
    """The clip's decision from its segments (module docstring, step 5)."""
    active = [(i, s) for i, s in enumerate(segments) if s.label not in INACTIVE]
    if not active:
        # Not seen: nothing says what the athlete does, so no analysis is the answer (UNSURE).
        if not segments:
            return Decision(UNSURE, NOT_IN_VIEW, 0.0, (), "the athlete was not seen", None,
                            "Film the whole body, well lit, filling at least a third of the frame height.")
        i, s = max(enumerate(segments), key=lambda p: p[1].duration_s)
        return Decision(UNSURE if s.label == NOT_IN_VIEW else "exercise", s.label, s.confidence, s.candidates,
                        f"{s.title.lower()} for most of the clip: no running, walking or exercise found", i,
                        "Film the movement itself, the whole body in view.")
    i, main = max(active, key=lambda p: (p[1].duration_s, p[1].confidence))
    why = f"{main.title} from {main.start_s:.1f} s to {main.end_s:.1f} s, the longest activity in the clip"
    if main.label in (OTHER_EXERCISE, UNSURE):
        # A movement nothing names is no answer while a named activity fills a good part of the
        # clip too (a sprint start: settling in the blocks, then 3 s of running).
        named = [(j, s) for j, s in active if s.label not in (OTHER_EXERCISE, UNSURE)
                 and s.confidence >= NAMED_CONFIDENCE and s.duration_s >= NAMED_SHARE * main.duration_s]
        if named:
            i, main = max(named, key=lambda p: (p[1].duration_s, p[1].confidence))
            why = (f"{main.title} from {main.start_s:.1f} s to {main.end_s:.1f} s, the longest activity the "
                   "clip shows that can be named")
    if main.label != UNSURE:
        return Decision(mode_of(main.label), main.label, main.confidence, main.candidates, why, i)
    names = [n for n, _ in main.candidates if n != UNSURE][:2]
    modes = {mode_of(n) for n in names} - {""}
    if len(names) < 2:
        return Decision(UNSURE, UNSURE, main.confidence, main.candidates, why, i,
                        "Too short to tell what the athlete does: film at least two strides or two reps "
                        "(a few seconds), or choose with --mode run or --mode exercise.")
    if len(modes) == 1:
        mode = modes.pop()
        ask = ("Name the exercise with --exercise NAME (or tap it in the app)." if mode == "exercise" else "")
        return Decision(mode, UNSURE, main.confidence, main.candidates, why, i, ask)
    ask = (f"Not sure whether this is {label_title(names[0]).lower()} or {label_title(names[1]).lower()}: "
           "choose with --mode run or --mode exercise (--exercise NAME), or tap it in the app.")
    if main.reasons and SLOW_OR_EXERCISE in main.reasons[0]:
        ask += " If the clip is slow motion, give its capture frame rate (--capture-fps, or the app's capture check)."
    return Decision(UNSURE, UNSURE, main.confidence, main.candidates, why, i, ask)


#: [H] Shortest segment read whole for a slowed-down runner (two strides at 5x slow motion).
SLOW_GAIT_MIN_S = 6.0
#: [H] Gait evidence over the whole segment that makes it running.
SLOW_GAIT_MIN_PROBABILITY = 0.6
SLOWED = "a runner's stride slowed down"
SLOW_OR_EXERCISE = "slow motion, or an exercise that moves the legs like gait"
SLOW_MOTION_NOTE = ("This looks like slow motion: the strides are a runner's but the steps come at a walking "
                    "rate. Give the capture frame rate (--capture-fps, or the capture check in the app) to "
                    "measure times.")
HELD_SLOW_MOTION_NOTE = ("This looks like slow motion: each picture is shown {hold:.1f} times and the legs take "
                         "turns slower than anyone walks or runs in real time. Give the capture frame rate "
                         "(--capture-fps, or the capture check in the app) to measure times.")


def _slowed_gait(track: PoseTrack, a: int, b: int, segment: Segment, legs, knees,
                 repeated: np.ndarray | None = None) -> Segment:
    """The segment, or, when it was left as another exercise or unsure but reads whole as a
    runner's stride at a step rate no runner has in real time, running (module docstring, 4b)."""
    if segment.label not in (OTHER_EXERCISE, UNSURE) or segment.end_s - segment.start_s < SLOW_GAIT_MIN_S:
        return segment
    features = window_features(track, a, b, legs, knees, repeated)
    gait, doubt = gait_evidence(features), gait_evidence(features, slow_doubt=True)
    if segment.label == OTHER_EXERCISE and not doubt.slow_motion and doubt.probability >= SLOW_DOUBT:
        # Gait in every way but the rate, read whole: slowed gait or an exercise, unsaid which.
        walk = "running" if doubt.running >= 0.5 else "walking"
        why = (f"over the whole {segment.end_s - segment.start_s:.0f} s the legs take turns as in gait, but at "
               f"{doubt.spm:.0f} steps/min of video time, slower than anyone walks: {SLOW_OR_EXERCISE}")
        candidates = ((walk, 0.5), (OTHER_EXERCISE, 0.5))
        return Segment(segment.start_frame, segment.end_frame, segment.start_s, segment.end_s, UNSURE, 0.5,
                       candidates, (why, *segment.reasons[:3]), segment.view, segment.view_confidence, segment.shot)
    if not (gait.slow_motion and gait.probability >= SLOW_GAIT_MIN_PROBABILITY):
        return segment
    why = (f"over the whole {segment.end_s - segment.start_s:.0f} s the legs take turns with a running swing at "
           f"{gait.spm:.0f} steps/min of video time: {SLOWED}")
    return Segment(segment.start_frame, segment.end_frame, segment.start_s, segment.end_s, "running",
                   float(gait.probability), (("running", float(gait.probability)),), (why, *segment.reasons[:3]),
                   segment.view, segment.view_confidence, segment.shot)


def _slow_motion_notes(windows: list[WindowLabel]) -> tuple[str, ...]:
    """A note when most gait windows show a running stride at a walking step rate, or steps
    slower than any gait on held pictures."""
    gait = [w for w in windows if sum(w.probabilities.get(g, 0.0) for g in GAIT) >= 0.5]
    slow = [w for w in gait if any("slow motion" in r for r in w.reasons)]
    # Several windows' worth of strides: a step rate read on one short window (a runner crossing
    # the frame, the first steps out of the blocks) is too uncertain to say so.
    if not (len(gait) >= MIN_SLOW_MOTION_WINDOWS and len(slow) >= 0.5 * len(gait)):
        return ()
    held = [w.features.picture_hold for w in slow if any(r.startswith("each picture shown") for r in w.reasons)]
    if len(held) >= 0.5 * len(slow):
        return (HELD_SLOW_MOTION_NOTE.format(hold=float(np.median(held))),)
    return (SLOW_MOTION_NOTE,)


def activity_timeline(track: PoseTrack, cuts: tuple[int, ...] = (),
                      opts: TimelineOptions = TimelineOptions(), repeated: tuple[int, ...] = ()) -> Timeline:
    """The timeline of a cleaned athlete track (module docstring). `cuts`: frame numbers where
    a new shot starts; `repeated`: frame numbers that show the previous picture again
    (`video.repeats`: held pictures of slow motion or of a camera taking few pictures).
    An empty track gives one decision of NOT_IN_VIEW and no segment."""
    if len(track) < 2:
        return Timeline((), tuple(cuts), decide(()), opts.window_s, opts.hop_s)
    held = np.isin(track.frame_index, np.asarray(repeated, dtype=np.int64)) if len(repeated) else None
    windows = label_windows(track, tuple(cuts), opts, held)
    labels, probs = _frame_probabilities(len(track), windows)
    labels, probs = _with_local_stillness(track, labels, probs)
    best = _frame_keys(track, labels, probs, windows)
    shots = _shots(track, tuple(cuts))
    best = _bridge_pauses(best, _key_is_still(track, labels, probs, windows, best), track.t_s, opts.pause_s, shots)
    best = _merge_short(_runs(best, shots), best, track.t_s, opts.min_segment_s, shots)
    legs, knees = leg_vectors(track), knee_flexion_deg(track)
    segments = tuple(_slowed_gait(track, a, b, _segment(track, a, b, labels, probs, k, windows), legs, knees, held)
                     for k, (sa, sb) in enumerate(shots) for a, b in _runs(best, [(sa, sb)]))
    notes = _slow_motion_notes(windows)
    if not notes and any(s.label == "running" and s.reasons and SLOWED in s.reasons[0] for s in segments):
        notes = (SLOW_MOTION_NOTE,)
    return Timeline(segments, tuple(int(c) for c in cuts), decide(segments), opts.window_s, opts.hop_s, notes)

