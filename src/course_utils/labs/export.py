"""A lab as one HTML page that works offline: ``course export-lab`` and ``--to course_lab``.

Plain ``jupyter nbconvert --to html`` loads require.js and MathJax from CDNs, and when a notebook
carries saved widget state it loads the widget manager from a CDN too and drops the static HTML
of widget outputs: offline, the self-checks are blank. This exporter:

* drops saved widget state and widget views (the static ``text/html`` of a self-check stays);
* loads nothing from the network: no require.js, MathJax, Mermaid or widget manager;
* inlines the self-check script and stylesheet, so the questions can be answered in the page
  (answers are remembered in the browser's storage, as in the book);
* turns MyST roles (``{term}`Two Commandments```) into their text and directive fences
  (```` ```{admonition} Title ````) into a bold title and their body, which plain Markdown
  would show raw.

Use it as ``course export-lab LAB.ipynb [-o OUT.html]`` or
``jupyter nbconvert --to course_lab LAB.ipynb`` (entry point ``nbconvert.exporters``).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import jinja2
import nbformat
from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from traitlets import default

from course_utils.selfcheck.assets import CSS_FILE, JS_FILE, static_text

WIDGET_MIMES = (
    "application/vnd.jupyter.widget-view+json",
    "application/vnd.jupyter.widget-state+json",
)

TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block extra_css %}<style type="text/css">
{{ resources.course_selfcheck_css }}
</style>{% endblock extra_css %}
{% block footer_js %}<script>
{{ resources.course_selfcheck_js }}
</script>{% endblock footer_js %}
"""

ROLE = re.compile(r"\{[a-z][a-z0-9:_-]*\}`([^`]*)`")
TARGET = re.compile(r"^(.*?)\s*<[^<>]*>$", re.S)
FENCE = re.compile(r"^(`{3,}|:{3,})\{([a-z][a-z0-9_-]*)\}[ \t]*(.*)$")


def _role_text(match: re.Match[str]) -> str:
    text = match.group(1)
    labelled = TARGET.match(text)
    if labelled and labelled.group(1):
        return labelled.group(1)
    return text.split("/")[-1] if "/" in text and " " not in text else text


CODE_FENCE = re.compile(r"^(`{3,}|~{3,})(?![`~])([^`]*)$")
HIDDEN_DIRECTIVES = {"selfcheck"}  # its body holds the answers: never shown as text
HIDDEN_NOTE = "*(A self-check question is here in the online book.)*"


def _closes(line: str, opener: str) -> bool:
    """``line`` closes a fence opened with ``opener`` (same character, at least as long)."""
    return bool(re.fullmatch(rf"{re.escape(opener[0])}{{{len(opener)},}}", line))


def plain_markdown(source: str) -> str:
    """MyST roles to their text; directive fences to a bold title and their body.

    Code blocks (inside a directive too) are copied as they are. A ``{selfcheck}`` directive
    becomes one line saying a question is there: its body holds the answers."""
    out: list[str] = []
    fences: list[tuple[str, str]] = []  # (opening fence, "code" | "directive" | "hidden")
    for line in source.split("\n"):
        stripped = line.strip()
        inside = fences[-1] if fences else None
        hidden = any(kind == "hidden" for _, kind in fences)
        if inside and inside[1] == "code":
            if _closes(stripped, inside[0]):
                fences.pop()
            if not hidden:
                out.append(line)
            continue
        if inside and _closes(stripped, inside[0]):
            fences.pop()
            if inside[1] == "directive":
                out.append("")
            continue
        directive, code = FENCE.match(stripped), CODE_FENCE.match(stripped)
        if directive:
            name = directive.group(2)
            if name in HIDDEN_DIRECTIVES or hidden:
                fences.append((directive.group(1), "hidden"))
                if not hidden:
                    out.append(HIDDEN_NOTE)
                continue
            fences.append((directive.group(1), "directive"))
            title = directive.group(3).strip() or name.capitalize()
            out.append(f"**{ROLE.sub(_role_text, title)}**")
            out.append("")
            continue
        if code:
            fences.append((code.group(1), "code"))
            if not hidden:
                out.append(line)
            continue
        if hidden:
            continue
        if fences and re.match(r"^:[a-z][a-z0-9_-]*:", stripped):
            continue  # a directive option such as :class: important
        out.append(ROLE.sub(_role_text, line))
    return "\n".join(out)


class LabPreprocessor(Preprocessor):
    """Drop widget state and views; make MyST Markdown readable as plain Markdown."""

    def preprocess(self, nb: Any, resources: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        nb.metadata.pop("widgets", None)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = plain_markdown(cell.source)
            for output in cell.get("outputs", []):
                data = output.get("data")
                if data and any(m in data for m in WIDGET_MIMES) and len(data) > 1:
                    for mime in WIDGET_MIMES:
                        data.pop(mime, None)
        return nb, resources


class LabHTMLExporter(HTMLExporter):
    """HTML of a lab that needs no network: static questions, made live by the inlined script."""

    export_from_notebook = "Course lab (offline HTML)"

    @default("template_name")
    def _template_name_default(self) -> str:
        return "lab"

    @default("template_file")
    def _template_file_default(self) -> str:
        return "course_lab.html.j2"

    @default("extra_loaders")
    def _extra_loaders_default(self) -> list[jinja2.BaseLoader]:
        return [jinja2.DictLoader({"course_lab.html.j2": TEMPLATE})]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.register_preprocessor(LabPreprocessor, enabled=True)

    def from_notebook_node(
        self, nb: Any, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        resources = dict(resources or {})
        # "</" cannot end the inline <script> or <style> early.
        resources["course_selfcheck_js"] = static_text(JS_FILE).replace("</", "<\\/")
        resources["course_selfcheck_css"] = static_text(CSS_FILE).replace("</", "<\\/")
        return super().from_notebook_node(copy.deepcopy(nb), resources, **kw)


def export_lab(source: Path, target: Path | None = None) -> Path:
    """Write the offline HTML of the notebook ``source``; return its path."""
    try:
        nb = nbformat.read(source, as_version=4)
    except (OSError, ValueError) as exc:
        reason = " ".join(str(exc).split())
        raise SystemExit(f"export-lab: {source}: cannot read the notebook ({reason})") from exc
    body, _ = LabHTMLExporter().from_notebook_node(nb, {"metadata": {"name": source.stem}})
    target = target or source.with_suffix(".html")
    target.write_text(body, encoding="utf-8")
    return target
