"""Cadence from all the steps, not from the median of noisy per-stride values.

    est = cadence_from_contacts(contacts, stride_s=leg_stride_s(track), cut_times=(4.0,))
    est.spm, est.ci95, est.steps, est.inferred, est.period_spm, est.agrees

Steps / time between the first and the last contact (METRICS.md §1: cadence
= steps per minute), per stretch of the clip the contacts cover without a
break (a shot cut, or more than `MAX_GAP_STEPS` steps with no contact: the
runner out of view), summed over the stretches. A step missed by the
detector (a far foot unseen, a contact dropped for low visibility) does not
shorten the count: each gap between consecutive contacts is counted as the
number of steps that fit it (`steps_in_gap`), using the step time from the
legs' own rhythm (`leg_stride_s`, the autocorrelation of the feet's
positions about the hips) and the feet's order where the gap is ambiguous
(same foot: an even number of steps; the other foot: an odd one). Two
contacts closer than half a step are one.

Uncertainty: each contact is timed within ~`EVENT_SD_S` of its true moment
plus the frame's quantisation (dt/sqrt 12), at both ends of each stretch:
ci95 = spm (1 +- 1.96 sd(T)/T). Per-stride cadences keep their own values
(the report's spread); they never decide the summary alone.

Cross-check: the legs' dominant period gives its own cadence (`period_spm`);
`agrees` is False when the two differ by more than `PERIOD_AGREEMENT`, and the
summary's confidence says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.events.model import GaitEvent
from formcheck.events.rhythm import channels_period_s
from formcheck.events.signals import leg_landmarks
from formcheck.landmarks import Landmark as Lm
from formcheck.track import PoseTrack

#: [E] Event timing error per contact from 2-D video (~20 ms; Stenum et al. 2021), before the
#: frame's own quantisation.
EVENT_SD_S = 0.02
#: [H] A gap of more than this many steps without a contact ends a stretch (the runner left view).
MAX_GAP_STEPS = 4.5
#: [H] Cadence from the legs' period and from the contacts agree within this share (the
#: autocorrelation peak is read to the nearest sample: ~5% of a stride at 30 fps).
PERIOD_AGREEMENT = 0.06
#: [H] A rhythm weaker than this (autocorrelation) gives no period to cross-check with.
MIN_RHYTHM = 0.2
#: [H] A gap within this of a whole number of steps is that number whatever the feet's order says.
CLEAR_COUNT = 0.25


@dataclass(frozen=True)
class CadenceEstimate:
    """spm: steps per minute (clip time); ci95: its 95% interval; steps: steps counted;
    inferred: of them, steps across gaps where a contact was not found; contacts used; span_s:
    the time they cover; stretches: unbroken runs of contacts; period_spm: cadence from the
    legs' dominant period (NaN if none); agrees: the two agree (PERIOD_AGREEMENT)."""

    spm: float
    ci95: tuple[float, float]
    steps: int
    inferred: int
    contacts: int
    span_s: float
    stretches: int
    period_spm: float
    agrees: bool

    def to_dict(self) -> dict:
        def r(v):
            return None if not np.isfinite(v) else round(float(v), 2)
        return {"steps_per_min": r(self.spm), "ci95": [r(v) for v in self.ci95], "steps": self.steps,
                "inferred_steps": self.inferred, "contacts": self.contacts, "span_s": r(self.span_s),
                "stretches": self.stretches, "period_steps_per_min": r(self.period_spm), "agrees": self.agrees}


NO_CADENCE = CadenceEstimate(float("nan"), (float("nan"), float("nan")), 0, 0, 0, 0.0, 0, float("nan"), False)


def leg_stride_s(track: PoseTrack) -> float:
    """The legs' stride period in seconds: autocorrelation of both heels' and foot indices'
    horizontal positions about the hip-mid, in leg lengths (`events.rhythm.rhythm`); NaN if none."""
    xy = track.xy_px
    hip = (xy[:, Lm.LEFT_HIP, 0] + xy[:, Lm.RIGHT_HIP, 0]) / 2
    channels = []
    for side in ("left", "right"):
        h, _, a, heel, toe = leg_landmarks(side)
        span = np.linalg.norm(xy[:, h] - xy[:, a], axis=-1)
        length = float(np.median(span[np.isfinite(span)])) if np.isfinite(span).any() else np.nan
        if not (np.isfinite(length) and length > 0):
            continue
        for part in (heel, toe):
            x = (xy[:, part, 0] - hip) / length
            if np.mean(np.isfinite(x)) >= 0.5:
                channels.append(x)
    return channels_period_s(channels, track.t_s, MIN_RHYTHM)


def steps_in_gap(gap_s: float, step_s: float, same_foot: bool | None) -> int:
    """Steps between two consecutive contacts `gap_s` apart (module docstring)."""
    ratio = gap_s / step_s
    if ratio < 0.5:
        return 0
    nearest = max(1, int(round(ratio)))
    if abs(ratio - round(ratio)) <= CLEAR_COUNT or same_foot is None:
        return nearest
    lo, hi = int(np.floor(ratio)), int(np.ceil(ratio))
    want_even = same_foot
    for n in sorted((lo, hi), key=lambda n: abs(ratio - n)):
        if n >= 1 and (n % 2 == 0) == want_even:
            return n
    return nearest


def cadence_from_contacts(contacts: list[GaitEvent], stride_s: float = float("nan"),
                          cut_times=(), dt: float = 1 / 30) -> CadenceEstimate:
    """Cadence from every contact (module docstring).

    Args:
        contacts: contact events of both feet (any order; toe-offs are ignored).
        stride_s: the legs' stride period (`leg_stride_s`); NaN: the median gap between contacts
            of alternating feet stands for a step (half that of one foot's, if only one is seen).
        cut_times: clip times where a new shot starts: no step is counted across one.
        dt: the frame interval (quantisation of each contact's time).
    """
    ics = sorted((e for e in contacts if e.kind == "contact"), key=lambda e: e.t_s)
    if len(ics) < 2:
        return NO_CADENCE
    t = np.array([e.t_s for e in ics])
    sides = [e.side for e in ics]
    gaps = np.diff(t)
    step = stride_s / 2 if np.isfinite(stride_s) and stride_s > 0 else float("nan")
    if not np.isfinite(step):  # the feet's order: the other foot's contact is a step away, the same foot's two
        alternating = [g for g, a, b in zip(gaps, sides[:-1], sides[1:]) if a != b]
        step = float(np.median(alternating)) if alternating else float(np.median(gaps)) / 2
    if not step > 0:
        return NO_CADENCE
    cuts = np.asarray(sorted(cut_times), dtype=np.float64)
    steps = inferred = used = 0
    span = var = 0.0
    stretches = 0
    start = 0
    sd2 = EVENT_SD_S ** 2 + dt ** 2 / 12

    def close(a: int, b: int, n: int, missed: int) -> None:
        nonlocal steps, inferred, used, span, var, stretches
        if b > a and n > 0:
            steps += n
            inferred += missed
            used += b - a + 1
            span += t[b] - t[a]
            var += 2 * sd2
            stretches += 1

    n_run = missed_run = 0
    for i, g in enumerate(gaps):
        crosses = bool(np.any((cuts > t[i]) & (cuts <= t[i + 1])))
        if crosses or g / step > MAX_GAP_STEPS:
            close(start, i, n_run, missed_run)
            start, n_run, missed_run = i + 1, 0, 0
            continue
        n = steps_in_gap(g, step, sides[i] == sides[i + 1])
        n_run += n
        missed_run += max(n - 1, 0)
    close(start, len(t) - 1, n_run, missed_run)
    if steps == 0 or span <= 0:
        return NO_CADENCE
    spm = 60.0 * steps / span
    sd = spm * np.sqrt(var) / span
    period = 120.0 / stride_s if np.isfinite(stride_s) and stride_s > 0 else float("nan")
    agrees = bool(np.isfinite(period) and abs(period - spm) <= PERIOD_AGREEMENT * spm)
    return CadenceEstimate(spm, (spm - 1.96 * sd, spm + 1.96 * sd), steps, inferred, used, span, stretches,
                           period, agrees)
