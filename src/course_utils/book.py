"""Build the course book with Jupyter Book 1 (warnings are errors).

``course build`` builds the public book (``_build/html``). ``course build --instructor`` also builds
the instructor answer book in ``instructor-answers/`` (model answers to every reflection question
and "Try it yourself" task) into ``_build/instructor``. That folder is its own small Jupyter Book,
with its own ``_config.yml`` and ``_toc.yml``; the public book's ``_toc.yml`` never names it, so
its pages cannot end up in ``_build/html``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

INSTRUCTOR_SOURCE = "instructor-answers"
INSTRUCTOR_OUTPUT = "instructor"


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
    result = _jupyter_book(root, out, every_page=clean, quiet=quiet)
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


def _jupyter_book(source: Path, out: Path, *, every_page: bool, quiet: bool) -> subprocess.CompletedProcess:
    """``jupyter-book build`` of ``source`` into ``out/_build``: warnings are errors, nitpicky."""
    cmd = [
        str(Path(sys.executable).with_name("jupyter-book")),
        "build",
        str(source),
        "--path-output",
        str(out),
        "-W",
        "--keep-going",
        "-n",
    ]
    if every_page:
        cmd.append("--all")
    if quiet:
        cmd.append("-q")
    return subprocess.run(cmd, cwd=source, check=False)


def instructor_source(root: Path) -> Path:
    """The instructor answer book of the repository at ``root`` (checked: config and TOC exist)."""
    source = root.resolve() / INSTRUCTOR_SOURCE
    for name in ("_config.yml", "_toc.yml"):
        if not (source / name).is_file():
            raise BookBuildError(
                f"{source / name}: missing; the instructor answer book needs its own {name}"
            )
    return source


def build_instructor_book(root: Path, out: Path | None = None, *, quiet: bool = False) -> Path:
    """Build the instructor answer book to ``<out>/_build/instructor`` and return its ``index.html``.

    The answer book is built on its own (its own configuration, warnings are errors) in a work
    folder and then moved into place, so that ``_build/instructor`` holds nothing but its HTML.
    """
    source = instructor_source(root)
    out = (out or root).resolve()
    target = out / "_build" / INSTRUCTOR_OUTPUT
    work = out / "_build" / f".{INSTRUCTOR_OUTPUT}-work"
    if work.exists():
        shutil.rmtree(work)
    result = _jupyter_book(source, work, every_page=True, quiet=quiet)
    html = work / "_build" / "html"
    if result.returncode != 0 or not (html / "index.html").is_file():
        raise BookBuildError(
            f"{source}: instructor answer book build failed (exit {result.returncode})"
        )
    if target.exists():
        shutil.rmtree(target)
    shutil.move(str(html), str(target))
    shutil.rmtree(work, ignore_errors=True)
    return target / "index.html"


def _run_build(args: argparse.Namespace) -> int:
    try:
        root = find_book_root(Path(args.root) if args.root else None)
        out = Path(args.out) if args.out else None
        index = build_book(root, out, clean=args.clean, quiet=args.quiet)
        answers = build_instructor_book(root, out, quiet=args.quiet) if args.instructor else None
    except BookBuildError as exc:
        print(f"course build: {exc}", file=sys.stderr)
        return 1
    print(f"The book is at {index}")
    if answers:
        print(
            f"The instructor answers are at {answers} (not part of the public book: do not publish)"
        )
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
    parser.add_argument(
        "--instructor",
        action="store_true",
        help="also build the model answers (instructor-answers/) into _build/instructor/; "
        "never published with the book",
    )
    parser.set_defaults(func=_run_build)
