"""Content checks of issue 12: exercises name their objectives, labs state prerequisites and time,
plots carry alt text and captions, self-check code is hidden, helpers are shown in plain pandas the
first time the course calls them, and chapter, lab and helpers agree on shared facts."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import re
from html import unescape
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
    text = (
        page.read_text(encoding="utf-8").split("## Learning objectives", 1)[1].split("\n## ", 1)[0]
    )
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
    questions = [
        c
        for c in _cells(exercise)
        if c["cell_type"] == "markdown" and _source(c).startswith("## Question")
    ]
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
    assert "**Before you start:**" in top and "**Time:**" in top, (
        f"{_rel(lab)}: first cell lacks prerequisites or time"
    )


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
            assert len(re.findall(r"[A-Za-z]{2,}", alt)) >= 8, (
                f"{where}: alt text missing or too short"
            )
            assert not re.search(r"\.png|_images/", alt), f"{where}: alt text is a file name"
            assert len(caption.split()) >= 8, f"{where}: caption missing or too short"
            names.append(mystnb.get("figure", {}).get("name"))
    assert names and None not in names and len(set(names)) == len(names), (
        f"figure names must be unique: {names}"
    )


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
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "course_utils.labs"
            ):
                for alias in node.names:
                    target = _import(node.module, alias.name)
                    if inspect.ismodule(target) or inspect.isfunction(target):
                        aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id in aliases
            ):
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
            nearby = [_source(c) for c in cells[max(index - 1, 0) : index + 3]]
            if not any(PLAIN.search(text) and short in text for text in nearby):
                missing.append(f"{_rel(lab)}: {name}")
    assert not missing, "no plain-pandas explanation next to the first call of: " + "; ".join(
        missing
    )


def test_lab_0_bank_answers_come_from_the_data() -> None:
    bank = {
        q["id"]: q
        for q in yaml.safe_load((BOOK / "00-pandas-for-marketers/questions.yml").read_text())
    }
    stores = datasets.load("store_experience")
    assert bank["ch00-lab-large-north"]["answer"] == int(
        ((stores["size"] == "large") & (stores["region"] == "North")).sum()
    )
    top = stores.groupby("size", observed=True)["satisfaction"].mean().idxmax()
    assert [o["text"] for o in bank["ch00-lab-top-size"]["options"] if o.get("correct")] == [top]
    cell = stores.pivot_table(
        index="region", columns="size", values="satisfaction", aggfunc="mean", observed=True
    )
    assert bank["ch00-lab-pivot-cell"]["answer"] == pytest.approx(
        round(cell.loc["West", "medium"], 1)
    )
    log = datasets.load("time_log")
    kinds = log["activity"].map(ACTIVITY_CATEGORY)
    share = log.loc[kinds == "operational", "hours"].sum() / log["hours"].sum()
    assert bank["ch00-lab-operational-share"]["answer"] == pytest.approx(round(share, 3))


def test_no_off_spelling_in_notebooks_and_lab_helpers() -> None:
    sources = {path: "\n".join(_source(c) for c in _cells(path)) for path in [*LABS, *EXERCISES]}
    sources.update(
        {
            p: p.read_text(encoding="utf-8")
            for p in (REPO_ROOT / "src/course_utils/labs").rglob("*.py")
        }
    )
    for path, text in sources.items():
        for word in ("e-mail", "secondhand", "second hand"):
            assert word not in text.lower(), (
                f"{_rel(path)}: write 'email' / 'second-hand', not {word!r}"
            )


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
        ({**dict.fromkeys(sp.SKILLS, 2), "analytics": 4}, True),  # T-shaped
        ({**dict.fromkeys(sp.SKILLS, 2), "analytics": 4, "crm_data": 5}, True),  # pi-shaped
        ({**dict.fromkeys(sp.SKILLS, 0), "analytics": 5}, False),  # I-shaped
        (dict.fromkeys(sp.SKILLS, 3), False),  # generalist
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


# --- the instructor pack: model answers, syllabi, rubrics, slides, plan template ---------------

ANSWERS = REPO_ROOT / "instructor-answers"
CHAPTERS = sorted(BOOK.glob("[0-9][0-9]-*/index.md"))
CHAPTER_PAGES = [p for p in CHAPTERS if p.parent.name != "00-pandas-for-marketers"]
ANSWER_LABEL = re.compile(r"^\(([a-z0-9-]+)\)=$", re.MULTILINE)
NUMBERED = re.compile(r"^(?:\*\*)?(\d+)\.\s+", re.MULTILINE)
TRY_HEADING = "### Try it yourself"


def _plain(text: str) -> str:
    """Markdown or page text reduced to comparable words: no emphasis, code marks or curly quotes."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"[*`]", "", text)
    return " ".join(text.split())


def _numbered_items(body: str) -> list[str]:
    """The items of the numbered list(s) in ``body``, each with its continuation lines."""
    starts = list(NUMBERED.finditer(body))
    items = []
    for i, match in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(body)
        item = body[match.start() : end].split("\n\n", 1)[0]
        items.append(_plain(item))
    return items


def reflection_questions(page_text: str) -> list[str]:
    """The numbered questions under "## Reflection questions" of a chapter page."""
    if "## Reflection questions" not in page_text:
        return []
    section = page_text.split("## Reflection questions", 1)[1].split("\n## ", 1)[0]
    return _numbered_items(section)


def try_it_tasks(cells: list[dict]) -> list[str]:
    """The "Try it yourself" tasks of a lab, in order.

    A task section starts at a "### Try it yourself" heading and runs over the following Markdown
    cells up to the next heading. Its numbered items are tasks; a section without numbered items is
    one task.
    """
    tasks: list[str] = []
    inside = False
    for cell in cells:
        if cell["cell_type"] != "markdown":
            continue
        for block in re.split(r"(?m)^(?=#{1,3} )", _source(cell)):
            if block.startswith("#"):
                heading, _, body = block.partition("\n")
                inside = heading.strip() == TRY_HEADING
                if inside:
                    tasks.extend(_numbered_items(body) or [_plain(body)])
            elif inside:
                tasks.extend(_numbered_items(block))
    return tasks


def expected_answers() -> dict[str, str]:
    """Answer id -> question or task text, for every reflection question and lab task."""
    expected = {}
    for page in CHAPTER_PAGES:
        number = page.parent.name[:2]
        for i, text in enumerate(reflection_questions(page.read_text(encoding="utf-8")), start=1):
            expected[f"ch{number}-reflection-{i}"] = text
    for lab in LABS:
        number = lab.parent.name[:2]
        for i, text in enumerate(try_it_tasks(_cells(lab)), start=1):
            expected[f"lab{number}-try-{i}"] = text
    return expected


def model_answers(folder: Path = ANSWERS) -> dict[str, dict[str, str]]:
    """Answer id -> its parts (file, quote, answer, relies) from the instructor answer pages."""
    answers: dict[str, dict[str, str]] = {}
    for page in sorted(folder.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        labels = list(ANSWER_LABEL.finditer(text))
        for i, label in enumerate(labels):
            end = labels[i + 1].start() if i + 1 < len(labels) else len(text)
            block = text[label.end() : end].split("\n## ", 1)[0]
            quote = " ".join(line[2:] for line in block.splitlines() if line.startswith("> "))
            answer = block.split("**Model answer.**", 1)[1] if "**Model answer.**" in block else ""
            answer = re.split(r"\*\*Look for:\*\*|\*Relies on:\*", answer)[0].strip()
            relies = next(
                (line for line in block.splitlines() if line.startswith("*Relies on:*")), ""
            )
            assert label[1] not in answers, f"{page.name}: answer {label[1]} appears twice"
            answers[label[1]] = {
                "file": page.name,
                "quote": quote,
                "answer": answer,
                "relies": relies,
            }
    return answers


def _headings(source: str) -> set[str]:
    return {_plain(m[1]) for m in re.finditer(r"^#{2,3} (.+)$", source, flags=re.MULTILINE)}


def _section_names(kind: str, number: int) -> set[str]:
    if kind == "chapter":
        (page,) = BOOK.glob(f"{number:02d}-*/index.md")
        return _headings(page.read_text(encoding="utf-8"))
    (lab,) = BOOK.glob(f"{number:02d}-*/lab.ipynb")
    return _headings("\n".join(_source(c) for c in _cells(lab) if c["cell_type"] == "markdown"))


def cited_sections(relies: str) -> list[tuple[str, int, str]]:
    """(chapter|lab, number, section) for every “section” in a *Relies on:* line."""
    cited, context = [], None
    for match in re.finditer(r"\b(chapter|lab) (\d+)\b|“([^”]+)”", relies):
        if match[1]:
            context = (match[1], int(match[2]))
        elif context:
            cited.append((*context, _plain(match[3])))
        else:
            cited.append(("?", 0, _plain(match[3])))
    return cited


def answer_snippet(answer: str) -> str:
    """A stretch of a model answer's own words, long enough not to occur in the book by chance."""
    paragraphs = [p for p in answer.split("\n\n") if not p.lstrip().startswith(("|", "-"))]
    longest = _plain(max(paragraphs, key=len))
    return longest[:100].rsplit(" ", 1)[0] if len(longest) > 100 else longest


def test_every_reflection_question_and_try_it_task_has_a_model_answer() -> None:
    expected = expected_answers()
    answers = model_answers()
    reflections = [k for k in expected if "-reflection-" in k]
    tasks = [k for k in expected if "-try-" in k]
    assert len(reflections) >= 27 and len(tasks) >= 17, (len(reflections), len(tasks))
    missing = sorted(set(expected) - set(answers))
    extra = sorted(set(answers) - set(expected))
    assert not missing, f"instructor-answers/: no model answer for {missing}"
    assert not extra, (
        f"instructor-answers/: answers to questions or tasks that do not exist: {extra}"
    )


def test_a_new_question_or_task_without_an_answer_is_found() -> None:
    page = "## Reflection questions\n\n1. One?\n2. Two, over\n   two lines?\n\n## Key takeaways\n"
    assert reflection_questions(page) == ["1. One?", "2. Two, over two lines?"]
    cells = [
        {"cell_type": "markdown", "source": ["### Try it yourself\n\n**1. First.** Do it.\n"]},
        {"cell_type": "code", "source": ["x = 1\n"]},
        {"cell_type": "markdown", "source": ["**2. Second.** Again.\n"]},
        {
            "cell_type": "markdown",
            "source": ["### Try it yourself\n\nOne task without a number.\n\n## Next\n"],
        },
        {"cell_type": "markdown", "source": ["1. Not a task: after the next heading.\n"]},
    ]
    assert try_it_tasks(cells) == [
        "1. First. Do it.",
        "2. Second. Again.",
        "One task without a number.",
    ]


@pytest.mark.parametrize("answer_id", sorted(model_answers()))
def test_model_answer_quotes_its_question_and_cites_sections_that_exist(answer_id: str) -> None:
    expected = expected_answers()
    answer = model_answers()[answer_id]
    where = f"instructor-answers/{answer['file']} {answer_id}"
    if answer_id in expected:
        quote = re.sub(r"^\d+\.\s+", "", _plain(answer["quote"]))
        source = re.sub(r"^\d+\.\s+", "", expected[answer_id])
        assert quote and source.startswith(quote), (
            f"{where}: the quoted question is not the current text: {source!r}"
        )
    assert len(answer["answer"].split()) >= 40, (
        f"{where}: model answer missing or shorter than 40 words"
    )
    cited = cited_sections(answer["relies"])
    assert cited, f"{where}: no '*Relies on:*' line naming a chapter or lab section"
    for kind, number, name in cited:
        assert kind != "?", f"{where}: section “{name}” is not preceded by 'chapter N' or 'lab N'"
        assert name in _section_names(kind, number), (
            f"{where}: {kind} {number} has no section “{name}”"
        )


def test_relies_on_parser_reads_context_and_sections() -> None:
    line = "*Relies on:* chapter 1, “Two offices”; “The *Two* Commandments”; lab 4, “Where does the week go?”."
    assert cited_sections(line) == [
        ("chapter", 1, "Two offices"),
        ("chapter", 1, "The Two Commandments"),
        ("lab", 4, "Where does the week go?"),
    ]


def _page_text(html: str) -> str:
    text = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    return _plain(unescape(re.sub(r"<[^>]+>", " ", text)))


def _built_text(folder: Path) -> str:
    files = [
        p
        for p in folder.rglob("*")
        if p.is_file() and p.suffix in {".html", ".txt", ".md", ".ipynb"}
    ]
    return "\n".join(_page_text(p.read_text(encoding="utf-8", errors="replace")) for p in files)


@pytest.mark.slow
def test_public_build_holds_no_model_answer(built_book: Path) -> None:
    public = _built_text(built_book)
    assert "Relies on:" not in public
    leaked = [k for k, a in model_answers().items() if answer_snippet(a["answer"]) in public]
    assert not leaked, f"model-answer text found in the public book: {leaked}"
    names = {p.name for p in built_book.rglob("*.html")}
    assert not names & {p.with_suffix(".html").name for p in ANSWERS.glob("chapter-*.md")}


def test_public_book_never_names_the_answers() -> None:
    toc = (REPO_ROOT / "_toc.yml").read_text(encoding="utf-8")
    config = yaml.safe_load((REPO_ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert "instructor-answers" not in toc
    assert (
        "instructor-answers" in config["exclude_patterns"]
        and config["only_build_toc_files"] is True
    )


def test_course_build_instructor_builds_the_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`course build --instructor` (the public book build is stubbed: test_book.py covers it)."""
    from course_utils import book, cli

    public_index = tmp_path / "_build" / "html" / "index.html"

    def fake_build(root: Path, out: Path | None = None, **kwargs: object) -> Path:
        public_index.parent.mkdir(parents=True)
        public_index.write_text("<html></html>", encoding="utf-8")
        return public_index

    monkeypatch.setattr(book, "build_book", fake_build)
    assert (
        cli.main(["build", str(REPO_ROOT), "--instructor", "--out", str(tmp_path), "--quiet"]) == 0
    )
    html = tmp_path / "_build" / "instructor"
    toc = yaml.safe_load((ANSWERS / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"], *(entry["file"] for entry in toc["chapters"])]
    assert sorted(p.stem for p in ANSWERS.glob("*.md")) == sorted(pages), (
        "an answer page is not in its _toc.yml"
    )
    for page in pages:
        assert (html / f"{page}.html").is_file(), f"_build/instructor/{page}.html not built"
    text = _built_text(html)
    missing = [k for k, a in model_answers().items() if answer_snippet(a["answer"]) not in text]
    assert not missing, f"answers not found in the instructor build: {missing}"
    remote = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=\"(?:https?:)?//")
    assert not [
        p.name for p in html.rglob("*.html") if remote.search(p.read_text(encoding="utf-8"))
    ]
    assert not (tmp_path / "_build" / ".instructor-work").exists()


def test_instructor_build_without_its_config_names_the_file(tmp_path: Path) -> None:
    from course_utils.book import BookBuildError, instructor_source

    (tmp_path / "instructor-answers").mkdir()
    (tmp_path / "instructor-answers" / "_toc.yml").write_text("root: index\n", encoding="utf-8")
    with pytest.raises(BookBuildError, match=r"instructor-answers/_config\.yml: missing"):
        instructor_source(tmp_path)


# syllabi


SYLLABUS = BOOK / "instructor-syllabus.md"


def _syllabus_sections() -> dict[str, str]:
    text = SYLLABUS.read_text(encoding="utf-8")
    parts = re.split(r"(?m)^## ", text)[1:]
    return {p.split("\n", 1)[0].strip(): p for p in parts if "### Schedule" in p}


def _weights(section: str) -> tuple[list[float], float]:
    table = re.search(r"(?ms)^\|.*?(?=\n\n|\Z)", section.split("### Assessment", 1)[1])[0]
    rows, total = [], None
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        value = float(re.sub(r"[*%\s]", "", cells[-1]))
        if "total" in cells[0].lower():
            total = value
        else:
            rows.append(value)
    assert total is not None, "assessment table has no total row"
    return rows, total


def test_there_are_a_six_week_and_a_one_week_syllabus() -> None:
    assert set(_syllabus_sections()) == {"Six-week course", "One-week intensive"}


@pytest.mark.parametrize("name", ["Six-week course", "One-week intensive"])
def test_syllabus_weights_add_up_to_100(name: str) -> None:
    rows, total = _weights(_syllabus_sections()[name])
    assert sum(rows) == pytest.approx(100) and total == pytest.approx(100), (
        f"{SYLLABUS.name} {name}: {rows}"
    )


@pytest.mark.parametrize("name", ["Six-week course", "One-week intensive"])
def test_syllabus_schedules_every_lab_exercise_and_chapter(name: str) -> None:
    section = _syllabus_sections()[name]
    schedule = section.split("### Schedule", 1)[1].split("### Assessment", 1)[0]
    assessed = section.split("### Assessment", 1)[1]
    labs = {int(n) for n in re.findall(r"\bLab (\d+)\b", schedule)}
    exercises = {int(n) for n in re.findall(r"\bExercises? (\d+)\b", schedule)}
    assert labs == {int(p.parent.name[:2]) for p in LABS}, f"{name}: labs scheduled {sorted(labs)}"
    assert exercises == {int(p.name[2:4]) for p in EXERCISES}, (
        f"{name}: exercises scheduled {sorted(exercises)}"
    )
    assert {int(n) for n in re.findall(r"\bExercise (\d+)\b", assessed)} == exercises, (
        f"{name}: exercise weights"
    )
    for lab in LABS:
        assert f"<{lab.parent.name}/lab>`" in schedule, f"{name}: no link to {_rel(lab)}"
    for page in CHAPTER_PAGES:
        assert f"<{page.parent.name}/index>`" in schedule, f"{name}: no reading of {_rel(page)}"


def test_syllabus_weights_parser_reads_a_table() -> None:
    section = "### Assessment\n\n| c | w |\n|---|---|\n| a | 60% |\n| b | 30% |\n| **total** | **90%** |\n"
    assert _weights(section) == ([60.0, 30.0], 90.0)


# rubrics, slides, plan template


@pytest.mark.parametrize("rubric", ["Development plan (the capstone)", "Reflection answers"])
def test_rubric_has_four_levels_and_weights_of_100(rubric: str) -> None:
    text = (BOOK / "instructor-rubrics.md").read_text(encoding="utf-8")
    section = text.split(f"## {rubric}", 1)[1].split("\n## ", 1)[0]
    table = [line for line in section.splitlines() if line.startswith("|")]
    header = [c.strip() for c in table[0].strip("|").split("|")]
    assert [h.split(" — ")[0] for h in header[1:]] == ["4", "3", "2", "1"], header
    weights = [int(w) for line in table[2:] for w in re.findall(r"(\d+)%\)", line)]
    assert len(weights) == len(table) - 2 and sum(weights) == 100, weights


def test_plan_rubric_covers_the_capstone_objectives() -> None:
    text = (
        (BOOK / "instructor-rubrics.md")
        .read_text(encoding="utf-8")
        .split("## Reflection answers")[0]
    )
    cited = set(re.findall(r"\((6\.\d)[;,]", text))
    assert cited == {f"6.{i}" for i in range(1, len(_objectives(6)) + 1)}, cited


@pytest.mark.parametrize("chapter", range(1, 7))
def test_slide_outline_names_every_objective_of_its_chapter(chapter: int) -> None:
    text = (BOOK / "instructor-slides.md").read_text(encoding="utf-8")
    sections = re.split(r"(?m)^## ", text)[1:]
    (section,) = [s for s in sections if s.startswith(f"Chapter {chapter}:")]
    names = [
        re.match(r"- \*\*(\d\.\d+) ([^*]+?)\.\*\*", line).groups() for line in _objectives(chapter)
    ]
    objectives_line = next(line for line in section.splitlines() if "**Objectives.**" in line)
    block = section[section.index(objectives_line) :].split("\n3. ", 1)[0]
    for number, name in names:
        assert f"{number} {name}" in " ".join(block.split()), (
            f"chapter {chapter} outline: no objective {number} {name}"
        )
    (page,) = BOOK.glob(f"{chapter:02d}-*/index.md")
    assert f"{{doc}}`{page.parent.name}/index`" in section, (
        f"chapter {chapter} outline: no link to its page"
    )


def test_plan_template_csv_lists_the_capstone_skills() -> None:
    from course_utils.labs import career_plan as cp

    table = pd.read_csv(BOOK / "downloads/development-plan-template.csv", keep_default_na=False)
    assert table["skill"].tolist() == [sp.SKILL_LABELS[s] for s in sp.SKILLS]
    assert table["area"].tolist() == [sp.AREA_OF_SKILL[s] for s in sp.SKILLS]
    assert table["read first"].tolist() == [f"Chapter {cp.SKILL_ACTIONS[s][0]}" for s in sp.SKILLS]
    assert table["suggested action"].tolist() == [cp.SKILL_ACTIONS[s][1] for s in sp.SKILLS]
    assert {"my level (0-5)", "target level (0-5)", "evidence", "by when"} <= set(table.columns)


def test_plan_template_page_matches_the_capstone_model() -> None:
    from course_utils.labs import career_plan as cp

    page = (BOOK / "instructor-plan-template.md").read_text(encoding="utf-8")
    for target in (
        "downloads/development-plan-template.md",
        "downloads/development-plan-template.csv",
    ):
        assert f"<{target}>`" in page and (BOOK / target).is_file(), target
    roles = list(cp.TARGET_ROLES)
    assert f"| area | skill | {' | '.join(roles)} |" in page
    for skill in sp.SKILLS:
        levels = " | ".join(str(cp.TARGET_ROLES[r].levels[skill]) for r in roles)
        assert f"| {sp.AREA_OF_SKILL[skill]} | {sp.SKILL_LABELS[skill]} | {levels} |" in page, skill
    for level, meaning in sp.LEVEL_MEANINGS.items():
        assert f"| {level} | {meaning} |" in page
    form = (BOOK / "downloads/development-plan-template.md").read_text(encoding="utf-8")
    assert all(f"| {sp.SKILL_LABELS[s]} |" in form for s in sp.SKILLS)


def test_chapters_link_to_lab_0() -> None:
    for page in [*CHAPTER_PAGES, BOOK / "intro.md"]:
        text = page.read_text(encoding="utf-8")
        plain_mentions = re.findall(r"(?<!`)Lab 0, \*pandas for marketers\*", text)
        assert not plain_mentions, f"{_rel(page)}: Lab 0 named as plain text; use a {{doc}} link"
        assert "00-pandas-for-marketers/lab>`" in text, f"{_rel(page)}: no {{doc}} link to Lab 0"


CELL_REFERENCES = re.compile(
    r"the cell (?:that starts with|marked|named) `([^`]+)`|the cell `([^`]+)`|the `([^`]+)` cell"
)


@pytest.mark.parametrize("lab", LABS, ids=_rel)
def test_every_cell_a_lab_points_to_exists(lab: Path) -> None:
    cells = _cells(lab)
    code = [_source(c) for c in cells if c["cell_type"] == "code"]
    for cell in cells:
        if cell["cell_type"] != "markdown":
            continue
        for match in CELL_REFERENCES.finditer(_source(cell)):
            name = next(g for g in match.groups() if g)
            starts = "starts with" in match[0]
            found = [c for c in code if (c.lstrip().startswith(name) if starts else name in c)]
            assert found, (
                f"{_rel(lab)}: the text points to a cell {match[0]!r} that no code cell matches"
            )


@pytest.mark.slow
def test_kamakura_is_cited_as_et_al(built_book: Path) -> None:
    pages = [built_book / "book/05-hr-and-cmo/index.html", built_book / "book/bibliography.html"]
    for page in pages:
        text = _page_text(page.read_text(encoding="utf-8"))
        assert "Kamakura et al." in text, f"{page.name}: Kamakura not cited as 'Kamakura et al.'"
        assert "and others" not in text, f"{page.name}: 'and others'"
    # No page of the book cites any source as "X and others" (the bibliography style's default).
    cited = [
        page.relative_to(built_book).as_posix()
        for page in sorted((built_book / "book").rglob("*.html"))
        if re.search(r"\b[A-Z][a-z]+ and others\b", _page_text(page.read_text(encoding="utf-8")))
    ]
    assert cited == []
