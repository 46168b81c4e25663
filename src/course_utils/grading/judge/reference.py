"""The reference namespace: the source exercise run in the grader's own process.

Hidden tests compute expected values from lab tables and modules that locked cells set up. Those
names must not come from the student's kernel (a student could rebind them), so the grader runs
the source notebook's locked and solution cells itself -- instructor code, trusted -- and keeps a
copy of the namespace as it stands before each test cell.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field

from course_utils.grading.model import ANSWER, LOCKED, TEST, Exercise

__all__ = ["Reference", "run_reference"]


@dataclass
class Reference:
    """What the source run left before each test cell, and what went wrong in it."""

    before_test: dict[str, dict] = field(default_factory=dict)  # question id -> namespace copy
    problems: list[str] = field(default_factory=list)


class _NoShell:
    """Stands in for ``get_ipython()`` in the reference run: magics do nothing."""

    def run_line_magic(self, *args: object, **kwargs: object) -> None:
        return None

    def run_cell_magic(self, *args: object, **kwargs: object) -> None:
        return None

    def system(self, *args: object, **kwargs: object) -> None:
        return None

    getoutput = system


def run_reference(exercise: Exercise) -> Reference:
    """Run the locked and solution cells of ``exercise`` here; snapshot before each test cell."""
    from IPython.core.inputtransformer2 import TransformerManager

    transformer = TransformerManager()
    namespace: dict = {"__name__": "__course_reference__", "get_ipython": _NoShell}
    reference = Reference()
    sink = io.StringIO()
    for cell in exercise.cells:
        if cell.cell_type != "code":
            continue
        if cell.role == TEST:
            reference.before_test[str(cell.question)] = dict(namespace)
            continue
        if cell.role not in (LOCKED, ANSWER):
            continue
        try:
            code = compile(
                transformer.transform_cell(cell.source),
                f"<{cell.cell_id}>",
                "exec",
                dont_inherit=True,
            )
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                exec(code, namespace)  # noqa: S102 - the instructor's own source, in the grader
        except Exception as exc:  # the instructor's cell failed: tests that need it will say so
            reference.problems.append(
                f"{cell.label} failed in the reference run: {type(exc).__name__}: {exc}"
            )
        sink.seek(0)
        sink.truncate()
    _close_figures()  # (headless, matplotlib picks its Agg backend by itself: the environment,
    return reference  # which kernels started later in this process inherit, is left alone)


def _close_figures() -> None:
    import sys

    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        with contextlib.suppress(Exception):
            pyplot.close("all")
