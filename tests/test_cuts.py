"""Shot cuts (`formcheck.video.cuts`): synthetic frames with exact answers, every real
clip in ../shared/clips (each one continuous shot: no cut), and an edited clip built
here from pieces of real clips with a title card between them (cuts at the joins).
"""

from __future__ import annotations

import logging
from fractions import Fraction

import av
import cv2
import numpy as np
import pytest
from scipy import ndimage

from formcheck.video import iter_frames, probe
from formcheck.video.cuts import (
    SIGNATURE_SIZE,
    CutSettings,
    ShotCuts,
    cuts_from_signatures,
    find_cuts,
    frame_signature,
    shot_cuts_from_signatures,
    shots,
    signature_differences,
)

W, H = 320, 240  # synthetic frames: above the 128 px halving line, so the halving runs
FPS = 30.0


# -- synthetic frames ---------------------------------------------------------------------
def _canvas(seed: int, tint: tuple[float, float, float], width: int = W + 400) -> np.ndarray:
    """A random colour "scene" wider than a frame (so it can pan): large shapes (blur
    30 px) with fine texture (5 px) on them. Its 16 x 16 thumbnails vary by tens of grey
    levels, like the real clips' (21 to 75); fine texture alone would average away."""
    rng = np.random.default_rng(seed)

    def layer(sigma: float) -> np.ndarray:
        tex = ndimage.gaussian_filter(rng.random((H + 40, width, 3)), (sigma, sigma, 0))
        return (tex - tex.min()) / (tex.max() - tex.min())
    tex = 0.85 * layer(30) + 0.15 * layer(5)
    return np.clip((128 + 60 * (tex - tex.mean()) / tex.std()) * np.asarray(tint), 0, 255)


SCENE_A = _canvas(1, (1.0, 0.8, 0.6))
SCENE_B = _canvas(2, (0.5, 0.9, 1.0))
BLACK = np.zeros((H, W, 3), np.uint8)


def _view(canvas: np.ndarray, x: int) -> np.ndarray:
    assert 0 <= x <= canvas.shape[1] - W, "the camera left the scene"
    return canvas[20:20 + H, x:x + W].astype(np.uint8)


def _shot(canvas: np.ndarray, n: int, px_per_frame: int = 1, x0: int = 0) -> list[np.ndarray]:
    """n frames of a scene whose camera drifts (1 px/frame: a hand-held camera) or pans."""
    return [_view(canvas, x0 + px_per_frame * i) for i in range(n)]


def _runner(n: int, px_per_frame: int = 10) -> list[np.ndarray]:
    """A fixed camera; a bright block (the runner, half the picture's height) crosses it."""
    frames = []
    for i in range(n):
        frame = _view(SCENE_A, 0).copy()
        frame[60:180, px_per_frame * i:px_per_frame * i + 60] = 240
        frames.append(frame)
    return frames


def _dissolve() -> list[np.ndarray]:
    """A 0-29, then 6 blends (frames 30-35, B's weight 1/7 .. 6/7), then B from 36."""
    a, b = _shot(SCENE_A, 66), _shot(SCENE_B, 66)
    blends = [((1 - w) * a[30 + k] + w * b[30 + k]).astype(np.uint8) for k, w in enumerate(np.arange(1, 7) / 7)]
    return a[:30] + blends + b[36:]


def _held() -> list[np.ndarray]:
    frames = _shot(SCENE_A, 60)
    frames[20] = frames[21] = frames[22] = frames[19]  # frame 19 held 3 more times
    return frames


def _fade_to_card() -> list[np.ndarray]:
    """A fades to black over frames 30-34 (5/6 .. 1/6 bright), a black card 35-44, B from 45."""
    frames = _shot(SCENE_A, 35)
    frames[30:] = [(f * (1 - (k + 1) / 6)).astype(np.uint8) for k, f in enumerate(frames[30:])]
    return frames + [BLACK] * 10 + _shot(SCENE_B, 30)


def _flash() -> list[np.ndarray]:
    frames = _shot(SCENE_A, 60)
    frames[30] = np.full((H, W, 3), 255, np.uint8)  # one white frame (a photographer's flash)
    return frames


def _slow_motion_pan() -> list[np.ndarray]:
    """Each picture shown 3 times (3x slow motion), the camera panning 12 px per picture."""
    return [_view(SCENE_A, 12 * (i // 3)) for i in range(60)]


# (frames, expected cut frames, expected transitions or None: not checked)
SYNTHETIC = {
    "hard_cut": (lambda: _shot(SCENE_A, 30) + _shot(SCENE_B, 30), (30,), ((30, 30),)),
    # 6 px/frame = 1.9 % of the width per frame (the frame crossed in 1.8 s); its
    # frame-to-frame difference (~0.2) is that of the fastest real pan measured (0.19).
    "pan": (lambda: _shot(SCENE_A, 60, px_per_frame=6), (), ()),
    "pan_then_cut": (lambda: _shot(SCENE_A, 40, px_per_frame=6) + _shot(SCENE_B, 30), (40,), ((40, 40),)),
    "runner_past_fixed_camera": (lambda: _runner(26), (), ()),
    # Steps at frames 30..36; half done at 33, the first frame more B (4/7) than A.
    "dissolve_6_frames": (_dissolve, (33,), ((30, 36),)),
    "held_frame_x3": (_held, (), ()),
    "black_title_card": (lambda: _shot(SCENE_A, 30) + [BLACK] * 10 + _shot(SCENE_B, 30), (30, 40),
                         ((30, 30), (40, 40))),
    "flash": (_flash, (), ()),
    "slow_motion_pan": (_slow_motion_pan, (), ()),
}


def _signatures(frames: list[np.ndarray]) -> np.ndarray:
    return np.array([frame_signature(f) for f in frames])


@pytest.mark.parametrize("case", list(SYNTHETIC), ids=list(SYNTHETIC))
def test_synthetic_cuts_are_exact(case):
    make, expected, spans = SYNTHETIC[case]
    sig = _signatures(make())
    assert cuts_from_signatures(sig, FPS) == expected
    cuts = shot_cuts_from_signatures(sig, FPS)
    assert cuts.cut_frames == expected and cuts.transitions == spans
    assert np.array_equal(cuts.difference, signature_differences(sig))


def test_a_fade_to_a_card_is_one_cut_inside_the_fade():
    sig = _signatures(_fade_to_card())
    cuts = shot_cuts_from_signatures(sig, FPS)
    # The signature ignores exposure (a fade is a change of exposure) until the picture is
    # too dark to have a structure or colours, so the fade's transition is its last frames,
    # not frame 32 (half the brightness).
    assert len(cuts.cut_frames) == 2
    first, last = cuts.transitions[0]
    assert 30 <= first <= cuts.cut_frames[0] <= last == 35
    assert cuts.cut_frames[1] == 45 and cuts.transitions[1] == (45, 45)
    assert cuts_from_signatures(sig, FPS) == cuts.cut_frames


def test_the_flash_and_the_pan_do_differ_a_lot():
    """The negative cases keep their point: the flash differs from its neighbours as much
    as a cut (the persistence test rejects it), the pan steadily (the typical level does)."""
    flash = signature_differences(_signatures(_flash()))
    assert flash[30] > 1.0 and flash[31] > 1.0  # cuts between real clips: 0.95 and more (one 0.39)
    pan = signature_differences(_signatures(_shot(SCENE_A, 60, px_per_frame=6)))
    assert np.median(pan[1:]) > 0.15 > CutSettings().min_step


def test_settings_are_in_seconds():
    """A white flash of 8 frames: 0.27 s at 30 frames/s, longer than `flash_s` (0.2 s),
    so a white shot between two cuts; 0.13 s at 60 frames/s, a flash. (The camera drifts
    1 px every other frame: 30 px/s at 60 frames/s.)"""
    frames = [_view(SCENE_A, i // 2) for i in range(60)]
    frames[30:38] = [np.full((H, W, 3), 255, np.uint8)] * 8
    sig = _signatures(frames)
    assert cuts_from_signatures(sig, 30.0) == (30, 38)
    assert cuts_from_signatures(sig, 60.0) == ()


# -- signatures and arguments -------------------------------------------------------------
def test_signature_shape_and_exposure():
    frame = _view(SCENE_A, 0)
    sig = frame_signature(frame)
    assert sig.shape == (SIGNATURE_SIZE,) and sig.dtype == np.float32
    darker = (frame * 0.7).astype(np.uint8)  # auto-exposure: same picture, 30 % darker
    assert signature_differences(np.stack([sig, frame_signature(darker)]))[1] < 0.02  # rounding only
    assert signature_differences(np.stack([sig, sig])).tolist() == [0.0, 0.0]
    assert frame_signature(np.zeros((1, 1, 3), np.uint8)).shape == (SIGNATURE_SIZE,)


@pytest.mark.parametrize("image, match", [
    (np.zeros((10, 10), np.uint8), "image_bgr must have shape"),
    (np.zeros((10, 10, 4), np.uint8), "image_bgr must have shape"),
    (np.zeros((10, 10, 3), np.float32), "image_bgr must be uint8"),
], ids=["grey", "bgra", "float"])
def test_signature_rejects(image, match):
    with pytest.raises(ValueError, match=match):
        frame_signature(image)


def test_cut_finder_arguments():
    assert cuts_from_signatures(np.zeros((0, SIGNATURE_SIZE)), FPS) == ()
    assert cuts_from_signatures(np.zeros((1, SIGNATURE_SIZE)), FPS) == ()
    assert cuts_from_signatures(np.zeros((50, SIGNATURE_SIZE)), FPS) == ()  # all held
    with pytest.raises(ValueError, match="signatures must have shape"):
        cuts_from_signatures(np.zeros((5, 7)), FPS)
    with pytest.raises(ValueError, match="signatures must be finite"):
        cuts_from_signatures(np.full((5, SIGNATURE_SIZE), np.nan), FPS)
    with pytest.raises(ValueError, match="fps must be > 0"):
        cuts_from_signatures(np.zeros((5, SIGNATURE_SIZE)), 0.0)
    with pytest.raises(ValueError, match="cut_ratio must be >= 1"):
        CutSettings(cut_ratio=0.5)
    with pytest.raises(ValueError, match="window_s must be > 0"):
        CutSettings(window_s=0.0)


@pytest.mark.parametrize("cuts, count, expected", [
    ((), 5, [(0, 4)]),
    ((2, 4), 6, [(0, 1), (2, 3), (4, 5)]),
    ((5,), 6, [(0, 4), (5, 5)]),
    ((), 0, []),
], ids=["none", "two", "last-frame", "empty-clip"])
def test_shots(cuts, count, expected):
    assert shots(cuts, count) == expected


@pytest.mark.parametrize("cuts, count, match", [
    ((0,), 5, r"must lie in \[1, 5\)"),
    ((5,), 5, r"must lie in \[1, 5\)"),
    ((3, 2), 5, "strictly increasing"),
    ((2, 2), 5, "strictly increasing"),
    ((), -1, "frame_count must be >= 0"),
], ids=["zero", "past-end", "unsorted", "repeated", "negative-count"])
def test_shots_rejects(cuts, count, match):
    with pytest.raises(ValueError, match=match):
        shots(cuts, count)


def test_shot_cuts_checks_its_arrays():
    with pytest.raises(ValueError, match="transitions must have one"):
        ShotCuts((3,), (), np.zeros(10))
    with pytest.raises(ValueError, match="must hold its cut"):
        ShotCuts((3,), ((4, 5),), np.zeros(10))
    cuts = ShotCuts((3, 7), ((3, 3), (6, 8)), np.zeros(10))
    assert cuts.shots() == [(0, 2), (3, 6), (7, 9)] and cuts.frame_count == 10
    assert not cuts.difference.flags.writeable


# -- real clips: one continuous shot each ----------------------------------------------------
REAL_CLIPS = [
    "gym_squat_side.mp4",
    "home_squat_side_timer.mp4",
    "home_treadmill_run_side.mp4",
    "park_run_rear_snow.mp4",
    "pose2sim_single_cam01.mp4",
    "pose2sim_single_cam02.mp4",
    "pose2sim_single_cam03.mp4",
    "pose2sim_single_cam04.mp4",
    "pose2sim_two_people_cam01.mp4",
    "sports2d_demo3_runner_side.mp4",
    "sports2d_demo_walk_side.mp4",
    "sprint_100m_pan_several.mp4",
    "sprint_start_blocks_side.mp4",
    "track_run_side_pan.mp4",
    "track_sprint_side_fixed.mp4",
]


@pytest.fixture(scope="module")
def real_cuts():
    """find_cuts of each real clip, computed once for the tests below."""
    found: dict[str, tuple[object, ShotCuts]] = {}

    def get(path) -> tuple[object, ShotCuts]:
        if path.name not in found:
            info = probe(path)
            found[path.name] = (info, find_cuts(info))
        return found[path.name]
    return get


@pytest.mark.parametrize("name", REAL_CLIPS)
def test_a_real_clip_is_one_shot(shared_clip, real_cuts, name):
    info, cuts = real_cuts(shared_clip(name))
    logging.getLogger(__name__).info("%s: find_cuts %.2f s", name, cuts.seconds)
    assert cuts.cut_frames == (), f"{name}: cuts {cuts.cut_frames} (largest difference {cuts.difference.max():.3f})"
    assert cuts.shots() == [(0, info.frame_count - 1)]
    assert cuts.difference.shape == (info.frame_count,) and cuts.difference[0] == 0
    assert cuts.seconds > 0


def test_the_rest_screen_is_an_overlay_not_a_cut(shared_clip, real_cuts):
    """home_squat_side_timer.mp4 at 20.08-20.24 s: the countdown goes, the picture is
    blurred and a 'Rest' caption fades in, while the same camera keeps filming the same
    person moving on. Same shot, graphics over it: no cut. Its differences stay small."""
    info, cuts = real_cuts(shared_clip("home_squat_side_timer.mp4"))
    t = info.timestamps_s
    around = (t >= 19.9) & (t <= 20.6)
    assert around.sum() >= 15
    assert cuts.difference[around].max() < 0.1 < CutSettings().min_cut


def test_the_sun_blinking_through_leaves_is_not_a_cut(shared_clip, real_cuts):
    """sports2d_demo_walk_side.mp4 frames 164-183: the sun blinks through the leaves (the
    exposure and the flare jump and come back): frame differences as large as a cut's
    minimum, which the persistence test rejects."""
    _, cuts = real_cuts(shared_clip("sports2d_demo_walk_side.mp4"))
    assert cuts.difference[164:184].max() > CutSettings().min_cut
    assert cuts.cut_frames == ()


def test_a_paused_player_that_starts_playing_is_not_a_cut(shared_clip, real_cuts):
    """track_run_side_pan.mp4: frames 0-34 a paused player (held), then the panning clip
    plays (every ~6th frame held): the typical level after frame 35 is the pan's."""
    _, cuts = real_cuts(shared_clip("track_run_side_pan.mp4"))
    d = cuts.difference
    assert np.median(d[1:35]) < 0.01 and np.median(d[36:70]) > 0.03
    assert cuts.cut_frames == ()


# -- an edited clip made of real pieces --------------------------------------------------------
EDIT_SIZE = (640, 360)


def _fit(image: np.ndarray) -> np.ndarray:
    """Scale to fit EDIT_SIZE, centred on black (a portrait clip is pillarboxed)."""
    w, h = EDIT_SIZE
    scale = min(w / image.shape[1], h / image.shape[0])
    size = (int(round(image.shape[1] * scale)) // 2 * 2, int(round(image.shape[0] * scale)) // 2 * 2)
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    out = np.zeros((h, w, 3), np.uint8)
    x, y = (w - size[0]) // 2, (h - size[1]) // 2
    out[y:y + size[1], x:x + size[0]] = small
    return out


def _title_card() -> np.ndarray:
    """A plain dark blue card with a white bar where a title would be."""
    w, h = EDIT_SIZE
    card = np.full((h, w, 3), (90, 40, 20), np.uint8)
    card[h // 2 - 12:h // 2 + 12, w // 4:3 * w // 4] = 235
    return card


def _write(path, pieces) -> list[int]:
    """Write the pieces (iterables of BGR frames) one after the other at 30 frames/s;
    the frame index where each piece after the first starts."""
    joins, n = [], 0
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(30))
        stream.width, stream.height = EDIT_SIZE
        stream.pix_fmt = "yuv420p"
        for k, piece in enumerate(pieces):
            if k:
                joins.append(n)
            for image in piece:
                frame = av.VideoFrame.from_ndarray(_fit(image), format="bgr24")
                out.mux(stream.encode(frame))
                n += 1
        out.mux(stream.encode())
    return joins


def _piece(path, start_s: float, seconds: float):
    info = probe(path)
    start = int(round(start_s * info.fps))
    return (f.image for f in iter_frames(info, start, start + int(round(seconds * 30))))


def test_an_edited_clip_is_cut_at_its_joins(tmp_path, shared_clip):
    """2 s of a gym squat (portrait, pillarboxed), 1 s of a title card, 2 s of a home
    squat, 1.5 s of a panning 100 m sprint (a cut into a pan), and back to the gym for
    1 s (a cut out of a pan). Each piece keeps its own motion: no cut inside one."""
    gym = shared_clip("gym_squat_side.mp4")
    home = shared_clip("home_squat_side_timer.mp4")
    sprint = shared_clip("sprint_100m_pan_several.mp4")
    path = tmp_path / "edited.mp4"
    joins = _write(path, [
        _piece(gym, 9.0, 2.0),
        (_title_card() for _ in range(30)),
        _piece(home, 6.0, 2.0),
        _piece(sprint, 5.0, 1.5),
        _piece(gym, 16.0, 1.0),
    ])
    assert joins == [60, 90, 150, 195]
    info = probe(path)
    assert info.frame_count == 225
    cuts = find_cuts(info)
    assert len(cuts.cut_frames) == len(joins), f"cuts {cuts.cut_frames}, joins {joins}"
    assert all(abs(c - j) <= 1 for c, j in zip(cuts.cut_frames, joins)), f"cuts {cuts.cut_frames}, joins {joins}"
    assert [a for a, _ in cuts.shots()] == [0, *cuts.cut_frames]
