"""A second process for tests/test_store_durability.py: adds or deletes an analysis, pausing where told.

    python store_worker.py URL MEDIA_DIR SIGNAL_DIR MODE CLIP_ID TAG

Modes (each creates SIGNAL_DIR/ready-TAG at its pause point):
  add                 write TAG.txt, wait until every expected worker is ready (ready-* count
                      equals $STORE_WORKERS), then commit, holding the transaction 0.3 s before
                      COMMIT so the other worker's commit has to wait; prints JSON timings
  kill-in-write       write half of annotated.mp4, then sleep (the test kills us)
  kill-after-publish  sleep after the folder is renamed into place, before the transaction
  kill-before-commit  sleep inside the transaction, rows inserted, before COMMIT
  kill-in-delete      delete clip CLIP_ID; sleep after its rows are committed away, before
                      its files are removed
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from sqlalchemy import event

from formcheck.store import Library, MetricValue
from formcheck.store import media as fs

_SLEEP_S = 60.0


def _touch(path: Path) -> None:
    path.write_text(str(os.getpid()))


def _wait_for(predicate, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the other worker never got ready")
        time.sleep(0.005)


def main(url: str, media_dir: str, signal_dir: str, mode: str, clip_id: str, tag: str) -> None:
    signals = Path(signal_dir)
    ready = signals / f"ready-{tag}"
    state = {"files_written_s": None}
    lib = Library.open(url, Path(media_dir))

    if mode == "kill-in-delete":
        def pause_then_remove(paths, _real=lib._remove):
            _touch(ready)
            time.sleep(_SLEEP_S)
            _real(paths)
        lib._remove = pause_then_remove
        lib.delete_clip(int(clip_id))
        return

    def write_files(folder: Path):
        if mode == "kill-in-write":
            with open(folder / "annotated.mp4", "wb") as f:
                f.write(b"\0" * 100_000)  # half a video
                f.flush()
                _touch(ready)
                time.sleep(_SLEEP_S)
        (folder / f"{tag}.txt").write_text(f"written by {tag}")
        (folder / "analysis.json").write_text(json.dumps({"tag": tag}))
        if mode == "add":
            expected = int(os.environ["STORE_WORKERS"])
            _touch(ready)
            _wait_for(lambda: len(list(signals.glob("ready-*"))) >= expected)
        state["files_written_s"] = time.time()
        return [f"{tag}.txt", "analysis.json"]

    if mode == "kill-after-publish":
        def publish_then_pause(tmp_dir, _real=fs.publish):
            final = _real(tmp_dir)
            _touch(ready)
            time.sleep(_SLEEP_S)
            return final
        fs.publish = publish_then_pause

    @event.listens_for(lib._engine, "commit")
    def before_commit(conn):
        if state["files_written_s"] is None:
            return  # a read or the open's migration
        if mode == "kill-before-commit":
            _touch(ready)
            time.sleep(_SLEEP_S)
        if mode == "add":
            _touch(signals / f"commit-{tag}")
            time.sleep(0.3)

    record = lib.add_analysis(
        int(clip_id), mode="running", title=f"run {tag}", exercise=None, view="side", confidence=0.8,
        settings={"worker": tag}, model_id="model-x", formcheck_version="0.1.0", clip_sha256="0" * 64,
        data={"tag": tag}, metrics=[MetricValue("cadence_spm", "Cadence", 170.0, "steps/min", 12, "side", False)],
        write_files=write_files)
    print(json.dumps({"id": record.id, "files_written_s": state["files_written_s"], "committed_s": time.time()}))
    lib.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
