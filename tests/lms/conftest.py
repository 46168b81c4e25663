"""Fixtures of the LMS tests: the SCORM package of the built book, served with a test LMS
(npm ``scorm-again`` as the runtime) on 127.0.0.1, and one chromium per worker."""

from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from course_utils.lms.scorm import scorm_package
from course_utils.site.serve import serve

JS = Path(__file__).with_name("js")
RUNTIME = JS / "node_modules" / "scorm-again" / "dist" / "scorm-again.js"


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
    url, server = serve(site)
    yield url, version, site
    server.shutdown()
    server.server_close()
