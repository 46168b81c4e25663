"""``course assign``: the student version of each source, and the autograder bundle.

For each source exercise ``NAME.ipynb`` it writes into the output folder::

    student/NAME.ipynb        solutions replaced by a placeholder that fails clearly, hidden
                              tests removed, public tests kept, outputs cleared
    autograder/NAME.json      what grading needs: the source notebook (solutions and hidden
                              tests included) with its SHA-256; read-only, readable by its
                              owner only (mode 0400; ``course assign`` replaces them)

:func:`load_bundles` recomputes each bundle's SHA-256 and refuses a bundle that does not match,
naming the file. Kernels never see the bundles at all (:mod:`course_utils.grading.sandbox`).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from course_utils.grading.markers import replace_solutions, split_hidden_tests
from course_utils.grading.model import (
    ANSWER,
    TEST,
    Exercise,
    ExerciseError,
    exercise_from_notebook,
    load_exercise,
)

__all__ = [
    "BUNDLE_FORMAT",
    "Assigned",
    "assign",
    "bundle",
    "find_sources",
    "load_bundles",
    "student_notebook",
]

BUNDLE_FORMAT = "course-utils-autograder"
BUNDLE_VERSION = 2
HIDDEN_NOTE = "# More (hidden) tests of this question run when your notebook is graded."


@dataclass(frozen=True)
class Assigned:
    """Files written for one exercise."""

    exercise: str
    student: Path
    bundle: Path


def find_sources(paths: list[Path]) -> list[Path]:
    """Source notebooks named by ``paths`` (files, or folders searched one level deep)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.glob("*.ipynb") if p.is_file()))
        elif path.suffix == ".ipynb" and path.is_file():
            found.append(path)
        else:
            raise ExerciseError(f"{path}: not a notebook or a folder of notebooks")
    if not found:
        raise ExerciseError(
            f"{', '.join(str(p) for p in paths)}: no source notebooks (*.ipynb) found"
        )
    return found


def student_notebook(exercise: Exercise) -> NotebookNode:
    """The notebook handed out: placeholders for solutions, no hidden tests, no outputs."""
    nb = copy.deepcopy(exercise.notebook)
    for cell, spec in zip(nb.cells, exercise.cells, strict=True):
        if spec.role == ANSWER:
            placeholder = [
                "# YOUR CODE HERE",
                f'raise NotImplementedError("{spec.question}: replace this line with your answer")',
            ]
            cell.source = replace_solutions(cell.source, placeholder)
        elif spec.role == TEST:
            public, hidden = split_hidden_tests(cell.source)
            cell.source = public.rstrip() + (
                ("\n" if public.strip() else "") + HIDDEN_NOTE if hidden else ""
            )
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
        if spec.role != ANSWER:
            cell.metadata["editable"] = False
            cell.metadata["deletable"] = False
    nb.metadata["course_utils"] = {"exercise": exercise.name}
    nb.metadata.pop("widgets", None)
    return nb


def bundle(exercise: Exercise, source_bytes: bytes) -> dict:
    """The autograder bundle of ``exercise`` as a JSON-ready mapping."""
    return {
        "format": BUNDLE_FORMAT,
        "version": BUNDLE_VERSION,
        "exercise": exercise.name,
        "source_path": str(exercise.path.resolve()),
        "source_sha256": hashlib.sha256(source_bytes).hexdigest(),
        "notebook_sha256": notebook_digest(exercise.notebook),
        "notebook": exercise.notebook,
    }


def notebook_digest(notebook: object) -> str:
    """SHA-256 of a notebook's canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(notebook, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def assign(sources: list[Path], out: Path) -> list[Assigned]:
    """Validate every source first, then write student notebooks and bundles under ``out``."""
    exercises = [load_exercise(path) for path in find_sources(sources)]
    names = [e.name for e in exercises]
    for name in names:
        if names.count(name) > 1:
            raise ExerciseError(f"{name}: two source notebooks have this name")
    (out / "student").mkdir(parents=True, exist_ok=True)
    (out / "autograder").mkdir(parents=True, exist_ok=True)
    os.chmod(out / "autograder", 0o700)
    written = []
    for exercise in exercises:
        student_path = out / "student" / f"{exercise.name}.ipynb"
        nbformat.write(student_notebook(exercise), student_path)
        bundle_path = out / "autograder" / f"{exercise.name}.json"
        data = bundle(exercise, exercise.path.read_bytes())
        if bundle_path.exists():
            os.chmod(bundle_path, 0o600)
        bundle_path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        os.chmod(bundle_path, 0o400)
        written.append(Assigned(exercise.name, student_path, bundle_path))
    return written


def exercise_from_bundle_text(text: str, path: Path) -> Exercise:
    """The exercise of one bundle's text, after checking its format, version and SHA-256."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ExerciseError(f"{path}: not a readable bundle ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != BUNDLE_FORMAT:
        raise ExerciseError(f"{path}: not a course-utils autograder bundle")
    if data.get("version") != BUNDLE_VERSION:
        raise ExerciseError(f"{path}: bundle version {data.get('version')} is not supported")
    if data.get("notebook_sha256") != notebook_digest(data.get("notebook")):
        raise ExerciseError(
            f"{path}: the bundle does not match its SHA-256: it was changed after 'course assign'"
        )
    notebook = nbformat.from_dict(data["notebook"])
    return exercise_from_notebook(notebook, path, name=data["exercise"])


def load_bundles(dist: Path) -> dict[str, tuple[Exercise, Path]]:
    """Read the autograder bundles under ``dist`` (as written by :func:`assign`).

    Returns ``{name: (exercise, source_folder)}``; the source folder is kept so that the
    kernels can be denied access to it.
    """
    folder = dist / "autograder" if (dist / "autograder").is_dir() else dist
    paths = sorted(folder.glob("*.json"))
    if not paths:
        raise ExerciseError(f"{dist}: no autograder bundles (run 'course assign' first)")
    found: dict[str, tuple[Exercise, Path]] = {}
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, ValueError) as exc:
            raise ExerciseError(f"{path}: not a readable bundle ({exc})") from None
        exercise = exercise_from_bundle_text(text, path)
        data = json.loads(text)
        found[exercise.name] = (exercise, Path(data.get("source_path", str(path))).parent)
    return found
