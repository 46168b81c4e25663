"""Fixtures of the LMS tests: the SCORM package of the built book, served with a test LMS
(npm ``scorm-again`` as the runtime) on 127.0.0.1, and one chromium per worker."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from course_utils.lms.scorm import scorm_package

JS = Path(__file__).with_name("js")
RUNTIME = JS / "node_modules" / "scorm-again" / "dist" / "scorm-again.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="session")
def lms_browser(chromium_browser):
    """One headless Debian chromium for the LMS tests of this worker."""
    yield chromium_browser


def _runtime() -> Path:
    if not RUNTIME.is_file():
        if os.environ.get("CI"):
            pytest.fail("npm scorm-again is missing: .ci/ensure-npm should have installed it")
        pytest.skip("npm scorm-again not installed (cd tests/lms/js && npm ci)")
    return RUNTIME


@pytest.fixture(scope="session")
def lms_book(request) -> Path:
    """The built book: ``COURSE_LMS_BOOK_HTML`` (a developer's existing build) or the shared build."""
    given = os.environ.get("COURSE_LMS_BOOK_HTML")
    return Path(given) if given else request.getfixturevalue("built_book")


@pytest.fixture(scope="session", params=["1.2", "2004"])
def lms_site(request, lms_book: Path, tmp_path_factory) -> Iterator[tuple[str, str, Path]]:
    """(base URL, SCORM version, folder): host.html + the runtime + the package unzipped in pkg/."""
    version = request.param
    site = tmp_path_factory.mktemp(f"lms-{version}")
    package = site / "course.zip"
    scorm_package(lms_book, package, version=version)
    with zipfile.ZipFile(package) as archive:
        archive.extractall(site / "pkg")
    shutil.copy(JS / "host.html", site / "host.html")
    shutil.copy(_runtime(), site / "scorm-again.js")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_QuietHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", version, site
    server.shutdown()
    server.server_close()
