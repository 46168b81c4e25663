"""Martech's share of the marketing budget, 2016-2025, as reported from Gartner's CMO Spend Survey.

This is the one kind of data set in the course that is NOT synthetic: every row is a figure
from ``/work/shared/references.md`` with the source that reported it and its bibliography key.
Figures are stored exactly as precise as they were reported (27 stays 27, never 27.0 with an
implied decimal): the ``reported_decimals`` column says how many decimals the source gave.
"""

from __future__ import annotations

import pandas as pd

NAME = "martech_share"
SYNTHETIC = False

COLUMNS = ("year", "martech_share_pct", "reported_decimals", "reported_by", "bib_key", "secondary", "note")

# (year, share as reported, decimals as reported, reported by, bib key, secondary?, note)
_ROWS: tuple[tuple[int, float, int, str, str, bool, str], ...] = (
    (2016, 27, 0, "AMA; Gartner blog (Sorofman), 2016", "gartner_spend2016", False,
     "3.24% of revenue, against CIOs' 3.4% of revenue on IT"),
    (2017, 22, 0, 'Gartner, "2017-2018 CMO Spend Survey"', "gartner_spend2017", False, ""),
    (2018, 29, 0, 'Gartner, "CMOs spend more on technology than talent"', "gartner_spend2018", False,
     "CMO.com.au reported 30%"),
    (2019, 26, 0, "decisionmarketing.co.uk", "decisionmarketing2019", False, ""),
    (2020, 26.2, 1, "Gartner, 2020", "gartner_spend2020", False, ""),
    (2021, 26.6, 1, "MarketingCharts; martech.org, 2021", "marketingcharts2021", False, ""),
    (2022, 25.4, 1, "futurecio.tech citing Gartner", "futurecio2022", False, ""),
    (2023, 25.4, 1, "Marketing Dive; MediaPost, 2023", "marketingdive2023", False, ""),
    (2024, 23.8, 1, "Gartner press release; MarTech", "gartner_spend2024", False,
     'described as the "lowest in a decade"'),
    (2025, 22.4, 1, "Marketoonist, 2025", "marketoonist2025", True,
     "secondary: reached us only through Marketoonist, not from Gartner directly"),
)


def _source_table() -> str:
    lines = ["| year | share | reported by | bib key | secondary | note |", "|---|---|---|---|---|---|"]
    for year, share, decimals, reported_by, bib_key, secondary, note in _ROWS:
        lines.append(
            f"| {year} | {share:.{decimals}f}% | {reported_by} | `{bib_key}` | "
            f"{'yes' if secondary else 'no'} | {note} |"
        )
    return "\n".join(lines)


CARD = f"""
**Data card: `martech_share`** (sourced, **not synthetic**)

**What it is.** The share of the marketing budget that chief marketing officers said they spent on
marketing technology (martech), one figure per year from 2016 to 2025, as published from Gartner's
annual *CMO Spend Survey* and reported by the sources below.

**Read it with care.**

- Each year's survey asks a **different sample** of marketing leaders. The rows are a series of
  snapshots, not a panel that follows the same companies; a change from one year to the next mixes
  real change with a change of sample.
- Figures are stored **exactly as precise as reported**: 2016-2019 were reported as whole
  percentages, 2020-2025 with one decimal (column `reported_decimals`). A whole percentage can be
  up to half a point off (27% means somewhere from 26.5% to 27.5%), a one-decimal figure up to 0.05
  points. A change between two figures can be off by both halves together: up to about **one point**
  between two whole percentages, about half a point (0.55) between a whole and a one-decimal figure,
  and 0.1 points between two one-decimal figures.
- The **2025** figure is **secondary**: it reached us only through Marketoonist, not from Gartner.
  Quote it as "as reported by Marketoonist".
- Not all figures were checked against the original reports.

**Columns.**

| column | type | meaning |
|---|---|---|
| `year` | int | survey year |
| `martech_share_pct` | float | martech share of the marketing budget, in percent, as reported |
| `reported_decimals` | int | decimals the source gave (0 or 1); never show more |
| `reported_by` | str | who reported the figure |
| `bib_key` | str | key of the source in the book's bibliography |
| `secondary` | bool | `True` if the figure reached us only second-hand |
| `note` | str | anything else the source said (empty if nothing) |

**Where every row comes from.**

{_source_table()}
"""


def load() -> pd.DataFrame:
    """Return the sourced series, one row per year (2016-2025), sorted by year."""
    frame = pd.DataFrame(list(_ROWS), columns=list(COLUMNS))
    return frame.astype(
        {
            "year": "int64",
            "martech_share_pct": "float64",
            "reported_decimals": "int64",
            "reported_by": "str",
            "bib_key": "str",
            "secondary": "bool",
            "note": "str",
        }
    ).sort_values("year", ignore_index=True)


def _check_series(share: pd.DataFrame, needed_by: str) -> None:
    missing = [c for c in ("year", "martech_share_pct", "reported_decimals") if c not in getattr(share, "columns", ())]
    if missing:
        raise ValueError(f"martech_share.{needed_by}: the table has no column {missing[0]!r}; pass load()'s table")


def as_reported(share: pd.DataFrame) -> pd.Series:
    """Each share as text, exactly as precise as its source reported it (``"27%"``, ``"26.2%"``)."""
    _check_series(share, "as_reported")
    text = [f"{value:.{decimals}f}%" for value, decimals in
            zip(share["martech_share_pct"], share["reported_decimals"], strict=True)]
    return pd.Series(text, index=share.index, name="share_as_reported", dtype="str")


def _signed(change: float, decimals: int) -> str:
    text = f"{abs(change):.{decimals}f}"
    if float(text) == 0:
        return text
    return ("+" if change > 0 else "-") + text


def rounding_margin(decimals_before: pd.Series, decimals_after: pd.Series) -> pd.Series:
    """How far a change between two reported figures can be off through rounding alone, in points.

    A figure reported with ``d`` decimals can be off by half its last digit, ``0.5 * 10**-d``
    (half a point for a whole percentage); a difference of two figures by both halves together:
    1.0 between two whole percentages, 0.55 between a whole and a one-decimal figure, 0.1 between
    two one-decimal figures. Missing decimals give a missing margin.
    """
    before = pd.Series(decimals_before, dtype="float64").reset_index(drop=True)
    after = pd.Series(decimals_after, dtype="float64").reset_index(drop=True)
    return (0.5 * 10.0 ** -before + 0.5 * 10.0 ** -after).round(6)


def year_over_year(share: pd.DataFrame) -> pd.DataFrame:
    """Change from the previous year, in percentage points, never more precise than its inputs.

    Columns: ``year``, ``change_pts`` (rounded to the coarser precision of the two years),
    ``change_as_reported`` (the same as text, e.g. ``"-5"`` or ``"+0.2"``) and ``within_rounding``
    (``True`` when the change is no larger than what rounding can hide: see :func:`rounding_margin`).
    The first year has no previous year: its change is missing.
    """
    _check_series(share, "year_over_year")
    ordered = share.sort_values("year", ignore_index=True)
    decimals = ordered["reported_decimals"].rolling(2).min()
    raw = ordered["martech_share_pct"].diff()
    change = [float("nan") if pd.isna(d) else round(float(r), int(d)) for r, d in zip(raw, decimals, strict=True)]
    text = ["" if pd.isna(d) else _signed(c, int(d)) for c, d in zip(change, decimals, strict=True)]
    margin = rounding_margin(ordered["reported_decimals"].shift(1), ordered["reported_decimals"])
    # a change no larger than the two rounding errors together may be rounding alone
    within = raw.abs() <= margin + 1e-9
    return pd.DataFrame(
        {"year": ordered["year"], "change_pts": change, "change_as_reported": text, "within_rounding": within}
    ).astype({"change_pts": "float64", "change_as_reported": "str", "within_rounding": "bool"})
