"""The synthetic athlete's movements beyond the first glute catalog (tests/synthetic_athlete.py: the donkey
kick and hip thrust, now in the catalog, and `OUTSIDE_CATALOG_VIEWS`), from every view the generator
renders: the generator's own geometry and timing against exact answers -- rigid
segments, feet and hands where they should be, knee and hip angles at the peak, the donkey kick's
sagittal hip extension, the walking lunge's travel, the jump's ballistic flight, reps as planned.
The analysis (an activity timeline saying "another exercise") is tested elsewhere."""

from __future__ import annotations

import math

import numpy as np
import pytest
from synthetic_athlete import (
    APPLICABLE_FAULTS,
    OUTSIDE_CATALOG_VIEWS,
    SUPPORTED_VIEWS,
    CameraSpec,
    RecordingSpec,
    RepPlan,
    default_plan,
    generator_views,
    make_exercise_clip,
)
from synthetic_athlete_poses import (
    GRAVITY_M_S2,
    HIP_THRUST_REST_HIP_H,
    HIP_THRUST_SHOULDER_H,
    JUMP_HEIGHT_M,
    JUMP_PUSH_S,
    OTHER,
    QUAD_SHOULDER_RISE,
    Body,
    jump_flight_s,
    lunge_step_m,
)

from formcheck.landmarks import Landmark as L

CLEAN = RecordingSpec(noise_frac=0.0, world_noise_m=0.0)
BODY = Body()
LUNGES = ("forward_lunge", "reverse_lunge", "walking_lunge", "walking_lunge_dumbbells")
WALKING = ("walking_lunge", "walking_lunge_dumbbells")
MOVEMENTS = ("donkey_kick", "hip_thrust") + LUNGES + tuple(OUTSIDE_CATALOG_VIEWS)
COMBOS = [(ex, view) for ex in MOVEMENTS for view in generator_views(ex)]
PARTIAL = 0.3
EPS = 1e-9


def _ids(combo) -> str:
    return "-".join(combo)


def _plan(exercise: str) -> RepPlan:
    """Short plans, each with one partial rep (index 1 or 2)."""
    if exercise in LUNGES:
        return RepPlan.alternating(4, first="right", partial={2: PARTIAL}, move_s=2.0, hold_s=0.3, pause_s=0.5)
    if exercise in ("donkey_kick", "standing_kickback"):
        return RepPlan.switch(3, first="right", partial={1: PARTIAL}, move_s=1.6, hold_s=0.4, pause_s=0.5)
    if exercise == "hip_thrust":
        return RepPlan.simple("both", 4, partial={2: PARTIAL}, move_s=1.6, hold_s=0.6, pause_s=0.5)
    return RepPlan.simple("both", 4, partial={2: PARTIAL}, move_s=2.0, hold_s=0.0, pause_s=0.5)


@pytest.fixture(scope="module", params=COMBOS, ids=_ids)
def clip(request):
    """(exercise, view, plan, noisy track with dropouts, noise-free track, truth)."""
    ex, view = request.param
    plan = _plan(ex)
    track, truth = make_exercise_clip(ex, view, plan, recording=RecordingSpec(dropout_rate=0.01, seed=5))
    clean, _ = make_exercise_clip(ex, view, plan, recording=CLEAN)
    return ex, view, plan, track, clean, truth


# -- helpers ----------------------------------------------------------------------------------------------------
def _lm(side: str, name: str) -> int:
    return int(L[f"{side.upper()}_{name}"])


def _mid(p, a, b):
    return (p[..., int(a), :] + p[..., int(b), :]) / 2


def _heights(truth, t) -> np.ndarray:
    """(N, 33) heights above the floor, metres: the camera is level at height_m, camera y points down."""
    return truth.clip.height_m - truth.points_at(t)[..., 1]


def _knee_flexion_deg(p: np.ndarray, side: str) -> np.ndarray:
    """180 - the 3-D angle hip-knee-ankle, degrees; p (N, 33, 3)."""
    h, k, a = (p[:, _lm(side, n)] for n in ("HIP", "KNEE", "ANKLE"))
    u, v = h - k, a - k
    cos = np.sum(u * v, -1) / np.linalg.norm(u, axis=-1) / np.linalg.norm(v, axis=-1)
    return 180.0 - np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def _outside_switches(truth, t: np.ndarray) -> np.ndarray:
    keep = np.ones(t.shape, dtype=bool)
    for a, b in truth.switches:
        keep &= (t < a) | (t > b)
    return keep


def _rep_times(rep, n: int = 61) -> np.ndarray:
    return np.linspace(rep.start_s, rep.end_s, n)


def _count_excursions(signal: np.ndarray, lo: float = 0.3, hi: float = 0.7) -> int:
    """Excursions from the first value above hi x the largest, back below lo (hysteresis)."""
    r = (signal - signal[0]) / np.max(signal - signal[0])
    n, up = 0, False
    for v in r:
        if not up and v > hi:
            n, up = n + 1, True
        elif up and v < lo:
            up = False
    return n


def _progress(exercise: str, truth, t: np.ndarray) -> np.ndarray:
    """A 1-D signal that rises with each rep, from noise-free 3-D landmarks (view independent)."""
    h = _heights(truth, t)
    hip = (h[:, int(L.LEFT_HIP)] + h[:, int(L.RIGHT_HIP)]) / 2
    if exercise == "donkey_kick":     # the working knee rises (only one moves)
        return np.maximum(h[:, int(L.LEFT_KNEE)], h[:, int(L.RIGHT_KNEE)])
    if exercise == "hip_thrust":
        return hip
    if exercise == "jump_squat":      # the feet leave the floor
        return np.min(h[:, 27:33], axis=1)
    if exercise == "standing_kickback":   # the kicking foot rises behind
        return np.maximum(h[:, int(L.LEFT_ANKLE)], h[:, int(L.RIGHT_ANKLE)])
    return -hip                       # lunges: the hips go down


def _axes(world: np.ndarray):
    """Body axes (N, 3) from world landmarks: right (left -> right hip), superior (hip-mid -> shoulder-mid,
    square to right), anterior = superior x right."""
    right = world[:, int(L.RIGHT_HIP)] - world[:, int(L.LEFT_HIP)]
    right /= np.linalg.norm(right, axis=-1, keepdims=True)
    sup = _mid(world, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - _mid(world, L.LEFT_HIP, L.RIGHT_HIP)
    sup -= np.sum(sup * right, -1, keepdims=True) * right
    sup /= np.linalg.norm(sup, axis=-1, keepdims=True)
    return right, sup, np.cross(sup, right)


def _thigh_in_body_axes(world: np.ndarray, side: str) -> np.ndarray:
    """(N, 3) unit thigh direction (hip -> knee) as (right, superior, anterior) components."""
    right, sup, ant = _axes(world)
    th = world[:, _lm(side, "KNEE")] - world[:, _lm(side, "HIP")]
    th /= np.linalg.norm(th, axis=-1, keepdims=True)
    return np.stack([np.sum(th * a, -1) for a in (right, sup, ant)], -1)


# -- registry ---------------------------------------------------------------------------------------------------
def test_registered_outside_the_catalog():
    assert set(OUTSIDE_CATALOG_VIEWS) == {"jump_squat", "standing_kickback"}
    assert {"donkey_kick", "hip_thrust", "forward_lunge", "reverse_lunge", "walking_lunge"} <= set(SUPPORTED_VIEWS)
    assert generator_views("walking_lunge_dumbbells") == SUPPORTED_VIEWS["walking_lunge"]   # a variant
    assert generator_views("donkey_kick") == ("side", "foot_end", "head_end")   # head_end: no checks from there
    assert not set(OUTSIDE_CATALOG_VIEWS) & set(SUPPORTED_VIEWS)
    assert not set(OUTSIDE_CATALOG_VIEWS) & set(APPLICABLE_FAULTS)
    for ex in MOVEMENTS:
        views = generator_views(ex)
        assert "side" in views and ({"front", "foot_end", "head_end"} & set(views)), ex


@pytest.mark.parametrize("exercise", MOVEMENTS)
def test_default_plans_render_in_frame(exercise):
    for view in generator_views(exercise):
        track, truth = make_exercise_clip(exercise, view, recording=CLEAN)
        assert len(truth.full_reps) == default_plan(exercise).num_full
        w, h = track.frame_size
        box = np.ptp(track.xy_px.reshape(-1, 2), axis=0)
        assert 0.3 <= np.max(box) / max(w, h) <= 0.7 and np.all(box <= (0.91 * w, 0.91 * h)), (view, box)


# -- one clip per movement and view ------------------------------------------------------------------------------
def test_track_shapes_in_frame_and_hip_centred(clip):
    ex, view, plan, track, clean, truth = clip
    n = len(track)
    assert track.xy_px.shape == (n, 33, 2) and track.z.shape == (n, 33) and track.world_m.shape == (n, 33, 3)
    dropped = track.visibility == 0
    assert 0.003 < dropped.mean() < 0.02
    assert np.array_equal(np.isnan(track.xy_px).any(axis=-1), dropped)
    assert np.array_equal(np.isnan(track.world_m).any(axis=-1), dropped)
    assert np.all(np.isfinite(clean.xy_px)) and np.all(np.isfinite(clean.world_m))
    w, h = track.frame_size
    assert np.all((clean.xy_px[..., 0] > 0) & (clean.xy_px[..., 0] < w)
                  & (clean.xy_px[..., 1] > 0) & (clean.xy_px[..., 1] < h)), "athlete leaves the frame"
    assert np.allclose(clean.xy_px, truth.xy_at(clean.t_s))
    assert np.allclose(_mid(clean.world_m, L.LEFT_HIP, L.RIGHT_HIP), 0.0, atol=1e-9)
    cam = truth.points_at(clean.t_s)
    assert np.allclose(clean.world_m, cam - _mid(cam, L.LEFT_HIP, L.RIGHT_HIP)[:, None], atol=1e-9)


SEGMENTS = [  # (a, b, length m); "MID" pairs are hip-mid -> shoulder-mid
    *[((s, "HIP"), (s, "KNEE"), BODY.thigh_m) for s in ("left", "right")],
    *[((s, "KNEE"), (s, "ANKLE"), BODY.shank_m) for s in ("left", "right")],
    *[((s, "SHOULDER"), (s, "ELBOW"), BODY.upper_arm_m) for s in ("left", "right")],
    *[((s, "ELBOW"), (s, "WRIST"), BODY.forearm_m) for s in ("left", "right")],
    *[((s, "ANKLE"), (s, "HEEL"), math.hypot(0.05, 0.07)) for s in ("left", "right")],
    *[((s, "ANKLE"), (s, "FOOT_INDEX"), math.hypot(0.16, 0.07)) for s in ("left", "right")],
    *[((s, "HEEL"), (s, "FOOT_INDEX"), 0.21) for s in ("left", "right")],
    (("left", "HIP"), ("right", "HIP"), BODY.hip_width_m),
    (("left", "SHOULDER"), ("right", "SHOULDER"), BODY.shoulder_width_m),
    (("left", "EAR"), ("right", "EAR"), 0.15),
]


def test_segment_lengths_are_constant(clip):
    ex, view, plan, track, clean, truth = clip
    world = clean.world_m[_outside_switches(truth, clean.t_s)]   # the side-switch blends are not rigid
    for (sa, na), (sb, nb), length in SEGMENTS:
        d = np.linalg.norm(world[:, _lm(sa, na)] - world[:, _lm(sb, nb)], axis=-1)
        assert np.allclose(d, length, atol=1e-9), (sa, na, sb, nb, d.min(), d.max())
    trunk = np.linalg.norm(_mid(world, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - _mid(world, L.LEFT_HIP, L.RIGHT_HIP),
                           axis=-1)
    assert np.allclose(trunk, BODY.trunk_m, atol=1e-9)


def test_reps_count_and_times_as_planned(clip):
    ex, view, plan, track, clean, truth = clip
    assert truth.exercise == ex and len(truth.reps) == len(plan.reps) and len(truth.full_reps) == plan.num_full
    assert [r.partial for r in truth.reps] == [r.partial for r in plan.reps]
    assert [r.side for r in truth.reps] == [r.side for r in plan.reps]
    assert truth.reps[0].start_s >= 1.0 and track.t_s[-1] - truth.reps[-1].end_s >= 1.0 - 1 / 30
    for rep, spec in zip(truth.reps, plan.reps):
        assert rep.end_s - rep.start_s == pytest.approx(spec.move_s + spec.hold_s)
        assert rep.peak_s - rep.start_s == pytest.approx(spec.move_s / 2 + spec.hold_s / 2)
        assert rep.hold_s == spec.hold_s and rep.faults == ()
    for a, b in zip(truth.reps[:-1], truth.reps[1:]):
        assert b.start_s >= a.end_s
    assert len(truth.switches) == (1 if ex in ("donkey_kick", "standing_kickback") else 0)   # lunges alternate
    if ex in LUNGES:
        assert all(a.side == OTHER[b.side] for a, b in zip(truth.reps[:-1], truth.reps[1:]))


def test_one_excursion_per_full_rep_peaking_at_the_peak(clip):
    ex, view, plan, track, clean, truth = clip
    sig = _progress(ex, truth, clean.t_s)
    assert _count_excursions(sig) == plan.num_full
    base, top = sig[0], np.max(sig)
    for rep in truth.reps:
        t = _rep_times(rep, 201)
        s = _progress(ex, truth, t)
        assert np.max(s) == pytest.approx(_progress(ex, truth, np.array([rep.peak_s]))[0], abs=1e-9)
        assert _progress(ex, truth, np.array([rep.start_s, rep.end_s])) == pytest.approx([base, base], abs=1e-9)
        if rep.partial:
            assert np.max(s) - base < 0.5 * (top - base)


def test_feet_and_hands_on_the_floor(clip):
    ex, view, plan, track, clean, truth = clip
    t = clean.t_s[_outside_switches(truth, clean.t_s)]
    h = _heights(truth, t)
    assert np.min(h) > -EPS, "a landmark goes through the floor"
    heel_toe = [_lm(s, n) for s in ("left", "right") for n in ("HEEL", "FOOT_INDEX")]
    for rep in truth.reps:
        hs = _heights(truth, np.array([rep.start_s, rep.peak_s, rep.end_s]))
        if truth.posture == "standing":   # both feet flat at rest
            assert np.allclose(hs[[0, 2]][:, heel_toe], 0.0, atol=EPS)
        if ex in LUNGES:
            front, rear = rep.side, OTHER[rep.side]
            assert np.allclose(hs[1, [_lm(front, "HEEL"), _lm(front, "FOOT_INDEX"), _lm(rear, "FOOT_INDEX")]], 0.0,
                               atol=EPS)
            assert hs[1, _lm(rear, "HEEL")] > (0.15 if not rep.partial else 0.03)   # on the toes
            move = rep.end_s - rep.start_s - rep.hold_s
            planted = {_lm(front, "FOOT_INDEX"): (rep.start_s + move / 4, rep.end_s)}   # touch-down -> end
            lift_off = rep.end_s - move / 4 if ex in WALKING else rep.end_s
            planted[_lm(rear, "FOOT_INDEX")] = (rep.start_s, lift_off)                 # the rear toe pivots
            if ex == "reverse_lunge":   # the front foot stays all rep; the rear toes from touch-down to lift-off
                whole = (rep.start_s, rep.end_s)
                planted = {_lm(front, "FOOT_INDEX"): whole, _lm(front, "HEEL"): whole,
                           _lm(rear, "FOOT_INDEX"): (rep.start_s + move / 4, rep.end_s - move / 4)}
                back = truth.clip.body_points(np.array([rep.start_s, rep.peak_s]))[:, _lm(rear, "FOOT_INDEX"), 0]
                assert back[0] - back[1] == pytest.approx(lunge_step_m(BODY), abs=1e-9)   # a step back
            for lm, (a, b) in planted.items():
                if ex == "forward_lunge" and lm == _lm(front, "FOOT_INDEX"):
                    b = rep.end_s - move / 4                                          # it steps back
                p = truth.points_at(np.linspace(a, b, 41))[:, lm]
                assert np.allclose(p, p[0], atol=1e-9), "a planted foot slides or lifts"
        elif ex == "donkey_kick":   # hands and the supporting knee stay down
            support = OTHER[rep.side]
            hr = _heights(truth, _rep_times(rep))
            for lm in (_lm(support, "KNEE"), _lm(support, "ANKLE"), int(L.LEFT_WRIST), int(L.RIGHT_WRIST)):
                assert np.allclose(hr[:, lm], hr[0, lm], atol=EPS) and hr[0, lm] < 0.075
        elif ex == "hip_thrust":    # feet flat, shoulders on the bench, hips from near the floor to the top
            hr = _heights(truth, _rep_times(rep))
            assert np.allclose(hr[:, heel_toe], 0.0, atol=EPS)
            assert np.allclose(hr[:, [int(L.LEFT_SHOULDER), int(L.RIGHT_SHOULDER)]], HIP_THRUST_SHOULDER_H, atol=EPS)
            hip = (hs[:, int(L.LEFT_HIP)] + hs[:, int(L.RIGHT_HIP)]) / 2
            assert hip[0] == pytest.approx(HIP_THRUST_REST_HIP_H, abs=EPS)
            assert hip[1] > (HIP_THRUST_SHOULDER_H if not rep.partial else HIP_THRUST_REST_HIP_H + 0.05)
        elif ex == "jump_squat":
            feet = hs[:, 27:33]
            if rep.partial:
                assert np.allclose(_heights(truth, _rep_times(rep))[:, heel_toe], 0.0, atol=EPS)
            else:   # every foot landmark at least the jump height up at the apex, the toes exactly
                assert np.min(feet[1]) == pytest.approx(JUMP_HEIGHT_M, abs=1e-9)


def test_knee_angles(clip):
    ex, view, plan, track, clean, truth = clip
    for rep in truth.reps:
        full = not rep.partial
        p = truth.points_at(np.array([rep.start_s, rep.peak_s]))
        if truth.posture == "standing":   # standing tall at rest
            assert _knee_flexion_deg(p[:1], "left")[0] == pytest.approx(5.0, abs=0.1)
        if ex in LUNGES:
            target = 90.0 if full else 5.0 + 85.0 * PARTIAL
            for side in ("left", "right"):
                assert _knee_flexion_deg(p[1:], side)[0] == pytest.approx(target, abs=0.1)
        elif ex == "donkey_kick":   # the working knee stays at 90 deg all rep
            pr = truth.points_at(_rep_times(rep))
            assert np.allclose(_knee_flexion_deg(pr, rep.side), 90.0, atol=0.1)
        elif ex == "hip_thrust":
            if full:
                for side in ("left", "right"):
                    assert _knee_flexion_deg(p[1:], side)[0] == pytest.approx(90.0, abs=0.1)
                assert rep.values.hip_angle_deg == pytest.approx(180.0, abs=0.1)   # straight shoulder-hip-knee
            assert _knee_flexion_deg(p[:1], "left")[0] > 100.0   # hips down: the knees bend more
        elif ex == "jump_squat" and full:
            bottom = rep.peak_s - jump_flight_s() - JUMP_PUSH_S
            pb = truth.points_at(np.array([bottom, rep.peak_s]))
            for side in ("left", "right"):
                assert _knee_flexion_deg(pb, side) == pytest.approx([90.0, 5.0], abs=0.1)


# -- specifics ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("view", generator_views("donkey_kick"))
def test_donkey_kick_extends_the_hip_in_the_sagittal_plane(view):
    """In world landmarks, the working thigh turns within the body's anterior-superior plane (from
    pointing at the floor, anterior, to pointing back in line with the trunk: 90 deg less the trunk's
    rise to the shoulders) and never along its left-right axis; the fire hydrant, measured the same
    way, abducts."""
    plan = RepPlan.switch(2, first="left", hold_s=0.3)
    track, truth = make_exercise_clip("donkey_kick", view, plan, recording=CLEAN)
    for rep in truth.reps:
        i = (track.t_s >= rep.start_s) & (track.t_s <= rep.end_s)
        th = _thigh_in_body_axes(track.world_m[i], rep.side)
        assert np.max(np.abs(th[:, 0])) < 1e-9, "the thigh leaves the sagittal plane"
        ends = _thigh_in_body_axes(truth.points_at(np.array([rep.start_s, rep.peak_s])), rep.side)
        angle = np.degrees(np.arctan2(-ends[:, 1], ends[:, 2]))   # from anterior towards inferior
        rise = math.degrees(math.asin(QUAD_SHOULDER_RISE / BODY.trunk_m))
        assert angle[1] - angle[0] == pytest.approx(90.0 - rise, abs=0.1)
        assert ends[1, 1] < -0.95 and abs(ends[0, 2]) > 0.95    # back along the trunk at the top, down at rest
        assert rep.values.hip_angle_deg == pytest.approx(180.0, abs=1e-6)   # the thigh in line with the trunk
    track, truth = make_exercise_clip("fire_hydrant", "foot_end", RepPlan.simple("left", 1), recording=CLEAN)
    rep = truth.reps[0]
    i = int(np.argmin(np.abs(track.t_s - rep.peak_s)))
    assert abs(_thigh_in_body_axes(track.world_m[i:i + 1], "left")[0, 0]) > 0.6


@pytest.mark.parametrize("exercise", WALKING)
def test_walking_lunge_travels_forward(exercise):
    plan = RepPlan.alternating(4, first="left", partial={2: PARTIAL}, move_s=2.0, hold_s=0.3)
    step = lunge_step_m(BODY)
    _, truth = make_exercise_clip(exercise, "side", plan, recording=CLEAN)
    clip = truth.clip
    for k, rep in enumerate(truth.reps):
        b = clip.body_points(np.array([rep.start_s, rep.peak_s, rep.end_s]))
        hip_x = _mid(b, L.LEFT_HIP, L.RIGHT_HIP)[:, 0]
        assert hip_x[2] - hip_x[0] == pytest.approx(step, abs=1e-9)     # a partial rep steps as far
        front, rear = rep.side, OTHER[rep.side]
        ankle = {s: b[:, _lm(s, "ANKLE"), 0] for s in (front, rear)}
        assert ankle[front][1] - ankle[rear][1] > 0.8 * step             # split stance at the bottom
        assert ankle[rear][2] == pytest.approx(ankle[front][2], abs=1e-9)   # the rear foot came through
        assert ankle[rear][2] - ankle[rear][0] == pytest.approx(step, abs=1e-9)
        if k + 1 < len(truth.reps):
            assert truth.reps[k + 1].side == rear                       # ... and leads the next lunge
        hips = _mid(clip.body_points(_rep_times(rep, 201)), L.LEFT_HIP, L.RIGHT_HIP)[:, 0]
        assert np.min(np.diff(hips)) > -0.002 and np.min(hips - hips[0]) > -0.01   # never back
    # the camera sees it: across the image from the side, growing from the front, shrinking from the rear
    sizes = {}
    for view in ("side", "front", "rear"):
        track, tr = make_exercise_clip(exercise, view, plan, recording=CLEAN)
        xy = track.xy_px
        hip = _mid(xy, L.LEFT_HIP, L.RIGHT_HIP)
        if view == "side":
            assert abs(hip[-1, 0] - hip[0, 0]) > 0.5 * tr.athlete_px
        sizes[view] = np.linalg.norm(xy[:, int(L.LEFT_SHOULDER)] - xy[:, int(L.RIGHT_SHOULDER)], axis=-1)
    assert sizes["front"][-1] > 1.2 * sizes["front"][0] and sizes["rear"][-1] < 0.85 * sizes["rear"][0]


def test_forward_lunge_stays_in_place_and_dumbbells_hang():
    plan = RepPlan.alternating(2, move_s=2.0, hold_s=0.3)
    _, truth = make_exercise_clip("forward_lunge", "front", plan, recording=CLEAN)
    b = truth.clip.body_points(np.array([truth.reps[0].start_s, truth.reps[-1].end_s]))
    assert np.allclose(b[0], b[1], atol=1e-9)
    _, truth = make_exercise_clip("walking_lunge_dumbbells", "front", plan, recording=CLEAN)
    rep = truth.reps[0]
    h = _heights(truth, _rep_times(rep))
    for side in ("left", "right"):   # wrists below the hips, hanging under the shoulders
        assert np.all(h[:, _lm(side, "WRIST")] < h[:, _lm(side, "HIP")])
        p = truth.clip.body_points(_rep_times(rep))
        off = p[:, _lm(side, "WRIST")] - p[:, _lm(side, "SHOULDER")]
        assert np.all(np.hypot(off[:, 0], off[:, 2]) < 0.12)


def test_jump_squat_flight_is_ballistic():
    plan = RepPlan.simple("both", 2, move_s=2.4, hold_s=0.0)
    _, truth = make_exercise_clip("jump_squat", "side", plan, recording=CLEAN)
    rep = truth.reps[0]
    dt = 1e-3
    t = np.arange(rep.start_s, rep.end_s + dt / 2, dt)
    h = _heights(truth, t)
    hip = (h[:, int(L.LEFT_HIP)] + h[:, int(L.RIGHT_HIP)]) / 2
    air = np.min(h[:, 27:33], axis=1) > 1e-9
    t_f = jump_flight_s()
    assert t_f == pytest.approx(math.sqrt(2 * JUMP_HEIGHT_M / GRAVITY_M_S2))
    assert t[air][-1] - t[air][0] == pytest.approx(2 * t_f, abs=2 * dt)
    assert (t[air][0] + t[air][-1]) / 2 == pytest.approx(rep.peak_s, abs=dt)   # the apex is the peak
    acc = np.diff(hip, 2) / dt**2
    inside = air[1:-1] & air[:-2] & air[2:]
    assert np.allclose(acc[inside], -GRAVITY_M_S2, atol=0.05)
    v = np.diff(hip) / dt
    i0 = int(np.argmax(air))   # take-off: the hips leave at the flight's speed (no jump in velocity)
    assert v[i0 - 2] == pytest.approx(GRAVITY_M_S2 * t_f, rel=0.02) and v[i0 + 1] == pytest.approx(v[i0 - 2], rel=0.02)
    ground = ~air[1:-1] & ~air[:-2] & ~air[2:]
    assert np.max(np.abs(acc[ground])) < 2 * GRAVITY_M_S2   # smooth on the ground: no jumps in velocity


@pytest.mark.parametrize("call,match", [
    (lambda: make_exercise_clip("burpee", "side"), "exercise"),
    (lambda: make_exercise_clip("donkey_kick", "front"), "view"),
    (lambda: make_exercise_clip("hip_thrust", "front"), "view"),
    (lambda: make_exercise_clip("forward_lunge", "side", RepPlan.simple("both", 2)), "plan"),
    (lambda: make_exercise_clip("hip_thrust", "side", RepPlan.simple("left", 2)), "plan"),
    (lambda: make_exercise_clip("donkey_kick", "side", RepPlan.simple("left", 2, faults={0: "hip_hike"})), "plan"),
    (lambda: make_exercise_clip("jump_squat", "side", RepPlan.simple("both", 2, hold_s=0.3)), "plan"),
    (lambda: make_exercise_clip("jump_squat", "side", RepPlan.simple("both", 2, move_s=1.0, hold_s=0.0)), "plan"),
    (lambda: make_exercise_clip("walking_lunge", "front", RepPlan.alternating(4), CameraSpec(distance_m=2.0)),
     "camera"),
])
def test_errors_name_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()
