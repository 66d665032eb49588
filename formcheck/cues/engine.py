"""Evaluate the cue rules (`rules.RULES`) on one clip's strides and summaries.

`evaluate_cues` returns frozen `Cue`s: observations (sorted check, note,
info), then optional suggestions, then one "not measurable" entry per
metric that this view or clip cannot support, with what to film instead.
Every cue carries the stride indices, their (first, last) frames and their
values, so the UI can jump to them.

Guards (rules.py states the policy): no cue on fewer than MIN_STRIDES
strides (per side for side differences), none on a difference at or below
the metric's catalog `floor`; a low-confidence metric's cue says so. In a
side view whose legs were not tracked about equally well (`leg_tracking`,
from `formcheck.metrics.leg_tracking`), a left-right difference is a
suggestion to film the other side and compare, never a finding.
Per-stride and side-difference rules read the strides; change and
suggestion rules read the summaries (and the baseline's).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping, Sequence

import numpy as np

from formcheck.cues.rules import (
    MIN_STRIDES,
    RULES,
    SEVERITIES,
    UNEVEN_TRACKING_MESSAGE,
    UNEVEN_TRACKING_WHY,
    Alongside,
    Change,
    CueRule,
    PerStride,
    SideDifference,
    check_config,
    not_measurable_reason,
)
from formcheck.metrics.catalog import METRICS, SIDE, spec
from formcheck.metrics.leg_tracking import LegTracking
from formcheck.metrics.model import MetricSummary, NotMeasurable, StrideRecord, bootstrap_difference_ci

VIEWS = ("side", "rear", "front", "oblique", "unknown")
CUE_KINDS = ("observation", "suggestion", "not_measurable")
_OTHER = {"left": "right", "right": "left"}
_WORDS = {"steps/min": ("higher", "lower"), "ms": ("longer", "shorter")}


@dataclass(frozen=True)
class Cue:
    """One cue for the report.

    rule_id: the rule (or "not_measurable.<metric>"); metric: catalog name;
    kind: observation, suggestion or not_measurable; message: text for the
    runner; evidence: E/H/W; severity: info/note/check; strides: indices of
    the StrideRecords involved, with frames[i] = (first, last) track rows of
    strides[i] and stride_values[i] its value (catalog unit); values: the
    numbers behind the message (medians, difference, floor...);
    low_confidence: the metric is flagged so in the catalog; reason: for
    not_measurable, what would make it measurable; for a left-right difference
    turned into a suggestion (legs not tracked equally well), why.
    """

    rule_id: str
    metric: str
    kind: str
    message: str
    evidence: str
    severity: str
    strides: tuple[int, ...] = ()
    frames: tuple[tuple[int, int], ...] = ()
    stride_values: tuple[float, ...] = ()
    values: Mapping[str, float] = field(default_factory=dict)
    low_confidence: bool = False
    reason: str = ""

    def __post_init__(self) -> None:
        if self.kind not in CUE_KINDS:
            raise ValueError(f"kind must be one of {CUE_KINDS}, got {self.kind!r}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, got {self.severity!r}")
        if not len(self.strides) == len(self.frames) == len(self.stride_values):
            raise ValueError("strides, frames and stride_values must have the same length")


def evaluate_cues(summaries: Mapping[str, MetricSummary], strides: Sequence[StrideRecord], view: str,
                  not_measurable: Sequence[NotMeasurable], *,
                  baseline: Mapping[str, MetricSummary] | None = None,
                  rules: tuple[CueRule, ...] = RULES,
                  leg_tracking: LegTracking | None = None) -> list[Cue]:
    """Cues for one clip.

    Args:
        summaries: metric name -> MetricSummary of this clip.
        strides: the StrideRecords the summaries came from (rear stances too).
        view: camera view, one of VIEWS.
        not_measurable: metrics the pipeline could not measure, with why.
        baseline: summaries of a comparison clip of the same runner, for the
            Change rules; None = no change cues.
        rules: the configuration (RULES unless testing another).
        leg_tracking: how well each leg was tracked (`metrics.leg_tracking`). In a side view,
            when given and not balanced, every SideDifference cue becomes a suggestion (severity
            info) saying what was seen, which leg was tracked worse and to film the other side;
            it keeps its strides, frames and values. None (or another view): no change.

    Returns: list of Cue (observations by severity, suggestions, not measurable).
    """
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    for name, summary in {**summaries, **(baseline or {})}.items():
        spec(name)
        if not isinstance(summary, MetricSummary):
            raise ValueError(f"summaries[{name!r}] must be a MetricSummary, got {type(summary).__name__}")
    if not all(isinstance(s, StrideRecord) for s in strides):
        raise ValueError("strides must hold StrideRecord objects")
    if not all(isinstance(n, NotMeasurable) for n in not_measurable):
        raise ValueError("not_measurable must hold NotMeasurable objects")
    for item in not_measurable:
        spec(item.name)
    if leg_tracking is not None and not isinstance(leg_tracking, LegTracking):
        raise ValueError(f"leg_tracking must be a LegTracking or None, got {type(leg_tracking).__name__}")
    check_config(rules)
    uneven = view == SIDE and leg_tracking is not None and not leg_tracking.balanced

    blocked = {n.name for n in not_measurable}
    by_index = {s.index: s for s in strides}
    fired: dict[str, Cue] = {}
    for rule in rules:
        if view not in rule.views or rule.metric in blocked:
            continue
        cue = _evaluate(rule, summaries, strides, baseline, fired, by_index)
        if cue is not None and uneven and isinstance(rule.condition, SideDifference):
            cue = _uneven_tracking(cue, rule, leg_tracking)
        if cue is not None:
            fired[rule.id] = cue
    rank = {s: i for i, s in enumerate(reversed(SEVERITIES))}
    order = {r.id: i for i, r in enumerate(rules)}
    cues = sorted(fired.values(), key=lambda c: (c.kind != "observation", rank[c.severity], order[c.rule_id]))
    return cues + _not_measurable(summaries, view, not_measurable)


# -- one rule -------------------------------------------------------------------------
def _value(stride: StrideRecord, rule: CueRule) -> float:
    name = getattr(rule.condition, "field", None)
    v = getattr(stride, name, None) if name else stride.values.get(rule.metric)
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def _measured(strides: Sequence[StrideRecord], rule: CueRule) -> list[tuple[StrideRecord, float]]:
    pairs = [(s, _value(s, rule)) for s in strides]
    return [(s, v) for s, v in pairs if np.isfinite(v)]


def _fmt(v: float, unit: str, signed: bool = False, with_unit: bool = True) -> str:
    sign = "+" if signed else ""
    digits = {"deg": 1, "leg lengths": 3, "hip widths": 2, "ms": 0, "steps/min": 0, "%": 1}.get(unit, 2)
    num = f"{v:{sign}.{digits}f}"
    if not with_unit:
        return num
    if unit == "deg":
        return f"{num}°"
    return f"{num}%" if unit == "%" else f"{num} {unit}"


def _cue(rule: CueRule, pairs: list[tuple[StrideRecord, float]], fields: dict, values: dict,
         severity: str | None = None) -> Cue:
    m = spec(rule.metric)
    message = rule.message.format(label=m.label, **fields)
    if m.low_confidence and "low confidence" not in message.lower():
        message = f"Low confidence: {message}"
    pairs = sorted(pairs, key=lambda p: p[0].index)
    return Cue(rule.id, rule.metric, rule.kind, message, rule.evidence, severity or rule.severity,
               strides=tuple(s.index for s, _ in pairs), frames=tuple(tuple(s.frames) for s, _ in pairs),
               stride_values=tuple(float(v) for _, v in pairs), values=values, low_confidence=m.low_confidence)


def _evaluate(rule: CueRule, summaries, strides, baseline, fired: dict[str, Cue], by_index) -> Cue | None:
    m, c = spec(rule.metric), rule.condition
    unit, signed = m.unit, rule.signed

    def severity(diff: float) -> str:
        return "check" if rule.check_at is not None and diff >= rule.check_at * m.floor else rule.severity

    if isinstance(c, PerStride):
        measured = _measured(strides, rule)
        hit = [(s, v) for s, v in measured
               if (c.above is not None and v > c.above) or (c.below is not None and v < c.below)]
        if len(hit) < MIN_STRIDES or len(hit) < c.min_share * len(measured):
            return None
        vals = np.array([v for _, v in hit])
        worst = float(np.max(np.abs(vals - c.reference)))
        sides = sorted({s.side for s, _ in hit})
        fields = dict(n=len(measured), n_marked=len(hit), median=_fmt(float(np.median(vals)), unit, signed),
                      worst=_fmt(worst, unit), floor=_fmt(m.floor, unit),
                      sides="both feet" if len(sides) == 2 else f"{sides[0]} foot",
                      limit=_fmt(c.above if c.above is not None else c.below, unit, signed))
        values = {"median": float(np.median(vals)), "worst": worst, "floor": m.floor,
                  "above": np.nan if c.above is None else c.above, "below": np.nan if c.below is None else c.below}
        return _cue(rule, hit, fields, values)

    if isinstance(c, SideDifference):
        measured = _measured(strides, rule)
        per = {side: [(s, v) for s, v in measured if s.side == side] for side in ("left", "right")}
        if min(len(p) for p in per.values()) < MIN_STRIDES:
            return None
        med = {side: float(np.median([v for _, v in p])) for side, p in per.items()}
        diff = abs(med["left"] - med["right"])
        if not diff > m.floor:
            return None
        # The difference must also stand out from stride-to-stride scatter, as in compare().
        low, high = bootstrap_difference_ci([v for _, v in per["right"]], [v for _, v in per["left"]])
        if low <= 0 <= high:
            return None
        big = "left" if med["left"] > med["right"] else "right"
        small = _OTHER[big]
        fields = dict(n=len(measured), larger_side=big, smaller_side=small, larger_other=_OTHER[big],
                      smaller_other=_OTHER[small], larger=_fmt(med[big], unit, signed),
                      smaller=_fmt(med[small], unit, signed), diff=_fmt(diff, unit), floor=_fmt(m.floor, unit),
                      n_larger=len(per[big]), n_smaller=len(per[small]))
        values = {"left": med["left"], "right": med["right"], "difference": diff, "floor": m.floor}
        return _cue(rule, per[big], fields, values, severity(diff))

    if isinstance(c, Change):
        now, before = summaries.get(rule.metric), (baseline or {}).get(rule.metric)
        if now is None or before is None or min(now.n, before.n) < MIN_STRIDES:
            return None
        d = now.median - before.median
        if not (np.isfinite(d) and abs(d) > m.floor):
            return None
        if (c.direction == "increase" and d < 0) or (c.direction == "decrease" and d > 0):
            return None
        up, down = _WORDS.get(unit, ("larger", "smaller"))
        fields = dict(n=now.n, before=_fmt(before.median, unit, signed), after=_fmt(now.median, unit, signed),
                      abs_diff=_fmt(abs(d), unit), direction_word=up if d > 0 else down, floor=_fmt(m.floor, unit))
        values = {"before": before.median, "after": now.median, "difference": d, "floor": m.floor}
        return _cue(rule, _measured(strides, rule), fields, values, severity(abs(d)))

    if isinstance(c, Alongside):
        now = summaries.get(rule.metric)
        # A partner that went down (a Change with a negative difference) does not call for an option,
        # nor one that is itself only a suggestion (a side difference the tracking cannot support).
        partners = [fired[i] for i in c.rule_ids if i in fired and fired[i].kind == "observation"
                    and fired[i].values.get("difference", 1.0) > 0]
        if not partners or now is None or now.n < MIN_STRIDES or not np.isfinite(now.median):
            return None
        idx = sorted({i for cue in partners for i in cue.strides if i in by_index})
        pairs = [(by_index[i], _value(by_index[i], rule)) for i in idx]
        v = now.median
        fields = dict(n=now.n, value=_fmt(v, unit), low=_fmt(1.05 * v, unit, with_unit=False),
                      high=_fmt(1.10 * v, unit))
        values = {"value": v, "low": 1.05 * v, "high": 1.10 * v}
        return _cue(rule, pairs, fields, values)

    raise ValueError(f"{rule.id}: unknown condition {type(c).__name__}")


def _uneven_tracking(cue: Cue, rule: CueRule, tracking: LegTracking) -> Cue:
    """A side difference whose legs were not tracked about equally well: a suggestion (rules.py)."""
    m = spec(cue.metric)
    v = cue.values
    worse = tracking.worse
    better = None if worse is None else "left" if worse == "right" else "right"
    case = ("both" if worse is None else "unknown" if tracking.far is None
            else "far" if worse == tracking.far else "near")
    why = UNEVEN_TRACKING_WHY[case].format(worse=worse, better=better, detail=tracking.detail)
    message = UNEVEN_TRACKING_MESSAGE.format(
        metric=m.label[0].lower() + m.label[1:], diff=_fmt(v["difference"], m.unit),
        left=_fmt(v["left"], m.unit, rule.signed), right=_fmt(v["right"], m.unit, rule.signed),
        tracking=why)
    if m.low_confidence:
        message = f"Low confidence: {message}"
    figures = {f"{name}_{side}": float(getattr(tracking.leg(side), name))
               for side in ("left", "right") for name in ("visibility", "knee_share", "roughness_deg")}
    return replace(cue, kind="suggestion", severity="info", message=message, values={**v, **figures},
                   reason=tracking.reason)


# -- what cannot be measured -----------------------------------------------------------
def _not_measurable(summaries, view: str, given: Sequence[NotMeasurable]) -> list[Cue]:
    out: dict[str, Cue] = {}

    def add(name: str, message: str, reason: str) -> None:
        if name not in out:
            m = spec(name)
            out[name] = Cue(f"not_measurable.{name}", name, "not_measurable", message, m.evidence, "info",
                            low_confidence=m.low_confidence, reason=reason)

    for name, m in METRICS.items():
        if view not in m.views:
            reason = not_measurable_reason(name)
            add(name, f"{m.label}: not measurable from a {view} view; {reason}.", reason)
    for item in given:
        add(item.name, f"{spec(item.name).label}: not measurable in this clip; {item.reason}.", item.reason)
    for name, s in summaries.items():
        if s.n < MIN_STRIDES:
            reason = f"measured on {s.n} strides; a cue needs at least {MIN_STRIDES}"
            add(name, f"{spec(name).label}: {reason}.", reason)
    return list(out.values())
