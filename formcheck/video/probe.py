"""Probe a clip: what it is, how it is turned, and when each frame is shown.

PyAV reads the container: metadata, the presentation time of every frame
(from the demuxed packets, without decoding them), the rotation (display
matrix) and slow-motion tags. One frame is decoded with PyAV and one with
OpenCV (the decoder `reader` uses) to prove the clip really decodes. Every
failure a user can cause ends in one typed `VideoError` with a plain message.

The limits (`VideoLimits`) are applied before any frame is decoded: the file
size before the container is opened, the picture size, length and frame
count from the header, and, where the header does not give them, packet by
packet while the timestamps are read (reading stops at the first packet over
a limit). Only then are the two proving frames decoded.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import av
import cv2
import numpy as np

from formcheck.errors import (
    CorruptVideoError,
    EmptyFileError,
    NoFramesError,
    NotAVideoError,
    UnsupportedCodecError,
    VideoError,
)
from formcheck.video.info import VideoInfo
from formcheck.video.limits import (
    VideoLimits,
    check_duration,
    check_file_size,
    check_frame_count,
    check_frame_size,
    check_limits,
)
from formcheck.video.timing import frame_times, is_variable_rate, keyframe_indices

log = logging.getLogger(__name__)

#: Capture rate must exceed playback rate by this factor to count as slow motion.
SLOW_MOTION_MIN_RATIO = 1.1

_AGAIN = "Copy or export the clip again from the phone and try once more."
_IMAGE_FORMATS = {"image2", "gif", "apng"}


def _looks_like_video_container(head: bytes) -> bool:
    """True if the first bytes carry the signature of a video container."""
    if len(head) >= 8 and head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip"):
        return True  # ISO BMFF: MP4, MOV, 3GP
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # Matroska / WebM
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return True
    if head.startswith((b"FLV", b"\x00\x00\x01\xba", b"\x30\x26\xb2\x75\x8e\x66\xcf\x11")):
        return True  # FLV, MPEG program stream, ASF/WMV
    return len(head) > 376 and head[0] == head[188] == head[376] == 0x47  # MPEG-TS


def open_input(path: Path) -> av.container.InputContainer:
    """PyAV's av.open for reading; tag text that is not UTF-8 is read with U+FFFD, not raised
    (a WebM whose DURATION tag held 0xff made av.open raise UnicodeDecodeError)."""
    return av.open(str(path), mode="r", metadata_errors="replace")


def _open_container(path: Path) -> av.container.InputContainer:
    try:
        return open_input(path)
    except PermissionError as exc:
        raise VideoError(
            f"FormCheck is not allowed to read {path.name}. Check the file's permissions "
            "or copy it somewhere readable."
        ) from exc
    except (av.FFmpegError, OSError) as exc:
        with path.open("rb") as fh:
            head = fh.read(512)
        if _looks_like_video_container(head):
            raise CorruptVideoError(
                "This video file is damaged or incomplete: its index cannot be read "
                "(often the recording or the copy stopped before it finished). " + _AGAIN
            ) from exc
        raise NotAVideoError(
            "This file is not a video: FormCheck cannot recognise its format. Choose "
            "the clip itself, for example the .mp4 or .mov file from the phone camera."
        ) from exc


def _video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream:
    if container.format.name in _IMAGE_FORMATS or container.format.name.endswith("_pipe"):
        raise NotAVideoError(
            "This file is a picture, not a video. Choose the video clip of the run or "
            "exercise, for example an .mp4 or .mov file."
        )
    cover_art = av.stream.Disposition.attached_pic
    videos = [s for s in container.streams.video if not s.disposition & cover_art]
    if not videos:
        sound = " (it holds only sound)" if container.streams.audio else ""
        raise NotAVideoError(
            f"This file has no video track{sound}. Choose a clip with pictures, for "
            "example the .mp4 or .mov file from the phone camera."
        )
    stream = videos[0]
    if stream.codec_context is None:
        raise UnsupportedCodecError(
            "This clip uses a video format that FormCheck cannot decode. Convert it to "
            "H.264 MP4 (on an iPhone: Settings > Camera > Formats > Most Compatible) "
            "and try again."
        )
    return stream


# -- timestamps ---------------------------------------------------------------------
def _demux_packets(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    limits: VideoLimits,
    time_base: float,
) -> tuple[list[int | None], list[int | None], list[bool], int, bool]:
    """Timestamps of every shown frame, in decode order, from the packets alone.

    Reading stops with `ClipLimitError` at the first packet over `limits`
    (frame count, or time since the first packet), so a container whose
    header does not give its length is refused after reading at most
    `max_frames` packets, and the lists stay that small.

    Returns (pts, dts, is_keyframe, packets seen including those an edit list
    hides, stopped_early: the data ended in a cut or an error)."""
    pts: list[int | None] = []
    dts: list[int | None] = []
    keys: list[bool] = []
    seen = 0
    stopped_early = False
    first: int | None = None
    max_ticks = limits.max_duration_s / time_base if time_base > 0 else math.inf
    try:
        for packet in container.demux(stream):
            if packet.size == 0:
                continue  # the flush packet at the end
            if packet.is_corrupt:
                stopped_early = True  # a partial packet at a cut
                break
            seen += 1
            check_frame_count(seen, limits, at_least=True)
            stamp = packet.pts if packet.pts is not None else packet.dts
            if stamp is not None:
                first = stamp if first is None else min(first, stamp)
                if stamp - first > max_ticks:
                    check_duration((stamp - first) * time_base, limits, at_least=True)
            if packet.is_discard:
                continue  # hidden by an edit list: decoders drop its frame
            pts.append(packet.pts)
            dts.append(packet.dts)
            keys.append(bool(packet.is_keyframe))
    except av.FFmpegError as exc:
        log.debug("demux stopped after %d packets: %s", seen, exc)
        stopped_early = True
    return pts, dts, keys, seen, stopped_early


def _check_header_limits(container: av.container.InputContainer, stream, limits: VideoLimits) -> int:
    """Apply `limits` to what the header says, before any packet is read; the announced
    frame count (0 if the header does not say)."""
    check_frame_size(int(stream.width), int(stream.height), limits)
    time_base = float(stream.time_base) if stream.time_base else 0.0
    if stream.duration and time_base:
        check_duration(stream.duration * time_base, limits)
    elif container.duration:  # Matroska, WebM: the length is the file's, not the stream's
        check_duration(container.duration / av.time_base, limits)
    announced = int(stream.frames or 0)
    check_frame_count(announced, limits)
    return announced


def _capture_fps_tag(container: av.container.InputContainer, stream) -> float | None:
    """Capture rate from a slow-motion tag (Android: com.android.capture.fps)."""
    for meta in (container.metadata, stream.metadata):
        for key, value in meta.items():
            if key.lower().endswith("capture.fps"):
                try:
                    fps = float(value)
                except ValueError:
                    continue
                if fps > 0:
                    return fps
    return None


# -- decoding one frame ---------------------------------------------------------------
def _first_frame_rotation(path: Path, stream_index: int) -> int:
    """Decode the first frame with PyAV; return its clockwise display rotation."""
    try:
        with open_input(path) as container:
            stream = container.streams[stream_index]
            for frame in container.decode(stream):
                ccw = frame.rotation  # counter-clockwise, in [-180, 180]
                break
            else:
                raise CorruptVideoError(
                    "This video file is damaged: none of its frames can be decoded. " + _AGAIN
                )
    except av.error.DecoderNotFoundError as exc:
        raise UnsupportedCodecError(
            "This clip uses a video format FormCheck cannot decode on this machine. "
            "Convert it to H.264 MP4 and try again."
        ) from exc
    except av.FFmpegError as exc:
        raise CorruptVideoError(
            "This video file is damaged: its first frame cannot be decoded. " + _AGAIN
        ) from exc
    exact = -ccw % 360
    cw = int(round(exact / 90.0)) * 90 % 360
    if min(abs(exact - cw), 360 - abs(exact - cw)) > 1:
        log.warning("display rotation %d deg is not a quarter turn; using %d", exact, cw)
    return cw


def open_capture(path: str | Path, threads: int | None = None) -> cv2.VideoCapture:
    """An OpenCV FFmpeg capture of `path` with automatic rotation OFF (the caller
    rotates with the probed `rotation_deg`). Not checked for `isOpened()`."""
    params = [cv2.CAP_PROP_N_THREADS, int(threads)] if threads else []
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG, params)
    if cap.isOpened():
        cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
    return cap


def _check_opencv_decodes(path: Path, width: int, height: int, rotation_deg: int) -> None:
    cap = open_capture(path)
    try:
        ok, image = cap.read() if cap.isOpened() else (False, None)
        if not ok:
            raise UnsupportedCodecError(
                "FormCheck's video reader cannot decode this clip on this machine. "
                "Convert it to H.264 MP4 and try again."
            )
        if image.shape[:2] != (height, width):
            log.warning("OpenCV decodes %s pictures, PyAV %dx%d", image.shape[1::-1], width, height)
        cv_rotation = int(cap.get(cv2.CAP_PROP_ORIENTATION_META)) % 360
        if cv_rotation != rotation_deg:
            log.warning("OpenCV reads rotation %d, PyAV %d; using PyAV's", cv_rotation,
                        rotation_deg)
    finally:
        cap.release()


# -- probe ------------------------------------------------------------------------------
def probe(
    path: str | Path,
    limits: VideoLimits | None = None,
    *,
    capture_fps: float | None = None,
    allow_truncated: bool = False,
) -> VideoInfo:
    """Read what a clip is, check it against `limits`, and prove it decodes.

    Args:
        path: the clip file.
        limits: what to accept; default `VideoLimits()`.
        capture_fps: frames per second the camera captured, overriding any
            slow-motion tag (for iPhone slow-motion exports, which vary). A clip
            whose `fps` this clearly exceeds (by 10 %) is slow motion.
        allow_truncated: accept a file whose data stops early (a cut copy) and
            keep the frames that are there, instead of raising CorruptVideoError.

    Raises:
        VideoError: no such file / not readable.
        EmptyFileError: the file has zero bytes.
        NotAVideoError: random bytes, text, a picture, or sound only.
        CorruptVideoError: truncated or damaged.
        UnsupportedCodecError: a video codec this machine cannot decode.
        NoFramesError: a video track with no frame.
        ClipLimitError: over one of `limits` (file size checked before opening).
        ValueError: `capture_fps` is not > 0.
    """
    limits = VideoLimits() if limits is None else limits
    if capture_fps is not None and not capture_fps > 0:
        raise ValueError(f"capture_fps must be > 0, got {capture_fps!r}")
    path = Path(path)
    if not path.is_file():
        raise VideoError(f"There is no video file at {path}. Check the name and the folder.")
    size = path.stat().st_size
    if size == 0:
        raise EmptyFileError(
            "This file is empty (0 bytes): the recording, upload or copy probably failed. "
            "Choose the clip again."
        )
    check_file_size(size, limits)

    with _open_container(path) as container:
        stream = _video_stream(container)
        codec = stream.codec_context.name
        width, height = int(stream.width), int(stream.height)
        announced = _check_header_limits(container, stream, limits)
        time_base = float(stream.time_base) if stream.time_base else 0.0
        rate_hint = stream.average_rate or stream.guessed_rate or stream.base_rate
        has_audio = bool(container.streams.audio)
        container_name = container.format.name
        tagged_capture_fps = _capture_fps_tag(container, stream)
        start_time = stream.start_time
        stream_index = stream.index
        pts, dts, is_key, seen, stopped_early = _demux_packets(container, stream, limits, time_base)

    n = len(pts)
    truncated = stopped_early or (announced > 0 and seen < announced)
    if n == 0:
        if announced > 0 or stopped_early:
            raise CorruptVideoError(
                "This video file is incomplete: it announces frames but holds none of "
                "them (the recording or the copy stopped early). " + _AGAIN
            )
        raise NoFramesError(
            "This clip has a video track with no frames in it. Record or export it again."
        )
    if truncated and not allow_truncated:
        of = f" of the {announced}" if announced > seen else ""
        raise CorruptVideoError(
            f"This video file is incomplete: the data stops after {seen}{of} frames (the "
            "recording or the copy stopped early). " + _AGAIN
        )
    if truncated:
        log.warning("%s is cut short: using the %d frames present of %d", path.name, n, announced)

    fps_hint = float(rate_hint) if rate_hint else 30.0
    t, first_s = frame_times(pts, dts, time_base, fps_hint)
    keyframes = keyframe_indices(pts, dts, is_key)
    if n > 1 and not (rate_hint and abs(float(rate_hint) * t[-1] / (n - 1) - 1) < 0.02):
        fps = (n - 1) / float(t[-1])  # the header rate disagrees with the timestamps
    else:
        fps = fps_hint
    step = float(np.median(np.diff(t))) if n > 1 else 1.0 / fps
    start_offset = first_s - (start_time * time_base if start_time is not None else first_s)

    capture = capture_fps if capture_fps is not None else tagged_capture_fps
    scale = fps / capture if capture and capture > fps * SLOW_MOTION_MIN_RATIO else 1.0

    rotation = _first_frame_rotation(path, stream_index)
    _check_opencv_decodes(path, width, height, rotation)
    info = VideoInfo(
        path=path,
        file_size_bytes=size,
        container=container_name,
        codec=codec,
        width=width,
        height=height,
        rotation_deg=rotation,
        frame_count=n,
        duration_s=float(t[-1]) + step,
        fps=fps,
        is_variable_frame_rate=is_variable_rate(t),
        timestamps_s=t,
        capture_fps=float(capture) if capture else None,
        time_scale=scale,
        has_audio=has_audio,
        start_offset_s=float(start_offset),
        is_truncated=truncated,
        keyframes=keyframes,
    )
    check_limits(info, limits)
    log.debug("probed %s: %s", path.name, info)
    return info
