"""Shared fixtures: the repository root and one book build shared by all xdist workers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from filelock import FileLock

from course_utils.book import BookBuildError, build_book
from course_utils.site.chromium import CHROMIUM, CHROMIUM_ARGS

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The course repository."""
    return REPO_ROOT


def _shared_tmp(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    base = tmp_path_factory.getbasetemp()
    # Under xdist every worker has its own basetemp inside one folder per run.
    return base if worker_id == "master" else base.parent


@pytest.fixture(scope="session")
def built_book(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """Build the whole book once per test run (warnings are errors) and return its ``html`` folder.

    The build goes into a temporary folder, never into the developer's ``_build``; workers
    wait on a lock so that the book is built once, and a failed build fails every user fast.
    """
    shared = _shared_tmp(tmp_path_factory, worker_id)
    out = shared / "book-build"
    failed = shared / "book-build.failed"
    with FileLock(str(shared / "book-build.lock")):
        html = out / "_build" / "html"
        if failed.exists():
            pytest.fail(f"the book build failed earlier in this run: {failed.read_text()}")
        if not (html / "index.html").is_file():
            try:
                build_book(REPO_ROOT, out, clean=True, quiet=True)
            except BookBuildError as exc:
                failed.write_text(str(exc))
                pytest.fail(f"the book build failed: {exc}")
    return html


@pytest.fixture(scope="session")
def notebook_env() -> dict[str, str]:
    """Environment for executing notebooks: one BLAS thread, no user site."""
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = "1"
    return env




@pytest.fixture(scope="session")
def chromium_browser():
    """The one headless Debian chromium of this session (or xdist worker).

    Playwright's sync API allows one running instance per thread, so every browser fixture of
    the suite (self-checks, LMS, JupyterLab) hands out this one.
    """
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()
