"""The shared input check of the domain helpers."""

from __future__ import annotations

import pandas as pd
import pytest

from course_utils.labs.tables import require_columns


class TableError(ValueError):
    pass


def test_returns_the_table_when_columns_are_there() -> None:
    table = pd.DataFrame({"a": [1], "b": [2]})
    assert require_columns(table, ["a"], needed_by="f", what="demo table", error=TableError) is table


def test_names_function_table_first_missing_column_and_hint() -> None:
    table = pd.DataFrame({"a": [1]})
    with pytest.raises(TableError) as caught:
        require_columns(table, ["a", "x", "y"], needed_by="f", what="demo table", error=TableError,
                        hint="; see docs")
    assert str(caught.value) == "f: the demo table has no column 'x' (columns are: a); see docs"


def test_rejects_something_that_is_not_a_dataframe() -> None:
    with pytest.raises(TableError, match=r"^f: expected a list of rows, got dict$"):
        require_columns({"a": [1]}, ["a"], needed_by="f", what="demo table", error=TableError,
                        expected="a list of rows")
