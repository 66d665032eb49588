"""Rear/front-view stance metrics: known answers from tests/synthetic_rear.py.

Tolerances: exact geometry (no noise) to 1e-6 deg and 1e-6 hip widths in
either view and under a camera roll; with 1 px Gaussian noise on a 140 px
hip width (no smoothing), every stance within 2.5 deg / 0.06 hip widths and
the per-side medians within 1.0 deg (the peak of a noisy series is biased
up by about 0.5 deg here).
"""

from dataclasses import replace

import numpy as np
import pytest
from synthetic_rear import femur_tilt_for_heel_offset, make_rear_track

from formcheck.landmarks import Landmark as L
from formcheck.metrics.catalog import METRICS
from formcheck.metrics.running_rear import RearStanceRecord, rear_view_stances

ASYM = dict(pelvic_drop_deg={"right": 6.0, "left": 3.0}, femur_tilt_deg={"right": 2.0, "left": 4.0},
            fppa_deg={"right": 8.0, "left": -6.0})


def _values(records, name):
    return np.array([r.values[name] for r in records])


def _gap(track, landmarks, frames, visibility_only=False):
    xy, vis = track.xy_px.copy(), track.visibility.copy()
    for lm in landmarks:
        vis[frames, int(lm)] = 0.1
        if not visibility_only:
            xy[frames, int(lm)] = np.nan
    return track.with_arrays(xy_px=xy, visibility=vis)


@pytest.mark.parametrize("view", ["rear", "front"])
@pytest.mark.parametrize("roll", [0.0, 5.0, -8.0], ids=["level", "roll+5", "roll-8"])
def test_known_answers_in_both_views_and_under_camera_roll(view, roll):
    track, stances, truth = make_rear_track(12, view=view, camera_roll_deg=roll, **ASYM)
    recs = rear_view_stances(track, stances, view)
    assert [r.side for r in recs] == list(truth.sides)
    np.testing.assert_allclose(_values(recs, "pelvic_drop_deg"), truth.pelvic_drop_deg, atol=1e-6)
    np.testing.assert_allclose(_values(recs, "hip_adduction_deg"), truth.hip_adduction_deg, atol=1e-6)
    np.testing.assert_allclose(_values(recs, "knee_over_foot_deg"), truth.knee_over_foot_deg, atol=1e-6)
    np.testing.assert_allclose(_values(recs, "step_width_ratio"), truth.step_width_ratio, atol=1e-6)
    np.testing.assert_allclose([r.heel_offset_ratio for r in recs], truth.heel_offset_ratio, atol=1e-6)
    np.testing.assert_allclose(_values(recs, "cadence_spm")[1:], truth.cadence_spm, atol=1e-6)
    assert np.isnan(recs[0].values["step_width_ratio"]) and np.isnan(recs[0].values["cadence_spm"])
    np.testing.assert_allclose(_values(recs, "vertical_oscillation_ratio")[:-1], truth.vertical_oscillation_ratio,
                               rtol=0.02)
    # The bump peaks at midstance, so the midstance values equal the peaks, found at that frame.
    np.testing.assert_allclose([r.pelvic_drop_midstance_deg for r in recs], truth.pelvic_drop_deg, atol=1e-6)
    np.testing.assert_allclose([r.hip_adduction_midstance_deg for r in recs], truth.hip_adduction_deg, atol=1e-6)
    assert [r.pelvic_drop_peak_frame for r in recs] == list(truth.midstance_frames)
    assert [r.hip_adduction_peak_frame for r in recs] == list(truth.midstance_frames)
    assert all(r.crossover is False for r in recs)
    assert recs[0].standing_offset_deg == pytest.approx(truth.standing_obliquity_deg, abs=1e-9)


def test_standing_offset_given_or_ignored_shows_the_mirror_for_left_stances():
    roll = 6.0
    track, stances, truth = make_rear_track(10, camera_roll_deg=roll, **ASYM)
    given = rear_view_stances(track, stances, "rear", standing_offset_deg=truth.standing_obliquity_deg)
    np.testing.assert_allclose(_values(given, "pelvic_drop_deg"), truth.pelvic_drop_deg, atol=1e-6)
    # Not levelled: a right stance reads obliquity + tilt, a left stance -(obliquity + tilt).
    raw = rear_view_stances(track, stances, "rear", standing_offset_deg=0.0)
    s = truth.standing_obliquity_deg
    expected = np.where(np.array(truth.sides) == "right", truth.pelvic_drop_deg + s, truth.pelvic_drop_deg - s)
    np.testing.assert_allclose(_values(raw, "pelvic_drop_deg"), expected, atol=0.3)
    assert abs(s) == pytest.approx(roll, abs=1e-9)
    # Joint angles do not depend on the levelling.
    np.testing.assert_allclose(_values(raw, "hip_adduction_deg"), truth.hip_adduction_deg, atol=1e-6)
    np.testing.assert_allclose(_values(raw, "knee_over_foot_deg"), truth.knee_over_foot_deg, atol=1e-6)


@pytest.mark.parametrize("view", ["rear", "front"])
@pytest.mark.parametrize("offset, crossover", [(0.6, False), (0.15, False), (-0.2, True)],
                         ids=["wide", "narrow", "crossover"])
def test_step_width_and_crossover(view, offset, crossover):
    tilt = femur_tilt_for_heel_offset(offset)
    track, stances, truth = make_rear_track(8, view=view, femur_tilt_deg=tilt)
    recs = rear_view_stances(track, stances, view)
    np.testing.assert_allclose([r.heel_offset_ratio for r in recs], offset, atol=1e-9)
    np.testing.assert_allclose(_values(recs, "step_width_ratio")[1:], 2 * offset, atol=1e-9)
    assert [r.crossover for r in recs] == [crossover] * 8


@pytest.mark.parametrize("view", ["rear", "front"])
def test_knee_medial_is_positive_lateral_negative(view):
    track, stances, truth = make_rear_track(8, view=view, fppa_deg=[10, 10, -7, -7, 0, 0, 4, -4])
    recs = rear_view_stances(track, stances, view)
    np.testing.assert_allclose(_values(recs, "knee_over_foot_deg"), [10, 10, -7, -7, 0, 0, 4, -4], atol=1e-6)


def test_noise_within_stated_tolerance():
    errs, medians = {}, []
    for seed in range(5):
        for view in ("rear", "front"):
            track, stances, truth = make_rear_track(12, view=view, camera_roll_deg=4.0, noise_px=1.0, seed=seed,
                                                    **ASYM)
            recs = rear_view_stances(track, stances, view)
            for name, true in (("pelvic_drop_deg", truth.pelvic_drop_deg),
                               ("hip_adduction_deg", truth.hip_adduction_deg),
                               ("knee_over_foot_deg", truth.knee_over_foot_deg),
                               ("step_width_ratio", truth.step_width_ratio)):
                e = _values(recs, name) - true
                errs.setdefault(name, []).extend(e[np.isfinite(e)])
                sides = np.array(truth.sides)
                for side in ("left", "right"):
                    medians.append((name, np.nanmedian(e[sides == side])))
    assert max(abs(e) for e in errs["pelvic_drop_deg"]) < 2.5
    assert max(abs(e) for e in errs["hip_adduction_deg"]) < 2.5
    assert max(abs(e) for e in errs["knee_over_foot_deg"]) < 2.5
    assert max(abs(e) for e in errs["step_width_ratio"]) < 0.06
    for name, m in medians:
        assert abs(m) < (0.03 if name == "step_width_ratio" else 1.0), (name, m)


def test_dropouts_give_nan_not_guesses():
    track, stances, truth = make_rear_track(10, **ASYM)
    c = truth.contact_frames
    hips = (L.LEFT_HIP, L.RIGHT_HIP)
    track = _gap(track, hips, slice(c[3] + 2, c[3] + 12))                       # stance 3: hips mostly gone
    track = _gap(track, hips, [c[5] + 2])                                        # stance 5: one frame gone
    track = _gap(track, (L.RIGHT_KNEE, L.LEFT_KNEE), slice(c[4], c[4] + 15), visibility_only=True)  # seen badly
    track = _gap(track, (L.LEFT_HEEL, L.RIGHT_HEEL), [c[6]])                   # stance 6: heel at contact
    recs = rear_view_stances(track, stances, "rear")
    r3, r4, r5, r6, r7 = recs[3:8]
    assert np.isnan(r3.values["pelvic_drop_deg"]) and np.isnan(r3.values["hip_adduction_deg"])
    assert np.isnan(r3.pelvic_drop_midstance_deg) and r3.pelvic_drop_peak_frame is None
    assert r5.values["pelvic_drop_deg"] == pytest.approx(truth.pelvic_drop_deg[5], abs=1e-6)
    assert np.isnan(r4.values["hip_adduction_deg"]) and np.isnan(r4.values["knee_over_foot_deg"])
    assert r4.values["pelvic_drop_deg"] == pytest.approx(truth.pelvic_drop_deg[4], abs=1e-6)
    assert r6.crossover is None and np.isnan(r6.heel_offset_ratio)
    assert np.isnan(r6.values["step_width_ratio"]) and np.isnan(r7.values["step_width_ratio"])
    assert r6.values["pelvic_drop_deg"] == pytest.approx(truth.pelvic_drop_deg[6], abs=1e-6)
    for r in (recs[0], recs[1], recs[2], recs[8], recs[9]):
        assert r.values["pelvic_drop_deg"] == pytest.approx(truth.pelvic_drop_deg[r.index], abs=1e-6)
    assert r4.coverage == 0.0 and recs[0].coverage == 1.0


def test_frames_with_swapped_hip_labels_are_dropped():
    track, stances, truth = make_rear_track(8, **ASYM)
    m = truth.midstance_frames[2]
    xy = track.xy_px.copy()
    xy[m - 1:m + 2, [L.LEFT_HIP, L.RIGHT_HIP]] = xy[m - 1:m + 2, [L.RIGHT_HIP, L.LEFT_HIP]]
    recs = rear_view_stances(track.with_arrays(xy_px=xy), stances, "rear")
    assert np.isnan(recs[2].pelvic_drop_midstance_deg)   # not the mirrored (negative) value
    assert 0 < recs[2].values["pelvic_drop_deg"] < truth.pelvic_drop_deg[2]  # 12 of 15 frames left


def test_wrong_view_raises():
    track, stances, _ = make_rear_track(6, view="rear")
    with pytest.raises(ValueError, match="rear-view order"):
        rear_view_stances(track, stances, "front")


def test_midstance_found_from_lowest_hip_when_not_given():
    track, stances, truth = make_rear_track(8, **ASYM)
    bare = [replace(s, midstance_frame=None) for s in stances]
    recs = rear_view_stances(track, bare, "rear")
    assert [r.midstance_frame for r in recs] == list(truth.midstance_frames)


def test_records_in_contact_order_with_catalog_names_and_inputs_untouched():
    track, stances, truth = make_rear_track(8, **ASYM)
    before = track.xy_px.copy()
    recs = rear_view_stances(track, list(reversed(stances)), "rear")
    assert np.array_equal(track.xy_px, before, equal_nan=True)
    assert [r.index for r in recs] == list(range(8))
    assert [r.frames for r in recs] == list(zip(truth.contact_frames, truth.toe_off_frames))
    assert all(isinstance(r, RearStanceRecord) for r in recs)
    for r in recs:
        for name in r.values:
            assert "rear" in METRICS[name].views
    assert recs[0].next_contact == stances[2].contact and recs[-1].next_contact is None


def test_a_missing_stance_breaks_step_width_and_cadence():
    track, stances, truth = make_rear_track(8, **ASYM)
    recs = rear_view_stances(track, stances[:3] + stances[4:], "rear")
    assert np.isnan(recs[3].values["step_width_ratio"]) and np.isnan(recs[3].values["cadence_spm"])
    assert np.isnan(recs[2].values["vertical_oscillation_ratio"])
    assert recs[4].values["step_width_ratio"] == pytest.approx(truth.step_width_ratio[5], abs=1e-6)


def test_empty_and_bad_arguments():
    track, stances, _ = make_rear_track(4)
    assert rear_view_stances(track, [], "rear") == []
    with pytest.raises(ValueError, match="view"):
        rear_view_stances(track, stances, "side")
    with pytest.raises(ValueError, match="stances"):
        rear_view_stances(track[:20], stances, "rear")
    with pytest.raises(ValueError, match="min_coverage"):
        rear_view_stances(track, stances, "rear", min_coverage=0.0)
    with pytest.raises(ValueError, match="standing_offset_deg"):
        rear_view_stances(track, stances, "rear", standing_offset_deg=float("nan"))
