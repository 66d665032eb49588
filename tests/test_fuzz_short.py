"""A short fuzzing run of the clip probe in CI (issue 7, item 3; the harness and the long run:
fuzz/fuzz_probe.py, fuzz/README.md), and the files the fuzzer found, kept as plain tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from formcheck.errors import FormCheckError
from formcheck.video import probe

REPO = Path(__file__).resolve().parent.parent
HARNESS = REPO / "fuzz" / "fuzz_probe.py"
RUNS = 2000  # ~10 s here; the seed corpus alone is 32 files


def test_short_fuzz_run_of_probe_finds_nothing(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "FORMCHECK_FUZZ_CORPUS"}
    proc = subprocess.run(
        [sys.executable, str(HARNESS), f"-runs={RUNS}", "-seed=1", f"-artifact_prefix={tmp_path}/",
         "-print_final_stats=1"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    log = proc.stderr[-6000:]
    findings = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("crash-", "timeout-", "oom-")))
    assert proc.returncode == 0 and not findings, f"exit {proc.returncode}, findings {findings}\n{log}"
    assert f"Done {RUNS} runs" in proc.stderr, log
    assert "32 files found" in proc.stderr, log  # the seed corpus was made and read


def _webm_with_tag(path: Path, tag: bytes) -> Path:
    """A 3-frame VP9 WebM whose title tag holds `tag` (raw bytes, patched in after writing)."""
    import av

    placeholder = b"QQQQQQQQ"
    with av.open(str(path), mode="w") as container:
        container.metadata["title"] = placeholder.decode()
        stream = container.add_stream("libvpx-vp9", rate=Fraction(15))
        stream.width, stream.height, stream.pix_fmt = 32, 24, "yuv420p"
        for _ in range(3):
            frame = av.VideoFrame(32, 24, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes(plane.buffer_size))
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    data = path.read_bytes()
    assert data.count(placeholder) == 1
    path.write_bytes(data.replace(placeholder, tag.ljust(len(placeholder), b"\xff")[:len(placeholder)]))
    return path


def test_container_tag_that_is_not_utf8_is_probed(tmp_path):
    # Found by the fuzzer (its first 2,000-run round): a WebM whose stream DURATION tag held 0xff;
    # av.open raised UnicodeDecodeError, which probe let through untyped. Here the title tag.
    info = probe(_webm_with_tag(tmp_path / "tag.webm", b"\xff\xfe\xfd"))
    assert info.container.startswith("matroska") and info.frame_count == 3


@pytest.mark.parametrize("cut", [0.3, 0.6])
def test_cut_webm_with_a_bad_tag_is_a_formcheck_error_or_probed(tmp_path, cut):
    path = _webm_with_tag(tmp_path / "tag.webm", b"\xff")
    path.write_bytes(path.read_bytes()[:int(path.stat().st_size * cut)])
    try:
        probe(path)
    except FormCheckError:
        pass
