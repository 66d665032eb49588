"""The cue rules: one documented configuration (METRICS.md §1-§3, §6).

A rule names a catalog metric, a condition, a message template, an evidence
level, a severity, the views it is valid in, and what to film when the
view cannot support it. `RULES` is the whole configuration; `engine` reads
it and nothing else.

Conditions
----------
PerStride(above=, below=, reference=)
    per stride/stance: the value lies beyond a limit. Fires on exactly those
    strides, when there are at least MIN_STRIDES of them (and `min_share` of
    the measured ones). Every limit sits at least the metric's `floor` from
    `reference`, the neutral value it is compared with.
SideDifference()
    within-runner asymmetry: the median of one side exceeds the other's by
    more than the metric's `floor`, with at least MIN_STRIDES on each side.
    Fires on the strides of the larger side.
Change(direction)
    the clip's median moved from a comparison clip's by more than `floor`,
    with at least MIN_STRIDES in both. Needs a baseline; otherwise silent.
Alongside(rule_ids)
    an optional suggestion, shown only when one of those rules fired.

Policy
------
* MIN_STRIDES = 3: no cue rests on fewer strides (per side for
  SideDifference), and none on a difference below the catalog `floor`.
* Absolute limits only where METRICS.md publishes a value; everything else is
  relative (your two sides, your earlier clip) and tagged [H] or [W], worded
  as an observation.
* Wording never claims muscle activation, weakness, injury or its risk, a
  belt that pulls the leg, or "valgus" in running (METRICS.md §2, §3, §6);
  form changes are offered only as options. FORBIDDEN_PHRASES is checked
  when a rule is built, and tests/test_cues.py scans every message.
* Severity: info = description or an option, nothing to act on; note = a
  pattern beyond the method's noise floor; check = the same, at least
  `check_at` times the floor: worth looking at the marked strides.
* Far-leg honesty (issue 17): from one side the far leg is seen through or
  behind the near one. In a side view whose legs were not tracked about
  equally well (`formcheck.metrics.leg_tracking`), a SideDifference cue is
  a suggestion (severity info) worded by UNEVEN_TRACKING_MESSAGE: what was
  seen, which leg was tracked worse, and to film the other side and
  compare. It keeps its strides, frames and values, and prompts no
  Alongside option. Rear and front views are not affected.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from formcheck.metrics.catalog import FRONT, METRICS, REAR, SIDE, spec

MIN_STRIDES = 3
SEVERITIES = ("info", "note", "check")
KINDS = ("observation", "suggestion")

# Substrings (lower case) that no message or reason may contain.
FORBIDDEN_PHRASES = (
    "activat", "weak", "asleep", "lazy", "dormant", "switch off", "switched off", "fire", "glute", "muscle",
    "injur", "risk", "pain", "danger", "prevent", "damage", "harm", "predict", "cause",
    "valgus", "collapse", "caving", "cave in",
    "belt pull", "belt pulls", "pulls the leg", "pulls your leg",
    "fault", "poor", "bad ", "wrong", "must ", "you should", "fix ", "correct your",
)

# A side-view left-right difference whose legs were not tracked about equally well. Fields:
# metric (label, lower case), diff, left, right (formatted with the unit), tracking (one of
# UNEVEN_TRACKING_WHY, filled with worse, better and detail: the figures in words).
UNEVEN_TRACKING_MESSAGE = (
    "Left and right {metric} differ by {diff} (left {left}, right {right}), but {tracking}. "
    "Film from the other side too and compare before reading anything into it.")
UNEVEN_TRACKING_WHY = {
    "far": "from this side the {worse} leg is seen behind the {better} one and was tracked less well ({detail})",
    "near": "the {worse} leg, nearer the camera, was tracked less well than the {better} ({detail})",
    "unknown": "the {worse} leg was tracked less well than the {better} ({detail})",
    "both": "from this side the two legs were not tracked equally well ({detail})",
}

VIEW_ADVICE = {
    SIDE: "film from the side, camera at hip height and square to the running direction",
    REAR: "film from behind at pelvis height (a treadmill helps)",
    FRONT: "film from the front at pelvis height",
}


def check_wording(text: str) -> None:
    """Raise ValueError if `text` contains a forbidden phrase (case-insensitive)."""
    low = text.lower()
    hits = [p for p in FORBIDDEN_PHRASES if p in low]
    if hits:
        raise ValueError(f"forbidden wording {hits} in: {text!r}")


def not_measurable_reason(metric: str) -> str:
    """What to film to measure `metric`: the first rule's reason, else one from the catalog views."""
    for rule in RULES:
        if rule.metric == metric and rule.not_measurable_reason:
            return rule.not_measurable_reason
    m = spec(metric)
    views = [v for v in (SIDE, REAR, FRONT) if v in m.views]
    if set(views) == {REAR, FRONT}:
        views = [REAR]
    advice = " or ".join(VIEW_ADVICE[v] for v in views)
    return f"{advice} to measure {m.label.lower()}"


# -- conditions -------------------------------------------------------------------
@dataclass(frozen=True)
class PerStride:
    """Strides whose value is above `above` or below `below` (either may be None).

    field: read this attribute of the stride record instead of values[metric]
    (e.g. heel_offset_ratio of a rear stance). reference: the neutral value
    the limits are measured from. min_share: the firing strides must also
    be at least this share of the measured strides.
    """

    above: float | None = None
    below: float | None = None
    reference: float = 0.0
    field: str | None = None
    min_share: float = 0.0

    FIELDS = ("label", "n", "n_marked", "sides", "median", "worst", "floor", "limit")

    def __post_init__(self) -> None:
        if self.above is None and self.below is None:
            raise ValueError("PerStride needs above or below")
        if not 0.0 <= self.min_share <= 1.0:
            raise ValueError(f"min_share must be in [0, 1], got {self.min_share}")


@dataclass(frozen=True)
class SideDifference:
    """Left and right medians differ by more than the metric's floor."""

    FIELDS = ("label", "n", "larger_side", "smaller_side", "larger_other", "smaller_other",
              "larger", "smaller", "diff", "floor", "n_larger", "n_smaller")


@dataclass(frozen=True)
class Change:
    """The median moved from a comparison clip's by more than the floor.

    direction: "increase", "decrease" or "either".
    """

    direction: str = "either"

    FIELDS = ("label", "n", "before", "after", "abs_diff", "direction_word", "floor")

    def __post_init__(self) -> None:
        if self.direction not in ("increase", "decrease", "either"):
            raise ValueError(f"direction must be increase, decrease or either, got {self.direction!r}")


@dataclass(frozen=True)
class Alongside:
    """Shown only when one of `rule_ids` (defined earlier in RULES) fired, and, for a Change,
    went up (an improvement does not prompt a suggestion)."""

    rule_ids: tuple[str, ...]

    FIELDS = ("label", "n", "value", "low", "high")


Condition = PerStride | SideDifference | Change | Alongside


@dataclass(frozen=True)
class CueRule:
    """One cue.

    id: unique, stable (the UI and tests refer to it); metric: catalog name;
    condition: one of the conditions above; message: str.format template
    using the condition's FIELDS (numbers arrive formatted with their unit);
    evidence: E/H/W for what the message claims; severity: base severity;
    check_at: for SideDifference/Change, a difference of at least this many
    floors raises the severity to "check" (None = never); views: where the
    rule is valid (a subset of the metric's catalog views);
    not_measurable_reason: what to film instead; source: why the rule and
    its evidence level are what they are; kind: "observation" or
    "suggestion"; signed: show values with a sign.
    """

    id: str
    metric: str
    condition: Condition
    message: str
    evidence: str
    severity: str
    views: tuple[str, ...]
    not_measurable_reason: str
    source: str
    check_at: float | None = 2.0
    kind: str = "observation"
    signed: bool = False

    def __post_init__(self) -> None:
        m = spec(self.metric)
        if self.evidence not in ("E", "H", "W"):
            raise ValueError(f"{self.id}: evidence must be E, H or W")
        if self.severity not in SEVERITIES:
            raise ValueError(f"{self.id}: severity must be one of {SEVERITIES}")
        if self.kind not in KINDS:
            raise ValueError(f"{self.id}: kind must be one of {KINDS}")
        if not self.views or not set(self.views) <= set(m.views):
            raise ValueError(f"{self.id}: views {self.views} must be a non-empty subset of {m.views}")
        used = {name for _, name, _, _ in string.Formatter().parse(self.message) if name}
        unknown = used - set(self.condition.FIELDS)
        if unknown:
            raise ValueError(f"{self.id}: message uses {sorted(unknown)}; allowed {self.condition.FIELDS}")
        c = self.condition
        if isinstance(c, PerStride):
            for limit in (c.above, c.below):
                if limit is not None and abs(limit - c.reference) < m.floor:
                    raise ValueError(f"{self.id}: limit {limit} is within the floor {m.floor} of {c.reference}")
        if isinstance(c, (SideDifference, Change)) and self.evidence == "E":
            raise ValueError(f"{self.id}: relative rules have no published cut-off; tag them H or W")
        for text in (self.message, self.not_measurable_reason):
            check_wording(text)


# -- the configuration ----------------------------------------------------------------
_BEHIND = "film from behind (or in front) at pelvis height"
_SIDEWAYS = "film from the side, camera at hip height and square to the running direction"
_RELATIVE = "no published cut-off (METRICS.md §6): compared with your other side only [H]"
_CHANGED = "no published cut-off: within-runner change beyond the method's floor (METRICS.md §2, §3) [H]"
_FRONTAL = (REAR, FRONT)

RULES: tuple[CueRule, ...] = (
    # ---- rear / front view ----------------------------------------------------------
    CueRule(
        "pelvic_drop.side_difference", "pelvic_drop_deg", SideDifference(),
        "Pelvic drop was larger on {larger_side}-foot stances: with your weight on the {larger_side} foot "
        "your {larger_other} hip dropped a median {larger}, against {smaller} for the {smaller_other} hip on "
        "{smaller_side}-foot stances ({diff} more than your other side; this method resolves about {floor}).",
        "H", "note", _FRONTAL, f"{_BEHIND} to measure pelvic drop",
        "CPD matters in Bramah 2018/2019 [E], but no cut-off exists; " + _RELATIVE),
    CueRule(
        "pelvic_drop.change", "pelvic_drop_deg", Change(),
        "Pelvic drop was {abs_diff} {direction_word} than in your comparison clip (median {after} against "
        "{before}).",
        "H", "note", _FRONTAL, f"{_BEHIND} to measure pelvic drop",
        "METRICS.md §2: flag within-runner change; " + _CHANGED),
    CueRule(
        "hip_adduction.side_difference", "hip_adduction_deg", SideDifference(),
        "Hip adduction (the thigh angled in toward the midline, relative to the pelvis) peaked higher on "
        "{larger_side}-foot stances: median {larger} against {smaller} on {smaller_side}-foot stances "
        "({diff} more than your other side).",
        "H", "note", _FRONTAL, f"{_BEHIND} to measure hip adduction", _RELATIVE),
    CueRule(
        "hip_adduction.change", "hip_adduction_deg", Change(),
        "Hip adduction was {abs_diff} {direction_word} than in your comparison clip (median {after} against "
        "{before}).",
        "H", "note", _FRONTAL, f"{_BEHIND} to measure hip adduction", _CHANGED),
    CueRule(
        "knee_over_foot.side_difference", "knee_over_foot_deg", SideDifference(),
        "Low confidence: knee-over-foot alignment at midstance differed between sides ({larger_side} "
        "{larger}, {smaller_side} {smaller}; positive = knee inside the hip-ankle line). Two-dimensional "
        "knee angles in running do not match three-dimensional knee motion, so treat this only as a pointer "
        "to the marked frames.",
        "W", "info", _FRONTAL, f"{_BEHIND} to see knee-over-foot alignment",
        "2-D frontal knee angles do not relate to 3-D knee motion in running (METRICS.md §2, §6) [W]",
        check_at=None, signed=True),
    CueRule(
        "step_width.crossover", "step_width_ratio",
        PerStride(below=-0.1, reference=0.0, field="heel_offset_ratio"),
        "Crossover on {n_marked} of {n} steps ({sides}): the heel landed across the midline under your hips, "
        "by up to {worst}. In a lab study, running with the feet on one line cost about 3% more energy "
        "(Arellano & Kram 2011); no other threshold is established.",
        "W", "note", _FRONTAL, f"{_BEHIND} to measure step width and crossover",
        "METRICS.md §2: flag crossover when the heel passes the hip-mid line; the limit is the heel-landmark "
        "floor (0.1 hip widths) past the line; energy cost only, no other cut-off [W]"),
    CueRule(
        "step_width.change", "step_width_ratio", Change(),
        "Step width was {abs_diff} {direction_word} than in your comparison clip (median {after} against "
        "{before}).",
        "H", "info", _FRONTAL, f"{_BEHIND} to measure step width", _CHANGED, check_at=None),
    CueRule(
        "vertical_oscillation.change", "vertical_oscillation_ratio", Change(),
        "Vertical oscillation was {abs_diff} {direction_word} than in your comparison clip (median {after} "
        "against {before}). There are no norms for it; this only compares your two clips.",
        "H", "info", (SIDE, REAR), "film from the side or from behind at hip height to measure vertical "
        "oscillation", "no norms (METRICS.md §1.8) [W]; " + _CHANGED, check_at=None),
    CueRule(
        "cadence.change", "cadence_spm", Change(),
        "Cadence was {abs_diff} {direction_word} than in your comparison clip ({after} against {before}); "
        "compare clips at the same speed.",
        "H", "info", (SIDE, REAR, FRONT), "film at least 3 full strides to measure cadence", _CHANGED,
        check_at=None),

    # ---- side view ----------------------------------------------------------------------
    CueRule(
        "overstride.side_difference", "overstride_ratio", SideDifference(),
        "Your {larger_side} heel landed further ahead of your hips than your {smaller_side}: median {larger} "
        "against {smaller} ({diff} more than your other side). Overstride has no published cut-off; this "
        "compares your two sides.",
        "H", "note", (SIDE,), f"{_SIDEWAYS} to measure where the foot lands",
        "heel-to-COM distance relates to braking (Wille 2014) but no cut-off exists (Souza 2016); " + _RELATIVE),
    CueRule(
        "overstride.change", "overstride_ratio", Change(),
        "Overstride (heel ahead of the hips at contact) was {abs_diff} {direction_word} than in your "
        "comparison clip (median {after} against {before}).",
        "H", "note", (SIDE,), f"{_SIDEWAYS} to measure where the foot lands", _CHANGED),
    CueRule(
        "shank_angle.side_difference", "shank_angle_contact_deg", SideDifference(),
        "At contact your {larger_side} shin was more inclined (ankle ahead of the knee) than your "
        "{smaller_side}: median {larger} against {smaller}.",
        "H", "info", (SIDE,), f"{_SIDEWAYS} to measure the shin angle at contact",
        "a near-vertical shin at landing is described by Lieberman 2015; no cut-off; " + _RELATIVE,
        check_at=None, signed=True),
    CueRule(
        "knee_flexion_contact.side_difference", "knee_flexion_contact_deg", SideDifference(),
        "Your knee was more bent at contact on the {larger_side} ({larger}) than on the {smaller_side} "
        "({smaller}).",
        "W", "info", (SIDE,), f"{_SIDEWAYS} to measure knee flexion",
        "no cut-off; knee RMSE of 2-D pose 7.5-7.8 deg (METRICS.md §1.2, §5) [W]", check_at=None),
    CueRule(
        "knee_flexion_peak.side_difference", "knee_flexion_peak_stance_deg", SideDifference(),
        "Peak knee bend in stance was larger on the {larger_side} ({larger}) than on the {smaller_side} "
        "({smaller}).",
        "W", "info", (SIDE,), f"{_SIDEWAYS} to measure knee flexion",
        "never flag a low value alone (METRICS.md §1.3); side comparison only [W]", check_at=None),
    CueRule(
        "hip_extension.side_difference", "hip_extension_peak_deg", SideDifference(),
        "Thigh extension behind the hip at toe-off (a hip-extension proxy; the pelvis is not seen) was larger "
        "on the {larger_side} ({larger}) than on the {smaller_side} ({smaller}).",
        "W", "info", (SIDE,), f"{_SIDEWAYS} for hip extension",
        "proxy without pelvic tilt (METRICS.md §1.4) [W]", check_at=None),
    CueRule(
        "contact_time.side_difference", "contact_time_ms", SideDifference(),
        "Contact time was longer on the {larger_side} foot: median {larger} against {smaller} ({diff} more "
        "than your other side).",
        "H", "info", (SIDE,), f"{_SIDEWAYS}, at 120 fps or more, to time ground contact", _RELATIVE,
        check_at=None),
    CueRule(
        "trunk_lean.reference", "trunk_lean_deg",
        PerStride(above=14.5, below=0.1, reference=7.3, min_share=0.5),
        "Your trunk lean (median {median} on the marked strides, positive = forward) was outside the range "
        "most runners chose in a lab study (7.3 ± 3.6° self-selected; Teng & Powers 2014). This describes "
        "your style; lean on its own is not a problem.",
        "H", "info", (SIDE,), f"{_SIDEWAYS} to measure trunk lean",
        "reference mean ± 2 SD of Teng & Powers 2014 [E]; descriptive only (METRICS.md §1.7), the limit is "
        "ours [H]", signed=True),

    # ---- the one optional change with evidence --------------------------------------------
    CueRule(
        "cadence.option", "cadence_spm",
        Alongside(("pelvic_drop.side_difference", "pelvic_drop.change", "hip_adduction.side_difference",
                   "hip_adduction.change", "overstride.side_difference", "overstride.change")),
        "Optional, if you want to experiment: a step rate 5-10% higher (about {low}-{high} from your {value}) "
        "lowered knee energy absorption in a lab study (Heiderscheit 2011) and reduced pelvic drop and hip "
        "adduction in a small retraining series (Bramah 2019). If running feels fine, changing your form is "
        "entirely your choice.",
        "E", "info", (SIDE, REAR, FRONT), "film at least 3 full strides to measure cadence",
        "Heiderscheit 2011 (+5-10% step rate), Bramah 2019 (+10%, n = 12) [E]; form changes for runners "
        "without complaints are not evidence-based (Souza 2016), so offered as an option",
        kind="suggestion"),
)


def check_config(rules: tuple[CueRule, ...] | None = None) -> None:
    """Raise ValueError on duplicate ids, unknown metrics or an Alongside that refers forward."""
    rules = RULES if rules is None else rules
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        raise ValueError(f"duplicate rule ids in {ids}")
    for i, rule in enumerate(rules):
        if isinstance(rule.condition, Alongside):
            missing = set(rule.condition.rule_ids) - set(ids[:i])
            if missing:
                raise ValueError(f"{rule.id}: Alongside refers to {sorted(missing)}, not defined before it")
    unknown = {r.metric for r in rules} - set(METRICS)
    if unknown:
        raise ValueError(f"rules name unknown metrics {sorted(unknown)}")

