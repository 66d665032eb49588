"""Plots as SVG strings, from numpy alone: the report embeds them inline and the app can show
them with `st.html` (or `st.markdown(..., unsafe_allow_html=True)`), so both draw the same
figures with no plotting dependency.

`angle_plot_svg`: angles over time, contacts (solid) and toe-offs (dashed) marked;
`per_interval_svg`: one value per stride/rep, left against right, flagged ones ringed;
`report_plots(report)`: the figures of a ReportModel, as `Plot`s.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np

from formcheck.render.model import Interval, Mark, PerInterval, ReportModel, Series

SIDE_HEX = {"left": "#ff8c00", "right": "#008cff", "": "#b08900"}
UNIT_TEXT = {"deg": "°", "ms": "ms", "%": "%"}
FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif"


def nice_ticks(lo: float, hi: float, n: int = 5) -> np.ndarray:
    """About `n` round tick values covering [lo, hi] (steps of 1, 2 or 5 x 10^k)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"lo and hi must be finite, got {lo}, {hi}")
    if hi <= lo:
        lo, hi = lo - 1.0, hi + 1.0
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    return np.round(np.arange(start, hi + step * 0.999, step), 10)


def _fmt_tick(v: float) -> str:
    return f"{v:.0f}" if abs(v - round(v)) < 1e-9 else f"{v:g}"


class _Frame:
    """Axes of one plot: data -> pixel mapping, grid, labels."""

    def __init__(self, width, height, x_range, y_range, title, x_label, y_label):
        self.w, self.h = width, height
        self.left, self.right, self.top, self.bottom = 64, 16, 50, 46
        # x spans the data exactly (time axes start and end with the clip); y rounds out to ticks
        self.x0, self.x1 = float(x_range[0]), float(x_range[1])
        if self.x1 <= self.x0:
            self.x0, self.x1 = self.x0 - 0.5, self.x0 + 0.5
        self.xt = nice_ticks(self.x0, self.x1, max(2, int(width / 110)))
        self.xt = self.xt[(self.xt >= self.x0 - 1e-9) & (self.xt <= self.x1 + 1e-9)]
        self.yt = nice_ticks(*y_range)
        self.y0, self.y1 = float(self.yt[0]), float(self.yt[-1])
        self.title, self.x_label, self.y_label = title, x_label, y_label

    def px(self, x) -> np.ndarray:
        span = (self.x1 - self.x0) or 1.0
        return self.left + (np.asarray(x, float) - self.x0) / span * (self.w - self.left - self.right)

    def py(self, y) -> np.ndarray:
        span = (self.y1 - self.y0) or 1.0
        return self.h - self.bottom - (np.asarray(y, float) - self.y0) / span * (self.h - self.top - self.bottom)

    def axes(self) -> list[str]:
        room = self.w - self.left - self.right  # a long title gets a smaller font rather than run off
        size = max(10.0, min(15.0, room / (0.6 * max(len(self.title), 1))))
        out = [f'<text x="{self.left}" y="20" font-size="{size:.1f}" font-weight="600">{escape(self.title)}</text>']
        for v in self.yt:
            y = float(self.py(v))
            out.append(f'<line x1="{self.left}" x2="{self.w - self.right}" y1="{y:.1f}" y2="{y:.1f}" '
                       f'stroke="#ddd"/>')
            out.append(f'<text x="{self.left - 6}" y="{y + 4:.1f}" font-size="12" text-anchor="end">'
                       f'{_fmt_tick(v)}</text>')
        for v in self.xt:
            x = float(self.px(v))
            out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{self.top}" y2="{self.h - self.bottom}" stroke="#eee"/>')
            out.append(f'<text x="{x:.1f}" y="{self.h - self.bottom + 16}" font-size="12" text-anchor="middle">'
                       f'{_fmt_tick(v)}</text>')
        out.append(f'<rect x="{self.left}" y="{self.top}" width="{self.w - self.left - self.right}" '
                   f'height="{self.h - self.top - self.bottom}" fill="none" stroke="#888"/>')
        out.append(f'<text x="{(self.left + self.w - self.right) / 2:.1f}" y="{self.h - 8}" font-size="13" '
                   f'text-anchor="middle">{escape(self.x_label)}</text>')
        cy = (self.top + self.h - self.bottom) / 2
        out.append(f'<text x="16" y="{cy:.1f}" font-size="13" text-anchor="middle" '
                   f'transform="rotate(-90 16 {cy:.1f})">{escape(self.y_label)}</text>')
        return out


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
            f'role="img" aria-label="{escape(label)}" style="max-width:{width}px;{FONT}">'
            + "".join(body) + "</svg>")


def _path(xs: np.ndarray, ys: np.ndarray) -> str:
    """SVG path data; NaN breaks the line."""
    parts, pen = [], False
    for x, y in zip(xs, ys):
        if not (math.isfinite(x) and math.isfinite(y)):
            pen = False
            continue
        parts.append(f"{'L' if pen else 'M'}{x:.1f},{y:.1f}")
        pen = True
    return " ".join(parts)


LEGEND_ROW_PX = 17


def _legend_width(label: str) -> int:
    return int(6.6 * len(label)) + 40


def _legend_rows(entries: list[tuple[str, str, str]], width: int, left: int, right: int) -> list[list]:
    """The entries in rows that fit between the plot's left and right edges."""
    rows: list[list] = [[]]
    x = left
    for entry in entries:
        w = _legend_width(entry[0])
        if rows[-1] and x + w - 40 + 24 > width - right:
            rows.append([])
            x = left
        rows[-1].append(entry)
        x += w
    return rows


def _legend(frame: _Frame, entries: list[tuple[str, str, str]]) -> list[str]:
    """entries: (label, colour, dash); rows under the title, from the left (see `_legend_rows`).
    A dash of "band" draws a shaded box (rep windows)."""
    out = []
    for r, row in enumerate(_legend_rows(entries, frame.w, frame.left, frame.right)):
        x, y = frame.left, 35 + r * LEGEND_ROW_PX
        for label, colour, dash in row:
            if dash == "band":
                out.append(f'<rect x="{x}" y="{y - 6}" width="20" height="12" fill="{colour}" fill-opacity="0.12" '
                           f'stroke="{colour}" stroke-opacity="0.4"/>')
            else:
                out.append(f'<line x1="{x}" x2="{x + 20}" y1="{y}" y2="{y}" stroke="{colour}" stroke-width="3" '
                           f'stroke-dasharray="{dash}"/>')
            out.append(f'<text x="{x + 24}" y="{y + 4}" font-size="12">{escape(label)}</text>')
            x += _legend_width(label)
    return out


def _with_legend_room(frame: _Frame, entries, height: int) -> int:
    """Move the plot area down for a legend of several rows; returns the SVG's height."""
    extra = (len(_legend_rows(entries, frame.w, frame.left, frame.right)) - 1) * LEGEND_ROW_PX
    frame.top += extra
    frame.h += extra
    return height + extra


LIMIT_HEX = "#c62828"


def _limit_lines(frame: _Frame, limits, unit: str) -> list[str]:
    """A dashed horizontal line per limit, its value at the right end."""
    out = []
    for v in limits:
        if not (frame.y0 <= v <= frame.y1):
            continue
        y = float(frame.py(v))
        out.append(f'<line x1="{frame.left}" x2="{frame.w - frame.right}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="{LIMIT_HEX}" stroke-width="1.5" stroke-dasharray="7 4"/>')
        out.append(f'<text x="{frame.w - frame.right - 4}" y="{y - 4:.1f}" font-size="11" text-anchor="end" '
                   f'fill="{LIMIT_HEX}">limit {_fmt_tick(round(v, 2))}{escape(UNIT_TEXT.get(unit, ""))}</text>')
    return out


def _range(values: Sequence[np.ndarray]) -> tuple[float, float]:
    finite = np.concatenate([v[np.isfinite(v)] for v in values]) if values else np.array([])
    if finite.size == 0:
        return 0.0, 1.0
    return float(finite.min()), float(finite.max())


def angle_plot_svg(t_s: np.ndarray, series: Sequence[Series], marks: Sequence[Mark] = (), *, title: str,
                   width: int = 1000, height: int = 300, intervals: Sequence[Interval] = (),
                   interval_word: str = "rep") -> str:
    """The series over time (s), with contacts (solid) and toe-offs (dashed) as vertical lines,
    `intervals` (e.g. reps; rows of `t_s`) as shaded bands numbered at the top, and each
    series' `limits` as dashed red lines."""
    t = np.asarray(t_s, dtype=np.float64)
    if t.ndim != 1 or any(s.values.shape != t.shape for s in series):
        raise ValueError("t_s must be 1-D and every series the same length")
    unit = series[0].unit if series else ""
    ylabel = f"angle ({UNIT_TEXT.get(unit, unit)})" if unit == "deg" else f"value ({UNIT_TEXT.get(unit, unit)})"
    x_range = (float(t[0]), float(t[-1])) if t.size else (0.0, 1.0)
    limits = sorted({v for s in series for v in s.limits})
    lo, hi = _range([s.values for s in series])
    if limits and np.isfinite([lo, hi]).all():  # show the limits unless they lie far outside the data
        span = max(hi - lo, 1e-9)
        near = [v for v in limits if lo - span <= v <= hi + span]
        lo, hi = min([lo, *near]), max([hi, *near])
    frame = _Frame(width, height, x_range, (lo, hi), title, "time (s)", ylabel)
    entries = []
    for k, s in enumerate(series):
        colour = SIDE_HEX.get(s.side, "#b08900")
        dash = "6 3" if k > 0 and s.side == series[0].side else ""
        entries.append((s.label, colour, dash))
    for kind in dict.fromkeys(m.kind for m in marks):
        entries.append((kind.replace("_", "-"), "#666", "" if kind == "contact" else "4 3"))
    if intervals and t.size:
        entries.append((f"{interval_word}s", "#555", "band"))
    if any(frame.y0 <= v <= frame.y1 for v in limits):
        entries.append(("limit of a check", LIMIT_HEX, "7 4"))
    height = _with_legend_room(frame, entries, height)
    body = []
    seen: dict[str, int] = {}
    for iv in intervals:  # under the axes' grid, so the grid stays visible
        seen[iv.group] = number = seen.get(iv.group, 0) + 1  # counted within its exercise or set in a routine
        if not (0 <= iv.first < t.size and 0 <= iv.last < t.size):
            continue
        x0, x1 = float(frame.px(t[iv.first])), float(frame.px(t[iv.last]))
        colour = SIDE_HEX.get(iv.side, "#555")
        group = f"{iv.group} · " if iv.group else ""
        body.append(f'<rect x="{x0:.1f}" y="{frame.top}" width="{max(x1 - x0, 1.0):.1f}" '
                    f'height="{frame.h - frame.top - frame.bottom}" fill="{colour}" fill-opacity="0.10">'
                    f'<title>{escape(group)}{escape(interval_word)} {number}{" · " + iv.side if iv.side else ""}: '
                    f'{t[iv.first]:.2f}–{t[iv.last]:.2f} s</title></rect>')
        body.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{frame.top + 13}" font-size="11" text-anchor="middle" '
                    f'fill="#444">{number}</text>')
    body += frame.axes()
    body += _limit_lines(frame, limits, unit)
    for m in marks:
        if not frame.x0 <= m.t_s <= frame.x1:
            continue
        x = float(frame.px(m.t_s))
        dash = "" if m.kind == "contact" else "4 3"
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{frame.top}" y2="{frame.h - frame.bottom}" '
                    f'stroke="{SIDE_HEX.get(m.side, "#999")}" stroke-opacity="0.55" stroke-dasharray="{dash}">'
                    f'<title>{escape(m.label)} {m.t_s:.2f} s</title></line>')
    for (label, colour, dash), s in zip(entries, series):
        body.append(f'<path d="{_path(frame.px(t), frame.py(s.values))}" fill="none" stroke="{colour}" '
                    f'stroke-width="2" stroke-dasharray="{dash}"/>')
    return _svg(width, height, body + _legend(frame, entries), title)


def per_interval_svg(data: PerInterval, *, interval_word: str = "stride", width: int = 380,
                     height: int = 240) -> str:
    """One dot per stride/rep (x: its number), left and right coloured, each side's median dashed;
    strides a cue flagged are ringed in red; the data's `limits` as dashed red lines."""
    x = np.asarray(data.index, dtype=np.float64) + 1
    v = np.asarray(data.values, dtype=np.float64)
    unit = UNIT_TEXT.get(data.unit, data.unit)
    ylabel = {"°": "angle (°)", "ms": "time (ms)"}.get(unit, unit)
    lo, hi = _range([v])
    # At least 10% of the values' size on the axis: two reps 0.001 apart are not drawn a plot apart.
    least = 0.1 * max(abs(lo), abs(hi))
    if hi - lo < least:
        mid = (hi + lo) / 2
        lo, hi = mid - least / 2, mid + least / 2
    span = max(hi - lo, 1e-9)
    near = [lim for lim in data.limits if lo - 2 * span <= lim <= hi + 2 * span]
    frame = _Frame(width, height, (float(x.min()) - 0.5, float(x.max()) + 0.5) if x.size else (0.0, 1.0),
                   (min([lo, *near]), max([hi, *near])), data.label, interval_word, ylabel)
    body = frame.axes() + _limit_lines(frame, data.limits, data.unit)
    entries = []
    sides = np.array(data.sides)
    for side in ("left", "right", ""):
        sel = sides == side
        if not sel.any():
            continue
        colour = SIDE_HEX[side]
        med = float(np.median(v[sel]))
        y = float(frame.py(med))
        body.append(f'<line x1="{frame.left}" x2="{frame.w - frame.right}" y1="{y:.1f}" y2="{y:.1f}" '
                    f'stroke="{colour}" stroke-dasharray="5 4"/>')
        for xi, vi, k in zip(x[sel], v[sel], np.asarray(data.index)[sel]):
            ring = ' stroke="#d00" stroke-width="2.5"' if int(k) in data.flagged else ""
            body.append(f'<circle cx="{float(frame.px(xi)):.1f}" cy="{float(frame.py(vi)):.1f}" r="4.5" '
                        f'fill="{colour}"{ring}><title>{interval_word} {int(k) + 1}: {vi:.3g} {unit}</title>'
                        '</circle>')
        entries.append((side or "value", colour, ""))
    return _svg(width, height, body + _legend(frame, entries), data.label)


@dataclass(frozen=True)
class Plot:
    """One figure: kind "time" (over the clip) or "interval" (per stride/rep)."""

    title: str
    kind: str
    svg: str


def report_plots(report: ReportModel, max_per_interval: int = 6) -> list[Plot]:
    """The report's figures: one plot over time per series group (series with `plot` set;
    reps shaded when the intervals are reps), then the per-stride/rep plots (flagged
    metrics first)."""
    out = []
    groups: dict[str, list[Series]] = {}
    for s in report.series:
        if s.plot:
            groups.setdefault(s.group or s.name, []).append(s)
    t = report.track.t_s
    bands = report.intervals if report.interval_word == "rep" else ()  # strides overlap: their events show them
    for group, members in groups.items():
        title = members[0].label.split(",")[0] if len(members) > 1 else members[0].label
        out.append(Plot(title, "time", angle_plot_svg(t, members, report.marks, title=f"{title} over time",
                                                      intervals=bands, interval_word=report.interval_word)))
    ranked = sorted(report.per_interval, key=lambda p: (not p.flagged,))
    for data in ranked[:max_per_interval]:
        out.append(Plot(data.label, "interval", per_interval_svg(data, interval_word=report.interval_word)))
    return out
