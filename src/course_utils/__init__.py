"""Helpers for the hybrid marketing-technology careers course.

Four rooms, arrows only downward:

* :mod:`course_utils.selfcheck` -- self-check questions (spec, checking, static HTML, widget);
* :mod:`course_utils.labs.datasets` and the domain helpers -- what the labs compute with;
* :mod:`course_utils.grading` -- assign, check and grade notebook exercises;
* :mod:`course_utils.cli` -- the ``course`` command.
"""

__version__ = "0.1.0"
