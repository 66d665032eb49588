"""Rear- and front-view running metrics, one record per stance (METRICS.md §2).

`rear_view_stances(track, stances, view)` measures, for every stance it is
given (events come from the event stage), the catalog metrics
`pelvic_drop_deg`, `hip_adduction_deg`, `knee_over_foot_deg`,
`step_width_ratio`, `cadence_spm` and `vertical_oscillation_ratio`, plus a
crossover flag and the midstance values (`RearStanceRecord`).

Left and right
--------------
Landmark labels are anatomical: 23 is the runner's left hip whichever way
they face. Seen from behind ("rear") the runner's left is on the image left;
seen from the front ("front") it is on the image right. So:

* quantities built from heights and unsigned angles need no view: pelvic
  obliquity uses |x23 - x24|, and hip adduction is an unsigned angle at the
  stance hip, so both read the same in either view;
* medial/lateral directions do: "outward" for the right leg is image +x from
  behind and image -x from the front (`OUTWARD`). Knee-over-foot sign, step
  width sign and crossover use it.
* a frame whose hips are in the other view's left/right order is a label
  error (or the wrong `view`): that frame counts as missing. If most frames
  are in the other order, `view` is wrong and a ValueError says so.

Standing offset and camera roll
-------------------------------
Pelvic drop is an angle against the image horizontal, so a rolled camera or
a runner who stands with a tilted pelvis shifts it. The reference "level" is
`standing_offset_deg` (pelvic obliquity, + = left hip lower, measured while
standing) when given; otherwise the median obliquity of the frames from the
first contact to the last toe-off. The pelvis rocks to one side in right
stances and to the other in left stances, so the median is the level it
rocks about whatever the size of the two drops; it cancels a rolled camera,
but it also cancels a real constant obliquity (a standing trial does not).
The whole track is rotated by that offset before anything is measured, so
pelvic drop, the body midline (crossover), step width and vertical motion
are all taken in the levelled frame. Joint angles do not change with a
rotation.

Scale
-----
Lengths are normalised by the hip width of the same frame (METRICS.md §2),
measured as the distance between the hips. Positions are taken relative to
the frame centre before dividing, (x - cx) / hip width, which is the
runner's lateral position in hip widths even when the depth changes
(overground, running away from the camera).

NaN, never guesses
------------------
Landmarks below `min_visibility` are missing. A peak over stance needs at
least `min_coverage` of the stance frames (and 3 frames); a midstance value
needs the midstance frame; contact values need the contact frame; step
width and cadence need the previous stance to be the other foot within
`max_step_s`. Otherwise the value is NaN.

The track should be cleaned (gap-filled, smoothed) first: the peak of an
unsmoothed noisy series is biased upward by about one noise SD.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from formcheck.clean.gating import visibility_mask
from formcheck.events.model import Stance
from formcheck.kinematics.angles import joint_angle_deg, pelvic_obliquity_deg
from formcheck.landmarks import Landmark as L
from formcheck.metrics.model import StrideRecord
from formcheck.track import PoseTrack

REAR_VIEWS = ("rear", "front")
# Image-x sign of "outward" (away from the midline) for each leg, per view.
OUTWARD: dict[str, dict[str, int]] = {
    "rear": {"left": -1, "right": +1},
    "front": {"left": +1, "right": -1},
}
MIN_VISIBILITY = 0.5
MIN_COVERAGE = 0.8      # share of stance frames needed for a peak [H]
MIN_FRAMES = 3          # and never fewer frames than this
MAX_STEP_S = 1.0        # a previous contact older than this is not "the previous step" [H]
LEG_LENGTH_PERCENTILE = 90  # hip-ankle length of the near-straight leg, in hip widths [H]

_LEG = {
    "left": (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE, L.LEFT_HEEL),
    "right": (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE, L.RIGHT_HEEL),
}
_OTHER = {"left": "right", "right": "left"}


@dataclass(frozen=True)
class RearStanceRecord(StrideRecord):
    """A `StrideRecord` for one stance seen from behind or in front.

    `values` holds the catalog metrics (NaN where not measurable):
    pelvic_drop_deg (peak in stance), hip_adduction_deg (peak in stance),
    knee_over_foot_deg (at midstance; low confidence), step_width_ratio
    (hip widths, + = each foot on its own side, - = the feet crossed),
    cadence_spm (from the previous contact), vertical_oscillation_ratio
    (hip-ankle lengths, from this contact to the next).

    Extra fields: view; midstance_frame (None if unknown);
    pelvic_drop_midstance_deg, hip_adduction_midstance_deg; the frames of
    the two peaks; heel_offset_ratio: stance heel from the hip-mid line at
    contact in hip widths, + = on its own side; crossover: heel_offset_ratio
    < 0 (None if not measurable); coverage: share of stance frames with
    both hips and the stance leg seen; standing_offset_deg: the obliquity
    taken as level (clip-wide).
    """

    view: str = "rear"
    midstance_frame: int | None = None
    pelvic_drop_midstance_deg: float = math.nan
    pelvic_drop_peak_frame: int | None = None
    hip_adduction_midstance_deg: float = math.nan
    hip_adduction_peak_frame: int | None = None
    heel_offset_ratio: float = math.nan
    crossover: bool | None = None
    coverage: float = 0.0
    standing_offset_deg: float = math.nan


def rear_view_stances(track: PoseTrack, stances: Sequence[Stance], view: str = "rear",
                      standing_offset_deg: float | None = None, *, min_visibility: float = MIN_VISIBILITY,
                      min_coverage: float = MIN_COVERAGE, max_step_s: float = MAX_STEP_S,
                      ) -> list[RearStanceRecord]:
    """One record per stance, in contact order (record.index 0, 1, ...).

    Args:
        track: PoseTrack of T frames, pixels, y down (cleaned).
        stances: Stance objects whose frames lie in 0..T-1, any order.
        view: "rear" (camera behind) or "front" (camera in front).
        standing_offset_deg: pelvic obliquity (+ = left hip lower, degrees)
            while standing, taken as level; None = median over the run.
        min_visibility: landmarks seen less than this are missing.
        min_coverage: share of stance frames a stance peak needs, (0, 1].
        max_step_s: longest gap from the previous contact for step width
            and cadence, seconds.

    Returns: list of RearStanceRecord (a StrideRecord), frames = (contact,
    toe-off). Inputs are not modified.
    """
    _check_args(track, stances, view, standing_offset_deg, min_coverage, max_step_s)
    if not stances:
        return []
    ordered = sorted(stances, key=lambda s: s.contact.t_s)
    xy = np.where(visibility_mask(track.visibility, min_visibility)[..., None], track.xy_px, np.nan)
    xy = _drop_frames_in_other_order(xy, view)
    if standing_offset_deg is None:
        first, last = ordered[0].contact.frame, max(s.toe_off.frame for s in ordered)
        obl = pelvic_obliquity_deg(xy[first:last + 1, L.LEFT_HIP], xy[first:last + 1, L.RIGHT_HIP])
        offset = float(np.median(obl[np.isfinite(obl)])) if np.isfinite(obl).any() else math.nan
    else:
        offset = float(standing_offset_deg)
    centre = _centre(track, xy)
    g = _Geometry(_level(xy, offset, view, centre), view, centre)

    records = []
    for i, st in enumerate(ordered):
        prev = ordered[i - 1] if i > 0 else None
        nxt = ordered[i + 1] if i + 1 < len(ordered) else None
        after_next = ordered[i + 2] if i + 2 < len(ordered) else None
        prev = prev if _is_next_step(prev, st, max_step_s) else None
        nxt = nxt if _is_next_step(st, nxt, max_step_s) else None
        next_same = after_next if nxt is not None and _is_next_step(nxt, after_next, max_step_s) else None
        records.append(_measure(i, st, prev, nxt, next_same, g, offset, min_coverage))
    return records


# -- argument checks ----------------------------------------------------------
def _check_args(track, stances, view, standing_offset_deg, min_coverage, max_step_s) -> None:
    if not isinstance(track, PoseTrack):
        raise ValueError(f"track must be a PoseTrack, got {type(track).__name__}")
    if view not in REAR_VIEWS:
        raise ValueError(f"view must be one of {REAR_VIEWS}, got {view!r}")
    if standing_offset_deg is not None and not (
            isinstance(standing_offset_deg, (int, float, np.floating)) and abs(standing_offset_deg) < 45):
        raise ValueError(f"standing_offset_deg must be None or a finite angle below 45 deg, "
                         f"got {standing_offset_deg!r}")
    if not 0.0 < min_coverage <= 1.0:
        raise ValueError(f"min_coverage must be in (0, 1], got {min_coverage}")
    if not max_step_s > 0:
        raise ValueError(f"max_step_s must be > 0, got {max_step_s}")
    n = len(track)
    for st in stances:
        if not isinstance(st, Stance):
            raise ValueError(f"stances must hold Stance objects, got {type(st).__name__}")
        if not 0 <= st.contact.frame <= st.toe_off.frame < n:
            raise ValueError(f"stances: {st.side} stance frames {st.contact.frame}..{st.toe_off.frame} "
                             f"are not inside the track's 0..{n - 1}")
        m = st.midstance_frame
        if m is not None and not st.contact.frame <= m <= st.toe_off.frame:
            raise ValueError(f"stances: midstance_frame {m} is outside its stance "
                             f"{st.contact.frame}..{st.toe_off.frame}")


def _is_next_step(a: Stance | None, b: Stance | None, max_step_s: float) -> bool:
    """b is the step after a: the other foot, within max_step_s."""
    return (a is not None and b is not None and a.side != b.side
            and 0 < b.contact.t_s - a.contact.t_s <= max_step_s)


# -- frame-level preparation ---------------------------------------------------
def _hip_order(xy: np.ndarray, view: str) -> tuple[np.ndarray, np.ndarray]:
    """(T,) frames whose hips are seen apart, and those of them in the other view's left/right order."""
    dx = xy[:, L.RIGHT_HIP, 0] - xy[:, L.LEFT_HIP, 0]
    seen = np.isfinite(dx) & (dx != 0)
    return seen, seen & (np.sign(dx) != OUTWARD[view]["right"])


def hips_in_view_order(track: PoseTrack, view: str, min_visibility: float = MIN_VISIBILITY) -> bool:
    """False when most frames have the hips in the other view's left/right order, where
    `rear_view_stances(track, ..., view)` raises (a side clip analysed as rear, say)."""
    if view not in REAR_VIEWS:
        raise ValueError(f"view must be one of {REAR_VIEWS}, got {view!r}")
    xy = np.where(visibility_mask(track.visibility, min_visibility)[..., None], track.xy_px, np.nan)
    seen, wrong = _hip_order(xy, view)
    return not (seen.any() and wrong.sum() > 0.5 * seen.sum())


def _drop_frames_in_other_order(xy: np.ndarray, view: str) -> np.ndarray:
    """Frames whose hips are in the other view's left/right order become missing."""
    seen, wrong = _hip_order(xy, view)
    if seen.any() and wrong.sum() > 0.5 * seen.sum():
        other = "front" if view == "rear" else "rear"
        raise ValueError(f"view={view!r}, but the hip labels are in {other}-view order in "
                         f"{wrong.sum()} of {seen.sum()} frames; pass view={other!r} or repair the "
                         f"left/right labels")
    if wrong.any():
        xy = xy.copy()
        xy[wrong] = np.nan
    return xy


def _centre(track: PoseTrack, xy: np.ndarray) -> np.ndarray:
    """Frame centre (principal point); the median hip-mid if the frame size is unknown."""
    w, h = track.frame_size
    if w > 0 and h > 0:
        return np.array([w / 2.0, h / 2.0])
    mid = (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2
    ok = np.all(np.isfinite(mid), axis=1)
    return np.median(mid[ok], axis=0) if ok.any() else np.zeros(2)


def _level(xy: np.ndarray, offset_deg: float, view: str, centre: np.ndarray) -> np.ndarray:
    """Rotate all points about `centre` so that obliquity `offset_deg` becomes 0.

    The image-left-to-image-right hip line has angle OUTWARD[view]['left'] * obliquity
    (y down), so rotating by minus that angle levels it; NaN offset gives all NaN.
    """
    theta = math.radians(OUTWARD[view]["left"] * offset_deg) if math.isfinite(offset_deg) else math.nan
    c, s = math.cos(theta), math.sin(theta)
    d = xy - centre
    out = np.empty_like(xy)
    out[..., 0] = centre[0] + c * d[..., 0] + s * d[..., 1]
    out[..., 1] = centre[1] - s * d[..., 0] + c * d[..., 1]
    return out


class _Geometry:
    """Per-frame series (T,) in the levelled frame, computed once for both legs."""

    def __init__(self, xy: np.ndarray, view: str, centre: np.ndarray) -> None:
        self.xy, self.view = xy, view
        lh, rh = xy[:, L.LEFT_HIP], xy[:, L.RIGHT_HIP]
        self.hip_width = np.linalg.norm(lh - rh, axis=1)
        self.hip_width[~(self.hip_width > 0)] = np.nan
        obliquity = pelvic_obliquity_deg(lh, rh)  # already minus the offset (levelled)
        self.pelvic_drop = {"right": obliquity, "left": -obliquity}
        self.hip_adduction = {"right": 90.0 - joint_angle_deg(lh, rh, xy[:, L.RIGHT_KNEE]),
                              "left": 90.0 - joint_angle_deg(rh, lh, xy[:, L.LEFT_KNEE])}
        self.knee_over_foot = {side: self._knee_over_foot(side) for side in ("left", "right")}
        mid = (lh + rh) / 2
        self.mid_x = mid[:, 0]
        self.mid_height = (mid[:, 1] - centre[1]) / self.hip_width  # hip widths, + = lower
        self.centre = centre
        legs = [np.linalg.norm(xy[:, _LEG[s][0]] - xy[:, _LEG[s][2]], axis=1) / self.hip_width
                for s in ("left", "right")]
        legs = np.concatenate(legs)
        legs = legs[np.isfinite(legs)]
        self.leg_in_hip_widths = float(np.percentile(legs, LEG_LENGTH_PERCENTILE)) if legs.size else math.nan
        self.stance_leg_seen = {
            side: np.all(np.isfinite(xy[:, [L.LEFT_HIP, L.RIGHT_HIP, *_LEG[side][1:]]]), axis=(1, 2))
            for side in ("left", "right")}

    def _knee_over_foot(self, side: str) -> np.ndarray:
        """FPPA = 180 - ang(H, K, A), + when the knee is on the medial side of the hip-ankle line."""
        hip, knee, ankle = (self.xy[:, lm] for lm in _LEG[side][:3])
        size = 180.0 - joint_angle_deg(hip, knee, ankle)
        ha, hk = ankle - hip, knee - hip
        cross = ha[:, 0] * hk[:, 1] - ha[:, 1] * hk[:, 0]
        # With the hip-ankle line pointing down the image, the knee's image-x side is -sign(cross).
        knee_x_side = -np.sign(cross) * np.sign(ha[:, 1])
        medial = -OUTWARD[self.view][side]
        return np.where(knee_x_side == medial, size, -size)

    def lateral(self, lm: L, frame: int) -> float:
        """Image-x of a landmark from the frame centre, in hip widths of that frame."""
        return float((self.xy[frame, lm, 0] - self.centre[0]) / self.hip_width[frame])


# -- one stance -------------------------------------------------------------------
def _peak(series: np.ndarray, frames: np.ndarray, min_coverage: float) -> tuple[float, int | None]:
    v = series[frames]
    ok = np.isfinite(v)
    if ok.sum() < max(MIN_FRAMES, math.ceil(min_coverage * frames.size - 1e-9)):
        return math.nan, None
    j = int(np.nanargmax(v))
    return float(v[j]), int(frames[j])


def _at(series: np.ndarray, frame: int | None) -> float:
    return math.nan if frame is None else float(series[frame])


def _midstance(st: Stance, g: _Geometry, frames: np.ndarray, min_coverage: float) -> int | None:
    if st.midstance_frame is not None:
        return int(st.midstance_frame)
    return _peak(g.mid_height, frames, min_coverage)[1]  # lowest hip-mid = largest image y


def _measure(index: int, st: Stance, prev: Stance | None, nxt: Stance | None, next_same: Stance | None,
             g: _Geometry, offset: float, min_coverage: float) -> RearStanceRecord:
    side, c, o = st.side, st.contact.frame, st.toe_off.frame
    frames = np.arange(c, o + 1)
    out = OUTWARD[g.view][side]
    mid = _midstance(st, g, frames, min_coverage)
    drop, drop_frame = _peak(g.pelvic_drop[side], frames, min_coverage)
    add, add_frame = _peak(g.hip_adduction[side], frames, min_coverage)
    heel = _LEG[side][3]
    heel_offset = out * float(g.xy[c, heel, 0] - g.mid_x[c]) / float(g.hip_width[c])

    step_width = cadence = math.nan
    if prev is not None:
        prev_heel = _LEG[prev.side][3]
        step_width = out * (g.lateral(heel, c) - g.lateral(prev_heel, prev.contact.frame))
        cadence = 60.0 / (st.contact.t_s - prev.contact.t_s)

    oscillation = math.nan
    if nxt is not None:
        span = np.arange(c, nxt.contact.frame + 1)
        h = g.mid_height[span]
        if np.isfinite(h).sum() >= max(MIN_FRAMES, math.ceil(min_coverage * span.size - 1e-9)):
            oscillation = float(np.nanmax(h) - np.nanmin(h)) / g.leg_in_hip_widths

    values = {
        "pelvic_drop_deg": drop,
        "hip_adduction_deg": add,
        "knee_over_foot_deg": _at(g.knee_over_foot[side], mid),
        "step_width_ratio": step_width,
        "cadence_spm": cadence,
        "vertical_oscillation_ratio": oscillation,
    }
    return RearStanceRecord(
        index=index, side=side, contact=st.contact, toe_off=st.toe_off,
        next_contact=next_same.contact if next_same is not None else None,
        values=values, frames=(c, o), view=g.view, midstance_frame=mid,
        pelvic_drop_midstance_deg=_at(g.pelvic_drop[side], mid),
        pelvic_drop_peak_frame=drop_frame,
        hip_adduction_midstance_deg=_at(g.hip_adduction[side], mid),
        hip_adduction_peak_frame=add_frame,
        heel_offset_ratio=heel_offset,
        crossover=None if not math.isfinite(heel_offset) else bool(heel_offset < 0),
        coverage=float(np.mean(g.stance_leg_seen[side][frames])),
        standing_offset_deg=offset,
    )
