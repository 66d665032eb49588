"""Camera view, running context and running direction: synthetic known answers, then real clips.

Synthetic: a standing body seen from known yaw angles (view), and the kinematic
runner of tests/synthetic_runner.py on a treadmill or overground (context), with
hand-made `BackgroundFlow`s for a still or a following camera.

Real clips (../shared/clips; skipped, with the reason, where absent): real MediaPipe
through `analyze_pose`, background flow measured on the clip. The pose2sim views are
checked against what the frames show and against the cameras' calibration
(Pose2Sim/Demo_SinglePerson/calibration/Calib_scene.toml in the pose2sim 0.10.49 wheel):
with the subject facing the lab's +x axis, camera 1 sits ~53 deg to the subject's right
front, camera 2 ~15 deg to the left front, camera 3 ~36 deg off straight behind on the
left, camera 4 ~20 deg off straight behind on the right.
"""

from __future__ import annotations

import numpy as np
import pytest
from synthetic_runner import Camera, Recording, synthetic_run

from formcheck.kinematics.view import SET_BY_USER, estimate_view
from formcheck.landmarks import NUM_LANDMARKS
from formcheck.landmarks import Landmark as L
from formcheck.running.context import (
    CONTEXTS,
    athlete_boxes,
    running_context,
    running_direction,
)
from formcheck.track import PoseTrack
from formcheck.video.info import VideoInfo
from formcheck.video.motion import BackgroundFlow

# -- a standing body seen from a known yaw ---------------------------------------------------
# Metres: X = the subject's left, Y up, Z = where the subject faces. Hips are joint centres.
BODY = {
    L.NOSE: (0, 1.62, 0.10), L.LEFT_EYE: (0.03, 1.65, 0.08), L.RIGHT_EYE: (-0.03, 1.65, 0.08),
    L.LEFT_EAR: (0.075, 1.63, 0), L.RIGHT_EAR: (-0.075, 1.63, 0),
    L.MOUTH_LEFT: (0.025, 1.57, 0.09), L.MOUTH_RIGHT: (-0.025, 1.57, 0.09),
    L.LEFT_SHOULDER: (0.18, 1.45, 0), L.RIGHT_SHOULDER: (-0.18, 1.45, 0),
    L.LEFT_HIP: (0.09, 0.95, 0), L.RIGHT_HIP: (-0.09, 0.95, 0),
    L.LEFT_KNEE: (0.09, 0.5, 0.03), L.RIGHT_KNEE: (-0.09, 0.5, 0.03),
    L.LEFT_ANKLE: (0.09, 0.08, 0), L.RIGHT_ANKLE: (-0.09, 0.08, 0),
    L.LEFT_HEEL: (0.09, 0.03, -0.06), L.RIGHT_HEEL: (-0.09, 0.03, -0.06),
    L.LEFT_FOOT_INDEX: (0.09, 0.01, 0.15), L.RIGHT_FOOT_INDEX: (-0.09, 0.01, 0.15),
}


# MediaPipe's z spreads wider than x: on real frontal clips the nose reads 1.0-1.5 torso
# lengths in front of the shoulders, 5-7x its true ~0.2.
DEPTH_GAIN = 5.0


def standing(yaw_deg: float, n: int = 30, noise_px: float = 2.0, px_per_m: float = 400.0,
             seed: int = 0) -> PoseTrack:
    """Orthographic; yaw 0 = faces the camera, +90 = faces image-right, 180 = back to the camera.
    z is MediaPipe-like: pixels (times DEPTH_GAIN), smaller = nearer the camera."""
    rng = np.random.default_rng(seed)
    yaw = np.deg2rad(yaw_deg)
    xy = np.full((n, NUM_LANDMARKS, 2), np.nan)
    z = np.full((n, NUM_LANDMARKS), np.nan)
    vis = np.zeros((n, NUM_LANDMARKS))
    for landmark, (x, y, f) in BODY.items():
        xy[:, landmark] = (640 + px_per_m * (x * np.cos(yaw) + f * np.sin(yaw)), 900 - px_per_m * y)
        z[:, landmark] = DEPTH_GAIN * px_per_m * (x * np.sin(yaw) - f * np.cos(yaw))
        vis[:, landmark] = 0.95
    xy += rng.normal(0, noise_px, xy.shape)
    return PoseTrack(np.arange(n) / 30, xy, z, vis, np.full((n, NUM_LANDMARKS, 3), np.nan), np.arange(n),
                     (1280, 960))


def _angle_diff(a: float, b: float) -> float:
    return abs((a - b + 180) % 360 - 180)


@pytest.mark.parametrize("yaw, view, facing, facing_camera", [
    (0, "front", None, True), (20, "front", None, True), (180, "rear", None, False),
    (-160, "rear", None, False), (90, "side", "right", None), (-90, "side", "left", None),
    (75, "side", "right", None), (-105, "side", "left", None),
    (55, "oblique", "right", True), (-125, "oblique", "left", False),
], ids=lambda v: str(v))
def test_view_from_known_yaw(yaw, view, facing, facing_camera):
    got = estimate_view(standing(yaw))
    assert (got.view, got.facing, got.facing_camera) == (view, facing, facing_camera)
    assert got.source == "auto" and got.auto_view == view and got.frames == 30
    assert _angle_diff(got.yaw_deg, yaw) < 15
    assert got.confidence >= (0.9 if view != "oblique" else 0.8)


def test_rear_view_with_mediapipe_style_swapped_labels_stays_rear():
    # From behind MediaPipe may label the near-image-left shoulder "right": the left/right
    # order then says "front", the nose depth still says "rear" and outvotes it (2:1).
    track = standing(180).mirrored_left_right()
    got = estimate_view(track)
    assert got.view == "rear" and got.facing_camera is False
    assert got.front_agreement == pytest.approx(2 / 3, abs=0.01)
    assert 0.5 < got.confidence < 0.8  # the disagreement shows in the confidence


def test_view_is_judged_on_the_frames_where_the_runner_is_large():
    # 10 large rear-view frames, then 20 where the runner is tiny and the widths are junk.
    far = standing(90, n=20, noise_px=0.0, px_per_m=40.0)
    near = standing(180, n=10)
    track = PoseTrack(np.arange(30) / 30, np.concatenate([near.xy_px, far.xy_px]),
                      np.concatenate([near.z, far.z]), np.concatenate([near.visibility, far.visibility]),
                      np.full((30, NUM_LANDMARKS, 3), np.nan), np.arange(30), (1280, 960))
    got = estimate_view(track)
    assert got.view == "rear" and got.frames == 10


@pytest.mark.parametrize("override, facing_camera", [("side", None), ("rear", False), ("front", True)])
def test_view_override_is_respected_and_reported(override, facing_camera):
    got = estimate_view(standing(-90), view=override)
    assert got.view == override and got.source == SET_BY_USER and got.confidence == 1.0
    assert got.facing_camera is facing_camera
    assert got.facing == ("left" if override == "side" else None)  # still measured for side
    assert got.auto_view == "side" and SET_BY_USER in got.reason and "looks side" in got.reason


def test_view_unknown_without_a_torso_and_bad_arguments():
    got = estimate_view(PoseTrack.empty(10))
    assert got.view == "unknown" and got.confidence == 0.0 and got.frames == 0
    with pytest.raises(ValueError, match="view must be one of"):
        estimate_view(standing(0), view="top")
    with pytest.raises(ValueError, match="min_visibility"):
        estimate_view(standing(0), min_visibility=1.5)


# -- context on the synthetic runner ----------------------------------------------------------
def fake_info(track: PoseTrack) -> VideoInfo:
    """A VideoInfo for a track with no clip behind it (only sizes and times are read)."""
    w, h = track.frame_size
    return VideoInfo(path="synthetic.mp4", file_size_bytes=0, container="mp4", codec="h264", width=w, height=h,
                     rotation_deg=0, frame_count=len(track), duration_s=track.duration_s, fps=track.fps,
                     is_variable_frame_rate=False, timestamps_s=track.t_s - track.t_s[0])


def flow_of(track: PoseTrack, vx_px_s: float, reliability: float = 1.0) -> BackgroundFlow:
    """A measured background moving at `vx_px_s` between every pair of frames."""
    n = len(track) - 1
    return BackgroundFlow(frame_index=track.frame_index[1:], t_s=(track.t_s[1:] + track.t_s[:-1]) / 2,
                          dt_s=np.diff(track.t_s), velocity_px_s=np.tile([vx_px_s, 0.0], (n, 1)),
                          reliability=np.full(n, reliability), inliers=np.full(n, 100),
                          picture_box_px=(0, 0, *track.frame_size), stride=1, work_scale=1.0)


def run(view="side", facing=1, setting="treadmill", duration_s=4.0, projection="pinhole", seed=0):
    camera = Camera(view=view, facing=facing, projection=projection)
    track, _ = synthetic_run(camera=camera, recording=Recording(setting=setting, fps=30, duration_s=duration_s,
                                                                 noise_px=1.0, seed=seed))
    return track


@pytest.mark.parametrize("facing", [1, -1], ids=["faces-right", "faces-left"])
def test_treadmill_side_view(facing):
    track = run(facing=facing)
    view = estimate_view(track)
    assert (view.view, view.facing) == ("side", "right" if facing == 1 else "left")
    ctx = running_context(fake_info(track), track, motion=flow_of(track, 0.0), view=view)
    assert ctx.kind == "treadmill" and ctx.confidence >= 0.9 and ctx.source == "auto"
    ev = ctx.evidence
    assert abs(ev.hip_speed_l_s) < 0.1 and ev.travel == 0.0 and ev.background == 0.0
    # The belt carries the stance foot back at the running speed (~2.6 m/s, ~2.9 leg lengths/s).
    assert 2.0 < ev.stance_backward_l_s < 4.0 and ev.stance == 1.0
    assert "stance foot slides back" in ctx.reason
    assert running_direction(track, ctx).sign == facing


def test_overground_fixed_camera_side_view():
    track = run(setting="overground", duration_s=1.5, projection="orthographic")
    ctx = running_context(fake_info(track), track, motion=flow_of(track, 0.0))
    assert ctx.kind == "overground_fixed" and ctx.confidence >= 0.9
    assert ctx.evidence.hip_speed_l_s > 2.0  # ~2.6 m/s over a 0.9 m leg
    assert abs(ctx.evidence.stance_backward_l_s) < 0.4  # the planted foot stays put
    direction = running_direction(track, ctx)
    assert direction.sign == 1 and direction.method == "hip motion"


def test_camera_following_the_runner():
    # The runner stays in place in the picture (like the treadmill track) while the
    # background flows right at ~2 leg lengths/s: the camera turns left with a runner facing left.
    track = run(facing=-1)
    ctx = running_context(fake_info(track), track, motion=flow_of(track, 500.0))
    assert ctx.kind == "overground_panning" and ctx.confidence >= 0.9
    assert "camera following the runner" in ctx.reason
    direction = running_direction(track, ctx, motion=flow_of(track, 500.0))
    assert direction.sign == -1 and direction.method.startswith("background flow")
    assert direction.confidence == 1.0 and np.nanmean(direction.per_frame) == -1
    # Flow that contradicts the nose is followed, with half the confidence.
    odd = running_direction(track, ctx, motion=flow_of(track, -500.0))
    assert odd.sign == 1 and odd.confidence == 0.5 and "nose points the other way" in odd.method
    # Without a measured flow: the nose.
    assert running_direction(track, ctx).method == "nose ahead of hips"


def test_unreliable_background_counts_as_unknown():
    track = run(facing=-1)
    ctx = running_context(fake_info(track), track, motion=flow_of(track, 500.0, reliability=0.05))
    assert ctx.evidence.background == 0.5
    assert ctx.kind == "treadmill" and ctx.confidence <= 0.5


def test_rear_view_running_away_and_on_a_treadmill():
    away = run(view="rear", setting="overground", duration_s=3.0)
    ctx = running_context(fake_info(away), away, motion=flow_of(away, 0.0))
    assert estimate_view(away).view == "rear"
    assert ctx.kind == "overground_fixed" and ctx.confidence >= 0.9
    assert ctx.evidence.scale_rate_per_s < -0.1  # shrinking as the runner leaves
    tread = run(view="rear")
    ctx = running_context(fake_info(tread), tread, motion=flow_of(tread, 0.0))
    assert ctx.kind == "treadmill" and ctx.confidence == pytest.approx(0.75, abs=0.05)
    assert np.isnan(ctx.evidence.stance_backward_l_s) and "cannot be seen from this view" in ctx.reason


def test_without_background_motion_in_place_is_uncertain():
    track = run()
    ctx = running_context(fake_info(track), track, measure_background=False)
    assert ctx.kind == "treadmill" and ctx.confidence == 0.5
    assert "not measured" in ctx.reason


def test_context_overrides():
    overground = run(setting="overground", duration_s=1.5, projection="orthographic")
    info = fake_info(overground)
    ctx = running_context(info, overground, context="treadmill", motion=flow_of(overground, 0.0))
    assert (ctx.kind, ctx.confidence, ctx.source) == ("treadmill", 1.0, SET_BY_USER)
    assert ctx.auto_kind == "overground_fixed" and SET_BY_USER in ctx.reason
    ctx = running_context(info, overground, context="overground", motion=flow_of(overground, 0.0))
    assert ctx.kind == "overground_fixed" and ctx.source == SET_BY_USER
    in_place = run(facing=-1)
    ctx = running_context(fake_info(in_place), in_place, context="overground", motion=flow_of(in_place, 500.0))
    assert ctx.kind == "overground_panning" and ctx.confidence == 1.0 and "follows the runner" in ctx.reason
    with pytest.raises(ValueError, match="context must be one of"):
        running_context(info, overground, context="track")
    with pytest.raises(ValueError, match="context must be one of"):
        running_direction(overground, "indoor")


def test_too_few_frames_gives_no_confidence():
    empty = PoseTrack.empty(5, frame_size=(640, 480))
    ctx = running_context(fake_info(empty), empty, measure_background=False)
    assert ctx.kind in CONTEXTS and ctx.confidence == 0.0


def test_athlete_boxes_cover_the_landmarks_by_frame_index():
    track = run(duration_s=1.0)
    track = track.with_arrays(frame_index=track.frame_index + 5)  # rows are not frame numbers
    xy = track.xy_px.copy()
    xy[3] = np.nan
    track = track.with_arrays(xy_px=xy)
    boxes = athlete_boxes(track, len(track) + 10)
    assert boxes.shape == (len(track) + 10, 4)
    assert np.isnan(boxes[:5]).all() and np.isnan(boxes[5 + 3]).all() and np.isnan(boxes[-5:]).all()
    row = 7
    assert np.allclose(boxes[5 + row], [*np.nanmin(track.xy_px[row], 0), *np.nanmax(track.xy_px[row], 0)])


# -- real clips -----------------------------------------------------------------------------
@pytest.fixture(scope="session")
def real(shared_clip, tmp_path_factory):
    """name -> (analysis, view, flow, context, direction), each clip analysed once per session
    (its own pose cache, so no other test's or the user's results are read)."""
    from formcheck.cache import PoseCache
    from formcheck.pipeline import analyze_pose
    from formcheck.video.motion import background_flow

    cache = PoseCache(tmp_path_factory.mktemp("running_context_pose"))
    done = {}

    def get(name: str):
        if name not in done:
            from real_clips import SPORTS2D_WALKER

            # The walking woman on the Sports2D clip; the default athlete is the man on the roof.
            settings = SPORTS2D_WALKER if name == "sports2d_demo_walk_side.mp4" else None
            analysis = analyze_pose(shared_clip(name), settings, cache=cache)
            track, info = analysis.track, analysis.info
            view = estimate_view(track)
            flow = background_flow(info, athlete_boxes(track, info.frame_count), stride=2)
            ctx = running_context(info, track, motion=flow, view=view)
            done[name] = (analysis, view, flow, ctx, running_direction(track, ctx, motion=flow))
        return done[name]
    return get


def _confidences_in_range(view, ctx, direction):
    for value in (view.confidence, ctx.confidence, direction.confidence):
        assert 0.0 <= value <= 1.0


@pytest.mark.real_clip
@pytest.mark.parametrize("clip, facing, kind, sign", [
    ("home_treadmill_run_side.mp4", "left", "treadmill", -1),
    ("track_sprint_side_fixed.mp4", "right", "overground_fixed", 1),
    ("track_run_side_pan.mp4", "left", "overground_panning", -1),
    ("sports2d_demo_walk_side.mp4", "left", "overground_fixed", -1),
])
def test_real_side_clips(real, clip, facing, kind, sign):
    _, view, flow, ctx, direction = real(clip)
    _confidences_in_range(view, ctx, direction)
    assert (view.view, view.facing) == ("side", facing) and view.confidence >= 0.7
    assert ctx.kind == kind and ctx.confidence >= 0.9, ctx.reason
    assert direction.sign == sign and direction.confidence >= 0.9
    assert flow.reliable().mean() >= 0.9


@pytest.mark.real_clip
def test_real_treadmill_stance_foot_slides_back_and_the_garage_is_still(real):
    _, _, flow, ctx, _ = real("home_treadmill_run_side.mp4")
    assert np.all(np.abs(flow.median_velocity_px_s()) < 1.0)
    assert 2.0 < ctx.evidence.stance_backward_l_s < 4.5  # belt speed in leg lengths/s
    assert abs(ctx.evidence.hip_speed_l_s) < 0.1


@pytest.mark.real_clip
def test_real_panning_clip_flow_and_player_border(real):
    analysis, _, flow, ctx, direction = real("track_run_side_pan.mp4")
    vx, vy = flow.median_velocity_px_s()
    assert 250 < vx < 420 and abs(vy) < 20  # the scene slides right as the camera turns left
    x0, y0, x1, y1 = flow.picture_box_px
    assert y0 >= 20 and y1 <= 660  # status bar and player controls left out
    # The first ~1.1 s the player is paused (a still picture): those pairs read zero.
    paused = flow.frame_index < 34
    assert np.all(np.abs(flow.velocity_px_s[paused & flow.reliable(), 0]) < 5)
    assert direction.method.startswith("background flow")
    assert abs(ctx.evidence.hip_speed_l_s) < 0.3  # the camera keeps the runner in the picture


@pytest.mark.real_clip
def test_real_rear_clip_runner_leaving_a_fixed_camera(real):
    analysis, view, flow, ctx, direction = real("park_run_rear_snow.mp4")
    _confidences_in_range(view, ctx, direction)
    assert view.view == "rear" and view.facing_camera is False and view.confidence >= 0.8
    # Judged on the frames where the runner is large (the first seconds).
    used = view.frames
    assert 0 < used < 0.5 * len(analysis.track)
    assert ctx.kind == "overground_fixed" and ctx.confidence >= 0.9
    assert ctx.evidence.scale_rate_per_s < -0.05
    assert np.all(np.abs(flow.median_velocity_px_s()) < 1.0)


@pytest.mark.real_clip
@pytest.mark.parametrize("clip, views, facing_camera, facing, yaw_deg", [
    # What the frames show (and the calibration, module docstring, gives as yaw):
    ("pose2sim_single_cam01.mp4", ("oblique",), True, "right", 53),       # chest, turned ~50 deg
    ("pose2sim_single_cam02.mp4", ("front",), True, None, -15),           # chest, nearly square-on
    ("pose2sim_single_cam03.mp4", ("rear", "oblique"), False, None, -144),  # back, turned ~35 deg
    ("pose2sim_single_cam04.mp4", ("rear", "oblique"), False, None, 160),   # back, turned ~20 deg
], ids=["cam01", "cam02", "cam03", "cam04"])
def test_real_pose2sim_views(real, clip, views, facing_camera, facing, yaw_deg):
    _, view, _, ctx, direction = real(clip)
    _confidences_in_range(view, ctx, direction)
    assert view.view in views and view.facing_camera is facing_camera
    if view.view == "oblique":
        assert view.facing == ("right" if yaw_deg > 0 else "left")
    if facing is not None:
        assert view.facing == facing
    assert np.sign(view.yaw_deg) == np.sign(yaw_deg)
    assert _angle_diff(view.yaw_deg, yaw_deg) < 45
    assert view.confidence >= 0.3
