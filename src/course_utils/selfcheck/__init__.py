"""Self-check questions for the book and the notebooks.

One spec, three ways in: the ``{selfcheck}`` directive (YAML body or ``:bank:``/``:id:``), a YAML
question bank, and :func:`show` in a notebook.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from course_utils.selfcheck.errors import SelfCheckError
from course_utils.selfcheck.render import render_html
from course_utils.selfcheck.rules import Result, check, compile_key
from course_utils.selfcheck.spec import load_bank, question_from_bank, validate

__all__ = ["SelfCheckError", "Result", "check", "compile_key", "load_bank", "question", "render_html",
           "show", "validate"]

DEFAULT_BANK = "questions.yml"


def question(spec_or_id: dict[str, Any] | str, bank: str | Path | None = None) -> dict[str, Any]:
    """Validate a question given as a dict, or read question ``id`` from ``bank`` (default
    ``questions.yml`` in the current folder)."""
    if isinstance(spec_or_id, dict):
        return validate(spec_or_id, file="<notebook>")
    if isinstance(spec_or_id, str):
        path = Path(bank if bank is not None else DEFAULT_BANK)
        return question_from_bank(path, spec_or_id, display=str(path))
    raise SelfCheckError(f"show() takes a question dict or a bank id, got {type(spec_or_id).__name__}")


def show(spec_or_id: dict[str, Any] | str, bank: str | Path | None = None):  # noqa: ANN201
    """Display a self-check in the notebook and return it (``q.answer``, ``q.correct``).

    The output carries the interactive widget and, as ``text/html``, the static rendering that
    the book shows.
    """
    from IPython.display import display

    from course_utils.selfcheck.widget import SelfCheck

    widget = SelfCheck(question(spec_or_id, bank))
    display(widget)
    return widget
