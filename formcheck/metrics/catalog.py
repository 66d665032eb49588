"""Every running metric FormCheck reports: name, unit, views, evidence, noise floor.

One table, read by the metric code, the cues, the comparison and the report,
so a metric is named and described the same way everywhere. Evidence levels
follow METRICS.md: E published evidence, H engineering heuristic, W weak or
indirect. `floor` is the smallest difference between two clips that the
method can resolve (METRICS.md §3 and §5); a comparison never reports a
difference below it. `literature` is the treadmill-minus-overground effect
Van Hooren et al. 2020 found (METRICS.md §3), where there is one.
"""

from __future__ import annotations

from dataclasses import dataclass

SIDE, REAR, FRONT = "side", "rear", "front"


@dataclass(frozen=True)
class MetricSpec:
    name: str
    label: str
    unit: str
    views: tuple[str, ...]
    evidence: str
    floor: float
    floor_source: str
    literature: str = ""
    low_confidence: bool = False  # shown as low confidence whatever the data (METRICS.md §2, §6)
    describe: str = ""

    def __post_init__(self) -> None:
        if self.evidence not in ("E", "H", "W"):
            raise ValueError(f"{self.name}: evidence must be E, H or W, got {self.evidence!r}")
        if self.floor < 0:
            raise ValueError(f"{self.name}: floor must be >= 0")


_KNEE_RMSE = "knee RMSE 7.5-7.8 deg of 2-D pose in running (Van Hooren et al. 2023)"
_HIP_RMSE = "hip RMSE 5.0-5.9 deg of 2-D pose in running (Van Hooren et al. 2023)"
_ANKLE_RMSE = "ankle RMSE 5.7-5.8 deg of 2-D pose in running (Van Hooren et al. 2023)"
_TIMING = "event timing error ~20 ms per step (Stenum et al. 2021); 30 Hz mistimes contact by ~30 ms"

METRICS: dict[str, MetricSpec] = {m.name: m for m in (
    MetricSpec("cadence_spm", "Cadence", "steps/min", (SIDE, REAR, FRONT), "E", 2.0, _TIMING,
               describe="steps per minute; report with speed when known (Lieberman 2015; Heiderscheit 2011)"),
    MetricSpec("knee_flexion_contact_deg", "Knee flexion at contact", "deg", (SIDE,), "W", 7.8, _KNEE_RMSE,
               literature="+2.3 deg on a treadmill (Van Hooren 2020), below the method's error",
               describe="180 - ang(hip, knee, ankle) at initial contact"),
    MetricSpec("knee_flexion_peak_stance_deg", "Peak knee flexion in stance", "deg", (SIDE,), "W", 7.8, _KNEE_RMSE,
               describe="largest knee flexion between contact and toe-off (~45 deg typical; Souza 2016)"),
    MetricSpec("knee_rom_stance_deg", "Knee range of motion in stance", "deg", (SIDE,), "W", 7.8, _KNEE_RMSE,
               literature="-6.3 deg on a treadmill (Van Hooren 2020)",
               describe="peak stance knee flexion minus knee flexion at contact"),
    MetricSpec("thigh_angle_toe_off_deg", "Thigh angle at toe-off", "deg", (SIDE,), "W", 5.9, _HIP_RMSE,
               describe="thigh from vertical at toe-off, negative = behind the hip (hip-extension proxy)"),
    MetricSpec("hip_extension_peak_deg", "Peak hip extension (thigh proxy)", "deg", (SIDE,), "W", 5.9, _HIP_RMSE,
               describe="-min thigh angle within toe-off ± 2 frames; a proxy, pelvic tilt is not seen"),
    MetricSpec("overstride_ratio", "Overstride", "leg lengths", (SIDE,), "H", 0.03,
               "heel and hip landmark error ~2-3% of leg length [H]",
               describe="heel ahead of the hip at contact over hip-ankle length"),
    MetricSpec("shank_angle_contact_deg", "Shank angle at contact", "deg", (SIDE,), "H", 5.8, _ANKLE_RMSE,
               describe="shank from vertical at contact, positive = ankle ahead of the knee"),
    MetricSpec("foot_strike_angle_deg", "Foot-strike angle", "deg", (SIDE,), "E", 5.8, _ANKLE_RMSE,
               literature="-9.8 deg on a treadmill (Van Hooren 2020)",
               describe="heel to toe line against horizontal at contact, positive = toes up (heel first)"),
    MetricSpec("trunk_lean_deg", "Trunk lean", "deg", (SIDE,), "E", 5.9, _HIP_RMSE,
               describe="shoulder-hip line from vertical over the stride, positive = forward (7.3 ± 3.6 deg "
                        "self-selected; Teng & Powers 2014); descriptive only"),
    MetricSpec("vertical_oscillation_ratio", "Vertical oscillation", "leg lengths", (SIDE, REAR), "W", 0.01,
               "hip landmark jitter ~1% of leg length [H]",
               literature="-1.5 cm on a treadmill (Van Hooren 2020)",
               describe="range of hip-mid height over the stride over hip-ankle length; no norms"),
    MetricSpec("contact_time_ms", "Contact time", "ms", (SIDE,), "E", 33.0, _TIMING,
               literature="+5 ms on a treadmill (Van Hooren 2020), below the method's error",
               describe="toe-off minus initial contact"),
    MetricSpec("flight_time_ms", "Flight time", "ms", (SIDE,), "H", 33.0, _TIMING,
               describe="from toe-off to the other foot's contact"),
    # Floor from the contact-time floor: 33 ms over a ~0.7 s stride is ~5 points of duty factor.
    MetricSpec("duty_factor_pct", "Duty factor", "%", (SIDE,), "E", 5.0, _TIMING + "; 33 ms of a ~0.7 s stride",
               describe="contact time over stride time; a style, not a fault (Lussiana et al. 2019)"),
    MetricSpec("pelvic_drop_deg", "Contralateral pelvic drop", "deg", (REAR, FRONT), "E", 2.0,
               "no validation of MediaPipe pelvic drop (METRICS.md §6); 2-D CPD ICC 0.90-0.99 [W]",
               describe="swing-side hip below the stance-side hip, peak in stance, standing offset removed"),
    MetricSpec("hip_adduction_deg", "Hip adduction", "deg", (REAR, FRONT), "E", 5.9, _HIP_RMSE,
               describe="90 - ang(other hip, stance hip, stance knee), peak in stance, positive = adduction"),
    MetricSpec("knee_over_foot_deg", "Knee-over-foot alignment", "deg", (REAR, FRONT), "W", 7.8, _KNEE_RMSE,
               low_confidence=True,
               describe="frontal projection angle at midstance, positive = knee inside the hip-ankle line; "
                        "2-D knee angles do not match 3-D knee motion in running: low confidence"),
    MetricSpec("step_width_ratio", "Step width", "hip widths", (REAR, FRONT), "W", 0.1,
               "heel landmark error ~10% of hip width [H]",
               describe="heel separation between successive contacts over hip width; crossover when the "
                        "heel passes the midline"),
)}


def spec(name: str) -> MetricSpec:
    """The spec of a metric; unknown names raise with the valid list."""
    try:
        return METRICS[name]
    except KeyError:
        raise ValueError(f"unknown metric {name!r}; valid: {sorted(METRICS)}") from None
