"""Reading submission files: every file gets a notebook or a status."""

from __future__ import annotations

import json

import nbformat
import pytest

from course_utils.grading.submissions import find_submissions, read_submission

from .notebooks import solved

NAMES = ["tiny", "tiny_extra"]


@pytest.fixture
def folder(tmp_path, student_nb):
    (tmp_path / "alice").mkdir()
    nbformat.write(solved(student_nb), tmp_path / "alice" / "whatever.ipynb")
    nbformat.write(student_nb, tmp_path / "bob_tiny_extra.ipynb")
    (tmp_path / "broken.ipynb").write_text('{"cells": [', encoding="utf-8")
    (tmp_path / "latin1.ipynb").write_bytes(b'{"a": "\xe9"}')
    (tmp_path / "plain.ipynb").write_text(json.dumps({"hello": 1}), encoding="utf-8")
    (tmp_path / "README.txt").write_text("hi", encoding="utf-8")
    (tmp_path / "alice" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "alice" / ".ipynb_checkpoints" / "whatever-checkpoint.ipynb").write_text("{}")
    v3 = nbformat.convert(solved(student_nb), 3)
    nbformat.write(v3, tmp_path / "carol_tiny.ipynb", version=3)
    return tmp_path


def test_every_file_is_found_and_gets_a_verdict(folder) -> None:
    found = {
        p.relative_to(folder).as_posix(): read_submission(p, folder, NAMES)
        for p in find_submissions(folder)
    }
    assert sorted(found) == [
        "README.txt",
        "alice/.ipynb_checkpoints/whatever-checkpoint.ipynb",
        "alice/whatever.ipynb",
        "bob_tiny_extra.ipynb",
        "broken.ipynb",
        "carol_tiny.ipynb",
        "latin1.ipynb",
        "plain.ipynb",
    ]
    alice = found["alice/whatever.ipynb"]
    assert (alice.student, alice.exercise, alice.status) == ("alice", "tiny", None)  # from metadata
    bob = found["bob_tiny_extra.ipynb"]
    assert bob.status is None and bob.exercise == "tiny"  # metadata wins over the file name
    assert found["README.txt"].status == "not_a_notebook"
    assert found["alice/.ipynb_checkpoints/whatever-checkpoint.ipynb"].status == "ignored"
    broken = found["broken.ipynb"]
    assert broken.status == "invalid_notebook" and "not valid JSON (line 1" in broken.message
    assert "not UTF-8" in found["latin1.ipynb"].message
    assert "no 'nbformat' version" in found["plain.ipynb"].message
    assert found["plain.ipynb"].status == "invalid_notebook"


def test_nbformat_3_is_converted(folder) -> None:
    carol = read_submission(folder / "carol_tiny.ipynb", folder, NAMES)
    assert carol.status is None and carol.student == "carol" and carol.exercise == "tiny"
    assert carol.notebook.nbformat == 4
    assert "converted from notebook format 3" in carol.notes


def test_unknown_exercise(tmp_path, student_nb) -> None:
    student_nb.metadata.pop("course_utils")
    nbformat.write(student_nb, tmp_path / "dave.ipynb")
    dave = read_submission(tmp_path / "dave.ipynb", tmp_path, NAMES)
    assert dave.status == "unknown_exercise" and "tiny, tiny_extra" in dave.message
