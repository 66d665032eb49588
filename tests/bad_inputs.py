"""The bad-input corpus of issue 7: every kind of file a user may hand FormCheck.

Each input is made with PyAV and numpy into a folder (no downloads); inputs
that need a real person take their frames from the provisioned sample clips
(`sample_videos/`), shrunk so a pose run costs about a second. Each row of
`CORPUS` pairs an input with its defined outcome: refused with one typed
error whose message says what to do (`Refused`), or analysed with exactly
the listed warnings (`Analysed`, codes of `formcheck.capture.InputWarning`).

    python tests/bad_inputs.py                # print the table of docs/bad_inputs.md
    python tests/bad_inputs.py --write        # rewrite that table in the doc
    python tests/bad_inputs.py --build DIR    # write the corpus into DIR, to try it by hand

`tests/test_bad_inputs.py` checks every row in the CLI, the library API and
the app, and that the doc's table is this one.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script
    sys.path.insert(0, str(REPO))

from formcheck.errors import (  # noqa: E402
    ClipLimitError,
    ClipTooShortError,
    CorruptVideoError,
    EmptyFileError,
    FormCheckError,
    NoPersonError,
    NotAVideoError,
)
from formcheck.video import synth  # noqa: E402

DOC = REPO / "docs" / "bad_inputs.md"
SAMPLES = REPO / "sample_videos"
ONE_PERSON = "pose2sim_single_cam01.mp4"  # portrait 1080x1920, 60 fps, 100 frames: lunge, leg raise
TWO_PEOPLE = "sports2d_demo_walk_side.mp4"  # 1768x994, 30 fps, 230 frames: two people walking

#: Size of the person clips: the sample clip at a quarter of its size.
PERSON_SIZE = (270, 480)
#: Frames of the person clips: every second frame of the sample, 50 frames at 30 fps = 1.7 s.
PERSON_STEP = 2


# -- outcomes ------------------------------------------------------------------------
@dataclass(frozen=True)
class Refused:
    """A clear error: exactly `error`, its message holding each of the phrases `words`.

    decodes: the refusal may decode frames first (False: refused from the
    file's size, its first bytes and the container's header and packets alone)."""

    error: type[FormCheckError]
    words: tuple[str, ...]
    decodes: bool = True

    def describe(self) -> str:
        return f"`{self.error.__name__}`: " + " … ".join(f"\"{w}\"" for w in self.words)

    CLI = "exit 2, `formcheck: ` + the message"
    API = "raises it"
    APP = "job failed, the message"


@dataclass(frozen=True)
class Analysed:
    """An analysis whose `data["warnings"]` carries exactly these codes (in any order)."""

    warnings: tuple[str, ...] = ()

    def describe(self) -> str:
        if not self.warnings:
            return "analysed, no warning"
        return "analysed, warnings " + ", ".join(f"`{w}`" for w in self.warnings)

    CLI = "exit 0, `--out` folder whole, one `! ` line per warning"
    API = "returns; `data[\"warnings\"]`, report notes"
    APP = "job done, its results folder whole"


Outcome = Refused | Analysed


@dataclass(frozen=True)
class BadInput:
    """One row of the corpus: `name` (test id), `what` it is, how to `make` it, the outcome."""

    name: str
    what: str
    make: Callable[[Path, "Sources"], Path]
    outcome: Outcome

    @property
    def needs_pose(self) -> bool:
        """The pose model runs on it (it passes every check made before pose)."""
        return isinstance(self.outcome, Analysed) or self.outcome.error is NoPersonError


# -- source frames ---------------------------------------------------------------------
class Sources:
    """Frames of the sample clips, read once, resized to what an input needs."""

    def __init__(self, folder: Path = SAMPLES):
        self.folder = Path(folder)
        self._cache: dict[tuple, list[np.ndarray]] = {}

    def frames(self, name: str, size: tuple[int, int], step: int = 1, limit: int | None = None) -> list[np.ndarray]:
        """RGB frames (height, width, 3) of sample clip `name` at `size` = (width, height):
        every `step`-th frame, at most `limit`."""
        key = (name, size, step, limit)
        if key not in self._cache:
            import av

            path = self.folder / name
            if not path.is_file():
                raise FileNotFoundError(f"{path} missing: run ./scripts/setup")
            out = []
            with av.open(str(path)) as container:
                for i, frame in enumerate(container.decode(video=0)):
                    if i % step:
                        continue
                    out.append(frame.to_ndarray(format="rgb24", width=size[0], height=size[1]))
                    if limit is not None and len(out) >= limit:
                        break
            self._cache[key] = out
        return self._cache[key]

    def person(self, size: tuple[int, int] = PERSON_SIZE) -> list[np.ndarray]:
        """The one-person sample at `size`, 50 frames (play them at 30 frames/s)."""
        return self.frames(ONE_PERSON, size, PERSON_STEP)


def _play(frames: list[np.ndarray]) -> Callable[[int, int, int], np.ndarray]:
    """A `synth.write_test_clip` pattern showing `frames` (resized to the asked size if need be)."""
    def pattern(i: int, width: int, height: int) -> np.ndarray:
        img = frames[i % len(frames)]
        if img.shape[:2] != (height, width):
            import cv2

            img = cv2.resize(img, (width, height), interpolation=cv2.INTER_AREA)
        return img
    return pattern


def _clip(path: Path, frames: list[np.ndarray], fps: float = 30, **kw) -> Path:
    height, width = frames[0].shape[:2]
    kw.setdefault("size", (width, height))
    return synth.write_test_clip(path, n_frames=kw.pop("n_frames", len(frames)), fps=fps,
                                 pattern=_play(frames), **kw)


# -- makers ----------------------------------------------------------------------------
def zero_bytes(d: Path, s: Sources) -> Path:
    path = d / "empty.mp4"
    path.write_bytes(b"")
    return path


def random_bytes(d: Path, s: Sources) -> Path:
    return synth.write_random_bytes(d / "noise.mp4", n_bytes=64_000)


def text_as_mov(d: Path, s: Sources) -> Path:
    return synth.write_text(d / "notes.mov")


def truncated(d: Path, s: Sources) -> Path:
    """A person clip cut at half its bytes; the index (moov) is at the end, so it is lost."""
    whole = _clip(d / "whole_for_cut.mp4", s.person())
    return synth.truncate_copy(whole, d / "cut.mp4", 0.5)


def truncated_faststart(d: Path, s: Sources) -> Path:
    """A person clip with its index first, cut at half its bytes: the index announces frames
    whose data is gone."""
    whole = _clip(d / "whole_faststart_for_cut.mp4", s.person(), faststart=True)
    return synth.truncate_copy(whole, d / "cut_faststart.mp4", 0.5)


def audio_only(d: Path, s: Sources) -> Path:
    return synth.write_audio_only(d / "voice.mp4", duration_s=2.0)


def single_frame(d: Path, s: Sources) -> Path:
    return _clip(d / "one_frame.mp4", s.person()[10:11])


def _tiny_long(path: Path, seconds: float) -> Path:
    """A 16x16 grey clip at 1 frame/s: `seconds` long, cheap to make."""
    return synth.write_test_clip(path, n_frames=int(seconds), fps=1, size=(16, 16), pattern="flat", gop=600)


def ten_minutes_over(d: Path, s: Sources) -> Path:
    return _tiny_long(d / "ten_minutes_over.mp4", 602)


def ten_minutes_under(d: Path, s: Sources) -> Path:
    return synth.write_test_clip(d / "ten_minutes_under.mp4", n_frames=60, fps=Fraction(1, 10), size=(16, 16),
                                 pattern="flat", gop=600)


def uhd_4k(d: Path, s: Sources) -> Path:
    """The person at twice the sample's size: portrait 2160x3840 (4K UHD turned upright), 8 frames."""
    frames = s.frames(ONE_PERSON, (540, 960), step=6, limit=8)
    return _clip(d / "uhd_4k.mp4", frames, size=(2160, 3840))


def over_8k(d: Path, s: Sources) -> Path:
    """8K UHD (7680x4320), one grey frame: over the 4K limit."""
    return synth.write_test_clip(d / "8k.mp4", n_frames=2, fps=30, size=(7680, 4320), pattern="flat")


def fps_240(d: Path, s: Sources) -> Path:
    """The sample's 100 frames played at 240 frames/s (0.42 s), as a high-speed phone clip stores them."""
    return _clip(d / "fps240.mp4", s.frames(ONE_PERSON, PERSON_SIZE), fps=240)


def variable_rate(d: Path, s: Sources) -> Path:
    """Frame intervals of 20..50 ms (seeded), as phones record in low light."""
    frames = s.person()
    steps = np.random.default_rng(7).uniform(0.020, 0.050, len(frames) - 1)
    return _clip(d / "vfr.mp4", frames, timestamps_s=np.concatenate([[0.0], np.cumsum(steps)]))


def _rotated(rotation_deg: int) -> Callable[[Path, Sources], Path]:
    def make(d: Path, s: Sources) -> Path:
        return _clip(d / f"rot{rotation_deg}.mp4", s.person(), rotation_deg=rotation_deg,
                     size=PERSON_SIZE[::-1] if rotation_deg in (90, 270) else PERSON_SIZE)
    make.__doc__ = f"Stored turned, with display rotation {rotation_deg} deg in the metadata."
    return make


def hevc(d: Path, s: Sources) -> Path:
    return _clip(d / "hevc.mp4", s.person(), codec="hevc")


def empty_scene(d: Path, s: Sources) -> Path:
    """A 1 s view of a wall: grey with gentle noise, nobody in it."""
    rng = np.random.default_rng(3)
    base = np.full((480, 270, 3), 120, np.uint8)
    frames = [np.clip(base + rng.integers(-6, 7, base.shape), 0, 255).astype(np.uint8) for _ in range(30)]
    return _clip(d / "empty_scene.mp4", frames)


def two_people(d: Path, s: Sources) -> Path:
    """The sample person twice, side by side (the left one mirrored)."""
    frames = [np.concatenate([f[:, ::-1], f], axis=1) for f in s.person()]
    return _clip(d / "two_people.mp4", frames)


def athlete_leaves(d: Path, s: Sources) -> Path:
    """The person slides out of the frame to the right from a third of the way in and stays out."""
    frames = s.person()
    n = len(frames)
    out = []
    for i, f in enumerate(frames):
        shift = int(round(f.shape[1] * 1.5 * max(0.0, (i - n / 3) / (n / 3))))
        g = np.full_like(f, 40)
        if shift < f.shape[1]:
            g[:, shift:] = f[:, : f.shape[1] - shift]
        out.append(g)
    return _clip(d / "athlete_leaves.mp4", out)


def _darker(frames: list[np.ndarray], factor: float) -> list[np.ndarray]:
    return [(f.astype(np.float32) * factor).astype(np.uint8) for f in frames]


def very_dark(d: Path, s: Sources) -> Path:
    """The person clip at 4 % of its brightness (a room with the light off)."""
    return _clip(d / "dark.mp4", _darker(s.person(), 0.04))


def dim(d: Path, s: Sources) -> Path:
    """The person clip at 20 % of its brightness (dusk): the pose model still finds them, not always."""
    return _clip(d / "dim.mp4", _darker(s.person(), 0.2))


def upside_down(d: Path, s: Sources) -> Path:
    """The pictures themselves turned 180 deg, no rotation in the metadata."""
    return _clip(d / "upside_down.mp4", [np.ascontiguousarray(f[::-1, ::-1]) for f in s.person()])


def tiny_subject(d: Path, s: Sources) -> Path:
    """The person at 1/8 of the sample's size in the middle of a 640x480 grey canvas."""
    small = s.frames(ONE_PERSON, (134, 240), PERSON_STEP)
    frames = []
    for f in small:
        canvas = np.full((480, 640, 3), int(np.median(f)), np.uint8)
        canvas[120:360, 253:387] = f
        frames.append(canvas)
    return _clip(d / "tiny_subject.mp4", frames)


# -- the corpus --------------------------------------------------------------------------
_REFUSED_BEFORE_DECODE = dict(decodes=False)

CORPUS: tuple[BadInput, ...] = (
    BadInput("zero_byte", "zero-byte file named .mp4", zero_bytes,
             Refused(EmptyFileError, ("empty (0 bytes)",), **_REFUSED_BEFORE_DECODE)),
    BadInput("random_bytes", "64 kB of random bytes named .mp4", random_bytes,
             Refused(NotAVideoError, ("not a video",), **_REFUSED_BEFORE_DECODE)),
    BadInput("text_as_mov", "a text file renamed .mov", text_as_mov,
             Refused(NotAVideoError, ("not a video",), **_REFUSED_BEFORE_DECODE)),
    BadInput("truncated", "MP4 cut at half its bytes (index at the end, lost)", truncated,
             Refused(CorruptVideoError, ("damaged or incomplete", "index cannot be read"), **_REFUSED_BEFORE_DECODE)),
    BadInput("truncated_faststart", "MP4 with its index first, cut at half its bytes", truncated_faststart,
             Refused(CorruptVideoError, ("incomplete: the data stops after", "of the 50 frames"),
                     **_REFUSED_BEFORE_DECODE)),
    BadInput("audio_only", "an AAC sound file named .mp4, no video track", audio_only,
             Refused(NotAVideoError, ("no video track (it holds only sound)",), **_REFUSED_BEFORE_DECODE)),
    BadInput("single_frame", "a clip of one frame (with a person)", single_frame,
             Refused(ClipTooShortError, ("single frame, a still picture",))),
    BadInput("ten_minutes_over", "10 min 2 s (16x16, 1 frame/s)", ten_minutes_over,
             Refused(ClipLimitError, ("602 seconds long; FormCheck analyses up to 10 minutes",
                                      "--limit max_duration_s=SECONDS", "FORMCHECK_MAX_DURATION_S"),
                     **_REFUSED_BEFORE_DECODE)),
    BadInput("ten_minutes_under", "exactly 10 min, the limit (16x16, a frame every 10 s, nobody)",
             ten_minutes_under, Refused(NoPersonError, ("Nobody was found",))),
    BadInput("uhd_4k", "4K UHD, portrait 2160x3840, 8 frames", uhd_4k, Analysed()),
    BadInput("over_8k", "8K UHD 7680x4320, over the 4K limit", over_8k,
             Refused(ClipLimitError, ("7680x4320 (33.2 megapixels); FormCheck handles up to 8.3 megapixels",
                                      "--limit max_pixels=PIXELS", "FORMCHECK_MAX_PIXELS"),
                     **_REFUSED_BEFORE_DECODE)),
    BadInput("fps_240", "240 frames/s, 100 frames", fps_240, Analysed()),
    BadInput("variable_rate", "variable frame rate, 20-50 ms intervals", variable_rate, Analysed()),
    BadInput("rotation_90", "display rotation 90 deg (metadata)", _rotated(90), Analysed()),
    BadInput("rotation_180", "display rotation 180 deg (metadata)", _rotated(180), Analysed()),
    BadInput("rotation_270", "display rotation 270 deg (metadata)", _rotated(270), Analysed()),
    BadInput("hevc", "HEVC (H.265, libx265)", hevc, Analysed()),
    BadInput("empty_scene", "1 s of a grey wall, nobody", empty_scene,
             Refused(NoPersonError, ("Nobody was found",))),
    BadInput("two_people", "two people side by side", two_people, Analysed(("several_people",))),
    BadInput("athlete_leaves", "the athlete slides out of the frame a third of the way in", athlete_leaves,
             Analysed(("athlete_partly_seen",))),
    BadInput("very_dark", "the person clip at 4 % brightness", very_dark,
             Refused(NoPersonError, ("Nobody was found in this clip, and it is very dark",))),
    BadInput("dim", "the person clip at 20 % brightness", dim, Analysed(("dark", "athlete_partly_seen"))),
    BadInput("upside_down", "pictures turned 180 deg, no rotation metadata", upside_down,
             Analysed(("upside_down",))),
    # Centred in the band both half-frame tiles see: found once (before the
    # tiled landmarker dropped such duplicates, the track split and the clip
    # also got a false "athlete_partly_seen").
    BadInput("tiny_subject", "the person 240 px tall in a 640x480 frame", tiny_subject,
             Analysed(("small_athlete",))),
)

BY_NAME = {row.name: row for row in CORPUS}


def build_corpus(folder: Path, sources: Sources | None = None) -> dict[str, Path]:
    """Write every input of `CORPUS` into `folder`; name -> path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sources = sources or Sources()
    out = {}
    for row in CORPUS:
        d = folder / row.name
        d.mkdir(exist_ok=True)
        out[row.name] = row.make(d, sources)
    return out


# -- the doc's table -----------------------------------------------------------------------
TABLE_START = "<!-- corpus table: generated by tests/bad_inputs.py, checked by tests/test_bad_inputs.py -->"
TABLE_END = "<!-- end of corpus table -->"


def markdown_table() -> str:
    lines = ["| input | what it is | outcome: error and what its message says, or warnings | CLI | library API | app |",
             "|---|---|---|---|---|---|"]
    for row in CORPUS:
        o = row.outcome
        lines.append(f"| `{row.name}` | {row.what} | {o.describe()} | {o.CLI} | {o.API} | {o.APP} |")
    return "\n".join(lines)


def doc_table(text: str) -> str:
    """The generated table inside the doc's text."""
    start, end = text.index(TABLE_START) + len(TABLE_START), text.index(TABLE_END)
    return text[start:end].strip()


def _write_doc() -> None:
    text = DOC.read_text()
    start, end = text.index(TABLE_START) + len(TABLE_START), text.index(TABLE_END)
    DOC.write_text(text[:start] + "\n" + markdown_table() + "\n" + text[end:])


if __name__ == "__main__":
    if "--write" in sys.argv[1:]:
        _write_doc()
    else:
        print(markdown_table())
    if "--build" in sys.argv[1:]:
        target = Path(sys.argv[sys.argv.index("--build") + 1])
        shutil.rmtree(target, ignore_errors=True)
        for name, path in build_corpus(target).items():
            print(name, path, path.stat().st_size)
