"""A kinematic model of a runner (or walker) with exact known answers, for event and metric tests.

The model (metres, seconds; x forward, y up, z to the runner's right)
--------------------------------------------------------------------
* Timeline: stride period T = 120 / cadence; the right foot contacts at
  `start_phase_s + k·T`, the left half a stride later; each contact lasts
  CT = duty_factor·T, so running (duty factor < 0.5) has a flight phase and
  walking (> 0.5) double support.
* Stance (contact to toe-off), in the frame of the pelvis: a rigid foot
  (heel, ankle, foot-index points) rolls on the ground. Rearfoot strike:
  it pivots about the heel from the strike angle to flat, stays flat, then
  pivots about the foot index to the toe-off angle. Forefoot strike: it
  pivots about the foot index to flat first. The ground point under the
  foot slides backwards at the running speed v (the belt on a treadmill;
  overground the pelvis moves forward at v and the foot stays put). The
  knee flexion θ(t) is prescribed: θ_contact -> θ_peak (at
  `knee_peak_at`·CT) -> θ_toe-off, with zero slope at toe-off, so the knee
  is straightest exactly at toe-off (Fellin et al. 2010 found peak knee
  extension within ~5 ms of toe-off). The hip height then follows from
  the leg length that θ implies (|hip - ankle|² = t² + s² + 2ts·cos θ), and
  the knee is placed by 2-link inverse kinematics from hip and ankle with
  fixed thigh/shank lengths, so knee angles are exact and the stance foot
  never leaves (or sinks into) the ground.
* v comes out of the geometry: heel `overstride` leg lengths ahead of the
  hip at contact, foot index under the toe-off pose (thigh and knee angles)
  at toe-off, CT in between.
* Swing (toe-off to next contact): the ankle's height above the ground
  and its position relative to the hips are Hermite curves that continue
  the stance's position and velocity at toe-off (a smooth lift-off), rise
  to `swing_ankle_height_m`, and reach furthest forward at contact: on
  real clips, the heel's furthest reach ahead of the hips in MediaPipe's
  landmarks is the frame the eye sees the foot land (home_treadmill_run_
  side.mp4: 33 of its 34 contacts marked by eye within a frame, mean +5
  ms; formcheck.events.stepping), so the default `reach_lead_s` is 0 and
  the foot lands moving with the hips, then slows to the ground's speed
  over `landing_slide_s` (0.05 s: on that clip the heel's speed over the
  belt falls from about the hips' to nothing over about two frames at 30
  fps, frames 14-17), so the heel turns back smoothly at contact, as real
  heels do (on the real clip its reach comes at the same frame before and
  after the clean stage's low-pass; here, ~5 ms earlier after it). With `reach_lead_s` > 0 it reaches
  furthest forward that long before contact, then retracts (quadratically)
  and lands moving forward over the ground at `touchdown_forward_m_s`; it
  lands moving down at `touchdown_speed_m_s`, with the foot angle still. The foot slap about the
  heel that starts at contact stops the heel abruptly (the "end of
  downward velocity" of METRICS.md §1). The knee is placed by inverse
  kinematics in swing too.
* Pelvis: hip-mid height from the stance leg; in flight a Hermite curve
  (matching heights and velocities) plus a bump sized for the vertical
  oscillation; in double support (walking) the lower of the two legs'
  heights, the other knee then bends more than prescribed (still exact,
  since every stance knee is placed by inverse kinematics). Frontal-plane
  pelvic obliquity: the swing side drops by `pelvic_drop_deg` at midstance.
* Upper body: trunk leaning forward, arms swinging against the legs with
  bent elbows, head with all face landmarks.

Cameras: SIDE (runner facing image-left or -right, near side left or
right), REAR or FRONT; pinhole at `distance_m` or orthographic. Recording:
any fps (or explicit / variable frame times), treadmill or overground, pixel
noise, random dropouts (NaN + visibility 0), low far-side visibility as
MediaPipe gives in side views, the far leg lost for spans of time (side
view), leg label swaps, and repeated pictures; one seeded generator.

Repeated pictures (`Recording.hold_frames`, `Recording.repeat_every`): the
clip's frames keep their times (1/fps apart), but not every frame shows a new
picture. Pictures are captured evenly, at fps / hold_frames (slow motion
stored by showing each picture `hold_frames` times) or at fps·(N-1)/N with
`repeat_every` = N (a frame-rate conversion such as 25 -> 30 fps, N = 6), and
every frame shows the latest picture captured by its time, so a repeated row
is an exact copy of the row before it (landmarks, noise, dropouts and all).
The motion runs in video time: the truth's events are those of the
underlying motion, at the video time they happen, whatever the pictures.

Truth: contact and toe-off times per foot, and per-stride metric values
computed from the noise-free landmarks at the exact (continuous) event
times with the METRICS.md §1 formulas (`formcheck.kinematics.angles`);
which rows repeat the picture before them, and when each row's picture was
captured. A detector that reads pictures cannot see an event before the
first picture captured at or after it: with held pictures the best it can do
is the first frame showing that picture (`RunnerTruth.first_frame_showing`),
up to `hold_frames` frames after the true time. With `repeat_every` the
pictures are captured evenly, so the true event times stay reachable by
retiming the new pictures evenly; each first shows up to a frame after its
capture (0, 0.8, 0.6, 0.4, 0.2 frame for N = 6: 0.4 on average), so a line
through the first showings alone runs that much late.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from formcheck.kinematics.angles import (
    knee_flexion_deg,
    segment_angle_to_horizontal_deg,
    shank_angle_deg,
    thigh_angle_deg,
    trunk_lean_deg,
)
from formcheck.landmarks import NUM_LANDMARKS
from formcheck.landmarks import Landmark as L
from formcheck.track import PoseTrack

SIDES = ("left", "right")
LEG = {side: (L[f"{side.upper()}_HIP"], L[f"{side.upper()}_KNEE"], L[f"{side.upper()}_ANKLE"],
              L[f"{side.upper()}_HEEL"], L[f"{side.upper()}_FOOT_INDEX"]) for side in SIDES}
LEG_SWAP_PAIRS = tuple(zip(LEG["left"], LEG["right"]))
# Foot in its own frame (ankle at the origin, flat foot, x forward, y up), metres.
HEEL_F = np.array([-0.05, -0.07])
TOE_F = np.array([0.16, -0.07])
FOOT_LEN = float(TOE_F[0] - HEEL_F[0])
FINE_HZ = 2000.0  # grid on which the truth takes extrema and means
FAR_HIDDEN_S = (0.2, 0.6)  # shortest and longest span with the far leg lost (Recording.far_hidden_share)


@dataclass(frozen=True)
class RunnerParams:
    """Gait and body of the synthetic runner. Angles in degrees, lengths in metres.

    Defaults: an easy run at 170 steps/min, 35% duty factor (~2.9 m/s).
    """

    cadence_spm: float = 170.0
    duty_factor: float = 0.35
    knee_contact_deg: float = 20.0
    knee_peak_stance_deg: float = 42.0
    knee_toe_off_deg: float = 14.0
    knee_peak_at: float = 0.42        # fraction of stance
    thigh_toe_off_deg: float = -18.0  # φT at toe-off, negative = behind the hip
    overstride: float = 0.16          # heel ahead of the hip at contact, leg lengths (thigh + shank)
    foot_strike_deg: float = 10.0     # heel -> foot-index line above horizontal at contact (+ rearfoot)
    foot_toe_off_deg: float = -38.0
    foot_flat_at: float = 0.12        # fraction of stance when the foot is flat
    heel_off_at: float = 0.5          # fraction of stance when the heel rises
    swing_ankle_height_m: float = 0.42  # highest ankle in swing (heel towards the buttocks)
    swing_peak_at: float = 0.4        # fraction of swing when the ankle is highest
    reach_lead_s: float = 0.0         # the heel is furthest ahead of the hips this long before contact
    landing_slide_s: float = 0.05     # (reach_lead_s 0) the heel's speed over the ground falls to 0 over this
    touchdown_forward_m_s: float = 0.4  # ankle/heel speed over the ground at contact (with reach_lead_s > 0)
    touchdown_speed_m_s: float = 0.5  # ... and downward
    trunk_lean_deg: float = 8.0
    vertical_oscillation_m: float = 0.08
    pelvic_drop_deg: float = 5.0
    step_width_m: float = 0.08
    hip_width_m: float = 0.18
    shoulder_width_m: float = 0.36
    thigh_m: float = 0.45
    shank_m: float = 0.45
    trunk_m: float = 0.52
    upper_arm_m: float = 0.29
    forearm_m: float = 0.26
    arm_swing_deg: float = 35.0
    elbow_flexion_deg: float = 85.0
    body_height_m: float = 1.75

    @property
    def stride_s(self) -> float:
        return 120.0 / self.cadence_spm

    @property
    def contact_s(self) -> float:
        return self.duty_factor * self.stride_s

    @property
    def leg_m(self) -> float:
        return self.thigh_m + self.shank_m


def walking_params(**overrides) -> RunnerParams:
    """A walker: 110 steps/min, duty factor 62% (double support), small vertical motion."""
    base = dict(cadence_spm=110.0, duty_factor=0.62, knee_contact_deg=4.0, knee_peak_stance_deg=16.0,
                knee_toe_off_deg=30.0, knee_peak_at=0.25, thigh_toe_off_deg=-8.0,
                swing_ankle_height_m=0.22, touchdown_forward_m_s=0.4, touchdown_speed_m_s=0.2, overstride=0.28, foot_strike_deg=18.0, foot_toe_off_deg=-45.0,
                foot_flat_at=0.15, heel_off_at=0.6, trunk_lean_deg=2.0,
                vertical_oscillation_m=0.04, pelvic_drop_deg=3.0)
    base.update(overrides)
    return RunnerParams(**base)


@dataclass(frozen=True)
class Camera:
    """view: "side", "rear" or "front". facing (side view): +1 runner faces image-right, -1 left.
    near_side (side view): the runner's side towards the camera; default: the side that faces
    the camera when the runner runs towards `facing` on a normal treadmill set-up (right for +1).
    projection: "pinhole" (camera `distance_m` from the runner's midline, at `height_m`, default
    hip height) or "orthographic". body_height_px: standing height in pixels at the runner's depth.
    yaw_deg (side view): the runner's path turned by this angle about the vertical, so the camera
    sees them at an angle (0 square from the side; 50 about halfway to square-on).
    """

    view: str = "side"
    facing: int = 1
    near_side: str | None = None
    projection: str = "pinhole"
    distance_m: float = 4.0
    height_m: float | None = None
    body_height_px: float = 500.0
    frame_size: tuple[int, int] = (1280, 720)
    yaw_deg: float = 0.0

    def __post_init__(self) -> None:
        if self.view not in ("side", "rear", "front"):
            raise ValueError(f"view must be side, rear or front, got {self.view!r}")
        if self.yaw_deg and self.view != "side":
            raise ValueError(f"yaw_deg needs a side view, got view {self.view!r}")
        if self.facing not in (1, -1):
            raise ValueError(f"facing must be +1 or -1, got {self.facing!r}")
        if self.near_side not in (None, "left", "right"):
            raise ValueError(f"near_side must be left, right or None, got {self.near_side!r}")
        if self.projection not in ("pinhole", "orthographic"):
            raise ValueError(f"projection must be pinhole or orthographic, got {self.projection!r}")

    @property
    def near(self) -> str:
        return self.near_side or ("right" if self.facing == 1 else "left")


@dataclass(frozen=True)
class Recording:
    """fps (or explicit `t_s`), duration_s, vfr_jitter (each frame interval (1/fps)(1 + U(-j, j))),
    setting "treadmill" or "overground", start_phase_s (time of a right contact), and artefacts:
    noise_px (Gaussian sd), dropout_rate (share of (frame, landmark) cells missing),
    far_visibility (visibility of the far side's landmarks in a side view; MediaPipe gives
    ~0.5-0.9), swaps (number of leg label swaps, each `swap_s` long), seed.

    Repeated pictures (module docstring): hold_frames (each picture shown this many frames:
    slow motion stored by repeating pictures; 1 = none), repeat_every (N >= 2: every Nth frame
    repeats the one before, as a conversion from fps·(N-1)/N to fps does; 0 = none). Frame
    times advance at 1/fps either way. far_hidden_share (side view only, 0..1): the far leg's
    knee, ankle, heel and foot index are missing (NaN xy/z/world, visibility 0) on about this
    share of the clip, in separate spans of FAR_HIDDEN_S seconds (seeded by `seed`, apart from
    the noise so the noise stays the same)."""

    fps: float = 60.0
    duration_s: float = 4.0
    t_s: np.ndarray | None = None
    vfr_jitter: float = 0.0
    setting: str = "treadmill"
    start_phase_s: float = 0.13
    noise_px: float = 0.0
    dropout_rate: float = 0.0
    far_visibility: float = 0.9
    swaps: int = 0
    swap_s: tuple[float, float] = (0.1, 0.4)
    seed: int = 0
    hold_frames: int = 1
    repeat_every: int = 0
    far_hidden_share: float = 0.0

    def __post_init__(self) -> None:
        if self.setting not in ("treadmill", "overground"):
            raise ValueError(f"setting must be treadmill or overground, got {self.setting!r}")
        if int(self.hold_frames) != self.hold_frames or self.hold_frames < 1:
            raise ValueError(f"hold_frames must be an integer >= 1, got {self.hold_frames!r}")
        if int(self.repeat_every) != self.repeat_every or self.repeat_every == 1 or self.repeat_every < 0:
            raise ValueError(f"repeat_every must be 0 (none) or an integer >= 2, got {self.repeat_every!r}")
        if not 0.0 <= self.far_hidden_share <= 1.0:
            raise ValueError(f"far_hidden_share must lie in [0, 1], got {self.far_hidden_share!r}")

    def pictures(self, n: int) -> np.ndarray:
        """(n,) int64: the picture each of n frames shows (0, 0, 0, 1, 1, 1, ... with hold_frames=3;
        0, 0, 1, 2, 3, 4, 5, 5, 6, ... with repeat_every=6): frame j shows the latest picture
        captured by its time."""
        j = np.arange(n, dtype=np.int64)
        if self.repeat_every:
            N = int(self.repeat_every)
            return (j * (N - 1)) // (N * int(self.hold_frames))
        return j // int(self.hold_frames)

    def capture_times(self, t: np.ndarray) -> np.ndarray:
        """(n,) seconds: when the picture each frame (at times t) shows was captured; t itself
        when no picture repeats. Picture k is captured k·hold_frames·N/(N-1) frames in
        (k·hold_frames without repeat_every), read off the frame times."""
        t = np.asarray(t, dtype=np.float64)
        if self.hold_frames == 1 and not self.repeat_every:
            return t
        pic = self.pictures(t.shape[0])
        per_picture = float(self.hold_frames) * (self.repeat_every / (self.repeat_every - 1)
                                                 if self.repeat_every else 1.0)
        position = np.arange(int(pic[-1]) + 1 if pic.size else 0) * per_picture
        return np.interp(position, np.arange(t.shape[0]), t)[pic]

    def times(self) -> np.ndarray:
        if self.t_s is not None:
            return np.asarray(self.t_s, dtype=np.float64)
        n = int(round(self.duration_s * self.fps)) + 1
        if self.vfr_jitter <= 0:
            return np.arange(n) / self.fps
        rng = np.random.default_rng(self.seed + 7919)
        dt = (1.0 + rng.uniform(-self.vfr_jitter, self.vfr_jitter, n - 1)) / self.fps
        return np.concatenate(([0.0], np.cumsum(dt)))


# -- small geometry helpers ----------------------------------------------------
def _rot(alpha_rad, v) -> np.ndarray:
    """Rotate 2-vectors v (2,) counter-clockwise (x forward, y up: toes up) by alpha (...)."""
    c, s = np.cos(alpha_rad), np.sin(alpha_rad)
    return np.stack([c * v[0] - s * v[1], s * v[0] + c * v[1]], axis=-1)


def _hermite(s, y0, m0, y1, m1):
    """Cubic Hermite on s in [0, 1]; m0, m1 are slopes per unit s."""
    s2, s3 = s * s, s * s * s
    return (2 * s3 - 3 * s2 + 1) * y0 + (s3 - 2 * s2 + s) * m0 + (-2 * s3 + 3 * s2) * y1 + (s3 - s2) * m1


def _bump(s, a: float, b: float):
    """s^a (1-s)^b scaled to peak 1 at s = a/(a+b): zero value and slope at both ends."""
    peak = a / (a + b)
    return (s**a * (1 - s) ** b) / (peak**a * (1 - peak) ** b)


def _solve_bump(base, bump, target: float) -> float:
    """B such that max(base + B·bump) = target (bisection; monotone for B >= 0)."""
    lo, hi = -50.0, 50.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if np.max(base + mid * bump) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _leg_length(p: RunnerParams, knee_rad):
    """|hip - ankle| for a knee flexion angle (radians)."""
    return np.sqrt(p.thigh_m**2 + p.shank_m**2 + 2 * p.thigh_m * p.shank_m * np.cos(knee_rad))


class RunnerModel:
    """The continuous-time kinematic model; `points_3d(t)` gives all 33 landmarks in metres."""

    def __init__(self, params: RunnerParams):
        p = self.p = params
        if not 0.15 <= p.duty_factor <= 0.8:
            raise ValueError(f"duty_factor must lie in [0.15, 0.8], got {p.duty_factor}")
        self.T, self.CT = p.stride_s, p.contact_s
        self.pA = p.foot_flat_at * self.CT if p.foot_strike_deg != 0 else 0.0
        self.pC = p.heel_off_at * self.CT
        self.a_ic, self.a_to = np.radians(p.foot_strike_deg), np.radians(p.foot_toe_off_deg)
        self.th_ic, self.th_pk, self.th_to = (np.radians(v) for v in (
            p.knee_contact_deg, p.knee_peak_stance_deg, p.knee_toe_off_deg))
        # Contact: heel `overstride` ahead of the hip; the pivot (heel or foot index) on the ground.
        xh0 = p.overstride * p.leg_m
        if self.a_ic >= 0:
            self.pivot0 = np.array([xh0, 0.0])  # heel
            self.xh_flat = xh0
        else:
            toe0 = np.array([xh0, 0.0]) + _rot(self.a_ic, TOE_F - HEEL_F)
            self.pivot0 = np.array([toe0[0], 0.0])  # foot index, on the ground
            self.xh_flat = toe0[0] - FOOT_LEN
        # Toe-off pose from thigh and knee angles -> speed.
        phi, th = np.radians(p.thigh_toe_off_deg), self.th_to
        ankle_to = np.array([p.thigh_m * np.sin(phi) + p.shank_m * np.sin(phi - th),
                             -p.thigh_m * np.cos(phi) - p.shank_m * np.cos(phi - th)])
        toe_to = ankle_to + _rot(self.a_to, TOE_F)
        # Landing: the foot arrives moving with the hips (reach_lead_s 0) and slows to the ground's
        # speed over landing_slide_s, covering half of the hips' travel in that time.
        self.slide_s = min(max(p.landing_slide_s, 0.0), 0.5 * self.CT) if p.reach_lead_s <= 0 else 0.0
        self.v = (self.xh_flat + FOOT_LEN - toe_to[0]) / (self.CT - self.slide_s / 2)
        if self.v <= 0:
            raise ValueError("the toe-off pose lies ahead of the contact pose: raise overstride")
        self._build_swing()
        self._build_flight()

    # -- stance, per leg, p = time since contact in [0, CT] ------------------------------
    def _knee_stance(self, p):
        p = np.asarray(p, dtype=np.float64)
        ppk = self.p.knee_peak_at * self.CT
        rise = _hermite(np.clip(p / ppk, 0, 1), self.th_ic, 1.5 * (self.th_pk - self.th_ic), self.th_pk, 0.0)
        u = np.clip((p - ppk) / (self.CT - ppk), 0, 1)
        fall = self.th_pk + (self.th_to - self.th_pk) * (1 - np.cos(np.pi * u)) / 2
        return np.where(p <= ppk, rise, fall)

    def _foot_stance(self, p):
        """Foot angle, ankle, heel, toe (x forward rel. the hip, y up) during stance."""
        p = np.asarray(p, dtype=np.float64)
        shift = -self.v * p
        if self.slide_s > 0:
            u = np.clip(p / self.slide_s, 0, 1)
            shift = shift + self.v * self.slide_s / 2 * (1 - (1 - u) ** 2)
        alpha = np.zeros_like(p)
        if self.pA > 0:
            u = np.clip(p / self.pA, 0, 1)
            alpha = np.where(p < self.pA, self.a_ic * (1 - u) ** 2, alpha)
        u = np.clip((p - self.pC) / (self.CT - self.pC), 0, 1)
        alpha = np.where(p > self.pC, self.a_to * u**2, alpha)
        heel_flat = np.stack([self.xh_flat + shift, np.zeros_like(p)], axis=-1)
        ankle = heel_flat - HEEL_F  # flat foot
        phase_a = p < self.pA
        if self.a_ic >= 0:  # pivot about the heel
            ankle_a = np.stack([self.pivot0[0] + shift, np.zeros_like(p)], axis=-1) - _rot(alpha, HEEL_F)
        else:  # pivot about the foot index
            ankle_a = np.stack([self.pivot0[0] + shift, np.zeros_like(p)], axis=-1) - _rot(alpha, TOE_F)
        ankle = np.where(phase_a[:, None], ankle_a, ankle)
        toe_c = np.stack([self.xh_flat + FOOT_LEN + shift, np.zeros_like(p)], axis=-1)
        ankle = np.where((p > self.pC)[:, None], toe_c - _rot(alpha, TOE_F), ankle)
        return alpha, ankle, ankle + _rot(alpha, HEEL_F), ankle + _rot(alpha, TOE_F)

    def _stance_hip_height(self, p):
        """Height of the stance hip joint implied by the prescribed knee angle (hip at x = 0)."""
        _, ankle, _, _ = self._foot_stance(p)
        D = _leg_length(self.p, self._knee_stance(p))
        return ankle[:, 1] + np.sqrt(np.maximum(D**2 - ankle[:, 0] ** 2, 0.0))

    def _obliquity_bump(self, p):
        return np.sin(np.pi * np.clip(np.asarray(p, dtype=np.float64) / self.CT, 0, 1)) ** 2

    def _mid_from_stance(self, p):
        """Hip-mid height when this leg bears the load (obliquity drops the other side)."""
        psi = np.radians(self.p.pelvic_drop_deg) * self._obliquity_bump(p)
        return self._stance_hip_height(p) - self.p.hip_width_m / 2 * np.sin(psi)

    # -- legs from hip joint and ankle ------------------------------------------------------
    def _ik_knee(self, hip, ankle):
        p = self.p
        ha = ankle - hip
        D = np.linalg.norm(ha, axis=-1)
        if np.any(D > p.leg_m + 1e-9):
            raise ValueError("stance leg cannot reach the ground: check the parameters")
        cos_b = np.clip((p.thigh_m**2 + D**2 - p.shank_m**2) / (2 * p.thigh_m * D), -1, 1)
        beta = np.arccos(cos_b)
        return hip + p.thigh_m * _rot(beta, np.moveaxis(ha / D[:, None], -1, 0))

    # -- swing --------------------------------------------------------------------------------
    def _build_swing(self) -> None:
        """Swing ankle path: x relative to the hip, height above the ground (both in metres)."""
        p, eps = self.p, 1e-6
        self.Ts = Ts = self.T - self.CT
        a_end = self._foot_stance(np.array([self.CT - eps, self.CT]))
        x_to, h_to = a_end[1][1]
        vx_to, vh_to = (a_end[1][1] - a_end[1][0]) / eps
        al_to, dal_to = a_end[0][1], (a_end[0][1] - a_end[0][0]) / eps
        x_ic, h_ic = self._foot_stance(np.array([0.0]))[1][0]
        # Touchdown: the ankle (and heel: the foot angle is still) moves forward over the ground at
        # touchdown_forward_m_s and down at touchdown_speed_m_s; relative to the hips it is already
        # retracting, having reached furthest forward reach_lead_s earlier (a quadratic approach).
        tau = p.reach_lead_s
        vx_ic = p.touchdown_forward_m_s - self.v if tau > 0 else 0.0  # no lead: lands at its furthest reach
        x_pk = x_ic - 0.5 * vx_ic * tau
        q_pk = p.swing_peak_at * Ts
        self._sw = dict(x=(x_to, vx_to, x_pk, Ts - tau, x_ic, vx_ic, tau),
                        h=(h_to, vh_to, p.swing_ankle_height_m, q_pk, h_ic, -p.touchdown_speed_m_s),
                        a=(al_to, dal_to * Ts, self.a_ic, 0.0))
        if not p.swing_ankle_height_m > max(h_to, h_ic):
            raise ValueError(f"swing_ankle_height_m must exceed the ankle height at toe-off ({h_to:.3f} m)")

    def _swing_foot(self, q):
        """Foot angle and ankle (x rel. the hip, height) at time q since toe-off, q in [0, T - CT]."""
        q = np.clip(np.asarray(q, dtype=np.float64), 0, self.Ts)
        x_to, vx_to, x_pk, q_x, x_ic, vx_ic, tau = self._sw["x"]
        u = np.clip(q / q_x, 0, 1)
        x = np.where(q <= q_x, _hermite(u, x_to, vx_to * q_x, x_pk, 0.0),
                     x_pk + 0.5 * (vx_ic / max(tau, 1e-9)) * (q - q_x) ** 2)
        h_to, vh_to, h_max, q_pk, h_ic, vh_ic = self._sw["h"]
        rest = self.Ts - q_pk
        h = np.where(q <= q_pk, _hermite(np.clip(q / q_pk, 0, 1), h_to, vh_to * q_pk, h_max, 0.0),
                     _hermite(np.clip((q - q_pk) / rest, 0, 1), h_max, 0.0, h_ic, vh_ic * rest))
        alpha = _hermite(q / self.Ts, *self._sw["a"])
        return alpha, np.stack([x, h], axis=-1)

    # -- pelvis ----------------------------------------------------------------------------------
    def _build_flight(self) -> None:
        half, CT, eps = self.T / 2, self.CT, 1e-6
        self.flight_s = half - CT
        grid = np.linspace(0, CT, 2001)
        self._stance_min = float(np.min(self._mid_from_stance(grid)))
        if self.flight_s <= 0:
            return
        y0, y0m = self._mid_from_stance(np.array([CT, CT - eps]))
        y1, y1p = self._mid_from_stance(np.array([0.0, eps]))
        self._fl = (y0, (y0 - y0m) / eps * self.flight_s, y1, (y1p - y1) / eps * self.flight_s)
        s = np.linspace(0, 1, 2001)
        base = _hermite(s, *self._fl)
        target = self._stance_min + self.p.vertical_oscillation_m
        if target < np.max(base) - 1e-9 and target < max(y0, y1):
            raise ValueError(f"vertical_oscillation_m too small for this gait; at least "
                             f"{max(y0, y1) - self._stance_min:.3f} m")
        self._b_vo = _solve_bump(base, _bump(s, 2, 2), target)

    # -- timeline -------------------------------------------------------------------------------
    def leg_phase(self, t, side: str, t0: float):
        """Time since this leg's last contact, in [0, T)."""
        offset = t0 + (0.0 if side == "right" else self.T / 2)
        return np.mod(np.asarray(t, dtype=np.float64) - offset, self.T)

    def events(self, t_start: float, t_end: float, t0: float) -> dict[str, dict[str, np.ndarray]]:
        out = {}
        for side in SIDES:
            first = t0 + (0.0 if side == "right" else self.T / 2)
            k = np.arange(np.floor((t_start - first) / self.T) - 1, np.ceil((t_end - first) / self.T) + 2)
            ic = first + k * self.T
            to = ic + self.CT
            out[side] = {"contact": ic[(ic >= t_start) & (ic <= t_end)],
                         "toe_off": to[(to >= t_start) & (to <= t_end)]}
        return out

    def points_3d(self, t, t0: float, setting: str) -> np.ndarray:
        """(N, 33, 3) landmark positions, metres; x forward along the run, y up, z to the right."""
        p = self.p
        t = np.asarray(t, dtype=np.float64)
        n = t.shape[0]
        phase = {side: self.leg_phase(t, side, t0) for side in SIDES}
        stance = {side: phase[side] < self.CT for side in SIDES}
        # Pelvis obliquity (+ = left hip lower): the swing side drops in each stance.
        drop = np.radians(p.pelvic_drop_deg)
        psi = (drop * np.where(stance["right"], self._obliquity_bump(phase["right"]), 0.0)
               - drop * np.where(stance["left"], self._obliquity_bump(phase["left"]), 0.0))
        half_w = p.hip_width_m / 2
        cand = np.full((n, 2), np.inf)
        for j, side in enumerate(SIDES):
            sign = 1.0 if side == "right" else -1.0  # hip joint = mid + sign·half_w·sin(psi)
            st = stance[side]
            if st.any():
                cand[st, j] = self._stance_hip_height(phase[side][st]) - sign * half_w * np.sin(psi[st])
        mid_y = np.min(cand, axis=1)
        flight = ~np.isfinite(mid_y)
        if flight.any():
            q = np.minimum(np.mod(phase["right"][flight], self.T / 2) - self.CT, self.flight_s)
            s = np.clip(q / self.flight_s, 0, 1)
            mid_y[flight] = _hermite(s, *self._fl) + self._b_vo * _bump(s, 2, 2)
        pelvis_x = self.v * t if setting == "overground" else np.zeros(n)
        pts = np.zeros((n, NUM_LANDMARKS, 3))
        thigh_phi = {}
        for side in SIDES:
            sign = 1.0 if side == "right" else -1.0
            hip = np.stack([np.zeros(n), mid_y + sign * half_w * np.sin(psi)], axis=-1)
            ph, st = phase[side], stance[side]
            alpha = np.zeros(n)
            knee, ankle = np.zeros((n, 2)), np.zeros((n, 2))
            if st.any():
                a_st, ank_st, _, _ = self._foot_stance(ph[st])
                alpha[st], ankle[st] = a_st, ank_st
                knee[st] = self._ik_knee(hip[st], ank_st)
            sw = ~st
            if sw.any():
                alpha[sw], ankle[sw] = self._swing_foot(ph[sw] - self.CT)
                # Near contact the hips are still high in flight: keep the swing ankle within reach
                # (a continuous projection; at most a few mm with the default gait).
                ha = ankle[sw] - hip[sw]
                reach = np.linalg.norm(ha, axis=-1)
                scale = np.minimum(1.0, (p.leg_m - 1e-6) / reach)
                ankle[sw] = hip[sw] + ha * scale[:, None]
                knee[sw] = self._ik_knee(hip[sw], ankle[sw])
            heel = ankle + _rot(alpha, HEEL_F)
            toe = ankle + _rot(alpha, TOE_F)
            thigh_phi[side] = np.arctan2(knee[:, 0] - hip[:, 0], hip[:, 1] - knee[:, 1])
            hip_z = sign * half_w * np.cos(psi)
            foot_z = sign * p.step_width_m / 2
            for lm, xy, z in zip(LEG[side], (hip, knee, ankle, heel, toe),
                                 (hip_z, (hip_z + foot_z) / 2, foot_z, foot_z, foot_z)):
                pts[:, lm, 0], pts[:, lm, 1], pts[:, lm, 2] = xy[:, 0], xy[:, 1], z
        self._upper_body(pts, mid_y, thigh_phi)
        pts[:, :, 0] += pelvis_x[:, None]
        return pts

    def _upper_body(self, pts, mid_y, thigh_phi) -> None:
        p = self.p
        lean = np.radians(p.trunk_lean_deg)
        sh_mid = np.stack([np.full_like(mid_y, p.trunk_m * np.sin(lean)), mid_y + p.trunk_m * np.cos(lean)], -1)
        rng_phi = {s: (thigh_phi[s] - np.mean(thigh_phi[s])) for s in SIDES}
        scale = max(float(np.max(np.abs(rng_phi["left"]))), 1e-9)
        for side in SIDES:
            sign = 1.0 if side == "right" else -1.0
            up = side.upper()
            arm = -np.radians(p.arm_swing_deg) * rng_phi[side] / scale  # against the same-side leg
            sh = sh_mid + np.stack([-0.04 * np.sin(arm), np.zeros_like(arm)], -1)
            elbow = sh + p.upper_arm_m * np.stack([np.sin(arm), -np.cos(arm)], -1)
            fore = arm + np.radians(p.elbow_flexion_deg)
            wrist = elbow + p.forearm_m * np.stack([np.sin(fore), -np.cos(fore)], -1)
            z_sh = sign * p.shoulder_width_m / 2
            for name, xy, z in (("SHOULDER", sh, z_sh), ("ELBOW", elbow, z_sh * 1.05), ("WRIST", wrist, z_sh * 0.8)):
                pts[:, L[f"{up}_{name}"], :2], pts[:, L[f"{up}_{name}"], 2] = xy, z
            for j, hand in enumerate(("PINKY", "INDEX", "THUMB")):
                off = np.array([0.03 + 0.01 * j, -0.03 + 0.01 * j])
                pts[:, L[f"{up}_{hand}"], :2] = wrist + off
                pts[:, L[f"{up}_{hand}"], 2] = z_sh * 0.8 - sign * 0.01 * j
        head = sh_mid + np.array([0.05 + 0.2 * np.sin(lean), 0.22])
        face = {"NOSE": (0.1, 0.0, 0.0), "LEFT_EYE_INNER": (0.09, 0.03, -0.015), "LEFT_EYE": (0.085, 0.03, -0.03),
                "LEFT_EYE_OUTER": (0.08, 0.03, -0.045), "RIGHT_EYE_INNER": (0.09, 0.03, 0.015),
                "RIGHT_EYE": (0.085, 0.03, 0.03), "RIGHT_EYE_OUTER": (0.08, 0.03, 0.045),
                "LEFT_EAR": (0.0, 0.01, -0.075), "RIGHT_EAR": (0.0, 0.01, 0.075),
                "MOUTH_LEFT": (0.085, -0.04, -0.02), "MOUTH_RIGHT": (0.085, -0.04, 0.02)}
        for name, (dx, dy, dz) in face.items():
            pts[:, L[name], 0], pts[:, L[name], 1], pts[:, L[name], 2] = head[:, 0] + dx, head[:, 1] + dy, dz


# -- camera ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Projector:
    camera: Camera
    scale_px_m: float
    centre_x: float  # world x the camera looks at (side) or its own x (rear/front)
    height_m: float

    def camera_coords(self, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Right, down and depth (metres) of world points in the camera frame."""
        cam = self.camera
        X, Y, Z = pts[..., 0], pts[..., 1], pts[..., 2]
        down = -(Y - self.height_m)
        if cam.yaw_deg:  # turn the path about the vertical through the point the camera looks at
            a = np.radians(cam.yaw_deg)
            X, Z = self.centre_x + np.cos(a) * (X - self.centre_x) - np.sin(a) * Z, \
                np.sin(a) * (X - self.centre_x) + np.cos(a) * Z
        if cam.view == "side":
            if cam.near == "left":  # camera at -z looking +z: image right = -x (runner faces left)
                right, depth = -(X - self.centre_x), Z + cam.distance_m
                natural = -1
            else:
                right, depth = X - self.centre_x, cam.distance_m - Z
                natural = 1
            if cam.facing != natural:  # mirror the picture
                right = -right
        elif cam.view == "rear":  # camera behind, looking along +x: image right = runner's right
            right, depth = Z, X - self.centre_x
        else:  # front: camera ahead looking -x
            right, depth = -Z, self.centre_x - X
        return right, down, depth

    def project(self, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(N, K, 2) pixels (x right, y down) and (N, K) depth in metres."""
        right, down, depth = self.camera_coords(pts)
        w, h = self.camera.frame_size
        if self.camera.projection == "pinhole":
            if np.any(depth <= 0.1):
                raise ValueError("a landmark is behind or at the camera: increase distance_m")
            f = self.scale_px_m * self.camera.distance_m
            u, v = w / 2 + f * right / depth, h / 2 + f * down / depth
        else:
            u, v = w / 2 + self.scale_px_m * right, h / 2 + self.scale_px_m * down
        return np.stack([u, v], axis=-1), depth


@dataclass(frozen=True, eq=False)
class TrueStride:
    """One true stride of `side`: contact, toe-off, next contact (s) and metric values (catalog names)."""

    side: str
    contact_s: float
    toe_off_s: float
    next_contact_s: float
    values: dict[str, float]


@dataclass(frozen=True, eq=False)
class RunnerTruth:
    """What the synthetic runner really did.

    contacts / toe_offs: side -> (n,) seconds inside the clip, video time, of the underlying
    motion (with held pictures, not when a frame first shows them: `first_frame_showing`);
    strides: every complete stride (contact to next contact of the same foot) inside the clip;
    direction: +1/-1 (side view); speed_m_s: running speed; leg_px: side -> L (median hip-ankle
    length in pixels, noise-free); xy_at(t) -> (N, 33, 2) noise-free image landmarks at any
    times; repeated: (T,) bool, True where the row repeats the previous row's picture (all False
    without repeated pictures); capture_s: (T,) seconds, when each row's picture was captured.
    """

    params: RunnerParams
    camera: Camera
    recording: Recording
    contacts: dict[str, np.ndarray]
    toe_offs: dict[str, np.ndarray]
    strides: list[TrueStride]
    direction: int
    speed_m_s: float
    leg_px: dict[str, float]
    model: RunnerModel = field(repr=False)
    projector: _Projector = field(repr=False)
    repeated: np.ndarray | None = field(default=None, repr=False)
    capture_s: np.ndarray | None = field(default=None, repr=False)

    def first_frame_showing(self, t_s: float) -> int | None:
        """Row of the first frame whose picture was captured at or after `t_s` (None if none is):
        the earliest frame at which an event at `t_s` can be seen in the pictures. Without
        repeated pictures, the first frame at or after `t_s`."""
        capture = self.capture_s if self.capture_s is not None else self.recording.times()
        later = np.flatnonzero(capture >= t_s - 1e-9)
        return int(later[0]) if later.size else None

    def xy_at(self, t) -> np.ndarray:
        t = np.atleast_1d(np.asarray(t, dtype=np.float64))
        return self.projector.project(self.model.points_3d(t, self.recording.start_phase_s,
                                                           self.recording.setting))[0]

    def events(self) -> list[tuple[str, str, float]]:
        """(kind, side, t_s) of every true event, sorted by time."""
        out = [("contact", s, float(t)) for s in SIDES for t in self.contacts[s]]
        out += [("toe_off", s, float(t)) for s in SIDES for t in self.toe_offs[s]]
        return sorted(out, key=lambda e: e[2])


def _far_side_landmarks(near: str) -> list[int]:
    far = "RIGHT" if near == "left" else "LEFT"
    names = ("KNEE", "ANKLE", "HEEL", "FOOT_INDEX", "ELBOW", "WRIST", "PINKY", "INDEX", "THUMB")
    return [int(L[f"{far}_{n}"]) for n in names]


def synthetic_run(params: RunnerParams | None = None, camera: Camera | None = None,
                  recording: Recording | None = None) -> tuple[PoseTrack, RunnerTruth]:
    """Render the runner to a PoseTrack and its truth (module docstring for the model)."""
    params = params or RunnerParams()
    camera = camera or Camera()
    rec = recording or Recording()
    model = RunnerModel(params)
    if rec.far_hidden_share > 0 and camera.view != "side":
        raise ValueError(f"far_hidden_share needs a side view, got view {camera.view!r}")
    t = rec.times()
    t0 = rec.start_phase_s
    picture = rec.pictures(t.shape[0])
    repeated = np.concatenate(([False], picture[1:] == picture[:-1])) if t.shape[0] else np.zeros(0, bool)
    capture = rec.capture_times(t)
    pts = model.points_3d(capture, t0, rec.setting)
    hip_mid = (pts[:, L.LEFT_HIP] + pts[:, L.RIGHT_HIP]) / 2
    height = camera.height_m if camera.height_m is not None else float(np.mean(hip_mid[:, 1]))
    if camera.view == "side":
        centre = float(np.mean(hip_mid[:, 0]))
    elif camera.view == "rear":
        centre = float(hip_mid[0, 0]) - camera.distance_m
    else:
        centre = float(hip_mid[-1, 0]) + camera.distance_m
    proj = _Projector(camera, camera.body_height_px / params.body_height_m, centre, height)
    xy, depth = proj.project(pts)
    right, down, _ = proj.camera_coords(pts)
    n = t.shape[0]
    scale = proj.scale_px_m
    mid_depth = (depth[:, L.LEFT_HIP] + depth[:, L.RIGHT_HIP]) / 2
    z = (depth - mid_depth[:, None]) * scale
    cam_xyz = np.stack([right, down, depth], axis=-1)
    world = cam_xyz - (cam_xyz[:, L.LEFT_HIP] + cam_xyz[:, L.RIGHT_HIP])[:, None, :] / 2
    vis = np.full((n, NUM_LANDMARKS), 0.99 if camera.view == "side" else 0.95)
    if camera.view == "side":
        vis[:, _far_side_landmarks(camera.near)] = rec.far_visibility

    # Truth from the noise-free model, before any artefact.
    direction = camera.facing if camera.view == "side" else 0
    truth = replace(_truth(model, proj, camera, rec, params, t, xy, direction), repeated=repeated,
                    capture_s=capture)

    rng = np.random.default_rng(rec.seed)
    if rec.noise_px > 0:
        xy = xy + rng.normal(0.0, rec.noise_px, xy.shape)
    arrays = {"xy_px": xy, "z": z, "visibility": vis, "world_m": world}
    if rec.swaps > 0:
        arrays = _inject_swaps(arrays, t, rec, rng)
    if rec.dropout_rate > 0:
        drop = rng.random((n, NUM_LANDMARKS)) < rec.dropout_rate
        arrays["xy_px"][drop] = np.nan
        arrays["z"][drop] = np.nan
        arrays["world_m"][drop] = np.nan
        arrays["visibility"][drop] = 0.0
    if rec.far_hidden_share > 0:
        hidden = _far_hidden_rows(t, rec)
        far = "left" if camera.near == "right" else "right"
        cells = np.ix_(hidden, [int(lm) for lm in LEG[far][1:]])  # knee, ankle, heel, foot index
        for key in ("xy_px", "z", "world_m"):
            arrays[key][cells] = np.nan
        arrays["visibility"][cells] = 0.0
    if repeated.any():  # a repeated picture is the same picture: every artefact repeats too
        first_row = np.flatnonzero(~repeated)[picture]
        arrays = {k: v[first_row] for k, v in arrays.items()}
    track = PoseTrack(t_s=t, frame_index=np.arange(n, dtype=np.int64), frame_size=camera.frame_size, **arrays)
    return track, truth


def _far_hidden_rows(t: np.ndarray, rec: Recording) -> np.ndarray:
    """Rows where the far leg is lost: spans of FAR_HIDDEN_S seconds adding up to about
    `rec.far_hidden_share` of the clip (within FAR_HIDDEN_S[0]), apart from each other (0.1 s
    or more while the clip leaves room), at random places (their own generator, so the other
    artefacts do not change)."""
    rng = np.random.default_rng(rec.seed + 104729)
    lo, hi = FAR_HIDDEN_S
    total = float(t[-1] - t[0]) if t.shape[0] > 1 else 0.0
    left = rec.far_hidden_share * total
    lengths = []
    while left >= lo:
        length = rng.uniform(lo, min(hi, left))
        lengths.append(length)
        left -= length
    if lengths and left > 0:  # the remainder, to the shortest span that can take it
        k = int(np.argmin(lengths))
        if lengths[k] + left <= hi:
            lengths[k] += left
    hidden = np.zeros(t.shape[0], dtype=bool)
    if not lengths:
        return hidden
    lengths = list(rng.permutation(lengths))
    # Spans apart: at least 0.1 s between two (less only when the rest of the clip is short).
    k, visible = len(lengths), max(total - sum(lengths), 0.0)
    apart = min(0.1, 0.5 * visible / (k + 1))
    gaps = rng.dirichlet(np.ones(k + 1)) * (visible - (k - 1) * apart)
    gaps[1:-1] += apart
    start = float(t[0]) + gaps[0]
    for length, gap in zip(lengths, gaps[1:]):
        hidden |= (t >= start) & (t < start + length)
        start += length + gap
    return hidden


def _inject_swaps(arrays: dict, t: np.ndarray, rec: Recording, rng) -> dict:
    """Exchange left/right leg labels (hip to foot index) on `rec.swaps` separate random spans."""
    arrays = {k: v.copy() for k, v in arrays.items()}
    n = t.shape[0]
    starts: list[tuple[int, int]] = []
    for _ in range(200):
        if len(starts) == rec.swaps:
            break
        dur = rng.uniform(*rec.swap_s)
        a = rng.uniform(t[0] + 0.2, max(t[-1] - dur - 0.2, t[0] + 0.2))
        i, j = int(np.searchsorted(t, a)), int(np.searchsorted(t, a + dur))
        if j - i < 2 or j >= n or any(i < e + 3 and s < j + 3 for s, e in starts):
            continue
        starts.append((i, j))
    for i, j in starts:
        for arr in arrays.values():
            for left, right in LEG_SWAP_PAIRS:
                tmp = arr[i:j, int(left)].copy()
                arr[i:j, int(left)] = arr[i:j, int(right)]
                arr[i:j, int(right)] = tmp
    return arrays


def _truth(model: RunnerModel, proj: _Projector, camera: Camera, rec: Recording, params: RunnerParams,
           t: np.ndarray, xy_frames: np.ndarray, d: int) -> RunnerTruth:
    t0 = rec.start_phase_s
    ev = model.events(float(t[0]), float(t[-1]), t0)
    contacts = {s: ev[s]["contact"] for s in SIDES}
    toe_offs = {s: ev[s]["toe_off"] for s in SIDES}
    leg_px = {s: float(np.median(np.linalg.norm(xy_frames[:, LEG[s][0]] - xy_frames[:, LEG[s][2]], axis=-1)))
              for s in SIDES}
    truth = RunnerTruth(params, camera, rec, contacts, toe_offs, [], d, model.v, leg_px, model, proj)
    if camera.view != "side":
        return truth
    dt_frame = float(np.median(np.diff(t))) if t.shape[0] > 1 else 0.0
    strides = []
    for side in SIDES:
        other = "left" if side == "right" else "right"
        all_other = model.events(float(t[0]) - 2 * model.T, float(t[-1]) + 2 * model.T, t0)[other]["contact"]
        ics = contacts[side]
        for ic, nxt in zip(ics[:-1], ics[1:]):
            to = ic + model.CT
            strides.append(TrueStride(side, float(ic), float(to), float(nxt),
                                      _true_values(truth, side, ic, to, nxt, all_other, dt_frame, d)))
    strides.sort(key=lambda s: s.contact_s)
    return RunnerTruth(params, camera, rec, contacts, toe_offs, strides, d, model.v, leg_px, model, proj)


def _true_values(truth: RunnerTruth, side: str, ic: float, to: float, nxt: float, other_ics: np.ndarray,
                 dt_frame: float, d: int) -> dict[str, float]:
    hip, knee, ankle, heel, toe = LEG[side]
    Lpx = truth.leg_px[side]

    def at(times):
        return truth.xy_at(times)

    def hip_mid(xy):
        return (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2

    x_ic, x_to = at(ic), at(to)
    stance_t = np.arange(ic, to, 1 / FINE_HZ)
    stride_t = np.linspace(ic, nxt, int((nxt - ic) * FINE_HZ) + 1)
    window_t = np.linspace(to - 2 * dt_frame, to + 2 * dt_frame, 401)
    xs, xr, xw = at(stance_t), at(stride_t), at(window_t)
    knee_ic = float(knee_flexion_deg(x_ic[:, hip], x_ic[:, knee], x_ic[:, ankle])[0])
    knee_pk = float(np.max(knee_flexion_deg(xs[:, hip], xs[:, knee], xs[:, ankle])))
    sh_mid = (xr[:, L.LEFT_SHOULDER] + xr[:, L.RIGHT_SHOULDER]) / 2
    lean = trunk_lean_deg(sh_mid, hip_mid(xr), d)
    later = other_ics[other_ics > ic]
    other_next = float(later[0]) if later.size else np.nan
    step = other_next - ic
    cadence = 60.0 / step if np.isfinite(step) and step < nxt - ic else 120.0 / (nxt - ic)
    flight = max(0.0, other_next - to) if np.isfinite(other_next) else np.nan  # 0 in double support
    ct = to - ic
    return {
        "cadence_spm": cadence,
        "knee_flexion_contact_deg": knee_ic,
        "knee_flexion_peak_stance_deg": knee_pk,
        "knee_rom_stance_deg": knee_pk - knee_ic,
        "thigh_angle_toe_off_deg": float(thigh_angle_deg(x_to[:, hip], x_to[:, knee], d)[0]),
        "hip_extension_peak_deg": float(-np.min(thigh_angle_deg(xw[:, hip], xw[:, knee], d))),
        "overstride_ratio": float(d * (x_ic[0, heel, 0] - hip_mid(x_ic)[0, 0]) / Lpx),
        "shank_angle_contact_deg": float(shank_angle_deg(x_ic[:, knee], x_ic[:, ankle], d)[0]),
        "foot_strike_angle_deg": float(segment_angle_to_horizontal_deg(x_ic[:, heel], x_ic[:, toe], d)[0]),
        "trunk_lean_deg": float(np.trapezoid(lean, stride_t) / (nxt - ic)),
        "vertical_oscillation_ratio": float(np.ptp(hip_mid(xr)[:, 1]) / Lpx),
        "contact_time_ms": 1000.0 * ct,
        "flight_time_ms": 1000.0 * flight,
        "duty_factor_pct": 100.0 * ct / (nxt - ic),
    }


def match_events(events, truth, match_s: float, edge_s: float, kinds=("contact", "toe_off"),
                 sides=("left", "right")):
    """Detected events against the truth: (errors by kind, missed true events at least `edge_s`
    from the clip's ends, detected events with no true event within `match_s`)."""
    t = truth.recording.times()
    errors = {k: [] for k in kinds}
    missed, extra = [], []
    for kind in kinds:
        for side in sides:
            true = truth.contacts[side] if kind == "contact" else truth.toe_offs[side]
            found = np.array([e.t_s for e in events if e.kind == kind and e.side == side])
            for tt in true:
                hits = found[np.abs(found - tt) <= match_s]
                if hits.size == 1:
                    errors[kind].append(float(hits[0] - tt))
                elif hits.size > 1:
                    extra.append((kind, side, tt, hits.tolist()))
                elif t[0] + edge_s <= tt <= t[-1] - edge_s:
                    missed.append((kind, side, float(tt)))
            for f in found:
                if not np.any(np.abs(true - f) <= match_s):
                    extra.append((kind, side, float(f)))
    return {k: np.array(v) for k, v in errors.items()}, missed, extra


def assert_events_on_time(errors, missed, extra, tolerance_s) -> None:
    """Every true event found once, none extra, at least 8 of each kind, each within its tolerance."""
    assert not missed, f"missed {missed}"
    assert not extra, f"extra or duplicate events {extra}"
    for kind, err in errors.items():
        assert err.size >= 8, f"too few {kind} events matched: {err.size}"
        assert np.max(np.abs(err)) <= tolerance_s[kind], f"{kind}: errors (ms) {np.round(1000 * err, 1)}"
