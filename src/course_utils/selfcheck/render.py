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
    """The key plus the texts the browser reveals (feedback, hints, explanation) as safe HTML."""
    key = compile_key(spec)
    texts: dict[str, Any] = {
        "hints": [inline(h) for h in spec.get("hints", [])],
        "explanation": inline(spec["explanation"]) if spec.get("explanation") else "",
        "feedback": _feedback_html(spec),
    }
    if spec["type"] in ("single", "multiple"):
        texts["option_feedback"] = [inline(o["feedback"]) if o.get("feedback") else ""
                                    for o in spec["options"]]
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
            f'<li class="selfcheck-option"><input type="{kind}" id="{oid}" '
            f'name="{ids["base"]}" value="{i}"> <label for="{oid}">{inline(option["text"])}</label>'
            f'<div class="selfcheck-option-feedback" id="{oid}-fb" hidden></div></li>')
    return f'<ul class="selfcheck-options" role="list">{"".join(rows)}</ul>'


def _entry(spec: dict[str, Any], ids: dict[str, str]) -> str:
    unit = spec.get("unit")
    mode = ' inputmode="decimal"' if spec["type"] == "numeric" else ""
    unit_html = f' <span class="selfcheck-unit">{escape(unit)}</span>' if unit else ""
    return (f'<div class="selfcheck-entry"><label for="{ids["input"]}">Your answer</label> '
            f'<input type="text" id="{ids["input"]}" class="selfcheck-input" autocomplete="off" '
            f'spellcheck="false"{mode}>{unit_html}</div>')


def _ordering(spec: dict[str, Any], ids: dict[str, str], salt: str) -> str:
    rows = []
    for shown, original in enumerate(shown_order(len(spec["items"]), salt)):
        tid = f"{ids['base']}-i{shown}"
        rows.append(
            f'<li class="selfcheck-item" data-index="{shown}"><span class="selfcheck-item-text" '
            f'id="{tid}">{inline(spec["items"][original])}</span> '
            f'<span class="selfcheck-moves"><button type="button" class="selfcheck-up" '
            f'aria-describedby="{tid}">Move up</button> <button type="button" '
            f'class="selfcheck-down" aria-describedby="{tid}">Move down</button></span></li>')
    return f'<ol class="selfcheck-order">{"".join(rows)}</ol>'


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
    hint_button = ('<button type="button" class="selfcheck-hint">Show a hint</button>'
                   if spec.get("hints") else "")
    payload = (json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
               .replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"))
    return (
        f'<div class="selfcheck {MARKER}" id="{ids["base"]}" data-selfcheck-id="{escape(spec["id"])}" '
        f'data-selfcheck-version="{data["v"]}">'
        f'<script type="application/json" class="selfcheck-data">{payload}</script>'
        f'<fieldset class="selfcheck-fieldset"><legend id="{ids["legend"]}">'
        f'<span class="selfcheck-badge">Self-check</span> '
        f'<span class="selfcheck-prompt">{inline(spec["prompt"])}</span></legend>'
        f'<p class="selfcheck-how">{TYPE_LABELS[spec["type"]]}</p>{body}'
        f'<div class="selfcheck-actions"><button type="button" class="selfcheck-check">Check</button>'
        f'{hint_button}<button type="button" class="selfcheck-reveal" hidden>Show answer</button>'
        f'<button type="button" class="selfcheck-retry" hidden>Try again</button></div>'
        f'<div class="selfcheck-hints"></div>'
        f'<div class="selfcheck-feedback" id="{ids["feedback"]}" role="status" aria-live="polite"></div>'
        f'<div class="selfcheck-explanation" hidden></div>'
        f'<noscript><p class="selfcheck-noscript">This self-check needs JavaScript.</p></noscript>'
        f'</fieldset></div>'
    )
