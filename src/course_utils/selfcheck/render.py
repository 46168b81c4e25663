"""Static HTML of a question: escaped text, inline Markdown, the sealed key, no answers.

What the HTML shows without JavaScript (an untrusted notebook, nbconvert, a browser with scripts
off) is the question only: the prompt, the options or the input box, the items. Feedback, hints and
the explanation are not in the markup; they travel in the sealed key as *rich text*, a small JSON
tree that the script turns into elements (never into HTML text). The script builds every button.
"""

from __future__ import annotations

import json
from functools import lru_cache
from html import escape
from typing import Any

from markdown_it import MarkdownIt

from course_utils.selfcheck.rules import compile_key, option_order, question_salt, shown_order

MARKER = "selfcheck-v2"
"""Class on every rendered question: the Sphinx extension looks for it to add the JS and CSS."""

TYPE_LABELS = {"single": "Choose one answer.", "multiple": "Choose all that apply.",
               "numeric": "Type a number.", "text": "Type a short answer.",
               "ordering": "Put the items in order with the move buttons."}
SAFE_SCHEMES = ("http:", "https:", "mailto:")

RichText = Any
"""A string, or ``{"t": tag, "c": [children], "h": href}`` with tag strong, em, code, a or br."""


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def _safe_href(href: str) -> bool:
    lowered = href.strip().lower()
    if ":" not in lowered.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]:
        return True  # relative link or fragment
    return lowered.startswith(SAFE_SCHEMES)


def images_in(text: str) -> list[str]:
    """The sources of Markdown images in ``text`` (question text may hold none)."""
    found = []
    for token in _markdown().parseInline(str(text)):
        for child in token.children or []:
            if child.type == "image":
                found.append(str(child.attrs.get("src", "")))
    return found


@lru_cache(maxsize=1)
def _markdown_with_html() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})


def raw_html_in(text: str) -> list[str]:
    """The raw HTML tags (and comments) in ``text``, as CommonMark reads them; a tag inside
    backticks is code, and ``a < b`` or ``&lt;b&gt;`` is text."""
    found = []
    for token in _markdown_with_html().parseInline(str(text)):
        for child in token.children or []:
            if child.type == "html_inline":
                found.append(str(child.content))
    return found


@lru_cache(maxsize=4096)
def _rich_json(text: str) -> str:
    return json.dumps(_rich(text), ensure_ascii=False)


def rich(text: str | None) -> RichText:
    """Inline Markdown as a rich-text tree: emphasis, code, links, line breaks; everything else is
    text (raw HTML and entities included, shown literally; an image becomes its alt text)."""
    if text is None:
        return None
    return json.loads(_rich_json(str(text)))


def _rich(text: str) -> RichText:
    root: dict[str, Any] = {"t": "span", "c": []}
    stack = [root]
    for token in _markdown().parseInline(text):
        for child in token.children or []:
            kind = child.type
            if kind in ("strong_open", "em_open", "link_open"):
                node: dict[str, Any] = {"t": {"strong_open": "strong", "em_open": "em"}.get(kind, "a"), "c": []}
                if kind == "link_open":
                    href = str(child.attrs.get("href", ""))
                    if _safe_href(href):
                        node["h"] = href
                stack[-1]["c"].append(node)
                stack.append(node)
            elif kind in ("strong_close", "em_close", "link_close") and len(stack) > 1:
                stack.pop()
            elif kind == "code_inline":
                stack[-1]["c"].append({"t": "code", "c": [child.content]})
            elif kind == "hardbreak":
                stack[-1]["c"].append({"t": "br"})
            elif kind == "softbreak":
                stack[-1]["c"].append(" ")
            elif kind == "image":
                stack[-1]["c"].append(child.content)
            else:
                stack[-1]["c"].append(child.content)
    return _merge_text(root["c"])


def _merge_text(children: list[Any]) -> Any:
    merged: list[Any] = []
    for child in children:
        if isinstance(child, dict) and "c" in child:
            inner = _merge_text(child["c"])
            child["c"] = inner if isinstance(inner, list) else [inner]
        if isinstance(child, str) and merged and isinstance(merged[-1], str):
            merged[-1] += child
        elif child != "":
            merged.append(child)
    if len(merged) == 1 and isinstance(merged[0], str):
        return merged[0]
    return {"t": "span", "c": merged}


def rich_html(tree: RichText) -> str:
    """Escaped HTML of a rich-text tree (for the parts the static page shows)."""
    if tree is None:
        return ""
    if isinstance(tree, str):
        return escape(tree, quote=False)
    tag, children = tree["t"], "".join(rich_html(c) for c in tree.get("c", []))
    if tag == "br":
        return "<br>"
    if tag == "span":
        return children
    if tag == "a":
        return f'<a href="{escape(tree["h"])}">{children}</a>' if tree.get("h") else children
    return f"<{tag}>{children}</{tag}>"


def inline(text: str) -> str:
    """Inline Markdown (emphasis, code, links) to HTML; raw HTML in the text is shown literally."""
    return rich_html(rich(text))


def sealed_texts(spec: dict[str, Any]) -> dict[str, Any]:
    """Feedback, hints and explanation as rich text, for :func:`rules.compile_key`."""
    return {"feedback": {k: rich(v) for k, v in (spec.get("feedback") or {}).items()},
            "options": [rich(o.get("feedback")) for o in spec.get("options", [])],
            "wrong": [rich(w["feedback"]) for w in spec.get("wrong_answers", [])],
            "explanation": rich(spec.get("explanation")),
            "hints": [rich(h) for h in spec.get("hints", [])]}


def public_data(spec: dict[str, Any]) -> dict[str, Any]:
    """The sealed key the page carries (see :mod:`course_utils.selfcheck.rules`)."""
    return compile_key(spec, sealed_texts(spec))


def _ids(qid: str) -> dict[str, str]:
    base = f"sc-{qid}"
    return {"base": base, "legend": f"{base}-prompt", "input": f"{base}-input",
            "how": f"{base}-how", "unit": f"{base}-unit"}


def _choices(spec: dict[str, Any], ids: dict[str, str], salt: str) -> str:
    """The options in their shown order (:func:`rules.option_order`): value = shown position."""
    kind = "radio" if spec["type"] == "single" else "checkbox"
    rows = []
    for i, original in enumerate(option_order(len(spec["options"]), salt)):
        option = spec["options"][original]
        oid = f"{ids['base']}-o{i}"
        rows.append(f'<div class="sc-option"><input type="{kind}" id="{oid}" name="{ids["base"]}" '
                    f'value="{i}"> <label for="{oid}">{inline(option["text"])}</label></div>')
    return f'<div class="sc-options">{"".join(rows)}</div>'


def _entry(spec: dict[str, Any], ids: dict[str, str]) -> str:
    unit = spec.get("unit")
    mode = ' inputmode="decimal"' if spec["type"] == "numeric" else ""
    described = ids["how"] + (f" {ids['unit']}" if unit else "")
    unit_html = f' <span class="sc-unit" id="{ids["unit"]}">{escape(unit)}</span>' if unit else ""
    return (f'<div class="sc-entry"><label for="{ids["input"]}">Your answer</label> '
            f'<input type="text" id="{ids["input"]}" class="sc-input" autocomplete="off" '
            f'spellcheck="false"{mode} aria-describedby="{described}">{unit_html}</div>')


def _ordering(spec: dict[str, Any], ids: dict[str, str], salt: str) -> str:
    rows = []
    for shown, original in enumerate(shown_order(len(spec["items"]), salt)):
        rows.append(f'<li class="sc-item" data-index="{shown}"><span class="sc-item-text" '
                    f'id="{ids["base"]}-i{shown}">{inline(spec["items"][original])}</span></li>')
    return f'<ol class="sc-order">{"".join(rows)}</ol>'


def script_json(data: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">`` (no ``<``, ``>``, ``&``)."""
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            .replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def render_html(spec: dict[str, Any]) -> str:
    """The static rendering of a validated spec: one ``<div class="selfcheck">`` block."""
    data = public_data(spec)
    ids = _ids(spec["id"])
    if spec["type"] in ("single", "multiple"):
        body = _choices(spec, ids, question_salt(spec))
    elif spec["type"] == "ordering":
        body = _ordering(spec, ids, question_salt(spec))
    else:
        body = _entry(spec, ids)
    return (
        f'<div class="selfcheck {MARKER}" id="{ids["base"]}" data-selfcheck-id="{escape(spec["id"])}" '
        f'data-selfcheck-version="{data["v"]}">'
        f'<script type="application/json" class="sc-data">{script_json(data)}</script>'
        f'<fieldset class="sc-fieldset"><legend id="{ids["legend"]}">'
        f'<span class="sc-badge">Self-check</span> '
        f'<span class="sc-prompt">{inline(spec["prompt"])}</span></legend>'
        f'<p class="sc-how" id="{ids["how"]}">{TYPE_LABELS[spec["type"]]}</p>{body}'
        f'</fieldset></div>'
    )
