"""The synthetic runner's time-base options (tests/synthetic_runner.py), against what they promise.

* `hold_frames`: each picture shown that many frames (slow motion stored by repeating pictures);
* `repeat_every`: every Nth frame repeats the one before (a 25 -> 30 fps style conversion);
* `far_hidden_share`: the far leg lost on about that share of a side view, in 0.2-0.6 s spans;
* and the defaults: a track made without them is the one made before they existed (hard
  numbers recorded from the generator before the change).
"""

from __future__ import annotations

import numpy as np
import pytest
from synthetic_runner import FAR_HIDDEN_S, Camera, Recording, RunnerParams, synthetic_run, walking_params

from formcheck.landmarks import Landmark as L

ARRAYS = ("xy_px", "z", "visibility", "world_m")
FAR_LEFT_LEG = [int(L.LEFT_KNEE), int(L.LEFT_ANKLE), int(L.LEFT_HEEL), int(L.LEFT_FOOT_INDEX)]


# -- defaults unchanged ------------------------------------------------------------------------------
# Recorded from tests/synthetic_runner.py before hold_frames / repeat_every / far_hidden_share existed,
# with the landing of that time (the heel furthest ahead of the hips 60 ms before contact, retracting;
# since then the default lands at the furthest reach and slides, as the real clip shows):
# rows, nansum(xy), xy[10, LEFT_ANKLE, y], NaN count in xy, sum(visibility), nansum(world), right contacts
# (first two), leg_px left/right, true strides.
BEFORE = [
    pytest.param(dict(params=RunnerParams(reach_lead_s=0.06)), 241, 7916369.0822263975, 513.8765441951695, 0, 7678.26, -128.08795309801206,
                 [0.13, 0.83588235], (237.83050908477915, 243.44579940399643), 9, id="defaults"),
    pytest.param(dict(params=RunnerParams(reach_lead_s=0.06), recording=Recording(fps=30, duration_s=5, noise_px=2.0, dropout_rate=0.05, swaps=2,
                                          far_visibility=0.6, seed=4)),
                 151, 4718093.977813169, 545.2651022694203, 484, 4194.78, -83.30259237681766,
                 [0.13, 0.83588235], (238.3664510839816, 242.61333301716536), 12, id="noise-dropout-swaps"),
    pytest.param(dict(params=walking_params(reach_lead_s=0.06), camera=Camera(view="rear"),
                      recording=Recording(fps=60, vfr_jitter=0.2, noise_px=1.0, seed=1, setting="overground")),
                 241, 7716213.1431565825, 602.6851691065425, 0, 7555.35, -275.4448017901871,
                 [0.13, 1.22090909], (154.63998030862714, 149.19822593892673), 0, id="rear-walk-vfr"),
    pytest.param(dict(params=RunnerParams(reach_lead_s=0.06), camera=Camera(facing=-1), recording=Recording(fps=240, duration_s=2, noise_px=1.0, seed=2)),
                 481, 14318443.041294247, 580.1710395328369, 0, 15324.66, -5436.3282190975915,
                 [0.13, 0.83588235], (242.44216178143213, 238.77913080341713), 4, id="facing-left-240fps"),
]


@pytest.mark.parametrize("kwargs,rows,xy_sum,ankle_y,nans,vis_sum,world_sum,contacts,leg_px,strides", BEFORE)
def test_defaults_make_the_track_they_made_before(kwargs, rows, xy_sum, ankle_y, nans, vis_sum, world_sum,
                                                  contacts, leg_px, strides):
    track, truth = synthetic_run(**kwargs)
    assert len(track) == rows
    assert float(np.nansum(track.xy_px)) == pytest.approx(xy_sum, rel=1e-12)
    assert float(track.xy_px[10, L.LEFT_ANKLE, 1]) == pytest.approx(ankle_y, rel=1e-12)
    assert int(np.isnan(track.xy_px).sum()) == nans
    assert float(np.nansum(track.visibility)) == pytest.approx(vis_sum, rel=1e-12)
    assert float(np.nansum(track.world_m)) == pytest.approx(world_sum, rel=1e-9)
    np.testing.assert_allclose(truth.contacts["right"][:2], contacts, atol=1e-8)
    assert (truth.leg_px["left"], truth.leg_px["right"]) == pytest.approx(leg_px, rel=1e-12)
    assert len(truth.strides) == strides
    assert not truth.repeated.any() and truth.repeated.shape == (rows,)
    np.testing.assert_array_equal(truth.capture_s, track.t_s)


def test_the_new_options_at_their_defaults_change_nothing():
    rec = dict(fps=30, duration_s=3, noise_px=2.0, dropout_rate=0.05, swaps=1, seed=5)
    a, _ = synthetic_run(recording=Recording(**rec))
    b, _ = synthetic_run(recording=Recording(**rec, hold_frames=1, repeat_every=0, far_hidden_share=0.0))
    for name in ("t_s", "frame_index", *ARRAYS):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


# -- repeated pictures ---------------------------------------------------------------------------------
def _expected_repeats(n: int, hold: int, every: int) -> np.ndarray:
    rows = np.arange(n)
    if every:
        return rows % every == 1  # rows 1, N+1, 2N+1, ...: every Nth frame repeats the one before
    return rows % hold != 0


REPEATS = [
    pytest.param(30.0, 3, 0, id="30fps-hold3"),
    pytest.param(240.0, 8, 0, id="240fps-hold8"),
    pytest.param(30.0, 1, 6, id="30fps-every6"),
    pytest.param(60.0, 1, 2, id="60fps-every2"),
]


@pytest.mark.parametrize("fps,hold,every", REPEATS)
def test_repeated_rows_are_exact_copies_and_the_truth_says_which(fps, hold, every):
    rec = Recording(fps=fps, duration_s=2.0, noise_px=2.0, dropout_rate=0.05, swaps=1, seed=3,
                    hold_frames=hold, repeat_every=every)
    track, truth = synthetic_run(recording=rec)
    n = len(track)
    np.testing.assert_array_equal(truth.repeated, _expected_repeats(n, hold, every))
    rep = np.flatnonzero(truth.repeated)
    new = np.flatnonzero(~truth.repeated)[1:]
    for name in ARRAYS:
        arr = getattr(track, name)
        np.testing.assert_array_equal(arr[rep], arr[rep - 1], err_msg=name)  # NaN where NaN, visibility too
    # A new picture is new: with noise, no landmark keeps its value.
    assert np.all(np.any(track.xy_px[new] != track.xy_px[new - 1], axis=(1, 2)))
    # Frame times still advance at 1/fps.
    np.testing.assert_allclose(np.diff(track.t_s), 1.0 / fps, rtol=1e-9)


@pytest.mark.parametrize("fps,hold,every", REPEATS)
def test_each_row_shows_the_motion_when_its_picture_was_captured(fps, hold, every):
    track, truth = synthetic_run(recording=Recording(fps=fps, duration_s=2.0, hold_frames=hold, repeat_every=every))
    t, cap = track.t_s, truth.capture_s
    assert np.all(cap <= t + 1e-12), "a frame shows a picture captured after it"
    pictures = np.unique(cap)
    assert pictures.size == int((~truth.repeated).sum())
    # Pictures are captured evenly: fps / hold, or fps·(N-1)/N for a conversion.
    rate = fps / hold if not every else fps * (every - 1) / every
    np.testing.assert_allclose(np.diff(pictures), 1.0 / rate, rtol=1e-9)
    # ... and a frame shows the latest picture captured by its time.
    latest = pictures[np.searchsorted(pictures, t + 1e-12, side="right") - 1]
    np.testing.assert_allclose(cap, latest, atol=1e-12)
    np.testing.assert_allclose(track.xy_px, truth.xy_at(cap), atol=1e-9)


@pytest.mark.parametrize("hold", [2, 3, 5])
def test_held_pictures_keep_the_motion_s_event_times(hold):
    plain_track, plain = synthetic_run(recording=Recording(fps=30, duration_s=4.0))
    track, held = synthetic_run(recording=Recording(fps=30, duration_s=4.0, hold_frames=hold))
    for side in ("left", "right"):
        np.testing.assert_array_equal(held.contacts[side], plain.contacts[side])
        np.testing.assert_array_equal(held.toe_offs[side], plain.toe_offs[side])
        for tc in held.contacts[side]:
            row = held.first_frame_showing(tc)
            if row is None:  # after the last picture
                assert held.capture_s[-1] < tc
                continue
            # The first frame showing a picture captured at or after the contact: a new picture,
            # less than `hold` frames after the contact, and the picture before it was earlier.
            assert not held.repeated[row] and held.capture_s[row] >= tc - 1e-9
            assert row == 0 or held.capture_s[row - 1] < tc
            assert 0 <= track.t_s[row] - tc < hold / 30.0
            assert plain.first_frame_showing(tc) == int(np.ceil(tc * 30.0 - 1e-9))


# -- far leg hidden ------------------------------------------------------------------------------------
def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


@pytest.mark.parametrize("share,seed", [(0.2, 0), (0.5, 1), (0.5, 2), (0.8, 3)], ids=lambda v: str(v))
def test_far_leg_is_hidden_on_about_the_share_asked(share, seed):
    fps = 60.0
    rec = dict(fps=fps, duration_s=8.0, noise_px=1.0, seed=seed)
    track, _ = synthetic_run(recording=Recording(**rec, far_hidden_share=share))
    plain, _ = synthetic_run(recording=Recording(**rec))
    hidden = np.isnan(track.xy_px[:, L.LEFT_ANKLE, 0])
    assert hidden.mean() == pytest.approx(share, abs=FAR_HIDDEN_S[0] / 8.0 + 0.01)
    # The whole far leg below the hip, everywhere at once, with every array saying so.
    for lm in FAR_LEFT_LEG:
        np.testing.assert_array_equal(np.isnan(track.xy_px[:, lm]).all(axis=1), hidden)
        assert np.isnan(track.z[hidden, lm]).all() and np.isnan(track.world_m[hidden, lm]).all()
        assert (track.visibility[hidden, lm] == 0).all()
    # Nothing else changes: the near leg, the far hip, the rest of the body and the noise.
    others = [k for k in range(track.xy_px.shape[1]) if k not in FAR_LEFT_LEG]
    np.testing.assert_array_equal(track.xy_px[:, others], plain.xy_px[:, others])
    np.testing.assert_array_equal(track.xy_px[~hidden], plain.xy_px[~hidden])
    # Separate spans of 0.2-0.6 s (to a frame).
    for a, b in _runs(hidden):
        assert FAR_HIDDEN_S[0] - 1.5 / fps <= (b - a) / fps <= FAR_HIDDEN_S[1] + 1.5 / fps, (a, b)


def test_far_leg_hiding_is_seeded_and_follows_the_far_side():
    def hidden(seed, camera=Camera()):
        track, _ = synthetic_run(camera=camera, recording=Recording(fps=30, duration_s=6, far_hidden_share=0.4,
                                                                  seed=seed))
        return np.isnan(track.xy_px[:, :, 0])

    np.testing.assert_array_equal(hidden(7), hidden(7))
    assert not np.array_equal(hidden(7), hidden(8))
    near_left = hidden(7, Camera(facing=-1))  # the left side faces the camera: the right leg is lost
    right_leg = [int(L.RIGHT_KNEE), int(L.RIGHT_ANKLE), int(L.RIGHT_HEEL), int(L.RIGHT_FOOT_INDEX)]
    assert near_left[:, right_leg].any() and not near_left[:, FAR_LEFT_LEG].any()


def test_far_leg_hidden_with_held_pictures_is_held_too():
    track, truth = synthetic_run(recording=Recording(fps=30, duration_s=6, hold_frames=3, far_hidden_share=0.5,
                                                     noise_px=1.0, seed=4))
    lost = np.isnan(track.xy_px[:, L.LEFT_ANKLE, 0])
    rep = np.flatnonzero(truth.repeated)
    np.testing.assert_array_equal(lost[rep], lost[rep - 1])
    assert 0.35 <= lost.mean() <= 0.65


# -- arguments -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs,match", [
    (dict(hold_frames=0), "hold_frames"),
    (dict(hold_frames=1.5), "hold_frames"),
    (dict(repeat_every=1), "repeat_every"),
    (dict(repeat_every=-6), "repeat_every"),
    (dict(far_hidden_share=1.5), "far_hidden_share"),
    (dict(far_hidden_share=-0.1), "far_hidden_share"),
])
def test_bad_recordings_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Recording(**kwargs)


def test_far_leg_hidden_needs_a_side_view():
    with pytest.raises(ValueError, match="far_hidden_share needs a side view"):
        synthetic_run(RunnerParams(), Camera(view="rear"), Recording(far_hidden_share=0.3))
