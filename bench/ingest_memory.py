#!/usr/bin/env python
"""Memory of clip ingest (probe, then decode every frame) against clip length, picture size
and refusals by the limits (issue 7, item 2).

    .venv/bin/python bench/ingest_memory.py [--workdir /tmp/ingest_bench] [--keep]

Writes synthetic clips (formcheck.video.synth: frame-number pattern, H.264) and, for each,
runs in a fresh subprocess: `probe(clip)` and then `iter_frames` over every frame (what
the pose stage does per chunk, minus the model). Prints one line per case: frames, seconds,
the peak resident memory of that subprocess (VmHWM, which a new program starts afresh),
and that peak less the memory right after importing formcheck.video. Refusals run `probe`
alone and print the start of the message.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: name -> (write_test_clip keyword arguments, what to run: "decode" or "probe")
CASES = {
    "1080p_5s": (dict(n_frames=150, fps=30, size=(1920, 1080)), "decode"),
    "1080p_50s": (dict(n_frames=1500, fps=30, size=(1920, 1080)), "decode"),
    "4k_2s": (dict(n_frames=60, fps=30, size=(3840, 2160)), "decode"),
    "mkv_50k_frames_refused": (dict(n_frames=50_000, fps=240, size=(16, 16), pattern="flat", gop=1000), "probe"),
    "mp4_10min_refused": (dict(n_frames=602, fps=1, size=(16, 16), pattern="flat", gop=1000), "probe"),
}


def _peak_mb() -> float:
    """Peak resident memory of this process so far (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def _child(mode: str, clip: str) -> dict:
    started = time.perf_counter()
    from formcheck.errors import ClipLimitError
    from formcheck.video import iter_frames, probe

    import_mb = _peak_mb()
    frames, refused = 0, ""
    if mode == "decode":
        info = probe(clip)
        for _ in iter_frames(info):
            frames += 1
    else:
        try:
            info = probe(clip)
            frames = info.frame_count
        except ClipLimitError as exc:
            refused = str(exc).split(";")[0]
    return {"frames": frames, "seconds": time.perf_counter() - started, "peak_mb": _peak_mb(),
            "import_mb": import_mb, "refused": refused}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/ingest_bench"))
    parser.add_argument("--keep", action="store_true", help="keep the clips for another run")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from formcheck.video import synth

    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"{'case':<26}{'frames':>8}{'seconds':>9}{'peak MB':>9}{'after import':>14}  refused")
    for name, (kwargs, mode) in CASES.items():
        suffix = ".mkv" if name.startswith("mkv") else ".mp4"
        clip = args.workdir / f"{name}{suffix}"
        if not clip.is_file():  # written by this process, measured in a fresh one
            synth.write_test_clip(clip.with_name(".partial" + suffix), **kwargs).rename(clip)
        out = subprocess.run([sys.executable, __file__, "--child", mode, str(clip)], capture_output=True,
                             text=True, check=True, cwd=ROOT)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{name:<26}{r['frames']:>8}{r['seconds']:>9.1f}{r['peak_mb']:>9.0f}"
              f"{r['peak_mb'] - r['import_mb']:>14.0f}  {r['refused']}")
    if not args.keep:
        shutil.rmtree(args.workdir, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        sys.path.insert(0, str(ROOT))
        print(json.dumps(_child(sys.argv[2], sys.argv[3])))
    else:
        main()
