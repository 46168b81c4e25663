"""The self-check script and stylesheet as text, for the book and for the anywidget front end."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

JS_FILE = "course-selfcheck.js"
CSS_FILE = "course-selfcheck.css"
GLOBAL_NAME = "courseSelfcheckV2"
"""The script's top-level ``var``: a global in the book, module-local in an ES module."""
ESM_EXPORT = f"\nexport default {{ render: (ctx) => {GLOBAL_NAME}.render(ctx) }};\n"


@lru_cache(maxsize=4)
def static_text(name: str) -> str:
    """The text of a file in the package's ``static`` folder."""
    return resources.files("course_utils.selfcheck").joinpath("static", name).read_text("utf-8")


def widget_esm() -> str:
    """The anywidget ES module: the book's script, self-contained per module, with ``render``.

    It never reads the global of another copy, never scans the page, never touches storage.
    """
    return static_text(JS_FILE) + ESM_EXPORT


def widget_css() -> str:
    """The stylesheet (the same as the book's)."""
    return static_text(CSS_FILE)
