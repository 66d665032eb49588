"""Camera view from landmark geometry: a standing 3-D figure seen from known yaw angles."""

import numpy as np
import pytest

from formcheck.kinematics.view import guess_view
from formcheck.landmarks import NUM_LANDMARKS
from formcheck.landmarks import Landmark as L
from formcheck.track import PoseTrack

# A standing body in metres: X = the subject's left, Y up, Z = where the subject faces.
BODY = {
    L.NOSE: (0, 1.65, 0.10), L.LEFT_EAR: (0.08, 1.65, 0), L.RIGHT_EAR: (-0.08, 1.65, 0),
    L.LEFT_SHOULDER: (0.2, 1.45, 0), L.RIGHT_SHOULDER: (-0.2, 1.45, 0),
    # Hip landmarks are joint centres, ~20 cm apart, as MediaPipe places them.
    L.LEFT_HIP: (0.1, 0.95, 0), L.RIGHT_HIP: (-0.1, 0.95, 0),
    L.LEFT_KNEE: (0.1, 0.5, 0.02), L.RIGHT_KNEE: (-0.1, 0.5, 0.02),
    L.LEFT_ANKLE: (0.1, 0.08, 0), L.RIGHT_ANKLE: (-0.1, 0.08, 0),
}


def seen_from(yaw_deg: float, n: int = 20, noise_px: float = 2.0, seed: int = 0) -> PoseTrack:
    """Orthographic camera; yaw 0 = the subject faces the camera, 90 = faces image right."""
    rng = np.random.default_rng(seed)
    yaw = np.deg2rad(yaw_deg)
    xy = np.full((n, NUM_LANDMARKS, 2), np.nan)
    vis = np.zeros((n, NUM_LANDMARKS))
    for landmark, (x, y, z) in BODY.items():
        # Facing the camera, the subject's left is on the image right.
        image_x = x * np.cos(yaw) + z * np.sin(yaw)
        xy[:, landmark] = (640 + 400 * image_x, 900 - 400 * y)
        vis[:, landmark] = 0.9
    xy += rng.normal(0, noise_px, xy.shape)
    return PoseTrack(np.arange(n) / 30, xy, np.zeros((n, NUM_LANDMARKS)), vis,
                     np.full((n, NUM_LANDMARKS, 3), np.nan), np.arange(n), (1280, 960))


@pytest.mark.parametrize("yaw, view, facing", [
    (0, "front", None), (15, "front", None), (180, "rear", None), (-165, "rear", None),
    (90, "side", "right"), (80, "side", "right"), (-90, "side", "left"), (100, "side", "right"),
    (60, "oblique", None), (-120, "oblique", None), (40, "front", None), (140, "rear", None),
], ids=lambda v: str(v))
def test_view_from_known_yaw(yaw, view, facing):
    guess = guess_view(seen_from(yaw))
    assert (guess.view, guess.facing) == (view, facing)
    assert guess.frames == 20
    assert guess.confidence > 0.8


def test_no_torso_means_unknown_with_zero_confidence():
    guess = guess_view(PoseTrack.empty(10))
    assert guess.view == "unknown" and guess.confidence == 0.0 and guess.frames == 0


def test_low_visibility_landmarks_are_not_used():
    track = seen_from(90)
    vis = track.visibility.copy()
    vis[:, [L.LEFT_SHOULDER, L.RIGHT_SHOULDER]] = 0.1
    assert guess_view(track.with_arrays(visibility=vis)).view == "unknown"


def test_bad_threshold_raises():
    with pytest.raises(ValueError, match="min_visibility"):
        guess_view(seen_from(0), min_visibility=2)
