"""Per-stride records and metric summaries (median, spread, n, left/right, bootstrap CI)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from formcheck.events.model import GaitEvent
from formcheck.metrics.catalog import spec

BOOTSTRAP_RESAMPLES = 2000


@dataclass(frozen=True)
class StrideRecord:
    """One stride (side view) or stance (rear view) of one foot.

    index: 0-based order in the clip; side: "left"/"right";
    contact/toe_off/next_contact: its events (None where not found);
    values: metric name (catalog) -> value in the catalog's unit, NaN if not
    measurable for this stride; frames: (first, last) track rows it spans.
    """

    index: int
    side: str
    contact: GaitEvent
    toe_off: GaitEvent | None
    next_contact: GaitEvent | None
    values: Mapping[str, float] = field(default_factory=dict)
    frames: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class MetricSummary:
    """A metric over the clip.

    median and spread (interquartile range) over strides; n strides used;
    ci95: bootstrap 95% interval of the median (NaN with fewer than 3);
    left/right medians and asymmetry_pct = 100·|L - R| / mean(|L|, |R|);
    frames: track rows of the strides used; confidence 0..1.
    """

    name: str
    unit: str
    median: float
    spread: float
    n: int
    ci95: tuple[float, float]
    left: float
    right: float
    asymmetry_pct: float
    frames: tuple[int, ...]
    confidence: float

    def to_dict(self) -> dict:
        return {
            "value": _round(self.median), "unit": self.unit, "spread": _round(self.spread), "n": self.n,
            "ci95": [_round(v) for v in self.ci95], "left": _round(self.left), "right": _round(self.right),
            "asymmetry_pct": _round(self.asymmetry_pct), "confidence": round(self.confidence, 3),
            "evidence": spec(self.name).evidence,
        }


@dataclass(frozen=True)
class NotMeasurable:
    """A metric this clip cannot support, and what would."""

    name: str
    reason: str


def _round(v: float) -> float | None:
    return None if not np.isfinite(v) else round(float(v), 3)


def bootstrap_median_ci(values: Sequence[float], resamples: int = BOOTSTRAP_RESAMPLES,
                        seed: int = 0) -> tuple[float, float]:
    """95% percentile-bootstrap interval of the median; NaNs ignored; (NaN, NaN) below 3 values."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size < 3:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    medians = np.median(rng.choice(x, size=(resamples, x.size), replace=True), axis=1)
    return float(np.percentile(medians, 2.5)), float(np.percentile(medians, 97.5))


def bootstrap_difference_ci(a, b, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> tuple[float, float]:
    """95% percentile-bootstrap interval of median(b) - median(a), each sample resampled on its own."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    rng = np.random.default_rng(seed)
    da = np.median(rng.choice(a, size=(resamples, a.size)), axis=1)
    db = np.median(rng.choice(b, size=(resamples, b.size)), axis=1)
    return float(np.percentile(db - da, 2.5)), float(np.percentile(db - da, 97.5))


def summarize(name: str, strides: Sequence[StrideRecord], confidence: float = 1.0) -> MetricSummary:
    """Summary of metric `name` over the strides that have a finite value for it."""
    unit = spec(name).unit
    used = [s for s in strides if np.isfinite(s.values.get(name, np.nan))]
    values = np.array([s.values[name] for s in used], dtype=np.float64)
    sides = np.array([s.side for s in used])
    if values.size == 0:
        nan = float("nan")
        return MetricSummary(name, unit, nan, nan, 0, (nan, nan), nan, nan, nan, (), 0.0)
    q1, q3 = np.percentile(values, [25, 75])
    left = float(np.median(values[sides == "left"])) if np.any(sides == "left") else float("nan")
    right = float(np.median(values[sides == "right"])) if np.any(sides == "right") else float("nan")
    scale = (abs(left) + abs(right)) / 2
    asym = 100.0 * abs(left - right) / scale if np.isfinite(scale) and scale > 0 else float("nan")
    frames = tuple(sorted({f for s in used for f in range(s.frames[0], s.frames[1] + 1)}))
    return MetricSummary(name, unit, float(np.median(values)), float(q3 - q1), int(values.size),
                         bootstrap_median_ci(values), left, right, asym, frames,
                         float(min(max(confidence, 0.0), 1.0)))
