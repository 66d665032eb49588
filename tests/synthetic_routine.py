"""A synthetic warm-up routine: exercise sets from tests/synthetic_athlete.py back to back, with
rests and walking between them, and the exact answers (the sets in order, their reps per side).

    track, truth = make_routine((Set("single_leg_bridge", "side"), Rest(5), Set("clamshell", "foot_end")))
    truth.sets[1].label, truth.sets[1].reps_per_side      # "clamshell", {"left": 5, "right": 5}

Every part is filmed by one camera (landscape 1920x1080; the generator's per-exercise distance and
height), so the athlete keeps one size and place in the picture. A set is the exercise's default
plan (or the given one) cut to its reps: its first rep's start to its last rep's end, rests of
the generator's own at both ends trimmed to `EDGE_S`. A rest holds the next set's start pose (the
athlete has moved into position and waits), jittered as the generator jitters; a walk is the
synthetic walker (tests/synthetic_runner.py) at the athlete's size in the picture, from the side.
Between two parts whose poses differ, the athlete changes position over `TRANSITION_S`: every
landmark moves in a straight line, eased, from the last pose to the next (continuous, not
physical: as the generator's own change of side). The track is 30 frames/s throughout.
Sets of the same exercise with different seeds are different recordings of the same movement.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
from synthetic_athlete import CameraSpec, RecordingSpec, RepPlan, default_plan, make_exercise_clip
from synthetic_runner import Camera, Recording, synthetic_run, walking_params
from synthetic_tracks import concat

from formcheck.track import PoseTrack

FPS = 30.0
#: Seconds of the generator's own rest kept before the first rep and after the last.
EDGE_S = 1.0
NOISE_FRAC = 0.004  # the generator's default jitter, as a share of the athlete's size
#: Seconds the athlete takes to move from one part's last pose to the next part's first.
TRANSITION_S = 1.5


@dataclass(frozen=True)
class Set:
    exercise: str
    view: str
    plan: RepPlan | None = None
    seed: int = 0


@dataclass(frozen=True)
class Rest:
    seconds: float
    seed: int = 11


@dataclass(frozen=True)
class Walk:
    seconds: float
    seed: int = 3


@dataclass(frozen=True)
class SetTruth:
    """One set in the routine: its exercise, the times of its first rep's start and last rep's end
    in the routine's clock, and its full reps' sides in order."""

    label: str
    start_s: float
    end_s: float
    sides: tuple[str, ...]

    @property
    def reps_per_side(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.sides:
            out[s] = out.get(s, 0) + 1
        return out


@dataclass(frozen=True)
class RoutineTruth:
    sets: tuple[SetTruth, ...]
    parts_s: tuple[tuple[str, float, float], ...] = field(default_factory=tuple)

    def exercises(self) -> list[str]:
        """The exercises in the order they first appear."""
        return list(dict.fromkeys(s.label for s in self.sets))

    def reps_per_side(self, label: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.sets:
            if s.label == label:
                for k, v in s.reps_per_side.items():
                    out[k] = out.get(k, 0) + v
        return out


@lru_cache(maxsize=None)
def _set_track(part: Set):
    plan = part.plan or default_plan(part.exercise)
    track, truth = make_exercise_clip(part.exercise, part.view, plan, CameraSpec(orientation="landscape"),
                                      RecordingSpec(fps=FPS, seed=part.seed))
    first = max(0, int(round((truth.reps[0].start_s - EDGE_S) * FPS)))
    last = min(len(track) - 1, int(round((truth.reps[-1].end_s + EDGE_S) * FPS)))
    return track[first:last + 1], truth, first / FPS


def _still(pose: PoseTrack, seconds: float, noise_px: float, seed: int) -> PoseTrack:
    n = int(round(seconds * FPS))
    rng = np.random.default_rng(seed)
    rep = {k: np.repeat(getattr(pose[0], k), n, axis=0) for k in ("xy_px", "z", "visibility", "world_m")}
    return PoseTrack(t_s=np.arange(n) / FPS, xy_px=rep["xy_px"] + rng.normal(0, noise_px, rep["xy_px"].shape),
                     z=rep["z"] + rng.normal(0, 2 * noise_px, rep["z"].shape), visibility=rep["visibility"],
                     world_m=rep["world_m"] + rng.normal(0, 0.02, rep["world_m"].shape),
                     frame_index=np.arange(n), frame_size=pose.frame_size)


def _walk(seconds: float, seed: int, athlete_px: float) -> PoseTrack:
    camera = Camera(view="side", body_height_px=athlete_px, frame_size=(1920, 1080))
    track, _ = synthetic_run(walking_params(), camera, Recording(fps=FPS, duration_s=seconds, noise_px=2.0,
                                                                 dropout_rate=0.02, seed=seed))
    return track


def _transition(a: PoseTrack, b: PoseTrack, seconds: float = TRANSITION_S) -> PoseTrack:
    """From `a`'s last frame to `b`'s first, eased, without either end frame."""
    n = int(round(seconds * FPS))
    u = (1 - np.cos(np.pi * np.arange(1, n + 1) / (n + 1))) / 2
    end, start = a[len(a) - 1], b[0]

    def blend(name):
        x0, x1 = getattr(end, name)[0], getattr(start, name)[0]
        x0, x1 = np.where(np.isfinite(x0), x0, x1), np.where(np.isfinite(x1), x1, x0)
        shape = (n,) + (1,) * x0.ndim
        return x0[None] + (x1 - x0)[None] * u.reshape(shape)

    vis = np.minimum(end.visibility[0], start.visibility[0])
    return PoseTrack(t_s=np.arange(n) / FPS, xy_px=blend("xy_px"), z=blend("z"), visibility=np.repeat(vis[None], n, 0),
                     world_m=blend("world_m"), frame_index=np.arange(n), frame_size=a.frame_size)


@lru_cache(maxsize=None)
def make_routine(parts: tuple) -> tuple[PoseTrack, RoutineTruth]:
    """The routine's track (module doc) and its truth."""
    sets = [p for p in parts if isinstance(p, Set)]
    if not sets:
        raise ValueError("a routine needs at least one Set")
    tracks, truths, spans, clock = [], [], [], 0.0
    for k, part in enumerate(parts):
        if isinstance(part, Set):
            track, truth, offset = _set_track(part)
            full = [r for r in truth.reps if not r.partial]
            truths.append(SetTruth(part.exercise, clock + full[0].start_s - offset, clock + full[-1].end_s - offset,
                                   tuple(r.side for r in full)))
        else:
            later = next((p for p in parts[k:] if isinstance(p, Set)), sets[-1])
            nxt, ntruth, _ = _set_track(later)
            if isinstance(part, Rest):
                track = _still(nxt, part.seconds, NOISE_FRAC * ntruth.athlete_px, part.seed)
            else:
                track = _walk(part.seconds, part.seed, ntruth.athlete_px)
        if tracks:
            move = _transition(tracks[-1], track)
            tracks.append(move)
            spans.append(("transition", clock, clock + len(move) / FPS))
            clock += len(move) / FPS
            if isinstance(part, Set):
                truths[-1] = replace(truths[-1], start_s=truths[-1].start_s + len(move) / FPS,
                                     end_s=truths[-1].end_s + len(move) / FPS)
        spans.append((type(part).__name__.lower(), clock, clock + len(track) / FPS))
        tracks.append(track)
        clock += len(track) / FPS
    return concat(*tracks), RoutineTruth(tuple(truths), tuple(spans))


def with_plan(exercise: str, reps: int | None = None, **kwargs) -> RepPlan:
    """The default plan of `exercise`, its first `reps` reps only (both sides kept when it switches:
    the first reps/2 of each side)."""
    plan = default_plan(exercise)
    if reps is not None and len(plan.reps) > reps:
        sides = list(dict.fromkeys(r.side for r in plan.reps))
        per = max(1, reps // len(sides))
        keep = [r for s in sides for r in [r for r in plan.reps if r.side == s][:per]]
        plan = replace(plan, reps=tuple(keep))
    return replace(plan, **kwargs) if kwargs else plan


def _band_walk() -> RepPlan:
    return RepPlan.switch(5, move_s=1.2, hold_s=0.2, pause_s=0.3)  # five steps each way, as people do


#: Routines with known answers, shared by tests/test_routine.py and bench/routine_accuracy.py.
ROUTINES = {
    "self-four": (Set("single_leg_bridge", "side"), Rest(6), Set("clamshell", "foot_end"), Rest(6),
                  Set("lateral_band_walk", "front", _band_walk()), Rest(6), Set("monster_walk", "front")),
    "self-four-reversed": (Set("monster_walk", "front"), Rest(8), Set("lateral_band_walk", "front", _band_walk()),
                           Rest(8), Set("clamshell", "foot_end"), Rest(8), Set("single_leg_bridge", "side")),
    "floor-three": (Set("glute_bridge", "side"), Rest(6), Set("fire_hydrant", "foot_end"), Rest(6),
                    Set("side_lying_hip_abduction", "front")),
    "standing-three": (Set("squat", "front"), Rest(6), Set("standing_hip_abduction", "front"), Rest(6),
                       Set("single_leg_squat", "front")),
    "two-sets": (Set("clamshell", "foot_end"), Rest(15), Set("clamshell", "foot_end", seed=1)),
    "walked-off": (Set("squat", "side"), Walk(6), Set("single_leg_squat", "front")),
    "outside-catalog": (Set("squat", "side"), Rest(6), Set("jump_squat", "side"), Rest(6),
                        Set("single_leg_squat", "front")),
    "added-four": (Set("hip_thrust", "side"), Rest(6), Set("donkey_kick", "side"), Rest(6),
                   Set("reverse_lunge", "front"), Rest(6), Set("step_up", "side")),
    "kickback-between-lunges": (Set("forward_lunge", "side"), Rest(6), Set("standing_kickback", "side"), Rest(6),
                                Set("walking_lunge", "front")),
    # the lateral lunge between the two exercises that also move a leg across the body
    "lateral-three": (Set("lateral_band_walk", "front", _band_walk()), Rest(6), Set("lateral_lunge", "front"), Rest(6),
                      Set("standing_hip_abduction", "front")),
}

