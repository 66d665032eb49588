"""Side-view running metrics, one `StrideRecord` per contact (METRICS.md §1).

`side_view_strides(track, events, direction)` measures, from each contact to
the next contact of the same foot, the catalog metrics cadence_spm (from the
step to the next contact of either foot: labels swap, contact times do not),
knee_flexion_contact_deg, knee_flexion_peak_stance_deg, knee_rom_stance_deg,
thigh_angle_toe_off_deg, hip_extension_peak_deg, overstride_ratio,
shank_angle_contact_deg, foot_strike_angle_deg, trunk_lean_deg,
vertical_oscillation_ratio, contact_time_ms, flight_time_ms and
duty_factor_pct. `summaries(strides)` gives one `MetricSummary` per metric.

Every contact starts a record. The stride is complete when the foot's next
contact comes within STRIDE_TOL of the clip's median stride (a longer gap
means a contact was missed): then `next_contact` is set; otherwise the
values that need the whole stride (trunk lean, vertical oscillation, duty
factor) are NaN, and contact values are kept. Cadence needs only the next
contact of either foot.

Timing. Event times are sub-frame; an angle at an event is the linear
interpolation of its per-frame series between the two frames around it
(NaN if either is missing). Extremes over a span (stance peak knee flexion,
vertical oscillation, hip extension) take the frames in the span plus the
interpolated ends, refined by a parabola through the extreme frame and its
neighbours. Means over a stride are time-weighted (trapezoid), so a
variable frame rate does not bias them.

Departures from METRICS.md, and why:
* L (hip-ankle length) is the median over the clip of that leg's own
  hip-ankle distance in pixels: the far leg is smaller in a perspective
  view and often missing, and a ratio of one leg's positions is best
  scaled by that leg.
* Hip extension: "TO ± 2 frames" is taken as ± 2 median frame intervals
  around the sub-frame toe-off (the same span at any frame rate).
* Cadence: 60 / step time, the step from this contact to the other foot's
  next one (a left and a right value per stride, so step asymmetry shows);
  120 / stride time when the other foot was not seen in the stride.
* Flight time: from this toe-off to the other foot's next contact, 0 when
  that contact came first (double support, walking).
* Foot-strike angle: the foot's angle as it lands, the extreme (most toes-up,
  or most toes-down for a forefoot landing) within STRIKE_WINDOW_S of the
  contact: the foot slaps flat within ~30 ms of landing, so a contact timed
  10 ms late (contacts are good to ~20 ms; Stenum et al. 2021) would read
  5° less at the contact itself.
* Foot-strike pattern (`foot_strike_pattern`): rearfoot above +8°,
  forefoot below -1.6°, midfoot between: Altman & Davis's 2012 cut-offs
  for a 3-D, standing-referenced foot angle, applied to the 2-D heel ->
  foot-index line without a standing reference [H].

NaN, never guesses: missing landmarks (NaN in the cleaned track, or below
`min_visibility` when given) give NaN; an extreme or a mean needs
`min_coverage` of the frames in its span (and 3).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from formcheck.clean.gating import visibility_mask
from formcheck.events.gait import direction_sign
from formcheck.events.model import SIDES, GaitEvent
from formcheck.kinematics.angles import (
    knee_flexion_deg,
    midpoint,
    segment_angle_to_horizontal_deg,
    shank_angle_deg,
    thigh_angle_deg,
    trunk_lean_deg,
)
from formcheck.landmarks import Landmark as L
from formcheck.metrics.model import MetricSummary, StrideRecord, summarize
from formcheck.track import PoseTrack

SIDE_METRICS: tuple[str, ...] = (
    "cadence_spm", "knee_flexion_contact_deg", "knee_flexion_peak_stance_deg", "knee_rom_stance_deg",
    "thigh_angle_toe_off_deg", "hip_extension_peak_deg", "overstride_ratio", "shank_angle_contact_deg",
    "foot_strike_angle_deg", "trunk_lean_deg", "vertical_oscillation_ratio", "contact_time_ms",
    "flight_time_ms", "duty_factor_pct",
)
MIN_COVERAGE = 0.8
MIN_FRAMES = 3
STRIDE_TOL = 0.35       # a same-foot gap beyond (1 + this) x median stride skips a contact [H]
MAX_STRIDE_S = 2.0
HIP_EXT_FRAMES = 2      # METRICS.md §1.4: TO ± 2 frames
#: [H] Half-width of the span around contact whose extreme foot angle is the strike angle (s), at
#: least one frame interval.
STRIKE_WINDOW_S = 0.02
REARFOOT_ABOVE_DEG = 8.0
FOREFOOT_BELOW_DEG = -1.6

_LEG = {side: tuple(L[f"{side.upper()}_{n}"] for n in ("HIP", "KNEE", "ANKLE", "HEEL", "FOOT_INDEX"))
        for side in SIDES}


def _strike_angle(s: "_Series", foot: np.ndarray, t_ic: float, min_coverage: float) -> float:
    """The foot's extreme angle within STRIKE_WINDOW_S (at least a frame) of contact, on the side
    (toes up or down) it has at contact (module docstring)."""
    at = s.at(foot, t_ic)
    if not math.isfinite(at):
        return math.nan
    half = max(STRIKE_WINDOW_S, float(np.median(np.diff(s.t))) if len(s.t) > 1 else STRIKE_WINDOW_S)
    best = s.extreme(foot, t_ic - half, t_ic + half, 1.0 if at >= 0 else -1.0, min_coverage)
    return best if math.isfinite(best) else at


def foot_strike_pattern(angle_deg: float) -> str:
    """"rearfoot", "midfoot", "forefoot", or "unknown" for NaN (thresholds in the module docstring)."""
    if not math.isfinite(angle_deg):
        return "unknown"
    if angle_deg > REARFOOT_ABOVE_DEG:
        return "rearfoot"
    return "forefoot" if angle_deg < FOREFOOT_BELOW_DEG else "midfoot"


def strike_pattern(strides: Sequence[StrideRecord]) -> tuple[str, float]:
    """The most common foot-strike pattern over the strides and its share (0..1); ("unknown", 0)."""
    pats = [foot_strike_pattern(s.values.get("foot_strike_angle_deg", math.nan)) for s in strides]
    pats = [p for p in pats if p != "unknown"]
    if not pats:
        return "unknown", 0.0
    best = max(set(pats), key=pats.count)
    return best, pats.count(best) / len(pats)


# -- per-frame series --------------------------------------------------------------------------
class _Series:
    """(T,) series of every quantity, from the gated landmarks."""

    def __init__(self, track, d: int, min_visibility: float | None) -> None:
        xy = track.xy_px
        if min_visibility is not None:
            xy = np.where(visibility_mask(track.visibility, min_visibility)[..., None], xy, np.nan)
        self.t = track.t_s
        self.dt = float(np.median(np.diff(self.t))) if len(self.t) > 1 else math.nan
        hip_mid = midpoint(xy[:, L.LEFT_HIP], xy[:, L.RIGHT_HIP])
        self.hip_y = hip_mid[:, 1]
        self.trunk = trunk_lean_deg(midpoint(xy[:, L.LEFT_SHOULDER], xy[:, L.RIGHT_SHOULDER]), hip_mid, d)
        self.leg = {}
        for side in SIDES:
            hip, knee, ankle, heel, toe = (xy[:, lm] for lm in _LEG[side])
            length = np.linalg.norm(hip - ankle, axis=-1)
            leg_px = float(np.nanmedian(length)) if np.isfinite(length).any() else math.nan
            self.leg[side] = {
                "L": leg_px,
                "knee": knee_flexion_deg(hip, knee, ankle),
                "thigh": thigh_angle_deg(hip, knee, d),
                "shank": shank_angle_deg(knee, ankle, d),
                "foot": segment_angle_to_horizontal_deg(heel, toe, d),
                "overstride": d * (heel[:, 0] - hip_mid[:, 0]) / leg_px,
            }

    def at(self, series: np.ndarray, t: float) -> float:
        """Linear interpolation at t between the two frames around it; NaN if either is missing."""
        j = int(np.searchsorted(self.t, t))
        if j <= 0 or j >= len(self.t):
            return float(series[0]) if j == 0 and len(self.t) and self.t[0] == t else math.nan
        a, b = series[j - 1], series[j]
        w = (t - self.t[j - 1]) / (self.t[j] - self.t[j - 1])
        return float(a + w * (b - a))

    def _span(self, series: np.ndarray, t0: float, t1: float, min_coverage: float):
        """Times and values on [t0, t1]: interpolated ends plus the frames inside; None if too sparse."""
        inside = np.flatnonzero((self.t > t0) & (self.t < t1))
        vals = series[inside]
        if np.isfinite(vals).sum() < max(MIN_FRAMES, math.ceil(min_coverage * inside.size - 1e-9)):
            return None
        ts = np.concatenate(([t0], self.t[inside], [t1]))
        vs = np.concatenate(([self.at(series, t0)], vals, [self.at(series, t1)]))
        ok = np.isfinite(vs)
        return ts[ok], vs[ok]

    def extreme(self, series: np.ndarray, t0: float, t1: float, sign: float, min_coverage: float) -> float:
        """Max (sign +1) or min (-1) over [t0, t1], parabola-refined at an interior extreme frame."""
        span = self._span(series, t0, t1, min_coverage)
        if span is None:
            return math.nan
        ts, vs = span
        i = int(np.argmax(sign * vs))
        best = float(vs[i])
        if 0 < i < vs.size - 1:
            (ta, tb, tc), (ya, yb, yc) = ts[i - 1:i + 2], vs[i - 1:i + 2]
            den = (ta - tb) * (ta - tc) * (tb - tc)
            a = (tc * (yb - ya) + tb * (ya - yc) + ta * (yc - yb)) / den
            b = (tc * tc * (ya - yb) + tb * tb * (yc - ya) + ta * ta * (yb - yc)) / den
            if sign * a < 0:  # a cap (max) or a cup (min) through the three points
                tv = float(np.clip(-b / (2 * a), ta, tc))
                c = ya - a * ta * ta - b * ta
                best = sign * max(sign * best, sign * (a * tv * tv + b * tv + c))
        return best

    def mean(self, series: np.ndarray, t0: float, t1: float, min_coverage: float) -> float:
        span = self._span(series, t0, t1, min_coverage)
        if span is None or span[0].size < 2:
            return math.nan
        ts, vs = span
        return float(np.trapezoid(vs, ts) / (ts[-1] - ts[0]))


# -- strides ---------------------------------------------------------------------------------------
def _median_stride(contacts: dict[str, list[GaitEvent]]) -> float:
    gaps = [b.t_s - a.t_s for side in SIDES for a, b in zip(contacts[side][:-1], contacts[side][1:])]
    gaps = [g for g in gaps if 0 < g <= MAX_STRIDE_S]
    return float(np.median(gaps)) if gaps else math.nan


def side_view_strides(track, events: Sequence[GaitEvent], direction, *, min_visibility: float | None = None,
                      min_coverage: float = MIN_COVERAGE) -> list[StrideRecord]:
    """One StrideRecord per contact, in time order (index 0, 1, ...); module docstring for the rules.

    Args:
        track: cleaned side-view PoseTrack (pixels, y down); not modified.
        events: GaitEvents of this track (`formcheck.events.gait.detect_gait_events`).
        direction: a `Direction`, +1 (faces image-right) / -1, or per-frame signs.
        min_visibility: None (default): the track's NaN are the missing landmarks; `clean_track`
            has gated on visibility and bridged only short gaps. A number in [0, 1]: also treat
            landmarks seen less than this as missing (for an uncleaned track).
        min_coverage: share of frames an extreme or a mean over a span needs, (0, 1].

    Returns:
        StrideRecords; `values` holds every name in SIDE_METRICS (NaN where not measurable);
        frames = (first, last) track rows of the stride (to the next contact, else the toe-off).
    """
    if not isinstance(track, PoseTrack):
        raise ValueError(f"track must be a PoseTrack, got {type(track).__name__}")
    if not all(isinstance(e, GaitEvent) for e in events):
        raise ValueError("events must be GaitEvent objects")
    if not 0.0 < min_coverage <= 1.0:
        raise ValueError(f"min_coverage must be in (0, 1], got {min_coverage!r}")
    d = direction_sign(direction)
    if len(track) < 2:
        return []
    s = _Series(track, d, min_visibility)
    # A contact placed by the feet's alternation (events.stepping, method "inferred") was not seen:
    # no stride is measured from it, nor a flight time to it.
    contacts = {side: sorted((e for e in events if e.kind == "contact" and e.side == side and e.method != "inferred"),
                             key=lambda e: e.t_s)
                for side in SIDES}
    toe_offs = {side: sorted((e for e in events if e.kind == "toe_off" and e.side == side), key=lambda e: e.t_s)
                for side in SIDES}
    stride = _median_stride(contacts)
    max_stride = (1 + STRIDE_TOL) * stride if math.isfinite(stride) else MAX_STRIDE_S
    steps_t = np.array(sorted(e.t_s for e in events if e.kind == "contact"))  # inferred ones too: steps taken
    typical_step = float(np.median(np.diff(steps_t))) if steps_t.size >= 2 else math.nan
    records = []
    for side in SIDES:
        other = "left" if side == "right" else "right"
        other_t = np.array([e.t_s for e in contacts[other]])
        for k, ic in enumerate(contacts[side]):
            nxt = contacts[side][k + 1] if k + 1 < len(contacts[side]) else None
            if nxt is not None and nxt.t_s - ic.t_s > max_stride:
                nxt = None
            limit = nxt.t_s if nxt is not None else ic.t_s + (0.8 * stride if math.isfinite(stride) else 0.0)
            to = next((e for e in toe_offs[side] if ic.t_s < e.t_s < limit), None)
            later = other_t[other_t > ic.t_s]
            step_ic = float(later[0]) if later.size and later[0] < limit else math.nan
            cadence = _step_cadence(steps_t, ic.t_s, typical_step)
            records.append(_measure(s, side, ic, to, nxt, step_ic, cadence, min_coverage))
    records.sort(key=lambda r: r.contact.t_s)
    return [StrideRecord(i, r.side, r.contact, r.toe_off, r.next_contact, r.values, r.frames)
            for i, r in enumerate(records)]


def _step_cadence(steps_t: np.ndarray, t_ic: float, typical_step: float) -> float:
    """Steps a minute from this contact to the next contact of either foot: the foot labels are
    what the pose model gets wrong (a swapped label would turn one step into a "stride"), the
    contact times are not. A gap of about two typical steps hides a step (counted)."""
    later = steps_t[steps_t > t_ic + 1e-9]
    if not later.size:
        return math.nan
    gap = float(later[0] - t_ic)
    steps = max(1, int(round(gap / typical_step))) if math.isfinite(typical_step) and typical_step > 0 else 1
    return 60.0 * steps / gap if steps <= 2 else math.nan


def _measure(s: _Series, side: str, ic: GaitEvent, to: GaitEvent | None, nxt: GaitEvent | None,
             step_ic: float, cadence: float, min_coverage: float) -> StrideRecord:
    leg = s.leg[side]
    nan = math.nan
    t_ic = ic.t_s
    t_to = to.t_s if to is not None else nan
    t_next = nxt.t_s if nxt is not None else nan
    knee_ic = s.at(leg["knee"], t_ic)
    knee_pk = s.extreme(leg["knee"], t_ic, t_to, 1.0, min_coverage) if to is not None else nan
    hip_ext = nan
    if to is not None and math.isfinite(s.dt):
        span = HIP_EXT_FRAMES * s.dt
        hip_ext = -s.extreme(leg["thigh"], t_to - span, t_to + span, -1.0, min_coverage)
    stride_t = t_next - t_ic
    ct = t_to - t_ic
    values = {
        "cadence_spm": cadence,
        "knee_flexion_contact_deg": knee_ic,
        "knee_flexion_peak_stance_deg": knee_pk,
        "knee_rom_stance_deg": knee_pk - knee_ic,
        "thigh_angle_toe_off_deg": s.at(leg["thigh"], t_to) if to is not None else nan,
        "hip_extension_peak_deg": hip_ext,
        "overstride_ratio": s.at(leg["overstride"], t_ic),
        "shank_angle_contact_deg": s.at(leg["shank"], t_ic),
        "foot_strike_angle_deg": _strike_angle(s, leg["foot"], t_ic, min_coverage),
        "trunk_lean_deg": s.mean(s.trunk, t_ic, t_next, min_coverage) if nxt is not None else nan,
        "vertical_oscillation_ratio": nan,
        "contact_time_ms": 1000.0 * ct,
        "flight_time_ms": 1000.0 * max(0.0, step_ic - t_to) if math.isfinite(step_ic) and to else nan,
        "duty_factor_pct": 100.0 * ct / stride_t if nxt is not None else nan,
    }
    if nxt is not None:
        hi = s.extreme(s.hip_y, t_ic, t_next, 1.0, min_coverage)
        lo = s.extreme(s.hip_y, t_ic, t_next, -1.0, min_coverage)
        values["vertical_oscillation_ratio"] = (hi - lo) / leg["L"]
    last = nxt if nxt is not None else (to if to is not None else ic)
    return StrideRecord(0, side, ic, to, nxt, {k: float(v) for k, v in values.items()}, (ic.frame, last.frame))


def summaries(strides: Sequence[StrideRecord]) -> dict[str, MetricSummary]:
    """A MetricSummary per side-view metric (median, spread, n, left/right, CI)."""
    conf = float(np.mean([s.contact.confidence for s in strides])) if strides else 0.0
    return {name: summarize(name, strides, confidence=conf) for name in SIDE_METRICS}
