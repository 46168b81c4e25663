"""Pages and viewports the site tests use."""

from __future__ import annotations

from pathlib import Path

PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 640}
DESKTOP = {"width": 1280, "height": 900}

CHAPTER = "book/01-know-thy-technology/index.html"
LAB = "book/01-know-thy-technology/lab.html"
# One page of every kind (for the slower whole-page checks such as axe).
SAMPLE_PAGES = [
    "book/intro.html",
    CHAPTER,
    LAB,
    "book/00-pandas-for-marketers/lab.html",
    "book/selfchecks.html",
    "book/glossary.html",
    "book/bibliography.html",
]
DARK_SAMPLE_PAGES = [CHAPTER, LAB, "book/bibliography.html", "search.html"]


def book_pages(html: Path) -> list[str]:
    """Every page of the book (not the redirecting index.html)."""
    pages = []
    for page in sorted(html.rglob("*.html")):
        rel = page.relative_to(html).as_posix()
        if (
            rel.split("/")[0] in ("_static", "_sources", "_images", "reports")
            or rel == "index.html"
        ):
            continue
        pages.append(rel)
    return pages
