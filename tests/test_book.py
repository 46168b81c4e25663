"""The whole book builds with warnings as errors, has its pages, and loads nothing from the internet."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow

# Elements that make the browser fetch something at page load, and the attributes it fetches from.
LOADING_ATTRIBUTES = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
}


class ExternalLoadFinder(HTMLParser):
    """Collect every element that would load an http(s) URL (plain ``<a href>`` links are fine)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = LOADING_ATTRIBUTES.get(tag, ())
        for name, value in attrs:
            if name in names and value and _is_external(value):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def _is_external(value: str) -> bool:
    urls = [part.strip().split(" ")[0] for part in value.split(",")]
    return any(url.lower().startswith(("http://", "https://", "//")) for url in urls)


def external_loads(html: str) -> list[str]:
    """Return the elements of ``html`` that would load something from the internet."""
    finder = ExternalLoadFinder()
    finder.feed(html)
    return finder.found


def toc_files(repo_root: Path) -> list[str]:
    """Every file named in ``_toc.yml``, without suffix (``book/intro``...)."""
    toc = yaml.safe_load((repo_root / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections", []))
            walk(entry.get("chapters", []))

    walk(toc.get("parts", []))
    walk(toc.get("chapters", []))
    return files


def test_finder_flags_external_loads_but_not_links() -> None:
    page = (
        '<a href="https://mybinder.org/x">launch</a>'
        '<script src="https://cdn.example.org/require.js"></script>'
        '<link rel="stylesheet" href="//fonts.example.org/css">'
        '<img srcset="local.png 1x, https://example.org/big.png 2x">'
        '<script src="_static/local.js"></script>'
    )
    assert external_loads(page) == [
        "<script src='https://cdn.example.org/require.js'>",
        "<link href='//fonts.example.org/css'>",
        "<img srcset='local.png 1x, https://example.org/big.png 2x'>",
    ]


def test_every_toc_page_is_built(built_book: Path, repo_root: Path) -> None:
    missing = [f for f in toc_files(repo_root) if not (built_book / f"{f}.html").is_file()]
    assert not missing, f"pages named in _toc.yml but not built: {missing}"
    assert (built_book / "index.html").is_file()


def test_no_page_loads_from_the_internet(built_book: Path) -> None:
    pages = sorted(built_book.rglob("*.html"))
    assert len(pages) > 5
    offenders = {}
    for page in pages:
        found = external_loads(page.read_text(encoding="utf-8"))
        if found:
            offenders[str(page.relative_to(built_book))] = found
    assert not offenders, f"pages that load from the internet: {offenders}"


def test_lab_pages_show_notebook_outputs(built_book: Path, repo_root: Path) -> None:
    labs = sorted((repo_root / "book").glob("*/lab.ipynb"))
    assert labs
    for lab in labs:
        page = built_book / lab.relative_to(repo_root).with_suffix(".html")
        html = page.read_text(encoding="utf-8")
        assert "cell_output" in html, f"{page.name}: no notebook output rendered"
        assert "application/vnd.jupyter.widget-view+json" not in html, f"{page.name}: a bare widget view"
    chapter1 = (built_book / "book/01-know-thy-technology/lab.html").read_text(encoding="utf-8")
    assert "<img" in chapter1, "chapter 1 lab shows no plot"
    assert "data:image/png" in chapter1 or "_images/" in chapter1, "chapter 1 plot is not an image"
