"""Fixtures of the lab tests (marker ``jupyterlab``): one JupyterLab server and one chromium per
worker, and pages whose requests must all stay on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from labtools import LabServer, Traffic, load_prepare_labs


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """One JupyterLab 4 server for the session (or xdist worker)."""
    server = LabServer(tmp_path_factory.mktemp("jupyterlab"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def lab_browser(chromium_browser):
    """One headless Debian chromium (never a downloaded browser)."""
    yield chromium_browser


@pytest.fixture
def traffic() -> Traffic:
    return Traffic()


@pytest.fixture
def lab_page(lab_browser, lab_server: LabServer, traffic: Traffic):
    """A fresh browser context on the lab server; fails the test if a request left 127.0.0.1."""
    context = lab_browser.new_context(viewport={"width": 1280, "height": 1000})
    context.route("**/*", traffic.handle)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.on("websocket", traffic.websocket)
    page.on("pageerror", lambda e: traffic.errors.append(f"page error: {e}"))
    yield page
    context.close()
    lab_server.shutdown_kernels()
    assert traffic.outside == [], "requests left 127.0.0.1"


@pytest.fixture(scope="session")
def prepare_labs():
    return load_prepare_labs()
