"""Which exercise is in the clip, and where the camera is around the body.

Posture (standing, on the back, on the side, on hands and knees) and the
camera's place around the body (side, front, rear, feet end) come from the
body axes of MediaPipe's world landmarks against gravity and the camera
axis (decisions tens of degrees wide; kinematics.body). Then every exercise
in the catalog is scored on what the clip shows: the posture, whether its
repetition signal moves by at least a rep's range, knees bent or straight,
one foot or both down, travelling or staying. Scores are products of soft
ramps in [0, 1]; the confidence of an exercise is its score times its
share of all scores, so two near-equal candidates make both unsure. Below
`min_confidence` the clip is "not recognised" and the analysis falls back
to generic alignment numbers rather than guess.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.exercises.catalog import EXERCISES, ExerciseSpec
from formcheck.exercises.signals import knee_rise, lower_ankle_side, rep_signal
from formcheck.exercises.stance import (BOTH_KNEES_DEG, KNEE_SPLIT_DEG, RISE_LEGS, SPLIT_LEGS, body_rise_legs,
                                        both_knees_bent_deg, knee_split_deg, lateral_lunge_fit, lateral_split,
                                        lunge_fit, split_stance, step_forward_share, travel_legs)
from formcheck.exercises.steps import alternations, foot_moves, sideways_share
from formcheck.kinematics.body import (GRAVITY_UP, TOWARD_CAMERA, body_axes, joint_angle_3d_deg,
                                       movement_lateral_share, step_frames, torso_length_px)
from formcheck.kinematics.view import estimate_view as upright_view
from formcheck.landmarks import Landmark as L
from formcheck.track import PoseTrack

MIN_CONFIDENCE = 0.4
# The camera within 30° of a body axis; otherwise "oblique", a view of its own from which
# neither frontal-plane nor sagittal angles are measured: beyond 20° out of plane 2-D angles
# drift from 3-D (METRICS.md §1, Stevens 2006) and a 15° rotation turns varus into apparent
# valgus (§2, Englander 2019). The three-quarter pose2sim views (43° and 48° off-axis) read
# cos 0.76-0.80, the frontal one (7°) 0.90, side views 0.95-0.98.
VIEW_MIN_COSINE = float(np.cos(np.radians(30.0)))


@dataclass(frozen=True)
class Posture:
    """posture: one of POSTURES or 'unknown'; share: of frames that agree."""

    posture: str
    share: float
    per_frame: np.ndarray  # (T,) labels, '' where undecided


@dataclass(frozen=True)
class ExerciseView:
    """Camera around the body. view: one of VIEWS or 'oblique'/'unknown'; confidence in
    [0, 1]; set_by_user when given as an option; cosine: median alignment of the camera
    axis with the chosen body axis; nearest: for an oblique view, the body axis the camera is
    nearest to ("front", "rear", "side", "foot_end")."""

    view: str
    confidence: float
    cosine: float
    set_by_user: bool = False
    nearest: str = ""

    @property
    def frontal(self) -> str | None:
        """"front" or "rear" for a frontal view or an oblique one nearer the front or the back
        (its reps are counted as from there, though no frontal-plane angle is measured)."""
        near = self.view if self.view in ("front", "rear") else self.nearest
        return near if near in ("front", "rear") else None


@dataclass(frozen=True)
class Recognition:
    """name: the exercise, None when not recognised; confidence in [0, 1]; alternatives:
    the top three (name, confidence), best first; set_by_user: the user named it;
    reason: one sentence on what decided it."""

    name: str | None
    confidence: float
    alternatives: tuple[tuple[str, float], ...]
    set_by_user: bool
    reason: str


def classify_posture(track: PoseTrack) -> Posture:
    """Per-frame posture from the body axes against gravity, and the clip's most common one."""
    axes = body_axes(track.world_m)
    up, left, ant = (v @ GRAVITY_UP for v in (axes.up, axes.left, axes.anterior))
    labels = np.full(len(track), "", dtype=object)
    lying = np.abs(up) < 0.6
    labels[up >= 0.6] = "standing"
    labels[lying & (ant > 0.5)] = "supine"
    labels[lying & (ant < -0.5)] = "quadruped"
    labels[lying & (np.abs(left) > 0.6)] = "side_lying"
    known = labels[labels != ""]
    if known.size == 0:
        return Posture("unknown", 0.0, labels)
    names, counts = np.unique(known.astype(str), return_counts=True)
    best = int(np.argmax(counts))
    return Posture(str(names[best]), float(counts[best] / len(track)), labels)


def estimate_view(track: PoseTrack, frames: np.ndarray | None = None) -> ExerciseView:
    """Where the camera is around the body (median over `frames`, all by default). For an
    upright athlete, front versus behind is taken from the face (kinematics.view: nose depth
    and left/right order), which does not depend on MediaPipe's left/right labels."""
    view = _body_view(track, frames)
    if view.frontal and classify_posture(track).posture == "standing":
        facing = upright_view(track).facing_camera
        if facing is not None:
            side = "front" if facing else "rear"
            view = (ExerciseView(side, view.confidence, view.cosine) if view.view != "oblique" else
                    ExerciseView("oblique", view.confidence, view.cosine, nearest=side))
    return view


def _body_view(track: PoseTrack, frames: np.ndarray | None = None) -> ExerciseView:
    axes = body_axes(track.world_m)
    comp = axes.components(TOWARD_CAMERA)  # cosines with (up, left, anterior)
    if frames is not None:
        comp = comp[frames]
    comp = comp[np.all(np.isfinite(comp), axis=1)]
    if comp.shape[0] == 0:
        return ExerciseView("unknown", 0.0, float("nan"))
    med = np.median(comp, axis=0)
    k = int(np.argmax(np.abs(med)))
    cos = float(abs(med[k]))
    if k == 0:
        view = "foot_end" if med[0] < 0 else "head_end"
    elif k == 1:
        view = "side"
    else:
        view = "front" if med[2] > 0 else "rear"
    agree = float(np.mean(np.argmax(np.abs(comp), axis=1) == k))
    if cos < VIEW_MIN_COSINE or view == "head_end":
        return ExerciseView("oblique" if view != "head_end" else "head_end", round(agree * cos, 2), cos,
                            nearest=view)
    return ExerciseView(view, round(agree * min(1.0, cos / 0.9), 2), cos)


@dataclass(frozen=True)
class Features:
    """What the clip shows, per the recognition's needs (see module docstring)."""

    posture: Posture
    knee_median_deg: float  # 3-D knee flexion from world landmarks (sanity-level use), median
    knee_p90_deg: float  # ... and its 90th percentile: how far the knees bend at most
    one_foot_share: float  # frames with one ankle clearly above the other
    alternations: int  # foot episodes changing from one leg to the other (steps)
    sideways_share: float  # share of the stepping feet's travel that is sideways
    ranges: dict[str, float]  # signal name -> largest excursion (3rd-97th percentile) over legs
    knee_range_deg: float = float("nan")  # the larger knee's flexion range (3rd-97th percentile)
    ankle_hip_motion: float = float("nan")  # the more mobile ankle's travel over the hip-mid's
    lateral_share: float = float("nan")  # kinematics.body.movement_lateral_share of knees and ankles
    unison: float = float("nan")  # correlation of the two legs' movements at the same instant
    shoulders_over_foot_m: float = float("nan")  # shoulder-mid above the lower ankle, world, median
    jump: float = 0.0  # [0, 1]: both feet leave the floor together
    split: float = float("nan")  # exercises.stance: the feet's largest front-back split, leg lengths
    both_knees_deg: float = float("nan")  # ... the less bent knee's flexion, 90th percentile
    travel: float = float("nan")  # ... how far the athlete moved, leg lengths
    step_forward: float = float("nan")  # ... share of lunge bottoms where the front foot stepped
    rise: float = float("nan")  # ... how far the body (hips and feet) stands above the floor, leg lengths
    lateral: float = float("nan")  # ... the feet's largest gap across the body, leg lengths
    knee_split: float = float("nan")  # ... how much more one knee bends than the other, deg
    kick_gap: float = float("nan")  # one knee up while the other stays down, thigh lengths (kick_gap)


def clip_features(track: PoseTrack, view: str) -> Features:
    xy, world = track.xy_px, track.world_m
    knees = np.concatenate([180.0 - joint_angle_3d_deg(world[:, L[f"{s}_HIP"]], world[:, L[f"{s}_KNEE"]],
                                                       world[:, L[f"{s}_ANKLE"]]) for s in ("LEFT", "RIGHT")])
    knees = knees[np.isfinite(knees)]
    per_knee = [180.0 - joint_angle_3d_deg(world[:, L[f"{s}_HIP"]], world[:, L[f"{s}_KNEE"]], world[:, L[f"{s}_ANKLE"]])
                for s in ("LEFT", "RIGHT")]
    knee_ranges = [float(np.nanpercentile(k, 97) - np.nanpercentile(k, 3)) if np.isfinite(k).sum() > 5 else 0.0
                   for k in per_knee]
    knee_median = float(np.median(knees)) if knees.size else float("nan")
    knee_p90 = float(np.percentile(knees, 90)) if knees.size else float("nan")
    side = lower_ankle_side(world)
    one_foot = float(np.mean(side != "")) if len(side) else 0.0
    episodes = foot_moves(track)
    ranges = {}
    for name in {s.signal for s in EXERCISES.values()}:
        sig = rep_signal(name, xy, view, world)
        ranges[name] = max((float(np.nanpercentile(v, 97) - np.nanpercentile(v, 3))
                            for v in sig.values() if np.isfinite(v).sum() > 2), default=0.0)
    fps = track.fps if len(track) > 1 else 30.0
    return Features(classify_posture(track), knee_median, knee_p90, one_foot, alternations(episodes),
                    sideways_share(episodes), ranges, max(knee_ranges), ankle_hip_motion(xy),
                    movement_lateral_share(world, lag=step_frames(track.t_s)), legs_unison(xy, fps),
                    shoulders_over_foot_m(world), jump_share(xy), split_stance(world), both_knees_bent_deg(world),
                    travel_legs(xy, fps), step_forward_share(xy, world, view), body_rise_legs(xy),
                    lateral_split(world), knee_split_deg(world), kick_gap(xy))


def legs_unison(xy: np.ndarray, fps: float = 30.0) -> float:
    """Correlation, at the same instant, of the two legs' hip-mid-to-ankle vectors in the
    picture, in torso lengths, each with its linear trend removed (an athlete walking toward
    the camera grows in the picture): ~1 when both legs do the same thing (squat, bridge,
    jump), 0 or below when they take turns or split (steps, lunges, gait); NaN without
    movement."""
    hip = (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2
    torso = torso_length_px(xy, fps)
    a, b = xy[:, L.LEFT_ANKLE] - hip, xy[:, L.RIGHT_ANKLE] - hip
    ok = np.all(np.isfinite(a), axis=1) & np.all(np.isfinite(b), axis=1) & np.isfinite(torso) & (torso > 1.0)
    if ok.sum() < 5:
        return float("nan")
    k = np.flatnonzero(ok).astype(np.float64)
    a, b = a[ok] / torso[ok, None], b[ok] / torso[ok, None]
    a = a - np.column_stack([np.polyval(np.polyfit(k, a[:, j], 1), k) for j in (0, 1)])
    b = b - np.column_stack([np.polyval(np.polyfit(k, b[:, j], 1), k) for j in (0, 1)])
    energy = float(np.sqrt(np.sum(a * a) * np.sum(b * b)))
    return float(np.sum(a * b) / energy) if energy > 1e-9 else float("nan")


def kick_gap(xy: np.ndarray) -> float:
    """How far one knee is above the other when a knee is highest against its hip (signals.knee_rise,
    thigh lengths; the median over the frames where the higher knee is in its top 10%): a donkey kick
    lifts one knee to hip height while the other stays under its hip, 0.78-0.85 (synthetic, one side or
    alternating, from the side and either end); a sprinter going from "on your marks" to "set" lifts
    both knees off the ground together, 0.0-0.12 (sprint_start_blocks_side.mp4, full and heavy models).
    NaN when the knees are not seen."""
    rise = knee_rise(xy, "")
    high, low = np.fmax(rise["left"], rise["right"]), np.fmin(rise["left"], rise["right"])
    ok = np.isfinite(high) & np.isfinite(low)
    if ok.sum() < 5:
        return float("nan")
    top = ok & (high >= np.percentile(high[ok], 90))
    return float(np.median(high[top] - low[top]))


def shoulders_over_foot_m(world: np.ndarray) -> float:
    """How far the shoulders are above the lower (planted) ankle along gravity, metres, median:
    ~0 for a bridge (shoulders and feet on the floor), ~0.3-0.4 for a hip thrust (shoulders on a
    bench), ~1.2-1.4 standing."""
    shoulder = (world[:, L.LEFT_SHOULDER] + world[:, L.RIGHT_SHOULDER]) / 2 @ GRAVITY_UP
    ankle = np.fmin(world[:, L.LEFT_ANKLE] @ GRAVITY_UP, world[:, L.RIGHT_ANKLE] @ GRAVITY_UP)
    h = shoulder - ankle
    return float(np.nanmedian(h)) if np.isfinite(h).any() else float("nan")


#: [H] Both ankles rising together by this share of the leg length is a jump (squat landmark
#: jitter moves each ankle ~0.1 leg lengths, but not both at once).
JUMP_LIFT = (0.1, 0.2)


def jump_share(xy: np.ndarray) -> float:
    """[0, 1] evidence that both feet leave the floor together: the lower of the two ankles'
    rise above its usual height (median minus 3rd percentile of image y, in leg lengths) on the
    frames where the two ankles rise together."""
    y = xy[:, [L.LEFT_ANKLE, L.RIGHT_ANKLE], 1]
    legs = np.linalg.norm(xy[:, [L.LEFT_HIP, L.RIGHT_HIP]] - xy[:, [L.LEFT_ANKLE, L.RIGHT_ANKLE]], axis=2)
    size = np.nanmedian(legs) if np.isfinite(legs).any() else np.nan
    ok = np.all(np.isfinite(y), axis=1)
    if ok.sum() < 10 or not size > 0:
        return 0.0
    rise = (np.median(y[ok], axis=0) - y[ok]) / size  # + = higher than usual
    both = np.min(rise, axis=1)
    return _ramp(float(np.percentile(both, 97)), *JUMP_LIFT)


def ankle_hip_motion(xy: np.ndarray) -> float:
    """How far the more mobile ankle travels in the picture over how far the hip-mid does
    (5th-95th percentile ranges). Feet planted on the floor (squat, glute bridge) move less
    than the hips, ~0.1-0.5 with landmark jitter; a free foot (single-leg squat or bridge)
    travels with the body, ~1 and more. NaN when the hips do not move."""
    def travel(p: np.ndarray) -> float:
        p = p[np.all(np.isfinite(p), axis=1)]
        return float(np.hypot(*(np.percentile(p, 95, axis=0) - np.percentile(p, 5, axis=0)))) if len(p) > 5 else 0.0

    hip = travel((xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2)
    ankle = max(travel(xy[:, L.LEFT_ANKLE]), travel(xy[:, L.RIGHT_ANKLE]))
    return ankle / hip if hip > 1e-9 else float("nan")


def _ramp(x: float, lo: float, hi: float) -> float:
    if not np.isfinite(x):
        return 0.0
    return float(np.clip((x - lo) / (hi - lo), 0.0, 1.0))


def score_exercise(spec: ExerciseSpec, f: Features, view: str) -> float:
    """Soft match of the clip to one exercise, in [0, 1] (module docstring)."""
    posture = float(np.mean(f.posture.per_frame == spec.posture))
    # MediaPipe's world knee angle reads 15-30° on a straight standing leg (pose2sim clips), so
    # "straight" and "bent" are told apart well above that.
    knees = {"bent": _ramp(f.knee_median_deg, 40.0, 60.0),
             "straight": 1.0 - _ramp(f.knee_median_deg, 35.0, 55.0),
             "bends": _ramp(f.knee_p90_deg, 40.0, 60.0),
             "any": 1.0}[spec.knees]
    # One foot off the floor: the world landmarks say one ankle is higher, and the picture shows a
    # foot travelling with the body. From the side the world landmarks guess the far ankle's depth
    # and often put it higher; planted feet still move less than the hips [H].
    free_foot = _ramp(f.ankle_hip_motion, 0.5, 0.8) if np.isfinite(f.ankle_hip_motion) else 1.0
    if spec.side_rule == "lower_ankle":
        legs = _ramp(f.one_foot_share, 0.3, 0.6) * free_foot
    elif spec.legs == "both":
        legs = 1.0 - _ramp(f.one_foot_share, 0.3, 0.6) * free_foot
    else:
        legs = 1.0
    stepping = _ramp(f.alternations, 1.0, 3.0)
    # A foot shuffled once or twice between reps is no walk [H].
    shuffling = _ramp(f.alternations, 2.0, 4.0)
    if spec.travels:
        sideways = f.sideways_share if spec.name == "lateral_band_walk" else 1.0 - f.sideways_share
        motion = stepping * _ramp(sideways, 0.35, 0.65)
    else:
        # Standing, a raised leg comes back to its place: only walks (and lunges) leave new footprints.
        motion = 1.0 - shuffling if spec.posture == "standing" and spec.stance == "any" else 1.0
        _, min_range, _ = spec.rep_range(view)
        motion *= _ramp(f.ranges.get(spec.signal, 0.0), 0.5 * min_range, min_range)
        if spec.signal == "squat_depth" and spec.stance == "any":
            # Squats keep the legs' angle to each other; a leg raised sideways does not [H].
            motion *= 1.0 - _ramp(f.ranges.get("leg_spread", 0.0), 25.0, 35.0)
    return posture * knees * legs * motion * signature(spec, f)


#: [H] movement_lateral_share over half-second steps: squats, lunges, bridges, donkey kicks and
#: gait read 0.0-0.15 (synthetic and real), leg raises, knee openings and side steps 0.6-0.95.
LATERAL = (0.25, 0.45)
#: [H] Knee flexion range (degrees) of a squat: a shallow single-leg squat still bends ~45° and
#: more (synthetic 62°), a hip thrust or bridge keeps the knees near 90° (27-30° of jitter and travel).
SQUAT_KNEE_RANGE_DEG = (30.0, 45.0)
#: [H] Band walks step one foot, then the other: their legs do not move in unison (squats read
#: 0.6-1.0, steps and lunges below 0.3).
WALK_UNISON_MAX = (0.3, 0.5)
SAGITTAL_MAX = (0.4, 0.55)
#: [H] kick_gap of a donkey kick: 0.78-0.85 thigh lengths; both knees rising together 0.0-0.12.
KICK_GAP = (0.3, 0.5)
#: [H] Shoulders above the planted feet (world, metres): a bridge ~0 (both on the floor), a hip
#: thrust 0.3-0.4 (upper back on a bench; synthetic 0.33).
SHOULDERS_RAISED_M = (0.15, 0.25)


def signature(spec: ExerciseSpec, f: Features) -> float:
    """[0, 1]: does the movement have this exercise's shape? Its plane (a leg going to the side,
    or forward-back and up-down), both legs together in a squat and no jump, shoulders on the
    floor in a bridge, feet taking turns in a band walk. A movement of another shape is another exercise, however well the rest
    matches (a donkey kick is not a fire hydrant, a lunge not a squat, a hip thrust not a bridge)."""
    fit = 1.0
    if spec.plane == "lateral" and np.isfinite(f.lateral_share):
        fit *= _ramp(f.lateral_share, *LATERAL)
    elif spec.plane == "sagittal" and np.isfinite(f.lateral_share):
        fit *= 1.0 - _ramp(f.lateral_share, *SAGITTAL_MAX)
    if spec.signal == "squat_depth":
        # A squat bends and straightens the knees; a hip thrust or a bridge keeps them bent while
        # the hips move (real squats read 92-93 deg of range).
        fit *= _ramp(f.knee_range_deg, *SQUAT_KNEE_RANGE_DEG)
    if spec.signal == "squat_depth" and spec.legs == "both":
        # Legs that cannot be compared (one hidden) leave a lunge possible: less sure, not ruled out.
        fit *= (_ramp(f.unison, 0.2, 0.5) if np.isfinite(f.unison) else 0.7) * (1.0 - f.jump)
        # ... and feet split front to back are a lunge (real squats read 0.17-0.22).
        fit *= 1.0 - _ramp(f.split, *SPLIT_LEGS)
    if spec.stance.startswith("lunge"):
        fit *= lunge_fit(spec.stance, f.split, f.both_knees_deg, f.step_forward, f.travel)
    if spec.stance == "step_up":
        # The hips rise above standing on the floor, one knee at a time (both bent deep is a squat, a
        # lunge or a jump squat's take-off; both feet up on the step look like a jump to jump_share).
        fit *= _ramp(f.rise, *RISE_LEGS) * (1.0 - _ramp(f.both_knees_deg, *BOTH_KNEES_DEG))
    if spec.signal == "knee_rise":
        # A donkey kick lifts one knee while the other stays down; knees leaving the floor together
        # (a sprinter rising into "set") are no kick.
        fit *= _ramp(f.kick_gap, *KICK_GAP) if np.isfinite(f.kick_gap) else 1.0
    if spec.stance == "lateral":
        fit *= lateral_lunge_fit(f.lateral, f.knee_split, f.both_knees_deg, f.rise, f.lateral_share, f.sideways_share)
    elif spec.travels or (spec.posture == "standing" and spec.knees == "straight"):
        # Band walks keep both knees soft and a leg raise both straight: one knee bent deep while the
        # other stays straight is a lateral lunge.
        fit *= 1.0 - _ramp(f.knee_split, *KNEE_SPLIT_DEG)
    if spec.travels and np.isfinite(f.unison):
        fit *= 1.0 - _ramp(f.unison, *WALK_UNISON_MAX)
    if spec.travels:
        # Band walks keep the knees soft (synthetic 32°); both knees bent deep while stepping is a lunge;
        # they stay on the floor (stepping up onto a box is a step-up).
        fit *= (1.0 - _ramp(f.both_knees_deg, *BOTH_KNEES_DEG)) * (1.0 - _ramp(f.rise, *RISE_LEGS))
    if spec.shoulders != "any" and np.isfinite(f.shoulders_over_foot_m):
        # Shoulders on the floor (bridges) or raised on a bench (hip thrust).
        raised = _ramp(f.shoulders_over_foot_m, *SHOULDERS_RAISED_M)
        fit *= raised if spec.shoulders == "raised" else 1.0 - raised
    return fit


def recognize(track: PoseTrack, view: str, exercise: str = "auto",
              min_confidence: float = MIN_CONFIDENCE) -> tuple[Recognition, Features]:
    """The exercise in the clip with its confidence and the top three; `exercise` names it
    instead (the automatic ranking is still reported as alternatives)."""
    if exercise != "auto" and exercise not in EXERCISES:
        raise ValueError(f"unknown exercise {exercise!r}; known: auto, {', '.join(EXERCISES)}")
    if not 0 <= min_confidence <= 1:
        raise ValueError(f"min_confidence must be in [0, 1], got {min_confidence}")
    f = clip_features(track, view)
    scores = {name: score_exercise(spec, f, view) for name, spec in EXERCISES.items()}
    total = sum(scores.values())
    conf = {n: (s * s / total if total > 0 else 0.0) for n, s in scores.items()}
    ranked = sorted(conf.items(), key=lambda kv: -kv[1])
    top3 = tuple((n, round(c, 2)) for n, c in ranked[:3])
    if exercise != "auto":
        return Recognition(exercise, 1.0, top3, True, "named by the user"), f
    best, best_conf = ranked[0]
    if best_conf < min_confidence:
        reason = (f"not recognised: the best match, {EXERCISES[best].title.lower()}, scored {best_conf:.2f} "
                  f"(posture: {f.posture.posture.replace('_', ' ')})")
        return Recognition(None, round(best_conf, 2), top3, False, reason), f
    spec = EXERCISES[best]
    reason = (f"{spec.posture.replace('_', ' ')} posture in {f.posture.share:.0%} of frames, "
              f"{spec.signal.replace('_', ' ')} moves by {f.ranges[spec.signal]:.2f} "
              f"{spec.rep_range(view)[0]}")
    return Recognition(best, round(best_conf, 2), top3, False, reason), f

