"""Background (camera) motion per frame, from sparse optical flow outside the athlete.

    flow = background_flow(info, athlete_boxes_px, stride=2)
    flow.velocity_px_s      # (N, 2) how fast the background slides in the picture, px/s
    flow.reliability        # (N,) 0..1

A fixed camera (treadmill, or overground with a tripod) sees a still
background; a camera that follows a runner sees the background flow the
other way. Per measured pair of frames (every `stride`-th frame and the one
`stride` frames before it), on a grey copy downscaled to `max_side_px`:

1. corners (`cv2.goodFeaturesToTrack`) in the earlier frame, inside the
   picture area and outside the athlete's box (grown by `box_pad`);
2. Lucas-Kanade pyramidal flow forward and back; a feature is kept if it
   returns within `_FB_MAX_PX` of where it started and does not land in
   the later frame's athlete box;
3. the dominant translation: the displacement shared by most features
   (consensus within `_INLIER_PX` + 5 %), refined as their median. Moving
   people, swaying trees and static overlays are minorities and drop out.

Screen recordings: a player's frame (status bar, title, controls) is static
while a panning picture moves, and its text is full of strong corners. The
picture area is found once from five frames spread over the clip: edge
bands of rows (columns) that stay the same while the middle of the picture
changes are left out. A fixed camera's picture barely changes anywhere, so
nothing is cut there (and a static border would agree with it anyway).

Frames stream through one at a time (`iter_frames`); only the last grey
frame is kept. The clip is measured in contiguous ranges, one per core, in
threads (`video.split`): OpenCV's decoding and flow release the GIL. Time
comes from each frame's `t_s` (variable frame rate and dropped frames are
handled: a displacement is divided by its real interval).
"""

from __future__ import annotations

import logging
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from formcheck.video.info import VideoInfo
from formcheck.video.probe import probe
from formcheck.video.reader import FrameReader, iter_frames
from formcheck.video.split import core_count, frame_ranges

log = logging.getLogger(__name__)

#: Features per frame pair; more cost time and add little to a median.
MAX_FEATURES = 300
#: [H] Below this many agreeing features a pair is not measured (reliability 0).
MIN_INLIERS = 8
#: [H] Agreeing features for full reliability (a median of 30 is stable to ~0.1 px).
FULL_INLIERS = 30
_FB_MAX_PX = 1.0  # forward-backward error limit, working pixels
_INLIER_PX = 1.0  # consensus tolerance, working pixels (+5 % of the displacement)
_LK_WINDOW = (21, 21)
#: Below ~2 s per range, a second decoder's seek and start cost more than the range saves.
FLOW_MIN_RANGE_FRAMES = 60
# Picture area: sample frames, and the activity rules (shares of pixels whose grey level changes).
_AREA_SAMPLES = 5
_CHANGE_GREY = 12  # [H] grey-level change that counts (compression noise stays below ~6)
_ACTIVE_CENTRE = 0.3  # [H] the centre counts as moving when >= 30 % of its pixels change
_STATIC_BAND = 0.25  # [H] an edge row/column is border when it changes < 25 % as often as the centre
_MAX_BAND = 0.3  # a border band is at most 30 % of the height (width) on each side
_BLUR_LEAK = 2  # lines
_MARGIN = 0.02  # always ignore the outer 2 % (encoder edge artefacts, thin player lines)


@dataclass(frozen=True, eq=False)
class BackgroundFlow:
    """Background motion of a clip, one row per measured pair of frames.

    Attributes:
        frame_index: (N,) int64 the later frame of each pair.
        t_s: (N,) float64 real seconds at the middle of each pair's interval.
        dt_s: (N,) float64 real seconds between the two frames.
        velocity_px_s: (N, 2) float64 image velocity of the background in upright
            full-resolution pixels per second (x right, y down); NaN where not measured.
            A camera panning to follow a runner who runs toward image-left sees the
            background move right (+x).
        reliability: (N,) float64 in [0, 1]: share of tracked features that agree,
            times min(1, agreeing / FULL_INLIERS); 0 where not measured.
        inliers: (N,) int64 agreeing features.
        picture_box_px: (x0, y0, x1, y1) upright pixels of the area features came from.
        stride: frames between the two frames of a pair.
        work_scale: working picture size over full size.
        seconds: wall time of the measurement.
    """

    frame_index: np.ndarray
    t_s: np.ndarray
    dt_s: np.ndarray
    velocity_px_s: np.ndarray
    reliability: np.ndarray
    inliers: np.ndarray
    picture_box_px: tuple[float, float, float, float]
    stride: int
    work_scale: float
    seconds: float = 0.0

    def __post_init__(self) -> None:
        n = np.asarray(self.frame_index).shape[0]
        for name, shape in (("t_s", (n,)), ("dt_s", (n,)), ("velocity_px_s", (n, 2)),
                            ("reliability", (n,)), ("inliers", (n,))):
            arr = np.asarray(getattr(self, name), dtype=np.int64 if name == "inliers" else np.float64)
            if arr.shape != shape:
                raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "frame_index", np.asarray(self.frame_index, dtype=np.int64))

    def __len__(self) -> int:
        return int(self.frame_index.shape[0])

    def to_record(self) -> dict:
        """A JSON-able record (NaN as null) that `from_record` reads back exactly."""
        def floats(a: np.ndarray) -> list:
            return [None if not np.isfinite(v) else float(v) for v in np.asarray(a, dtype=np.float64).ravel()]

        return {"frame_index": [int(v) for v in self.frame_index], "t_s": floats(self.t_s),
                "dt_s": floats(self.dt_s), "velocity_px_s": floats(self.velocity_px_s),
                "reliability": floats(self.reliability), "inliers": [int(v) for v in self.inliers],
                "picture_box_px": [float(v) for v in self.picture_box_px], "stride": int(self.stride),
                "work_scale": float(self.work_scale), "seconds": float(self.seconds)}

    @classmethod
    def from_record(cls, record: dict) -> "BackgroundFlow":
        def floats(values: list) -> np.ndarray:
            return np.array([np.nan if v is None else v for v in values], dtype=np.float64)

        return cls(np.array(record["frame_index"], dtype=np.int64), floats(record["t_s"]), floats(record["dt_s"]),
                   floats(record["velocity_px_s"]).reshape(-1, 2), floats(record["reliability"]),
                   np.array(record["inliers"], dtype=np.int64), tuple(record["picture_box_px"]),
                   int(record["stride"]), float(record["work_scale"]), float(record["seconds"]))

    def reliable(self, min_reliability: float = 0.3) -> np.ndarray:
        """(N,) bool: measured with at least `min_reliability`."""
        return (self.reliability >= min_reliability) & np.all(np.isfinite(self.velocity_px_s), axis=1)

    def median_velocity_px_s(self, min_reliability: float = 0.3) -> np.ndarray:
        """(2,) median background velocity over reliable pairs, px/s; NaN if none.

        Signed: a steady pan survives, hand shake (back and forth) averages out."""
        ok = self.reliable(min_reliability)
        return np.median(self.velocity_px_s[ok], axis=0) if ok.any() else np.full(2, np.nan)

    def velocity_at(self, frame_index: np.ndarray, min_reliability: float = 0.3) -> np.ndarray:
        """(M, 2) velocity of the reliable pair nearest each frame (by index), px/s;
        NaN where no reliable pair lies within `stride` frames."""
        frames = np.asarray(frame_index, dtype=np.int64)
        out = np.full((frames.shape[0], 2), np.nan)
        ok = np.flatnonzero(self.reliable(min_reliability))
        if ok.size == 0 or frames.size == 0:
            return out
        # Each pair covers (frame - stride, frame]; its centre is frame - stride / 2.
        centres = self.frame_index[ok] - self.stride / 2.0
        pos = np.clip(np.searchsorted(centres, frames), 1, ok.size) if ok.size > 1 else np.zeros_like(frames)
        left = ok[np.maximum(pos - 1, 0)]
        right = ok[np.minimum(pos, ok.size - 1)]
        pick = np.where(np.abs(self.frame_index[left] - self.stride / 2.0 - frames)
                        <= np.abs(self.frame_index[right] - self.stride / 2.0 - frames), left, right)
        near = np.abs(self.frame_index[pick] - self.stride / 2.0 - frames) <= self.stride
        out[near] = self.velocity_px_s[pick[near]]
        return out


def background_flow(
    video: VideoInfo | str | Path,
    athlete_boxes_px: np.ndarray | None = None,
    stride: int = 1,
    max_side_px: int = 480,
    box_pad: float = 0.15,
    picture_box_px: tuple[float, float, float, float] | None = None,
    threads: int | None = None,
    workers: int | None = None,
) -> BackgroundFlow:
    """Background motion per measured frame pair of a clip (see the module doc).

    Args:
        video: a `VideoInfo` from `probe`, or a path.
        athlete_boxes_px: (frame_count, 4) x0, y0, x1, y1 of the athlete in upright
            pixels per frame (NaN where unknown: nothing is left out there); None:
            nobody is left out.
        stride: measure every `stride`-th frame against the one `stride` frames
            earlier (>= 1). Every frame is still decoded; the flow costs 1/stride.
        max_side_px: the longer side of the working picture (>= 64).
        box_pad: the athlete's box grows by this share of its size on each side.
        picture_box_px: the picture area, if known; default: found from the clip.
        threads: decoder threads (None: FFmpeg's choice) when the clip is one range.
        workers: ranges of the clip measured at once, in threads (default: one
            per core, none under FLOW_MIN_RANGE_FRAMES frames); the same rows as
            one pass, since each range also decodes the frame before its first.
    """
    started = time.perf_counter()
    info = video if isinstance(video, VideoInfo) else probe(video)
    if stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    if max_side_px < 64:
        raise ValueError(f"max_side_px must be >= 64, got {max_side_px}")
    if box_pad < 0:
        raise ValueError(f"box_pad must be >= 0, got {box_pad}")
    boxes = _check_boxes(athlete_boxes_px, info.frame_count)
    width, height = info.upright_size
    scale = min(1.0, max_side_px / max(width, height))
    area = (_picture_area(info, scale, boxes, box_pad) if picture_box_px is None
            else tuple(float(v) for v in picture_box_px))
    ranges = frame_ranges(info.frame_count, FLOW_MIN_RANGE_FRAMES, workers, align=stride)

    def measure(span: tuple[int, int]) -> list[tuple]:
        return _flow_rows(info, span, stride, scale, area, boxes, box_pad, threads if len(ranges) == 1 else 1)

    if len(ranges) == 1:
        parts = [measure(ranges[0])]
    else:
        with ThreadPoolExecutor(len(ranges), thread_name_prefix="background-flow") as pool:
            parts = list(pool.map(measure, ranges))
    arr = np.array([row for part in parts for row in part], dtype=np.float64).reshape(-1, 7)
    flow = BackgroundFlow(
        frame_index=arr[:, 0].astype(np.int64), t_s=arr[:, 1], dt_s=arr[:, 2], velocity_px_s=arr[:, 3:5],
        reliability=arr[:, 5], inliers=arr[:, 6].astype(np.int64), picture_box_px=area, stride=stride,
        work_scale=scale, seconds=time.perf_counter() - started,
    )
    log.info("%s: background flow on %d pairs (stride %d) in %.2f s", info.path.name, len(flow), stride, flow.seconds)
    return flow


# -- helpers ----------------------------------------------------------------------------------
def _flow_rows(info: VideoInfo, span: tuple[int, int], stride: int, scale: float, area, boxes: np.ndarray | None,
               box_pad: float, threads: int | None) -> list[tuple[int, float, float, float, float, float, int]]:
    """Rows (frame, t, dt, vx, vy, reliability, inliers) of the pairs whose later frame is in
    [start, stop); `start` is a multiple of `stride`, and the frame `stride` before it is
    decoded to pair with it."""
    start, stop = span
    rows = []
    prev = None  # (index, t_s, grey)
    for frame in iter_frames(info, start=max(0, start - stride), stop=stop, threads=threads):
        if frame.index % stride:
            continue
        grey = _work_grey(frame.image, scale)
        if prev is not None and frame.index - prev[0] == stride and frame.t_s > prev[1]:
            dt = frame.t_s - prev[1]
            shift, inl, rel = _pair_shift(prev[2], grey, _feature_mask(grey.shape, area, boxes, prev[0], scale, box_pad),
                                          _box_at(boxes, frame.index, scale, box_pad))
            vx, vy = (shift / scale / dt) if shift is not None else (np.nan, np.nan)
            rows.append((frame.index, (frame.t_s + prev[1]) / 2, dt, vx, vy, rel, inl))
        prev = (frame.index, frame.t_s, grey)
    return rows


def _check_boxes(boxes: np.ndarray | None, frame_count: int) -> np.ndarray | None:
    if boxes is None:
        return None
    arr = np.asarray(boxes, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise ValueError(f"athlete_boxes_px must have shape (frame_count, 4), got {arr.shape}")
    if arr.shape[0] != frame_count:
        raise ValueError(f"athlete_boxes_px must have one row per frame ({frame_count}), got {arr.shape[0]}")
    return arr


def _work_grey(image_bgr: np.ndarray, scale: float) -> np.ndarray:
    small = image_bgr if scale == 1.0 else cv2.resize(image_bgr, None, fx=scale, fy=scale,
                                                       interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)


def _box_at(boxes: np.ndarray | None, index: int, scale: float, pad: float) -> np.ndarray | None:
    """The athlete's box in working pixels, grown by `pad`; None if unknown."""
    if boxes is None or not 0 <= index < len(boxes) or not np.all(np.isfinite(boxes[index])):
        return None
    x0, y0, x1, y1 = boxes[index] * scale
    gx, gy = pad * (x1 - x0) + 2, pad * (y1 - y0) + 2
    return np.array([x0 - gx, y0 - gy, x1 + gx, y1 + gy])


def _feature_mask(shape, area, boxes, index, scale, pad) -> np.ndarray:
    h, w = shape
    mask = np.zeros((h, w), np.uint8)
    x0, y0, x1, y1 = (int(round(v * scale)) for v in area)
    mask[max(0, y0):min(h, y1), max(0, x0):min(w, x1)] = 255
    box = _box_at(boxes, index, scale, pad)
    if box is not None:
        bx0, by0, bx1, by1 = np.clip(np.round(box), 0, [w, h, w, h]).astype(int)
        mask[by0:by1, bx0:bx1] = 0
    return mask


def _pair_shift(a: np.ndarray, b: np.ndarray, mask: np.ndarray, box_b: np.ndarray | None):
    """(dx, dy) working pixels of the dominant translation from a to b, inliers, reliability."""
    min_dist = max(4.0, max(a.shape) / 60.0)
    points = cv2.goodFeaturesToTrack(a, maxCorners=MAX_FEATURES, qualityLevel=0.01, minDistance=min_dist,
                                     mask=mask, blockSize=7)
    if points is None or len(points) < MIN_INLIERS:
        return None, 0, 0.0
    moved, st, _ = cv2.calcOpticalFlowPyrLK(a, b, points, None, winSize=_LK_WINDOW, maxLevel=4)
    back, st2, _ = cv2.calcOpticalFlowPyrLK(b, a, moved, None, winSize=_LK_WINDOW, maxLevel=4)
    p, q, r = points.reshape(-1, 2), moved.reshape(-1, 2), back.reshape(-1, 2)
    keep = (st.ravel() == 1) & (st2.ravel() == 1) & (np.linalg.norm(r - p, axis=1) < _FB_MAX_PX)
    if box_b is not None:
        inside = (q[:, 0] >= box_b[0]) & (q[:, 0] <= box_b[2]) & (q[:, 1] >= box_b[1]) & (q[:, 1] <= box_b[3])
        keep &= ~inside
    d = (q - p)[keep]
    if len(d) < MIN_INLIERS:
        return None, 0, 0.0
    shift, inliers = _consensus(d)
    if inliers < MIN_INLIERS:
        return None, inliers, 0.0
    reliability = inliers / len(d) * min(1.0, inliers / FULL_INLIERS)
    return shift, inliers, float(reliability)


def _consensus(d: np.ndarray) -> tuple[np.ndarray, int]:
    """The translation most displacements agree with (each one tried as the hypothesis),
    refined as the median of those that agree; (shift (2,), number agreeing)."""
    tol = _INLIER_PX + 0.05 * np.linalg.norm(d, axis=1)
    dist = np.linalg.norm(d[:, None, :] - d[None, :, :], axis=2)
    votes = (dist < tol[:, None]).sum(axis=1)
    best = d[int(np.argmax(votes))]
    for _ in range(2):  # refine: median of the agreeing ones, then gather again
        near = np.linalg.norm(d - best, axis=1) < _INLIER_PX + 0.05 * np.linalg.norm(best)
        best = np.median(d[near], axis=0)
    near = np.linalg.norm(d - best, axis=1) < _INLIER_PX + 0.05 * np.linalg.norm(best)
    return best, int(near.sum())


def _picture_area(info: VideoInfo, scale: float, boxes: np.ndarray | None,
                  pad: float) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) upright pixels of the moving picture; static edge bands left out
    only when the background in the centre of the picture changes between spread frames
    (a pan). The athlete's boxes do not count: a runner filling the centre is no pan."""
    width, height = info.upright_size
    full = (_MARGIN * width, _MARGIN * height, (1 - _MARGIN) * width, (1 - _MARGIN) * height)
    n = info.frame_count
    if n < 3:
        return full
    picks = np.unique(np.linspace(0.1 * (n - 1), 0.9 * (n - 1), _AREA_SAMPLES).round().astype(int))
    cores = min(core_count(), len(picks))
    # Each seek decodes from the key frame before it: the picks are shared out between the cores.
    with ThreadPoolExecutor(cores, thread_name_prefix="picture-area") as pool:
        seen = [s for part in pool.map(lambda some: _decode_at(info, some), np.array_split(picks, cores)) for s in part]
    greys = [cv2.GaussianBlur(_work_grey(image, scale), (5, 5), 0) for _, image in seen]
    athlete = [_feature_mask(g.shape, (0, 0, *info.upright_size), boxes, index, scale, pad) == 0
               for g, (index, _) in zip(greys, seen)]
    if len(greys) < 2:
        return full
    changes = []
    for g0, g1, a0, a1 in zip(greys, greys[1:], athlete, athlete[1:]):
        change = (np.abs(g1.astype(np.int16) - g0) > _CHANGE_GREY).astype(np.float64)
        change[a0 | a1] = np.nan
        changes.append(change)
    with warnings.catch_warnings():  # lines fully inside the athlete's box: NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        changed = np.nanmean(changes, axis=0)
        rows, cols = np.nanmean(changed, axis=1), np.nanmean(changed, axis=0)
    y0, y1 = _static_bands(rows)
    x0, x1 = _static_bands(cols)
    h, w = changed.shape
    return (max(x0 / w, _MARGIN) * width, max(y0 / h, _MARGIN) * height,
            min(x1 / w, 1 - _MARGIN) * width, min(y1 / h, 1 - _MARGIN) * height)


def _decode_at(info: VideoInfo, picks: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """(index, image) of each picked frame that decodes (one decoder, seeking forward)."""
    out = []
    with FrameReader(info, threads=1) as reader:
        for i in picks:
            reader.seek(int(i))
            frame = reader.read()
            if frame is not None:  # a frame that does not decode: use the others
                out.append((frame.index, frame.image))
    return out


def _static_bands(activity: np.ndarray) -> tuple[int, int]:
    """[start, stop) of the lines between static edge bands of a 1-D activity profile."""
    n = activity.size
    middle = activity[n // 4: n - n // 4]
    middle = middle[np.isfinite(middle)]
    centre = float(np.median(middle)) if middle.size else 0.0
    if centre < _ACTIVE_CENTRE:
        return 0, n  # the picture hardly changes: a fixed camera, cut nothing
    static = np.nan_to_num(activity, nan=centre) < _STATIC_BAND * centre
    limit = int(_MAX_BAND * n)
    start = 0
    while start < limit and static[start]:
        start += 1
    stop = n
    while n - stop < limit and static[stop - 1]:
        stop -= 1
    # The 5x5 blur leaks the picture's changes _BLUR_LEAK lines into a border: step past them.
    start = start + _BLUR_LEAK if start else 0
    stop = stop - _BLUR_LEAK if stop < n else n
    return start, stop
