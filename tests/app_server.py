"""The real app as a server for browser tests: `streamlit run streamlit_app.py` in a subprocess on
a free localhost port, with its own home folder, model and cache; stopped (process group) on exit."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parent.parent
STREAMLIT = REPO / ".venv" / "bin" / "streamlit"  # what ./scripts/setup installs
START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 10


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200 and response.read().decode().strip() == "ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _tail(path: Path, chars: int = 4000) -> str:
    text = path.read_text(errors="replace") if path.is_file() else ""
    return text[-chars:] or "(empty)"


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the server's process group (Streamlit and any pose workers), SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=STOP_TIMEOUT_S)
    # workers the server left behind in its group
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@contextmanager
def app_server(home: Path, model: str, cache: Path | None = None, log_dir: Path | None = None) -> Iterator[str]:
    """Run the app with FORMCHECK_HOME=`home`, FORMCHECK_MODEL=`model`; yield its URL.

    Runs from the repo root so .streamlit/config.toml (XSRF, upload limit) applies, as for a user.
    The server's stdout and stderr go to files in `log_dir` (a temporary folder by default), and
    a failure to start says what the server printed."""
    assert STREAMLIT.is_file(), f"{STREAMLIT} missing: run ./scripts/setup"
    log_dir = Path(log_dir or tempfile.mkdtemp(prefix="formcheck-server-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    cache = Path(cache or log_dir / "cache")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, FORMCHECK_HOME=str(home), FORMCHECK_MODEL=str(model), FORMCHECK_CACHE=str(cache),
               PYTHONUNBUFFERED="1")
    for name in ("DATABASE_URL", "FORMCHECK_MEDIA"):
        env.pop(name, None)
    out_path, err_path = log_dir / "server.out", log_dir / "server.err"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        process = subprocess.Popen(
            [str(STREAMLIT), "run", "streamlit_app.py", "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true"],
            cwd=REPO, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _healthy(url):
            if process.poll() is not None:
                raise AssertionError(f"the app server exited with {process.returncode} before answering:\n"
                                     f"stderr:\n{_tail(err_path)}\nstdout:\n{_tail(out_path)}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the app server did not answer {url}/_stcore/health in {START_TIMEOUT_S} s:\n"
                                     f"stderr:\n{_tail(err_path)}\nstdout:\n{_tail(out_path)}")
            time.sleep(0.25)
        yield url
    finally:
        _stop(process)


def server_log(log_dir: Path) -> str:
    """What the server printed so far (stderr then stdout), for failure messages."""
    return f"stderr:\n{_tail(Path(log_dir) / 'server.err')}\nstdout:\n{_tail(Path(log_dir) / 'server.out')}"
