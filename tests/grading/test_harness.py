"""Grader side of the harness: statements, assert rewriting, result parsing."""

from __future__ import annotations

import ast
import builtins

from course_utils.grading.harness import (
    RESULT_MIME,
    compile_test_cell,
    expected_builtins,
    parse_result,
    wrapped_test_cell,
)

TOKEN = "0123abcd"
SOURCE = """import math
check_type(total, int)
assert total == 42, "the total"
assert isinstance(total, int) and total > 0
assert not broken
### BEGIN HIDDEN TESTS
check_equal(total, 42)
### END HIDDEN TESTS"""


def test_statements_are_split_and_classified() -> None:
    statements = compile_test_cell(SOURCE)
    assert [(s.kind, s.is_test) for s in statements] == [
        ("public", False),
        ("public", True),
        ("public", True),
        ("public", True),
        ("public", True),
        ("hidden", True),
    ]
    assert statements[2].text == 'assert total == 42, "the total"'


def test_asserts_become_type_checked_calls() -> None:
    codes = [s.code for s in compile_test_cell(SOURCE)]
    assert codes[2] == "__course_compare__(total, '==', 42, 'total == 42')"
    assert "__course_assert__(isinstance(total, int), 'isinstance(total, int)')" in codes[3]
    assert "__course_compare__(total, '>', 0, 'total > 0')" in codes[3]
    assert codes[4] == "check_false(broken, 'assertion failed: not broken')"
    for code in codes:
        assert not any(isinstance(node, ast.Assert) for node in ast.walk(ast.parse(code)))


def test_expected_builtins_are_real_and_not_aliases() -> None:
    names = dict(expected_builtins())
    assert names["len"] == "f" and names["isinstance"] == "f" and names["ValueError"] == "c"
    assert "IOError" not in names and "input" not in names
    assert all(getattr(builtins, name).__name__ == name for name in names)


def test_wrapped_cell_renames_the_harness_with_the_token() -> None:
    code = wrapped_test_cell(TOKEN, "q1", compile_test_cell(SOURCE))
    ast.parse(code)
    assert f"def __course_run_{TOKEN}(" in code
    assert "def run_tests(" not in code
    assert RESULT_MIME in code


def _payload(**changes):
    payload = {"token": TOKEN, "question": "q1", "results": [["public", "passed", ""]], "problems": []}
    payload.update(changes)
    return payload


def test_result_needs_the_token_and_the_question() -> None:
    assert parse_result([_payload()], TOKEN, "q1").passed
    assert parse_result([], TOKEN, "q1") is None
    forged = parse_result([_payload(token="guess")], TOKEN, "q1")
    assert forged is not None and not forged.passed and "without the run's token" in forged.problems[0]
    other_question = parse_result([_payload(question="q2")], TOKEN, "q1")
    assert other_question is not None and not other_question.passed


def test_duplicated_or_failed_results_do_not_pass() -> None:
    twice = parse_result([_payload(), _payload()], TOKEN, "q1")
    assert twice is not None and not twice.passed and "more than one" in twice.problems[0]
    failed = parse_result([_payload(results=[["hidden", "failed", "x"]])], TOKEN, "q1")
    assert failed is not None and not failed.passed
    malformed = parse_result([_payload(results=[["public", "passed"]])], TOKEN, "q1")
    assert malformed is not None and not malformed.passed
