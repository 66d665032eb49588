"""A frame with every person seen boxed and numbered, for picking the athlete."""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np

from formcheck.render.draw import BLACK, WHITE, athlete_box, blend_box, put_text, sizes, text_size
from formcheck.track import PoseTrack

CHOSEN_BGR = (80, 200, 80)
OTHER_BGR = (0, 170, 255)


def busiest_row(tracks: Sequence[PoseTrack]) -> int:
    """The track row in which the most people are seen (the first such row; 0 if nobody)."""
    if not tracks:
        raise ValueError("tracks is empty")
    seen = np.sum([t.detected_frames for t in tracks], axis=0)
    return int(np.argmax(seen)) if seen.size else 0


def people_overview(frame_bgr: np.ndarray, tracks: Sequence[PoseTrack], row: int, chosen: int = 0) -> np.ndarray:
    """A copy of `frame_bgr` with person k (0-based, in `tracks` order) boxed and labelled k+1;
    the `chosen` one in green. People not seen at `row` are left out."""
    if not 0 <= chosen < max(len(tracks), 1):
        raise ValueError(f"chosen must be in 0..{len(tracks) - 1}, got {chosen}")
    out = frame_bgr.copy()
    size = sizes(out.shape)
    for k, track in enumerate(tracks):
        box = athlete_box(track, row, window=2)
        if box is None:
            continue
        colour = CHOSEN_BGR if k == chosen else OTHER_BGR
        x0, y0, x1, y1 = box
        cv2.rectangle(out, (x0, y0), (x1, y1), colour, max(2, size.line_px), cv2.LINE_AA)
        label = f"{k + 1}"
        w, h = text_size(label, size.text_px * 1.4)
        pad = size.margin_px
        bx, by = max(x0, 0), max(y0 - h - 2 * pad, 0)
        blend_box(out, (bx, by, bx + w + 2 * pad, by + h + 2 * pad), BLACK, 0.6)
        put_text(out, label, (bx + pad, by + pad + h), size.text_px * 1.4, colour if k == chosen else WHITE)
    return out
