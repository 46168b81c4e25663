"""Turn a notebook run into one scored result per question.

A question earns its points only if the grader's own judgement of its test cell
(:mod:`course_utils.grading.judge.evaluate`) passed every statement, at least one of them a test.
Nothing the kernel reports about itself counts. The status names the first thing that went wrong
(kernel death, time limit, missing answer, memory, unreadable answers, failed tests); the message
explains, showing public tests and only counts of hidden tests -- never hidden-test text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from course_utils.grading.judge.statements import TestStatement
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
SETUP_TIMEOUT = "setup_timeout"
STATUSES = (
    OK,
    FAILED,
    TIMEOUT,
    KERNEL_DIED,
    MEMORY,
    MISSING,
    TAMPERED,
    SETUP_TIMEOUT,
    "invalid_notebook",
    "not_a_regular_file",
    "grader_error",
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
    sandboxed: bool = True

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
            "sandbox": "bubblewrap" if self.sandboxed else "none",
        }


def refused_results(
    sub: Submission, exercise: Exercise | None, *, sandboxed: bool = True
) -> list[QuestionResult]:
    """Rows for a file that could not be graded: one per question when the exercise is known."""
    message = clean(sub.message)
    if exercise is None:
        return [
            QuestionResult(
                sub.student,
                "",
                "",
                0.0,
                0.0,
                str(sub.status),
                0.0,
                message,
                sub.relative,
                sandboxed=sandboxed,
            )
        ]
    return [
        QuestionResult(
            sub.student,
            exercise.name,
            q.id,
            0.0,
            q.points,
            str(sub.status),
            0.0,
            message,
            sub.relative,
            sandboxed=sandboxed,
        )
        for q in exercise.questions
    ]


def score_run(
    sub: Submission,
    rebuilt: RebuiltNotebook,
    run: NotebookRun,
    statements: dict[str, list[TestStatement]],
    *,
    sandboxed: bool = True,
) -> list[QuestionResult]:
    """Score every question of ``rebuilt.exercise`` from ``run``."""
    exercise = rebuilt.exercise
    hidden_lines = _hidden_lines(statements)
    general = [*sub.notes, *rebuilt.general_notes]
    if not sandboxed:
        general.insert(0, "graded without a sandbox (--no-sandbox)")
    setup_timeouts = _setup_timeouts(rebuilt, run)
    results = []
    for number, question in enumerate(exercise.questions):
        result = _score_question(
            sub, rebuilt, run, question, statements[question.id], setup_timeouts
        )
        result.sandboxed = sandboxed
        notes = rebuilt.notes.get(question.id, []) + (general if number == 0 else [])
        if run.start_error:
            notes.insert(0, run.start_error)
        result.message = clean(
            "; ".join(part for part in [result.message, *notes] if part), hidden_lines
        )
        for test in result.public_tests:
            test.message = clean(test.message, hidden_lines)
        results.append(result)
    return results


def _setup_timeouts(rebuilt: RebuiltNotebook, run: NotebookRun) -> dict[str, str]:
    """For each test cell: the first locked set-up cell before it that timed out, if any."""
    found: dict[str, str] = {}
    first = ""
    for cell in rebuilt.cells:
        spec = cell.source
        cell_run = run.cells.get(spec.cell_id)
        if (
            spec.role == "locked"
            and cell_run is not None
            and cell_run.status == "timeout"
            and not first
        ):
            first = spec.cell_id
        if spec.role == "test" and first:
            found[spec.cell_id] = first
    return found


def _score_question(
    sub, rebuilt, run, question: Question, statements, setup_timeouts
) -> QuestionResult:
    cell_ids = [*question.answer_cells, question.test_cell]
    runs: list[CellRun] = [run.cells[c] for c in cell_ids if c in run.cells]
    test_run = run.cells[question.test_cell]
    judgement = test_run.judgement
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
    if any(cell_run.dropped_chars for cell_run in runs):
        # how much was dropped depends on how the kernel chunked its output: not reported, so that
        # grading the same file twice gives the same message
        parts.append("output truncated at the per-cell limit (--max-output)")
    problems: list[str] = []
    tests = [s for s in statements if s.is_test]
    if judgement is not None:
        problems.extend(judgement.problems)
        _fill_tests(result, judgement.outcomes, statements, parts)
    passed = judgement is not None and judgement.passed and bool(tests)
    if passed:
        result.points = question.points
        result.status = OK
    else:
        result.status = _failure_status(
            question, rebuilt, run, runs, test_run, judgement, problems, setup_timeouts
        )
        parts.insert(
            0, _failure_reason(result.status, run, test_run, judgement, problems, setup_timeouts)
        )
    result.message = "; ".join(p for p in parts if p)
    return result


def _failure_status(
    question, rebuilt, run, runs, test_run, judgement, problems, setup_timeouts
) -> str:
    if any(r.status == "died" for r in runs) or (test_run.status == "not_run" and run.death):
        return KERNEL_DIED
    if run.start_error:
        return KERNEL_DIED
    if question.test_cell in setup_timeouts:
        return SETUP_TIMEOUT
    if test_run.status == "not_run":
        return TIMEOUT  # the notebook's time budget ran out before this question
    if question.id in rebuilt.missing:
        return MISSING
    if any(r.status == "timeout" for r in runs):
        return TIMEOUT
    errors = [r.ename for r in runs] + [
        m for _, s, m in (judgement.outcomes if judgement else []) if s == "error"
    ]
    if any(e.startswith("MemoryError") or "raised MemoryError" in e for e in errors):
        return MEMORY
    if problems:
        return TAMPERED
    return FAILED


def _failure_reason(status, run, test_run, judgement, problems, setup_timeouts) -> str:
    if status == KERNEL_DIED:
        return run.death or run.start_error or "the kernel died"
    if status == SETUP_TIMEOUT:
        cell = setup_timeouts.get(test_run.key, "")
        return f"set-up cell '{cell}' timed out: the grader's time limit is too short (raise --cell-timeout)"
    if status == TIMEOUT and test_run.status == "not_run":
        return "not run: the notebook's time budget was used up"
    if status == MISSING:
        return "the answer cell is missing from the submission"
    if status == TAMPERED:
        return "; ".join(problems)
    if judgement is None:
        return "the tests reported no result"
    return ""


def _fill_tests(
    result: QuestionResult, outcomes, statements: list[TestStatement], parts: list[str]
) -> None:
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
    return {"failed": "failed", "error": "raised an error", "not_run": "was not run"}.get(
        status, status.replace("_", " ")
    )


def _error(cell_run: CellRun) -> str:
    return (
        f"{cell_run.ename}: {cell_run.evalue}" if cell_run.evalue else cell_run.ename or "an error"
    )


def _hidden_lines(statements: dict[str, list[TestStatement]]) -> list[str]:
    lines = set()
    for group in statements.values():
        for statement in group:
            if statement.kind == "hidden":  # as written, and as the grader rewrote it
                for source in (statement.text, statement.code):
                    lines.update(
                        line.strip() for line in source.splitlines() if len(line.strip()) >= 6
                    )
    return sorted(lines, key=len, reverse=True)


def clean(text: str, hidden_lines: list[str] | None = None) -> str:
    """One line without control characters, hidden test source redacted, at most 1,000 chars."""
    text = _CONTROL.sub(" ", text.replace("\n", " ").replace("\r", " "))
    for line in hidden_lines or []:
        if line in text:
            text = text.replace(line, "[hidden test]")
    return text if len(text) <= 1000 else text[:997] + "..."
