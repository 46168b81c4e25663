"""Rebuilding submissions: only answer cells come from the student."""

from __future__ import annotations

import copy

import nbformat
from nbformat import NotebookNode

from course_utils.grading.model import ANSWER
from course_utils.grading.rebuild import rebuild

from .notebooks import ANSWERS, solved, with_answer


def _codes(exercise, submission: NotebookNode) -> dict[str, str]:
    return {cell.source.cell_id: cell.code for cell in rebuild(exercise, submission).cells}


def test_answers_come_from_the_student_and_the_rest_from_the_source(exercise, student_nb) -> None:
    submission = with_answer(student_nb, "q1-total", "total = 41")
    for cell in submission.cells:
        if cell.id in ("setup", "q1-total-tests"):
            cell.source = "pass  # edited by the student"
    codes = _codes(exercise, submission)
    assert codes["q1-total-answer"] == "total = 41"
    assert codes["setup"] == exercise.cell("setup").source
    assert codes["q1-total-tests"] == exercise.cell("q1-total-tests").source
    assert list(codes) == [c.cell_id for c in exercise.cells]


def test_deleted_test_cell_and_added_cells_change_nothing(exercise, student_nb) -> None:
    submission = solved(student_nb)
    submission.cells = [c for c in submission.cells if c.id != "q2-by-region-tests"]
    submission.cells.insert(0, nbformat.v4.new_code_cell("check_equal = print"))
    submission.cells.append(nbformat.v4.new_code_cell("import os"))
    rebuilt = rebuild(exercise, submission)
    assert [c.source.cell_id for c in rebuilt.cells] == [c.cell_id for c in exercise.cells]
    assert all("check_equal = print" not in c.code for c in rebuilt.cells)
    assert not rebuilt.missing


def test_deleted_answer_cell_is_missing(exercise, student_nb) -> None:
    submission = copy.deepcopy(student_nb)
    submission.cells = [c for c in submission.cells if c.id != "q2-by-region-answer"]
    for cell in submission.cells:  # no positional fallback may pick another cell
        cell.metadata.pop("nbgrader", None)
    rebuilt = rebuild(exercise, submission)
    assert rebuilt.missing == {"q2-by-region": ["q2-by-region-answer"]}
    code = next(c.code for c in rebuilt.cells if c.source.cell_id == "q2-by-region-answer")
    assert code.startswith("raise NotImplementedError")


def test_duplicated_answer_cell_first_one_counts(exercise, student_nb) -> None:
    submission = with_answer(student_nb, "q1-total", "total = 1")
    copy_cell = copy.deepcopy(next(c for c in submission.cells if c.id == "q1-total-answer"))
    copy_cell.source = "total = 2"
    submission.cells.append(copy_cell)
    rebuilt = rebuild(exercise, submission)
    assert (
        next(c.code for c in rebuilt.cells if c.source.cell_id == "q1-total-answer") == "total = 1"
    )
    assert any("appears 2 times" in note for note in rebuilt.notes["q1-total"])


def test_match_by_grade_id_when_ids_changed(exercise, student_nb) -> None:
    submission = solved(student_nb)
    for number, cell in enumerate(submission.cells):
        cell.id = f"renamed-{number}"
    codes = _codes(exercise, submission)
    assert codes["q3-share-answer"] == ANSWERS["q3-share"]


def test_match_by_position_without_ids_or_metadata(exercise, student_nb) -> None:
    submission = solved(student_nb)
    for number, cell in enumerate(submission.cells):
        cell.id = f"x{number}"
        cell.metadata = {}
    rebuilt = rebuild(exercise, submission)
    answers = {c.source.cell_id: c.code for c in rebuilt.cells if c.source.role == ANSWER}
    assert answers == {f"{q}-answer": body for q, body in ANSWERS.items()}
    assert "matched by its position" in rebuilt.notes["q1-total"][0]


def test_changed_cell_type_and_null_bytes_are_noted(exercise, student_nb) -> None:
    submission = with_answer(student_nb, "q1-total", "total = 42\x00")
    cell = next(c for c in submission.cells if c.id == "q1-total-answer")
    cell.cell_type = "markdown"
    rebuilt = rebuild(exercise, submission)
    assert (
        next(c.code for c in rebuilt.cells if c.source.cell_id == "q1-total-answer") == "total = 42"
    )
    notes = " ".join(rebuilt.notes["q1-total"])
    assert "was a markdown cell" in notes and "null bytes" in notes
