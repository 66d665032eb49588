"""The clip's time base: repeated frames from the pixels (video.repeats), new pictures only and slow
motion (events.timebase), cadence from all the steps (events.cadence). Exact answers on built
inputs; the real clips' figures are in tests/test_running_events_real.py."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.events.cadence import (
    NO_CADENCE,
    PERIOD_AGREEMENT,
    cadence_from_contacts,
    steps_in_gap,
)
from formcheck.events.model import GaitEvent
from formcheck.events.timebase import (
    HELD_SHARE,
    MIN_RUNNING_SPM,
    ClipTiming,
    clip_timing,
    judge_time_base,
    on_clip_rows,
    unique_images,
)
from formcheck.track import PoseTrack
from formcheck.video.cuts import frame_signature, halved, signature_of_halved
from formcheck.video.repeats import (
    MAX_HELD_RUN,
    change_level,
    held_runs,
    repeated_frames,
    small_grey,
)


# -- repeated frames from the pixels ------------------------------------------------------------------
def _moving_frames(n: int, hold: int = 1, every: int = 0, size=(180, 320), seed=0) -> list[np.ndarray]:
    """A textured background (fixed camera) with a bright box crossing it, one new position per
    picture; each picture shown `hold` times, or every `every`-th frame a repeat of the last."""
    rng = np.random.default_rng(seed)
    background = rng.integers(40, 90, size=(*size, 3), dtype=np.uint8)
    frames, picture = [], 0
    for i in range(n):
        if hold > 1:
            picture = i // hold
        elif every and i % every == every - 1:
            pass  # show the last picture again
        else:
            picture = i
        img = background.copy()
        x = 10 + 4 * picture % (size[1] - 40)
        img[60:120, x:x + 24] = 230
        # Codec noise: a repeated picture is not bit-identical after re-encoding.
        noise = rng.integers(-1, 2, size=img.shape)
        frames.append(np.clip(img.astype(np.int16) + noise, 0, 255).astype(np.uint8))
    return frames


def _changes(frames) -> np.ndarray:
    out, prev = [], None
    for f in frames:
        g = small_grey(halved(f))
        out.append(change_level(prev, g))
        prev = g
    return np.array(out)


@pytest.mark.parametrize("hold", [2, 3, 5, 10])
def test_held_pictures_are_repeats(hold):
    rep = repeated_frames(_changes(_moving_frames(60, hold=hold)))
    expected = np.array([i % hold != 0 for i in range(60)])
    # The first picture's showings and a last one still held at the end are not confirmed: no
    # jump into (the clip starts) or out of (it ends) the run.
    expected[:hold] = False
    expected[60 - (60 % hold or hold) + 1:] = False
    np.testing.assert_array_equal(rep, expected)
    assert set(held_runs(rep).tolist()) == {hold}


def test_a_frame_rate_conversion_repeats_one_in_six():
    rep = repeated_frames(_changes(_moving_frames(60, every=6)))
    np.testing.assert_array_equal(np.flatnonzero(rep), np.arange(5, 59, 6))  # frame 59 ends the clip


def test_normal_video_and_a_still_scene_have_no_repeats():
    assert not repeated_frames(_changes(_moving_frames(60))).any()
    still = [_moving_frames(1)[0]] * 30
    assert not repeated_frames(_changes(still)).any()  # nothing enters or leaves: a still scene


def test_a_subject_that_slows_and_stops_is_no_repeat():
    # Change levels falling smoothly to codec noise and staying there: no jump on either side.
    changes = np.concatenate(([np.nan], np.linspace(60, 2, 20), np.full(30, 1.0)))
    assert not repeated_frames(changes).any()
    # A pause longer than any held run, between motion: not a repeat either.
    changes = np.concatenate(([np.nan], np.full(10, 60.0), np.full(MAX_HELD_RUN + 1, 0.5), np.full(10, 60.0)))
    assert not repeated_frames(changes).any()


def test_unknown_changes_never_make_repeats():
    assert not repeated_frames([np.nan, np.nan, 0.0, np.nan]).any()
    with pytest.raises(ValueError):
        repeated_frames(np.zeros((3, 2)))


def test_signature_from_halved_is_the_signature():
    img = _moving_frames(1)[0]
    np.testing.assert_array_equal(frame_signature(img), signature_of_halved(halved(img)))


# -- new pictures only --------------------------------------------------------------------------------
def _track(t: np.ndarray, x: np.ndarray | None = None) -> PoseTrack:
    n = t.size
    xy = np.zeros((n, 33, 2)) if x is None else np.repeat(x[:, None, None], 33, axis=1).repeat(2, axis=2)
    return PoseTrack(t_s=t, xy_px=xy, z=np.zeros((n, 33)), visibility=np.ones((n, 33)),
                     world_m=np.zeros((n, 33, 3)), frame_index=np.arange(n) + 100, frame_size=(640, 360))


def test_unique_images_drop_repeats_and_retime_evenly():
    fps, n = 30.0, 60
    t = np.arange(n) / fps
    repeated = np.zeros(n, bool)
    repeated[5::6] = True  # 25 pictures a second shown at 30 frames a second
    images = unique_images(_track(t), repeated)
    assert len(images.track) == n - repeated.sum()
    np.testing.assert_array_equal(images.rows, np.flatnonzero(~repeated))
    # Retimed evenly: the intervals of the first showings were 1/30 and 2/30, now ~1/25 each.
    inner = np.diff(images.track.t_s)[5:-5]
    assert np.allclose(inner, 1 / 25, atol=0.002)
    assert images.held == pytest.approx(60 / 50)
    assert images.repeated_share == pytest.approx(10 / 60)


def test_no_repeats_keep_the_track_itself():
    track = _track(np.arange(10) / 30)
    images = unique_images(track, None)
    assert images.track is track and images.held == 1.0
    events = [GaitEvent("contact", "left", 3, 0.1, 1.0)]
    assert on_clip_rows(events, images) is events


def test_events_map_back_to_the_clips_rows():
    t = np.arange(30) / 30
    repeated = np.array([i % 3 != 0 for i in range(30)])
    repeated[0] = False
    images = unique_images(_track(t), repeated)
    e = GaitEvent("contact", "left", 4, float(images.track.t_s[4]), 1.0)
    assert on_clip_rows([e], images)[0].frame == 12  # picture 4 is first shown on row 12


def test_clip_timing_maps_frames_to_rows():
    track = _track(np.arange(10) / 30)  # frame_index 100..109
    timing = clip_timing(track, repeated_frames=(102, 103, 200), cut_frames=(105, 100, 999), slow_motion_hint="")
    np.testing.assert_array_equal(np.flatnonzero(timing.repeated), [2, 3])
    assert timing.cuts == (5,)
    assert clip_timing(track).repeated is None


# -- slow motion --------------------------------------------------------------------------------------
def _cadence(spm: float, steps: int = 10):
    return cadence_from_contacts([GaitEvent("contact", "left" if i % 2 else "right", i, i * 60 / spm, 1.0)
                                  for i in range(steps + 1)])


def test_slow_motion_from_held_pictures():
    t = np.arange(90) / 30
    repeated = np.array([i % 3 != 0 for i in range(90)])
    images = unique_images(_track(t), repeated)
    assert images.repeated_share >= HELD_SHARE
    base = judge_time_base(ClipTiming(repeated), images, _cadence(80), "unknown", rate_given=False)
    assert base.slow_motion and "3.0 times" in base.reason and "--capture-fps" in base.reason
    # Too few steps to tell the rate: held pictures say slow motion.
    assert judge_time_base(ClipTiming(repeated), images, _cadence(170, steps=2), "running", False).slow_motion
    # The steps on the new pictures come at a jogger's rate: a low-frame-rate capture, not slowed.
    assert not judge_time_base(ClipTiming(repeated), images, _cadence(170), "running", rate_given=False).slow_motion
    # Given the capture rate, times are real time: nothing to flag.
    assert not judge_time_base(ClipTiming(repeated), images, _cadence(80), "unknown", rate_given=True).slow_motion


def test_slow_motion_from_a_running_stride_at_a_walking_rate():
    images = unique_images(_track(np.arange(90) / 30), None)
    slow = judge_time_base(ClipTiming(), images, _cadence(80), "running", False)
    assert slow.slow_motion and "80 steps/min" in slow.reason
    # Walking at 80, or the hips undecided, or too few steps: no claim.
    assert not judge_time_base(ClipTiming(), images, _cadence(80), "walking", False).slow_motion
    assert not judge_time_base(ClipTiming(), images, _cadence(80), "unknown", False).slow_motion
    assert not judge_time_base(ClipTiming(), images, _cadence(80, steps=2), "running", False).slow_motion
    assert not judge_time_base(ClipTiming(), images, _cadence(MIN_RUNNING_SPM + 30), "running", False).slow_motion
    # Slower than anyone walks: slow motion whatever the hips say (a 10x slowed runner).
    crawl = judge_time_base(ClipTiming(), images, _cadence(18, steps=3), "unknown", False)
    assert crawl.slow_motion and "18 steps/min" in crawl.reason
    # Slower than the slowest walk over several steps, even with the hips reading walking (a
    # jogger slowed 3x by an editor's blended frames: 56 in video time): slow motion.
    for hips in ("walking", "unknown"):
        dawdle = judge_time_base(ClipTiming(), images, _cadence(56), hips, False)
        assert dawdle.slow_motion and "56 steps/min" in dawdle.reason and "slower than anyone walks" in dawdle.reason
    assert not judge_time_base(ClipTiming(), images, _cadence(56, steps=3), "walking", False).slow_motion
    hint = judge_time_base(ClipTiming(slow_motion_hint="This looks like slow motion: x."), images, NO_CADENCE,
                           "unknown", False)
    assert hint.slow_motion and hint.reason == "This looks like slow motion: x."


# -- cadence from all the steps -----------------------------------------------------------------------
def _contacts(times, sides=None):
    sides = sides or ["right" if i % 2 == 0 else "left" for i in range(len(times))]
    return [GaitEvent("contact", s, i, float(t), 1.0) for i, (t, s) in enumerate(zip(times, sides))]


def test_cadence_is_steps_over_time():
    est = cadence_from_contacts(_contacts(np.arange(21) * 0.35), stride_s=0.7)
    assert est.spm == pytest.approx(60 / 0.35)
    assert (est.steps, est.inferred, est.contacts, est.stretches) == (20, 0, 21, 1)
    assert est.ci95[0] < est.spm < est.ci95[1]
    assert est.agrees and est.period_spm == pytest.approx(60 / 0.35)


def test_missed_contacts_still_count_as_steps():
    times = np.arange(21) * 0.35
    keep = [i for i in range(21) if i not in (5, 11, 12)]  # one missed, then two in a row
    est = cadence_from_contacts(_contacts(times[keep], [("right", "left")[i % 2] for i in keep]), stride_s=0.7)
    assert est.steps == 20 and est.inferred == 3
    assert est.spm == pytest.approx(60 / 0.35)


def test_one_foot_only_counts_both_feet_steps():
    # The far foot never seen: consecutive contacts of one foot are two steps apart.
    est = cadence_from_contacts(_contacts(np.arange(10) * 0.7, ["right"] * 10))
    assert est.steps == 18 and est.spm == pytest.approx(60 / 0.35)


def test_the_feet_order_settles_an_ambiguous_gap():
    assert steps_in_gap(0.35 * 1.5, 0.35, same_foot=True) == 2
    assert steps_in_gap(0.35 * 1.5, 0.35, same_foot=False) == 1
    assert steps_in_gap(0.35 * 2.6, 0.35, same_foot=False) == 3
    assert steps_in_gap(0.35 * 0.3, 0.35, same_foot=False) == 0  # a duplicate


def test_a_cut_or_a_long_gap_splits_the_count():
    times = np.concatenate([np.arange(10) * 0.35, 10 + np.arange(10) * 0.35])
    est = cadence_from_contacts(_contacts(times), stride_s=0.7)
    assert est.stretches == 2 and est.steps == 18 and est.spm == pytest.approx(60 / 0.35)
    cut = cadence_from_contacts(_contacts(np.arange(20) * 0.35), stride_s=0.7, cut_times=(3.4,))
    assert cut.stretches == 2 and cut.steps == 18


def test_a_period_that_disagrees_is_said():
    est = cadence_from_contacts(_contacts(np.arange(21) * 0.35), stride_s=0.7 * (1 + 3 * PERIOD_AGREEMENT))
    assert not est.agrees


def test_too_few_contacts_give_no_cadence():
    assert cadence_from_contacts(_contacts([1.0])) is NO_CADENCE
    assert not np.isfinite(cadence_from_contacts([]).spm)


# -- the running analysis of a slowed-down runner -------------------------------------------------------
@pytest.mark.parametrize("slow, fps", [(1, 30.0), (5, 120.0), (10, 240.0)])
def test_a_slowed_runner_is_said_to_be_slow_motion_not_timed(slow, fps):
    from dataclasses import replace
    from types import SimpleNamespace

    from synthetic_runner import Camera, Recording, RunnerParams, synthetic_run
    from test_properties import fake_info

    from formcheck.clean import clean_track
    from formcheck.running.analysis import RunningOptions, analyze_running_track

    track, _ = synthetic_run(RunnerParams(), Camera(), Recording(fps=fps, duration_s=12.0 / slow, noise_px=1.0))
    track = clean_track(replace(track, t_s=track.t_s * slow)).track
    run = analyze_running_track(SimpleNamespace(track=track, info=fake_info(track)),
                                RunningOptions(view="side", context="treadmill"), ClipTiming())
    # Counted right in video time either way; said slow motion, and no time given, when slowed.
    assert run.cadence.spm == pytest.approx(170.0 / slow, rel=0.02)
    assert run.time_base.slow_motion == (slow > 1)
    assert ("cadence_spm" in run.summary) == (slow == 1)


@pytest.mark.parametrize("fps", [30.0, 60.0, 120.0])
def test_held_pictures_of_real_time_motion_are_timed_and_of_slowed_motion_are_not(fps):
    from dataclasses import replace
    from types import SimpleNamespace

    from synthetic_runner import Camera, Recording, RunnerParams, synthetic_run
    from test_properties import fake_info

    from formcheck.clean import clean_track
    from formcheck.running.analysis import RunningOptions, analyze_running_track

    def analysed(track, repeated):
        clean = clean_track(track).track
        return analyze_running_track(SimpleNamespace(track=clean, info=fake_info(clean)),
                                     RunningOptions(view="side", context="treadmill"), ClipTiming(repeated))

    # A camera taking fps/3 pictures a second, stored at fps: real time, each picture held 3 frames.
    track, truth = synthetic_run(RunnerParams(), Camera(), Recording(fps=fps, duration_s=6.0, noise_px=1.0,
                                                                     hold_frames=3))
    low_rate = analysed(track, truth.repeated)
    assert not low_rate.time_base.slow_motion
    assert low_rate.summary["cadence_spm"].median == pytest.approx(170.0, rel=0.01)
    if fps >= 60:  # 20+ pictures a second: the contact between two is placed within a frame
        found = np.array([e.t_s for e in low_rate.events if e.kind == "contact" and e.method != "inferred"])
        true = np.sort(np.concatenate([truth.contacts["left"], truth.contacts["right"]]))
        true = true[(true > 0.4) & (true < 5.6)]
        errors = np.array([np.min(np.abs(found - t)) for t in true])
        assert np.mean(errors <= 1.0 / fps) >= 0.9, np.round(errors * 1000, 1)
    # Captured at fps and stored 3 times slower by showing each picture 3 times: slow motion.
    track, _ = synthetic_run(RunnerParams(), Camera(), Recording(fps=fps, duration_s=2.0, noise_px=1.0))
    rows = np.repeat(np.arange(len(track)), 3)
    n = rows.size
    slowed = replace(track, t_s=np.arange(n) / fps, frame_index=np.arange(n, dtype=np.int64),
                     xy_px=track.xy_px[rows], z=track.z[rows], visibility=track.visibility[rows],
                     world_m=track.world_m[rows])
    run = analysed(slowed, np.arange(n) % 3 != 0)
    assert run.time_base.slow_motion and "3.0 times" in run.time_base.reason
    assert "cadence_spm" not in run.summary
