"""The sourced martech-share series: exactly the figures of references.md, never more precise."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from course_utils.labs import datasets
from course_utils.labs.datasets import martech_share

# The figures as listed in /work/shared/references.md (Gartner CMO Spend Survey series).
AS_REPORTED = {
    2016: "27", 2017: "22", 2018: "29", 2019: "26", 2020: "26.2",
    2021: "26.6", 2022: "25.4", 2023: "25.4", 2024: "23.8", 2025: "22.4",
}


@pytest.fixture(scope="module")
def series() -> pd.DataFrame:
    return datasets.load("martech_share")


def test_registered_as_sourced_not_synthetic() -> None:
    info = datasets.info("martech_share")
    assert info.synthetic is False
    assert info.module == martech_share.__name__


def test_columns_and_dtypes(series: pd.DataFrame) -> None:
    assert tuple(series.columns) == martech_share.COLUMNS
    assert series["year"].dtype == "int64"
    assert series["martech_share_pct"].dtype == "float64"
    assert series["reported_decimals"].dtype == "int64"
    assert series["secondary"].dtype == "bool"


def test_one_row_per_year_in_order(series: pd.DataFrame) -> None:
    assert series["year"].tolist() == list(range(2016, 2026))


@pytest.mark.parametrize("year", sorted(AS_REPORTED))
def test_figure_shown_as_reported(series: pd.DataFrame, year: int) -> None:
    row = series.set_index("year").loc[year]
    shown = f"{row['martech_share_pct']:.{row['reported_decimals']}f}"
    assert shown == AS_REPORTED[year]


def test_no_hidden_extra_precision(series: pd.DataFrame) -> None:
    rounded = [round(v, d) for v, d in zip(series["martech_share_pct"], series["reported_decimals"], strict=True)]
    assert series["martech_share_pct"].tolist() == rounded


def test_only_2025_is_secondary(series: pd.DataFrame) -> None:
    assert series.loc[series["secondary"], "year"].tolist() == [2025]


def test_each_row_names_its_source(series: pd.DataFrame) -> None:
    assert series["reported_by"].str.len().gt(0).all()
    assert series["bib_key"].is_unique
    assert series["bib_key"].str.fullmatch(r"[a-z0-9_]+").all()


def test_notes_keep_what_the_sources_added(series: pd.DataFrame) -> None:
    notes = series.set_index("year")["note"]
    assert "30%" in notes[2018]
    assert "lowest in a decade" in notes[2024]


def test_card_warns_about_samples_and_secondary_and_lists_every_source(series: pd.DataFrame) -> None:
    card = datasets.card("martech_share")
    assert "not synthetic" in card
    assert "different sample" in card.lower()
    assert "secondary" in card.lower()
    for key in series["bib_key"]:
        assert f"`{key}`" in card


def test_bib_keys_exist_in_the_bibliography(series: pd.DataFrame, repo_root: Path) -> None:
    bib = (repo_root / "book" / "references.bib").read_text(encoding="utf-8")
    keys = set(re.findall(r"@\w+\s*\{\s*([^,\s]+)\s*,", bib))
    if not keys:
        pytest.skip("book/references.bib has no entries yet")
    missing = sorted(set(series["bib_key"]) - keys)
    assert not missing, f"bib keys missing from book/references.bib: {missing}"


def test_as_reported_keeps_the_source_precision(series: pd.DataFrame) -> None:
    text = martech_share.as_reported(series)
    assert text.tolist() == [f"{AS_REPORTED[y]}%" for y in series["year"]]


def test_year_over_year_rounds_to_the_coarser_year(series: pd.DataFrame) -> None:
    changes = martech_share.year_over_year(series).set_index("year")
    assert pd.isna(changes.loc[2016, "change_pts"])
    assert changes.loc[2017, "change_as_reported"] == "-5"
    assert changes.loc[2018, "change_as_reported"] == "+7"
    # 26% (whole) to 26.2%: the 0.2 difference is below what rounding 26% can hide
    assert changes.loc[2020, "change_as_reported"] == "0"
    assert bool(changes.loc[2020, "within_rounding"]) is True
    assert changes.loc[2021, "change_as_reported"] == "+0.4"
    assert changes.loc[2024, "change_pts"] == pytest.approx(-1.6)
    assert changes.loc[2023, "change_as_reported"] == "0.0"
    # 25.4% to 25.4%: a 0.0 change between one-decimal figures is within rounding too
    assert bool(changes.loc[2023, "within_rounding"]) is True
    # +0.4 between one-decimal figures is four times what their rounding can hide
    assert bool(changes.loc[2021, "within_rounding"]) is False
    assert not changes.drop(index=[2020, 2023])["within_rounding"].any()


@pytest.mark.parametrize(
    ("before", "after", "margin"),
    [(0, 0, 1.0), (0, 1, 0.55), (1, 0, 0.55), (1, 1, 0.1)],
)
def test_rounding_margin_adds_the_two_half_digits(before: int, after: int, margin: float) -> None:
    got = martech_share.rounding_margin(pd.Series([before]), pd.Series([after]))
    assert got.iloc[0] == pytest.approx(margin)


def test_year_over_year_sums_back_to_the_total_change(series: pd.DataFrame) -> None:
    one_decimal = series[series["reported_decimals"] == 1]
    changes = martech_share.year_over_year(one_decimal)
    total = one_decimal["martech_share_pct"].iloc[-1] - one_decimal["martech_share_pct"].iloc[0]
    assert changes["change_pts"].sum() == pytest.approx(total)


def test_helpers_name_a_missing_column(series: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"martech_share.year_over_year: .*'reported_decimals'"):
        martech_share.year_over_year(series.drop(columns="reported_decimals"))
    with pytest.raises(ValueError, match=r"martech_share.as_reported: .*'martech_share_pct'"):
        martech_share.as_reported(series.drop(columns="martech_share_pct"))
