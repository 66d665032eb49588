"""Annotated H.264 MP4 with the source's frames and timing, written frame by frame (PyAV).

One frame is in memory at a time: frames stream from `formcheck.video.reader`,
are annotated, converted to yuv420p and encoded. Every output frame keeps its
source presentation time (pts on a 1/90000 s clock), so a variable-frame-rate
phone clip stays variable and the duration matches; `movflags=+faststart`
puts the index first so a browser can start playing at once. H.264 in
yuv420p needs an even width and height: an odd size is padded by one pixel
(the edge row/column repeated).

Both cores draw and encode: the clip is cut into contiguous chunks, one per
core (`render_chunks`); the first is written into the MP4 as it goes, the
others are rendered at the same time in threads (decoding, drawing and x264
release the GIL), each by its own single-threaded encoder with the same
settings, their packets kept in a spill file beside the output and appended
in order. Each chunk starts on a key frame; the pictures are the same as from
one pass. BGR to yuv420p is OpenCV's (4x faster than swscale's and closer to
the source: it averages each 2x2 block's colour).

Encoder: libx264 `superfast`, crf 23 (ENCODER_PRESET, ENCODER_CRF), measured by
bench/encoder_settings.py on the annotated frames of two real clips: the same
fidelity to the drawn pictures as `veryfast` crf 20 (PSNR 34.8-35.8 dB over the
picture, 26.4-27.3 dB over the overlay's pixels, where 4:2:0 chroma, not the
preset, is the limit), in 33-41% less encoding time, for files 21-50% larger
(0.2-0.4 MB/s at 720p). `ultrafast` is faster again but its files are 2.4-3.5x
`veryfast`'s.

`write_slowmo_video` writes only the frames around given moments (e.g. each
contact, ±0.3 s) played `factor` times slower, for frame-by-frame review.
"""

from __future__ import annotations

import logging
import struct
import threading
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
from formcheck.video.split import frame_ranges

log = logging.getLogger(__name__)

TIME_BASE = Fraction(1, 90000)
ENCODER_PRESET, ENCODER_CRF = "superfast", 23  # see the module doc
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


def _yuv420_frame(image_bgr: np.ndarray):
    """An av.VideoFrame in yuv420p of a BGR image with even sides."""
    import av

    h, w = image_bgr.shape[:2]
    flat = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2YUV_I420).reshape(-1)  # Y, then U and V (h/2 x w/2 each)
    y_size, c_size = h * w, (h // 2) * (w // 2)
    planes = (flat[:y_size].reshape(h, w), flat[y_size:y_size + c_size].reshape(h // 2, w // 2),
              flat[y_size + c_size:].reshape(h // 2, w // 2))
    frame = av.VideoFrame(w, h, "yuv420p")
    for plane, src in zip(frame.planes, planes):
        np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[:src.shape[0], :src.shape[1]] = src
    return frame


def _rate(fps: float) -> Fraction:
    return Fraction(fps).limit_denominator(1001) if fps and np.isfinite(fps) and fps > 0 else Fraction(30)


def _configure(codec_context, size: tuple[int, int], fps: float, crf: int, preset: str, threads: int) -> None:
    """The same H.264 settings for the MP4's encoder and every chunk's, so their packets join."""
    codec_context.width, codec_context.height = even_size(*size)
    codec_context.pix_fmt = "yuv420p"
    codec_context.time_base = TIME_BASE
    codec_context.framerate = _rate(fps)
    codec_context.thread_count = threads  # 0: x264's own threads; 1 where chunks already fill the cores
    codec_context.options = {"crf": str(crf), "preset": preset}


class _Encoder:
    """An open H.264 MP4 (yuv420p, faststart) taking BGR frames with explicit times."""

    def __init__(self, path: Path, size: tuple[int, int], fps: float, crf: int, preset: str, threads: int = 0):
        import av

        self.path = path
        self.container = av.open(str(path), mode="w", options={"movflags": "+faststart"})
        self.stream = self.container.add_stream("libx264", rate=_rate(fps))
        _configure(self.stream.codec_context, size, fps, crf, preset, threads)
        self.stream.width, self.stream.height = even_size(*size)
        self.stream.pix_fmt = "yuv420p"
        self.stream.time_base = TIME_BASE
        self._last_pts = -1
        self._flushed = False
        self.frames = 0

    def _packets(self, frame) -> list:
        return self.stream.encode(frame)

    def _put(self, packets) -> None:
        self.container.mux(packets)

    def write(self, image_bgr: np.ndarray, t_s: float) -> None:
        frame = _yuv420_frame(np.ascontiguousarray(_pad_even(image_bgr)))
        pts = max(int(round(t_s / TIME_BASE)), self._last_pts + 1)
        frame.pts, frame.time_base = pts, TIME_BASE
        self._last_pts = pts
        self._put(self._packets(frame))
        self.frames += 1

    def flush(self) -> None:
        """Encode and mux the frames x264 still holds (before any chunk is appended)."""
        if not self._flushed:
            self._flushed = True
            self._put(self._packets(None))

    def append(self, chunk: _ChunkEncoder) -> None:
        """Mux a finished chunk's packets after everything written so far (flushed first)."""
        import av

        self.flush()
        for pts, dts, key, data in chunk.spilled():
            packet = av.Packet(data)
            packet.pts, packet.dts, packet.time_base, packet.is_keyframe = pts, dts, TIME_BASE, key
            packet.stream = self.stream
            self.container.mux(packet)
        self.frames += chunk.frames

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.container.close()


_PACKET_HEAD = struct.Struct("<qq?I")  # pts, dts, key frame, size


class _ChunkEncoder(_Encoder):
    """A later chunk's encoder: same settings, no container; its packets go to a spill file
    (not memory: half of a 10-minute 1080p clip is a few hundred MB of H.264).

    `floor_pts`: the pts of the frame before the chunk's first, so pts rise across the join."""

    def __init__(self, spill: Path, size: tuple[int, int], fps: float, crf: int, preset: str, floor_pts: int):
        import av

        self.path = spill
        self.codec = av.CodecContext.create("libx264", "w")
        _configure(self.codec, size, fps, crf, preset, threads=1)
        self.codec.flags |= av.codec.context.Flags.global_header  # as in an MP4: no headers in the packets
        self._file = spill.open("wb")
        self._last_pts = floor_pts
        self.frames = 0

    def _packets(self, frame) -> list:
        return self.codec.encode(frame)

    def _put(self, packets) -> None:
        for p in packets:
            data = bytes(p)
            self._file.write(_PACKET_HEAD.pack(p.pts, p.dts, p.is_keyframe, len(data)))
            self._file.write(data)

    def close(self) -> None:
        try:
            self._put(self.codec.encode(None))
        finally:
            self._file.close()

    def spilled(self):
        """(pts, dts, key frame, bytes) of every packet, in decoding order."""
        with self.path.open("rb") as f:
            while head := f.read(_PACKET_HEAD.size):
                pts, dts, key, size = _PACKET_HEAD.unpack(head)
                yield pts, dts, key, f.read(size)


RENDER_MIN_CHUNK_FRAMES = 60  # below ~2 s a chunk's seek, decoder start and extra key frame cost more than it saves


def render_chunks(frame_count: int, workers: int | None = None) -> list[tuple[int, int]]:
    """Contiguous [start, stop) frame ranges, one per core that has at least
    RENDER_MIN_CHUNK_FRAMES frames to render (`workers` overrides the core count)."""
    return frame_ranges(frame_count, RENDER_MIN_CHUNK_FRAMES, workers)


def write_annotated_video(info: VideoInfo, report: ReportModel, path: str | Path, annotators: Sequence | None = None,
                          progress: ProgressFn | None = None, on_frame: FrameHook | None = None, *,
                          crf: int = ENCODER_CRF, preset: str = ENCODER_PRESET, workers: int | None = None) -> VideoWritten:
    """Every frame of the clip, annotated, at its source time (see module doc).

    Args:
        info: the probed clip (`pose.info`); report: its ReportModel.
        annotators: drawn in order (default `panels.default_annotators()`).
        progress: called with (frames done, frame count), from the calling thread.
        on_frame: called with (track row, annotated BGR image) for every frame
            (e.g. to save key frames in the same pass); from several threads, one
            call at a time, in order within a chunk.
        crf, preset: libx264 quality (lower crf = better) and speed.
        workers: chunks rendered at once (default: one per core; 1 = one pass).
    """
    path = Path(path)
    annotators = default_annotators() if annotators is None else list(annotators)
    row_of = report.row_of_frame()
    started = time.perf_counter()
    chunks = render_chunks(info.frame_count, workers)
    hook_lock = threading.Lock()
    cancel = threading.Event()
    done = [0] * len(chunks)

    def render(k: int, encoder: _Encoder) -> None:
        start, stop = chunks[k]
        with FrameReader(info, threads=1 if len(chunks) > 1 else None) as reader:
            for frame in reader.frames(start, stop):
                if cancel.is_set():
                    return
                row = row_of.get(frame.index, -1)
                image = compose(frame.image, report, row, annotators) if row >= 0 else frame.image
                encoder.write(image, float(info.timestamps_s[frame.index]))
                if on_frame is not None and row >= 0:
                    with hook_lock:
                        on_frame(row, image)
                done[k] += 1
                if k == 0 and progress is not None:
                    progress(sum(done), info.frame_count)

    later: list[tuple[_ChunkEncoder, threading.Thread]] = []
    errors: list[BaseException] = []

    def render_later(k: int, encoder: _ChunkEncoder) -> None:
        try:
            try:
                render(k, encoder)
            finally:
                encoder.close()
        except BaseException as e:  # noqa: BLE001 - re-raised on the calling thread
            errors.append(e)
            cancel.set()

    encoder = _Encoder(path, info.upright_size, info.fps, crf, preset, threads=0 if len(chunks) == 1 else 1)
    try:
        for k, (start, _) in enumerate(chunks[1:], 1):
            floor = int(round(float(info.timestamps_s[start - 1]) / TIME_BASE))
            chunk = _ChunkEncoder(path.with_name(f".{path.name}.chunk{k}"), info.upright_size, info.fps, crf, preset,
                                  floor)
            later.append((chunk, threading.Thread(target=render_later, args=(k, chunk), daemon=True,
                                                  name=f"render-chunk-{k}")))
            later[-1][1].start()
        try:
            render(0, encoder)
        except BaseException:
            cancel.set()
            raise
        for chunk, thread in later:
            while thread.is_alive():
                thread.join(0.1)
                if progress is not None:
                    progress(sum(done), info.frame_count)
        if errors:
            raise errors[0]
        for chunk, _ in later:
            encoder.append(chunk)
    finally:
        cancel.set()  # a failure above: the other chunks stop at their next frame
        for chunk, thread in later:
            thread.join()
            chunk.path.unlink(missing_ok=True)
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
                       progress: ProgressFn | None = None, crf: int = ENCODER_CRF, preset: str = ENCODER_PRESET) -> VideoWritten:
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
