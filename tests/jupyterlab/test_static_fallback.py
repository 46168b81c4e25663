"""What every lab shows before it runs (untrusted, as cloned): the saved static HTML of each
self-check holds the question only. Feedback, hints and explanations are sealed in the key."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from labtools import REPO_ROOT, load_prepare_labs

pytestmark = pytest.mark.jupyterlab
tool = load_prepare_labs()
LABS = [p for p in tool.find_notebooks(REPO_ROOT) if tool.is_lab(p, REPO_ROOT)]
SHOWN_CLASSES = {
    "sc-feedback",
    "sc-hint-text",
    "sc-explanation",
    "sc-option-feedback",
    "sc-summary",
    "sc-actions",
}


class Visible(HTMLParser):
    """Text outside <script>, and every tag and class used."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: set[str] = set()
        self.classes: set[str] = set()
        self._script = 0

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.classes.update((dict(attrs).get("class") or "").split())
        self._script += tag == "script"

    def handle_endtag(self, tag):
        self._script -= tag == "script"

    def handle_data(self, data):
        if not self._script:
            self.text.append(data)


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.parent.name)
def test_saved_self_checks_show_the_question_only(path: Path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    found = 0
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            html = "".join(output.get("data", {}).get("text/html", ""))
            if "selfcheck-v2" not in html:
                continue
            found += 1
            page = Visible()
            page.feed(html)
            text = " ".join(page.text)
            assert "button" not in page.tags and not SHOWN_CLASSES & page.classes, path
            for word in ("Hint", "Explanation", "Correct", "Not quite", "JavaScript", "The answer"):
                assert word not in text, f"{path.parent.name}: {word!r} in a saved question"
            assert "sc-prompt" in page.classes
    assert found >= 2, f"{path}: expected saved self-check outputs"
