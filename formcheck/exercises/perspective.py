"""How far perspective can move a knee's frontal-plane angle (FPPA) seen from the front or behind.

A pinhole camera shows a point nearer than the hips further from the picture's centre, and a farther
one nearer to it, by (x - cx) * dz / Z (dz: its depth from the hip-mid, Z: the hip-mid's distance).
A bent knee is nearer the camera than its hip and ankle (seen from the front; farther from behind), so
a knee off the picture's centre line moves sideways against its hip-ankle line: from the front a knee
off to the side reads further out (a cave looks smaller than it is), from behind further in (a cave
appears that is not there). A lateral lunge's knee, 0.6-0.8 m out to the side and 0.25 m forward,
reads 16° out from 5 m on the synthetic athlete, 25° from 3 m; a squat's knees, near the centre, a few
degrees.

Z is not in the picture: it is the focal length in pixels times the metres per pixel at the hips, and
the focal length is the lens's. The shift is computed for the widest lens a phone films with by
default, its main camera (about 70° across the long side: f = WIDEST_LENS_F long sides); a longer
lens or a camera further away moves the knee less, a 0.5x ultra-wide lens about twice as much. Depths
come from the world landmarks (metres, hip-mid origin, + = away from the camera).
"""

from __future__ import annotations

import numpy as np

from formcheck.exercises.signals import LEGS, knee_fppa
from formcheck.landmarks import Landmark as L

#: [H] A phone's main camera: ~70° across the long side of the picture, f = 0.5 / tan(35°) = 0.7 long sides.
WIDEST_LENS_F = 0.7
_LEG_POINTS = ("HIP", "KNEE", "ANKLE")


def pixels_per_metre(xy: np.ndarray, world: np.ndarray) -> float:
    """The picture's scale at the hips: image over world hip-to-ankle length (thigh plus shank), 90th
    percentile over frames and legs (the straightest, least foreshortened moments); NaN if unseen."""
    ratios = []
    for s in LEGS:
        image = sum(np.linalg.norm(xy[:, L[f"{s.upper()}_{b}"]] - xy[:, L[f"{s.upper()}_{a}"]], axis=-1)
                    for a, b in (("HIP", "KNEE"), ("KNEE", "ANKLE")))
        metres = sum(np.linalg.norm(world[:, L[f"{s.upper()}_{b}"]] - world[:, L[f"{s.upper()}_{a}"]], axis=-1)
                     for a, b in (("HIP", "KNEE"), ("KNEE", "ANKLE")))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios.append(image / metres)
    r = np.concatenate(ratios)
    r = r[np.isfinite(r) & (r > 0)]
    return float(np.percentile(r, 90)) if r.size else float("nan")


def knee_fppa_shift_deg(xy: np.ndarray, world: np.ndarray | None,
                        frame_size: tuple[int, int]) -> dict[str, np.ndarray]:
    """Per leg and frame: how far perspective moves the knee's FPPA with the widest lens (module
    docstring), deg, + = it reads more medial than it is: the FPPA as measured minus the FPPA of
    the hip, knee and ankle moved to the hip-mid's depth. NaN without world landmarks."""
    n = xy.shape[0]
    if world is None or world.shape[:2] != xy.shape[:2]:
        return {s: np.full(n, np.nan) for s in LEGS}
    width, height = frame_size
    # The hip-mid's distance: the focal length in pixels over the pixels per metre at the hips.
    distance_m = WIDEST_LENS_F * max(width, height) / pixels_per_metre(xy, world) if width and height else np.nan
    flat = np.array(xy, dtype=np.float64, copy=True)
    cx = width / 2.0
    for s in LEGS:
        for part in _LEG_POINTS:
            i = L[f"{s.upper()}_{part}"]
            flat[:, i, 0] = cx + (xy[:, i, 0] - cx) * (1.0 + world[:, i, 2] / distance_m)
    seen, level = knee_fppa(xy), knee_fppa(flat)
    return {s: seen[s] - level[s] for s in LEGS}
