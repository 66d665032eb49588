"""Decode a clip one upright frame at a time, with real-time timestamps.

OpenCV (FFmpeg backend) decodes; its own auto-rotation is switched off and
each frame is turned with the probed `rotation_deg`, so the behaviour is
explicit. Every frame's index comes from its decoded timestamp matched to the
probed `timestamps_s`, so a frame the decoder drops never shifts later frames'
times. Seeking is verified the same way: OpenCV converts a frame number to a
time with the nominal frame rate, which lands on the wrong frame in a
variable-frame-rate clip; the reader notices and corrects it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from formcheck.errors import CorruptVideoError
from formcheck.video.info import VideoInfo
from formcheck.video.probe import open_capture, probe

log = logging.getLogger(__name__)

_ROTATE = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
#: Seek attempts (each corrected by the error of the last) before decoding from the start.
_SEEK_ATTEMPTS = 4


@dataclass(frozen=True, eq=False)
class VideoFrame:
    """One decoded frame.

    Attributes:
        index: 0-based frame number in presentation order.
        t_s: real time in seconds from the first frame (slow motion rescaled:
            `info.real_timestamps_s[index]`).
        image: (H, W, 3) uint8 BGR picture, upright (H, W = `info.upright_height`,
            `info.upright_width`).
    """

    index: int
    t_s: float
    image: np.ndarray


def _as_info(video: VideoInfo | str | Path) -> VideoInfo:
    return video if isinstance(video, VideoInfo) else probe(video)


class FrameReader:
    """Streaming decoder of one clip; a context manager that always releases
    the OpenCV capture.

        with FrameReader(info) as reader:
            reader.seek(100)
            frame = reader.read()      # frame 100, or None at the end

    Args:
        video: a `VideoInfo` from `probe`, or a path (probed with defaults).
        threads: decoder threads (None: FFmpeg's choice, one per core).
    """

    _cap: cv2.VideoCapture | None = None  # so close() works even if __init__ failed

    def __init__(self, video: VideoInfo | str | Path, threads: int | None = None) -> None:
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be >= 1 or None, got {threads}")
        self.info = _as_info(video)
        self._threads = threads
        self._cap: cv2.VideoCapture | None = None
        self._next = 0  # index the next grab is expected to return
        self._held: int | None = None  # grabbed frame not yet read
        # Decoder time (s, stream clock) of each frame, to match OpenCV positions.
        self._clock_s = self.info.timestamps_s + self.info.start_offset_s
        d = np.diff(self._clock_s)
        self._tolerance_s = 0.4 * float(d.min()) if d.size else 0.5

    # -- lifetime --------------------------------------------------------
    def _open(self) -> cv2.VideoCapture:
        self.close()
        cap = open_capture(self.info.path, self._threads)
        if not cap.isOpened():
            cap.release()
            raise CorruptVideoError(
                "FormCheck's video reader cannot open this clip any more; the file may "
                "have been moved or changed since it was checked. Choose it again."
            )
        self._cap, self._next, self._held = cap, 0, None
        return cap

    def close(self) -> None:
        """Release the decoder (safe to call twice)."""
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    def __enter__(self) -> FrameReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # last resort; prefer `with` or close()
        self.close()

    # -- positions -------------------------------------------------------
    def _match(self) -> int | None:
        """Index of the frame just grabbed, from the decoder's timestamp; None
        if the timestamp matches no probed frame."""
        pos_s = self._cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
        i = int(np.searchsorted(self._clock_s, pos_s))
        near = [j for j in (i - 1, i) if 0 <= j < len(self._clock_s)]
        best = min(near, key=lambda j: abs(self._clock_s[j] - pos_s))
        return best if abs(self._clock_s[best] - pos_s) <= self._tolerance_s else None

    def _grab(self) -> int | None:
        """Grab (decode, no colour conversion) the next frame; its index or None."""
        if self._cap is None:
            self._open()
        if not self._cap.grab():
            return None
        index = self._match()
        if index is None or index < self._next:
            index = self._next  # no usable timestamp: count
        self._next = index + 1
        return index

    def _advance_to(self, index: int) -> bool:
        """Grab until the held (grabbed, not yet read) frame is `index` or later;
        False if the file ends first."""
        while self._held is None or self._held < index:
            self._held = self._grab()
            if self._held is None:
                return False
        return True

    def seek(self, index: int) -> None:
        """Position so that the next `read()` returns frame `index` (or the next
        frame that decodes, if that one does not).

        OpenCV's own seek is tried first and its landing frame is checked by
        timestamp: short of `index`, the reader grabs forward; past it, it
        retries earlier; if that fails, it decodes forward from the start.
        """
        n = self.info.frame_count
        if not 0 <= index < n:
            raise ValueError(f"index must be in [0, {n}), got {index}")
        if self._cap is not None and (
            self._held == index or (self._held is None and self._next == index)
        ):
            return  # already there
        self._held = None
        if index == 0:
            self._open()
            return
        cap = self._cap if self._cap is not None else self._open()
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        # OpenCV maps frame numbers to times with its nominal rate: aim at the
        # number it gives frame `index` (== index for a constant rate).
        target = math.floor(fps * self._clock_s[index] + 1e-6) if fps > 0 else index
        for _ in range(_SEEK_ATTEMPTS):
            cap.set(cv2.CAP_PROP_POS_FRAMES, target)
            landed = self._match() if cap.grab() else None
            if landed is None:
                break
            if landed > index:
                if target == 0:
                    break
                log.debug("seek to frame %d landed on %d; retrying earlier", index, landed)
                target = max(0, target - (landed - index))
                continue
            self._held, self._next = landed, landed + 1
            if self._advance_to(index):
                return
            break
        log.debug("seek to frame %d not verified; decoding from the start", index)
        self._open()
        self._advance_to(index)

    # -- reading ---------------------------------------------------------
    def read(self) -> VideoFrame | None:
        """The next frame, or None when no more frames decode."""
        index, self._held = self._held, None
        if index is None:
            index = self._grab()
            if index is None:
                return None
        ok, image = self._cap.retrieve()
        if not ok or image is None:
            return None
        if self.info.rotation_deg:
            image = cv2.rotate(image, _ROTATE[self.info.rotation_deg])
        return VideoFrame(index=index, t_s=self._real_time(index), image=image)

    def _real_time(self, index: int) -> float:
        ts = self.info.timestamps_s
        if index < len(ts):
            t = ts[index]
        else:  # more frames than packets: extrapolate at the last interval
            step = ts[-1] - ts[-2] if len(ts) > 1 else 1.0 / self.info.fps
            t = ts[-1] + (index - len(ts) + 1) * step
        return float(t * self.info.time_scale)

    def frames(self, start: int = 0, stop: int | None = None) -> Iterator[VideoFrame]:
        """Frames `start` <= index < `stop` (default: to the end), in order."""
        n = self.info.frame_count
        stop = n if stop is None else min(stop, n)
        if not 0 <= start <= n:
            raise ValueError(f"start must be in [0, {n}], got {start}")
        if stop < start:
            raise ValueError(f"stop must be >= start ({start}), got {stop}")
        if start == stop:
            return
        if not (start == 0 and self._cap is None):
            self.seek(start)
        count = 0
        last = start - 1
        while True:
            frame = self.read()
            if frame is None or frame.index >= stop:
                break
            count += 1
            last = frame.index
            yield frame
        if count < last - start + 1:
            log.warning(
                "%s: %d of frames %d..%d did not decode and were skipped",
                self.info.path.name, last - start + 1 - count, start, last,
            )
        if last < stop - 1:
            if count == 0 and start == 0:
                raise CorruptVideoError(
                    "This video file is damaged: none of its frames can be decoded. "
                    "Copy or export the clip again from the phone and try once more."
                )
            log.warning(
                "%s: decoding stopped after frame %d; %d of frames %d..%d decoded",
                self.info.path.name, last, count, start, stop - 1,
            )

    def __iter__(self) -> Iterator[VideoFrame]:
        return self.frames()


def to_rgb(image_bgr: np.ndarray) -> np.ndarray:
    """The RGB copy of an OpenCV BGR frame (what MediaPipe expects); ~5x faster than a numpy flip."""
    return cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)


def iter_frames(
    video: VideoInfo | str | Path, start: int = 0, stop: int | None = None, threads: int | None = None
) -> Iterator[VideoFrame]:
    """Stream upright BGR frames `start` <= index < `stop` of a clip.

    One frame is in memory at a time. `start > 0` seeks (and verifies the
    landing frame by its timestamp), so a long clip can be processed in chunks.
    A file that stops decoding early ends the iteration with a logged warning;
    `CorruptVideoError` only if not a single frame decodes from the start.

    Args:
        video: a `VideoInfo` from `probe`, or a path (probed with defaults).
        start: first frame index, 0 <= start <= frame_count.
        stop: one past the last frame index (default and maximum: frame_count).
        threads: decoder threads (None: FFmpeg's choice); 1 in parallel workers,
            which already keep every core busy.
    """
    with FrameReader(video, threads=threads) as reader:
        yield from reader.frames(start, stop)


def read_frame(video: VideoInfo | str | Path, index: int) -> VideoFrame:
    """Frame `index` of a clip (for showing one frame).

    Raises:
        ValueError: `index` is not in [0, frame_count).
        CorruptVideoError: that frame does not decode.
    """
    info = _as_info(video)
    if not 0 <= index < info.frame_count:
        raise ValueError(f"index must be in [0, {info.frame_count}), got {index}")
    with FrameReader(info) as reader:
        reader.seek(index)
        frame = reader.read()
    if frame is None or frame.index != index:
        raise CorruptVideoError(
            f"Frame {index} of this clip cannot be decoded; the file is damaged there. "
            "Copy or export the clip again from the phone, or pick another frame."
        )
    return frame
