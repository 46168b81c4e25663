"""A lab exported to HTML: the questions show offline, nothing is fetched from the network."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from labtools import REPO_ROOT
from nbclient import NotebookClient

from course_utils.labs.export import LabHTMLExporter, export_lab, plain_markdown

pytestmark = pytest.mark.jupyterlab
LAB = REPO_ROOT / "book" / "01-know-thy-technology"
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I)
SPECS = [
    {
        "id": "x-single",
        "type": "single",
        "prompt": "Which year is lowest?",
        "options": [
            {"text": "2017", "correct": True, "feedback": "FEEDBACK-2017"},
            {"text": "2018", "feedback": "FEEDBACK-2018"},
        ],
        "explanation": "EXPLANATION-SINGLE",
    },
    {"id": "x-text", "type": "text", "prompt": "Which shape?", "answers": ["T-shaped"]},
]


@pytest.fixture(scope="module")
def lab_copy(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("export") / "lab"
    shutil.copytree(LAB, folder)
    return folder / "lab.ipynb"


@pytest.fixture(scope="module")
def executed(tmp_path_factory, notebook_env) -> Path:
    """A small notebook run in a real kernel and saved as JupyterLab would (widget views too)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "# Lab\n\nSee {term}`Two Commandments` and {doc}`../index`.\n\n"
            "```{admonition} Two kinds of data\n:class: important\nBody text.\n```"
        )
    ]
    nb.cells += [
        nbformat.v4.new_code_cell(f"from course_utils.selfcheck import show\nq{i} = show({spec!r})")
        for i, spec in enumerate(SPECS)
    ]
    NotebookClient(nb, timeout=120, kernel_name="python3", store_widget_state=True).execute()
    assert "application/vnd.jupyter.widget-view+json" in nb.cells[1].outputs[0]["data"]
    path = tmp_path_factory.mktemp("executed") / "small.ipynb"
    nbformat.write(nb, path)
    return path


def test_plain_markdown_turns_myst_into_text():
    text = plain_markdown(
        "A {term}`data cards <data card>` and {doc}`../00-x/lab`.\n"
        "```{admonition} Two kinds\n:class: important\nBody {term}`KPI`.\n```"
    )
    assert text == "A data cards and lab.\n**Two kinds**\n\nBody KPI.\n"


def test_plain_markdown_keeps_code_and_never_shows_a_question_body():
    text = plain_markdown(
        "````{note} Code inside\n```python\nx = {term}`KPI`\n```\nafter\n````\n"
        ":::{selfcheck}\nid: q\nanswer: the secret\n```\nnested\n```\n:::\n"
        "```{selfcheck}\nfeedback: also secret\n```\nend {term}`KPI`"
    )
    assert "```python\nx = {term}`KPI`\n```\nafter" in text  # code as written, the box goes on
    assert "secret" not in text and "nested" not in text and "id: q" not in text
    assert text.count("self-check question is here") == 2
    assert text.endswith("end KPI") and "````" not in text and ":::" not in text


def test_export_has_no_external_reference_and_keeps_the_questions(lab_copy):
    html = export_lab(lab_copy, lab_copy.with_name("out.html")).read_text()
    assert not EXTERNAL.findall(html), EXTERNAL.findall(html)[:3]
    assert html.count('class="selfcheck selfcheck-v2"') == 3
    assert "{term}" not in html and "{doc}" not in html and "```{" not in html
    assert "courseSelfcheckV2" in html  # the script is inlined


def test_nbconvert_entry_point(lab_copy, tmp_path):
    out = tmp_path / "via-nbconvert"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter",
            "nbconvert",
            "--to",
            "course_lab",
            "--output-dir",
            str(out),
            str(lab_copy),
        ],
        check=True,
        capture_output=True,
    )
    html = (out / "lab.html").read_text()
    assert not EXTERNAL.findall(html) and html.count("selfcheck-v2") >= 3


def test_plain_nbconvert_html_shows_the_static_questions(lab_copy, tmp_path):
    """Without the exporter: the questions still show (no widget state in the labs), but the
    page asks CDNs for require.js and MathJax; the learner pages say so."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter",
            "nbconvert",
            "--to",
            "html",
            "--output-dir",
            str(tmp_path),
            str(lab_copy),
        ],
        check=True,
        capture_output=True,
    )
    html = (tmp_path / "lab.html").read_text()
    assert html.count('class="selfcheck selfcheck-v2"') == 3
    assert "jupyter-widgets/html-manager" not in html


def test_exported_lab_answers_offline_in_chromium(executed, chromium_browser, tmp_path):
    html = tmp_path / "small.html"
    export_lab(executed, html)
    assert "widget-view" not in html.read_text()
    outside: list[str] = []

    def route(r):
        if r.request.url.startswith(("file:", "data:", "blob:")):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context = chromium_browser.new_context()
    context.route("**/*", route)
    page = context.new_page()
    page.goto(html.as_uri())
    page.wait_for_selector(".selfcheck .sc-check")
    assert page.locator(".selfcheck").count() == 2
    questions = "\n".join(page.locator(".selfcheck").all_inner_texts())
    assert "FEEDBACK" not in questions and "{term}" not in page.inner_text("main")
    single = page.locator(".selfcheck[data-selfcheck-id='x-single']")
    single.locator("label", has_text="2018").click()
    single.locator(".sc-check").click()
    page.wait_for_function(
        "e => e.querySelector('.sc-feedback').textContent.includes('Not quite')",
        arg=single.element_handle(),
    )
    single.locator("label", has_text="2017").click()
    single.locator(".sc-check").click()
    page.wait_for_function(
        "e => e.querySelector('.sc-feedback').textContent.includes('Correct!')",
        arg=single.element_handle(),
    )
    assert "EXPLANATION-SINGLE" in single.inner_text()
    context.close()
    assert outside == []


def test_exporter_class_is_registered():
    from nbconvert.exporters import get_exporter

    assert get_exporter("course_lab") is LabHTMLExporter


@pytest.mark.parametrize("content", [None, "{not json"])
def test_export_of_a_bad_notebook_is_one_line_naming_the_file(tmp_path, content):
    path = tmp_path / "broken.ipynb"
    if content is not None:
        path.write_text(content)
    with pytest.raises(SystemExit) as info:
        export_lab(path)
    message = str(info.value)
    assert (
        message.startswith(f"export-lab: {path}: cannot read the notebook") and "\n" not in message
    )
