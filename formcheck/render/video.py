"""Annotated H.264 MP4 with the source's frames and timing, written frame by frame (PyAV).

One frame is in memory at a time: frames stream from `formcheck.video.reader`,
are annotated, converted to yuv420p and encoded. Every output frame keeps its
source presentation time (pts on a 1/90000 s clock), so a variable-frame-rate
phone clip stays variable and the duration matches; `movflags=+faststart`
puts the index first so a browser can start playing at once. H.264 in
yuv420p needs an even width and height: an odd size is padded by one pixel
(the edge row/column repeated).

`write_slowmo_video` writes only the frames around given moments (e.g. each
contact, ±0.3 s) played `factor` times slower, for frame-by-frame review.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from formcheck.render.model import ReportModel
from formcheck.render.panels import compose, default_annotators
from formcheck.video.info import VideoInfo
from formcheck.video.reader import FrameReader

log = logging.getLogger(__name__)

TIME_BASE = Fraction(1, 90000)
ProgressFn = Callable[[int, int], None]
FrameHook = Callable[[int, np.ndarray], None]


@dataclass(frozen=True)
class VideoWritten:
    path: Path
    frames: int
    width: int
    height: int
    seconds: float  # wall time of the write

    @property
    def frames_per_s(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else float("nan")


def even_size(width: int, height: int) -> tuple[int, int]:
    """The encoded size: each odd side one pixel larger."""
    return width + width % 2, height + height % 2


def _pad_even(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    if h % 2 == 0 and w % 2 == 0:
        return image
    return cv2.copyMakeBorder(image, 0, h % 2, 0, w % 2, cv2.BORDER_REPLICATE)


class _Encoder:
    """An open H.264 MP4 (yuv420p, faststart) taking BGR frames with explicit times."""

    def __init__(self, path: Path, size: tuple[int, int], fps: float, crf: int, preset: str):
        import av

        self.path = path
        self.container = av.open(str(path), mode="w", options={"movflags": "+faststart"})
        rate = Fraction(fps).limit_denominator(1001) if fps and np.isfinite(fps) and fps > 0 else Fraction(30)
        self.stream = self.container.add_stream("libx264", rate=rate)
        self.stream.width, self.stream.height = even_size(*size)
        self.stream.pix_fmt = "yuv420p"
        self.stream.codec_context.time_base = TIME_BASE
        self.stream.time_base = TIME_BASE
        self.stream.options = {"crf": str(crf), "preset": preset}
        self._last_pts = -1
        self.frames = 0

    def write(self, image_bgr: np.ndarray, t_s: float) -> None:
        import av

        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(_pad_even(image_bgr)), format="bgr24")
        frame = frame.reformat(format="yuv420p")
        pts = max(int(round(t_s / TIME_BASE)), self._last_pts + 1)
        frame.pts, frame.time_base = pts, TIME_BASE
        self._last_pts = pts
        self.container.mux(self.stream.encode(frame))
        self.frames += 1

    def close(self) -> None:
        try:
            self.container.mux(self.stream.encode(None))
        finally:
            self.container.close()


def write_annotated_video(info: VideoInfo, report: ReportModel, path: str | Path, annotators: Sequence | None = None,
                          progress: ProgressFn | None = None, on_frame: FrameHook | None = None, *,
                          crf: int = 20, preset: str = "veryfast") -> VideoWritten:
    """Every frame of the clip, annotated, at its source time (see module doc).

    Args:
        info: the probed clip (`pose.info`); report: its ReportModel.
        annotators: drawn in order (default `panels.default_annotators()`).
        progress: called with (frames done, frame count).
        on_frame: called with (track row, annotated BGR image) for every frame
            (e.g. to save key frames in the same pass).
        crf, preset: libx264 quality (lower crf = better) and speed.
    """
    path = Path(path)
    annotators = default_annotators() if annotators is None else list(annotators)
    row_of = report.row_of_frame()
    started = time.perf_counter()
    encoder = _Encoder(path, info.upright_size, info.fps, crf, preset)
    try:
        with FrameReader(info) as reader:
            for frame in reader.frames():
                row = row_of.get(frame.index, -1)
                image = compose(frame.image, report, row, annotators) if row >= 0 else frame.image
                encoder.write(image, float(info.timestamps_s[frame.index]) if frame.index < info.frame_count
                              else frame.t_s / info.time_scale)
                if on_frame is not None and row >= 0:
                    on_frame(row, image)
                if progress is not None:
                    progress(encoder.frames, info.frame_count)
    finally:
        encoder.close()
    w, h = even_size(*info.upright_size)
    return VideoWritten(path, encoder.frames, w, h, time.perf_counter() - started)


def slowmo_windows(times_s: Sequence[float], half_window_s: float, clip_times_s: np.ndarray) -> list[tuple[int, int]]:
    """Merged frame ranges [first, last] of `clip_times_s` within ±half_window_s of each time."""
    if half_window_s <= 0:
        raise ValueError(f"half_window_s must be > 0, got {half_window_s}")
    ts = np.asarray(clip_times_s, dtype=np.float64)
    out: list[tuple[int, int]] = []
    for t in sorted(times_s):
        a = int(np.searchsorted(ts, t - half_window_s - 1e-9, side="left"))
        b = int(np.searchsorted(ts, t + half_window_s + 1e-9, side="right")) - 1
        if b < a:
            continue
        if out and a <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def write_slowmo_video(info: VideoInfo, report: ReportModel, path: str | Path, times_s: Sequence[float], *,
                       half_window_s: float = 0.3, factor: float = 4.0, annotators: Sequence | None = None,
                       progress: ProgressFn | None = None, crf: int = 20, preset: str = "veryfast") -> VideoWritten:
    """The frames within ±half_window_s (real seconds) of each time in `times_s` (e.g. contacts),
    played `factor` times slower; between two windows one (slowed) frame interval."""
    if factor < 1:
        raise ValueError(f"factor must be >= 1, got {factor}")
    path = Path(path)
    annotators = default_annotators() if annotators is None else list(annotators)
    windows = slowmo_windows(times_s, half_window_s, info.real_timestamps_s)
    row_of = report.row_of_frame()
    playback = info.timestamps_s
    step = float(np.median(np.diff(playback))) if playback.size > 1 else 1.0 / (info.fps or 30.0)
    total = sum(b - a + 1 for a, b in windows)
    started = time.perf_counter()
    encoder = _Encoder(path, info.upright_size, info.fps / factor, crf, preset)
    out_t, prev = 0.0, None
    try:
        with FrameReader(info) as reader:
            for a, b in windows:
                first = True
                for frame in reader.frames(a, b + 1):
                    if prev is not None:  # real spacing inside a window, one frame interval between windows
                        out_t += factor * (step if first else playback[frame.index] - playback[prev])
                    prev, first = frame.index, False
                    row = row_of.get(frame.index, -1)
                    image = compose(frame.image, report, row, annotators) if row >= 0 else frame.image
                    encoder.write(image, out_t)
                    if progress is not None:
                        progress(encoder.frames, total)
    finally:
        encoder.close()
    w, h = even_size(*info.upright_size)
    return VideoWritten(path, encoder.frames, w, h, time.perf_counter() - started)
