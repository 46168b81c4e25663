"""A synthetic martech stack inventory of a fictional company (chapter 2).

Every row is one software tool the fictional company *Kesselberg Industriebedarf GmbH* pays for:
its category, the department that owns it, how it was bought, whether IT approved it, what it
costs a year, how many licences (seats) it has and how many people used it last month.

The numbers are **synthetic**: drawn by :func:`load` from the rules below with a fixed seed, so
that the chapter-2 lab has something to find (shadow IT, several tools doing the same job,
licences nobody uses). They describe no real company and no real product.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NAME = "martech_stack"
SYNTHETIC = True
DEFAULT_SEED = 202
DEFAULT_N_TOOLS = 75
MIN_TOOLS, MAX_TOOLS = 60, 120
MAX_PER_CATEGORY = 4

COLUMNS = (
    "tool_id",
    "tool",
    "category",
    "owning_department",
    "procured_by",
    "approved_by_it",
    "annual_cost_eur",
    "licences",
    "active_users",
    "renewal_month",
)

DEPARTMENTS = ("Marketing", "Sales", "IT", "Customer Service", "HR", "Finance")
# Share of the tools each department owns.
_DEPARTMENT_WEIGHTS = (0.42, 0.24, 0.14, 0.10, 0.05, 0.05)

PROCUREMENT_CHANNELS = ("IT procurement", "department budget", "company credit card")
# How each department buys its tools (probabilities of the three channels above).
_CHANNEL_WEIGHTS = {
    "Marketing": (0.45, 0.30, 0.25),
    "Sales": (0.50, 0.30, 0.20),
    "IT": (0.90, 0.08, 0.02),
    "Customer Service": (0.60, 0.25, 0.15),
    "HR": (0.60, 0.30, 0.10),
    "Finance": (0.75, 0.20, 0.05),
}
# Chance that IT approved a tool, by how it was bought.
_APPROVAL_PROBABILITY = {"IT procurement": 1.0, "department budget": 0.55, "company credit card": 0.10}

# category -> (list price per licence and year in EUR, typical seats, departments that buy it)
_CATEGORIES: dict[str, tuple[int, int, tuple[str, ...]]] = {
    "email marketing": (180, 12, ("Marketing",)),
    "marketing automation": (900, 15, ("Marketing",)),
    "CRM": (960, 60, ("Sales", "Marketing", "Customer Service")),
    "sales engagement": (600, 25, ("Sales",)),
    "web analytics": (240, 20, ("Marketing", "IT")),
    "BI and dashboards": (420, 30, ("IT", "Finance", "Sales", "Marketing")),
    "CMS": (360, 15, ("Marketing", "IT")),
    "social media management": (300, 8, ("Marketing",)),
    "advertising": (480, 6, ("Marketing",)),
    "SEO": (360, 5, ("Marketing",)),
    "DAM": (300, 20, ("Marketing",)),
    "CDP": (1500, 8, ("Marketing", "IT")),
    "webinars and events": (420, 10, ("Marketing", "Sales")),
    "surveys and feedback": (150, 10, ("Marketing", "Customer Service", "HR")),
    "design": (300, 8, ("Marketing",)),
    "video": (240, 6, ("Marketing",)),
    "collaboration": (96, 120, ("IT", "Marketing", "Sales", "HR", "Finance", "Customer Service")),
    "project management": (120, 40, ("IT", "Marketing", "Sales", "HR")),
    "chat and messaging": (84, 150, ("IT", "Sales", "Customer Service", "Marketing")),
    "e-signature": (180, 15, ("Sales", "HR", "Finance")),
    "customer support": (540, 25, ("Customer Service",)),
    "data integration": (1200, 4, ("IT", "Marketing")),
    "recruiting": (600, 6, ("HR",)),
    "expense management": (96, 60, ("Finance",)),
    "landing pages and A/B testing": (360, 5, ("Marketing",)),
    "personalisation": (720, 5, ("Marketing",)),
    "sales intelligence": (720, 10, ("Sales",)),
    "quotes and proposals": (480, 20, ("Sales",)),
    "sales enablement content": (300, 30, ("Sales", "Marketing")),
    "knowledge base": (240, 20, ("Customer Service", "IT")),
    "contact-centre telephony": (600, 20, ("Customer Service", "Sales")),
    "learning platform": (120, 60, ("HR",)),
    "accounting": (600, 8, ("Finance",)),
}

# Fictional product names: a syllable stem and a suffix, never a real product.
_STEMS = (
    "Brava", "Cirro", "Dalto", "Envio", "Ferma", "Glimo", "Hollo", "Istra", "Jovi", "Kalmo",
    "Lumra", "Mirvo", "Nexa", "Ombra", "Pello", "Quarto", "Ruvi", "Selva", "Tarno", "Ulmo",
    "Vanta", "Wendo", "Xilo", "Yarro", "Zeppa", "Aurel", "Bolin", "Corva", "Drisk", "Elvo",
)
_SUFFIXES = ("ly", "io", "ra", "sy", "deck", "hub", "flow", "loop", "nest", "kit", "wave", "board")

CARD = f"""
**Data card: `martech_stack`** (**synthetic**)

**What it is.** The software inventory of a fictional mid-sized company, *Kesselberg
Industriebedarf GmbH*: one row per tool it pays for, from email marketing and CRM to chat and
expense management. Tool names are invented (a syllable and a suffix, e.g. *Cirroflow*); they
name no real product. The company, its tools and every number are **synthetic**: made by
`course_utils.labs.datasets.martech_stack.load(seed={DEFAULT_SEED}, n_tools={DEFAULT_N_TOOLS})` and
describing nothing real. Use it to practise an inventory, not to learn what real stacks look like.

**How it was generated** (seed `{DEFAULT_SEED}`, {DEFAULT_N_TOOLS} tools by default; any seed
and 60 to 120 tools may be asked for):

1. Each tool gets an owning department (Marketing 42%, Sales 24%, IT 14%, Customer Service 10%,
   HR 5%, Finance 5%) and a category that department plausibly buys (a category that k
   departments buy is drawn with weight 1/sqrt(k)). Categories are drawn with replacement, so
   several tools can do the same job (duplicates), up to {MAX_PER_CATEGORY} tools per category.
2. How it was bought depends on the department: IT buys 90% of its tools through IT procurement,
   Marketing only 45% (30% from its own budget, 25% with a company credit card).
3. IT approved every tool bought through IT procurement, 55% of those paid from a department
   budget and 10% of those put on a company credit card; tools the IT department owns itself are
   always approved. A tool **not approved by IT** is *shadow IT* in this data set.
4. Licences are drawn around a typical seat count per category; shadow-IT tools are small (1 seat
   up to half the typical count). Cost = licences x list price per seat x a random factor
   (0.7-1.3), rounded to 10 EUR.
5. Monthly active users = licences x a utilisation drawn from a beta distribution: lower for tools
   bought centrally, higher for shadow IT (people use what they chose), and lower again for the
   second and later tool in a category (the old tool nobody switched off).
6. Contract renewal month: 1-12, with tools bought by IT procurement renewing in January more often.

**Columns.**

| column | type | meaning |
|---|---|---|
| `tool_id` | str | `T001`, `T002`, ... in row order |
| `tool` | str | invented tool name (unique) |
| `category` | str | what the tool does, e.g. `email marketing`, `CRM`, `CDP` |
| `owning_department` | str | {", ".join(DEPARTMENTS)} |
| `procured_by` | str | {", ".join(PROCUREMENT_CHANNELS)} |
| `approved_by_it` | bool | `True` if the IT department approved and supports the tool |
| `annual_cost_eur` | int | yearly cost in euros |
| `licences` | int | seats paid for |
| `active_users` | int | people who used the tool last month (never more than `licences`) |
| `renewal_month` | int | month the contract renews, 1 = January |

**Do not** read the shares in this table as facts about real companies. The real-world figures the
chapter cites (Gartner's shadow-IT estimates, martech utilisation) are in the chapter text with
their sources.
"""


def _tool_names(rng: np.random.Generator, n: int) -> list[str]:
    pool = [stem + suffix for stem in _STEMS for suffix in _SUFFIXES]
    picks = rng.choice(len(pool), size=n, replace=False)
    return [pool[i] for i in picks]


def _check_arguments(seed: object, n_tools: object) -> tuple[int, int]:
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"martech_stack: seed must be a whole number >= 0, got {seed!r}")
    if (
        not isinstance(n_tools, (int, np.integer))
        or isinstance(n_tools, bool)
        or not MIN_TOOLS <= n_tools <= MAX_TOOLS
    ):
        raise ValueError(
            f"martech_stack: n_tools must be a whole number from {MIN_TOOLS} to {MAX_TOOLS}, "
            f"got {n_tools!r}"
        )
    return int(seed), int(n_tools)


def load(seed: int = DEFAULT_SEED, n_tools: int = DEFAULT_N_TOOLS) -> pd.DataFrame:
    """Return the synthetic inventory: ``n_tools`` rows (60-120), the same for the same seed."""
    seed, n_tools = _check_arguments(seed, n_tools)
    rng = np.random.default_rng(seed)
    names = _tool_names(rng, n_tools)
    categories_by_department = {
        dept: [c for c, (_, _, buyers) in _CATEGORIES.items() if dept in buyers] for dept in DEPARTMENTS
    }

    # A category k departments buy is less likely for any one of them (weight 1 / sqrt(k)).
    base_weights = {
        dept: np.array([1.0 / np.sqrt(len(_CATEGORIES[c][2])) for c in options])
        for dept, options in categories_by_department.items()
    }

    rows = []
    seen_in_category: dict[str, int] = {}
    for i in range(n_tools):
        department = str(rng.choice(DEPARTMENTS, p=_DEPARTMENT_WEIGHTS))
        options = categories_by_department[department]
        full = np.array([seen_in_category.get(c, 0) >= MAX_PER_CATEGORY for c in options])
        if full.all():  # every category this department buys is full: take any other one
            options = [c for c in _CATEGORIES if seen_in_category.get(c, 0) < MAX_PER_CATEGORY]
            weights = np.ones(len(options))
        else:
            weights = np.where(full, 0.0, base_weights[department])
        category = str(rng.choice(options, p=weights / weights.sum()))
        channel = str(rng.choice(PROCUREMENT_CHANNELS, p=_CHANNEL_WEIGHTS[department]))
        approved = bool(rng.random() < _APPROVAL_PROBABILITY[channel]) or department == "IT"
        price, typical_seats, _ = _CATEGORIES[category]

        seats = max(1, int(round(typical_seats * rng.lognormal(0.0, 0.5))))
        if not approved:
            seats = int(rng.integers(1, max(2, typical_seats // 2) + 1))
        cost = int(round(seats * price * rng.uniform(0.7, 1.3), -1))
        cost = max(cost, 10)

        earlier = seen_in_category.get(category, 0)
        seen_in_category[category] = earlier + 1
        if not approved:
            a, b = 6.0, 2.5  # mean ~0.71: people use what they chose themselves
        elif channel == "IT procurement":
            a, b = 2.5, 3.0  # mean ~0.45: seats bought for everyone, used by some
        else:
            a, b = 3.5, 2.5  # mean ~0.58
        if earlier:
            b += 2.0  # a second or third tool for the same job is used less
        active = min(seats, int(round(seats * rng.beta(a, b))))

        if channel == "IT procurement" and rng.random() < 0.4:
            renewal = 1
        else:
            renewal = int(rng.integers(1, 13))

        rows.append(
            (f"T{i + 1:03d}", names[i], category, department, channel, approved, cost, seats,
             active, renewal)
        )

    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.astype(
        {
            "tool_id": "str",
            "tool": "str",
            "category": "str",
            "owning_department": "str",
            "procured_by": "str",
            "approved_by_it": "bool",
            "annual_cost_eur": "int64",
            "licences": "int64",
            "active_users": "int64",
            "renewal_month": "int64",
        }
    )
