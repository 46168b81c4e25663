"""Results, gradebook and feedback files."""

from __future__ import annotations

import pandas as pd

from course_utils.grading.reports import (
    RESULT_COLUMNS,
    gradebook_frame,
    results_frame,
    summary_frame,
    write_feedback,
)
from course_utils.grading.scoring import PublicTest, QuestionResult, clean


def _row(student, question, points, file, status="ok", max_points=2.0, exercise="tiny"):
    return QuestionResult(student, exercise, question, points, max_points, status, 0.5, "", file)


def _results():
    return [
        _row("bob", "q2-by-region", 0.0, "bob/tiny.ipynb", status="failed"),
        _row("bob", "q1-total", 1.0, "bob/tiny.ipynb", max_points=1.0),
        _row("alice", "q1-total", 0.0, "alice/a.ipynb", status="failed", max_points=1.0),
        _row("alice", "q2-by-region", 2.0, "alice/a.ipynb"),
        _row("alice", "q1-total", 1.0, "alice/b.ipynb", max_points=1.0),
        _row("alice", "q2-by-region", 2.0, "alice/b.ipynb"),
        QuestionResult(
            "zed", "", "", 0.0, 0.0, "unknown_exercise", 0.0, "cannot tell", "zed.ipynb"
        ),
    ]


def test_results_are_long_and_ordered(exercise) -> None:
    frame = results_frame(_results(), {"tiny": exercise})
    assert list(frame.columns) == RESULT_COLUMNS
    assert list(zip(frame["student"], frame["question"], frame["file"], strict=True))[:4] == [
        ("alice", "q1-total", "alice/a.ipynb"),
        ("alice", "q1-total", "alice/b.ipynb"),
        ("alice", "q2-by-region", "alice/a.ipynb"),
        ("alice", "q2-by-region", "alice/b.ipynb"),
    ]


def test_gradebook_takes_the_best_file_and_adds_a_total(exercise) -> None:
    frame = results_frame(_results(), {"tiny": exercise})
    book = gradebook_frame(frame, {"tiny": exercise}).set_index("student")
    assert list(book.columns) == ["tiny/q1-total", "tiny/q2-by-region", "tiny/q3-share", "total"]
    assert book.loc["alice"].tolist() == [1.0, 2.0, 0.0, 3.0]
    assert book.loc["bob", "total"] == 1.0
    assert book.loc["zed", "total"] == 0.0
    other = frame[frame["student"] == "zed"]
    assert list(gradebook_frame(other, {"tiny": exercise}).columns) == ["student", "total"]


def test_summary_counts_statuses(exercise) -> None:
    summary = summary_frame(results_frame(_results(), {"tiny": exercise})).set_index("exercise")
    assert summary.loc["tiny", "notebooks"] == 3
    assert summary.loc["tiny", "failed"] == 2
    assert summary.loc["(unknown)", "unknown_exercise"] == 1


def test_feedback_shows_public_tests_and_only_counts_of_hidden(tmp_path) -> None:
    result = _row("alice", "q1-total", 0.0, "alice/a.ipynb", status="failed", max_points=1.0)
    result.public_tests = [
        PublicTest("check_type(total, int)", "failed", "value: expected an int, got a str")
    ]
    result.hidden_failed, result.hidden_passed = 2, 1
    result.message = "public test failed"
    [path] = write_feedback([result], tmp_path)
    text = path.read_text(encoding="utf-8")
    assert path == tmp_path / "alice" / "tiny.md"
    assert "- failed: `check_type(total, int)`: value: expected an int, got a str" in text
    assert "Hidden tests: 1 passed, 2 failed." in text
    assert "**Score: 0 / 1**" in text


def test_clean_redacts_hidden_lines_and_control_characters() -> None:
    text = clean("boom\x00 check_equal(total, 42) \nend", ["check_equal(total, 42)"])
    assert text == "boom  [hidden test]  end"
    assert len(clean("x" * 5000)) == 1000


def test_empty_summary() -> None:
    assert summary_frame(pd.DataFrame(columns=RESULT_COLUMNS)).empty
