"""The type-checked test helpers: look-alikes earn nothing, honest answers pass."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from course_utils.grading import checks
from course_utils.grading.checks import (
    CheckFailure,
    check_close,
    check_columns,
    check_equal,
    check_false,
    check_true,
    check_type,
)


class AlwaysEqual:
    """The classic cheat: equal to everything, true, and hashable like anything."""

    def __eq__(self, other: object) -> bool:
        return True

    def __bool__(self) -> bool:
        return True

    def __hash__(self) -> int:
        return hash("north")


class SneakyInt(int):
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = int.__hash__


FRAME = pd.DataFrame({"region": ["north", "south"], "units": [17, 13]})


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        (3, 3),
        (3, 3.0),
        (np.int64(3), 3),
        (0.1 + 0.2, 0.3),
        (np.float64(2.5), 2.5),
        ("north", "north"),
        (None, None),
        (True, True),
        (np.bool_(True), True),
        ([1, "a", 2.0], [1, "a", 2]),
        ({"top": 1.0, "rest": 2.0}, {"top": 1, "rest": 2}),
        ({"a", "b"}, {"b", "a"}),
        (FRAME.copy(), FRAME),
        (FRAME.assign(units=[17.0, 13.0]), FRAME),
        (FRAME.set_index("region")["units"], pd.Series([17, 13], index=["north", "south"])),
        (np.array([1, 2]), np.array([1.0, 2.0])),
        (pd.Index(["a"]), pd.Index(["a"])),
    ],
)
def test_equal_values_pass(actual, expected) -> None:
    check_equal(actual, expected)


@pytest.mark.parametrize(
    ("actual", "expected", "words"),
    [
        (AlwaysEqual(), 3, "got an object of class AlwaysEqual"),
        (AlwaysEqual(), "north", "expected a string"),
        (SneakyInt(2), 3, "got an object of class SneakyInt"),
        (True, 1, "expected a number"),
        (1, True, "expected True or False"),
        ("3", 3, "expected a number, got a str"),
        ((1, 2), [1, 2], "expected a list, got a tuple"),
        ([1, 2], [1, 2, 3], "expected 3 items"),
        ({"a": 1}, {"a": 2}, "value['a']: expected 2, got 1"),
        ({AlwaysEqual(): 1}, {"north": 1}, "unexpected key"),
        ({AlwaysEqual()}, {"north"}, "unexpected item"),
        (FRAME.assign(units=[17, 14]), FRAME, "value['units'] row 1: expected 13, got 14"),
        (
            FRAME.assign(region=["north", AlwaysEqual()]),
            FRAME,
            "got an object of class AlwaysEqual",
        ),
        (FRAME[["units", "region"]], FRAME, "columns"),
        (FRAME.iloc[::-1], FRAME, "row labels"),
        (AlwaysEqual(), FRAME, "expected a DataFrame"),
        (pd.Series([17, 13]), pd.Series([17, 13], index=["north", "south"]), "labels"),
        (0.31, 0.3, "expected 0.3, got 0.31"),
        (float("nan"), 1.0, "expected 1.0, got nan"),
    ],
)
def test_look_alikes_and_wrong_values_fail(actual, expected, words) -> None:
    with pytest.raises(CheckFailure) as caught:
        check_equal(actual, expected)
    assert words in str(caught.value)


def test_ignore_index_and_tolerances() -> None:
    check_equal(FRAME.iloc[::-1].iloc[::-1].set_axis([5, 6]), FRAME, ignore_index=True)
    check_close(0.301, 0.3)
    with pytest.raises(CheckFailure):
        check_equal(0.301, 0.3)
    check_equal(float("nan"), float("nan"))


def test_check_type_is_exact_but_accepts_numpy_numbers() -> None:
    check_type(np.int64(1), int)
    check_type(np.float32(1), float)
    check_type(FRAME, pd.DataFrame)
    check_type(1, (int, float))
    for actual, wanted in [(True, int), (SneakyInt(1), int), (FRAME, pd.Series), (1, float)]:
        with pytest.raises(CheckFailure, match="expected"):
            check_type(actual, wanted)


def test_check_true_wants_a_genuine_bool() -> None:
    check_true(True)
    check_true(np.bool_(True))
    check_false(False)
    with pytest.raises(
        CheckFailure, match="expected True or False, got an object of class AlwaysEqual"
    ):
        check_true(AlwaysEqual())
    with pytest.raises(CheckFailure, match="expected True or False"):
        check_true(1)
    with pytest.raises(CheckFailure, match="not true"):
        check_true(False)


def test_check_columns() -> None:
    check_columns(FRAME, ["units"])
    with pytest.raises(CheckFailure, match="missing column"):
        check_columns(FRAME, ["units", "cost"])
    with pytest.raises(CheckFailure, match="expected a DataFrame"):
        check_columns(AlwaysEqual(), ["units"])


@pytest.mark.parametrize(
    ("left", "op", "right", "holds"),
    [
        (3, "==", 3.0, True),
        (AlwaysEqual(), "==", 3, False),
        (2, "!=", 3, True),
        (2, "<", 3, True),
        (AlwaysEqual(), ">", 0, None),
        ("a", "in", ["a", "b"], True),
        (AlwaysEqual(), "in", ["a"], False),
        ("a", "in", AlwaysEqual(), None),
        (None, "is", None, True),
    ],
)
def test_rewritten_assert_comparisons(left, op, right, holds) -> None:
    if holds:
        checks._assert_compare(left, op, right, "text")
    else:
        with pytest.raises(CheckFailure, match="assertion failed: text"):
            checks._assert_compare(left, op, right, "text")
