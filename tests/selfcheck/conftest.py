"""Browser fixtures for the self-check tests: one chromium per worker, the built book on 127.0.0.1."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from course_utils.site.serve import serve

# The book itself logs no console error on any page (tests/site checks every page); the pages
# these tests write themselves have no favicon, so the browser's request for one may fail.
THEME_NOISE = [re.compile(r"favicon\.ico")]


@pytest.fixture(scope="session")
def book_url(built_book: Path) -> Iterator[str]:
    """The built book, served on 127.0.0.1."""
    url, server = serve(built_book)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser(chromium_browser):
    """One headless Debian chromium for the whole session (or xdist worker)."""
    yield chromium_browser


class ConsoleLog:
    """Errors seen by a page: console errors, uncaught exceptions and failed requests."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def add(self, text: str) -> None:
        if not any(p.search(text) for p in THEME_NOISE):
            self.errors.append(text)


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


@pytest.fixture
def page(browser, console: ConsoleLog):
    """A fresh browser context (empty storage) whose errors fail the test."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", lambda m: console.add(f"console.{m.type}: {m.text} {m.location.get('url', '')}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: console.add(f"page error: {e} {e.stack or ''}".replace("\n", " ")))
    # a request the browser itself abandons (the next navigation cancels a favicon fetch) is not
    # a failure of the page
    page.on("requestfailed", lambda r: console.add(f"request failed: {r.url}")
            if (r.failure or "") != "net::ERR_ABORTED" else None)
    page.on("response", lambda r: console.add(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    yield page
    context.close()
    assert console.errors == [], "errors in the browser console"
