"""``course assign``: the student version and the autograder bundle."""

from __future__ import annotations

import json
import os
import stat

import nbformat
import pytest

from course_utils.grading.assign import find_sources, load_bundles, student_notebook
from course_utils.grading.model import ExerciseError


def test_student_version_hides_solutions_and_hidden_tests(exercise) -> None:
    nb = student_notebook(exercise)
    text = nbformat.writes(nb)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    assert 'int(sales["units"].sum())' not in text  # the solution of q1
    assert "check_equal(total, 42)" not in text  # a hidden test
    answer = next(c for c in nb.cells if c.id == "q1-total-answer")
    assert answer.source == (
        '# YOUR CODE HERE\nraise NotImplementedError("q1-total: replace this line with your answer")'
    )
    tests = next(c for c in nb.cells if c.id == "q1-total-tests")
    assert tests.source.startswith("check_type(total, int)\n# More (hidden) tests")
    assert tests.metadata["editable"] is False and "editable" not in answer.metadata
    assert all(c.get("outputs", []) == [] for c in nb.cells)
    assert nb.metadata["course_utils"] == {"exercise": "tiny"}
    nbformat.validate(nb)


def test_student_version_is_deterministic(exercise) -> None:
    assert nbformat.writes(student_notebook(exercise)) == nbformat.writes(
        student_notebook(exercise)
    )


def test_bundle_is_private_and_loads_back(assigned) -> None:
    bundle = assigned / "autograder" / "tiny.json"
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o400  # read-only: only course assign replaces it
    assert stat.S_IMODE(bundle.parent.stat().st_mode) == 0o700
    data = json.loads(bundle.read_text(encoding="utf-8"))
    assert data["format"] == "course-utils-autograder" and data["version"] == 2
    assert len(data["source_sha256"]) == 64 and len(data["notebook_sha256"]) == 64
    exercises = load_bundles(assigned)
    exercise, source_folder = exercises["tiny"]
    assert [q.id for q in exercise.questions] == ["q1-total", "q2-by-region", "q3-share"]
    assert source_folder.name == "src"


def test_a_changed_bundle_is_refused(assigned, tmp_path) -> None:
    """Any change to a bundle's notebook after assign -- a hidden test edited, a solution
    blanked -- is caught by its SHA-256 when the bundle is loaded."""
    import shutil

    copy = tmp_path / "dist"
    shutil.copytree(assigned, copy)
    bundle = copy / "autograder" / "tiny.json"
    os.chmod(bundle, 0o600)
    data = json.loads(bundle.read_text(encoding="utf-8"))
    cell = next(c for c in data["notebook"]["cells"] if "HIDDEN" in "".join(c["source"]))
    cell["source"] = "check_true(True)"
    bundle.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ExerciseError, match=r"tiny.json: the bundle does not match its SHA-256"):
        load_bundles(copy)


def test_bundle_problems_are_one_line(tmp_path) -> None:
    with pytest.raises(ExerciseError, match="no autograder bundles"):
        load_bundles(tmp_path)
    (tmp_path / "x.json").write_text('{"format": "other"}', encoding="utf-8")
    with pytest.raises(ExerciseError, match="x.json: not a course-utils autograder bundle"):
        load_bundles(tmp_path)


def test_find_sources_errors(tmp_path) -> None:
    with pytest.raises(ExerciseError, match="no source notebooks"):
        find_sources([tmp_path])
    with pytest.raises(ExerciseError, match="not a notebook or a folder"):
        find_sources([tmp_path / "missing.txt"])
