"""`VideoInfo`: what a probed clip is, in plain values (see `formcheck.video.probe`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass(frozen=True, eq=False)
class VideoInfo:
    """What `probe` learnt about one clip.

    Attributes:
        path: the clip file.
        file_size_bytes: size of the file in bytes.
        container: FFmpeg's name of the container format, e.g. "mov,mp4,m4a,3gp,3g2,mj2".
        codec: FFmpeg's name of the video codec, e.g. "h264", "hevc".
        width, height: picture size in pixels as stored (before rotation).
        rotation_deg: 0, 90, 180 or 270: clockwise turn that shows the stored
            picture upright (the display matrix; a phone held upright usually
            records 90).
        frame_count: number of frames (video packets) in the clip.
        duration_s: playback length in seconds (first frame shown to last frame
            gone).
        fps: average frame rate in frames per second, never rounded (29.97
            stays 29.97002997).
        is_variable_frame_rate: some frame interval is more than 10 % off the
            median interval (phone clips, screen recordings, dropped frames).
        timestamps_s: (frame_count,) float64 presentation times in seconds of
            playback, relative to the first frame (so `timestamps_s[0] == 0`),
            strictly increasing, read-only.
        capture_fps: frames per second the camera captured, from a slow-motion
            tag or the caller's override; None if unknown.
        time_scale: real seconds per playback second: `fps / capture_fps` for a
            slow-motion clip (e.g. 30 / 240 = 0.125), else 1.0.
        has_audio: the file has a sound track.
        start_offset_s: time of the first frame on the stream clock (seconds
            after the stream's start time); 0 for almost every file. Used to
            match decoder positions to `timestamps_s`.
        is_truncated: the data stops before the end the file announces (only
            when probed with `allow_truncated=True`).
        keyframes: sorted indices of the frames a decoder can start from (a
            seek decodes from the keyframe before its target); empty if unknown.
    """

    path: Path
    file_size_bytes: int
    container: str
    codec: str
    width: int
    height: int
    rotation_deg: int
    frame_count: int
    duration_s: float
    fps: float
    is_variable_frame_rate: bool
    timestamps_s: np.ndarray = field(repr=False)
    capture_fps: float | None = None
    time_scale: float = 1.0
    has_audio: bool = False
    start_offset_s: float = 0.0
    is_truncated: bool = False
    keyframes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)

    def __post_init__(self) -> None:
        ts = np.array(self.timestamps_s, dtype=np.float64)
        if ts.shape != (self.frame_count,):
            raise ValueError(f"timestamps_s must have shape ({self.frame_count},), got {ts.shape}")
        if ts.size > 1 and np.any(np.diff(ts) <= 0):
            raise ValueError("timestamps_s must be strictly increasing")
        if self.rotation_deg not in (0, 90, 180, 270):
            raise ValueError(f"rotation_deg must be 0, 90, 180 or 270, got {self.rotation_deg}")
        if not self.time_scale > 0:
            raise ValueError(f"time_scale must be > 0, got {self.time_scale}")
        keys = np.array(self.keyframes, dtype=np.int64).reshape(-1)
        if keys.size and (keys.min() < 0 or keys.max() >= self.frame_count or np.any(np.diff(keys) <= 0)):
            raise ValueError("keyframes must be sorted, distinct frame indices in [0, frame_count)")
        ts.setflags(write=False)
        keys.setflags(write=False)
        object.__setattr__(self, "timestamps_s", ts)
        object.__setattr__(self, "keyframes", keys)
        object.__setattr__(self, "path", Path(self.path))

    @property
    def upright_width(self) -> int:
        """Width in pixels of the picture once rotated upright."""
        return self.height if self.rotation_deg in (90, 270) else self.width

    @property
    def upright_height(self) -> int:
        """Height in pixels of the picture once rotated upright."""
        return self.width if self.rotation_deg in (90, 270) else self.height

    @property
    def upright_size(self) -> tuple[int, int]:
        """(width, height) of the upright picture in pixels."""
        return self.upright_width, self.upright_height

    @property
    def real_timestamps_s(self) -> np.ndarray:
        """(frame_count,) seconds of real time: `timestamps_s * time_scale`."""
        return self.timestamps_s * self.time_scale

    @property
    def real_duration_s(self) -> float:
        """Length of the recorded action in real seconds."""
        return self.duration_s * self.time_scale

    @property
    def is_slow_motion(self) -> bool:
        return self.time_scale < 1.0


# -- recognising files ----------------------------------------------------------
