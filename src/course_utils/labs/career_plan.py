"""Compare a self-assessment with a target role and turn the gaps into a development plan.

The target roles in :data:`TARGET_ROLES` are **fictional**: level profiles written for this course
to make the capstone concrete. They were not measured from job ads, surveys or real people; argue
with them, and change them, before you plan with them.

Every skill maps to one action and to the chapter of the book that teaches what the action needs
(:data:`SKILL_ACTIONS`), so that a gap becomes a plan line: what to do, and where to read first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from course_utils.labs.skills_profiles import AREA_OF_SKILL, SKILL_LABELS, SKILLS, check_levels

__all__ = [
    "CHAPTERS",
    "SKILL_ACTIONS",
    "TARGET_ROLES",
    "CareerPlanError",
    "TargetRole",
    "closest_role",
    "development_plan",
    "gap_analysis",
    "plan_to_markdown",
    "role_fit",
    "target_levels",
]

# chapter number -> (folder, short title)
CHAPTERS: dict[int, tuple[str, str]] = {
    1: ("01-know-thy-technology", "Know thy technology, know thy marketing"),
    2: ("02-cio-and-cmo", "CIO and CMO: working in parallel universes?"),
    3: ("03-one-marketing-team", "Brand, digital and CRM: one marketing team"),
    4: ("04-cmo-and-markedssjef", "CMO and markedssjef: strategy and operations"),
    5: ("05-hr-and-cmo", "The HR manager as the CMO's partner"),
}


@dataclass(frozen=True)
class TargetRole:
    """A fictional target role: a name, what the role does, and a level (0-5) for every skill."""

    name: str
    description: str
    levels: Mapping[str, int]


def _role(name: str, description: str, levels: dict[str, int], default: int = 1) -> TargetRole:
    full = {skill: levels.get(skill, default) for skill in SKILLS}
    return TargetRole(name, description, check_levels(full, f"target role {name!r}"))


TARGET_ROLES: dict[str, TargetRole] = {
    role.name: role
    for role in (
        _role(
            "marketing technologist",
            "Runs marketing's technology with IT: deep in martech, broad in data, CRM and brand.",
            {
                "marketing_automation": 4, "martech_architecture": 4, "it_partnership": 4,
                "analytics": 3, "experimentation": 3, "strategic_leadership": 2,
                "crm_data": 2, "lifecycle_messaging": 2, "brand_strategy": 2,
                "content_storytelling": 2, "customer_experience": 2,
            },
        ),
        _role(
            "CRM lead",
            "Owns the customer base and its messages: deep in CRM, broad in data, automation and CX.",
            {
                "crm_data": 4, "lifecycle_messaging": 4, "analytics": 3, "experimentation": 3,
                "marketing_automation": 3, "customer_experience": 3, "consumer_psychology": 2,
                "brand_strategy": 2, "content_storytelling": 2, "strategic_leadership": 2,
                "it_partnership": 2,
            },
        ),
        _role(
            "growth marketer",
            "Finds and tests ways to grow: deep in data and experiments, broad across channels.",
            {
                "experimentation": 4, "analytics": 4, "paid_media": 3, "lifecycle_messaging": 3,
                "marketing_automation": 3, "consumer_psychology": 3, "content_storytelling": 2,
                "crm_data": 2, "brand_strategy": 2, "customer_experience": 2, "it_partnership": 2,
            },
        ),
        _role(
            "CMO",
            "Leads marketing in top management: deep in strategy and brand, broad in everything else.",
            {
                "strategic_leadership": 5, "brand_strategy": 4, "customer_experience": 3,
                "analytics": 3, "it_partnership": 3, "consumer_psychology": 2, "creative_direction": 2,
                "paid_media": 2, "content_storytelling": 2, "experimentation": 2, "crm_data": 2,
                "marketing_automation": 2, "martech_architecture": 2,
            },
        ),
    )
}

# skill -> (chapter number, action)
SKILL_ACTIONS: dict[str, tuple[int, str]] = {
    "brand_strategy": (3, "Sit in on a brand planning meeting and explain the brand values back in your own words"),
    "creative_direction": (3, "Follow one campaign from brief to launch with the brand team and agency"),
    "paid_media": (3, "Build a small media plan and compare what brand and digital would each measure"),
    "content_storytelling": (3, "Write one piece of content for another tribe's channel and ask for feedback"),
    "consumer_psychology": (5, "Interview three customers or front-line colleagues about one recent purchase"),
    "customer_experience": (5, "Map one customer journey with HR and service colleagues: who shapes each step?"),
    "analytics": (1, "Answer one business question from raw data yourself, from query to chart"),
    "experimentation": (1, "Design, run and write up one A/B test, including what would change your mind"),
    "marketing_automation": (1, "Build one automated flow end to end in your team's marketing automation tool"),
    "martech_architecture": (2, "Draw your martech stack: tools, owners, data flows and which IT rules apply"),
    "crm_data": (3, "Spend a day with the CRM team: how is the customer base segmented, and why?"),
    "lifecycle_messaging": (3, "Plan a lifecycle programme (welcome, reactivation) with the CRM team"),
    "strategic_leadership": (4, "Write a one-page marketing strategy and a RACI chart of who decides what"),
    "it_partnership": (2, "Agree one shared goal and one technology standard with an IT counterpart"),
}

GAP_COLUMNS = ("area", "skill_label", "current", "target", "gap", "surplus")


class CareerPlanError(ValueError):
    """A target role or plan request the helpers cannot use; the message says what is wrong."""


def target_levels(role: str | TargetRole | Mapping[str, object]) -> dict[str, int]:
    """The levels of a target: a role name of :data:`TARGET_ROLES`, a :class:`TargetRole` or a dict."""
    if isinstance(role, TargetRole):
        return dict(role.levels)
    if isinstance(role, str):
        if role not in TARGET_ROLES:
            raise CareerPlanError(
                f"unknown target role {role!r}; choose one of: {', '.join(TARGET_ROLES)}"
            )
        return dict(TARGET_ROLES[role].levels)
    return check_levels(role, "target profile")


def gap_analysis(
    levels: Mapping[str, object], role: str | TargetRole | Mapping[str, object]
) -> pd.DataFrame:
    """One row per skill: area, label, current and target level, gap (missing levels) and surplus.

    ``gap`` is ``max(target - current, 0)``; ``surplus`` is ``max(current - target, 0)`` -- a
    strength beyond what the role asks, worth teaching to others.
    """
    current = check_levels(levels, "your self-assessment")
    target = target_levels(role)
    rows = [
        {
            "skill": skill,
            "area": AREA_OF_SKILL[skill],
            "skill_label": SKILL_LABELS[skill],
            "current": current[skill],
            "target": target[skill],
            "gap": max(target[skill] - current[skill], 0),
            "surplus": max(current[skill] - target[skill], 0),
        }
        for skill in SKILLS
    ]
    return pd.DataFrame(rows).set_index("skill")


def role_fit(levels: Mapping[str, object], role: str | TargetRole | Mapping[str, object]) -> float:
    """Share of the target's levels already reached: sum of min(current, target) / sum of target.

    1.0 means every skill is at or above the target; levels above the target do not make up for
    gaps elsewhere. Rounded to 3 decimals.
    """
    gaps = gap_analysis(levels, role)
    total = int(gaps["target"].sum())
    if total == 0:
        raise CareerPlanError("role_fit: the target asks for level 0 on every skill")
    reached = int(gaps[["current", "target"]].min(axis=1).sum())
    return round(reached / total, 3)


def closest_role(levels: Mapping[str, object]) -> str:
    """The name of the role in :data:`TARGET_ROLES` with the highest :func:`role_fit` (first on ties)."""
    fits = {name: role_fit(levels, name) for name in TARGET_ROLES}
    return max(fits, key=lambda name: fits[name])


def development_plan(
    levels: Mapping[str, object],
    role: str | TargetRole | Mapping[str, object],
    max_items: int | None = None,
    start_now_gap: int = 2,
) -> pd.DataFrame:
    """Turn the gaps into plan lines, biggest gap first (ties: higher target first, then skill order).

    Each line has the area, the skill, ``now -> target``, an action, the chapter to read first and a
    ``when``: ``"start now"`` for gaps of ``start_now_gap`` levels or more, otherwise ``"next"``.
    The ``evidence`` column is left for you: how will you show that you got there?
    """
    if max_items is not None and (
        isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 1
    ):
        raise CareerPlanError(f"max_items must be a whole number of at least 1 or None, got {max_items!r}")
    if isinstance(start_now_gap, bool) or not isinstance(start_now_gap, int) or not 1 <= start_now_gap <= 5:
        raise CareerPlanError(f"start_now_gap must be a whole number from 1 to 5, got {start_now_gap!r}")
    gaps = gap_analysis(levels, role)
    gaps["order"] = range(len(gaps))
    open_gaps = gaps[gaps["gap"] > 0].sort_values(
        ["gap", "target", "order"], ascending=[False, False, True], kind="stable"
    )
    if max_items is not None:
        open_gaps = open_gaps.head(max_items)
    rows = []
    for priority, (skill, row) in enumerate(open_gaps.iterrows(), start=1):
        chapter, action = SKILL_ACTIONS[str(skill)]
        rows.append(
            {
                "priority": priority,
                "area": row["area"],
                "skill": row["skill_label"],
                "now -> target": f"{row['current']} -> {row['target']}",
                "when": "start now" if row["gap"] >= start_now_gap else "next",
                "action": action,
                "read first": f"Chapter {chapter}: {CHAPTERS[chapter][1]}",
                "evidence": "",
            }
        )
    columns = ["priority", "area", "skill", "now -> target", "when", "action", "read first", "evidence"]
    return pd.DataFrame(rows, columns=columns)


def _cell(value: object) -> str:
    text = str(value).replace("|", "\\|").replace("\n", " ")
    return text if text else "..."


def plan_to_markdown(plan: pd.DataFrame, title: str | None = None) -> str:
    """Render a plan (or any small table) as a Markdown table; empty cells become ``...`` to fill in."""
    if not isinstance(plan, pd.DataFrame):
        raise CareerPlanError(f"plan_to_markdown: expected a DataFrame, got {type(plan).__name__}")
    lines = [f"**{title}**", ""] if title else []
    if plan.empty:
        return "\n".join([*lines, "No gaps: you already meet every level of this target."])
    header = [str(c) for c in plan.columns]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join("---" for _ in header) + "|")
    for _, row in plan.iterrows():
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines)
