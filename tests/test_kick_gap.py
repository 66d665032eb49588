"""A donkey kick lifts one knee while the other stays down (recognition.kick_gap).

With MediaPipe's heavy model a sprinter in the blocks, going from "on your marks" to "set", was a
donkey kick of one rep (0.66, confidently wrong): on hands and feet, a knee rising. Both knees rise
together there; a kick lifts one to hip height while the other stays under its hip.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from synthetic_athlete import RecordingSpec, RepPlan, make_exercise_clip

from formcheck.exercises.catalog import EXERCISES
from formcheck.exercises.recognition import KICK_GAP, clip_features, kick_gap, score_exercise
from formcheck.landmarks import Landmark as L


@pytest.mark.parametrize("view", ["side", "foot_end"])
@pytest.mark.parametrize("plan", [None, RepPlan.alternating(6, move_s=1.6, hold_s=0.3)], ids=["one-side", "alternating"])
def test_a_kick_lifts_one_knee(view, plan):
    track, _ = make_exercise_clip("donkey_kick", view, plan, recording=RecordingSpec(seed=2))
    assert kick_gap(track.xy_px) > KICK_GAP[1]
    assert score_exercise(EXERCISES["donkey_kick"], clip_features(track, view), view) > 0.5


def test_both_knees_rising_together_is_no_kick():
    """The same athlete with the resting knee moved with the kicking one (both knees leave the
    floor together, as a sprinter's rising into "set"): no donkey kick."""
    plan = RepPlan.simple("left", 5, move_s=1.6, hold_s=0.3)
    track, _ = make_exercise_clip("donkey_kick", "side", plan, recording=RecordingSpec(seed=2))
    xy = track.xy_px.copy()
    for part in ("KNEE", "ANKLE", "HEEL", "FOOT_INDEX"):
        left, right = L[f"LEFT_{part}"], L[f"RIGHT_{part}"]
        # the right leg keeps its own place across the picture but rises as the left one does
        rise = xy[:, left, 1] - xy[0, left, 1]
        xy[:, right, 1] = xy[0, right, 1] + rise
    both = replace(track, xy_px=xy)
    assert kick_gap(both.xy_px) < KICK_GAP[0]
    assert score_exercise(EXERCISES["donkey_kick"], clip_features(both, "side"), "side") == 0.0


def test_no_knees_no_gap():
    assert np.isnan(kick_gap(np.full((20, 33, 2), np.nan)))
