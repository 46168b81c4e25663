"""Find the files of a submissions folder and read each as a notebook, or say why not.

Layouts understood (both may be mixed)::

    SUBMISSIONS/<student>/<anything>.ipynb        one folder per student
    SUBMISSIONS/<student>_<exercise>.ipynb        flat, the exercise name in the file name

Every file found becomes a :class:`Submission`, so every file appears in the results.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode

__all__ = ["MAX_BYTES", "Submission", "find_submissions", "read_submission"]

MAX_BYTES = 20 * 2**20

# File-level statuses (a submission that could not be run at all).
NOT_A_NOTEBOOK = "not_a_notebook"
IGNORED = "ignored"
INVALID = "invalid_notebook"
UNKNOWN_EXERCISE = "unknown_exercise"


@dataclass
class Submission:
    """One file of the submissions folder, read (``notebook``) or refused (``status``)."""

    path: Path
    relative: str
    student: str
    exercise: str | None
    notebook: NotebookNode | None = None
    status: str | None = None
    message: str = ""
    notes: list[str] = field(default_factory=list)


def find_submissions(folder: Path) -> list[Path]:
    """Every regular file under ``folder``, in a stable order."""
    return sorted((p for p in folder.rglob("*") if p.is_file()), key=lambda p: p.as_posix())


def read_submission(path: Path, folder: Path, exercises: list[str]) -> Submission:
    """Read ``path`` (inside submissions ``folder``) and decide whose and which exercise it is."""
    relative = path.relative_to(folder)
    exercise = _exercise_from_name(relative, exercises)
    sub = Submission(
        path=path,
        relative=relative.as_posix(),
        student=_student(relative, exercise),
        exercise=exercise,
    )
    if ".ipynb_checkpoints" in relative.parts:
        return _refuse(sub, IGNORED, "a Jupyter checkpoint copy; not graded")
    if path.suffix != ".ipynb":
        return _refuse(sub, NOT_A_NOTEBOOK, f"'{sub.relative}' is not a notebook (.ipynb)")
    try:
        notebook = _read_notebook(path)
    except ValueError as exc:
        return _refuse(sub, INVALID, f"'{sub.relative}': {exc}")
    sub.notebook = notebook
    if notebook.get("_course_converted_from"):
        sub.notes.append(f"converted from notebook format {notebook.pop('_course_converted_from')}")
    declared = notebook.get("metadata", {}).get("course_utils", {})
    declared = declared.get("exercise") if isinstance(declared, dict) else None
    if isinstance(declared, str) and declared in exercises:
        sub.exercise = declared
        sub.student = _student(relative, declared)
    if sub.exercise is None:
        names = ", ".join(exercises)
        return _refuse(sub, UNKNOWN_EXERCISE, f"'{sub.relative}': cannot tell which exercise ({names})")
    return sub


def _refuse(sub: Submission, status: str, message: str) -> Submission:
    sub.status = status
    sub.message = message
    return sub


def _read_notebook(path: Path) -> NotebookNode:
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ValueError(f"file too large ({size // 2**20} MiB > {MAX_BYTES // 2**20} MiB)")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text (byte {exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("nbformat"), int):
        raise ValueError("not a notebook (no 'nbformat' version)")
    version = data["nbformat"]
    if version not in (3, 4):
        raise ValueError(f"unsupported notebook format {version}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            notebook = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises many types for malformed structure
        first = str(exc).strip().splitlines()
        raise ValueError(f"not a valid notebook ({first[0][:150] if first else type(exc).__name__})") from None
    cells = notebook.get("cells")
    if not isinstance(cells, list) or not all(
        isinstance(c, dict) and isinstance(c.get("cell_type"), str) for c in cells
    ):
        raise ValueError("not a valid notebook (malformed 'cells')")
    if version == 3:
        notebook["_course_converted_from"] = 3
    return notebook


def _exercise_from_name(relative: Path, exercises: list[str]) -> str | None:
    text = relative.as_posix()
    found = [name for name in exercises if name in text]
    if found:
        return max(found, key=len)
    return exercises[0] if len(exercises) == 1 else None


def _student(relative: Path, exercise: str | None) -> str:
    if len(relative.parts) > 1:
        return relative.parts[0]
    stem = relative.name.split(".")[0] or relative.name
    if exercise and exercise in stem:
        stem = stem.replace(exercise, "")
    stem = re.sub(r"^[-_. ]+|[-_. ]+$", "", stem)
    return stem or relative.name
