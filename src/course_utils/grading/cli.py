"""The ``assign``, ``check`` and ``grade`` subcommands of the ``course`` command."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pandas as pd

from course_utils.grading.model import ExerciseError
from course_utils.grading.sandbox import Limits, SandboxUnavailable

__all__ = ["add_grading_parsers"]

_DEFAULTS = Limits()


def add_grading_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Register ``assign``, ``check`` and ``grade`` on the ``course`` command's subparsers."""
    assign = subparsers.add_parser(
        "assign",
        help="write student notebooks and autograder bundles from source exercises",
        description="For each source exercise notebook, write the student version (solutions "
        "replaced by a failing placeholder, hidden tests removed, outputs cleared) to OUT/student/ "
        "and the autograder bundle to OUT/autograder/.",
    )
    assign.add_argument("sources", nargs="+", type=Path, help="source notebooks or folders of them")
    assign.add_argument(
        "--out", type=Path, default=Path("dist"), help="output folder (default: dist)"
    )
    assign.set_defaults(func=_assign)

    check = subparsers.add_parser(
        "check",
        help="check that every source passes its tests and a blank answer passes none",
        description="Grade each source exercise and its generated student version: the source "
        "must earn every point, the student version none. Exit status 1 if not.",
    )
    check.add_argument("sources", nargs="+", type=Path, help="source notebooks or folders of them")
    _add_run_options(check)
    check.set_defaults(func=_check)

    grade = subparsers.add_parser(
        "grade",
        help="grade a folder of submissions",
        description="Rebuild each submission from its source (only answer cells come from the "
        "student), run it in a fresh sandboxed kernel, and write OUT/results.csv, "
        "OUT/gradebook.csv and OUT/feedback/.",
    )
    grade.add_argument("dist", type=Path, help="the folder written by 'course assign'")
    grade.add_argument("submissions", type=Path, help="folder of submitted notebooks")
    grade.add_argument(
        "--out", type=Path, default=Path("grades"), help="output folder (default: grades)"
    )
    _add_run_options(grade)
    where = grade.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler",
        nargs="?",
        const="",
        metavar="ADDRESS",
        help="grade on the Dask cluster of this scheduler (tls://host:8786; without ADDRESS: Dask's "
        "scheduler-address setting); TLS settings come from Dask's configuration (distributed.comm.tls)",
    )
    where.add_argument(
        "--cluster", metavar="local:N", help="grade on a local Dask cluster of N worker processes"
    )
    grade.add_argument(
        "--allow-insecure-scheduler",
        action="store_true",
        help="allow a plain tcp:// scheduler on a non-loopback address (anyone reaching it could run code)",
    )
    grade.set_defaults(func=_grade)


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="kernels run in parallel (default: CPUs)",
    )
    parser.add_argument(
        "--cell-timeout",
        type=float,
        default=_DEFAULTS.cell_timeout,
        help="seconds per cell (default: %(default)s)",
    )
    parser.add_argument(
        "--notebook-timeout",
        type=float,
        default=_DEFAULTS.notebook_timeout,
        help="seconds per notebook (default: %(default)s)",
    )
    parser.add_argument(
        "--memory-mb",
        type=int,
        default=_DEFAULTS.memory_mb,
        help="memory limit per kernel (default: %(default)s)",
    )
    parser.add_argument(
        "--max-output",
        type=int,
        default=_DEFAULTS.max_output_chars,
        help="output characters kept per cell (default: %(default)s)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run kernels as plain processes, without the bubblewrap sandbox: only for machines "
        "without Linux namespaces, and only for code you trust; every result row says so",
    )


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(
        cell_timeout=args.cell_timeout,
        notebook_timeout=args.notebook_timeout,
        memory_mb=args.memory_mb,
        max_output_chars=args.max_output,
    )


def _assign(args: argparse.Namespace) -> int:
    from course_utils.grading.assign import assign

    try:
        written = assign(args.sources, args.out)
    except ExerciseError as exc:
        print(f"course assign: error: {exc}", file=sys.stderr)
        return 1
    for item in written:
        print(f"{item.exercise}: {item.student}  {item.bundle}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from course_utils.grading.check import check_sources

    try:
        outcome = check_sources(
            args.sources,
            workers=args.jobs,
            limits=_limits(args),
            progress=not args.no_progress,
            sandbox=not args.no_sandbox,
        )
    except ExerciseError as exc:
        print(f"course check: error: {exc}", file=sys.stderr)
        return 1
    except SandboxUnavailable as exc:
        print(
            f"course check: error: cannot sandbox the kernels: {exc} (or pass --no-sandbox)",
            file=sys.stderr,
        )
        return 1
    print(_table(outcome.table))
    for problem in outcome.problems:
        print(f"course check: {problem}", file=sys.stderr)
    if outcome.problems:
        return 1
    print(f"course check: {len(outcome.table)} questions ok")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from course_utils.grading.cluster import ClusterError
    from course_utils.grading.grade import grade

    try:
        cluster = _cluster_target(args)
        outcome = grade(
            args.dist,
            args.submissions,
            args.out,
            workers=args.jobs,
            limits=_limits(args),
            progress=not args.no_progress,
            sandbox=not args.no_sandbox,
            cluster=cluster,
        )
    except (ExerciseError, FileNotFoundError, ClusterError) as exc:
        print(f"course grade: error: {exc}", file=sys.stderr)
        return 1
    except SandboxUnavailable as exc:
        print(
            f"course grade: error: cannot sandbox the kernels: {exc}; nothing was graded "
            "(--no-sandbox grades without one, for trusted code only)",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print(f"course grade: interrupted; results so far are in {args.out}/", file=sys.stderr)
        return 130
    print(_table(outcome.summary))
    print(
        f"course grade: {outcome.results['file'].nunique()} files, {len(outcome.gradebook)} students; "
        f"wrote {args.out / 'results.csv'}, {args.out / 'gradebook.csv'}, {args.out / 'feedback'}/"
    )
    return 0


def _cluster_target(args: argparse.Namespace):
    if args.scheduler is None and args.cluster is None:
        return None
    from course_utils.grading.cluster import ClusterTarget, parse_cluster

    workers = parse_cluster(args.cluster) if args.cluster is not None else None
    return ClusterTarget(
        scheduler=args.scheduler,
        local_workers=workers,
        allow_insecure=args.allow_insecure_scheduler,
    )


def _table(frame: pd.DataFrame) -> str:
    return frame.to_string(index=False) if not frame.empty else "(nothing)"
