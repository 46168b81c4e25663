"""Content checks of issue 12: exercises name their objectives, labs state prerequisites and time,
plots carry alt text and captions, self-check code is hidden, helpers are shown in plain pandas the
first time the course calls them, and chapter, lab and helpers agree on shared facts."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from course_utils.labs import datasets, raci, service_profit
from course_utils.labs import skills_profiles as sp
from course_utils.labs.datasets.time_log import ACTIVITY_CATEGORY

pytestmark = pytest.mark.content

REPO_ROOT = Path(__file__).resolve().parents[1]
BOOK = REPO_ROOT / "book"
LABS = sorted(BOOK.glob("[0-9][0-9]-*/lab.ipynb"))
EXERCISES = sorted((REPO_ROOT / "exercises").glob("ch[0-9][0-9]_*.ipynb"))
PLAIN = re.compile(r"in plain (pandas|matplotlib|numpy)", re.IGNORECASE)
OBJECTIVE = re.compile(r"\*Learning objective:\* chapter (\d+), no\. (\d+) — \S")


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def _objectives(chapter: int) -> list[str]:
    """The bullet points under "## Learning objectives" of a chapter page."""
    (page,) = BOOK.glob(f"{chapter:02d}-*/index.md")
    text = page.read_text(encoding="utf-8").split("## Learning objectives", 1)[1].split("\n## ", 1)[0]
    return [line for line in text.splitlines() if line.startswith("- ")]


def _rel(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT))


def test_there_are_a_lab_0_and_six_exercises() -> None:
    assert [p.parent.name for p in LABS][0] == "00-pandas-for-marketers"
    assert len(LABS) == 7 and len(EXERCISES) == 6


# --- exercises -----------------------------------------------------------------------------------


@pytest.mark.parametrize("exercise", EXERCISES, ids=_rel)
def test_every_question_names_an_objective_of_its_chapter(exercise: Path) -> None:
    chapter = int(exercise.name[2:4])
    n_objectives = len(_objectives(chapter))
    questions = [c for c in _cells(exercise) if c["cell_type"] == "markdown" and _source(c).startswith("## Question")]
    assert questions, f"{exercise.name}: no questions"
    for cell in questions:
        text = _source(cell)
        title = text.splitlines()[0]
        match = OBJECTIVE.search(text)
        assert match, f"{exercise.name}: '{title}' names no learning objective"
        assert int(match[1]) == chapter, f"{exercise.name}: '{title}' cites chapter {match[1]}"
        assert 1 <= int(match[2]) <= n_objectives, (
            f"{exercise.name}: '{title}' cites objective {match[2]}; chapter {chapter} has {n_objectives}"
        )


def test_objective_pattern_rejects_a_question_without_one() -> None:
    assert OBJECTIVE.search("*Learning objective:* chapter 1, no. 2 — describe the share")
    assert not OBJECTIVE.search("## Question 1 (2 points)\n\nIn which year ...")


def test_exercise_4_uses_the_labs_strategic_activities() -> None:
    setup = _source(_cells(REPO_ROOT / "exercises/ch04_cmo_and_markedssjef.ipynb")[1])
    assert "ACTIVITY_CATEGORY" in setup and "markedssjef's logged" not in setup
    assert ACTIVITY_CATEGORY["leadership group meeting"] == "strategic"


def test_exercise_6_uses_the_capstone_model() -> None:
    text = "\n".join(_source(c) for c in _cells(REPO_ROOT / "exercises/ch06_capstone.ipynb"))
    assert "skills_profiles as sp" in text and "career_plan as cp" in text
    assert "both levels are 3 or more" not in text


# --- labs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lab", LABS, ids=_rel)
def test_lab_states_prerequisites_and_time(lab: Path) -> None:
    top = _source(_cells(lab)[0])
    assert "**Before you start:**" in top and "**Time:**" in top, f"{_rel(lab)}: first cell lacks prerequisites or time"


def _has_image(cell: dict) -> bool:
    return any("image/png" in output.get("data", {}) for output in cell.get("outputs", []))


def _plots_something(cell: dict) -> bool:
    return bool(re.search(r"plt\.show\(\)|\.plot[.(]|plot_\w+\(", _source(cell)))


def test_every_plot_has_alt_text_and_a_caption() -> None:
    names = []
    for notebook in LABS:
        for cell in _cells(notebook):
            if cell["cell_type"] != "code" or not (_has_image(cell) or _plots_something(cell)):
                continue
            if "plt.show()" not in _source(cell) and not _has_image(cell):
                continue
            where = f"{_rel(notebook)} cell {cell.get('id')}"
            mystnb = cell["metadata"].get("mystnb", {})
            alt = mystnb.get("image", {}).get("alt", "")
            caption = mystnb.get("figure", {}).get("caption", "")
            assert len(re.findall(r"[A-Za-z]{2,}", alt)) >= 8, f"{where}: alt text missing or too short"
            assert not re.search(r"\.png|_images/", alt), f"{where}: alt text is a file name"
            assert len(caption.split()) >= 8, f"{where}: caption missing or too short"
            names.append(mystnb.get("figure", {}).get("name"))
    assert names and None not in names and len(set(names)) == len(names), f"figure names must be unique: {names}"


@pytest.mark.parametrize("lab", LABS, ids=_rel)
def test_self_check_code_is_hidden(lab: Path) -> None:
    for cell in _cells(lab):
        if cell["cell_type"] == "code" and re.search(r"(?<![.\w])show\(", _source(cell)):
            assert "hide-input" in cell["metadata"].get("tags", []), (
                f"{_rel(lab)} cell {cell.get('id')}: a self-check cell must be tagged hide-input"
            )


def _helper_calls(cells: list[dict]) -> list[tuple[int, str]]:
    """(cell index, "module.function") of every call of a course_utils.labs function."""
    aliases: dict[str, str] = {}
    calls = []
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse(_source(cell))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("course_utils.labs"):
                for alias in node.names:
                    target = _import(node.module, alias.name)
                    if inspect.ismodule(target) or inspect.isfunction(target):
                        aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in aliases:
                calls.append((index, f"{aliases[func.value.id]}.{func.attr}"))
            elif isinstance(func, ast.Name) and func.id in aliases:
                calls.append((index, aliases[func.id]))
    return [(i, name) for i, name in calls if inspect.isfunction(_resolve(name))]


def _import(module: str, name: str) -> object:
    """``from module import name``: a submodule or an attribute."""
    try:
        return importlib.import_module(f"{module}.{name}")
    except ModuleNotFoundError:
        return getattr(importlib.import_module(module), name)


def _resolve(name: str) -> object:
    module, _, attr = name.rpartition(".")
    return getattr(importlib.import_module(module), attr, None)


def test_plain_pandas_is_shown_beside_each_helpers_first_call() -> None:
    explained: set[str] = set()
    missing = []
    for lab in LABS:
        cells = _cells(lab)
        for index, name in _helper_calls(cells):
            if name in explained:
                continue
            explained.add(name)
            short = name.rsplit(".", 1)[1]
            nearby = [_source(c) for c in cells[max(index - 1, 0): index + 3]]
            if not any(PLAIN.search(text) and short in text for text in nearby):
                missing.append(f"{_rel(lab)}: {name}")
    assert not missing, "no plain-pandas explanation next to the first call of: " + "; ".join(missing)


@pytest.mark.parametrize("lab", LABS, ids=_rel)
def test_cells_named_in_the_text_exist(lab: Path) -> None:
    cells = _cells(lab)
    code = "\n".join(_source(c) for c in cells if c["cell_type"] == "code")
    for cell in cells:
        if cell["cell_type"] != "markdown":
            continue
        for name in re.findall(r"the `([^`]+)` cell", _source(cell)):
            assert name in code, f"{_rel(lab)}: the text refers to a cell `{name}` that no code cell holds"


def test_lab_0_bank_answers_come_from_the_data() -> None:
    bank = {q["id"]: q for q in yaml.safe_load((BOOK / "00-pandas-for-marketers/questions.yml").read_text())}
    stores = datasets.load("store_experience")
    assert bank["ch00-lab-large-north"]["answer"] == int(
        ((stores["size"] == "large") & (stores["region"] == "North")).sum()
    )
    top = stores.groupby("size", observed=True)["satisfaction"].mean().idxmax()
    assert [o["text"] for o in bank["ch00-lab-top-size"]["options"] if o.get("correct")] == [top]
    cell = stores.pivot_table(index="region", columns="size", values="satisfaction", aggfunc="mean", observed=True)
    assert bank["ch00-lab-pivot-cell"]["answer"] == pytest.approx(round(cell.loc["West", "medium"], 1))
    log = datasets.load("time_log")
    kinds = log["activity"].map(ACTIVITY_CATEGORY)
    share = log.loc[kinds == "operational", "hours"].sum() / log["hours"].sum()
    assert bank["ch00-lab-operational-share"]["answer"] == pytest.approx(round(share, 3))


def test_no_off_spelling_in_notebooks_and_lab_helpers() -> None:
    sources = {path: "\n".join(_source(c) for c in _cells(path)) for path in [*LABS, *EXERCISES]}
    sources.update({p: p.read_text(encoding="utf-8") for p in (REPO_ROOT / "src/course_utils/labs").rglob("*.py")})
    for path, text in sources.items():
        for word in ("e-mail", "secondhand", "second hand"):
            assert word not in text.lower(), f"{_rel(path)}: write 'email' / 'second-hand', not {word!r}"


# --- facts shared by chapter, lab and helpers ----------------------------------------------------


def test_chain_links_are_the_six_links_of_chapter_5() -> None:
    text = (BOOK / "05-hr-and-cmo/index.md").read_text(encoding="utf-8")
    section = text.split("## The evidence: the service-profit chain", 1)[1]
    in_chapter = re.findall(r"^\d\. \*\*([^*]+)\*\*", section, flags=re.MULTILINE)
    assert in_chapter == service_profit.chain_links()["link"].tolist()
    assert len(in_chapter) == 6


def test_every_raci_conflict_kind_has_a_meaning() -> None:
    assert set(raci.CONFLICT_MEANINGS) == set(raci.CONFLICT_KINDS) and len(raci.CONFLICT_KINDS) == 4


@pytest.mark.parametrize(
    ("levels", "hybrid"),
    [
        ({**dict.fromkeys(sp.SKILLS, 2), "analytics": 4}, True),       # T-shaped
        ({**dict.fromkeys(sp.SKILLS, 2), "analytics": 4, "crm_data": 5}, True),  # pi-shaped
        ({**dict.fromkeys(sp.SKILLS, 0), "analytics": 5}, False),       # I-shaped
        (dict.fromkeys(sp.SKILLS, 3), False),                           # generalist
    ],
)
def test_a_hybrid_person_is_t_or_pi_shaped(levels: dict[str, int], hybrid: bool) -> None:
    assert sp.is_hybrid(levels) is hybrid
    assert (sp.classify_profile(levels) in sp.HYBRID_SHAPES) is hybrid


def test_is_hybrid_follows_the_thresholds() -> None:
    levels = {**dict.fromkeys(sp.SKILLS, 2), "analytics": 4}
    assert sp.is_hybrid(levels) and not sp.is_hybrid(levels, deep_level=5)


def test_frames_used_are_pandas() -> None:
    assert isinstance(service_profit.chain_links(), pd.DataFrame)
