"""Build the course book with Jupyter Book 1 (warnings are errors)."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path


class BookBuildError(RuntimeError):
    """The book did not build; the message says where to look."""


def find_book_root(start: Path | None = None) -> Path:
    """Return the nearest folder at or above ``start`` holding ``_config.yml`` and ``_toc.yml``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "_config.yml").is_file() and (folder / "_toc.yml").is_file():
            return folder
    raise BookBuildError(
        f"{here}: no _config.yml and _toc.yml here or above; run from the course repository"
    )


def build_book(
    root: Path, out: Path | None = None, *, clean: bool = False, quiet: bool = False
) -> Path:
    """Build the book at ``root`` to HTML and return the path of ``index.html``.

    ``out`` is the folder that receives ``_build/`` (default: ``root``).
    ``clean`` removes the previous build first and rebuilds every page.
    Warnings are errors (``-W --keep-going``); notebooks run through jupyter-cache.
    """
    root = root.resolve()
    out = (out or root).resolve()
    build_dir = out / "_build"
    if clean and build_dir.exists():
        shutil.rmtree(build_dir)
    cmd = [
        str(Path(sys.executable).with_name("jupyter-book")),
        "build",
        str(root),
        "--path-output",
        str(out),
        "-W",
        "--keep-going",
        "-n",
    ]
    if clean:
        cmd.append("--all")
    if quiet:
        cmd.append("-q")
    result = subprocess.run(cmd, cwd=root, check=False)
    index = build_dir / "html" / "index.html"
    if result.returncode != 0 or not index.is_file():
        reports = build_dir / "html" / "reports"
        hint = (
            f"; execution reports in {reports}"
            if reports.is_dir() and any(reports.iterdir())
            else ""
        )
        raise BookBuildError(f"book build failed (exit {result.returncode}){hint}")
    return index


def _run_build(args: argparse.Namespace) -> int:
    try:
        root = find_book_root(Path(args.root) if args.root else None)
        index = build_book(
            root, Path(args.out) if args.out else None, clean=args.clean, quiet=args.quiet
        )
    except BookBuildError as exc:
        print(f"course build: {exc}", file=sys.stderr)
        return 1
    print(f"The book is at {index}")
    return 0


def add_build_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``course build``."""
    parser = subparsers.add_parser(
        "build",
        help="build the book to HTML (warnings are errors)",
        description="Execute the notebooks (cached) and build the book to _build/html/.",
    )
    parser.add_argument(
        "root", nargs="?", help="course repository (default: found from the current folder)"
    )
    parser.add_argument("--out", help="folder that receives _build/ (default: the repository)")
    parser.add_argument(
        "--clean", action="store_true", help="remove the previous build and rebuild every page"
    )
    parser.add_argument("--quiet", action="store_true", help="print less while building")
    parser.set_defaults(func=_run_build)
