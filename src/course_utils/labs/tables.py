"""Input checks shared by the domain helpers: is it a DataFrame, and has it the columns we need?"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd


def require_columns(
    table: object,
    columns: Iterable[str],
    *,
    needed_by: str,
    what: str,
    error: type[Exception],
    expected: str = "a pandas DataFrame",
    hint: str = "",
) -> pd.DataFrame:
    """Return ``table`` if it is a DataFrame holding ``columns``; else raise ``error`` in one line.

    The message names the function that needed the table (``needed_by``), the table (``what``,
    e.g. "time log") and the first missing column with the columns there are; ``hint`` is added.
    """
    if not isinstance(table, pd.DataFrame):
        raise error(f"{needed_by}: expected {expected}, got {type(table).__name__}")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise error(
            f"{needed_by}: the {what} has no column {missing[0]!r} "
            f"(columns are: {', '.join(map(str, table.columns))}){hint}"
        )
    return table
