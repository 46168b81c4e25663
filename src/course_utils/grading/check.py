"""``course check SOURCES``: every source passes its own tests; a blank answer passes none.

Both the source notebook and its generated student version are graded by the same machinery
as real submissions (fresh sandboxed kernel, tests judged by the grader, limits), so a check also proves the grader works.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from course_utils.grading.assign import find_sources, student_notebook
from course_utils.grading.batch import GradingJob, grade_notebooks
from course_utils.grading.model import Exercise, load_exercise
from course_utils.grading.sandbox import Limits
from course_utils.grading.submissions import Submission

__all__ = ["CheckOutcome", "check_sources"]

SOLUTION = "solution"
BLANK = "blank"


@dataclass
class CheckOutcome:
    """One row per question (``table``) and one line per problem found (``problems``)."""

    table: pd.DataFrame
    problems: list[str]


def check_sources(
    paths: list[Path],
    *,
    workers: int,
    limits: Limits | None = None,
    progress: bool = True,
    sandbox: bool = True,
) -> CheckOutcome:
    """Grade each source and its student version; report questions that misbehave."""
    exercises = [load_exercise(path) for path in find_sources(paths)]
    jobs = []
    for exercise in exercises:
        for who, notebook in ((SOLUTION, exercise.notebook), (BLANK, student_notebook(exercise))):
            sub = Submission(
                path=exercise.path,
                relative=f"{exercise.path} ({who})",
                student=who,
                exercise=exercise.name,
                notebook=notebook,
            )
            jobs.append(GradingJob(sub, exercise))
    deny = sorted({e.path.resolve().parent for e in exercises})
    results = grade_notebooks(
        jobs,
        workers=workers,
        limits=limits or Limits(),
        deny=deny,
        progress=progress,
        sandbox=sandbox,
    )
    found = {(r.exercise, r.question, r.student): r for r in results}
    rows, problems = [], []
    for exercise in exercises:
        rows.extend(_rows(exercise, found, problems))
    return CheckOutcome(pd.DataFrame(rows), problems)


def _rows(exercise: Exercise, found: dict, problems: list[str]) -> list[dict]:
    rows = []
    for question in exercise.questions:
        solution = found[(exercise.name, question.id, SOLUTION)]
        blank = found[(exercise.name, question.id, BLANK)]
        verdict = "ok"
        if solution.points < question.points:
            verdict = "FAIL"
            problems.append(
                f"{exercise.path}: question '{question.id}': the solution scores {solution.points:g} "
                f"of {question.points:g} ({solution.status}: {solution.message})"
            )
        if blank.points > 0:
            verdict = "FAIL"
            problems.append(
                f"{exercise.path}: question '{question.id}': a blank answer earns {blank.points:g} "
                f"of {question.points:g} points; add a test that fails on the placeholder"
            )
        rows.append(
            {
                "exercise": exercise.name,
                "question": question.id,
                "points": f"{question.points:g}",
                "solution": f"{solution.points:g} ({solution.status})",
                "blank": f"{blank.points:g} ({blank.status})",
                "check": verdict,
            }
        )
    return rows
