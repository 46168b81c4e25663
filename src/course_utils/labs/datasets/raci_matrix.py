"""A synthetic RACI matrix for marketing decisions at a fictional larger Norwegian company.

The matrix assigns R (Responsible), A (Accountable), C (Consulted) or I (Informed) to seven roles
for 22 marketing tasks at *Fjellmo Friluft*, a fictional outdoor-gear chain with both a CMO and a
markedssjef (marketing manager). It is stored in **long format**: one row per task and role that
has a code; a role with no part in a task has no row.

The hand-written template below encodes the chapter's reading of the source article: the CMO is
accountable for the strategic tasks, the markedssjef for the operational ones. The seed then
varies the peripheral C and I entries and, unless ``clean=True``, picks three tasks that receive
one deliberate defect each (two As; no R; a code that is not RACI) for the lab to find.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NAME = "raci_matrix"
SYNTHETIC = True
DEFAULT_SEED = 404

COLUMNS = ("task_id", "task", "level", "role", "code")
ROLES = ("CEO", "CMO", "markedssjef", "sales director", "CIO", "CFO", "agency")
DEFECT_KINDS = ("two As", "no R", "invalid code")

# (task, level, {role: code}) -- the designed assignment before the seed touches it.
_TEMPLATE: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("Set the overall marketing strategy", "strategic",
     {"CEO": "C", "CMO": "A/R", "markedssjef": "C", "sales director": "C", "CFO": "I", "agency": "I"}),
    ("Approve the annual marketing budget", "strategic",
     {"CEO": "A", "CMO": "R", "markedssjef": "C", "CFO": "C", "sales director": "I"}),
    ("Set long-term marketing goals and KPIs", "strategic",
     {"CEO": "C", "CMO": "A/R", "markedssjef": "C", "sales director": "C", "CFO": "I"}),
    ("Define brand positioning and brand guidelines", "strategic",
     {"CEO": "I", "CMO": "A", "markedssjef": "R", "agency": "C", "sales director": "I"}),
    ("Choose the martech platforms", "strategic",
     {"CMO": "A", "CIO": "R", "markedssjef": "C", "CFO": "C", "agency": "I"}),
    ("Explore new marketing channels and tools", "strategic",
     {"CMO": "A", "markedssjef": "R", "agency": "C", "CIO": "C", "sales director": "I"}),
    ("Coordinate marketing with product development", "strategic",
     {"CMO": "A/R", "markedssjef": "C", "sales director": "C", "CEO": "I"}),
    ("Allocate resources across marketing functions", "strategic",
     {"CMO": "A/R", "CFO": "C", "markedssjef": "C", "CEO": "I"}),
    ("Agree lead definitions with sales", "strategic",
     {"CMO": "A", "sales director": "R", "markedssjef": "R", "CIO": "I"}),
    ("Report marketing results to the leadership group", "strategic",
     {"CMO": "A/R", "markedssjef": "C", "CEO": "I", "CFO": "I", "sales director": "I"}),
    ("Handle PR and press contact", "strategic",
     {"CMO": "A", "markedssjef": "R", "CEO": "C", "agency": "C"}),
    ("Write the annual campaign plan", "operational",
     {"CMO": "A", "markedssjef": "R", "sales director": "C", "agency": "C", "CFO": "I"}),
    ("Brief the agency", "operational",
     {"markedssjef": "A/R", "agency": "C", "CMO": "I"}),
    ("Run campaigns", "operational",
     {"markedssjef": "A", "agency": "R", "sales director": "I", "CMO": "I"}),
    ("Monitor campaign budget spend", "operational",
     {"markedssjef": "A/R", "CFO": "I", "CMO": "I"}),
    ("Launch campaigns for new products", "operational",
     {"markedssjef": "A", "agency": "R", "sales director": "C", "CMO": "C"}),
    ("Search engine optimisation (SEO)", "operational",
     {"markedssjef": "A", "agency": "R", "CIO": "C"}),
    ("Produce content", "operational",
     {"markedssjef": "A", "agency": "R", "sales director": "C", "CMO": "I"}),
    ("Run social media channels", "operational",
     {"markedssjef": "A/R", "agency": "C", "CMO": "I"}),
    ("Prepare sales support material", "operational",
     {"markedssjef": "A/R", "sales director": "C", "agency": "C"}),
    ("Maintain the website and web analytics", "operational",
     {"markedssjef": "A", "agency": "R", "CIO": "C", "CMO": "I"}),
    ("Weekly campaign performance report", "operational",
     {"markedssjef": "A/R", "CMO": "I", "sales director": "I"}),
)

# How the seed may move a peripheral entry (never an A or R): code -> (alternatives, probabilities).
_PERIPHERAL_MOVES: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "C": (("C", "I"), (0.8, 0.2)),
    "I": (("I", ""), (0.75, 0.25)),
    "": (("", "I"), (0.92, 0.08)),
}


def _letters(code: str) -> set[str]:
    return set(code.split("/")) if code else set()


def _vary_peripheral(rng: np.random.Generator) -> list[dict[str, str]]:
    """Seeded variation of the C and I entries; every A and R of the template is kept."""
    varied = []
    for _task, _level, codes in _TEMPLATE:
        row = {}
        for role in ROLES:
            code = codes.get(role, "")
            if _letters(code) & {"A", "R"}:
                row[role] = code
                continue
            options, weights = _PERIPHERAL_MOVES[code]
            row[role] = str(rng.choice(options, p=weights))
        varied.append(row)
    return varied


def _inject_defects(rows: list[dict[str, str]], rng: np.random.Generator) -> None:
    """Give three different tasks one defect each: two As, no R, an invalid code (``S``)."""
    order = [int(i) for i in rng.permutation(len(rows))]
    used: set[int] = set()

    def pick(fits) -> int:
        for i in order:
            if i not in used and fits(rows[i]):
                used.add(i)
                return i
        raise RuntimeError("no task fits the defect")  # pragma: no cover - template guarantees fits

    # Two As: a consulted role also believes it decides (e.g. the CIO on a martech choice).
    i = pick(lambda r: "C" in r.values())
    consulted = [role for role in ROLES if rows[i][role] == "C"]
    rows[i][str(rng.choice(consulted))] = "A"
    # No R: the only role doing the work is written down as merely consulted.
    i = pick(lambda r: sum("R" in _letters(c) for c in r.values()) == 1)
    for role in ROLES:
        if rows[i][role] == "R":
            rows[i][role] = "C"
        elif rows[i][role] == "A/R":
            rows[i][role] = "A"
    # Invalid code: someone used RASCI's "S" (Support), which plain RACI does not have.
    i = pick(lambda r: "C" in r.values() or "I" in r.values())
    peripheral = [role for role in ROLES if rows[i][role] in ("C", "I")]
    rows[i][str(rng.choice(peripheral))] = "S"


CARD = f"""
**Data card: `raci_matrix`** (**synthetic**)

**What it is.** Who does what in marketing at *Fjellmo Friluft*, a **fictional** Norwegian outdoor-gear
chain large enough to have both a CMO and a markedssjef (marketing manager). For {len(_TEMPLATE)}
marketing tasks it records the RACI code of each of {len(ROLES)} roles:
{", ".join(ROLES)}. No real company, person or survey is behind it.

**How it was made.** A hand-written template (in `course_utils/labs/datasets/raci_matrix.py`) follows
the chapter's reading of the Markedssjefene.no article: the CMO is accountable (A) for the strategic
tasks, the markedssjef for the operational ones. A seeded generator (`numpy.random.default_rng(seed)`,
default seed **{DEFAULT_SEED}**) then moves some peripheral entries (a C may become I, an I may
disappear, a blank may become I); it never changes an A or an R of the template.

**Deliberate defects.** `load()` (the default, `clean=False`) returns the matrix **with three
defects** for the lab to find, each in a different task chosen by the seed:

- **two As**: a role that was only consulted is also marked accountable;
- **no R**: the only responsible role is downgraded to C (so nobody does the work);
- **invalid code**: one C or I entry is replaced by `S` (RASCI's "Support"), which RACI does not have.

`load(clean=True)` returns the same seeded matrix without the defects.

**Columns** (long format: one row per task and role with a code; no row means no part in the task).

| column | type | meaning |
|---|---|---|
| `task_id` | str | `T01` ... `T{len(_TEMPLATE):02d}`, in template order |
| `task` | str | the marketing task |
| `level` | str | `strategic` or `operational`, as the template classifies the task |
| `role` | str | one of the {len(ROLES)} roles; roles are not people |
| `code` | str | `R`, `A`, `C`, `I` or the combined `A/R` (accountable and doing the work); defects may add others |

Use `course_utils.labs.raci.to_wide` for a task x role table.
"""


def load(seed: int = DEFAULT_SEED, clean: bool = False) -> pd.DataFrame:
    """Return the synthetic RACI matrix in long format (see ``CARD``).

    ``seed`` drives the peripheral C/I entries and the choice of defective tasks;
    ``clean=True`` leaves the three deliberate defects out.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"raci_matrix.load: seed must be a non-negative whole number, got {seed!r}")
    rng = np.random.default_rng(int(seed))
    rows = _vary_peripheral(rng)
    if not clean:
        _inject_defects(rows, rng)
    records = []
    for number, ((task, level, _codes), codes) in enumerate(zip(_TEMPLATE, rows, strict=True), start=1):
        for role in ROLES:
            if codes[role]:
                records.append((f"T{number:02d}", task, level, role, codes[role]))
    return pd.DataFrame(records, columns=list(COLUMNS)).astype("str")
