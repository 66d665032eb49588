"""A batch the app starts in the background: `formcheck batch FOLDER ... --progress-file F` as a
process of its own, found again by a small JSON under the data folder, so leaving the page,
reloading it or restarting the app server does not lose the run.

    run = start(folder, athlete=None, athlete_from_folder=True, data_only=True)
    status(run)          # report.RunStatus: counts, ETA, the clips under way, then the closing rows
    current()            # the run the app started last (None once dismissed)

One run at a time per data folder (a second would only share the same cores). The process
inherits the app's environment, so it writes to the app's library: DATABASE_URL (kept out of the
command line, where `ps` would show its password), FORMCHECK_MEDIA, FORMCHECK_HOME, the model and
the clip limits; RAY_ADDRESS, when the operator sets it, sends the clips to that Ray cluster,
else each run starts its own Ray. No streamlit here: the Library page (formcheck/ui/batch_panel.py) calls this.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from formcheck.batch.plan import gather
from formcheck.batch.ray_run import RAY_HINT
from formcheck.batch.report import RUNNING, STOPPED, RunStatus, read_progress
from formcheck.errors import FormCheckError
from formcheck.paths import data_dir

GONE = ("The batch stopped before it finished (its process is no longer running). The clips it finished "
        "are in the library; add the folder again to do the rest: clips already analysed are skipped.")
STOPPED_BY_USER = ("The batch was stopped. The clips it finished are in the library; add the folder again "
                   "to do the rest: clips already analysed are skipped.")


class BatchRequestError(FormCheckError):
    """A folder, athlete or choice the coach can correct, or a run already going."""


@dataclass(frozen=True)
class AppRun:
    """A batch the app started. folder: as given; dir: the run's own folder (progress.json,
    batch.log, summary.csv)."""

    run_id: str
    folder: str
    athlete: str | None
    athlete_from_folder: bool
    data_only: bool
    clips: int
    pid: int
    started_at: float
    dir: str
    stop_asked: bool = False

    @property
    def progress_path(self) -> Path:
        return Path(self.dir) / "progress.json"

    @property
    def log_path(self) -> Path:
        return Path(self.dir) / "batch.log"

    @property
    def csv_path(self) -> Path:
        return Path(self.dir) / "summary.csv"


def runs_root() -> Path:
    return data_dir() / "batches" / "app"


def _pointer(root: Path) -> Path:
    return root / "current.json"


def check_request(folder: str, athlete: str = "", athlete_from_folder: bool = False) -> tuple[Path, int]:
    """The folder as a path and how many clips it holds; raises BatchRequestError saying what to
    change (no folder, not a folder, no clips, both athlete choices, Ray not installed)."""
    text = (folder or "").strip()
    if not text:
        raise BatchRequestError("Give the path of a folder on this computer, e.g. /home/coach/clips/march.")
    path = Path(text).expanduser()
    if not path.exists():
        raise BatchRequestError(f"There is no folder {text} on this computer (the one the app runs on).")
    if not path.is_dir():
        raise BatchRequestError(f"{text} is a file, not a folder: give the folder that holds the clips.")
    if (athlete or "").strip() and athlete_from_folder:
        raise BatchRequestError("Choose one: an athlete for every clip, or the athlete from sub-folder names.")
    if importlib.util.find_spec("ray") is None:
        raise BatchRequestError(RAY_HINT)
    jobs, problems = gather([path])
    if not jobs:
        raise BatchRequestError(problems[0][1] if problems else f"No clips in the folder {text}.")
    return path.resolve(), len(jobs)


def _command(run: AppRun, workers: int) -> list[str]:
    script = Path(sys.executable).with_name("formcheck")
    head = [str(script)] if script.is_file() else [sys.executable, "-c",
                                                   "import sys; from formcheck.cli import main; sys.exit(main())"]
    cmd = [*head, "batch", run.folder, "--progress-file", str(run.progress_path), "--summary", str(run.csv_path),
           "--workers", str(workers)]
    if run.athlete:
        cmd += ["--athlete", run.athlete]
    if run.athlete_from_folder:
        cmd.append("--athlete-from-folder")
    if run.data_only:
        cmd.append("--data-only")
    cluster = os.environ.get("RAY_ADDRESS", "")
    if cluster and cluster != "local":  # the operator's cluster; else `formcheck batch` starts its own Ray
        cmd += ["--address", cluster]
    return cmd


def start(folder: str, athlete: str = "", athlete_from_folder: bool = False, data_only: bool = False,
          workers: int = 0, root: Path | None = None) -> AppRun:
    """Check the request, then start the batch as its own process (own session: it outlives the
    page and the app server) and remember it. Raises BatchRequestError, also while a run goes on."""
    root = root or runs_root()
    running = current(root)
    if running is not None and status(running).state == RUNNING:
        raise BatchRequestError(f"A batch is already running ({running.folder}); wait for it to finish or stop it.")
    path, clips = check_request(folder, athlete, athlete_from_folder)
    run_id = uuid.uuid4().hex
    run_dir = root / f"{time.strftime('%Y%m%d-%H%M%S')}-{run_id[:8]}"
    run_dir.mkdir(parents=True)
    run = AppRun(run_id, str(path), (athlete or "").strip() or None, athlete_from_folder, data_only, clips, 0,
                 time.time(), str(run_dir))
    with open(run.log_path, "wb") as log:
        process = subprocess.Popen(_command(run, workers), stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True, cwd=run_dir,
                                   env=_environment())
    run = AppRun(**{**asdict(run), "pid": process.pid})
    _remember(root, run)
    return run


def _environment() -> dict:
    """The app's environment (RAY_ADDRESS, if set, becomes --address in `_command`)."""
    return dict(os.environ, PYTHONUNBUFFERED="1")


def _remember(root: Path, run: AppRun | None) -> None:
    path = _pointer(root)
    if run is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(asdict(run), indent=1), encoding="utf-8")
    tmp.replace(path)


def current(root: Path | None = None) -> AppRun | None:
    """The run the app started last, until `dismiss`; None if there is none (or its record is unreadable)."""
    try:
        return AppRun(**json.loads(_pointer(root or runs_root()).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def alive(run: AppRun) -> bool:
    """Whether the run's process is still going (reaping it if it is this process's child)."""
    try:
        pid, _ = os.waitpid(run.pid, os.WNOHANG)
    except ChildProcessError:  # not our child (started by an earlier app server), or reaped already
        pass
    else:
        # Our child: ended (and reaped now) or still going. An unreaped child keeps its pid, so no
        # other program can have it; and just after the start, before the child has exec'd the
        # batch, its command line is still the app's, so the check below would call it gone.
        return pid != run.pid
    try:
        os.kill(run.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    if Path("/proc/self").exists():  # the same pid, reused by another program since?
        try:
            return str(run.progress_path).encode() in Path(f"/proc/{run.pid}/cmdline").read_bytes()
        except OSError:
            return False
    return True


def status(run: AppRun) -> RunStatus:
    """Where the run is, from its progress file; a process gone without a last word is a failed run."""
    found = read_progress(run.progress_path)
    if found is None or found.state == RUNNING:
        if alive(run):
            return found or RunStatus(state=RUNNING, total=run.clips)
        found = read_progress(run.progress_path)  # it may have written its last word just now
    if found is None or found.state == RUNNING:
        return RunStatus(state=STOPPED, total=run.clips, message=STOPPED_BY_USER if run.stop_asked else GONE)
    if found.state == STOPPED and run.stop_asked:
        return RunStatus(state=STOPPED, total=found.total, message=STOPPED_BY_USER)
    return found


def stop(root: Path | None = None) -> None:
    """Ask the running batch to stop (SIGTERM: it shuts its Ray down and says so in its progress)."""
    root = root or runs_root()
    run = current(root)
    if run is None or not alive(run):
        return
    _remember(root, AppRun(**{**asdict(run), "stop_asked": True}))
    try:
        os.kill(run.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass


def dismiss(root: Path | None = None) -> None:
    """Forget the finished run (its folder and CSV stay); a running one is kept."""
    root = root or runs_root()
    run = current(root)
    if run is not None and status(run).state != RUNNING:
        _remember(root, None)
