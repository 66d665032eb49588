"""Architecture contracts (STYLE.md): one-way data flow and who may import what.

Checked by reading the source (ast), so a violation fails here before it
spreads; this plays the role of an import-linter contract without the extra
dependency.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "formcheck"

# Stages in data-flow order; a module may import only its own stage or earlier ones.
STAGES = ["base", "video", "pose", "clean", "kinematics", "events", "metrics", "cues", "running",
          "exercises", "activity", "routine", "render", "export"]
BASE = {"landmarks", "track", "errors", "paths", "__init__"}
EDGE = {"pipeline", "cli", "ui", "cache", "settings", "capture", "track_io", "progress", "setup", "store", "batch",
        "library_entry"}

# Who may import third-party modules that bind us to one backend.
ALLOWED = {
    "mediapipe": {"pose/landmarker.py", "setup/task_bundle.py"},  # runtime, and model building at setup
    "cv2": {"video/", "render/"},
    "streamlit": {"ui/"},
    "ray": {"batch/ray_run.py"},  # the batch's one runner; everything else stays plain Python
}


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py"))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _stage(rel: str) -> str:
    top = rel.split("/")[0].removesuffix(".py")
    if top in BASE:
        return "base"
    if top in EDGE:
        return "edge"
    return top


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_third_party_backends_stay_in_their_modules(path):
    rel = str(path.relative_to(PACKAGE))
    for name in _imports(path):
        top = name.split(".")[0]
        if top in ALLOWED:
            assert any(rel == a or rel.startswith(a) for a in ALLOWED[top]), f"{rel} imports {top}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_stages_import_only_earlier_stages(path):
    rel = str(path.relative_to(PACKAGE))
    own = _stage(rel)
    if own == "edge":
        return
    assert own in STAGES, f"{rel}: unknown stage {own!r}; add it to STAGES or EDGE"
    for name in _imports(path):
        if not name.startswith("formcheck."):
            continue
        other = _stage(name.removeprefix("formcheck.").replace(".", "/"))
        assert other != "edge", f"{rel} ({own}) imports the edge module {name}"
        assert STAGES.index(other) <= STAGES.index(own), f"{rel} ({own}) imports later stage {name}"


# Running and exercises are sibling stages: what both need (Comparison, MetricDifference, the JSON
# cleaner) lives at the metrics floor, so neither imports the other in either direction.
SIBLINGS = [("exercises", "running"), ("running", "exercises")]


def _imported_modules(path: Path) -> set[str]:
    """Every module path names, absolute or relative, including `from formcheck import running`."""
    package = ["formcheck", *path.relative_to(PACKAGE).parent.parts]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[:len(package) - node.level + 1] if node.level else [])
            module = ".".join(part for part in (base, node.module or "") if part)
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("own, other", SIBLINGS, ids=lambda v: v)
def test_running_and_exercises_do_not_import_each_other(own, other):
    paths = sorted((PACKAGE / own).rglob("*.py"))
    assert paths, f"formcheck/{own} has no modules"
    offenders = [f"{p.relative_to(PACKAGE)} imports {name}" for p in paths for name in _imported_modules(p)
                 if name == f"formcheck.{other}" or name.startswith(f"formcheck.{other}.")]
    assert offenders == []


def test_importing_formcheck_loads_no_heavy_backend():
    import subprocess
    import sys

    code = ("import sys, formcheck, formcheck.pipeline, formcheck.settings, formcheck.cli; "
            "print(','.join(m for m in ('mediapipe', 'streamlit') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
