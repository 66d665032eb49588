"""Limits on the clips FormCheck accepts, and the checks that apply them.

A clip over a limit raises `ClipLimitError` with the clip's value, the limit,
what to do with the clip, and how to raise the limit, in words a runner
understands. Every check runs on what the container says, before any frame
is decoded: the file size before the container is opened at all
(`check_file_size`), the picture size, length and frame count from its
header, and, for a container whose header does not say, from the packets as
they are read (`probe` stops reading at the first one over a limit).

The limits are settings (`Settings.limits`); the command line takes
`--limit NAME=VALUE`, and `VideoLimits.from_env` reads `FORMCHECK_MAX_*`
environment variables (for the app's server).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING

from formcheck.errors import ClipLimitError

if TYPE_CHECKING:
    from formcheck.video.info import VideoInfo

_BYTES_PER_MB = 1_000_000

#: Environment variable of each limit (`VideoLimits.from_env`).
ENV_VARS = {
    "max_file_mb": "FORMCHECK_MAX_FILE_MB",
    "max_duration_s": "FORMCHECK_MAX_DURATION_S",
    "max_pixels": "FORMCHECK_MAX_PIXELS",
    "max_frames": "FORMCHECK_MAX_FRAMES",
}
#: What a limit's value is, for the hint that says how to raise it.
_UNITS = {"max_file_mb": "MB", "max_duration_s": "SECONDS", "max_pixels": "PIXELS", "max_frames": "FRAMES"}


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

    def with_values(self, values: Mapping[str, str | float], where: str = "limit") -> VideoLimits:
        """A copy with the named limits changed; values may be text ("900", "1e4").

        Raises ValueError naming `where` and the field for an unknown name or a bad value."""
        known = {f.name: f for f in fields(self)}
        changes = {}
        for name, value in values.items():
            if name not in known:
                raise ValueError(f"unknown {where} {name!r}; valid: {sorted(known)}")
            changes[name] = _parse(value, name, integer=known[name].type == "int")
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> VideoLimits:
        """The defaults, with each limit whose `ENV_VARS` variable is set taken from it."""
        env = os.environ if environ is None else environ
        limits = cls()
        for name, var in ENV_VARS.items():
            if env.get(var, "").strip():
                try:
                    limits = limits.with_values({name: env[var]})
                except ValueError as exc:
                    raise ValueError(f"environment variable {var}: {exc}") from None
        return limits


def _parse(value: str | float, name: str, integer: bool) -> float | int:
    if isinstance(value, str):
        try:
            number = float(value.strip().replace("_", ""))
        except ValueError:
            raise ValueError(f"{name} must be a number, got {value!r}") from None
    else:
        number = value
    if integer and isinstance(number, float) and math.isfinite(number):
        if number != int(number):
            raise ValueError(f"{name} must be a whole number, got {value!r}")
        number = int(number)
    return number


def how_to_raise(name: str) -> str:
    """The sentence that says how to raise the limit `name` (a `VideoLimits` field)."""
    unit = _UNITS[name]
    return (f"To raise the limit, set {name}: --limit {name}={unit} on the command line, or the "
            f"environment variable {ENV_VARS[name]} where the app runs.")


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
        clip, limit = _size(file_size_bytes), _size(limits.max_file_bytes)
        if clip == limit:  # rounding made them read the same: say it in bytes
            clip, limit = f"{file_size_bytes:,} bytes", f"{limits.max_file_bytes:,} bytes"
        raise ClipLimitError(
            f"This file is {clip}; FormCheck accepts files up to {limit}. Trim the clip to the "
            "part you want checked, or export it at a lower quality. " + how_to_raise("max_file_mb")
        )


def check_duration(duration_s: float, limits: VideoLimits, at_least: bool = False) -> None:
    """Raise `ClipLimitError` if a clip of `duration_s` seconds is too long.

    at_least: `duration_s` is only how far the clip was read (it is longer)."""
    if duration_s > limits.max_duration_s:
        if at_least:
            clip = f"longer than {_length(limits.max_duration_s)}"
        else:
            length, limit = _length(duration_s), _length(limits.max_duration_s)
            if length == limit:  # 602 s is "10 minutes" too: say it in seconds
                length = f"{_num(duration_s)} seconds"
            clip = f"{length} long"
        raise ClipLimitError(
            f"This clip is {clip}; FormCheck analyses up to {_length(limits.max_duration_s)}. Trim it "
            "to the strides or reps you want checked. " + how_to_raise("max_duration_s")
        )


def check_frame_size(width: int, height: int, limits: VideoLimits) -> None:
    """Raise `ClipLimitError` if `width` x `height` pixels is too many per frame."""
    if width * height > limits.max_pixels:
        clip, limit = f"{_num(width * height / 1e6)} megapixels", f"{_num(limits.max_pixels / 1e6)} megapixels"
        if clip == limit:  # rounding made them read the same: say it in pixels
            clip, limit = f"{width * height:,} pixels", f"{limits.max_pixels:,} pixels"
        raise ClipLimitError(
            f"This clip's picture is {width}x{height} ({clip}); FormCheck handles up to "
            f"{limit} per frame. Export it at a lower resolution (4K, 3840x2160, is 8.3 "
            "megapixels). " + how_to_raise("max_pixels")
        )


def check_frame_count(frame_count: int, limits: VideoLimits, at_least: bool = False) -> None:
    """Raise `ClipLimitError` if `frame_count` frames is too many.

    at_least: `frame_count` is only how many frames were read so far."""
    if frame_count > limits.max_frames:
        count = f"more than {limits.max_frames:,}" if at_least else f"{frame_count:,}"
        raise ClipLimitError(
            f"This clip has {count} frames; FormCheck analyses up to {limits.max_frames:,}. Trim it to "
            "the strides or reps you want checked, or export it at a lower frame rate. "
            + how_to_raise("max_frames")
        )


def check_limits(info: VideoInfo, limits: VideoLimits) -> None:
    """Raise `ClipLimitError` for the first limit `info` is over:
    file size, then frame size, duration and frame count."""
    check_file_size(info.file_size_bytes, limits)
    check_frame_size(info.width, info.height, limits)
    check_duration(info.duration_s, limits)
    check_frame_count(info.frame_count, limits)
