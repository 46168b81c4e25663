"""Split a time log into strategic and operational work and follow the shares week by week.

A time log is a table with at least an ``activity`` column (what the time went to), an ``hours``
column (non-negative numbers) and, for the weekly views, a ``week`` column -- like the ``time_log``
data set. A *mapping* says which category each activity belongs to, e.g.
``{"brand development": "strategic", "SEO": "operational", "email and admin": "other"}``.
Categories are free text, but :data:`STRATEGIC` and :data:`OPERATIONAL` are the two this
chapter compares. Where an activity belongs is a judgement call; every function takes the mapping
as an argument so that the call stays visible and can be changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from course_utils.labs.tables import require_columns

if TYPE_CHECKING:  # matplotlib is imported when a plot is drawn (it costs a kernel 0.35 s)
    from matplotlib.axes import Axes

__all__ = [
    "OPERATIONAL",
    "STRATEGIC",
    "TimeLogError",
    "classify",
    "hours_by_category",
    "plot_weekly_shares",
    "strategic_share",
    "weekly_shares",
]

STRATEGIC = "strategic"
OPERATIONAL = "operational"
_COLOURS = {STRATEGIC: "#1f6f8b", OPERATIONAL: "#e09f3e", "other": "#9a9a9a"}
_SPARE_COLOURS = ("#6a4c93", "#2a9d8f", "#b56576", "#52796f")


class TimeLogError(ValueError):
    """A time log, mapping or argument the helpers cannot work with; the message says what is wrong."""


def _plain(value: object) -> str:
    """repr() of a value, numpy scalars shown as the Python numbers they hold."""
    item = getattr(value, "item", None)
    return repr(item() if callable(item) else value)


def _require_log(log: object, columns: Sequence[str], needed_by: str) -> pd.DataFrame:
    log = require_columns(log, columns, needed_by=needed_by, what="time log", error=TimeLogError,
                          expected="a pandas DataFrame time log")
    hours = pd.to_numeric(log["hours"], errors="coerce")
    bad = hours.isna() | (hours < 0)
    if bad.any():
        row = log.loc[bad].iloc[0]
        raise TimeLogError(
            f"{needed_by}: row {_plain(log.index[bad.to_numpy()][0])} ({row['activity']!r}) has hours {_plain(row['hours'])}; "
            "hours must be numbers of at least 0"
        )
    return log


def classify(log: pd.DataFrame, mapping: Mapping[str, str], default: str | None = None) -> pd.DataFrame:
    """Return a copy of ``log`` with a ``category`` column looked up from ``mapping`` by activity.

    An activity the mapping does not name is an error that lists every such activity, unless
    ``default`` is given (then it gets that category).
    """
    log = _require_log(log, ("activity", "hours"), "classify")
    if not isinstance(mapping, Mapping):
        raise TimeLogError(f"classify: mapping must be a dict of activity -> category, got {type(mapping).__name__}")
    unmapped = sorted({str(a) for a in log["activity"] if a not in mapping})
    if unmapped and default is None:
        raise TimeLogError(
            f"classify: no category for activity {', '.join(map(repr, unmapped))}; "
            "add it to the mapping or pass default='other'"
        )
    out = log.copy()
    out["hours"] = pd.to_numeric(out["hours"]).astype("float64")
    out["category"] = [str(mapping.get(a, default)) for a in out["activity"]]
    out["category"] = out["category"].astype("str")
    return out


def _category_order(categories: Sequence[str]) -> list[str]:
    first = [c for c in (STRATEGIC, OPERATIONAL) if c in categories]
    return first + sorted(c for c in categories if c not in first)


def hours_by_category(log: pd.DataFrame, mapping: Mapping[str, str], by: str = "week",
                      default: str | None = None) -> pd.DataFrame:
    """Hours per value of ``by`` (default: week) and category, plus a ``total`` column.

    Columns are the categories (strategic and operational first, then the rest alphabetically);
    a category with no hours in a period shows 0.
    """
    _require_log(log, ("activity", "hours", by), "hours_by_category")
    classified = classify(log, mapping, default=default)
    table = classified.pivot_table(index=by, columns="category", values="hours", aggfunc="sum", fill_value=0.0)
    table = table[_category_order(list(table.columns))].astype("float64")
    table.columns.name = None
    table["total"] = table.sum(axis=1)
    return table


def weekly_shares(log: pd.DataFrame, mapping: Mapping[str, str], default: str | None = None) -> pd.DataFrame:
    """Share of each week's logged hours per category (rows sum to 1), index ``week``."""
    hours = hours_by_category(log, mapping, by="week", default=default)
    total = hours.pop("total")
    if (total == 0).any():
        week = total.index[(total == 0).to_numpy()][0]
        raise TimeLogError(f"weekly_shares: week {_plain(week)} has no logged hours, so it has no shares")
    return hours.div(total, axis=0)


def strategic_share(log: pd.DataFrame, mapping: Mapping[str, str], default: str | None = None,
                    exclude: Sequence[str] = ()) -> float:
    """Strategic hours as a share of all logged hours (leaving out the categories in ``exclude``)."""
    classified = classify(log, mapping, default=default)
    kept = classified.loc[~classified["category"].isin(list(exclude))]
    total = float(kept["hours"].sum())
    if total == 0:
        raise TimeLogError("strategic_share: no hours left to share out (empty log or everything excluded)")
    return float(kept.loc[kept["category"] == STRATEGIC, "hours"].sum()) / total


def plot_weekly_shares(shares: pd.DataFrame, ax: Axes | None = None, target: float | None = None,
                       title: str = "Where the week went: strategic vs operational work") -> Axes:
    """Stacked bars of each week's shares (from :func:`weekly_shares`), with an optional target line.

    ``target`` (a share between 0 and 1) draws a dashed line at that strategic share.
    Returns the matplotlib ``Axes`` so that the caller can adjust it.
    """
    if not isinstance(shares, pd.DataFrame) or shares.empty:
        raise TimeLogError("plot_weekly_shares: expected the non-empty DataFrame that weekly_shares() returns")
    if target is not None and not 0 <= target <= 1:
        raise TimeLogError(f"plot_weekly_shares: target must be a share between 0 and 1, got {target!r}")
    if ax is None:
        import matplotlib.pyplot as plt

        _fig, ax = plt.subplots(figsize=(6, 4.2))
    bottom = pd.Series(0.0, index=shares.index)
    positions = range(len(shares.index))
    spare = iter(_SPARE_COLOURS)
    for category in shares.columns:
        colour = _COLOURS.get(category) or next(spare, None)
        ax.bar(positions, shares[category], bottom=bottom, label=category, color=colour, edgecolor="white")
        bottom = bottom + shares[category]
    if target is not None:
        ax.axhline(target, color="black", linestyle="--", linewidth=1, label=f"strategic target ({target:.0%})")
    ax.set_xticks(list(positions), [str(w) for w in shares.index])
    ax.set_xlabel(str(shares.index.name or "week"))
    ax.set_ylabel("share of logged hours")
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(lambda value, _pos: f"{value:.0%}")
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False)
    return ax
