"""Sphinx extension: the ``{selfcheck}`` directive and the JS/CSS on the pages that need them.

A bad question logs ONE warning (``file:line: WARNING: self-check 'id': problem``); the course
builds with ``-W``, so the build stops.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from course_utils.selfcheck.assets import CSS_FILE, JS_FILE
from course_utils.selfcheck.errors import SelfCheckError
from course_utils.selfcheck.render import MARKER, render_html
from course_utils.selfcheck.spec import question_from_bank, question_from_yaml

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).with_name("static")


def _warn(error: SelfCheckError, fallback: str) -> None:
    """One warning. Sphinx reads a location without ``:line`` as a document name (and prints
    ``name.rst``), so an error without a line is told at the directive, naming its file."""
    if error.file and error.line:
        logger.warning(error.one_line(with_where=False), location=f"{error.file}:{error.line}",
                       type="selfcheck", subtype="spec")
    else:
        text = error.one_line(with_where=False)
        logger.warning(f"{error.file}: {text}" if error.file else text, location=fallback,
                       type="selfcheck", subtype="spec")


def _warn_once(env: BuildEnvironment, error: SelfCheckError, fallback: str) -> None:
    """A bad bank used by several directives is reported once."""
    seen: set[str] = env.__dict__.setdefault("selfcheck_reported", set())
    text = error.one_line()
    if text not in seen:
        seen.add(text)
        _warn(error, fallback)


class SelfCheckDirective(SphinxDirective):
    """``{selfcheck}`` with a YAML body, or with ``:bank:`` (relative to the page) and ``:id:``."""

    has_content = True
    option_spec = {"bank": directives.unchanged_required, "id": directives.unchanged_required}

    def _relative(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(Path(self.env.srcdir).resolve()).as_posix()
        except ValueError:
            return str(path)

    def _spec(self, page: Path) -> dict[str, Any]:
        page_name = self._relative(page)
        if "bank" in self.options or "id" in self.options:
            qid = self.options.get("id", "").strip() or None
            if self.content:
                raise SelfCheckError("give either a YAML body or :bank: and :id:, not both",
                                     file=page_name, line=self.lineno, qid=qid)
            if "bank" not in self.options or not qid:
                raise SelfCheckError("a question from a bank needs both :bank: and :id:",
                                     file=page_name, line=self.lineno, qid=qid)
            bank = (page.parent / self.options["bank"].strip()).resolve()
            self.env.note_dependency(str(bank))
            if not bank.is_file():
                raise SelfCheckError(f"question bank {self.options['bank']!r} not found "
                                     f"(looked for {self._relative(bank)})",
                                     file=page_name, line=self.lineno, qid=qid)
            return question_from_bank(bank, qid, display=self._relative(bank))
        if not self.content:
            raise SelfCheckError("empty self-check: give a YAML body or :bank: and :id:",
                                 file=page_name, line=self.lineno)
        return question_from_yaml("\n".join(self.content), file=page_name,
                                  line_offset=self._body_offset())

    def _body_offset(self) -> int:
        """Lines before the YAML body: MyST gives ``content_offset`` relative to the fence line,
        docutils gives it absolute (0-based, hence never below the directive's own line)."""
        if self.content_offset < self.lineno:
            return self.lineno + self.content_offset
        return self.content_offset

    def run(self) -> list[nodes.Node]:
        page = Path(self.env.doc2path(self.env.docname))
        fallback = f"{self._relative(page)}:{self.lineno}"
        try:
            spec = self._spec(page)
            if not _register(self.env, spec["id"], f"{self.env.docname}#{self.lineno}", fallback):
                return []
            html = render_html(spec)
        except SelfCheckError as error:
            _warn_once(self.env, error, fallback)
            return []
        except Exception as exc:  # noqa: BLE001 - a bug is one warning, never a stopped build
            logger.warning(f"self-check: could not build this self-check ({type(exc).__name__}: "
                           f"{' '.join(str(exc).split())[:200]}); please report it",
                           location=fallback, type="selfcheck", subtype="internal")
            return []
        node = nodes.raw("", html, format="html")
        node["selfcheck_directive"] = True
        return [node]


def _register(env: BuildEnvironment, qid: str, where: str, location: str) -> bool:
    """Remember where question ``qid`` is shown; warn and return False if it is shown elsewhere."""
    ids: dict[str, tuple[str, str]] = env.selfcheck_ids  # type: ignore[attr-defined]
    if qid in ids and ids[qid][0] != where:
        logger.warning(f"self-check '{qid}': duplicate id (already used at {ids[qid][1]})",
                       location=location, type="selfcheck", subtype="spec")
        return False
    ids[qid] = (where, location)
    return True


_RENDERED_ID = re.compile(r'data-selfcheck-id="([^"]+)"')


def _notebook_output_ids(app: Sphinx, doctree: nodes.document) -> None:
    """Self-checks shown by ``show()`` in notebook outputs count towards the unique ids too."""
    env = app.env
    page = env.doc2path(env.docname)
    try:
        page = Path(page).resolve().relative_to(Path(env.srcdir).resolve()).as_posix()
    except ValueError:
        page = str(page)
    seen: set[str] = set()
    for node in doctree.findall(nodes.raw):
        if node.get("selfcheck_directive") or MARKER not in node.astext():
            continue
        for qid in _RENDERED_ID.findall(node.astext()):
            if qid not in seen:  # one output may carry the same HTML for several mime types
                seen.add(qid)
                _register(env, qid, f"{env.docname}#output", f"{page} (notebook output)")


def _init_env(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    if not hasattr(env, "selfcheck_ids"):
        env.selfcheck_ids = {}  # type: ignore[attr-defined]
    env.selfcheck_reported = set()  # type: ignore[attr-defined]


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    ids = getattr(env, "selfcheck_ids", {})
    for qid in [q for q, (where, _) in ids.items() if where.split("#")[0] == docname]:
        del ids[qid]


def _merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    for qid, (where, location) in getattr(other, "selfcheck_ids", {}).items():
        _register(env, qid, where, location)


def _add_static_path(app: Sphinx, config: Config) -> None:
    config.html_static_path.append(str(STATIC_DIR))


def _add_assets(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any],
                doctree: nodes.document | None) -> None:
    """Add the JS and CSS only to pages whose body holds a self-check (pages or notebook outputs)."""
    if MARKER in (context.get("body") or ""):
        app.add_css_file(CSS_FILE)
        app.add_js_file(JS_FILE, defer="defer")


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directive, the environment bookkeeping and the per-page assets."""
    app.add_directive("selfcheck", SelfCheckDirective)
    app.connect("config-inited", _add_static_path)
    app.connect("env-before-read-docs", _init_env)
    app.connect("env-purge-doc", _purge)
    app.connect("doctree-read", _notebook_output_ids)
    app.connect("env-merge-info", _merge)
    app.connect("html-page-context", _add_assets)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True,
            "env_version": 1}
