"""Grading a hostile class (see :mod:`.hostile`) twice with ``course grade``.

What must hold for any class: no false credit, every file in the results with a status, the same
grades twice, bundles and sources unchanged, no process left behind, no hidden-test text in any
output, and the controls -- honest students, some of them attacking too -- keep full marks.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pandas as pd
import psutil
import pytest

from course_utils.grading.assign import assign
from course_utils.grading.model import load_exercise
from course_utils.grading.sandbox import kernel_uids, sandbox_problem

from .hostile import EXERCISES, MARKER, build_class

pytestmark = [pytest.mark.trust, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
COURSE = [sys.executable, "-m", "course_utils.cli"]


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


class Graded:
    def __init__(self, root: Path, expected: dict, runs: list, before: dict, after: dict) -> None:
        self.root, self.expected, self.runs = root, expected, runs
        self.before, self.after = before, after
        self.results = [
            _unneutral(pd.read_csv(out / "results.csv", keep_default_na=False)) for _, out in runs
        ]


def _unneutral(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo the CSV's spreadsheet-safe apostrophe (the file column holds the real paths)."""
    for column in ("student", "file"):
        frame[column] = [v[1:] if v[:2] in ("'=", "'+", "'-", "'@") else v for v in frame[column]]
    return frame


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Graded:
    if sandbox_problem():
        pytest.fail(f"the grading sandbox is not available: {sandbox_problem()}")
    root = tmp_path_factory.mktemp("hostile")
    sources = root / "exercises"
    sources.mkdir()
    for name in EXERCISES:
        (sources / f"{name}.ipynb").write_bytes((REPO / "exercises" / f"{name}.ipynb").read_bytes())
    assign([sources], root / "dist")
    expected = build_class(sources, root / "dist", root / "submissions")
    before = {"dist": _digests(root / "dist"), "exercises": _digests(sources)}
    runs = []
    graders = []
    for name in ("first", "second"):
        command = [
            *COURSE,
            "grade",
            str(root / "dist"),
            str(root / "submissions"),
            "--out",
            str(root / name),
            "--jobs",
            "2",
            "--cell-timeout",
            "5",
            "--notebook-timeout",
            "60",
            "--no-progress",
        ]
        with subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        ) as process:
            stdout, stderr = process.communicate(timeout=900)
        graders.append(process.pid)
        runs.append(
            (subprocess.CompletedProcess(command, process.returncode, stdout, stderr), root / name)
        )
    after = {"dist": _digests(root / "dist"), "exercises": _digests(sources)}
    graded = Graded(root, expected, runs, before, after)
    graded.graders = graders
    return graded


def test_grade_finishes_and_writes_everything(graded: Graded) -> None:
    for done, out in graded.runs:
        assert done.returncode == 0, done.stderr[-2000:]
        assert (out / "results.csv").is_file() and (out / "gradebook.csv").is_file()


def test_every_file_handed_in_has_a_status(graded: Graded) -> None:
    results = graded.results[0]
    assert set(results["file"]) == set(graded.expected)
    assert (results["status"] != "").all()
    for file, want in graded.expected.items():
        if "status" in want:
            assert set(results.loc[results["file"] == file, "status"]) == {want["status"]}, file


def test_no_false_credit_and_controls_keep_full_marks(graded: Graded) -> None:
    results = graded.results[0]
    maximum = {
        name: load_exercise(graded.root / "exercises" / f"{name}.ipynb").max_points
        for name in EXERCISES
    }
    for file, want in graded.expected.items():
        rows = results[results["file"] == file]
        points = rows["points"].astype(float).sum()
        if want["full"]:
            assert points == maximum[want["exercise"]], (
                file,
                rows[["question", "status", "message"]].to_dict("records"),
            )
        else:
            assert points == 0, (
                file,
                rows[rows["points"].astype(float) > 0][["question", "status"]].to_dict("records"),
            )


def test_grading_twice_gives_the_same_grades(graded: Graded) -> None:
    first, second = graded.results
    columns = ["student", "exercise", "question", "points", "status", "file"]
    pd.testing.assert_frame_equal(first[columns], second[columns])
    assert (graded.runs[0][1] / "gradebook.csv").read_bytes() == (
        graded.runs[1][1] / "gradebook.csv"
    ).read_bytes()


def test_bundles_and_sources_are_unchanged(graded: Graded) -> None:
    assert graded.before == graded.after


def test_no_kernel_process_outlives_the_grader(graded: Graded) -> None:
    """No process of the attacks' (their daemon's mark), none of the users the two graders gave
    their kernels (the sandbox's user ids depend on the grader's pid: other tests may be grading)."""
    users = {uid for pid in graded.graders for uid in kernel_uids(pid)}
    left = [
        (p.pid, p.info["status"], p.info["cmdline"])
        for p in psutil.process_iter(["cmdline", "uids", "status"])
        if (
            MARKER in " ".join(p.info["cmdline"] or [])
            or (p.info["uids"] and p.info["uids"].real in users)
        )
        and p.info["status"] != psutil.STATUS_ZOMBIE  # ended, not yet reaped by the system
    ]
    assert left == []


def test_no_hidden_test_text_in_any_output(graded: Graded) -> None:
    hidden: list[str] = []
    for name in EXERCISES:
        text = (graded.root / "exercises" / f"{name}.ipynb").read_text(encoding="utf-8")
        exercise = load_exercise(graded.root / "exercises" / f"{name}.ipynb")
        for cell in exercise.cells:
            if "BEGIN HIDDEN TESTS" in cell.source:
                block = cell.source.split("### BEGIN HIDDEN TESTS", 1)[1].split(
                    "### END HIDDEN TESTS", 1
                )[0]
                hidden += [line.strip() for line in block.splitlines() if len(line.strip()) > 12]
        assert text
    assert len(hidden) > 10
    for _, out in graded.runs:
        for path in out.rglob("*"):
            if path.is_file():
                text = path.read_text(encoding="utf-8")
                for line in hidden:
                    assert line not in text, (path.name, line)


def test_spreadsheet_formulas_are_neutralised(graded: Graded) -> None:
    raw = (graded.runs[0][1] / "results.csv").read_text(encoding="utf-8")
    for line in raw.splitlines()[1:]:
        assert not line.startswith(("=", "+", "@", "-")), line
    assert "'=HYPERLINK" in raw and "'+cmd" in raw and "'@sum" in raw


def test_feedback_folders_are_unique_and_escape_html(graded: Graded) -> None:
    feedback = graded.runs[0][1] / "feedback"
    folders = sorted(p.name for p in feedback.iterdir())
    assert {"Bjørn", "Bjårn"} <= set(folders)
    assert len({f.casefold() for f in folders}) == len(folders)  # bjørn got a folder of its own
    files = list(feedback.rglob("*.md"))
    assert len(files) == len(graded.expected)
    leak = (feedback / "leak_script_in_error" / f"{EXERCISES[0]}.md").read_text(encoding="utf-8")
    assert "&lt;script&gt;" in leak and "<script>" not in leak and "<img" not in leak


def test_statuses_say_what_happened(graded: Graded) -> None:
    results = graded.results[0]

    def status(student: str) -> set[str]:
        return set(results.loc[results["student"] == student, "status"])

    assert status("deep_json") == {"invalid_notebook"} and status("deep_cells") == {
        "invalid_notebook"
    }
    assert "timeout" in status("limit_infinite_loop")
    assert "kernel_died" in status("limit_ignore_interrupt")
    assert (results["sandbox"] == "bubblewrap").all()
