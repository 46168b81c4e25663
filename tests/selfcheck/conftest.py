"""Browser fixtures for the self-check tests: one chromium per worker, the built book on 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

# Console noise of the book theme itself, not of the self-checks (reported to the lead):
# jupyter-book 1 + sphinx-book-theme put sphinx-thebe's inline script on every page twice, and
# pydata-sphinx-theme logs an error when no colour mode is stored yet. The browser asks for a
# favicon that the book does not have.
THEME_NOISE = [
    re.compile(r"Identifier 'THEBE_JS_URL' has already been declared"),
    re.compile(r"Got invalid theme mode"),
    re.compile(r"favicon\.ico"),
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def serve(folder: Path) -> tuple[str, http.server.ThreadingHTTPServer]:
    """Serve ``folder`` on 127.0.0.1 (a free port) in a daemon thread; return base URL and server."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server


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
