"""Background motion on clips made here: a texture sliding at a known speed behind a static 'athlete'."""

import av
import numpy as np
import pytest

from formcheck.video import probe
from formcheck.video.background import background_motion

W, H, FPS, N = 320, 240, 30, 40


def _clip(path, shift_px_per_frame: float):
    rng = np.random.default_rng(0)
    texture = rng.integers(0, 255, (H // 8, (W + int(abs(shift_px_per_frame) * N) + 8) // 8, 3), dtype=np.uint8)
    texture = np.kron(texture, np.ones((8, 8, 1), dtype=np.uint8))  # blocky: corners to track
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.options = {"crf": "12"}
        for i in range(N):
            x0 = int(round(i * abs(shift_px_per_frame)))
            frame = texture[:, x0:x0 + W].copy()
            if shift_px_per_frame < 0:
                frame = frame[:, ::-1].copy()
            frame[80:200, 140:180] = (200, 60, 60)  # the athlete stays in place
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return probe(path)


@pytest.mark.parametrize("shift, expected", [(0.0, 0.0), (4.0, 4.0 * FPS / W), (8.0, 8.0 * FPS / W)],
                         ids=["still", "slow-pan", "fast-pan"])
def test_measured_background_speed_matches_the_slide(tmp_path, shift, expected):
    info = _clip(tmp_path / "slide.mp4", shift)
    boxes = np.tile([140.0, 80.0, 180.0, 200.0], (N, 1))
    motion = background_motion(info, boxes, pairs=8)
    assert motion.pairs >= 6
    assert motion.speed_frac_per_s == pytest.approx(expected, abs=0.01)


def test_boxes_must_be_t_by_4(tmp_path):
    info = _clip(tmp_path / "still.mp4", 0.0)
    with pytest.raises(ValueError, match="athlete_boxes"):
        background_motion(info, np.zeros((N, 3)))
