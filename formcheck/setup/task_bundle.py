"""Turn the two BlazePose TFLite files of the mediapipe 0.10.21 wheel into a `.task` bundle.

MediaPipe's Tasks runtime only accepts a float32 image model that carries
TFLite metadata telling it how to normalise pixels (NormalizationOptions);
the wheel's `pose_landmark_full.tflite` has none, and the wheel's
`pose_detection.tflite` carries metadata copied from a face detector. This
module writes the metadata the official `pose_landmarker_*.task` files carry
(same tensor names, normalisation and ranges) and zips the two models under
the member names the runtime looks up.

This is the one module besides `formcheck/pose/landmarker.py` that imports
mediapipe, and only its flatbuffer schema classes, inside the functions: the
metadata writer that ships with mediapipe 1.2.2 is broken (it imports a
missing module), so we write the flatbuffers ourselves.
"""

from __future__ import annotations

import hashlib
import io
import numbers
import struct
import zipfile
from dataclasses import dataclass

DETECTOR_MEMBER = "pose_detector.tflite"
LANDMARKS_MEMBER = "pose_landmarks_detector.tflite"

_TFLITE_IDENTIFIER = b"TFL3"
_METADATA_IDENTIFIER = b"M001"
_METADATA_NAME = "TFLITE_METADATA"
# Oldest metadata parser that understands every field we write
# (NormalizationOptions and ImageProperties are both 1.0.0 features).
_MIN_PARSER_VERSION = "1.0.0"

# Zip: a fixed timestamp and attributes make the bundle byte-for-byte
# reproducible, so its sha256 can be recorded once and checked on every build.
_ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
_ZIP_EXTERNAL_ATTR = 0o644 << 16
# MediaPipe reads members in place from the memory-mapped bundle and TFLite
# verifies flatbuffer alignment, so each member's data starts on a 64-byte
# boundary, padded with the extra field Android's zipalign uses (0xD935).
_ZIP_ALIGN_BYTES = 64
_ZIPALIGN_EXTRA_ID = 0xD935
_ZIP_LOCAL_HEADER_BYTES = 30


@dataclass(frozen=True)
class _ImageModelSpec:
    """What the metadata says about one image model.

    Attributes:
        name, description: free text stored in the metadata.
        input_hw: (height, width) of the input in pixels; checked against the model.
        mean, std: NormalizationOptions: model input = (pixel - mean) / std,
            with pixel in 0..255.
        input_range: (min, max) of the normalised input, stored as Stats.
        outputs: (name, description) for each output tensor, in the model's
            output order.
    """

    name: str
    description: str
    input_hw: tuple[int, int]
    mean: float
    std: float
    input_range: tuple[float, float]
    outputs: tuple[tuple[str, str], ...]


# Names and descriptions follow the official pose_landmarker_heavy.task.
DETECTOR_SPEC = _ImageModelSpec(
    name="Pose Detection",
    description="Detects human poses",
    input_hw=(224, 224),
    mean=127.5,
    std=127.5,
    input_range=(-1.0, 1.0),
    outputs=(
        ("raw boxes/keypoints", "Undecoded pose boxes and keypoints."),
        ("scores", "Scores of the detected boxes."),
    ),
)
LANDMARKS_SPEC = _ImageModelSpec(
    name="Pose Landmark",
    description="Detects human pose landmarks.",
    input_hw=(256, 256),
    mean=0.0,
    std=255.0,
    input_range=(0.0, 1.0),
    outputs=(
        ("landmarks", "Pose landmarks"),
        ("presence", "Presence of pose."),
        ("segmentation_mask", "Segmentation mask for pose."),
        ("heat_map", "Heat map for pose."),
        ("world_landmarks", "World landmarks for pose."),
    ),
)


def build_pose_landmarker_task(detector_tflite: bytes, landmarks_tflite: bytes) -> bytes:
    """Return the bytes of a `pose_landmarker.task` bundle built from two raw TFLite models.

    Args:
        detector_tflite: `mediapipe/modules/pose_detection/pose_detection.tflite`
            (input 1x224x224x3 float32).
        landmarks_tflite: `mediapipe/modules/pose_landmark/pose_landmark_{lite,full,heavy}.tflite`
            (input 1x256x256x3 float32, 5 outputs).

    The output is deterministic: the same inputs (and the same mediapipe schema
    and flatbuffers versions) give the same bytes.

    Raises:
        ValueError: a model is not a TFLite file or its input/outputs do not
            match what the metadata describes.
    """
    detector = add_image_metadata(detector_tflite, DETECTOR_SPEC, arg="detector_tflite")
    landmarks = add_image_metadata(landmarks_tflite, LANDMARKS_SPEC, arg="landmarks_tflite")
    return _aligned_stored_zip(((DETECTOR_MEMBER, detector), (LANDMARKS_MEMBER, landmarks)))


def add_image_metadata(tflite: bytes, spec: _ImageModelSpec, arg: str = "tflite") -> bytes:
    """Return `tflite` with its TFLITE_METADATA set to what `spec` describes.

    Existing TFLITE_METADATA is replaced in place (the detector in the wheel
    has a face detector's); otherwise the metadata is appended as a new buffer
    plus a `TFLITE_METADATA` entry, as the TFLite metadata populator does.
    """
    from mediapipe.tasks.metadata import schema_py_generated as tfl

    if len(tflite) < 8 or tflite[4:8] != _TFLITE_IDENTIFIER:
        raise ValueError(f"{arg} is not a TFLite model (no {_TFLITE_IDENTIFIER!r} identifier)")
    model = tfl.ModelT.InitFromObj(tfl.Model.GetRootAsModel(tflite, 0))
    _check_model_matches(model, spec, arg)

    metadata = _metadata_bytes(spec)
    entries = [m for m in (model.metadata or []) if _as_str(m.name) == _METADATA_NAME]
    if entries:
        for entry in entries:
            model.buffers[entry.buffer].data = metadata
    else:
        buffer = tfl.BufferT()
        buffer.data = metadata
        model.buffers.append(buffer)
        entry = tfl.MetadataT()
        entry.name = _METADATA_NAME
        entry.buffer = len(model.buffers) - 1
        model.metadata = [*(model.metadata or []), entry]

    builder = _new_builder()
    builder.Finish(model.Pack(builder), file_identifier=_TFLITE_IDENTIFIER)
    return bytes(builder.Output())


def _check_model_matches(model, spec: _ImageModelSpec, arg: str) -> None:
    """Raise ValueError unless the model's one input and its outputs fit `spec`."""
    from mediapipe.tasks.metadata import schema_py_generated as tfl

    if not model.subgraphs or len(model.subgraphs) != 1:
        raise ValueError(f"{arg}: expected one subgraph")
    graph = model.subgraphs[0]
    if len(graph.inputs) != 1:
        raise ValueError(f"{arg}: expected one input tensor, got {len(graph.inputs)}")
    tensor = graph.tensors[graph.inputs[0]]
    height, width = spec.input_hw
    if [int(d) for d in tensor.shape] != [1, height, width, 3] or tensor.type != tfl.TensorType.FLOAT32:
        raise ValueError(
            f"{arg}: input must be float32 1x{height}x{width}x3, "
            f"got shape {[int(d) for d in tensor.shape]} type {tensor.type}"
        )
    if len(graph.outputs) != len(spec.outputs):
        raise ValueError(
            f"{arg}: expected {len(spec.outputs)} output tensors, got {len(graph.outputs)}"
        )


def _metadata_bytes(spec: _ImageModelSpec) -> bytes:
    """Serialise the ModelMetadata flatbuffer (identifier M001) for `spec`."""
    from mediapipe.tasks.metadata import metadata_schema_py_generated as md

    image = md.ImagePropertiesT()
    image.colorSpace = md.ColorSpaceType.RGB
    content = md.ContentT()
    content.contentPropertiesType = md.ContentProperties.ImageProperties
    content.contentProperties = image

    normalization = md.NormalizationOptionsT()
    normalization.mean = [spec.mean]
    normalization.std = [spec.std]
    unit = md.ProcessUnitT()
    unit.optionsType = md.ProcessUnitOptions.NormalizationOptions
    unit.options = normalization

    stats = md.StatsT()
    stats.min = [spec.input_range[0]]
    stats.max = [spec.input_range[1]]

    image_input = md.TensorMetadataT()
    image_input.name = "image"
    image_input.description = "Input image"
    image_input.content = content
    image_input.processUnits = [unit]
    image_input.stats = stats

    outputs = []
    for name, description in spec.outputs:
        feature = md.ContentT()
        feature.contentPropertiesType = md.ContentProperties.FeatureProperties
        feature.contentProperties = md.FeaturePropertiesT()
        tensor = md.TensorMetadataT()
        tensor.name = name
        tensor.description = description
        tensor.content = feature
        outputs.append(tensor)

    subgraph = md.SubGraphMetadataT()
    subgraph.inputTensorMetadata = [image_input]
    subgraph.outputTensorMetadata = outputs

    metadata = md.ModelMetadataT()
    metadata.name = spec.name
    metadata.description = spec.description
    metadata.version = "1"
    metadata.author = "MediaPipe (metadata added by FormCheck setup)"
    metadata.license = "Apache-2.0"
    metadata.minParserVersion = _MIN_PARSER_VERSION
    metadata.subgraphMetadata = [subgraph]

    builder = _new_builder()
    builder.Finish(metadata.Pack(builder), file_identifier=_METADATA_IDENTIFIER)
    return bytes(builder.Output())


def _new_builder():
    import flatbuffers

    return flatbuffers.Builder(1024)


def _as_str(value) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def _aligned_stored_zip(members: tuple[tuple[str, bytes], ...]) -> bytes:
    """Zip `members` (name, data) uncompressed, each data start 64-byte aligned, reproducibly."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3  # Unix, whatever the host, for reproducible bytes
            info.external_attr = _ZIP_EXTERNAL_ATTR
            data_start = out.tell() + _ZIP_LOCAL_HEADER_BYTES + len(name.encode()) + 6
            padding = -data_start % _ZIP_ALIGN_BYTES
            # Extra field: id, size, then zipalign's 2-byte alignment value and zero padding.
            info.extra = struct.pack("<HHH", _ZIPALIGN_EXTRA_ID, 2 + padding, _ZIP_ALIGN_BYTES)
            info.extra += b"\0" * padding
            zf.writestr(info, data)
    return out.getvalue()


def member_data_offsets(task: bytes) -> dict[str, int]:
    """Byte offset of each member's data inside a `.task` zip (for alignment checks)."""
    offsets = {}
    with zipfile.ZipFile(io.BytesIO(task)) as zf:
        for info in zf.infolist():
            header = task[info.header_offset : info.header_offset + _ZIP_LOCAL_HEADER_BYTES]
            name_len, extra_len = struct.unpack("<HH", header[26:30])
            offsets[info.filename] = (
                info.header_offset + _ZIP_LOCAL_HEADER_BYTES + name_len + extra_len
            )
    return offsets


def content_digest(task: bytes) -> str:
    """Hex sha256 of what a `.task` bundle means, independent of its byte layout.

    Each member model is parsed and its object tree (operators, tensors,
    weights, and the parsed metadata) is hashed in a fixed order. Two builds
    that differ only in how the flatbuffers library laid the bytes out (its
    vtable sharing changed between 25.9 and 25.12, both allowed by mediapipe
    1.2.2) get the same digest; any change to a weight, a tensor or the
    metadata changes it.
    """
    from mediapipe.tasks.metadata import metadata_schema_py_generated as md
    from mediapipe.tasks.metadata import schema_py_generated as tfl

    digest = hashlib.sha256()
    with zipfile.ZipFile(io.BytesIO(task)) as zf:
        for name in sorted(zf.namelist()):
            data = zf.read(name)
            model = tfl.ModelT.InitFromObj(tfl.Model.GetRootAsModel(data, 0))
            for entry in model.metadata or []:
                if _as_str(entry.name) == _METADATA_NAME:
                    raw = bytes(model.buffers[entry.buffer].data)
                    parsed = md.ModelMetadataT.InitFromObj(
                        md.ModelMetadata.GetRootAsModelMetadata(raw, 0)
                    )
                    model.buffers[entry.buffer].data = parsed
            _feed(digest, name)
            _feed(digest, model)
    return digest.hexdigest()


def _feed(digest, obj) -> None:
    """Hash `obj` (a flatbuffers object-API tree) canonically, with type tags."""
    import numpy as np

    if obj is None:
        digest.update(b"N")
    elif isinstance(obj, numbers.Integral):
        digest.update(b"i%d;" % int(obj))
    elif isinstance(obj, numbers.Real):
        digest.update(b"f" + struct.pack("<d", float(obj)))
    elif isinstance(obj, (bytes, str)):
        raw = obj.encode() if isinstance(obj, str) else obj
        digest.update(b"s%d;" % len(raw) + raw)
    elif isinstance(obj, np.ndarray):
        array = np.ascontiguousarray(obj)
        digest.update(f"a{array.dtype.str}{array.shape};".encode() + array.tobytes())
    elif isinstance(obj, (list, tuple)):
        digest.update(b"l%d;" % len(obj))
        for item in obj:
            _feed(digest, item)
    else:
        fields = vars(obj)
        digest.update(f"o{type(obj).__name__}{len(fields)};".encode())
        for key in sorted(fields):
            _feed(digest, key)
            _feed(digest, fields[key])
