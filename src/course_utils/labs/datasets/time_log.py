"""A synthetic time log of one person who is both CMO and markedssjef at a fictional start-up.

Eight working weeks (Monday to Friday) of *Kari*, the only marketer at *Kvist Kaffe*, a fictional
coffee-subscription start-up. Her title is CMO, but, as the source article says of small companies,
she also does the operational work a markedssjef would do in a larger organisation.

Weeks are numbered 1-8 and days 1-5 (ISO weekday, 1 = Monday): the log has no calendar dates and
never depends on today's date. :data:`ACTIVITY_CATEGORY` maps every activity to ``strategic``,
``operational`` or ``other``; :mod:`course_utils.labs.time_allocation` uses such a mapping.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NAME = "time_log"
SYNTHETIC = True
DEFAULT_SEED = 2024

COLUMNS = ("week", "weekday", "activity", "hours")
WEEKS = 8
WEEKDAYS = 5

STRATEGIC_ACTIVITIES = (
    "marketing strategy work",
    "brand development",
    "market and trend analysis",
    "long-term goal setting",
    "exploring new channels and tools",
    "leadership group meeting",
)
OPERATIONAL_ACTIVITIES = (
    "campaign planning and execution",
    "agency coordination",
    "budget monitoring",
    "content production",
    "SEO",
    "social media",
    "campaign reporting",
    "sales support material",
)
OTHER_ACTIVITIES = ("email and admin",)

ACTIVITY_CATEGORY: dict[str, str] = {
    **{activity: "strategic" for activity in STRATEGIC_ACTIVITIES},
    **{activity: "operational" for activity in OPERATIONAL_ACTIVITIES},
    **{activity: "other" for activity in OTHER_ACTIVITIES},
}

# The story of the eight weeks: chance that a block of free time goes to strategic work.
# Weeks 1-2 ordinary, 3-5 a product launch swallows the days, 6-8 annual planning.
PHASES = ("ordinary", "ordinary", "launch", "launch", "launch", "planning", "planning", "planning")
_STRATEGIC_CHANCE = {"ordinary": 0.25, "launch": 0.08, "planning": 0.5}
_ADMIN_CHANCE = 0.12
_DAY_LENGTHS = (7.0, 7.5, 8.0, 8.5, 9.0)
_DAY_WEIGHTS = (0.15, 0.3, 0.3, 0.15, 0.1)
_BLOCKS = (0.5, 1.0, 1.5, 2.0)
_BLOCK_WEIGHTS = (0.2, 0.35, 0.25, 0.2)
_MEETING_HOURS = 1.5  # the leadership group meets every Monday

CARD = f"""
**Data card: `time_log`** (**synthetic**)

**What it is.** A time log of *Kari*, the only marketer at *Kvist Kaffe*, a **fictional**
coffee-subscription start-up. Her title is CMO, but she also does the day-to-day work that a
markedssjef would do in a larger company. {WEEKS} working weeks, Monday to Friday. No real person or
company is behind it.

**How it was made.** A seeded generator (`numpy.random.default_rng(seed)`, default seed
**{DEFAULT_SEED}**). Each day lasts 7 to 9 hours, cut into blocks of 0.5 to 2 hours. Every Monday
starts with a {_MEETING_HOURS}-hour leadership group meeting. Each other block is email and admin
with chance {_ADMIN_CHANCE}; otherwise it is strategic with a chance that follows a made-up story --
weeks 1-2 ordinary ({_STRATEGIC_CHANCE["ordinary"]}), weeks 3-5 a product launch
({_STRATEGIC_CHANCE["launch"]}), weeks 6-8 annual planning ({_STRATEGIC_CHANCE["planning"]}) -- and
operational otherwise; the activity within the category is drawn uniformly. Blocks of the same
activity on the same day are added up.

**Columns** (one row per week, day and activity).

| column | type | meaning |
|---|---|---|
| `week` | int | week number, 1-{WEEKS} (no calendar dates) |
| `weekday` | int | ISO weekday, 1 = Monday ... 5 = Friday |
| `activity` | str | what the time went to (see the mapping below) |
| `hours` | float | hours, a multiple of 0.5 |

**Category mapping** (`course_utils.labs.datasets.time_log.ACTIVITY_CATEGORY`). Strategic:
{", ".join(STRATEGIC_ACTIVITIES)}. Operational: {", ".join(OPERATIONAL_ACTIVITIES)}. Other:
{", ".join(OTHER_ACTIVITIES)}. The mapping is a judgement call (is budget monitoring ever
strategic?); the lab asks you to change it.
"""


def _day_blocks(rng: np.random.Generator, week: int, weekday: int) -> list[tuple[str, float]]:
    day_length = float(rng.choice(_DAY_LENGTHS, p=_DAY_WEIGHTS))
    blocks: list[tuple[str, float]] = []
    left = day_length
    if weekday == 1:
        blocks.append(("leadership group meeting", _MEETING_HOURS))
        left -= _MEETING_HOURS
    strategic_chance = _STRATEGIC_CHANCE[PHASES[week - 1]]
    free_strategic = STRATEGIC_ACTIVITIES[:-1]  # the meeting is not a free choice
    while left > 0:
        length = min(float(rng.choice(_BLOCKS, p=_BLOCK_WEIGHTS)), left)
        draw = rng.random()
        if draw < _ADMIN_CHANCE:
            activity = OTHER_ACTIVITIES[0]
        elif draw < _ADMIN_CHANCE + (1 - _ADMIN_CHANCE) * strategic_chance:
            activity = str(rng.choice(free_strategic))
        else:
            activity = str(rng.choice(OPERATIONAL_ACTIVITIES))
        blocks.append((activity, length))
        left -= length
    return blocks


def load(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Return the synthetic time log (see ``CARD``): one row per week, weekday and activity."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"time_log.load: seed must be a non-negative whole number, got {seed!r}")
    rng = np.random.default_rng(int(seed))
    records = []
    for week in range(1, WEEKS + 1):
        for weekday in range(1, WEEKDAYS + 1):
            for activity, hours in _day_blocks(rng, week, weekday):
                records.append((week, weekday, activity, hours))
    log = pd.DataFrame(records, columns=list(COLUMNS))
    log = log.groupby(["week", "weekday", "activity"], as_index=False, sort=True)["hours"].sum()
    return log.astype({"week": "int64", "weekday": "int64", "activity": "str", "hours": "float64"})
