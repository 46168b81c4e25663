"""The team_skills data set and the skill-profile helpers (depth, breadth, shapes, coverage, plots)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from course_utils.labs import datasets
from course_utils.labs import skills_profiles as sp
from course_utils.labs.datasets import team_skills


def levels_from_areas(area_levels: dict[str, int], default: int = 0) -> dict[str, int]:
    """A full skill profile whose first skill of each area has the given level, the second one 0."""
    levels = dict.fromkeys(sp.SKILLS, 0)
    for area, skills in sp.AREAS.items():
        levels[skills[0]] = area_levels.get(area, default)
    return levels


AREA_NAMES = list(sp.AREAS)


@pytest.fixture(scope="module")
def team() -> pd.DataFrame:
    return datasets.load("team_skills", include_archetype=True)


@pytest.fixture()
def t_shaped() -> dict[str, int]:
    return levels_from_areas({AREA_NAMES[0]: 5, AREA_NAMES[1]: 2, AREA_NAMES[2]: 3, AREA_NAMES[3]: 2})


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ------------------------------------------------------------------ data set


def test_registered_as_synthetic_with_card() -> None:
    info = datasets.info("team_skills")
    assert info.synthetic is True
    assert "synthetic" in info.card.lower()
    assert str(team_skills.DEFAULT_SEED) in info.card
    for column in ("person_id", "tribe", "area", "skill", "level"):
        assert f"`{column}`" in info.card


def test_shape_columns_and_types() -> None:
    data = datasets.load("team_skills")
    assert data.shape == (team_skills.DEFAULT_N_PEOPLE * len(sp.SKILLS), 5)
    assert list(data.columns) == ["person_id", "tribe", "area", "skill", "level"]
    assert data["level"].dtype == "int64"
    assert data["level"].between(0, 5).all()
    assert set(data["skill"]) == set(sp.SKILLS)
    assert list(data["tribe"].cat.categories) == ["brand", "digital", "CRM"]
    assert (data["area"].astype(str) == data["skill"].map(sp.AREA_OF_SKILL)).all()
    assert data.groupby("person_id")["tribe"].nunique().eq(1).all()


def test_same_seed_same_data_other_seed_other_data() -> None:
    pd.testing.assert_frame_equal(team_skills.load(seed=7), team_skills.load(seed=7))
    assert not team_skills.load(seed=7)["level"].equals(team_skills.load(seed=8)["level"])


@pytest.mark.parametrize("n_people", [3, 10, 31])
def test_n_people_and_every_tribe_present(n_people: int) -> None:
    data = team_skills.load(n_people=n_people)
    assert data["person_id"].nunique() == n_people
    assert set(data["tribe"]) == set(team_skills.TRIBES)


def test_default_thresholds_recover_the_generator_archetypes(team: pd.DataFrame) -> None:
    profiles = sp.profile_table(team)["profile"].astype(str)
    archetypes = team.drop_duplicates("person_id").set_index("person_id")["archetype"].astype(str)
    assert (profiles == archetypes.loc[profiles.index]).all()
    assert set(archetypes) == set(team_skills.ARCHETYPES)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"n_people": 0}, "n_people"), ({"n_people": 2.5}, "n_people"), ({"seed": -1}, "seed")],
)
def test_load_rejects_bad_arguments(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=f"team_skills: {message}"):
        team_skills.load(**kwargs)


# ------------------------------------------------------------------ one person


def test_area_levels_take_the_highest_skill() -> None:
    levels = dict.fromkeys(sp.SKILLS, 0)
    first, second = sp.AREAS["CRM"]
    levels[first], levels[second] = 2, 4
    assert sp.area_levels(levels)["CRM"] == 4
    assert sp.depth(levels) == 4
    assert sp.breadth(levels) == 1
    assert sp.breadth(levels, broad_level=5) == 0


def test_depth_and_breadth(t_shaped: dict[str, int]) -> None:
    assert sp.depth(t_shaped) == 5
    assert sp.breadth(t_shaped) == 4
    assert sp.breadth(t_shaped, broad_level=3) == 2


@pytest.mark.parametrize(
    ("areas", "expected"),
    [
        ({0: 5, 1: 2, 2: 2, 3: 2}, "T-shaped"),
        ({0: 5, 1: 4, 2: 2, 3: 2}, "pi-shaped"),
        ({0: 5, 1: 2}, "I-shaped"),
        ({0: 4, 1: 5}, "I-shaped"),
        ({0: 3, 1: 3, 2: 2, 3: 2}, "generalist"),
        ({0: 3, 1: 1}, "developing"),
    ],
)
def test_classify_profile_default_rule(areas: dict[int, int], expected: str) -> None:
    levels = levels_from_areas({AREA_NAMES[i]: v for i, v in areas.items()})
    assert sp.classify_profile(levels) == expected


def test_thresholds_change_the_profile(t_shaped: dict[str, int]) -> None:
    assert sp.classify_profile(t_shaped) == "T-shaped"
    assert sp.classify_profile(t_shaped, min_broad_areas=5) == "I-shaped"
    assert sp.classify_profile(t_shaped, deep_level=3) == "pi-shaped"
    assert sp.classify_profile(t_shaped, broad_level=3, min_broad_areas=2) == "T-shaped"


def test_accepts_a_series(t_shaped: dict[str, int]) -> None:
    assert sp.classify_profile(pd.Series(t_shaped)) == "T-shaped"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"branding": 3}, "unknown skill 'branding'"),
        ({"analytics": 6}, "level of 'analytics' must be a whole number 0-5, got 6"),
        ({"analytics": -1}, "level of 'analytics' must be a whole number 0-5"),
        ({"analytics": 2.5}, "level of 'analytics' must be a whole number 0-5, got 2.5"),
        ({"analytics": "3"}, "level of 'analytics' must be a whole number 0-5, got '3'"),
        ({"analytics": True}, "level of 'analytics'"),
    ],
)
def test_bad_levels_have_clear_errors(t_shaped: dict[str, int], change: dict, message: str) -> None:
    with pytest.raises(sp.SkillsProfileError, match=message.replace("(", r"\(")):
        sp.classify_profile({**t_shaped, **change})


def test_missing_skill_is_named(t_shaped: dict[str, int]) -> None:
    del t_shaped["crm_data"]
    with pytest.raises(sp.SkillsProfileError, match="no level for skill 'crm_data'"):
        sp.depth(t_shaped)


def test_not_a_mapping() -> None:
    with pytest.raises(sp.SkillsProfileError, match="expected a mapping"):
        sp.depth([1, 2, 3])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"deep_level": 2, "broad_level": 2}, "broad_level \\(2\\) must be lower than deep_level \\(2\\)"),
        ({"deep_level": 6}, "deep_level must be a whole number from 1 to 5"),
        ({"min_broad_areas": 0}, "min_broad_areas must be a whole number from 1 to 7"),
        ({"broad_level": 1.5}, "broad_level must be a whole number"),
    ],
)
def test_bad_thresholds(t_shaped: dict[str, int], kwargs: dict, message: str) -> None:
    with pytest.raises(sp.SkillsProfileError, match=message):
        sp.classify_profile(t_shaped, **kwargs)


# ------------------------------------------------------------------ a team


def test_profile_table(team: pd.DataFrame) -> None:
    table = sp.profile_table(team)
    assert len(table) == team["person_id"].nunique()
    assert list(table.columns) == ["tribe", "depth", "breadth", "n_deep_areas", "deepest_area", "profile"]
    wide = sp.team_area_levels(team)
    assert (table["depth"] == wide.max(axis=1)).all()
    assert (table["breadth"] == (wide >= 2).sum(axis=1)).all()
    assert table["deepest_area"].isin(sp.AREAS).all()


def test_profile_counts_add_up_and_move(team: pd.DataFrame) -> None:
    counts = sp.profile_counts(team, [{}, {"deep_level": 5}, {"broad_level": 3}])
    assert list(counts.columns) == list(sp.PROFILES)
    assert (counts.sum(axis=1) == team["person_id"].nunique()).all()
    assert counts.index[0] == "deep>=4, broad>=2, areas>=4"
    assert not counts.iloc[0].equals(counts.iloc[1])


def test_profile_counts_rejects_unknown_threshold(team: pd.DataFrame) -> None:
    with pytest.raises(sp.SkillsProfileError, match="unknown threshold 'depth'"):
        sp.profile_counts(team, [{"depth": 4}])
    with pytest.raises(sp.SkillsProfileError, match="non-empty list"):
        sp.profile_counts(team, {"deep_level": 4})


def test_team_coverage_by_tribe(team: pd.DataFrame) -> None:
    matrix = sp.team_coverage(team, min_level=3)
    assert list(matrix.index) == list(sp.AREAS)
    assert list(matrix.columns) == ["brand", "digital", "CRM"]
    wide = sp.team_area_levels(team)
    assert matrix.to_numpy().sum() == int((wide >= 3).to_numpy().sum())
    brand_people = team.loc[team["tribe"] == "brand", "person_id"].unique()
    assert matrix.loc["brand", "brand"] == int((wide.loc[brand_people, "brand"] >= 3).sum())
    assert (sp.team_coverage(team, min_level=0).sum().sum()) == len(wide) * len(sp.AREAS)


def test_team_coverage_by_level(team: pd.DataFrame) -> None:
    matrix = sp.team_coverage(team, by="level")
    assert list(matrix.columns) == [0, 1, 2, 3, 4, 5]
    assert list(matrix.index) == list(sp.SKILLS)
    assert (matrix.sum(axis=1) == team["person_id"].nunique()).all()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda t: t.drop(columns="tribe"), "has no column 'tribe'"),
        (lambda t: t.assign(skill=t["skill"].replace("analytics", "seo")), "unknown skill 'seo'"),
        (lambda t: t.assign(level=t["level"].replace(5, 7)), "level must be a whole number 0-5, got 7"),
        (lambda t: t.iloc[1:], "has 13 of the 14 skills"),
        (lambda t: pd.concat([t, t.iloc[:1]]), "has skill 'brand_strategy' twice"),
    ],
)
def test_team_table_errors(team: pd.DataFrame, mutate, message: str) -> None:
    with pytest.raises(sp.SkillsProfileError, match=message):
        sp.team_coverage(mutate(team.copy()))


def test_team_coverage_bad_by(team: pd.DataFrame) -> None:
    with pytest.raises(sp.SkillsProfileError, match="by must be 'tribe' or 'level'"):
        sp.team_coverage(team, by="area")


def test_not_a_dataframe() -> None:
    with pytest.raises(sp.SkillsProfileError, match="expected a long-format team DataFrame, got list"):
        sp.profile_table([1, 2])


# ------------------------------------------------------------------ plots


def test_plot_t_profile_by_area_puts_the_deepest_bar_in_the_middle(t_shaped: dict[str, int]) -> None:
    ax = sp.plot_t_profile(t_shaped)
    heights = [p.get_height() for p in ax.patches]
    assert len(heights) == len(sp.AREAS)
    assert heights[len(heights) // 2] == 5 == max(heights)
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # inverted: the bars hang down
    assert ax.get_title() and ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[len(labels) // 2] == AREA_NAMES[0]


def test_plot_t_profile_by_skill_with_target(t_shaped: dict[str, int]) -> None:
    target = dict.fromkeys(sp.SKILLS, 3)
    ax = sp.plot_t_profile(t_shaped, by="skill", target=target, title="me")
    assert len(ax.patches) == 2 * len(sp.SKILLS)
    assert ax.get_title() == "me"
    assert "target" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_plot_t_profile_errors(t_shaped: dict[str, int]) -> None:
    with pytest.raises(sp.SkillsProfileError, match="by must be 'area' or 'skill'"):
        sp.plot_t_profile(t_shaped, by="tribe")
    with pytest.raises(sp.SkillsProfileError, match="target profile: unknown skill 'x'"):
        sp.plot_t_profile(t_shaped, by="skill", target={"x": 1})


def test_plot_coverage_heatmap(team: pd.DataFrame) -> None:
    matrix = sp.team_coverage(team)
    ax = sp.plot_coverage_heatmap(matrix, title="coverage")
    assert ax.get_title() == "coverage"
    assert [t.get_text() for t in ax.get_yticklabels()] == list(sp.AREAS)
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == matrix.size
    assert texts[0] == str(matrix.iloc[0, 0])
    assert ax.images[0].get_cmap().name == "cividis"


def test_plot_coverage_heatmap_errors() -> None:
    with pytest.raises(sp.SkillsProfileError, match="non-empty DataFrame"):
        sp.plot_coverage_heatmap(pd.DataFrame())
    with pytest.raises(sp.SkillsProfileError, match="NaN"):
        sp.plot_coverage_heatmap(pd.DataFrame({"a": [1.0, None]}))
