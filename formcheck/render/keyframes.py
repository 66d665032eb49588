"""Key frames as images: annotated frames at the report's `key_frames`, with a caption strip.

`KeyFrameCollector` is an `on_frame` hook for `video.write_annotated_video`, so the
stills come from the same decoding pass as the video (no second read of the clip):

    collector = KeyFrameCollector(report)
    write_annotated_video(info, report, "annotated.mp4", on_frame=collector)
    collector.save("keyframes/")           # JPEG files, full size
    collector.images(max_side_px=640)      # (KeyFrame, JPEG bytes) for the HTML report
"""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np

from formcheck.render.draw import put_text, sizes, wrap
from formcheck.render.model import KeyFrame, ReportModel


def encode_image(image_bgr: np.ndarray, suffix: str = ".jpg", quality: int = 88) -> bytes:
    """JPEG (or PNG, by `suffix`) bytes of a BGR image."""
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if suffix in (".jpg", ".jpeg") else []
    ok, buf = cv2.imencode(suffix, image_bgr, params)
    if not ok:
        raise ValueError(f"could not encode an image as {suffix}")
    return buf.tobytes()


def with_caption(image_bgr: np.ndarray, text: str) -> np.ndarray:
    """A copy with a dark strip below the picture holding `text` (wrapped)."""
    sz = sizes(image_bgr.shape)
    h, w = image_bgr.shape[:2]
    lines = wrap(text, sz.text_px * 0.8, w - 2 * sz.margin_px)
    line_h = int(1.6 * sz.text_px * 0.8)
    strip = np.full((line_h * len(lines) + sz.margin_px, w, 3), 24, np.uint8)
    for k, line in enumerate(lines):
        put_text(strip, line, (sz.margin_px, int((k + 1) * line_h - 0.3 * line_h)), sz.text_px * 0.8, outline=False)
    return np.vstack([image_bgr, strip])


def _downscale(image: np.ndarray, max_side_px: int | None) -> np.ndarray:
    if not max_side_px:
        return image
    h, w = image.shape[:2]
    f = max_side_px / max(h, w)
    if f >= 1:
        return image
    return cv2.resize(image, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "frame"


class KeyFrameCollector:
    """Keeps the annotated frames at the report's key-frame rows (called as `hook(row, image)`)."""

    def __init__(self, report: ReportModel):
        self.key_frames: tuple[KeyFrame, ...] = report.key_frames
        self._wanted = {kf.frame for kf in self.key_frames}
        self._frames: dict[int, np.ndarray] = {}

    def __call__(self, row: int, image_bgr: np.ndarray) -> None:
        if row in self._wanted:
            self._frames[row] = image_bgr.copy()

    def captioned(self) -> list[tuple[KeyFrame, np.ndarray]]:
        """(key frame, captioned image) for every key frame that was seen, in report order."""
        return [(kf, with_caption(self._frames[kf.frame], f"{kf.title} · frame {kf.frame}"))
                for kf in self.key_frames if kf.frame in self._frames]

    def save(self, folder: str | Path, suffix: str = ".jpg") -> list[Path]:
        """Write each key frame as `NN_<slug>.jpg` in `folder` (created)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        out = []
        for k, (kf, image) in enumerate(self.captioned()):
            path = folder / f"{k + 1:02d}_{slug(kf.slug or kf.title)}{suffix}"
            path.write_bytes(encode_image(image, suffix))
            out.append(path)
        return out

    def images(self, max_side_px: int | None = 640, quality: int = 82) -> list[tuple[KeyFrame, bytes]]:
        """(key frame, JPEG bytes) for embedding, the long side at most `max_side_px`."""
        return [(kf, encode_image(_downscale(image, max_side_px), ".jpg", quality)) for kf, image in self.captioned()]
