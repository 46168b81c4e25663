"""Find the files of a submissions folder and read each as a notebook, or say why not.

Layouts understood (both may be mixed)::

    SUBMISSIONS/<student>/<anything>.ipynb        one folder per student
    SUBMISSIONS/<student>_<exercise>.ipynb        flat, the exercise name in the file name

Every file found becomes a :class:`Submission`, so every file appears in the results: a
symbolic link or special file (FIFO, device, socket) is refused with status
``not_a_regular_file`` (never followed or opened), a file that cannot be read as a notebook with
``invalid_notebook`` and the reason. Reading is bounded: at most :data:`MAX_BYTES` bytes and
:data:`MAX_DEPTH` levels of JSON nesting; a UTF-8 byte-order mark and any case of ``.ipynb``
are accepted.
"""

from __future__ import annotations

import json
import os
import re
import stat
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode

__all__ = ["MAX_BYTES", "MAX_DEPTH", "Submission", "find_submissions", "read_submission"]

MAX_BYTES = 20 * 2**20
MAX_DEPTH = 64  # a notebook is about 6 levels deep; outputs with nested JSON add a few

# File-level statuses (a submission that could not be run at all).
NOT_A_NOTEBOOK = "not_a_notebook"
NOT_REGULAR = "not_a_regular_file"
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
    """Every entry under ``folder`` that is not a real folder, in a stable order.

    Symbolic links are listed (to be refused), never followed: a link to a folder is not entered.
    """
    found: list[Path] = []
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue
        for entry in entries:
            path = Path(entry.path)
            if entry.is_dir(follow_symlinks=False):
                pending.append(path)
            else:
                found.append(path)
    return sorted(found, key=lambda p: p.as_posix())


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
    mode = path.lstat().st_mode
    if not stat.S_ISREG(mode):
        what = "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
        return _refuse(
            sub, NOT_REGULAR, f"'{sub.relative}' is {what}; only regular files are graded"
        )
    if path.suffix.lower() != ".ipynb":
        return _refuse(sub, NOT_A_NOTEBOOK, f"'{sub.relative}' is not a notebook (.ipynb)")
    try:
        notebook = _read_notebook(path)
    except (ValueError, RecursionError, MemoryError) as exc:
        reason = (
            str(exc) if isinstance(exc, ValueError) else f"could not be read ({type(exc).__name__})"
        )
        return _refuse(sub, INVALID, f"'{sub.relative}': {reason}")
    except OSError as exc:
        return _refuse(sub, INVALID, f"'{sub.relative}': could not be read ({exc.strerror or exc})")
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
        return _refuse(
            sub, UNKNOWN_EXERCISE, f"'{sub.relative}': cannot tell which exercise ({names})"
        )
    return sub


def _refuse(sub: Submission, status: str, message: str) -> Submission:
    sub.status = status
    sub.message = message
    return sub


def _read_notebook(path: Path) -> NotebookNode:
    descriptor = os.open(
        path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    )
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise ValueError("not a regular file")
        raw = handle.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise ValueError(f"file too large (more than {MAX_BYTES // 2**20} MiB)")
    return notebook_from_bytes(raw)


def notebook_from_bytes(raw: bytes) -> NotebookNode:
    """Parse a submitted notebook from its bytes, or raise ``ValueError`` saying why not."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    depth = _json_depth(raw)
    if depth > MAX_DEPTH:
        raise ValueError(f"JSON nested {depth} levels deep (at most {MAX_DEPTH})")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text (byte {exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
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
        raise ValueError(
            f"not a valid notebook ({first[0][:150] if first else type(exc).__name__})"
        ) from None
    cells = notebook.get("cells")
    if not isinstance(cells, list) or not all(
        isinstance(c, dict) and isinstance(c.get("cell_type"), str) for c in cells
    ):
        raise ValueError("not a valid notebook (malformed 'cells')")
    if version == 3:
        notebook["_course_converted_from"] = 3
    return notebook


def _json_depth(raw: bytes) -> int:
    """The deepest nesting of ``[``/``{`` outside strings (stops counting past MAX_DEPTH)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    return deepest
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


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
