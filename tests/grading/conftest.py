"""Fixtures of the grading tests: the tiny source exercise, assigned, and its student version."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat import NotebookNode

from course_utils.grading.assign import assign
from course_utils.grading.model import Exercise, exercise_from_notebook

from .notebooks import tiny_source


@pytest.fixture
def source_nb() -> NotebookNode:
    """A fresh copy of the tiny source exercise (solutions and hidden tests included)."""
    return tiny_source()


@pytest.fixture
def exercise(source_nb: NotebookNode) -> Exercise:
    """The tiny exercise's validated model."""
    return exercise_from_notebook(source_nb, Path("tiny.ipynb"))


@pytest.fixture(scope="module")
def assigned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``course assign`` run on the tiny exercise; returns the output (dist) folder."""
    root = tmp_path_factory.mktemp("assigned")
    (root / "src").mkdir()
    nbformat.write(tiny_source(), root / "src" / "tiny.ipynb")
    assign([root / "src"], root / "dist")
    return root / "dist"


@pytest.fixture(scope="module")
def student_nb(assigned: Path) -> NotebookNode:
    """The generated student notebook of the tiny exercise."""
    return nbformat.read(assigned / "student" / "tiny.ipynb", as_version=4)
