"""The course's source exercises: valid, 3-6 graded questions each, committed with outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from course_utils.grading.assign import student_notebook
from course_utils.grading.model import ANSWER, TEST, load_exercise

EXERCISES = Path(__file__).resolve().parents[2] / "exercises"
EXPECTED = [
    "ch01_know_thy_technology",
    "ch02_cio_and_cmo",
    "ch03_one_marketing_team",
    "ch04_cmo_and_markedssjef",
    "ch05_hr_and_cmo",
    "ch06_capstone",
]


def test_one_exercise_per_chapter() -> None:
    assert sorted(p.stem for p in EXERCISES.glob("*.ipynb")) == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_exercise_is_valid_and_graded(name: str) -> None:
    exercise = load_exercise(EXERCISES / f"{name}.ipynb")
    assert 3 <= len(exercise.questions) <= 7
    assert all(q.points > 0 and q.answer_cells for q in exercise.questions)
    assert exercise.notebook.metadata["kernelspec"]["name"] == "python3"
    tests = [c for c in exercise.cells if c.role == TEST]
    assert all("### BEGIN HIDDEN TESTS" in c.source for c in tests), (
        "every question has hidden tests"
    )
    executed = [c for c in exercise.notebook.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in executed), "committed with its outputs, run top to bottom"
    assert not any(o.get("output_type") == "error" for c in executed for o in c.outputs)


@pytest.mark.parametrize("name", EXPECTED)
def test_student_version_keeps_no_solution(name: str) -> None:
    exercise = load_exercise(EXERCISES / f"{name}.ipynb")
    text = nbformat.writes(student_notebook(exercise))
    for cell in exercise.cells:
        if cell.role == ANSWER:
            solution_lines = [
                line for line in cell.source.splitlines() if "###" not in line and line.strip()
            ]
            assert not any(line in text for line in solution_lines if len(line.strip()) > 25)
