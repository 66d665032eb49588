"""Rear- and front-view gait events (formcheck.events.frontal) against the synthetic runner's exact
answers, and on a real rear-view clip.

Every case runs the pipeline's order: synthetic track -> `clean_track` -> events. A true event
counts as found when one detected event of the same foot and kind lies within MATCH_S; true events
within EDGE_S of the clip's ends may be missed, but no detected event may be unmatched anywhere.

Noise. 2 px (sd) on a 500 px runner, scaled with the runner's size in the image: a pose model's
error in pixels shrinks with the person (it reads a fixed-size crop), and overground the runner
goes from 4 m to 14 m from the camera in 4 s (3.5 times smaller). One test keeps 2 px fixed.

Timing tolerances (|detected - true|) and what we achieve (max over these cases, seeds 0-7, with
and without 3% dropouts; rear and front, treadmill and overground):

| fps     | contact | toe-off | achieved contact / toe-off                                  |
|---------|---------|---------|-------------------------------------------------------------|
| 25-30   | 50 ms   | 55 ms   | ~35 / ~50 ms at 25 fps, ~50 / ~25 ms at 30 fps (1.5 frames) |
| 60      | 35 ms   | 30 ms   | ~33 / ~20 ms (one 90 ms outlier in 160 with dropouts)       |
| 120-240 | 35 ms   | 25 ms   | ~32 / ~24 ms at 120, ~28 / ~10 ms at 240                    |

Since the synthetic runner lands as real heels do in a side view (furthest ahead of the hips at
contact, then slowing to the ground's speed over 50 ms), a rear camera sees the landing foot
still moving away for those 50 ms, rising in the image: contacts come ~20-30 ms early at
120-240 fps. On the real rear clip (park_run_rear_snow.mp4) they come ~1.2 frames (40 ms) before
the contacts marked by eye; cadence is unaffected (within 0.5% there).

Median errors are -11..+2 ms (contact) and -12..+8 ms (toe-off). Over seeds 0-7, with and without
dropouts, 250 of the 256 runs of the first test pass: two lose an early toe-off at 25 fps, two a
contact whose heel the clean stage left with a gap (dropped, not guessed), and with dropouts two
contacts come 51-56 ms (30 fps) and 90 ms (60 fps) late. Looser than a side view
(tests/test_gait_events.py): seen from behind or in front, landing is a change of the heel's
vertical speed of ~0.5 leg lengths/s on top of the descent's own slowing and of perspective drift.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from synthetic_runner import (
    Camera,
    Recording,
    RunnerParams,
    assert_events_on_time,
    match_events,
    synthetic_run,
    walking_params,
)
from synthetic_tracks import inject_gap

from formcheck.clean import clean_track
from formcheck.events.frontal import FRONTAL_VIEWS, detect_frontal_events, frontal_signals
from formcheck.events.gait import detect_gait_events, stances
from formcheck.landmarks import Landmark as L
from formcheck.metrics.gait_mode import gait_mode
from formcheck.metrics.running_rear import rear_view_stances

MATCH_S = 0.1
EDGE_S = 0.4
BODY_PX = 500.0  # the synthetic runner's standing height at 4 m


def tolerance_s(fps: float) -> dict[str, float]:
    if fps <= 30:
        return {"contact": 0.05, "toe_off": 0.055}
    if fps <= 60:
        return {"contact": 0.035, "toe_off": 0.03}
    return {"contact": 0.035, "toe_off": 0.025}


def frontal_run(view="rear", setting="treadmill", fps=30.0, noise_px=2.0, scaled_noise=True, dropout=0.0,
                params=None, duration_s=4.0, seed=0):
    """(raw track, cleaned track, truth): noise sd `noise_px` per 500 px of runner (scaled with the
    runner's image size unless `scaled_noise` is False), then `dropout` of (frame, landmark) cells
    missing (NaN, visibility 0); seeded."""
    params = params or RunnerParams()
    track, truth = synthetic_run(params, Camera(view=view),
                                 Recording(fps=fps, duration_s=duration_s, setting=setting, seed=seed))
    rng = np.random.default_rng(seed)
    xy, vis = track.xy_px.copy(), track.visibility.copy()
    if scaled_noise:
        trunk_px = np.linalg.norm((xy[:, L.LEFT_SHOULDER] + xy[:, L.RIGHT_SHOULDER]) / 2
                                  - (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2, axis=1)
        trunk_at_4m = BODY_PX * params.trunk_m * np.cos(np.radians(params.trunk_lean_deg)) / params.body_height_m
        sd = (noise_px * trunk_px / trunk_at_4m)[:, None, None]
    else:
        sd = noise_px
    xy += rng.normal(0.0, 1.0, xy.shape) * sd
    drop = rng.random(vis.shape) < dropout
    xy[drop], vis[drop] = np.nan, 0.0
    track = replace(track, xy_px=xy, visibility=vis)
    return track, clean_track(track).track, truth


def match(events, truth, kinds=("contact", "toe_off"), sides=("left", "right")):
    """(errors by kind, missed interior true events, unmatched detected events)."""
    return match_events(events, truth, MATCH_S, EDGE_S, kinds, sides)


def cadence_spm(events) -> float:
    """Steps per minute from the slope of contact time against step number (both feet; a missed
    contact skips a number)."""
    t = np.sort([e.t_s for e in events if e.kind == "contact"])
    step = np.round((t - t[0]) / np.median(np.diff(t)))
    return 60.0 / float(np.polyfit(step, t, 1)[0])


CASES = [pytest.param(dict(view=v, setting=s, fps=f), id=f"{v}-{s}-{f}fps")
         for v in FRONTAL_VIEWS for s in ("treadmill", "overground") for f in (25, 30, 60, 120)]
CASES += [
    pytest.param(dict(view="rear", setting="treadmill", fps=240), id="rear-treadmill-240fps"),
    pytest.param(dict(view="rear", setting="treadmill", fps=30, dropout=0.03, seed=3), id="rear-30fps-dropouts"),
    pytest.param(dict(view="front", setting="overground", fps=60, dropout=0.03, seed=4),
                 id="front-overground-60fps-dropouts"),
    pytest.param(dict(view="rear", setting="overground", fps=120, dropout=0.03, seed=5),
                 id="rear-overground-120fps-dropouts"),
]


@pytest.mark.parametrize("case", CASES)
def test_every_event_found_once_on_time_and_cadence_within_1pct(case):
    _, clean, truth = frontal_run(**case)
    events = detect_frontal_events(clean)
    errors, missed, extra = match(events, truth)
    assert_events_on_time(errors, missed, extra, tolerance_s(case["fps"]))
    assert {e.method for e in events} == {"frontal"}
    assert cadence_spm(events) == pytest.approx(truth.params.cadence_spm, rel=0.01)
    contacts = [e for e in events if e.kind == "contact"]
    assert all(a.side != b.side for a, b in zip(contacts[:-1], contacts[1:]))  # the feet alternate


@pytest.mark.parametrize("view", FRONTAL_VIEWS)
def test_detect_gait_events_hands_frontal_views_to_the_frontal_detector(view):
    _, clean, _ = frontal_run(view=view, fps=30)
    expected = detect_frontal_events(clean)
    assert detect_gait_events(clean, None, view=view) == expected
    assert detect_gait_events(clean, 1, method="frontal", view=view) == expected  # direction ignored


def test_fixed_pixel_noise_while_the_runner_shrinks():
    # 2 px whatever the runner's size: the runner is 500 px tall at first, 140 px after 4 s. Every
    # contact of the first 3 s (taller than ~170 px) is found on time, none is invented, and the
    # cadence is right; later a landing may be lost in the noise.
    _, clean, truth = frontal_run(view="rear", setting="overground", fps=30, scaled_noise=False)
    events = detect_frontal_events(clean)
    errors, missed, extra = match(events, truth, kinds=("contact",))
    assert not extra and not [m for m in missed if m[2] <= 3.0], (missed, extra)
    assert np.max(np.abs(errors["contact"])) <= 0.05
    assert cadence_spm(events) == pytest.approx(truth.params.cadence_spm, rel=0.01)


@pytest.mark.parametrize("view", FRONTAL_VIEWS)
@pytest.mark.parametrize("setting", ["treadmill", "overground"])
def test_stances_feed_rear_view_metrics_with_the_true_pelvic_drop(view, setting):
    # The runner model drops the swing side's hip by pelvic_drop_deg at midstance (a sin² bump over
    # the 0.25 s stance). Noise-free, the stance peak is that angle within 0.5°: the clean stage's
    # low-pass (7.5 Hz at 30 fps) rounds the bump's top and 30 fps samples it; with noise, single
    # stances scatter by a few degrees (2 px on a 52 px hip width) but their median stays within 1°.
    params = RunnerParams(pelvic_drop_deg=6.0)
    for noise, tol in ((0.0, 0.5), (2.0, None)):
        _, clean, truth = frontal_run(view=view, setting=setting, fps=30, noise_px=noise, params=params)
        events = detect_frontal_events(clean)
        st = stances(events, clean)
        assert len(st) >= 8
        for s in st:
            assert s.duration_s == pytest.approx(params.contact_s, abs=0.06)
        records = rear_view_stances(clean, st, view=view)
        drop = np.array([r.values["pelvic_drop_deg"] for r in records])
        assert np.all(np.isfinite(drop))
        if tol is not None:
            np.testing.assert_allclose(drop, params.pelvic_drop_deg, atol=tol)
        else:
            assert np.median(drop) == pytest.approx(params.pelvic_drop_deg, abs=1.0)
        cadence = np.array([r.values["cadence_spm"] for r in records[1:]])
        assert np.median(cadence) == pytest.approx(params.cadence_spm, rel=0.02)
        assert gait_mode(events).mode == "running"


def test_walking_from_behind_is_walking():
    # Double support: each foot lands before the other leaves. (From the front, a walker's foot
    # index hardly rises in the image, so toe-offs there are not found: a known limit.)
    # Through the product's entry point: a contact the frontal detector loses near the clip's end
    # (left, 3.95 s) is placed from the feet's alternation (events.stepping), 17 ms off.
    _, clean, truth = frontal_run(view="rear", fps=30, params=walking_params(), duration_s=5.0)
    events = detect_gait_events(clean, None, view="rear")
    errors, missed, extra = match(events, truth, kinds=("contact",))
    assert not missed and not extra
    assert np.max(np.abs(errors["contact"])) <= 0.05
    mode = gait_mode(events)
    assert mode.mode == "walking" and mode.confidence >= 0.8, mode


def test_a_foot_seen_poorly_gives_no_events_and_a_hidden_stance_loses_its_contact_only():
    raw, _, truth = frontal_run(view="rear", fps=60)
    vis = raw.visibility.copy()
    vis[:, [L.RIGHT_KNEE, L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX]] = 0.3
    events = detect_frontal_events(clean_track(replace(raw, visibility=vis)).track)
    assert events and {e.side for e in events} == {"left"}

    hidden = truth.contacts["left"][2]
    rows = np.flatnonzero(np.abs(raw.t_s - hidden) <= 0.15)
    events = detect_frontal_events(clean_track(inject_gap(raw, [L.LEFT_HEEL, L.LEFT_ANKLE], rows)).track)
    left = np.array([e.t_s for e in events if e.side == "left" and e.kind == "contact"])
    assert not np.any(np.abs(left - hidden) <= MATCH_S)
    for tt in truth.contacts["left"]:
        if tt != hidden and EDGE_S <= tt <= 4.0 - EDGE_S:
            assert np.any(np.abs(left - tt) <= MATCH_S), tt


def test_sub_frame_times_nearest_frame_and_confidence():
    _, clean, _ = frontal_run(view="front", fps=30)
    events = detect_frontal_events(clean)
    t = clean.t_s
    assert events == sorted(events, key=lambda e: e.t_s)
    assert sum(np.min(np.abs(t - e.t_s)) < 1e-9 for e in events) < len(events) / 4
    for e in events:
        assert e.frame == int(np.argmin(np.abs(t - e.t_s)))
        assert 0.5 <= e.confidence <= 1.0


def test_scale_follows_the_shrinking_runner():
    # Overground from behind the runner is 3.5 times smaller after 4 s; the scale (pixels per leg
    # length) follows the noise-free hip width frame by frame, within 5%.
    _, clean, truth = frontal_run(view="rear", setting="overground", fps=30)
    scale = frontal_signals(clean).scale_px
    true_xy = truth.xy_at(clean.t_s)
    hip_width = np.linalg.norm(true_xy[:, L.LEFT_HIP] - true_xy[:, L.RIGHT_HIP], axis=1)
    assert scale[0] / scale[-1] > 3.0
    ratio = scale / hip_width
    np.testing.assert_allclose(ratio, np.median(ratio), rtol=0.05)


def test_input_track_is_not_modified():
    raw, _, _ = frontal_run(view="rear", fps=30, dropout=0.02)
    before = raw.xy_px.copy(), raw.visibility.copy()
    detect_frontal_events(raw)
    np.testing.assert_array_equal(raw.xy_px, before[0])
    np.testing.assert_array_equal(raw.visibility, before[1])


def test_short_track_gives_no_events():
    track, _ = synthetic_run(RunnerParams(), Camera(view="rear"), Recording(fps=30, duration_s=0.1))
    assert detect_frontal_events(track) == []


@pytest.mark.parametrize("kwargs, match_text", [
    pytest.param({"view": "top"}, "view must be one of", id="bad-view"),
    pytest.param({"view": "rear", "method": "hybrid"}, "needs a side view", id="side-method-from-behind"),
    pytest.param({"view": "side", "method": "frontal"}, "view='rear'", id="frontal-method-from-the-side"),
    pytest.param({"view": "front", "min_visibility": 2.0}, "min_visibility", id="bad-visibility"),
])
def test_bad_arguments_raise(kwargs, match_text):
    track, _ = synthetic_run(RunnerParams(), Camera(view="rear"), Recording(fps=30, duration_s=1.0))
    with pytest.raises(ValueError, match=match_text):
        detect_gait_events(track, 1, **kwargs)
    with pytest.raises(ValueError, match="PoseTrack"):
        detect_frontal_events("not a track")


# -- real clips ------------------------------------------------------------------------------------
# park_run_rear_snow.mp4 (29.97 fps): a runner moving away from a fixed camera in a snowy park,
# large for the first ~4 s only. Contacts marked frame by frame on the video (the shoe lands and
# stops; ±1 frame): left ~9.5, 31, 54, 97; right ~21, 42.5, 65, 87.5. A stride of ~22 frames
# (~163 steps/min) with hardly any flight: each toe-off comes within a frame of the other foot's
# contact.
PARK_CONTACT_FRAMES = {"left": (9.5, 31.0, 54.0, 97.0), "right": (21.0, 42.5, 65.0, 87.5)}


@pytest.mark.real_clip
def test_real_rear_clip_contacts_cadence_and_pelvic_drop(shared_clip):
    from formcheck.pipeline import analyze_pose

    pose = analyze_pose(shared_clip("park_run_rear_snow.mp4"))
    track, fps = pose.track, pose.info.fps
    events = detect_gait_events(track, None, view="rear")
    first = [e for e in events if e.kind == "contact" and e.t_s <= 4.0]
    assert len(first) >= 8
    assert all(a.side != b.side for a, b in zip(first[:-1], first[1:]))  # the feet alternate
    for side, frames in PARK_CONTACT_FRAMES.items():
        found = np.array([e.t_s * fps for e in first if e.side == side])
        for f in frames:
            assert np.min(np.abs(found - f)) <= 2.0, (side, f, np.round(found, 1))
    assert 155.0 <= cadence_spm(first) <= 172.0
    records = [r for r in rear_view_stances(track, stances(events, track), view="rear") if r.contact.t_s <= 4.0]
    assert len(records) >= 8
    drop = np.array([r.values["pelvic_drop_deg"] for r in records])
    assert np.all(np.isfinite(drop)) and np.all(np.abs(drop) < 15.0)


@pytest.mark.real_clip
@pytest.mark.parametrize("clip, context, allowed", [
    pytest.param("sports2d_demo_walk_side.mp4", "overground", ("walking", "unknown"), id="walking-woman-overground"),
    pytest.param("home_treadmill_run_side.mp4", "treadmill", ("running",), id="treadmill-runner"),
])
def test_real_side_clip_gait_mode(shared_clip, clip, context, allowed):
    # The walker (picked by a point on her: the default athlete is the man on the roof) is well
    # tracked for ~3 s, then her legs' labels swap back and forth for ~1.5 s. Over her whole
    # track the hips lean to walking (74% of the weight of 4-5 steps) but not by the 75% asked,
    # and her feet's events split: "unknown" is the honest answer there, "running" would be
    # false. (This belongs with tests/test_gait_events.py; it lives here because this change
    # could not touch that file.)
    from formcheck.events.gait import side_view_hip_phase
    from formcheck.kinematics.direction import facing_direction
    from formcheck.pipeline import analyze_pose
    from real_clips import SPORTS2D_WALKER

    settings = SPORTS2D_WALKER if clip == "sports2d_demo_walk_side.mp4" else None
    track = analyze_pose(shared_clip(clip), settings).track
    direction = facing_direction(track, context)
    events = detect_gait_events(track, direction)
    hips = side_view_hip_phase(track, direction)
    assert hips.mode in allowed, hips
    mode = gait_mode(events, hips)
    assert mode.mode in allowed, mode
    # Contacts of both feet from the front-most heel (events.stepping), a missed one inferred.
    assert {e.method for e in events} <= {"front_heel", "inferred"}
    assert any(e.method == "front_heel" for e in events)