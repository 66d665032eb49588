"""Poses of the synthetic athlete (tests/synthetic_athlete.py): body, joint chains, one builder per exercise.

Body coordinates, metres: x anterior, y superior, z to the athlete's right, the axes of the athlete's
pelvis in the start pose. The room's up direction in these coordinates depends on the posture
(`ExerciseModel.up`): +y standing, +x supine, +z / -z side-lying with the right / left side on top,
-x on hands and knees; the floor is the plane up . p = 0 and the origin lies on the floor under the
start pose's hip-mid, so a camera is placed relative to the origin (tests/synthetic_athlete.py).

Joints (all in radians inside this module):
* hip, forward kinematics: R_thigh = R_pelvis . Rz(flexion) . Rx(-s . abduction) . Ry(s . internal
  rotation), s = +1 right / -1 left; the thigh hangs along -y of R_thigh, the knee bends the shank
  backwards (Rz(-knee flexion)), the ankle plantarflexes the foot (Rz(-plantar)); with the hip flexed
  90 deg, "abduction" turns the thigh about the body's long axis (the fire hydrant).
* planted legs, inverse kinematics: hip and ankle given; the knee lies in the plane through the
  hip-ankle line that contains the pole direction (the start pose's anterior axis standing), turned
  about the hip-ankle line towards the midline by the knee-cave swivel. The foot keeps its own
  orientation (flat on the floor).
* foot: heel 5 cm behind and 7 cm below the ankle, foot index 16 cm ahead and 7 cm below, in the
  foot's own frame (toe direction, sole normal).
* clamshell: the whole top leg turns about its hip-heel axis (hip abduction + external rotation with
  the heels kept together).

Each builder maps a `Drive` (per-sample rep phase, amplitude, fault sizes, travel origin) to
(N, 33, 3) landmarks in body coordinates. Fault geometry (what moves, about what axis):
* knee_cave: the swivel above (hip adduction + internal rotation with the foot planted);
* pelvic_drop: standing, the pelvis turns about the anterior axis through the supporting hip joint,
  the unsupported side down (`unsupported_side`); bridges, about the long (y) axis through the hip of
  the planted leg, the straight leg's side towards the floor;
* trunk_sway: the trunk turns about the anterior axis at the hip-mid, towards the supporting side;
* roll_back: side-lying, pelvis, trunk, head, arms and top leg turn rigidly about the long axis
  through the bottom hip joint, the top hip backwards;
* hip_hike: side-lying, the pelvis and top leg turn about the anterior axis through the bottom hip
  joint, the top hip towards the head; the trunk keeps its orientation (it side-bends).
* bridges: the trunk (shoulders fixed on the floor) turns up about the shoulders to `Drive.top`
  at the peak of a full rep; the short_of_neutral / back_arch targets only change that angle.

Added to the catalog later (docstrings of the builders, faults included): donkey_kick (quadruped,
sagittal hip extension with the knee bent; knee_angle_change opens the knee, pelvic_drop turns the
pelvis about the long axis), hip_thrust (posture "bench": the supine axes, x up, upper back on a
bench), forward_lunge, reverse_lunge, walking_lunge (and _dumbbells: arms hanging), step_up (and
_knee_drive; a 30 cm box under the working foot, the floor elsewhere), lateral_lunge (one foot slides
out to the side and that knee bends; knee_cave swivels it inward, pelvic_drop lowers the straight
leg's hip). Outside the catalog (no
faults): standing_kickback (a straight leg swung back from standing) and jump_squat (flight timed in
seconds: the apex is the rep's peak). Feet pitch about their FOOT_INDEX (heel up) where they push off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Callable

import numpy as np

from formcheck.landmarks import NUM_LANDMARKS
from formcheck.landmarks import Landmark as L

SIDES = ("left", "right")
SIGN = {"left": -1.0, "right": 1.0}
OTHER = {"left": "right", "right": "left"}
X = np.array([1.0, 0.0, 0.0])
Y = np.array([0.0, 1.0, 0.0])
Z = np.array([0.0, 0.0, 1.0])
# Face landmarks in the head frame (anterior, superior, right), metres from the head centre.
FACE = {
    L.NOSE: (0.10, 0.0, 0.0), L.LEFT_EYE_INNER: (0.09, 0.03, -0.015), L.LEFT_EYE: (0.085, 0.03, -0.03),
    L.LEFT_EYE_OUTER: (0.08, 0.03, -0.045), L.RIGHT_EYE_INNER: (0.09, 0.03, 0.015),
    L.RIGHT_EYE: (0.085, 0.03, 0.03), L.RIGHT_EYE_OUTER: (0.08, 0.03, 0.045),
    L.LEFT_EAR: (0.0, 0.01, -0.075), L.RIGHT_EAR: (0.0, 0.01, 0.075),
    L.MOUTH_LEFT: (0.085, -0.04, -0.02), L.MOUTH_RIGHT: (0.085, -0.04, 0.02),
}


@dataclass(frozen=True)
class Body:
    """Segment lengths of a ~1.75 m adult, metres (joint centres)."""

    thigh_m: float = 0.43
    shank_m: float = 0.43
    hip_width_m: float = 0.19
    shoulder_width_m: float = 0.38
    trunk_m: float = 0.50       # hip-mid to shoulder-mid
    neck_m: float = 0.24        # shoulder-mid to head centre
    upper_arm_m: float = 0.29
    forearm_m: float = 0.25
    ankle_height_m: float = 0.07
    height_m: float = 1.75

    @property
    def leg_m(self) -> float:
        return self.thigh_m + self.shank_m


@dataclass(frozen=True, eq=False)
class Drive:
    """Per-sample inputs of a pose builder, each (N,) (origin (N, 3)); angles in radians, the fault
    sizes already scaled by the rep's envelope (0 at rest, 1 at the peak).

    q: rep phase, 0 at rest -> 1 at the peak (held) -> 2 back at rest; walks use both halves (lead
    foot out, then the trail foot follows), every other exercise only e = min(q, 2 - q).
    amp: the rep's amplitude (1 full; a partial rep moves amp of the way). origin: where the rep
    started (walks travel). top: the peak of a full rep where it is solved for (bridges' and the hip
    thrust's trunk angle, the donkey kick's hip extension). move_s: the rep's movement time, seconds
    (the jump squat's flight is timed in seconds). knee: knee_angle_change (the donkey kick's knee
    opening); lean: forward_lean (the trunk's extra forward lean).
    """

    q: np.ndarray
    amp: np.ndarray
    origin: np.ndarray
    cave: np.ndarray
    drop: np.ndarray
    sway: np.ndarray
    roll: np.ndarray
    hike: np.ndarray
    top: np.ndarray
    move_s: np.ndarray
    knee: np.ndarray
    lean: np.ndarray

    @classmethod
    def make(cls, n: int, **values) -> "Drive":
        base = {f.name: np.zeros(n) for f in fields(cls)}
        base["amp"] = np.ones(n)
        base["origin"] = np.zeros((n, 3))
        base["top"] = np.full(n, BRIDGE_TOP_DEFAULT)
        base["move_s"] = np.full(n, 2.0)
        for key, val in values.items():
            shape = (n, 3) if key == "origin" else (n,)
            base[key] = np.broadcast_to(np.asarray(val, dtype=np.float64), shape).copy()
        return cls(**base)

    def __len__(self) -> int:
        return int(self.q.shape[0])

    @property
    def e(self) -> np.ndarray:
        return np.minimum(self.q, 2.0 - self.q)

    @property
    def prog(self) -> np.ndarray:
        return self.amp * self.e


# -- geometry ------------------------------------------------------------------------------------------
def rot(axis, angle) -> np.ndarray:
    """(N, 3, 3) rotations about `axis` ((3,) or (N, 3)) by `angle` (N,) radians, right-hand rule."""
    angle = np.atleast_1d(np.asarray(angle, dtype=np.float64))
    k = np.broadcast_to(np.asarray(axis, dtype=np.float64), angle.shape + (3,))
    k = k / np.linalg.norm(k, axis=-1, keepdims=True)
    K = np.zeros(angle.shape + (3, 3))
    K[..., 0, 1], K[..., 0, 2], K[..., 1, 2] = -k[..., 2], k[..., 1], -k[..., 0]
    K[..., 1, 0], K[..., 2, 0], K[..., 2, 1] = k[..., 2], -k[..., 1], k[..., 0]
    c, s = np.cos(angle)[..., None, None], np.sin(angle)[..., None, None]
    return c * np.eye(3) + s * K + (1 - c) * (k[..., :, None] * k[..., None, :])


def mv(R: np.ndarray, v) -> np.ndarray:
    """R (N, 3, 3) applied to v ((3,) or (N, 3))."""
    v = np.asarray(v, dtype=np.float64)
    return R @ v if v.ndim == 1 else np.einsum("nij,nj->ni", R, v)


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _eye(n: int) -> np.ndarray:
    return np.broadcast_to(np.eye(3), (n, 3, 3)).copy()


def two_link(root, target, l1: float, l2: float, pole, swivel=None, medial=None, strict: bool = True):
    """Middle joint (knee/elbow) and end of a 2-link chain from `root` towards `target` (N, 3).

    The middle joint lies on the side of the root-target line given by `pole` (N, 3) or (3,),
    turned about that line by `swivel` (N,) radians towards `medial`. A target out of reach raises
    (strict, 1 mm tolerance) or is clamped.
    """
    d = target - root
    dist = np.linalg.norm(d, axis=-1)
    if strict and np.any(dist > l1 + l2 + 1e-3):
        raise ValueError(f"a planted limb cannot reach its target ({float(np.max(dist)):.3f} m > {l1 + l2} m)")
    u = d / dist[:, None]
    dist = np.minimum(dist, l1 + l2 - 1e-7)
    a = (l1**2 - l2**2 + dist**2) / (2 * dist)
    h = np.sqrt(np.maximum(l1**2 - a**2, 0.0))
    pole = np.broadcast_to(np.asarray(pole, dtype=np.float64), d.shape)
    e1 = unit(pole - np.sum(pole * u, axis=-1, keepdims=True) * u)
    if swivel is not None:
        e2 = unit(np.cross(u, e1))
        med = np.broadcast_to(np.asarray(medial, dtype=np.float64), d.shape)
        e2 = np.where((np.sum(e2 * med, axis=-1) < 0)[:, None], -e2, e2)
        g = np.asarray(swivel, dtype=np.float64)[:, None]
        e1 = np.cos(g) * e1 + np.sin(g) * e2
    return root + a[:, None] * u + h[:, None] * e1, root + dist[:, None] * u


def _lm(side: str, name: str) -> int:
    return int(L[f"{side.upper()}_{name}"])


def _put_leg(pts, side, hip, knee, ankle, toe_dir, sole_up) -> None:
    """Hip, knee, ankle and the foot (heel, foot index) from the toe direction and the sole normal."""
    for name, p in (("HIP", hip), ("KNEE", knee), ("ANKLE", ankle)):
        pts[:, _lm(side, name)] = p
    pts[:, _lm(side, "HEEL")] = ankle - 0.05 * toe_dir - 0.07 * sole_up
    pts[:, _lm(side, "FOOT_INDEX")] = ankle + 0.16 * toe_dir - 0.07 * sole_up


def leg_fk(side, hip, R_pel, flex, abd, knee, plantar, body: Body, introt=0.0):
    """Knee, ankle, toe direction and sole normal of a leg from its joint angles (module docstring)."""
    s = SIGN[side]
    R = R_pel @ rot(Z, flex) @ rot(X, -s * np.asarray(abd)) @ rot(Y, s * np.asarray(introt))
    kn = hip + mv(R, (0.0, -body.thigh_m, 0.0))
    Rs = R @ rot(Z, -np.asarray(knee))
    an = kn + mv(Rs, (0.0, -body.shank_m, 0.0))
    Rf = Rs @ rot(Z, -np.asarray(plantar))
    return kn, an, Rf[:, :, 0], Rf[:, :, 1]


def _planted_leg(pts, side, hip, ankle, swivel, body: Body, pole=X, toe=X, sole=Y) -> None:
    medial = -SIGN[side] * Z
    knee, _ = two_link(hip, ankle, body.thigh_m, body.shank_m, pole, swivel, medial)
    n = hip.shape[0]
    _put_leg(pts, side, hip, knee, ankle, np.broadcast_to(toe, (n, 3)), np.broadcast_to(sole, (n, 3)))


def _hand(pts, side, wrist, along, palm) -> None:
    """Index, pinky and thumb around the wrist: fingers along `along`, `palm` roughly the palm normal."""
    lat = unit(np.cross(along, palm)) * SIGN[side]
    pts[:, _lm(side, "INDEX")] = wrist + 0.085 * along + 0.015 * lat
    pts[:, _lm(side, "PINKY")] = wrist + 0.075 * along - 0.035 * lat
    pts[:, _lm(side, "THUMB")] = wrist + 0.045 * along + 0.04 * lat + 0.015 * palm


def _arm(pts, side, target, pole, body: Body, finger=None) -> None:
    """Elbow, wrist and hand by inverse kinematics from the shoulder (already set) to a wrist target."""
    shoulder = pts[:, _lm(side, "SHOULDER")]
    elbow, wrist = two_link(shoulder, target, body.upper_arm_m, body.forearm_m, pole, strict=False)
    fore = unit(wrist - elbow)
    along = fore if finger is None else unit(np.broadcast_to(np.asarray(finger, dtype=np.float64), fore.shape))
    side_dir = unit(np.cross(fore, elbow - shoulder) + 1e-9 * Z)
    palm = unit(np.cross(along, side_dir) + 1e-9 * X)
    pts[:, _lm(side, "ELBOW")], pts[:, _lm(side, "WRIST")] = elbow, wrist
    _hand(pts, side, wrist, along, palm)


def _upper_body(pts, shoulder_mid, R_sh, R_head, body: Body) -> None:
    """Shoulders across R_sh's right axis, head above the shoulder-mid along R_head's superior axis."""
    half = R_sh[:, :, 2] * body.shoulder_width_m / 2
    pts[:, L.LEFT_SHOULDER], pts[:, L.RIGHT_SHOULDER] = shoulder_mid - half, shoulder_mid + half
    head = shoulder_mid + mv(R_head, (0.02, body.neck_m, 0.0))
    for lm, off in FACE.items():
        pts[:, lm] = head + mv(R_head, off)


def _pelvis(hip_mid0, R_fault, pivot_side: str, body: Body):
    """Hip joints of a pelvis (right axis +z) at hip_mid0 after R_fault about the pivot side's hip."""
    half = Z * body.hip_width_m / 2
    hips0 = {"left": hip_mid0 - half, "right": hip_mid0 + half}
    piv = hips0[pivot_side]
    hips = {s: piv + mv(R_fault, hips0[s] - piv) for s in SIDES}
    return hips, (hips["left"] + hips["right"]) / 2


def _nan_points(n: int) -> np.ndarray:
    return np.full((n, NUM_LANDMARKS, 3), np.nan)


# -- standing -----------------------------------------------------------------------------------------
def _stance_hip(knee_flex, shank_tilt, lateral: float, body: Body):
    """Sagittal hip-joint position (forward, height) over a planted ankle at (0, ankle height): the
    knee flexion fixes the hip-ankle distance, the shank's forward tilt the direction (hip above and
    a little behind the ankle), `lateral` the hip-ankle offset across the body."""
    l1, l2 = body.thigh_m, body.shank_m
    dist = np.sqrt(l1**2 + l2**2 + 2 * l1 * l2 * np.cos(knee_flex))
    hx = l2 * np.sin(shank_tilt) - l1 * np.sin(knee_flex - shank_tilt)
    hy = l2 * np.cos(shank_tilt) + l1 * np.cos(knee_flex - shank_tilt)
    lam = np.arctan2(hx, hy)
    ds = np.sqrt(np.maximum(dist**2 - lateral**2, 0.0))
    return ds * np.sin(lam), body.ankle_height_m + ds * np.cos(lam)


def _stand_upper(pts, hips, hip_mid, fwd, sway_left, body: Body, arm_flex=None) -> None:
    """Trunk leaning forward by `fwd` and towards the athlete's left by `sway_left`; hands on the
    hips, or arms reaching forward at `arm_flex` from vertical."""
    n = hip_mid.shape[0]
    R_tr = rot(X, -sway_left) @ rot(Z, -fwd)
    R_head = rot(X, -sway_left) @ rot(Z, -0.3 * fwd)
    _upper_body(pts, hip_mid + R_tr[:, :, 1] * body.trunk_m, R_tr, R_head, body)
    for side in SIDES:
        s = SIGN[side]
        if arm_flex is None:
            target = hips[side] + np.array([0.03, 0.10, s * 0.07])
            _arm(pts, side, target, np.array([-0.4, 0.0, s]), body)
        else:
            sh = pts[:, _lm(side, "SHOULDER")]
            reach = 0.52 * np.stack([np.sin(arm_flex), -np.cos(arm_flex), np.zeros(n)], axis=-1)
            _arm(pts, side, sh + reach, np.array([0.0, -1.0, s * 0.5]), body)


def squat(side: str, d: Drive, body: Body) -> np.ndarray:
    """Feet a little wider than the hips; knees 5 -> 90 deg, trunk 10 -> 45 deg forward, arms forward.
    knee_cave swivels both knees."""
    p, n = d.prog, len(d)
    kf = np.radians(5 + 85 * p)
    hx, hy = _stance_hip(kf, 0.45 * kf, 0.11 - body.hip_width_m / 2, body)
    hips, hm = _pelvis(d.origin + np.stack([hx, hy, np.zeros(n)], -1), _eye(n), "left", body)
    pts = _nan_points(n)
    for s in SIDES:
        _planted_leg(pts, s, hips[s], d.origin + np.array([0.0, body.ankle_height_m, SIGN[s] * 0.11]), d.cave, body)
    _stand_upper(pts, hips, hm, np.radians(10 + 35 * p), np.zeros(n), body, arm_flex=np.radians(30 + 60 * p))
    return pts


def single_leg_squat(side: str, d: Drive, body: Body) -> np.ndarray:
    """Stance on `side` (foot under the midline), the other foot lifted forward; knee 5 -> 65 deg."""
    p, n, free = d.prog, len(d), OTHER[side]
    kf = np.radians(5 + 60 * p)
    hx, hy = _stance_hip(kf, 0.45 * kf, body.hip_width_m / 2 - 0.03, body)
    R_drop = rot(X, d.drop * SIGN[free])   # + lowers the right hip
    hips, hm = _pelvis(d.origin + np.stack([hx, hy, np.zeros(n)], -1), R_drop, side, body)
    pts = _nan_points(n)
    _planted_leg(pts, side, hips[side], d.origin + np.array([0.0, body.ankle_height_m, SIGN[side] * 0.03]),
                 d.cave, body)
    kn, an, toe, sole = leg_fk(free, hips[free], R_drop, np.radians(35 + 20 * p), 0.0, np.radians(45),
                               np.radians(10), body)
    _put_leg(pts, free, hips[free], kn, an, toe, sole)
    _stand_upper(pts, hips, hm, np.radians(8 + 25 * p), np.zeros(n), body)
    return pts


def standing_hip_abduction(side: str, d: Drive, body: Body) -> np.ndarray:
    """Stand on the other leg; the straight `side` leg abducts 0 -> 35 deg."""
    p, n, stance = d.prog, len(d), OTHER[side]
    kf = np.full(n, np.radians(3))
    hx, hy = _stance_hip(kf, 0.5 * kf, 0.0, body)
    R_drop = rot(X, d.drop * SIGN[side])
    hips, hm = _pelvis(d.origin + np.stack([hx, hy, np.zeros(n)], -1), R_drop, stance, body)
    pts = _nan_points(n)
    ankle = d.origin + np.array([0.0, body.ankle_height_m, SIGN[stance] * body.hip_width_m / 2])
    _planted_leg(pts, stance, hips[stance], ankle, np.zeros(n), body)
    kn, an, toe, sole = leg_fk(side, hips[side], R_drop, 0.0, np.radians(35) * p, 0.0, 0.0, body)
    _put_leg(pts, side, hips[side], kn, an, toe, sole)
    _stand_upper(pts, hips, hm, np.full(n, np.radians(3)), d.sway * -SIGN[stance], body)
    return pts


# Walks: knees soft (30 deg), feet lifted 4 cm while they move; the lead/stepping foot moves in the
# first half of the rep (q 0 -> 1), the trail foot follows in the second (q 1 -> 2).
WALK_KNEE_DEG = 30.0
LATERAL_STEP_M = 0.28
MONSTER_STEP_M = (0.20, 0.08)   # forward, outward
MONSTER_HALF_WIDTH_M = 0.16


def _walk(side, d: Drive, body: Body, half_width: float, step_fwd: float, step_out: float) -> np.ndarray:
    n, trail, sig = len(d), OTHER[side], SIGN[side]
    q, amp = d.q, d.amp
    lead_f, trail_f = np.clip(q, 0, 1), np.clip(q - 1, 0, 1)
    kf = np.full(n, np.radians(WALK_KNEE_DEG))
    hx, hy = _stance_hip(kf, 0.4 * kf, half_width - body.hip_width_m / 2, body)
    fwd, out = step_fwd * amp, step_out * amp
    mid0 = d.origin + np.stack([hx + fwd * q / 2, hy, sig * out * q / 2], -1)
    R_drop = rot(X, d.drop * sig)
    hips, hm = _pelvis(mid0, R_drop, trail, body)
    pts = _nan_points(n)
    ah, lift = body.ankle_height_m, 0.04 * amp
    lead = d.origin + np.stack([fwd * lead_f, ah + lift * np.sin(np.pi * lead_f),
                                sig * (half_width + out * lead_f)], -1)
    back = d.origin + np.stack([fwd * trail_f, ah + lift * np.sin(np.pi * trail_f),
                                sig * (-half_width + out * trail_f)], -1)
    _planted_leg(pts, side, hips[side], lead, d.cave, body)
    _planted_leg(pts, trail, hips[trail], back, np.zeros(n), body)
    _stand_upper(pts, hips, hm, np.full(n, np.radians(10)), d.sway * SIGN[side], body)
    return pts


def lateral_band_walk(side: str, d: Drive, body: Body) -> np.ndarray:
    """Sideways steps towards `side`: the lead foot steps out 28 cm, the trail foot follows to hip width."""
    return _walk(side, d, body, body.hip_width_m / 2 + 0.005, 0.0, LATERAL_STEP_M)


def monster_walk(side: str, d: Drive, body: Body) -> np.ndarray:
    """Forward diagonal steps, feet wide: `side` steps 20 cm forward and 8 cm out, the other follows."""
    return _walk(side, d, body, MONSTER_HALF_WIDTH_M, *MONSTER_STEP_M)


def _travel_lateral(side: str, amp: float) -> np.ndarray:
    return np.array([0.0, 0.0, SIGN[side] * LATERAL_STEP_M * amp])


def _travel_monster(side: str, amp: float) -> np.ndarray:
    return np.array([MONSTER_STEP_M[0] * amp, 0.0, SIGN[side] * MONSTER_STEP_M[1] * amp])


# -- supine: bridges ----------------------------------------------------------------------------------
BRIDGE_SHOULDER_H = 0.07   # shoulder joints above the floor
BRIDGE_HIP_H = 0.09        # hip joints above the floor at rest
BRIDGE_TOP_DEFAULT = math.radians(25.0)


def _bridge_geometry(body: Body):
    """Shoulder-mid (up, along, 0), rest trunk angle and the ankles' y: the feet are placed so that at
    a neutral top (shoulder, hip, knee in line) the knees are bent 90 deg."""
    ys = math.sqrt(body.trunk_m**2 - (BRIDGE_HIP_H - BRIDGE_SHOULDER_H) ** 2)
    beta0 = math.asin((BRIDGE_HIP_H - BRIDGE_SHOULDER_H) / body.trunk_m)
    a, b = body.trunk_m + body.thigh_m, body.shank_m
    c = body.ankle_height_m - BRIDGE_SHOULDER_H
    beta = math.asin(c / math.hypot(a, b)) + math.atan2(b, a)
    ankle_y = ys - a * math.cos(beta) - b * math.sin(beta)
    return np.array([BRIDGE_SHOULDER_H, ys, 0.0]), beta0, ankle_y


def bridge_reach(body: Body) -> float:
    """Largest trunk angle (radians) at which the planted feet can still be reached."""
    sm, _, ankle_y = _bridge_geometry(body)
    beta = np.radians(np.arange(0.0, 89.0, 0.05))
    hip = sm[:2] + body.trunk_m * np.stack([np.sin(beta), -np.cos(beta)], -1)
    dist = np.hypot(np.hypot(hip[:, 0] - body.ankle_height_m, hip[:, 1] - ankle_y), 0.10 - body.hip_width_m / 2)
    return float(beta[np.nonzero(dist < body.leg_m - 2e-3)[0][-1]])


def bridge_rest_angle(body: Body) -> float:
    return _bridge_geometry(body)[1]


def _bridge(side: str, d: Drive, body: Body, single: bool) -> np.ndarray:
    n = len(d)
    sm0, beta0, ankle_y = _bridge_geometry(body)
    sm = d.origin + sm0
    beta = beta0 + d.prog * (d.top - beta0)
    mid0 = sm + body.trunk_m * np.stack([np.sin(beta), -np.cos(beta), np.zeros(n)], -1)
    work = side if single else "left"
    psi = d.drop * (-SIGN[OTHER[side]]) if single else np.zeros(n)   # rot(Y, psi): psi < 0 lowers the right hip
    hips, _ = _pelvis(mid0, rot(Y, psi), work, body)
    pts = _nan_points(n)
    planted = (side,) if single else SIDES
    for s in planted:
        ankle = d.origin + np.array([body.ankle_height_m, ankle_y, SIGN[s] * 0.10])
        _planted_leg(pts, s, hips[s], ankle, np.zeros(n), body, pole=X, toe=-Y, sole=X)
    if single:
        o = OTHER[side]
        u = unit(pts[:, _lm(side, "KNEE")] - hips[side])   # held straight, in line with the working thigh
        kn = hips[o] + body.thigh_m * u
        an = kn + body.shank_m * u
        toe = unit(X - np.sum(X * u, axis=-1, keepdims=True) * u)
        _put_leg(pts, o, hips[o], kn, an, toe, -u)
    R_rest = rot(Z, np.full(n, beta0))
    _upper_body(pts, sm, R_rest, R_rest, body)
    for s in SIDES:   # arms on the floor beside the trunk, palms down
        sg = SIGN[s]
        sh = pts[:, _lm(s, "SHOULDER")]
        elbow = sh + np.array([-0.02, -0.285, sg * 0.05])
        wrist = elbow + np.array([0.0, -0.245, sg * 0.02])
        pts[:, _lm(s, "ELBOW")], pts[:, _lm(s, "WRIST")] = elbow, wrist
        _hand(pts, s, wrist, np.broadcast_to(-Y, (n, 3)), np.broadcast_to(-X, (n, 3)))
    return pts


def glute_bridge(side: str, d: Drive, body: Body) -> np.ndarray:
    """Supine, knees bent, both feet down; the hips lift by hip extension (shoulders stay down)."""
    return _bridge(side, d, body, single=False)


def single_leg_bridge(side: str, d: Drive, body: Body) -> np.ndarray:
    """Supine, the `side` foot down, the other leg straight in line with the working thigh."""
    return _bridge(side, d, body, single=True)


# -- side-lying ---------------------------------------------------------------------------------------
SIDE_LYING_HIP_H = 0.09     # bottom hip joint above the floor
SIDE_LYING_TILT = math.asin(0.2)   # trunk rises towards the shoulders (bottom shoulder ~0.10 m up)
CLAM_OPEN_DEG = 45.0
SIDE_ABDUCTION_DEG = 35.0


def _side_lying(side: str, d: Drive, body: Body, clam: bool) -> np.ndarray:
    n, sig, bottom = len(d), SIGN[side], OTHER[side]
    w = body.hip_width_m
    p = d.prog
    mid0 = d.origin + np.array([0.0, 0.0, sig * (SIDE_LYING_HIP_H + w / 2)])
    R_roll = rot(Y, -sig * d.roll)
    R_fault = R_roll @ rot(X, -sig * d.hike)
    hips, hm = _pelvis(mid0, R_fault, bottom, body)
    piv = hips[bottom]
    pts = _nan_points(n)
    # Bottom leg on the floor (unaffected by the faults); top leg built at rest, then opened/abducted
    # and carried rigidly by the pelvis.
    if clam:
        angles = dict(flex=np.radians(45), knee=np.radians(90), plantar=np.radians(15))
        top_add = math.asin((w - 0.10) / body.thigh_m)   # top knee 10 cm above the bottom knee
        top_abd = np.full(n, -top_add)
    else:
        angles = dict(flex=0.0, knee=0.0, plantar=np.radians(10))
        top_add = math.asin((w - 0.08) / body.leg_m)      # top ankle 8 cm above the bottom ankle
        top_abd = -top_add + (np.radians(SIDE_ABDUCTION_DEG) + top_add) * p
    eye = _eye(n)
    kn, an, toe, sole = leg_fk(bottom, piv, eye, abd=0.0, body=body, **angles)
    _put_leg(pts, bottom, piv, kn, an, toe, sole)
    hip0 = mid0 + sig * Z * w / 2
    kn, an, toe, sole = leg_fk(side, hip0, eye, abd=top_abd, body=body, **angles)
    heel = an - 0.05 * toe - 0.07 * sole
    if clam:   # open about the hip-heel axis, the knee rising
        k = unit(heel - hip0)
        up = sig * Z
        sgn = np.sign(np.sum(np.cross(k, kn - hip0) * up, axis=-1))
        R_open = rot(k, sgn * np.radians(CLAM_OPEN_DEG) * p)
        kn, an = hip0 + mv(R_open, kn - hip0), hip0 + mv(R_open, an - hip0)
        toe, sole = mv(R_open, toe), mv(R_open, sole)
    kn, an = piv + mv(R_fault, kn - piv), piv + mv(R_fault, an - piv)
    _put_leg(pts, side, hips[side], kn, an, mv(R_fault, toe), mv(R_fault, sole))
    # Trunk, head and arms roll with the pelvis (not with the hike).
    R_tr = R_roll @ rot(X, np.full(n, sig * SIDE_LYING_TILT))
    R_head = R_roll @ rot(X, np.full(n, -sig * math.radians(10)))
    _upper_body(pts, hm + R_tr[:, :, 1] * body.trunk_m, R_tr, R_head, body)
    for s, target, pole in ((bottom, (0.20, 0.75, sig * 0.06), Y), (side, (0.28, 0.35, sig * 0.06), (0, 0.2, sig))):
        tgt = piv + mv(R_roll, d.origin + np.asarray(target) - piv)
        _arm(pts, s, tgt, mv(R_roll, np.asarray(pole, dtype=np.float64)), body)
    return pts


def clamshell(side: str, d: Drive, body: Body) -> np.ndarray:
    """Lying on the other side, hips 45 deg and knees 90 deg flexed, heels together; the `side`
    (top) knee opens 45 deg about the hip-heel axis (hip external rotation + abduction)."""
    return _side_lying(side, d, body, clam=True)


def side_lying_hip_abduction(side: str, d: Drive, body: Body) -> np.ndarray:
    """Lying on the other side, legs straight; the `side` (top) leg abducts to 35 deg."""
    return _side_lying(side, d, body, clam=False)


# -- quadruped ----------------------------------------------------------------------------------------
QUAD_HIP_H = 0.49
QUAD_SHOULDER_RISE = 0.08
HYDRANT_DEG = 45.0


def _quadruped_upper(pts, hip_mid, body: Body) -> None:
    """Trunk rising QUAD_SHOULDER_RISE to the shoulders, arms straight down to the hands."""
    n = hip_mid.shape[0]
    R_tr = rot(Z, np.full(n, math.asin(QUAD_SHOULDER_RISE / body.trunk_m)))
    _upper_body(pts, hip_mid + R_tr[:, :, 1] * body.trunk_m, R_tr, R_tr, body)
    for s in SIDES:
        sh = pts[:, _lm(s, "SHOULDER")]
        _arm(pts, s, sh + np.array([body.upper_arm_m + body.forearm_m - 0.005, 0.0, 0.0]), -Y, body, finger=Y)


def fire_hydrant(side: str, d: Drive, body: Body) -> np.ndarray:
    """Hands under the shoulders, knees under the hips; the bent `side` knee lifts sideways to 45 deg."""
    n = len(d)
    mid0 = d.origin + np.array([-QUAD_HIP_H, 0.0, 0.0])
    hips, hm = _pelvis(mid0, _eye(n), "left", body)
    pts = _nan_points(n)
    for s in SIDES:
        abd = np.radians(HYDRANT_DEG) * d.prog if s == side else 0.0
        kn, an, toe, sole = leg_fk(s, hips[s], _eye(n), np.radians(90), abd, np.radians(90), np.radians(60), body)
        _put_leg(pts, s, hips[s], kn, an, toe, sole)
    _quadruped_upper(pts, hm, body)
    return pts


# -- added later: donkey kick, lunges, hip thrust; outside the catalog: jump squat -------------------------
# Movements the glute catalog does not contain, for tests that must call them "another exercise".
def _smooth(x) -> np.ndarray:
    """Smoothstep of x clipped to [0, 1]: 0 -> 1 with zero slope at both ends."""
    x = np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def _foot_axes(pitch) -> tuple[np.ndarray, np.ndarray]:
    """Toe direction and sole normal (N, 3) of a forward-pointing foot pitched toes-down (heel up) by
    `pitch` (N,) radians."""
    c, s, z = np.cos(pitch), np.sin(pitch), np.zeros_like(pitch)
    return np.stack([c, -s, z], -1), np.stack([s, c, z], -1)


def _ankle_over_toe(pitch) -> np.ndarray:
    """(N, 2) sagittal ankle (forward, height) of a foot whose FOOT_INDEX stays on the floor at
    forward 0.16 m (where it lies with the foot flat and the ankle at forward 0), heel up by `pitch`."""
    toe, sole = _foot_axes(pitch)
    return np.array([0.16, 0.0]) - 0.16 * toe[:, :2] + 0.07 * sole[:, :2]


DONKEY_KICK_DEG = 90.0   # hip extension to horizontal; the default peak (in line with the trunk) is solved


def donkey_kick(side: str, d: Drive, body: Body) -> np.ndarray:
    """Hands and knees as the fire hydrant; the `side` knee stays bent 90 deg and the hip extends
    by `Drive.top` at the peak (solved so that the thigh lines up with the trunk, ang(S, H, K) =
    180 deg, unless short_of_neutral / back_arch set another angle) in the sagittal plane: the thigh
    goes back and up, the shank points at the ceiling. knee_angle_change opens the knee by
    `Drive.knee`; pelvic_drop turns the pelvis and the kicking leg about the long axis through the
    supporting hip, the kicking side up (the pelvis rotating open)."""
    n = len(d)
    R_pel = rot(Y, -SIGN[side] * d.drop)
    hips, hm = _pelvis(d.origin + np.array([-QUAD_HIP_H, 0.0, 0.0]), R_pel, OTHER[side], body)
    pts = _nan_points(n)
    for s in SIDES:
        ext = d.top * d.prog if s == side else np.zeros(n)
        knee = np.radians(90) - (d.knee if s == side else 0.0)
        kn, an, toe, sole = leg_fk(s, hips[s], R_pel if s == side else _eye(n), np.radians(90) - ext, 0.0, knee,
                                   np.radians(60), body)
        _put_leg(pts, s, hips[s], kn, an, toe, sole)
    _quadruped_upper(pts, hm, body)
    return pts


def donkey_rest_angle(body: Body) -> float:
    """Hip extension at rest (radians): none, the thigh under the hip."""
    return 0.0


def donkey_reach(body: Body) -> float:
    """Largest hip extension (radians) the generator renders: 150 deg (the thigh far past the trunk's line)."""
    return math.radians(150.0)


# Lunges: feet at hip width (each leg in its own sagittal plane), the front (`side`) foot steps
# LUNGE_STEP_LEGS leg lengths forward, both knees reach LUNGE_KNEE_DEG at the bottom with the rear
# foot on its toes (heel up LUNGE_HEEL_DEG), trunk near upright. A partial rep (amp) takes the same
# step and bends the knees and lifts the heel amp of the way. Stance legs by inverse kinematics to
# their planted feet, a swinging leg by forward kinematics (thigh and knee angles eased between its
# poses at lift-off and touch-down, the knee folding LUNGE_SWING_FOLD_DEG on the way for clearance).
LUNGE_STEP_LEGS = 0.8
LUNGE_KNEE_DEG = 90.0
LUNGE_LEAN_DEG = 0.0           # the trunk leans 4 deg throughout (forward_lean adds to it)
LUNGE_HEEL_DEG = 55.0
LUNGE_PUSH_HEEL_DEG = 65.0     # walking lunge: the rear heel rises further before the foot leaves the floor
LUNGE_TOUCH_KNEES_DEG = (15.0, 25.0)     # front, rear knee when the front foot touches down
LUNGE_LIFT_OFF_KNEES_DEG = (40.0, 35.0)  # walking lunge: front, rear knee when the rear foot lifts off
LUNGE_SWING_FOLD_DEG = 35.0
STAND_KNEE_DEG = 5.0


def lunge_step_m(body: Body) -> float:
    return LUNGE_STEP_LEGS * body.leg_m


def _knee_chord(knee_flex, body: Body) -> np.ndarray:
    """Hip-ankle distance at a knee flexion (radians)."""
    l1, l2 = body.thigh_m, body.shank_m
    return np.sqrt(l1**2 + l2**2 + 2 * l1 * l2 * np.cos(knee_flex))


def _stand_hip(body: Body) -> np.ndarray:
    """(2,) sagittal hip-joint position (forward, height) over an ankle at (0, ankle height), standing."""
    kf = np.radians([STAND_KNEE_DEG])
    hx, hy = _stance_hip(kf, 0.45 * kf, 0.0, body)
    return np.array([hx[0], hy[0]])


def _hip_between(rear, front, r_rear, r_front) -> np.ndarray:
    """(N, 2) hip above two sagittal ankles (rear behind front) at the given hip-ankle distances."""
    dv = front - rear
    dist = np.linalg.norm(dv, axis=-1)
    u = dv / dist[:, None]
    a = (r_rear**2 - r_front**2 + dist**2) / (2 * dist)
    h = np.sqrt(np.maximum(r_rear**2 - a**2, 0.0))
    return rear + a[:, None] * u + h[:, None] * np.stack([-u[:, 1], u[:, 0]], -1)


def _leg_angles(hip, ankle, body: Body) -> tuple[np.ndarray, np.ndarray]:
    """Sagittal thigh angle from straight down (+ = knee forward) and knee flexion, radians."""
    l1, l2 = body.thigh_m, body.shank_m
    dv = ankle - hip
    dist = np.minimum(np.linalg.norm(dv, axis=-1), l1 + l2)
    flex = np.pi - np.arccos(np.clip((l1**2 + l2**2 - dist**2) / (2 * l1 * l2), -1, 1))
    alpha = np.arccos(np.clip((l1**2 + dist**2 - l2**2) / (2 * l1 * dist), -1, 1))
    return np.arctan2(dv[:, 0], -dv[:, 1]) + alpha, flex


def _leg_ankle(hip, thigh, flex, body: Body) -> np.ndarray:
    """Sagittal ankle from the hip, thigh angle and knee flexion (the inverse of _leg_angles)."""
    knee = hip + body.thigh_m * np.stack([np.sin(thigh), -np.cos(thigh)], -1)
    return knee + body.shank_m * np.stack([np.sin(thigh - flex), -np.cos(thigh - flex)], -1)


def _swing(hip, lift_off, touch_down, s, body: Body) -> np.ndarray:
    """Ankle of a swinging leg at progress s (N,) in [0, 1] between its (thigh angle, flexion) at
    lift-off and at touch-down: the thigh leads, the knee folds on the way and extends last."""
    s = np.clip(s, 0.0, 1.0)
    thigh = lift_off[0] + (touch_down[0] - lift_off[0]) * _smooth(s / 0.7)
    flex = (lift_off[1] + (touch_down[1] - lift_off[1]) * _smooth(s)
            + np.radians(LUNGE_SWING_FOLD_DEG) * np.sin(np.pi * _smooth(s)))
    ankle = _leg_ankle(hip, thigh, flex, body)
    ankle[:, 1] = np.maximum(ankle[:, 1], body.ankle_height_m)   # short steps: no dip below the floor
    return ankle


def _ease3(y0, y1, y2, u) -> np.ndarray:
    """Monotone C1 curve through y0 (u = 0), y1 (u = 0.5) and y2 (u = 1), flat at both ends
    (piecewise cubic Hermite, harmonic-mean slope in the middle as PCHIP); all (N,)."""
    d0, d1 = (y1 - y0) / 0.5, (y2 - y1) / 0.5
    with np.errstate(divide="ignore", invalid="ignore"):
        m = np.where(d0 * d1 > 0, 2 * d0 * d1 / (d0 + d1), 0.0)
    first = u < 0.5
    t = np.clip(np.where(first, u / 0.5, (u - 0.5) / 0.5), 0.0, 1.0)
    ya, yb = np.where(first, y0, y1), np.where(first, y1, y2)
    ma, mb = np.where(first, 0.0, m), np.where(first, m, 0.0)
    h00, h10, h01, h11 = 2 * t**3 - 3 * t**2 + 1, t**3 - 2 * t**2 + t, -2 * t**3 + 3 * t**2, t**3 - t**2
    return h00 * ya + h10 * 0.5 * ma + h01 * yb + h11 * 0.5 * mb


def _polar(hip, ankle) -> tuple[np.ndarray, np.ndarray]:
    """Hip about an ankle: (angle from vertical, + = hip forward of the ankle; distance)."""
    dv = hip - ankle
    return np.arctan2(dv[:, 0], dv[:, 1]), np.linalg.norm(dv, axis=-1)


def _hip_over(ankle, keys, u) -> np.ndarray:
    """Hip over a planted ankle (N, 2), its (angle, distance) about the ankle eased through three
    keyframes (`_polar`): the leg never over-reaches between keyframes that do not."""
    ang = _ease3(keys[0][0], keys[1][0], keys[2][0], u)
    dist = _ease3(keys[0][1], keys[1][1], keys[2][1], u)
    return ankle + dist[:, None] * np.stack([np.sin(ang), np.cos(ang)], -1)


def _bottom_deg(d: Drive) -> np.ndarray:
    """Both knees' flexion at a full lunge's bottom, deg: `Drive.top` (radians) where the plan set it
    (short_of_depth), LUNGE_KNEE_DEG otherwise."""
    top = np.degrees(d.top)
    return np.where(np.isfinite(top) & (top > STAND_KNEE_DEG + 1.0) & (d.top != BRIDGE_TOP_DEFAULT), top,
                    LUNGE_KNEE_DEG)


def _lunge_sagittal(d: Drive, body: Body, walking: bool) -> dict[str, np.ndarray]:
    """Sagittal lunge state per sample relative to the rep's origin (the ankles at rest at forward 0):
    hip (N, 2), front and rear ankle (N, 2) with their heel pitch (N,), trunk lean (N,).

    Down (q 0 -> 1): the hip travels forward and down about the rear ankle (angle and distance eased
    from standing through the front foot's touch-down at q = 0.5 to the bottom), the front foot swings
    out and touches down, the rear heel rises. Up: the forward lunge retraces it; the walking lunge
    rises about the front ankle (eased from the bottom through the rear foot's lift-off at q = 1.5 to
    standing) while the rear heel rises further, then the rear foot swings through beside the front
    foot (the walker stands one step further on: the next rep's rest)."""
    n, amp = len(d), d.amp
    ah = body.ankle_height_m
    step = np.full(n, lunge_step_m(body))   # a partial rep steps out as far but bends amp of the way
    front_set = np.stack([step, np.full(n, ah)], -1)
    rest_ankle = np.broadcast_to(np.array([0.0, ah]), (n, 2))
    hip0 = np.broadcast_to(_stand_hip(body), (n, 2))
    stand = _leg_angles(hip0, rest_ankle, body)

    def knees(deg):
        return _knee_chord(np.radians(STAND_KNEE_DEG + (deg - STAND_KNEE_DEG) * amp), body)

    def rear_pitch(u):
        return np.radians(LUNGE_HEEL_DEG) * amp * _smooth((u - 0.2) / 0.8)

    rear_t, rear_b = _ankle_over_toe(rear_pitch(np.full(n, 0.5))), _ankle_over_toe(rear_pitch(np.ones(n)))
    hip_b = _hip_between(rear_b, front_set, knees(_bottom_deg(d)), knees(_bottom_deg(d)))
    hip_t = _hip_between(rear_t, front_set, knees(LUNGE_TOUCH_KNEES_DEG[1]), knees(LUNGE_TOUCH_KNEES_DEG[0]))
    u = np.minimum(d.q, 1.0) if walking else d.e
    pitch_r = rear_pitch(u)
    rear = _ankle_over_toe(pitch_r)
    hip = _hip_over(rear, (_polar(hip0, rest_ankle), _polar(hip_t, rear_t), _polar(hip_b, rear_b)), u)
    swing = _swing(hip, stand, _leg_angles(hip_t, front_set, body), u / 0.5, body)
    front = np.where((u < 0.5)[:, None], swing, front_set)
    pitch_f = np.zeros(n)
    lean = np.radians(4.0 + LUNGE_LEAN_DEG * amp * _smooth(u))
    if walking:
        r = np.clip(d.q - 1.0, 0.0, 1.0)
        push_o = np.radians(LUNGE_PUSH_HEEL_DEG) * amp
        pivot = np.radians(LUNGE_HEEL_DEG) * amp + (push_o - np.radians(LUNGE_HEEL_DEG) * amp) * _smooth(r / 0.5)
        rear_o = _ankle_over_toe(push_o)
        hip_o = _hip_between(rear_o, front_set, knees(LUNGE_LIFT_OFF_KNEES_DEG[1]),
                             knees(LUNGE_LIFT_OFF_KNEES_DEG[0]))
        hip_end = hip0 + np.stack([step, np.zeros(n)], -1)
        keys = (_polar(hip_b, front_set), _polar(hip_o, front_set), _polar(hip_end, front_set))
        hip2 = _hip_over(front_set, keys, r)
        s = np.clip((r - 0.5) / 0.5, 0.0, 1.0)
        swing2 = _swing(hip2, _leg_angles(hip_o, rear_o, body), stand, s, body)
        rear2 = np.where((r < 0.5)[:, None], _ankle_over_toe(pivot), swing2)
        pitch2 = np.where(r < 0.5, pivot, push_o * (1 - _smooth(s / 0.7)))
        up = d.q > 1.0
        hip = np.where(up[:, None], hip2, hip)
        rear = np.where(up[:, None], rear2, rear)
        pitch_r = np.where(up, pitch2, pitch_r)
        front = np.where(up[:, None], front_set, front)
        lean = np.where(up, np.radians(4.0 + LUNGE_LEAN_DEG * amp * (1 - _smooth(r))), lean)
    return dict(hip=hip, front=front, front_pitch=pitch_f, rear=rear, rear_pitch=pitch_r, lean=lean)


def _hanging_arms(pts, body: Body) -> None:
    """Arms hanging at the sides (holding dumbbells), elbows slightly bent backwards."""
    for side in SIDES:
        s = SIGN[side]
        sh = pts[:, _lm(side, "SHOULDER")]
        _arm(pts, side, sh + np.array([0.0, -0.52, s * 0.06]), np.array([-1.0, 0.0, 0.0]), body,
             finger=np.array([0.0, -1.0, 0.0]))


def _reverse_sagittal(d: Drive, body: Body) -> dict[str, np.ndarray]:
    """The reverse lunge, as `_lunge_sagittal`: the front foot stays flat at forward 0 while the rear
    foot swings back a step (its toes touch down at q = 0.5 and it rises onto them) and the hip
    travels back and down about the front ankle, eased through the same touch-down and bottom poses
    as the forward lunge's, a step further back; up retraces it."""
    n, amp = len(d), d.amp
    ah = body.ankle_height_m
    step = lunge_step_m(body)
    front = np.broadcast_to(np.array([0.0, ah]), (n, 2)).copy()
    hip0 = np.broadcast_to(_stand_hip(body), (n, 2))
    stand = _leg_angles(hip0, front, body)
    back = np.array([step, 0.0])

    def knees(deg):
        return _knee_chord(np.radians(STAND_KNEE_DEG + (deg - STAND_KNEE_DEG) * amp), body)

    def rear_pitch(u):
        return np.radians(LUNGE_HEEL_DEG) * amp * _smooth((u - 0.2) / 0.8)

    rear_t = _ankle_over_toe(rear_pitch(np.full(n, 0.5))) - back
    rear_b = _ankle_over_toe(rear_pitch(np.ones(n))) - back
    hip_b = _hip_between(rear_b, front, knees(_bottom_deg(d)), knees(_bottom_deg(d)))
    hip_t = _hip_between(rear_t, front, knees(LUNGE_TOUCH_KNEES_DEG[1]), knees(LUNGE_TOUCH_KNEES_DEG[0]))
    u = d.e
    pitch_r = rear_pitch(u)
    hip = _hip_over(front, (_polar(hip0, front), _polar(hip_t, front), _polar(hip_b, front)), u)
    swing = _swing(hip, stand, _leg_angles(hip_t, rear_t, body), u / 0.5, body)
    rear = np.where((u < 0.5)[:, None], swing, _ankle_over_toe(pitch_r) - back)
    lean = np.radians(4.0 + LUNGE_LEAN_DEG * amp * _smooth(u))
    return dict(hip=hip, front=front, front_pitch=np.zeros(n), rear=rear, rear_pitch=pitch_r, lean=lean)


def _lunge(side: str, d: Drive, body: Body, walking: bool, dumbbells: bool, reverse: bool = False) -> np.ndarray:
    """A lunge leading with `side`; faults: knee_cave swivels the front knee, pelvic_drop lowers the
    rear side's hip (the pelvis turns about the anterior axis through the front hip), forward_lean
    leans the trunk further forward; short_of_depth sets the bottom's knee angle (`_bottom_deg`)."""
    n, rear_side = len(d), OTHER[side]
    g = _reverse_sagittal(d, body) if reverse else _lunge_sagittal(d, body, walking)
    w2 = body.hip_width_m / 2

    def at(p2, s):   # sagittal (forward, height) -> body coordinates on side s
        return d.origin + np.stack([p2[:, 0], p2[:, 1], np.full(n, SIGN[s] * w2)], -1)

    hip_mid = d.origin + np.stack([g["hip"][:, 0], g["hip"][:, 1], np.zeros(n)], -1)
    hips, hm = _pelvis(hip_mid, rot(X, d.drop * SIGN[rear_side]), side, body)
    pts = _nan_points(n)
    for s, ankle, pitch in ((side, g["front"], g["front_pitch"]), (rear_side, g["rear"], g["rear_pitch"])):
        toe, sole = _foot_axes(pitch)
        _planted_leg(pts, s, hips[s], at(ankle, s), d.cave if s == side else np.zeros(n), body, toe=toe, sole=sole)
    _stand_upper(pts, hips, hm, g["lean"] + d.lean, np.zeros(n), body)
    if dumbbells:
        _hanging_arms(pts, body)
    return pts


def forward_lunge(side: str, d: Drive, body: Body) -> np.ndarray:
    """In place: the `side` foot steps forward 0.8 leg lengths, both knees bend to 90 deg (rear knee
    towards the floor, trunk upright), then push back to standing; hands on the hips."""
    return _lunge(side, d, body, walking=False, dumbbells=False)


def reverse_lunge(side: str, d: Drive, body: Body) -> np.ndarray:
    """In place: the `side` (front) foot stays, the other steps back 0.8 leg lengths onto its toes, both
    knees bend to 90 deg, then it steps back in; hands on the hips."""
    return _lunge(side, d, body, walking=False, dumbbells=False, reverse=True)


def walking_lunge(side: str, d: Drive, body: Body) -> np.ndarray:
    """As the forward lunge, travelling: rising, the rear foot comes through beside the front one and
    leads the next rep (the other side); hands on the hips."""
    return _lunge(side, d, body, walking=True, dumbbells=False)


def walking_lunge_dumbbells(side: str, d: Drive, body: Body) -> np.ndarray:
    """The walking lunge holding dumbbells, arms hanging at the sides."""
    return _lunge(side, d, body, walking=True, dumbbells=True)


def _travel_lunge(side: str, amp: float, body: Body = Body()) -> np.ndarray:
    return np.array([lunge_step_m(body), 0.0, 0.0])   # partial reps too (a full step, a shallow dip)


# Step-up: a box STEP_BOX_H high whose top takes the working foot with its ankle STEP_BOX_X ahead of the
# standing ankles. Up (q 0 -> 1): the working foot swings onto the box (first STEP_PLACE of the way), then
# the hips rise over it to standing on the box while the trailing foot pushes onto its toes (heel up to
# STEP_HEEL_DEG over the first STEP_LIFT of the rise) and swings up: beside the working foot on the box, or
# with knee drive, the thigh level and the shank vertical. Down retraces it. A partial rep (amp) rises amp
# of the way (the trailing toes stay down).
STEP_BOX_H = 0.30
STEP_BOX_X = 0.38
STEP_PLACE = 0.3
STEP_LIFT = 0.3
STEP_HEEL_DEG = 45.0


def _step_up(side: str, d: Drive, body: Body, knee_drive: bool) -> np.ndarray:
    n, trail = len(d), OTHER[side]
    ah, w2 = body.ankle_height_m, body.hip_width_m / 2
    u = d.e
    hip0 = np.broadcast_to(_stand_hip(body), (n, 2))
    floor = np.broadcast_to(np.array([0.0, ah]), (n, 2))
    box = np.broadcast_to(np.array([STEP_BOX_X, STEP_BOX_H + ah]), (n, 2))
    hip_top = hip0 + np.array([STEP_BOX_X, STEP_BOX_H])
    stand = _leg_angles(hip0, floor, body)
    # working foot: swings onto the box, then stays
    place = np.clip(u / STEP_PLACE, 0.0, 1.0)
    work = np.where((u < STEP_PLACE)[:, None], _swing(hip0, stand, _leg_angles(hip0, box, body), place, body), box)
    # the rise
    r = d.amp * np.clip((u - STEP_PLACE) / (1.0 - STEP_PLACE), 0.0, 1.0)
    hip = hip0 + _smooth(r)[:, None] * (hip_top - hip0)
    heel = np.radians(STEP_HEEL_DEG) * _smooth(r / STEP_LIFT)
    hip_lift = hip0 + _smooth(np.full(n, STEP_LIFT))[:, None] * (hip_top - hip0)
    lift = _leg_angles(hip_lift, _ankle_over_toe(np.full(n, np.radians(STEP_HEEL_DEG))), body)
    final = ((np.full(n, np.pi / 2), np.full(n, np.pi / 2)) if knee_drive else _leg_angles(hip_top, box, body))
    sw = np.clip((r - STEP_LIFT) / (1.0 - STEP_LIFT), 0.0, 1.0)
    trail_ankle = np.where((r <= STEP_LIFT)[:, None], _ankle_over_toe(heel), _swing(hip, lift, final, sw, body))
    trail_pitch = np.where(r <= STEP_LIFT, heel, np.radians(STEP_HEEL_DEG) * (1.0 - _smooth(sw)))

    def at(p2, s_):
        return d.origin + np.stack([p2[:, 0], p2[:, 1], np.full(n, SIGN[s_] * w2)], -1)

    hip_mid = d.origin + np.stack([hip[:, 0], hip[:, 1], np.zeros(n)], -1)
    hips, hm = _pelvis(hip_mid, rot(X, d.drop * SIGN[trail]), side, body)
    pts = _nan_points(n)
    toe, sole = _foot_axes(np.zeros(n))
    # knee_cave: full once the foot is on the step and held through the push (the envelope would still be
    # growing there); d.cave carries the envelope, so the rep's own size is d.cave / e.
    with np.errstate(divide="ignore", invalid="ignore"):
        cave = np.where(u > 1e-9, d.cave / np.maximum(u, 1e-9), 0.0) * np.clip(u / STEP_PLACE, 0.0, 1.0)
    _planted_leg(pts, side, hips[side], at(work, side), cave, body, toe=toe, sole=sole)
    toe, sole = _foot_axes(trail_pitch)
    _planted_leg(pts, trail, hips[trail], at(trail_ankle, trail), np.zeros(n), body, toe=toe, sole=sole)
    _stand_upper(pts, hips, hm, np.radians(6.0) + d.lean, np.zeros(n), body)
    return pts


def step_up(side: str, d: Drive, body: Body) -> np.ndarray:
    """The `side` foot steps onto a 30 cm box and the athlete stands up on it, the other foot coming up
    beside it; then steps back down. Hands on the hips; pelvic_drop lowers the trailing side's hip,
    forward_lean leans the trunk further forward."""
    return _step_up(side, d, body, knee_drive=False)


def step_up_knee_drive(side: str, d: Drive, body: Body) -> np.ndarray:
    """The step-up with knee drive: at the top the trailing thigh comes up level, the shank vertical."""
    return _step_up(side, d, body, knee_drive=True)


# Lateral lunge: from feet at hip width the `side` foot slides LATERAL_LUNGE_STEP_M out to the side
# (the first LATERAL_LUNGE_STEP_SHARE of the way to the peak, both legs straight), then that knee bends
# 5 -> 90 deg with the hips sitting back while the other leg stays straight (5 deg); back the same way.
LATERAL_LUNGE_STEP_M = 0.70
LATERAL_LUNGE_STEP_SHARE = 0.3
LATERAL_LUNGE_HIPS_BACK_M = 0.2
LATERAL_LUNGE_TRUNK_DEG = 25.0


def _hip_width_apart(step_out, kf_work, kf_other, hip_back, body: Body):
    """The working hip's distance out from the midline of the start stance (towards its foot) and its
    height, for the working ankle `step_out` further out than its start (under its hip) and both
    ankles on the floor: the two hip-ankle distances fixed by the knees, the pelvis level."""
    l1, l2, half = body.thigh_m, body.shank_m, body.hip_width_m / 2
    dw2 = l1**2 + l2**2 + 2 * l1 * l2 * np.cos(kf_work)
    do2 = l1**2 + l2**2 + 2 * l1 * l2 * np.cos(kf_other)
    out = half + step_out
    apart = out - half
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.where(apart > 1e-6, (out**2 - half**2 - (dw2 - do2)) / (2 * np.maximum(apart, 1e-6)), half)
    height = body.ankle_height_m + np.sqrt(np.maximum(do2 - hip_back**2 - (u - half)**2, 0.0))
    return u, height


def lateral_lunge(side: str, d: Drive, body: Body) -> np.ndarray:
    """Lateral lunge (side lunge) to `side`: the feet spread across the body, the `side` knee bends to
    90 deg over its foot (in the plane of its hip, ankle and toes), the other leg straight, the hips
    20 cm back, the trunk leaning forward up to 25 deg, arms reaching
    forward. knee_cave swivels the bending knee inward; pelvic_drop lowers the straight leg's hip;
    trunk_sway leans the trunk sideways."""
    p, n, other, s = d.prog, len(d), OTHER[side], SIGN[side]
    step = _smooth(p / LATERAL_LUNGE_STEP_SHARE) * LATERAL_LUNGE_STEP_M
    bend = _smooth((p - LATERAL_LUNGE_STEP_SHARE) / (1.0 - LATERAL_LUNGE_STEP_SHARE))
    back = -LATERAL_LUNGE_HIPS_BACK_M * bend
    u, hy = _hip_width_apart(step, np.radians(5 + 85 * bend), np.full(n, np.radians(5)), back, body)
    half = body.hip_width_m / 2
    hip_mid = d.origin + np.stack([back, hy, s * (u - half)], -1)
    hips, hm = _pelvis(hip_mid, rot(X, d.drop * SIGN[other]), side, body)
    pts = _nan_points(n)
    work_ankle = d.origin + np.stack([np.zeros(n), np.full(n, body.ankle_height_m), s * (half + step)], -1)
    _planted_leg(pts, side, hips[side], work_ankle, d.cave, body)
    _planted_leg(pts, other, hips[other], d.origin + np.array([0.0, body.ankle_height_m, -s * half]), np.zeros(n), body)
    _stand_upper(pts, hips, hm, np.radians(5 + (LATERAL_LUNGE_TRUNK_DEG - 5) * bend), d.sway * -SIGN[other], body,
                 arm_flex=np.radians(20 + 50 * bend))
    return pts


# Hip thrust (body coordinates as supine: x up, y towards the head; the floor is x = 0): upper back on
# a bench edge (shoulder joints HIP_THRUST_SHOULDER_H up), feet flat at hip width; the trunk turns
# about the shoulders from the hips low (rest) to a straight shoulder-hip-knee line with the knees
# at 90 deg (the top), where the feet are placed.
HIP_THRUST_SHOULDER_H = 0.40
HIP_THRUST_REST_HIP_H = 0.16


def hip_thrust_geometry(body: Body) -> tuple[np.ndarray, float, float, float]:
    """Shoulder-mid (3,), rest and top trunk angles (radians, hips above the shoulders > 0) and the
    ankles' y."""
    beta0 = math.asin((HIP_THRUST_REST_HIP_H - HIP_THRUST_SHOULDER_H) / body.trunk_m)
    ys = body.trunk_m * math.cos(beta0)
    a, b = body.trunk_m + body.thigh_m, body.shank_m
    top = math.asin((body.ankle_height_m - HIP_THRUST_SHOULDER_H) / math.hypot(a, b)) + math.atan2(b, a)
    ankle_y = ys - a * math.cos(top) - b * math.sin(top)
    return np.array([HIP_THRUST_SHOULDER_H, ys, 0.0]), beta0, top, ankle_y


def hip_thrust_reach(body: Body) -> float:
    """Largest trunk angle (radians) at which the planted feet can still be reached."""
    sm, _, _, ankle_y = hip_thrust_geometry(body)
    beta = np.radians(np.arange(-60.0, 89.0, 0.05))
    hip = sm[:2] + body.trunk_m * np.stack([np.sin(beta), -np.cos(beta)], -1)
    dist = np.hypot(hip[:, 0] - body.ankle_height_m, hip[:, 1] - ankle_y)
    return float(beta[np.nonzero(dist < body.leg_m - 2e-3)[0][-1]])


def hip_thrust(side: str, d: Drive, body: Body) -> np.ndarray:
    """Shoulders on the bench, feet on the floor, hands on a bar over the hips; the hips rise from near
    the floor to the trunk angle `Drive.top` (solved: the straight shoulder-hip-knee line, knees 90
    deg, unless short_of_neutral / back_arch set another angle) and lower again. knee_cave swivels
    both knees."""
    n = len(d)
    sm0, beta0, _, ankle_y = hip_thrust_geometry(body)
    sm = d.origin + sm0
    beta = beta0 + d.prog * (d.top - beta0)
    hips, hm = _pelvis(sm + body.trunk_m * np.stack([np.sin(beta), -np.cos(beta), np.zeros(n)], -1),
                       _eye(n), "left", body)
    pts = _nan_points(n)
    for s in SIDES:
        ankle = d.origin + np.array([body.ankle_height_m, ankle_y, SIGN[s] * body.hip_width_m / 2])
        _planted_leg(pts, s, hips[s], ankle, d.cave, body, pole=X, toe=-Y, sole=X)
    _upper_body(pts, sm, rot(Z, beta), rot(Z, beta - math.radians(35)), body)
    for s in SIDES:
        sg = SIGN[s]
        _arm(pts, s, hm + np.array([0.12, -0.04, sg * 0.26]), np.array([0.3, 0.0, sg]), body)
    return pts


# Jump squat: squat (knees 5 -> 90 deg), drive up onto the toes (heels JUMP_HEEL_DEG up, knees 5 deg)
# and leave the floor with the speed that carries the feet JUMP_HEIGHT_M up; the landing mirrors the
# take-off. The apex is the rep's peak (q = 1, no hold); time runs in seconds (Drive.move_s).
JUMP_HEIGHT_M = 0.15
JUMP_PUSH_S = 0.30
JUMP_HEEL_DEG = 35.0
GRAVITY_M_S2 = 9.81
JUMP_FEET_HALF_WIDTH_M = 0.11


def jump_flight_s() -> float:
    """Take-off to apex, seconds."""
    return math.sqrt(2.0 * JUMP_HEIGHT_M / GRAVITY_M_S2)


def jump_min_move_s() -> float:
    """Shortest move_s: flight, push-off and a 0.25 s descent each way."""
    return 2.0 * (jump_flight_s() + JUMP_PUSH_S + 0.25)


def jump_squat(side: str, d: Drive, body: Body) -> np.ndarray:
    """Squat, jump (feet 0.15 m off the floor at the apex), land, stand; partial reps (amp <= 0.5)
    are shallow squats without a jump. Arms forward as in the squat."""
    n = len(d)
    lateral = JUMP_FEET_HALF_WIDTH_M - body.hip_width_m / 2
    grid = np.radians(np.linspace(STAND_KNEE_DEG, 90.0, 512))
    gx, gy = _stance_hip(grid, 0.45 * grid, lateral, body)
    rise = gy - body.ankle_height_m                              # hip over the ankle, decreasing in flexion
    t_f, t_p = jump_flight_s(), JUMP_PUSH_S
    t_d = np.maximum(d.move_s / 2 - t_f - t_p, 1e-6)
    # seconds from the apex: q is a half-cosine of time on both sides of q = 1 (no hold)
    t_a = np.arccos(np.clip(2 * np.clip(d.e, 0, 1) - 1, -1, 1)) / np.pi * d.move_s / 2
    heel_to = math.radians(JUMP_HEEL_DEG)
    ank_to = _ankle_over_toe(np.array([heel_to]))[0]
    y_bottom, y_to = body.ankle_height_m + rise[-1], ank_to[1] + rise[0]
    v_to = GRAVITY_M_S2 * t_f
    tau = np.clip(1.0 - (t_a - t_f) / t_p, 0.0, 1.0)              # push-off: 0 at the bottom, 1 at take-off
    y_push = y_bottom + (y_to - y_bottom) * (3 * tau**2 - 2 * tau**3) + t_p * v_to * (tau**3 - tau**2)
    heel = np.where(t_a < t_f + t_p, heel_to * _smooth((tau - 0.3) / 0.7), 0.0)
    ank = _ankle_over_toe(heel)
    kf_push = np.interp(-(y_push - ank[:, 1]), -rise, grid)
    kf_down = np.radians(90.0) - (np.radians(90.0 - STAND_KNEE_DEG)) * _smooth((t_a - t_f - t_p) / t_d)
    kf = np.where(t_a < t_f, grid[0], np.where(t_a < t_f + t_p, kf_push, kf_down))
    lift = np.where(t_a < t_f, JUMP_HEIGHT_M - GRAVITY_M_S2 * t_a**2 / 2, 0.0)
    partial = d.amp < 0.9
    kf = np.where(partial, np.radians(STAND_KNEE_DEG + (90.0 - STAND_KNEE_DEG) * d.prog), kf)
    heel, lift = np.where(partial, 0.0, heel), np.where(partial, 0.0, lift)
    ank = _ankle_over_toe(heel)
    hx, hy = _stance_hip(kf, 0.45 * kf, lateral, body)
    hip_mid = d.origin + np.stack([ank[:, 0] + hx, ank[:, 1] + hy - body.ankle_height_m + lift, np.zeros(n)], -1)
    hips, hm = _pelvis(hip_mid, _eye(n), "left", body)
    pts = _nan_points(n)
    toe, sole = _foot_axes(heel)
    for s in SIDES:
        ankle = d.origin + np.stack([ank[:, 0], ank[:, 1] + lift, np.full(n, SIGN[s] * JUMP_FEET_HALF_WIDTH_M)], -1)
        _planted_leg(pts, s, hips[s], ankle, np.zeros(n), body, toe=toe, sole=sole)
    p = (kf - np.radians(STAND_KNEE_DEG)) / np.radians(90.0 - STAND_KNEE_DEG)
    _stand_upper(pts, hips, hm, np.radians(10 + 35 * p), np.zeros(n), body, arm_flex=np.radians(30 + 60 * p))
    return pts


# Standing kickback (a cable or band glute kickback; outside the catalog): stand on one leg, hands on the
# hips, the straight `side` leg swings back KICKBACK_DEG (hip extension) and returns.
KICKBACK_DEG = 35.0


def standing_kickback(side: str, d: Drive, body: Body) -> np.ndarray:
    """Stand on the other leg (knee 5 deg); the `side` leg, its knee kept at its standing 5 deg, swings
    back by KICKBACK_DEG of hip extension and returns, the foot kept level; the trunk leans
    forward 10 deg as the leg goes back."""
    p, n, stance = d.prog, len(d), OTHER[side]
    ah, w2 = body.ankle_height_m, body.hip_width_m / 2
    hip2 = np.broadcast_to(_stand_hip(body), (n, 2))
    hips, hm = _pelvis(d.origin + np.stack([hip2[:, 0], hip2[:, 1], np.zeros(n)], -1), _eye(n), stance, body)
    pts = _nan_points(n)
    _planted_leg(pts, stance, hips[stance], d.origin + np.array([0.0, ah, SIGN[stance] * w2]), np.zeros(n), body)
    # the free foot rests straight under its hip, so swinging back only ever raises it
    thigh, flex = _leg_angles(hip2, np.stack([hip2[:, 0], np.full(n, ah)], -1), body)
    thigh = thigh - np.radians(KICKBACK_DEG) * p
    knee2 = hip2 + body.thigh_m * np.stack([np.sin(thigh), -np.cos(thigh)], -1)
    ankle2 = _leg_ankle(hip2, thigh, flex, body)

    def at(p2):
        return d.origin + np.stack([p2[:, 0], p2[:, 1], np.full(n, SIGN[side] * w2)], -1)

    toe, sole = _foot_axes(np.zeros(n))   # the foot kept level, heel pushing back
    _put_leg(pts, side, hips[side], at(knee2), at(ankle2), toe, sole)
    _stand_upper(pts, hips, hm, np.radians(3 + 10 * p), np.zeros(n), body)
    return pts


# -- registry -----------------------------------------------------------------------------------------
_UP = {"standing": {"left": Y, "right": Y}, "supine": {"left": X, "right": X}, "bench": {"left": X, "right": X},
       "side_lying": {"left": -Z, "right": Z}, "quadruped": {"left": -X, "right": -X}}


@dataclass(frozen=True)
class ExerciseModel:
    """One exercise: its posture, pose builder, (walks) the travel of one step, whether its reps are
    two-legged ("both") and whether it alternates sides without a repositioning pause; `catalog`:
    False for the movements outside docs/exercises.md."""

    name: str
    posture: str
    build: Callable[[str, Drive, Body], np.ndarray]
    travel: Callable[[str, float], np.ndarray] | None = None
    both_legs: bool = False
    alternates: bool = False
    catalog: bool = True

    def up(self, side: str) -> np.ndarray:
        """Room up in body coordinates for a rep of `side` ("both" = as "left")."""
        return _UP[self.posture]["right" if side == "right" else "left"]


EXERCISE_MODELS: dict[str, ExerciseModel] = {
    m.name: m for m in (
        ExerciseModel("glute_bridge", "supine", glute_bridge, both_legs=True),
        ExerciseModel("single_leg_bridge", "supine", single_leg_bridge),
        ExerciseModel("clamshell", "side_lying", clamshell),
        ExerciseModel("side_lying_hip_abduction", "side_lying", side_lying_hip_abduction),
        ExerciseModel("standing_hip_abduction", "standing", standing_hip_abduction),
        ExerciseModel("squat", "standing", squat, both_legs=True),
        ExerciseModel("single_leg_squat", "standing", single_leg_squat),
        ExerciseModel("lateral_band_walk", "standing", lateral_band_walk, _travel_lateral),
        ExerciseModel("monster_walk", "standing", monster_walk, _travel_monster, alternates=True),
        ExerciseModel("fire_hydrant", "quadruped", fire_hydrant),
        ExerciseModel("donkey_kick", "quadruped", donkey_kick),
        ExerciseModel("hip_thrust", "bench", hip_thrust, both_legs=True),
        ExerciseModel("forward_lunge", "standing", forward_lunge, alternates=True),
        ExerciseModel("reverse_lunge", "standing", reverse_lunge, alternates=True),
        ExerciseModel("walking_lunge", "standing", walking_lunge, _travel_lunge, alternates=True),
        ExerciseModel("step_up", "standing", step_up),
        ExerciseModel("lateral_lunge", "standing", lateral_lunge, alternates=True),
        # variants (`synthetic_athlete.VARIANTS`)
        ExerciseModel("walking_lunge_dumbbells", "standing", walking_lunge_dumbbells, _travel_lunge,
                      alternates=True),
        ExerciseModel("step_up_knee_drive", "standing", step_up_knee_drive),
        # outside the catalog
        ExerciseModel("standing_kickback", "standing", standing_kickback, catalog=False),
        ExerciseModel("jump_squat", "standing", jump_squat, both_legs=True, catalog=False),
    )
}


def unsupported_side(exercise: str, side: str) -> str:
    """The side whose hip drops with pelvic_drop: the free leg's side in a single-leg squat or bridge,
    the supporting side in a donkey kick (the kicking hip rises), the rear leg's side in a lunge (the
    trailing leg's in a step-up, the straight leg's in a lateral lunge), the
    moving / stepping leg's side in
    standing hip abduction and the walks."""
    lunges = ("forward_lunge", "reverse_lunge", "walking_lunge", "walking_lunge_dumbbells", "step_up",
              "step_up_knee_drive", "lateral_lunge")
    return OTHER[side] if exercise in ("single_leg_squat", "single_leg_bridge", "donkey_kick") + lunges else side


def supporting_side(exercise: str, side: str) -> str:
    """The side the trunk leans towards with trunk_sway (the leg bearing the weight)."""
    return OTHER[side]
