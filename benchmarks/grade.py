"""Benchmark (a script, not a test): how many notebooks per second ``course grade`` grades.

Generates N submissions of one exercise (default: 50 of chapter 1's), then times, one after
the other in this run and each as its own process:

1. ``course grade`` with J parallel kernels (default: the number of CPUs), each in its
   bubblewrap sandbox, and again with ``--no-sandbox`` (what the sandbox costs per notebook);
2. bare nbclient executing the same submitted notebooks, J at a time, without any grading;
3. nbgrader 0.9 ``autograde`` on equivalent sources (the same source notebook: its markers and
   cell metadata are nbgrader's), installed by this script in a throwaway virtual environment.

Usage::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/grade.py [--n 50] [--jobs 2]
        [--exercise exercises/ch01_know_thy_technology.ipynb] [--skip-nbgrader] [--nbgrader-venv DIR]
        [--cluster local:2]

``--cluster local:N`` adds ``course grade --cluster local:N`` (Dask, N worker processes; the
time includes starting the cluster); ``benchmarks/grade_cluster.py`` measures the cluster in
detail (warm workers, Dask's cost per task, a scaling table).

Targets (2 cores): course grade >= 90 % of bare nbclient's throughput and >= 3x nbgrader's.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from course_utils.grading.markers import notebook_solutions

REPO = Path(__file__).resolve().parents[1]
DEFAULT_EXERCISE = REPO / "exercises" / "ch01_know_thy_technology.ipynb"
NBGRADER_SPEC = "nbgrader>=0.9,<0.10"
KERNEL_DEPS = ["pandas>=2.1,<4", "numpy>=1.26,<3", "matplotlib>=3.8,<4", "pyyaml>=6,<7"]


def answers_of(student: int, answer_ids: list[str], solved: dict[str, str]) -> dict[str, str]:
    """Deterministic answers: most students right, every fifth one wrong on one question."""
    answers = dict(solved)
    if student % 5 == 0:
        wrong = answer_ids[(student // 5) % len(answer_ids)]
        answers[wrong] = "wrong_answer = None"
    return answers


def fill(notebook: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of ``notebook`` with its answer cells (by cell id) replaced by ``answers``."""
    nb = copy.deepcopy(notebook)
    for cell in nb.cells:
        if cell.get("id") in answers:
            cell.source = answers[cell["id"]]
    return nb


def prepare(exercise: Path, n: int, work: Path) -> tuple[Path, Path, dict[str, dict[str, str]]]:
    """Assign the exercise and write n submissions; returns (dist, submissions, answers by student)."""
    from course_utils.grading.assign import assign

    assign([exercise], work / "dist")
    student_nb = nbformat.read(work / "dist" / "student" / f"{exercise.stem}.ipynb", as_version=4)
    source = nbformat.read(exercise, as_version=4)
    solved = notebook_solutions(source)
    ids = list(solved)
    subs = work / "submissions"
    by_student = {}
    for i in range(n):
        name = f"student{i:03d}"
        by_student[name] = answers_of(i, ids, solved)
        (subs / name).mkdir(parents=True)
        nbformat.write(fill(student_nb, by_student[name]), subs / name / f"{exercise.stem}.ipynb")
    return work / "dist", subs, by_student


def timed(command: list[str], env: dict[str, str], cwd: Path | None = None) -> float:
    """Wall time of ``command``; raises if it fails."""
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"benchmark: {' '.join(command[:4])} ... failed:\n{done.stderr[-3000:]}")
    return elapsed


# --- bare nbclient -------------------------------------------------------------------------


def bare_worker(folder: Path, jobs: int) -> None:
    """Execute every notebook under ``folder`` with nbclient, ``jobs`` at a time (child process)."""
    from nbclient import NotebookClient

    paths = sorted(folder.rglob("*.ipynb"))

    async def main() -> None:
        gate = asyncio.Semaphore(jobs)

        async def one(path: Path) -> None:
            async with gate:
                nb = nbformat.read(path, as_version=4)
                with tempfile.TemporaryDirectory() as cwd:
                    client = NotebookClient(
                        nb,
                        timeout=60,
                        kernel_name="python3",
                        allow_errors=True,
                        resources={"metadata": {"path": cwd}},
                    )
                    await client.async_execute()

        await asyncio.gather(*(one(p) for p in paths))

    asyncio.run(main())


# --- nbgrader ------------------------------------------------------------------------------


def nbgrader_venv(path: Path | None) -> tuple[Path, bool]:
    """A virtual environment with nbgrader 0.9 and the kernel's libraries; (folder, throwaway?)."""
    if path is not None and (path / "bin" / "nbgrader").exists():
        return path, False
    venv = path or Path(tempfile.mkdtemp(prefix="nbgrader-venv-"))
    print(f"installing {NBGRADER_SPEC} into {venv} (takes a minute) ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [
        str(venv / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "--quiet",
        NBGRADER_SPEC,
        *KERNEL_DEPS,
    ]
    subprocess.run(pip, check=True)
    return venv, path is None


def time_nbgrader(
    exercise: Path, answers: dict[str, dict[str, str]], venv: Path, work: Path, env: dict
) -> float:
    """Set up an nbgrader course with the same source and submissions; time ``nbgrader autograde``."""
    course = work / "nbgrader-course"
    (course / "source" / "ps1").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{course}/gradebook.db'\n",
        encoding="utf-8",
    )
    shutil.copy(exercise, course / "source" / "ps1" / exercise.name)
    env = {
        **env,
        "PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        "PYTHONPATH": str(REPO / "src"),
    }
    nbgrader = str(venv / "bin" / "nbgrader")
    timed([nbgrader, "generate_assignment", "ps1", "--force"], env, cwd=course)
    released = nbformat.read(course / "release" / "ps1" / exercise.name, as_version=4)
    for student, student_answers in answers.items():
        folder = course / "submitted" / student / "ps1"
        folder.mkdir(parents=True)
        nbformat.write(fill(released, student_answers), folder / exercise.name)
    seconds = timed([nbgrader, "autograde", "ps1", "--force"], env, cwd=course)
    graded = len(list((course / "autograded").rglob("*.ipynb")))
    if graded != len(answers):
        raise SystemExit(f"benchmark: nbgrader autograded {graded} of {len(answers)} notebooks")
    return seconds


def nbgrader_totals(work: Path) -> dict[str, float]:
    """Total auto score per student from nbgrader's gradebook database."""
    query = """
        SELECT student.id, SUM(grade.auto_score) FROM grade
        JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id
        JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id
        JOIN student ON submitted_assignment.student_id = student.id
        GROUP BY student.id"""
    with sqlite3.connect(work / "nbgrader-course" / "gradebook.db") as db:
        return {student: float(total or 0) for student, total in db.execute(query)}


# --- report --------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exercise", type=Path, default=DEFAULT_EXERCISE)
    parser.add_argument("--n", type=int, default=50, help="submissions to grade (default: 50)")
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="parallel kernels (default: CPUs)"
    )
    parser.add_argument(
        "--skip-nbgrader", action="store_true", help="time course grade and nbclient only"
    )
    parser.add_argument(
        "--nbgrader-venv", type=Path, help="reuse (or create and keep) this environment"
    )
    parser.add_argument(
        "--cluster", metavar="local:N", help="also time course grade --cluster local:N (Dask)"
    )
    parser.add_argument("--bare-worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_worker:
        bare_worker(args.bare_worker, args.jobs)
        return 0

    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    work = Path(tempfile.mkdtemp(prefix="grade-benchmark-"))
    throwaway_venv = None
    try:
        dist, subs, answers = prepare(args.exercise.resolve(), args.n, work)
        rows = []
        course = [sys.executable, "-m", "course_utils.cli", "grade", str(dist), str(subs)]
        seconds = timed(
            [*course, "--out", str(work / "grades"), "--jobs", str(args.jobs), "--no-progress"], env
        )
        rows.append(("course grade", seconds))
        plain = timed(
            [
                *course,
                "--out",
                str(work / "grades-plain"),
                "--jobs",
                str(args.jobs),
                "--no-progress",
                "--no-sandbox",
            ],
            env,
        )
        rows.append(("course grade --no-sandbox", plain))
        if args.cluster:
            on_cluster = [
                *course,
                "--out",
                str(work / "grades-cluster"),
                "--cluster",
                args.cluster,
                "--no-progress",
            ]
            rows.append((f"course grade --cluster {args.cluster}", timed(on_cluster, env)))
        bare = [sys.executable, __file__, "--bare-worker", str(subs), "--jobs", str(args.jobs)]
        rows.append((f"bare nbclient ({args.jobs} at a time)", timed(bare, env)))
        agree = ""
        if not args.skip_nbgrader:
            venv, throwaway = nbgrader_venv(args.nbgrader_venv)
            throwaway_venv = venv if throwaway else None
            rows.append(
                (
                    "nbgrader 0.9 autograde",
                    time_nbgrader(args.exercise.resolve(), answers, venv, work, env),
                )
            )
            agree = _agreement(work)
        _report(rows, args, agree)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if throwaway_venv is not None:
            shutil.rmtree(throwaway_venv, ignore_errors=True)
    return 0


def _agreement(work: Path) -> str:
    import pandas as pd

    ours = pd.read_csv(work / "grades" / "results.csv").groupby("student")["points"].sum().to_dict()
    theirs = nbgrader_totals(work)
    same = sum(1 for s in ours if abs(ours[s] - theirs.get(s, -1)) < 1e-9)
    return f"total scores identical to nbgrader's for {same} of {len(ours)} students"


def _report(rows: list[tuple[str, float]], args: argparse.Namespace, agree: str) -> None:
    n = args.n
    print(
        f"\n{n} submissions of {args.exercise.stem}, {args.jobs} parallel kernels, {os.cpu_count()} CPUs\n"
    )
    print(f"{'tool':<32}{'seconds':>10}{'notebooks/s':>14}")
    rates = {}
    for name, seconds in rows:
        rates[name] = n / seconds
        print(f"{name:<32}{seconds:>10.1f}{rates[name]:>14.2f}")
    ours = rates["course grade"]
    bare = next(v for k, v in rates.items() if k.startswith("bare"))
    print(f"\ncourse grade / bare nbclient: {ours / bare:.0%} (target >= 90%)")
    if "course grade --no-sandbox" in rates:
        cost = (1 / ours - 1 / rates["course grade --no-sandbox"]) * args.jobs
        print(f"sandbox cost per notebook:    {cost * 1000:+.0f} ms of kernel time")
    if "nbgrader 0.9 autograde" in rates:
        print(
            f"course grade / nbgrader:      {ours / rates['nbgrader 0.9 autograde']:.1f}x (target >= 3x)"
        )
    if agree:
        print(agree)


if __name__ == "__main__":
    sys.exit(main())
