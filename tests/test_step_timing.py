"""Flight time and duty factor from all the steps (formcheck/metrics/step_timing.py): exact values
from a known cadence and contact time, their intervals, and what is left as it was."""

from __future__ import annotations

import math

import pytest

from formcheck.events.cadence import NO_CADENCE, CadenceEstimate
from formcheck.metrics.model import MetricSummary
from formcheck.metrics.step_timing import timing_from_all_steps

NAN = float("nan")


def summary(name: str, median: float, ci95=(NAN, NAN), confidence: float = 0.9, n: int = 6) -> MetricSummary:
    return MetricSummary(name, "", median, 4.0, n, ci95, median + 1, median - 1, 2.0, (10, 50), confidence)


def cadence(spm: float, ci95=(NAN, NAN)) -> CadenceEstimate:
    return CadenceEstimate(spm, ci95, 20, 0, 20, 7.0, 1, spm, True)


def clip(per_stride_flight=105.0, per_stride_duty=33.0, contact=(240.0, (230.0, 250.0)), spm=(170.0, (168.0, 172.0))):
    return {"cadence_spm": summary("cadence_spm", spm[0], spm[1]),
            "contact_time_ms": summary("contact_time_ms", contact[0], contact[1], confidence=0.8),
            "flight_time_ms": summary("flight_time_ms", per_stride_flight),
            "duty_factor_pct": summary("duty_factor_pct", per_stride_duty)}


def test_flight_and_duty_factor_from_the_step_time_of_all_steps():
    # 160 steps/min: a step is 375 ms, a stride 750 ms; contact 240 ms
    out = timing_from_all_steps(clip(), cadence(160.0, (150.0, 170.0)))
    assert out["flight_time_ms"].median == pytest.approx(375.0 - 240.0)
    assert out["duty_factor_pct"].median == pytest.approx(100.0 * 240.0 / 750.0)
    # worst corners: fast cadence with long contact, slow cadence with short contact
    assert out["flight_time_ms"].ci95 == pytest.approx((60_000 / 170 - 250.0, 60_000 / 150 - 230.0))
    assert out["duty_factor_pct"].ci95 == pytest.approx((100 * 230 * 150 / 120_000, 100 * 250 * 170 / 120_000))
    # spread, n, left/right and frames stay the per-stride ones; confidence the lower of the inputs'
    flight = out["flight_time_ms"]
    assert (flight.spread, flight.n, flight.left, flight.right, flight.frames) == (4.0, 6, 106.0, 104.0, (10, 50))
    assert flight.confidence == 0.8
    assert out["contact_time_ms"] == clip()["contact_time_ms"] and out["cadence_spm"] == clip()["cadence_spm"]


def test_walking_has_no_flight_and_its_duty_factor_is_over_half():
    # 110 steps/min (545 ms a step) and 650 ms on the ground: double support, no flight
    out = timing_from_all_steps(clip(0.0, 60.0, (650.0, (NAN, NAN))), cadence(110.0))
    assert out["flight_time_ms"].median == 0.0
    assert out["duty_factor_pct"].median == pytest.approx(100 * 650 / (2 * 60_000 / 110))
    assert all(math.isnan(v) for v in out["flight_time_ms"].ci95)  # no interval without the contact time's


@pytest.mark.parametrize("case", ["no cadence", "no contact time", "cadence summary absent"])
def test_left_as_it_was_without_both_inputs(case):
    given = clip()
    if case == "no contact time":
        del given["contact_time_ms"]
    if case == "cadence summary absent":
        del given["cadence_spm"]
    est = NO_CADENCE if case == "no cadence" else cadence(160.0)
    assert timing_from_all_steps(given, est) == given


def test_a_derived_value_outside_what_a_body_does_keeps_the_per_stride_summary():
    # 60 steps/min with a 250 ms contact: a 750 ms "flight" is no running; a 12.5% duty factor can be
    out = timing_from_all_steps(clip(contact=(250.0, (NAN, NAN))), cadence(60.0))
    assert out["flight_time_ms"] == clip()["flight_time_ms"]
    assert out["duty_factor_pct"].median == pytest.approx(12.5)
