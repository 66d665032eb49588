"""Typed errors with plain-language messages.

Every error a user can cause derives from `FormCheckError`; its `str()` is
written for the user (what happened, what to do), so the CLI and the app can
show it as it is, never a traceback.
"""

from __future__ import annotations


class FormCheckError(Exception):
    """Base class of every error FormCheck reports to a user."""


# -- clips --------------------------------------------------------------
class VideoError(FormCheckError):
    """The clip cannot be used."""


class NotAVideoError(VideoError):
    """The file is not a video (text, image, random bytes, audio only)."""


class EmptyFileError(NotAVideoError):
    """The file has zero bytes."""


class CorruptVideoError(VideoError):
    """The file looks like a video but is damaged or truncated."""


class NoFramesError(VideoError):
    """The container holds a video stream with no decodable frame."""


class UnsupportedCodecError(VideoError):
    """The video codec cannot be decoded on this machine."""


class ClipLimitError(VideoError):
    """The clip is over a configured limit (size, duration, resolution, frames)."""


class ClipTooShortError(VideoError):
    """The clip has too few frames to show any movement (a single frame)."""


# -- pose ---------------------------------------------------------------
class ModelNotFoundError(FormCheckError):
    """No pose model file is available."""


class NoPersonError(FormCheckError):
    """No person was found in the clip."""


class PoseWorkerError(FormCheckError):
    """A pose worker process stopped before finishing its part of the clip."""


class ProvisioningError(FormCheckError):
    """Setup could not fetch or verify a model or a sample clip."""
