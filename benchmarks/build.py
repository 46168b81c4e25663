"""Time the book build: clean build, rebuild with no change, rebuild after one Markdown edit.

A script, not a test. It copies the tracked sources to a temporary folder (your checkout is never
touched), runs each scenario ``--runs`` times (default 3) and prints the median wall time and the
peak memory of the largest single process of the build.

    .venv/bin/python benchmarks/build.py [--runs 3]

Targets on a 2-core machine (whole course): clean build <= 30 s, rebuild after one Markdown edit <= 6 s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

# Runs one build in a child and reports its wall time and the peak RSS of the largest descendant.
_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
wall = time.perf_counter() - start
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"code": code, "wall": wall, "peak_mib": peak_kib / 1024}))
"""


def copy_sources(dest: Path) -> None:
    """Copy the files git tracks (plus untracked, not ignored ones) into ``dest``."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    for name in listed:
        source = REPO_ROOT / name
        if source.is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def measure(root: Path, extra: list[str]) -> dict:
    """Build the book at ``root`` once and return wall seconds and peak MiB."""
    course = Path(sys.executable).with_name("course")
    cmd = [sys.executable, "-c", _MEASURE, str(course), "build", str(root), "--quiet", *extra]
    result = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
    if result["code"] != 0:
        raise SystemExit(
            f"build failed in {root} (exit {result['code']}); run `course build` to see why"
        )
    return result


def touch_markdown(root: Path, run: int) -> None:
    """Edit one Markdown page (the intro) so that exactly one page changes."""
    page = root / "book" / "intro.md"
    page.write_text(
        page.read_text(encoding="utf-8") + f"\n<!-- benchmark edit {run} -->\n", encoding="utf-8"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario (default 3)")
    args = parser.parse_args()

    rows: dict[str, list[dict]] = {
        "clean build": [],
        "rebuild, no change": [],
        "rebuild, one .md edited": [],
    }
    with tempfile.TemporaryDirectory(prefix="book-bench-") as tmp:
        root = Path(tmp)
        copy_sources(root)
        for run in range(args.runs):
            print(f"run {run + 1}/{args.runs}: clean build ...", file=sys.stderr, flush=True)
            rows["clean build"].append(measure(root, ["--clean"]))
            print(f"run {run + 1}/{args.runs}: rebuild, no change ...", file=sys.stderr, flush=True)
            rows["rebuild, no change"].append(measure(root, []))
            touch_markdown(root, run)
            print(
                f"run {run + 1}/{args.runs}: rebuild after one edit ...",
                file=sys.stderr,
                flush=True,
            )
            rows["rebuild, one .md edited"].append(measure(root, []))

    print(
        f"\n| scenario | median wall (s) | min-max (s) | peak memory (MiB) |  (runs: {args.runs})"
    )
    print("|---|---:|---:|---:|")
    for name, results in rows.items():
        walls = [r["wall"] for r in results]
        peak = max(r["peak_mib"] for r in results)
        print(
            f"| {name} | {statistics.median(walls):.1f} | {min(walls):.1f}-{max(walls):.1f} | {peak:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
