"""The synthetic athlete (tests/synthetic_athlete.py) itself: tables against docs/exercises.md, track
shapes and framing, timing, rep signals, the truth against the rendered pixels, injected fault sizes,
postures, visibility, seeding and argument errors. The analysis is tested elsewhere."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from synthetic_athlete import (
    APPLICABLE_FAULTS,
    DEFAULT_FAULT_SIZE,
    QUANTITY_VIEWS,
    SUPPORTED_VIEWS,
    CameraSpec,
    RecordingSpec,
    RepPlan,
    RepSpec,
    default_plan,
    fault_quantity,
    make_exercise_clip,
    quantity_views,
    supporting_side,
    unsupported_side,
)
from synthetic_athlete_poses import EXERCISE_MODELS

from formcheck.landmarks import Landmark as L

DOCS = Path(__file__).resolve().parent.parent / "docs" / "exercises.md"
COMBOS = [(ex, view) for ex, views in SUPPORTED_VIEWS.items() for view in views]
TWO_LEGGED = ("glute_bridge", "squat", "hip_thrust")
WALKS = ("lateral_band_walk", "monster_walk")
CLEAN = RecordingSpec(noise_frac=0.0, world_noise_m=0.0)
FAULT_COMBOS = [(ex, f, view) for ex, faults in APPLICABLE_FAULTS.items() for f in faults
                for view in SUPPORTED_VIEWS[ex]]


def _ids(combo) -> str:
    return "-".join(combo)


def _plan(exercise: str, **kw) -> RepPlan:
    """Short plans: 2 reps per side (3 two-legged, 4 alternating steps), a partial rep, holds."""
    kw.setdefault("hold_s", 0.4)
    kw.setdefault("move_s", 1.6)
    kw.setdefault("pause_s", 0.5)
    if exercise in TWO_LEGGED:
        return RepPlan.simple("both", 4, partial={2: 0.3}, **kw)
    if exercise == "monster_walk" or EXERCISE_MODELS[exercise].alternates:   # walks, lunges
        return RepPlan.alternating(5, partial={2: 0.3}, **kw)
    return RepPlan.switch(3, first="right", partial={1: 0.3}, **kw)


@pytest.fixture(scope="module", params=COMBOS, ids=_ids)
def clip(request):
    """(exercise, view, noisy track with dropouts, noise-free track, truth) for a short plan."""
    ex, view = request.param
    plan = _plan(ex)
    track, truth = make_exercise_clip(ex, view, plan, recording=RecordingSpec(dropout_rate=0.01, seed=3))
    clean, _ = make_exercise_clip(ex, view, plan, recording=CLEAN)
    return ex, view, plan, track, clean, truth


def _p(xy, lm):
    return xy[..., int(lm), :]


def _mid(xy, a, b):
    return (_p(xy, a) + _p(xy, b)) / 2


def _ang3(a, b, c):
    """Unsigned 3-D angle at b, degrees."""
    u, v = a - b, c - b
    return np.degrees(np.arccos(np.clip(np.sum(u * v, -1) / np.linalg.norm(u, axis=-1) / np.linalg.norm(v, axis=-1),
                                        -1.0, 1.0)))


def _ang(a, b, c):
    """Unsigned angle at b, degrees."""
    u, v = a - b, c - b
    return np.degrees(np.arctan2(np.abs(u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]), np.sum(u * v, axis=-1)))


def rep_signal(exercise: str, xy: np.ndarray, world: np.ndarray | None = None) -> np.ndarray:
    """The 1-D rep progress signal of docs/exercises.md, from image landmarks (T, 33, 2); lunges from
    world landmarks (the less bent knee's flexion: walking toward the camera moves every image height)."""
    if "lunge" in exercise:
        knees = [180.0 - _ang3(*(world[:, int(L[f"{s}_{j}"])] for j in ("HIP", "KNEE", "ANKLE")))
                 for s in ("LEFT", "RIGHT")]
        return np.minimum(*knees)
    hip_y = _mid(xy, L.LEFT_HIP, L.RIGHT_HIP)[:, 1]
    if exercise in ("glute_bridge", "single_leg_bridge", "hip_thrust", "step_up"):
        return -hip_y                       # hips up
    if exercise == "donkey_kick":           # the kicking knee rises towards its hip
        return np.maximum(*(_p(xy, L[f"{s}_HIP"])[:, 1] - _p(xy, L[f"{s}_KNEE"])[:, 1] for s in ("LEFT", "RIGHT")))
    if exercise in ("squat", "single_leg_squat"):
        return hip_y                        # hips down
    if exercise in ("clamshell", "fire_hydrant"):
        return np.linalg.norm(_p(xy, L.LEFT_KNEE) - _p(xy, L.RIGHT_KNEE), axis=-1)
    ankles = np.linalg.norm(_p(xy, L.LEFT_ANKLE) - _p(xy, L.RIGHT_ANKLE), axis=-1)
    if exercise in WALKS:                   # per hip width: the walker travels (towards the camera too)
        return ankles / np.linalg.norm(_p(xy, L.LEFT_HIP) - _p(xy, L.RIGHT_HIP), axis=-1)
    return ankles


def count_excursions(signal: np.ndarray, lo: float = 0.3, hi: float = 0.7) -> int:
    """Excursions from the first frame's value above hi x the largest, back below lo (hysteresis)."""
    r = signal - signal[0]
    top = np.max(r)
    n, up = 0, False
    for v in r / top:
        if not up and v > hi:
            n, up = n + 1, True
        elif up and v < lo:
            up = False
    return n


# -- tables ---------------------------------------------------------------------------------------------
def test_tables_match_docs():
    text = DOCS.read_text()
    views, faults = {}, {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and re.fullmatch(r"`\w+`", cells[0]) and cells[0].strip("`") in SUPPORTED_VIEWS:
            views[cells[0].strip("`")] = tuple(v.strip() for v in cells[2].split(","))
        if len(cells) == 4 and re.fullmatch(r"`\w+`", cells[0]) and cells[0].strip("`") in DEFAULT_FAULT_SIZE:
            for ex in cells[3].split(","):
                faults.setdefault(ex.strip(), set()).add(cells[0].strip("`"))
    assert views == SUPPORTED_VIEWS
    assert {ex: set(f) for ex, f in APPLICABLE_FAULTS.items() if f} == faults


def test_default_plans_render_every_combo_in_frame_and_filled():
    for ex, view in COMBOS:
        track, truth = make_exercise_clip(ex, view, recording=CLEAN)
        assert len(truth.full_reps) == default_plan(ex).num_full
        w, h = track.frame_size
        assert (w, h) in ((1080, 1920), (1920, 1080))
        box = np.ptp(track.xy_px.reshape(-1, 2), axis=0)   # where the athlete goes during the clip
        assert 0.4 <= np.max(box) / max(w, h) <= 0.7, (ex, view, box)
        assert np.all(box <= (0.91 * w, 0.91 * h))


# -- one clip per exercise and view -------------------------------------------------------------------------
def test_track_shapes_nan_only_at_dropouts_and_in_frame(clip):
    ex, view, plan, track, clean, truth = clip
    n = len(track)
    assert track.xy_px.shape == (n, 33, 2) and track.z.shape == (n, 33) and track.world_m.shape == (n, 33, 3)
    assert np.allclose(track.t_s, np.arange(n) / 30.0) and np.array_equal(track.frame_index, np.arange(n))
    assert track.frame_size == truth.frame_size and truth.fps == 30.0
    dropped = track.visibility == 0
    assert 0.003 < dropped.mean() < 0.02
    for arr in (track.xy_px, track.world_m):
        assert np.array_equal(np.isnan(arr).any(axis=-1), dropped)
    assert np.array_equal(np.isnan(track.z), dropped)
    vis = track.visibility[~dropped]
    assert np.all(((vis >= 0.95) & (vis <= 0.99)) | ((vis >= 0.3) & (vis <= 0.6)))
    w, h = track.frame_size
    assert np.all((clean.xy_px[..., 0] > 0) & (clean.xy_px[..., 0] < w)
                  & (clean.xy_px[..., 1] > 0) & (clean.xy_px[..., 1] < h)), "athlete leaves the frame"
    assert np.allclose(clean.xy_px, truth.xy_at(clean.t_s))


def test_depth_and_world_are_hip_centred_camera_axes(clip):
    ex, view, plan, track, clean, truth = clip
    assert np.allclose(_mid(clean.z[..., None], L.LEFT_HIP, L.RIGHT_HIP), 0.0, atol=1e-9)
    assert np.allclose(_mid(clean.world_m, L.LEFT_HIP, L.RIGHT_HIP), 0.0, atol=1e-9)
    cam = truth.points_at(clean.t_s)
    hm = _mid(cam, L.LEFT_HIP, L.RIGHT_HIP)
    assert np.allclose(clean.world_m, cam - hm[:, None], atol=1e-9)
    # z in pixels: positive = farther, hip-mid's pixels-per-metre
    assert np.array_equal(np.sign(clean.z), np.sign(cam[..., 2] - hm[:, None, 2]))
    # world y points down: the head is above the lowest foot landmark (outside the switch blends)
    keep = np.ones(len(clean), dtype=bool)
    for a, b in truth.switches:
        keep &= (clean.t_s < a) | (clean.t_s > b)
    assert np.all(clean.world_m[keep, int(L.NOSE), 1] < np.max(clean.world_m[keep, 27:33, 1], axis=1))


def test_rep_timing_and_counts(clip):
    ex, view, plan, track, clean, truth = clip
    assert len(truth.full_reps) == plan.num_full
    assert [r.partial for r in truth.reps] == [r.partial for r in plan.reps]
    assert [r.side for r in truth.reps] == [r.side for r in plan.reps]
    assert truth.reps[0].start_s >= 1.0 and track.t_s[-1] - truth.reps[-1].end_s >= 1.0 - 1 / 30
    for rep, spec in zip(truth.reps, plan.reps):
        assert rep.end_s - rep.start_s == pytest.approx(spec.move_s + spec.hold_s)
        assert rep.peak_s - rep.start_s == pytest.approx(spec.move_s / 2 + spec.hold_s / 2)
        assert rep.hold_s == spec.hold_s
    for a, b in zip(truth.reps[:-1], truth.reps[1:]):
        assert b.start_s >= a.end_s
    switches = (sum(a.side != b.side for a, b in zip(plan.reps[:-1], plan.reps[1:]))
                if not EXERCISE_MODELS[ex].alternates else 0)
    assert len(truth.switches) == switches
    assert truth.steps == (truth.reps if ex in WALKS else ())


def test_rep_signal_has_one_excursion_per_full_rep(clip):
    ex, view, plan, track, clean, truth = clip
    sig = rep_signal(ex, clean.xy_px, clean.world_m)
    assert count_excursions(sig) == plan.num_full
    # ... peaking at the rep's peak, at rest at its start
    base = sig[0]
    for rep in truth.full_reps:
        i0, ip = (int(round(t * 30)) for t in (rep.start_s, rep.peak_s))
        assert abs(sig[ip] - base) > 3 * abs(sig[i0] - base)


def test_clean_reps_keep_every_fault_quantity_near_start(clip):
    ex, view, plan, track, clean, truth = clip
    for rep in truth.reps:
        changes = [v for k, v in vars(rep.values).items() if k.endswith("change_deg") and np.isfinite(v)]
        assert changes and all(abs(c) <= 3.0 for c in changes), rep
        if ex in ("glute_bridge", "single_leg_bridge", "hip_thrust", "donkey_kick") and not rep.partial:
            assert 178.0 <= rep.values.hip_angle_deg <= 182.0
        assert np.isfinite(rep.values.hip_angle_deg) == ("hip_angle" in QUANTITY_VIEWS[truth.posture])
        seen = [q for q, views in QUANTITY_VIEWS[truth.posture].items() if view in views]
        assert np.isfinite(rep.image_values.obliquity_change_deg) == ("obliquity" in seen)


def test_postures(clip):
    ex, view, plan, track, clean, truth = clip
    xy = clean.xy_px
    hip_line = _p(xy, L.LEFT_HIP) - _p(xy, L.RIGHT_HIP)
    if truth.posture == "standing":
        assert np.all(_mid(xy, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)[:, 1] < _mid(xy, L.LEFT_HIP, L.RIGHT_HIP)[:, 1])
        assert np.all(_mid(xy, L.LEFT_HIP, L.RIGHT_HIP)[:, 1] < np.minimum(xy[:, 27, 1], xy[:, 28, 1]))
    if truth.posture == "side_lying":   # pelvis line vertical at rest (start of every rep)
        for rep in truth.reps:
            v = hip_line[int(round(rep.start_s * 30))]
            assert np.degrees(np.arctan2(abs(v[0]), abs(v[1]))) < 1.0
    if truth.posture == "supine" and view == "foot_end":
        v = hip_line[0]
        assert np.degrees(np.arctan2(abs(v[1]), abs(v[0]))) < 1.0


# -- the truth against the rendered pixels, and injected fault sizes ------------------------------------------
def _measured(fault: str, xy: np.ndarray, side: str, near: str | None, posture: str = "standing",
              exercise: str = "") -> float:
    """The fault's quantity, unsigned, from one orthographic frame (the start pose has it at 0, or 180;
    the donkey kick's knee at 90)."""
    leg = side if side != "both" else "left"
    if fault == "knee_cave" and posture == "bench":   # the shank's tilt from image vertical
        v = _p(xy, L[f"{leg.upper()}_KNEE"]) - _p(xy, L[f"{leg.upper()}_ANKLE"])
        return float(np.degrees(np.arctan2(abs(v[0]), -v[1])))
    if fault == "short_of_depth":   # the front knee's flexion at the bottom (absolute)
        return 180.0 - float(_ang(*(_p(xy, L[f"{leg.upper()}_{n}"]) for n in ("HIP", "KNEE", "ANKLE"))))
    if fault == "forward_lean":     # the trunk from image vertical (the start pose leans 4 deg, a step-up 6)
        v = _mid(xy, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - _mid(xy, L.LEFT_HIP, L.RIGHT_HIP)
        return float(np.degrees(np.arctan2(abs(v[0]), -v[1]))) - (6.0 if exercise == "step_up" else 4.0)
    if fault == "knee_angle_change":
        return abs(90.0 - (180.0 - float(_ang(*(_p(xy, L[f"{leg.upper()}_{n}"]) for n in ("HIP", "KNEE", "ANKLE"))))))
    if fault == "knee_cave":
        return 180.0 - float(_ang(_p(xy, L[f"{leg.upper()}_HIP"]), _p(xy, L[f"{leg.upper()}_KNEE"]),
                                  _p(xy, L[f"{leg.upper()}_ANKLE"])))
    if fault in ("pelvic_drop", "roll_back", "hip_hike"):
        v = _p(xy, L.LEFT_HIP) - _p(xy, L.RIGHT_HIP)
        flat = fault == "pelvic_drop"
        return float(np.degrees(np.arctan2(abs(v[1 if flat else 0]), abs(v[0 if flat else 1]))))
    if fault == "trunk_sway":
        v = _mid(xy, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - _mid(xy, L.LEFT_HIP, L.RIGHT_HIP)
        return float(np.degrees(np.arctan2(abs(v[0]), -v[1])))
    leg = side if side != "both" else near
    s, h, k = (_p(xy, L[f"{leg.upper()}_{n}"]) for n in ("SHOULDER", "HIP", "KNEE"))
    ang = float(_ang(s, h, k))
    above = h[1] < s[1] + (k[1] - s[1]) * (h[0] - s[0]) / (k[0] - s[0])   # hip above the S-K line (y up)
    if posture == "quadruped":   # the back faces up: the hip above the S-K line is the flexed side
        above = not above
    return 360.0 - ang if above else ang


@pytest.mark.parametrize("exercise,fault,view", FAULT_COMBOS, ids=["-".join(c) for c in FAULT_COMBOS])
def test_injected_fault_reaches_its_size_at_the_peak(exercise, fault, view):
    side = "both" if exercise in TWO_LEGGED else "right"
    plan = RepPlan.simple(side, 3, faults={1: (fault,)}, hold_s=0.4, move_s=1.6, pause_s=0.5)
    size = DEFAULT_FAULT_SIZE[fault]
    _, truth = make_exercise_clip(exercise, view, plan, recording=CLEAN)
    faulty, clean = truth.reps[1], truth.reps[0]
    value = faulty.values.for_fault(fault, side)
    if fault in ("short_of_neutral", "back_arch"):
        assert value == pytest.approx(size, abs=0.5)
        assert clean.values.hip_angle_deg == pytest.approx(180.0, abs=0.5)
    elif fault == "short_of_depth":
        assert value == pytest.approx(size, abs=0.5)
        assert clean.values.knee_peak_deg == pytest.approx(90.0, abs=0.5)
    else:
        assert abs(value) == pytest.approx(size, abs=2.0)
        assert abs(clean.values.for_fault(fault, side)) < 0.5
        assert abs(truth.reps[2].values.for_fault(fault, side)) < 0.5
    # signs: medial knee, the unsupported side lower, lean towards the supporting side, roll back, hike up
    if fault in ("knee_cave", "roll_back", "hip_hike"):
        assert value > 0
    elif fault == "knee_angle_change":   # the knee opens
        assert value < 0
    elif fault == "forward_lean":
        assert value > 0
    elif fault == "pelvic_drop":
        assert np.sign(value) == (1 if unsupported_side(exercise, side) == "left" else -1)
    elif fault == "trunk_sway":
        assert np.sign(value) == (1 if supporting_side(exercise, side) == "left" else -1)
    checkable = view in quantity_views(exercise)[fault_quantity(fault, truth.posture)]
    image = faulty.image_values.for_fault(fault, side)
    assert np.isfinite(image) == checkable
    if checkable and (exercise, fault) == ("lateral_lunge", "knee_cave"):
        # the bent knee, 0.7 m off the camera's axis and 0.25 m nearer than its hip and foot, reads
        # further out from the front (exercises.perspective): 15 deg inward reads about 2 deg outward
        assert image < value - 10.0
    elif checkable:   # the pinhole camera sees it too, up to perspective
        assert image == pytest.approx(value, abs=4.0)
    if checkable:   # an orthographic camera renders exactly the truth: measure it on the track's pixels
        track, truth_o = make_exercise_clip(exercise, view, plan, CameraSpec(projection="orthographic"), CLEAN)
        assert truth_o.reps[1].image_values.for_fault(fault, side) == pytest.approx(value, abs=0.05)
        # read at the peak, or at the push for a step-up's knee (RepTruth.push_s)
        read_s = faulty.push_s if fault == "knee_cave" and np.isfinite(faulty.push_s) else faulty.peak_s
        peak = track.xy_px[int(round(read_s * 30))]
        assert (_measured(fault, peak, side, truth_o.near_side, truth.posture, exercise)
                == pytest.approx(abs(value), abs=0.05))


@pytest.mark.parametrize("exercise,fault", [("squat", "knee_cave"), ("single_leg_bridge", "pelvic_drop"),
                                            ("side_lying_hip_abduction", "hip_hike")])
def test_fault_size_override_envelope_and_partial(exercise, fault):
    side = "both" if exercise in TWO_LEGGED else "left"
    view = next(v for v in SUPPORTED_VIEWS[exercise]
                if v in QUANTITY_VIEWS[{"squat": "standing", "single_leg_bridge": "supine"}.get(exercise, "side_lying")]
                [{"knee_cave": "fppa", "pelvic_drop": "obliquity", "hip_hike": "hike"}[fault]])
    plan = RepPlan.simple(side, 3, faults={0: fault, 1: fault}, partial={1: 0.4}, fault_sizes={fault: 9.0},
                          hold_s=0.0, move_s=2.0)
    _, truth = make_exercise_clip(exercise, view, plan, CameraSpec(projection="orthographic"), CLEAN)
    assert truth.fault_sizes[fault] == 9.0
    for rep in truth.reps[:2]:   # full size at the peak of full and partial reps alike
        assert abs(rep.values.for_fault(fault, side)) == pytest.approx(9.0, abs=0.3)
    rep = truth.reps[0]          # ... absent at rest, half-way in between
    xy = truth.xy_at([rep.start_s, (rep.start_s + rep.peak_s) / 2, rep.peak_s])
    m = [_measured(fault, x, side, None) for x in xy]
    assert m[0] == pytest.approx(0.0, abs=0.1) and 0.5 < m[1] < 8.5 and m[2] == pytest.approx(9.0, abs=0.3)


# -- specifics --------------------------------------------------------------------------------------------------
def test_side_switch_repositions_and_rests():
    plan = RepPlan.switch(5, first="left", hold_s=0.5)
    _, truth = make_exercise_clip("clamshell", "front", plan, recording=CLEAN)
    assert [r.side for r in truth.reps] == ["left"] * 5 + ["right"] * 5
    (a, b), = truth.switches
    assert truth.reps[4].end_s < a and b < truth.reps[5].start_s - 1.0
    head = [truth.xy_at(t)[0, int(L.NOSE), 0] - truth.xy_at(t)[0, int(L.LEFT_HIP), 0] for t in (a, b)]
    assert np.sign(head[0]) == -np.sign(head[1]), "lying on the other side, the head is at the other end"


def test_side_view_far_limbs_are_less_visible():
    track, truth = make_exercise_clip("squat", "side", RepPlan.simple("both", 2), CameraSpec(near_side="right"))
    vis = track.visibility.mean(axis=0)
    for name in ("KNEE", "ANKLE", "HEEL"):
        assert vis[int(L[f"RIGHT_{name}"])] > 0.94 and vis[int(L[f"LEFT_{name}"])] < 0.65
    assert vis[int(L.LEFT_EAR)] < 0.65 < vis[int(L.RIGHT_EAR)]
    front, _ = make_exercise_clip("squat", "front", RepPlan.simple("both", 2))
    assert front.visibility[:, int(L.NOSE)].min() > 0.94


def test_walks_travel():
    track, truth = make_exercise_clip("lateral_band_walk", "front", RepPlan.simple("left", 3), recording=CLEAN)
    x = _mid(track.xy_px, L.LEFT_HIP, L.RIGHT_HIP)[:, 0]
    assert x[-1] - x[0] > 0.2 * truth.athlete_px   # the athlete's left is image right from the front
    track, truth = make_exercise_clip("monster_walk", "front", RepPlan.alternating(4), recording=CLEAN)
    width = np.linalg.norm(_p(track.xy_px, L.LEFT_SHOULDER) - _p(track.xy_px, L.RIGHT_SHOULDER), axis=-1)
    assert width[-1] > 1.15 * width[0]               # walking towards the camera


def test_seeded_noise_and_fps():
    plan = RepPlan.simple("both", 2)
    a, _ = make_exercise_clip("squat", "front", plan, recording=RecordingSpec(seed=1))
    b, _ = make_exercise_clip("squat", "front", plan, recording=RecordingSpec(seed=1))
    c, truth = make_exercise_clip("squat", "front", plan, recording=RecordingSpec(seed=2))
    assert a.allclose(b, atol_px=0) and not a.allclose(c, atol_px=0.5)
    clean, _ = make_exercise_clip("squat", "front", plan, recording=CLEAN)
    noise = np.nanstd(a.xy_px - clean.xy_px)
    assert noise == pytest.approx(0.004 * truth.athlete_px, rel=0.25)
    hi, truth60 = make_exercise_clip("squat", "front", plan, recording=RecordingSpec(fps=60.0))
    assert truth60.fps == 60.0 and hi.fps == pytest.approx(60.0) and len(hi) == 2 * (len(a) - 1) + 1


@pytest.mark.parametrize("call,match", [
    (lambda: make_exercise_clip("plank", "side"), "exercise"),
    (lambda: make_exercise_clip("clamshell", "side"), "view"),
    (lambda: make_exercise_clip("squat", "front", RepPlan.simple("both", 2, faults={0: "pelvic_drop"})), "plan"),
    (lambda: make_exercise_clip("fire_hydrant", "foot_end", RepPlan.simple("left", 2, faults={1: "roll_back"})),
     "plan"),
    (lambda: make_exercise_clip("squat", "side", RepPlan.simple("left", 2)), "plan"),
    (lambda: make_exercise_clip("clamshell", "front", RepPlan.simple("both", 2)), "plan"),
    (lambda: RepPlan.simple("left", 2, faults={0: "wobble"}), "faults"),
    (lambda: RepPlan.simple("left", 2, faults={5: "roll_back"}), "faults"),
    (lambda: RepSpec("left", faults=("short_of_neutral", "back_arch")), "faults"),
    (lambda: RepSpec("left", amplitude=0.7), "amplitude"),
    (lambda: RepPlan((), ), "reps"),
    (lambda: RepPlan.simple("left", 2, fault_sizes={"wobble": 3.0}), "fault_sizes"),
    (lambda: RepPlan.simple("left", 2, fault_sizes={"back_arch": 175.0}), "fault_sizes"),
    (lambda: make_exercise_clip("lateral_band_walk", "front",
                                RepPlan.simple("left", 2, faults={0: "knee_cave"}, fault_sizes={"knee_cave": 40.0})),
     "plan"),
    (lambda: CameraSpec(orientation="square"), "orientation"),
    (lambda: CameraSpec(near_side="top"), "near_side"),
    (lambda: RecordingSpec(fps=1.0), "fps"),
])
def test_errors_name_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()
