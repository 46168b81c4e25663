"""Grade many notebooks in parallel: one fresh sandboxed kernel each, nothing lost.

:func:`grade_notebooks` is the engine shared by ``course grade`` (submissions from disk) and
``course check`` (sources and their student versions, in memory). Whatever happens to one
notebook -- dead kernel, timeout, unreadable file, even a bug in the grader -- becomes rows
with a status; the batch always finishes.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from course_utils.grading.harness import TestStatement, compile_test_cell, wrapped_test_cell
from course_utils.grading.model import LOCKED, TEST, Exercise
from course_utils.grading.rebuild import RebuiltNotebook, rebuild
from course_utils.grading.runner import PlannedCell, run_notebook
from course_utils.grading.sandbox import Limits, SandboxFactory, template_environment
from course_utils.grading.scoring import QuestionResult, refused_results, score_run
from course_utils.grading.submissions import Submission
from course_utils.grading.zygote import Zygote, preload_modules

__all__ = ["GradingJob", "grade_notebooks", "plan_cells"]

log = logging.getLogger(__name__)


@dataclass
class GradingJob:
    """One notebook to grade: the submission (read or refused) and its exercise, if known."""

    submission: Submission
    exercise: Exercise | None


def plan_cells(rebuilt: RebuiltNotebook, statements: dict[str, list[TestStatement]], token: str) -> list[PlannedCell]:
    """The code cells to run, in order; test cells replaced by the harness call."""
    planned = []
    for cell in rebuilt.cells:
        spec = cell.source
        if spec.cell_type != "code":
            continue
        if spec.role == TEST:
            assert spec.question is not None
            code = wrapped_test_cell(token, spec.question, statements[spec.question])
            planned.append(PlannedCell(spec.cell_id, code, store_history=False))
        else:
            planned.append(PlannedCell(spec.cell_id, cell.code))
    return planned


def test_statements(exercise: Exercise) -> dict[str, list[TestStatement]]:
    """Compiled test statements of every question of ``exercise``."""
    return {
        cell.question: compile_test_cell(cell.source)
        for cell in exercise.cells
        if cell.role == TEST and cell.question is not None
    }


def grade_notebooks(
    jobs: list[GradingJob],
    *,
    workers: int,
    limits: Limits,
    deny: list[Path],
    progress: bool = True,
    preload: bool = True,
    on_result: Callable[[list[QuestionResult]], None] | None = None,
) -> list[QuestionResult]:
    """Grade every job with at most ``workers`` kernels at a time; return all result rows.

    With ``preload`` each kernel is forked from a template process that has already imported
    IPython and the modules the exercises' locked cells import (see :mod:`~.zygote`).
    """
    return asyncio.run(_grade_all(jobs, workers, limits, deny, progress, preload, on_result))


async def _start_template(jobs: list[GradingJob]) -> Zygote | None:
    sources = {
        cell.source
        for job in jobs
        if job.exercise is not None
        for cell in job.exercise.cells
        if cell.role == LOCKED and cell.cell_type == "code"
    }
    zygote = Zygote(preload_modules(sorted(sources)), template_environment())
    started = await asyncio.get_running_loop().run_in_executor(None, zygote.start)
    if not started:
        log.warning("course grade: kernels start from scratch: the kernel template failed (%s)", zygote.error)
        zygote.close()
        return None
    return zygote


async def _grade_all(jobs, workers, limits, deny, progress, preload, on_result) -> list[QuestionResult]:
    factory = SandboxFactory(deny=deny)
    zygote = await _start_template(jobs) if preload and any(j.exercise for j in jobs) else None
    compiled: dict[str, dict[str, list[TestStatement]]] = {}
    for job in jobs:
        if job.exercise is not None and job.exercise.name not in compiled:
            compiled[job.exercise.name] = test_statements(job.exercise)
    slots: asyncio.Queue[int] = asyncio.Queue()
    for slot in range(max(1, workers)):
        slots.put_nowait(slot)
    bar = tqdm(total=len(jobs), unit="nb", desc="grading", disable=not progress, leave=True)
    results: list[QuestionResult] = []

    async def one(job: GradingJob) -> None:
        slot = await slots.get()
        try:
            rows = await _grade_one(job, compiled, factory, slot, limits, zygote)
        except Exception as exc:  # a grader bug must not stop the batch
            rows = _grader_error(job, exc)
        finally:
            slots.put_nowait(slot)
        results.extend(rows)
        if on_result is not None:
            on_result(rows)
        bar.update(1)

    try:
        await asyncio.gather(*(one(job) for job in jobs))
    finally:
        bar.close()
        if zygote is not None:
            zygote.close()
        factory.close()
    return results


async def _grade_one(job: GradingJob, compiled, factory: SandboxFactory, slot: int, limits: Limits, zygote):
    sub, exercise = job.submission, job.exercise
    if sub.status is not None or exercise is None or sub.notebook is None:
        return refused_results(sub, exercise)
    statements = compiled[exercise.name]
    rebuilt = rebuild(exercise, sub.notebook)
    token = secrets.token_hex(16)
    planned = plan_cells(rebuilt, statements, token)
    sandbox = factory.create(slot)
    try:
        run = await run_notebook(planned, sandbox, limits, zygote)
    finally:
        sandbox.remove()
    return score_run(sub, rebuilt, run, statements, token)


def _grader_error(job: GradingJob, exc: Exception) -> list[QuestionResult]:
    where = traceback.extract_tb(exc.__traceback__)[-1]
    sub = job.submission
    sub.status = "grader_error"
    sub.message = f"internal grader error {type(exc).__name__}: {exc} ({Path(where.filename).name}:{where.lineno})"
    return refused_results(sub, job.exercise)
