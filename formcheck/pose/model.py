"""Find the pose model file to run, without importing mediapipe.

Order of precedence:
1. an explicit `.task` path passed in (CLI `--model PATH`), or a name;
2. the `FORMCHECK_MODEL` environment variable (a `.task` path), if no choice was passed;
3. the named models setup provisions, `full` first, then `heavy`, in the models directory;
4. any other `*.task` a user dropped there (e.g. the official `pose_landmarker_lite.task`).

Every report names the model it used by `ModelInfo.id`, which includes the
first 12 hex digits of the file's sha256, so results stay traceable to bytes.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from formcheck import paths
from formcheck.errors import ModelNotFoundError

MODEL_ENV = "FORMCHECK_MODEL"
# Names a user can ask for; each maps to models/pose_landmarker_<name>.task.
# `full` and `heavy` are provisioned by setup; `lite` only if the user adds it.
MODEL_NAMES = ("full", "heavy", "lite")
PROVISIONED_NAMES = ("full", "heavy")
TASK_MEMBERS = ("pose_detector.tflite", "pose_landmarks_detector.tflite")
_SHA_PREFIX_CHARS = 12


@dataclass(frozen=True)
class ModelInfo:
    """The pose model a run uses.

    Attributes:
        name: file stem, e.g. "pose_landmarker_full".
        path: absolute path of the `.task` file.
        sha256: hex sha256 of the file.
    """

    name: str
    path: Path
    sha256: str

    @property
    def id(self) -> str:
        """Short identity for reports and cache keys, e.g. "pose_landmarker_full@6a8a274bb10d"."""
        return f"{self.name}@{self.sha256[:_SHA_PREFIX_CHARS]}"

    @property
    def model_id(self) -> str:
        """Same as `id` (the name the pipeline and cache keys use)."""
        return self.id


def model_filename(name: str) -> str:
    """File name of the named model: "full" -> "pose_landmarker_full.task"."""
    return f"pose_landmarker_{name}.task"


def resolve_model(choice: str | os.PathLike | None = None, models_dir: Path | None = None) -> ModelInfo:
    """Return the pose model to use (see the module docstring for the order).

    Args:
        choice: None (automatic), a model name from `MODEL_NAMES`, or a path
            to a `.task` file (anything ending in ".task" or containing a
            path separator is taken as a path).
        models_dir: where provisioned models live; defaults to
            `<home>/models` (see `formcheck.paths.home`).

    Raises:
        ValueError: `choice` is neither a path nor a known name.
        ModelNotFoundError: the chosen file does not exist or is not a pose
            landmarker bundle, or no model is available at all; the message
            says what to run.
    """
    if choice is not None and _looks_like_path(choice):
        return _info_for_path(Path(choice), source="the model path given")
    if choice is None and os.environ.get(MODEL_ENV):
        return _info_for_path(Path(os.environ[MODEL_ENV]), source=f"{MODEL_ENV}")

    if models_dir is None:
        models_dir = paths.models_dir()
    models_dir = Path(models_dir)

    if choice is not None:
        name = str(choice)
        if name not in MODEL_NAMES:
            raise ValueError(
                f"choice must be one of {list(MODEL_NAMES)} or a path to a .task file, got {name!r}"
            )
        path = models_dir / model_filename(name)
        if not path.is_file():
            raise ModelNotFoundError(_missing_named_message(name, path))
        return _info_for_path(path, source=f"model {name!r}")

    for name in PROVISIONED_NAMES:
        path = models_dir / model_filename(name)
        if path.is_file():
            return _info_for_path(path, source=f"model {name!r}")
    others = sorted(models_dir.glob("*.task")) if models_dir.is_dir() else []
    for path in others:
        if is_pose_task_bundle(path):
            return _info_for_path(path, source="the models directory")
    raise ModelNotFoundError(
        f"No pose model found in {models_dir}. Run `formcheck setup` to install the "
        "standard model (or `formcheck setup --model heavy` for the slower, more accurate "
        f"one), or set {MODEL_ENV} to the path of a pose_landmarker .task file."
    )


def is_pose_task_bundle(path: Path) -> bool:
    """True if `path` is a zip holding the two models a PoseLandmarker `.task` needs."""
    try:
        with zipfile.ZipFile(path) as zf:
            return set(TASK_MEMBERS) <= set(zf.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _looks_like_path(choice: str | os.PathLike) -> bool:
    text = os.fspath(choice)
    return isinstance(choice, os.PathLike) or text.endswith(".task") or os.sep in text or "/" in text


def _info_for_path(path: Path, source: str) -> ModelInfo:
    path = path.expanduser()
    if not path.is_file():
        raise ModelNotFoundError(
            f"The pose model file {path} (from {source}) does not exist. Check the path, "
            f"or unset {MODEL_ENV} and run `formcheck setup`."
        )
    if not is_pose_task_bundle(path):
        raise ModelNotFoundError(
            f"{path} (from {source}) is not a MediaPipe pose landmarker .task file "
            f"(a zip holding {' and '.join(TASK_MEMBERS)})."
        )
    path = path.resolve()
    return ModelInfo(name=path.stem, path=path, sha256=file_sha256(path))


def _missing_named_message(name: str, path: Path) -> str:
    if name in PROVISIONED_NAMES:
        flag = "" if name == "full" else f" --model {name}"
        return (
            f"The {name!r} pose model is not installed ({path} is missing). "
            f"Run `formcheck setup{flag}`, or set {MODEL_ENV} to a .task file."
        )
    return (
        f"The {name!r} pose model is not installed ({path} is missing). FormCheck cannot "
        f"download it; put Google's {model_filename(name)} at that path, or set {MODEL_ENV} to it."
    )
