"""End to end on real clips: the real MediaPipe model, real decoding, numbers checked.

Clips from ../shared/clips (skipped, with the reason, where that folder is
absent). Each pose run is shared by the tests that need it.
"""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.landmarks import Landmark as L
from formcheck.pipeline import analyze_pose
from formcheck.pose.landmarker import LandmarkerSettings
from formcheck.pose.people import link_people
from formcheck.pose.runner import PosePool, RunSettings, run_pose
from formcheck.settings import Settings
from formcheck.video import probe

pytestmark = pytest.mark.real_clip

LEGS = [L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE]


@pytest.fixture(scope="session")
def treadmill_runs(shared_clip, model_path):
    """The treadmill clip in one process and in two chunks (this process + one worker)."""
    info = probe(shared_clip("home_treadmill_run_side.mp4"))
    runs = {}
    for workers in (1, 2):
        raw = run_pose(info, model_path, LandmarkerSettings(), RunSettings(workers=workers))
        runs[workers] = (raw, link_people(raw.frames, raw.t_s, info.upright_size, raw.frame_index))
    return info, runs


def _centre(track):
    """Torso centre per frame; NaN where the torso is not seen."""
    torso = track.xy_px[:, [L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_SHOULDER, L.RIGHT_SHOULDER]]
    return torso.mean(axis=1)


@pytest.mark.parametrize("clip", ["pose2sim_single_cam01.mp4", "home_treadmill_run_side.mp4"])
def test_a_pose_on_at_least_95_percent_of_frames(shared_clip, clip):
    analysis = analyze_pose(shared_clip(clip))
    athlete = analysis.athlete.track
    assert len(athlete) == analysis.info.frame_count
    assert athlete.detected_frames.mean() >= 0.95
    assert len(analysis.people) == 1
    # The cleaned track keeps every frame and its timestamps.
    assert np.array_equal(analysis.track.t_s, athlete.t_s)


def test_sports2d_two_people_and_the_athlete_never_jumps_to_the_other(shared_clip):
    analysis = analyze_pose(shared_clip("sports2d_demo_walk_side.mp4"))
    main = [p for p in analysis.people if p.presence > 0.3]
    assert len(main) == 2, [(p.presence, p.height_px) for p in analysis.people]
    athlete, other = main
    assert analysis.athlete is athlete
    for person in (athlete, other):
        # An identity switch would teleport the centre between the two people
        # (500+ px in one frame); real motion, the man's jump off the roof
        # included, stays far below 10 body heights per second.
        centre, t = _centre(person.track), person.track.t_s
        seen = np.flatnonzero(np.isfinite(centre[:, 0]))
        speed = np.linalg.norm(np.diff(centre[seen], axis=0), axis=1) / np.diff(t[seen])
        assert np.max(speed) / person.height_px < 10.0
    # Both in view at once for much of the clip: never the same place.
    both = athlete.track.detected_frames & other.track.detected_frames
    assert both.sum() > 60
    gap = np.linalg.norm(_centre(athlete.track)[both] - _centre(other.track)[both], axis=1)
    assert gap.min() > 150


def test_chunked_track_matches_single_process(treadmill_runs):
    info, runs = treadmill_runs
    single, chunked = runs[1][1][0].track, runs[2][1][0].track
    raw_chunked = runs[2][0]
    assert len(raw_chunked.chunks) == 2 and len(runs[1][0].chunks) == 1
    assert np.array_equal(single.frame_index, chunked.frame_index)
    assert np.array_equal(single.t_s, chunked.t_s)
    # One runner, found clear in the first frame of the later chunk: its fresh
    # landmarker gives the very landmarks of the run from the start, so the
    # earlier chunk hands over on the seam frame and the seam leaves no trace.
    d = np.linalg.norm(single.xy_px - chunked.xy_px, axis=-1)
    assert np.isfinite(d).sum() > 0.95 * d.size
    assert np.nanmax(d) < 1e-6


def test_warm_pool_gives_the_same_track_as_a_fresh_run(shared_clip, model_path, treadmill_runs):
    info, runs = treadmill_runs
    with PosePool(2, model_path) as pool:
        pool.warm_up()
        raw = run_pose(info, model_path, LandmarkerSettings(), RunSettings(workers=2), pool=pool)
    people = link_people(raw.frames, raw.t_s, info.upright_size, raw.frame_index)
    assert len(raw.frames) == info.frame_count and len(people) == 1
    fresh = runs[1][1][0].track
    assert np.array_equal(fresh.frame_index, people[0].track.frame_index)
    assert np.nanmax(np.linalg.norm(fresh.xy_px - people[0].track.xy_px, axis=-1)) < 1e-6


def test_a_warm_pool_loses_nobody_at_its_seam_on_sports2d(shared_clip, model_path):
    """After the seam a fresh landmarker does not find the man on the roof (dark
    against the sun; the default athlete) for about 1.5 s; the earlier chunk runs on until it does, so the stitched run
    sees everyone the one-process run sees, and links them the same way."""
    info = probe(shared_clip("sports2d_demo_walk_side.mp4"))
    one = run_pose(info, model_path, LandmarkerSettings(), RunSettings(workers=1))
    with PosePool(2, model_path) as pool:
        pool.warm_up()
        runs = {handover: run_pose(info, model_path, LandmarkerSettings(), RunSettings(workers=2, handover_s=handover),
                                   pool=pool)
                for handover in (RunSettings().handover_s, 0.0)}
    counts = np.array([len(f) for f in one.frames])
    stitched, cut = runs[RunSettings().handover_s], runs[0.0]
    assert len(stitched.chunks) == 2
    assert np.array_equal([len(f) for f in stitched.frames], counts)
    # Cut on the seam, the man on the roof is missing for many frames.
    assert (counts - [len(f) for f in cut.frames]).sum() >= 20
    alone = link_people(one.frames, one.t_s, info.upright_size, one.frame_index)
    split = link_people(stitched.frames, stitched.t_s, info.upright_size, stitched.frame_index)
    assert [round(p.presence, 2) for p in split] == [round(p.presence, 2) for p in alone]
    for a, b in zip(alone, split):
        both = a.track.detected_frames & b.track.detected_frames
        assert both.sum() == a.track.detected_frames.sum()
        d = np.linalg.norm(_centre(a.track)[both] - _centre(b.track)[both], axis=1)
        assert np.max(d) < 0.05 * a.height_px


def test_second_analysis_comes_from_the_cache(shared_clip):
    clip = shared_clip("pose2sim_single_cam01.mp4")
    first = analyze_pose(clip)
    again = analyze_pose(clip)
    assert not first.from_cache and again.from_cache
    assert again.athlete.track.allclose(first.athlete.track, atol_px=1e-3)
    other_settings = analyze_pose(clip, Settings.from_dict({"landmarker": {"min_detection_confidence": 0.6}}))
    assert not other_settings.from_cache  # inference settings are part of the key


def _leg_acceleration_energy(track) -> float:
    legs = [L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE,
            L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX]
    xy = track.xy_px[:, legs]
    return float(np.nansum((xy[2:] - 2 * xy[1:-1] + xy[:-2]) ** 2))


@pytest.mark.parametrize("clip, max_ratio", [
    ("home_treadmill_run_side.mp4", 0.9),
    ("pose2sim_single_cam02.mp4", 0.1),  # the far leg's labels flip often in this oblique view
])
def test_leg_swap_repair_makes_real_leg_tracks_smoother(shared_clip, clip, max_ratio):
    """A true repair removes label jumps; a false one would add them. Either way it shows
    in the legs' frame-to-frame acceleration, which the repair must lower."""
    from formcheck.clean import CleanConfig, gate_visibility, repair_leg_swaps

    gated = gate_visibility(analyze_pose(shared_clip(clip)).athlete.track, CleanConfig().min_visibility)
    repaired = repair_leg_swaps(gated)
    assert len(repaired.swapped_frames) > 0
    assert _leg_acceleration_energy(repaired.track) < max_ratio * _leg_acceleration_energy(gated)


def test_workers_never_run_the_parents_main_script(tmp_path, monkeypatch, model_path):
    """Under Streamlit the running page is __main__; spawned workers must not import it."""
    import sys
    import types

    script = tmp_path / "page.py"
    script.write_text("raise SystemExit('a worker ran the main script')\n")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    with PosePool(1, model_path) as pool:
        pool.warm_up()
        assert pool.submit(sum, [1, 2]).result(timeout=60) == 3
