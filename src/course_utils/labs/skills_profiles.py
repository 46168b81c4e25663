"""Depth, breadth and shape of marketing skill profiles (I, T, pi, generalist), and team coverage.

A **skill profile** gives one person a level from 0 to 5 on each skill of :data:`SKILLS`. Skills are
grouped into :data:`AREAS`; a person's level in an **area** is the highest level among its skills
(knowing one skill of an area well is enough to hold up that part of the T).

The shape rule, with every threshold an argument so that the choice stays visible:

* an area is **deep** when its level is at least ``deep_level`` (default 4);
* an area is **broad** when its level is at least ``broad_level`` (default 2) -- deep areas are broad
  too, so ``breadth`` counts the deep areas as well;
* ``depth`` is the highest area level (0-5); ``breadth`` is the number of broad areas.

Then, with ``n_deep`` the number of deep areas:

=================  =======================================================================
profile            rule
=================  =======================================================================
``pi-shaped``      ``n_deep >= 2`` and ``breadth >= min_broad_areas``
``T-shaped``       ``n_deep == 1`` and ``breadth >= min_broad_areas``
``I-shaped``       ``n_deep >= 1`` and ``breadth < min_broad_areas`` (depth without breadth)
``generalist``     ``n_deep == 0`` and ``breadth >= min_broad_areas`` (breadth without depth)
``developing``     ``n_deep == 0`` and ``breadth < min_broad_areas`` (neither yet)
=================  =======================================================================

Team tables are in **long format**: one row per person and skill, with the columns ``person_id``,
``tribe``, ``skill`` and ``level`` (the ``team_skills`` data set has this shape).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from course_utils.labs.tables import require_columns

if TYPE_CHECKING:  # matplotlib is imported when a plot is drawn (it costs a kernel 0.35 s)
    import matplotlib.pyplot as plt

__all__ = [
    "AREAS",
    "AREA_OF_SKILL",
    "MAX_LEVEL",
    "HYBRID_SHAPES",
    "PROFILES",
    "SKILLS",
    "SKILL_LABELS",
    "SkillsProfileError",
    "area_levels",
    "breadth",
    "check_levels",
    "classify_profile",
    "depth",
    "is_hybrid",
    "plot_coverage_heatmap",
    "plot_t_profile",
    "profile_counts",
    "profile_table",
    "team_area_levels",
    "team_coverage",
]

MIN_LEVEL = 0
MAX_LEVEL = 5
LEVEL_MEANINGS = {
    0: "no knowledge",
    1: "aware of it",
    2: "can work with it under guidance",
    3: "works with it independently",
    4: "expert: others ask you",
    5: "leading expert: you shape how it is done",
}

# area -> its skills (in display order)
AREAS: dict[str, tuple[str, ...]] = {
    "brand": ("brand_strategy", "creative_direction"),
    "advertising & content": ("paid_media", "content_storytelling"),
    "psychology & CX": ("consumer_psychology", "customer_experience"),
    "data & analytics": ("analytics", "experimentation"),
    "martech & automation": ("marketing_automation", "martech_architecture"),
    "CRM": ("crm_data", "lifecycle_messaging"),
    "leadership & collaboration": ("strategic_leadership", "it_partnership"),
}
SKILLS: tuple[str, ...] = tuple(skill for skills in AREAS.values() for skill in skills)
AREA_OF_SKILL: dict[str, str] = {skill: area for area, skills in AREAS.items() for skill in skills}
SKILL_LABELS: dict[str, str] = {
    "brand_strategy": "brand strategy",
    "creative_direction": "creative direction",
    "paid_media": "paid media / advertising",
    "content_storytelling": "content and storytelling",
    "consumer_psychology": "consumer psychology",
    "customer_experience": "customer experience",
    "analytics": "analytics and reporting",
    "experimentation": "experimentation (A/B tests)",
    "marketing_automation": "marketing automation",
    "martech_architecture": "martech architecture",
    "crm_data": "CRM data and segmentation",
    "lifecycle_messaging": "lifecycle email and messaging",
    "strategic_leadership": "strategic leadership",
    "it_partnership": "partnership with IT",
}
PROFILES = ("I-shaped", "T-shaped", "pi-shaped", "generalist", "developing")
HYBRID_SHAPES = ("T-shaped", "pi-shaped")
"""The profiles the course calls *hybrid*: depth in at least one area joined with breadth."""
TEAM_COLUMNS = ("person_id", "tribe", "skill", "level")

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
DEEP_COLOUR = "#0072B2"
BROAD_COLOUR = "#E69F00"
BELOW_COLOUR = "#BBBBBB"


class SkillsProfileError(ValueError):
    """A skill profile, team table or threshold the helpers cannot use; the message says why."""


# ---------------------------------------------------------------- validation


def _plain(value: object) -> object:
    """A numpy scalar as the Python value it holds, so that messages read ``7``, not ``np.int64(7)``."""
    return value.item() if isinstance(value, np.generic) else value


def _check_level(where: str, name: str, value: object) -> int:
    value = _plain(value)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer, float, np.floating)):
        raise SkillsProfileError(f"{where}: level of {name!r} must be a whole number 0-5, got {value!r}")
    if float(value) != int(value) or not MIN_LEVEL <= int(value) <= MAX_LEVEL:
        raise SkillsProfileError(f"{where}: level of {name!r} must be a whole number 0-5, got {value!r}")
    return int(value)


def check_levels(levels: Mapping[str, object], where: str = "skill profile") -> dict[str, int]:
    """Validate one person's levels and return them as ``{skill: int}`` in :data:`SKILLS` order.

    Every skill of :data:`SKILLS` must be present, no other key is allowed, and every level must be a
    whole number from 0 to 5. ``where`` names the profile in error messages.
    """
    if isinstance(levels, pd.Series):
        levels = levels.to_dict()
    if not isinstance(levels, Mapping):
        raise SkillsProfileError(
            f"{where}: expected a mapping of skill -> level, got {type(levels).__name__}"
        )
    unknown = [k for k in levels if k not in AREA_OF_SKILL]
    if unknown:
        raise SkillsProfileError(
            f"{where}: unknown skill {unknown[0]!r}; known skills are: {', '.join(SKILLS)}"
        )
    missing = [s for s in SKILLS if s not in levels]
    if missing:
        raise SkillsProfileError(
            f"{where}: no level for skill {missing[0]!r} ({len(missing)} skill(s) missing)"
        )
    return {skill: _check_level(where, skill, levels[skill]) for skill in SKILLS}


def _check_thresholds(deep_level: object, broad_level: object, min_broad_areas: object) -> None:
    for name, value, low, high in (
        ("deep_level", deep_level, 1, MAX_LEVEL),
        ("broad_level", broad_level, 1, MAX_LEVEL),
        ("min_broad_areas", min_broad_areas, 1, len(AREAS)),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
            raise SkillsProfileError(f"{name} must be a whole number from {low} to {high}, got {value!r}")
    if broad_level >= deep_level:  # type: ignore[operator]
        raise SkillsProfileError(
            f"broad_level ({broad_level}) must be lower than deep_level ({deep_level})"
        )


def _check_team(team: object, needed_by: str) -> pd.DataFrame:
    require_columns(team, TEAM_COLUMNS, needed_by=needed_by, what="team table", error=SkillsProfileError,
                    expected="a long-format team DataFrame",
                    hint=f"; long format needs: {', '.join(TEAM_COLUMNS)}")
    unknown = sorted(set(team["skill"].astype(str)) - set(SKILLS))
    if unknown:
        raise SkillsProfileError(
            f"{needed_by}: unknown skill {unknown[0]!r} in the team table; known skills are: {', '.join(SKILLS)}"
        )
    levels = pd.to_numeric(team["level"], errors="coerce")
    bad = team.loc[levels.isna() | (levels % 1 != 0) | (levels < MIN_LEVEL) | (levels > MAX_LEVEL)]
    if len(bad):
        row = bad.iloc[0]
        raise SkillsProfileError(
            f"{needed_by}: person {row['person_id']!r}, skill {row['skill']!r}: "
            f"level must be a whole number 0-5, got {_plain(row['level'])!r}"
        )
    dup = team.duplicated(["person_id", "skill"])
    if dup.any():
        row = team.loc[dup].iloc[0]
        raise SkillsProfileError(f"{needed_by}: person {row['person_id']!r} has skill {row['skill']!r} twice")
    counts = team.groupby("person_id", sort=False)["skill"].nunique()
    short = counts[counts < len(SKILLS)]
    if len(short):
        raise SkillsProfileError(
            f"{needed_by}: person {short.index[0]!r} has {short.iloc[0]} of the {len(SKILLS)} skills"
        )
    return team


# ---------------------------------------------------------------- one person


def area_levels(levels: Mapping[str, object]) -> pd.Series:
    """A person's level per area (the highest level among the area's skills), in :data:`AREAS` order."""
    checked = check_levels(levels)
    return pd.Series(
        {area: max(checked[s] for s in skills) for area, skills in AREAS.items()},
        name="level",
        dtype="int64",
    )


def depth(levels: Mapping[str, object]) -> int:
    """The highest area level of a person (0-5): how deep the vertical stroke goes."""
    return int(area_levels(levels).max())


def breadth(levels: Mapping[str, object], broad_level: int = 2) -> int:
    """How many areas a person holds at ``broad_level`` or above: the width of the horizontal stroke."""
    if (
        isinstance(broad_level, bool)
        or not isinstance(broad_level, (int, np.integer))
        or not 1 <= broad_level <= MAX_LEVEL
    ):
        raise SkillsProfileError(
            f"broad_level must be a whole number from 1 to {MAX_LEVEL}, got {broad_level!r}"
        )
    return int((area_levels(levels) >= broad_level).sum())


def classify_profile(
    levels: Mapping[str, object],
    deep_level: int = 4,
    broad_level: int = 2,
    min_broad_areas: int = 4,
) -> str:
    """Return ``"I-shaped"``, ``"T-shaped"``, ``"pi-shaped"``, ``"generalist"`` or ``"developing"``.

    See the module docstring for the rule. ``deep_level`` must be higher than ``broad_level``;
    ``min_broad_areas`` counts the deep areas too.
    """
    _check_thresholds(deep_level, broad_level, min_broad_areas)
    by_area = area_levels(levels)
    n_deep = int((by_area >= deep_level).sum())
    wide = int((by_area >= broad_level).sum()) >= min_broad_areas
    if n_deep >= 2 and wide:
        return "pi-shaped"
    if n_deep == 1 and wide:
        return "T-shaped"
    if n_deep >= 1:
        return "I-shaped"
    return "generalist" if wide else "developing"


# ---------------------------------------------------------------- a team


def is_hybrid(
    levels: Mapping[str, object],
    deep_level: int = 4,
    broad_level: int = 2,
    min_broad_areas: int = 4,
) -> bool:
    """``True`` when the profile is T-shaped or pi-shaped (:data:`HYBRID_SHAPES`) under the thresholds.

    This is the course's one definition of a hybrid *person*; a hybrid *job ad* is defined in
    :mod:`course_utils.labs.job_ads` (it asks for skills of both sides).
    """
    shape = classify_profile(levels, deep_level=deep_level, broad_level=broad_level, min_broad_areas=min_broad_areas)
    return shape in HYBRID_SHAPES


def team_area_levels(team: pd.DataFrame) -> pd.DataFrame:
    """Wide table: one row per person (index ``person_id``), one column per area, values 0-5."""
    team = _check_team(team, "team_area_levels")
    table = team.assign(area=team["skill"].map(AREA_OF_SKILL), level=team["level"].astype("int64"))
    wide = table.pivot_table(index="person_id", columns="area", values="level", aggfunc="max", sort=False)
    order = list(dict.fromkeys(team["person_id"]))
    return wide.loc[order, list(AREAS)].astype("int64").rename_axis(columns=None)


def profile_table(
    team: pd.DataFrame,
    deep_level: int = 4,
    broad_level: int = 2,
    min_broad_areas: int = 4,
) -> pd.DataFrame:
    """Per person: tribe, depth, breadth, number of deep areas, deepest area and profile.

    ``deepest_area`` is the first area (in :data:`AREAS` order) at the person's highest level.
    """
    _check_thresholds(deep_level, broad_level, min_broad_areas)
    team = _check_team(team, "profile_table")
    rows = []
    for person_id, person in team.groupby("person_id", sort=False):
        levels = dict(zip(person["skill"], person["level"], strict=True))
        by_area = area_levels(levels)
        rows.append(
            {
                "person_id": person_id,
                "tribe": person["tribe"].iloc[0],
                "depth": int(by_area.max()),
                "breadth": int((by_area >= broad_level).sum()),
                "n_deep_areas": int((by_area >= deep_level).sum()),
                "deepest_area": str(by_area.idxmax()),
                "profile": classify_profile(levels, deep_level, broad_level, min_broad_areas),
            }
        )
    table = pd.DataFrame(rows).set_index("person_id")
    table["profile"] = pd.Categorical(table["profile"], categories=list(PROFILES))
    if isinstance(team["tribe"].dtype, pd.CategoricalDtype):
        table["tribe"] = pd.Categorical(table["tribe"], categories=team["tribe"].cat.categories)
    return table


def profile_counts(
    team: pd.DataFrame,
    thresholds: Sequence[Mapping[str, int]],
) -> pd.DataFrame:
    """How many people get each profile under several threshold settings (one row per setting).

    ``thresholds`` is a list of keyword dicts for :func:`classify_profile`, e.g.
    ``[{"deep_level": 4}, {"deep_level": 5}]``; the row label spells the full setting out.
    """
    if isinstance(thresholds, Mapping) or not len(thresholds):
        raise SkillsProfileError("profile_counts: thresholds must be a non-empty list of keyword dicts")
    defaults = {"deep_level": 4, "broad_level": 2, "min_broad_areas": 4}
    rows = {}
    for setting in thresholds:
        unknown = [k for k in setting if k not in defaults]
        if unknown:
            raise SkillsProfileError(
                f"profile_counts: unknown threshold {unknown[0]!r}; use {', '.join(defaults)}"
            )
        full = {**defaults, **setting}
        label = f"deep>={full['deep_level']}, broad>={full['broad_level']}, areas>={full['min_broad_areas']}"
        counts = profile_table(team, **full)["profile"].value_counts(sort=False)
        rows[label] = counts.reindex(list(PROFILES), fill_value=0)
    return pd.DataFrame(rows).T.rename_axis(index="thresholds", columns="profile").astype("int64")


def team_coverage(team: pd.DataFrame, by: str = "tribe", min_level: int = 3) -> pd.DataFrame:
    """Count people per cell of a coverage matrix.

    * ``by="tribe"``: rows are areas, columns are tribes; a cell counts the people of that tribe
      whose level in that area is at least ``min_level``.
    * ``by="level"``: rows are skills, columns are the levels 0-5; a cell counts the people at exactly
      that level (``min_level`` is not used).
    """
    if by not in ("tribe", "level"):
        raise SkillsProfileError(f"team_coverage: by must be 'tribe' or 'level', got {by!r}")
    team = _check_team(team, "team_coverage")
    if by == "level":
        counts = pd.crosstab(team["skill"], team["level"].astype("int64"))
        counts = counts.reindex(index=list(SKILLS), columns=range(MIN_LEVEL, MAX_LEVEL + 1), fill_value=0)
        return counts.rename_axis(index="skill", columns="level").astype("int64")
    _check_level("team_coverage", "min_level", min_level)
    by_area = team_area_levels(team)
    tribes = team.drop_duplicates("person_id").set_index("person_id")["tribe"]
    tribe_order = list(dict.fromkeys(tribes.astype(str)))
    if isinstance(tribes.dtype, pd.CategoricalDtype):
        tribe_order = [str(t) for t in tribes.cat.categories]
    covered = (by_area >= min_level).astype("int64")
    matrix = covered.groupby(tribes.loc[covered.index].astype(str)).sum().T
    return matrix.reindex(columns=tribe_order, fill_value=0).rename_axis(index="area", columns="tribe")


# ---------------------------------------------------------------- plots


def plot_t_profile(
    levels: Mapping[str, object],
    by: str = "area",
    deep_level: int = 4,
    broad_level: int = 2,
    target: Mapping[str, object] | None = None,
    title: str | None = None,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Draw a person's levels as bars hanging from the top, so that the profile looks like its letter.

    The bars hang down from level 0 at the top: the short bars side by side form the horizontal
    stroke (breadth), a long bar the vertical stroke (depth). Bars at ``deep_level`` or deeper are
    blue, at ``broad_level`` or deeper orange, the rest grey (Okabe-Ito colours); dashed lines mark
    both thresholds. The deepest area (or skill) is put in the middle. With ``target`` (a full
    skill profile, e.g. a target role) its levels are drawn as black outlines for comparison.
    """
    if by not in ("area", "skill"):
        raise SkillsProfileError(f"plot_t_profile: by must be 'area' or 'skill', got {by!r}")
    _check_thresholds(deep_level, broad_level, 1)
    if by == "area":
        values = area_levels(levels)
        target_values = area_levels(target) if target is not None else None
        labels = list(values.index)
    else:
        values = pd.Series(check_levels(levels), dtype="int64")
        target_values = pd.Series(check_levels(target, "target profile"), dtype="int64") if target is not None else None
        labels = [SKILL_LABELS[s] for s in values.index]
    # put the deepest bar in the middle and the rest alternately left and right, by level
    order = list(np.argsort(-values.to_numpy(), kind="stable"))
    middle: list[int] = []
    for rank, idx in enumerate(order):
        if rank % 2 == 0:
            middle.append(idx)
        else:
            middle.insert(0, idx)
    values = values.iloc[middle]
    labels = [labels[i] for i in middle]
    if target_values is not None:
        target_values = target_values.iloc[middle]

    if ax is None:
        # about 600 px wide at 100 dpi, so that labels stay legible on a phone
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6, 5.2 if by == "skill" else 4.6))
    colours = [
        DEEP_COLOUR if v >= deep_level else BROAD_COLOUR if v >= broad_level else BELOW_COLOUR
        for v in values
    ]
    x = np.arange(len(values))
    ax.bar(x, values.to_numpy(), color=colours, edgecolor="white", width=0.8)
    from matplotlib.patches import Patch

    handles = [
        Patch(color=DEEP_COLOUR, label=f"deep (level >= {deep_level})"),
        Patch(color=BROAD_COLOUR, label=f"broad (level >= {broad_level})"),
        Patch(color=BELOW_COLOUR, label=f"below {broad_level}"),
    ]
    if target_values is not None:
        ax.bar(
            x, target_values.to_numpy(), fill=False, edgecolor="black", linewidth=1.5, width=0.8
        )
        handles.append(Patch(fill=False, edgecolor="black", linewidth=1.5, label="target"))
    ax.axhline(broad_level, color=BROAD_COLOUR, linestyle="--", linewidth=1)
    ax.axhline(deep_level, color=DEEP_COLOUR, linestyle="--", linewidth=1)
    ax.set_ylim(MAX_LEVEL + 0.3, 0)
    ax.set_yticks(range(MIN_LEVEL, MAX_LEVEL + 1))
    ax.set_xticks(x)
    ax.set_xticklabels(labels, rotation=45, ha="right", rotation_mode="anchor")
    ax.set_ylabel("level (longer bar = more expertise)")
    ax.set_xlabel(by)
    ax.set_title(title or f"Skill profile by {by}")
    ax.legend(handles=handles, loc="lower left", ncol=2, framealpha=0.9)
    return ax


def plot_coverage_heatmap(
    matrix: pd.DataFrame,
    title: str = "Team coverage",
    colorbar_label: str = "number of people",
    cmap: str = "cividis",
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Draw a coverage matrix (e.g. from :func:`team_coverage`) as a labelled heat map with counts.

    ``cividis`` is the default colormap: it reads the same for people with red-green colour-vision
    deficiency and prints well in grey. Each cell is also written as a number.
    """
    if not isinstance(matrix, pd.DataFrame) or matrix.empty:
        raise SkillsProfileError("plot_coverage_heatmap: expected a non-empty DataFrame of counts")
    values = matrix.to_numpy(dtype=float)
    if np.isnan(values).any():
        raise SkillsProfileError("plot_coverage_heatmap: the matrix has empty (NaN) cells")
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(min(5.0, 1.0 * matrix.shape[1] + 2.6), 0.45 * matrix.shape[0] + 1.8))
    image = ax.imshow(values, cmap=cmap, aspect="auto", vmin=0, vmax=max(values.max(), 1))
    ax.set_xticks(range(matrix.shape[1]))
    ax.set_xticklabels([str(c) for c in matrix.columns])
    ax.set_yticks(range(matrix.shape[0]))
    ax.set_yticklabels([str(i) for i in matrix.index])
    ax.set_xlabel(str(matrix.columns.name or ""))
    ax.set_ylabel(str(matrix.index.name or ""))
    threshold = values.max() / 2
    for (row, col), value in np.ndenumerate(values):
        ax.text(
            col, row, f"{value:g}", ha="center", va="center",
            color="black" if value > threshold else "white",
        )
    ax.figure.colorbar(image, ax=ax, label=colorbar_label)
    ax.set_title(title)
    return ax
