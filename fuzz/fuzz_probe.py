"""Coverage-guided fuzzing of the clip-probing entry point, `formcheck.video.probe` (issue 7).

Each input is written to a file `input-<pid>.mp4` in a scratch folder (in memory where there
is one) and probed. A `FormCheckError` (every error a user's file may cause: not a video,
damaged, unsupported codec, over a limit...) is the expected answer; any other exception
is a finding, and so is a crash or a hang of the process.

    .venv/bin/python fuzz/fuzz_probe.py -runs=2000            # the CI run (tests/test_fuzz_short.py)
    .venv/bin/python fuzz/fuzz_probe.py -max_total_time=600   # the long run (fuzz/README.md)
    .venv/bin/python fuzz/fuzz_probe.py crash-<sha1>          # run found inputs again, once each

Arguments are libFuzzer's (`-help=1`). Before fuzzing, the seed corpus is written to a
temporary folder: small valid clips made with PyAV (H.264 and HEVC MP4, MPEG-4 MOV and MKV,
VP9 WebM, MJPEG AVI; rotated, with sound, slow-motion tag, variable frame rate, index in
front) and cuts of each. That folder is passed to libFuzzer first, so what it learns goes
there too and nothing lands in the checkout; the folder is removed at the end (libFuzzer runs
in a child process, as it ends its process with C exit()). Set FORMCHECK_FUZZ_CORPUS to keep
the corpus in a folder of your own.

Coverage feedback comes from the Python code only (formcheck.video, instrumented here):
FFmpeg and OpenCV are native libraries built without libFuzzer's instrumentation, so the
fuzzer mutates blindly inside them and is guided by which of our branches (errors, limits,
timestamps) an input reaches. A native crash (SIGSEGV in FFmpeg, say) kills this process;
libFuzzer catches the signal, writes the input to `crash-<sha1>` (`-artifact_prefix=`) and
exits non-zero, so it is reported like a Python finding. Probing each input in a child
process would contain such a crash, but costs ~100x the time of a probe, and libFuzzer's
`-fork=N` mode does not work with atheris here (its workers exit 126 at once); the long run
(fuzz/README.md) restarts the fuzzer after each finding instead.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

# Quiet native decoders before they load: the fuzzer feeds them broken files on purpose.
os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

SEED_CUTS = (0.1, 0.5, 0.9)  # each seed is also kept cut to these shares of its bytes
_WORK_ENV = "FORMCHECK_FUZZ_WORK"  # set by the parent for the fuzzing child: its scratch folder
_input: Path | None = None
FormCheckError = Exception
probe = None


def TestOneInput(data: bytes) -> None:  # noqa: N802 (atheris' name)
    _input.write_bytes(data)
    try:
        probe(_input)  # the default limits, as the app and the CLI use them
    except FormCheckError:
        pass  # a plain answer for the user: expected


def _write_seed_clips(folder: Path) -> list[Path]:
    """Small valid clips, as a phone or an editor might write them."""
    import av

    from formcheck.video.synth import write_test_clip

    size = (32, 24)
    clips = [
        write_test_clip(folder / "h264.mp4", 6, 30, size),
        write_test_clip(folder / "h264_rot90_audio.mp4", 5, 30, size, rotation_deg=90, audio=True),
        write_test_clip(folder / "h264_faststart_slowmo.mp4", 5, 30, size, faststart=True, capture_fps=240),
        write_test_clip(folder / "h264_vfr.mov", 5, 30, size, timestamps_s=[0, 0.03, 0.05, 0.11, 0.2]),
        write_test_clip(folder / "hevc.mp4", 4, 30, size, codec="hevc"),
        write_test_clip(folder / "mpeg4.mkv", 4, 25, size, codec="mpeg4"),
    ]
    for name, codec, fmt in (("vp9.webm", "libvpx-vp9", None), ("mjpeg.avi", "mjpeg", "yuvj420p")):
        path = folder / name
        with av.open(str(path), mode="w") as container:
            stream = container.add_stream(codec, rate=Fraction(15))
            stream.width, stream.height = size
            stream.pix_fmt = fmt or "yuv420p"
            for i in range(4):
                frame = av.VideoFrame(*size, "rgb24")
                frame.planes[0].update(bytes([(i * 40 + j) % 256 for j in range(frame.planes[0].buffer_size)]))
                container.mux(stream.encode(frame.reformat(format=stream.pix_fmt)))
            container.mux(stream.encode(None))
        clips.append(path)
    return clips


def seed_corpus(folder: Path) -> Path:
    """Write the seed clips and their cuts into `folder` (made if missing); returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="formcheck-seeds-") as tmp:
        for clip in _write_seed_clips(Path(tmp)):
            data = clip.read_bytes()
            (folder / clip.name).write_bytes(data)
            for share in SEED_CUTS:
                (folder / f"{clip.stem}_cut{int(share * 100)}{clip.suffix}").write_bytes(data[:int(len(data) * share)])
    return folder


def _fuzz(argv: list[str], work: Path) -> None:
    """In the child: instrument, then hand over to libFuzzer (which exits the process)."""
    global FormCheckError, probe, _input
    import atheris

    with atheris.instrument_imports(include=["formcheck.video", "formcheck.errors"]):
        from formcheck.errors import FormCheckError
        from formcheck.video import probe
    logging.getLogger("formcheck").addHandler(logging.NullHandler())  # warnings about bad clips: expected
    _input = work / f"input-{os.getpid()}.mp4"  # one per process: -fork=N runs several
    atheris.Setup(argv, TestOneInput)
    atheris.Fuzz()


def main(argv: list[str]) -> int:
    """Make the scratch folder and the seed corpus, run the fuzzer in a child process (libFuzzer
    ends its process with C exit(), past any Python clean-up), then remove the folder."""
    flags = [a for a in argv[1:] if a.startswith("-")]
    dirs = [a for a in argv[1:] if not a.startswith("-")]
    if not any(f.startswith("-max_len=") for f in flags):
        flags.append("-max_len=65536")  # the seeds are a few kB; room to grow
    if not any(f.startswith("-timeout=") for f in flags):
        flags.append("-timeout=30")  # seconds for one input: a hang is a finding too
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    work = Path(tempfile.mkdtemp(prefix="formcheck-fuzz-", dir=shm))
    try:
        env = {**os.environ, _WORK_ENV: str(work)}
        if dirs and all(Path(d).is_file() for d in dirs):  # reproduce: run these inputs once each
            return subprocess.run([sys.executable, __file__, *flags, *dirs], env=env).returncode
        corpus = Path(os.environ.get("FORMCHECK_FUZZ_CORPUS") or work / "corpus")
        seed_corpus(corpus)
        return subprocess.run([sys.executable, __file__, *flags, str(corpus), *dirs], env=env).returncode
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if os.environ.get(_WORK_ENV):
        _fuzz(sys.argv, Path(os.environ[_WORK_ENV]))
    sys.exit(main(sys.argv))
