"""Correlations with and without a confounder, and the links of the service-profit chain.

The helpers work on any table with one row per unit (say a store) and numeric columns, and were
written for the synthetic ``store_experience`` data set:

* :func:`chain_links` lists the links of the service-profit chain (Heskett et al., 1994);
* :func:`correlation_table` gives Pearson correlations for every pair of columns, optionally per group;
* :func:`within_group_correlations` compares the pooled correlation of two columns with the one
  inside each group, and :func:`pooled_vs_within` sums that comparison up in three numbers;
* :func:`compare_adjustment` fits a least-squares line with and without the confounder (numpy only);
* :func:`scatter_by_group` plots the points coloured by group, with a fit line per group.

Missing values are left out pair by pair; ``n`` always says how many rows a number rests on.
A correlation needs at least :data:`MIN_ROWS` rows with some spread, otherwise it is ``NaN``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

__all__ = [
    "CHAIN_LINKS",
    "MIN_ROWS",
    "Fit",
    "ServiceProfitError",
    "chain_links",
    "compare_adjustment",
    "correlation_table",
    "fit_line",
    "pooled_vs_within",
    "require_columns",
    "scatter_by_group",
    "within_group_correlations",
]

MIN_ROWS = 3
POOLED_LABEL = "all (pooled)"

# (link, what it means, a column of store_experience that stands in for it, or "")
# The six links as chapter 5 lists them (Heskett et al., 1994).
CHAIN_LINKS: tuple[tuple[str, str, str], ...] = (
    (
        "internal service quality",
        "the tools, training, support and workplace that employees get from the company",
        "",
    ),
    ("employee satisfaction", "how content and committed employees are", "engagement"),
    (
        "employee loyalty and productivity",
        "employees who stay and who serve customers well",
        "staff_turnover_pct",
    ),
    ("service value", "what customers get from the service for what they give", ""),
    (
        "customer satisfaction and loyalty",
        "customers whose expectations are met and who come back (only satisfaction is measured here)",
        "satisfaction",
    ),
    ("profit", "the financial result (sales per m² stands in; profit itself is not measured)", "sales_per_m2"),
)


class ServiceProfitError(ValueError):
    """A table or argument the helpers cannot work with; the message says what is wrong."""


@dataclass(frozen=True)
class Fit:
    """A least-squares line ``y ~ intercept + slope * x (+ confounder terms)``."""

    y: str
    x: str
    confounder: str | None
    intercept: float
    slope: float
    r_squared: float
    n: int
    coefficients: dict[str, float]


def chain_links() -> pd.DataFrame:
    """The links of the service-profit chain in order, with a stand-in column where there is one.

    Columns: ``step`` (1, 2, ...), ``link``, ``meaning`` and ``store_experience_column`` (the column
    of the synthetic ``store_experience`` data that plays this link's part, or ``""``).
    """
    return pd.DataFrame(
        [
            {"step": i, "link": link, "meaning": meaning, "store_experience_column": column}
            for i, (link, meaning, column) in enumerate(CHAIN_LINKS, start=1)
        ]
    )


def require_columns(
    df: pd.DataFrame, columns: Sequence[str], *, numeric: Sequence[str] = (), table: str = "table"
) -> None:
    """Raise :class:`ServiceProfitError` if ``df`` lacks a column or a ``numeric`` one is not numeric."""
    if not isinstance(df, pd.DataFrame):
        raise ServiceProfitError(f"{table}: expected a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ServiceProfitError(
            f"{table}: missing column(s) {', '.join(repr(c) for c in missing)}; "
            f"available: {', '.join(repr(str(c)) for c in df.columns)}"
        )
    for column in numeric:
        if not pd.api.types.is_numeric_dtype(df[column]) or pd.api.types.is_bool_dtype(df[column]):
            raise ServiceProfitError(
                f"{table}: column {column!r} must be numeric, got dtype {df[column].dtype}"
            )


def _pearson(x: pd.Series, y: pd.Series) -> tuple[float, int]:
    """Pearson r of the rows where both are present, and that number of rows (NaN if undefined)."""
    both = pd.concat([x, y], axis=1).dropna().to_numpy(dtype=float)
    n = len(both)
    if n < MIN_ROWS:
        return float("nan"), n
    xs, ys = both[:, 0] - both[:, 0].mean(), both[:, 1] - both[:, 1].mean()
    denominator = float(np.sqrt((xs**2).sum() * (ys**2).sum()))
    if denominator == 0.0:
        return float("nan"), n
    return float((xs * ys).sum() / denominator), n


def _slope(x: pd.Series, y: pd.Series) -> float:
    both = pd.concat([x, y], axis=1).dropna().to_numpy(dtype=float)
    if len(both) < 2 or np.ptp(both[:, 0]) == 0:
        return float("nan")
    return float(np.polyfit(both[:, 0], both[:, 1], 1)[0])


def _groups(df: pd.DataFrame, group: str) -> list[tuple[object, pd.DataFrame]]:
    """Groups in their natural order (category order, else sorted), empty groups left out."""
    return [(name, part) for name, part in df.groupby(group, observed=True, sort=True) if len(part)]


def correlation_table(
    df: pd.DataFrame, columns: Sequence[str], by: str | None = None, *, table: str = "table"
) -> pd.DataFrame:
    """Pearson r for every pair of ``columns``, one row per pair (and per group of ``by``).

    Columns of the result: (``by``,) ``x``, ``y``, ``n``, ``r``; a categorical ``by`` column keeps
    its categories and their order.
    """
    columns = list(columns)
    if len(columns) < 2:
        raise ServiceProfitError(f"{table}: correlation_table needs at least two columns, got {columns}")
    if len(set(columns)) != len(columns):
        raise ServiceProfitError(f"{table}: correlation_table got a column twice: {columns}")
    require_columns(df, columns + ([by] if by else []), numeric=columns, table=table)
    parts = _groups(df, by) if by else [(None, df)]
    rows = []
    for name, part in parts:
        for x, y in combinations(columns, 2):
            r, n = _pearson(part[x], part[y])
            row = {by: name} if by else {}
            rows.append({**row, "x": x, "y": y, "n": n, "r": r})
    result = pd.DataFrame(rows, columns=([by] if by else []) + ["x", "y", "n", "r"])
    if by and isinstance(df[by].dtype, pd.CategoricalDtype):
        result[by] = result[by].astype(df[by].dtype)  # keep the groups' order (small < large)
    return result


def within_group_correlations(
    df: pd.DataFrame, x: str, y: str, group: str, *, table: str = "table"
) -> pd.DataFrame:
    """Correlation and fitted slope of ``y`` on ``x`` in each group, plus a pooled row at the end.

    Index: the group names and ``"all (pooled)"``; columns ``n``, ``r``, ``slope``.
    """
    if x == y:
        raise ServiceProfitError(f"{table}: x and y are the same column ({x!r})")
    require_columns(df, [x, y, group], numeric=[x, y], table=table)
    rows = {}
    for name, part in _groups(df, group) + [(POOLED_LABEL, df)]:
        r, n = _pearson(part[x], part[y])
        rows[str(name)] = {"n": n, "r": r, "slope": _slope(part[x], part[y])}
    result = pd.DataFrame.from_dict(rows, orient="index")
    result.index.name = group
    return result


def pooled_vs_within(df: pd.DataFrame, x: str, y: str, group: str, *, table: str = "table") -> dict:
    """Sum up how the pooled correlation of ``x`` and ``y`` differs from the one inside the groups.

    Returns ``pooled_r`` (all rows together), ``within_r`` (the correlation after subtracting each
    group's mean from ``x`` and ``y``: what is left once group differences are removed) and
    ``sign_flip`` (True when the two have opposite signs).
    """
    if x == y:
        raise ServiceProfitError(f"{table}: x and y are the same column ({x!r})")
    require_columns(df, [x, y, group], numeric=[x, y], table=table)
    data = df[[x, y, group]].dropna()
    pooled_r, _ = _pearson(data[x], data[y])
    centred = data[[x, y]] - data.groupby(group, observed=True)[[x, y]].transform("mean")
    within_r, _ = _pearson(centred[x], centred[y])
    flip = bool(np.sign(pooled_r) * np.sign(within_r) < 0)
    return {"pooled_r": pooled_r, "within_r": within_r, "sign_flip": flip}


def fit_line(
    df: pd.DataFrame, y: str, x: str, confounder: str | None = None, *, table: str = "table"
) -> Fit:
    """Least-squares fit of ``y`` on ``x``, optionally holding ``confounder`` constant.

    A numeric confounder enters as one more column; any other (e.g. a category such as store size)
    enters as one 0/1 column per level except the first. The ``slope`` is always the coefficient
    of ``x``. Rows with a missing value in any used column are left out.
    """
    if x == y or confounder in (x, y):
        raise ServiceProfitError(f"{table}: y, x and confounder must be three different columns")
    used = [y, x] + ([confounder] if confounder else [])
    require_columns(df, used, numeric=[y, x], table=table)
    data = df[used].dropna()
    design = pd.DataFrame({"intercept": 1.0, x: data[x].astype(float)}, index=data.index)
    if confounder:
        values = data[confounder]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            design[confounder] = values.astype(float)
        else:
            dummies = pd.get_dummies(values, prefix=confounder, drop_first=True, dtype=float)
            design = design.join(dummies.loc[:, dummies.sum() > 0])
    if len(data) <= design.shape[1]:
        raise ServiceProfitError(
            f"{table}: {len(data)} complete rows are too few to fit {design.shape[1]} coefficients"
        )
    matrix, target = design.to_numpy(dtype=float), data[y].to_numpy(dtype=float)
    coefficients, _, rank, _ = np.linalg.lstsq(matrix, target, rcond=None)
    if rank < matrix.shape[1]:
        raise ServiceProfitError(
            f"{table}: cannot separate {x!r} from {confounder!r} (the columns are collinear)"
        )
    residuals = target - matrix @ coefficients
    total = float(((target - target.mean()) ** 2).sum())
    r_squared = 1.0 - float((residuals**2).sum()) / total if total > 0 else float("nan")
    named = {name: float(value) for name, value in zip(design.columns, coefficients, strict=True)}
    return Fit(
        y=y,
        x=x,
        confounder=confounder,
        intercept=named["intercept"],
        slope=named[x],
        r_squared=r_squared,
        n=len(data),
        coefficients=named,
    )


def compare_adjustment(
    df: pd.DataFrame, y: str, x: str, confounder: str, *, table: str = "table"
) -> pd.DataFrame:
    """The slope of ``y`` on ``x`` without and with ``confounder`` in the model, side by side.

    Index ``without <confounder>`` and ``with <confounder>``; columns ``slope``, ``r_squared``, ``n``.
    """
    fits = {
        f"without {confounder}": fit_line(df, y, x, table=table),
        f"with {confounder}": fit_line(df, y, x, confounder, table=table),
    }
    result = pd.DataFrame(
        {name: {"slope": f.slope, "r_squared": f.r_squared, "n": f.n} for name, f in fits.items()}
    ).T
    result["n"] = result["n"].astype("int64")
    result.index.name = "model"
    return result


def scatter_by_group(
    df: pd.DataFrame,
    x: str,
    y: str,
    group: str,
    *,
    ax=None,
    pooled_line: bool = True,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    table: str = "table",
):
    """Scatter ``y`` against ``x``, one colour and marker per group, with a fit line per group.

    With ``pooled_line`` a dashed black line shows the fit through all points. Returns the Axes.
    """
    import matplotlib.pyplot as plt

    require_columns(df, [x, y, group], numeric=[x, y], table=table)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.5))
    markers = ("o", "s", "^", "D", "v", "P", "X")
    colours = ("#1f77b4", "#d95f02", "#7570b3", "#1b9e77", "#e7298a", "#66a61e", "#a6761d")
    for i, (name, part) in enumerate(_groups(df, group)):
        part = part[[x, y]].dropna()
        colour = colours[i % len(colours)]
        ax.scatter(part[x], part[y], s=22, alpha=0.75, color=colour,
                   marker=markers[i % len(markers)], label=f"{name} (n={len(part)})")
        slope = _slope(part[x], part[y])
        if not np.isnan(slope):
            xs = np.array([part[x].min(), part[x].max()])
            ax.plot(xs, part[y].mean() + slope * (xs - part[x].mean()), color=colour, linewidth=2)
    if pooled_line:
        data = df[[x, y]].dropna()
        slope = _slope(data[x], data[y])
        if not np.isnan(slope):
            xs = np.array([data[x].min(), data[x].max()])
            ax.plot(xs, data[y].mean() + slope * (xs - data[x].mean()), color="black",
                    linestyle="--", linewidth=1.5, label="all (pooled fit)")
    ax.set_xlabel(xlabel or x)
    ax.set_ylabel(ylabel or y)
    if title:
        ax.set_title(title)
    ax.legend(title=group, frameon=False)
    return ax
