"""``course grade DIST SUBMISSIONS --out GRADES``: grade a folder of submissions."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from course_utils.grading.assign import load_bundles
from course_utils.grading.batch import GradingJob, grade_notebooks
from course_utils.grading.reports import gradebook_frame, summary_frame, write_reports
from course_utils.grading.sandbox import Limits
from course_utils.grading.scoring import QuestionResult
from course_utils.grading.submissions import find_submissions, read_submission

if TYPE_CHECKING:
    from course_utils.grading.cluster import ClusterTarget

__all__ = ["GradeOutcome", "grade"]


@dataclass
class GradeOutcome:
    """The tables written by :func:`grade`."""

    results: pd.DataFrame
    gradebook: pd.DataFrame
    summary: pd.DataFrame


def grade(
    dist: Path,
    submissions: Path,
    out: Path,
    *,
    workers: int,
    limits: Limits | None = None,
    progress: bool = True,
    sandbox: bool = True,
    cluster: ClusterTarget | None = None,
) -> GradeOutcome:
    """Grade every file under ``submissions`` against the bundles in ``dist``; write to ``out``.

    With ``cluster`` the notebooks are graded on Dask workers (:mod:`~.cluster`), else by the
    local pool of ``workers`` kernels. Interrupted (Ctrl-C), it still writes the results of the
    files graded so far.
    """
    if cluster is not None:  # refuse a bad scheduler address before reading anything
        from course_utils.grading.cluster import grade_on_cluster, resolve_target

        cluster = resolve_target(cluster)
    bundles = load_bundles(dist)
    if not submissions.is_dir():
        raise FileNotFoundError(f"{submissions}: no such folder of submissions")
    exercises = {name: exercise for name, (exercise, _) in bundles.items()}
    names = sorted(exercises)
    jobs = []
    for path in find_submissions(submissions):
        sub = read_submission(path, submissions, names)
        jobs.append(GradingJob(sub, exercises.get(sub.exercise or "")))
    out.mkdir(parents=True, exist_ok=True)
    deny = [dist, submissions, out, *(folder for _, folder in bundles.values())]
    gathered: list[QuestionResult] = []
    run = grade_notebooks if cluster is None else partial(grade_on_cluster, target=cluster)
    try:
        results = run(
            jobs,
            workers=workers,
            limits=limits or Limits(),
            deny=deny,
            progress=progress,
            sandbox=sandbox,
            on_result=gathered.extend,
        )
    except KeyboardInterrupt:  # keep what was graded so far
        write_reports(gathered, exercises, out)
        raise
    frame = write_reports(results, exercises, out)
    return GradeOutcome(frame, gradebook_frame(frame, exercises), summary_frame(frame))
