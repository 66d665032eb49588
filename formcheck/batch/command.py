"""`formcheck batch`: the CLI's thin shell over plan -> ray_run -> report."""

from __future__ import annotations

import signal
import sys
from dataclasses import asdict

from formcheck.batch.plan import BatchSpec, gather
from formcheck.batch.ray_run import RayMissingError, import_ray, run_batch
from formcheck.batch.report import ProgressFile, ProgressPrinter, table, write_csv
from formcheck.errors import FormCheckError
from formcheck.paths import data_dir

EXIT_SOME_FAILED = 3
#: What a --progress-file says when the run stopped on something that is not the user's to fix.
UNEXPECTED = "The batch stopped on an unexpected error; the log of the run has the details."
STOPPED = "The batch was stopped before the end."


class BatchOptionError(FormCheckError):
    pass


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def run_command(args, limits, exercise_options) -> int:
    """Returns 0 when every clip was analysed or skipped, EXIT_SOME_FAILED when some failed.
    With --progress-file F, F says where the run is, then how it ended (`report.ProgressFile`)."""
    progress_file = ProgressFile(args.progress_file, args.workers) if getattr(args, "progress_file", None) else None
    if progress_file:  # the app stops a run with SIGTERM: end as on Ctrl-C (Ray shut down, the file told)
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _run(args, limits, exercise_options, progress_file)
    except KeyboardInterrupt:
        if progress_file and not progress_file.ended:
            progress_file.fail(STOPPED)
        raise
    except FormCheckError as exc:
        if progress_file and not progress_file.ended:
            progress_file.fail(str(exc))
        raise
    except BaseException:
        if progress_file and not progress_file.ended:
            progress_file.fail(UNEXPECTED)
        raise


def _run(args, limits, exercise_options, progress_file: ProgressFile | None) -> int:
    try:
        import_ray()
    except RayMissingError as exc:
        raise BatchOptionError(str(exc)) from None
    if args.workers < 0:
        raise BatchOptionError(f"--workers must be 0 (one per core) or more, got {args.workers}.")
    jobs, problems = gather(args.paths, athlete=args.athlete, athlete_from_folder=args.athlete_from_folder)
    for path, message in problems:
        print(f"formcheck: {message}", file=sys.stderr)
    if not jobs:
        if progress_file:  # the page shows this one message: say why there is nothing
            progress_file.fail(" ".join([m for _, m in problems] + ["No clips to analyse."]))
        raise BatchOptionError("No clips to analyse.")
    spec = BatchSpec(mode=args.mode, model=args.model, exercise=exercise_options.exercise, view=args.view,
                     context=args.context, capture_fps=args.capture_fps, render=not args.data_only,
                     limits=asdict(limits))
    exports = args.exports.expanduser().resolve() if args.exports else None
    if progress_file:
        progress_file.begin(len(jobs))
    print(f"formcheck batch: {len(jobs)} clip(s), {f'{args.workers} worker(s)' if args.workers else 'a worker per core'}"
          + (f", joining Ray at {args.address}" if args.address else ", a local Ray for this run"), file=sys.stderr)
    printer = ProgressPrinter(args.workers)

    def on_update(progress, outcome) -> None:
        printer(progress, outcome)
        if progress_file:
            progress_file(progress, outcome)

    summary = run_batch(jobs, spec, workers=args.workers, address=args.address, library_url=args.library,
                        exports_dir=exports, retry_failed=args.retry_failed, on_update=on_update)
    print(table(summary))
    csv_path = args.summary or (exports or data_dir() / "batches") / f"batch-{summary.run_id[:8]}.csv"
    print(f"summary table: {write_csv(summary, csv_path)}")
    if progress_file:
        progress_file.finish(summary, csv_path)
    return EXIT_SOME_FAILED if any(o.status == "failed" for o in summary.outcomes) else 0
