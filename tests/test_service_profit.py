"""The synthetic store_experience data set and the service-profit helpers."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest

from course_utils.labs import datasets
from course_utils.labs import service_profit as sp
from course_utils.labs.datasets import store_experience

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def stores() -> pd.DataFrame:
    return datasets.load("store_experience")


@pytest.fixture
def simpson() -> pd.DataFrame:
    """A tiny hand-made table: y rises with x inside each group, falls across the groups."""
    return pd.DataFrame(
        {
            "group": ["a"] * 4 + ["b"] * 4,
            "x": [10.0, 11.0, 12.0, 13.0, 0.0, 1.0, 2.0, 3.0],
            "y": [0.0, 1.0, 2.0, 3.0, 20.0, 21.0, 22.0, 23.0],
        }
    )


# --- the data set --------------------------------------------------------------------------------


def test_registered_as_synthetic_with_card() -> None:
    info = datasets.info("store_experience")
    assert info.synthetic is True
    assert "synthetic" in info.card.lower()
    assert str(store_experience.DEFAULT_SEED) in info.card
    for column in store_experience.COLUMNS:
        assert f"`{column}`" in info.card, column


def test_shape_columns_and_dtypes(stores: pd.DataFrame) -> None:
    assert stores.shape == (store_experience.DEFAULT_N_STORES, len(store_experience.COLUMNS))
    assert tuple(stores.columns) == store_experience.COLUMNS
    assert stores["store_id"].is_unique
    assert stores["size"].cat.ordered
    assert list(stores["size"].cat.categories) == list(store_experience.SIZES)
    for column in ("staff_count", "floor_area_m2"):
        assert stores[column].dtype == "int64", column
    for column in ("engagement", "satisfaction", "staff_turnover_pct", "sales_per_m2"):
        assert stores[column].dtype == "float64", column


def test_values_in_range(stores: pd.DataFrame) -> None:
    assert stores[["engagement", "satisfaction"]].stack().between(0, 100).all()
    assert (stores["staff_turnover_pct"] >= store_experience.TURNOVER_MIN).all()
    for size, (low, high) in store_experience.STAFF_RANGE.items():
        staff = stores.loc[stores["size"] == size, "staff_count"]
        assert staff.between(low, high).all(), size


def test_size_shares(stores: pd.DataFrame) -> None:
    counts = stores["size"].value_counts().reindex(store_experience.SIZES).tolist()
    assert counts == [48, 42, 30]


def test_same_seed_same_data() -> None:
    pd.testing.assert_frame_equal(
        datasets.load("store_experience", seed=5), datasets.load("store_experience", seed=5)
    )


def test_other_seed_other_data(stores: pd.DataFrame) -> None:
    other = datasets.load("store_experience", seed=store_experience.DEFAULT_SEED + 1)
    assert not other["engagement"].equals(stores["engagement"])


def test_default_has_sign_flip(stores: pd.DataFrame) -> None:
    summary = sp.pooled_vs_within(stores, "engagement", "satisfaction", "size")
    assert summary["pooled_r"] < 0 < summary["within_r"]
    assert summary["sign_flip"] is True


def test_no_confounder_no_flip() -> None:
    data = datasets.load("store_experience", confounder_strength=0)
    summary = sp.pooled_vs_within(data, "engagement", "satisfaction", "size")
    assert summary["pooled_r"] > 0 and summary["within_r"] > 0
    assert summary["sign_flip"] is False


def test_adjusted_slope_recovers_engagement_effect() -> None:
    data = datasets.load("store_experience", n_stores=600, engagement_effect=0.4)
    adjusted = sp.fit_line(data, "satisfaction", "engagement", "size")
    assert adjusted.slope == pytest.approx(0.4, abs=0.1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_stores": 5}, "n_stores must be a whole number from 30"),
        ({"n_stores": 100.0}, "n_stores"),
        ({"seed": -1}, "seed must be a non-negative"),
        ({"seed": True}, "seed"),
        ({"confounder_strength": -0.5}, "confounder_strength must be a number from 0"),
        ({"engagement_effect": "big"}, "engagement_effect"),
    ],
)
def test_bad_arguments(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        datasets.load("store_experience", **kwargs)
    assert str(caught.value).startswith("store_experience:")


# --- chain links -----------------------------------------------------------------------------------


def test_chain_links_in_order() -> None:
    links = sp.chain_links()
    assert links["step"].tolist() == list(range(1, len(sp.CHAIN_LINKS) + 1))
    assert links["link"].iloc[0] == "internal service quality"
    assert links["link"].iloc[-1] == "profit"
    assert links["link"].tolist().index("employee satisfaction") < links["link"].tolist().index(
        "customer satisfaction and loyalty"
    )


def test_chain_columns_exist_in_data(stores: pd.DataFrame) -> None:
    columns = [c for c in sp.chain_links()["store_experience_column"] if c]
    assert columns and set(columns) <= set(stores.columns)


# --- correlations ------------------------------------------------------------------------------------


def test_correlation_table_pairs_match_pandas(stores: pd.DataFrame) -> None:
    cols = ["engagement", "satisfaction", "staff_turnover_pct"]
    result = sp.correlation_table(stores, cols)
    assert list(zip(result["x"], result["y"], strict=True)) == [
        ("engagement", "satisfaction"),
        ("engagement", "staff_turnover_pct"),
        ("satisfaction", "staff_turnover_pct"),
    ]
    expected = stores[cols].corr()
    for row in result.itertuples():
        assert row.r == pytest.approx(expected.loc[row.x, row.y])
        assert row.n == len(stores)


def test_correlation_table_by_group(simpson: pd.DataFrame) -> None:
    result = sp.correlation_table(simpson, ["x", "y"], by="group")
    assert result["group"].tolist() == ["a", "b"]
    assert result["r"].tolist() == pytest.approx([1.0, 1.0])
    assert result["n"].tolist() == [4, 4]


def test_correlation_table_keeps_category_order(stores: pd.DataFrame) -> None:
    result = sp.correlation_table(stores, ["engagement", "satisfaction"], by="size")
    assert isinstance(result["size"].dtype, pd.CategoricalDtype)
    assert list(result["size"].cat.categories) == ["small", "medium", "large"]
    pivot = result.pivot(index=["x", "y"], columns="size", values="r")
    assert list(pivot.columns) == ["small", "medium", "large"]


def test_correlation_table_needs_two_distinct_columns(simpson: pd.DataFrame) -> None:
    with pytest.raises(sp.ServiceProfitError, match="at least two columns"):
        sp.correlation_table(simpson, ["x"])
    with pytest.raises(sp.ServiceProfitError, match="column twice"):
        sp.correlation_table(simpson, ["x", "x"])


def test_within_group_correlations(simpson: pd.DataFrame) -> None:
    result = sp.within_group_correlations(simpson, "x", "y", "group")
    assert result.index.tolist() == ["a", "b", sp.POOLED_LABEL]
    assert result.loc["a", "r"] == pytest.approx(1.0)
    assert result.loc["a", "slope"] == pytest.approx(1.0)
    assert result.loc[sp.POOLED_LABEL, "r"] < 0
    assert result.loc[sp.POOLED_LABEL, "n"] == 8


def test_within_group_follows_category_order(stores: pd.DataFrame) -> None:
    result = sp.within_group_correlations(stores, "engagement", "satisfaction", "size")
    assert result.index.tolist() == ["small", "medium", "large", sp.POOLED_LABEL]
    assert result["n"].iloc[:3].sum() == len(stores)


def test_missing_values_are_dropped_pairwise(simpson: pd.DataFrame) -> None:
    holey = simpson.copy()
    holey.loc[0, "y"] = np.nan
    result = sp.within_group_correlations(holey, "x", "y", "group")
    assert result.loc["a", "n"] == 3
    assert result.loc["a", "r"] == pytest.approx(1.0)


def test_too_few_rows_give_nan() -> None:
    tiny = pd.DataFrame({"g": ["a", "a", "b", "b", "b"], "x": [1.0, 2, 1, 2, 3], "y": [1.0, 2, 3, 2, 1]})
    result = sp.within_group_correlations(tiny, "x", "y", "g")
    assert math.isnan(result.loc["a", "r"])
    assert result.loc["b", "r"] == pytest.approx(-1.0)


def test_constant_column_gives_nan() -> None:
    flat = pd.DataFrame({"g": ["a"] * 4, "x": [1.0, 1, 1, 1], "y": [1.0, 2, 3, 4]})
    assert math.isnan(sp.correlation_table(flat, ["x", "y"])["r"].iloc[0])


def test_pooled_vs_within(simpson: pd.DataFrame) -> None:
    summary = sp.pooled_vs_within(simpson, "x", "y", "group")
    assert summary["within_r"] == pytest.approx(1.0)
    assert summary["pooled_r"] < 0
    assert summary["sign_flip"] is True


# --- regression --------------------------------------------------------------------------------------


def test_fit_line_without_confounder_matches_polyfit(simpson: pd.DataFrame) -> None:
    fit = sp.fit_line(simpson, "y", "x")
    slope, intercept = np.polyfit(simpson["x"], simpson["y"], 1)
    assert fit.slope == pytest.approx(slope)
    assert fit.intercept == pytest.approx(intercept)
    assert fit.n == 8 and fit.confounder is None
    assert 0 <= fit.r_squared <= 1


def test_fit_line_with_categorical_confounder(simpson: pd.DataFrame) -> None:
    fit = sp.fit_line(simpson, "y", "x", "group")
    assert fit.slope == pytest.approx(1.0)
    assert fit.r_squared == pytest.approx(1.0)
    assert set(fit.coefficients) == {"intercept", "x", "group_b"}
    assert fit.coefficients["group_b"] == pytest.approx(30.0)


def test_fit_line_with_numeric_confounder() -> None:
    rng = np.random.default_rng(0)
    z = rng.normal(size=200)
    x = z + rng.normal(scale=0.5, size=200)
    data = pd.DataFrame({"x": x, "z": z, "y": 2.0 * x - 3.0 * z + rng.normal(scale=0.1, size=200)})
    fit = sp.fit_line(data, "y", "x", "z")
    assert fit.slope == pytest.approx(2.0, abs=0.05)
    assert fit.coefficients["z"] == pytest.approx(-3.0, abs=0.05)


def test_compare_adjustment(simpson: pd.DataFrame) -> None:
    result = sp.compare_adjustment(simpson, "y", "x", "group")
    assert result.index.tolist() == ["without group", "with group"]
    assert result.loc["without group", "slope"] < 0
    assert result.loc["with group", "slope"] == pytest.approx(1.0)
    assert result["n"].tolist() == [8, 8]


def test_collinear_confounder_is_refused(simpson: pd.DataFrame) -> None:
    data = simpson.assign(x2=simpson["x"] * 2)
    with pytest.raises(sp.ServiceProfitError, match="collinear"):
        sp.fit_line(data, "y", "x", "x2")


def test_too_few_rows_to_fit() -> None:
    data = pd.DataFrame({"x": [1.0, 2.0], "y": [1.0, 2.0], "g": ["a", "b"]})
    with pytest.raises(sp.ServiceProfitError, match="too few"):
        sp.fit_line(data, "y", "x", "g")


def test_same_column_twice_is_refused(simpson: pd.DataFrame) -> None:
    with pytest.raises(sp.ServiceProfitError, match="three different columns"):
        sp.fit_line(simpson, "y", "x", "x")
    with pytest.raises(sp.ServiceProfitError, match="same column"):
        sp.within_group_correlations(simpson, "x", "x", "group")


# --- errors on bad tables ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda df: sp.correlation_table(df, ["x", "nope"]),
        lambda df: sp.within_group_correlations(df, "x", "nope", "group"),
        lambda df: sp.pooled_vs_within(df, "x", "y", "nope"),
        lambda df: sp.fit_line(df, "nope", "x"),
        lambda df: sp.compare_adjustment(df, "y", "x", "nope"),
        lambda df: sp.scatter_by_group(df, "x", "y", "nope"),
    ],
)
def test_missing_column_is_named(simpson: pd.DataFrame, call) -> None:
    with pytest.raises(sp.ServiceProfitError, match=r"missing column\(s\) 'nope'; available: 'group', 'x', 'y'"):
        call(simpson)


def test_error_names_the_table(simpson: pd.DataFrame) -> None:
    with pytest.raises(sp.ServiceProfitError, match=r"^stores: missing"):
        sp.correlation_table(simpson, ["x", "nope"], table="stores")


def test_non_numeric_column_is_refused(simpson: pd.DataFrame) -> None:
    with pytest.raises(sp.ServiceProfitError, match="column 'group' must be numeric"):
        sp.within_group_correlations(simpson, "group", "y", "x")


def test_not_a_dataframe() -> None:
    with pytest.raises(sp.ServiceProfitError, match="expected a pandas DataFrame, got list"):
        sp.correlation_table([[1, 2]], ["x", "y"])


# --- plot ------------------------------------------------------------------------------------------------


def test_scatter_by_group_draws_a_line_per_group(stores: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    ax = sp.scatter_by_group(stores, "engagement", "satisfaction", "size", title="T", xlabel="E")
    try:
        assert len(ax.collections) == 3  # one scatter per size group
        assert len(ax.lines) == 4  # a fit line per group + the pooled line
        assert ax.get_title() == "T" and ax.get_xlabel() == "E" and ax.get_ylabel() == "satisfaction"
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert labels[0] == "small (n=48)"
    finally:
        plt.close(ax.figure)


def test_scatter_without_pooled_line(simpson: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    ax = sp.scatter_by_group(simpson, "x", "y", "group", pooled_line=False)
    try:
        assert len(ax.lines) == 2
    finally:
        plt.close(ax.figure)
