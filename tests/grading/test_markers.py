"""Marker parsing: regions found, malformed markers named by line."""

from __future__ import annotations

import pytest

from course_utils.grading.markers import (
    HIDDEN,
    SOLUTION,
    MarkerError,
    find_blocks,
    public_and_hidden_segments,
    remove_hidden_tests,
    replace_solutions,
)

PLACEHOLDER = ["# YOUR CODE HERE", "raise NotImplementedError()"]


def test_blocks_are_found_in_order() -> None:
    source = "a = 1\n### BEGIN SOLUTION\nb = 2\n### END SOLUTION\n### BEGIN HIDDEN TESTS\nc\n### END HIDDEN TESTS"
    blocks = find_blocks(source)
    assert [(b.kind, b.begin, b.end) for b in blocks] == [(SOLUTION, 1, 3), (HIDDEN, 4, 6)]


@pytest.mark.parametrize(
    ("source", "line", "words"),
    [
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", 2, "nested"),
        ("### BEGIN HIDDEN TESTS\nx\n### BEGIN SOLUTION", 3, "nested"),
        ("x = 1\n### BEGIN SOLUTION\nx = 2", 2, "unterminated"),
        ("x = 1\n### END SOLUTION", 2, "without a matching"),
        ("### BEGIN SOLUTION\n### END HIDDEN TESTS", 2, "closes"),
        ("x = 1  ### BEGIN SOLUTION", 1, "alone on its line"),
    ],
)
def test_malformed_markers_name_the_line(source: str, line: int, words: str) -> None:
    with pytest.raises(MarkerError) as caught:
        find_blocks(source)
    assert caught.value.line == line
    assert words in str(caught.value)
    assert str(caught.value).startswith(f"line {line}:")


def test_solution_is_replaced_with_its_indentation() -> None:
    source = (
        "def f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\nprint(f(1))"
    )
    assert replace_solutions(source, PLACEHOLDER) == (
        "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\nprint(f(1))"
    )


def test_cell_without_markers_is_replaced_whole() -> None:
    assert replace_solutions("answer = 42", PLACEHOLDER) == "\n".join(PLACEHOLDER)


def test_hidden_tests_are_removed_and_segmented() -> None:
    source = "check(a)\n### BEGIN HIDDEN TESTS\ncheck(b)\n### END HIDDEN TESTS\ncheck(c)"
    assert remove_hidden_tests(source) == "check(a)\ncheck(c)"
    segments = public_and_hidden_segments(source)
    assert [(s.kind, s.text, s.first_line) for s in segments] == [
        ("public", "check(a)", 1),
        ("hidden", "check(b)", 3),
        ("public", "check(c)", 5),
    ]
