"""Sphinx extension: the book as a light, accessible site on every device, and a clean print.

Registered in ``_config.yml`` (``sphinx: extra_extensions: course_utils.site``). Without forking
the theme it

* overrides ``layout.html`` (``templates/``) to drop ``fontawesome.js`` and the theme's script
  preloads, and to load the search scripts only where search uses them,
  defers the other script files in <head> and drops the unused Thebe stylesheet;
* adds ``course-site.css`` (focus, wrapping, scroll hints, print), ``course-nav-fix.js``
  (the phone navigation buttons, pydata-sphinx-theme #2451 / sphinx-book-theme #988) and
  ``course-images.js`` (lazy plots, all loaded once the page has: print) to every page;
* gives every page a meta description, the book a favicon and a default colour mode;
* after the build, rewrites a few theme and notebook fragments for accessibility
  (:mod:`course_utils.site.postprocess`) and writes the print colours for dark mode
  (:mod:`course_utils.site.printcss`);
* cuts the theme's icon webfonts down to the icons the book shows (:mod:`course_utils.site.icons`);
* replaces each page's dozen render-blocking stylesheets by one bundle
  (:mod:`course_utils.site.cssbundle`);
* registers the ``course_author_year`` bibliography style (:mod:`course_utils.site.bibstyle`).
"""

from __future__ import annotations

import filecmp
import html as html_lib
import posixpath
import shutil
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

from course_utils.site import bibstyle, cssbundle, icons, postprocess, printcss

logger = logging.getLogger(__name__)

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
TEMPLATES_DIR = HERE / "templates"
CSS_FILE = "course-site.css"
PRINT_CSS_FILE = "course-print-colours.css"
NAV_FIX_JS = "course-nav-fix.js"
IMAGES_JS = "course-images.js"
FAVICON = "course-favicon.svg"
DESCRIPTION_LENGTH = 155


def _configure(app: Sphinx, config: Config) -> None:
    config.templates_path.insert(0, str(TEMPLATES_DIR))
    config.html_static_path.append(str(STATIC_DIR))
    if not config.html_favicon:
        config.html_favicon = str(STATIC_DIR / FAVICON)
    # pydata-sphinx-theme logs "Got invalid theme mode" on a first visit without a default.
    context = dict(config.html_context or {})
    context.setdefault("default_mode", "auto")
    config.html_context = context


def description(doctree: nodes.Node | None, fallback: str) -> str:
    """The page's first real paragraph as plain text, cut at a word near 155 characters."""
    text = ""
    if doctree is not None:
        for para in doctree.findall(nodes.paragraph):
            if any(
                isinstance(a, (nodes.admonition, nodes.Admonition, nodes.raw, nodes.field_list))
                for a in _ancestors(para)
            ):
                continue
            candidate = " ".join(para.astext().split())
            if len(candidate) >= 40:
                text = candidate
                break
    text = text or fallback
    if len(text) > DESCRIPTION_LENGTH:
        cut = text[:DESCRIPTION_LENGTH].rsplit(" ", 1)[0].rstrip(",;:.")
        text = cut + "…"
    return text


def _ancestors(node: nodes.Node):
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def _page_context(
    app: Sphinx,
    pagename: str,
    templatename: str,
    context: dict[str, Any],
    doctree: nodes.document | None,
) -> None:
    title = html_lib.unescape(" ".join((context.get("title") or "").split()))
    book = app.config.html_title or context.get("docstitle") or ""
    fallback = f"{title} – {book}" if title and book and title != book else (title or book)
    meta = html_lib.escape(description(doctree, fallback), quote=True)
    context["metatags"] = (
        context.get("metatags") or ""
    ) + f'\n<meta name="description" content="{meta}" />'


# Loaded synchronously because inline scripts after it use DOCUMENTATION_OPTIONS at once.
_KEEP_BLOCKING = {"documentation_options.js"}
# Thebe is switched off (launch_buttons.thebe: false): its stylesheet is one more blocking request.
_UNUSED_CSS = {"sphinx-thebe.css"}
# MyST-NB writes a notebook's saved widget state into <head> (about 96 KB on a lab page: every
# self-check widget carries its own script and styles) for the ipywidgets HTML manager to read.
# The book loads no manager (nb_ipywidgets_js is empty: it would come from a CDN) and shows the
# self-checks' static rendering instead, so the state is dead weight that delays the first paint.
WIDGET_STATE_TYPE = "application/vnd.jupyter.widget-state+json"


def _light_head(
    app: Sphinx,
    pagename: str,
    templatename: str,
    context: dict[str, Any],
    doctree: nodes.document | None,
) -> None:
    """Defer every script file Sphinx and its extensions put in <head> (they all wait for
    DOMContentLoaded anyway, and deferred scripts keep their order); drop unused CSS and the
    notebook widget state no script of the book reads."""
    css = context.get("css_files")
    if css:
        context["css_files"] = [
            c
            for c in css
            if posixpath.basename(str(getattr(c, "filename", c)).split("?")[0]) not in _UNUSED_CSS
        ]
    if not getattr(app.config, "nb_ipywidgets_js", None):
        context["script_files"] = [
            s
            for s in context.get("script_files") or []
            if (getattr(s, "attributes", None) or {}).get("type") != WIDGET_STATE_TYPE
        ]
    if pagename == "search":
        # The search page loads searchtools.js synchronously, and it needs doctools.js at once.
        return
    deferred = []
    for script in context.get("script_files") or []:
        filename = str(getattr(script, "filename", script) or "")
        attributes = dict(getattr(script, "attributes", {}) or {})
        base = posixpath.basename(filename.split("?")[0])
        if (
            filename
            and "body" not in attributes
            and "async" not in attributes
            and "defer" not in attributes
            and base not in _KEEP_BLOCKING
            and hasattr(script, "priority")
        ):
            attributes["defer"] = "defer"
            script = type(script)(filename, priority=script.priority, **attributes)
        deferred.append(script)
    context["script_files"] = deferred


def _assets(app: Sphinx) -> None:
    app.add_css_file(CSS_FILE)
    app.add_css_file(icons.ICON_CSS)
    # Last, after every screen stylesheet, so that those stay one run (one bundle: cssbundle).
    app.add_css_file(PRINT_CSS_FILE, media="print", priority=900)
    app.add_js_file(NAV_FIX_JS, defer="defer")
    app.add_js_file(IMAGES_JS, defer="defer")


def refresh_static(app: Sphinx) -> list[str]:
    """Copy every ``html_static_path`` file whose copy in ``_static`` is missing or differs.

    Sphinx 7.4 returns before its "finish" step, which copies the static files, when no page is
    out of date ("no targets are out of date"), so an edited stylesheet or script would not reach
    ``_build`` until some page changed. Returns the files copied (paths in ``_static``)."""
    target = Path(app.outdir) / "_static"
    copied = []
    for entry in app.config.html_static_path:
        source = Path(app.confdir, entry)
        if not source.is_dir():
            continue
        for file in sorted(source.rglob("*")):
            rel = file.relative_to(source)
            if (
                not file.is_file()
                or file.name.endswith("_t")
                or any(part.startswith(".") for part in rel.parts)
            ):
                continue
            dest = target / rel
            if not dest.is_file() or not filecmp.cmp(file, dest, shallow=False):
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(file, dest)
                copied.append(rel.as_posix())
    return copied


def _post_build(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    refresh_static(app)
    printcss.write(out / "_static", out / "_static" / PRINT_CSS_FILE)
    pages = []
    for page in sorted(out.rglob("*.html")):
        rel = page.relative_to(out)
        if rel.parts[0] in ("_static", "_sources", "_images", "reports"):
            continue
        pages.append(page)
        source = page.read_text(encoding="utf-8")

        def size(src: str, page: Path = page) -> tuple[int, int] | None:
            return postprocess.png_size(Path(posixpath.normpath(str(page.parent / src))))

        def bad_alt(src: str, alt: str, rel: Path = rel) -> None:
            logger.warning(
                f"{rel.as_posix()}: image {posixpath.basename(src)}: alt text {alt!r} is "
                "not words; set the cell's metadata mystnb.image.alt",
                type="course_site",
                subtype="alt",
            )

        fixed = postprocess.fix_page(source, image_size=size, bad_alt=bad_alt)
        if fixed != source:
            page.write_text(fixed, encoding="utf-8")
    icons.subset(out)
    try:
        cssbundle.bundle_pages(out, pages)
    except cssbundle.BundleError as error:
        logger.warning(
            f"stylesheets not bundled: {error}", type="course_site", subtype="css_bundle"
        )


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the extension."""
    bibstyle.register()
    app.connect("config-inited", _configure)
    app.connect("builder-inited", _assets)
    app.connect("html-page-context", _page_context)
    app.connect("html-page-context", _light_head, priority=950)
    # After pydata-sphinx-theme, which rewrites pygments.css with its light and dark rules then.
    app.connect("build-finished", _post_build, priority=900)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
