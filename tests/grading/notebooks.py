"""Builders of small source exercises and submissions for the grading tests.

The tiny exercise computes on an inline DataFrame (pure pandas), so the tests depend on no
data set of the course.
"""

from __future__ import annotations

import copy

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}

SETUP = """import pandas as pd
from course_utils.grading.checks import check_equal, check_true, check_type

sales = pd.DataFrame(
    {
        "region": ["north", "south", "north", "east", "south"],
        "units": [10, 4, 7, 12, 9],
    }
)"""

ANSWERS = {
    "q1-total": 'total = int(sales["units"].sum())',
    "q2-by-region": 'by_region = sales.groupby("region")["units"].sum()',
    "q3-share": "def share(part, whole):\n    return part / whole",
}

TESTS = {
    "q1-total": (
        1,
        """check_type(total, int)
### BEGIN HIDDEN TESTS
check_equal(total, 42)
### END HIDDEN TESTS""",
    ),
    "q2-by-region": (
        2,
        """check_type(by_region, pd.Series)
### BEGIN HIDDEN TESTS
check_equal(by_region, sales.groupby("region")["units"].sum())
check_equal(by_region["north"], 17)
### END HIDDEN TESTS""",
    ),
    "q3-share": (
        2,
        """assert share(1, 4) == 0.25
### BEGIN HIDDEN TESTS
check_equal(share(3, 12), 0.25)
### END HIDDEN TESTS""",
    ),
}


def answer_cell(question: str, body: str) -> NotebookNode:
    """An answer cell whose whole body is the solution."""
    cell = new_code_cell(f"### BEGIN SOLUTION\n{body}\n### END SOLUTION")
    cell.id = f"{question}-answer"
    cell.metadata["nbgrader"] = {
        "solution": True,
        "grade": False,
        "locked": False,
        "grade_id": f"{question}-answer",
        "schema_version": 3,
    }
    return cell


def test_cell(question: str, points: float, body: str) -> NotebookNode:
    """A test cell of ``question`` worth ``points``."""
    cell = new_code_cell(body)
    cell.id = f"{question}-tests"
    cell.metadata["nbgrader"] = {
        "solution": False,
        "grade": True,
        "locked": True,
        "grade_id": question,
        "points": points,
        "schema_version": 3,
    }
    return cell


def tiny_source() -> NotebookNode:
    """The tiny source exercise: three questions, 5 points, solutions and hidden tests."""
    cells = [new_markdown_cell("# Tiny exercise\n\nA few computations on five sales rows.")]
    cells[0].id = "intro"
    setup = new_code_cell(SETUP)
    setup.id = "setup"
    cells.append(setup)
    for question, body in ANSWERS.items():
        prompt = new_markdown_cell(f"Question {question}.")
        prompt.id = f"{question}-prompt"
        points, tests = TESTS[question]
        cells += [prompt, answer_cell(question, body), test_cell(question, points, tests)]
    nb = new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC})
    nbformat.validate(nb)
    return nb


def with_answer(student_nb: NotebookNode, question: str, code: str) -> NotebookNode:
    """A copy of ``student_nb`` with the answer cell of ``question`` replaced by ``code``."""
    nb = copy.deepcopy(student_nb)
    for cell in nb.cells:
        if cell.get("id") == f"{question}-answer":
            cell.source = code
    return nb


def solved(student_nb: NotebookNode) -> NotebookNode:
    """A copy of ``student_nb`` with every answer correct."""
    nb = student_nb
    for question, body in ANSWERS.items():
        nb = with_answer(nb, question, body)
    return nb
