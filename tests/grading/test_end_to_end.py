"""End to end through the ``course`` command: assign, hand in generated submissions, grade twice."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from course_utils.grading.reports import RESULT_COLUMNS

from .notebooks import solved, with_answer

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading-end-to-end")]

COURSE = [sys.executable, "-m", "course_utils.cli"]


def _course(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*COURSE, *args], capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture(scope="module")
def graded_twice(tmp_path_factory: pytest.TempPathFactory, source_nb_path: Path):
    root = tmp_path_factory.mktemp("e2e")
    assigned = _course("assign", str(source_nb_path), "--out", str(root / "dist"))
    assert assigned.returncode == 0, assigned.stderr
    student = nbformat.read(root / "dist" / "student" / "tiny.ipynb", as_version=4)
    subs = root / "submissions"
    (subs / "alice").mkdir(parents=True)
    nbformat.write(solved(student), subs / "alice" / "tiny.ipynb")
    (subs / "bob").mkdir()
    nbformat.write(student, subs / "bob" / "homework.ipynb")
    wrong = with_answer(
        solved(student), "q2-by-region", 'by_region = sales.groupby("region")["units"].mean()'
    )
    nbformat.write(wrong, subs / "carol_tiny.ipynb")
    runs = []
    for name, extra in (("first", []), ("second", [])):
        done = _course(
            "grade", str(root / "dist"), str(subs), "--out", str(root / name), "--jobs", "2", *extra
        )
        runs.append((done, root / name))
    return runs


@pytest.fixture(scope="module")
def source_nb_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from .notebooks import tiny_source

    path = tmp_path_factory.mktemp("e2e-source") / "tiny.ipynb"
    nbformat.write(tiny_source(), path)
    return path


def test_grade_succeeds_with_progress_and_summary(graded_twice) -> None:
    done, out = graded_twice[0]
    assert done.returncode == 0, done.stderr
    assert "grading: 100%" in done.stderr  # tqdm progress bar
    assert "mean_points" in done.stdout and "course grade: 3 files, 3 students" in done.stdout
    assert (out / "feedback" / "alice" / "tiny.md").is_file()


def test_results_and_gradebook(graded_twice) -> None:
    _, out = graded_twice[0]
    results = pd.read_csv(out / "results.csv")
    from course_utils.grading.reports import RESULT_COLUMNS

    assert list(results.columns) == RESULT_COLUMNS
    assert RESULT_COLUMNS[-2:] == ["file", "sandbox"] and set(results["sandbox"]) == {"bubblewrap"}
    totals = results.groupby("student")["points"].sum().to_dict()
    assert totals == {"alice": 5, "bob": 0, "carol": 3}
    carol = results[(results["student"] == "carol") & (results["question"] == "q2-by-region")].iloc[
        0
    ]
    assert carol["status"] == "failed" and "hidden tests: 2 of 2 failed" in carol["message"]
    book = pd.read_csv(out / "gradebook.csv").set_index("student")
    assert book["total"].to_dict() == {"alice": 5, "bob": 0, "carol": 3}


def test_same_folder_graded_twice_gives_the_same_grades(graded_twice) -> None:
    """Grading the same folder twice gives the same grades."""
    (_, first), (_, second) = graded_twice
    columns = [c for c in RESULT_COLUMNS if c != "runtime_s"]  # every column but the clock
    a = pd.read_csv(first / "results.csv")[columns]
    b = pd.read_csv(second / "results.csv")[columns]
    pd.testing.assert_frame_equal(a, b)
    assert (first / "gradebook.csv").read_text() == (second / "gradebook.csv").read_text()


@pytest.mark.trust
def test_without_namespaces_grade_refuses_in_one_line(graded_twice, tmp_path) -> None:
    """No bubblewrap on PATH: nothing is graded, one line says why and names --no-sandbox."""
    root = graded_twice[0][1].parent
    env = {"PATH": str(tmp_path), "LANG": "C.UTF-8", "HOME": str(tmp_path)}
    done = subprocess.run(
        [
            *COURSE,
            "grade",
            str(root / "dist"),
            str(root / "submissions"),
            "--out",
            str(tmp_path / "g"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "bubblewrap" in lines[0] and "--no-sandbox" in lines[0], done.stderr
    assert not (tmp_path / "g" / "results.csv").exists()


@pytest.mark.trust
def test_no_sandbox_is_said_on_every_row(graded_twice, tmp_path) -> None:
    root = graded_twice[0][1].parent
    done = _course(
        "grade",
        str(root / "dist"),
        str(root / "submissions"),
        "--out",
        str(tmp_path / "g"),
        "--jobs",
        "2",
        "--no-sandbox",
        "--no-progress",
    )
    assert done.returncode == 0, done.stderr
    rows = pd.read_csv(tmp_path / "g" / "results.csv")
    assert set(rows["sandbox"]) == {"none"}
    assert rows.groupby("student")["points"].sum().to_dict() == {"alice": 5, "bob": 0, "carol": 3}
    assert "graded without a sandbox" in " ".join(rows["message"].fillna(""))
    sandboxed = pd.read_csv(graded_twice[0][1] / "results.csv")
    assert set(sandboxed["sandbox"]) == {"bubblewrap"}
