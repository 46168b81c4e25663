"""Assign, check and grade notebook exercises (the instructor side of the course).

Modules, each with one job:

* :mod:`~course_utils.grading.markers` -- nbgrader-style ``### BEGIN/END`` regions in cells;
* :mod:`~course_utils.grading.model` -- a source exercise as cells, roles and questions;
* :mod:`~course_utils.grading.assign` -- student notebooks and autograder bundles;
* :mod:`~course_utils.grading.rebuild` -- a submission rebuilt from its source;
* :mod:`~course_utils.grading.checks` -- type-checked helpers that test cells call;
* :mod:`~course_utils.grading.harness` / :mod:`~course_utils.grading.kernel_harness` -- test
  cells run in a fresh namespace, results published under a per-run token;
* :mod:`~course_utils.grading.sandbox` / :mod:`~course_utils.grading.launcher` /
  :mod:`~course_utils.grading.runner` -- one notebook in a fresh, limited kernel;
* :mod:`~course_utils.grading.scoring` / :mod:`~course_utils.grading.reports` -- points,
  statuses, CSV files and feedback;
* :mod:`~course_utils.grading.batch`, :mod:`~course_utils.grading.grade`,
  :mod:`~course_utils.grading.check`, :mod:`~course_utils.grading.cli` -- the commands.

Kept import-free: the kernel launcher imports this package before the kernel starts.
"""
