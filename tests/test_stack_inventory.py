"""The synthetic martech_stack data set and the stack_inventory helpers of chapter 2."""

from __future__ import annotations

import pandas as pd
import pytest

from course_utils.labs import datasets
from course_utils.labs.datasets import martech_stack
from course_utils.labs.stack_inventory import (
    GARTNER_CAPABILITY_UTILISATION,
    StackInventoryError,
    compare_with_benchmark,
    duplicate_categories,
    flag_shadow_it,
    licence_utilisation,
    shadow_it_share,
    spend_by_department,
)


@pytest.fixture(scope="module")
def stack() -> pd.DataFrame:
    """The default synthetic inventory."""
    return datasets.load("martech_stack")


@pytest.fixture
def tiny() -> pd.DataFrame:
    """A hand-made inventory whose answers can be worked out on paper."""
    return pd.DataFrame(
        {
            "tool": ["Mailo", "Sendy", "Chatto", "Crmio"],
            "category": ["email", "email", "chat", "CRM"],
            "owning_department": ["Marketing", "Marketing", "IT", "Sales"],
            "approved_by_it": [True, False, True, False],
            "annual_cost_eur": [1000, 200, 500, 300],
            "licences": [10, 2, 50, 5],
            "active_users": [4, 2, 25, 5],
        }
    )


# --- the data set -----------------------------------------------------------------------------


def test_registered_and_synthetic() -> None:
    assert "martech_stack" in datasets.available()
    info = datasets.info("martech_stack")
    assert info.synthetic is True
    assert "synthetic" in info.card.lower()
    assert str(martech_stack.DEFAULT_SEED) in info.card


def test_card_lists_every_column() -> None:
    card = datasets.card("martech_stack")
    for column in martech_stack.COLUMNS:
        assert f"`{column}`" in card, column


def test_shape_columns_and_types(stack: pd.DataFrame) -> None:
    assert len(stack) == martech_stack.DEFAULT_N_TOOLS
    assert tuple(stack.columns) == martech_stack.COLUMNS
    assert stack["approved_by_it"].dtype == bool
    for column in ("annual_cost_eur", "licences", "active_users", "renewal_month"):
        assert pd.api.types.is_integer_dtype(stack[column]), column
    assert stack["tool"].is_unique and stack["tool_id"].is_unique


def test_values_in_range(stack: pd.DataFrame) -> None:
    assert stack["renewal_month"].between(1, 12).all()
    assert (stack["licences"] >= 1).all()
    assert (stack["active_users"] >= 0).all()
    assert (stack["active_users"] <= stack["licences"]).all()
    assert (stack["annual_cost_eur"] > 0).all()
    assert set(stack["owning_department"]) <= set(martech_stack.DEPARTMENTS)
    assert set(stack["procured_by"]) <= set(martech_stack.PROCUREMENT_CHANNELS)


def test_rules_leave_something_to_find(stack: pd.DataFrame) -> None:
    shadow = ~stack["approved_by_it"]
    assert 0.1 < shadow.mean() < 0.5
    # Everything bought through IT procurement is approved by construction.
    assert stack.loc[stack["procured_by"] == "IT procurement", "approved_by_it"].all()
    assert stack.loc[stack["owning_department"] == "IT", "approved_by_it"].all()
    assert 3 <= stack["category"].value_counts().max() <= martech_stack.MAX_PER_CATEGORY
    assert stack["active_users"].sum() / stack["licences"].sum() < 0.8


def test_same_seed_same_data() -> None:
    pd.testing.assert_frame_equal(martech_stack.load(seed=5), martech_stack.load(seed=5))


def test_other_seed_other_data() -> None:
    assert not martech_stack.load(seed=5).equals(martech_stack.load(seed=6))


@pytest.mark.parametrize("n_tools", [60, 120])
def test_size_can_be_chosen(n_tools: int) -> None:
    assert len(martech_stack.load(n_tools=n_tools)) == n_tools


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"n_tools": 10}, "n_tools"), ({"n_tools": 121}, "n_tools"), ({"seed": -1}, "seed"),
     ({"seed": "x"}, "seed")],
)
def test_bad_arguments(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=f"martech_stack: {message}"):
        martech_stack.load(**kwargs)


# --- shadow IT -------------------------------------------------------------------------------


def test_flag_shadow_it_adds_column_without_touching_input(tiny: pd.DataFrame) -> None:
    flagged = flag_shadow_it(tiny)
    assert flagged["shadow_it"].tolist() == [False, True, False, True]
    assert "shadow_it" not in tiny.columns


def test_shadow_it_share_by_tools_and_spend(tiny: pd.DataFrame) -> None:
    assert shadow_it_share(tiny) == pytest.approx(0.5)
    assert shadow_it_share(tiny, by="spend") == pytest.approx(500 / 2000)


def test_shadow_it_share_rejects_unknown_weight(tiny: pd.DataFrame) -> None:
    with pytest.raises(StackInventoryError, match="by must be 'tools' or 'spend'"):
        shadow_it_share(tiny, by="users")


def test_shadow_it_share_of_zero_spend(tiny: pd.DataFrame) -> None:
    with pytest.raises(StackInventoryError, match="total annual_cost_eur is 0"):
        shadow_it_share(tiny.assign(annual_cost_eur=0), by="spend")


# --- spend by department -----------------------------------------------------------------------


def test_spend_by_department(tiny: pd.DataFrame) -> None:
    table = spend_by_department(tiny)
    assert table.index.tolist() == ["Marketing", "IT", "Sales"]
    marketing = table.loc["Marketing"]
    assert marketing["tools"] == 2 and marketing["shadow_tools"] == 1
    assert marketing["annual_cost_eur"] == 1200
    assert marketing["shadow_cost_eur"] == 200 and marketing["approved_cost_eur"] == 1000
    assert marketing["shadow_share_of_spend"] == pytest.approx(200 / 1200)
    assert table["share_of_total_spend"].sum() == pytest.approx(1.0)
    assert table.loc["Sales", "shadow_share_of_spend"] == pytest.approx(1.0)


def test_spend_by_department_adds_up(stack: pd.DataFrame) -> None:
    table = spend_by_department(stack)
    assert table["annual_cost_eur"].sum() == stack["annual_cost_eur"].sum()
    assert table["tools"].sum() == len(stack)
    assert table["annual_cost_eur"].is_monotonic_decreasing


# --- duplicates --------------------------------------------------------------------------------


def test_duplicate_categories(tiny: pd.DataFrame) -> None:
    table = duplicate_categories(tiny)
    assert table["category"].tolist() == ["email"]
    row = table.iloc[0]
    assert row["tools"] == 2 and row["tool_names"] == "Mailo, Sendy"
    assert row["departments"] == 1 and row["shadow_tools"] == 1 and row["annual_cost_eur"] == 1200


def test_duplicate_categories_threshold(stack: pd.DataFrame) -> None:
    counts = stack["category"].value_counts()
    for min_tools in (2, 3, 5):
        table = duplicate_categories(stack, min_tools=min_tools)
        assert len(table) == int((counts >= min_tools).sum())
        assert (table["tools"] >= min_tools).all()
    assert duplicate_categories(stack, min_tools=1000).empty


@pytest.mark.parametrize("min_tools", [1, 0, 2.5, True, "2"])
def test_duplicate_categories_bad_threshold(tiny: pd.DataFrame, min_tools: object) -> None:
    with pytest.raises(StackInventoryError, match="min_tools must be a whole number of at least 2"):
        duplicate_categories(tiny, min_tools=min_tools)


# --- utilisation -------------------------------------------------------------------------------


def test_licence_utilisation(tiny: pd.DataFrame) -> None:
    result = licence_utilisation(tiny)
    assert result.overall == pytest.approx(36 / 67)
    assert result.unused_licences == 31
    assert result.unused_licence_cost_eur == pytest.approx(1000 * 0.6 + 500 * 0.5)
    assert result.per_tool["tool"].tolist() == ["Mailo", "Chatto", "Crmio", "Sendy"]
    assert result.per_tool["utilisation"].tolist() == pytest.approx([0.4, 0.5, 1.0, 1.0])


def test_licence_utilisation_on_data_set(stack: pd.DataFrame) -> None:
    result = licence_utilisation(stack)
    assert 0 < result.overall < 1
    assert result.per_tool["utilisation"].between(0, 1).all()
    assert result.per_tool["utilisation"].is_monotonic_increasing


def test_licence_utilisation_zero_licences(tiny: pd.DataFrame) -> None:
    tiny.loc[2, ["licences", "active_users"]] = 0
    with pytest.raises(StackInventoryError, match="'Chatto' has 0 licences"):
        licence_utilisation(tiny)


def test_licence_utilisation_more_users_than_seats(tiny: pd.DataFrame) -> None:
    tiny.loc[0, "active_users"] = 11
    with pytest.raises(StackInventoryError, match=r"'Mailo' has more active users \(11\)"):
        licence_utilisation(tiny)


# --- benchmarks --------------------------------------------------------------------------------


def test_gartner_figures_are_the_cited_ones() -> None:
    assert sorted(GARTNER_CAPABILITY_UTILISATION.values()) == [0.33, 0.42, 0.58]
    assert all("capabilities" in label for label in GARTNER_CAPABILITY_UTILISATION)


def test_compare_with_benchmark() -> None:
    table = compare_with_benchmark(0.4, {"a": 0.33, "b": 0.58})
    assert table["benchmark"].tolist() == ["a", "b"]
    assert table["difference_points"].tolist() == pytest.approx([7.0, -18.0])
    assert table["ours_is_higher"].tolist() == [True, False]
    assert (table["ours"] == 0.4).all()


@pytest.mark.parametrize(
    ("utilisation", "benchmarks", "message"),
    [
        (1.5, {"a": 0.3}, "utilisation must be a number from 0 to 1"),
        ("40%", {"a": 0.3}, "utilisation must be a number from 0 to 1"),
        (0.4, {}, "benchmarks must be a non-empty mapping"),
        (0.4, [0.3], "benchmarks must be a non-empty mapping"),
        (0.4, {"a": 33}, "benchmark 'a' must be a share from 0 to 1"),
    ],
)
def test_compare_with_benchmark_bad_input(utilisation, benchmarks, message: str) -> None:
    with pytest.raises(StackInventoryError, match=message):
        compare_with_benchmark(utilisation, benchmarks)


# --- input validation shared by all helpers ----------------------------------------------------

HELPERS = [flag_shadow_it, shadow_it_share, spend_by_department, duplicate_categories,
           licence_utilisation]


@pytest.mark.parametrize("helper", HELPERS, ids=lambda f: f.__name__)
def test_missing_column_is_named(helper, tiny: pd.DataFrame) -> None:
    with pytest.raises(StackInventoryError, match=rf"{helper.__name__}: .*no column 'approved_by_it'"):
        helper(tiny.drop(columns="approved_by_it"))


@pytest.mark.parametrize("helper", HELPERS, ids=lambda f: f.__name__)
def test_not_a_dataframe(helper) -> None:
    with pytest.raises(StackInventoryError, match="expected a pandas DataFrame of tools, got list"):
        helper([{"tool": "x"}])


def test_empty_inventory(tiny: pd.DataFrame) -> None:
    with pytest.raises(StackInventoryError, match="spend_by_department: the inventory has no rows"):
        spend_by_department(tiny.iloc[0:0])


def test_approval_must_be_boolean(tiny: pd.DataFrame) -> None:
    with pytest.raises(StackInventoryError, match="'approved_by_it' must hold True/False"):
        flag_shadow_it(tiny.assign(approved_by_it=["yes", "no", "yes", "no"]))


def test_missing_value_is_located(tiny: pd.DataFrame) -> None:
    tiny["annual_cost_eur"] = tiny["annual_cost_eur"].astype(float)
    tiny.loc[3, "annual_cost_eur"] = float("nan")
    with pytest.raises(StackInventoryError, match="'annual_cost_eur' is empty in row 3"):
        spend_by_department(tiny)


def test_negative_value_is_located(tiny: pd.DataFrame) -> None:
    tiny.loc[1, "licences"] = -2
    with pytest.raises(StackInventoryError, match=r"'licences' is negative in row 1 \(-2\)"):
        licence_utilisation(tiny)


def test_text_cost_is_rejected(tiny: pd.DataFrame) -> None:
    with pytest.raises(StackInventoryError, match="'annual_cost_eur' must be numeric"):
        spend_by_department(tiny.assign(annual_cost_eur=["1", "2", "3", "4"]))
