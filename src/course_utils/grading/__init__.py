"""Assign, check and grade notebook exercises (the instructor side of the course).

The package is cut along the trust boundary. Trusted, in the grader's process:

* :mod:`~course_utils.grading.markers` -- nbgrader-style ``### BEGIN/END`` regions in cells;
* :mod:`~course_utils.grading.model` -- a source exercise as cells, roles and questions;
* :mod:`~course_utils.grading.assign` -- student notebooks and autograder bundles (hashed);
* :mod:`~course_utils.grading.submissions` -- bounded, refusing reading of handed-in files;
* :mod:`~course_utils.grading.rebuild` -- a submission rebuilt from its source;
* :mod:`~course_utils.grading.checks` -- type-checked helpers that test cells call;
* :mod:`~course_utils.grading.judge` -- every verdict: test statements run here, on answers
  that left the kernel as data;
* :mod:`~course_utils.grading.sandbox` / :mod:`~course_utils.grading.runner` -- one notebook
  in a fresh kernel inside a bubblewrap sandbox, with limits;
* :mod:`~course_utils.grading.scoring` / :mod:`~course_utils.grading.reports` -- points,
  statuses, CSV files and feedback;
* :mod:`~course_utils.grading.batch`, :mod:`~course_utils.grading.grade`,
  :mod:`~course_utils.grading.check`, :mod:`~course_utils.grading.cli` -- the commands.

Untrusted, inside the sandbox: :mod:`~course_utils.grading.kernel_side` (the agent that hands
answers over). Between the two: :mod:`~course_utils.grading.protocol`, data only.
"""
