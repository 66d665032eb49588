"""`resolve_model`: which `.task` file a run uses, and what the user is told when there is none.

Runs on small stand-in bundles (zips with the two member names) in tmp dirs:
resolution only reads files, it never loads them into mediapipe.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from formcheck.errors import ModelNotFoundError
from formcheck.pose.model import MODEL_ENV, TASK_MEMBERS, ModelInfo, resolve_model


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    monkeypatch.delenv(MODEL_ENV, raising=False)
    monkeypatch.delenv("FORMCHECK_HOME", raising=False)


def make_task(path: Path, payload: bytes = b"weights") -> Path:
    """Write a stand-in pose landmarker bundle (right member names, fake bytes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for member in TASK_MEMBERS:
            zf.writestr(member, payload + member.encode())
    return path


@pytest.mark.parametrize(
    "files, expected",
    [
        pytest.param(["pose_landmarker_full.task"], "pose_landmarker_full", id="full"),
        pytest.param(["pose_landmarker_heavy.task"], "pose_landmarker_heavy", id="heavy-only"),
        pytest.param(["pose_landmarker_heavy.task", "pose_landmarker_full.task"],
                     "pose_landmarker_full", id="full-before-heavy"),
        pytest.param(["pose_landmarker_lite.task"], "pose_landmarker_lite", id="user-lite"),
        pytest.param(["zz_custom.task", "pose_landmarker_full.task"], "pose_landmarker_full",
                     id="named-before-other"),
        pytest.param(["b.task", "a.task"], "a", id="others-sorted"),
    ],
)
def test_automatic_choice_order(tmp_path, files, expected):
    for name in files:
        make_task(tmp_path / name)
    assert resolve_model(None, tmp_path).name == expected


def test_non_bundle_task_files_are_skipped(tmp_path):
    (tmp_path / "a_notes.task").write_text("not a zip")
    make_task(tmp_path / "b_real.task")
    assert resolve_model(None, tmp_path).name == "b_real"


@pytest.mark.parametrize("name", ["full", "heavy", "lite"])
def test_named_choice(tmp_path, name):
    make_task(tmp_path / "pose_landmarker_full.task")
    make_task(tmp_path / "pose_landmarker_heavy.task")
    make_task(tmp_path / "pose_landmarker_lite.task")
    assert resolve_model(name, tmp_path).name == f"pose_landmarker_{name}"


def test_env_beats_models_dir(tmp_path, monkeypatch):
    make_task(tmp_path / "models" / "pose_landmarker_full.task")
    mine = make_task(tmp_path / "elsewhere" / "mine.task")
    monkeypatch.setenv(MODEL_ENV, str(mine))
    assert resolve_model(None, tmp_path / "models").path == mine.resolve()


def test_explicit_choice_beats_env(tmp_path, monkeypatch):
    make_task(tmp_path / "models" / "pose_landmarker_heavy.task")
    explicit = make_task(tmp_path / "explicit.task")
    monkeypatch.setenv(MODEL_ENV, str(make_task(tmp_path / "env.task")))
    assert resolve_model(str(explicit), tmp_path / "models").name == "explicit"
    assert resolve_model(explicit, tmp_path / "models").name == "explicit"  # a Path works too
    assert resolve_model("heavy", tmp_path / "models").name == "pose_landmarker_heavy"


def test_model_info_id_and_sha(tmp_path):
    path = make_task(tmp_path / "pose_landmarker_full.task")
    info = resolve_model(None, tmp_path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert info == ModelInfo("pose_landmarker_full", path.resolve(), sha)
    assert info.id == info.model_id == f"pose_landmarker_full@{sha[:12]}"
    different = make_task(tmp_path / "other" / "pose_landmarker_full.task", payload=b"other")
    assert resolve_model(different).id != info.id


def test_default_models_dir_follows_formcheck_home(tmp_path, monkeypatch):
    make_task(tmp_path / "models" / "pose_landmarker_heavy.task")
    monkeypatch.setenv("FORMCHECK_HOME", str(tmp_path))
    assert resolve_model().path == (tmp_path / "models" / "pose_landmarker_heavy.task").resolve()


# -- errors: each says what to do ------------------------------------------------------
@pytest.mark.parametrize("exists", [True, False], ids=["empty-dir", "no-dir"])
def test_nothing_installed_says_what_to_run(tmp_path, exists):
    models = tmp_path / "models"
    if exists:
        models.mkdir()
    with pytest.raises(ModelNotFoundError) as err:
        resolve_model(None, models)
    message = str(err.value)
    assert "`formcheck setup`" in message
    assert "`formcheck setup --model heavy`" in message
    assert MODEL_ENV in message


@pytest.mark.parametrize(
    "name, match",
    [
        pytest.param("full", r"Run `formcheck setup`", id="full"),
        pytest.param("heavy", r"Run `formcheck setup --model heavy`", id="heavy"),
        pytest.param("lite", r"FormCheck cannot download it; put Google's pose_landmarker_lite\.task",
                     id="lite"),
    ],
)
def test_missing_named_model(tmp_path, name, match):
    make_task(tmp_path / "some_other.task")  # present, but not what was asked for
    with pytest.raises(ModelNotFoundError, match=match):
        resolve_model(name, tmp_path)


def test_unknown_name_lists_valid_names(tmp_path):
    with pytest.raises(ValueError, match=r"\['full', 'heavy', 'lite'\] or a path"):
        resolve_model("medium", tmp_path)


def test_env_pointing_nowhere(tmp_path, monkeypatch):
    make_task(tmp_path / "pose_landmarker_full.task")
    monkeypatch.setenv(MODEL_ENV, str(tmp_path / "missing.task"))
    with pytest.raises(ModelNotFoundError, match=f"does not exist.*unset {MODEL_ENV}"):
        resolve_model(None, tmp_path)


def test_path_that_is_not_a_bundle(tmp_path):
    bad = tmp_path / "model.task"
    bad.write_bytes(b"\x00" * 100)
    with pytest.raises(ModelNotFoundError, match="not a MediaPipe pose landmarker .task file"):
        resolve_model(str(bad), tmp_path)
