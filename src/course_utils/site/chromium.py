"""Debian's chromium as the tests and benchmarks launch it (headless, offline, quiet)."""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's ``chromium`` package (``apt-get install chromium``; ``.ci/ensure-chromium`` in CI)."""

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
"""No first-run screens, no calls home: a page's requests are its own."""
