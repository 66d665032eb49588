"""Background motion (`formcheck.video.motion`) on synthetic clips with known answers.

Each clip is a smooth random texture (the "background") sliding at a known
speed, optionally with a textured block (the "athlete") moving its own way
and a static player frame around the picture, written with PyAV
(`formcheck.video.synth.write_test_clip`) and decoded back through the
normal reader.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from formcheck.video import probe
from formcheck.video.motion import BackgroundFlow, background_flow
from formcheck.video.synth import write_test_clip

SIZE = (320, 240)  # below the working size, so the flow runs at full resolution


def _texture(width: int, height: int, seed: int, sigma: float = 1.5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    tex = ndimage.gaussian_filter(rng.random((height, width)), sigma)
    tex = (tex - tex.min()) / (tex.max() - tex.min())
    return (40 + 180 * tex).astype(np.float64)


def _sliding(canvas: np.ndarray, x: float, y: float, width: int, height: int) -> np.ndarray:
    """The (height, width) window of `canvas` whose top-left is at (x, y) (sub-pixel)."""
    ix, iy = int(np.floor(x)), int(np.floor(y))
    crop = canvas[iy:iy + height + 4, ix:ix + width + 4]
    return ndimage.shift(crop, (-(y - iy), -(x - ix)), order=3, mode="nearest")[:height, :width]


def make_clip(path, n_frames: int = 40, fps: float = 30.0, bg_px_s=(90.0, 0.0), athlete_px_s=None,
              athlete_size=(60, 120), border_px: int = 0, timestamps_s=None):
    """Write a clip; returns (path, athlete boxes (n, 4) or None).

    The background moves at `bg_px_s` (image velocity of its content, x right, y down) in
    real time; the athlete block starts in the middle and moves at `athlete_px_s`; a player
    frame of `border_px` rows at the top and bottom is static, black with a white
    checkerboard of "text" (full of strong corners).
    """
    width, height = SIZE
    t = np.arange(n_frames) / fps if timestamps_s is None else np.asarray(timestamps_s)
    travel = np.abs(np.asarray(bg_px_s)) * t[-1] + 8
    canvas = _texture(int(width + travel[0] + 16), int(height + travel[1] + 16), seed=1)
    # Content moving right (+vx) = the window sliding left over the canvas.
    x0 = 4 + (travel[0] if bg_px_s[0] > 0 else 0)
    y0 = 4 + (travel[1] if bg_px_s[1] > 0 else 0)
    block = np.clip((_texture(athlete_size[0], athlete_size[1], seed=2, sigma=1.0) - 130) * 3 + 128, 0, 255)
    boxes = np.full((n_frames, 4), np.nan) if athlete_px_s is not None else None
    if athlete_px_s is not None:
        for i in range(n_frames):  # centred at mid-clip
            ax = width / 2 - athlete_size[0] / 2 + athlete_px_s[0] * (t[i] - t[-1] / 2)
            ay = height / 2 - athlete_size[1] / 2 + athlete_px_s[1] * (t[i] - t[-1] / 2)
            boxes[i] = (ax, ay, ax + athlete_size[0], ay + athlete_size[1])
    checker = ((np.indices((border_px, width)) // 6).sum(axis=0) % 2) * 255.0

    def pattern(index: int, w: int, h: int) -> np.ndarray:
        grey = _sliding(canvas, x0 - bg_px_s[0] * t[index], y0 - bg_px_s[1] * t[index], w, h)
        if boxes is not None:
            bx, by = int(round(boxes[index, 0])), int(round(boxes[index, 1]))
            sx, sy = max(0, -bx), max(0, -by)  # the part of the block inside the picture
            part = block[sy:, sx:][:h - max(by, 0), :w - max(bx, 0)]
            grey[max(by, 0):max(by, 0) + part.shape[0], max(bx, 0):max(bx, 0) + part.shape[1]] = part
        if border_px:
            grey[:border_px] = checker
            grey[h - border_px:] = checker
        return np.repeat(np.clip(grey, 0, 255).astype(np.uint8)[..., None], 3, axis=2)

    write_test_clip(path, n_frames=n_frames, fps=fps, size=SIZE, pattern=pattern,
                    timestamps_s=None if timestamps_s is None else t)
    return path, boxes


def _close(measured: np.ndarray, expected, rel: float = 0.03, abs_px_s: float = 3.0) -> bool:
    return bool(np.all(np.abs(np.asarray(measured) - np.asarray(expected))
                       <= rel * np.linalg.norm(expected) + abs_px_s))


@pytest.mark.parametrize("bg_px_s, stride", [
    ((90.0, 0.0), 1),          # 3 px/frame to the right
    ((-120.0, 45.0), 1),       # left and down, sub-pixel per frame in y
    ((75.0, 0.0), 3),          # every third frame: 7.5 px per measured pair
], ids=["right", "left-down", "stride3"])
def test_pan_speed_is_measured(tmp_path, bg_px_s, stride):
    path, boxes = make_clip(tmp_path / "pan.mp4", bg_px_s=bg_px_s, athlete_px_s=(0.0, 0.0))
    flow = background_flow(probe(path), boxes, stride=stride)
    assert len(flow) == (40 - 1) // stride and flow.stride == stride
    assert np.all(np.diff(flow.frame_index) == stride)
    assert _close(flow.median_velocity_px_s(), bg_px_s)
    per_pair_ok = [_close(v, bg_px_s, rel=0.05) for v in flow.velocity_px_s]
    assert np.mean(per_pair_ok) >= 0.9
    assert np.median(flow.reliability) > 0.8
    assert np.allclose(flow.dt_s, stride / 30.0)


def test_fixed_camera_with_a_running_athlete_reads_still(tmp_path):
    path, boxes = make_clip(tmp_path / "fixed.mp4", bg_px_s=(0.0, 0.0), athlete_px_s=(150.0, 0.0))
    flow = background_flow(probe(path), boxes)
    assert np.all(np.abs(flow.median_velocity_px_s()) < 1.0)
    assert flow.reliable().mean() > 0.9


def test_a_big_athlete_moving_against_the_pan_is_left_out_by_its_box(tmp_path):
    # The block covers 30 % of the picture, has the strongest corners, and moves the other way.
    path, boxes = make_clip(tmp_path / "big.mp4", bg_px_s=(60.0, 0.0), athlete_px_s=(-90.0, 0.0),
                            athlete_size=(110, 200))
    info = probe(path)
    unboxed = background_flow(info)
    assert unboxed.median_velocity_px_s()[0] < 0, "the test lost its point: the block no longer wins"
    flow = background_flow(info, boxes)
    assert _close(flow.median_velocity_px_s(), (60.0, 0.0))


def test_variable_frame_rate_uses_real_frame_times(tmp_path):
    rng = np.random.default_rng(3)
    t = np.concatenate(([0.0], np.cumsum((1 + rng.uniform(-0.4, 0.4, 39)) / 30.0)))
    path, boxes = make_clip(tmp_path / "vfr.mp4", bg_px_s=(100.0, 0.0), athlete_px_s=(0.0, 0.0), timestamps_s=t)
    info = probe(path)
    assert info.is_variable_frame_rate
    flow = background_flow(info, boxes)
    assert np.allclose(flow.dt_s, np.diff(t), atol=1e-3)
    # Displacements differ pair to pair; speeds do not.
    assert np.mean([_close(v, (100.0, 0.0), rel=0.05) for v in flow.velocity_px_s]) >= 0.9


def test_a_static_player_frame_does_not_hide_the_pan(tmp_path):
    # A screen recording: black bars with white "text" (a checkerboard, the strongest
    # corners in the picture) above and below a panning picture.
    path, boxes = make_clip(tmp_path / "player.mp4", bg_px_s=(90.0, 0.0), athlete_px_s=(0.0, 0.0), border_px=54)
    info = probe(path)
    naive = background_flow(info, boxes, picture_box_px=(0, 0, *SIZE))
    assert np.all(np.abs(naive.median_velocity_px_s()) < 5.0), "the test lost its point: the border no longer wins"
    flow = background_flow(info, boxes)
    x0, y0, x1, y1 = flow.picture_box_px
    assert y0 >= 54 and y1 <= SIZE[1] - 54 and y1 - y0 >= 0.8 * (SIZE[1] - 108)
    assert _close(flow.median_velocity_px_s(), (90.0, 0.0))


def test_a_fixed_camera_keeps_the_whole_picture(tmp_path):
    path, boxes = make_clip(tmp_path / "fixed_border.mp4", bg_px_s=(0.0, 0.0), athlete_px_s=(120.0, 0.0),
                            border_px=30)
    flow = background_flow(probe(path), boxes)
    x0, y0, x1, y1 = flow.picture_box_px
    assert y0 < 0.05 * SIZE[1] and y1 > 0.95 * SIZE[1]  # nothing moves, so nothing is cut
    assert np.all(np.abs(flow.median_velocity_px_s()) < 1.0)


def test_velocity_at_picks_the_nearest_reliable_pair():
    flow = BackgroundFlow(
        frame_index=np.array([2, 4, 6, 8]), t_s=np.array([1, 3, 5, 7]) / 30, dt_s=np.full(4, 2 / 30),
        velocity_px_s=np.array([[10.0, 0], [20, 0], [np.nan, np.nan], [40, 0]]),
        reliability=np.array([1.0, 0.9, 0.0, 0.1]), inliers=np.array([50, 40, 0, 3]),
        picture_box_px=(0, 0, 100, 100), stride=2, work_scale=1.0)
    assert flow.reliable().tolist() == [True, True, False, False]
    got = flow.velocity_at(np.array([0, 1, 3, 5, 6, 20]))[:, 0]
    assert got[:4].tolist() == [10.0, 10.0, 20.0, 20.0]
    assert np.isnan(got[4:]).all()  # nearest reliable pair more than a stride away
    assert flow.median_velocity_px_s().tolist() == [15.0, 0.0]


def test_arguments_are_checked(tmp_path):
    path, _ = make_clip(tmp_path / "small.mp4", n_frames=4)
    info = probe(path)
    with pytest.raises(ValueError, match="stride"):
        background_flow(info, stride=0)
    with pytest.raises(ValueError, match="athlete_boxes_px"):
        background_flow(info, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="one row per frame"):
        background_flow(info, np.zeros((3, 4)))
    with pytest.raises(ValueError, match="max_side_px"):
        background_flow(info, max_side_px=10)


@pytest.mark.parametrize("stride", [1, 2, 3])
def test_ranges_measured_at_once_give_the_rows_of_one_pass(tmp_path, stride):
    """Each range decodes the frame `stride` before its first, so no pair is lost or doubled at a
    seam, and every row equals one pass's."""
    from formcheck.video.split import frame_ranges

    path, boxes = make_clip(tmp_path / "pan.mp4", n_frames=190, bg_px_s=(-80.0, 30.0), athlete_px_s=(40.0, 0.0))
    info = probe(path)
    assert len(frame_ranges(190, 60, 3, align=stride)) == 3
    one = background_flow(info, boxes, stride=stride, workers=1)
    three = background_flow(info, boxes, stride=stride, workers=3)
    assert len(one) == (190 - 1) // stride and np.all(np.diff(three.frame_index) == stride)
    for field in ("frame_index", "t_s", "dt_s", "velocity_px_s", "reliability", "inliers"):
        assert np.array_equal(getattr(one, field), getattr(three, field), equal_nan=True), field
    assert one.picture_box_px == three.picture_box_px
