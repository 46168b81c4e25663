"""The synthetic time log data set and the strategic-vs-operational helpers."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from course_utils.labs import datasets  # noqa: E402
from course_utils.labs import time_allocation as ta  # noqa: E402
from course_utils.labs.datasets import time_log  # noqa: E402

MAPPING = {"strategy": "strategic", "campaign": "operational", "email": "other"}


@pytest.fixture
def tiny() -> pd.DataFrame:
    """Two weeks: week 1 is 2 h strategy + 6 h campaign, week 2 is 4 h + 2 h + 2 h email."""
    return pd.DataFrame({
        "week": [1, 1, 2, 2, 2],
        "weekday": [1, 2, 1, 1, 3],
        "activity": ["strategy", "campaign", "strategy", "campaign", "email"],
        "hours": [2.0, 6.0, 4.0, 2.0, 2.0],
    })


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    return datasets.load("time_log")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# --- the data set ------------------------------------------------------------------------------


def test_registered_as_synthetic_with_a_card_that_says_so() -> None:
    info = datasets.info("time_log")
    assert info.synthetic is True
    assert "synthetic" in info.card.lower()
    assert str(time_log.DEFAULT_SEED) in info.card
    for column in time_log.COLUMNS:
        assert f"`{column}`" in info.card


def test_columns_and_dtypes(log: pd.DataFrame) -> None:
    assert tuple(log.columns) == time_log.COLUMNS
    assert log["week"].dtype == "int64"
    assert log["weekday"].dtype == "int64"
    assert log["hours"].dtype == "float64"
    assert pd.api.types.is_string_dtype(log["activity"])


def test_calendar_without_dates(log: pd.DataFrame) -> None:
    assert sorted(log["week"].unique()) == list(range(1, time_log.WEEKS + 1))
    assert sorted(log["weekday"].unique()) == list(range(1, time_log.WEEKDAYS + 1))
    days = log.groupby(["week", "weekday"])["hours"].sum()
    assert len(days) == time_log.WEEKS * time_log.WEEKDAYS
    assert days.between(7.0, 9.0).all()


def test_hours_are_half_hour_blocks(log: pd.DataFrame) -> None:
    assert (log["hours"] > 0).all()
    assert ((log["hours"] * 2) % 1 == 0).all()
    assert not log.duplicated(["week", "weekday", "activity"]).any()


def test_every_activity_is_mapped(log: pd.DataFrame) -> None:
    assert set(log["activity"]) <= set(time_log.ACTIVITY_CATEGORY)
    assert set(time_log.ACTIVITY_CATEGORY.values()) == {"strategic", "operational", "other"}


def test_leadership_meeting_every_monday(log: pd.DataFrame) -> None:
    meetings = log.loc[log["activity"] == "leadership group meeting"]
    assert sorted(meetings["week"]) == list(range(1, time_log.WEEKS + 1))
    assert (meetings["weekday"] == 1).all()


def test_same_seed_same_log() -> None:
    pd.testing.assert_frame_equal(time_log.load(seed=3), time_log.load(seed=3))


def test_other_seed_other_log() -> None:
    assert not time_log.load(seed=3).equals(time_log.load(seed=4))


def test_launch_weeks_are_less_strategic(log: pd.DataFrame) -> None:
    shares = ta.weekly_shares(log, time_log.ACTIVITY_CATEGORY)["strategic"]
    launch = [w for w, phase in enumerate(time_log.PHASES, start=1) if phase == "launch"]
    planning = [w for w, phase in enumerate(time_log.PHASES, start=1) if phase == "planning"]
    assert shares.loc[launch].mean() < shares.loc[planning].mean()


@pytest.mark.parametrize("seed", [-3, 2.0, False])
def test_bad_seed_is_refused(seed: object) -> None:
    with pytest.raises(ValueError, match="time_log.load: seed"):
        time_log.load(seed=seed)


# --- classify ----------------------------------------------------------------------------------


def test_classify_adds_category(tiny: pd.DataFrame) -> None:
    out = ta.classify(tiny, MAPPING)
    assert out["category"].tolist() == ["strategic", "operational", "strategic", "operational", "other"]
    assert "category" not in tiny.columns  # the input is not changed


def test_classify_lists_unmapped_activities(tiny: pd.DataFrame) -> None:
    with pytest.raises(ta.TimeLogError, match=r"no category for activity 'campaign', 'email'"):
        ta.classify(tiny, {"strategy": "strategic"})


def test_classify_default(tiny: pd.DataFrame) -> None:
    out = ta.classify(tiny, {"strategy": "strategic"}, default="other")
    assert out["category"].value_counts().to_dict() == {"other": 3, "strategic": 2}


@pytest.mark.parametrize(("change", "message"), [
    ({"hours": [2.0, -1.0, 4.0, 2.0, 2.0]}, r"row 1 \('campaign'\) has hours -1.0"),
    ({"hours": [2.0, 6.0, "lots", 2.0, 2.0]}, r"row 2 \('strategy'\) has hours 'lots'"),
])
def test_bad_hours_are_refused(tiny: pd.DataFrame, change: dict, message: str) -> None:
    with pytest.raises(ta.TimeLogError, match=message):
        ta.classify(tiny.assign(**change), MAPPING)


def test_missing_column_and_wrong_types(tiny: pd.DataFrame) -> None:
    with pytest.raises(ta.TimeLogError, match="classify: the time log has no column 'hours'"):
        ta.classify(tiny.drop(columns="hours"), MAPPING)
    with pytest.raises(ta.TimeLogError, match="expected a pandas DataFrame"):
        ta.classify(tiny.to_dict(), MAPPING)
    with pytest.raises(ta.TimeLogError, match="mapping must be a dict"):
        ta.classify(tiny, [("strategy", "strategic")])
    with pytest.raises(ta.TimeLogError, match="hours_by_category: .*no column 'month'"):
        ta.hours_by_category(tiny, MAPPING, by="month")


# --- hours and shares --------------------------------------------------------------------------


def test_hours_by_category(tiny: pd.DataFrame) -> None:
    table = ta.hours_by_category(tiny, MAPPING)
    assert list(table.columns) == ["strategic", "operational", "other", "total"]
    assert table.loc[1].to_dict() == {"strategic": 2.0, "operational": 6.0, "other": 0.0, "total": 8.0}
    assert table.loc[2, "total"] == 8.0


def test_weekly_shares(tiny: pd.DataFrame) -> None:
    shares = ta.weekly_shares(tiny, MAPPING)
    assert shares.loc[1, "strategic"] == pytest.approx(0.25)
    assert shares.loc[2].to_dict() == pytest.approx({"strategic": 0.5, "operational": 0.25, "other": 0.25})
    assert shares.sum(axis=1).to_numpy() == pytest.approx([1.0, 1.0])


def test_weekly_shares_refuses_empty_week(tiny: pd.DataFrame) -> None:
    with pytest.raises(ta.TimeLogError, match="week 1 has no logged hours"):
        ta.weekly_shares(tiny.assign(hours=[0.0, 0.0, 4.0, 2.0, 2.0]), MAPPING)


def test_strategic_share(tiny: pd.DataFrame) -> None:
    assert ta.strategic_share(tiny, MAPPING) == pytest.approx(6 / 16)
    assert ta.strategic_share(tiny, MAPPING, exclude=["other"]) == pytest.approx(6 / 14)
    with pytest.raises(ta.TimeLogError, match="no hours left"):
        ta.strategic_share(tiny, MAPPING, exclude=["strategic", "operational", "other"])


def test_data_set_shares_match_hours(log: pd.DataFrame) -> None:
    hours = ta.hours_by_category(log, time_log.ACTIVITY_CATEGORY)
    overall = ta.strategic_share(log, time_log.ACTIVITY_CATEGORY)
    assert overall == pytest.approx(hours["strategic"].sum() / hours["total"].sum())
    assert hours["total"].sum() == pytest.approx(log["hours"].sum())


def test_remapping_changes_the_share(log: pd.DataFrame) -> None:
    before = ta.strategic_share(log, time_log.ACTIVITY_CATEGORY)
    remapped = {**time_log.ACTIVITY_CATEGORY, "budget monitoring": "strategic"}
    assert ta.strategic_share(log, remapped) > before


# --- plot --------------------------------------------------------------------------------------


def test_plot_weekly_shares(tiny: pd.DataFrame) -> None:
    ax = ta.plot_weekly_shares(ta.weekly_shares(tiny, MAPPING), target=0.3)
    assert len(ax.patches) == 2 * 3  # two weeks x three categories
    assert ax.get_ylabel() == "share of logged hours"
    assert ax.get_title()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2"]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "strategic" in labels and "strategic target (30%)" in labels


def test_plot_on_given_axes(tiny: pd.DataFrame) -> None:
    _fig, ax = plt.subplots()
    assert ta.plot_weekly_shares(ta.weekly_shares(tiny, MAPPING), ax=ax) is ax


def test_plot_errors(tiny: pd.DataFrame) -> None:
    with pytest.raises(ta.TimeLogError, match="target must be a share between 0 and 1"):
        ta.plot_weekly_shares(ta.weekly_shares(tiny, MAPPING), target=30)
    with pytest.raises(ta.TimeLogError, match="non-empty DataFrame"):
        ta.plot_weekly_shares(pd.DataFrame())
