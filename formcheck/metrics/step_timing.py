"""Flight time and duty factor from all the steps, as cadence is (`events.cadence`).

    summary = timing_from_all_steps(summary, cadence)

A stride's flight time (step time - contact time) and duty factor (contact time / stride time)
need the next contact, so a per-stride median reads only the strides whose next contact was
seen, and each carries both ends' timing error. The step time is known better: from every step
of the clip, missed contacts included (`CadenceEstimate`: steps over the time they span). So the
summary takes the step time from the cadence, the contact time from every stance whose toe-off
was seen (its median), and derives the two (METRICS.md §1):

    step_s = 60 / cadence;  flight = step_s - contact;  duty factor = contact / (2 step_s)

Their 95% intervals combine the cadence's and the contact time's intervals (the worst corners;
none where either has none).
Spread, left/right, n and frames stay those of the per-stride values, which keep their own
confidence; the summary's confidence is the lower of the two inputs'. A derived value outside the
metric's plausible range (metrics.catalog) leaves the per-stride summary as it was.
"""

from __future__ import annotations

import math
from dataclasses import replace

from formcheck.events.cadence import CadenceEstimate
from formcheck.metrics.catalog import METRICS
from formcheck.metrics.model import MetricSummary

CONTACT, FLIGHT, DUTY, CADENCE = "contact_time_ms", "flight_time_ms", "duty_factor_pct", "cadence_spm"


def timing_from_all_steps(summary: dict[str, MetricSummary], cadence: CadenceEstimate) -> dict[str, MetricSummary]:
    """`summary` with flight time and duty factor from the step time of all the steps (module
    docstring); unchanged where the cadence or the contact time is not in it."""
    if CADENCE not in summary or CONTACT not in summary or not math.isfinite(cadence.spm) or cadence.spm <= 0:
        return summary
    contact = summary[CONTACT]
    ct = contact.median
    if not math.isfinite(ct):
        return summary
    (ct_lo, ct_hi), (spm_lo, spm_hi) = contact.ci95, cadence.ci95
    step = 60_000.0 / cadence.spm  # ms
    derived = {
        FLIGHT: (_no_less_than_0(step - ct), (_no_less_than_0(60_000.0 / spm_hi - ct_hi),
                                               _no_less_than_0(60_000.0 / spm_lo - ct_lo))),
        DUTY: (100.0 * ct / (2 * step), (100.0 * ct_lo * spm_lo / 120_000.0, 100.0 * ct_hi * spm_hi / 120_000.0)),
    }  # an interval missing on either side (fewer than 3 stances) is missing here too: NaN propagates
    out = dict(summary)
    sure = min(contact.confidence, summary[CADENCE].confidence)
    for name, (value, ci95) in derived.items():
        low, high = METRICS[name].plausible
        if name in summary and low <= value <= high:
            out[name] = replace(summary[name], median=float(value), ci95=(float(ci95[0]), float(ci95[1])),
                                confidence=min(summary[name].confidence, sure))
    return out


def _no_less_than_0(ms: float) -> float:
    """A flight time: none (0) where the feet overlap on the ground (walking); NaN stays NaN."""
    return ms if not ms < 0.0 else 0.0
