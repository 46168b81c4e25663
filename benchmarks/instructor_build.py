"""Time the instructor answer book build (``course build --instructor`` without the public book).

A script, not a test. It builds ``instructor-answers/`` into a temporary folder ``--runs`` times
(default 3) and prints the median and the slowest wall time.

    .venv/bin/python benchmarks/instructor_build.py [--runs 3]

Target on a 2-core machine: under 30 s, so that the content test that runs it stays far below 2 min.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from course_utils.book import build_instructor_book

REPO_ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            build_instructor_book(REPO_ROOT, Path(tmp), quiet=True)
            times.append(time.perf_counter() - start)
    print(
        f"instructor answer book: median {statistics.median(times):.1f} s, "
        f"slowest {max(times):.1f} s over {args.runs} runs"
    )


if __name__ == "__main__":
    main()
