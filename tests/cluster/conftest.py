"""Fixtures of the cluster tests: a small hostile class of two exercises, and a real LocalCluster.

The class: the tiny exercise of ``tests/grading`` (honest and hostile submissions from
``tests/grading/adversarial.py``) and the course's chapter 1 exercise (solved, blank, one
wrong answer), plus files that cannot be graded.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from grading.adversarial import build
from grading.notebooks import ANSWERS, solved, tiny_source, with_answer

from course_utils.grading.assign import assign
from course_utils.grading.markers import notebook_solutions

REPO = Path(__file__).resolve().parents[2]
CH01 = REPO / "exercises" / "ch01_know_thy_technology.ipynb"
HOSTILE = [
    "good",
    "blank",
    "infinite_loop",
    "memory_bomb",
    "os_exit",
    "print_flood",
    "forge_result",
    "read_hidden",
    "write_outside",
    "kill_grader",
    "invalid_json",
    "nbformat3",
]
# Graded limits: short, so that the infinite loop costs a few seconds.
LIMIT_FLAGS = [
    "--cell-timeout",
    "6",
    "--notebook-timeout",
    "60",
    "--memory-mb",
    "1024",
    "--max-output",
    "10000",
]
SLOW_SECONDS = 4  # the submission a test kills its worker under sleeps this long (< cell timeout)


def _fill(nb: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in nb.cells:
        if cell.get("id") in answers:
            cell.source = answers[cell["id"]]
    return nb


@pytest.fixture(scope="session")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``course assign`` of the tiny exercise and chapter 1; the root holding ``dist``."""
    root = tmp_path_factory.mktemp("cluster-course")
    (root / "src").mkdir()
    nbformat.write(tiny_source(), root / "src" / "tiny.ipynb")
    shutil.copy(CH01, root / "src" / CH01.name)
    assign([root / "src"], root / "dist")
    return root


@pytest.fixture(scope="session")
def tiny_student(course: Path) -> nbformat.NotebookNode:
    return nbformat.read(course / "dist" / "student" / "tiny.ipynb", as_version=4)


@pytest.fixture(scope="session")
def hostile_class(course: Path, tiny_student) -> Path:
    """The submissions folder of the small hostile class (both exercises mixed)."""
    root = course / "class"
    everything = root / "all"
    build(everything, tiny_student, course / "dist", root / "grades", root / "outside-target.txt")
    subs = root / "submissions"
    subs.mkdir()
    for name in HOSTILE:
        shutil.copytree(everything / name, subs / name)
    shutil.copy(everything / "README.txt", subs / "README.txt")
    shutil.rmtree(everything)
    student = nbformat.read(course / "dist" / "student" / f"{CH01.stem}.ipynb", as_version=4)
    solutions = notebook_solutions(nbformat.read(CH01, as_version=4))
    wrong = dict(solutions)
    wrong[next(iter(wrong))] = "wrong_answer = None"
    for name, answers in (("ada", solutions), ("ben", {}), ("cy", wrong)):
        (subs / name).mkdir(exist_ok=True)
        nbformat.write(_fill(student, answers), subs / name / f"{CH01.stem}.ipynb")
    return subs


def slow_notebook(student_nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A correct tiny submission whose first answer takes SLOW_SECONDS: time to kill its worker."""
    return with_answer(
        solved(student_nb),
        "q1-total",
        f"import time\ntime.sleep({SLOW_SECONDS})\n" + ANSWERS["q1-total"],
    )


@pytest.fixture(scope="module")
def local_cluster():
    """A real distributed.LocalCluster: 2 worker processes (with nannies), 1 thread each."""
    import logging

    import distributed

    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        silence_logs=logging.CRITICAL,
    )
    client = distributed.Client(cluster)
    try:
        yield cluster, client
    finally:
        client.close()
        cluster.close()
