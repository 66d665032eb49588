"""Synthetic PoseTracks with known answers, for tests of every stage.

`make_walking_track` draws a 2-D side-view figure whose legs swing
sinusoidally in antiphase, so the legs cross smoothly twice per stride, as in
real running; the injectors add the artefacts of a real pose model (gaps,
spikes, leg label swaps, low visibility). Every function returns a new track
and never modifies its input; randomness comes from a seeded generator.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np

from formcheck.landmarks import NUM_LANDMARKS
from formcheck.landmarks import Landmark as L
from formcheck.track import PoseTrack

LEG_PAIRS = (
    (L.LEFT_HIP, L.RIGHT_HIP), (L.LEFT_KNEE, L.RIGHT_KNEE), (L.LEFT_ANKLE, L.RIGHT_ANKLE),
    (L.LEFT_HEEL, L.RIGHT_HEEL), (L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX),
)


def uniform_times(n_frames: int, fps: float = 30.0) -> np.ndarray:
    """(n,) seconds at a constant frame rate, starting at 0."""
    return np.arange(n_frames, dtype=np.float64) / fps


def variable_frame_times(n_frames: int, fps: float = 30.0, jitter: float = 0.3, seed: int = 0) -> np.ndarray:
    """(n,) seconds with each frame interval (1/fps)(1 + U(-jitter, jitter)), like a phone clip."""
    rng = np.random.default_rng(seed)
    dt = (1.0 + rng.uniform(-jitter, jitter, max(n_frames - 1, 0))) / fps
    return np.concatenate(([0.0], np.cumsum(dt)))[:n_frames]


def _angles(phase: np.ndarray, swing_rad: float) -> tuple[np.ndarray, np.ndarray]:
    """Thigh angle from vertical (+ = forward) and knee flexion, radians."""
    thigh = swing_rad * np.sin(phase)
    knee = np.deg2rad(10.0) + np.deg2rad(45.0) * (0.5 + 0.5 * np.sin(phase + 0.6 * np.pi))
    return thigh, knee


def make_walking_track(n_frames: int = 90, fps: float = 30.0, t_s: np.ndarray | None = None, *,
                       stride_hz: float = 1.4, thigh_px: float = 100.0, shank_px: float = 100.0,
                       swing_deg: float = 30.0, hip_gap_px: float = 6.0, speed_px_s: float = 0.0,
                       facing: int = 1, noise_px: float = 0.0, seed: int = 0,
                       frame_size: tuple[int, int] = (1280, 720)) -> PoseTrack:
    """A side-view runner/walker with sinusoidal leg swing; all 33 landmarks present.

    Args:
        n_frames: T (ignored when `t_s` is given).
        fps: frame rate for uniform times (ignored when `t_s` is given).
        t_s: (T,) explicit times in seconds, e.g. `variable_frame_times(...)`.
        stride_hz: strides per second; the legs cross twice per stride.
        thigh_px, shank_px: segment lengths in pixels (leg length ~ their sum).
        swing_deg: thigh swing amplitude either side of vertical.
        hip_gap_px: horizontal distance between the two hips (small: side view).
        speed_px_s: horizontal travel of the hips (0 = treadmill).
        facing: +1 faces image-right, -1 image-left.
        noise_px: standard deviation of Gaussian noise added to x and y.
        seed: seed of the noise generator.
    """
    t = uniform_times(n_frames, fps) if t_s is None else np.asarray(t_s, dtype=np.float64)
    n = t.shape[0]
    d = float(facing)
    phase = 2 * np.pi * stride_hz * t
    t_mid = 0.5 * (t[0] + t[-1]) if n else 0.0
    hip = np.stack([frame_size[0] / 2 + d * speed_px_s * (t - t_mid),
                    frame_size[1] / 2 - 40 + 4 * np.sin(2 * phase)], axis=-1)  # (T, 2)
    xy = np.zeros((n, NUM_LANDMARKS, 2))

    def put(lm: L, pos: np.ndarray) -> None:
        xy[:, int(lm)] = pos

    swing = np.deg2rad(swing_deg)
    for side, (hip_lm, knee_lm, ankle_lm, heel_lm, toe_lm), shift in (
        (0, (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX), 0.0),
        (1, (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX), np.pi),
    ):
        thigh, knee = _angles(phase + shift, swing)
        h = hip + np.array([(-0.5 if side == 0 else 0.5) * hip_gap_px, 0.0])
        k = h + thigh_px * np.stack([d * np.sin(thigh), np.cos(thigh)], axis=-1)
        shank = thigh - knee
        a = k + shank_px * np.stack([d * np.sin(shank), np.cos(shank)], axis=-1)
        put(hip_lm, h)
        put(knee_lm, k)
        put(ankle_lm, a)
        put(heel_lm, a + np.array([-d * 10.0, 8.0]))
        put(toe_lm, a + np.array([d * 25.0, 12.0]))
        # The arm on this side swings against its leg.
        sh = hip + np.array([d * 12.0 + (-2.0 if side == 0 else 2.0), -170.0])
        arm = -0.8 * thigh
        elbow = sh + 75 * np.stack([d * np.sin(arm), np.cos(arm)], axis=-1)
        forearm = arm + np.deg2rad(80)
        wrist = elbow + 65 * np.stack([d * np.sin(forearm), np.cos(forearm)], axis=-1)
        names = ("LEFT" if side == 0 else "RIGHT")
        put(L[f"{names}_SHOULDER"], sh)
        put(L[f"{names}_ELBOW"], elbow)
        put(L[f"{names}_WRIST"], wrist)
        for j, hand in enumerate(("PINKY", "INDEX", "THUMB")):
            put(L[f"{names}_{hand}"], wrist + np.array([d * (6.0 + 3 * j), 8.0 - 2 * j]))
    head = hip + np.array([d * 25.0, -235.0])
    put(L.NOSE, head + np.array([d * 15.0, 0.0]))
    for j, name in enumerate(("EYE_INNER", "EYE", "EYE_OUTER")):
        put(L[f"LEFT_{name}"], head + np.array([d * (10.0 - 3 * j), -8.0]))
        put(L[f"RIGHT_{name}"], head + np.array([d * (9.0 - 3 * j), -9.0]))
    put(L.LEFT_EAR, head + np.array([-d * 8.0, -4.0]))
    put(L.RIGHT_EAR, head + np.array([-d * 9.0, -5.0]))
    put(L.MOUTH_LEFT, head + np.array([d * 10.0, 12.0]))
    put(L.MOUTH_RIGHT, head + np.array([d * 9.0, 13.0]))
    if noise_px > 0:
        xy = xy + np.random.default_rng(seed).normal(0.0, noise_px, xy.shape)
    side_sign = np.array([-1.0 if "LEFT" in lm.name else 1.0 if "RIGHT" in lm.name else 0.0 for lm in L])
    z = np.tile(20.0 * side_sign, (n, 1))
    m_per_px = 0.9 / (thigh_px + shank_px)
    world = np.concatenate([(xy - hip[:, None, :]) * m_per_px, (z * m_per_px)[..., None]], axis=-1)
    return PoseTrack(t_s=t, xy_px=xy, z=z, visibility=np.full((n, NUM_LANDMARKS), 0.95),
                     world_m=world, frame_index=np.arange(n, dtype=np.int64), frame_size=frame_size)


def _frames(frames: slice | Sequence[int] | np.ndarray) -> slice | np.ndarray:
    return frames if isinstance(frames, slice) else np.asarray(frames, dtype=np.int64)


def inject_gap(track: PoseTrack, landmarks: Iterable[L], frames: slice | Sequence[int]) -> PoseTrack:
    """Landmarks missing on `frames`: NaN coordinates, visibility 0."""
    xy, z, vis, world = (a.copy() for a in (track.xy_px, track.z, track.visibility, track.world_m))
    f = _frames(frames)
    for lm in landmarks:
        xy[f, int(lm)] = np.nan
        z[f, int(lm)] = np.nan
        world[f, int(lm)] = np.nan
        vis[f, int(lm)] = 0.0
    return track.with_arrays(xy_px=xy, z=z, visibility=vis, world_m=world)


def inject_spikes(track: PoseTrack, landmark: L, frames: Sequence[int],
                  offset_px: tuple[float, float] = (80.0, -60.0)) -> PoseTrack:
    """Add `offset_px` to one landmark's image position on `frames` (visibility unchanged)."""
    xy = track.xy_px.copy()
    xy[_frames(frames), int(landmark)] += np.asarray(offset_px)
    return track.with_arrays(xy_px=xy)


def inject_leg_swap(track: PoseTrack, start: int, stop: int, include_hips: bool = True) -> PoseTrack:
    """Exchange the left and right leg labels (every array) on frames [start, stop)."""
    arrays = {n: getattr(track, n).copy() for n in ("xy_px", "z", "visibility", "world_m")}
    pairs = LEG_PAIRS if include_hips else LEG_PAIRS[1:]
    for arr in arrays.values():
        for left, right in pairs:
            tmp = arr[start:stop, int(left)].copy()
            arr[start:stop, int(left)] = arr[start:stop, int(right)]
            arr[start:stop, int(right)] = tmp
    return track.with_arrays(**arrays)


def set_visibility(track: PoseTrack, landmarks: Iterable[L], frames: slice | Sequence[int],
                   value: float) -> PoseTrack:
    """Set the visibility of `landmarks` on `frames` (coordinates unchanged)."""
    vis = track.visibility.copy()
    f = _frames(frames)
    for lm in landmarks:
        vis[f, int(lm)] = value
    return track.with_arrays(visibility=vis)


def concat(*tracks: PoseTrack) -> PoseTrack:
    """Tracks joined in time: each starts one frame interval (its own) after the previous one ends
    and its frame numbers continue the previous track's; the first track's frame size."""
    t, frames, end_t, end_f = [], [], None, None
    for tr in tracks:
        t0 = 0.0 if end_t is None else end_t + 1.0 / tr.fps
        f0 = 0 if end_f is None else end_f + 1
        t.append(tr.t_s - tr.t_s[0] + t0)
        frames.append(tr.frame_index - tr.frame_index[0] + f0)
        end_t, end_f = t[-1][-1], frames[-1][-1]
    return PoseTrack(t_s=np.concatenate(t), xy_px=np.concatenate([tr.xy_px for tr in tracks]),
                     z=np.concatenate([tr.z for tr in tracks]),
                     visibility=np.concatenate([tr.visibility for tr in tracks]),
                     world_m=np.concatenate([tr.world_m for tr in tracks]), frame_index=np.concatenate(frames),
                     frame_size=tracks[0].frame_size)


def held_slow_motion(track: PoseTrack, k: int, fps: float) -> tuple[PoseTrack, np.ndarray]:
    """`track` stored `k` times slower by showing each of its pictures `k` times at `fps` (slow
    motion made by holding pictures): rows repeated, frames renumbered, times 1/fps apart.
    Returns (track, repeated): repeated (N*k,) bool, True on the rows that show the picture again."""
    n = len(track) * k
    rows = np.repeat(np.arange(len(track)), k)
    held = replace(track, t_s=np.arange(n) / fps, frame_index=np.arange(n, dtype=np.int64), xy_px=track.xy_px[rows],
                   z=track.z[rows], visibility=track.visibility[rows], world_m=track.world_m[rows])
    return held, np.arange(n) % k != 0
