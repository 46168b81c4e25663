"""Rebuild a submission from the source: only answer cells come from the student.

Every locked cell and every test cell is taken from the source exercise, in the source's order.
Each answer cell of the source is looked up in the submission by cell id, then by nbgrader
``grade_id``, then by position (among cells marked as answers, else among code cells when the
counts agree). Cells the student added, deleted, duplicated, edited or retyped therefore cannot
change what is tested; what happened is recorded as notes for the results.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nbformat import NotebookNode

from course_utils.grading.model import ANSWER, Exercise, SourceCell

__all__ = ["RebuiltCell", "RebuiltNotebook", "rebuild"]


@dataclass(frozen=True)
class RebuiltCell:
    """A cell of the notebook that will run: its source cell and the code to execute."""

    source: SourceCell
    code: str
    from_student: bool


@dataclass
class RebuiltNotebook:
    """The notebook to grade, and what was noticed while rebuilding it."""

    exercise: Exercise
    cells: list[RebuiltCell]
    missing: dict[str, list[str]] = field(default_factory=dict)  # question -> answer cell ids
    notes: dict[str, list[str]] = field(default_factory=dict)  # question -> notes
    general_notes: list[str] = field(default_factory=list)

    def note(self, question: str | None, text: str) -> None:
        """Record ``text`` for ``question`` (or for the whole notebook)."""
        if question is None:
            self.general_notes.append(text)
        else:
            self.notes.setdefault(question, []).append(text)


def rebuild(exercise: Exercise, submission: NotebookNode) -> RebuiltNotebook:
    """Return the notebook to run: the source with the student's answer cells put in."""
    sub_cells = list(submission.get("cells", []))
    result = RebuiltNotebook(exercise=exercise, cells=[])
    matches = _match_answers(exercise, sub_cells, result)
    for cell in exercise.cells:
        if cell.role == ANSWER and cell.cell_id in matches:
            student = sub_cells[matches[cell.cell_id]]
            result.cells.append(RebuiltCell(cell, _student_code(cell, student, result), True))
        elif cell.role == ANSWER:
            assert cell.question is not None
            result.missing.setdefault(cell.question, []).append(cell.cell_id)
            result.cells.append(RebuiltCell(cell, _placeholder(cell), False))
        else:
            result.cells.append(RebuiltCell(cell, cell.source, False))
    extra = len(sub_cells) - len(exercise.cells)
    if extra > 0:
        result.note(None, f"{extra} cell(s) more than the exercise: only answer cells are graded")
    return result


def _match_answers(exercise: Exercise, sub_cells: list, result: RebuiltNotebook) -> dict[str, int]:
    answers = [c for c in exercise.cells if c.role == ANSWER]
    by_id: dict[str, list[int]] = {}
    by_grade_id: dict[str, list[int]] = {}
    flagged: list[int] = []
    for index, cell in enumerate(sub_cells):
        by_id.setdefault(str(cell.get("id", "")), []).append(index)
        meta = _nbgrader_meta(cell)
        if meta.get("solution"):
            flagged.append(index)
            if isinstance(meta.get("grade_id"), str):
                by_grade_id.setdefault(meta["grade_id"], []).append(index)
    matches: dict[str, int] = {}
    used: set[int] = set()
    for answer in answers:
        for table in (by_id.get(answer.cell_id, []), by_grade_id.get(answer.grade_id or "", [])):
            free = [i for i in table if i not in used]
            if free:
                matches[answer.cell_id] = free[0]
                used.add(free[0])
                if len(table) > 1:
                    result.note(
                        answer.question,
                        f"answer cell '{answer.cell_id}' appears {len(table)} times; the first one was graded",
                    )
                break
    unmatched = [a for a in answers if a.cell_id not in matches]
    if unmatched:
        _match_by_position(exercise, sub_cells, answers, flagged, matches, used, result)
    return matches


def _match_by_position(exercise, sub_cells, answers, flagged, matches, used, result) -> None:
    """Fallback for notebooks whose cell ids were lost (old formats, copy and paste)."""
    if len(flagged) == len(answers):
        candidates = flagged
    else:
        source_code = [c for c in exercise.cells if c.cell_type == "code"]
        sub_code = [i for i, c in enumerate(sub_cells) if c.get("cell_type") == "code"]
        if len(source_code) != len(sub_code):
            return
        position = {c.cell_id: n for n, c in enumerate(source_code)}
        candidates = [sub_code[position[a.cell_id]] for a in answers]
    for answer, index in zip(answers, candidates, strict=True):
        if answer.cell_id in matches or index in used:
            continue
        matches[answer.cell_id] = index
        used.add(index)
        result.note(answer.question, f"answer cell '{answer.cell_id}' was matched by its position")


def _student_code(cell: SourceCell, student: NotebookNode, result: RebuiltNotebook) -> str:
    code = student.get("source", "")
    if isinstance(code, list):
        code = "".join(str(part) for part in code)
    if not isinstance(code, str):
        code = ""
        result.note(cell.question, f"answer cell '{cell.cell_id}' had no readable source")
    kind = student.get("cell_type")
    if kind != "code":
        result.note(
            cell.question, f"answer cell '{cell.cell_id}' was a {kind} cell; it was run as code"
        )
    if "\x00" in code:
        result.note(
            cell.question, f"answer cell '{cell.cell_id}' contained null bytes; they were removed"
        )
        code = code.replace("\x00", "")
    return code


def _placeholder(cell: SourceCell) -> str:
    return f"raise NotImplementedError('answer cell {cell.cell_id} is missing from the submission')"


def _nbgrader_meta(cell: object) -> dict:
    if not isinstance(cell, dict):
        return {}
    meta = cell.get("metadata", {})
    meta = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    return meta if isinstance(meta, dict) else {}
