"""What runs inside a student's kernel while it is graded (untrusted ground).

Only :mod:`~course_utils.grading.kernel_side.agent` is ever imported there. Its job is to turn
answers into data (:mod:`course_utils.grading.protocol`) and to call answer functions on request.
A student can rewrite any of it from an answer cell; that can change which values come out of the
kernel, never the verdict: every check runs in the grader's own process (:mod:`..judge`).
"""
