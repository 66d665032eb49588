"""`PoseTrack`: one person's landmarks over time, as parallel numpy arrays.

Every stage after pose estimation reads and returns this type. Missing
values are NaN (never 0, which is a real pixel coordinate); frame `i` of
every array describes the same instant `t_s[i]`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from formcheck.landmarks import MIRROR_INDEX, NUM_LANDMARKS


@dataclass(frozen=True, eq=False)
class PoseTrack:
    """Landmarks of one person over T frames and K landmarks.

    Attributes:
        t_s: (T,) float64 seconds of real time from the clip start, strictly
            increasing (slow-motion clips are already rescaled to real time).
        xy_px: (T, K, 2) float64 image coordinates in pixels of the upright
            (rotation-corrected) frame, x to the right, y down. NaN if missing.
        z: (T, K) float64 MediaPipe relative depth, in the same scale as x
            pixels (smaller = nearer the camera). NaN if missing.
        visibility: (T, K) float64 in [0, 1]; 0 where the landmark is missing.
        world_m: (T, K, 3) float64 metres, origin at the hip centre. NaN if
            missing. For sanity checks only (METRICS.md §0).
        frame_index: (T,) int64 index of the source frame each row came from.
        frame_size: (width, height) of the upright frame in pixels.
    """

    t_s: np.ndarray
    xy_px: np.ndarray
    z: np.ndarray
    visibility: np.ndarray
    world_m: np.ndarray
    frame_index: np.ndarray
    frame_size: tuple[int, int] = (0, 0)

    def __post_init__(self) -> None:
        t = np.asarray(self.t_s, dtype=np.float64)
        if t.ndim != 1:
            raise ValueError(f"t_s must be 1-D, got shape {t.shape}")
        n = t.shape[0]
        xy = np.asarray(self.xy_px)
        k = xy.shape[1] if xy.ndim == 3 else NUM_LANDMARKS
        expected = {
            "xy_px": (n, k, 2),
            "z": (n, k),
            "visibility": (n, k),
            "world_m": (n, k, 3),
            "frame_index": (n,),
        }
        for name, shape in expected.items():
            raw = getattr(self, name)
            arr = np.asarray(raw, dtype=np.int64 if name == "frame_index" else np.float64)
            if arr.size == 0 and n == 0:
                arr = arr.reshape(shape)
            if arr.shape != shape:
                raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "t_s", t)
        if n > 1 and not np.all(np.diff(t) > 0):
            raise ValueError("t_s must be strictly increasing")
        vis = self.visibility
        if np.any((vis < 0) | (vis > 1)):
            raise ValueError("visibility must lie in [0, 1]")
        object.__setattr__(self, "frame_size", (int(self.frame_size[0]), int(self.frame_size[1])))

    # -- construction -------------------------------------------------
    @classmethod
    def empty(cls, num_frames: int = 0, num_landmarks: int = NUM_LANDMARKS,
              t_s: np.ndarray | None = None, frame_size: tuple[int, int] = (0, 0)) -> "PoseTrack":
        """An all-missing track of `num_frames` frames (NaN, visibility 0)."""
        t = np.arange(num_frames, dtype=np.float64) if t_s is None else np.asarray(t_s, dtype=np.float64)
        num_frames = t.shape[0]
        return cls(
            t_s=t,
            xy_px=np.full((num_frames, num_landmarks, 2), np.nan),
            z=np.full((num_frames, num_landmarks), np.nan),
            visibility=np.zeros((num_frames, num_landmarks)),
            world_m=np.full((num_frames, num_landmarks, 3), np.nan),
            frame_index=np.arange(num_frames, dtype=np.int64),
            frame_size=frame_size,
        )

    # -- shape --------------------------------------------------------
    def __len__(self) -> int:
        return int(self.t_s.shape[0])

    @property
    def num_landmarks(self) -> int:
        return int(self.xy_px.shape[1])

    def __getitem__(self, index) -> "PoseTrack":
        """Slice frames; every array is sliced together. An int keeps a 1-frame track."""
        if isinstance(index, (int, np.integer)):
            index = slice(int(index), int(index) + 1 if int(index) != -1 else None)
        return replace(
            self,
            t_s=self.t_s[index],
            xy_px=self.xy_px[index],
            z=self.z[index],
            visibility=self.visibility[index],
            world_m=self.world_m[index],
            frame_index=self.frame_index[index],
        )

    # -- derived views -----------------------------------------------
    @property
    def present(self) -> np.ndarray:
        """(T, K) bool: the landmark has finite image coordinates."""
        return np.all(np.isfinite(self.xy_px), axis=-1)

    @property
    def detected_frames(self) -> np.ndarray:
        """(T,) bool: at least one landmark present in the frame."""
        return self.present.any(axis=1)

    @property
    def duration_s(self) -> float:
        return float(self.t_s[-1] - self.t_s[0]) if len(self) > 1 else 0.0

    @property
    def fps(self) -> float:
        """Median frame rate from the timestamps (NaN if fewer than 2 frames)."""
        if len(self) < 2:
            return float("nan")
        return float(1.0 / np.median(np.diff(self.t_s)))

    def with_arrays(self, **arrays) -> "PoseTrack":
        """A copy with some arrays replaced (validated again)."""
        return replace(self, **arrays)

    def with_missing(self, missing: np.ndarray) -> "PoseTrack":
        """A copy with the landmarks where `missing` (T, K) bool is True set to NaN
        (image, depth and world coordinates; visibility is kept as evidence)."""
        missing = np.asarray(missing, dtype=bool)
        if missing.shape != self.visibility.shape:
            raise ValueError(f"missing must have shape {self.visibility.shape}, got {missing.shape}")
        xy, z, world = self.xy_px.copy(), self.z.copy(), self.world_m.copy()
        xy[missing] = np.nan
        z[missing] = np.nan
        world[missing] = np.nan
        return replace(self, xy_px=xy, z=z, world_m=world)

    def mirrored_left_right(self) -> "PoseTrack":
        """Exchange every left landmark with its right twin (labels only)."""
        idx = list(MIRROR_INDEX)
        return replace(
            self,
            xy_px=self.xy_px[:, idx],
            z=self.z[:, idx],
            visibility=self.visibility[:, idx],
            world_m=self.world_m[:, idx],
        )

    def allclose(self, other: "PoseTrack", atol_px: float = 1e-6) -> bool:
        """Same frames and landmarks within `atol_px` (NaN equals NaN)."""
        return (
            len(self) == len(other)
            and np.allclose(self.t_s, other.t_s)
            and np.allclose(self.xy_px, other.xy_px, atol=atol_px, equal_nan=True)
        )
