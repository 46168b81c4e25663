"""One grading run over a folder of adversarial submissions, then many checks of its results.

Every trick must be graded correctly (no undeserved point) and explained in the results; the
batch must finish and list every file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from course_utils.grading.grade import GradeOutcome, grade
from course_utils.grading.sandbox import Limits

from .adversarial import build

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading-adversarial")]

LIMITS = Limits(
    cell_timeout=10, notebook_timeout=90, interrupt_grace=3, memory_mb=1024, max_output_chars=10_000
)
QUESTIONS = ["q1-total", "q2-by-region", "q3-share"]


class Run:
    """The adversarial grading run and its output files."""

    def __init__(self, outcome: GradeOutcome, folder: Path, out: Path, outside: Path) -> None:
        self.outcome = outcome
        self.results = outcome.results
        self.folder = folder
        self.out = out
        self.outside = outside

    def rows(self, student: str) -> pd.DataFrame:
        rows = self.results[self.results["student"] == student].set_index("question")
        assert not rows.empty, f"no results for {student}"
        return rows

    def status(self, student: str) -> dict[str, str]:
        return self.rows(student)["status"].to_dict()

    def points(self, student: str) -> dict[str, float]:
        return self.rows(student)["points"].to_dict()

    def message(self, student: str, question: str) -> str:
        return str(self.rows(student).loc[question, "message"])


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, assigned: Path, student_nb) -> Run:
    root = tmp_path_factory.mktemp("adversarial")
    folder, out = root / "submissions", root / "grades"
    outside = root / "outside-target.txt"
    build(folder, student_nb, assigned, out, outside)
    outcome = grade(assigned, folder, out, workers=2, limits=LIMITS, progress=False)
    return Run(outcome, folder, out, outside)


def _all(status: str) -> dict[str, str]:
    return dict.fromkeys(QUESTIONS, status)


def test_every_file_is_in_the_results(run: Run) -> None:
    files = sorted(
        p.relative_to(run.folder).as_posix() for p in run.folder.rglob("*") if p.is_file()
    )
    assert sorted(run.results["file"].unique()) == files
    assert run.results["status"].notna().all() and (run.results["status"] != "").all()
    assert (run.out / "results.csv").is_file() and (run.out / "gradebook.csv").is_file()


def test_honest_submissions(run: Run) -> None:
    assert run.status("good") == _all("ok")
    assert sum(run.points("good").values()) == 5
    assert run.status("blank") == _all("failed")
    assert sum(run.points("blank").values()) == 0


def test_infinite_loop_is_interrupted_and_the_rest_graded(run: Run) -> None:
    assert run.status("infinite_loop") == {
        "q1-total": "timeout",
        "q2-by-region": "ok",
        "q3-share": "ok",
    }
    assert "per-cell time limit" in run.message("infinite_loop", "q1-total")


def test_ignored_interrupt_gets_the_kernel_killed(run: Run) -> None:
    assert run.status("ignores_interrupt") == _all("kernel_died")
    assert "did not answer an interrupt" in run.message("ignores_interrupt", "q1-total")


def test_memory_bomb(run: Run) -> None:
    status = run.status("memory_bomb")
    assert status["q1-total"] in ("memory_error", "kernel_died")
    assert run.points("memory_bomb")["q1-total"] == 0
    if status["q1-total"] == "memory_error":
        assert "MemoryError" in run.message("memory_bomb", "q1-total")


def test_os_exit_keeps_the_results_gathered_so_far(run: Run) -> None:
    assert run.status("os_exit") == {
        "q1-total": "ok",
        "q2-by-region": "kernel_died",
        "q3-share": "kernel_died",
    }
    assert "exited with code 3" in run.message("os_exit", "q2-by-region")


def test_sys_exit(run: Run) -> None:
    assert run.status("sys_exit") == {"q1-total": "failed", "q2-by-region": "ok", "q3-share": "ok"}
    assert "SystemExit" in run.message("sys_exit", "q1-total")


def test_print_flood_is_truncated(run: Run) -> None:
    assert run.status("print_flood") == _all("ok")
    assert "output truncated" in run.message("print_flood", "q1-total")


def test_overridden_showtraceback_hides_no_failure(run: Run) -> None:
    assert run.status("showtraceback") == _all("failed")


def test_redefined_helpers_change_nothing(run: Run) -> None:
    assert run.status("redefine_helpers") == {
        "q1-total": "failed",
        "q2-by-region": "ok",
        "q3-share": "failed",
    }
    assert "expected an int, got a str" in run.message("redefine_helpers", "q1-total")


def test_assert_and_eq_tricks_earn_nothing(run: Run) -> None:
    assert run.status("assert_tricks") == {
        "q1-total": "ok",
        "q2-by-region": "ok",
        "q3-share": "failed",
    }
    assert "class Yes (not data the grader can read)" in run.message("assert_tricks", "q3-share")
    assert run.status("always_equal") == {
        "q1-total": "failed",
        "q2-by-region": "failed",
        "q3-share": "ok",
    }
    # an int subclass leaves the kernel as its plain value (0): its __eq__ never runs in the grader


def test_tampering_inside_the_kernel_changes_nothing(run: Run) -> None:
    """Tests run in the grader, with its own built-ins: patching the kernel's is harmless."""
    assert run.status("patched_builtins") == _all("ok")
    assert run.status("settrace") == _all("ok")


def test_test_cells_always_come_from_the_source(run: Run) -> None:
    assert run.status("deleted_test_cell") == _all("ok")
    assert run.status("edited_test_cell") == {
        "q1-total": "ok",
        "q2-by-region": "failed",
        "q3-share": "ok",
    }
    duplicated = run.rows("duplicated_test_cell")
    assert duplicated["status"].to_dict() == _all("ok") and duplicated["points"].sum() == 5


def test_changed_cell_type(run: Run) -> None:
    assert run.status("changed_cell_type") == _all("ok")
    assert "was a markdown cell" in run.message("changed_cell_type", "q2-by-region")


def test_missing_answer_cell(run: Run) -> None:
    assert run.status("missing_answer") == {
        "q1-total": "ok",
        "q2-by-region": "missing_question",
        "q3-share": "ok",
    }


def test_unreadable_and_old_files(run: Run) -> None:
    assert run.status("invalid_json") == _all("invalid_notebook")
    assert "not valid JSON" in run.message("invalid_json", "q1-total")
    assert run.status("nbformat3") == _all("ok")
    assert "converted from notebook format 3" in run.message("nbformat3", "q1-total")
    readme = run.results[run.results["file"] == "README.txt"]
    assert readme["status"].tolist() == ["not_a_notebook"] * 3
    checkpoint = run.results[run.results["file"].str.contains("checkpoint")]
    assert set(checkpoint["status"]) == {"ignored"}


def test_null_byte(run: Run) -> None:
    assert run.status("null_byte") == _all("ok")
    assert "null bytes" in run.message("null_byte", "q1-total")


def test_hidden_tests_cannot_be_read_from_disk(run: Run) -> None:
    assert run.status("read_hidden")["q1-total"] == "failed"  # the bundle is not in the sandbox


def test_input_is_refused(run: Run) -> None:
    assert run.status("input_call")["q1-total"] == "failed"
    assert "StdinNotImplementedError" in run.message("input_call", "q1-total")


def test_writing_outside_is_blocked_and_reported(run: Run) -> None:
    assert run.status("write_outside") == _all("ok")
    assert not run.outside.exists()
    assert "pwned" not in (run.out / "results.csv").read_text(encoding="utf-8")


def test_the_grader_cannot_be_killed(run: Run) -> None:
    """Its parent inside the sandbox is a PID namespace's init, which ignores signals from
    inside: the kill changes nothing, the grader and the kernel both carry on."""
    assert run.status("kill_grader") == _all("ok")
    assert run.status("good") == _all("ok")


def test_forged_results_and_printed_text_do_not_count(run: Run) -> None:
    assert run.status("forge_result")["q3-share"] == "failed"


def test_no_hidden_test_source_in_results_or_feedback(run: Run) -> None:
    hidden = [
        "check_equal(total, 42)",
        'check_equal(by_region["north"], 17)',
        "check_equal(share(3, 12), 0.25)",
    ]
    texts = [(run.out / "results.csv").read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in (run.out / "feedback").rglob("*.md")]
    assert len(texts) > 25
    for text in texts:
        for line in hidden:
            assert line not in text
    feedback = (run.out / "feedback" / "blank" / "tiny.md").read_text(encoding="utf-8")
    assert "- raised an error: `check_type(total, int)`" in feedback
    assert "Hidden tests: 0 passed, 1 failed." in feedback


def test_gradebook(run: Run) -> None:
    book = run.outcome.gradebook.set_index("student")
    assert book.loc["good", "total"] == 5
    assert book.loc["assert_tricks", "tiny/q3-share"] == 0
    assert book.loc["infinite_loop", "total"] == 4
