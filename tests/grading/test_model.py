"""Validation of source exercises: every problem is one line naming notebook, cell and line."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat import NotebookNode

from course_utils.grading.model import (
    ANSWER,
    LOCKED,
    TEST,
    ExerciseError,
    exercise_from_notebook,
    load_exercise,
)


def _cell(nb: NotebookNode, cell_id: str) -> NotebookNode:
    return next(c for c in nb.cells if c.id == cell_id)


def _error(nb: NotebookNode) -> str:
    with pytest.raises(ExerciseError) as caught:
        exercise_from_notebook(nb, Path("exercises/tiny.ipynb"))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("exercises/tiny.ipynb: ")
    return message


def test_questions_roles_and_points(exercise) -> None:
    assert [q.id for q in exercise.questions] == ["q1-total", "q2-by-region", "q3-share"]
    assert [q.points for q in exercise.questions] == [1.0, 2.0, 2.0]
    assert exercise.max_points == 5.0
    assert exercise.question("q2-by-region").answer_cells == ("q2-by-region-answer",)
    roles = {c.cell_id: c.role for c in exercise.cells}
    assert (
        roles["setup"] == LOCKED
        and roles["q1-total-answer"] == ANSWER
        and roles["q1-total-tests"] == TEST
    )
    assert exercise.cell("q3-share-answer").question == "q3-share"


def test_nested_markers(source_nb) -> None:
    _cell(
        source_nb, "q1-total-answer"
    ).source = "### BEGIN SOLUTION\n### BEGIN SOLUTION\nx\n### END SOLUTION"
    message = _error(source_nb)
    assert "cell 'q1-total-answer' (#4): line 2: nested" in message


def test_unterminated_marker(source_nb) -> None:
    _cell(source_nb, "q2-by-region-tests").source = "x\n### BEGIN HIDDEN TESTS\ncheck_equal(1, 1)"
    assert (
        "cell 'q2-by-region-tests' (#8): line 2: unterminated '### BEGIN HIDDEN TESTS'"
        in _error(source_nb)
    )


def test_duplicate_grade_ids(source_nb) -> None:
    _cell(source_nb, "q2-by-region-tests").metadata["nbgrader"]["grade_id"] = "q1-total"
    assert "duplicate grade_id 'q1-total' (also cell #5)" in _error(source_nb)


def test_duplicate_cell_ids(source_nb) -> None:
    _cell(source_nb, "q2-by-region-prompt").id = "setup"
    assert "cell 'setup' (#6): duplicate cell id (also cell #2)" in _error(source_nb)


def test_missing_points(source_nb) -> None:
    del _cell(source_nb, "q3-share-tests").metadata["nbgrader"]["points"]
    assert "cell 'q3-share-tests' (#11): test cell has no points" in _error(source_nb)


@pytest.mark.parametrize("points", [0, -1, "2", True])
def test_points_must_be_positive_numbers(source_nb, points) -> None:
    _cell(source_nb, "q3-share-tests").metadata["nbgrader"]["points"] = points
    assert "points must be a positive number" in _error(source_nb)


def test_solution_marker_outside_answer_cell(source_nb) -> None:
    setup = _cell(source_nb, "setup")
    marker_line = len(setup.source.splitlines()) + 1
    setup.source += "\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION"
    expected = f"cell 'setup' (#2): line {marker_line}: '### BEGIN SOLUTION' outside an answer cell"
    assert expected in _error(source_nb)


def test_hidden_tests_outside_test_cell(source_nb) -> None:
    _cell(
        source_nb, "q1-total-answer"
    ).source += "\n### BEGIN HIDDEN TESTS\nx\n### END HIDDEN TESTS"
    assert "line 4: '### BEGIN HIDDEN TESTS' outside a test cell" in _error(source_nb)


def test_syntax_error_in_hidden_test_names_its_line(source_nb) -> None:
    _cell(
        source_nb, "q1-total-tests"
    ).source = (
        "check_type(total, int)\n### BEGIN HIDDEN TESTS\ncheck_equal(total, \n### END HIDDEN TESTS"
    )
    assert "cell 'q1-total-tests' (#5): line 3: test code is not valid Python" in _error(source_nb)


def test_answer_after_last_test_is_an_error(source_nb) -> None:
    extra = nbformat.from_dict(dict(_cell(source_nb, "q1-total-answer")))
    extra.id = "late-answer"
    extra.metadata = {"nbgrader": {"solution": True, "grade_id": "late-answer"}}
    source_nb.cells.append(extra)
    assert (
        "cell 'late-answer' (#12): answer cell after the last test cell is never graded"
        in _error(source_nb)
    )


def test_cell_without_id_and_old_format(source_nb) -> None:
    source_nb.nbformat_minor = 4
    assert "notebook format 4.4 has no cell ids" in _error(source_nb)


def test_unreadable_file_is_one_line(tmp_path) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ExerciseError, match=r"broken.ipynb: not a readable notebook"):
        load_exercise(path)
