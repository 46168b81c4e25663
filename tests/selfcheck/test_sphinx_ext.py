"""The Sphinx extension on a tiny project: directive, bank, errors as one line, per-page assets."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from course_utils.selfcheck import render_html, validate

CONF = """\
extensions = ["myst_nb", "course_utils.selfcheck.sphinx_ext"]
nb_execution_mode = "off"
exclude_patterns = ["_build"]
html_theme = "basic"
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
"""

GOOD_PAGE = """\
# Page with checks

```{selfcheck}
id: page-single
type: single
prompt: Pick
options:
  - {text: right, correct: true}
  - {text: wrong}
```

```{selfcheck}
:bank: sub/questions.yml
:id: bank-text
```
"""

BANK = """\
- id: bank-text
  type: text
  prompt: Name it
  answers: [it]
"""


def make_project(root: Path, pages: dict[str, str]) -> Path:
    (root / "conf.py").write_text(CONF, encoding="utf-8")
    toctree = "\n".join(Path(name).with_suffix("").as_posix() for name in pages
                         if name != "index.md" and name.endswith((".md", ".ipynb")))
    (root / "index.md").write_text(f"# Home\n\n```{{toctree}}\n{toctree}\n```\n", encoding="utf-8")
    for name, text in pages.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def sphinx(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q", str(root),
                           str(root / "_build")], capture_output=True, text=True, timeout=120)


def warnings_of(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if "WARNING" in line or "ERROR" in line]


def notebook_with_output(spec: dict) -> str:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("show(...)", id="show-q")
    cell.outputs = [nbformat.v4.new_output(
        "display_data", data={"text/plain": "Self-check", "text/html": render_html(validate(spec)),
                              "application/vnd.jupyter.widget-view+json": {"model_id": "x", "version_major": 2,
                                                                           "version_minor": 0}})]
    nb.cells = [nbformat.v4.new_markdown_cell("# Notebook", id="title"), cell]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nbformat.writes(nb)


@pytest.fixture(scope="module")
def good_build(tmp_path_factory) -> Path:
    root = make_project(tmp_path_factory.mktemp("good"), {
        "checks.md": GOOD_PAGE, "sub/questions.yml": BANK, "plain.md": "# Plain\n\nNothing here.\n",
        "nb.ipynb": notebook_with_output({"id": "nb-q", "type": "text", "prompt": "p", "answers": ["a"]}),
    })
    result = sphinx(root)
    assert result.returncode == 0, result.stderr
    return root / "_build"


def test_directive_and_bank_render(good_build):
    html = (good_build / "checks.html").read_text(encoding="utf-8")
    assert 'data-selfcheck-id="page-single"' in html and 'data-selfcheck-id="bank-text"' in html


@pytest.mark.parametrize("page,expected", [("checks.html", True), ("nb.html", True),
                                           ("plain.html", False), ("index.html", False)])
def test_assets_only_on_pages_with_selfchecks(good_build, page, expected):
    html = (good_build / page).read_text(encoding="utf-8")
    assert ("course-selfcheck.js" in html) is expected
    assert ("course-selfcheck.css" in html) is expected


def test_notebook_output_shows_the_static_html(good_build):
    html = (good_build / "nb.html").read_text(encoding="utf-8")
    assert 'data-selfcheck-id="nb-q"' in html


def test_assets_are_served_from_the_package(good_build):
    assert (good_build / "_static" / "course-selfcheck.js").stat().st_size > 1000
    assert (good_build / "_static" / "course-selfcheck.css").stat().st_size > 500


BAD = {
    "unknown type": ("id: q-bad\ntype: essay\nprompt: p\n", 5, "q-bad", "unknown type 'essay'"),
    "yaml syntax": ("id: q-yaml\ntype: text\nprompt: [unclosed\nanswers: [x]\n", None, "q-yaml",
                    "YAML syntax error"),
    "empty prompt": ("id: q-empty\ntype: text\nprompt: ''\nanswers: [x]\n", 6, "q-empty",
                     "'prompt' is empty"),
    "correct not among options": ("id: q-lost\ntype: single\nprompt: p\noptions: [a, b]\ncorrect: c\n",
                                  8, "q-lost", "correct option 'c' is not among the options"),
    "numeric answer": ("id: q-num\ntype: numeric\nprompt: p\nanswer: many\n", 7, "q-num",
                       "the numeric answer 'many' is not a number"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_question_fails_the_build_with_one_line(tmp_path, name):
    body, line, qid, problem = BAD[name]
    root = make_project(tmp_path, {"bad.md": f"# Bad\n\n```{{selfcheck}}\n{body}```\n"})
    result = sphinx(root)
    assert result.returncode != 0
    lines = warnings_of(result)
    assert len(lines) == 1, result.stderr
    where = f"bad.md:{line}:" if line else "bad.md:"
    assert where in lines[0] and f"self-check '{qid}'" in lines[0] and problem in lines[0], lines[0]


def test_bank_errors_name_the_bank_file_and_line(tmp_path):
    bank = BANK + "- id: bank-bad\n  type: single\n  prompt: p\n  options: [a, b]\n  correct: z\n"
    root = make_project(tmp_path, {"page.md": "# P\n\n```{selfcheck}\n:bank: questions.yml\n:id: bank-text\n```\n",
                                   "questions.yml": bank})
    lines = warnings_of(sphinx(root))
    assert len(lines) == 1 and "questions.yml:9:" in lines[0] and "'bank-bad'" in lines[0], lines


def test_missing_bank_is_reported(tmp_path):
    root = make_project(tmp_path, {"page.md": "# P\n\n```{selfcheck}\n:bank: nowhere.yml\n:id: q\n```\n"})
    lines = warnings_of(sphinx(root))
    assert len(lines) == 1 and "page.md:3:" in lines[0] and "'nowhere.yml' not found" in lines[0], lines


def test_duplicate_id_across_pages_fails(tmp_path):
    page = textwrap.dedent("""\
    # {title}

    ```{{selfcheck}}
    id: same-id
    type: text
    prompt: p
    answers: [x]
    ```
    """)
    root = make_project(tmp_path, {"a.md": page.format(title="A"), "b.md": page.format(title="B")})
    result = sphinx(root)
    lines = warnings_of(result)
    assert result.returncode != 0
    assert len(lines) == 1 and "self-check 'same-id': duplicate id (already used at" in lines[0], lines


def test_duplicate_id_between_a_page_and_a_notebook_output_fails(tmp_path):
    root = make_project(tmp_path, {
        "page.md": "# P\n\n```{selfcheck}\nid: nb-q\ntype: text\nprompt: p\nanswers: [x]\n```\n",
        "nb.ipynb": notebook_with_output({"id": "nb-q", "type": "text", "prompt": "p", "answers": ["a"]}),
    })
    result = sphinx(root)
    lines = warnings_of(result)
    assert result.returncode != 0
    assert len(lines) == 1 and "self-check 'nb-q': duplicate id (already used at" in lines[0], lines
