"""From the page source alone (no script run), no self-check answer can be read.

The page source of every question of the book: each question of the chapter banks and of
``book/selfcheck-examples.yml`` and each inline ``{selfcheck}`` of a page, rendered as the
directive renders it, and every self-check saved in a lab notebook's outputs. An attacker reads
the text, every attribute and every clear field of the sealed key (the AES-GCM boxes, the salt and
the version are opaque without a key derivation). The secrets to look for come from the page's
own logic (what "Show answer" and a right answer unlock), so the test knows them for questions
written as Python dicts in notebooks too.

Marker ``selfcheck_safety`` (issue 9).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from course_utils.lms.collect import page_questions
from course_utils.selfcheck import render_html, rules
from course_utils.selfcheck.render import MARKER
from course_utils.selfcheck.rules import normalise_text
from course_utils.selfcheck.spec import load_bank

pytestmark = pytest.mark.selfcheck_safety

REPO = Path(__file__).resolve().parents[2]
OPAQUE = {"b", "q", "r", "salt", "v"}
"""Fields of the key that are ciphertext or hashes."""
STRUCTURAL = {"f", "id", "type", "max_tries", "it", "rit", "n", "step", "co", "percent"}
"""Fields that describe the question's form, never its answer (``step`` is tolerance / 5)."""
CLEAR_TEXT = {"hints", "fi", "unit"}
"""Fields the page shows before any answer: the hints and the general "incorrect" feedback."""
VERDICT = re.compile(r"^\W*(right|correct|yes|exactly|well done|that is it|that is the)\b", re.I)
NUMBER = re.compile(r"[-+]?(?:\d+(?:[.,]\d+)?|\.\d+)")


def plain(tree: Any) -> str:
    """The text of a rich-text tree (as the page shows it)."""
    if tree is None:
        return ""
    if isinstance(tree, str):
        return tree
    return "".join(plain(c) for c in tree.get("c", []))


class Page(HTMLParser):
    """What view-source gives of one question: text, attributes and the key, by element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []  # (tag, name, value)
        self.key_json = ""
        self.options: list[str] = []  # each option's markup, as a list of events
        self.items: list[dict[str, str]] = []
        self._in_key = False
        self._option: list[str] | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.attrs += [(tag, k, v) for k, v in values.items()]
        if tag == "script" and "sc-data" in values.get("class", ""):
            self._in_key = True
        if tag == "div" and values.get("class") == "sc-option":
            self._option, self._depth = [], 0
        if self._option is not None:
            self._depth += tag not in ("input", "br")
            self._option.append(f"<{tag} {sorted(values.items())}>")
        if tag == "li" and "sc-item" in values.get("class", ""):
            self.items.append(values)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_key = False
        if self._option is not None:
            self._option.append(f"</{tag}>")
            self._depth -= 1
            if self._depth == 0:
                self.options.append("".join(self._option))
                self._option = None

    def handle_data(self, data: str) -> None:
        if self._in_key:
            self.key_json += data
        else:
            self.texts.append(data)
            if self._option is not None:
                self._option.append("TEXT")


def _sources() -> list[tuple[str, str]]:
    """(where, page source) of every self-check of the book."""
    out: list[tuple[str, str]] = []
    for bank in sorted((REPO / "book").rglob("*.yml")):
        if "_build" in bank.parts:
            continue
        for qid, spec in load_bank(bank).items():
            out.append((f"{bank.relative_to(REPO)}#{qid}", render_html(spec)))
    for page in sorted((REPO / "book").rglob("*.md")):
        # Every fence form MyST accepts (```, ````, :::), parsed as the LMS export parses it;
        # questions from a bank are rendered above.
        for spec, _where, bank in page_questions(page):
            if bank is None:
                out.append((f"{page.relative_to(REPO)}#{spec['id']}", render_html(spec)))
    for notebook in sorted((REPO / "book").rglob("*.ipynb")):
        if "_build" in notebook.parts or ".ipynb_checkpoints" in notebook.parts:
            continue
        seen = set()
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            for output in cell.get("outputs", []):
                html = output.get("data", {}).get("text/html")
                html = "".join(html) if isinstance(html, list) else html
                if html and MARKER in html and html not in seen:
                    seen.add(html)
                    qid = re.search(r'data-selfcheck-id="([^"]+)"', html).group(1)
                    out.append((f"{notebook.relative_to(REPO)}#{qid}", html))
    return out


SOURCES = _sources()


def parse(html: str) -> tuple[Page, dict[str, Any]]:
    page = Page()
    page.feed(html)
    page.close()
    return page, json.loads(page.key_json)


def secrets(key: dict[str, Any]) -> dict[str, Any]:
    """What the page's own logic unlocks: the answer, the explanation, every feedback text."""
    shown = rules.reveal(key)
    texts = [plain(shown.get("x"))]
    kind, answer = key["type"], shown.get("a")
    if kind == "single":
        for i in range(key["n"]):
            result = rules.check(key, i)
            texts += [plain(result.texts.get("feedback")), plain(result.texts.get("explanation"))]
    elif kind == "multiple":
        result = rules.check(key, list(range(key["n"])))
        texts += [plain(t) for t in result.texts.get("options", {}).values()]
    elif kind == "ordering":
        result = rules.check(key, answer)
        texts.append(plain(result.texts.get("feedback")))
    else:
        result = rules.check(key, str(answer))
        texts.append(plain(result.texts.get("feedback")))
        if kind == "numeric":
            value = rules.parse_number(str(answer), percent=key["percent"], unit=key["unit"]).value
            step = float(key["step"])
            for probe in (value - 10 * step, value + 10 * step):  # too low / too high
                texts.append(
                    plain(rules.check(key, rules.format_number(probe)).texts.get("feedback"))
                )
    assert result.status == "correct" or kind in ("single", "multiple"), (key["id"], result)
    return {"answer": answer, "texts": [t for t in texts if len(normalise_text(t)) >= 12]}


ATTRIBUTES = {
    "class",
    "id",
    "data-selfcheck-id",
    "data-selfcheck-version",
    "type",
    "name",
    "value",
    "for",
    "aria-describedby",
    "inputmode",
    "autocomplete",
    "spellcheck",
    "data-index",
    "href",
}
"""The attributes the static rendering uses; all but ``href`` (a link in the text) are structural."""


def clear_strings(page: Page, key: dict[str, Any]) -> list[str]:
    """Everything readable that is not the visible question itself: link targets and the key's
    clear fields (hints, general feedback, unit)."""
    out = [value for _, name, value in page.attrs if name == "href"]
    for name in CLEAR_TEXT:
        value = key.get(name)
        out += [plain(v) for v in value] if isinstance(value, list) else [plain(value)]
    return [s for s in out if s]


def test_every_question_of_the_book_is_examined():
    kinds = Counter(parse(html)[1]["type"] for _, html in SOURCES)
    assert set(kinds) == {"single", "multiple", "numeric", "text", "ordering"}, kinds
    assert len(SOURCES) >= 60, len(SOURCES)


@pytest.mark.parametrize("where,html", SOURCES, ids=[w for w, _ in SOURCES])
def test_the_page_source_gives_no_answer(where, html):
    page, key = parse(html)
    assert set(key) <= OPAQUE | STRUCTURAL | CLEAR_TEXT, (
        f"new clear fields: {set(key) - OPAQUE - STRUCTURAL - CLEAR_TEXT}"
    )
    found = secrets(key)
    everything = normalise_text(
        " ".join(page.texts + [v for _, _, v in page.attrs] + [page.key_json])
    )
    # No feedback, explanation or verdict in clear, anywhere in the source.
    for text in found["texts"]:
        assert normalise_text(text) not in everything, (
            f"{where}: a sealed text is in clear: {text[:60]!r}"
        )
    clear = clear_strings(page, key)
    assert not [s for s in clear if VERDICT.match(s)], f"{where}: a verdict in clear"
    assert {name for _, name, _ in page.attrs} <= ATTRIBUTES, f"{where}: new attributes"
    assert not [tag for tag, _, _ in page.attrs if tag in ("template", "noscript", "textarea")]
    for tag, name, value in page.attrs:  # structural values only: indices, ids, fixed words
        if name == "value":
            assert tag == "input" and value.isdigit(), (where, value)
    kind, answer = key["type"], found["answer"]
    if kind == "numeric":
        value = rules.parse_number(str(answer), percent=key["percent"], unit=key["unit"]).value
        numbers = {float(n.replace(",", ".")) for s in clear for n in NUMBER.findall(s)}
        numbers |= {
            float(key[k])
            for k in key
            if k not in OPAQUE | STRUCTURAL | CLEAR_TEXT and isinstance(key[k], (int, float))
        }
        assert value not in numbers and value * 100 not in numbers, (
            f"{where}: the answer {answer} is in clear"
        )
    if kind == "text":
        assert all(normalise_text(str(answer)) not in normalise_text(s) for s in clear), where
    if kind in ("single", "multiple"):
        # Every option's markup is the same but for its index and its text.
        shapes = {
            re.sub(r"(<label [^>]*\]>).*?(</label>)", r"\1#\2", re.sub(r"o\d+'|'\d+'", "#", o))
            for o in page.options
        }
        assert len(page.options) == key["n"] and len(shapes) == 1, (
            f"{where}: options differ: {shapes}"
        )
    if kind == "ordering":
        # Items carry only their shown position; the shown order is never the answer.
        assert [int(li["data-index"]) for li in page.items] == list(range(key["n"]))
        assert answer != list(range(key["n"])), where


def test_the_position_of_the_correct_option_gives_no_answer():
    """Guessing "the first option" (authors tend to write the right one first: 22 of the 25 in the
    banks) must not work: the page shows the options shuffled (``rules.option_order``)."""
    positions: Counter[int] = Counter()
    total = 0
    for _, html in SOURCES:
        key = parse(html)[1]
        if key["type"] == "single":
            total += 1
            positions[rules.reveal(key)["a"][0]] += 1
    best, hits = positions.most_common(1)[0]
    assert hits <= total / 2, (
        f"option {best + 1} is the right one in {hits} of {total} single-choice questions"
    )
