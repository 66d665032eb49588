"""Limits on the clips FormCheck accepts, and the checks that apply them.

A clip over a limit raises `ClipLimitError` with the clip's value, the limit
and what to do, in words a runner understands. The file size is checked
before the container is opened at all (`check_file_size`); the rest once the
clip has been probed (`check_limits`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from formcheck.errors import ClipLimitError

if TYPE_CHECKING:
    from formcheck.video.info import VideoInfo

_BYTES_PER_MB = 1_000_000


@dataclass(frozen=True)
class VideoLimits:
    """What FormCheck agrees to analyse. Every field must be > 0.

    Attributes:
        max_file_mb: largest file, in megabytes (1 MB = 1,000,000 bytes).
        max_duration_s: longest clip, in seconds of playback (what a player
            shows; a slow-motion clip counts at its slowed-down length).
        max_pixels: most pixels per frame (width x height); the default is
            4K UHD, 3840 x 2160.
        max_frames: most frames per clip. The default, 36,000, is 10 minutes
            at 60 frames/s; pose estimation runs at about 40 frames/s per
            core, so this bounds the work to roughly a quarter of an hour.
    """

    max_file_mb: float = 2000.0
    max_duration_s: float = 600.0
    max_pixels: int = 3840 * 2160
    max_frames: int = 36_000

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{f.name} must be a number, got {value!r}")
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"{f.name} must be a finite number > 0, got {value!r}")

    @property
    def max_file_bytes(self) -> int:
        """`max_file_mb` in bytes."""
        return int(self.max_file_mb * _BYTES_PER_MB)


def _num(value: float) -> str:
    """12.5 -> "12.5", 10.0 -> "10", 2000 -> "2,000"."""
    text = f"{value:,.1f}"
    return text[:-2] if text.endswith(".0") else text


def _size(n_bytes: float) -> str:
    if n_bytes >= 1000 * _BYTES_PER_MB:
        return f"{_num(n_bytes / (1000 * _BYTES_PER_MB))} GB"
    return f"{_num(n_bytes / _BYTES_PER_MB)} MB"


def _length(seconds: float) -> str:
    if seconds >= 120:
        return f"{_num(seconds / 60)} minutes"
    return f"{_num(seconds)} seconds"


def check_file_size(file_size_bytes: int, limits: VideoLimits) -> None:
    """Raise `ClipLimitError` if a file of `file_size_bytes` is too big."""
    if file_size_bytes > limits.max_file_bytes:
        raise ClipLimitError(
            f"This file is {_size(file_size_bytes)}; FormCheck accepts files up to "
            f"{_size(limits.max_file_bytes)}. Trim the clip to the part you want "
            "checked, or export it at a lower quality."
        )


def check_duration(duration_s: float, limits: VideoLimits) -> None:
    """Raise `ClipLimitError` if a clip of `duration_s` seconds is too long."""
    if duration_s > limits.max_duration_s:
        raise ClipLimitError(
            f"This clip is {_length(duration_s)} long; FormCheck analyses up to "
            f"{_length(limits.max_duration_s)}. Trim it to the strides or reps you "
            "want checked."
        )


def check_frame_size(width: int, height: int, limits: VideoLimits) -> None:
    """Raise `ClipLimitError` if `width` x `height` pixels is too many per frame."""
    if width * height > limits.max_pixels:
        raise ClipLimitError(
            f"This clip's picture is {width}x{height} "
            f"({_num(width * height / 1e6)} megapixels); FormCheck handles up to "
            f"{_num(limits.max_pixels / 1e6)} megapixels per frame. Export it at a lower "
            "resolution (4K, 3840x2160, is 8.3 megapixels)."
        )


def check_frame_count(frame_count: int, limits: VideoLimits) -> None:
    """Raise `ClipLimitError` if `frame_count` frames is too many."""
    if frame_count > limits.max_frames:
        raise ClipLimitError(
            f"This clip has {frame_count:,} frames; FormCheck analyses up to "
            f"{limits.max_frames:,}. Trim it to the strides or reps you want checked, "
            "or export it at a lower frame rate."
        )


def check_limits(info: VideoInfo, limits: VideoLimits) -> None:
    """Raise `ClipLimitError` for the first limit `info` is over:
    file size, then frame size, duration and frame count."""
    check_file_size(info.file_size_bytes, limits)
    check_frame_size(info.width, info.height, limits)
    check_duration(info.duration_s, limits)
    check_frame_count(info.frame_count, limits)
