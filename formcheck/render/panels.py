"""Text panels on the video: rep/stride counter, cue banner, metric panel; and `compose`.

Each panel is a semi-transparent box placed at a frame corner (or the top/bottom
centre) that overlaps the athlete least. The athlete's box is taken over
`window_s` around the frame, so a panel stays put instead of jumping every
frame. `compose` draws a stack of annotators on one copy, and gives each panel
the boxes already placed, so panels never cover one another.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from collections.abc import Sequence

import numpy as np

from formcheck.render.annotators import Annotator
from formcheck.render.draw import SEVERITY_BGR, WHITE, athlete_box, blend_box, place, put_text, sizes, text_size, wrap
from formcheck.render.model import ReportModel

Line = tuple[str, tuple[int, int, int]]


class Panel(Annotator):
    """A box of text lines. Subclasses give `lines(report, i, max_width_px, text_px)`."""

    prefer: tuple[str, ...] = ("top-left", "top-right")

    def __init__(self, alpha: float = 0.55, text_scale: float = 1.0, window_s: float = 0.5):
        if not 0 <= alpha <= 1:
            raise ValueError(f"alpha must be in [0, 1], got {alpha}")
        if not text_scale > 0:
            raise ValueError(f"text_scale must be > 0, got {text_scale}")
        self.alpha = alpha
        self.text_scale = text_scale
        self.window_s = window_s

    @abstractmethod
    def lines(self, report: ReportModel, i: int, max_width_px: int, text_px: float) -> list[Line]:
        """The panel's text lines for row `i`, wrapped to `max_width_px`."""

    def draw(self, out: np.ndarray, report: ReportModel, i: int, avoid: list) -> None:
        sz = sizes(out.shape)
        text_px = sz.text_px * self.text_scale
        margin = sz.margin_px
        lines = self.lines(report, i, out.shape[1] - 4 * margin, text_px)
        if not lines:
            return
        line_h = int(round(1.65 * text_px))
        pad = int(round(0.55 * text_px))
        width = max(text_size(t, text_px)[0] for t, _ in lines) + 2 * pad
        height = line_h * len(lines) + 2 * pad - int(0.65 * text_px) + int(0.25 * text_px)
        fps = report.track.fps if len(report.track) > 1 else 30.0
        window = int(round(self.window_s * fps)) if math.isfinite(fps) else 0
        body = athlete_box(report.track, i, window) if 0 <= i < len(report.track) else None
        x, y = place((width, height), out.shape, [body, *avoid], self.prefer, margin)
        blend_box(out, (x, y, x + width, y + height), alpha=self.alpha)
        for k, (text, colour) in enumerate(lines):
            put_text(out, text, (x + pad, y + pad + int(text_px) + k * line_h), text_px, colour)
        avoid.append((x, y, x + width, y + height))


class RepCounterAnnotator(Panel):
    """"rep 3/10 · left" (or "stride 3/10 · left") while frame `i` is inside an interval;
    when intervals overlap (a left and a right stride), the one that started last. In a routine,
    reps count within their exercise: "Side-lying clamshell · rep 3/10 · left"."""

    prefer = ("bottom-left", "bottom-right", "top-left", "top-right")

    def lines(self, report, i, max_width_px, text_px):
        inside = [iv for iv in report.intervals if iv.first <= i <= iv.last]
        if not inside:
            return []
        iv = max(inside, key=lambda v: (v.first, v.index))
        text = f"{report.interval_label(iv)}/{sum(v.group == iv.group for v in report.intervals)}"
        if iv.side:
            text += f" · {iv.side}"
        return [(text, WHITE)]


class CueBannerAnnotator(Panel):
    """The cues whose strides/reps contain frame `i` (short text, coloured by severity): every
    kind of cue that points at frames (a running observation, an exercise fault or
    asymmetry), not the optional suggestions; at most `max_cues`, most severe first."""

    prefer = ("top", "bottom", "top-left", "top-right", "bottom-left", "bottom-right")

    def __init__(self, max_cues: int = 2, **kwargs):
        super().__init__(**kwargs)
        if max_cues < 1:
            raise ValueError(f"max_cues must be >= 1, got {max_cues}")
        self.max_cues = max_cues

    def lines(self, report, i, max_width_px, text_px):
        rank = {"check": 0, "note": 1, "info": 2}
        active = [c for c in report.cues if c.kind != "suggestion" and any(a <= i <= b for a, b in c.frames)]
        active.sort(key=lambda c: rank[c.severity])
        out: list[Line] = []
        for cue in active[: self.max_cues]:
            for k, text in enumerate(wrap(f"{cue.severity}: {cue.short}", text_px, max_width_px)):
                out.append((text if k == 0 else f"  {text}", SEVERITY_BGR[cue.severity]))
        return out


class MetricPanelAnnotator(Panel):
    """The report's headline metrics (`report.panel`), one line each, plus the time."""

    prefer = ("top-left", "top-right", "bottom-left", "bottom-right")

    def __init__(self, max_lines: int = 5, show_time: bool = True, **kwargs):
        kwargs.setdefault("text_scale", 0.8)
        super().__init__(**kwargs)
        self.max_lines = max_lines
        self.show_time = show_time

    def lines(self, report, i, max_width_px, text_px):
        out: list[Line] = [(f"{label} {value}", WHITE) for label, value in report.panel[: self.max_lines]]
        if self.show_time and 0 <= i < len(report.track):
            out.append((f"t {report.track.t_s[i]:.2f} s", (200, 200, 200)))
        return out


def _bgr(hex_colour: str, lighten: float = 0.0) -> tuple[int, int, int]:
    rgb = np.array([int(hex_colour[k:k + 2], 16) for k in (1, 3, 5)], dtype=np.float64)
    rgb = rgb + (255.0 - rgb) * lighten
    return int(round(rgb[2])), int(round(rgb[1])), int(round(rgb[0]))


class ActivityAnnotator(Panel):
    """The activity span holding frame `i` ("Bodyweight squat 0.94", "Still / resting",
    "Not sure: Squat or Running?"), small, in a corner, in a light tint of its colour on
    the strip; nothing without an activity timeline or outside every span.

    max_width: share of the frame's width the text may take before it wraps."""

    prefer = ("top-right", "bottom-right", "top-left", "bottom-left")

    def __init__(self, max_width: float = 0.5, **kwargs):
        kwargs.setdefault("text_scale", 0.7)
        super().__init__(**kwargs)
        if not 0 < max_width <= 1:
            raise ValueError(f"max_width must be in (0, 1], got {max_width}")
        self.max_width = max_width

    def lines(self, report, i, max_width_px, text_px):
        from formcheck.render.strip import KIND_HEX

        span = report.activity.span_at(i) if report.activity is not None else None
        if span is None:
            return []
        colour = _bgr(KIND_HEX[span.kind][0], lighten=0.5)
        return [(t, colour) for t in wrap(span.label, text_px, int(max_width_px * self.max_width))]


def compose(frame_bgr: np.ndarray, report: ReportModel, i: int, annotators: Sequence) -> np.ndarray:
    """One copy of `frame_bgr` with every annotator drawn in order (panels avoid each other)."""
    out = frame_bgr.copy()
    placed: list = []
    for annotator in annotators:
        annotator.draw(out, report, i, placed)
    return out


def default_annotators() -> list:
    """Skeleton, angle arcs, gait events, cue banner, metric panel, counter, activity (placed
    last: the corner left over)."""
    from formcheck.render.annotators import AngleArcAnnotator, GaitEventAnnotator
    from formcheck.render.skeleton import SkeletonAnnotator

    return [SkeletonAnnotator(), AngleArcAnnotator(), GaitEventAnnotator(), CueBannerAnnotator(),
            MetricPanelAnnotator(), RepCounterAnnotator(), ActivityAnnotator()]
