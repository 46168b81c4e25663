"""Read, check, compare and merge RACI matrices (who is Responsible, Accountable, Consulted, Informed).

A matrix is a **long** table with one row per task and role that has a code: columns ``task``,
``role`` and ``code`` (other columns, such as ``level``, are carried along). :func:`to_wide` and
:func:`from_wide` convert to and from a task x role table.

Codes
    ``R``, ``A``, ``C`` and ``I``, plus one combined code, ``A/R``: the role is accountable AND does
    the work. ``R/A`` and ``AR`` are read as ``A/R``; case and spaces do not matter. No other
    combination is accepted: an accountable or responsible role does not need to be consulted or
    informed about its own task, and ``C/I`` says nothing ``C`` does not.

Rules checked by :func:`validate` (the usual reading of RACI)
    every task has **exactly one A** and **at least one R**; every code is one of the above; a role
    appears at most once per task.

Roles are not people: one person may hold several roles. :func:`merge_roles` gives the roles of one
person (say the CMO who is also the markedssjef of a small company) to one role and lists what the
merge hides or concentrates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from course_utils.labs.tables import require_columns

__all__ = [
    "CODES",
    "PROBLEM_KINDS",
    "CONFLICT_KINDS",
    "CONFLICT_MEANINGS",
    "MergedMatrix",
    "RaciError",
    "assert_valid",
    "compare_roles",
    "diff_matrices",
    "from_wide",
    "merge_roles",
    "normalise",
    "parse_code",
    "role_summary",
    "to_wide",
    "validate",
]

CODES = ("R", "A", "C", "I", "A/R")
LETTER_ORDER = ("A", "R", "C", "I")
REQUIRED_COLUMNS = ("task", "role", "code")
PROBLEM_KINDS = ("invalid code", "duplicate role", "no A", "several As", "no R")
CONFLICT_KINDS = ("two As collapse", "A and C", "R and C", "R and A")
CONFLICT_MEANINGS: dict[str, str] = {
    "two As collapse": "both merged roles were accountable; the matrix now shows one A, but the "
    "disagreement behind the two As is hidden, not settled",
    "A and C": "the person who decides was also to be consulted; that second opinion is gone",
    "R and C": "the person doing the work was also to be consulted; that consultation is gone",
    "R and A": "the A and the R came from different roles; one person now decides and does the work, "
    "with nobody checking it (a workload concentration)",
}
"""What each kind of :data:`CONFLICT_KINDS` hides or concentrates, in one sentence."""

_COMBINED_SPELLINGS = {"A/R": "A/R", "R/A": "A/R", "AR": "A/R", "RA": "A/R"}


class RaciError(ValueError):
    """A RACI matrix or argument the helpers cannot work with; the message says what is wrong."""


# --- codes -------------------------------------------------------------------------------------


def _clean_code(code: object) -> str:
    """Upper-case a code and remove spaces; missing values become the empty string."""
    if code is None or (isinstance(code, float) and pd.isna(code)):
        return ""
    return "".join(str(code).split()).upper()


def _canonical(code: object) -> str | None:
    """The canonical spelling of a valid code ('' for no code), or None if it is not valid."""
    cleaned = _clean_code(code)
    if cleaned in ("", "R", "A", "C", "I"):
        return cleaned
    return _COMBINED_SPELLINGS.get(cleaned)


def parse_code(code: object) -> frozenset[str]:
    """Return the letters of one RACI code: ``"A/R"`` -> ``{"A", "R"}``, ``""`` -> ``{}``.

    Raises :class:`RaciError` for anything that is not ``R``, ``A``, ``C``, ``I`` or ``A/R``.
    """
    canonical = _canonical(code)
    if canonical is None:
        raise RaciError(f"invalid RACI code {code!r}: use R, A, C, I or A/R")
    return frozenset(canonical.split("/")) if canonical else frozenset()


def _code_from_letters(letters: Iterable[str]) -> str:
    letters = set(letters)
    if {"A", "R"} <= letters:
        return "A/R"
    for letter in LETTER_ORDER:
        if letter in letters:
            return letter
    return ""


# --- shape -------------------------------------------------------------------------------------


def _require_matrix(matrix: object, needed_by: str) -> pd.DataFrame:
    return require_columns(matrix, REQUIRED_COLUMNS, needed_by=needed_by, what="RACI matrix", error=RaciError,
                           expected="a pandas DataFrame (task, role, code)",
                           hint="; is it in wide format? see from_wide()")


def normalise(matrix: pd.DataFrame) -> pd.DataFrame:
    """Return a copy with codes in canonical spelling (``r/a`` -> ``A/R``) and empty codes dropped.

    Invalid codes are kept as written (upper-cased, spaces removed) so that :func:`validate`
    can report them; row order is kept.
    """
    matrix = _require_matrix(matrix, "normalise")
    out = matrix.copy()
    cleaned = out["code"].map(_clean_code)
    out["code"] = [_canonical(c) if _canonical(c) is not None else c for c in cleaned]
    out["task"] = out["task"].astype("str").str.strip()
    out["role"] = out["role"].astype("str").str.strip()
    return out.loc[out["code"] != ""].reset_index(drop=True)


def to_wide(matrix: pd.DataFrame, roles: Sequence[str] | None = None) -> pd.DataFrame:
    """Return a task x role table of codes ('' where a role has no part), tasks in first-seen order.

    ``roles`` fixes the column order (default: order of first appearance). Fails if a role
    appears twice for one task, since one cell cannot hold two codes.
    """
    matrix = normalise(matrix)
    duplicated = matrix.duplicated(["task", "role"], keep=False)
    if duplicated.any():
        task, role = matrix.loc[duplicated, ["task", "role"]].iloc[0]
        raise RaciError(f"to_wide: task {task!r} lists role {role!r} more than once")
    wide = matrix.pivot(index="task", columns="role", values="code")
    tasks = list(dict.fromkeys(matrix["task"]))
    columns = list(roles) if roles is not None else list(dict.fromkeys(matrix["role"]))
    wide = wide.reindex(index=tasks, columns=columns).fillna("")
    wide.columns.name = None
    return wide


def from_wide(wide: pd.DataFrame, task_column: str | None = None) -> pd.DataFrame:
    """Turn a task x role table (tasks as index, or in ``task_column``) into the long format."""
    if not isinstance(wide, pd.DataFrame):
        raise RaciError(f"from_wide: expected a pandas DataFrame, got {type(wide).__name__}")
    if task_column is not None:
        if task_column not in wide.columns:
            raise RaciError(f"from_wide: no task column {task_column!r} (columns are: {', '.join(map(str, wide.columns))})")
        wide = wide.set_index(task_column)
    long = wide.rename_axis(index="task", columns="role").stack(future_stack=True).rename("code").reset_index()
    long["task"] = long["task"].astype("str")
    long["role"] = long["role"].astype("str")
    return normalise(long)


# --- validation --------------------------------------------------------------------------------


def validate(matrix: pd.DataFrame) -> pd.DataFrame:
    """List every problem of the matrix: a DataFrame with columns ``task``, ``problem``, ``detail``.

    ``problem`` is one of :data:`PROBLEM_KINDS`; ``detail`` is a sentence naming the roles involved.
    An empty table means the matrix follows the rules. Tasks come in first-seen order. An invalid
    code is reported once and otherwise ignored when counting As and Rs.
    """
    matrix = normalise(matrix)
    problems: list[tuple[str, str, str]] = []
    for task, rows in matrix.groupby("task", sort=False):
        accountable, responsible = [], []
        for role, count in rows["role"].value_counts(sort=False).items():
            if count > 1:
                problems.append((task, "duplicate role", f"role {role!r} has {count} rows for this task"))
        for role, code in zip(rows["role"], rows["code"], strict=True):
            if code not in CODES:
                problems.append((task, "invalid code", f"role {role!r} has code {code!r}; use R, A, C, I or A/R"))
                continue
            letters = parse_code(code)
            if "A" in letters:
                accountable.append(role)
            if "R" in letters:
                responsible.append(role)
        if not accountable:
            problems.append((task, "no A", "nobody is accountable; exactly one role must hold the A"))
        elif len(accountable) > 1:
            problems.append(
                (task, "several As", f"{len(accountable)} roles are accountable ({', '.join(accountable)}); exactly one must be")
            )
        if not responsible:
            problems.append((task, "no R", "nobody is responsible for doing the work; at least one role must hold an R"))
    return pd.DataFrame(problems, columns=["task", "problem", "detail"]).astype("str")


def assert_valid(matrix: pd.DataFrame, source: str = "RACI matrix") -> None:
    """Raise :class:`RaciError` naming ``source``, the first task and its problem, if any rule is broken."""
    problems = validate(matrix)
    if len(problems):
        first = problems.iloc[0]
        more = f" (and {len(problems) - 1} more problem(s); see validate())" if len(problems) > 1 else ""
        raise RaciError(f"{source}: task {first['task']!r}: {first['problem']}: {first['detail']}{more}")


# --- comparing roles ---------------------------------------------------------------------------


def _require_roles(matrix: pd.DataFrame, roles: Iterable[str], needed_by: str) -> None:
    known = list(dict.fromkeys(matrix["role"]))
    for role in roles:
        if role not in known:
            raise RaciError(f"{needed_by}: role {role!r} is not in the matrix (roles are: {', '.join(known)})")


def _require_valid_codes(matrix: pd.DataFrame, needed_by: str) -> None:
    bad = matrix.loc[~matrix["code"].isin(CODES)]
    if len(bad):
        row = bad.iloc[0]
        raise RaciError(
            f"{needed_by}: task {row['task']!r}, role {row['role']!r}: invalid code {row['code']!r} "
            "(use R, A, C, I or A/R); fix it first, validate() lists all problems"
        )


def role_summary(matrix: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Count the tasks in which each role holds A, R, C and I (``A/R`` counts as both A and R).

    Returns one row per role (or per role and value of column ``by``, e.g. ``"level"``, with a
    row of zeros where a role has no task of that value) and integer columns ``A``, ``R``, ``C``,
    ``I``. Roles and values keep their first-seen order.
    """
    matrix = normalise(matrix)
    _require_valid_codes(matrix, "role_summary")
    if by is not None and by not in matrix.columns:
        raise RaciError(f"role_summary: no column {by!r} to group by (columns are: {', '.join(map(str, matrix.columns))})")
    letters = matrix["code"].map(parse_code)
    counts = pd.DataFrame({letter: letters.map(lambda s, x=letter: x in s).astype("int64") for letter in LETTER_ORDER})
    keys = ["role"] if by is None else ["role", by]
    counts[keys] = matrix[keys]
    summary = counts.groupby(keys, sort=False)[list(LETTER_ORDER)].sum()
    roles = list(dict.fromkeys(matrix["role"]))
    if by is None:
        return summary.reindex(roles)
    every = pd.MultiIndex.from_product([roles, list(dict.fromkeys(matrix[by]))], names=keys)
    return summary.reindex(every, fill_value=0)


def compare_roles(matrix: pd.DataFrame, first: str, second: str) -> pd.DataFrame:
    """Put the codes of two roles side by side, one row per task, and say who decides.

    Columns: ``task``, ``<first>``, ``<second>`` (codes, '' for none) and ``decides``: the role
    holding the A, ``"both"`` or ``"neither"``. Any other task-level column whose value is the same
    on every row of a task (e.g. ``level``) is carried along after ``task``.
    """
    matrix = normalise(matrix)
    if first == second:
        raise RaciError(f"compare_roles: compare two different roles, got {first!r} twice")
    _require_roles(matrix, (first, second), "compare_roles")
    _require_valid_codes(matrix, "compare_roles")
    wide = to_wide(matrix, roles=[first, second])
    out = wide.reset_index()
    extra = [c for c in matrix.columns if c not in REQUIRED_COLUMNS and (matrix.groupby("task")[c].nunique() == 1).all()]
    if extra:
        attributes = matrix.drop_duplicates("task").set_index("task")[extra]
        out = out.merge(attributes, left_on="task", right_index=True, how="left")
        out = out[["task", *extra, first, second]]
    first_a = out[first].map(lambda c: "A" in parse_code(c))
    second_a = out[second].map(lambda c: "A" in parse_code(c))
    out["decides"] = [
        "both" if a and b else first if a else second if b else "neither"
        for a, b in zip(first_a, second_a, strict=True)
    ]
    return out.reset_index(drop=True)


def diff_matrices(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """List the cells whose code differs between two matrices: ``task``, ``role``, ``before``, ``after``.

    A role with no part in a task shows ''. Rows follow the order of ``before`` (then new cells of
    ``after``). Handy to see what a fix, a seed or a merge changed.
    """
    before, after = normalise(before), normalise(after)
    for name, matrix in (("before", before), ("after", after)):
        duplicated = matrix.duplicated(["task", "role"], keep=False)
        if duplicated.any():
            task, role = matrix.loc[duplicated, ["task", "role"]].iloc[0]
            raise RaciError(f"diff_matrices: {name}: task {task!r} lists role {role!r} more than once")
    left = before[["task", "role", "code"]].assign(_first=range(len(before)), _second=0)
    right = after[["task", "role", "code"]].assign(_first=len(before), _second=range(len(after)))
    both = left.merge(right, on=["task", "role"], how="outer", suffixes=("_before", "_after"))
    both["_first"] = both["_first_before"].fillna(both["_first_after"])
    both["_second"] = both["_second_before"].fillna(both["_second_after"])
    both = both.sort_values(["_first", "_second"], kind="stable")
    both = both.fillna({"code_before": "", "code_after": ""})
    changed = both.loc[both["code_before"] != both["code_after"], ["task", "role", "code_before", "code_after"]]
    changed = changed.rename(columns={"code_before": "before", "code_after": "after"})
    return changed.reset_index(drop=True).astype("str")


# --- merging roles -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MergedMatrix:
    """The result of :func:`merge_roles`: the new matrix and what the merge concentrates or hides."""

    matrix: pd.DataFrame
    """The long matrix with the merged roles replaced by one role."""
    conflicts: pd.DataFrame
    """One row per task and conflict: ``task``, ``conflict`` (see :data:`CONFLICT_KINDS`),
    ``before`` (the merged roles' codes, e.g. ``CMO=A; markedssjef=R``), ``after`` (the merged code)."""


def merge_roles(matrix: pd.DataFrame, roles: Sequence[str] = ("CMO", "markedssjef"), into: str | None = None) -> MergedMatrix:
    """Give the ``roles`` of one person to a single role ``into`` (default: the first of ``roles``).

    Per task the merged role holds the union of the letters, reduced to one valid code: A and R
    together become ``A/R``; a C or I is dropped when the role also holds A or R (nobody consults
    or informs themselves); C beats I. The conflicts list what that hides or concentrates:

    * ``two As collapse`` -- more than one merged role was accountable; the matrix now shows one
      A, but the disagreement behind the two As is hidden, not resolved;
    * ``A and C`` -- the merged person decides and was also to be consulted: the second opinion
      disappears;
    * ``R and C`` -- the merged person does the work (without the A) and was also to be consulted:
      that consultation disappears;
    * ``R and A`` -- the A and the R came from different roles: one person now decides and does
      the work (a workload concentration, and nobody checks the work). An ``A/R`` that one role
      already held is not a conflict of the merge.

    Raises :class:`RaciError` for fewer than two roles, unknown roles, invalid codes, or an
    ``into`` that names another role already in the matrix.
    """
    matrix = normalise(matrix)
    if isinstance(roles, str) or len(roles) < 2:
        raise RaciError(f"merge_roles: give at least two roles to merge as a list, got {roles!r}")
    if len(set(roles)) != len(roles):
        raise RaciError(f"merge_roles: a role is listed twice in {list(roles)!r}")
    _require_roles(matrix, roles, "merge_roles")
    into = roles[0] if into is None else into
    if into not in roles and into in set(matrix["role"]):
        raise RaciError(
            f"merge_roles: into={into!r} is already a role in the matrix and not one of {list(roles)!r}; "
            "pick a new name or one of the merged roles"
        )
    _require_valid_codes(matrix, "merge_roles")
    duplicated = matrix.duplicated(["task", "role"], keep=False)
    if duplicated.any():
        task, role = matrix.loc[duplicated, ["task", "role"]].iloc[0]
        raise RaciError(f"merge_roles: task {task!r} lists role {role!r} more than once; fix it first")

    merged_rows, conflicts = [], []
    in_merge = matrix["role"].isin(roles)
    for task, rows in matrix.groupby("task", sort=False):
        held = rows.loc[rows["role"].isin(roles)]
        if held.empty:
            continue
        by_role = {role: parse_code(code) for role, code in zip(held["role"], held["code"], strict=True)}
        letters = set().union(*by_role.values())
        after = _code_from_letters(letters)
        before = "; ".join(f"{role}={code}" for role, code in zip(held["role"], held["code"], strict=True))
        found = _merge_conflicts(by_role)
        conflicts.extend((task, kind, before, after) for kind in found)
        template = held.iloc[0].copy()
        template["role"] = into
        template["code"] = after
        merged_rows.append((held.index[0], template))

    out = matrix.loc[~in_merge].copy()
    if merged_rows:
        placed = pd.DataFrame([row for _, row in merged_rows], index=[i for i, _ in merged_rows])
        out = pd.concat([out, placed]).sort_index(kind="stable")
    out = out.reset_index(drop=True).astype({"role": "str", "code": "str"})
    return MergedMatrix(
        matrix=out,
        conflicts=pd.DataFrame(conflicts, columns=["task", "conflict", "before", "after"]).astype("str"),
    )


def _merge_conflicts(by_role: dict[str, frozenset[str]]) -> list[str]:
    """The conflict kinds that merging these roles' letters creates, in :data:`CONFLICT_KINDS` order."""
    holders = {letter: [role for role, letters in by_role.items() if letter in letters] for letter in LETTER_ORDER}
    found = []
    if len(holders["A"]) > 1:
        found.append("two As collapse")
    if holders["C"] and holders["A"]:
        found.append("A and C")
    elif holders["C"] and holders["R"]:
        found.append("R and C")
    if holders["A"] and holders["R"] and not any({"A", "R"} <= letters for letters in by_role.values()):
        found.append("R and A")
    return found
