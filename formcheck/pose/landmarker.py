"""The only module that imports mediapipe: frames in, people's landmarks out.

MediaPipe's PoseLandmarker (Tasks API) runs in VIDEO mode, so it tracks
people between frames and needs strictly increasing millisecond timestamps.
It reports several people per frame in no stable order; identity is assigned
later (`formcheck.pose.people`), over the whole clip, so that a clip split
into chunks gets one consistent identity.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np

from formcheck.landmarks import NUM_LANDMARKS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LandmarkerSettings:
    """MediaPipe options, in MediaPipe's own terms.

    num_poses: most people tracked per frame (1-8). 2 tells the athlete
        from a passer-by or a coach. It has a price: while fewer people than
        this are in view, MediaPipe re-runs its person detector on every
        frame (~60% more time per frame than 1). That cannot be avoided by
        counting people now and then: MediaPipe's detector finds a second
        person in a single frame only about one time in ten (tried on the
        Sports2D clip); tracking over consecutive frames is what finds them.
        Use 1 for a clip known to hold one person.
    tiles: 1 = the whole frame; 2 = two overlapping halves along the long
        side, each with its own landmarker (twice the time). MediaPipe's
        detector sees the frame at 224 px, where a runner a quarter of a
        wide frame tall is ~25 px and is missed; in a half tile they are
        twice that (the pipeline falls back to this when nobody is found).
    min_*: MediaPipe's confidence thresholds in [0, 1].
    """

    num_poses: int = 2
    tiles: int = 1
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5

    def __post_init__(self) -> None:
        if not 1 <= self.num_poses <= 8:
            raise ValueError(f"num_poses must be in 1..8, got {self.num_poses}")
        if self.tiles not in (1, 2):
            raise ValueError(f"tiles must be 1 or 2, got {self.tiles}")
        for name in ("min_detection_confidence", "min_presence_confidence", "min_tracking_confidence"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {value}")


@dataclass(frozen=True, eq=False)
class FramePeople:
    """Everyone MediaPipe found in one frame (P people, K landmarks).

    xy_px: (P, K, 2) pixels of the upright frame; z: (P, K) relative depth
    in x-pixel scale; visibility: (P, K) in [0, 1]; world_m: (P, K, 3) metres;
    signature: the frame's own look (`video.cuts.frame_signature`), taken while
    the frame was decoded for pose, so shot cuts need no second decode; None
    where it was not taken. change: grey levels by which the frame differs from
    the one decoded before it (`video.repeats.change_level`), for repeated
    frames; NaN where unknown.
    """

    xy_px: np.ndarray
    z: np.ndarray
    visibility: np.ndarray
    world_m: np.ndarray
    signature: np.ndarray | None = None
    change: float = float("nan")

    @classmethod
    def nobody(cls) -> "FramePeople":
        k = NUM_LANDMARKS
        return cls(np.zeros((0, k, 2)), np.zeros((0, k)), np.zeros((0, k)), np.zeros((0, k, 3)))

    def __len__(self) -> int:
        return int(self.xy_px.shape[0])


class PoseLandmarker:
    """A MediaPipe PoseLandmarker; use as a context manager.

    mode "video": tracks people from frame to frame (needs increasing
    times); "image": every frame on its own, always running the person
    detector (for looking at scattered frames, or counting people).
    """

    def __init__(self, model_path: str, settings: LandmarkerSettings, mode: str = "video"):
        if mode not in ("video", "image"):
            raise ValueError(f"mode must be 'video' or 'image', got {mode!r}")
        # Imported here so that importing formcheck never loads MediaPipe.
        from mediapipe.tasks.python import vision
        from mediapipe.tasks.python.core.base_options import BaseOptions

        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path)),
            running_mode=vision.RunningMode.VIDEO if mode == "video" else vision.RunningMode.IMAGE,
            num_poses=settings.num_poses,
            min_pose_detection_confidence=settings.min_detection_confidence,
            min_pose_presence_confidence=settings.min_presence_confidence,
            min_tracking_confidence=settings.min_tracking_confidence,
        )
        self._landmarker = vision.PoseLandmarker.create_from_options(options)
        self.mode = mode
        self.num_poses = settings.num_poses
        self._last_ms = -1

    @property
    def last_t_s(self) -> float:
        """Time of the last frame seen (-inf before the first)."""
        return self._last_ms / 1000.0 if self._last_ms >= 0 else float("-inf")

    def __enter__(self) -> "PoseLandmarker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        # Closing explicitly: MediaPipe's own __del__ fails at interpreter exit.
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None

    def detect(self, image_rgb: np.ndarray, t_s: float) -> FramePeople:
        """Landmarks of everyone in one upright RGB frame (H, W, 3) uint8 at time `t_s`."""
        import mediapipe as mp

        if image_rgb.ndim != 3 or image_rgb.shape[2] != 3 or image_rgb.dtype != np.uint8:
            raise ValueError(f"image_rgb must be (H, W, 3) uint8, got {image_rgb.shape} {image_rgb.dtype}")
        # VIDEO mode rejects equal or decreasing timestamps; 240 fps clips
        # have frames 4.2 ms apart, so integer ms stay distinct after this.
        # A landmarker used again after a jump in time re-finds people itself.
        t_ms = max(int(round(t_s * 1000.0)), self._last_ms + 1)
        self._last_ms = t_ms
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(image_rgb))
        if self.mode == "image":
            result = self._landmarker.detect(image)
        else:
            result = self._landmarker.detect_for_video(image, t_ms)
        height, width = image_rgb.shape[:2]
        return _to_frame_people(result, width, height)


TILE_SHARE = 0.55  # of the long side per tile: the halves overlap by 10% so nobody is cut in two


class TiledLandmarker:
    """Two landmarkers on two overlapping halves of each frame; same `detect` as PoseLandmarker."""

    def __init__(self, model_path: str, settings: LandmarkerSettings):
        self._parts = [PoseLandmarker(model_path, settings) for _ in range(2)]
        self.mode, self.num_poses = "video", settings.num_poses

    def __enter__(self) -> "TiledLandmarker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for part in self._parts:
            part.close()

    @property
    def last_t_s(self) -> float:
        return self._parts[0].last_t_s

    def detect(self, image_rgb: np.ndarray, t_s: float) -> FramePeople:
        height, width = image_rgb.shape[:2]
        along_x = width >= height
        long_side = width if along_x else height
        size = int(np.ceil(TILE_SHARE * long_side))
        axis = 0 if along_x else 1
        found, tile_of, margin = [], [], []
        for tile, (part, start) in enumerate(zip(self._parts, (0, long_side - size))):
            crop = image_rgb[:, start:start + size] if along_x else image_rgb[start:start + size]
            people = part.detect(crop, t_s)
            shift = np.array([start, 0.0] if along_x else [0.0, start])
            for p in range(len(people)):
                centre = np.nanmean(people.xy_px[p, list(_TORSO)], axis=0)[axis]
                # A body centred outside its tile is a phantom hanging off the crop edge.
                if not (0 <= centre < size):
                    continue
                found.append((people.xy_px[p] + shift, people.z[p], people.visibility[p], people.world_m[p]))
                tile_of.append(tile)
                # Distance to the edge where the tile cuts the frame (its right/bottom for
                # the first tile, its left/top for the second).
                margin.append(size - centre if tile == 0 else centre)
        if not found:
            return FramePeople.nobody()
        xy, z, vis, world = (np.stack(a) for a in zip(*found))
        keep = drop_tile_duplicates(xy, np.array(tile_of), np.array(margin))
        return FramePeople(xy[keep], z[keep], vis[keep], world[keep])


_TORSO = (11, 12, 23, 24)  # shoulders and hips
#: Two torso centres closer than this share of the body's size are one person.
SAME_PERSON_SHARE = 0.15


def drop_tile_duplicates(xy_px: np.ndarray, tile: np.ndarray, margin: np.ndarray) -> np.ndarray:
    """Which of the people found in two overlapping tiles to keep.

    A person standing in the overlap is found in both tiles, with nearly the
    same landmarks. Of two people from different tiles whose torso centres are
    within `SAME_PERSON_SHARE` of the body's size (the longer side of the box
    around its landmarks; not the torso's length, which a bent body shortens),
    the one farther from its tile's cut edge is kept: that tile sees more of
    the body around them. Two real people are at least a shoulder width apart.

    Args:
        xy_px: (P, K, 2) landmarks in frame pixels.
        tile: (P,) which tile each person was found in.
        margin: (P,) distance in pixels from the torso centre to the tile's cut edge.

    Returns:
        (Q,) sorted indices of the people kept.
    """
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a person with no finite landmark: NaN
        centre = np.nanmean(xy_px[:, list(_TORSO)], axis=1)
        size = np.nanmax(np.nanmax(xy_px, axis=1) - np.nanmin(xy_px, axis=1), axis=1)
    dropped: set[int] = set()
    for a in range(len(xy_px)):
        for b in range(a + 1, len(xy_px)):
            if tile[a] == tile[b] or a in dropped or b in dropped:
                continue
            apart = np.linalg.norm(centre[a] - centre[b])
            if apart < SAME_PERSON_SHARE * max(size[a], size[b]):  # False where NaN
                dropped.add(b if margin[a] >= margin[b] else a)
    return np.array([p for p in range(len(xy_px)) if p not in dropped], dtype=np.int64)


def make_landmarker(model_path: str, settings: LandmarkerSettings) -> PoseLandmarker | TiledLandmarker:
    """The landmarker the settings ask for (whole frame, or tiled)."""
    if settings.tiles == 2:
        return TiledLandmarker(model_path, settings)
    return PoseLandmarker(model_path, settings)


def _to_frame_people(result, width: int, height: int) -> FramePeople:
    people = result.pose_landmarks or []
    if not people:
        return FramePeople.nobody()
    n, k = len(people), NUM_LANDMARKS
    xy = np.full((n, k, 2), np.nan)
    z = np.full((n, k), np.nan)
    vis = np.zeros((n, k))
    world = np.full((n, k, 3), np.nan)
    worlds = result.pose_world_landmarks or []
    for p, landmarks in enumerate(people):
        for j, lm in enumerate(landmarks[:k]):
            # Pixels, not normalised units: angles on a non-square frame
            # would be distorted otherwise (METRICS.md §0).
            xy[p, j] = (lm.x * width, lm.y * height)
            z[p, j] = lm.z * width
            # Visible (not occluded) and present (inside the frame), both needed.
            vis[p, j] = min(_unit(lm.visibility), _unit(getattr(lm, "presence", 1.0)))
        if p < len(worlds):
            for j, lm in enumerate(worlds[p][:k]):
                world[p, j] = (lm.x, lm.y, lm.z)
    return FramePeople(xy, z, vis, world)


def _unit(value) -> float:
    return 0.0 if value is None else float(min(max(value, 0.0), 1.0))
