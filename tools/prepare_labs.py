#!/usr/bin/env python3
"""Prepare the course notebooks so that a lab works wherever a learner opens it.

Run it after (re)generating notebook outputs, from the repository root::

    python tools/prepare_labs.py            # rewrite book/**/*.ipynb and exercises/*.ipynb
    python tools/prepare_labs.py --check    # exit 1 and list what is not prepared

What it does to every notebook (idempotent: a second run changes nothing):

* drops saved widget state (``metadata.widgets``): JupyterLab would load the saved copy of the
  self-check JavaScript from it when the notebook opens, before any cell runs;
* drops the widget views from saved outputs (``application/vnd.jupyter.widget-view+json``): a
  view whose model is gone shows "Error displaying widget: model not found". The output keeps
  its ``text/html`` (the static question, answers hidden) and ``text/plain``;

and to every notebook under ``book/`` (the labs, which have Binder and Colab launch buttons):

* puts a Colab install cell right after the title cell. It installs the course package from
  the repository named in ``_config.yml`` (``repository.url`` at ``repository.branch``) and does
  nothing anywhere but Google Colab. It is tagged ``remove-cell`` so the book does not show it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
COLAB_TAG = "colab-install"
COLAB_CELL_ID = "colab-install"
SKIP_PARTS = {"_build", ".ipynb_checkpoints", ".jupyter_cache", "dist", "grades", ".venv"}
LAB_FOLDERS = ("book",)
NOTEBOOK_FOLDERS = ("book", "exercises")

COLAB_TEMPLATE = '''\
# On Google Colab only: install the course package (course_utils) from the course repository.
# Anywhere else (JupyterLab, Notebook 7, VS Code, Binder) this cell does nothing.
import sys

if "google.colab" in sys.modules:
    import importlib
    import subprocess

    COURSE_PACKAGE = "course-utils @ git+{url}@{branch}"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", COURSE_PACKAGE], check=True)
    importlib.invalidate_caches()'''


class PrepareError(Exception):
    """A notebook or the configuration cannot be prepared; the message names file and problem."""


@dataclass(frozen=True)
class Repository:
    """Where the course lives: the one setting that launch buttons and the Colab cell share."""

    url: str
    branch: str

    @property
    def pip_url(self) -> str:
        """What ``pip install`` gets in Colab: ``git+<url>@<branch>``."""
        return f"git+{self.url}@{self.branch}"


def read_repository(config: Path) -> Repository:
    """``repository.url`` and ``repository.branch`` of the book's ``_config.yml``."""
    try:
        data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        reason = " ".join(str(exc).split())
        raise PrepareError(f"{config}: cannot read the book configuration ({reason})") from exc
    repo = data.get("repository") if isinstance(data, dict) else None
    if not isinstance(repo, dict) or not isinstance(repo.get("url"), str) or not repo["url"]:
        raise PrepareError(f"{config}: repository.url is missing (the course's git repository URL)")
    url = repo["url"].rstrip("/")
    if not url.startswith(("https://", "file://")) or any(c.isspace() for c in url):
        raise PrepareError(f"{config}: repository.url {url!r} is not an https:// (or file://) URL")
    branch = str(repo.get("branch") or "main")
    return Repository(url=url, branch=branch)


def colab_cell_source(repository: Repository) -> str:
    """The source of the Colab install cell for ``repository``."""
    return COLAB_TEMPLATE.format(url=repository.url, branch=repository.branch)


def colab_cell(repository: Repository) -> dict[str, Any]:
    """The whole Colab install cell (nbformat 4.5 code cell)."""
    return {"cell_type": "code", "execution_count": None, "id": COLAB_CELL_ID,
            "metadata": {"tags": [COLAB_TAG, "remove-cell"]}, "outputs": [],
            "source": colab_cell_source(repository).splitlines(keepends=True)}


def _source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _is_colab_cell(cell: dict[str, Any]) -> bool:
    return COLAB_TAG in (cell.get("metadata", {}).get("tags") or [])


def _strip_widget_outputs(nb: dict[str, Any], changes: list[str]) -> None:
    for index, cell in enumerate(nb.get("cells", [])):
        outputs = cell.get("outputs")
        if not outputs:
            continue
        kept = []
        for output in outputs:
            data = output.get("data")
            if isinstance(data, dict) and (WIDGET_VIEW in data or WIDGET_STATE in data):
                data.pop(WIDGET_VIEW, None)
                data.pop(WIDGET_STATE, None)
                changes.append(f"cell {index}: widget view removed from a saved output")
                if not data:
                    continue
            kept.append(output)
        cell["outputs"] = kept


def _place_colab_cell(nb: dict[str, Any], repository: Repository, changes: list[str]) -> None:
    cells = nb.setdefault("cells", [])
    wanted = colab_cell(repository)
    found = [i for i, c in enumerate(cells) if _is_colab_cell(c)]
    # Right after the title: the first cell when it is Markdown, else at the very top.
    target = 1 if cells and cells[0].get("cell_type") == "markdown" else 0
    if found == [target] and cells[target] == wanted:
        return
    for i in reversed(found):
        del cells[i]
    target = 1 if cells and cells[0].get("cell_type") == "markdown" else 0
    if any(c.get("id") == COLAB_CELL_ID for c in cells):
        raise PrepareError(f"another cell already has the id {COLAB_CELL_ID!r}")
    cells.insert(target, wanted)
    changes.append("Colab install cell " + ("updated" if found else "added")
                   + f" (installs {repository.pip_url})")


def prepare_notebook(nb: dict[str, Any], repository: Repository, *, lab: bool) -> list[str]:
    """Prepare one notebook in place; return what changed (empty when it was already prepared)."""
    changes: list[str] = []
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise PrepareError("not a Jupyter notebook (no cells list)")
    metadata = nb.setdefault("metadata", {})
    if "widgets" in metadata:
        del metadata["widgets"]
        changes.append("saved widget state (metadata.widgets) removed")
    _strip_widget_outputs(nb, changes)
    if lab:
        _place_colab_cell(nb, repository, changes)
    return changes


def dumps(nb: dict[str, Any]) -> str:
    """The notebook as Jupyter writes it (one-space indent, sorted keys, final newline)."""
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def is_lab(path: Path, root: Path) -> bool:
    """A notebook of the book (it has launch buttons), as opposed to a graded exercise."""
    try:
        return path.resolve().relative_to(root.resolve()).parts[0] in LAB_FOLDERS
    except (ValueError, IndexError):
        return False


def find_notebooks(root: Path) -> list[Path]:
    """Every notebook under ``book/`` and ``exercises/``, skipping build folders."""
    found = []
    for folder in NOTEBOOK_FOLDERS:
        for path in sorted((root / folder).rglob("*.ipynb")):
            if not SKIP_PARTS.intersection(path.relative_to(root).parts):
                found.append(path)
    return found


def prepare_file(path: Path, repository: Repository, *, lab: bool, write: bool) -> list[str]:
    """Prepare the notebook file ``path``; write it back when ``write`` and something changed."""
    try:
        raw = path.read_text(encoding="utf-8")
        nb = json.loads(raw)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        reason = " ".join(str(exc).split())
        raise PrepareError(f"{path}: cannot read the notebook ({reason})") from exc
    try:
        changes = prepare_notebook(nb, repository, lab=lab)
    except PrepareError as exc:
        raise PrepareError(f"{path}: {exc}") from exc
    if write and (changes or dumps(nb) != raw):
        path.write_text(dumps(nb), encoding="utf-8")
    return changes


def run(paths: Iterable[Path], root: Path, config: Path, *, check: bool,
        out: TextIO | None = None) -> int:
    """Prepare (or with ``check`` only inspect) ``paths``; return the exit status."""
    out = out or sys.stdout
    repository = read_repository(config)
    pending = 0
    for path in paths:
        changes = prepare_file(path, repository, lab=is_lab(path, root), write=not check)
        shown = path.relative_to(root) if path.is_relative_to(root) else path
        for change in changes:
            print(f"{shown}: {'needs: ' if check else ''}{change}", file=out)
        pending += bool(changes)
    if check and pending:
        print(f"{pending} notebook(s) not prepared: run  python tools/prepare_labs.py", file=out)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to prepare (default: book/**/*.ipynb and exercises/*.ipynb)")
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="the course repository")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 when a notebook is not prepared")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    paths = [p.resolve() for p in args.notebooks] or find_notebooks(root)
    try:
        return run(paths, root, root / "_config.yml", check=args.check)
    except PrepareError as exc:
        print(f"prepare_labs: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
