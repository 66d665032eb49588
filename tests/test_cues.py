"""Cue rules and engine: fire on exactly the strides beyond the condition, never below the floor or
MIN_STRIDES, say what the view cannot measure, and never use forbidden wording."""

from dataclasses import replace

import numpy as np
import pytest
from synthetic_rear import femur_tilt_for_heel_offset, make_rear_track

from formcheck.cues.engine import Cue, evaluate_cues
from formcheck.cues.rules import (
    FORBIDDEN_PHRASES,
    MIN_STRIDES,
    RULES,
    Alongside,
    Change,
    CueRule,
    PerStride,
    SideDifference,
    check_config,
    check_wording,
    not_measurable_reason,
)
from formcheck.events.model import GaitEvent
from formcheck.metrics.catalog import METRICS, spec
from formcheck.metrics.leg_tracking import LegFigures, judge
from formcheck.metrics.model import NotMeasurable, StrideRecord, summarize
from formcheck.metrics.running_rear import rear_view_stances

# The brief's list; FORBIDDEN_PHRASES must hold at least these.
MUST_NOT_SAY = ("activat", "weak", "asleep", "lazy", "injur", "risk", "valgus", "belt pulls", "fire", "dormant",
                "glute", "muscle", "predict")


def rear_clip(n=12, view="rear", **kw):
    track, stances, truth = make_rear_track(n, view=view, **kw)
    strides = rear_view_stances(track, stances, view)
    names = {k for s in strides for k in s.values}
    return {n_: summarize(n_, strides) for n_ in names}, strides, truth


def observations(cues):
    return [c for c in cues if c.kind != "not_measurable"]


def by_id(cues):
    return {c.rule_id: c for c in cues}


def side_strides(values_left: dict, values_right: dict, n_per_side=6):
    """Hand-made side-view strides alternating left/right, 20 frames each."""
    out = []
    for i in range(2 * n_per_side):
        side = "left" if i % 2 == 0 else "right"
        f = 20 * i
        contact = GaitEvent("contact", side, f, f / 60, 1.0)
        toe_off = GaitEvent("toe_off", side, f + 12, (f + 12) / 60, 1.0)
        vals = values_left if side == "left" else values_right
        out.append(StrideRecord(i, side, contact, toe_off, None, dict(vals), (f, f + 19)))
    return out


def summaries_of(strides):
    names = {k for s in strides for k in s.values}
    return {n: summarize(n, strides) for n in names}


# -- the configuration ---------------------------------------------------------------------
def test_configuration_is_valid_and_documented():
    check_config()
    assert MIN_STRIDES >= 3
    for rule in RULES:
        m = spec(rule.metric)
        assert set(rule.views) <= set(m.views)
        assert rule.not_measurable_reason and rule.source
        if isinstance(rule.condition, (SideDifference, Change)):
            assert rule.evidence in ("H", "W"), rule.id  # no published cut-off for relative rules
        if isinstance(rule.condition, PerStride):
            for limit in (rule.condition.above, rule.condition.below):
                if limit is not None:
                    assert abs(limit - rule.condition.reference) >= m.floor, rule.id
        if rule.kind == "suggestion":
            assert rule.message.lower().startswith("optional, if you want")


def test_forbidden_phrase_list_covers_the_brief():
    assert set(MUST_NOT_SAY) <= set(FORBIDDEN_PHRASES)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_no_rule_text_uses_forbidden_wording(rule):
    for text in (rule.message, rule.not_measurable_reason):
        low = text.lower()
        for phrase in FORBIDDEN_PHRASES:
            assert phrase not in low, (rule.id, phrase)


@pytest.mark.parametrize("metric", sorted(METRICS))
def test_every_not_measurable_reason_is_clean(metric):
    reason = not_measurable_reason(metric)
    check_wording(reason)
    assert "film" in reason


@pytest.mark.parametrize("bad", ["Your glutes are weak.", "Lazy hips", "injury risk ahead", "knee valgus",
                                 "The belt pulls the leg back", "the gluteus medius did not fire"])
def test_a_rule_with_forbidden_wording_cannot_be_built(bad):
    with pytest.raises(ValueError, match="forbidden"):
        CueRule("x", "pelvic_drop_deg", SideDifference(), bad, "H", "note", ("rear",), "film from behind", "test")


def test_rule_building_rejects_bad_configurations():
    with pytest.raises(ValueError, match="within the floor"):
        CueRule("x", "step_width_ratio", PerStride(below=-0.05), "{n}", "W", "note", ("rear",), "film", "t")
    with pytest.raises(ValueError, match="H or W"):
        CueRule("x", "pelvic_drop_deg", SideDifference(), "{diff}", "E", "note", ("rear",), "film", "t")
    with pytest.raises(ValueError, match="subset"):
        CueRule("x", "pelvic_drop_deg", SideDifference(), "{diff}", "H", "note", ("side",), "film", "t")
    with pytest.raises(ValueError, match="allowed"):
        CueRule("x", "pelvic_drop_deg", SideDifference(), "{oops}", "H", "note", ("rear",), "film", "t")
    later = CueRule("y", "cadence_spm", Alongside(("z",)), "{value}", "E", "info", ("rear",), "film", "t",
                    kind="suggestion")
    with pytest.raises(ValueError, match="not defined before"):
        check_config((later,))


# -- rear view ---------------------------------------------------------------------------
def test_clean_synthetic_gives_no_cue():
    summaries, strides, _ = rear_clip(pelvic_drop_deg=4.0, femur_tilt_deg=2.0, fppa_deg=0.0)
    cues = evaluate_cues(summaries, strides, "rear", [])
    assert observations(cues) == []


@pytest.mark.parametrize("view", ["rear", "front"])
@pytest.mark.parametrize("right, severity", [(6.0, "note"), (8.0, "check")], ids=["note", "check"])
def test_pelvic_drop_difference_fires_on_the_larger_side(view, right, severity):
    summaries, strides, truth = rear_clip(view=view, pelvic_drop_deg={"right": right, "left": 3.0})
    cue = by_id(evaluate_cues(summaries, strides, view, []))["pelvic_drop.side_difference"]
    rights = [i for i, s in enumerate(truth.sides) if s == "right"]
    assert cue.strides == tuple(rights)
    assert cue.frames == tuple((int(truth.contact_frames[i]), int(truth.toe_off_frames[i])) for i in rights)
    np.testing.assert_allclose(cue.stride_values, right, atol=1e-6)
    assert cue.values["right"] == pytest.approx(right) and cue.values["left"] == pytest.approx(3.0)
    assert cue.severity == severity and cue.evidence == "H"
    assert "right-foot stances" in cue.message and "left hip dropped" in cue.message


def test_no_cue_on_a_difference_within_the_floor():
    summaries, strides, _ = rear_clip(pelvic_drop_deg={"right": 4.9, "left": 3.0})  # 1.9 < floor 2.0
    assert "pelvic_drop.side_difference" not in by_id(evaluate_cues(summaries, strides, "rear", []))


def test_no_cue_on_fewer_than_min_strides_per_side():
    summaries, strides, _ = rear_clip(n=2 * MIN_STRIDES - 1, pelvic_drop_deg={"right": 8.0, "left": 3.0})
    cues = evaluate_cues(summaries, strides, "rear", [])
    assert "pelvic_drop.side_difference" not in by_id(cues)
    summaries, strides, _ = rear_clip(n=2 * MIN_STRIDES, pelvic_drop_deg={"right": 8.0, "left": 3.0})
    assert "pelvic_drop.side_difference" in by_id(evaluate_cues(summaries, strides, "rear", []))


def test_hip_adduction_difference():
    summaries, strides, truth = rear_clip(femur_tilt_deg={"right": 2.0, "left": 9.0})
    cue = by_id(evaluate_cues(summaries, strides, "rear", []))["hip_adduction.side_difference"]
    assert cue.strides == tuple(i for i, s in enumerate(truth.sides) if s == "left")
    assert cue.values["left"] - cue.values["right"] == pytest.approx(7.0)


@pytest.mark.parametrize("view", ["rear", "front"])
def test_crossover_fires_on_exactly_those_steps(view):
    normal, cross = femur_tilt_for_heel_offset(0.4), femur_tilt_for_heel_offset(-0.2)
    crossing = [1, 5, 7, 11]
    tilt = [cross if i in crossing else normal for i in range(12)]
    summaries, strides, truth = rear_clip(view=view, femur_tilt_deg=tilt)
    cue = by_id(evaluate_cues(summaries, strides, view, []))["step_width.crossover"]
    assert cue.strides == tuple(crossing)
    assert cue.frames == tuple((int(truth.contact_frames[i]), int(truth.toe_off_frames[i])) for i in crossing)
    np.testing.assert_allclose(cue.stride_values, -0.2, atol=1e-9)
    assert "4 of 12 steps" in cue.message and "left foot" in cue.message  # odd stances are left


def test_crossover_below_floor_or_on_too_few_steps_is_silent():
    normal = femur_tilt_for_heel_offset(0.4)
    slight = [femur_tilt_for_heel_offset(-0.05) if i in (1, 3, 5, 7) else normal for i in range(12)]
    summaries, strides, _ = rear_clip(femur_tilt_deg=slight)
    assert sum(bool(s.crossover) for s in strides) == 4  # the flag is raw; the cue needs the floor
    assert "step_width.crossover" not in by_id(evaluate_cues(summaries, strides, "rear", []))
    two = [femur_tilt_for_heel_offset(-0.3) if i in (1, 3) else normal for i in range(12)]
    summaries, strides, _ = rear_clip(femur_tilt_deg=two)
    assert "step_width.crossover" not in by_id(evaluate_cues(summaries, strides, "rear", []))


def test_knee_over_foot_cue_is_low_confidence_and_never_called_valgus():
    summaries, strides, _ = rear_clip(fppa_deg={"right": 12.0, "left": -2.0})
    cue = by_id(evaluate_cues(summaries, strides, "rear", []))["knee_over_foot.side_difference"]
    assert cue.low_confidence and cue.severity == "info" and cue.evidence == "W"
    assert cue.message.startswith("Low confidence") and "+12.0°" in cue.message
    assert "valgus" not in cue.message.lower()


def test_cadence_option_only_alongside_and_optional():
    summaries, strides, truth = rear_clip(pelvic_drop_deg={"right": 7.0, "left": 3.0})
    cues = by_id(evaluate_cues(summaries, strides, "rear", []))
    option = cues["cadence.option"]
    assert option.kind == "suggestion" and option.evidence == "E" and option.severity == "info"
    c = truth.cadence_spm
    assert f"about {1.05 * c:.0f}-{1.10 * c:.0f} steps/min" in option.message
    assert option.strides == cues["pelvic_drop.side_difference"].strides
    assert list(cues)[-len([x for x in cues.values() if x.kind == "not_measurable"]) - 1] == "cadence.option"


def test_change_from_a_baseline_clip():
    before, _, _ = rear_clip(pelvic_drop_deg=3.0)
    now, strides, _ = rear_clip(pelvic_drop_deg=6.0)
    cues = by_id(evaluate_cues(now, strides, "rear", [], baseline=before))
    cue = cues["pelvic_drop.change"]
    assert "3.0° larger" in cue.message and cue.values["difference"] == pytest.approx(3.0)
    assert len(cue.strides) == 12 and cue.severity == "note"
    assert "pelvic_drop.change" not in by_id(evaluate_cues(now, strides, "rear", []))
    assert "cadence.option" in cues
    down = by_id(evaluate_cues(before, strides, "rear", [], baseline=now))  # drop went from 6 to 3
    assert "smaller" in down["pelvic_drop.change"].message and "cadence.option" not in down
    near, strides2, _ = rear_clip(pelvic_drop_deg=4.5)  # 1.5 below the 2.0 floor
    assert "pelvic_drop.change" not in by_id(evaluate_cues(near, strides2, "rear", [], baseline=before))


# -- not measurable -------------------------------------------------------------------------
@pytest.mark.parametrize("view", ["rear", "front", "side", "oblique"])
def test_not_measurable_lists_every_metric_the_view_cannot_support(view):
    summaries, strides, _ = rear_clip() if view in ("rear", "front") else ({}, [], None)
    cues = evaluate_cues(summaries, strides, view, [])
    missing = {c.metric: c for c in cues if c.kind == "not_measurable"}
    assert set(missing) == {n for n, m in METRICS.items() if view not in m.views}
    for name, cue in missing.items():
        assert cue.reason and cue.reason in cue.message and cue.strides == ()
        wanted = METRICS[name].views
        if wanted == ("side",):
            assert "from the side" in cue.reason and "behind" not in cue.reason, (name, cue.reason)
        if "side" not in wanted:
            assert "behind" in cue.reason and "from the side" not in cue.reason, (name, cue.reason)
    if view == "rear":
        assert "hip extension" in missing["hip_extension_peak_deg"].reason
    if view == "side":
        assert "behind" in missing["pelvic_drop_deg"].reason


def test_given_not_measurable_blocks_its_rules_and_is_reported():
    summaries, strides, _ = rear_clip(pelvic_drop_deg={"right": 8.0, "left": 3.0})
    given = [NotMeasurable("pelvic_drop_deg", "the hips were hidden in most stances")]
    cues = evaluate_cues(summaries, strides, "rear", given)
    assert "pelvic_drop.side_difference" not in by_id(cues)
    entry = by_id(cues)["not_measurable.pelvic_drop_deg"]
    assert entry.reason == "the hips were hidden in most stances" and entry.kind == "not_measurable"


def test_too_few_strides_is_reported():
    summaries, strides, _ = rear_clip(n=3)
    cues = by_id(evaluate_cues(summaries, strides, "rear", []))
    assert "at least 3" in cues["not_measurable.step_width_ratio"].message  # 2 step widths from 3 stances


# -- side view, hand-made strides --------------------------------------------------------------
SIDE_BASE = {"overstride_ratio": 0.10, "trunk_lean_deg": 7.0, "knee_flexion_contact_deg": 20.0,
             "knee_flexion_peak_stance_deg": 44.0, "hip_extension_peak_deg": 10.0, "contact_time_ms": 240.0,
             "shank_angle_contact_deg": 5.0, "cadence_spm": 172.0}


def test_side_view_clean_gives_no_cue():
    strides = side_strides(SIDE_BASE, SIDE_BASE)
    assert observations(evaluate_cues(summaries_of(strides), strides, "side", [])) == []


def test_side_view_rules():
    right = {**SIDE_BASE, "overstride_ratio": 0.18, "hip_extension_peak_deg": 3.0, "trunk_lean_deg": 17.0}
    left = {**SIDE_BASE, "trunk_lean_deg": 16.0}
    strides = side_strides(left, right)
    cues = by_id(evaluate_cues(summaries_of(strides), strides, "side", []))
    over = cues["overstride.side_difference"]
    assert over.strides == tuple(range(1, 12, 2)) and over.severity == "check"  # 0.08 >= 2 x 0.03
    assert cues["hip_extension.side_difference"].strides == tuple(range(0, 12, 2))
    assert cues["trunk_lean.reference"].strides == tuple(range(12))
    assert "cadence.option" in cues
    assert {c.metric for c in cues.values() if c.kind == "not_measurable"} >= {
        "pelvic_drop_deg", "hip_adduction_deg", "knee_over_foot_deg", "step_width_ratio"}


def test_trunk_lean_needs_half_the_strides():
    leaning = side_strides({**SIDE_BASE, "trunk_lean_deg": 18.0}, SIDE_BASE)  # 6 of 12 = half: fires
    assert "trunk_lean.reference" in by_id(evaluate_cues(summaries_of(leaning), leaning, "side", []))
    few = side_strides(SIDE_BASE, SIDE_BASE)
    few = [replace(s, values={**s.values, "trunk_lean_deg": 18.0}) if s.index in (0, 2, 4, 6) else s for s in few]
    assert "trunk_lean.reference" not in by_id(evaluate_cues(summaries_of(few), few, "side", []))


# -- far-leg honesty: side differences when the legs were not tracked alike (issue 17) --------------
def tracking(left: dict, right: dict):
    base = dict(visibility=0.96, present_share=0.91, knee_share=0.91, roughness_deg=0.96, depth=-200.0)
    return judge(LegFigures("left", **{**base, **left}), LegFigures("right", **{**base, "depth": 25.0, **right}))


TREADMILL = {"visibility": 0.75, "knee_share": 0.63, "roughness_deg": 2.35}  # its far (right) leg, measured
UNEVEN = {
    "far leg worse": tracking({}, TREADMILL),
    "near leg worse": tracking(TREADMILL, {}),
    "depth unknown": tracking({"depth": float("nan")}, TREADMILL),
    "legs worse on different figures": tracking({"visibility": 0.7}, {"roughness_deg": 3.0}),
}
BALANCED = tracking({}, {"visibility": 0.9})
ALL_SIDE_DIFFERENCES = {**SIDE_BASE, "overstride_ratio": 0.25, "hip_extension_peak_deg": 2.0,
                        "knee_flexion_contact_deg": 35.0, "knee_flexion_peak_stance_deg": 30.0,
                        "contact_time_ms": 300.0, "shank_angle_contact_deg": 15.0}
SIDE_DIFFERENCE_IDS = {r.id for r in RULES if isinstance(r.condition, SideDifference) and "side" in r.views}


@pytest.mark.parametrize("case", UNEVEN)
def test_side_differences_are_suggestions_when_the_legs_were_not_tracked_alike(case):
    lt = UNEVEN[case]
    assert not lt.balanced
    strides = side_strides(SIDE_BASE, ALL_SIDE_DIFFERENCES)
    before = by_id(evaluate_cues(summaries_of(strides), strides, "side", []))
    after = by_id(evaluate_cues(summaries_of(strides), strides, "side", [], leg_tracking=lt))
    assert SIDE_DIFFERENCE_IDS <= set(before) and before["overstride.side_difference"].kind == "observation"
    for rule_id in SIDE_DIFFERENCE_IDS:
        was, now = before[rule_id], after[rule_id]
        assert (now.kind, now.severity) == ("suggestion", "info"), rule_id
        assert (now.strides, now.frames, now.stride_values) == (was.strides, was.frames, was.stride_values)
        assert {k: now.values[k] for k in was.values} == dict(was.values)
        assert now.values["visibility_right"] == lt.right.visibility
        assert now.message.startswith(f"Left and right {spec(now.metric).label.lower()} differ by ")
        assert now.message.endswith("Film from the other side too and compare before reading anything into it.")
        assert lt.detail in now.message and now.reason == lt.reason
        check_wording(now.message)
    # No left-right finding is left, and none prompts the cadence option.
    assert not any(c.rule_id in SIDE_DIFFERENCE_IDS for c in after.values() if c.kind == "observation")
    assert "cadence.option" in before and "cadence.option" not in after
    message = after["overstride.side_difference"].message
    assert "differ by 0.150 leg lengths (left 0.100 leg lengths, right 0.250 leg lengths)" in message
    expected = {"far leg worse": "from this side the right leg is seen behind the left one and was tracked less well",
                "near leg worse": "the left leg, nearer the camera, was tracked less well than the right",
                "depth unknown": "the right leg was tracked less well than the left (",
                "legs worse on different figures": "from this side the two legs were not tracked equally well"}
    assert expected[case] in message


def test_other_cues_keep_their_kind_when_the_legs_were_not_tracked_alike():
    right = {**SIDE_BASE, "trunk_lean_deg": 17.0}
    strides = side_strides({**SIDE_BASE, "trunk_lean_deg": 16.0}, right)
    summaries = summaries_of(strides)
    lean = by_id(evaluate_cues(summaries, strides, "side", [], leg_tracking=UNEVEN["far leg worse"]))
    assert lean["trunk_lean.reference"].kind == "observation"


def test_balanced_tracking_or_none_changes_nothing():
    strides = side_strides(SIDE_BASE, ALL_SIDE_DIFFERENCES)
    plain = evaluate_cues(summaries_of(strides), strides, "side", [])
    assert BALANCED.balanced
    assert evaluate_cues(summaries_of(strides), strides, "side", [], leg_tracking=BALANCED) == plain
    assert evaluate_cues(summaries_of(strides), strides, "side", [], leg_tracking=None) == plain


@pytest.mark.parametrize("view", ["rear", "front"])
def test_rear_and_front_views_ignore_leg_tracking(view):
    summaries, strides, _ = rear_clip(view=view, pelvic_drop_deg={"right": 8.0, "left": 2.0})
    plain = evaluate_cues(summaries, strides, view, [])
    assert by_id(plain)["pelvic_drop.side_difference"].kind == "observation"
    assert evaluate_cues(summaries, strides, view, [], leg_tracking=UNEVEN["far leg worse"]) == plain


def test_leg_tracking_must_be_a_leg_tracking():
    strides = side_strides(SIDE_BASE, SIDE_BASE)
    with pytest.raises(ValueError, match="leg_tracking"):
        evaluate_cues(summaries_of(strides), strides, "side", [], leg_tracking={"balanced": False})


# -- every message the engine can produce ----------------------------------------------------------
def _all_cues():
    tilt = [femur_tilt_for_heel_offset(-0.2) if i % 2 == 1 else femur_tilt_for_heel_offset(0.4) for i in range(12)]
    before, _, _ = rear_clip(pelvic_drop_deg=2.0, femur_tilt_deg=0.0)
    now, strides, _ = rear_clip(pelvic_drop_deg={"right": 9.0, "left": 3.0}, femur_tilt_deg=tilt,
                                fppa_deg={"right": 12.0, "left": -3.0}, osc_px=30.0)
    before = {**before, "cadence_spm": replace(before["cadence_spm"], median=150.0),
              "vertical_oscillation_ratio": replace(before["vertical_oscillation_ratio"], median=0.01),
              "step_width_ratio": replace(before["step_width_ratio"], median=1.2)}
    cues = evaluate_cues(now, strides, "rear", [NotMeasurable("cadence_spm", "test")], baseline=before)
    cues += evaluate_cues(now, strides, "rear", [], baseline=before)
    right = {**SIDE_BASE, "overstride_ratio": 0.25, "hip_extension_peak_deg": 2.0, "trunk_lean_deg": -3.0,
             "knee_flexion_contact_deg": 35.0, "knee_flexion_peak_stance_deg": 30.0, "contact_time_ms": 300.0,
             "shank_angle_contact_deg": 15.0}
    side = side_strides(SIDE_BASE, right)
    side_before = summaries_of(side_strides({**SIDE_BASE, "overstride_ratio": 0.0}, {**SIDE_BASE,
                                                                                    "overstride_ratio": 0.0}))
    cues += evaluate_cues(summaries_of(side), side, "side", [], baseline=side_before)
    for tracking in UNEVEN.values():
        cues += evaluate_cues(summaries_of(side), side, "side", [], leg_tracking=tracking)
    cues += evaluate_cues({}, [], "oblique", [])
    return cues


def test_every_produced_message_is_clean_and_complete():
    cues = _all_cues()
    fired = {c.rule_id for c in cues}
    assert {r.id for r in RULES} <= fired, sorted({r.id for r in RULES} - fired)  # every rule exercised
    for cue in cues:
        assert isinstance(cue, Cue)
        check_wording(cue.message)
        for phrase in MUST_NOT_SAY:
            assert phrase not in cue.message.lower(), (cue.rule_id, phrase)
        assert "{" not in cue.message and "nan" not in cue.message.lower()


def test_bad_arguments():
    summaries, strides, _ = rear_clip(n=4)
    with pytest.raises(ValueError, match="view"):
        evaluate_cues(summaries, strides, "top", [])
    with pytest.raises(ValueError, match="unknown metric"):
        evaluate_cues({"glute_power": summaries["pelvic_drop_deg"]}, strides, "rear", [])
    with pytest.raises(ValueError, match="NotMeasurable"):
        evaluate_cues(summaries, strides, "rear", ["pelvic_drop_deg"])
