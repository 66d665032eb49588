"""One window of the athlete's track: running, walking, an exercise, still or out of view.

Each label gets a probability from the evidence that separates it from the others,
never from a threshold on one clip:

* not in view: too few frames show the body (hips, shoulders, knees, ankles);
* still: the legs move less than `STILL_MOTION` torso lengths (RMS);
* gait: the legs repeat one movement half a cycle apart (`features.alternation`), both legs
  move alike, the body is upright, the feet move forward-back or up-down rather than
  sideways (a side step is a band walk), and the stance knee stays fairly straight (in a
  lunge or squat both knees bend together past ~70°; in running the less bent knee peaks
  near 45°, METRICS.md §1.3);
* an exercise: everything that moves and is not gait; which one is the exercise
  recogniser's ranking on this window (`exercises.recognition`), and a movement that no
  catalog exercise matches is OTHER_EXERCISE, never the nearest catalog entry.

Running versus walking comes from the step rate when it is plausible for the form, and
from the swing knee otherwise (a running swing knee bends past ~90°, a walking one to
~60-70°): a running form at a walking step rate is slow motion, not walking.
Held pictures (`WindowFeatures.picture_hold`: each picture shown k times) allow a second time
base: slow motion stored by holding pictures, k times slower than real time. Where the legs
take turns slower than anyone walks in video time but at a gait rate k times faster, that rate
is the one judged (a jogger slowed 3x steps at ~57 a minute of video time and swings the knee
to only ~70°, so the swing alone does not say "slowed"), and the window looks like slow motion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.activity.features import WindowFeatures
from formcheck.activity.model import NOT_IN_VIEW, OTHER_EXERCISE, STILL, UNSURE

#: [H] Below this share of frames with the body seen (trunk and a leg), a window says nothing.
MIN_SEEN = 0.4
#: [H] A window (a shot) shorter than this shows neither a stride nor a rep: too short to tell.
MIN_JUDGE_S = 1.5
#: [H] Narrowest sideways distance of the feet, hip widths: runners and walkers read 0.2-0.6 (the
#: feet pass each other), a monster walk 1.5 and more (feet kept wide).
WIDE_STANCE = (0.9, 1.3)
#: [H] Steps per minute (video time) below which alternating legs are not walking, unless the
#: stride is a runner's (then slow motion): a slow walk takes ~70, a monster walk 30-50.
MIN_GAIT_SPM = 65.0
#: [H] RMS movement of the leg vectors (torso lengths) below which the athlete is still:
#: standing between sets reads 0.02-0.06, the slowest squats 0.15 and up.
STILL_MOTION = (0.05, 0.09)
#: [H] Knee flexion range (5th-95th percentile) of a still athlete: landmark jitter reads 5-10°.
STILL_KNEE_RANGE_DEG = (15.0, 25.0)
#: [H] Alternation (correlation of one leg with the other half a cycle later) that is gait.
ALTERNATION = (0.3, 0.6)
#: [H] Sign changes of the legs' difference: 1.5 strides show at least 3; a leg raised to
#: the side and lowered shows 2.
MIN_REVERSALS = 3
#: [H] The smaller leg's movement over the larger's: gait moves both legs alike.
LEG_BALANCE = (0.2, 0.45)
#: [H] Share of a window's frames with the trunk within 60° of vertical that makes gait possible.
UPRIGHT_SHARE = (0.2, 0.45)
#: [H] Less bent knee (90th percentile, world landmarks): running's stance knee peaks near
#: 45° (METRICS.md §1.3; 31-55° on the corpus); squats and lunges bend both past 70°.
BOTH_KNEES_BENT_DEG = (60.0, 75.0)
#: [H] Share of the ankles' movement that is sideways (half-second steps): gait 0.0-0.1, side
#: steps 0.6 and more.
SIDEWAYS = (0.3, 0.5)
#: [H] Step rates (video time): walking up to ~130 steps/min, running from ~145.
WALK_MAX_SPM, RUN_MIN_SPM = 130.0, 145.0
#: [H] Swing knee (90th percentile of the more bent knee): walking ~60-70°, running 85° and more.
RUN_SWING_KNEE_DEG = (75.0, 90.0)
#: [H] Frames per new picture from which held pictures may be slow motion: every other picture
#: held or more (a 25 -> 30 fps conversion holds one in six, 1.2; slow motion stored by holding
#: shows each picture 2-4 times).
SLOWED_HOLD = 1.5
#: [H] How far a step rate slower than any walk counts against gait, over a whole segment, when
#: nothing else does: the movement is gait in slow motion or an exercise that moves the legs like
#: gait, and only the capture rate (or the user) can tell. 0.5: neither is the likelier.
SLOW_DOUBT = 0.5


def ramp(x: float, limits: tuple[float, float]) -> float:
    """0 below limits[0], 1 above limits[1], linear between; NaN gives 0."""
    lo, hi = limits
    if not np.isfinite(x):
        return 0.0
    return float(np.clip((x - lo) / (hi - lo), 0.0, 1.0))


@dataclass(frozen=True)
class GaitEvidence:
    """probability: [0, 1] that the window is gait; parts: each factor's value, for reasons;
    running: [0, 1] running rather than walking; spm: step rate (video time), NaN if unknown;
    slow_motion: a running form at a step rate no runner has in real time, or held pictures
    whose steps come at a gait rate only if the clip is slowed (`slowed_step_rate_spm`)."""

    probability: float
    parts: dict
    running: float
    spm: float
    slow_motion: bool


def step_rate_spm(f: WindowFeatures) -> float:
    """Steps per minute (video time): from the stride period where the legs repeat clearly
    and agree with the count of reversals (one per step), else from that count; NaN below
    MIN_REVERSALS. The autocorrelation can lock on a multiple of the stride where legs are
    hidden part of the time; the count cannot."""
    if f.reversals < MIN_REVERSALS or not f.duration_s > 0:
        return float("nan")
    counted = 60.0 * f.reversals / f.duration_s
    if np.isfinite(f.stride_s) and f.repeat >= 0.2:
        periodic = 120.0 / f.stride_s
        if abs(periodic - counted) <= 0.25 * counted:
            return float(periodic)
    return float(counted)


def slowed_step_rate_spm(spm: float, picture_hold: float) -> float:
    """The real-time step rate if held pictures are slow motion (module docstring): `spm` times
    the hold, where pictures are held (SLOWED_HOLD) and `spm` is slower than any gait in video
    time; else NaN (an ordinary clip, or steps already at a gait rate: held pictures then come
    from a camera taking few pictures, in real time)."""
    if not (np.isfinite(spm) and picture_hold >= SLOWED_HOLD and spm < MIN_GAIT_SPM):
        return float("nan")
    return float(spm * picture_hold)


def _rates(spm: float, picture_hold: float) -> tuple[float, float, bool]:
    """(rate judged for gait and running, share of "a walking rate or faster", held slow motion)."""
    slowed = slowed_step_rate_spm(spm, picture_hold)
    held_slow = bool(ramp(slowed, (MIN_GAIT_SPM - 15.0, MIN_GAIT_SPM)) >= 1.0)
    rate = slowed if held_slow else spm
    return rate, ramp(rate, (MIN_GAIT_SPM - 15.0, MIN_GAIT_SPM)), held_slow


def _running_share(form: float, rate: float, held_slow: bool) -> float:
    """Running rather than walking, from the swing knee and the step rate. On held pictures read
    as slow motion the rate is a lower bound (a clip may be slowed more than its pictures are
    held: 120 fps played at 30 and then held), so a walking rate there leaves running open."""
    running = max(form, ramp(rate, (WALK_MAX_SPM, RUN_MIN_SPM + 15.0)))
    return max(running, 0.5) if held_slow else running


def gait_evidence(f: WindowFeatures, slow_doubt: bool = False) -> GaitEvidence:
    """How much a window looks like running or walking (module docstring). slow_doubt: a step
    rate slower than any walk counts only SLOW_DOUBT against gait (a whole segment's reading)."""
    if f.one_leg:
        return _one_leg_gait(f)
    alternation = max(f.half_shift, -f.same_time)
    spm = step_rate_spm(f)
    rate, walking_rate, held_slow = _rates(spm, f.picture_hold)
    form = ramp(f.max_knee_deg, RUN_SWING_KNEE_DEG)
    parts = {
        "legs alternate": ramp(alternation, ALTERNATION) * (f.reversals >= MIN_REVERSALS),
        "both legs move": ramp(f.leg_balance, LEG_BALANCE),
        # On their feet for part of the window at least: a sprint start spends its first second
        # folded over the blocks; a plank or mountain climber never rises.
        "upright": ramp(f.upright, UPRIGHT_SHARE),
        "stance knee straight": 1.0 - ramp(f.both_knees_bent_deg, BOTH_KNEES_BENT_DEG),
        "feet move forward-back": 1.0 - ramp(f.lateral_share, SIDEWAYS),
        "feet pass each other": 1.0 - ramp(f.narrowest_stance, WIDE_STANCE),
        # Legs taking turns slower than any walk: band walks and lunges, unless a runner's stride
        # says the clip is slowed down. Read over a whole segment (`slow_doubt`), where every
        # other part says gait, slow motion made without held pictures (an editor's blended
        # frames, a phone's high-rate capture played at 30) looks the same as a slow exercise:
        # the rate alone leaves it open (SLOW_DOUBT).
        "a walking rate or faster": max(walking_rate, form, SLOW_DOUBT if slow_doubt else 0.0)
        if np.isfinite(spm) else 1.0,
    }
    probability = float(np.prod(list(parts.values())))
    running = _running_share(form, rate, held_slow)
    # A running swing at a walking step rate: the clip is slowed down, the athlete runs.
    slow = bool(np.isfinite(spm) and spm < WALK_MAX_SPM and form >= 1.0) or held_slow
    return GaitEvidence(probability, parts, float(running), float(spm), slow)


#: [H] With one leg seen, gait is at most this sure: the other leg's turn is not seen.
ONE_LEG_GAIT_MAX = 0.8
#: [H] One leg's stride period (video seconds) in gait: a sprint's 0.45 s to a slow walk's 1.6 s.
ONE_LEG_STRIDE_S = (0.4, 1.6)
#: [H] Range of the hip-to-ankle vector along its main direction, torso lengths: a running or
#: walking leg sweeps 0.8-1.5, a squatting or bridging one 0.2-0.5.
ONE_LEG_SWEEP = (0.5, 0.8)


def _one_leg_gait(f: WindowFeatures) -> GaitEvidence:
    """Gait from the one leg seen (a side view whose far leg is hidden behind the near one or a
    treadmill's console): it swings forward and back in a stride's rhythm, through a running or
    walking range, the trunk upright. A squat's leg rises and falls slowly and barely sweeps."""
    in_range = ONE_LEG_STRIDE_S[0] <= f.stride_s <= ONE_LEG_STRIDE_S[1] if np.isfinite(f.stride_s) else False
    form = ramp(f.max_knee_deg, RUN_SWING_KNEE_DEG)
    parts = {"one leg swings in a stride rhythm": ramp(f.repeat, (0.3, 0.5)) * (in_range or form >= 1.0),
             "the leg sweeps forward and back": ramp(f.sweep, ONE_LEG_SWEEP),
             "upright": ramp(f.upright, UPRIGHT_SHARE),
             "the knee bends and straightens": ramp(f.knee_range_deg, (40.0, 60.0))}
    spm = 120.0 / f.stride_s if np.isfinite(f.stride_s) else float("nan")
    rate, _, held_slow = _rates(spm, f.picture_hold)
    if held_slow:  # a stride this slow in video time is a gait's once the held pictures are undone
        parts["one leg swings in a stride rhythm"] = ramp(f.repeat, (0.3, 0.5))
    probability = ONE_LEG_GAIT_MAX * float(np.prod(list(parts.values())))
    running = _running_share(form, rate, held_slow)
    slow = bool(np.isfinite(spm) and spm < WALK_MAX_SPM and form >= 1.0) or held_slow
    return GaitEvidence(probability, parts, float(running), float(spm), slow)


@dataclass(frozen=True)
class WindowLabel:
    """A window's label probabilities (sum <= 1), best label and reasons."""

    features: WindowFeatures
    probabilities: dict
    reasons: tuple[str, ...]

    @property
    def ranked(self) -> list[tuple[str, float]]:
        return sorted(self.probabilities.items(), key=lambda kv: -kv[1])


def label_window(f: WindowFeatures, exercise_ranking: list[tuple[str, float]] | None) -> WindowLabel:
    """Probabilities of every label for one window.

    exercise_ranking: the recogniser's (name, confidence) for this window, best first, or
    None when it was not run (the window is clearly gait, still or out of view).
    """
    if f.seen < MIN_SEEN:
        return WindowLabel(f, {NOT_IN_VIEW: 1.0 - f.seen / MIN_SEEN * 0.5},
                           (f"the body is seen on {f.seen:.0%} of frames",))
    if f.duration_s < MIN_JUDGE_S or not np.isfinite(f.motion):
        return WindowLabel(f, {UNSURE: 1.0}, (f"{f.duration_s:.1f} s with the body seen: too short to tell",))
    # Still: neither the legs' positions nor the knees' angles move (a squat seen from the front
    # moves the ankles little in the picture but bends the knees through 60° and more).
    still = 1.0 - max(ramp(f.motion, STILL_MOTION), ramp(f.knee_range_deg, STILL_KNEE_RANGE_DEG))
    gait = gait_evidence(f)
    moving = 1.0 - still
    p_gait = moving * gait.probability
    p_exercise = moving * (1.0 - gait.probability)
    probs = {STILL: still}
    if p_gait > 0:
        probs["running"] = p_gait * gait.running
        probs["walking"] = p_gait * (1.0 - gait.running)
    reasons = [f"legs move {f.motion:.2f} torso lengths (RMS)"]
    weakest = min(gait.parts, key=gait.parts.get)
    if gait.probability >= 0.5:
        rate = f", {gait.spm:.0f} steps/min in video time" if np.isfinite(gait.spm) else ""
        reasons.append(f"the legs alternate as in gait{rate}")
        if gait.slow_motion and np.isfinite(slowed_step_rate_spm(gait.spm, f.picture_hold)):
            reasons.append(f"each picture shown {f.picture_hold:.1f} times and steps slower than any gait: "
                           "this looks like slow motion")
        elif gait.slow_motion:
            reasons.append("a running stride at a walking step rate: this looks like slow motion")
    else:
        reasons.append(f"not gait: {weakest} {gait.parts[weakest]:.2f}")
    if p_exercise > 0:
        ranking = exercise_ranking or []
        matched = 0.0
        for name, conf in ranking:
            probs[name] = p_exercise * conf
            matched += conf
        probs[OTHER_EXERCISE] = p_exercise * max(0.0, 1.0 - matched)
    return WindowLabel(f, probs, tuple(reasons))
