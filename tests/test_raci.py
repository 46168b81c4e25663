"""The synthetic RACI matrix data set and the RACI helpers (validate, compare, merge)."""

from __future__ import annotations

import pandas as pd
import pytest

from course_utils.labs import datasets, raci
from course_utils.labs.datasets import raci_matrix


def make(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """A long RACI matrix from (task, role, code) triples."""
    return pd.DataFrame(rows, columns=["task", "role", "code"])


@pytest.fixture
def small() -> pd.DataFrame:
    """Three valid tasks shared by a CMO, a markedssjef and an agency."""
    return make([
        ("strategy", "CMO", "A/R"), ("strategy", "markedssjef", "C"), ("strategy", "agency", "I"),
        ("brand", "CMO", "A"), ("brand", "markedssjef", "R"), ("brand", "agency", "C"),
        ("campaign", "markedssjef", "A"), ("campaign", "agency", "R"), ("campaign", "CMO", "I"),
    ])


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return datasets.load("raci_matrix")


@pytest.fixture(scope="module")
def clean() -> pd.DataFrame:
    return datasets.load("raci_matrix", clean=True)


# --- the data set ------------------------------------------------------------------------------


def test_registered_as_synthetic_with_a_card_that_says_so() -> None:
    info = datasets.info("raci_matrix")
    assert info.synthetic is True
    assert "synthetic" in info.card.lower()
    assert str(raci_matrix.DEFAULT_SEED) in info.card
    for column in raci_matrix.COLUMNS:
        assert f"`{column}`" in info.card


def test_columns_and_dtypes(raw: pd.DataFrame) -> None:
    assert tuple(raw.columns) == raci_matrix.COLUMNS
    assert all(pd.api.types.is_string_dtype(raw[c]) for c in raw.columns)


def test_size_and_roles(clean: pd.DataFrame) -> None:
    assert 15 <= clean["task"].nunique() <= 25
    assert set(clean["role"]) <= set(raci_matrix.ROLES)
    assert {"CMO", "markedssjef"} <= set(clean["role"])
    assert set(clean["level"]) == {"strategic", "operational"}
    assert not clean.duplicated(["task", "role"]).any()


def test_same_seed_same_matrix() -> None:
    pd.testing.assert_frame_equal(raci_matrix.load(seed=7), raci_matrix.load(seed=7))


def test_other_seed_other_matrix() -> None:
    assert not raci_matrix.load(seed=7).equals(raci_matrix.load(seed=8))


@pytest.mark.parametrize("seed", [0, 1, 7, raci_matrix.DEFAULT_SEED])
def test_clean_matrix_is_valid(seed: int) -> None:
    assert raci.validate(raci_matrix.load(seed=seed, clean=True)).empty


@pytest.mark.parametrize("seed", [0, 1, 7, raci_matrix.DEFAULT_SEED])
def test_raw_matrix_has_exactly_the_three_defects(seed: int) -> None:
    problems = raci.validate(raci_matrix.load(seed=seed))
    assert sorted(problems["problem"]) == ["invalid code", "no R", "several As"]
    assert problems["task"].nunique() == 3


@pytest.mark.parametrize("seed", [0, raci_matrix.DEFAULT_SEED])
def test_seed_keeps_every_a_and_r_of_the_template(seed: int) -> None:
    wide = raci.to_wide(raci_matrix.load(seed=seed, clean=True), roles=raci_matrix.ROLES)
    for task, _level, codes in raci_matrix._TEMPLATE:
        for role, code in codes.items():
            if code in ("A", "R", "A/R"):
                assert wide.loc[task, role] == code, (task, role)


def test_defects_touch_only_three_tasks(raw: pd.DataFrame, clean: pd.DataFrame) -> None:
    both = raw.merge(clean, on=["task_id", "task", "level", "role"], how="outer", suffixes=("_raw", "_clean"))
    changed = both.loc[both["code_raw"] != both["code_clean"], "task"]
    assert changed.nunique() == 3


@pytest.mark.parametrize("seed", [-1, 1.5, True, "1"])
def test_bad_seed_is_refused(seed: object) -> None:
    with pytest.raises(ValueError, match="raci_matrix.load: seed"):
        raci_matrix.load(seed=seed)


# --- codes and shape ---------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "letters"), [
    ("R", {"R"}), ("a", {"A"}), (" c ", {"C"}), ("I", {"I"}), ("A/R", {"A", "R"}),
    ("r/a", {"A", "R"}), ("AR", {"A", "R"}), ("", set()), (None, set()),
])
def test_parse_code(code: object, letters: set[str]) -> None:
    assert raci.parse_code(code) == frozenset(letters)


@pytest.mark.parametrize("code", ["S", "X", "A/C", "C/I", "RR", "A/R/C", 3])
def test_parse_code_refuses_invalid(code: object) -> None:
    with pytest.raises(raci.RaciError, match="invalid RACI code"):
        raci.parse_code(code)


def test_normalise_spelling_and_drops_empty() -> None:
    out = raci.normalise(make([("t", "CMO", "r/a"), ("t", "CEO", ""), ("t", " CFO ", "i")]))
    assert out[["role", "code"]].values.tolist() == [["CMO", "A/R"], ["CFO", "I"]]


def test_wide_round_trip(small: pd.DataFrame) -> None:
    wide = raci.to_wide(small)
    assert wide.loc["campaign", "CMO"] == "I"
    assert wide.loc["strategy", "agency"] == "I"
    back = raci.from_wide(wide)
    key = ["task", "role"]
    pd.testing.assert_frame_equal(
        back.sort_values(key, ignore_index=True), small.sort_values(key, ignore_index=True), check_dtype=False
    )


def test_from_wide_with_task_column(small: pd.DataFrame) -> None:
    wide = raci.to_wide(small).reset_index()
    assert len(raci.from_wide(wide, task_column="task")) == len(small)
    with pytest.raises(raci.RaciError, match="no task column 'job'"):
        raci.from_wide(wide, task_column="job")


def test_wide_table_is_refused_where_long_is_needed(small: pd.DataFrame) -> None:
    with pytest.raises(raci.RaciError, match="no column 'role'.*from_wide"):
        raci.validate(raci.to_wide(small).reset_index())


def test_not_a_dataframe_is_refused() -> None:
    with pytest.raises(raci.RaciError, match="validate|normalise: expected a pandas DataFrame"):
        raci.validate([("t", "CMO", "A")])


def test_to_wide_refuses_duplicate_role() -> None:
    with pytest.raises(raci.RaciError, match="task 't' lists role 'CMO' more than once"):
        raci.to_wide(make([("t", "CMO", "A"), ("t", "CMO", "R")]))


# --- validation --------------------------------------------------------------------------------


def test_valid_matrix_has_no_problems(small: pd.DataFrame) -> None:
    problems = raci.validate(small)
    assert problems.empty
    assert list(problems.columns) == ["task", "problem", "detail"]
    raci.assert_valid(small)


@pytest.mark.parametrize(("rows", "problem", "detail"), [
    ([("t", "CMO", "R"), ("t", "CEO", "C")], "no A", "nobody is accountable"),
    ([("t", "CMO", "A"), ("t", "CIO", "A"), ("t", "x", "R")], "several As", r"2 roles .*\(CMO, CIO\)"),
    ([("t", "CMO", "A"), ("t", "CEO", "C")], "no R", "nobody is responsible"),
    ([("t", "CMO", "A/R"), ("t", "agency", "S")], "invalid code", "role 'agency' has code 'S'"),
    ([("t", "CMO", "A/R"), ("t", "CMO", "I")], "duplicate role", "role 'CMO' has 2 rows"),
])
def test_each_rule_is_reported(rows, problem: str, detail: str) -> None:
    problems = raci.validate(make(rows))
    assert problems["problem"].tolist() == [problem]
    assert problems["task"].tolist() == ["t"]
    assert problems["detail"].str.contains(detail).all()


def test_one_task_can_have_several_problems() -> None:
    problems = raci.validate(make([("t", "CMO", "C"), ("t", "CEO", "I")]))
    assert problems["problem"].tolist() == ["no A", "no R"]


def test_invalid_code_does_not_count_as_a_or_r() -> None:
    problems = raci.validate(make([("t", "CMO", "A/C")]))
    assert problems["problem"].tolist() == ["invalid code", "no A", "no R"]


def test_assert_valid_names_source_task_and_problem() -> None:
    with pytest.raises(raci.RaciError, match=r"^raci\.csv: task 't': no A: .*\(and 1 more"):
        raci.assert_valid(make([("t", "CMO", "C"), ("t", "CEO", "I")]), source="raci.csv")


def test_the_data_set_defects_are_found(raw: pd.DataFrame) -> None:
    problems = raci.validate(raw).set_index("problem")
    several = raw.loc[raw["task"] == problems.loc["several As", "task"]]
    assert several["code"].map(lambda c: "A" in raci.parse_code(c)).sum() == 2
    assert "S" in set(raw.loc[raw["task"] == problems.loc["invalid code", "task"], "code"])


# --- comparing roles ---------------------------------------------------------------------------


def test_role_summary_counts_a_r_as_both(small: pd.DataFrame) -> None:
    summary = raci.role_summary(small)
    assert summary.loc["CMO"].to_dict() == {"A": 2, "R": 1, "C": 0, "I": 1}
    assert summary.loc["markedssjef"].to_dict() == {"A": 1, "R": 1, "C": 1, "I": 0}
    assert list(summary.index) == ["CMO", "markedssjef", "agency"]


def test_role_summary_by_level_fills_zeros(clean: pd.DataFrame) -> None:
    summary = raci.role_summary(clean, by="level")
    assert summary.loc[("CMO", "strategic"), "A"] > summary.loc[("markedssjef", "strategic"), "A"]
    assert summary.loc[("markedssjef", "operational"), "A"] > summary.loc[("CMO", "operational"), "A"]
    assert len(summary) == clean["role"].nunique() * 2
    total_a = summary["A"].sum()
    assert total_a == clean["task"].nunique()  # exactly one A per task in a clean matrix


def test_role_summary_refuses_unknown_column_and_bad_codes(small: pd.DataFrame, raw: pd.DataFrame) -> None:
    with pytest.raises(raci.RaciError, match="no column 'area'"):
        raci.role_summary(small, by="area")
    with pytest.raises(raci.RaciError, match="invalid code 'S'"):
        raci.role_summary(raw)


def test_compare_roles_says_who_decides(small: pd.DataFrame) -> None:
    out = raci.compare_roles(small, "CMO", "markedssjef").set_index("task")
    assert out.loc["strategy", "decides"] == "CMO"
    assert out.loc["campaign", "decides"] == "markedssjef"
    assert out.loc["brand", "markedssjef"] == "R"


def test_compare_roles_both_and_neither() -> None:
    matrix = make([("x", "CMO", "A"), ("x", "markedssjef", "A"), ("y", "CEO", "A"), ("y", "CMO", "R")])
    out = raci.compare_roles(matrix, "CMO", "markedssjef").set_index("task")
    assert out["decides"].to_dict() == {"x": "both", "y": "neither"}
    assert out.loc["y", "markedssjef"] == ""


def test_compare_roles_carries_task_attributes(clean: pd.DataFrame) -> None:
    out = raci.compare_roles(clean, "CMO", "markedssjef")
    assert list(out.columns) == ["task", "task_id", "level", "CMO", "markedssjef", "decides"]
    assert len(out) == clean["task"].nunique()


def test_compare_roles_errors(small: pd.DataFrame) -> None:
    with pytest.raises(raci.RaciError, match="role 'CFO' is not in the matrix"):
        raci.compare_roles(small, "CMO", "CFO")
    with pytest.raises(raci.RaciError, match="two different roles"):
        raci.compare_roles(small, "CMO", "CMO")


# --- merging roles -----------------------------------------------------------------------------


def test_merge_combines_codes(small: pd.DataFrame) -> None:
    merged = raci.merge_roles(small, ["CMO", "markedssjef"], into="CMO")
    wide = raci.to_wide(merged.matrix)
    assert list(wide.columns) == ["CMO", "agency"]
    assert wide["CMO"].to_dict() == {"strategy": "A/R", "brand": "A/R", "campaign": "A"}
    assert raci.validate(merged.matrix).empty


def test_merge_lists_conflicts(small: pd.DataFrame) -> None:
    conflicts = raci.merge_roles(small).conflicts
    assert conflicts[["task", "conflict"]].values.tolist() == [["strategy", "A and C"], ["brand", "R and A"]]
    assert conflicts.loc[1, "before"] == "CMO=A; markedssjef=R"
    assert conflicts.loc[1, "after"] == "A/R"


def test_merge_two_as_collapse() -> None:
    matrix = make([("t", "CMO", "A"), ("t", "markedssjef", "A"), ("t", "agency", "R")])
    assert raci.validate(matrix)["problem"].tolist() == ["several As"]
    merged = raci.merge_roles(matrix, ["CMO", "markedssjef"], into="marketing lead")
    assert merged.conflicts["conflict"].tolist() == ["two As collapse"]
    assert raci.validate(merged.matrix).empty
    assert set(merged.matrix["role"]) == {"marketing lead", "agency"}


def test_merge_r_and_c_without_a() -> None:
    matrix = make([("t", "CEO", "A"), ("t", "CMO", "R"), ("t", "markedssjef", "C")])
    merged = raci.merge_roles(matrix)
    assert merged.conflicts["conflict"].tolist() == ["R and C"]
    assert raci.to_wide(merged.matrix).loc["t", "CMO"] == "R"


def test_existing_a_r_is_no_merge_conflict() -> None:
    matrix = make([("t", "CMO", "A/R"), ("t", "markedssjef", "I")])
    merged = raci.merge_roles(matrix)
    assert merged.conflicts.empty
    assert merged.matrix["code"].tolist() == ["A/R"]


def test_merge_keeps_other_roles_and_row_count(clean: pd.DataFrame) -> None:
    merged = raci.merge_roles(clean)
    others = clean.loc[~clean["role"].isin(["CMO", "markedssjef"])]
    assert len(merged.matrix.loc[merged.matrix["role"] != "CMO"]) == len(others)
    touched = clean.loc[clean["role"].isin(["CMO", "markedssjef"]), "task"].nunique()
    assert (merged.matrix["role"] == "CMO").sum() == touched
    assert list(merged.matrix.columns) == list(clean.columns)


def test_merge_on_data_set_flags_workload(clean: pd.DataFrame) -> None:
    conflicts = raci.merge_roles(clean).conflicts
    compared = raci.compare_roles(clean, "CMO", "markedssjef")
    expected = sum(
        ("A" in raci.parse_code(a) and "R" in raci.parse_code(b) and "R" not in raci.parse_code(a))
        or ("A" in raci.parse_code(b) and "R" in raci.parse_code(a) and "R" not in raci.parse_code(b))
        for a, b in zip(compared["CMO"], compared["markedssjef"], strict=True)
    )
    assert (conflicts["conflict"] == "R and A").sum() == expected > 0


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"roles": ["CMO"]}, "at least two roles"),
    ({"roles": "CMO"}, "at least two roles"),
    ({"roles": ["CMO", "CMO"]}, "listed twice"),
    ({"roles": ["CMO", "CCO"]}, "role 'CCO' is not in the matrix"),
    ({"roles": ["CMO", "markedssjef"], "into": "agency"}, "into='agency' is already a role"),
])
def test_merge_errors(small: pd.DataFrame, kwargs: dict, message: str) -> None:
    with pytest.raises(raci.RaciError, match=message):
        raci.merge_roles(small, **kwargs)


def test_merge_refuses_invalid_codes(raw: pd.DataFrame) -> None:
    with pytest.raises(raci.RaciError, match=r"merge_roles: task .*: invalid code 'S'.*validate\(\)"):
        raci.merge_roles(raw)


# --- diff --------------------------------------------------------------------------------------


def test_diff_lists_changed_added_and_removed_cells(small: pd.DataFrame) -> None:
    after = small.copy()
    after.loc[(after["task"] == "brand") & (after["role"] == "agency"), "code"] = "I"
    after = after.loc[~((after["task"] == "campaign") & (after["role"] == "CMO"))]
    after = pd.concat([after, make([("strategy", "CEO", "C")])], ignore_index=True)
    diff = raci.diff_matrices(small, after)
    assert diff.values.tolist() == [
        ["brand", "agency", "C", "I"], ["campaign", "CMO", "I", ""], ["strategy", "CEO", "", "C"],
    ]


def test_diff_of_equal_matrices_is_empty(small: pd.DataFrame) -> None:
    assert raci.diff_matrices(small, small.iloc[::-1]).empty


def test_diff_shows_the_data_set_defects(raw: pd.DataFrame, clean: pd.DataFrame) -> None:
    diff = raci.diff_matrices(raw, clean)
    assert len(diff) == 3
    assert "S" in set(diff["before"])


def test_diff_refuses_duplicates(small: pd.DataFrame) -> None:
    with pytest.raises(raci.RaciError, match="diff_matrices: after: task 'x' lists role 'CMO'"):
        raci.diff_matrices(small, make([("x", "CMO", "A"), ("x", "CMO", "R")]))
