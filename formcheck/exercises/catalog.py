"""The exercise library: one specification per exercise, one registry by name.

Everything the analysis knows about an exercise is here, as data: the
posture it is done in, the views it supports, its repetition signal, how a
rep's side is decided, what is checked per rep, the faults with their
thresholds, evidence levels and cue text, and what "good" looks like.
Vocabulary (views, sides, fault names): docs/exercises.md. Criteria:
METRICS.md §4. Cue text never claims muscle activation, weakness or injury
(METRICS.md §6); `formcheck.cues.rules.check_wording` checks every message.
"""

from __future__ import annotations

from dataclasses import dataclass

from formcheck.cues.rules import check_wording

VIEWS = ("side", "front", "rear", "foot_end")
POSTURES = ("standing", "supine", "side_lying", "quadruped")
# How a rep's side is decided (exercises.signals): both legs; the leg whose foot is down
# (lower ankle in the image); the top leg when side-lying (higher hip); the leg that moves more;
# the front leg of a lunge (its knee higher in the image at the bottom); the leg that steps up first.
# A lateral lunge's working leg is its 'moving_leg': the knee that bends (exercises.analysis).
SIDE_RULES = ("both", "lower_ankle", "higher_hip", "moving_leg", "stepping_leg", "front_leg", "leading_leg")
# Repetition signals (exercises.signals.REP_SIGNALS) and step detection for band walks.
PLANES = ("lateral", "sagittal", "any")
SIGNALS = ("bridge_height", "knee_separation", "leg_spread", "squat_depth", "thigh_abduction", "knee_rise", "knee_bend",
           "knee_flexion_3d", "body_rise", "steps")
# Where the shoulders are in a lying exercise done on the back: on the floor (bridges), raised on a
# bench (hip thrust), or not a criterion.
SHOULDERS = ("floor", "raised", "any")
# Standing exercises that step in place or travel with a split stance (exercises.stance): a forward
# lunge (the front foot steps out), a reverse lunge (the rear foot steps back), a walking lunge, a
# step-up (the body rises onto a step), a lateral lunge (one foot steps out to the side and that
# knee bends while the other leg stays straight).
STANCES = ("any", "lunge_forward", "lunge_back", "lunge_walking", "step_up", "lateral")

CHANGE_FAULT_DEG = 8.0  # METRICS.md §4 generic rule [H]: ≥ 2× the 2-D SEM of 2-4° (Gwynne & Curran 2014)
NEUTRAL_HIP_DEG = 180.0
SHORT_OF_NEUTRAL_DEG = 170.0  # [H] 10° short of neutral (Youdas et al. 2017: "bridge to neutral")
BACK_ARCH_DEG = 190.0  # [W] 10° past neutral: a lumbar-extension proxy only
# [H] Donkey kick: the thigh in line with the trunk (shoulder–hip–knee 180°) is the kick's neutral;
# the same 10° margins as the bridge. Past the line the lower back usually extends (a proxy [W]).
# [H] METRICS.md §4 "stance width ≥ hip width"; MediaPipe's hips are joint centres (~20 cm apart),
# so the ankles are compared with that distance, with a 20% margin for the 2-D error.
NARROW_STANCE_HIP_WIDTHS = 0.8
# Where in a rep a fault is read (FaultSpec.read_at).
READ_AT = ("top", "push")


@dataclass(frozen=True)
class FaultSpec:
    """A per-rep check.

    quantity: what is measured (exercises.checks.QUANTITIES); kind: 'change'
    (from the athlete's start pose, at least `limit` degrees either way),
    'below' or 'above' (the rep's peak value against an absolute limit);
    views: where the quantity is in the image plane; evidence: E/H/W;
    message: cue text with {reps}, {frames}, {value}; what_to_do: one
    option, worded as an option; read_at (READ_AT): where in the rep it is
    read: 'top' (the rep signal's peak window) or 'push' (on the way to the
    top, the working foot planted and its knee bent deepest: a step-up's
    push off the step).
    """

    name: str
    quantity: str
    kind: str
    limit: float
    views: tuple[str, ...]
    evidence: str
    message: str
    what_to_do: str
    read_at: str = "top"

    def __post_init__(self) -> None:
        if self.read_at not in READ_AT:
            raise ValueError(f"read_at must be one of {READ_AT}, got {self.read_at!r}")
        if self.kind not in ("change", "below", "above"):
            raise ValueError(f"kind must be change/below/above, got {self.kind!r}")
        if self.evidence not in ("E", "H", "W"):
            raise ValueError(f"evidence must be E, H or W, got {self.evidence!r}")
        if not set(self.views) <= set(VIEWS):
            raise ValueError(f"{self.name}: unknown views {set(self.views) - set(VIEWS)}")
        check_wording(self.message)
        check_wording(self.what_to_do)


@dataclass(frozen=True)
class ExerciseSpec:
    """One exercise.

    signal: the repetition signal; ranges: view (or 'default') -> (unit,
    min_range, good_range): the smallest excursion of the signal that counts
    as a rep and the excursion of a full rep [H], in the signal's unit for
    that view; knees: 'bent' (throughout), 'straight' (throughout),
    'bends' (during reps) or 'any'; travels: band walks step across the
    room; legs: 'both' (two feet down) or 'one' (one leg works alone);
    shoulders (SHOULDERS): on the floor (bridges) or raised on a bench (hip thrust), as the
    recognition tells them apart; stance (STANCES): the lunges' split stance and which foot steps;
    plane: where the moving leg goes relative to the body (PLANES): 'lateral' (along the
    body's left-right axis: a leg raised or a knee opened to the side, side steps),
    'sagittal' (forward-back and up-down: squats, bridges), or 'any'. A movement in the other
    plane is another exercise (a donkey kick is not a fire hydrant, a lunge is not a raise).
    """

    name: str
    title: str
    posture: str
    views: tuple[str, ...]
    signal: str
    ranges: dict
    side_rule: str
    knees: str
    travels: bool
    faults: tuple[FaultSpec, ...]
    good: str
    legs: str = "both"
    plane: str = "any"
    shoulders: str = "any"
    stance: str = "any"

    def __post_init__(self) -> None:
        if self.stance not in STANCES:
            raise ValueError(f"{self.name}: stance must be one of {STANCES}, got {self.stance!r}")
        if self.shoulders not in SHOULDERS:
            raise ValueError(f"{self.name}: shoulders must be one of {SHOULDERS}, got {self.shoulders!r}")
        if self.plane not in PLANES:
            raise ValueError(f"{self.name}: plane must be one of {PLANES}, got {self.plane!r}")
        if self.posture not in POSTURES:
            raise ValueError(f"{self.name}: posture must be one of {POSTURES}")
        if not set(self.views) <= set(VIEWS):
            raise ValueError(f"{self.name}: unknown views {set(self.views) - set(VIEWS)}")
        if self.knees not in ("bent", "straight", "bends", "any"):
            raise ValueError(f"{self.name}: knees must be bent/straight/bends/any, got {self.knees!r}")
        if self.signal not in SIGNALS or self.side_rule not in SIDE_RULES:
            raise ValueError(f"{self.name}: unknown signal {self.signal!r} or side rule {self.side_rule!r}")
        for view, (_, low, good) in self.ranges.items():
            if not 0 < low < good or view not in VIEWS + ("default",):
                raise ValueError(f"{self.name}: ranges[{view!r}] needs a known view and 0 < min < good")
        check_wording(self.good)

    def rep_range(self, view: str) -> tuple[str, float, float]:
        """(unit, min_range, good_range) of the repetition signal in this view."""
        return self.ranges.get(view, self.ranges["default"])

    def fault(self, name: str) -> FaultSpec:
        for f in self.faults:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no fault {name!r}; it has {[f.name for f in self.faults]}")


def _knee_in(views=("front", "rear")) -> FaultSpec:
    return FaultSpec(
        "knee_cave", "knee_fppa", "change", CHANGE_FAULT_DEG, views, "H",
        "The knee moved inward, toward the other leg, by {value} from your start position on {reps} "
        "(frames {frames}).",
        "One option: keep the knee in line over the middle of the foot as you move.")


def _pelvis_level(views=("front", "rear"),
                  what_to_do="One option: keep both sides of the pelvis level, as if carrying a tray on the hips.",
                  ) -> FaultSpec:
    return FaultSpec(
        "pelvic_drop", "pelvic_obliquity", "change", CHANGE_FAULT_DEG, views, "H",
        "The pelvis tilted sideways by {value} from your start position on {reps} (frames {frames}).", what_to_do)


def _trunk_still(limit: float = CHANGE_FAULT_DEG) -> FaultSpec:
    return FaultSpec(
        "trunk_sway", "trunk_lean", "change", limit, ("front", "rear"), "H",
        "The trunk leaned sideways by {value} from your start position on {reps} (frames {frames}).",
        "One option: keep the chest tall and the shoulders over the hips.")


def _roll(views=("foot_end",), what_to_do="One option: keep the top hip stacked over the bottom hip; "
                                          "a smaller opening is fine.") -> FaultSpec:
    return FaultSpec(
        "roll_back", "pelvis_roll", "change", CHANGE_FAULT_DEG, views, "H",
        "The pelvis rolled by {value} from its start position on {reps} (frames {frames}).", what_to_do)


def _stance_width() -> FaultSpec:
    return FaultSpec(
        "narrow_stance", "stance_width", "below", NARROW_STANCE_HIP_WIDTHS, ("front", "rear"), "H",
        "The feet came closer than hip width on {reps}: narrowest {value} (frames {frames}).",
        "One option: let the trailing foot stop about hip-width from the leading one.")


_BRIDGE_FAULTS = (
    FaultSpec("short_of_neutral", "hip_extension", "below", SHORT_OF_NEUTRAL_DEG, ("side",), "H",
              "The hips stopped short of a straight shoulder–hip–knee line on {reps}: peak {value} "
              "(frames {frames}); neutral is about 180°.",
              "One option: squeeze up until shoulders, hips and knees make one line."),
    FaultSpec("back_arch", "hip_extension", "above", BACK_ARCH_DEG, ("side",), "W",
              "The hips rose past a straight line on {reps}: peak {value} (frames {frames}); past 180° "
              "the lower back usually arches.",
              "One option: stop when shoulders, hips and knees make one line, ribs down."),
)

# Donkey kick, side view: the thigh against the line of the trunk (hip_extension_quadruped: 180 = in
# line, > 180 the knee above the trunk's line), and the knee kept at its start angle.
_KICK_FAULTS = (
    FaultSpec("short_of_neutral", "hip_extension_quadruped", "below", SHORT_OF_NEUTRAL_DEG, ("side",), "H",
              "The thigh stopped short of the line of the back on {reps}: peak {value} (frames {frames}); "
              "in line is about 180°.",
              "One option: lift the knee until the thigh lines up with the back."),
    FaultSpec("back_arch", "hip_extension_quadruped", "above", BACK_ARCH_DEG, ("side",), "W",
              "The thigh rose past the line of the back on {reps}: peak {value} (frames {frames}); past 180° "
              "the lower back usually arches.",
              "One option: stop when the thigh lines up with the back, belly drawn in."),
    FaultSpec("knee_angle_change", "knee_flexion", "change", CHANGE_FAULT_DEG, ("side",), "H",
              "The knee angle changed by {value} from your start position on {reps} (frames {frames}).",
              "One option: keep the knee bent at the same angle and lift from the hip."),
    _pelvis_level(("foot_end",), "One option: keep both hips level and facing the floor; lift only as high as "
                                 "they stay so."),
)
# Hip thrust from beyond the feet (facing the athlete): the shank's tilt in the image, + = knee
# inside the foot (knee_over_foot); the thigh is end-on there, so the knee's FPPA is not used.
_KNEE_OVER_FOOT = FaultSpec(
    "knee_cave", "knee_over_foot", "change", CHANGE_FAULT_DEG, ("foot_end",), "H",
    "The knee moved inward, inside the foot, by {value} from your start position on {reps} (frames {frames}).",
    "One option: keep the knees over the feet as the hips rise.")

# Lunges: the front knee over the foot (front), the pelvis level (front, rear), the trunk upright and
# the depth (side). [H] a full lunge bends the front knee to about 90°; 10° short of it is shallow.
LUNGE_DEPTH_DEG = 80.0
_LUNGE_FAULTS = (
    _knee_in(("front",)),
    _pelvis_level(),
    FaultSpec("forward_lean", "trunk_lean", "change", CHANGE_FAULT_DEG, ("side",), "H",
              "The trunk tilted forward or back by {value} from your start position on {reps} (frames {frames}).",
              "One option: keep the chest tall and the shoulders over the hips as you lower."),
    FaultSpec("short_of_depth", "knee_flexion", "below", LUNGE_DEPTH_DEG, ("side",), "H",
              "The front knee bent to {value} at the bottom on {reps} (frames {frames}); a full lunge reaches "
              "about 90°.",
              "One option: lower until the front thigh is about level with the floor, as far as is comfortable."),
)
_FORWARD_LEAN = _LUNGE_FAULTS[2]
# Lateral lunge, from the front or behind: the bending knee's FPPA (its knee bends in the plane of the
# hip-ankle line and the foot, which the front view sees edge-on: a knee on track stays on the line at
# any depth), the pelvis level and the trunk upright across. Depth is the rep's range (3-D knee
# flexion), not a fault: from the side the thigh runs along the camera's axis and its 2-D angle
# under-reads. The knee is forward of its hip and foot and 0.6-0.8 m off the camera's axis: from the
# front perspective moves it outward (a cave reads smaller, never invented), from behind inward
# (invented), so the knee is checked from the front only. The trunk leans 20-40° forward with the hips
# off the axis, which shows as a few degrees of sideways lean that is not there (synthetic, 25°
# forward: ~4° from 5 m, ~6° from 3 m); its limit is the generic 8° plus 4° for that.
LATERAL_LUNGE_TRUNK_DEG = CHANGE_FAULT_DEG + 4.0
_LATERAL_LUNGE_FAULTS = (_knee_in(("front",)), _pelvis_level(), _trunk_still(LATERAL_LUNGE_TRUNK_DEG))
# Lateral lunge: the bending knee's 3-D flexion (signals.knee_flexion_3d), deg; a full one ~90° [H].
LATERAL_LUNGE_RANGES = {"default": ("deg", 30.0, 70.0)}
# Step-up, from the front: the working knee over its foot (FPPA) read at the push off the step, the
# foot planted on it and the knee bent deepest (at the top the leg is straight and shows nothing; while
# the foot swings onto the step the knee bends further but carries no weight).
_STEP_UP_KNEE = FaultSpec(
    "knee_cave", "knee_fppa", "change", CHANGE_FAULT_DEG, ("front",), "H",
    "The working knee moved inward, toward the other leg, by {value} from your start position as you pushed up "
    "on {reps} (frames {frames}).",
    "One option: keep the knee over the middle of the foot on the step as you push up.", read_at="push")
# Step-up: the hips' rise in the image, leg lengths; a 20-30 cm step lifts them 0.25-0.35 [H].
STEP_UP_RANGES = {"default": ("leg lengths", 0.15, 0.3)}
# Lunges: the less bent knee's 3-D flexion (signals.knee_bend), deg: a full lunge bends both ~85° [H].
LUNGE_RANGES = {"default": ("deg", 30.0, 70.0)}

# Side view: the signed shoulder–hip–knee angle; feet end: the hip-mid lift in shoulder widths.
BRIDGE_RANGES = {"default": ("deg", 20.0, 45.0), "foot_end": ("shoulder widths", 0.25, 0.6)}
# Band walks: the widening of the stance during a step, in hip widths.
STEP_RANGES = {"default": ("hip widths", 0.5, 1.5)}

EXERCISES: dict[str, ExerciseSpec] = {s.name: s for s in (
    ExerciseSpec("glute_bridge", "Glute bridge", "supine", ("side", "foot_end"), "bridge_height",
                 BRIDGE_RANGES, "both", "bent", False, _BRIDGE_FAULTS + (_pelvis_level(("foot_end",)),),
                 "Hips rise until shoulders, hips and knees are in one line, then lower under control.",
                 plane="sagittal", shoulders="floor"),
    ExerciseSpec("single_leg_bridge", "Single-leg glute bridge", "supine", ("side", "foot_end"), "bridge_height",
                 BRIDGE_RANGES, "lower_ankle", "any", False, _BRIDGE_FAULTS + (_pelvis_level(("foot_end",)),),
                 "One foot down, the other leg straight; hips rise to a straight line and stay level.", legs="one",
                 plane="sagittal", shoulders="floor"),
    ExerciseSpec("clamshell", "Side-lying clamshell", "side_lying", ("front", "foot_end"), "knee_separation",
                 {"default": ("thigh lengths", 0.2, 0.6)}, "higher_hip", "bent", False, (_roll(),),
                 "Heels together, the top knee opens while the pelvis stays stacked.", legs="one",
                 plane="lateral"),
    ExerciseSpec("side_lying_hip_abduction", "Side-lying hip abduction", "side_lying", ("front", "foot_end"),
                 "leg_spread", {"default": ("deg", 12.0, 35.0)}, "higher_hip", "straight", False,
                 (_roll(), FaultSpec(
                     "hip_hike", "pelvis_roll", "change", CHANGE_FAULT_DEG, ("front",), "H",
                     "The top hip moved toward the ribs: the pelvis tilted by {value} on {reps} (frames {frames}).",
                     "One option: keep the waist long and lift only as high as the pelvis stays still.")),
                 "The straight top leg lifts in line with the body while the pelvis stays still.", legs="one",
                 plane="lateral"),
    ExerciseSpec("standing_hip_abduction", "Standing hip abduction", "standing", ("front", "rear"), "leg_spread",
                 {"default": ("deg", 12.0, 30.0)}, "moving_leg", "straight", False, (_pelvis_level(), _trunk_still()),
                 "The straight leg lifts sideways while the trunk stays upright and the pelvis level.", legs="one",
                 plane="lateral"),
    ExerciseSpec("squat", "Bodyweight squat", "standing", ("side", "front"), "squat_depth",
                 {"default": ("leg lengths", 0.12, 0.35)}, "both", "bends", False, (_knee_in(("front",)),),
                 "Hips sit back and down with the knees tracking over the feet, then stand tall.", plane="sagittal"),
    ExerciseSpec("single_leg_squat", "Single-leg squat / step-down", "standing", ("front", "side"), "squat_depth",
                 {"default": ("leg lengths", 0.05, 0.15)}, "lower_ankle", "bends", False,
                 (_knee_in(("front",)), _pelvis_level(("front",))),
                 "The stance knee bends over the middle of the foot and the pelvis stays level.", legs="one",
                 plane="sagittal"),
    ExerciseSpec("lateral_band_walk", "Lateral band walk", "standing", ("front", "rear"), "steps", STEP_RANGES, "stepping_leg", "any", True,
                 (_knee_in(), _pelvis_level(), _trunk_still(), _stance_width()),
                 "Soft knees, feet at least hip-width apart, steps sideways with a level pelvis and a quiet trunk.",
                 plane="lateral"),
    ExerciseSpec("monster_walk", "Monster walk", "standing", ("front", "rear"), "steps", STEP_RANGES, "stepping_leg", "any", True, (_knee_in(), _pelvis_level(), _trunk_still()),
                 "Soft knees, feet wide, diagonal steps with a level pelvis and a quiet trunk."),
    ExerciseSpec("fire_hydrant", "Fire hydrant", "quadruped", ("foot_end",), "thigh_abduction", {"default": ("deg", 15.0, 45.0)}, "moving_leg", "bent", False,
                 (_roll(("foot_end",), "One option: keep the pelvis level and lift only as high as it stays so."),),
                 "On hands and knees, the bent leg lifts sideways while the pelvis stays level.", legs="one",
                 plane="lateral"),
    ExerciseSpec("donkey_kick", "Donkey kick", "quadruped", ("side", "foot_end"), "knee_rise",
                 {"default": ("thigh lengths", 0.3, 0.8)}, "moving_leg", "bent", False, _KICK_FAULTS,
                 "On hands and knees, the bent leg lifts back until the thigh lines up with the back; the knee "
                 "angle and the pelvis stay as they were.", legs="one", plane="sagittal"),
    ExerciseSpec("hip_thrust", "Hip thrust", "supine", ("side", "foot_end"), "bridge_height", BRIDGE_RANGES, "both",
                 "bent", False, _BRIDGE_FAULTS + (_KNEE_OVER_FOOT,),
                 "Upper back on a bench, the hips rise until shoulders, hips and knees are in one line, knees over "
                 "the feet.", plane="sagittal", shoulders="raised"),
    ExerciseSpec("forward_lunge", "Forward lunge", "standing", ("side", "front", "rear"), "knee_bend",
                 LUNGE_RANGES, "front_leg", "bends", False, _LUNGE_FAULTS,
                 "One foot steps forward, both knees bend to about 90° with the front knee over the foot, the "
                 "trunk tall, then push back.", legs="one", plane="sagittal", stance="lunge_forward"),
    ExerciseSpec("reverse_lunge", "Reverse lunge", "standing", ("side", "front", "rear"), "knee_bend",
                 LUNGE_RANGES, "front_leg", "bends", False, _LUNGE_FAULTS,
                 "One foot steps back, both knees bend to about 90° with the front knee over the foot, the "
                 "trunk tall, then step in.", legs="one", plane="sagittal", stance="lunge_back"),
    ExerciseSpec("walking_lunge", "Walking lunge", "standing", ("side", "front", "rear"), "knee_bend",
                 LUNGE_RANGES, "front_leg", "bends", False, _LUNGE_FAULTS,
                 "Lunge forward, rise over the front foot and bring the back foot through into the next lunge, "
                 "trunk tall.", legs="one", plane="sagittal", stance="lunge_walking"),
    ExerciseSpec("step_up", "Step-up (with or without knee drive)", "standing", ("side", "front", "rear"), "body_rise",
                 STEP_UP_RANGES, "leading_leg", "bends", False,
                 (_STEP_UP_KNEE,
                  _pelvis_level(what_to_do="One option: keep the pelvis level as you stand up on the step, as if "
                                           "carrying a tray on the hips."), _FORWARD_LEAN),
                 "One foot on the step, stand up over it with the pelvis level and the trunk tall, then step "
                 "down under control.", legs="one", plane="sagittal", stance="step_up"),
    ExerciseSpec("lateral_lunge", "Lateral lunge (side lunge)", "standing", ("front", "rear"), "knee_flexion_3d",
                 LATERAL_LUNGE_RANGES, "moving_leg", "bends", False, _LATERAL_LUNGE_FAULTS,
                 "One foot steps out to the side, that knee bends over the foot while the other leg stays "
                 "straight, hips back, trunk tall, then push back.", legs="one", plane="any",
                 stance="lateral"),
)}

FAULT_LABELS = {"knee_cave": "Knee moving inward", "pelvic_drop": "Pelvis tilting sideways",
                "trunk_sway": "Trunk leaning sideways", "roll_back": "Pelvis rolling", "hip_hike": "Top hip hiking",
                "short_of_neutral": "Hips short of neutral", "back_arch": "Hips past neutral",
                "narrow_stance": "Feet closer than hip width", "knee_angle_change": "Knee angle changing",
                "forward_lean": "Trunk tilting forward", "short_of_depth": "Front knee short of 90°"}
VIEW_WORDS = {"side": "from the side", "front": "from the front", "rear": "from behind",
              "foot_end": "from the feet end (behind, on hands and knees)"}


def exercise_spec(name: str) -> ExerciseSpec:
    """The specification by name; an unknown name raises with the valid list."""
    try:
        return EXERCISES[name]
    except KeyError:
        raise ValueError(f"unknown exercise {name!r}; known: {', '.join(EXERCISES)}") from None
