"""Every notebook under book/ and exercises/ runs and still gives its saved outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SKIP_PARTS = {"_build", ".ipynb_checkpoints", ".jupyter_cache", "dist", "grades"}


def _notebooks() -> list[Path]:
    found = []
    for folder in ("book", "exercises"):
        for path in sorted((REPO_ROOT / folder).rglob("*.ipynb")):
            if not SKIP_PARTS.intersection(path.relative_to(REPO_ROOT).parts):
                found.append(path)
    return found


NOTEBOOKS = _notebooks()


def test_there_are_notebooks() -> None:
    labs = {p.parent.name for p in NOTEBOOKS if p.name == "lab.ipynb"}
    assert len(labs) == 7, f"expected Lab 0 and one lab notebook per chapter, found {sorted(labs)}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[str(p.relative_to(REPO_ROOT)) for p in NOTEBOOKS])
def test_notebook_outputs_unchanged(nb_regression, notebook: Path, monkeypatch) -> None:
    """Execute the notebook in its own folder and diff against the outputs saved in the file."""
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    nb_regression.check(str(notebook))
