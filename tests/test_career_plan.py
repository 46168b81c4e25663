"""Target roles, gap analysis and the development plan of the capstone."""

from __future__ import annotations

import pandas as pd
import pytest

from course_utils.labs import career_plan as cp
from course_utils.labs import skills_profiles as sp


@pytest.fixture()
def learner() -> dict[str, int]:
    """A fictional learner: a digital marketer with depth in data and little IT partnership."""
    levels = dict.fromkeys(sp.SKILLS, 2)
    levels.update(analytics=4, experimentation=3, martech_architecture=1, it_partnership=1)
    return levels


def test_every_target_role_is_a_full_valid_profile() -> None:
    assert len(cp.TARGET_ROLES) >= 3
    for name, role in cp.TARGET_ROLES.items():
        assert role.name == name and role.description
        assert sp.check_levels(role.levels) == dict(role.levels)
        assert sp.depth(role.levels) >= 4, f"{name} has no deep area"


def test_every_skill_has_an_action_in_a_chapter_of_the_book() -> None:
    assert set(cp.SKILL_ACTIONS) == set(sp.SKILLS)
    for chapter, action in cp.SKILL_ACTIONS.values():
        assert chapter in cp.CHAPTERS and action
    assert set(cp.CHAPTERS) == {1, 2, 3, 4, 5}
    assert {chapter for chapter, _ in cp.SKILL_ACTIONS.values()} == set(cp.CHAPTERS)


def test_gap_analysis(learner: dict[str, int]) -> None:
    target = cp.TARGET_ROLES["marketing technologist"].levels
    gaps = cp.gap_analysis(learner, "marketing technologist")
    assert list(gaps.index) == list(sp.SKILLS)
    assert list(gaps.columns) == list(cp.GAP_COLUMNS)
    for skill in sp.SKILLS:
        assert gaps.loc[skill, "gap"] == max(target[skill] - learner[skill], 0)
        assert gaps.loc[skill, "surplus"] == max(learner[skill] - target[skill], 0)
    assert gaps.loc["it_partnership", "gap"] == 3


def test_gap_analysis_accepts_a_custom_target(learner: dict[str, int]) -> None:
    gaps = cp.gap_analysis(learner, dict.fromkeys(sp.SKILLS, 2))
    assert gaps["gap"].sum() == 2  # martech_architecture and it_partnership at 1
    assert gaps["surplus"].sum() == 3  # analytics 4 and experimentation 3


def test_role_fit(learner: dict[str, int]) -> None:
    target = cp.TARGET_ROLES["CRM lead"].levels
    expected = sum(min(learner[s], target[s]) for s in sp.SKILLS) / sum(target.values())
    assert cp.role_fit(learner, "CRM lead") == round(expected, 3)
    assert cp.role_fit(dict(target), "CRM lead") == 1.0
    assert cp.role_fit(dict.fromkeys(sp.SKILLS, 5), "CMO") == 1.0


def test_closest_role_is_the_best_fit(learner: dict[str, int]) -> None:
    best = cp.closest_role(learner)
    assert cp.role_fit(learner, best) == max(cp.role_fit(learner, r) for r in cp.TARGET_ROLES)
    assert cp.closest_role(dict(cp.TARGET_ROLES["CMO"].levels)) == "CMO"


def test_development_plan_orders_biggest_gaps_first(learner: dict[str, int]) -> None:
    plan = cp.development_plan(learner, "marketing technologist")
    gaps = cp.gap_analysis(learner, "marketing technologist")
    assert len(plan) == int((gaps["gap"] > 0).sum())
    assert list(plan["priority"]) == list(range(1, len(plan) + 1))
    first_gaps = [int(s.split(" -> ")[1]) - int(s.split(" -> ")[0]) for s in plan["now -> target"]]
    assert first_gaps == sorted(first_gaps, reverse=True)
    assert plan.loc[0, "when"] == "start now"
    assert plan["read first"].str.match(r"Chapter [1-5]: ").all()
    assert (plan["evidence"] == "").all()


def test_development_plan_limits_and_thresholds(learner: dict[str, int]) -> None:
    assert len(cp.development_plan(learner, "CMO", max_items=2)) == 2
    plan = cp.development_plan(learner, "CMO", start_now_gap=1)
    assert (plan["when"] == "start now").all()


def test_no_gaps_gives_an_empty_plan_and_a_friendly_markdown() -> None:
    plan = cp.development_plan(dict.fromkeys(sp.SKILLS, 5), "CMO")
    assert plan.empty
    assert "No gaps" in cp.plan_to_markdown(plan)


def test_plan_to_markdown(learner: dict[str, int]) -> None:
    plan = cp.development_plan(learner, "CRM lead", max_items=3)
    text = cp.plan_to_markdown(plan, title="My plan")
    lines = text.splitlines()
    assert lines[0] == "**My plan**"
    assert lines[2].startswith("| priority | area | skill |")
    assert len([line for line in lines if line.startswith("| ")]) == 1 + len(plan)
    assert all(line.rstrip().endswith("| ... |") for line in lines[4:])


def test_plan_to_markdown_escapes_pipes() -> None:
    text = cp.plan_to_markdown(pd.DataFrame({"a": ["x|y"]}))
    assert "x\\|y" in text


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda me: cp.gap_analysis(me, "chief happiness officer"), cp.CareerPlanError,
         "unknown target role 'chief happiness officer'; choose one of: marketing technologist"),
        (lambda me: cp.gap_analysis({**me, "seo": 3}, "CMO"), sp.SkillsProfileError,
         "your self-assessment: unknown skill 'seo'"),
        (lambda me: cp.gap_analysis({**me, "analytics": 9}, "CMO"), sp.SkillsProfileError,
         "your self-assessment: level of 'analytics' must be a whole number 0-5, got 9"),
        (lambda me: cp.development_plan(me, "CMO", max_items=0), cp.CareerPlanError,
         "max_items must be a whole number of at least 1"),
        (lambda me: cp.development_plan(me, "CMO", start_now_gap=0), cp.CareerPlanError,
         "start_now_gap must be a whole number from 1 to 5"),
        (lambda me: cp.role_fit(me, dict.fromkeys(sp.SKILLS, 0)), cp.CareerPlanError,
         "asks for level 0 on every skill"),
        (lambda me: cp.plan_to_markdown(me), cp.CareerPlanError, "expected a DataFrame, got dict"),
    ],
)
def test_errors_are_clear(learner: dict[str, int], call, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        call(learner)
