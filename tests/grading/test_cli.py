"""The ``course assign/check/grade`` subcommands: help and one-line errors."""

from __future__ import annotations

import nbformat
import pytest

from course_utils.cli import build_parser, main


def test_course_help_lists_the_grading_commands(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("assign", "check", "grade"):
        assert command in out


@pytest.mark.parametrize("command", ["assign", "check", "grade"])
def test_each_command_has_help(command, capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        main([command, "--help"])
    assert caught.value.code == 0
    assert "usage: course " + command in capsys.readouterr().out


def test_grade_defaults() -> None:
    args = build_parser().parse_args(["grade", "dist", "subs"])
    assert args.jobs >= 1 and str(args.out) == "grades" and callable(args.func)


def test_assign_writes_files(tmp_path, source_nb, capsys) -> None:
    nbformat.write(source_nb, tmp_path / "tiny.ipynb")
    assert main(["assign", str(tmp_path / "tiny.ipynb"), "--out", str(tmp_path / "dist")]) == 0
    assert (tmp_path / "dist" / "student" / "tiny.ipynb").is_file()
    assert (tmp_path / "dist" / "autograder" / "tiny.json").is_file()


def test_assign_reports_a_bad_source_in_one_line(tmp_path, source_nb, capsys) -> None:
    source_nb.cells[4].metadata["nbgrader"].pop("points")
    nbformat.write(source_nb, tmp_path / "tiny.ipynb")
    assert main(["assign", str(tmp_path), "--out", str(tmp_path / "dist")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert (
        err.startswith("course assign: error: ") and "tiny.ipynb: cell 'q1-total-tests' (#5)" in err
    )
    assert not (tmp_path / "dist").exists()


def test_grade_reports_missing_bundles(tmp_path, capsys) -> None:
    assert (
        main(["grade", str(tmp_path), str(tmp_path), "--out", str(tmp_path / "g"), "--no-progress"])
        == 1
    )
    assert "no autograder bundles" in capsys.readouterr().err
