"""`formcheck batch` for real: a local Ray, the real model, real clips, into a real library (a SQLite
file, or a database on a PostgreSQL server the tests start): the records it leaves, a second run
that skips everything, a bad file recorded as failed, and the kill tests: a worker SIGKILLed
mid-clip (Ray retries it; one record, no half record) and the driver SIGKILLed mid-run (started
again, it resumes without duplicates)."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from formcheck.batch.plan import UNASSIGNED, BatchSpec, gather
from formcheck.batch.ray_run import TASK_RETRIES, run_batch
from formcheck.batch.work import DONE_NOW, FAILED, SKIPPED
from formcheck.store import Library
from formcheck.store.batch_log import DONE
from formcheck.store.batch_log import FAILED as RECORDED_FAILED
from test_store import count_rows

pytestmark = pytest.mark.real_clip

FORMCHECK = [str(Path(sys.executable).with_name("formcheck"))]
# Short real clips (100 frames each, 1080x1920 at 60 frames/s): a few seconds of pose per clip.
CLIPS = ("pose2sim_single_cam01.mp4", "pose2sim_single_cam02.mp4", "pose2sim_single_cam03.mp4")
DATA_ONLY = BatchSpec(render=False)


@pytest.fixture
def clips(sample_clip, tmp_path):
    """The clips in a folder of their own, and a text file named like a clip beside them."""
    folder = tmp_path / "camp" / "Ana"
    folder.mkdir(parents=True)
    for name in CLIPS:
        (folder / name).symlink_to(sample_clip(name))
    (folder / "notes.mp4").write_text("warm-up notes, not a video\n")
    return folder


@pytest.fixture
def media(tmp_path):
    return tmp_path / "media"


def run_cli(*args, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*FORMCHECK, "batch", *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **env})


def batch_rows(url: str, media: Path) -> dict[str, tuple[str, str, int | None]]:
    """clip file name -> (status, message, analysis id) as the library has it."""
    with Library.open(url, media) as lib:
        return {Path(i.source_path).name: (i.status, i.message, i.analysis_id) for i in lib.batch_items()}


def test_cli_batch_into_a_fresh_library_then_a_second_run_skips_everything(clips, tmp_path, media, model_path):
    url = f"sqlite:///{tmp_path / 'library.db'}"
    env = {"FORMCHECK_MEDIA": str(media), "FORMCHECK_MODEL": model_path}
    summary, exports = tmp_path / "first.csv", tmp_path / "exports"
    first = run_cli(clips, "--athlete-from-folder", "--workers", "2", "--data-only", "--library", url,
                    "--summary", summary, "--exports", exports, env=env)
    assert first.returncode == 3, first.stderr  # some failed
    assert "a local Ray for this run" in first.stderr
    assert "FAILED   notes.mp4: " in first.stderr
    assert first.stdout.splitlines()[-2] == "4 clips: 3 analysed, 1 failed, 0 skipped, in " \
        + first.stdout.splitlines()[-2].split(" in ")[1]
    with summary.open(newline="") as f:
        table = {Path(r["clip"]).name: r for r in csv.DictReader(f)}
    assert sorted(table) == sorted([*CLIPS, "notes.mp4"])
    for name in CLIPS:
        row = table[name]
        assert (row["status"], row["athlete"], row["activity"]) == ("done", "Ana", "exercise: standing_hip_abduction")
        assert float(row["seconds"]) > 0 and row["analysis_id"]
        assert row["headline"].startswith("Reps counted: ")
    assert table["notes.mp4"]["status"] == "failed" and table["notes.mp4"]["analysis_id"] == ""

    rows = batch_rows(url, media)
    assert rows["notes.mp4"][0] == RECORDED_FAILED
    assert rows["notes.mp4"][1] == table["notes.mp4"]["message"] and "video" in rows["notes.mp4"][1]
    with Library.open(url, media) as lib:
        (ana,) = lib.athletes()
        assert ana.name == "Ana"
        analyses = lib.analyses(athlete_id=ana.id)
        assert len(analyses) == 3 and {a.id for a in analyses} == {rows[n][2] for n in CLIPS}
        for record in analyses:
            assert record.exercise == "standing_hip_abduction" and record.model_id.startswith("pose_landmarker_full")
            assert record.settings["request"]["render"] is False
            assert (record.folder / "analysis.json").is_file()
            assert json.loads((record.folder / "analysis.json").read_text())["exercise"]["name"] == "standing_hip_abduction"
        assert {c.original_name for c in lib.clips()} == set(CLIPS)
    folders = sorted(p.name.rsplit("-", 1)[0] for p in exports.iterdir() if p.is_dir())
    assert folders == sorted(Path(c).stem for c in CLIPS)
    assert all((p / "analysis.json").is_file() for p in exports.iterdir() if p.is_dir())

    second = run_cli(clips, "--athlete-from-folder", "--workers", "2", "--data-only", "--library", url,
                     "--summary", tmp_path / "second.csv", env=env)
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines()[-2].startswith("4 clips: 0 analysed, 0 failed, 4 skipped, in ")
    assert "a local Ray" in second.stderr
    with (tmp_path / "second.csv").open(newline="") as f:
        again = {Path(r["clip"]).name: r for r in csv.DictReader(f)}
    assert {n: r["message"] for n, r in again.items()} == {
        **{n: "analysed before" for n in CLIPS}, "notes.mp4": f"failed before: {rows['notes.mp4'][1]}"}
    assert [count_rows(url, t) for t in ("clips", "analyses", "batch_items")] == [3, 3, 4]


def test_cli_batch_says_what_is_wrong_with_its_arguments(tmp_path):
    done = run_cli(tmp_path / "missing", "--library", f"sqlite:///{tmp_path / 'l.db'}", env={})
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "missing: no such file or folder." in done.stderr and "No clips to analyse." in done.stderr
    done = run_cli(tmp_path, "--workers", "-1", env={})
    assert done.returncode != 0 and "--workers must be 0" in done.stderr and "Traceback" not in done.stderr


# -- kill tests, on SQLite and on PostgreSQL ---------------------------------------------------------


class WorkerKiller:
    """on_workers for run_batch: SIGKILLs the worker analysing `clip` once it is `at` frames in,
    `times` times (each time on the worker Ray restarted)."""

    def __init__(self, clip: str, at: int = 20, times: int = 1):
        self.clip, self.at, self.times = clip, at, times
        self.killed: list[tuple[int, int]] = []  # (pid, frames done) of each kill
        self._stop = threading.Event()

    def __call__(self, actors: list) -> None:
        threading.Thread(target=self._watch, args=(actors,), daemon=True).start()

    def _watch(self, actors) -> None:
        import ray

        while not self._stop.is_set() and len(self.killed) < self.times:
            for actor in actors:
                try:
                    pid, now = ray.get(actor.status.remote(), timeout=5)
                except Exception:  # restarting after the last kill
                    continue
                if now and now[0] == self.clip and now[1] >= self.at and pid not in {p for p, _ in self.killed}:
                    os.kill(pid, signal.SIGKILL)
                    self.killed.append((pid, now[1]))
            time.sleep(0.05)

    def stop(self) -> None:
        self._stop.set()


def test_a_worker_killed_mid_clip_is_retried_and_leaves_one_record(clips, new_library_url, media):
    """Two workers write at once; the one on the second clip is SIGKILLed 20 frames into its pose."""
    url = new_library_url()
    jobs, _ = gather([clips / name for name in CLIPS], athlete="Ana")
    killer = WorkerKiller(CLIPS[1])
    try:
        summary = run_batch(jobs, DATA_ONLY, workers=2, library_url=url, media_dir=media, on_workers=killer)
    finally:
        killer.stop()
    assert len(killer.killed) == 1 and killer.killed[0][1] >= 20  # killed mid-pose
    assert [(Path(o.path).name, o.status) for o in summary.outcomes] == [(n, DONE_NOW) for n in CLIPS]
    rows = batch_rows(url, media)
    assert {n: r[0] for n, r in rows.items()} == {n: DONE for n in CLIPS}
    assert [count_rows(url, t) for t in ("clips", "analyses", "batch_items")] == [3, 3, 3]
    with Library.open(url, media) as lib:
        assert lib.sweep() == []  # the killed try left no files behind
        assert sorted(a.id for a in lib.analyses()) == sorted(r[2] for r in rows.values())


def test_a_clip_that_kills_its_worker_every_time_is_recorded_failed(clips, tmp_path, media):
    url = f"sqlite:///{tmp_path / 'library.db'}"
    jobs, _ = gather([clips / CLIPS[0], clips / CLIPS[1]], athlete="Ana")
    killer = WorkerKiller(CLIPS[1], at=5, times=TASK_RETRIES + 1)
    try:
        summary = run_batch(jobs, DATA_ONLY, workers=1, library_url=url, media_dir=media, on_workers=killer)
    finally:
        killer.stop()
    assert len(killer.killed) == TASK_RETRIES + 1
    first, second = summary.outcomes
    assert first.status == DONE_NOW
    assert second.status == FAILED and f"stopped {TASK_RETRIES + 1} times" in second.message
    assert batch_rows(url, media)[CLIPS[1]] == (RECORDED_FAILED, second.message, None)
    assert [count_rows(url, t) for t in ("clips", "analyses")] == [1, 1]


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.2)


def _done_count(url: str) -> int:
    try:
        return count_rows(url, "batch_items")
    except Exception:  # the first run has not made the tables yet
        return 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").is_dir() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]


def _group_pids(pgid: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(stat.parent.name))
    return pids


def test_the_driver_killed_mid_run_resumes_where_it_was(clips, new_library_url, media, model_path):
    url = new_library_url()
    env = {"FORMCHECK_MEDIA": str(media), "FORMCHECK_MODEL": model_path}
    args = [*FORMCHECK, "batch", *(clips / n for n in CLIPS), "--athlete", "Ana", "--workers", "1", "--data-only",
            "--library", url]
    driver = subprocess.Popen([str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, **env}, start_new_session=True)
    try:
        _wait_for(lambda: _done_count(url) >= 1 or driver.poll() is not None, 240, "the first clip in the library")
        assert driver.poll() is None, driver.communicate()
        driver.send_signal(signal.SIGKILL)  # the driver only, as `kill -9` would: Ray's processes are on their own
        driver.communicate(timeout=30)
        # Ray's processes share the driver's fate; its last workers are gone within seconds.
        _wait_for(lambda: not any("ray::ClipWorker" in _cmdline(p) for p in _group_pids(driver.pid)), 60,
                  "the killed driver's Ray workers to stop")
        before = batch_rows(url, media)
        assert 1 <= len(before) < len(CLIPS) and all(r[0] == DONE for r in before.values())

        again = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300,
                               env={**os.environ, **env})
        assert again.returncode == 0, again.stderr
        counts = again.stdout.splitlines()[-2]
        assert counts.startswith(f"3 clips: {len(CLIPS) - len(before)} analysed, 0 failed, {len(before)} skipped")
        after = batch_rows(url, media)
        assert {n: r[0] for n, r in after.items()} == {n: DONE for n in CLIPS}
        assert {n: after[n] for n in before} == before  # what was done stays as it was
        assert [count_rows(url, t) for t in ("clips", "analyses", "batch_items")] == [3, 3, 3]
        with Library.open(url, media) as lib:
            assert lib.sweep() == []
            assert [s.label for s in lib.sessions(lib.athlete_named("Ana").id)].count(
                f"Batch {time.strftime('%Y-%m-%d')}") == 2  # one per run
    finally:
        for pid in _group_pids(driver.pid):  # Ray's agents, if they outlive the driver
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def test_unassigned_is_the_athlete_of_clips_without_one(tmp_path, clips, media):
    jobs, _ = gather([clips / "notes.mp4"])
    summary = run_batch(jobs, DATA_ONLY, workers=1, library_url=f"sqlite:///{tmp_path / 'l.db'}", media_dir=media)
    (outcome,) = summary.outcomes
    assert (outcome.athlete, outcome.status) == (UNASSIGNED, FAILED)
    again = run_batch(jobs, DATA_ONLY, workers=1, library_url=f"sqlite:///{tmp_path / 'l.db'}", media_dir=media,
                      retry_failed=False)
    assert again.outcomes[0].status == SKIPPED


# -- joining a cluster that is already running --------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_cli_batch_joins_a_running_cluster_by_address(clips, tmp_path, media, model_path):
    """A head node started with `ray start` (token authentication on, as Ray's default): the batch
    joins it with --address, its workers there read the clips at their path and write the library."""
    port = _free_port()
    token = os.urandom(16).hex()
    temp = tempfile.mkdtemp(prefix="fcray-")  # short: Unix socket paths are limited to 107 bytes
    ray_env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token}
    head = subprocess.Popen([str(Path(sys.executable).with_name("ray")), "start", "--head", "--block",
                             "--port", str(port), "--node-ip-address", "127.0.0.1", "--num-cpus", "1",
                             "--include-dashboard=false", "--disable-usage-stats", "--temp-dir", temp],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=ray_env, start_new_session=True)
    try:
        _wait_for(lambda: head.poll() is not None or _answers(port), 60, "the head node to listen")
        assert head.poll() is None, head.communicate()[0]
        url = f"sqlite:///{tmp_path / 'library.db'}"
        env = {"FORMCHECK_MEDIA": str(media), "FORMCHECK_MODEL": model_path, "RAY_AUTH_MODE": "token",
               "RAY_AUTH_TOKEN": token}
        done = run_cli(clips / CLIPS[0], "--data-only", "--library", url, "--address", f"127.0.0.1:{port}",
                       env=env, timeout=240)
        assert done.returncode == 0, done.stderr
        assert f"joining Ray at 127.0.0.1:{port}" in done.stderr
        assert done.stdout.splitlines()[-2].startswith("1 clips: 1 analysed, 0 failed, 0 skipped, in ")
        assert done.stdout.splitlines()[-2].endswith(" on 1 worker(s)")  # the cluster's one CPU
        assert batch_rows(url, media)[CLIPS[0]][0] == DONE
    finally:
        for pid in _group_pids(head.pid):  # the test's own head node and everything it started
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        head.communicate(timeout=30)
        shutil.rmtree(temp, ignore_errors=True)


def _answers(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_cli_batch_says_so_at_once_when_no_cluster_answers(clips, tmp_path, media):
    port = _free_port()
    started = time.monotonic()
    done = run_cli(clips / CLIPS[0], "--data-only", "--library", f"sqlite:///{tmp_path / 'l.db'}",
                   "--address", f"127.0.0.1:{port}", env={"FORMCHECK_MEDIA": str(media)}, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"No Ray cluster answers at 127.0.0.1:{port} (Connection refused)." in done.stderr
    assert time.monotonic() - started < 30


def test_without_ray_the_batch_says_how_to_install_it(clips, tmp_path):
    """Ray is an optional extra: where it is not installed (here: its import made to fail, as
    Python does for a missing module), one sentence says how to get it; nothing is written."""
    url = f"sqlite:///{tmp_path / 'l.db'}"
    code = ("import sys; sys.modules['ray'] = None; from formcheck.cli import main; "
            f"sys.exit(main(['batch', {str(clips)!r}, '--library', {url!r}]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert 'pip install -e ".[batch]"' in done.stderr
    assert not (tmp_path / "l.db").exists()


def test_every_refused_input_of_the_bad_input_corpus_is_recorded_failed_and_the_batch_goes_on(
        clips, tmp_path, media):
    """tests/bad_inputs.py: each input FormCheck refuses (not a video, truncated, too long, nobody
    in it...) ends as a failed row with the message a user of the CLI sees; the real clip among
    them is analysed."""
    from bad_inputs import CORPUS, Refused, Sources

    sources, made = Sources(), {}
    for row in CORPUS:
        if isinstance(row.outcome, Refused):
            (tmp_path / "bad" / row.name).mkdir(parents=True)
            made[row.name] = (row.make(tmp_path / "bad" / row.name, sources), row.outcome)
    url = f"sqlite:///{tmp_path / 'library.db'}"
    jobs, _ = gather([clips / CLIPS[0], *(path for path, _ in made.values())], athlete="Ana")
    summary = run_batch(jobs, DATA_ONLY, workers=2, library_url=url, media_dir=media)
    outcomes = {o.path: o for o in summary.outcomes}
    assert outcomes[str(clips / CLIPS[0])].status == DONE_NOW
    rows = batch_rows(url, media)
    for name, (path, refused) in made.items():
        outcome = outcomes[str(path)]
        assert outcome.status == FAILED, name
        for words in refused.words:
            assert words in outcome.message, (name, outcome.message)
        assert rows[path.name] == (RECORDED_FAILED, outcome.message, None)
    assert len(made) >= 8 and count_rows(url, "analyses") == 1
