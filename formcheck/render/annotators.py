"""Annotators drawn on the body: joint-angle arcs with their values, gait-event markers.

STYLE habit 6: small classes, style in `__init__`, `annotate(frame, report, i)`
returns a copy with frame `i` (a track row) of a `ReportModel` drawn on it;
`draw(out, report, i, avoid)` draws in place (used by `compose`, which copies
once for a whole stack). Sizes scale with the athlete's height in the frame.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

import cv2
import numpy as np

from formcheck.render.draw import blend_box, body_height, put_text, sizes, text_size
from formcheck.render.model import AngleArc, ReportModel
from formcheck.render.skeleton import LEFT_BGR, MID_BGR, RIGHT_BGR

SIDE_BGR = {"left": LEFT_BGR, "right": RIGHT_BGR, "": (0, 230, 255)}  # midline values in yellow


class Annotator(ABC):
    """Base: `annotate` = copy, then `draw` in place."""

    @abstractmethod
    def draw(self, out: np.ndarray, report: ReportModel, i: int, avoid: list) -> None:
        """Draw row `i` of `report` on `out` in place, away from the boxes in `avoid`."""

    def annotate(self, frame_bgr: np.ndarray, report: ReportModel, i: int) -> np.ndarray:
        """A copy of `frame_bgr` (H, W, 3 uint8) with row `i` of `report` drawn on it."""
        out = frame_bgr.copy()
        self.draw(out, report, i, [])
        return out


def _one_second(track) -> int:
    """Rows in about one second of the track (the window the label size is taken over)."""
    fps = track.fps if len(track) > 1 else 30.0
    return int(round(fps)) if np.isfinite(fps) and fps > 0 else 30


def _vis_ok(report: ReportModel, i: int, landmark, min_visibility: float) -> bool:
    xy = report.track.xy_px[i, int(landmark)]
    return bool(np.all(np.isfinite(xy)) and report.track.visibility[i, int(landmark)] >= min_visibility)


class AngleArcAnnotator(Annotator):
    """Each `AngleArc` of the report as a translucent wedge between its two rays, with the
    value (from the report's series, so it equals frames.csv) beside it.

    min_visibility: landmarks below it hide the arc; alpha: wedge opacity.
    """

    def __init__(self, min_visibility: float = 0.5, alpha: float = 0.35):
        if not 0 <= min_visibility <= 1:
            raise ValueError(f"min_visibility must be in [0, 1], got {min_visibility}")
        if not 0 <= alpha <= 1:
            raise ValueError(f"alpha must be in [0, 1], got {alpha}")
        self.min_visibility = min_visibility
        self.alpha = alpha

    def draw(self, out: np.ndarray, report: ReportModel, i: int, avoid: list) -> None:
        if not 0 <= i < len(report.track):
            return
        sz = sizes(out.shape, body_height(report.track, i, _one_second(report.track)))
        for arc in report.arcs:
            series = report.series_by_name(arc.series)
            value = float(series.values[i])
            if not math.isfinite(value):
                continue
            geometry = self._geometry(report, i, arc)
            if geometry is None:
                continue
            centre, a1, a2 = geometry
            colour = SIDE_BGR.get(series.side, MID_BGR)
            self._wedge(out, centre, sz.arc_px, a1, a2, colour, sz.line_px)
            text = f"{arc.short} {value:.0f}°".strip()
            w, h = text_size(text, sz.label_px)
            box = _label_box(centre, a1 + _sweep(a1, a2) / 2, sz, w, h, out.shape, avoid)
            put_text(out, text, (box[0], box[3]), sz.label_px, colour)
            avoid.append(_padded(box, h))

    def _geometry(self, report, i, arc: AngleArc):
        if not _vis_ok(report, i, arc.vertex, self.min_visibility):
            return None
        xy = report.track.xy_px[i]
        v = xy[int(arc.vertex)]
        ends = {}
        for key, ray in (("a", arc.ray_a), ("b", arc.ray_b)):
            if isinstance(ray, tuple):
                if not all(_vis_ok(report, i, r, self.min_visibility) for r in ray):
                    return None
                ends[key] = xy[int(ray[1])] - xy[int(ray[0])]
            elif not isinstance(ray, str):
                if not _vis_ok(report, i, ray, self.min_visibility):
                    return None
                ends[key] = xy[int(ray)] - v
        for key, ray in (("a", arc.ray_a), ("b", arc.ray_b)):
            if isinstance(ray, str):
                other = ends["b" if key == "a" else "a"]
                ends[key] = {"up": np.array([0.0, -1.0]), "down": np.array([0.0, 1.0]),
                             "horizontal": np.array([1.0 if other[0] >= 0 else -1.0, 0.0])}[ray]
        if any(np.hypot(*d) < 1e-6 for d in ends.values()):
            return None
        a1, a2 = (math.degrees(math.atan2(d[1], d[0])) for d in (ends["a"], ends["b"]))
        return (float(v[0]), float(v[1])), a1, a2

    def _wedge(self, out, centre, r, a1, a2, colour, line_px) -> None:
        c = (int(round(centre[0])), int(round(centre[1])))
        sweep = _sweep(a1, a2)
        x0, y0, x1, y1 = c[0] - r - 2, c[1] - r - 2, c[0] + r + 3, c[1] + r + 3
        h, w = out.shape[:2]
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
        if x1 > x0 and y1 > y0 and self.alpha > 0:
            roi = out[y0:y1, x0:x1]
            layer = roi.copy()
            cv2.ellipse(layer, (c[0] - x0, c[1] - y0), (r, r), 0, a1, a1 + sweep, colour, -1, cv2.LINE_AA)
            cv2.addWeighted(layer, self.alpha, roi, 1 - self.alpha, 0, dst=roi)
        cv2.ellipse(out, c, (r, r), 0, a1, a1 + sweep, colour, max(1, line_px // 2 + 1), cv2.LINE_AA)
        for a in (a1, a1 + sweep):  # the rays, so a reference direction (vertical) is visible
            end = (int(c[0] + 1.4 * r * math.cos(math.radians(a))), int(c[1] + 1.4 * r * math.sin(math.radians(a))))
            cv2.line(out, c, end, colour, max(1, line_px // 2), cv2.LINE_AA)


LABEL_TURNS_DEG = (0, 35, -35, 70, -70, 110, -110, 180)


def _padded(box, h: int) -> tuple[int, int, int, int]:
    pad = max(2, int(0.3 * h))
    return box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad


def _label_box(centre, angle_deg: float, sz, w: int, h: int, shape, taken: list) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of a w x h label beside an arc: along the wedge's bisector, or turned
    about the joint until it covers no label or panel already drawn (so two knees seen from the
    side or the front do not print over each other)."""
    first = None
    for turn in LABEL_TURNS_DEG:
        a = math.radians(angle_deg + turn)
        dist = sz.arc_px + 0.35 * sz.label_px + 0.5 * max(w, h) * max(abs(math.cos(a)), 0.3)
        cx, cy = centre[0] + dist * math.cos(a), centre[1] + dist * math.sin(a)
        x0 = int(np.clip(cx - w / 2, 0, max(0, shape[1] - w)))
        y0 = int(np.clip(cy - h / 2, 0, max(0, shape[0] - h)))
        box = (x0, y0, x0 + w, y0 + h)
        first = first or box
        if not any(_overlaps(box, t) for t in taken if t is not None):
            return box
    return first


def _overlaps(a, b) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def _sweep(a1: float, a2: float) -> float:
    """Signed shortest turn from a1 to a2 in degrees (-180, 180]."""
    d = (a2 - a1 + 180.0) % 360.0 - 180.0
    return 180.0 if d == -180.0 else d


class GaitEventAnnotator(Annotator):
    """Each mark (contact, toe-off, ...) shown for `window_s` either side of its time: a ring
    (contact) or a diamond (toe-off) at its landmark, bold on the event frame, with a label."""

    def __init__(self, window_s: float = 0.1, min_visibility: float = 0.3):
        if window_s < 0:
            raise ValueError(f"window_s must be >= 0, got {window_s}")
        self.window_s = window_s
        self.min_visibility = min_visibility

    def draw(self, out: np.ndarray, report: ReportModel, i: int, avoid: list) -> None:
        track = report.track
        if not 0 <= i < len(track):
            return
        t = track.t_s[i]
        near = [m for m in report.marks if abs(m.t_s - t) <= self.window_s + 1e-9 or m.frame == i]
        if not near:
            return
        sz = sizes(out.shape, body_height(track, i, _one_second(track)))
        r = max(6, int(0.7 * sz.arc_px))
        for k, m in enumerate(near):
            if m.landmark is None or not _vis_ok(report, i, m.landmark, self.min_visibility):
                continue
            x, y = (int(round(v)) for v in track.xy_px[i, int(m.landmark)])
            colour = SIDE_BGR.get(m.side, MID_BGR)
            bold = m.frame == i
            th = sz.line_px + (2 if bold else 0)
            if m.kind == "contact":
                cv2.circle(out, (x, y), r, colour, th, cv2.LINE_AA)
            else:
                pts = np.array([(x, y - r), (x + r, y), (x, y + r), (x - r, y)], np.int32)
                cv2.polylines(out, [pts], True, colour, th, cv2.LINE_AA)
            w, h = text_size(m.label, sz.label_px)
            # below the foot, else above it: the first place clear of the labels already drawn
            tx = int(np.clip(x - w // 2, 2, max(2, out.shape[1] - w - 2)))
            spots = [y + r + int(1.4 * h) + j * int(1.6 * h) for j in range(3)]
            spots += [y - r - int(0.6 * h) - j * int(1.6 * h) for j in range(3)]
            spots = [int(np.clip(ty, h + 4, out.shape[0] - 4)) for ty in spots]
            ty = next((ty for ty in spots if not any(_overlaps((tx, ty - h, tx + w, ty), t) for t in avoid
                                                     if t is not None)), spots[min(k, len(spots) - 1)])
            pad = max(2, int(0.3 * h))
            blend_box(out, (tx - pad, ty - h - pad, tx + w + pad, ty + pad), alpha=0.45)
            put_text(out, m.label, (tx, ty), sz.label_px, colour)
            avoid.append((tx - pad, ty - h - pad, tx + w + pad, ty + pad))
