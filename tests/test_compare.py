"""compare(): differences only beyond stride variability and the method's floor, on known strides."""

import numpy as np
import pytest

from formcheck.events.model import GaitEvent
from formcheck.metrics.model import StrideRecord, bootstrap_difference_ci
from formcheck.running.compare import ClipSide, compare

BASE = {"cadence_spm": 170.0, "knee_flexion_contact_deg": 20.0, "hip_extension_peak_deg": 10.0,
        "contact_time_ms": 250.0, "trunk_lean_deg": 7.0}


def _strides(shift=None, n=20, seed=0, sd=None):
    rng = np.random.default_rng(seed)
    sd = sd or {"cadence_spm": 1.5, "knee_flexion_contact_deg": 1.5, "hip_extension_peak_deg": 1.5,
                "contact_time_ms": 8.0, "trunk_lean_deg": 1.0}
    out = []
    for i in range(n):
        values = {k: v + (shift or {}).get(k, 0.0) + rng.normal(0, sd[k]) for k, v in BASE.items()}
        side = "left" if i % 2 == 0 else "right"
        contact = GaitEvent("contact", side, i * 10, i / 3, 1.0)
        out.append(StrideRecord(i, side, contact, None, None, values, (i * 10, i * 10 + 9)))
    return out


def _clip(label, strides, view="side", context="treadmill", mode="running", fps=120.0):
    return ClipSide(label, strides, view, context, mode, fps)


def test_same_runner_compares_as_equal():
    result = compare(_clip("treadmill", _strides(seed=1)), _clip("outdoor", _strides(seed=2), context="overground_fixed"))
    assert result.differences == ()
    assert {m.verdict for m in result.metrics} == {"no difference above the noise"}
    assert any("Speed is unknown" in w for w in result.warnings)


def test_eight_degrees_less_hip_extension_is_flagged_on_exactly_that_metric():
    result = compare(_clip("treadmill", _strides(seed=1)),
                     _clip("outdoor", _strides({"hip_extension_peak_deg": -8.0}, seed=2)))
    assert [m.name for m in result.differences] == ["hip_extension_peak_deg"]
    diff = result.differences[0]
    assert diff.difference == pytest.approx(-8.0, abs=1.5)
    assert diff.ci95[1] < 0


def test_consistent_but_below_the_floor_is_not_a_difference():
    # 3 deg more knee flexion at contact, very consistent, but the method's knee error is ~7.8 deg.
    result = compare(_clip("a", _strides(seed=1)), _clip("b", _strides({"knee_flexion_contact_deg": 3.0}, seed=2)))
    knee = next(m for m in result.metrics if m.name == "knee_flexion_contact_deg")
    assert knee.verdict == "no difference above the noise"
    assert "resolution" in knee.note and knee.ci95[0] > 0
    assert "+2.3 deg" in knee.literature


def test_large_but_noisy_difference_is_not_reported():
    noisy = {"cadence_spm": 1.5, "knee_flexion_contact_deg": 1.5, "hip_extension_peak_deg": 15.0,
             "contact_time_ms": 8.0, "trunk_lean_deg": 1.0}
    result = compare(_clip("a", _strides(n=4, seed=1, sd=noisy)),
                     _clip("b", _strides({"hip_extension_peak_deg": -8.0}, n=4, seed=2, sd=noisy)))
    assert "hip_extension_peak_deg" not in [m.name for m in result.differences]


def test_views_and_modes_make_metrics_not_comparable():
    rear = compare(_clip("a", _strides(seed=1)), _clip("b", _strides(seed=2), view="rear"))
    knee = next(m for m in rear.metrics if m.name == "knee_flexion_contact_deg")
    cadence = next(m for m in rear.metrics if m.name == "cadence_spm")
    assert knee.verdict == "not comparable" and "side" in knee.note
    assert cadence.verdict != "not comparable"  # cadence is measurable from behind too
    walking = compare(_clip("a", _strides(seed=1)), _clip("b", _strides(seed=2), mode="walking"))
    assert all(m.verdict == "not comparable" for m in walking.metrics)
    assert any("walking" in w for w in walking.warnings)


def test_too_few_strides_and_unknown_metric():
    few = compare(_clip("a", _strides(n=2)), _clip("b", _strides(n=20, seed=3)))
    assert all(m.verdict == "not comparable" for m in few.metrics)
    with pytest.raises(ValueError, match="unknown metric"):
        compare(_clip("a", _strides()), _clip("b", _strides()), metrics=["speed"])


def test_bootstrap_ci_brackets_a_known_shift():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, 50), rng.normal(5, 1, 50)
    lo, hi = bootstrap_difference_ci(a, b)
    assert lo < 5 < hi and lo > 4


def test_to_dict_is_json_ready():
    import json
    result = compare(_clip("a", _strides(seed=1)), _clip("b", _strides(seed=2), fps=30))
    data = json.loads(json.dumps(result.to_dict()))
    assert data["a"] == "a" and data["differences"] == [] and any("frames/s" in w for w in data["warnings"])
