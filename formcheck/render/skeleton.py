"""Draw the athlete's skeleton on a frame, left and right in different colours."""

from __future__ import annotations

import cv2
import numpy as np

from formcheck.landmarks import SKELETON_EDGES, Landmark
from formcheck.track import PoseTrack

# BGR. Left = orange, right = blue, midline = white: the usual biomechanics convention.
LEFT_BGR = (0, 140, 255)
RIGHT_BGR = (255, 140, 0)
MID_BGR = (255, 255, 255)


def _side(landmark: Landmark) -> str:
    name = landmark.name
    return "left" if name.startswith("LEFT_") else "right" if name.startswith("RIGHT_") else "mid"


class SkeletonAnnotator:
    """Bones and joints of frame `i` of a track, scaled to the frame size.

    min_visibility: joints below it are skipped (never drawn where MediaPipe
    was guessing). Line width scales with the frame so it reads on a phone.
    """

    def __init__(self, min_visibility: float = 0.5, thickness_fraction: float = 0.004):
        if not 0 <= min_visibility <= 1:
            raise ValueError(f"min_visibility must be in [0, 1], got {min_visibility}")
        self.min_visibility = min_visibility
        self.thickness_fraction = thickness_fraction

    def annotate(self, frame_bgr: np.ndarray, track, i: int) -> np.ndarray:
        """A copy of `frame_bgr` (H, W, 3 uint8) with frame `i` of `track` drawn on it.

        track: a PoseTrack, or anything with a `.track` (a ReportModel)."""
        out = frame_bgr.copy()
        self.draw(out, track, i, [])
        return out

    def draw(self, out: np.ndarray, track, i: int, avoid: list) -> None:
        """Draw in place (see `annotate`)."""
        track: PoseTrack = getattr(track, "track", track)
        if not 0 <= i < len(track):
            return
        xy, vis = track.xy_px[i], track.visibility[i]
        ok = np.all(np.isfinite(xy), axis=1) & (vis >= self.min_visibility)
        thickness = max(2, int(round(self.thickness_fraction * max(out.shape[:2]))))
        if ok.sum() >= 2:  # thinner lines on a small athlete, so the joints stay visible
            height = float(np.ptp(xy[ok, 1]))
            thickness = max(1, min(thickness, int(round(0.012 * height))))
        for a, b in SKELETON_EDGES:
            if ok[a] and ok[b]:
                colour = {"left": LEFT_BGR, "right": RIGHT_BGR}.get(_side(a) if _side(a) == _side(b) else "mid", MID_BGR)
                cv2.line(out, _pt(xy[a]), _pt(xy[b]), colour, thickness, cv2.LINE_AA)
        for k in np.flatnonzero(ok):
            if k <= Landmark.MOUTH_RIGHT:
                continue  # face points clutter small subjects
            colour = {"left": LEFT_BGR, "right": RIGHT_BGR}.get(_side(Landmark(k)), MID_BGR)
            cv2.circle(out, _pt(xy[k]), thickness + 1, colour, -1, cv2.LINE_AA)


def _pt(p: np.ndarray) -> tuple[int, int]:
    return int(round(p[0])), int(round(p[1]))
