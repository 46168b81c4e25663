"""The synthetic job-ads generator and the helpers that classify ads as hybrid."""

from __future__ import annotations

import pandas as pd
import pytest

from course_utils.labs import datasets, job_ads
from course_utils.labs.datasets import hybrid_job_ads as gen

SKILLS = list(gen.MARKETING_SKILLS + gen.TECHNOLOGY_SKILLS)


@pytest.fixture(scope="module")
def ads() -> pd.DataFrame:
    return datasets.load("hybrid_job_ads")


@pytest.fixture
def tiny() -> pd.DataFrame:
    """Four hand-made ads: marketing 2+0, 2+1, 1+2 and 0+3 skills."""
    rows = [
        ("A", "junior", [True, True, False, False, False], [False] * 5),
        ("A", "senior", [True, False, True, False, False], [True, False, False, False, False]),
        ("B", "senior", [False, False, False, False, True], [True, True, False, False, False]),
        ("B", "junior", [False] * 5, [True, True, True, False, False]),
    ]
    records = []
    for group, level, mkt, tech in rows:
        record = {"group": group, "seniority": level}
        record.update(dict(zip(gen.MARKETING_SKILLS, mkt, strict=True)))
        record.update(dict(zip(gen.TECHNOLOGY_SKILLS, tech, strict=True)))
        records.append(record)
    return job_ads.count_skills(pd.DataFrame.from_records(records))


# --- the generator -------------------------------------------------------------------------------

def test_registered_as_synthetic() -> None:
    assert datasets.info("hybrid_job_ads").synthetic is True


def test_shape_and_columns(ads: pd.DataFrame) -> None:
    assert ads.shape == (gen.DEFAULT_N_ADS, 5 + len(SKILLS) + 2)
    assert list(ads.columns[:5]) == ["ad_id", "job_title", "role_family", "home_side", "seniority"]
    assert ads["ad_id"].is_unique


def test_dtypes(ads: pd.DataFrame) -> None:
    assert all(ads[c].dtype == bool for c in SKILLS)
    assert ads["seniority"].cat.ordered
    assert list(ads["seniority"].cat.categories) == list(gen.SENIORITY_LEVELS)
    assert ads["n_marketing_skills"].dtype == "int64"


def test_counts_match_the_skill_columns(ads: pd.DataFrame) -> None:
    assert (ads["n_marketing_skills"] == ads[list(gen.MARKETING_SKILLS)].sum(axis=1)).all()
    assert (ads["n_technology_skills"] == ads[list(gen.TECHNOLOGY_SKILLS)].sum(axis=1)).all()


def test_every_ad_asks_for_a_home_side_skill(ads: pd.DataFrame) -> None:
    home_count = ads["n_marketing_skills"].where(ads["home_side"] == "marketing", ads["n_technology_skills"])
    assert (home_count >= 1).all()


def test_same_seed_same_table() -> None:
    pd.testing.assert_frame_equal(gen.load(seed=7), gen.load(seed=7))


def test_different_seed_different_table(ads: pd.DataFrame) -> None:
    other = gen.load(seed=gen.DEFAULT_SEED + 1)
    assert not other[SKILLS].equals(ads[SKILLS])


def test_n_ads_sets_the_size() -> None:
    assert len(gen.load(n_ads=12)) == 12


@pytest.mark.parametrize(("kwargs", "word"), [({"n_ads": 0}, "n_ads"), ({"n_ads": 2.5}, "n_ads"),
                                              ({"seed": -1}, "seed"), ({"seed": "x"}, "seed")])
def test_bad_arguments_are_named(kwargs: dict, word: str) -> None:
    with pytest.raises(ValueError, match=rf"hybrid_job_ads: {word} must be"):
        gen.load(**kwargs)


def test_generation_rules_show_in_a_large_sample() -> None:
    big = job_ads.add_profile(gen.load(seed=1, n_ads=6000))
    by_family = big.groupby("role_family", observed=True)["is_hybrid"].mean()
    assert by_family["digital marketing"] > by_family["brand marketing"] + 0.2
    by_level = big.groupby("seniority", observed=True)["is_hybrid"].mean()
    assert by_level.is_monotonic_increasing


def test_card_says_synthetic_seed_and_limits() -> None:
    card = datasets.card("hybrid_job_ads")
    assert "synthetic" in card.lower()
    assert f"seed={gen.DEFAULT_SEED}" in card
    assert "default_rng" in card
    assert "Do not use it for" in card
    for column in ("role_family", "seniority", "n_marketing_skills", "n_technology_skills"):
        assert f"`{column}`" in card


# --- the helpers ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("n_mkt", "n_tech", "k", "expected"),
    [(3, 1, 1, "hybrid"), (3, 1, 2, "marketing-only"), (0, 2, 1, "technology-only"),
     (1, 1, 2, "neither"), (2, 2, 2, "hybrid"), (0, 0, 1, "neither")],
)
def test_classify_profile(n_mkt: int, n_tech: int, k: int, expected: str) -> None:
    assert job_ads.classify_profile(n_mkt, n_tech, min_skills=k) == expected


@pytest.mark.parametrize(("args", "word"), [((1, 1, 0), "min_skills"), ((-1, 1, 1), "n_marketing"),
                                            ((1, 1.5, 1), "n_technology"), ((1, 1, True), "min_skills")])
def test_classify_profile_rejects_bad_numbers(args: tuple, word: str) -> None:
    with pytest.raises(job_ads.JobAdsError, match=word):
        job_ads.classify_profile(*args)


def test_add_profile_agrees_with_classify_profile(ads: pd.DataFrame) -> None:
    for k in (1, 2, 3):
        profiled = job_ads.add_profile(ads, min_skills=k)
        expected = [job_ads.classify_profile(m, t, k)
                    for m, t in zip(ads["n_marketing_skills"], ads["n_technology_skills"], strict=True)]
        assert profiled["profile"].astype(str).tolist() == expected
        assert (profiled["is_hybrid"] == (profiled["profile"] == "hybrid")).all()


def test_add_profile_does_not_change_its_input(tiny: pd.DataFrame) -> None:
    before = tiny.copy()
    job_ads.add_profile(tiny)
    pd.testing.assert_frame_equal(tiny, before)


def test_hybrid_share_by_group(tiny: pd.DataFrame) -> None:
    assert job_ads.hybrid_share(tiny, by="group").to_dict() == {"A": 0.5, "B": 0.5}
    assert job_ads.hybrid_share(tiny, by="group", min_skills=2).to_dict() == {"A": 0.0, "B": 0.0}
    assert job_ads.hybrid_share(tiny, by="seniority").to_dict() == {"junior": 0.0, "senior": 1.0}


def test_hybrid_share_by_two_columns(tiny: pd.DataFrame) -> None:
    table = job_ads.hybrid_share(tiny, by=["group", "seniority"]).unstack()
    assert table.loc["A", "senior"] == 1.0
    assert table.loc["B", "junior"] == 0.0
    with pytest.raises(job_ads.JobAdsError, match="at least one column"):
        job_ads.hybrid_share(tiny, by=[])


def test_profile_shares_rows_sum_to_one(ads: pd.DataFrame) -> None:
    shares = job_ads.profile_shares(ads, by="role_family", min_skills=2)
    assert list(shares.columns) == [*job_ads.PROFILES, "n_ads"]
    assert shares[list(job_ads.PROFILES)].sum(axis=1).round(12).eq(1).all()
    assert shares["n_ads"].sum() == len(ads)


def test_profile_shares_on_tiny(tiny: pd.DataFrame) -> None:
    shares = job_ads.profile_shares(tiny, by="group")
    assert shares.loc["A", "marketing-only"] == 0.5
    assert shares.loc["B", "technology-only"] == 0.5


def test_skill_demand(tiny: pd.DataFrame) -> None:
    demand = job_ads.skill_demand(tiny, by="group")
    assert demand.loc["A", "mkt_brand_strategy"] == 1.0
    assert demand.loc["B", "tech_analytics_sql"] == 1.0
    assert demand.loc["A", "tech_martech_platforms"] == 0.0


def test_count_skills_with_a_narrower_definition(tiny: pd.DataFrame) -> None:
    narrow = job_ads.count_skills(tiny, technology=["tech_martech_platforms"])
    assert narrow["n_technology_skills"].tolist() == [0, 0, 1, 1]
    assert narrow["n_marketing_skills"].tolist() == tiny["n_marketing_skills"].tolist()


def test_missing_column_is_named(tiny: pd.DataFrame) -> None:
    with pytest.raises(job_ads.JobAdsError, match=r"hybrid_share: .*no column 'region'"):
        job_ads.hybrid_share(tiny, by="region")
    with pytest.raises(job_ads.JobAdsError, match=r"add_profile: .*no column 'n_marketing_skills'"):
        job_ads.add_profile(tiny.drop(columns="n_marketing_skills"))


def test_bad_count_and_skill_columns_are_named(tiny: pd.DataFrame) -> None:
    broken = tiny.assign(n_technology_skills=tiny["n_technology_skills"] - 5)
    with pytest.raises(job_ads.JobAdsError, match="'n_technology_skills' must hold whole numbers"):
        job_ads.add_profile(broken)
    with pytest.raises(job_ads.JobAdsError, match="'mkt_content' must hold True/False"):
        job_ads.count_skills(tiny.assign(mkt_content=1))


def test_not_a_dataframe() -> None:
    with pytest.raises(job_ads.JobAdsError, match="expected a pandas DataFrame"):
        job_ads.add_profile([1, 2, 3])  # type: ignore[arg-type]
