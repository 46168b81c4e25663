"""The ``course`` command: a thin layer over the package's rooms."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from course_utils import __version__
from course_utils.book import add_build_parser


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``course`` command with all subcommands."""
    parser = argparse.ArgumentParser(
        prog="course",
        description="Build the course book and assign, check and grade its exercises.",
    )
    parser.add_argument("--version", action="version", version=f"course {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_build_parser(subparsers)
    try:
        from course_utils.grading.cli import add_grading_parsers
    except ImportError:  # pragma: no cover - grading room not installed yet
        pass
    else:
        add_grading_parsers(subparsers)
    from course_utils.lms.cli import add_lms_parsers

    add_lms_parsers(subparsers)
    add_export_parser(subparsers)
    return parser


def add_export_parser(subparsers: argparse._SubParsersAction) -> None:
    """``course export-lab``: nbconvert is imported only when the command runs."""
    parser = subparsers.add_parser(
        "export-lab",
        help="write a lab notebook as one HTML page that works offline",
        description="Write a lab notebook as one HTML page that loads nothing from the network, "
        "with its self-checks live (see book/labs-anywhere.md).",
    )
    parser.add_argument("notebook", type=Path, help="the lab notebook (.ipynb)")
    parser.add_argument("-o", "--output", type=Path, help="the HTML file (default: NOTEBOOK.html)")
    parser.set_defaults(func=_export_lab)


def _export_lab(args: argparse.Namespace) -> int:
    try:
        from course_utils.labs.export import export_lab
    except ImportError as exc:
        print(
            f"course export-lab: needs nbconvert ({exc}); install the lab extra: "
            'pip install ".[lab]"',
            file=sys.stderr,
        )
        return 2
    print(export_lab(args.notebook, args.output))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``course`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
