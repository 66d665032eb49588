"""The activity strip as SVG, from numpy alone (like `plots`): the clip's time left to right,
one coloured block per activity span with its title and confidence, shot cuts marked.

`activity_strip_svg(activity, t_s)` reads only the report model's `Activity`; the
HTML report puts it near the top, the app above its clickable buttons.
"""

from __future__ import annotations

from html import escape

import numpy as np

from formcheck.render.model import Activity, ActivitySpan
from formcheck.render.plots import FONT, nice_ticks

#: Fill and text colour of each kind of span (render.model.ACTIVITY_KINDS).
KIND_HEX = {"gait": ("#1f6fd1", "#ffffff"), "exercise": ("#2e7d32", "#ffffff"), "other": ("#00897b", "#ffffff"),
            "still": ("#c9ccd1", "#1d1d1f"), "absent": ("#eceff1", "#555555"), "unsure": ("#f0a000", "#1d1d1f")}
KIND_WORDS = {"gait": "running or walking", "exercise": "an exercise", "other": "another exercise",
              "still": "still or resting", "absent": "athlete not in view", "unsure": "not sure"}
CUT_HEX = "#b23c17"
# Average glyph width of the sans-serif font, as a share of its size (to fit titles into blocks).
CHAR_EM = 0.58


def fit_text(text: str, width_px: float, font_px: float) -> str:
    """`text` cut (with an ellipsis) to about `width_px`; "" when not even three letters fit."""
    room = int(width_px / (CHAR_EM * font_px))
    if room >= len(text):
        return text
    return "" if room < 3 else text[: room - 1].rstrip() + "…"


def span_edges_s(activity: Activity, t_s: np.ndarray) -> list[tuple[float, float]]:
    """(start, end) seconds of each span: from its first frame to the next frame's time, so
    spans that follow each other touch."""
    t = np.asarray(t_s, dtype=np.float64)
    n = len(t)
    dt = float(np.median(np.diff(t))) if n > 1 else 1 / 30
    return [(float(t[s.first]), float(t[s.last + 1]) if s.last + 1 < n else float(t[s.last]) + dt)
            for s in activity.spans]


def span_tooltip(span: ActivitySpan) -> str:
    """One line: the full title, times, confidence, view and why."""
    view = f", {span.view} view" if span.view and span.view != "unknown" else ""
    why = f" ({span.why})" if span.why else ""
    return (f"{span.title}: {span.start_s:.1f}–{span.end_s:.1f} s, confidence {span.confidence:.2f}{view}, "
            f"frames {span.first}–{span.last}{why}")


def activity_strip_svg(activity: Activity, t_s: np.ndarray, *, width: int = 1000) -> str:
    """The strip (module doc). `t_s`: the track's times (s), which the spans' rows index."""
    t = np.asarray(t_s, dtype=np.float64)
    if t.ndim != 1:
        raise ValueError(f"t_s must be 1-D, got shape {t.shape}")
    left, right, top, bar_h = 8, 8, 18, 44
    height = top + bar_h + 30
    edges = span_edges_s(activity, t) if len(t) else []
    t0 = float(t[0]) if len(t) else 0.0
    t1 = max([float(t[-1]) if len(t) else 1.0, *[e for _, e in edges]])
    if t1 <= t0:
        t1 = t0 + 1.0

    def x(v: float) -> float:
        return left + (v - t0) / (t1 - t0) * (width - left - right)

    body = [f'<rect x="{left}" y="{top}" width="{width - left - right}" height="{bar_h}" fill="#f5f5f7" '
            'stroke="#ccc"/>']
    for span, (a, b) in zip(activity.spans, edges):
        fill, ink = KIND_HEX[span.kind]
        xa, xb = x(a), x(b)
        w = max(xb - xa, 1.0)
        title = fit_text(span.title, w - 10, 13)
        sub = fit_text(f"{span.confidence:.2f}" + (f" · {span.view}" if span.view and span.view != "unknown"
                                                   else ""), w - 10, 11)
        text = ""
        if title:
            text = (f'<text x="{xa + 5:.1f}" y="{top + 18}" font-size="13" font-weight="600" fill="{ink}">'
                    f"{escape(title)}</text>")
            if sub and span.kind in ("gait", "exercise", "other", "unsure"):
                text += f'<text x="{xa + 5:.1f}" y="{top + 35}" font-size="11" fill="{ink}">{escape(sub)}</text>'
        body.append(f'<g class="span" data-kind="{span.kind}" data-first="{span.first}"><title>'
                    f"{escape(span_tooltip(span))}</title><rect x=\"{xa:.1f}\" y=\"{top}\" width=\"{w:.1f}\" "
                    f'height="{bar_h}" fill="{fill}" stroke="#fff" stroke-width="1.5"/>{text}</g>')
    for row in activity.cuts:
        if 0 <= row < len(t):
            xc = x(float(t[row]))
            body.append(f'<g class="cut"><title>shot cut at {float(t[row]):.2f} s (frame {row})</title>'
                        f'<line x1="{xc:.1f}" x2="{xc:.1f}" y1="{top - 10}" y2="{top + bar_h + 4}" stroke="{CUT_HEX}" '
                        f'stroke-width="2.5" stroke-dasharray="4 2"/><text x="{xc + 3:.1f}" y="{top - 4}" '
                        f'font-size="11" fill="{CUT_HEX}">cut</text></g>')
    for v in nice_ticks(t0, t1, max(2, width // 120)):
        if t0 - 1e-9 <= v <= t1 + 1e-9:
            xv = x(float(v))
            anchor = "start" if xv < left + 12 else "end" if xv > width - right - 12 else "middle"
            body.append(f'<line x1="{xv:.1f}" x2="{xv:.1f}" y1="{top + bar_h}" y2="{top + bar_h + 5}" stroke="#888"/>'
                        f'<text x="{xv:.1f}" y="{top + bar_h + 18}" font-size="12" text-anchor="{anchor}">'
                        f"{v:g} s</text>")
    label = "What happens when: " + ", ".join(f"{s.title} {a:.1f}–{b:.1f} s" for s, (a, b) in
                                              zip(activity.spans, edges))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="activity-strip" viewBox="0 0 {width} {height}" '
            f'width="100%" role="img" aria-label="{escape(label)}" style="max-width:{width}px;{FONT}">'
            + "".join(body) + "</svg>")
