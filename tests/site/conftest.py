"""Fixtures for the site tests: the built book served with gzip on 127.0.0.1, pages by type."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sitepages import DESKTOP

from course_utils.site.serve import serve


@pytest.fixture(scope="session")
def site_html(request: pytest.FixtureRequest) -> Path:
    """The built book's html folder: the suite's shared build, or COURSE_BOOK_HTML if set
    (a book built already, e.g. ``_build/html``, to iterate on these tests quickly)."""
    given = os.environ.get("COURSE_BOOK_HTML")
    if given:
        path = Path(given).resolve()
        if not (path / "index.html").is_file():
            pytest.fail(f"COURSE_BOOK_HTML={given}: no index.html there")
        return path
    return request.getfixturevalue("built_book")


@pytest.fixture(scope="session")
def site_url(site_html: Path) -> Iterator[str]:
    """The built book served with gzip, as a web host serves it."""
    url, server = serve(site_html)
    yield url
    server.shutdown()
    server.server_close()


class Problems:
    """Console errors, uncaught exceptions, failed requests and HTTP errors of one page."""

    def __init__(self, page) -> None:
        self.items: list[str] = []
        page.on(
            "console",
            lambda m: self.items.append(f"console.error: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: self.items.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.items.append(f"request failed: {r.url}"))
        page.on(
            "response",
            lambda r: self.items.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
        )


@pytest.fixture
def new_page(chromium_browser):
    """``new_page(viewport, dark=False)``: a page in a fresh context (empty storage)."""
    contexts = []

    def make(viewport=DESKTOP, *, dark: bool = False):
        context = chromium_browser.new_context(
            viewport=viewport, color_scheme="dark" if dark else "light"
        )
        if dark:
            context.add_init_script(
                "localStorage.setItem('mode', 'dark'); localStorage.setItem('theme', 'dark');"
            )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.problems = Problems(page)
        return page

    yield make
    for context in contexts:
        context.close()
