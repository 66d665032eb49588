#!/usr/bin/env python
"""Running contacts, cadence and slow motion, judged on labelled clips and synthetic runners (issue 17).

    .venv/bin/python bench/gait_events.py [--clips ../shared/clips] [--no-real] [--no-synthetic] [--only NAME ...]

Real clips: every entry of `labels.json` (beside the clips, and the project's own
docs/ground_truth/labels.json) with "contacts" or "slowmo" runs through
`pipeline.analyze(clip, "run")` (pose cached after the first run). The labels mark contacts by eye
as [frame, foot]: 0-based frame indices of the clip, timed by the clip's own timestamps; feet L/R
(the runner's left/right) or A/B (one foot and the other, sides unknown). Per clip:
* contacts: each labelled contact is paired with at most one detected contact ("contact" events of
  `a.running.events`, timed by `e.t_s`), closest first, within MATCH_S whatever the side; a pair is
  on time within one frame of 30 fps (1/30 s). missed: labelled, no detection within MATCH_S;
  extra: detected, no label within MATCH_S (those before the first or after the last label are
  counted too, and shown apart: the labeller may have left out a contact at a clip's edge).
  off: paired but more than a frame away. sides: of the pairs, how many name the labelled foot
  (A/B: the better of A = left and A = right, i.e. whether the feet are told apart consistently);
* cadence: `a.running.summary["cadence_spm"].median` against the labelled cadence (video time),
  within 2%; a clip labelled slow motion also counts when FormCheck flags slow motion (it then
  rightly withholds cadence: the capture rate is unknown);
* slow motion: `a.running.time_base.slow_motion` (with `.reason`) against the label ("slowmo");
  every clip counts, and one whose analysis has no time base ("n/a") counts as wrong.

Synthetic runners (tests/synthetic_runner.py: side view, treadmill, 1 px noise, 170 steps/min,
SYNTH_DURATION_S long, exact truth) at 24, 30, 60, 120 and 240 frames/s, each plain, with every
picture held 3 frames in real time (`hold_frames=3`: a camera capturing a third as many pictures,
stored at the clip's rate; the motion is not slowed), slowed 3 times and stored by showing each
picture 3 times (*slowed3held*: captured at fps, every row repeated 3 times, times at fps: the
motion and its cadence 3 times slower in video time, which is slow motion), with every 6th frame
repeating the one before (`repeat_every=6`: a 25 -> 30 fps style conversion) and with the far leg
lost half of the time (`far_hidden_share=0.5`). Each track is cleaned as `analyze_pose`
cleans it and run through `analyze_running_track` (treadmill context, view decided by FormCheck)
with the truth's repeated rows as `ClipTiming(repeated=...)` when `formcheck.events.timebase`
exists (without it otherwise: the line says "timing no"). Per case:
* contacts: paired with the truth's contacts as above; on time within one frame (1/fps) of the
  true contact time, held pictures too: they are captured evenly, the time base retimes the new
  pictures to their capture times and the contact between two of them is placed by
  interpolation (the first frame showing a picture after the contact, which a detector reading
  frames one by one could at best reach, is up to three frames late). Only true contacts at least EDGE_S from the clip's ends are
  counted (on time or missed); a detection paired with one nearer an end is neither on time nor
  extra. |err|: mean absolute error over the pairs counted, against the reference, in ms, with
  the mean signed error (detected - reference: + late) in brackets (the same on real clips);
* cadence: against the truth's 170 steps/min (video time; 170/3 when slowed), within 1%; a slowed
  case also counts when it is flagged as slow motion (FormCheck then rightly gives no cadence);
* slow motion: flagged on the slowed cases only (*hold3* is real time at a low capture rate).

Last line (every figure a count, "/" its total):
`gait_events: real contacts_1frame X/Y extra E cadence C/J slowmo S/K synthetic contacts_1frame
P%(p/N) extra F cadence_1pct Q/R slowmo U/V`: X of Y labelled contacts on time, E detected contacts
unlabelled, C of J clips with a labelled cadence right, S of K clips flagged right; P% = p of N
interior true contacts on time over all synthetic cases, F detected contacts matching no true one,
Q of R cases with cadence right, U of V cases flagged right (held pictures flagged, others not).
"""

from __future__ import annotations

import argparse
import inspect
import json
import logging
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

MATCH_S = 0.1  # a detected contact pairs with a labelled / true one this close at most
FRAME_30_S = 1.0 / 30.0  # "within one frame" on real clips
EPS_S = 1e-6
REAL_CADENCE_TOLERANCE = 0.02
SYNTH_CADENCE_TOLERANCE = 0.01
EDGE_S = 0.4  # true contacts nearer the clip's ends may be missed (as tests/test_gait_events.py)
SYNTH_FPS = (24.0, 30.0, 60.0, 120.0, 240.0)
SYNTH_DURATION_S = 6.0
SYNTH_SEED = 2
VARIANTS = {"plain": {}, "hold3": {"hold_frames": 3}, "slowed3held": {"slowed": 3}, "every6": {"repeat_every": 6},
            "farhidden50": {"far_hidden_share": 0.5}}


@dataclass
class Outcome:
    name: str
    synthetic: bool
    contacts_truth: int = 0  # labelled (real) or interior true (synthetic) contacts
    on_time: int = 0
    off: int = 0  # paired, more than a frame away
    missed: int = 0
    extra: int = 0
    extra_outside: int = 0  # real: extra contacts outside the labelled span
    errors_s: list = field(default_factory=list)  # detected - reference, counted pairs
    sides_right: int = 0
    sides_n: int = 0
    sides_unknown: bool = False  # A/B labels
    cadence: float | None = None
    cadence_truth: float | None = None
    cadence_ok: bool | None = None
    slowmo: bool | None = None  # None: the analysis has no time base
    slowmo_reason: str = ""
    slowmo_expected: bool = False
    view: str = ""
    timing: bool = False
    seconds: float = 0.0
    error: str = ""

    @property
    def slowmo_ok(self) -> bool:
        return self.slowmo is not None and self.slowmo == self.slowmo_expected


# -- matching ----------------------------------------------------------------------------------------
def pair(reference_s: np.ndarray, found_s: np.ndarray, window_s: float = MATCH_S) -> list[tuple[int, int]]:
    """One-to-one pairs (reference index, found index) within `window_s`, closest first."""
    cand = sorted((abs(float(f) - float(r)), i, j) for i, r in enumerate(reference_s)
                  for j, f in enumerate(found_s) if abs(float(f) - float(r)) <= window_s)
    used_r, used_f, out = set(), set(), []
    for _, i, j in cand:
        if i not in used_r and j not in used_f:
            used_r.add(i)
            used_f.add(j)
            out.append((i, j))
    return sorted(out)


def _contacts(events) -> list:
    return sorted((e for e in events if e.kind == "contact"), key=lambda e: e.t_s)


def _cadence(running) -> float | None:
    cad = running.summary.get("cadence_spm") if running is not None else None
    if cad is None or not getattr(cad, "n", 0) or not np.isfinite(cad.median):
        return None
    return float(cad.median)


def _time_base(out: Outcome, running) -> None:
    base = getattr(running, "time_base", None)
    if base is not None:
        out.slowmo = bool(base.slow_motion)
        out.slowmo_reason = str(getattr(base, "reason", ""))


# -- real clips --------------------------------------------------------------------------------------
def real_cases(clips: Path) -> list[tuple[str, Path, dict]]:
    """Labelled clips: `labels.json` beside the clips, then the project's own ground truth
    (docs/ground_truth/labels.json, clips in the same folder)."""
    merged: dict[str, dict] = {}
    for source in (clips / "labels.json", REPO / "docs" / "ground_truth" / "labels.json"):
        if source.is_file():
            for name, t in json.loads(source.read_text()).items():
                if not name.startswith("_"):
                    merged[name] = {**merged.get(name, {}), **t}  # the ground truth adds to the shared entry
    return [(name, clips / name, t) for name, t in merged.items()
            if ("contacts" in t or "slowmo" in t) and (clips / name).is_file()]


def run_real(name: str, path: Path, label: dict, mode: str = "run") -> tuple[Outcome, object]:
    """The clip analysed in `mode` and scored against its label: (outcome, analysis or None)."""
    from formcheck import pipeline

    started = time.perf_counter()
    try:
        a = pipeline.analyze(path, mode)
    except Exception as exc:  # a benchmark reports every failure and goes on
        out = Outcome(name, synthetic=False, slowmo_expected=bool(label.get("slowmo")),
                      cadence_truth=label.get("cadence_spm"), error=f"{type(exc).__name__}: {exc}")
        out.contacts_truth = len(label.get("contacts", []))
        out.missed = out.contacts_truth
        out.cadence_ok = False if out.cadence_truth is not None else None
        return out, None
    out = scored(name, a, label)
    out.seconds = time.perf_counter() - started
    return out, a


def scored(name: str, a, label: dict) -> Outcome:
    """A real clip's analysis `a` against its label (module docstring); no running analysis
    (another mode) counts every labelled contact missed and the cadence and flag wrong."""
    out = Outcome(name, synthetic=False, slowmo_expected=bool(label.get("slowmo")),
                  cadence_truth=label.get("cadence_spm"))
    running = getattr(a, "running", None)
    if running is None:
        out.contacts_truth = out.missed = len(label.get("contacts", []))
        out.cadence_ok = False if out.cadence_truth is not None else None
        return out
    out.view = getattr(getattr(running, "view", None), "view", "")
    _time_base(out, running)
    labelled = label.get("contacts", [])
    if labelled:
        stamps = np.asarray(a.pose.info.timestamps_s)
        ref = np.array([stamps[int(f)] for f, _ in labelled])
        feet = [foot for _, foot in labelled]
        found = _contacts(running.events)
        pairs = pair(ref, np.array([e.t_s for e in found]))
        out.contacts_truth = len(ref)
        errs = np.array([found[j].t_s - ref[i] for i, j in pairs])
        out.errors_s = list(errs)
        out.on_time = int(np.sum(np.abs(errs) <= FRAME_30_S + EPS_S))
        out.off = len(pairs) - out.on_time
        out.missed = len(ref) - len(pairs)
        matched = {j for _, j in pairs}
        unmatched = [found[j].t_s for j in range(len(found)) if j not in matched]
        out.extra = len(unmatched)
        out.extra_outside = sum(1 for t in unmatched if t < ref.min() - MATCH_S or t > ref.max() + MATCH_S)
        _sides(out, [(feet[i], found[j].side) for i, j in pairs])
    out.cadence = _cadence(running)
    if out.cadence_truth is not None:
        within = out.cadence is not None and abs(out.cadence - out.cadence_truth) <= (
            REAL_CADENCE_TOLERANCE * out.cadence_truth)
        out.cadence_ok = within or (out.slowmo_expected and bool(out.slowmo))
    return out


def _sides(out: Outcome, pairs: list[tuple[str, str]]) -> None:
    """Side agreement of paired contacts: L/R against the side named; A/B by the better mapping."""
    known = [(foot, side) for foot, side in pairs if foot in ("L", "R")]
    unknown = [(foot, side) for foot, side in pairs if foot not in ("L", "R")]
    right = sum(1 for foot, side in known if side == {"L": "left", "R": "right"}[foot])
    if unknown:
        a_left = sum(1 for foot, side in unknown if (foot == "A") == (side == "left"))
        right += max(a_left, len(unknown) - a_left)
        out.sides_unknown = True
    out.sides_right, out.sides_n = right, len(pairs)


# -- synthetic runners -------------------------------------------------------------------------------
def synthetic_cases() -> list[tuple[str, float, dict]]:
    return [(f"synthetic:side:{fps:g}fps:{variant}", fps, kw) for fps in SYNTH_FPS for variant, kw in VARIANTS.items()]


def fake_info(track, fps: float):
    """A VideoInfo for a track with no clip behind it: its frame size, count and times (the
    running analysis reads only these with the context set to treadmill)."""
    from formcheck.video.info import VideoInfo

    w, h = track.frame_size
    n = len(track)
    return VideoInfo(path=Path("synthetic.mp4"), file_size_bytes=0, container="mp4", codec="h264", width=w,
                     height=h, rotation_deg=0, frame_count=n, duration_s=n / fps, fps=fps,
                     is_variable_frame_rate=False, timestamps_s=np.asarray(track.t_s))


def _timing_class():
    """`ClipTiming` when the time base exists and the running analysis takes it, else None."""
    from formcheck.running.analysis import analyze_running_track

    try:
        from formcheck.events.timebase import ClipTiming
    except ImportError:
        return None
    if "timing" not in inspect.signature(analyze_running_track).parameters:
        return None
    return ClipTiming


def run_synthetic(name: str, fps: float, variant: dict) -> Outcome:
    from synthetic_runner import Camera, Recording, RunnerParams, synthetic_run

    from formcheck.clean import clean_track
    from formcheck.running.analysis import RunningOptions, analyze_running_track
    from formcheck.settings import Settings

    params = RunnerParams()
    variant = dict(variant)
    slowed = int(variant.pop("slowed", 1))
    out = Outcome(name, synthetic=True, slowmo_expected=slowed > 1, cadence_truth=params.cadence_spm / slowed)
    track, truth = synthetic_run(params, Camera(view="side"),
                                 Recording(fps=fps, duration_s=SYNTH_DURATION_S / slowed, noise_px=1.0,
                                           seed=SYNTH_SEED, setting="treadmill", **variant))
    if slowed > 1:
        track, truth = _slowed_and_held(track, truth, slowed, fps)
    started = time.perf_counter()
    clip_timing = _timing_class()
    try:
        cleaned = clean_track(track, Settings().clean).track  # as pipeline.analyze_pose cleans the athlete
        repeated_frames = tuple(int(f) for f in track.frame_index[truth.repeated])
        pose = SimpleNamespace(track=cleaned, info=fake_info(track, fps), cuts=(), repeated=repeated_frames)
        options = RunningOptions(view="auto", context="treadmill")
        if clip_timing is not None:
            running = analyze_running_track(pose, options, timing=clip_timing(repeated=truth.repeated.copy()))
            out.timing = True
        else:
            running = analyze_running_track(pose, options)
    except Exception as exc:  # a benchmark reports every failure and goes on
        out.error = f"{type(exc).__name__}: {exc}"
        running = None
    out.seconds = time.perf_counter() - started
    t = track.t_s
    true_s = np.sort(np.concatenate([truth.contacts[s] for s in ("left", "right")]))
    sides = [s for tt in true_s for s in ("left", "right") if np.any(truth.contacts[s] == tt)]
    interior = (true_s >= t[0] + EDGE_S) & (true_s <= t[-1] - EDGE_S)
    # Held pictures are captured evenly and retimed to their capture times (events.timebase), so
    # a contact between two pictures is placed by interpolation: the true time is the reference.
    ref = true_s
    out.contacts_truth = int(interior.sum())
    if running is None:
        out.missed = out.contacts_truth
        out.cadence_ok = False
        return out
    out.view = getattr(running.view, "view", "")
    _time_base(out, running)
    found = _contacts(running.events)
    pairs = pair(ref, np.array([e.t_s for e in found]))
    counted = [(i, j) for i, j in pairs if interior[i]]
    errs = np.array([found[j].t_s - ref[i] for i, j in counted])
    out.errors_s = list(errs)
    out.on_time = int(np.sum(np.abs(errs) <= 1.0 / fps + EPS_S))
    out.off = len(counted) - out.on_time
    out.missed = out.contacts_truth - len(counted)
    out.extra = len(found) - len(pairs)
    side_pairs = [(sides[i], found[j].side) for i, j in counted]
    out.sides_right, out.sides_n = sum(1 for a, b in side_pairs if a == b), len(side_pairs)
    out.cadence = _cadence(running)
    within = out.cadence is not None and abs(out.cadence - out.cadence_truth) <= (
        SYNTH_CADENCE_TOLERANCE * out.cadence_truth)
    out.cadence_ok = within or (slowed > 1 and bool(out.slowmo))
    return out


def _slowed_and_held(track, truth, k: int, fps: float):
    """The runner captured at `fps`, stored `k` times slower by showing each picture `k` times at
    `fps`: rows repeated, times 1/fps apart, the truth's events and capture times k times later."""
    from synthetic_tracks import held_slow_motion

    held, repeated = held_slow_motion(track, k, fps)
    first = {int(r): int(r) * k for r in range(len(track))}

    class Slowed:
        contacts = {s: np.asarray(v) * k for s, v in truth.contacts.items()}

        @staticmethod
        def first_frame_showing(t_s: float):
            r = truth.first_frame_showing(t_s / k)
            return None if r is None else first.get(int(r))

    Slowed.repeated = repeated
    return held, Slowed


# -- report ------------------------------------------------------------------------------------------
def _line(o: Outcome) -> str:
    if o.error:
        return f"{o.name:40s} ERROR {o.error}"
    parts = [f"{o.name:40s}", f"view {o.view or '-':7s}"]
    if o.contacts_truth or o.extra:
        share = f"{o.on_time / o.contacts_truth:4.0%}" if o.contacts_truth else "  - "
        e = np.asarray(o.errors_s)
        err = (f"{1000 * np.mean(np.abs(e)):5.1f} ms (mean {1000 * np.mean(e):+6.1f})" if e.size
               else f"{'-':>5s} ms {'':14s}")
        outside = f" ({o.extra_outside} outside labels)" if o.extra_outside else ""
        parts.append(f"contacts 1-frame {o.on_time:2d}/{o.contacts_truth:2d} {share} |err| {err} "
                     f"off {o.off} missed {o.missed} extra {o.extra}{outside}")
        if o.sides_n:
            parts.append(f"sides {o.sides_right}/{o.sides_n}{' (A/B)' if o.sides_unknown else ''}")
    else:
        parts.append("contacts not labelled")
    if o.cadence_truth is not None:
        got = f"{o.cadence:.1f}" if o.cadence is not None else "none"
        pct = (f" ({100 * (o.cadence - o.cadence_truth) / o.cadence_truth:+.1f}%)"
               if o.cadence is not None else "")
        parts.append(f"cadence {got} vs {o.cadence_truth:.1f}{pct} {'ok' if o.cadence_ok else 'NO'}")
    flag = "n/a" if o.slowmo is None else ("yes" if o.slowmo else "no")
    parts.append(f"slowmo {flag} (want {'yes' if o.slowmo_expected else 'no'}) {'ok' if o.slowmo_ok else 'NO'}")
    if o.synthetic:
        parts.append(f"timing {'yes' if o.timing else 'no'}")
    if o.slowmo and o.slowmo_reason:
        parts.append(f"[{o.slowmo_reason[:70]}]")
    parts.append(f"({o.seconds:.1f} s)")
    return "  ".join(parts)


def summary(outcomes: list[Outcome]) -> str:
    real = [o for o in outcomes if not o.synthetic]
    synth = [o for o in outcomes if o.synthetic]

    def part(group: list[Outcome]) -> tuple[int, int, int, int, int, int, int]:
        cad = [o for o in group if o.cadence_ok is not None]
        return (sum(o.on_time for o in group), sum(o.contacts_truth for o in group), sum(o.extra for o in group),
                sum(bool(o.cadence_ok) for o in cad), len(cad), sum(o.slowmo_ok for o in group), len(group))

    x, y, e, c, j, s, k = part(real)
    p, n, f, q, r, u, v = part(synth)
    share = f"{100 * p / n:.1f}%" if n else "-%"
    return (f"gait_events: real contacts_1frame {x}/{y} extra {e} cadence {c}/{j} slowmo {s}/{k} "
            f"synthetic contacts_1frame {share}({p}/{n}) extra {f} cadence_1pct {q}/{r} slowmo {u}/{v}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--clips", type=Path, default=REPO.parent / "shared" / "clips")
    parser.add_argument("--no-real", action="store_true")
    parser.add_argument("--no-synthetic", action="store_true")
    parser.add_argument("--only", nargs="*", default=None, help="names (or parts of names) of cases to run")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    warnings.simplefilter("ignore")
    wanted = (lambda name: any(o in name for o in args.only)) if args.only else (lambda name: True)
    outcomes = []
    if not args.no_real:
        for name, path, label in real_cases(args.clips):
            if wanted(name):
                outcomes.append(run_real(name, path, label)[0])
                print(_line(outcomes[-1]), flush=True)
    if not args.no_synthetic:
        for name, fps, variant in synthetic_cases():
            if wanted(name):
                outcomes.append(run_synthetic(name, fps, variant))
                print(_line(outcomes[-1]), flush=True)
    print(summary(outcomes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
