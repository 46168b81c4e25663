"""The source exercise notebook as a model: cells with roles, questions with points.

Cell roles follow nbgrader's cell metadata (``metadata.nbgrader``):

* answer cell: ``solution: true`` and a ``grade_id`` -- the student writes here;
* test cell: ``grade: true``, a ``grade_id`` and ``points`` -- one graded question;
* every other cell is locked: it is always taken from the source when grading.

A question is a test cell together with the answer cells since the previous test cell.
Every problem is reported as one line naming the notebook, the cell and (where known) the line.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from course_utils.grading.markers import (
    HIDDEN,
    SOLUTION,
    MarkerError,
    find_blocks,
    public_and_hidden_segments,
)

__all__ = [
    "ANSWER",
    "LOCKED",
    "TEST",
    "Exercise",
    "ExerciseError",
    "Question",
    "SourceCell",
    "exercise_from_notebook",
    "load_exercise",
]

ANSWER = "answer"
TEST = "test"
LOCKED = "locked"

_GRADE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class ExerciseError(ValueError):
    """A source exercise notebook is malformed; the message is one line naming file and cell."""


@dataclass(frozen=True)
class SourceCell:
    """One cell of the source notebook and the part it plays in grading."""

    index: int
    cell_id: str
    cell_type: str
    role: str
    source: str
    grade_id: str | None
    points: float
    question: str | None

    @property
    def label(self) -> str:
        """How messages name this cell: its id and 1-based position."""
        return f"cell '{self.cell_id}' (#{self.index + 1})"


@dataclass(frozen=True)
class Question:
    """One graded question: its test cell, the answer cells it grades and its points."""

    id: str
    number: int
    points: float
    test_cell: str
    answer_cells: tuple[str, ...]


@dataclass(frozen=True)
class Exercise:
    """A validated source exercise: the notebook, its cells and its questions in order."""

    name: str
    path: Path
    notebook: NotebookNode
    cells: tuple[SourceCell, ...]
    questions: tuple[Question, ...]

    @property
    def max_points(self) -> float:
        """Sum of the points of all questions."""
        return float(sum(q.points for q in self.questions))

    def cell(self, cell_id: str) -> SourceCell:
        """Return the source cell with id ``cell_id``."""
        for cell in self.cells:
            if cell.cell_id == cell_id:
                return cell
        raise KeyError(cell_id)

    def question(self, question_id: str) -> Question:
        """Return the question with id ``question_id``."""
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)


def load_exercise(path: str | Path) -> Exercise:
    """Read and validate the source exercise notebook at ``path``."""
    path = Path(path)
    try:
        notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    except FileNotFoundError:
        raise ExerciseError(f"{path}: no such file") from None
    except Exception as exc:  # nbformat raises several unrelated types for unreadable files
        raise ExerciseError(f"{path}: not a readable notebook ({_first_line(exc)})") from None
    return exercise_from_notebook(notebook, path)


def exercise_from_notebook(
    notebook: NotebookNode, path: str | Path, name: str | None = None
) -> Exercise:
    """Validate ``notebook`` (read from ``path``) and return its :class:`Exercise` model."""
    path = Path(path)
    where = str(path)
    if notebook.get("nbformat") != 4 or notebook.get("nbformat_minor", 0) < 5:
        version = f"{notebook.get('nbformat')}.{notebook.get('nbformat_minor')}"
        raise ExerciseError(
            f"{where}: notebook format {version} has no cell ids; save it as format 4.5 or later"
        )
    cells: list[SourceCell] = []
    seen_ids: dict[str, int] = {}
    seen_grade_ids: dict[str, int] = {}
    for index, cell in enumerate(notebook.cells):
        cells.append(_source_cell(where, index, cell, seen_ids, seen_grade_ids))
    questions = _questions(where, cells)
    cells = [_with_question(cell, questions) for cell in cells]
    return Exercise(
        name=name or path.stem,
        path=path,
        notebook=notebook,
        cells=tuple(cells),
        questions=tuple(questions),
    )


def _source_cell(
    where: str,
    index: int,
    cell: NotebookNode,
    seen_ids: dict[str, int],
    seen_grade_ids: dict[str, int],
) -> SourceCell:
    cell_id = cell.get("id")
    if not isinstance(cell_id, str) or not cell_id:
        raise ExerciseError(f"{where}: cell #{index + 1}: has no id")
    label = f"cell '{cell_id}' (#{index + 1})"
    if cell_id in seen_ids:
        raise ExerciseError(
            f"{where}: {label}: duplicate cell id (also cell #{seen_ids[cell_id] + 1})"
        )
    seen_ids[cell_id] = index
    source = cell.get("source", "")
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if not isinstance(meta, dict):
        raise ExerciseError(f"{where}: {label}: metadata 'nbgrader' must be a mapping")
    is_answer, is_test = bool(meta.get("solution")), bool(meta.get("grade"))
    if is_answer and is_test:
        raise ExerciseError(
            f"{where}: {label}: is both an answer cell (solution) and a test cell (grade); "
            "put the tests in a cell of their own"
        )
    role = ANSWER if is_answer else TEST if is_test else LOCKED
    grade_id = meta.get("grade_id") if role != LOCKED else None
    if role != LOCKED:
        if not isinstance(grade_id, str) or not _GRADE_ID.match(grade_id):
            raise ExerciseError(
                f"{where}: {label}: {role} cell needs an id in metadata nbgrader.grade_id "
                "(letters, digits, '-', '_', '.')"
            )
        if grade_id in seen_grade_ids:
            raise ExerciseError(
                f"{where}: {label}: duplicate grade_id '{grade_id}' "
                f"(also cell #{seen_grade_ids[grade_id] + 1})"
            )
        seen_grade_ids[grade_id] = index
        if cell.cell_type != "code":
            raise ExerciseError(f"{where}: {label}: {role} cells must be code cells")
    points = _points(where, label, role, meta)
    _check_markers(where, label, role, source)
    if role == TEST:
        _check_test_syntax(where, label, source)
    return SourceCell(
        index=index,
        cell_id=cell_id,
        cell_type=cell.cell_type,
        role=role,
        source=source,
        grade_id=grade_id,
        points=points,
        question=grade_id if role == TEST else None,
    )


def _points(where: str, label: str, role: str, meta: dict) -> float:
    if role != TEST:
        return 0.0
    if "points" not in meta:
        raise ExerciseError(f"{where}: {label}: test cell has no points (metadata nbgrader.points)")
    points = meta["points"]
    if isinstance(points, bool) or not isinstance(points, (int, float)) or not points > 0:
        raise ExerciseError(f"{where}: {label}: points must be a positive number, not {points!r}")
    return float(points)


def _check_markers(where: str, label: str, role: str, source: str) -> None:
    try:
        blocks = find_blocks(source)
    except MarkerError as exc:
        raise ExerciseError(f"{where}: {label}: {exc}") from None
    for block in blocks:
        line = block.begin + 1
        if block.kind == SOLUTION and role != ANSWER:
            raise ExerciseError(
                f"{where}: {label}: line {line}: '### BEGIN SOLUTION' outside an answer cell "
                "(set nbgrader.solution: true)"
            )
        if block.kind == HIDDEN and role != TEST:
            raise ExerciseError(
                f"{where}: {label}: line {line}: '### BEGIN HIDDEN TESTS' outside a test cell "
                "(set nbgrader.grade: true)"
            )
        if block.kind == HIDDEN and block.indent:
            raise ExerciseError(
                f"{where}: {label}: line {line}: hidden tests must not be indented "
                "(put whole statements between the markers)"
            )


def _check_test_syntax(where: str, label: str, source: str) -> None:
    for segment in public_and_hidden_segments(source):
        try:
            ast.parse(segment.text)
        except SyntaxError as exc:
            line = segment.first_line + (exc.lineno or 1) - 1
            raise ExerciseError(
                f"{where}: {label}: line {line}: test code is not valid Python ({exc.msg})"
            ) from None


def _questions(where: str, cells: list[SourceCell]) -> list[Question]:
    questions: list[Question] = []
    pending: list[SourceCell] = []
    for cell in cells:
        if cell.role == ANSWER:
            pending.append(cell)
        elif cell.role == TEST:
            assert cell.grade_id is not None
            questions.append(
                Question(
                    id=cell.grade_id,
                    number=len(questions) + 1,
                    points=cell.points,
                    test_cell=cell.cell_id,
                    answer_cells=tuple(c.cell_id for c in pending),
                )
            )
            pending = []
    if pending:
        raise ExerciseError(
            f"{where}: {pending[0].label}: answer cell after the last test cell is never graded"
        )
    if not questions:
        raise ExerciseError(f"{where}: no test cell with points: nothing to grade")
    return questions


def _with_question(cell: SourceCell, questions: list[Question]) -> SourceCell:
    if cell.role != ANSWER:
        return cell
    for question in questions:
        if cell.cell_id in question.answer_cells:
            return SourceCell(**{**cell.__dict__, "question": question.id})
    return cell


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
