"""Safety (issue 7, item 4): what a user supplies never chooses a path, is never unpickled or
evaluated, and the app listens on this machine only. docs/security.md says what is protected
and how; each section here checks one of its claims.
"""

from __future__ import annotations

import ast
import logging
import os
import re
import subprocess
import sys
import tomllib
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from formcheck.cache import PoseCache
from formcheck.paths import data_dir
from formcheck.track_io import load_track_npz
from formcheck.ui.uploads import ALLOWED_SUFFIXES, save_upload

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "formcheck"


def tree(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


# -- uploads: random names inside data_dir()/uploads, whatever the name sent ---------------------
@pytest.mark.parametrize("name, suffix", [
    pytest.param("run.mp4", ".mp4", id="plain"),
    pytest.param("../../x.mp4", ".mp4", id="traversal"),
    pytest.param("..\\..\\x.mov", ".mov", id="windows-traversal"),
    pytest.param("/etc/cron.d/x.mp4", ".mp4", id="absolute"),
    pytest.param("C:\\Windows\\x.avi", ".avi", id="windows-absolute"),
    pytest.param("x.mp4/../../../y.webm", ".webm", id="traversal-after-suffix"),
    pytest.param("a\x00b.mp4", ".mp4", id="nul-in-stem"),
    pytest.param("a.mp4\x00.sh", ".bin", id="nul-in-suffix"),
    pytest.param("x" * 5000 + ".mp4", ".mp4", id="very-long"),
    pytest.param("läuferin 🏃 vidéo.MOV", ".mov", id="unicode-upper-suffix"),
    pytest.param(".mp4", ".bin", id="suffix-only"),
    pytest.param("clip", ".bin", id="no-suffix"),
    pytest.param("clip.mp4.sh", ".bin", id="double-suffix"),
    pytest.param("..", ".bin", id="dot-dot"),
    pytest.param("", ".bin", id="empty"),
    pytest.param("clip.m\u0440\u0434", ".bin", id="homoglyph-suffix"),
])
def test_upload_lands_under_a_random_name_in_the_uploads_folder(tmp_path, monkeypatch, name, suffix):
    home, cwd = tmp_path / "home", tmp_path / "cwd" / "deep" / "er"
    cwd.mkdir(parents=True)
    monkeypatch.setenv("FORMCHECK_HOME", str(home))
    monkeypatch.chdir(cwd)  # a relative name resolved against the working folder would land near here
    before = tree(tmp_path)
    path = save_upload(name, b"clip bytes")
    uploads = data_dir() / "uploads"
    assert path.parent == uploads and uploads.is_relative_to(home)
    assert re.fullmatch(r"[0-9a-f]{32}", path.stem) and path.suffix == suffix
    assert suffix in (*ALLOWED_SUFFIXES, ".bin")
    assert path.read_bytes() == b"clip bytes"
    # Nothing else was written anywhere under tmp_path: no temporary file, no file named after the upload.
    assert tree(tmp_path) - before == {path, uploads, uploads.parent, home} - before


def test_two_uploads_of_one_name_get_two_names(tmp_path):
    a, b = save_upload("run.mp4", b"a", tmp_path), save_upload("run.mp4", b"b", tmp_path)
    assert a != b and a.read_bytes() == b"a" and b.read_bytes() == b"b"


def test_uploads_live_outside_anything_streamlit_serves(tmp_path, monkeypatch):
    # Static serving is off (below); were it turned on, Streamlit serves <app folder>/static only.
    monkeypatch.delenv("FORMCHECK_HOME", raising=False)
    uploads = data_dir() / "uploads"
    assert not uploads.is_relative_to(REPO / "static")
    assert ".formcheck" in uploads.parts  # the gitignored runtime data folder


# -- no pickle, eval or shell on anything a user can supply ---------------------------------------
FORBIDDEN_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "shelve", "marshal", "joblib"}
FORBIDDEN_CALLS = {"eval", "exec", "os.system", "os.popen", "yaml.load", "yaml.unsafe_load", "yaml.full_load",
                   "pd.read_pickle", "pandas.read_pickle", "torch.load", "np.load", "numpy.load"}


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def unsafe_uses(source: str, filename: str = "<snippet>") -> list[str]:
    """Lines that unpickle, evaluate or run a shell: imports of pickle-like modules; eval/exec;
    yaml.load; np.load without allow_pickle=False (spelled out, as the constant False);
    subprocess with shell=True; os.system/os.popen."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        where = f"{filename}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for name in names:
                if name.split(".")[0] in FORBIDDEN_MODULES:
                    found.append(f"{where}: import {name}")
            if isinstance(node, ast.ImportFrom) and node.module in ("numpy", "os", "yaml"):
                for alias in node.names:
                    if f"{node.module}.{alias.name}" in FORBIDDEN_CALLS:
                        found.append(f"{where}: from {node.module} import {alias.name}")
        elif isinstance(node, ast.Call):
            name = _dotted(node.func)
            keywords = {k.arg: k.value for k in node.keywords}
            if name in ("np.load", "numpy.load"):
                flag = keywords.get("allow_pickle")
                if not (isinstance(flag, ast.Constant) and flag.value is False):
                    found.append(f"{where}: {name} without allow_pickle=False")
            elif name in FORBIDDEN_CALLS:
                found.append(f"{where}: {name}()")
            elif name.startswith("subprocess.") or name in ("Popen", "run", "call", "check_call", "check_output"):
                shell = keywords.get("shell")
                if shell is not None and not (isinstance(shell, ast.Constant) and shell.value is False):
                    found.append(f"{where}: {name}(shell=...)")
    return found


@pytest.mark.parametrize("snippet, finding", [
    ("import pickle", "import pickle"),
    ("from pickle import loads", "import pickle"),
    ("import joblib.numpy_pickle", "import joblib"),
    ("import numpy as np\nnp.load(p)", "np.load without allow_pickle=False"),
    ("np.load(p, allow_pickle=True)", "np.load without allow_pickle=False"),
    ("np.load(p, allow_pickle=flag)", "np.load without allow_pickle=False"),
    ("from numpy import load", "from numpy import load"),
    ("eval(text)", "eval()"),
    ("exec(code)", "exec()"),
    ("yaml.load(f)", "yaml.load()"),
    ("os.system(cmd)", "os.system()"),
    ("subprocess.run(cmd, shell=True)", "subprocess.run(shell=...)"),
    ("pd.read_pickle(p)", "pd.read_pickle()"),
], ids=lambda v: v if "\n" not in v else v.split("\n")[-1])
def test_the_scan_finds_each_unsafe_use(snippet, finding):
    assert any(finding in f for f in unsafe_uses(snippet)), unsafe_uses(snippet)


def test_the_scan_passes_the_safe_spellings():
    safe = ("np.load(p, allow_pickle=False)\nyaml.safe_load(f)\nsubprocess.run(['ls'], check=True)\n"
            "json.loads(s)\nsubprocess.run(cmd, shell=False)\nast.literal_eval(s)")
    assert unsafe_uses(safe) == []


def test_no_pickle_eval_or_shell_anywhere_in_formcheck():
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 50
    found = [f for path in files for f in unsafe_uses(path.read_text(), str(path.relative_to(REPO)))]
    assert found == []


class _Payload:
    """Unpickling this creates `marker`: proof that a pickle was run."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_pose_cache_refuses_an_npz_holding_a_pickle(tmp_path, caplog):
    cache, key, marker = PoseCache(tmp_path / "cache"), "ab" * 16, tmp_path / "pwned"
    cache.root.mkdir()
    np.savez(cache.root / f"{key}.npz", person_id=np.array([_Payload(marker)], dtype=object))  # a pickle
    (cache.root / f"{key}.json").write_text('{"format": 1, "frame_size": [64, 48]}')
    with caplog.at_level(logging.WARNING, logger="formcheck.cache"):
        assert cache.load(key) is None  # a miss: the pose is computed again
    assert not marker.exists()
    assert any("ignoring unreadable cache entry" in r.getMessage() and "allow_pickle" in r.getMessage()
               for r in caplog.records), caplog.text


def test_pose_cache_keys_are_hex_only(tmp_path):
    for key in ("../../etc/passwd", "/abs", "AB", "", "ab\x00"):
        with pytest.raises(ValueError, match="key must be lowercase hex"):
            PoseCache(tmp_path).load(key)


def test_track_file_holding_a_pickle_is_refused_with_a_plain_error(tmp_path):
    path, marker = tmp_path / "track.npz", tmp_path / "pwned"
    np.savez(path, t_s=np.array([_Payload(marker)], dtype=object), xy_px=np.zeros((1, 33, 2)),
             z=np.zeros((1, 33)), visibility=np.zeros((1, 33)), world_m=np.zeros((1, 33, 3)),
             frame_index=np.zeros(1, np.int64))
    with pytest.raises(ValueError, match="allow_pickle"):
        load_track_npz(path)
    assert not marker.exists()


# -- Streamlit: localhost, XSRF on, no static files -------------------------------------------------
def test_streamlit_config_file():
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    server = config["server"]
    assert server["address"] == "localhost"
    assert server["enableXsrfProtection"] is True
    assert server["enableStaticServing"] is False
    assert config["browser"]["gatherUsageStats"] is False


def test_streamlit_reads_the_config_as_written(tmp_path):
    # What Streamlit itself makes of the checkout's config (a user's ~/.streamlit left out).
    code = ("from streamlit import config as c; c.get_config_options(force_reparse=True); "
            "print(c.get_option('server.address'), c.get_option('server.enableXsrfProtection'), "
            "c.get_option('server.enableStaticServing'))")
    env = {**os.environ, "HOME": str(tmp_path)}
    env = {k: v for k, v in env.items() if not k.startswith("STREAMLIT_")}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout.split()
    assert out == ["localhost", "True", "False"]


def test_run_app_binds_localhost_unless_told_otherwise():
    script = (REPO / "scripts" / "run-app").read_text()
    assert re.search(r'--server\.address "\$\{FORMCHECK_ADDRESS:-localhost\}"', script), script
    assert "0.0.0.0" not in script


# -- the library: user text is data, never a path ---------------------------------------------------
def test_library_keeps_hostile_names_as_text_only(tmp_path, monkeypatch):
    from formcheck.store import Library

    deep = tmp_path / "a" / "b" / "c" / "d"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)  # "../../../escape" resolved against the working folder lands in tmp_path
    source = tmp_path / "source.mp4"
    source.write_bytes(b"not really a clip")
    media = tmp_path / "media"
    hostile = "../../../escape"
    with Library.open(f"sqlite:///{tmp_path / 'library.db'}", media) as lib:
        before = tree(tmp_path)
        athlete = lib.add_athlete(hostile + " /etc/passwd")
        session = lib.add_session(athlete.id, date(2026, 1, 2), label=hostile)
        clip = lib.add_clip(athlete.id, source, hostile + ".mp4", session_id=session.id)
        lib.add_note(clip.id, hostile)
        assert clip.original_name == hostile + ".mp4"
    new = {p.relative_to(tmp_path).as_posix() for p in tree(tmp_path) - before}
    new_files = {n for n in new if not n.startswith("library.db")}
    assert new_files == {clip.media_path.relative_to(tmp_path).as_posix()}
    assert re.fullmatch(r"media/clips/[0-9a-f]{32}\.mp4", clip.media_path.relative_to(tmp_path).as_posix())
    assert not any("escape" in p.name for p in tree(tmp_path))
