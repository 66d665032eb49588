"""Every running metric FormCheck reports: name, unit, views, evidence, noise floor.

One table, read by the metric code, the cues, the comparison and the report,
so a metric is named and described the same way everywhere. Evidence levels
follow METRICS.md: E published evidence, H engineering heuristic, W weak or
indirect. `floor` is the smallest difference between two clips that the
method can resolve (METRICS.md §3 and §5); a comparison never reports a
difference below it. `literature` is the treadmill-minus-overground effect
Van Hooren et al. 2020 found (METRICS.md §3), where there is one.

`plausible` (lo, hi), in the catalog unit, bounds what a human body does in
gait, from slow walking to sprinting (the running analysis also reads
walking clips): a wide physiological bound, not a norm. A value outside it
is a tracking or view failure, not a measurement
(`formcheck.metrics.plausibility`). `plausible_source` says where the bound
comes from: published values, or the reasoning, marked [H] where the bound
itself is an engineering margin around them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SIDE, REAR, FRONT = "side", "rear", "front"
#: Between side and square-on: the feet's fore-aft swing shows, foreshortened, so when each foot
#: lands can be seen (cadence), but no angle, length or left-right measure holds.
OBLIQUE = "oblique"


@dataclass(frozen=True)
class MetricSpec:
    name: str
    label: str
    unit: str
    views: tuple[str, ...]
    evidence: str
    floor: float
    floor_source: str
    plausible: tuple[float, float]
    plausible_source: str
    literature: str = ""
    low_confidence: bool = False  # shown as low confidence whatever the data (METRICS.md §2, §6)
    describe: str = ""

    def __post_init__(self) -> None:
        if self.evidence not in ("E", "H", "W"):
            raise ValueError(f"{self.name}: evidence must be E, H or W, got {self.evidence!r}")
        if self.floor < 0:
            raise ValueError(f"{self.name}: floor must be >= 0")
        if not (isinstance(self.plausible, tuple) and len(self.plausible) == 2
                and all(isinstance(v, (int, float)) and math.isfinite(v) for v in self.plausible)):
            raise ValueError(f"{self.name}: plausible must be a (lo, hi) pair of finite numbers, "
                             f"got {self.plausible!r}")
        if not self.plausible[0] < self.plausible[1]:
            raise ValueError(f"{self.name}: plausible range needs lo < hi, got {self.plausible!r}")
        if not self.plausible_source.strip():
            raise ValueError(f"{self.name}: plausible_source must say where the range comes from")


_KNEE_RMSE = "knee RMSE 7.5-7.8 deg of 2-D pose in running (Van Hooren et al. 2023)"
_HIP_RMSE = "hip RMSE 5.0-5.9 deg of 2-D pose in running (Van Hooren et al. 2023)"
_ANKLE_RMSE = "ankle RMSE 5.7-5.8 deg of 2-D pose in running (Van Hooren et al. 2023)"
_TIMING = "event timing error ~20 ms per step (Stenum et al. 2021); 30 Hz mistimes contact by ~30 ms"

# Plausible ranges: wide bounds of what a body does in gait, slow walking to sprinting (module
# docstring). Clinical walking figures ("stance ~60% of the gait cycle", cadence 80-110 steps/min,
# pelvic obliquity ~±5 deg) are the textbook norms of observational gait analysis.
METRICS: dict[str, MetricSpec] = {m.name: m for m in (
    MetricSpec("cadence_spm", "Cadence", "steps/min", (SIDE, REAR, FRONT, OBLIQUE), "E", 2.0, _TIMING,
               plausible=(40.0, 330.0),
               plausible_source="slow walking ~60 steps/min, walking 80-110; elite 100 m sprinters 4.5-5 steps/s "
                                "(270-300/min; Salo et al. 2011); margins to 40 and 330 [H]",
               describe="steps per minute; report with speed when known (Lieberman 2015; Heiderscheit 2011)"),
    MetricSpec("knee_flexion_contact_deg", "Knee flexion at contact", "deg", (SIDE,), "W", 7.8, _KNEE_RMSE,
               plausible=(0.0, 60.0),
               plausible_source="0 = straight leg, the least this angle can be; ~0-5 deg at heel strike in walking, "
                                "~10-25 in running (20.9 deg, METRICS.md §1); landing on a knee bent past 60 deg "
                                "is not a gait [H]",
               literature="+2.3 deg on a treadmill (Van Hooren 2020), below the method's error",
               describe="180 - ang(hip, knee, ankle) at initial contact"),
    MetricSpec("knee_flexion_peak_stance_deg", "Peak knee flexion in stance", "deg", (SIDE,), "W", 7.8, _KNEE_RMSE,
               plausible=(0.0, 80.0),
               plausible_source="~15-20 deg in walking (loading response), ~45 deg in running (Souza 2016; "
                                "3-D 39-46 deg, PMC6044588); a stance bent past 80 deg is a squat, not a step [H]",
               describe="largest knee flexion between contact and toe-off (~45 deg typical; Souza 2016)"),
    MetricSpec("knee_rom_stance_deg", "Knee range of motion in stance", "deg", (SIDE,), "W", 7.8, _KNEE_RMSE,
               plausible=(0.0, 70.0),
               plausible_source="peak minus contact flexion, >= 0 by construction; ~10-15 deg walking, ~20-30 "
                                "running; the peak's bound less a straight-leg contact, with margin [H]",
               literature="-6.3 deg on a treadmill (Van Hooren 2020)",
               describe="peak stance knee flexion minus knee flexion at contact"),
    MetricSpec("thigh_angle_toe_off_deg", "Thigh angle at toe-off", "deg", (SIDE,), "W", 5.9, _HIP_RMSE,
               plausible=(-50.0, 25.0),
               plausible_source="thigh 10-25 deg behind vertical at toe-off in walking and running, ~30 in "
                                "sprinting; passive hip extension is 10-30 deg (goniometry norms), so 50 deg "
                                "behind needs a pelvic tilt no gait has; 25 ahead is no toe-off [H]",
               describe="thigh from vertical at toe-off, negative = behind the hip (hip-extension proxy)"),
    MetricSpec("hip_extension_peak_deg", "Peak hip extension (thigh proxy)", "deg", (SIDE,), "W", 5.9, _HIP_RMSE,
               plausible=(-25.0, 50.0),
               plausible_source="the thigh-angle range mirrored: ~10 deg in slow, compact runners (Souza 2016), "
                                "10-25 walking and running, ~30 sprinting [H]",
               describe="-min thigh angle within toe-off ± 2 frames; a proxy, pelvic tilt is not seen"),
    MetricSpec("overstride_ratio", "Overstride", "leg lengths", (SIDE,), "H", 0.03,
               "heel and hip landmark error ~2-3% of leg length [H]",
               plausible=(-0.4, 0.8),
               plausible_source="heel 0.1-0.3 leg lengths ahead of the hip in running, ~0.3-0.45 at heel strike "
                                "in walking, behind the hip in a sprint start; a straight leg at 45 deg puts the "
                                "heel ~0.7 ahead, so 0.8 is a geometric bound [H]",
               describe="heel ahead of the hip at contact over hip-ankle length"),
    MetricSpec("shank_angle_contact_deg", "Shank angle at contact", "deg", (SIDE,), "H", 5.8, _ANKLE_RMSE,
               plausible=(-45.0, 45.0),
               plausible_source="near-vertical tibia, 0-10 deg, in running (Lieberman 2015); ~15-25 deg at heel "
                                "strike in walking; negative (ankle behind the knee) in sprint acceleration [H]",
               describe="shank from vertical at contact, positive = ankle ahead of the knee"),
    MetricSpec("foot_strike_angle_deg", "Foot-strike angle", "deg", (SIDE,), "E", 5.8, _ANKLE_RMSE,
               plausible=(-40.0, 45.0),
               plausible_source="toes up 10-25 deg in rearfoot running and ~20-30 at heel strike in walking; "
                                "toes down to ~-20 deg in forefoot strikes and sprinting [H]",
               literature="-9.8 deg on a treadmill (Van Hooren 2020)",
               describe="heel to toe line against horizontal at contact, positive = toes up (heel first)"),
    MetricSpec("trunk_lean_deg", "Trunk lean", "deg", (SIDE,), "E", 5.9, _HIP_RMSE,
               plausible=(-20.0, 60.0),
               plausible_source="7.3 ± 3.6 deg self-selected, 14.1 cued flexed (Teng & Powers 2014); ~45 deg in "
                                "the first steps of a sprint start; upright to leaning back in walking and "
                                "downhill [H]",
               describe="shoulder-hip line from vertical over the stride, positive = forward (7.3 ± 3.6 deg "
                        "self-selected; Teng & Powers 2014); descriptive only"),
    MetricSpec("vertical_oscillation_ratio", "Vertical oscillation", "leg lengths", (SIDE, REAR), "W", 0.01,
               "hip landmark jitter ~1% of leg length [H]",
               plausible=(0.0, 0.35),
               plausible_source="a range, >= 0; pelvis rises and falls ~4-5 cm walking, 6-12 cm running (~0.05-"
                                "0.13 leg lengths); 0.35 (~30 cm) is more than any gait, with room for landmark "
                                "jitter (real clips read 0.13-0.20) [H]",
               literature="-1.5 cm on a treadmill (Van Hooren 2020)",
               describe="range of hip-mid height over the stride over hip-ankle length; no norms"),
    MetricSpec("contact_time_ms", "Contact time", "ms", (SIDE,), "E", 33.0, _TIMING,
               plausible=(50.0, 2000.0),
               plausible_source="~80-100 ms at top sprint speed (Weyand et al. 2000), 200-300 ms jogging; stance "
                                "is ~60% of the gait cycle in walking, ~1.9 s of a 3 s stride at 40 steps/min; "
                                "50 ms allows a 30 ms timing error on a sprint contact [H]",
               literature="+5 ms on a treadmill (Van Hooren 2020), below the method's error",
               describe="toe-off minus initial contact"),
    MetricSpec("flight_time_ms", "Flight time", "ms", (SIDE,), "H", 33.0, _TIMING,
               plausible=(0.0, 350.0),
               plausible_source="0 in walking (double support, by construction); ~100-150 ms in running, similar "
                                "across speeds up to sprinting (Weyand et al. 2000); 350 ms is a bounding "
                                "stride, not running [H]",
               describe="from toe-off to the other foot's contact"),
    # Floor from the contact-time floor: 33 ms over a ~0.7 s stride is ~5 points of duty factor.
    MetricSpec("duty_factor_pct", "Duty factor", "%", (SIDE,), "E", 5.0, _TIMING + "; 33 ms of a ~0.7 s stride",
               plausible=(10.0, 80.0),
               plausible_source="~20% sprinting (90 ms of a ~0.45 s stride), 25-40% running (Lussiana et al. "
                                "2019: 27.6-28.8% at 12 km/h), ~60% walking, up to ~70% in slow walking; the "
                                "contact-time error widens both ends [H]",
               describe="contact time over stride time; a style, not a fault (Lussiana et al. 2019)"),
    MetricSpec("pelvic_drop_deg", "Contralateral pelvic drop", "deg", (REAR, FRONT), "E", 2.0,
               "no validation of MediaPipe pelvic drop (METRICS.md §6); 2-D CPD ICC 0.90-0.99 [W]",
               plausible=(-15.0, 20.0),
               plausible_source="single-digit degrees in 3-D running (a 10% cadence rise cut it by 3.1 deg, "
                                "Bramah 2019), pelvic obliquity ~±5 deg in walking; the stance hip's adduction "
                                "(passive 20-30 deg, goniometry norms) bounds it; negative when the run's median "
                                "is the level and one side drops more [H]",
               describe="swing-side hip below the stance-side hip, peak in stance, standing offset removed"),
    MetricSpec("hip_adduction_deg", "Hip adduction", "deg", (REAR, FRONT), "E", 5.9, _HIP_RMSE,
               plausible=(-25.0, 30.0),
               plausible_source="3-D peak 13 ± 3 deg in male runners (PMC6044588); the joint's passive "
                                "adduction is 20-30 deg (AAOS 27 ± 4 deg), the most any stance can reach; "
                                "abduction side by the same margin [H]",
               describe="90 - ang(other hip, stance hip, stance knee), peak in stance, positive = adduction"),
    MetricSpec("knee_over_foot_deg", "Knee-over-foot alignment", "deg", (REAR, FRONT), "W", 7.8, _KNEE_RMSE,
               low_confidence=True,
               plausible=(-30.0, 30.0),
               plausible_source="2-D FPPA 8.4 ± 5.1 deg (controls) and 16.8 ± 5.4 (patellofemoral pain) in a "
                                "single-leg squat, a deeper task than a running stance (Herrington 2014); 2-D "
                                "vs 3-D limits of agreement -30 to +17 deg (Straub & Powers 2022) [H]",
               describe="frontal projection angle at midstance, positive = knee inside the hip-ankle line; "
                        "2-D knee angles do not match 3-D knee motion in running: low confidence"),
    MetricSpec("step_width_ratio", "Step width", "hip widths", (REAR, FRONT), "W", 0.1,
               "heel landmark error ~10% of hip width [H]",
               plausible=(-1.0, 2.5),
               plausible_source="heels ~5-10 cm apart running, 8-15 cm walking, a hip width ~0.2 m (0.25-0.75 hip "
                                "widths); crossover runners land slightly past the midline; crossing by a whole "
                                "hip width, or landing ~50 cm apart, is not a gait [H]",
               describe="heel separation between successive contacts over hip width; crossover when the "
                        "heel passes the midline"),
)}


def spec(name: str) -> MetricSpec:
    """The spec of a metric; unknown names raise with the valid list."""
    try:
        return METRICS[name]
    except KeyError:
        raise ValueError(f"unknown metric {name!r}; valid: {sorted(METRICS)}") from None
