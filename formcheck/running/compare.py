"""Compare two running clips of the same runner: what differs, by how much, above the noise.

A difference is reported only when it is larger than both kinds of noise:
the stride-to-stride variability (the bootstrap 95% interval of the
difference of medians excludes zero) and the method's measurement floor
for that metric (`formcheck.metrics.catalog`, METRICS.md §3 and §5). Where
the literature has a treadmill-minus-overground effect, it is quoted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from formcheck.metrics.catalog import METRICS, spec
from formcheck.metrics.comparison import Comparison, MetricDifference
from formcheck.metrics.model import StrideRecord, bootstrap_difference_ci

MIN_STRIDES = 3


@dataclass(frozen=True)
class ClipSide:
    """What `compare` needs of one clip: its strides, and how it was filmed."""

    label: str
    strides: Sequence[StrideRecord]
    view: str
    context: str
    gait_mode: str
    fps: float


def _values(strides: Sequence[StrideRecord], name: str) -> np.ndarray:
    v = np.array([s.values.get(name, np.nan) for s in strides], dtype=np.float64)
    return v[np.isfinite(v)]


def compare(a: ClipSide, b: ClipSide, metrics: Sequence[str] | None = None) -> Comparison:
    """Metric by metric, b against a (e.g. a = treadmill, b = outdoor)."""
    names = list(metrics) if metrics is not None else list(METRICS)
    for name in names:
        spec(name)  # unknown names raise with the valid list
    rows = []
    for name in names:
        row = _compare_metric(name, a, b)
        if row is not None:
            rows.append(row)
    return Comparison(a.label, b.label, tuple(rows), tuple(_warnings(a, b)))


def _compare_metric(name: str, a: ClipSide, b: ClipSide) -> MetricDifference | None:
    s = spec(name)
    va, vb = _values(a.strides, name), _values(b.strides, name)
    if va.size == 0 and vb.size == 0:
        return None  # measured in neither clip: nothing to say
    ma = float(np.median(va)) if va.size else float("nan")
    mb = float(np.median(vb)) if vb.size else float("nan")
    ci, note = (float("nan"), float("nan")), ""
    if a.gait_mode != b.gait_mode:
        verdict, note = "not comparable", f"{a.label} is {a.gait_mode}, {b.label} is {b.gait_mode}"
    elif a.view not in s.views or b.view not in s.views:
        verdict = "not comparable"
        note = f"needs a {' or '.join(s.views)} view; the clips are {a.view} and {b.view}"
    elif va.size < MIN_STRIDES or vb.size < MIN_STRIDES:
        verdict, note = "not comparable", f"needs {MIN_STRIDES} strides in each clip ({va.size} and {vb.size})"
    else:
        ci = bootstrap_difference_ci(va, vb)
        beyond_variability = ci[0] > 0 or ci[1] < 0
        beyond_floor = abs(mb - ma) > s.floor
        verdict = "different" if beyond_variability and beyond_floor else "no difference above the noise"
        if beyond_variability and not beyond_floor:
            note = f"consistent across strides but smaller than the method's resolution ({s.floor:g} {s.unit})"
    return MetricDifference(name, s.unit, ma, mb, int(va.size), int(vb.size), mb - ma, ci, s.floor,
                            verdict, note, s.literature)


def _warnings(a: ClipSide, b: ClipSide) -> list[str]:
    out = []
    if a.gait_mode != b.gait_mode:
        out.append(f"{a.label} is {a.gait_mode} and {b.label} is {b.gait_mode}: gait metrics are not comparable.")
    if a.view != b.view:
        out.append(f"The clips are filmed from different views ({a.view}, {b.view}): only metrics both views "
                   "support are compared.")
    if "treadmill" in (a.context, b.context) and a.context != b.context:
        out.append("Speed is unknown: match the treadmill speed to your outdoor pace, since cadence, contact "
                   "time and most angles change with speed. Cadence is the common ground.")
    low = [c.label for c in (a, b) if c.fps and c.fps < 50]
    if low:
        out.append(f"{' and '.join(low)} filmed at under 50 frames/s: contact and flight times are only "
                   "resolved to about a frame (33 ms at 30 frames/s).")
    return out
