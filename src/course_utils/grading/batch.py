"""Grade many notebooks in parallel: one fresh sandboxed kernel each, nothing lost.

Each exercise is prepared once (:func:`compile_exercise`: its test statements and the reference
run of its source, in this process); each submission then runs in its own sandbox, and its
test cells are judged here on the answers its kernel hands over.

:func:`grade_notebooks` is the engine shared by ``course grade`` (submissions from disk) and
``course check`` (sources and their student versions, in memory). Whatever happens to one
notebook -- dead kernel, timeout, unreadable file, even a bug in the grader -- becomes rows
with a status; the batch always finishes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from course_utils.grading.judge.evaluate import judge_test_cell
from course_utils.grading.judge.reference import Reference, run_reference
from course_utils.grading.judge.statements import (
    TestStatement,
    compile_test_cell,
    kernel_names,
    names_used,
)
from course_utils.grading.model import TEST, Exercise
from course_utils.grading.rebuild import RebuiltNotebook, rebuild
from course_utils.grading.runner import PlannedCell, run_notebook, start_kernel
from course_utils.grading.sandbox import Limits, SandboxFactory
from course_utils.grading.scoring import QuestionResult, refused_results, score_run
from course_utils.grading.submissions import Submission

__all__ = ["CompiledExercise", "GradingJob", "compile_exercise", "grade_notebooks", "plan_cells"]

log = logging.getLogger(__name__)


@dataclass
class GradingJob:
    """One notebook to grade: the submission (read or refused) and its exercise, if known."""

    submission: Submission
    exercise: Exercise | None


@dataclass
class CompiledExercise:
    """What the grader prepares once per exercise: test statements, answer names, reference."""

    exercise: Exercise
    statements: dict[str, list[TestStatement]]
    fetch: dict[str, list[str]]  # question -> answer names its test cell reads
    reference: Reference


def compile_exercise(exercise: Exercise) -> CompiledExercise:
    """Compile the test cells of ``exercise`` and run its source here for the reference values."""
    statements = {
        cell.question: compile_test_cell(cell.source)
        for cell in exercise.cells
        if cell.role == TEST and cell.question is not None
    }
    answers = kernel_names([(c.role, c.source) for c in exercise.cells if c.cell_type == "code"])
    fetch = {q: sorted(names_used(s) & answers) for q, s in statements.items()}
    reference = run_reference(exercise)
    for question, namespace in reference.before_test.items():  # answers come from the kernel only
        reference.before_test[question] = {k: v for k, v in namespace.items() if k not in answers}
    return CompiledExercise(exercise, statements, fetch, reference)


def plan_cells(rebuilt: RebuiltNotebook, compiled: CompiledExercise) -> list[PlannedCell]:
    """The cells to run, in order; each test cell replaced by its judge (run in the grader)."""
    planned = []
    for cell in rebuilt.cells:
        spec = cell.source
        if spec.cell_type != "code":
            continue
        if spec.role == TEST:
            question = str(spec.question)
            planned.append(PlannedCell(spec.cell_id, judge=_judge(compiled, question)))
        else:
            planned.append(PlannedCell(spec.cell_id, cell.code))
    return planned


def _judge(compiled: CompiledExercise, question: str):
    statements = compiled.statements[question]
    fetch = compiled.fetch[question]
    reference = compiled.reference.before_test.get(question, {})

    def judge(run):
        return judge_test_cell(statements, fetch, reference, run)

    return judge


def grade_notebooks(
    jobs: list[GradingJob],
    *,
    workers: int,
    limits: Limits,
    deny: list[Path],
    sandbox: bool = True,
    progress: bool = True,
    on_result: Callable[[list[QuestionResult]], None] | None = None,
) -> list[QuestionResult]:
    """Grade every job with at most ``workers`` sandboxed kernels at a time; return all rows.

    Raises :class:`~course_utils.grading.sandbox.SandboxUnavailable` (before grading anything)
    when ``sandbox`` is asked for and this machine cannot provide it.
    """
    factory = SandboxFactory(deny=deny, isolated=sandbox)
    try:
        return run_coroutine(_grade_all(jobs, workers, limits, factory, progress, on_result))
    finally:
        factory.close()


def run_coroutine(coroutine):
    """``asyncio.run(coroutine)``, also when this thread already runs an event loop (a notebook,
    or a test driving a browser with Playwright's sync API): then in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _grade_all(
    jobs, workers, limits, factory: SandboxFactory, progress, on_result
) -> list[QuestionResult]:
    compiled: dict[str, CompiledExercise] = {}
    for job in jobs:
        if job.exercise is not None and job.exercise.name not in compiled:
            compiled[job.exercise.name] = compile_exercise(job.exercise)
    slots: asyncio.Queue[int] = asyncio.Queue()
    for slot in range(max(1, workers)):
        slots.put_nowait(slot)
    bar = tqdm(total=len(jobs), unit="nb", desc="grading", disable=not progress, leave=True)
    results: list[QuestionResult] = []
    gradable = sum(1 for job in jobs if _gradable(job))
    spare = _SpareKernels(factory, limits, gradable)

    async def one(job: GradingJob) -> None:
        slot = await slots.get()
        try:
            kernel = spare.take(slot) if _gradable(job) else None
            rows = await grade_one(job, compiled, factory, slot, limits, kernel=kernel)
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
        await spare.close()
    return results


def _gradable(job: GradingJob) -> bool:
    sub = job.submission
    return sub.status is None and job.exercise is not None and sub.notebook is not None


class _SpareKernels:
    """One kernel started ahead per slot: while a slot's notebook runs, the kernel for its next
    notebook starts in a sandbox of its own (its own namespaces: the two cannot see each other)."""

    def __init__(self, factory: SandboxFactory, limits: Limits, needed: int) -> None:
        self.factory = factory
        self.limits = limits
        self.needed = needed  # kernels still to hand out
        self.ready: dict[int, asyncio.Task] = {}

    def take(self, slot: int) -> asyncio.Task:
        """The started (or starting) kernel for ``slot``; starts the next one for it."""
        self.needed -= 1
        task = self.ready.pop(slot, None) or self._start(slot)
        if self.needed >= 1 and len(self.ready) < self.needed:
            self.ready[slot] = self._start(slot)
        return task

    def _start(self, slot: int) -> asyncio.Task:
        return asyncio.ensure_future(start_kernel(self.factory.create(slot), self.limits))

    async def close(self) -> None:
        """Stop the kernels started but never used."""
        for task in self.ready.values():
            with contextlib.suppress(Exception):
                kernel = await task
                await kernel.stop()
                kernel.sandbox.remove()
        self.ready.clear()


async def grade_one(
    job: GradingJob,
    compiled: dict[str, CompiledExercise],
    factory: SandboxFactory,
    slot: int,
    limits: Limits,
    *,
    kernel: asyncio.Task | None = None,
) -> list[QuestionResult]:
    """Grade one job in a fresh sandbox (slot ``slot``), or with ``kernel`` (a task that starts
    one, see :func:`~course_utils.grading.runner.start_kernel`); the rows of its results."""
    sub, exercise = job.submission, job.exercise
    if not _gradable(job):
        return refused_results(sub, exercise, sandboxed=factory.isolated)
    assert exercise is not None and sub.notebook is not None
    prepared = compiled[exercise.name]
    started = await kernel if kernel is not None else None
    sandbox = started.sandbox if started is not None else factory.create(slot)
    try:
        rebuilt = rebuild(exercise, sub.notebook)
        planned = plan_cells(rebuilt, prepared)
        run = await run_notebook(planned, sandbox, limits, kernel=started)
        started = None  # run_notebook stopped it
    finally:
        if started is not None:
            await started.stop()
        sandbox.remove()
    return score_run(sub, rebuilt, run, prepared.statements, sandboxed=factory.isolated)


def _grader_error(job: GradingJob, exc: Exception) -> list[QuestionResult]:
    where = traceback.extract_tb(exc.__traceback__)[-1]
    sub = job.submission
    sub.status = "grader_error"
    sub.message = f"internal grader error {type(exc).__name__}: {exc} ({Path(where.filename).name}:{where.lineno})"
    return refused_results(sub, job.exercise)
