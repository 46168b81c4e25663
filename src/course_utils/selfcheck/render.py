"""Static HTML of a question: escaped text, inline Markdown, the public key, no plain answers."""

from __future__ import annotations

import json
from functools import lru_cache
from html import escape
from typing import Any

from markdown_it import MarkdownIt

from course_utils.selfcheck.rules import compile_key, shown_order

MARKER = "selfcheck-v1"
"""Class on every rendered question: the Sphinx extension looks for it to add the JS and CSS."""

TYPE_LABELS = {"single": "Choose one answer.", "multiple": "Choose all that apply.",
               "numeric": "Type a number.", "text": "Type a short answer.",
               "ordering": "Put the items in order with the move buttons."}


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def inline(text: str) -> str:
    """Inline Markdown (emphasis, code, links) to HTML; raw HTML in the text is shown literally."""
    return _markdown().renderInline(str(text)).strip()


def _feedback_html(spec: dict[str, Any]) -> dict[str, str]:
    return {k: inline(v) for k, v in (spec.get("feedback") or {}).items()}


def public_data(spec: dict[str, Any]) -> dict[str, Any]:
    """The key plus the feedback texts the browser picks from, as safe HTML.

    Option feedback, hints and the explanation are in the markup itself (hidden until used).
    """
    key = compile_key(spec)
    texts: dict[str, Any] = {"feedback": _feedback_html(spec)}
    if spec["type"] == "text":
        texts["wrong_feedback"] = [inline(w["feedback"]) for w in spec.get("wrong_answers", [])]
    key["texts"] = texts
    return key


def _ids(qid: str) -> dict[str, str]:
    base = f"sc-{qid}"
    return {"base": base, "legend": f"{base}-prompt", "input": f"{base}-input",
            "feedback": f"{base}-feedback"}


def _choices(spec: dict[str, Any], ids: dict[str, str]) -> str:
    kind = "radio" if spec["type"] == "single" else "checkbox"
    rows = []
    for i, option in enumerate(spec["options"]):
        oid = f"{ids['base']}-o{i}"
        rows.append(
            f'<li class="sc-option"><input type="{kind}" id="{oid}" '
            f'name="{ids["base"]}" value="{i}"> <label for="{oid}">{inline(option["text"])}</label>'
            f'<div class="sc-option-feedback" hidden>{inline(option.get("feedback", ""))}</div></li>')
    return f'<ul class="sc-options" role="list">{"".join(rows)}</ul>'


def _entry(spec: dict[str, Any], ids: dict[str, str]) -> str:
    unit = spec.get("unit")
    mode = ' inputmode="decimal"' if spec["type"] == "numeric" else ""
    unit_html = f' <span class="sc-unit">{escape(unit)}</span>' if unit else ""
    return (f'<div class="sc-entry"><label for="{ids["input"]}">Your answer</label> '
            f'<input type="text" id="{ids["input"]}" class="sc-input" autocomplete="off" '
            f'spellcheck="false"{mode}>{unit_html}</div>')


def _ordering(spec: dict[str, Any], ids: dict[str, str], salt: str) -> str:
    rows = []
    for shown, original in enumerate(shown_order(len(spec["items"]), salt)):
        tid = f"{ids['base']}-i{shown}"
        rows.append(
            f'<li class="sc-item" data-index="{shown}"><span class="sc-item-text" '
            f'id="{tid}">{inline(spec["items"][original])}</span> '
            f'<span class="sc-moves"><button type="button" class="sc-up" '
            f'aria-describedby="{tid}">Move up</button> <button type="button" '
            f'class="sc-down" aria-describedby="{tid}">Move down</button></span></li>')
    return f'<ol class="sc-order">{"".join(rows)}</ol>'


def render_html(spec: dict[str, Any]) -> str:
    """The static rendering of a validated spec: one ``<div class="selfcheck">`` block."""
    data = public_data(spec)
    ids = _ids(spec["id"])
    if spec["type"] in ("single", "multiple"):
        body = _choices(spec, ids)
    elif spec["type"] == "ordering":
        body = _ordering(spec, ids, data["salt"])
    else:
        body = _entry(spec, ids)
    hint_button = ('<button type="button" class="sc-hint">Show a hint</button>'
                   if spec.get("hints") else "")
    hints = "".join(f'<p class="sc-hint-text" hidden><strong>Hint {i}:</strong> {inline(h)}</p>'
                    for i, h in enumerate(spec.get("hints", []), start=1))
    explanation = (f"<strong>Explanation:</strong> {inline(spec['explanation'])}"
                   if spec.get("explanation") else "")
    payload = (json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
               .replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"))
    return (
        f'<div class="selfcheck {MARKER}" id="{ids["base"]}" data-selfcheck-id="{escape(spec["id"])}" '
        f'data-selfcheck-version="{data["v"]}">'
        f'<script type="application/json" class="sc-data">{payload}</script>'
        f'<fieldset class="sc-fieldset"><legend id="{ids["legend"]}">'
        f'<span class="sc-badge">Self-check</span> '
        f'<span class="sc-prompt">{inline(spec["prompt"])}</span></legend>'
        f'<p class="sc-how">{TYPE_LABELS[spec["type"]]}</p>{body}'
        f'<div class="sc-actions"><button type="button" class="sc-check">Check</button>'
        f'{hint_button}<button type="button" class="sc-reveal" hidden>Show answer</button>'
        f'<button type="button" class="sc-retry" hidden>Try again</button></div>'
        f'<div class="sc-hints">{hints}</div>'
        f'<div class="sc-feedback" id="{ids["feedback"]}" role="status" aria-live="polite"></div>'
        f'<div class="sc-explanation" hidden>{explanation}</div>'
        f'<noscript><p class="sc-noscript">This self-check needs JavaScript.</p></noscript>'
        f'</fieldset></div>'
    )
