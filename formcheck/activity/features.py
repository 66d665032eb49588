"""What a stretch of the athlete's track shows, in numbers that do not depend on the camera.

    f = window_features(track, 120, 240)
    f.half_shift       # the right leg does what the left did half a stride before (gait): ~1
    f.same_time        # both legs at once (squat, bridge): ~1

Every quantity is relative to the body, so a panning or moving camera, a
runner shrinking into the distance or a phone held high changes none of them:

* leg vectors: hip-mid to each ankle in the image, divided by the torso's
  length (its longest over the last seconds: a forward bend toward the camera
  is not the body shrinking). Gait swings them against each other: forward and
  back from the side, up and down (the swing foot lifts) from behind or in
  front; a squat or bridge moves both the same way; a one-leg exercise one.
* stride_s, repeat, half_shift, same_time (`alternation`): the legs' common
  period and how one leg's movement matches the other's half a period later
  and at the same instant; reversals: sign changes of their difference (one a
  step); leg_balance: the smaller leg's movement over the larger's.
* both_knees_bent_deg: the 90th percentile over the window of the LESS bent
  knee: a stance knee in running stays under ~50°, a squat or lunge bends
  both knees together past ~70°; max_knee_deg, knee_range_deg likewise.
* lateral_share, narrowest_stance: how much the feet move sideways and how
  close they come (world landmarks, body axes): side steps and monster walks.
* motion: how much the knees and ankles move (RMS about their mean, torso
  lengths); `local_motion` the same over a second around each frame.
* one leg seen (a far leg hidden): that leg's rhythm and sweep.
* picture_hold: frames per new picture in the window (`video.repeats` marks the frames that show
  the previous picture again): 1 for an ordinary clip; 3 where every picture is shown three
  times (slow motion stored by holding pictures, or a camera taking a third as many pictures).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from formcheck.events.rhythm import correlation, first_peak, lag_range, rhythm, uniform_channels
from formcheck.kinematics.body import (GRAVITY_UP, body_axes, joint_angle_3d_deg, movement_lateral_share,
                                       step_frames, torso_length_px)
from formcheck.landmarks import Landmark as L
from formcheck.track import PoseTrack

MIN_VISIBILITY = 0.3
_CORE = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)
_LEGS = (L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE)


@dataclass(frozen=True)
class WindowFeatures:
    """Body-relative features of frames [start, end) of a track (module docstring).

    seen: share of frames with the trunk and a knee or ankle seen; upright: share of seen frames
    whose trunk is within UPRIGHT_DEG of up (on its feet); motion: RMS movement of the knees and
    ankles about their mean (torso lengths); leg_balance: [0, 1]; stride_s, repeat: the legs'
    common period (video seconds) and its autocorrelation; half_shift, same_time: correlation
    of the left leg with the right one half a period later and at the same time
    (`alternation`); lateral_share: share of the ankles' movement (world landmarks, body axes)
    that is sideways; both_knees_bent_deg, max_knee_deg: 90th percentiles of the less and the
    more bent knee; reversals: how often the legs' difference changes sign (`reversals`): gait
    shows two per stride, a single leg raised and lowered only two in all; knee_range_deg: the
    larger knee's range of flexion (5th-95th percentile); narrowest_stance: the feet's sideways
    distance apart (world landmarks, the body's left-right axis) in hip widths, 10th
    percentile: in gait the feet pass each other (real runners read 0.2-0.6), in a monster walk
    they stay wide (1.5 and more); one_leg: only one leg is seen on enough frames to judge (a
    side view whose far leg is hidden), and then stride_s/repeat are that leg's rhythm and
    sweep its hip-to-ankle vector's range along its main direction (torso lengths; a running
    leg sweeps ~1, a squatting one ~0.3); picture_hold: frames per new picture (module
    docstring).
    """

    start: int
    end: int
    seen: float
    upright: float
    motion: float = float("nan")
    leg_balance: float = float("nan")
    stride_s: float = float("nan")
    repeat: float = 0.0
    half_shift: float = 0.0
    same_time: float = 0.0
    lateral_share: float = float("nan")
    both_knees_bent_deg: float = float("nan")
    max_knee_deg: float = float("nan")
    reversals: int = 0
    duration_s: float = 0.0
    knee_range_deg: float = float("nan")
    narrowest_stance: float = float("nan")
    one_leg: bool = False
    sweep: float = float("nan")
    picture_hold: float = 1.0

    @property
    def frames(self) -> int:
        return self.end - self.start


def leg_vectors(track: PoseTrack) -> np.ndarray:
    """(T, 2, 2) hip-mid to left and right ankle in torso lengths (image axes, y down)."""
    xy = np.where((track.visibility >= MIN_VISIBILITY)[..., None], track.xy_px, np.nan)
    hip = (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2
    torso = torso_length_px(xy, track.fps if len(track) > 1 else 30.0)
    legs = np.stack([xy[:, L.LEFT_ANKLE] - hip, xy[:, L.RIGHT_ANKLE] - hip], axis=1)
    return legs / torso[:, None, None]


def knee_flexion_3d_deg(world_m: np.ndarray) -> np.ndarray:
    """(T, 2) left and right knee flexion from world landmarks (0 = straight)."""
    return np.stack([180.0 - joint_angle_3d_deg(world_m[:, L[f"{s}_HIP"]], world_m[:, L[f"{s}_KNEE"]],
                                                world_m[:, L[f"{s}_ANKLE"]]) for s in ("LEFT", "RIGHT")], axis=1)


def knee_flexion_deg(track: PoseTrack) -> np.ndarray:
    """(T, 2) knee flexion, the larger of the image's and the world landmarks' reading: the
    image foreshortens a knee that bends toward the camera, the world landmarks misjudge the
    depth of a hidden far leg; neither reads a straight knee as bent by tens of degrees."""
    xy = track.xy_px
    image = np.stack([180.0 - joint_angle_3d_deg(*(np.pad(xy[:, L[f"{s}_{p}"]], ((0, 0), (0, 1)))
                                                    for p in ("HIP", "KNEE", "ANKLE"))) for s in ("LEFT", "RIGHT")],
                     axis=1)
    return np.fmax(image, knee_flexion_3d_deg(track.world_m))  # fmax: a NaN side gives way


#: [H] Smallest swing of the legs' difference that counts as a reversal (torso lengths): a
#: walking step moves the feet ~0.5 torso lengths apart, landmark jitter ~0.02.
MIN_REVERSAL = 0.1


def reversals(diff: np.ndarray, t_s: np.ndarray, hysteresis: float = 0.2) -> int:
    """Sign changes of a (T, k) difference signal along its main direction, counted with
    hysteresis at +-`hysteresis` of its range, and at least MIN_REVERSAL / 2 (noise does not
    count); gaps are skipped."""
    ok = np.all(np.isfinite(diff), axis=1)
    if ok.sum() < 5:
        return 0
    d = diff[ok] - diff[ok].mean(axis=0)
    _, _, vt = np.linalg.svd(d, full_matrices=False)
    x = d @ vt[0]
    level = max(hysteresis * (np.percentile(x, 95) - np.percentile(x, 5)) / 2, MIN_REVERSAL / 2)
    state, count = 0, 0
    for v in x:
        new = 1 if v > level else -1 if v < -level else state
        if state and new != state:
            count += 1
        state = new
    return count


#: [H] A trunk within this angle of the vertical is on its feet: a sprinter accelerating out
#: of the blocks leans 45° and more; lying, kneeling on all fours or bridging it is near 90°.
UPRIGHT_DEG = 60.0


#: [H] An image torso at least this share of its recent longest is not foreshortened, so its
#: angle in the picture is its angle in the plane of the picture.
FULL_TORSO = 0.7


def upright_share(track: PoseTrack, frames: np.ndarray) -> float:
    """Share of `frames` whose trunk (hip-mid to shoulder-mid) is within UPRIGHT_DEG of up, by
    the world landmarks, or by the picture where the torso is seen at full length. The world
    landmarks of a small or crouched athlete are a guess (a sprinter leaning 45° out of the
    blocks read lying on most frames); a plank seen head-on is foreshortened in the picture and
    left to the world landmarks."""
    if not frames.size:
        return 0.0
    cos = np.cos(np.radians(UPRIGHT_DEG))
    world = body_axes(track.world_m[frames]).up @ GRAVITY_UP
    xy = track.xy_px
    trunk = (xy[:, L.LEFT_SHOULDER] + xy[:, L.RIGHT_SHOULDER]) / 2 - (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2
    length = np.linalg.norm(trunk, axis=1)
    scale = torso_length_px(xy, track.fps if len(track) > 1 else 30.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        image_up = -trunk[:, 1] / length  # y points down
        full = length >= FULL_TORSO * scale
    image = (full & (image_up > cos))[frames]
    known = np.isfinite(world) | image
    upright = (np.isfinite(world) & (world > cos)) | image
    return float(upright[known].mean()) if known.any() else 0.0


def alternation(left: np.ndarray, right: np.ndarray, t_s: np.ndarray) -> tuple[float, float, float, float]:
    """Do the legs repeat the same movement half a cycle apart, as in gait?

    left, right: (T, k) a leg's channels (e.g. its leg vector). The stride period T is the
    first peak of the legs' pooled autocorrelation; then the correlation of the left leg with
    the right one shifted by half a stride (either way) and unshifted. Gait: the right leg does
    what the left did half a stride before (high at T/2); a squat or bridge: both at once
    (high at 0); a one-leg exercise: neither. Returns (stride_s, repeat, half_shift, same_time),
    NaN / 0.0 where the legs show no rhythm.
    """
    nan = float("nan")
    both, dt = uniform_channels(np.concatenate([left, right], axis=1), t_s)
    if len(both) < 8:
        return nan, 0.0, 0.0, 0.0
    k = left.reshape(len(left), -1).shape[1]
    a, b = both[:, :k], both[:, k:]
    same = float(correlation(a, b, 0)[0])
    lo, hi = lag_range(len(both), dt)
    if hi <= lo + 1:
        return nan, 0.0, 0.0, same
    ac = correlation(both, both, hi + 1)[hi + 1:]
    stride = first_peak(ac, lo, hi + 1)
    if stride is None:
        return nan, 0.0, 0.0, same
    xc = correlation(a, b, stride)
    half = stride // 2, (stride + 1) // 2
    shifted = max(xc[stride + h] for h in half + tuple(-h for h in half))
    return float(stride * dt), float(min(1.0, ac[stride])), float(shifted), same


def _robust_range(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(np.percentile(x, 95) - np.percentile(x, 5)) if x.size >= 5 else float("nan")


def window_features(track: PoseTrack, start: int, end: int, legs: np.ndarray | None = None,
                    knees: np.ndarray | None = None, repeated: np.ndarray | None = None) -> WindowFeatures:
    """Features of frames [start, end) of `track` (module docstring). `legs` and `knees` are
    `leg_vectors(track)` and `knee_flexion_deg(track)` when the caller has them for the whole
    track already; `repeated` (T,) bool marks the rows that show the previous picture again."""
    if not 0 <= start < end <= len(track):
        raise ValueError(f"window [{start}, {end}) is not inside a track of {len(track)} frames")
    features = _window_features(track, start, end, legs, knees)
    if repeated is None:
        return features
    new_pictures = int(np.count_nonzero(~np.asarray(repeated[start:end], dtype=bool)))
    return replace(features, picture_hold=(end - start) / max(new_pictures, 1))


def _window_features(track: PoseTrack, start: int, end: int, legs: np.ndarray | None,
                     knees: np.ndarray | None) -> WindowFeatures:
    legs = leg_vectors(track) if legs is None else legs
    knees = knee_flexion_deg(track) if knees is None else knees
    sl = slice(start, end)
    ok = np.isfinite(track.xy_px[sl, :, 0]) & (track.visibility[sl] >= MIN_VISIBILITY)
    core = np.all(ok[:, _CORE], axis=1)
    leg_seen = np.stack([ok[:, L[f"{s}_KNEE"]] & ok[:, L[f"{s}_ANKLE"]] for s in ("LEFT", "RIGHT")], axis=1)
    # In view: the trunk and a leg's knee or ankle (from the side or behind, the far or lower
    # leg is often hidden; cleaning gates away what the model saw at under 0.5 visibility).
    body_seen = core & np.any(ok[:, _LEGS], axis=1)
    whole = core & leg_seen.all(axis=1)
    seen = float(body_seen.mean())
    frames = np.flatnonzero(body_seen) + start
    upright = upright_share(track, frames)
    t = track.t_s[sl]
    duration = float(t[-1] - t[0])
    if body_seen.sum() < 8:
        return WindowFeatures(start, end, seen, upright, duration_s=duration)
    motion = lower_body_motion(track, start, end)
    if whole.sum() < 8:  # one leg only: no comparison of the legs, its own rhythm and sweep
        k = int(np.argmax(leg_seen.sum(axis=0)))
        one = np.where((core & leg_seen[:, k])[:, None], legs[sl][:, k], np.nan)
        stride, repeat = rhythm(one, t)
        return WindowFeatures(start, end, seen, upright, motion, stride_s=stride, repeat=repeat, duration_s=duration,
                              one_leg=True, sweep=_sweep(one), **_knee_features(knees[sl][body_seen]))
    v = np.where(whole[:, None, None], legs[sl], np.nan)
    centred = v - np.nanmean(v, axis=0)
    diff = centred[:, 0] - centred[:, 1]
    per_leg = [float(np.nansum(np.nanvar(centred[:, k], axis=0))) for k in (0, 1)]
    balance = min(per_leg) / max(per_leg) if max(per_leg) > 1e-12 else 0.0
    stride, repeat, half, same = alternation(v[:, 0], v[:, 1], t)
    sideways = movement_lateral_share(track.world_m[start:end], (L.LEFT_ANKLE, L.RIGHT_ANKLE), step_frames(t))
    stance = narrowest_stance(track.world_m[start:end])
    return WindowFeatures(start, end, seen, upright, motion, float(balance), stride, repeat, half, same, sideways,
                          reversals=reversals(diff, t), duration_s=duration, narrowest_stance=stance,
                          **_knee_features(knees[sl][whole]))


def _sweep(v: np.ndarray) -> float:
    """Range (5th-95th percentile) of a (T, 2) vector series along its main direction."""
    v = v[np.all(np.isfinite(v), axis=1)]
    if len(v) < 5:
        return float("nan")
    c = v - v.mean(axis=0)
    _, _, vt = np.linalg.svd(c, full_matrices=False)
    return _robust_range(c @ vt[0])


def narrowest_stance(world_m: np.ndarray) -> float:
    """10th percentile of the ankles' distance apart along the body's left-right axis, in hip
    widths (world landmarks); NaN with fewer than 5 frames seen."""
    axes = body_axes(world_m)
    apart = np.abs(np.sum((world_m[:, L.LEFT_ANKLE] - world_m[:, L.RIGHT_ANKLE]) * axes.left, axis=1))
    hips = np.linalg.norm(world_m[:, L.LEFT_HIP] - world_m[:, L.RIGHT_HIP], axis=1)
    ratio = apart / np.where(hips > 1e-6, hips, np.nan)
    ratio = ratio[np.isfinite(ratio)]
    return float(np.percentile(ratio, 10)) if ratio.size >= 5 else float("nan")


def _knee_features(k: np.ndarray) -> dict:
    """both_knees_bent_deg, max_knee_deg, knee_range_deg of (F, 2) knee flexions;
    with one knee seen, its range and its most bent only (nothing compares the two)."""
    out = {}
    ranges = [_robust_range(k[:, j]) for j in (0, 1)]
    seen = [r for r in ranges if np.isfinite(r)]
    if seen:
        out["knee_range_deg"] = float(max(seen))
        most = np.fmax(k[:, 0], k[:, 1])  # fmax: an unseen knee gives way to the other
        out["max_knee_deg"] = float(np.percentile(most[np.isfinite(most)], 90))
    both = k[np.all(np.isfinite(k), axis=1)]
    if len(both) >= 5 and len(seen) == 2:
        out["both_knees_bent_deg"] = float(np.percentile(both.min(axis=1), 90))
    return out


_LOWER = (L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE)


def lower_body_vectors(track: PoseTrack) -> np.ndarray:
    """(T, 4, 2) knees and ankles relative to the hip-mid, in torso lengths (NaN where unseen)."""
    xy = np.where((track.visibility >= MIN_VISIBILITY)[..., None], track.xy_px, np.nan)
    hip = (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2
    torso = torso_length_px(xy, track.fps if len(track) > 1 else 30.0)
    return (xy[:, _LOWER] - hip[:, None]) / torso[:, None, None]


def lower_body_motion(track: PoseTrack, start: int, end: int, vectors: np.ndarray | None = None) -> float:
    """RMS movement of the knees and ankles about their own mean positions (hip-relative, torso
    lengths) over frames [start, end), each point over the frames it is seen: a knee opening
    with the heels together (a clamshell) moves, a far leg hidden from the side does not count."""
    v = (lower_body_vectors(track) if vectors is None else vectors)[start:end]
    seen = np.isfinite(v)
    counts = seen.sum(axis=0)
    mean = np.where(counts > 0, np.where(seen, v, 0.0).sum(axis=0) / np.maximum(counts, 1), np.nan)
    sq = np.sum((v - mean) ** 2, axis=2)  # NaN where the point is unseen
    ok = np.isfinite(sq)
    return float(np.sqrt(sq[ok].mean())) if ok.any() else float("nan")


def local_motion(track: PoseTrack, half_window_s: float = 0.5) -> np.ndarray:
    """(T,) per frame, `lower_body_motion` over the frames within +-half_window_s: where the
    athlete stands still and where the movement starts, to a fraction of a second."""
    v = lower_body_vectors(track)
    t = track.t_s
    out = np.full(len(track), np.nan)
    lo = np.searchsorted(t, t - half_window_s, side="left")
    hi = np.searchsorted(t, t + half_window_s, side="right")
    for i in range(len(track)):
        if hi[i] - lo[i] >= 3:
            out[i] = lower_body_motion(track, int(lo[i]), int(hi[i]), v)
    return out
