"""Take stock of a martech stack: shadow IT, spend per department, duplicate tools, licence use.

Works on any table shaped like the ``martech_stack`` data set (one row per tool). Each function
checks that the columns it needs are there and raises :class:`StackInventoryError` with a
one-line message naming the function and the missing or bad column otherwise.

Shadow IT follows Gartner's definition (Mingay, 2014): IT acquired, developed or operated
*outside the control of the formal IT organisation*. In an inventory that means: not approved
by IT. Who paid is recorded separately (``procured_by``) because paying from a department budget
does not by itself make a tool shadow IT.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from course_utils.labs.tables import require_columns

__all__ = [
    "GARTNER_CAPABILITY_UTILISATION",
    "REQUIRED_COLUMNS",
    "StackInventoryError",
    "UtilisationResult",
    "compare_with_benchmark",
    "duplicate_categories",
    "flag_shadow_it",
    "licence_utilisation",
    "shadow_it_share",
    "spend_by_department",
]

REQUIRED_COLUMNS = (
    "tool",
    "category",
    "owning_department",
    "approved_by_it",
    "annual_cost_eur",
    "licences",
    "active_users",
)

#: Share of their martech stacks' *capabilities* that organisations used, as reported by Gartner
#: (bib key ``gartner_utilisation2023``). Not licence seats: a rough point of comparison only.
GARTNER_CAPABILITY_UTILISATION: dict[str, float] = {
    "Gartner 2020 (capabilities)": 0.58,
    "Gartner 2022 (capabilities)": 0.42,
    "Gartner 2023 (capabilities)": 0.33,
}


class StackInventoryError(ValueError):
    """An inventory table or argument the helpers cannot work with; the message says what is wrong."""


def _require(inventory: object, columns: Iterable[str], needed_by: str) -> pd.DataFrame:
    """Check that ``inventory`` is a DataFrame with ``columns`` of usable types; return it."""
    columns = list(columns)
    inventory = require_columns(inventory, columns, needed_by=needed_by, what="inventory",
                                error=StackInventoryError, expected="a pandas DataFrame of tools")
    if inventory.empty:
        raise StackInventoryError(f"{needed_by}: the inventory has no rows")
    for column in columns:
        values = inventory[column]
        if values.isna().any():
            row = values[values.isna()].index[0]
            raise StackInventoryError(f"{needed_by}: column {column!r} is empty in row {row!r}")
        if column == "approved_by_it" and not pd.api.types.is_bool_dtype(values):
            raise StackInventoryError(
                f"{needed_by}: column 'approved_by_it' must hold True/False, got {values.dtype}"
            )
        if column in ("annual_cost_eur", "licences", "active_users"):
            if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
                raise StackInventoryError(
                    f"{needed_by}: column {column!r} must be numeric, got {values.dtype}"
                )
            if (values < 0).any():
                row = values[values < 0].index[0]
                raise StackInventoryError(
                    f"{needed_by}: column {column!r} is negative in row {row!r} ({values[row]})"
                )
    return inventory


def flag_shadow_it(inventory: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``inventory`` with a boolean ``shadow_it`` column (not approved by IT)."""
    _require(inventory, ["tool", "approved_by_it"], "flag_shadow_it")
    flagged = inventory.copy()
    flagged["shadow_it"] = ~flagged["approved_by_it"].astype(bool)
    return flagged


def shadow_it_share(inventory: pd.DataFrame, by: str = "tools") -> float:
    """Share (0-1) of the stack that is shadow IT, counted in ``"tools"`` or weighted by ``"spend"``.

    >>> frame = pd.DataFrame({"tool": ["A", "B"], "approved_by_it": [True, False],
    ...                       "annual_cost_eur": [300, 100]})
    >>> shadow_it_share(frame), shadow_it_share(frame, by="spend")
    (0.5, 0.25)
    """
    if by not in ("tools", "spend"):
        raise StackInventoryError(f"shadow_it_share: by must be 'tools' or 'spend', got {by!r}")
    columns = ["tool", "approved_by_it"] + (["annual_cost_eur"] if by == "spend" else [])
    _require(inventory, columns, "shadow_it_share")
    shadow = ~inventory["approved_by_it"].astype(bool)
    if by == "tools":
        return float(shadow.mean())
    total = inventory["annual_cost_eur"].sum()
    if total == 0:
        raise StackInventoryError("shadow_it_share: the inventory's total annual_cost_eur is 0")
    return float(inventory.loc[shadow, "annual_cost_eur"].sum() / total)


def spend_by_department(inventory: pd.DataFrame) -> pd.DataFrame:
    """Tools and yearly spend per owning department, split into IT-approved and shadow IT.

    Columns: ``tools``, ``shadow_tools``, ``annual_cost_eur``, ``approved_cost_eur``,
    ``shadow_cost_eur``, ``shadow_share_of_spend`` (0-1) and ``share_of_total_spend`` (0-1);
    one row per department, largest spender first.
    """
    _require(
        inventory, ["tool", "owning_department", "approved_by_it", "annual_cost_eur"],
        "spend_by_department",
    )
    frame = flag_shadow_it(inventory)
    frame["shadow_cost_eur"] = frame["annual_cost_eur"].where(frame["shadow_it"], 0)
    table = frame.groupby("owning_department", sort=True).agg(
        tools=("tool", "size"),
        shadow_tools=("shadow_it", "sum"),
        annual_cost_eur=("annual_cost_eur", "sum"),
        shadow_cost_eur=("shadow_cost_eur", "sum"),
    )
    table["approved_cost_eur"] = table["annual_cost_eur"] - table["shadow_cost_eur"]
    spend = table["annual_cost_eur"].astype(float)
    table["shadow_share_of_spend"] = (table["shadow_cost_eur"] / spend.where(spend > 0)).fillna(0.0)
    table["share_of_total_spend"] = spend / spend.sum() if spend.sum() > 0 else 0.0
    table = table[
        ["tools", "shadow_tools", "annual_cost_eur", "approved_cost_eur", "shadow_cost_eur",
         "shadow_share_of_spend", "share_of_total_spend"]
    ].astype({"tools": "int64", "shadow_tools": "int64"})
    table.index.name = "owning_department"
    return table.sort_values(["annual_cost_eur"], ascending=False, kind="stable")


def duplicate_categories(inventory: pd.DataFrame, min_tools: int = 2) -> pd.DataFrame:
    """Categories in which the company pays for at least ``min_tools`` tools.

    One row per such category (most tools first, then by name) with ``tools`` (count),
    ``tool_names`` (sorted, comma-separated), ``departments`` (how many different owning
    departments bought one), ``shadow_tools`` and ``annual_cost_eur``.
    """
    if not isinstance(min_tools, (int, np.integer)) or isinstance(min_tools, bool) or min_tools < 2:
        raise StackInventoryError(
            f"duplicate_categories: min_tools must be a whole number of at least 2, got {min_tools!r}"
        )
    _require(
        inventory, ["tool", "category", "owning_department", "approved_by_it", "annual_cost_eur"],
        "duplicate_categories",
    )
    frame = flag_shadow_it(inventory)
    table = frame.groupby("category", sort=True).agg(
        tools=("tool", "size"),
        tool_names=("tool", lambda names: ", ".join(sorted(map(str, names)))),
        departments=("owning_department", "nunique"),
        shadow_tools=("shadow_it", "sum"),
        annual_cost_eur=("annual_cost_eur", "sum"),
    )
    table = table[table["tools"] >= min_tools].astype({"tools": "int64", "shadow_tools": "int64"})
    table = table.reset_index().sort_values(["tools", "category"], ascending=[False, True])
    return table.reset_index(drop=True)


@dataclass(frozen=True)
class UtilisationResult:
    """Licence utilisation of a stack: per tool, and overall (all active users / all licences)."""

    per_tool: pd.DataFrame
    overall: float
    unused_licences: int
    unused_licence_cost_eur: float


def licence_utilisation(inventory: pd.DataFrame) -> UtilisationResult:
    """Active users per licence, for each tool and for the whole stack.

    ``per_tool`` has the columns ``tool``, ``category``, ``owning_department``,
    ``approved_by_it``, ``licences``, ``active_users``, ``utilisation`` (0-1),
    ``unused_licences`` and ``unused_cost_eur`` (the cost share of the idle seats), least used
    first. ``overall`` is the seat-weighted utilisation: all active users divided by all licences.
    """
    _require(inventory, REQUIRED_COLUMNS, "licence_utilisation")
    if (inventory["licences"] == 0).any():
        row = inventory.index[inventory["licences"] == 0][0]
        raise StackInventoryError(
            f"licence_utilisation: tool {inventory.at[row, 'tool']!r} has 0 licences"
        )
    over = inventory["active_users"] > inventory["licences"]
    if over.any():
        row = inventory.index[over][0]
        raise StackInventoryError(
            f"licence_utilisation: tool {inventory.at[row, 'tool']!r} has more active users "
            f"({inventory.at[row, 'active_users']}) than licences ({inventory.at[row, 'licences']})"
        )
    per_tool = inventory[
        ["tool", "category", "owning_department", "approved_by_it", "licences", "active_users",
         "annual_cost_eur"]
    ].copy()
    per_tool["utilisation"] = per_tool["active_users"] / per_tool["licences"]
    per_tool["unused_licences"] = per_tool["licences"] - per_tool["active_users"]
    per_tool["unused_cost_eur"] = per_tool["annual_cost_eur"] * (1 - per_tool["utilisation"])
    per_tool = per_tool.sort_values(["utilisation", "tool"], kind="stable").reset_index(drop=True)
    return UtilisationResult(
        per_tool=per_tool,
        overall=float(inventory["active_users"].sum() / inventory["licences"].sum()),
        unused_licences=int(per_tool["unused_licences"].sum()),
        unused_licence_cost_eur=float(per_tool["unused_cost_eur"].sum()),
    )


def compare_with_benchmark(utilisation: float, benchmarks: Mapping[str, float]) -> pd.DataFrame:
    """Set one utilisation figure (0-1) beside named reference figures (0-1).

    Returns one row per benchmark with ``benchmark``, ``benchmark_value``, ``ours``,
    ``difference_points`` (ours minus benchmark, in percentage points) and ``ours_is_higher``.
    Use :data:`GARTNER_CAPABILITY_UTILISATION` as ``benchmarks`` to compare with Gartner's
    reported figures -- remembering that Gartner measured the use of stack *capabilities*, not
    of licence seats, so the comparison is a rough orientation, not a like-for-like test.
    """
    if (
        not isinstance(utilisation, (int, float, np.integer, np.floating))
        or isinstance(utilisation, bool)
        or not 0 <= float(utilisation) <= 1
    ):
        raise StackInventoryError(
            f"compare_with_benchmark: utilisation must be a number from 0 to 1, got {utilisation!r}"
        )
    if not isinstance(benchmarks, Mapping) or not benchmarks:
        raise StackInventoryError(
            "compare_with_benchmark: benchmarks must be a non-empty mapping of label to share (0-1)"
        )
    rows = []
    for label, value in benchmarks.items():
        if (
            not isinstance(value, (int, float, np.integer, np.floating))
            or isinstance(value, bool)
            or not 0 <= float(value) <= 1
        ):
            raise StackInventoryError(
                f"compare_with_benchmark: benchmark {label!r} must be a share from 0 to 1, "
                f"got {value!r}"
            )
        ours = float(utilisation)
        rows.append((str(label), float(value), ours, round((ours - float(value)) * 100, 1),
                     ours > float(value)))
    return pd.DataFrame(
        rows,
        columns=["benchmark", "benchmark_value", "ours", "difference_points", "ours_is_higher"],
    )
