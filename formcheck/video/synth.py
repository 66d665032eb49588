"""Make small test clips (and broken files) with PyAV and numpy, no downloads.

Every frame of a clip written by `write_test_clip` carries:

- its frame number as a binary code: a grid of black/white cells in the
  middle of the *upright* picture (`read_frame_number` reads it back);
- a red square in the top-left corner of the *upright* picture
  (`marker_corner` says which corner of an image holds it), so a test can
  check that rotation was applied the right way round and that channels
  come back in BGR order;
- a white block in the bottom band that moves right by a few pixels per
  frame (motion for the encoder, a visual check for a person).

Sizes are stored (coded) sizes, as the camera writes them. With
`rotation_deg=90` a clip of `size=(160, 96)` is stored landscape and shows
portrait (96 x 160) once the display matrix is applied, like a phone clip.

The bad-input helpers (`write_audio_only`, `write_random_bytes`,
`truncate_copy`, ...) make the files the probe must refuse.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

#: Encoder used for each `codec=` name.
ENCODERS = {"h264": "libx264", "mpeg4": "mpeg4", "hevc": "libx265"}

#: Cells of the frame-number code (bits), enough for 65,535 frames.
CODE_BITS = 16
_CODE_COLS = 4
_CODE_ROWS = CODE_BITS // _CODE_COLS

#: RGB colour of the corner marker (pure red).
MARKER_RGB = (255, 0, 0)
_BACKGROUND = 48

Pattern = Callable[[int, int, int], np.ndarray]


# -- the picture ----------------------------------------------------------
def _marker_size(width: int, height: int) -> int:
    return max(8, min(width, height) // 6)


def _code_box(width: int, height: int) -> tuple[int, int, int, int]:
    """(x0, y0, cell_w, cell_h) of the code grid inside an upright image."""
    cell_w = max(4, (width * 3 // 4) // _CODE_COLS)
    cell_h = max(4, (height // 2) // _CODE_ROWS)
    x0 = (width - cell_w * _CODE_COLS) // 2
    y0 = (height - cell_h * _CODE_ROWS) // 2
    return x0, y0, cell_w, cell_h


def code_pattern(index: int, width: int, height: int) -> np.ndarray:
    """Upright RGB picture (height, width, 3) uint8 for frame `index`."""
    if not 0 <= index < 2**CODE_BITS:
        raise ValueError(f"index must be in [0, {2**CODE_BITS}), got {index}")
    img = np.full((height, width, 3), _BACKGROUND, np.uint8)
    m = _marker_size(width, height)
    img[:m, :m] = MARKER_RGB
    x0, y0, cw, ch = _code_box(width, height)
    for bit in range(CODE_BITS):
        r, c = divmod(bit, _CODE_COLS)
        value = 255 if (index >> bit) & 1 else 0
        img[y0 + r * ch : y0 + (r + 1) * ch, x0 + c * cw : x0 + (c + 1) * cw] = value
    band = max(4, height // 10)
    block = max(4, width // 12)
    x = (index * 3) % max(1, width - block)
    img[height - band :, x : x + block] = 255
    return img


def flat_pattern(index: int, width: int, height: int) -> np.ndarray:
    """Uniform grey picture (the smallest possible file)."""
    return np.full((height, width, 3), 128, np.uint8)


PATTERNS: dict[str, Pattern] = {"code": code_pattern, "flat": flat_pattern}


def read_frame_number(image_bgr: np.ndarray) -> int:
    """Frame number coded by `code_pattern` in an upright BGR (or RGB) image."""
    img = np.asarray(image_bgr)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"image_bgr must be (H, W, 3), got shape {img.shape}")
    h, w = img.shape[:2]
    gray = img.astype(np.float64).mean(axis=2)
    x0, y0, cw, ch = _code_box(w, h)
    value = 0
    for bit in range(CODE_BITS):
        r, c = divmod(bit, _CODE_COLS)
        ya, xa = y0 + r * ch, x0 + c * cw
        inner = gray[ya + ch // 4 : ya + ch - ch // 4, xa + cw // 4 : xa + cw - cw // 4]
        if inner.mean() > 128:
            value |= 1 << bit
    return value


def marker_corner(image_bgr: np.ndarray) -> str:
    """Which corner of a BGR image holds the red marker:
    "top-left", "top-right", "bottom-left" or "bottom-right"."""
    img = np.asarray(image_bgr).astype(np.float64)
    h, w = img.shape[:2]
    m = max(2, _marker_size(min(w, h), min(w, h)) // 2)
    redness = img[..., 2] - img[..., :2].mean(axis=2)
    corners = {
        "top-left": redness[:m, :m],
        "top-right": redness[:m, w - m :],
        "bottom-left": redness[h - m :, :m],
        "bottom-right": redness[h - m :, w - m :],
    }
    return max(corners, key=lambda k: corners[k].mean())


def _to_stored(upright: np.ndarray, rotation_deg: int) -> np.ndarray:
    """Stored picture that shows `upright` once rotated `rotation_deg` clockwise."""
    # np.rot90 turns counter-clockwise; undoing a clockwise turn is a CCW turn.
    return np.ascontiguousarray(np.rot90(upright, k=rotation_deg // 90))


# -- clips -----------------------------------------------------------------
def _rate(fps: float | Fraction) -> Fraction:
    """Exact frame rate: 29.97 -> 30000/1001, 59.94 -> 60000/1001."""
    if isinstance(fps, Fraction):
        return fps
    ntsc = round(fps * 1.001)
    if abs(fps - round(fps)) > 1e-6 and abs(fps * 1.001 - ntsc) < 1e-3:
        return Fraction(ntsc * 1000, 1001)
    return Fraction(fps).limit_denominator(1000)


def write_test_clip(
    path: str | Path,
    n_frames: int = 30,
    fps: float | Fraction = 30,
    size: tuple[int, int] = (160, 96),
    codec: str = "h264",
    rotation_deg: int = 0,
    timestamps_s: Sequence[float] | np.ndarray | None = None,
    pattern: str | Pattern = "code",
    *,
    gop: int = 10,
    bframes: bool = True,
    capture_fps: float | None = None,
    audio: bool = False,
    faststart: bool = False,
) -> Path:
    """Write a small clip whose frames carry their own frame number.

    Args:
        path: output file; the container follows the suffix (.mp4, .mov, .mkv).
        n_frames: number of frames (>= 0; 0 writes a video track with no frame).
        fps: frame rate in frames per second; 29.97 is written as 30000/1001.
        size: (width, height) in pixels as stored (even numbers).
        codec: "h264" (libx264), "mpeg4" or "hevc" (libx265).
        rotation_deg: 0, 90, 180 or 270; clockwise rotation a player applies
            to show the clip upright (written as the stream display matrix).
        timestamps_s: (n_frames,) strictly increasing presentation times in
            seconds for a variable-frame-rate clip; default `i / fps`.
            Stored at 1/90000 s resolution (1/60000 s for mpeg4).
        pattern: "code" (frame number + marker, see module doc), "flat", or a
            function (index, width, height) -> upright RGB uint8 image.
        gop: keyframe interval in frames (small, so seeks cross keyframes).
        bframes: allow B-frames (H.264/HEVC), so decode order != display order.
        capture_fps: write an Android-style `com.android.capture.fps` tag
            (slow motion: captured at this rate, played at `fps`).
        audio: add a quiet 440 Hz AAC track of the same length.
        faststart: put the index (moov atom) before the data.

    Returns:
        The path written.
    """
    import av

    path = Path(path)
    if n_frames < 0:
        raise ValueError(f"n_frames must be >= 0, got {n_frames}")
    if codec not in ENCODERS:
        raise ValueError(f"codec must be one of {sorted(ENCODERS)}, got {codec!r}")
    if rotation_deg not in (0, 90, 180, 270):
        raise ValueError(f"rotation_deg must be 0, 90, 180 or 270, got {rotation_deg}")
    width, height = size
    if width <= 0 or height <= 0 or width % 2 or height % 2:
        raise ValueError(f"size must be positive even (width, height), got {size}")
    make = PATTERNS[pattern] if isinstance(pattern, str) else pattern
    rate = _rate(fps)
    # MPEG-4 Part 2 caps the time base denominator at 65535.
    time_base = Fraction(1, 60000) if codec == "mpeg4" else Fraction(1, 90000)
    if timestamps_s is None:
        pts = [int(round(i / rate / time_base)) for i in range(n_frames)]
    else:
        ts = np.asarray(timestamps_s, dtype=np.float64)
        if ts.shape != (n_frames,):
            raise ValueError(f"timestamps_s must have shape ({n_frames},), got {ts.shape}")
        if n_frames > 1 and np.any(np.diff(ts) <= 0):
            raise ValueError("timestamps_s must be strictly increasing")
        pts = [int(round(t / time_base)) for t in ts - (ts[0] if n_frames else 0.0)]
    upright_w, upright_h = (height, width) if rotation_deg in (90, 270) else (width, height)

    flags = ["faststart"] if faststart else []
    metadata = {}
    if capture_fps is not None:
        flags.append("use_metadata_tags")
        metadata["com.android.capture.fps"] = f"{float(capture_fps):.6f}"
    options = {"movflags": "+".join(flags)} if flags and path.suffix in (".mp4", ".mov") else {}

    with av.open(str(path), mode="w", options=options) as container:
        container.metadata.update(metadata)
        stream = container.add_stream(ENCODERS[codec], rate=rate)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = time_base
        stream.codec_context.gop_size = gop
        if codec == "h264":
            stream.options = {
                "crf": "18",
                "preset": "veryfast",
                "bf": "3" if bframes else "0",
                "sc_threshold": "0",
                "keyint_min": str(gop),
            }
        elif codec == "hevc":
            b = "3" if bframes else "0"
            stream.options = {
                "crf": "18",
                "preset": "ultrafast",
                "x265-params": f"log-level=error:keyint={gop}:min-keyint={gop}"
                f":scenecut=0:bframes={b}",
            }
        else:
            stream.codec_context.bit_rate = 4_000_000
        if rotation_deg:
            # PyAV takes counter-clockwise degrees; ours are clockwise.
            stream.set_display_rotation(-rotation_deg)
        astream = None
        if audio:
            astream = container.add_stream("aac", rate=44100)
            astream.layout = "mono"

        if n_frames == 0:
            container.start_encoding()
        for i in range(n_frames):
            img = _to_stored(make(i, upright_w, upright_h), rotation_deg)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24").reformat(format="yuv420p")
            frame.pts = pts[i]
            frame.time_base = time_base
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))

        if astream is not None:
            dur = (pts[-1] * time_base + 1 / rate) if n_frames else Fraction(1)
            _mux_tone(container, astream, float(dur))
    log.debug("wrote test clip %s (%d frames)", path, n_frames)
    return path


def _mux_tone(container, astream, duration_s: float, sample_rate: int = 44100) -> None:
    import av

    n = int(duration_s * sample_rate)
    t = np.arange(n) / sample_rate
    samples = (0.1 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    chunk = 1024
    for start in range(0, n, chunk):
        part = samples[start : start + chunk][None, :]
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(part), format="fltp", layout="mono")
        frame.sample_rate = sample_rate
        frame.pts = start
        frame.time_base = Fraction(1, sample_rate)
        container.mux(astream.encode(frame))
    container.mux(astream.encode(None))


# -- bad inputs ------------------------------------------------------------
def write_audio_only(path: str | Path, duration_s: float = 1.0) -> Path:
    """An AAC audio file with no video track (.m4a / .mp4)."""
    import av

    path = Path(path)
    with av.open(str(path), mode="w") as container:
        astream = container.add_stream("aac", rate=44100)
        astream.layout = "mono"
        _mux_tone(container, astream, duration_s)
    return path


def write_random_bytes(path: str | Path, n_bytes: int = 4096, seed: int = 0) -> Path:
    """`n_bytes` of seeded random bytes (named however the caller likes)."""
    path = Path(path)
    path.write_bytes(np.random.default_rng(seed).integers(0, 256, n_bytes, np.uint8).tobytes())
    return path


def write_text(path: str | Path, text: str = "Not a video.\n" * 200) -> Path:
    """A plain text file (named however the caller likes)."""
    path = Path(path)
    path.write_text(text, encoding="utf-8")
    return path


def write_png(path: str | Path, size: tuple[int, int] = (64, 48)) -> Path:
    """A still picture (PNG) with the test pattern."""
    import av

    path = Path(path)
    img = code_pattern(0, *size)
    frame = av.VideoFrame.from_ndarray(img, format="rgb24")
    with av.open(str(path), mode="w", format="image2") as container:
        stream = container.add_stream("png", rate=1)
        stream.width, stream.height = frame.width, frame.height
        stream.pix_fmt = "rgb24"
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def truncate_copy(src: str | Path, dst: str | Path, keep_fraction: float) -> Path:
    """Copy the first `keep_fraction` (0..1) of `src`'s bytes to `dst`."""
    if not 0.0 <= keep_fraction <= 1.0:
        raise ValueError(f"keep_fraction must be in [0, 1], got {keep_fraction}")
    data = Path(src).read_bytes()
    dst = Path(dst)
    dst.write_bytes(data[: int(len(data) * keep_fraction)])
    return dst


def replace_bytes(src: str | Path, dst: str | Path, old: bytes, new: bytes) -> Path:
    """Copy `src` to `dst` replacing every `old` by `new` (same length), e.g. a
    codec fourcc, to make a file whose video codec FFmpeg does not know."""
    if len(old) != len(new):
        raise ValueError("old and new must have the same length")
    data = Path(src).read_bytes()
    if old not in data:
        raise ValueError(f"{old!r} does not occur in {src}")
    dst = Path(dst)
    dst.write_bytes(data.replace(old, new))
    return dst
