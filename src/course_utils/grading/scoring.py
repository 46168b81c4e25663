"""Turn a notebook run into one scored result per question.

A question earns its points only if its test cell's execute reply is ``ok`` *and* the harness
published a result under the run's token in which every statement passed. Its status names the
first thing that went wrong (kernel death, time limit, missing answer, memory, tampering, failed
tests); the message explains, showing public tests and only counts of hidden tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from course_utils.grading.harness import TAMPER_PREFIX, TestStatement, parse_result
from course_utils.grading.model import Exercise, Question
from course_utils.grading.rebuild import RebuiltNotebook
from course_utils.grading.runner import CellRun, NotebookRun
from course_utils.grading.submissions import Submission

__all__ = ["OK", "STATUSES", "QuestionResult", "refused_results", "score_run"]

OK = "ok"
FAILED = "failed"
TIMEOUT = "timeout"
KERNEL_DIED = "kernel_died"
MEMORY = "memory_error"
MISSING = "missing_question"
TAMPERED = "tampered"
STATUSES = (
    OK,
    FAILED,
    TIMEOUT,
    KERNEL_DIED,
    MEMORY,
    MISSING,
    TAMPERED,
    "invalid_notebook",
    "not_a_notebook",
    "unknown_exercise",
    "ignored",
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass
class PublicTest:
    """A public test statement as the student sees it, with its outcome."""

    text: str
    status: str
    message: str


@dataclass
class QuestionResult:
    """One row of the results: a student's result on one question (or a refused file)."""

    student: str
    exercise: str
    question: str
    points: float
    max_points: float
    status: str
    runtime_s: float
    message: str
    file: str
    public_tests: list[PublicTest] = field(default_factory=list)
    hidden_passed: int = 0
    hidden_failed: int = 0

    def row(self) -> dict:
        """The CSV row (long format)."""
        return {
            "student": self.student,
            "exercise": self.exercise,
            "question": self.question,
            "points": self.points,
            "max_points": self.max_points,
            "status": self.status,
            "runtime_s": round(self.runtime_s, 2),
            "message": self.message,
            "file": self.file,
        }


def refused_results(sub: Submission, exercise: Exercise | None) -> list[QuestionResult]:
    """Rows for a file that could not be graded: one per question when the exercise is known."""
    message = clean(sub.message)
    if exercise is None:
        return [QuestionResult(sub.student, "", "", 0.0, 0.0, str(sub.status), 0.0, message, sub.relative)]
    return [
        QuestionResult(sub.student, exercise.name, q.id, 0.0, q.points, str(sub.status), 0.0, message, sub.relative)
        for q in exercise.questions
    ]


def score_run(
    sub: Submission,
    rebuilt: RebuiltNotebook,
    run: NotebookRun,
    statements: dict[str, list[TestStatement]],
    token: str,
) -> list[QuestionResult]:
    """Score every question of ``rebuilt.exercise`` from ``run``."""
    exercise = rebuilt.exercise
    hidden_lines = _hidden_lines(statements)
    general = [*sub.notes, *rebuilt.general_notes]
    results = []
    for number, question in enumerate(exercise.questions):
        result = _score_question(sub, rebuilt, run, question, statements[question.id], token)
        notes = rebuilt.notes.get(question.id, []) + (general if number == 0 else [])
        if run.start_error:
            notes.insert(0, run.start_error)
        result.message = clean("; ".join(part for part in [result.message, *notes] if part), hidden_lines)
        for test in result.public_tests:
            test.message = clean(test.message, hidden_lines)
        results.append(result)
    return results


def _score_question(sub, rebuilt, run, question: Question, statements, token) -> QuestionResult:
    cell_ids = [*question.answer_cells, question.test_cell]
    runs: list[CellRun] = [run.cells[c] for c in cell_ids if c in run.cells]
    test_run = run.cells[question.test_cell]
    harness = parse_result(test_run.results, token, question.id)
    result = QuestionResult(
        student=sub.student,
        exercise=rebuilt.exercise.name,
        question=question.id,
        points=0.0,
        max_points=question.points,
        status=FAILED,
        runtime_s=sum(r.runtime_s for r in runs),
        message="",
        file=sub.relative,
    )
    parts: list[str] = []
    for cell_id, cell_run in zip(question.answer_cells, runs, strict=False):
        if cell_run.status == "error":
            parts.append(f"answer cell '{cell_id}' raised {_error(cell_run)}")
        elif cell_run.status == "timeout":
            parts.append(f"answer cell '{cell_id}' was interrupted after the per-cell time limit")
    for cell_run in runs:
        said = " ".join(parts)
        parts.extend(f"blocked: {line}" for line in cell_run.blocked[:3] if line.split(": ", 1)[-1] not in said)
        if cell_run.dropped_chars:
            parts.append(f"output truncated ({cell_run.dropped_chars:,} characters dropped)")
    tampered = []
    if harness is not None:
        tampered.extend(harness.problems)
        _fill_tests(result, harness.outcomes, statements, parts)
    if test_run.status == "error" and test_run.evalue.strip("'\"").startswith(TAMPER_PREFIX):
        tampered.append(test_run.evalue.strip("'\"")[len(TAMPER_PREFIX) :].strip())
    passed = test_run.status == "ok" and harness is not None and harness.passed and bool(harness.outcomes)
    if passed:
        result.points = question.points
        result.status = OK
    else:
        result.status = _failure_status(question, rebuilt, run, runs, test_run, harness, tampered)
        parts.insert(0, _failure_reason(result.status, run, test_run, harness, tampered))
    result.message = "; ".join(p for p in parts if p)
    return result


def _failure_status(question, rebuilt, run, runs, test_run, harness, tampered) -> str:
    if any(r.status == "died" for r in runs) or (test_run.status == "not_run" and run.death):
        return KERNEL_DIED
    if run.start_error:
        return KERNEL_DIED
    if test_run.status == "not_run":
        return TIMEOUT  # the notebook's time budget ran out before this question
    if question.id in rebuilt.missing:
        return MISSING
    if any(r.status == "timeout" for r in runs):
        return TIMEOUT
    errors = [r.ename for r in runs] + [m for _, s, m in (harness.outcomes if harness else []) if s == "error"]
    if any(e.startswith("MemoryError") for e in errors):
        return MEMORY
    if tampered:
        return TAMPERED
    return FAILED


def _failure_reason(status, run, test_run, harness, tampered) -> str:
    if status == KERNEL_DIED:
        return run.death or run.start_error or "the kernel died"
    if status == TIMEOUT and test_run.status == "not_run":
        return "not run: the notebook's time budget was used up"
    if status == MISSING:
        return "the answer cell is missing from the submission"
    if status == TAMPERED:
        return "the test environment was tampered with: " + "; ".join(tampered)
    if harness is None and test_run.status == "error":
        return f"the tests could not run ({_error(test_run)})"
    if harness is None:
        return "the tests reported no result"
    return ""


def _fill_tests(result: QuestionResult, outcomes, statements: list[TestStatement], parts: list[str]) -> None:
    for statement, (kind, status, message) in zip(statements, outcomes, strict=False):
        if kind == "public" and (statement.is_test or status != "passed"):
            result.public_tests.append(PublicTest(statement.text, status, message))
            if status != "passed":
                text = " ".join(statement.text.split())
                parts.append(f"public test `{text[:120]}` {_verb(status)}: {message}".rstrip(": "))
        elif kind == "hidden" and (statement.is_test or status != "passed"):
            if status == "passed":
                result.hidden_passed += 1
            else:
                result.hidden_failed += 1
    if len(outcomes) < len(statements):
        parts.append(f"{len(statements) - len(outcomes)} test statement(s) did not report")
    total = result.hidden_passed + result.hidden_failed
    if result.hidden_failed:
        parts.append(f"hidden tests: {result.hidden_failed} of {total} failed")


def _verb(status: str) -> str:
    return {"failed": "failed", "error": "raised an error", "interrupted": "was interrupted"}.get(
        status, status.replace("_", " ")
    )


def _error(cell_run: CellRun) -> str:
    return f"{cell_run.ename}: {cell_run.evalue}" if cell_run.evalue else cell_run.ename or "an error"


def _hidden_lines(statements: dict[str, list[TestStatement]]) -> list[str]:
    lines = set()
    for group in statements.values():
        for statement in group:
            if statement.kind == "hidden":
                lines.update(line.strip() for line in statement.text.splitlines() if len(line.strip()) >= 6)
    return sorted(lines, key=len, reverse=True)


def clean(text: str, hidden_lines: list[str] | None = None) -> str:
    """One line without control characters, hidden test source redacted, at most 1,000 chars."""
    text = _CONTROL.sub(" ", text.replace("\n", " ").replace("\r", " "))
    for line in hidden_lines or []:
        if line in text:
            text = text.replace(line, "[hidden test]")
    return text if len(text) <= 1000 else text[:997] + "..."
