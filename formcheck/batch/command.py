"""`formcheck batch`: the CLI's thin shell over plan -> ray_run -> report."""

from __future__ import annotations

import sys
from dataclasses import asdict

from formcheck.batch.plan import BatchSpec, gather
from formcheck.batch.ray_run import RayMissingError, import_ray, run_batch
from formcheck.batch.report import ProgressPrinter, table, write_csv
from formcheck.errors import FormCheckError
from formcheck.paths import data_dir

EXIT_SOME_FAILED = 3


class BatchOptionError(FormCheckError):
    pass


def run_command(args, limits, exercise_options) -> int:
    """Returns 0 when every clip was analysed or skipped, EXIT_SOME_FAILED when some failed."""
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
        raise BatchOptionError("No clips to analyse.")
    spec = BatchSpec(mode=args.mode, model=args.model, exercise=exercise_options.exercise, view=args.view,
                     context=args.context, capture_fps=args.capture_fps, render=not args.data_only,
                     limits=asdict(limits))
    exports = args.exports.expanduser().resolve() if args.exports else None
    print(f"formcheck batch: {len(jobs)} clip(s), {args.workers or 'one per core'} worker(s)"
          + (f", joining Ray at {args.address}" if args.address else ", a local Ray for this run"), file=sys.stderr)
    summary = run_batch(jobs, spec, workers=args.workers, address=args.address, library_url=args.library,
                        exports_dir=exports, retry_failed=args.retry_failed,
                        on_update=ProgressPrinter(args.workers))
    print(table(summary))
    csv_path = args.summary or (exports or data_dir() / "batches") / f"batch-{summary.run_id[:8]}.csv"
    print(f"summary table: {write_csv(summary, csv_path)}")
    return EXIT_SOME_FAILED if any(o.status == "failed" for o in summary.outcomes) else 0
