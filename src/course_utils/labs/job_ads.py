"""Classify job ads as marketing-only, technology-only or hybrid, and count who asks for both.

Works on any table shaped like the ``hybrid_job_ads`` data set: boolean skill columns whose
names start with ``mkt_`` (marketing skills) or ``tech_`` (technology skills), and the counts
``n_marketing_skills`` and ``n_technology_skills``.

An ad is **hybrid** when it asks for at least ``min_skills`` marketing skills AND at least
``min_skills`` technology skills. Where that line is drawn is a choice; every function here takes
it as an argument so that the choice stays visible. This rule describes *demand* (what an ad asks
for); the course's definition of a hybrid *person* is the T-shape rule of
:func:`course_utils.labs.skills_profiles.is_hybrid`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from course_utils.labs.tables import require_columns

__all__ = [
    "MARKETING_PREFIX",
    "PROFILES",
    "TECHNOLOGY_PREFIX",
    "JobAdsError",
    "add_profile",
    "classify_profile",
    "count_skills",
    "hybrid_share",
    "profile_shares",
    "skill_demand",
]

MARKETING_PREFIX = "mkt_"
TECHNOLOGY_PREFIX = "tech_"
PROFILES = ("marketing-only", "technology-only", "hybrid", "neither")
COUNT_COLUMNS = ("n_marketing_skills", "n_technology_skills")


class JobAdsError(ValueError):
    """A job-ads table or argument the helpers cannot work with; the message says what is wrong."""


def _check_min_skills(min_skills: object) -> int:
    if not isinstance(min_skills, (int, np.integer)) or isinstance(min_skills, bool) or min_skills < 1:
        raise JobAdsError(f"min_skills must be a whole number of at least 1, got {min_skills!r}")
    return int(min_skills)


def _require_columns(ads: pd.DataFrame, columns: Sequence[str], needed_by: str) -> None:
    require_columns(ads, columns, needed_by=needed_by, what="job-ads table", error=JobAdsError,
                    expected="a pandas DataFrame of job ads")


def _skill_columns(ads: pd.DataFrame, prefix: str) -> list[str]:
    return [c for c in ads.columns if isinstance(c, str) and c.startswith(prefix)]


def classify_profile(n_marketing: int, n_technology: int, min_skills: int = 1) -> str:
    """Return the profile of one ad from its two skill counts.

    ``"hybrid"`` if both counts reach ``min_skills``; ``"marketing-only"`` or
    ``"technology-only"`` if only one does; ``"neither"`` if none does.

    >>> classify_profile(3, 1)
    'hybrid'
    >>> classify_profile(3, 1, min_skills=2)
    'marketing-only'
    """
    k = _check_min_skills(min_skills)
    for label, value in (("n_marketing", n_marketing), ("n_technology", n_technology)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 0:
            raise JobAdsError(f"{label} must be a whole number of at least 0, got {value!r}")
    marketing, technology = n_marketing >= k, n_technology >= k
    if marketing and technology:
        return "hybrid"
    if marketing:
        return "marketing-only"
    if technology:
        return "technology-only"
    return "neither"


def count_skills(
    ads: pd.DataFrame,
    marketing: Sequence[str] | None = None,
    technology: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return a copy of ``ads`` with ``n_marketing_skills`` and ``n_technology_skills`` recounted.

    By default every ``mkt_*`` and ``tech_*`` column counts; pass ``marketing`` or ``technology``
    (lists of column names) to count only some skills, e.g. to test a narrower definition.
    """
    _require_columns(ads, [], "count_skills")
    marketing = list(marketing) if marketing is not None else _skill_columns(ads, MARKETING_PREFIX)
    technology = list(technology) if technology is not None else _skill_columns(ads, TECHNOLOGY_PREFIX)
    _require_columns(ads, marketing + technology, "count_skills")
    for column in marketing + technology:
        if not pd.api.types.is_bool_dtype(ads[column]):
            raise JobAdsError(f"count_skills: skill column {column!r} must hold True/False, not {ads[column].dtype}")
    out = ads.copy()
    out["n_marketing_skills"] = ads[marketing].sum(axis=1).astype("int64")
    out["n_technology_skills"] = ads[technology].sum(axis=1).astype("int64")
    return out


def add_profile(ads: pd.DataFrame, min_skills: int = 1) -> pd.DataFrame:
    """Return a copy of ``ads`` with a ``profile`` column (see :data:`PROFILES`) and ``is_hybrid``."""
    k = _check_min_skills(min_skills)
    _require_columns(ads, COUNT_COLUMNS, "add_profile")
    for column in COUNT_COLUMNS:
        values = ads[column]
        if not pd.api.types.is_integer_dtype(values) or (values < 0).any():
            raise JobAdsError(f"add_profile: column {column!r} must hold whole numbers of at least 0")
    marketing = ads["n_marketing_skills"].to_numpy() >= k
    technology = ads["n_technology_skills"].to_numpy() >= k
    labels = np.select(
        [marketing & technology, marketing, technology],
        ["hybrid", "marketing-only", "technology-only"],
        default="neither",
    )
    out = ads.copy()
    out["profile"] = pd.Categorical(labels, categories=list(PROFILES))
    out["is_hybrid"] = marketing & technology
    return out


def _check_by(ads: pd.DataFrame, by: str | Sequence[str], needed_by: str) -> str | list[str]:
    columns = [by] if isinstance(by, str) else list(by)
    if not columns:
        raise JobAdsError(f"{needed_by}: 'by' must name at least one column")
    _require_columns(ads, columns, needed_by)
    return by if isinstance(by, str) else columns


def hybrid_share(ads: pd.DataFrame, by: str | Sequence[str], min_skills: int = 1) -> pd.Series:
    """Share (0-1) of hybrid ads in each group of ``by``, e.g. ``"seniority"``.

    ``by`` may also be a list of columns, e.g. ``["home_side", "seniority"]`` (then
    ``.unstack()`` turns the result into a table).
    """
    by = _check_by(ads, by, "hybrid_share")
    profiled = add_profile(ads, min_skills)
    share = profiled.groupby(by, observed=True, sort=True)["is_hybrid"].mean()
    return share.rename("hybrid_share")


def profile_shares(ads: pd.DataFrame, by: str | Sequence[str], min_skills: int = 1) -> pd.DataFrame:
    """Share (0-1) of each profile within each group of ``by``; each row sums to 1.

    Columns are the profiles in the order of :data:`PROFILES`, plus ``n_ads`` (ads in the group).
    """
    by = _check_by(ads, by, "profile_shares")
    profiled = add_profile(ads, min_skills)
    grouped = profiled.groupby(by, observed=True, sort=True)["profile"]
    counts = grouped.value_counts().unstack(fill_value=0).reindex(columns=list(PROFILES), fill_value=0)
    shares = counts.div(counts.sum(axis=1), axis=0)
    shares.columns = pd.Index(list(PROFILES), name="profile")
    shares["n_ads"] = counts.sum(axis=1).astype("int64")
    return shares


def skill_demand(ads: pd.DataFrame, by: str | Sequence[str] = "home_side") -> pd.DataFrame:
    """Share (0-1) of ads in each group of ``by`` that ask for each skill (one column per skill)."""
    by = _check_by(ads, by, "skill_demand")
    skills = _skill_columns(ads, MARKETING_PREFIX) + _skill_columns(ads, TECHNOLOGY_PREFIX)
    if not skills:
        raise JobAdsError("skill_demand: the job-ads table has no mkt_* or tech_* skill columns")
    return ads.groupby(by, observed=True, sort=True)[skills].mean()
