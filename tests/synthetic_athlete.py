"""A kinematic athlete doing the glute-activation exercises of docs/exercises.md, with exact answers.

The model (metres, seconds; poses in tests/synthetic_athlete_poses.py)
---------------------------------------------------------------------
* A ~1.75 m body (thigh and shank 0.43, hip joints 0.19 apart, shoulders 0.38, hip-mid to
  shoulder-mid 0.50) with all 33 MediaPipe landmarks, posed by joint angles: hips 3-DOF by forward
  kinematics from the pelvis, planted legs by 2-link inverse kinematics from hip to ankle (the knee in
  the plane of the hip-ankle line and the forward axis, swivelled medially for knee_cave), feet flat on
  the floor, arms by inverse kinematics to hand targets (hips, floor, forward reach).
* Body coordinates are the axes of the start pose: x anterior, y superior, z the athlete's right; the
  room's up is +y standing, +x supine, +z/-z side-lying with the right/left leg on top, -x on hands
  and knees; the floor is up . p = 0 and the origin lies under the start pose's hip-mid.
* Postures and reps (`side` = the working leg, "both" for two-legged exercises, as docs/exercises.md):
  glute_bridge / single_leg_bridge: supine, shoulders and feet on the floor, the trunk turns up about
  the shoulders (hip extension) until ang(S, H, K) is 180 deg at the peak, knees ~90 deg there; single:
  the other leg straight in line with the working thigh. clamshell: side-lying, hips 45 / knees 90 deg,
  heels stacked, the top knee opens 45 deg about the hip-heel axis. side_lying_hip_abduction: legs
  straight, the top leg abducts 35 deg. standing_hip_abduction: the straight leg abducts 35 deg, hands
  on hips. squat: knees 5 -> 90 deg, arms forward. single_leg_squat: stance knee 5 -> 65 deg, the free
  foot lifted forward. lateral_band_walk: knees soft (30 deg), the lead foot steps out 28 cm, the trail
  foot follows to hip width (travels sideways). monster_walk: feet wide (32 cm), the stepping foot
  goes 20 cm forward and 8 cm out, the other follows (travels forward). fire_hydrant: quadruped, the
  bent knee lifts sideways 45 deg. donkey_kick: quadruped, the knee stays at 90 deg and the hip
  extends in the sagittal plane until the thigh lines up with the trunk (ang(S, H, K) = 180 deg, solved;
  one side per set, as the fire hydrant; the generator also renders it from "head_end", `EXTRA_VIEWS`,
  a view the catalog does not check from). hip_thrust (posture "bench": the supine axes, up = +x):
  upper back on a bench (shoulder joints 0.40 m up), feet flat; the hips rise from 0.16 m to a straight
  shoulder-hip-knee line (solved, as the bridges) with the knees at 90 deg (the peak).
  forward_lunge (in place, `RepPlan.alternating`; `side` = the front leg): the front foot steps 0.8 leg
  lengths forward, both knees reach 90 deg at the peak (`Drive.top`; short_of_depth sets less) with the
  rear heel up, trunk 4 deg forward throughout, and the athlete pushes back (a partial rep takes the same
  step and bends part of the way). reverse_lunge: the front foot stays, the other steps 0.8 leg lengths
  back onto its toes (the hip eased about the front ankle through the forward lunge's touch-down and
  bottom poses, a step further back) and steps in again. walking_lunge (and its variant
  walking_lunge_dumbbells, arms hanging, `VARIANTS`): the same step, then the rear foot swings through
  beside the front one, so each rep travels 0.8 leg lengths forward and the next rep leads with the
  other leg. Lunges in place are filmed from 5 m (a near camera sees the bent front knee too
  obliquely). Lunge faults: knee_cave swivels the front knee (solved on its FPPA from the front),
  pelvic_drop lowers the rear side's hip, forward_lean leans the trunk further forward.
  step_up (`side` = the working leg): a 30 cm box whose top takes the working foot 0.38 m ahead; the
  foot swings onto it (the first 30% of the way up), then the hips rise over it to standing on the box
  while the trailing foot pushes onto its toes and swings up beside the working one (its variant
  step_up_knee_drive: the trailing thigh level and the shank vertical at the top, the peak); down
  retraces it; a partial rep rises part of the way with the trailing toes down; one side per set.
  Faults: pelvic_drop lowers the trailing side's hip, forward_lean as the lunges, knee_cave swivels the
  working knee from the moment its foot lands on the box (held through the push) and is solved and read
  at the push (`_READ_Q`, `RepTruth.push_s`): at the top the leg is straight and shows no cave.
  lateral_lunge (in place, `RepPlan.alternating`; `side` = the bending leg; front and rear views): from
  feet at hip width that foot slides 0.7 m out, then its knee bends 5 -> 90 deg with the hips back 20 cm
  and the trunk 25 deg forward, the other leg straight; back the same way. knee_cave swivels the bending
  knee (solved on its FPPA from the front); pelvic_drop lowers the straight leg's hip.
* Outside the catalog (`OUTSIDE_CATALOG_VIEWS`; no faults apply), for tests that must answer "another
  exercise": standing_kickback (a cable or band glute kickback; side and front views, as from behind the
  leg moves along the camera's axis and reads still): standing on one leg, the other, knee at 5 deg,
  swings back 35 deg of hip extension, foot level, and returns. jump_squat: squat to 90 deg, drive onto
  the toes and jump (feet 0.15 m up at the apex, the peak; ballistic flight of 2 sqrt(2 h / g) =
  0.35 s, timed from `RepSpec.move_s`, hold_s must be 0), land and stand; partial reps are shallow
  squats without a jump. The "head_end" view (camera ahead of the head, +y) exists for the donkey kick.
* Timing (`RepPlan`): rest (>= 1 s) -> per rep: movement up (move_s / 2, a half-cosine), hold at the
  top (hold_s), movement down (move_s / 2), pause at rest (pause_s); partial reps (amplitude <= 0.5)
  move part of the way; a change of side adds a repositioning pause (`switch_s`, landmarks blended
  linearly in camera coordinates: continuous, not physical; side-lying the athlete turns over so the
  camera keeps its view of the body) and a rest before the new side's first rep; rest after the last.
  Walks: a rep is one step (lead foot out in the first half, trail foot in the second; the peak is the
  middle of the feet-apart hold); monster-walk steps alternate legs without a switch pause.
* Faults (docs/exercises.md, sizes in `DEFAULT_FAULT_SIZE`, scaled by the rep's envelope: zero at
  rest, full at the peak; geometry in tests/synthetic_athlete_poses.py): knee_cave swivels the
  working knee (both knees in a squat; the lead / stepping knee in the walks) medially about the
  hip-ankle line; pelvic_drop lowers `unsupported_side` (the free leg's side in the single-leg squat
  and bridge, the moving / stepping leg's side otherwise); trunk_sway leans towards
  `supporting_side`; roll_back turns pelvis and trunk backwards about the long axis; hip_hike tilts the
  pelvis in the frontal plane, top hip towards the head; short_of_neutral / back_arch set the peak hip
  angle (bridges, hip thrust: the trunk angle; donkey kick: the hip extension); knee_angle_change opens
  the donkey kick's knee; pelvic_drop on hands and knees turns the pelvis (and the kicking leg) about
  the long axis through the supporting hip, the kicking hip up; the hip thrust's knee_cave swivels both
  knees as the squat's and is solved on the shank's tilt seen from beyond the feet (`fault_quantity`). knee_cave's swivel and the bridges' top angle are solved per rep so that the
  quantities below hit their targets exactly; the others are rotations about the checking view's axis.

Use: `track, truth = make_exercise_clip("clamshell", "foot_end", RepPlan.switch(5, faults={2: "roll_back"}))`;
`truth.full_reps` are the reps that count, `truth.reps[2].values.roll_change_deg` is 20. A variant:
`make_exercise_clip("walking_lunge_dumbbells", "front", RepPlan.alternating(4))`.

Camera (`CameraSpec`): a level, upright pinhole (or orthographic) camera at `distance_m` from the
origin along the view's body axis (side: +-z, front: +x, rear: -x, foot_end: -y, head_end: +y),
`height_m` above the floor (walking lunges: 3.5 m plus the distance walked towards the camera, moved
along the walk to its middle, landscape from the side); the focal length makes the larger side of the
clip's bounding box (all frames) `fill` of the frame's long side (less where it would not fit in 90% of
the frame); the principal point centres that box (a level camera shifted like a crop). Frames
1080x1920 portrait or 1920x1080.

Outputs (as MediaPipe gives them): xy_px (T, 33, 2), x right, y down; z (T, 33) depth relative to
the hip-mid in pixels (pixels per metre at the hip-mid's depth), + = farther; world_m (T, 33, 3)
metres, hip-mid origin, camera axes (x right, y down, z away from the camera); visibility 0.95-0.99,
0.3-0.6 where a body capsule (torso, head, limb segments) lies between the camera and the landmark
(hips and shoulders never count as hidden); seeded Gaussian pixel noise (`noise_frac` of the
athlete's size in the image, doubled on hidden landmarks), world noise, dropouts (NaN, visibility 0).
Perspective is real: a pinhole camera sees a travelling or deep-squatting athlete obliquely, so the
image quantities drift a few degrees from the true ones (`image_values`; orthographic projection
removes this).

Truth (`ExerciseTruth`): per rep its side, start/peak/end (motion leaves rest / middle of the hold /
back at rest), hold, partial flag, faults, and `FaultValues` at the peak, computed from noise-free
landmarks: `values` in an ideal orthographic level camera of the view that checks each quantity,
`image_values` in this clip's own camera where its view checks it (NaN elsewhere). Quantities, image
coordinates (y down), "start" = the rest pose before the first rep of this side (since the last side
switch):
* fppa_{left,right}_change_deg: FPPA = 180 - ang(H, K, A), + when the knee lies medial of the
  hip-ankle line (front/rear); peak - start.
* obliquity_change_deg: `pelvic_obliquity_deg` (+ = left hip lower) peak - start; front/rear standing,
  foot_end lying (the bridges' pelvic drop) and on hands and knees.
* trunk_lean_change_deg: hip-mid -> shoulder-mid from image vertical, + towards the athlete's left.
* roll_change_deg: bottom -> top hip line from image vertical in the foot_end view, + = the top hip
  towards the athlete's back; hike_change_deg: the same in the front view, + = towards the head.
* hip_angle_deg: signed ang(S, H, K) at the peak, side view, on the working side (glute bridge: the
  camera's near side): ang when the hip lies on the back's side of the S-K line, 360 - ang beyond it.
* knee_flex_{left,right}_change_deg: 180 - ang(H, K, A), side view (hands and knees); peak - start.
* shank_{left,right}_change_deg: ankle -> knee from image vertical, + = the knee medial of the ankle,
  foot_end view on the bench (the hip thrust's knee_cave); peak - start.
* trunk_forward_change_deg: hip-mid -> shoulder-mid from image vertical, + towards the athlete's front,
  side view (lunges); knee_peak_deg: the front leg's 180 - ang(H, K, A) at the peak, side view
  (lunges: absolute, as hip_angle_deg). `quantity_views(exercise)` narrows the views per exercise (a
  lunge's knee FPPA from the front only).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Mapping

import numpy as np
from synthetic_athlete_poses import (
    BRIDGE_TOP_DEFAULT,
    EXERCISE_MODELS,
    LUNGE_KNEE_DEG,
    OTHER,
    SIDES,
    STEP_PLACE,
    Body,
    Drive,
    ExerciseModel,
    bridge_reach,
    bridge_rest_angle,
    donkey_reach,
    donkey_rest_angle,
    hip_thrust_geometry,
    hip_thrust_reach,
    jump_min_move_s,
    supporting_side,
    unsupported_side,
)
from synthetic_athlete_poses import X as AX_ANT
from synthetic_athlete_poses import Y as AX_SUP
from synthetic_athlete_poses import Z as AX_RIGHT

from formcheck.kinematics.angles import joint_angle_deg, pelvic_obliquity_deg
from formcheck.landmarks import NUM_LANDMARKS
from formcheck.landmarks import Landmark as L
from formcheck.track import PoseTrack

SUPPORTED_VIEWS: dict[str, tuple[str, ...]] = {
    "glute_bridge": ("side", "foot_end"),
    "single_leg_bridge": ("side", "foot_end"),
    "clamshell": ("front", "foot_end"),
    "side_lying_hip_abduction": ("front", "foot_end"),
    "standing_hip_abduction": ("front", "rear"),
    "squat": ("side", "front"),
    "single_leg_squat": ("front", "side"),
    "lateral_band_walk": ("front", "rear"),
    "monster_walk": ("front", "rear"),
    "fire_hydrant": ("foot_end",),
    "donkey_kick": ("side", "foot_end"),
    "hip_thrust": ("side", "foot_end"),
    "forward_lunge": ("side", "front", "rear"),
    "reverse_lunge": ("side", "front", "rear"),
    "walking_lunge": ("side", "front", "rear"),
    "step_up": ("side", "front", "rear"),
    "lateral_lunge": ("front", "rear"),
}
# Generator variants of a catalog exercise (the catalog's name, views and faults apply).
VARIANTS: dict[str, str] = {"walking_lunge_dumbbells": "walking_lunge", "step_up_knee_drive": "step_up"}
# Views the generator renders beyond a catalog exercise's supported ones (no checks from there).
EXTRA_VIEWS: dict[str, tuple[str, ...]] = {"donkey_kick": ("head_end",)}
# Movements outside the catalog (module docstring), for "another exercise" tests; no faults apply.
OUTSIDE_CATALOG_VIEWS: dict[str, tuple[str, ...]] = {
    "jump_squat": ("side", "front", "rear"),
    "standing_kickback": ("side", "front"),
}
LUNGE_FAULTS = ("knee_cave", "pelvic_drop", "forward_lean", "short_of_depth")
LUNGES = ("forward_lunge", "reverse_lunge", "walking_lunge", "walking_lunge_dumbbells")
STEP_UPS = ("step_up", "step_up_knee_drive")
APPLICABLE_FAULTS: dict[str, tuple[str, ...]] = {
    "glute_bridge": ("short_of_neutral", "back_arch"),
    "single_leg_bridge": ("pelvic_drop", "short_of_neutral", "back_arch"),
    "clamshell": ("roll_back",),
    "side_lying_hip_abduction": ("roll_back", "hip_hike"),
    "standing_hip_abduction": ("pelvic_drop", "trunk_sway"),
    "squat": ("knee_cave",),
    "single_leg_squat": ("knee_cave", "pelvic_drop"),
    "lateral_band_walk": ("knee_cave", "pelvic_drop", "trunk_sway"),
    "monster_walk": ("knee_cave", "pelvic_drop", "trunk_sway"),
    "fire_hydrant": (),
    "donkey_kick": ("short_of_neutral", "back_arch", "knee_angle_change", "pelvic_drop"),
    "hip_thrust": ("short_of_neutral", "back_arch", "knee_cave"),
    "forward_lunge": LUNGE_FAULTS,
    "reverse_lunge": LUNGE_FAULTS,
    "walking_lunge": LUNGE_FAULTS,
    "step_up": ("knee_cave", "pelvic_drop", "forward_lean"),
    "lateral_lunge": ("knee_cave", "pelvic_drop", "trunk_sway"),
}
# Degrees of change at the peak; for the two bridge faults the signed peak hip angle itself.
DEFAULT_FAULT_SIZE: dict[str, float] = {
    "knee_cave": 15.0, "pelvic_drop": 12.0, "trunk_sway": 12.0, "roll_back": 20.0, "hip_hike": 12.0,
    "short_of_neutral": 155.0, "back_arch": 200.0, "knee_angle_change": 20.0, "forward_lean": 15.0,
    "short_of_depth": 65.0,
}
FAULT_SIZE_RANGE: dict[str, tuple[float, float]] = {
    "knee_cave": (0.0, 45.0), "pelvic_drop": (0.0, 30.0), "trunk_sway": (0.0, 30.0), "roll_back": (0.0, 45.0),
    "hip_hike": (0.0, 30.0), "short_of_neutral": (135.0, 178.0), "back_arch": (182.0, 230.0),
    "knee_angle_change": (0.0, 60.0), "forward_lean": (0.0, 40.0), "short_of_depth": (30.0, 85.0),
}
FAULTS = tuple(DEFAULT_FAULT_SIZE)
TWO_LEGGED = tuple(n for n, m in EXERCISE_MODELS.items() if m.both_legs and m.catalog)   # bridge, squat, thrust
VIEWS = ("side", "front", "rear", "foot_end", "head_end")
FRAME_SIZES = {"portrait": (1080, 1920), "landscape": (1920, 1080)}
# Where each quantity is checked, per posture (the first view is the orthographic truth's).
QUANTITY_VIEWS: dict[str, dict[str, tuple[str, ...]]] = {
    "standing": {"fppa": ("front", "rear"), "obliquity": ("front", "rear"), "trunk_lean": ("front", "rear"),
                 "trunk_forward": ("side",), "knee_peak": ("side",)},
    "supine": {"obliquity": ("foot_end",), "hip_angle": ("side",)},
    "side_lying": {"roll": ("foot_end",), "hike": ("front",)},
    "quadruped": {"obliquity": ("foot_end",), "hip_angle": ("side",), "knee_flex": ("side",)},
    "bench": {"obliquity": ("foot_end",), "hip_angle": ("side",), "shank": ("foot_end",)},
}
_FAULT_QUANTITY = {"knee_cave": "fppa", "pelvic_drop": "obliquity", "trunk_sway": "trunk_lean",
                   "roll_back": "roll", "hip_hike": "hike", "short_of_neutral": "hip_angle",
                   "back_arch": "hip_angle", "knee_angle_change": "knee_flex", "forward_lean": "trunk_forward",
                   "short_of_depth": "knee_peak"}
# Quantities defined for some exercises of a posture only (the truth leaves them NaN elsewhere), and
# views narrowed for some exercises (a lunge's front knee is checked from the front only).
_QUANTITY_ONLY = {"trunk_forward": LUNGES + STEP_UPS, "knee_peak": LUNGES}
_QUANTITY_VIEWS_FOR = {("fppa", ex): ("front",) for ex in LUNGES + STEP_UPS + ("lateral_lunge",)}
# Where a quantity is read when not at the rep's peak, as the rep's phase q on the way up: a step-up's
# knee at the push, the working foot just landed on the box, its knee bent deepest while it bears weight.
_READ_Q = {("fppa", ex): STEP_PLACE for ex in STEP_UPS}


def quantity_views(exercise: str) -> dict[str, tuple[str, ...]]:
    """QUANTITY_VIEWS of the exercise's posture, for this exercise (module docstring)."""
    posture = EXERCISE_MODELS[exercise].posture
    return {q: _QUANTITY_VIEWS_FOR.get((q, exercise), v) for q, v in QUANTITY_VIEWS[posture].items()
            if q not in _QUANTITY_ONLY or exercise in _QUANTITY_ONLY[q]}
_ABSOLUTE = ("hip_angle", "knee_peak")   # the peak's value itself, not a change from the start pose
# Per-leg quantities (FaultValues has a left and a right field).
_PER_LEG = ("fppa", "knee_flex", "shank")


def fault_quantity(fault: str, posture: str) -> str:
    """The truth quantity a fault is measured on in this posture: knee_cave is the knee's FPPA
    standing and the shank's tilt from beyond the feet on the bench (the hip thrust)."""
    if fault == "knee_cave" and posture == "bench":
        return "shank"
    return _FAULT_QUANTITY[fault]
_CAMERA_DEFAULTS = {"standing": (1.0, "portrait"), "supine": (0.3, "landscape"),
                    "side_lying": (0.35, "landscape"), "quadruped": (0.5, "landscape"),
                    "bench": (0.45, "landscape")}


# -- plan ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RepSpec:
    """One rep: working side, movement time (up + down), hold at the top, pause at rest after it,
    amplitude (1 full; <= 0.5 partial, which must not count as a rep) and injected faults."""

    side: str
    move_s: float = 2.0
    hold_s: float = 0.0
    pause_s: float = 1.0
    amplitude: float = 1.0
    faults: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        faults = (self.faults,) if isinstance(self.faults, str) else tuple(self.faults)
        object.__setattr__(self, "faults", faults)
        if self.side not in ("left", "right", "both"):
            raise ValueError(f"side must be left, right or both, got {self.side!r}")
        if not self.move_s >= 0.4:
            raise ValueError(f"move_s must be at least 0.4 s, got {self.move_s}")
        if self.hold_s < 0 or self.pause_s < 0:
            raise ValueError("hold_s and pause_s must not be negative")
        if not (0 < self.amplitude <= 0.5 or 0.9 <= self.amplitude <= 1.0):
            raise ValueError(f"amplitude must lie in (0, 0.5] (partial) or [0.9, 1] (full), got {self.amplitude}")
        unknown = [f for f in faults if f not in DEFAULT_FAULT_SIZE]
        if unknown:
            raise ValueError(f"faults: unknown {unknown}; known: {list(DEFAULT_FAULT_SIZE)}")
        if len(set(faults)) != len(faults) or {"short_of_neutral", "back_arch"} <= set(faults):
            raise ValueError(f"faults: repeated or contradictory {faults}")

    @property
    def partial(self) -> bool:
        return self.amplitude <= 0.5


@dataclass(frozen=True)
class RepPlan:
    """The clip's reps in order, the rests around them, the repositioning time at a side switch and
    fault sizes overriding `DEFAULT_FAULT_SIZE` (name, value) pairs."""

    reps: tuple[RepSpec, ...]
    rest_before_s: float = 1.5
    rest_after_s: float = 1.5
    switch_s: float = 2.5
    fault_sizes: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "reps", tuple(self.reps))
        sizes = tuple(sorted(dict(self.fault_sizes).items()))
        object.__setattr__(self, "fault_sizes", sizes)
        if not self.reps:
            raise ValueError("reps must not be empty")
        if self.rest_before_s < 1.0 or self.rest_after_s < 1.0:
            raise ValueError("rest_before_s and rest_after_s must be at least 1 s")
        if self.switch_s < 0.5:
            raise ValueError(f"switch_s must be at least 0.5 s, got {self.switch_s}")
        for name, value in sizes:
            if name not in DEFAULT_FAULT_SIZE:
                raise ValueError(f"fault_sizes: unknown fault {name!r}")
            lo, hi = FAULT_SIZE_RANGE[name]
            if not lo < value <= hi:
                raise ValueError(f"fault_sizes: {name} must lie in ({lo}, {hi}], got {value}")

    def fault_size(self, fault: str) -> float:
        return dict(self.fault_sizes).get(fault, DEFAULT_FAULT_SIZE[fault])

    @property
    def num_full(self) -> int:
        return sum(not r.partial for r in self.reps)

    @classmethod
    def from_sides(cls, sides, faults: Mapping[int, tuple[str, ...] | str] | None = None,
                   partial: Mapping[int, float] | None = None, move_s: float = 2.0, hold_s: float = 0.0,
                   pause_s: float = 1.0, fault_sizes: Mapping[str, float] | None = None, **plan) -> "RepPlan":
        sides = tuple(sides)
        for name, mapping in (("faults", faults or {}), ("partial", partial or {})):
            bad = [i for i in mapping if not 0 <= i < len(sides)]
            if bad:
                raise ValueError(f"{name}: rep indices {bad} outside 0..{len(sides) - 1}")
        reps = tuple(RepSpec(s, move_s, hold_s, pause_s, (partial or {}).get(i, 1.0), (faults or {}).get(i, ()))
                     for i, s in enumerate(sides))
        return cls(reps, fault_sizes=tuple((fault_sizes or {}).items()), **plan)

    @classmethod
    def simple(cls, side: str, n: int, **kw) -> "RepPlan":
        """n reps of `side`; faults={rep_index: ("knee_cave",)}, partial={rep_index: 0.3}, move_s,
        hold_s, pause_s, fault_sizes, and RepPlan fields (rest_before_s, ...)."""
        return cls.from_sides([side] * n, **kw)

    @classmethod
    def switch(cls, n_per_side: int, first: str = "left", **kw) -> "RepPlan":
        """n reps of `first`, a repositioning pause, n of the other side (rep indices run on)."""
        return cls.from_sides([first] * n_per_side + [OTHER[first]] * n_per_side, **kw)

    @classmethod
    def alternating(cls, n: int, first: str = "left", **kw) -> "RepPlan":
        """n reps alternating sides (monster-walk steps)."""
        return cls.from_sides([first if i % 2 == 0 else OTHER[first] for i in range(n)], **kw)


def default_plan(exercise: str) -> RepPlan:
    """The plan make_exercise_clip uses when none is given."""
    _check_exercise(exercise)
    if exercise == "glute_bridge":
        return RepPlan.simple("both", 5, hold_s=2.0)
    if exercise == "squat":
        return RepPlan.simple("both", 5, hold_s=0.2)
    if exercise == "monster_walk":
        return RepPlan.alternating(6, move_s=1.2, hold_s=0.2, pause_s=0.3)
    if exercise == "lateral_band_walk":
        return RepPlan.switch(2, move_s=1.2, hold_s=0.2, pause_s=0.3)
    if exercise in STEP_UPS:
        return RepPlan.switch(4, move_s=2.4, hold_s=0.4)
    if exercise in ("forward_lunge", "reverse_lunge"):
        return RepPlan.alternating(6, move_s=2.4, hold_s=0.3, pause_s=0.6)
    if exercise == "lateral_lunge":   # its trunk is judged at 12 deg (the catalog): a sway of 20 is a clear fault
        return RepPlan.alternating(6, move_s=2.6, hold_s=0.3, pause_s=0.6, fault_sizes={"trunk_sway": 20.0})
    if exercise.startswith("walking_lunge"):
        return RepPlan.alternating(4, move_s=2.4, hold_s=0.3, pause_s=0.4)
    if exercise == "hip_thrust":
        return RepPlan.simple("both", 5, hold_s=1.0)
    if exercise == "jump_squat":
        return RepPlan.simple("both", 5, move_s=2.0, hold_s=0.0, pause_s=1.0)
    hold = {"single_leg_bridge": 2.0, "clamshell": 0.5}.get(exercise, 0.3)
    n = 4 if exercise in ("single_leg_bridge", "single_leg_squat") else 5
    return RepPlan.switch(n, hold_s=hold)


# -- camera and recording -----------------------------------------------------------------------------
@dataclass(frozen=True)
class CameraSpec:
    """Level, upright camera; None = per-exercise default (distance 3 m, 4 m for the walks, 5 m for lunges (lateral too) and step-ups
    in place, walking lunges as the module docstring; height 1.0 m standing, 0.3 supine, 0.35 side-lying, 0.5 on hands
    and knees, 0.45 on the bench; portrait standing except the lateral band walk and the walking
    lunges' side view, landscape otherwise). near_side: the athlete's side towards the
    camera in the side view (default: the first rep's side, left for two-legged exercises)."""

    distance_m: float | None = None
    height_m: float | None = None
    orientation: str | None = None
    fill: float = 0.55
    near_side: str | None = None
    projection: str = "pinhole"

    def __post_init__(self) -> None:
        if self.orientation not in (None, "portrait", "landscape"):
            raise ValueError(f"orientation must be portrait or landscape, got {self.orientation!r}")
        if self.near_side not in (None, "left", "right"):
            raise ValueError(f"near_side must be left or right, got {self.near_side!r}")
        if self.projection not in ("pinhole", "orthographic"):
            raise ValueError(f"projection must be pinhole or orthographic, got {self.projection!r}")
        if self.distance_m is not None and not self.distance_m >= 1.5:
            raise ValueError(f"distance_m must be at least 1.5 m, got {self.distance_m}")
        if self.height_m is not None and not 0.05 <= self.height_m <= 2.0:
            raise ValueError(f"height_m must lie in [0.05, 2] m, got {self.height_m}")
        if not 0.1 <= self.fill <= 0.9:
            raise ValueError(f"fill must lie in [0.1, 0.9], got {self.fill}")


@dataclass(frozen=True)
class RecordingSpec:
    """fps; noise_frac: pixel noise sd as a share of the athlete's size in the image (`ExerciseTruth.
    athlete_px`, about the body height standing; x hidden_noise_factor
    on hidden landmarks; z gets twice the pixel sd); world_noise_m; dropout_rate: share of (frame,
    landmark) cells missing; seed of the one generator."""

    fps: float = 30.0
    noise_frac: float = 0.004
    hidden_noise_factor: float = 2.0
    world_noise_m: float = 0.02
    dropout_rate: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        if not 5.0 <= self.fps <= 480.0:
            raise ValueError(f"fps must lie in [5, 480], got {self.fps}")
        if self.noise_frac < 0 or self.world_noise_m < 0 or self.hidden_noise_factor < 1:
            raise ValueError("noise_frac and world_noise_m must be >= 0 and hidden_noise_factor >= 1")
        if not 0 <= self.dropout_rate < 0.5:
            raise ValueError(f"dropout_rate must lie in [0, 0.5), got {self.dropout_rate}")


# -- truth --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FaultValues:
    """Fault quantities at a rep's peak (degrees; module docstring for definitions and signs);
    changes from the start pose except hip_angle_deg (absolute). NaN: not defined for this posture,
    or (image values) not checkable from the clip's view."""

    fppa_left_change_deg: float = math.nan
    fppa_right_change_deg: float = math.nan
    obliquity_change_deg: float = math.nan
    trunk_lean_change_deg: float = math.nan
    roll_change_deg: float = math.nan
    hike_change_deg: float = math.nan
    hip_angle_deg: float = math.nan
    knee_flex_left_change_deg: float = math.nan
    knee_flex_right_change_deg: float = math.nan
    shank_left_change_deg: float = math.nan
    shank_right_change_deg: float = math.nan
    trunk_forward_change_deg: float = math.nan
    knee_peak_deg: float = math.nan

    def for_fault(self, fault: str, side: str) -> float:
        """The quantity `fault` is defined on, for a rep of `side` (knee_cave: that knee; both: the mean;
        on the bench knee_cave is the shank's tilt, `fault_quantity`)."""
        q = _FAULT_QUANTITY[fault]
        if q == "fppa" and not np.isfinite(self.fppa_left_change_deg) and np.isfinite(self.shank_left_change_deg):
            q = "shank"
        if q in _PER_LEG:
            if side == "both":
                return (getattr(self, f"{q}_left_change_deg") + getattr(self, f"{q}_right_change_deg")) / 2
            return getattr(self, f"{q}_{side}_change_deg")
        return getattr(self, f"{q}_deg") if q in _ABSOLUTE else getattr(self, f"{q}_change_deg")


@dataclass(frozen=True)
class RepTruth:
    """One true rep (a step for the walks): times in seconds from the clip start."""

    side: str
    start_s: float
    peak_s: float
    end_s: float
    hold_s: float
    partial: bool
    faults: tuple[str, ...]
    amplitude: float = 1.0
    values: FaultValues = FaultValues()
    image_values: FaultValues = FaultValues()
    push_s: float = math.nan   # step-ups: when the knee's quantities are read (`_READ_Q`), else NaN


@dataclass(frozen=True, eq=False)
class ExerciseTruth:
    """What the synthetic athlete really did (module docstring). switches: (start_s, end_s) of each
    repositioning blend; fault_sizes: the sizes used; body_height_px: 1.75 m at the origin's depth;
    athlete_px: the athlete's size in the image (the median frame's larger bounding-box side; about
    the body height standing), the scale of the pixel noise."""

    exercise: str
    view: str
    posture: str
    fps: float
    frame_size: tuple[int, int]
    reps: tuple[RepTruth, ...]
    switches: tuple[tuple[float, float], ...]
    near_side: str | None
    fault_sizes: Mapping[str, float]
    body_height_px: float
    athlete_px: float
    clip: "_Clip" = field(repr=False)

    @property
    def full_reps(self) -> tuple[RepTruth, ...]:
        return tuple(r for r in self.reps if not r.partial)

    @property
    def steps(self) -> tuple[RepTruth, ...]:
        """Walks: every step is a rep; () for other exercises."""
        return self.reps if self.exercise in ("lateral_band_walk", "monster_walk") else ()

    def xy_at(self, t) -> np.ndarray:
        """(N, 33, 2) noise-free pixels at any times."""
        return self.clip.project(self.clip.camera_points(np.atleast_1d(np.asarray(t, dtype=np.float64))))

    def points_at(self, t) -> np.ndarray:
        """(N, 33, 3) noise-free camera coordinates (x right, y down, z away), metres."""
        return self.clip.camera_points(np.atleast_1d(np.asarray(t, dtype=np.float64)))


# -- timeline -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Seg:
    kind: str            # "rest", "rep" or "switch"
    t0: float
    t1: float
    side: str            # switch: the side before
    to_side: str = ""    # switch: the side after
    rep: int = -1
    origin: tuple[float, float, float] = (0.0, 0.0, 0.0)


def _schedule(plan: RepPlan, model: ExerciseModel) -> tuple[tuple[_Seg, ...], tuple[int, ...]]:
    """Segments covering the clip, and for every rep the index of its start-pose reference rep."""
    segs: list[_Seg] = []
    t, origin = 0.0, np.zeros(3)
    refs: list[int] = []
    block_first: dict[str, int] = {}

    def add(kind, dur, side, **kw):
        nonlocal t
        segs.append(_Seg(kind, t, t + dur, side, origin=tuple(float(v) for v in origin), **kw))
        t += dur

    add("rest", plan.rest_before_s, plan.reps[0].side)
    for k, rep in enumerate(plan.reps):
        if k > 0 and rep.side != plan.reps[k - 1].side and not model.alternates:
            add("switch", plan.switch_s, plan.reps[k - 1].side, to_side=rep.side)
            add("rest", plan.rest_before_s, rep.side)
            block_first = {}
        refs.append(block_first.setdefault(rep.side, k))
        add("rep", rep.move_s + rep.hold_s, rep.side, rep=k)
        if model.travel is not None:
            origin = origin + model.travel(rep.side, rep.amplitude)
        add("rest", plan.rest_after_s if k == len(plan.reps) - 1 else rep.pause_s, rep.side)
    return tuple(s for s in segs if s.t1 > s.t0), tuple(refs)


def _phase(u: np.ndarray, rep: RepSpec) -> np.ndarray:
    """q in [0, 2] at time u since the rep's start (module docstring)."""
    half = rep.move_s / 2
    rise = (1 - np.cos(np.pi * np.clip(u / half, 0, 1))) / 2
    fall = (1 + np.cos(np.pi * np.clip((u - half - rep.hold_s) / half, 0, 1))) / 2
    return np.where(u < half + rep.hold_s, rise, 2.0 - fall)


_ENVELOPED = ("cave", "drop", "sway", "roll", "hike", "knee", "lean")   # scaled by the rep's envelope


@dataclass(frozen=True)
class _RepParams:
    """Fault parameters at the rep's peak (radians); `top`: bridges' full-rep trunk angle."""

    cave: float = 0.0
    drop: float = 0.0
    sway: float = 0.0
    roll: float = 0.0
    hike: float = 0.0
    knee: float = 0.0
    lean: float = 0.0
    top: float = math.nan


# -- camera geometry and measurement ------------------------------------------------------------------
def _view_axis(view: str, near_side: str | None) -> np.ndarray:
    """Direction from the athlete to the camera, body coordinates."""
    if view == "side":
        return AX_RIGHT if near_side == "right" else -AX_RIGHT
    return {"front": AX_ANT, "rear": -AX_ANT, "foot_end": -AX_SUP, "head_end": AX_SUP}[view]


def _basis(view: str, up: np.ndarray, near_side: str | None) -> np.ndarray:
    """(3, 3) rows: image right, image down, depth (away from the camera), in body coordinates."""
    u = _view_axis(view, near_side)
    if abs(float(u @ up)) > 1e-9:
        raise AssertionError(f"view {view} is not horizontal for this posture")
    fwd, down = -u, -up
    return np.stack([np.cross(down, fwd), down, fwd])


def _unit2(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _fppa(h, k, a, medial2) -> np.ndarray:
    f = 180.0 - joint_angle_deg(h, k, a)
    u = _unit2(a - h)
    w = (k - h) - np.sum((k - h) * u, axis=-1, keepdims=True) * u
    return np.where(w @ medial2 >= 0, f, -f)


def _from_vertical(v, toward2) -> np.ndarray:
    """Angle of image vector v from image-up, + towards the horizontal side where `toward2` points."""
    sx = 1.0 if toward2[0] >= 0 else -1.0
    return np.degrees(np.arctan2(sx * v[..., 0], -v[..., 1]))


def _quantities(xy: np.ndarray, axes: dict[str, np.ndarray], leg: str, top: str) -> dict[str, np.ndarray]:
    """Every fault quantity (absolute, degrees) from (N, 33, 2) image coordinates. axes: 2-D image
    directions of the athlete's left, back (posterior) and head (superior); leg: the hip-angle side;
    top: the top (working) side when side-lying."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return _quantities_raw(xy, axes, leg, top)


def _quantities_raw(xy, axes, leg, top) -> dict[str, np.ndarray]:
    def p(side, name):
        return xy[:, int(L[f"{side.upper()}_{name}"])]

    out = {f"fppa_{s}": _fppa(p(s, "HIP"), p(s, "KNEE"), p(s, "ANKLE"), axes["left"] * (-1 if s == "left" else 1))
           for s in SIDES}
    out["obliquity"] = pelvic_obliquity_deg(p("left", "HIP"), p("right", "HIP"))
    hm = (p("left", "HIP") + p("right", "HIP")) / 2
    sm = (p("left", "SHOULDER") + p("right", "SHOULDER")) / 2
    out["trunk_lean"] = _from_vertical(sm - hm, axes["left"])
    bottom_top = p(top, "HIP") - p(OTHER[top], "HIP")
    out["roll"] = _from_vertical(bottom_top, axes["posterior"])
    out["hike"] = _from_vertical(bottom_top, axes["superior"])
    S, H, K = p(leg, "SHOULDER"), p(leg, "HIP"), p(leg, "KNEE")
    ang = joint_angle_deg(S, H, K)
    u = _unit2(K - S)
    w = (H - S) - np.sum((H - S) * u, axis=-1, keepdims=True) * u
    out["hip_angle"] = np.where(w @ axes["posterior"] >= 0, ang, 360.0 - ang)
    out["trunk_forward"] = _from_vertical(sm - hm, -axes["posterior"])
    out["knee_peak"] = 180.0 - joint_angle_deg(p(leg, "HIP"), p(leg, "KNEE"), p(leg, "ANKLE"))
    for s in SIDES:
        out[f"knee_flex_{s}"] = 180.0 - joint_angle_deg(p(s, "HIP"), p(s, "KNEE"), p(s, "ANKLE"))
        shank = p(s, "KNEE") - p(s, "ANKLE")
        medial = axes["left"] * (-1 if s == "left" else 1)
        out[f"shank_{s}"] = np.degrees(np.arctan2(shank @ _unit2(medial), -shank[:, 1]))
    return out


def _wrap(deg):
    return (np.asarray(deg) + 180.0) % 360.0 - 180.0


def _values(start: dict, peak: dict, quantities) -> FaultValues:
    """FaultValues from absolute quantities at the start pose and the peak (index 0 of each)."""
    vals = {}
    for q in quantities:
        if q in _ABSOLUTE:
            vals[f"{q}_deg"] = float(peak[q][0])
        elif q in _PER_LEG:
            for s in SIDES:
                vals[f"{q}_{s}_change_deg"] = float(peak[f"{q}_{s}"][0] - start[f"{q}_{s}"][0])
        else:
            vals[f"{q}_change_deg"] = float(_wrap(peak[q][0] - start[q][0]))
    return FaultValues(**vals)


# -- the clip -----------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class _Clip:
    """The continuous-time athlete and its camera."""

    model: ExerciseModel
    body: Body
    plan: RepPlan
    segs: tuple[_Seg, ...]
    refs: tuple[int, ...]
    params: tuple[_RepParams, ...]
    view: str
    near_side: str | None
    distance_m: float
    height_m: float
    projection: str
    frame_size: tuple[int, int]
    intrinsics: tuple[float, float, float] = (1.0, 0.0, 0.0)   # f (px, or px/m orthographic), cx, cy
    shift_m: tuple[float, float, float] = (0.0, 0.0, 0.0)      # camera moved along the travel (body coords)

    @property
    def duration_s(self) -> float:
        return self.segs[-1].t1

    def rep_seg(self, k: int) -> _Seg:
        return next(s for s in self.segs if s.kind == "rep" and s.rep == k)

    def side_key(self, side: str) -> str:
        return "right" if side == "right" else "left"

    def basis(self, side: str) -> np.ndarray:
        return _basis(self.view, self.model.up(side), self.near_side)

    def to_camera(self, pts: np.ndarray, side: str) -> np.ndarray:
        """Body coordinates of a `side` pose -> camera coordinates (the camera relative to that pose)."""
        up = self.model.up(side)
        centre = self.distance_m * _view_axis(self.view, self.near_side) + self.height_m * up + np.array(self.shift_m)
        return (pts - centre) @ self.basis(side).T

    def drive(self, t: np.ndarray, segs: list[_Seg]) -> Drive:
        """Drive of samples at times t inside the given (rep or rest) segments."""
        n = t.shape[0]
        vals = {k: np.zeros(n) for k in ("q",) + _ENVELOPED}
        vals["amp"], vals["top"], vals["move_s"] = np.ones(n), np.full(n, math.nan), np.full(n, 2.0)
        origin = np.array([s.origin for s in segs]).reshape(n, 3)
        for i, s in enumerate(segs):
            if s.kind != "rep":
                continue
            rep, par = self.plan.reps[s.rep], self.params[s.rep]
            q = float(_phase(np.array([t[i] - s.t0]), rep)[0])
            e = min(q, 2 - q)
            vals["q"][i], vals["amp"][i], vals["top"][i] = q, rep.amplitude, par.top
            vals["move_s"][i] = rep.move_s
            for k in _ENVELOPED:
                vals[k][i] = e * getattr(par, k)
        vals["top"] = np.where(np.isnan(vals["top"]), BRIDGE_TOP_DEFAULT, vals["top"])
        return Drive.make(n, origin=origin, **vals)

    def _segments_at(self, t: np.ndarray) -> list[_Seg]:
        ends = np.array([s.t1 for s in self.segs])
        idx = np.minimum(np.searchsorted(ends, t, side="right"), len(self.segs) - 1)
        return [self.segs[i] for i in idx]

    def body_points(self, t: np.ndarray) -> np.ndarray:
        """(N, 33, 3) body coordinates at times outside the switch blends (each in its side's frame)."""
        segs = self._segments_at(t)
        if any(s.kind == "switch" for s in segs):
            raise ValueError("body_points: a time falls inside a side switch")
        out = np.empty((t.shape[0], NUM_LANDMARKS, 3))
        for side in {s.side for s in segs}:
            idx = [i for i, s in enumerate(segs) if s.side == side]
            out[idx] = self.model.build(side, self.drive(t[idx], [segs[i] for i in idx]), self.body)
        return out

    def camera_points(self, t: np.ndarray) -> np.ndarray:
        segs = self._segments_at(t)
        out = np.empty((t.shape[0], NUM_LANDMARKS, 3))
        plain = [i for i, s in enumerate(segs) if s.kind != "switch"]
        for side in {segs[i].side for i in plain}:
            idx = [i for i in plain if segs[i].side == side]
            pts = self.model.build(side, self.drive(t[idx], [segs[i] for i in idx]), self.body)
            out[idx] = self.to_camera(pts, side)
        for s in {segs[i] for i in range(len(segs)) if segs[i].kind == "switch"}:
            idx = [i for i, g in enumerate(segs) if g is s]
            ends = [self.to_camera(self.model.build(side, Drive.make(1, origin=s.origin), self.body), side)[0]
                    for side in (s.side, s.to_side)]
            a = np.clip((t[idx] - s.t0) / (s.t1 - s.t0), 0, 1)[:, None, None]
            a = a * a * (3 - 2 * a)
            out[idx] = (1 - a) * ends[0] + a * ends[1]
        return out

    def project(self, cam: np.ndarray) -> np.ndarray:
        f, cx, cy = self.intrinsics
        if self.projection == "pinhole":
            return np.stack([cx + f * cam[..., 0] / cam[..., 2], cy + f * cam[..., 1] / cam[..., 2]], axis=-1)
        return np.stack([cx + f * cam[..., 0], cy + f * cam[..., 1]], axis=-1)

    # -- truth helpers ----------------------------------------------------------------------------------
    def rep_times(self, k: int) -> tuple[float, float, float]:
        s, rep = self.rep_seg(k), self.plan.reps[k]
        return s.t0, s.t0 + rep.move_s / 2 + rep.hold_s / 2, s.t1

    def leg_for_hip_angle(self, side: str) -> str:
        return side if side in SIDES else (self.near_side or "left")

    def ortho_quantities(self, pts: np.ndarray, side: str, view: str) -> dict[str, np.ndarray]:
        near = self.near_side if view == "side" else None
        B = _basis(view, self.model.up(side), near)[:2]
        axes = {"left": B @ -AX_RIGHT, "posterior": B @ -AX_ANT, "superior": B @ AX_SUP}
        return _quantities(pts @ B.T, axes, self.leg_for_hip_angle(side), self.side_key(side))

    def image_quantities(self, t: np.ndarray, side: str, ref_t: float) -> dict[str, np.ndarray]:
        hm = self.body_points(np.array([ref_t]))[0, [int(L.LEFT_HIP), int(L.RIGHT_HIP)]].mean(axis=0)
        probe = hm + 0.05 * np.stack([np.zeros(3), -AX_RIGHT, -AX_ANT, AX_SUP])
        img = self.project(self.to_camera(probe, side))
        with np.errstate(invalid="ignore", divide="ignore"):   # an axis along the view projects to a point
            axes = dict(zip(("left", "posterior", "superior"), _unit2(img[1:] - img[0])))
        return _quantities(self.project(self.camera_points(t)), axes, self.leg_for_hip_angle(side),
                           self.side_key(side))


# -- solving the fault parameters ---------------------------------------------------------------------
def _solve_increasing(fn, target: float, lo: float, hi: float, what: str) -> float:
    """x in [lo, hi] with fn(x) = target for an increasing vectorised fn (grid refinement)."""
    for _ in range(5):
        grid = np.linspace(lo, hi, 41)
        v = fn(grid)
        hit = np.nonzero(np.isfinite(v) & (v >= target))[0]
        if hit.size == 0 or (hit[0] == 0 and v[0] > target + 1e-6):
            raise ValueError(f"plan: {what} {target:.1f} is out of reach "
                             f"(range {np.nanmin(v):.1f}..{np.nanmax(v):.1f})")
        i = max(int(hit[0]), 1)
        lo, hi = grid[i - 1], grid[i]
        vlo, vhi = v[i - 1], v[i]
    return float(lo + (hi - lo) * (target - vlo) / (vhi - vlo)) if vhi != vlo else float(lo)


# Where `Drive.top` (the peak) is solved for a hip angle: (rest, largest reachable) in radians.
_TOP_RANGE = {"supine": (bridge_rest_angle, bridge_reach),
              "bench": (lambda b: hip_thrust_geometry(b)[1], hip_thrust_reach),
              "donkey_kick": (donkey_rest_angle, donkey_reach)}


def _solve_params(clip: _Clip) -> tuple[_RepParams, ...]:
    plan, model = clip.plan, clip.model
    posture = model.posture
    out = []
    for k, rep in enumerate(plan.reps):
        size = {f: plan.fault_size(f) for f in rep.faults}
        rad = {f: math.radians(v) for f, v in size.items()}
        par = _RepParams(drop=rad.get("pelvic_drop", 0.0), sway=rad.get("trunk_sway", 0.0),
                         roll=rad.get("roll_back", 0.0), hike=rad.get("hip_hike", 0.0),
                         knee=rad.get("knee_angle_change", 0.0), lean=rad.get("forward_lean", 0.0))   # cave, top: below
        if model.name in LUNGES:   # the bottom's knee angle (short_of_depth) rides on Drive.top
            par = replace(par, top=math.radians(size.get("short_of_depth", LUNGE_KNEE_DEG)))
        seg = clip.rep_seg(k)
        start_seg = clip.rep_seg(clip.refs[k])

        def peak_pts(m, **over):
            vals = dict(q=np.ones(m), amp=rep.amplitude, cave=par.cave, drop=par.drop, sway=par.sway,
                        roll=par.roll, hike=par.hike, knee=par.knee, lean=par.lean,
                        top=par.top if np.isfinite(par.top) else BRIDGE_TOP_DEFAULT)
            vals.update(over)
            return model.build(rep.side, Drive.make(m, origin=seg.origin, **vals), clip.body)

        reach = _TOP_RANGE.get(model.name) or _TOP_RANGE.get(posture)
        if reach is not None:   # the peak hip angle: 180 (neutral) unless a fault sets it
            target = size.get("short_of_neutral", size.get("back_arch", 180.0))
            lo, hi = (f(clip.body) for f in reach)

            def hip_angle(beta):
                pts = peak_pts(beta.shape[0], amp=1.0, top=beta)
                return clip.ortho_quantities(pts, rep.side, "side")["hip_angle"]

            top = _solve_increasing(hip_angle, target, lo + 1e-3, hi, "peak hip angle")
            par = replace(par, top=top)
        if "knee_cave" in rep.faults:
            knee = "left" if rep.side == "both" else rep.side
            q = fault_quantity("knee_cave", posture)
            cave_view = QUANTITY_VIEWS[posture][q][0]
            rest = model.build(rep.side, Drive.make(1, q=0.0, origin=start_seg.origin), clip.body)
            f0 = float(clip.ortho_quantities(rest, rep.side, cave_view)[f"{q}_{knee}"][0])

            read_q = _READ_Q.get((q, model.name), 1.0)   # the envelope scales the swivel there

            def fppa(g):
                pts = peak_pts(g.shape[0], q=np.full(g.shape[0], read_q), cave=read_q * g)
                return clip.ortho_quantities(pts, rep.side, cave_view)[f"{q}_{knee}"] - f0

            par = replace(par, cave=_solve_increasing(fppa, size["knee_cave"], 0.0, math.radians(85), "knee_cave"))
        out.append(par)
    return tuple(out)


# -- rendering ----------------------------------------------------------------------------------------
def _fit_intrinsics(cam: np.ndarray, frame_size: tuple[int, int], fill: float, pinhole: bool):
    norm = cam[..., :2] / cam[..., 2:3] if pinhole else cam[..., :2]
    w, h = frame_size
    lo, hi = norm.reshape(-1, 2).min(axis=0), norm.reshape(-1, 2).max(axis=0)
    f = min(fill * max(w, h) / float(np.max(hi - lo)), 0.9 * w / (hi[0] - lo[0]), 0.9 * h / (hi[1] - lo[1]))
    mid = (lo + hi) / 2
    return f, w / 2 - f * mid[0], h / 2 - f * mid[1]


# Body capsules that hide landmarks behind them: (end a, end b, radius m); an end is the mean of its
# landmarks. Hips and shoulders are never hidden (MediaPipe keeps them visible).
_CAPSULES = (
    ((L.LEFT_SHOULDER,), (L.LEFT_HIP,), 0.08), ((L.RIGHT_SHOULDER,), (L.RIGHT_HIP,), 0.08),
    ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER), (L.LEFT_HIP, L.RIGHT_HIP), 0.11),
    ((L.LEFT_EAR, L.RIGHT_EAR), (L.LEFT_EAR, L.RIGHT_EAR), 0.06),
) + tuple(
    ((L[f"{s}_{a}"],), (L[f"{s}_{b}"],), r)
    for s in ("LEFT", "RIGHT")
    for a, b, r in (("HIP", "KNEE", 0.07), ("KNEE", "ANKLE", 0.05), ("HEEL", "FOOT_INDEX", 0.03),
                    ("SHOULDER", "ELBOW", 0.045), ("ELBOW", "WRIST", 0.035))
)
_NEVER_HIDDEN = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)


def _hidden(cam: np.ndarray, pinhole: bool, chunk: int = 256) -> np.ndarray:
    """(T, 33) bool: a capsule lies between the camera and the landmark (>= 2 cm in front of it)."""
    T = cam.shape[0]
    ends = [(list(map(int, a)), list(map(int, b)), r) for a, b, r in _CAPSULES]
    radius = np.array([r for _, _, r in ends])
    own = np.zeros((NUM_LANDMARKS, len(ends)), dtype=bool)
    for c, (a, b, _) in enumerate(ends):
        if len(a) == 1:
            own[a[0], c] = own[b[0], c] = True
    out = np.zeros((T, NUM_LANDMARKS), dtype=bool)
    for i0 in range(0, T, chunk):
        P1 = cam[i0:i0 + chunk, :, None, :]
        P0 = np.zeros_like(P1) if pinhole else P1 - np.array([0.0, 0.0, 20.0])
        Q0 = np.stack([cam[i0:i0 + chunk, a].mean(axis=1) for a, _, _ in ends], axis=1)[:, None]
        Q1 = np.stack([cam[i0:i0 + chunk, b].mean(axis=1) for _, b, _ in ends], axis=1)[:, None]
        d1, d2, r = P1 - P0, Q1 - Q0, P0 - Q0
        a_, e_, f_ = np.sum(d1 * d1, -1), np.sum(d2 * d2, -1), np.sum(d2 * r, -1)
        c_, b_ = np.sum(d1 * r, -1), np.sum(d1 * d2, -1)
        denom = a_ * e_ - b_ * b_
        s = np.where(denom > 1e-12, np.clip((b_ * f_ - c_ * e_) / np.maximum(denom, 1e-12), 0, 1),
                     np.clip(-c_ / a_, 0, 1))
        t = (b_ * s + f_) / np.maximum(e_, 1e-12)
        s = np.where(t < 0, np.clip(-c_ / a_, 0, 1), np.where(t > 1, np.clip((b_ - c_) / a_, 0, 1), s))
        t = np.clip(t, 0, 1)
        gap = np.linalg.norm(P0 + s[..., None] * d1 - Q0 - t[..., None] * d2, axis=-1)
        length = np.sqrt(a_)
        tq = np.clip(np.sum((P1 - Q0) * d2, -1) / np.maximum(e_, 1e-12), 0, 1)
        inside = np.linalg.norm(P1 - Q0 - tq[..., None] * d2, axis=-1) < radius + 0.01
        blocked = (gap < radius) & (s * length < length - 0.02) & ~inside & ~own[None]
        out[i0:i0 + chunk] = blocked.any(axis=-1)
    out[:, [int(i) for i in _NEVER_HIDDEN]] = False
    return out


# -- entry point --------------------------------------------------------------------------------------
def catalog_name(exercise: str) -> str:
    """The catalog exercise a generator movement is (itself, or the one it is a variant of)."""
    return VARIANTS.get(exercise, exercise)


def _views(exercise: str) -> tuple[str, ...]:
    base = catalog_name(exercise)
    return (SUPPORTED_VIEWS.get(base, ()) + EXTRA_VIEWS.get(exercise, ())) or OUTSIDE_CATALOG_VIEWS[exercise]


def generator_views(exercise: str) -> tuple[str, ...]:
    """Every view the generator renders `exercise` from (the catalog's supported views and any extra)."""
    _check_exercise(exercise)
    return _views(exercise)


def _check_exercise(exercise: str) -> None:
    if exercise not in SUPPORTED_VIEWS and exercise not in OUTSIDE_CATALOG_VIEWS and exercise not in VARIANTS:
        raise ValueError(f"exercise must be one of {sorted(SUPPORTED_VIEWS)} (variants {sorted(VARIANTS)}) or, "
                         f"outside the catalog, "
                         f"{sorted(OUTSIDE_CATALOG_VIEWS)}; got {exercise!r}")


def _check_plan(exercise: str, plan: RepPlan) -> None:
    allowed = ("both",) if EXERCISE_MODELS[exercise].both_legs else SIDES
    applicable = APPLICABLE_FAULTS.get(catalog_name(exercise), ())
    for k, rep in enumerate(plan.reps):
        if rep.side not in allowed:
            raise ValueError(f"plan: rep {k} side {rep.side!r}; {exercise} reps are {' or '.join(allowed)}")
        bad = [f for f in rep.faults if f not in applicable]
        if bad:
            raise ValueError(f"plan: fault(s) {bad} in rep {k} do not apply to {exercise}; "
                             f"applicable: {list(applicable)}")
        if exercise == "jump_squat" and (rep.hold_s != 0 or rep.move_s < jump_min_move_s()):
            raise ValueError(f"plan: rep {k} of jump_squat needs hold_s 0 (the peak is the flight's apex) "
                             f"and move_s >= {jump_min_move_s():.2f} s, got {rep.hold_s}, {rep.move_s}")


def make_exercise_clip(exercise: str, view: str, plan: RepPlan | None = None, camera: CameraSpec | None = None,
                       recording: RecordingSpec | None = None) -> tuple[PoseTrack, ExerciseTruth]:
    """Render the athlete doing `exercise` seen from `view` to a PoseTrack, with its truth."""
    _check_exercise(exercise)
    if view not in _views(exercise):
        raise ValueError(f"view must be one of {_views(exercise)} for {exercise}, got {view!r}")
    plan = plan or default_plan(exercise)
    _check_plan(exercise, plan)
    camera = camera or CameraSpec()
    rec = recording or RecordingSpec()
    model = EXERCISE_MODELS[exercise]
    height, orient = _CAMERA_DEFAULTS[model.posture]
    walks_far = model.name in LUNGES and model.travel is not None   # walking lunges cross the room
    if exercise == "lateral_band_walk" or (walks_far and view == "side"):
        orient = "landscape"
    near = None
    if view == "side":
        near = camera.near_side or ("left" if plan.reps[0].side == "both" else plan.reps[0].side)
    segs, refs = _schedule(plan, model)
    # Lunges in place from 5 m: a step brings a foot 0.7 m nearer, and a near camera would see the bent
    # front knee obliquely enough to read a 15 deg inward knee as 10 deg.
    wide = model.name in LUNGES + STEP_UPS + ("lateral_lunge",)   # split, raised or spread: needs the room
    distance, shift = (4.0 if model.travel is not None else 5.0 if wide else 3.0), np.zeros(3)
    if walks_far:   # frame the whole walk: stand off, centre on it
        u = _view_axis(view, near)
        end = np.array(segs[-1].origin)
        distance = 3.5 + max(0.0, float(end @ u))
        shift = end / 2 - float(end / 2 @ u) * u
    clip = _Clip(model, Body(), plan, segs, refs, (), view, near, camera.distance_m or distance,
                 camera.height_m if camera.height_m is not None else height, camera.projection,
                 FRAME_SIZES[camera.orientation or orient], shift_m=tuple(float(v) for v in shift))
    clip = replace(clip, params=_solve_params(clip))

    n = int(math.floor(clip.duration_s * rec.fps + 1e-9)) + 1
    t = np.arange(n) / rec.fps
    cam = clip.camera_points(t)
    pinhole = camera.projection == "pinhole"
    if pinhole and np.min(cam[..., 2]) < 0.3:
        raise ValueError("camera: a landmark comes within 0.3 m of the camera; increase distance_m")
    clip = replace(clip, intrinsics=_fit_intrinsics(cam, clip.frame_size, camera.fill, pinhole))
    f = clip.intrinsics[0]
    xy = clip.project(cam)
    athlete_px = float(np.median(np.max(np.ptp(xy, axis=1), axis=-1)))
    hm = (cam[:, int(L.LEFT_HIP)] + cam[:, int(L.RIGHT_HIP)]) / 2
    px_per_m = f / hm[:, 2] if pinhole else np.full(n, f)
    z = (cam[..., 2] - hm[:, None, 2]) * px_per_m[:, None]
    world = cam - hm[:, None, :]
    body_px = f * clip.body.height_m / (clip.distance_m if pinhole else 1.0)

    truth = _truth(clip, body_px, athlete_px, rec.fps)

    rng = np.random.default_rng(rec.seed)
    hidden = _hidden(cam, pinhole)
    vis = np.where(hidden, rng.uniform(0.3, 0.6, hidden.shape), rng.uniform(0.95, 0.99, hidden.shape))
    sd = rec.noise_frac * athlete_px * np.where(hidden, rec.hidden_noise_factor, 1.0)
    xy = xy + rng.normal(0.0, 1.0, xy.shape) * sd[..., None]
    z = z + rng.normal(0.0, 1.0, z.shape) * 2 * sd
    world = world + rng.normal(0.0, rec.world_noise_m, world.shape)
    if rec.dropout_rate > 0:
        drop = rng.random(vis.shape) < rec.dropout_rate
        xy[drop], z[drop], world[drop], vis[drop] = np.nan, np.nan, np.nan, 0.0
    track = PoseTrack(t_s=t, xy_px=xy, z=z, visibility=vis, world_m=world,
                      frame_index=np.arange(n, dtype=np.int64), frame_size=clip.frame_size)
    return track, truth


def _truth(clip: _Clip, body_px: float, athlete_px: float, fps: float) -> ExerciseTruth:
    posture = clip.model.posture
    qviews = quantity_views(clip.model.name)
    reps = []
    for k, rep in enumerate(clip.plan.reps):
        start_s, peak_s, end_s = clip.rep_times(k)
        ref_s = clip.rep_seg(clip.refs[k]).t0
        # a quantity read on the way up (`_READ_Q`): when the rise's half-cosine reaches that phase
        read_s = {q: start_s + rep.move_s / 2 * math.acos(1 - 2 * _READ_Q[(q, clip.model.name)]) / math.pi
                  if (q, clip.model.name) in _READ_Q else peak_s for q in qviews}
        ortho = {}
        for q, views in qviews.items():
            m = clip.ortho_quantities(clip.body_points(np.array([ref_s, read_s[q]])), rep.side, views[0])
            keys = [f"{q}_{s}" for s in SIDES] if q in _PER_LEG else [q]
            ortho.update({key: m[key] for key in keys})
        values = _values({k2: v[:1] for k2, v in ortho.items()}, {k2: v[1:] for k2, v in ortho.items()}, qviews)
        seen = [q for q, views in qviews.items() if clip.view in views]
        image_values = FaultValues()
        if seen:
            m = {}
            for t_read in sorted({read_s[q] for q in seen}):
                now = clip.image_quantities(np.array([ref_s, t_read]), rep.side, ref_s)
                m.update({key: v for key, v in now.items()
                          if any(read_s[q] == t_read and (key == q or key.startswith(f"{q}_")) for q in seen)})
            image_values = _values({k2: v[:1] for k2, v in m.items()}, {k2: v[1:] for k2, v in m.items()}, seen)
        push_s = next((read_s[q] for q in qviews if read_s[q] != peak_s), math.nan)
        reps.append(RepTruth(rep.side, start_s, peak_s, end_s, rep.hold_s, rep.partial, rep.faults,
                             rep.amplitude, values, image_values, push_s))
    switches = tuple((s.t0, s.t1) for s in clip.segs if s.kind == "switch")
    sizes = {f: clip.plan.fault_size(f) for f in APPLICABLE_FAULTS.get(catalog_name(clip.model.name), ())}
    return ExerciseTruth(clip.model.name, clip.view, posture, fps, clip.frame_size, tuple(reps), switches,
                         clip.near_side, sizes, body_px, athlete_px, clip)


__all__ = [
    "APPLICABLE_FAULTS", "DEFAULT_FAULT_SIZE", "EXTRA_VIEWS", "FAULT_SIZE_RANGE", "FAULTS", "LUNGES",
    "OUTSIDE_CATALOG_VIEWS", "VARIANTS", "catalog_name",
    "QUANTITY_VIEWS", "fault_quantity", "generator_views", "quantity_views",
    "SUPPORTED_VIEWS",
    "CameraSpec", "ExerciseTruth", "FaultValues", "RecordingSpec", "RepPlan", "RepSpec", "RepTruth", "default_plan",
    "make_exercise_clip", "supporting_side", "unsupported_side",
]
