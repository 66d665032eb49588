"""How fast the background moves in the picture: a camera that follows a runner.

Sparse optical flow (Lucas-Kanade) on corner features outside the athlete's
box, on a few pairs of consecutive frames spread over the clip, downscaled
and grey. The median feature displacement is the camera's pan; a fixed
camera (treadmill, or overground with a fixed camera) gives about zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from formcheck.video.info import VideoInfo
from formcheck.video.reader import FrameReader

WORK_WIDTH_PX = 480  # features are found on frames scaled to this width: fast, and enough texture
MIN_FEATURES = 12


@dataclass(frozen=True)
class BackgroundMotion:
    """speed_frac_per_s: median |horizontal background shift| as a share of frame width per second;
    pairs: frame pairs that had enough background features; per_pair: (n,) signed shares per second."""

    speed_frac_per_s: float
    pairs: int
    per_pair: np.ndarray


def background_motion(info: VideoInfo, athlete_boxes: np.ndarray, pairs: int = 24) -> BackgroundMotion:
    """Background motion over `pairs` frame pairs spread over the clip.

    athlete_boxes: (T, 4) x0, y0, x1, y1 in upright pixels per frame (NaN where the athlete is not
    seen); the box, grown by 20%, is left out so the athlete's own motion does not count.
    """
    boxes = np.asarray(athlete_boxes, dtype=np.float64)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"athlete_boxes must have shape (T, 4), got {boxes.shape}")
    n = info.frame_count
    if n < 2 or pairs < 1:
        return BackgroundMotion(float("nan"), 0, np.zeros(0))
    scale = WORK_WIDTH_PX / max(info.upright_width, 1)
    starts = np.unique(np.linspace(0, n - 2, pairs).round().astype(int))
    shifts = []
    with FrameReader(info, threads=1) as reader:
        for i in starts:
            reader.seek(int(i))
            a, b = reader.read(), reader.read()
            if a is None or b is None or b.index != a.index + 1 or b.t_s <= a.t_s:
                continue
            shift = _median_shift(a.image, b.image, boxes[min(i, len(boxes) - 1)], scale)
            if shift is not None:
                shifts.append(shift / scale / info.upright_width / (b.t_s - a.t_s))
    per_pair = np.asarray(shifts)
    speed = float(np.median(np.abs(per_pair))) if per_pair.size else float("nan")
    return BackgroundMotion(speed, int(per_pair.size), per_pair)


def _median_shift(a_bgr, b_bgr, box, scale) -> float | None:
    a = cv2.cvtColor(cv2.resize(a_bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY)
    b = cv2.cvtColor(cv2.resize(b_bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY)
    mask = np.full(a.shape, 255, np.uint8)
    if np.all(np.isfinite(box)):
        x0, y0, x1, y1 = box * scale
        grow_x, grow_y = 0.2 * (x1 - x0), 0.2 * (y1 - y0)
        mask[max(0, int(y0 - grow_y)):int(y1 + grow_y) + 1, max(0, int(x0 - grow_x)):int(x1 + grow_x) + 1] = 0
    points = cv2.goodFeaturesToTrack(a, maxCorners=200, qualityLevel=0.01, minDistance=6, mask=mask)
    if points is None or len(points) < MIN_FEATURES:
        return None
    moved, status, _ = cv2.calcOpticalFlowPyrLK(a, b, points, None, winSize=(21, 21), maxLevel=3)
    ok = status.ravel() == 1
    if ok.sum() < MIN_FEATURES:
        return None
    return float(np.median((moved[ok] - points[ok])[:, 0, 0]))
