"""Every chapter page follows the chapter standard: objectives, sources, self-checks, a lab."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(p.parent for p in (REPO_ROOT / "book").glob("[0-9][0-9]-*/index.md"))
SELFCHECK_FENCE = re.compile(r"^(`{3,}|:{3,})\{selfcheck\}", re.MULTILINE)


def headings(text: str) -> list[str]:
    """Level-2 headings of a MyST page, outside code fences."""
    found, fence = [], None
    for line in text.splitlines():
        marker = re.match(r"^(`{3,}|:{3,})", line)
        if marker:
            if fence is None:
                fence = marker.group(1)
            elif line.strip() == fence:
                fence = None
            continue
        if fence is None and line.startswith("## "):
            found.append(line[3:].strip().lower())
    return found


def test_six_chapters() -> None:
    assert len(CHAPTERS) == 6, [c.name for c in CHAPTERS]


def test_headings_ignore_fenced_blocks() -> None:
    text = "## Learning objectives\n```python\n## not a heading\n```\n## Sources\n"
    assert headings(text) == ["learning objectives", "sources"]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.name for c in CHAPTERS])
def test_chapter_has_objectives_and_sources(chapter: Path) -> None:
    found = headings((chapter / "index.md").read_text(encoding="utf-8"))
    assert "learning objectives" in found, f"{chapter.name}/index.md: no '## Learning objectives'"
    assert "sources" in found, f"{chapter.name}/index.md: no '## Sources'"
    assert found.index("learning objectives") < found.index("sources")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.name for c in CHAPTERS])
def test_chapter_has_five_selfchecks(chapter: Path) -> None:
    count = len(SELFCHECK_FENCE.findall((chapter / "index.md").read_text(encoding="utf-8")))
    assert count >= 5, f"{chapter.name}/index.md: {count} self-checks, need at least 5"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.name for c in CHAPTERS])
def test_chapter_has_a_lab_notebook(chapter: Path) -> None:
    assert (chapter / "lab.ipynb").is_file(), f"{chapter.name}: no lab.ipynb"
