"""The notebook preparation tool, and every notebook of the repository prepared by it."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from labtools import REPO_ROOT, load_prepare_labs

pytestmark = pytest.mark.jupyterlab
tool = load_prepare_labs()
NOTEBOOKS = tool.find_notebooks(REPO_ROOT)
REPOSITORY = tool.read_repository(REPO_ROOT / "_config.yml")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _rel(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT))


def widget_traces(nb: dict) -> list[str]:
    """Everything in a notebook that makes a front end load saved widget code or views."""
    found = []
    if "widgets" in nb.get("metadata", {}):
        found.append("metadata.widgets (saved widget state)")
    for i, cell in enumerate(nb["cells"]):
        for output in cell.get("outputs", []):
            for mime, value in (output.get("data") or {}).items():
                if mime.startswith("application/vnd.jupyter.widget"):
                    found.append(f"cell {i}: {mime} output")
                text = value if isinstance(value, str) else json.dumps(value)
                if "courseSelfcheck" in text or "course_utils self-checks" in text:
                    found.append(f"cell {i}: a saved copy of the self-check script ({mime})")
    return found


def test_the_repository_has_labs_and_exercises():
    labs = [p for p in NOTEBOOKS if tool.is_lab(p, REPO_ROOT)]
    assert len(labs) >= 6 and len(NOTEBOOKS) > len(labs)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_rel)
def test_no_notebook_carries_saved_widget_state_or_views(path: Path):
    """No copy of the widget JS older than the shipped one can load: there is none at all."""
    assert widget_traces(json.loads(path.read_text(encoding="utf-8"))) == [], (
        f"{_rel(path)} is not prepared: run  python tools/prepare_labs.py")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_rel)
def test_every_notebook_is_prepared(path: Path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    changes = tool.prepare_notebook(nb, REPOSITORY, lab=tool.is_lab(path, REPO_ROOT))
    assert changes == [], f"{_rel(path)} is not prepared (python tools/prepare_labs.py): {changes}"


def _notebook(**metadata) -> dict:
    spec_output = {"output_type": "display_data", "metadata": {}, "data": {
        WIDGET_VIEW: {"model_id": "abc", "version_major": 2, "version_minor": 0},
        "text/html": "<div class=\"selfcheck\">Q</div>", "text/plain": "Self-check 'q'"}}
    pure_widget = {"output_type": "display_data", "metadata": {},
                   "data": {WIDGET_VIEW: {"model_id": "def"}}}
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": dict(metadata), "cells": [
        {"cell_type": "markdown", "id": "t", "metadata": {}, "source": "# Lab 9: A title\n"},
        {"cell_type": "code", "id": "c1", "metadata": {}, "execution_count": 3,
         "source": "q = show(...)", "outputs": [spec_output, pure_widget]},
    ]}


def test_prepare_strips_widgets_adds_the_colab_cell_and_is_idempotent():
    nb = _notebook(widgets={"application/vnd.jupyter.widget-state+json": {"state": {}}},
                   kernelspec={"name": "python3"})
    changes = tool.prepare_notebook(nb, REPOSITORY, lab=True)
    assert any("metadata.widgets" in c for c in changes)
    assert any("Colab install cell added" in c for c in changes)
    assert widget_traces(nb) == []
    assert nb["metadata"] == {"kernelspec": {"name": "python3"}}
    [kept] = nb["cells"][2]["outputs"]  # the pure widget output is gone, the static one stays
    assert set(kept["data"]) == {"text/html", "text/plain"}
    assert nb["cells"][0]["id"] == "t" and nb["cells"][1]["id"] == tool.COLAB_CELL_ID
    assert "remove-cell" in nb["cells"][1]["metadata"]["tags"]
    assert REPOSITORY.pip_url in "".join(nb["cells"][1]["source"])
    again = copy.deepcopy(nb)
    assert tool.prepare_notebook(again, REPOSITORY, lab=True) == []
    assert again == nb


def test_exercises_get_no_colab_cell():
    nb = _notebook()
    tool.prepare_notebook(nb, REPOSITORY, lab=False)
    assert [c["id"] for c in nb["cells"]] == ["t", "c1"]


def test_a_moved_or_stale_colab_cell_is_replaced_once(tmp_path: Path):
    nb = _notebook()
    old = tool.Repository(url="https://example.org/old/course", branch="dev")
    tool.prepare_notebook(nb, old, lab=True)
    nb["cells"].append(nb["cells"].pop(1))  # moved to the end
    changes = tool.prepare_notebook(nb, REPOSITORY, lab=True)
    assert changes == [f"Colab install cell updated (installs {REPOSITORY.pip_url})"]
    assert [c["id"] for c in nb["cells"]] == ["t", tool.COLAB_CELL_ID, "c1"]
    assert "example.org" not in json.dumps(nb)


def test_check_mode_lists_and_fails_then_write_mode_fixes(tmp_path: Path, capsys):
    (tmp_path / "book" / "ch").mkdir(parents=True)
    (tmp_path / "_config.yml").write_text(
        "repository:\n  url: https://example.org/fork/course\n  branch: main\n")
    path = tmp_path / "book" / "ch" / "lab.ipynb"
    path.write_text(json.dumps(_notebook(widgets={})))
    assert tool.main(["--root", str(tmp_path), "--check"]) == 1
    out = capsys.readouterr().out
    assert "book/ch/lab.ipynb: needs: saved widget state" in out
    assert json.loads(path.read_text())["metadata"] == {"widgets": {}}  # --check wrote nothing
    assert tool.main(["--root", str(tmp_path)]) == 0
    assert tool.main(["--root", str(tmp_path), "--check"]) == 0
    assert "git+https://example.org/fork/course@main" in path.read_text()


@pytest.mark.parametrize(("config", "message"), [
    ("title: x\n", "repository.url is missing"),
    ("repository:\n  url: github.com/x/y\n", "is not an https://"),
    ("repository: [\n", "cannot read the book configuration"),
])
def test_bad_configuration_gives_one_clear_line(tmp_path: Path, capsys, config, message):
    (tmp_path / "_config.yml").write_text(config)
    assert tool.main(["--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and "_config.yml" in err


def test_a_broken_notebook_is_named(tmp_path: Path, capsys):
    (tmp_path / "exercises").mkdir()
    (tmp_path / "_config.yml").write_text("repository:\n  url: https://example.org/a/b\n")
    (tmp_path / "exercises" / "ex.ipynb").write_text("{not json")
    assert tool.main(["--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "ex.ipynb: cannot read the notebook" in err and "Traceback" not in err
