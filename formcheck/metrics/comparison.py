"""The result of comparing two clips, metric by metric: shared by running and exercise comparisons.

`formcheck.running.compare` (per stride) and `formcheck.exercises.compare`
(per rep) both return a `Comparison` of `MetricDifference` rows; the
statistics behind a row's interval are `formcheck.metrics.model.bootstrap_difference_ci`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MetricDifference:
    """One metric in both clips. difference = b - a (in the metric's unit);
    ci95: bootstrap 95% interval of that difference; floor: the method's
    resolution; verdict: "different", "no difference above the noise",
    or "not comparable" (with the reason in `note`)."""

    name: str
    unit: str
    a_median: float
    b_median: float
    a_n: int
    b_n: int
    difference: float
    ci95: tuple[float, float]
    floor: float
    verdict: str
    note: str = ""
    literature: str = ""

    @property
    def is_different(self) -> bool:
        return self.verdict == "different"

    def to_dict(self) -> dict:
        def r(v):
            return None if v is None or not np.isfinite(v) else round(float(v), 3)
        return {"metric": self.name, "unit": self.unit, "a": r(self.a_median), "b": r(self.b_median),
                "a_n": self.a_n, "b_n": self.b_n, "difference": r(self.difference),
                "ci95": [r(v) for v in self.ci95], "floor": self.floor, "verdict": self.verdict,
                "note": self.note, "literature": self.literature}


@dataclass(frozen=True)
class Comparison:
    a: str
    b: str
    metrics: tuple[MetricDifference, ...]
    warnings: tuple[str, ...]

    @property
    def differences(self) -> tuple[MetricDifference, ...]:
        """Only the metrics that differ by more than the noise."""
        return tuple(m for m in self.metrics if m.is_different)

    def to_dict(self) -> dict:
        return {"a": self.a, "b": self.b, "warnings": list(self.warnings),
                "metrics": [m.to_dict() for m in self.metrics],
                "differences": [m.name for m in self.differences]}
