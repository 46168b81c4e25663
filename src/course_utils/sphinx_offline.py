"""Sphinx extension: keep every page free of scripts that point at the internet.

Jupyter Book 1 always loads ``sphinx_thebe``, which writes the URL of Thebe's CDN bundle into an
inline script on every page and adds a loader for it. The course turns Thebe off
(``launch_buttons.thebe: false``), so both are dead weight that would fetch from a CDN if ever
triggered; this extension drops them from each page's scripts.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

_THEBE_FILES = {"sphinx-thebe.js", "_static/sphinx-thebe.js"}


def _points_online(script: Any) -> bool:
    filename = str(getattr(script, "filename", script) or "")
    body = str(getattr(script, "attributes", {}).get("body", "") or "")
    if filename in _THEBE_FILES or filename.startswith(("http://", "https://", "//")):
        return True
    return "THEBE_JS_URL" in body


def drop_online_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """Remove Thebe's CDN configuration and loader (and any remote script) from a page."""
    scripts = context.get("script_files")
    if scripts:
        context["script_files"] = [s for s in scripts if not _points_online(s)]


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the extension."""
    app.connect("html-page-context", drop_online_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
