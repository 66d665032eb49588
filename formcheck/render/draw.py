"""Drawing primitives for the annotators: sizes that scale, outlined text, translucent boxes,
and where to put a box so that it does not hide the athlete.

OpenCV's Hershey fonts know ASCII only; `put_text` draws "°" as a small ring
and "·" as a dot so labels read "31°" and "rep 3/10 · left".
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from formcheck.track import PoseTrack

FONT = cv2.FONT_HERSHEY_SIMPLEX
_SPECIAL = {"°", "·"}
WHITE, BLACK = (255, 255, 255), (0, 0, 0)
SEVERITY_BGR = {"check": (90, 90, 255), "note": (0, 190, 255), "info": (200, 200, 200)}


@dataclass(frozen=True)
class Sizes:
    """Pixel sizes for one frame.

    text_px: cap height of panel text (frame-relative: readable on a phone);
    label_px: cap height of labels on the body (body-relative, never larger
    than text_px); line_px: stroke width; arc_px: angle-arc radius; margin_px.
    """

    text_px: float
    label_px: float
    line_px: int
    arc_px: int
    margin_px: int


def sizes(frame_shape: tuple[int, ...], body_height_px: float | None = None) -> Sizes:
    """Sizes for a frame (H, W, ...) and an athlete `body_height_px` tall (None: unknown)."""
    h, w = frame_shape[:2]
    short = min(h, w)
    text = float(np.clip(0.032 * short, 11.0, 48.0))
    body = body_height_px if body_height_px and np.isfinite(body_height_px) and body_height_px > 0 else 0.5 * h
    label = float(np.clip(0.04 * body, 10.0, text))
    line = int(np.clip(round(0.006 * body), 1, 8))
    arc = int(np.clip(round(0.07 * body), 8, 120))
    return Sizes(text, label, line, arc, int(round(0.6 * text)))


def font_scale(cap_px: float) -> float:
    """cv2 font scale whose capital letters are `cap_px` tall (Hershey simplex: ~22 px at 1.0)."""
    return cap_px / 22.0


def _thickness(scale: float) -> int:
    return max(1, int(round(2.0 * scale)))


def _outline_px(cap_px: float) -> int:
    return max(1, int(round(0.08 * cap_px)))


def text_size(text: str, cap_px: float) -> tuple[int, int]:
    """(width, cap height) in pixels of `text` drawn with `put_text` at `cap_px`."""
    scale = font_scale(cap_px)
    th = _thickness(scale)
    width = 0
    for part, special in _runs(text):
        if special:
            width += int(round(0.45 * cap_px)) * len(part)
        else:
            width += cv2.getTextSize(part, FONT, scale, th)[0][0]
    return width, int(round(cap_px))


def _runs(text: str) -> list[tuple[str, bool]]:
    runs: list[tuple[str, bool]] = []
    for ch in text:
        special = ch in _SPECIAL
        if runs and runs[-1][1] == special and not special:
            runs[-1] = (runs[-1][0] + ch, False)
        else:
            runs.append((ch, special))
    return runs


def put_text(img: np.ndarray, text: str, org: tuple[int, int], cap_px: float, colour=WHITE,
             outline: bool = True) -> int:
    """Draw `text` with its baseline-left at `org` (in place); a dark outline keeps it readable
    on any background. Returns the x after the text."""
    scale = font_scale(cap_px)
    th = _thickness(scale)
    x, y = int(org[0]), int(org[1])
    for part, special in _runs(text):
        if special:
            step = int(round(0.45 * cap_px))
            cx = x + step // 2
            if part == "°":
                r, cy = max(2, int(round(0.16 * cap_px))), y - int(round(0.78 * cap_px))
                if outline:
                    cv2.circle(img, (cx, cy), r, BLACK, th + 2 * _outline_px(cap_px), cv2.LINE_AA)
                cv2.circle(img, (cx, cy), r, colour, th, cv2.LINE_AA)
            else:
                r, cy = max(1, int(round(0.1 * cap_px))), y - int(round(0.45 * cap_px))
                if outline:
                    cv2.circle(img, (cx, cy), r + _outline_px(cap_px), BLACK, -1, cv2.LINE_AA)
                cv2.circle(img, (cx, cy), r, colour, -1, cv2.LINE_AA)
            x += step
            continue
        if outline:
            _outlined_text(img, part, (x, y), scale, th, colour, _outline_px(cap_px))
        else:
            cv2.putText(img, part, (x, y), FONT, scale, colour, th, cv2.LINE_AA)
        x += cv2.getTextSize(part, FONT, scale, th)[0][0]
    return x


def _outlined_text(img, text, org, scale, th, colour, d) -> None:
    """The text over copies of itself shifted `d` pixels in eight directions, in black. (A thicker
    black copy underneath, the usual outline, runs ahead of the text: OpenCV 5's fonts widen
    with the stroke.)"""
    x, y = org
    for dx, dy in ((-d, 0), (d, 0), (0, -d), (0, d), (-d, -d), (d, d), (-d, d), (d, -d)):
        cv2.putText(img, text, (x + dx, y + dy), FONT, scale, BLACK, th, cv2.LINE_AA)
    cv2.putText(img, text, (x, y), FONT, scale, colour, th, cv2.LINE_AA)


def blend_box(img: np.ndarray, box: tuple[int, int, int, int], colour=BLACK, alpha: float = 0.55) -> None:
    """Darken (blend with `colour`) the box (x0, y0, x1, y1) of `img` in place, clipped to the image."""
    h, w = img.shape[:2]
    x0, y0, x1, y1 = max(0, box[0]), max(0, box[1]), min(w, box[2]), min(h, box[3])
    if x1 <= x0 or y1 <= y0:
        return
    roi = img[y0:y1, x0:x1]
    roi[:] = (roi.astype(np.float32) * (1 - alpha) + np.array(colour, np.float32) * alpha).astype(np.uint8)


def wrap(text: str, cap_px: float, max_width_px: int) -> list[str]:
    """Split `text` into lines no wider than `max_width_px` (a long word stays whole)."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_size(f"{lines[-1]} {word}", cap_px)[0] <= max_width_px:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


# -- where the athlete is ---------------------------------------------------------------
def athlete_box(track: PoseTrack, i: int, window: int = 0) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) around the athlete's landmarks in rows i-window..i+window, padded by
    10% of the body's size (its height standing, its length lying); None if nothing is seen there."""
    if not 0 <= i < len(track):
        return None
    lo, hi = max(0, i - window), min(len(track), i + window + 1)
    xy = track.xy_px[lo:hi].reshape(-1, 2)
    xy = xy[np.all(np.isfinite(xy), axis=1)]
    if xy.shape[0] < 2:
        return None
    x0, y0 = xy.min(axis=0)
    x1, y1 = xy.max(axis=0)
    pad = 0.1 * max(y1 - y0, x1 - x0, 1.0)
    return int(x0 - pad), int(y0 - pad), int(x1 + pad), int(y1 + pad)


def body_height(track: PoseTrack, i: int, window: int = 0) -> float | None:
    """The athlete's size in pixels: the longer side of the landmarks' box (the height standing,
    the length lying down or on hands and knees), the largest over rows i-window..i+window (so
    labels keep their size through a squat); None if unseen."""
    if not 0 <= i < len(track):
        return None
    xy = track.xy_px[max(0, i - window):min(len(track), i + window + 1)]
    ok = np.all(np.isfinite(xy), axis=2)  # (n, K)
    seen = ok.sum(axis=1) >= 2
    if not seen.any():
        return None
    xy = np.where(ok[..., None], xy, np.nan)[seen]
    extent = np.nanmax(xy, axis=1) - np.nanmin(xy, axis=1)  # (n, 2)
    return float(np.max(np.maximum(extent.max(axis=1), 1.0)))


POSITIONS = ("top-left", "top-right", "bottom-left", "bottom-right", "top", "bottom")


def place(size: tuple[int, int], frame_shape: tuple[int, ...], avoid: list, prefer=POSITIONS,
          margin: int = 8) -> tuple[int, int]:
    """Top-left corner for a box of `size` (w, h).

    Candidates: the positions in `prefer` (corners, top/bottom centre), each also
    slid just below or above every box in `avoid[1:]` (boxes already placed), so
    panels stack instead of overlapping. The one overlapping `avoid` least wins
    (overlapping a placed box costs 100 times more than overlapping avoid[0], the
    athlete, under a translucent panel); the earliest candidate on a tie.
    """
    h, w = frame_shape[:2]
    bw, bh = size
    spots = {"top-left": (margin, margin), "top-right": (w - bw - margin, margin),
             "bottom-left": (margin, h - bh - margin), "bottom-right": (w - bw - margin, h - bh - margin),
             "top": ((w - bw) // 2, margin), "bottom": ((w - bw) // 2, h - bh - margin)}
    candidates = [spots[name] for name in prefer]
    for name in prefer:
        x = spots[name][0]
        for other in avoid[1:]:
            if other is not None:
                candidates.append((x, other[3] + margin) if name.startswith("top") else (x, other[1] - bh - margin))
    xy = np.array(candidates, dtype=np.int64).reshape(-1, 2)
    xy[:, 0] = np.clip(xy[:, 0], 0, max(0, w - bw))
    xy[:, 1] = np.clip(xy[:, 1], 0, max(0, h - bh))
    boxes = [(k, a) for k, a in enumerate(avoid) if a is not None]
    if not boxes:
        return int(xy[0, 0]), int(xy[0, 1])
    a = np.array([b for _, b in boxes], dtype=np.int64)  # (M, 4)
    # Covering another panel makes both unreadable; covering the athlete only dims them.
    weight = np.array([1.0 if k == 0 else 100.0 for k, _ in boxes])
    ow = np.minimum(xy[:, None, 0] + bw, a[None, :, 2]) - np.maximum(xy[:, None, 0], a[None, :, 0])
    oh = np.minimum(xy[:, None, 1] + bh, a[None, :, 3]) - np.maximum(xy[:, None, 1], a[None, :, 1])
    cost = (np.clip(ow, 0, None) * np.clip(oh, 0, None) * weight).sum(axis=1)
    best = int(np.flatnonzero(cost <= cost.min() + 1e-6)[0])  # the earliest candidate on a tie
    return int(xy[best, 0]), int(xy[best, 1])
